//! Translations of lessons (issue #14): a file beside the lesson, `NN-slug.<lang>.md`, with the
//! same front matter shape (a `title`, and the language's own `audio`, `video` and `captions`
//! when it has them) and the lesson's text in that language. Any language code of 2–8 lowercase
//! letters works (`en`, `jra` for Jrai, `bdq` for Bahnar): authors add a language by adding
//! files, without code. A lesson without a translation is shown in Vietnamese.

use hocvuso_assessment::model::{Question, QuestionKind};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A lesson's text in another language.
#[derive(Debug, Clone, Serialize)]
pub struct LessonText {
    pub title: String,
    /// Rendered and sanitised HTML, as `Lesson::html`.
    pub html: String,
    pub words: usize,
    pub audio: Option<String>,
    pub video: Option<String>,
    pub captions: Option<String>,
    pub poster: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TranslationFront {
    pub title: String,
    #[serde(default)]
    pub audio: Option<Spanned<String>>,
    #[serde(default)]
    pub video: Option<Spanned<String>>,
    #[serde(default)]
    pub captions: Option<Spanned<String>>,
    #[serde(default)]
    pub poster: Option<Spanned<String>>,
}

/// A course's title and summary in another language (`course.<lang>.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseText {
    pub title: String,
    #[serde(default)]
    pub summary: String,
}

/// Whether a translated question can stand in for the original in an attempt: the same type,
/// and the same number of options, pairs or items (a paper points at them by position), or for
/// a hotspot the same regions and places.
pub fn same_shape(original: &Question, translated: &Question) -> bool {
    use QuestionKind as K;
    match (&original.kind, &translated.kind) {
        (
            K::Choice {
                options: a,
                multiple: m,
                ..
            },
            K::Choice {
                options: b,
                multiple: n,
                ..
            },
        ) => a.len() == b.len() && m == n,
        (K::Matching { pairs: a, .. }, K::Matching { pairs: b, .. }) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.left.text.is_empty() == y.left.text.is_empty())
        }
        (K::Ordering { items: a, .. }, K::Ordering { items: b, .. }) => a.len() == b.len(),
        // A hotspot is marked by where the learner taps: the translation may show its own
        // picture (a screen in that language) but with the same size and the same regions, and
        // the same number of named places, in the same order.
        (
            K::Hotspot {
                width: w1,
                height: h1,
                regions: r1,
                places: p1,
                ..
            },
            K::Hotspot {
                width: w2,
                height: h2,
                regions: r2,
                places: p2,
                ..
            },
        ) => {
            (w1, h1) == (w2, h2)
                && r1 == r2
                && p1.len() == p2.len()
                && p1.iter().zip(p2).all(|(a, b)| (a.x, a.y) == (b.x, b.y))
        }
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// A language code as content files use it: 2–8 lowercase ASCII letters.
pub fn is_language_code(code: &str) -> bool {
    (2..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

/// `NN-slug.lang.md` → ("NN-slug.md", "lang"): the lesson file it translates and the language.
/// None for a file that is not a translation (no second dot).
pub(crate) fn parse_file_name(name: &str) -> Option<(String, &str)> {
    let stem = name.strip_suffix(".md")?;
    let (base, lang) = stem.rsplit_once('.')?;
    Some((format!("{base}.md"), lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translation_names_its_lesson_and_language() {
        assert_eq!(
            parse_file_name("01-bat-may.en.md"),
            Some(("01-bat-may.md".to_owned(), "en"))
        );
        assert_eq!(parse_file_name("01-bat-may.md"), None);
        assert!(is_language_code("jra"));
        assert!(!is_language_code("EN"));
        assert!(!is_language_code("e"));
    }
}
