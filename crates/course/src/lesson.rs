//! Lesson files: `+++` TOML front matter, then CommonMark.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    pub title: String,
    pub minutes: u32,
    #[serde(default)]
    pub competences: Vec<Spanned<String>>,
    #[serde(default)]
    pub audio: Option<Spanned<String>>,
    #[serde(default)]
    pub video: Option<Spanned<String>>,
    #[serde(default)]
    pub captions: Option<Spanned<String>>,
    /// The picture a video shows before it plays (in `media/`).
    #[serde(default)]
    pub poster: Option<Spanned<String>>,
    /// Extension: the documents a lesson's legal facts rest on, each with its date, so a reviewer
    /// can check them and a learner can look them up.
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
}

/// The longest source accepted: one citation, not a paragraph.
pub(crate) const SOURCE_MAX_CHARS: usize = 300;

/// What is wrong with each source of a lesson, as (index in `sources`, message).
pub(crate) fn source_problems(sources: &[Spanned<String>]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let text = source.get_ref();
        if text.trim().is_empty() {
            out.push((i, "a source is empty".to_owned()));
        } else if text.contains(['\n', '\r']) {
            out.push((i, "a source is one line".to_owned()));
        } else if text.chars().count() > SOURCE_MAX_CHARS {
            out.push((
                i,
                format!("a source is at most {SOURCE_MAX_CHARS} characters: cite the document, do not quote it"),
            ));
        } else if !names_a_year(text) {
            out.push((
                i,
                format!("source \"{text}\" names no year: give the document's number and date"),
            ));
        } else if sources[..i]
            .iter()
            .any(|s| s.get_ref().trim() == text.trim())
        {
            out.push((i, format!("source \"{text}\" is listed twice")));
        }
    }
    out
}

/// A year from 1900 to 2099 standing alone ("ngày 26/6/2025", "91/2025/QH15"), not inside a
/// longer number: the least a citation needs for a reviewer to find the right version.
fn names_a_year(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 4 && (run.starts_with("19") || run.starts_with("20")))
}

/// A lesson file split into its parts, with the byte offsets needed to report lines.
pub(crate) struct Split<'a> {
    pub front: &'a str,
    /// Byte offset of the front matter in the file.
    pub front_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Splits `+++\n<toml>\n+++\n<body>`; None when the file does not start with front matter or
/// the closing `+++` is missing.
pub(crate) fn split(text: &str) -> Option<Split<'_>> {
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "+++" {
        return None;
    }
    let front_offset = first_end + 1;
    let mut pos = front_offset;
    for line in text[front_offset..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some(Split {
                front: &text[front_offset..pos],
                front_offset,
                body: &text[pos + line.len()..],
                body_offset: pos + line.len(),
            });
        }
        pos += line.len();
    }
    None
}

/// `NN-slug.md` → ("NN", "slug").
pub(crate) fn parse_file_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".md")?;
    let (num, slug) = stem.split_once('-')?;
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((num, slug))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_from_the_body() {
        let s = split("+++\ntitle = \"a\"\n+++\nBody\n").expect("split");
        assert_eq!(s.front, "title = \"a\"\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.front_offset, 4);
    }

    #[test]
    fn a_file_without_closing_marker_is_refused() {
        assert!(split("+++\ntitle = 1\n").is_none());
        assert!(split("title").is_none());
    }

    fn spanned(list: &[&str]) -> Vec<Spanned<String>> {
        #[derive(Deserialize)]
        struct S {
            sources: Vec<Spanned<String>>,
        }
        let text = format!(
            "sources = [{}]",
            list.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        toml::from_str::<S>(&text).expect("toml").sources
    }

    #[test]
    fn sources_that_cite_a_dated_document_are_accepted() {
        let ok = spanned(&[
            "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, ngày 26/6/2025",
            "Nghị định 147/2024/NĐ-CP ngày 9/11/2024",
        ]);
        assert!(source_problems(&ok).is_empty());
    }

    #[test]
    fn empty_undated_repeated_or_overlong_sources_are_refused() {
        let bad = spanned(&[
            " ",
            "Luật An ninh mạng",
            "Nghị định 147/2024/NĐ-CP",
            "Nghị định 147/2024/NĐ-CP",
            &"Luật 2025 ".repeat(40),
            "số 12345 không phải năm",
        ]);
        let found: Vec<usize> = source_problems(&bad).iter().map(|(i, _)| *i).collect();
        assert_eq!(found, vec![0, 1, 3, 4, 5]);
    }

    #[test]
    fn lesson_file_names_carry_order_and_slug() {
        assert_eq!(parse_file_name("01-lua-dao.md"), Some(("01", "lua-dao")));
        assert_eq!(parse_file_name("lua-dao.md"), None);
        assert_eq!(parse_file_name("01-x.txt"), None);
    }
}
