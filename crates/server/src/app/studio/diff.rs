//! What changed between two versions of a course, in words, for a reviewer: per text file a
//! word diff (removed words struck, added words marked), questions added and removed by their
//! stable ids, media files added, removed or replaced.

use serde::Serialize;

use similar::{ChangeTag, TextDiff};

use super::repo::Files;

/// One file's change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FileDiff {
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// The words, as HTML: unchanged text escaped, `<del>` and `<ins>` around changes; empty for
    /// media files.
    pub html: String,
}

/// The whole change.
#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub struct CourseDiff {
    pub files: Vec<FileDiff>,
    pub questions_added: Vec<String>,
    pub questions_removed: Vec<String>,
}

impl CourseDiff {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn escape(text: &str) -> String {
    hocvuso_course::markdown::escape_text(text)
}

fn is_text(path: &str) -> bool {
    [".md", ".toml", ".gift", ".txt", ".vtt"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// Word diff of two texts as HTML, with unchanged stretches longer than a few lines shortened
/// so a reviewer sees the change and enough around it.
pub fn words_html(old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let value = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                let lines: Vec<&str> = value.split('\n').collect();
                if lines.len() > 6 {
                    out.push_str(&escape(&lines[..2].join("\n")));
                    out.push_str("\n…\n");
                    out.push_str(&escape(&lines[lines.len() - 2..].join("\n")));
                } else {
                    out.push_str(&escape(value));
                }
            }
            ChangeTag::Delete => {
                out.push_str("<del>");
                out.push_str(&escape(value));
                out.push_str("</del>");
            }
            ChangeTag::Insert => {
                out.push_str("<ins>");
                out.push_str(&escape(value));
                out.push_str("</ins>");
            }
        }
    }
    out
}

/// The ids of a bank's questions (GIFT or the TOML extension), whatever parses.
fn question_ids(files: &Files) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    if let Some(gift) = files.get("questions.gift") {
        let text = String::from_utf8_lossy(gift);
        if let Ok(qs) = hocvuso_assessment::gift::parse(&text) {
            ids.extend(qs.into_iter().filter_map(|q| q.id));
        }
    }
    ids
}

/// What changed from `old` to `new`.
pub fn course_diff(old: &Files, new: &Files) -> CourseDiff {
    let mut files = Vec::new();
    let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        let kind = match (a, b) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(x), Some(y)) if x != y => "changed",
            _ => continue,
        };
        let html = if is_text(path) {
            let text = |v: Option<&Vec<u8>>| {
                v.map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            words_html(&text(a), &text(b))
        } else {
            String::new()
        };
        files.push(FileDiff {
            path: path.clone(),
            kind,
            html,
        });
    }
    let (before, after) = (question_ids(old), question_ids(new));
    CourseDiff {
        files,
        questions_added: after.difference(&before).cloned().collect(),
        questions_removed: before.difference(&after).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_words_are_marked() {
        let html = words_html("Bấm nút nguồn ba giây", "Bấm giữ nút nguồn ba giây");
        assert!(html.contains("<ins>giữ</ins>"), "{html}");
        assert!(!html.contains("<del>"), "{html}");
    }

    #[test]
    fn text_is_escaped() {
        assert!(words_html("", "<script>").contains("&lt;script&gt;"));
    }
}
