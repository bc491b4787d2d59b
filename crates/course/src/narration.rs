//! What a lesson's narration says (issue #14): the lesson's text as a speech engine should read
//! it. Pure text work, so it is tested here and the server only runs the engine:
//!
//! - `script` turns a lesson's rendered HTML into plain sentences (headings and list items end
//!   with a pause, markup and link targets are dropped);
//! - `normalise_vi` writes out, in Vietnamese words, what an engine would otherwise spell or
//!   misread: numbers ("2.000.000" → "hai triệu"), decimals and percentages, dates
//!   ("27/11/2026"), telephone numbers read digit by digit ("1800.6838", "0912 345 678"), and
//!   abbreviations and English terms the lessons use (UBND, VNeID, OTP, Wi-Fi, Zalo…).
//!
//! The script is also what the narration cache is keyed by: a lesson's audio is made again only
//! when what it says changes.

/// The narration of a lesson: its title, then its body, as plain text ready for `normalise_vi`
/// (or read as it is in another language).
pub fn script(title: &str, html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    out.push_str(title.trim());
    out.push_str(".\n");
    out.push_str(&html_to_text(html));
    out.trim().to_owned()
}

/// Plain text of sanitised lesson HTML: tags dropped, block ends become sentence breaks, the
/// few entities the renderer writes decoded.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = tag.starts_with('/');
        match name.as_str() {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "td" | "th" | "dt" | "dd"
                if closing =>
            {
                end_sentence(&mut out)
            }
            "p" | "div" | "blockquote" | "tr" | "figcaption" if closing => end_sentence(&mut out),
            "br" => out.push('\n'),
            // An image says what its alternative text says.
            "img" => {
                if let Some(alt) = attribute(tag, "alt") {
                    out.push_str(&alt);
                    end_sentence(&mut out);
                }
            }
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn end_sentence(out: &mut String) {
    let trimmed = out.trim_end();
    if trimmed.is_empty() {
        return;
    }
    let last = trimmed.chars().last().unwrap_or('.');
    out.truncate(trimmed.len());
    if !matches!(last, '.' | '!' | '?' | ':' | ';') {
        out.push('.');
    }
    out.push('\n');
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Abbreviations and English terms as a Vietnamese voice should say them. Matched as whole
/// words, case-sensitive (so "OTP" but not "otp" in a web address).
const WORDS: &[(&str, &str)] = &[
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("VNeID", "vê en e ai đi"),
    ("OTP", "ô tê pê"),
    ("CCCD", "căn cước công dân"),
    ("CMND", "chứng minh nhân dân"),
    ("BHXH", "bảo hiểm xã hội"),
    ("BHYT", "bảo hiểm y tế"),
    ("VssID", "vê ét ét ai đi"),
    ("THPT", "trung học phổ thông"),
    ("TP", "thành phố"),
    ("Wi-Fi", "wai phai"),
    ("WiFi", "wai phai"),
    ("4G", "bốn gờ"),
    ("5G", "năm gờ"),
    ("3G", "ba gờ"),
    ("SIM", "sim"),
    ("QR", "qui a"),
    ("PIN", "pin"),
    ("SMS", "ét em ét"),
    ("URL", "u rờ lờ"),
    ("PDF", "pê đê ép"),
    ("AI", "ây ai"),
    ("ID", "ai đi"),
    ("OK", "ô kê"),
    ("GPS", "gờ pê ét"),
    ("USB", "u ét bê"),
    ("VNPT", "vê en pê tê"),
    ("Zalo", "da lô"),
    ("Facebook", "phây búc"),
    ("Google", "gu gồ"),
    ("YouTube", "diu túp"),
    ("TikTok", "tích tóc"),
    ("email", "i meo"),
    ("Email", "i meo"),
    ("online", "on lai"),
    ("app", "áp"),
    ("Bluetooth", "blu tút"),
    ("iPhone", "ai phôn"),
    ("Android", "an đờ roi"),
    ("link", "linh"),
];

/// The lesson text with numbers, dates, telephone numbers and abbreviations written out in
/// Vietnamese words.
pub fn normalise_vi(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A term that starts with a digit ("4G") is a word, not a number.
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_alphanumeric())
            .collect::<String>();
        if c.is_ascii_digit() {
            if let Some((_, spoken)) = WORDS.iter().find(|(w, _)| *w == run) {
                push_word(&mut out, spoken);
                i += run.chars().count();
                continue;
            }
        }
        if c.is_ascii_digit() {
            let (spoken, used) = read_number_run(&chars[i..]);
            push_word(&mut out, &spoken);
            i += used;
        } else if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || (chars[i] == '-' && i + 1 < chars.len() && chars[i + 1].is_alphanumeric()))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match WORDS.iter().find(|(w, _)| *w == word) {
                Some((_, spoken)) => push_word(&mut out, spoken),
                None => push_word(&mut out, &word),
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if out.chars().last().is_some_and(|c| c.is_alphanumeric()) {
        out.push(' ');
    }
    out.push_str(word);
}

/// Reads the number-like run at the start of `chars` ("27/11/2026", "1800.6838", "2.000.000",
/// "87,5%", "0912 345 678") and says it; returns the words and how many chars it used.
fn read_number_run(chars: &[char]) -> (String, usize) {
    // The longest run of digit groups joined by one separator each, a separator only counting
    // when a digit follows it.
    let mut groups: Vec<String> = vec![String::new()];
    let mut seps: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            if let Some(g) = groups.last_mut() {
                g.push(c);
            }
            i += 1;
        } else if matches!(c, '.' | ',' | '/' | ' ' | ':')
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            seps.push(c);
            groups.push(String::new());
            i += 1;
        } else {
            break;
        }
    }
    let percent = chars.get(i) == Some(&'%');
    let digits: usize = groups.iter().map(String::len).sum();

    // A date: d/m/yyyy or d/m.
    if !seps.is_empty() && seps.iter().all(|s| *s == '/') && (2..=3).contains(&groups.len()) {
        let day: u64 = groups[0].parse().unwrap_or(0);
        let month: u64 = groups[1].parse().unwrap_or(0);
        if (1..=31).contains(&day) && (1..=12).contains(&month) {
            let mut s = format!("ngày {} tháng {}", words(day), words(month));
            if let Some(year) = groups.get(2) {
                s.push_str(&format!(" năm {}", words(year.parse().unwrap_or(0))));
            }
            return (s, i);
        }
    }
    // A time: 14:05.
    if seps == [':'] && groups[0].len() <= 2 && groups[1].len() == 2 {
        let h: u64 = groups[0].parse().unwrap_or(0);
        let m: u64 = groups[1].parse().unwrap_or(0);
        let s = if m == 0 {
            format!("{} giờ", words(h))
        } else {
            format!("{} giờ {} phút", words(h), words(m))
        };
        return (s, i);
    }
    // Thousands written with dots: 2.000.000 (groups after the first have three digits).
    let thousands = !seps.is_empty()
        && seps.iter().all(|s| *s == '.')
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3);
    // A telephone number: a leading 0 or a 1800/1900 hotline, or seven digits and more in
    // groups, read digit by digit.
    let phone = !thousands
        && !percent
        && digits >= 7
        && seps.iter().all(|s| matches!(s, '.' | ' '))
        && (groups[0].starts_with('0')
            || groups[0].starts_with("18")
            || groups[0].starts_with("19")
            || !seps.is_empty());
    if phone {
        let spoken: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.chars())
            .map(|d| DIGITS[d.to_digit(10).unwrap_or(0) as usize])
            .collect();
        return (spoken.join(" "), i);
    }
    if thousands {
        let n: String = groups.concat();
        let mut s = words_str(&n);
        let mut used = i;
        if percent {
            s.push_str(" phần trăm");
            used += 1;
        }
        return (s, used);
    }
    // Otherwise: the first group as a number (a decimal comma when one follows), the rest left
    // for the next run (a space-separated list of numbers is read number by number).
    let mut s = words_str(&groups[0]);
    let mut used = groups[0].len();
    if seps.first() == Some(&',') {
        s.push_str(" phẩy ");
        let frac = &groups[1];
        // Decimals are read as a number when short (87,5 → "tám mươi bảy phẩy năm").
        s.push_str(&words_str(frac));
        used += 1 + frac.len();
    }
    if chars.get(used) == Some(&'%') {
        s.push_str(" phần trăm");
        used += 1;
    }
    (s, used)
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// A string of digits as words; too long to be a quantity (over 15 digits), digit by digit.
fn words_str(digits: &str) -> String {
    if digits.len() > 15 {
        return digits
            .chars()
            .map(|d| DIGITS[d.to_digit(10).unwrap_or(0) as usize])
            .collect::<Vec<_>>()
            .join(" ");
    }
    if digits.len() > 1 && digits.starts_with('0') {
        // "05" in "05 phút" is five; "007" is read as it is written.
        let trimmed = digits.trim_start_matches('0');
        if digits.len() <= 2 {
            return words(trimmed.parse().unwrap_or(0));
        }
        return digits
            .chars()
            .map(|d| DIGITS[d.to_digit(10).unwrap_or(0) as usize])
            .collect::<Vec<_>>()
            .join(" ");
    }
    words(digits.parse().unwrap_or(0))
}

