//! The Vietnamese analyzer: how text (a lesson, a question typed on a phone) becomes the words
//! the index holds and the query asks for.
//!
//! Every text is put in Unicode NFC first (a phone keyboard may send "ệ" as "e" + two combining
//! marks), then cut into words at every character that is not a letter or a digit, and lower
//! cased. Each word has two forms: the *exact* one, with its diacritics, and the *folded* one,
//! without them (`đ` → `d`), because many learners type without diacritics ("mat khau"). The
//! index holds both, so a query finds by the folded form and ranks exact diacritics higher.
//! Vietnamese writes a word as several syllables ("mật khẩu"), so pairs of neighbouring
//! syllables (`mat_khau`) are indexed too: a passage with the whole word ranks above one with
//! "mật" here and "khẩu" there.

use unicode_normalization::UnicodeNormalization;

/// One word of a text: where it is (byte range in the NFC text) and its two forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Lower case, with diacritics.
    pub exact: String,
    /// Lower case, without diacritics (`đ` → `d`).
    pub folded: String,
}

/// NFC, the one form every text is compared in.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// A lower-case word without its diacritics: "Đường" → "duong".
pub fn fold(word: &str) -> String {
    word.nfd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of an NFC text, in order.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let is_word = i < text.len() && c.is_alphanumeric();
        match (is_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let raw = &text[s..i];
                let exact: String = raw.chars().flat_map(char::to_lowercase).collect();
                out.push(Word {
                    start: s,
                    end: i,
                    folded: fold(&exact),
                    exact,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The key of two neighbouring syllables in the pairs field.
pub fn pair(a: &str, b: &str) -> String {
    format!("{a}_{b}")
}

/// Words that carry no meaning of their own in a learner's question ("làm sao", "tôi", "thì",
/// "ạ"), written with their diacritics. They still form pairs with their neighbours, but a
/// passage is neither found nor counted as answering for containing them alone.
const STOPWORDS: &[&str] = &[
    "à", "ạ", "anh", "bà", "bác", "bạn", "bằng", "bị", "biết", "cách", "cái", "cho", "chị", "chú",
    "có", "còn", "của", "cũng", "đã", "đang", "đây", "để", "đến", "đều", "đi", "đó", "được", "em",
    "gì", "giúp", "hay", "hãy", "hỏi", "khi", "không", "là", "lại", "làm", "mình", "một", "nào",
    "này", "nếu", "nhé", "như", "những", "nó", "ông", "phải", "ra", "rồi", "rằng", "sao", "sẽ",
    "thế", "thì", "thôi", "tôi", "trong", "và", "vậy", "về", "vì", "với", "vừa", "xin", "hả",
    "nhỉ", "nhờ", "ơi", "ở", "đâu", "muốn", "các", "nhiều", "mà", "thể", "bao", "giờ", "gì", "nên",
    "ạ", "nha", "vô",
];

/// The same words typed without diacritics, where the bare form is not also a word that
/// matters ("dang" may be "đăng" as in "đăng ký", "vi" may be "ví"; those are not here).
const FOLDED_STOPWORDS: &[&str] = &[
    "a", "anh", "bac", "bang", "biet", "cach", "cai", "chu", "co", "cua", "cung", "day", "den",
    "deu", "duoc", "em", "gi", "giup", "khi", "khong", "la", "lam", "minh", "mot", "nao", "nay",
    "neu", "nhe", "nhu", "nhung", "ong", "phai", "roi", "rang", "sao", "se", "thi", "thoi", "toi",
    "trong", "va", "vay", "voi", "xin", "oi", "o", "cac", "nhieu", "nen", "nha", "ha",
];

/// Whether a word is a stopword: by its exact form when it was written with diacritics, by
/// its bare form otherwise.
pub fn is_stopword(word: &Word) -> bool {
    if has_diacritics(word) {
        STOPWORDS.contains(&word.exact.as_str())
    } else {
        FOLDED_STOPWORDS.contains(&word.folded.as_str())
    }
}

/// Whether a folded word has no diacritics to compare (its exact form is the same).
pub fn has_diacritics(word: &Word) -> bool {
    word.exact != word.folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_cut_at_punctuation_and_folded() {
        let w = words(&nfc("Đường link lạ? Mã OTP-123"));
        let folded: Vec<&str> = w.iter().map(|w| w.folded.as_str()).collect();
        assert_eq!(folded, ["duong", "link", "la", "ma", "otp", "123"]);
        assert_eq!(w[0].exact, "đường");
        assert_eq!(&"Đường link"[w[0].start..w[0].end], "Đường");
    }

    #[test]
    fn decomposed_input_becomes_the_same_words() {
        let decomposed: String = "mật khẩu".nfd().collect();
        let a = words(&nfc(&decomposed));
        let b = words(&nfc("mật khẩu"));
        assert_eq!(a, b);
        assert_eq!(a[1].folded, "khau");
    }

    #[test]
    fn stopwords_are_told_apart_from_content_words_by_diacritics() {
        let w = words(&nfc("làm sao đăng ký lam sao dang ky"));
        let stop: Vec<bool> = w.iter().map(is_stopword).collect();
        assert_eq!(stop, [true, true, false, false, true, true, false, false]);
    }

    #[test]
    fn emoji_and_punctuation_are_no_words() {
        assert!(words(&nfc("🙂🙂 ?! ...")).is_empty());
    }
}
