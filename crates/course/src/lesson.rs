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

    #[test]
    fn lesson_file_names_carry_order_and_slug() {
        assert_eq!(parse_file_name("01-lua-dao.md"), Some(("01", "lua-dao")));
        assert_eq!(parse_file_name("lua-dao.md"), None);
        assert_eq!(parse_file_name("01-x.txt"), None);
    }
}
