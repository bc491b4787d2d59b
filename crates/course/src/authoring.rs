//! What the studio refuses in a lesson before it is saved, beyond what the loader checks. The
//! loader sanitises raw HTML away when it renders (so a hand-written file cannot hurt anyone),
//! but an author typing HTML or a `javascript:` link in the browser means something the page
//! will not show: the studio tells them at the field instead of silently dropping it.

use pulldown_cmark::{Event, Options, Parser, Tag};

/// Something in a lesson body the studio does not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkdownIssue {
    /// Raw HTML (a block or inline tag), at this line of the body.
    RawHtml { line: usize },
    /// A link or image whose target runs code (`javascript:`, `vbscript:`, `data:`).
    ScriptLink { line: usize },
}

impl MarkdownIssue {
    pub fn line(&self) -> usize {
        match self {
            MarkdownIssue::RawHtml { line } | MarkdownIssue::ScriptLink { line } => *line,
        }
    }
}

/// Every raw-HTML and script-link issue of a Markdown body, in order.
pub fn markdown_issues(body: &str) -> Vec<MarkdownIssue> {
    let line_of = |offset: usize| body[..offset.min(body.len())].matches('\n').count() + 1;
    let mut out = Vec::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => out.push(MarkdownIssue::RawHtml {
                line: line_of(range.start),
            }),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if runs_code(&dest_url) =>
            {
                out.push(MarkdownIssue::ScriptLink {
                    line: line_of(range.start),
                })
            }
            _ => {}
        }
    }
    out
}

/// Whether a link target is a scheme browsers execute. Browsers ignore ASCII whitespace and
/// control characters inside a scheme (`java\tscript:`), so those are dropped before comparing.
pub fn runs_code(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| scheme.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_markdown_has_no_issue() {
        assert!(markdown_issues(
            "# Tiêu đề\n\nMột [liên kết](https://dichvucong.gov.vn).\n\n![Hình](media/a.svg)\n"
        )
        .is_empty());
    }

    #[test]
    fn raw_html_is_found_with_its_line() {
        let issues = markdown_issues("Dòng một\n\n<div onclick=\"x()\">hi</div>\n");
        assert_eq!(issues, vec![MarkdownIssue::RawHtml { line: 3 }]);
        assert!(!markdown_issues("chữ <b>đậm</b>").is_empty());
    }

    #[test]
    fn script_links_are_found_even_disguised() {
        assert_eq!(
            markdown_issues("[bấm](javascript:alert(1))"),
            vec![MarkdownIssue::ScriptLink { line: 1 }]
        );
        assert!(runs_code(" JaVa\tScRiPt:alert(1)"));
        assert!(runs_code("data:text/html,<script>"));
        assert!(!runs_code("https://example.vn/javascript:"));
    }
}
