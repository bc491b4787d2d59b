//! Question texts to safe HTML: one function for every text format a bank can hold.

use hocvuso_assessment::model::{Text, TextFormat};
use hocvuso_course::markdown::{escape_text, markdown_to_html, sanitize_html};

pub fn text_html(t: &Text) -> String {
    match t.format {
        TextFormat::Plain => escape_text(&t.text).replace('\n', "<br>"),
        TextFormat::Markdown => markdown_to_html(&t.text),
        // Moodle's auto-format: HTML where the author wrote HTML, line breaks kept.
        TextFormat::Moodle => sanitize_html(&t.text.replace('\n', "<br>")),
        TextFormat::Html => sanitize_html(&t.text),
    }
}

/// A text as one component of a URL (a query value, a path segment).
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_sanitised() {
        for format in [
            TextFormat::Plain,
            TextFormat::Markdown,
            TextFormat::Moodle,
            TextFormat::Html,
        ] {
            let html = text_html(&Text {
                format,
                text: "a <script>x()</script> b".into(),
            });
            assert!(!html.contains("<script"), "{html}");
        }
    }
}