/// A whole number in Vietnamese words: 21 → "hai mươi mốt", 105 → "một trăm linh năm",
/// 2026 → "hai nghìn không trăm hai mươi sáu", 2000000 → "hai triệu".
pub fn words(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_owned();
    }
    const SCALES: [&str; 5] = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ"];
    let mut groups = Vec::new();
    let mut m = n;
    while m > 0 {
        groups.push(m % 1000);
        m /= 1000;
    }
    let mut parts: Vec<String> = Vec::new();
    for (idx, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            continue;
        }
        let leading = idx == groups.len() - 1;
        let mut s = three_digits(*g, !leading);
        if let Some(scale) = SCALES.get(idx).filter(|s| !s.is_empty()) {
            s.push(' ');
            s.push_str(scale);
        }
        parts.push(s);
    }
    parts.join(" ")
}

/// 0–999; `full` when a higher group precedes (then 5 is "không trăm linh năm").
fn three_digits(n: u64, full: bool) -> String {
    let (h, t, u) = (n / 100, (n / 10) % 10, n % 10);
    let mut s: Vec<&str> = Vec::new();
    if h > 0 || full {
        s.push(DIGITS[h as usize]);
        s.push("trăm");
    }
    match t {
        0 => {
            if u > 0 && (h > 0 || full) {
                s.push("linh");
            }
            if u > 0 {
                s.push(DIGITS[u as usize]);
            }
        }
        1 => {
            s.push("mười");
            match u {
                0 => {}
                5 => s.push("lăm"),
                _ => s.push(DIGITS[u as usize]),
            }
        }
        _ => {
            s.push(DIGITS[t as usize]);
            s.push("mươi");
            match u {
                0 => {}
                1 => s.push("mốt"),
                5 => s.push("lăm"),
                _ => s.push(DIGITS[u as usize]),
            }
        }
    }
    s.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_the_vietnamese_way() {
        assert_eq!(words(0), "không");
        assert_eq!(words(5), "năm");
        assert_eq!(words(15), "mười lăm");
        assert_eq!(words(21), "hai mươi mốt");
        assert_eq!(words(105), "một trăm linh năm");
        assert_eq!(words(1965), "một nghìn chín trăm sáu mươi lăm");
        assert_eq!(words(2026), "hai nghìn không trăm hai mươi sáu");
        assert_eq!(words(2_000_000), "hai triệu");
        assert_eq!(words(1_005), "một nghìn không trăm linh năm");
    }

    #[test]
    fn dates_times_money_percentages_and_phones_are_written_out() {
        assert_eq!(
            normalise_vi("Từ 01/7/2025"),
            "Từ ngày một tháng bảy năm hai nghìn không trăm hai mươi lăm"
        );
        assert_eq!(normalise_vi("lúc 14:05"), "lúc mười bốn giờ năm phút");
        assert_eq!(normalise_vi("2.000.000 đồng"), "hai triệu đồng");
        assert_eq!(normalise_vi("đạt 70%."), "đạt bảy mươi phần trăm.");
        assert_eq!(normalise_vi("87,5"), "tám mươi bảy phẩy năm");
        assert_eq!(
            normalise_vi("gọi 1800.6838"),
            "gọi một tám không không sáu tám ba tám"
        );
        assert_eq!(
            normalise_vi("số 0912 345 678"),
            "số không chín một hai ba bốn năm sáu bảy tám"
        );
        assert_eq!(normalise_vi("gọi 113"), "gọi một trăm mười ba");
    }

    #[test]
    fn abbreviations_and_english_terms_are_said_as_words() {
        assert_eq!(
            normalise_vi("UBND cấp mã OTP qua VNeID, dùng Wi-Fi hoặc 4G."),
            "Ủy ban nhân dân cấp mã ô tê pê qua vê en e ai đi, dùng wai phai hoặc bốn gờ."
        );
        // Inside a longer word it is left alone.
        assert_eq!(normalise_vi("OTPX"), "OTPX");
    }

    #[test]
    fn the_script_is_the_lesson_as_sentences() {
        let s = script(
            "Bật máy",
            "<h2>Nút nguồn</h2><p>Nhấn giữ &amp; chờ.</p><ul><li>Một</li><li>Hai</li></ul><p><img src=\"/m/a.svg\" alt=\"Hình điện thoại\"></p>",
        );
        assert_eq!(
            s,
            "Bật máy.\nNút nguồn.\nNhấn giữ & chờ.\nMột.\nHai.\nHình điện thoại."
        );
    }
}
