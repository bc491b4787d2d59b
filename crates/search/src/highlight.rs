//! The sentence a hit shows, with the query's words marked, and its safe HTML.

use std::collections::HashSet;

use serde::Serialize;

use crate::analyzer::{nfc, words};

/// Longest snippet shown (characters): about two lines on a phone.
const SNIPPET_MAX_CHARS: usize = 240;

/// A piece of a snippet: plain text, marked when it is one of the query's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub text: String,
    pub mark: bool,
}

/// The sentence of `text` with the most distinct marked words (the first of equals), cut to
/// about `SNIPPET_MAX_CHARS` around its first mark.
pub fn snippet(text: &str, marks: &HashSet<String>) -> Vec<Fragment> {
    let text = nfc(text);
    let mut best: Option<(usize, &str)> = None;
    for sentence in sentences(&text) {
        let found: HashSet<String> = words(sentence)
            .into_iter()
            .filter(|w| marks.contains(&w.folded))
            .map(|w| w.folded)
            .collect();
        if best.is_none_or(|(n, _)| found.len() > n) {
            best = Some((found.len(), sentence));
        }
    }
    let Some((_, sentence)) = best else {
        return Vec::new();
    };
    fragments(cut(sentence, marks), marks)
}

/// Sentences: lines, then at `. `, `? `, `! `.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.lines().flat_map(|line| {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = line.as_bytes();
        for i in 0..bytes.len() {
            if matches!(bytes[i], b'.' | b'?' | b'!') && bytes.get(i + 1) == Some(&b' ') {
                out.push(&line[start..=i]);
                start = i + 2;
            }
        }
        out.push(&line[start.min(line.len())..]);
        out.into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().any(char::is_alphanumeric))
    })
}

/// A long sentence shortened to a window that starts a little before its first mark.
fn cut<'a>(sentence: &'a str, marks: &HashSet<String>) -> std::borrow::Cow<'a, str> {
    if sentence.chars().count() <= SNIPPET_MAX_CHARS {
        return sentence.into();
    }
    let ws = words(sentence);
    let first = ws
        .iter()
        .position(|w| marks.contains(&w.folded))
        .unwrap_or(0);
    let from = ws[first.saturating_sub(4)].start;
    let mut end = from;
    for w in &ws[first.saturating_sub(4)..] {
        if sentence[from..w.end].chars().count() > SNIPPET_MAX_CHARS {
            break;
        }
        end = w.end;
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&sentence[from..end]);
    if end < sentence.len() {
        out.push('…');
    }
    out.into()
}

fn fragments(sentence: std::borrow::Cow<'_, str>, marks: &HashSet<String>) -> Vec<Fragment> {
    let mut out: Vec<Fragment> = Vec::new();
    let mut at = 0;
    let push = |text: &str, mark: bool, out: &mut Vec<Fragment>| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.mark == mark && !mark => last.text.push_str(text),
            _ => out.push(Fragment {
                text: text.to_owned(),
                mark,
            }),
        }
    };
    for w in words(&sentence) {
        if marks.contains(&w.folded) {
            push(&sentence[at..w.start], false, &mut out);
            push(&sentence[w.start..w.end], true, &mut out);
            at = w.end;
        }
    }
    push(&sentence[at..], false, &mut out);
    out
}

/// The snippet as HTML: every character escaped, marks in `<mark>`.
pub fn to_html(fragments: &[Fragment]) -> String {
    let mut out = String::new();
    for f in fragments {
        let text = hocvuso_course::markdown::escape_text(&f.text);
        if f.mark {
            out.push_str("<mark>");
            out.push_str(&text);
            out.push_str("</mark>");
        } else {
            out.push_str(&text);
        }
    }
    out
}

/// The snippet as plain text.
pub fn to_text(fragments: &[Fragment]) -> String {
    fragments.iter().map(|f| f.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(list: &[&str]) -> HashSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_sentence_with_most_query_words_is_marked_and_escaped() {
        let text = "Mở đầu. Đừng đưa <mã> OTP cho ai. Mật khẩu và mã OTP là bí mật.";
        let s = snippet(text, &marks(&["mat", "khau", "otp"]));
        assert_eq!(to_text(&s), "Mật khẩu và mã OTP là bí mật.");
        assert_eq!(
            to_html(&s),
            "<mark>Mật</mark> <mark>khẩu</mark> và mã <mark>OTP</mark> là bí <mark>mật</mark>."
        );
        let escaped = to_html(&snippet("Đừng đưa <b>OTP</b>", &marks(&["otp"])));
        assert_eq!(escaped, "Đừng đưa &lt;b&gt;<mark>OTP</mark>&lt;/b&gt;");
    }

    #[test]
    fn a_long_sentence_is_cut_around_its_first_mark() {
        let text = format!("{} otp {}", "chữ ".repeat(100), "sau ".repeat(100));
        let s = to_text(&snippet(&text, &marks(&["otp"])));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.chars().count() <= SNIPPET_MAX_CHARS + 2);
        assert!(s.contains("otp"));
    }
}
