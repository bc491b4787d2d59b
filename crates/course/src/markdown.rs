//! Markdown → safe HTML. Lessons and question texts pass through here and nowhere else, so the
//! sanitising rules live in one place: CommonMark (with tables) is rendered, media links are
//! pointed at the server's media route, and the result is cleaned with ammonia (raw HTML in
//! content is allowed only as far as it is harmless).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// The result of rendering one lesson body.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub words: usize,
    /// Media files the body refers to (paths relative to the course folder), with the byte
    /// offset of the reference in the body.
    pub media: Vec<(String, usize)>,
    /// Problems with their byte offset in the body.
    pub problems: Vec<(usize, String)>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Renders a lesson body. `media_base` is the URL prefix that `media/…` links are rewritten to,
/// e.g. `/media/an-toan-tren-mang`.
pub fn render_lesson(body: &str, media_base: &str) -> Rendered {
    let mut out = Rendered::default();
    let mut in_image: Option<(usize, String)> = None; // (offset, alt text so far)
    let mut events = Vec::new();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match &event {
            Event::Text(t) | Event::Code(t) => {
                out.words += t.split_whitespace().count();
                if let Some((_, alt)) = in_image.as_mut() {
                    alt.push_str(t);
                }
            }
            Event::Start(Tag::Image { .. }) => in_image = Some((range.start, String::new())),
            Event::End(TagEnd::Image) => {
                if let Some((offset, alt)) = in_image.take() {
                    if alt.trim().is_empty() {
                        out.problems.push((
                            offset,
                            "image has no alt text (write ![description](…))".into(),
                        ));
                    }
                }
            }
            _ => {}
        }
        let event = match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite_media(&dest_url, media_base, range.start, &mut out, true);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = rewrite_media(&dest_url, media_base, range.start, &mut out, false);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                })
            }
            other => other,
        };
        events.push(event);
    }
    anchor_headings(&mut events);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = sanitize_html(&html);
    out
}

/// The prefix of every heading anchor, so an anchor never clashes with an id of the page
/// around the lesson ("mục" is "section").
pub const ANCHOR_PREFIX: &str = "muc-";

/// The anchor of a lesson heading: `muc-` and the heading's words without diacritics, in
/// lower case, joined by `-` ("Mật khẩu và mã OTP" → `muc-mat-khau-va-ma-otp`). Search links
/// point at it, so it is derived from the text alone.
pub fn heading_anchor(heading: &str) -> String {
    let folded = hocvuso_assessment::grading::strip_diacritics(heading).to_lowercase();
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{ANCHOR_PREFIX}{}", words.join("-"))
}

/// Gives every level-2 and level-3 heading an id (`heading_anchor`, with `-2`, `-3`… for a
/// heading that repeats), so a search hit can land on the section it found.
fn anchor_headings(events: &mut [Event<'_>]) {
    let mut seen: Vec<String> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let is_section = matches!(
            &events[i],
            Event::Start(Tag::Heading { level, id: None, .. })
                if matches!(level, pulldown_cmark::HeadingLevel::H2 | pulldown_cmark::HeadingLevel::H3)
        );
        if !is_section {
            i += 1;
            continue;
        }
        let mut text = String::new();
        let mut j = i + 1;
        while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
            if let Event::Text(t) | Event::Code(t) = &events[j] {
                text.push_str(t);
            }
            j += 1;
        }
        let base = heading_anchor(&text);
        let mut anchor = base.clone();
        let mut n = 1;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.push(anchor.clone());
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
            *id = Some(CowStr::from(anchor));
        }
        i = j;
    }
}

/// Local links must point inside the course's `media/` folder; images must be local (a page on
/// 3G should not fetch from elsewhere, and nothing should track learners).
fn rewrite_media<'a>(
    dest: &CowStr<'a>,
    media_base: &str,
    offset: usize,
    out: &mut Rendered,
    is_image: bool,
) -> CowStr<'a> {
    let d: &str = dest;
    let external =
        d.starts_with("https://") || d.starts_with("http://") || d.starts_with("mailto:");
    if external {
        if is_image {
            out.problems.push((
                offset,
                format!("image {d} is not in the course's media/ folder"),
            ));
        }
        return dest.clone();
    }
    if d.starts_with('#') {
        return dest.clone();
    }
    match d.strip_prefix("media/") {
        Some(rest) if !rest.is_empty() && !rest.split('/').any(|s| s == ".." || s.is_empty()) => {
            out.media.push((d.to_owned(), offset));
            CowStr::from(format!("{media_base}/{rest}"))
        }
        _ => {
            out.problems.push((
                offset,
                format!("link {d} must point inside the course's media/ folder or be an https:// address"),
            ));
            dest.clone()
        }
    }
}

