//! Question texts to safe HTML: one function for every text format a bank can hold.

use hocvuso_assessment::model::{Text, TextFormat};
use hocvuso_course::markdown::{
    escape_text, markdown_to_html, markdown_to_html_with_media, sanitize_html,
    sanitize_html_with_media,
};

pub fn text_html(t: &Text) -> String {
    match t.format {
        TextFormat::Plain => escape_text(&t.text).replace('\n', "<br>"),
        TextFormat::Markdown => markdown_to_html(&t.text),
        // Moodle's auto-format: HTML where the author wrote HTML, line breaks kept.
        TextFormat::Moodle => sanitize_html(&t.text.replace('\n', "<br>")),
        TextFormat::Html => sanitize_html(&t.text),
    }
}

/// A question's text as safe HTML, with the `media/…` files it names (a Moodle import keeps
/// embedded images so) served from the course's media route.
pub fn question_html(t: &Text, course_id: &str) -> String {
    let base = crate::present::media_url(course_id, "");
    let base = base.trim_end_matches('/');
    match t.format {
        TextFormat::Plain => escape_text(&t.text).replace('\n', "<br>"),
        TextFormat::Markdown => markdown_to_html_with_media(&t.text, base),
        TextFormat::Moodle => sanitize_html_with_media(&t.text.replace('\n', "<br>"), base),
        TextFormat::Html => sanitize_html_with_media(&t.text, base),
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

    #[test]
    fn an_imported_questions_image_is_served_from_its_course() {
        for format in [TextFormat::Html, TextFormat::Moodle, TextFormat::Markdown] {
            let text = if format == TextFormat::Markdown {
                "![Mã OTP](media/otp.png)"
            } else {
                r#"<img src="media/otp.png" alt="Mã OTP">"#
            };
            let html = question_html(
                &Text {
                    format,
                    text: text.into(),
                },
                "an-toan",
            );
            assert!(html.contains(r#"src="/media/an-toan/otp.png""#), "{html}");
        }
    }
}