/// Renders Markdown that is not a lesson (question texts, feedback) to safe HTML.
pub fn markdown_to_html(md: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(md, options()));
    sanitize_html(&html)
}

/// Cleans HTML from any source with one policy.
pub fn sanitize_html(html: &str) -> String {
    policy().clean(html).to_string()
}

/// Cleans HTML as [`sanitize_html`] does and points its `media/…` references (a question
/// imported from Moodle names its embedded files so) at `media_base`, the course's media route.
/// Other relative references are dropped: a question has no folder of its own to resolve them.
pub fn sanitize_html_with_media(html: &str, media_base: &str) -> String {
    policy()
        .url_relative(ammonia::UrlRelative::Custom(Box::new(MediaBase(
            media_base.trim_end_matches('/').to_owned(),
        ))))
        .clean(html)
        .to_string()
}

/// Resolves a relative URL against a course's media route: `media/…` only, `#anchors` kept.
struct MediaBase(String);

impl<'a> ammonia::UrlRelativeEvaluate<'a> for MediaBase {
    fn evaluate<'url>(&self, url: &'url str) -> Option<std::borrow::Cow<'url, str>> {
        if url.starts_with('#') {
            return Some(url.into());
        }
        let rest = url.strip_prefix("media/")?;
        let safe = !rest.is_empty() && !rest.split('/').any(|s| s == ".." || s.is_empty());
        safe.then(|| format!("{}/{rest}", self.0).into())
    }
}

/// Markdown → safe HTML with `media/…` references pointed at `media_base`.
pub fn markdown_to_html_with_media(md: &str, media_base: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(md, options()));
    sanitize_html_with_media(&html, media_base)
}

fn policy() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    // Heading anchors (`heading_anchor`) are kept so a search hit can link to a section.
    b.add_tag_attributes("h2", &["id"])
        .add_tag_attributes("h3", &["id"])
        .link_rel(Some("noopener noreferrer"))
        .url_relative(ammonia::UrlRelative::PassThrough);
    b
}

/// Escapes plain text for HTML.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_links_point_at_the_media_route() {
        let r = render_lesson("![Điện thoại](media/a.svg)", "/media/c");
        assert!(r.html.contains("src=\"/media/c/a.svg\""), "{}", r.html);
        assert!(r.problems.is_empty());
        assert_eq!(r.media, vec![("media/a.svg".to_string(), 0)]);
    }

    #[test]
    fn an_image_without_alt_text_is_a_problem() {
        let r = render_lesson("text\n\n![](media/a.svg)", "/m");
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].0, 6);
    }

    #[test]
    fn links_may_not_leave_the_course_folder() {
        let r = render_lesson("[x](media/../../secret)", "/m");
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn scripts_are_removed() {
        let r = render_lesson("Chào <script>alert(1)</script> bạn", "/m");
        assert!(!r.html.contains("script"), "{}", r.html);
    }

    #[test]
    fn section_headings_get_anchors_without_diacritics() {
        let r = render_lesson(
            "## Mật khẩu và mã OTP\n\nA\n\n## Mật khẩu và mã OTP\n",
            "/m",
        );
        assert!(
            r.html.contains("<h2 id=\"muc-mat-khau-va-ma-otp\">"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("id=\"muc-mat-khau-va-ma-otp-2\""),
            "{}",
            r.html
        );
        assert_eq!(heading_anchor("Đường link lạ?"), "muc-duong-link-la");
    }

    #[test]
    fn words_are_counted() {
        assert_eq!(render_lesson("Xin chào **các bạn** nhé", "/m").words, 5);
    }
}

#[cfg(test)]
mod media_reference_tests {
    use super::*;

    #[test]
    fn a_questions_media_reference_points_at_the_course_media_route() {
        let html = sanitize_html_with_media(
            r#"<p>Nhìn ảnh: <img src="media/otp.png" alt="Tin nhắn OTP"></p>"#,
            "/media/an-toan",
        );
        assert!(html.contains(r#"src="/media/an-toan/otp.png""#), "{html}");
        let md = markdown_to_html_with_media("![Tin nhắn](media/a/b.png)", "/media/c");
        assert!(md.contains(r#"src="/media/c/a/b.png""#), "{md}");
    }

    #[test]
    fn relative_references_outside_media_are_dropped_and_absolute_ones_kept() {
        let html = sanitize_html_with_media(
            r#"<img src="../secret.png" alt="a"><img src="media/../x.png" alt="b"><a href="https://vneid.gov.vn">v</a>"#,
            "/media/c",
        );
        assert!(!html.contains("secret"), "{html}");
        assert!(!html.contains("x.png"), "{html}");
        assert!(html.contains("https://vneid.gov.vn"), "{html}");
    }
}
