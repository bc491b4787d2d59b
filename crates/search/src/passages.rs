//! What the index holds: the catalog and the FAQ cut into passages a hit can land on. A lesson
//! gives one passage per `##` section (and one for its opening before the first heading), a
//! practice task one, a question's general feedback one, a FAQ entry one.

use hocvuso_course::markdown::heading_anchor;
use hocvuso_course::Catalog;

use crate::content::SearchContent;

/// What a passage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A section of a lesson.
    Lesson,
    /// A practice task.
    Task,
    /// The explanation given after a question is answered.
    Feedback,
    /// An entry of `content/faq.toml`.
    Faq,
}

#[derive(Debug, Clone)]
pub struct Passage {
    pub kind: Kind,
    /// The course whose visibility decides whether a learner may see this passage; for a FAQ
    /// entry, the course of its first lesson.
    pub course_id: String,
    /// The lesson (lesson sections, feedback), the task, or the FAQ entry.
    pub item_id: String,
    /// What the hit is called: the lesson's or task's title, or the FAQ question.
    pub title: String,
    /// The section heading, when the passage is a lesson section.
    pub section: Option<String>,
    /// The heading's anchor in the lesson page.
    pub anchor: Option<String>,
    /// Plain text, sentences separated by line breaks.
    pub text: String,
    /// The lessons this passage answers for, as (course id, lesson id).
    pub lessons: Vec<(String, String)>,
}

impl Passage {
    /// The page a hit opens: the lesson at the section, the task, or the FAQ's first lesson.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Task => format!("/courses/{}/tasks/{}", self.course_id, self.item_id),
            _ => {
                let (course, lesson) = self
                    .lessons
                    .first()
                    .map(|(c, l)| (c.as_str(), l.as_str()))
                    .unwrap_or((&self.course_id, &self.item_id));
                match &self.anchor {
                    Some(a) => format!("/courses/{course}/lessons/{lesson}#{a}"),
                    None => format!("/courses/{course}/lessons/{lesson}"),
                }
            }
        }
    }
}

/// Every passage of the catalog and the FAQ, in a stable order.
pub fn passages(catalog: &Catalog, content: &SearchContent) -> Vec<Passage> {
    let mut out = Vec::new();
    for course in catalog.courses.values() {
        for lesson in &course.lessons {
            for section in sections(&lesson.html) {
                let anchor = section
                    .heading
                    .as_ref()
                    .map(|h| section.anchor.clone().unwrap_or_else(|| heading_anchor(h)));
                out.push(Passage {
                    kind: Kind::Lesson,
                    course_id: course.id.clone(),
                    item_id: lesson.id.clone(),
                    title: lesson.title.clone(),
                    section: section.heading,
                    anchor,
                    text: section.text,
                    lessons: vec![(course.id.clone(), lesson.id.clone())],
                });
            }
        }
        for task in &course.tasks {
            let mut text = vec![task.summary.clone()];
            text.extend(task.steps.iter().map(|s| s.prompt.clone()));
            out.push(Passage {
                kind: Kind::Task,
                course_id: course.id.clone(),
                item_id: task.id.clone(),
                title: task.title.clone(),
                section: None,
                anchor: None,
                text: text.join("\n"),
                lessons: lessons_for(course, &task.competences),
            });
        }
        for question in &course.bank {
            let Some(feedback) = &question.general_feedback else {
                continue;
            };
            let competences: Vec<String> = question
                .tags
                .iter()
                .filter_map(|t| t.strip_prefix("competence-"))
                .map(str::to_owned)
                .collect();
            let lessons = lessons_for(course, &competences);
            let Some((_, lesson_id)) = lessons.first().cloned() else {
                continue;
            };
            out.push(Passage {
                kind: Kind::Feedback,
                course_id: course.id.clone(),
                item_id: lesson_id,
                title: course.title.clone(),
                section: None,
                anchor: None,
                text: html_to_text(&hocvuso_course::markdown::markdown_to_html(&feedback.text)),
                lessons,
            });
        }
    }
    for entry in &content.faq {
        let Some((course, _)) = entry.lessons.first() else {
            continue;
        };
        out.push(Passage {
            kind: Kind::Faq,
            course_id: course.clone(),
            item_id: entry.id.clone(),
            title: entry.questions.first().cloned().unwrap_or_default(),
            section: None,
            anchor: None,
            text: entry.answer.clone(),
            lessons: entry.lessons.clone(),
        });
    }
    out
}

/// The lessons of a course that teach any of these competences (the first lesson when none
/// does), so a task or a question's explanation links to something to read.
fn lessons_for(course: &hocvuso_course::Course, competences: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = course
        .lessons
        .iter()
        .filter(|l| l.competences.iter().any(|c| competences.contains(c)))
        .map(|l| (course.id.clone(), l.id.clone()))
        .collect();
    if out.is_empty() {
        out.extend(
            course
                .lessons
                .first()
                .map(|l| (course.id.clone(), l.id.clone())),
        );
    }
    out
}

struct Section {
    heading: Option<String>,
    anchor: Option<String>,
    text: String,
}

/// Cuts a lesson's rendered HTML at its `<h2>` headings.
fn sections(html: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut current = Section {
        heading: None,
        anchor: None,
        text: String::new(),
    };
    loop {
        match rest.find("<h2") {
            Some(at) => {
                current.text = html_to_text(&rest[..at]);
                let after = &rest[at..];
                let open_end = after.find('>').map(|i| i + 1).unwrap_or(after.len());
                let anchor = attribute(&after[..open_end], "id");
                let close = after.find("</h2>").unwrap_or(after.len());
                let heading = html_to_text(&after[open_end.min(close)..close]);
                if !current.text.trim().is_empty() || current.heading.is_some() {
                    out.push(current);
                }
                current = Section {
                    heading: Some(heading.trim().to_owned()),
                    anchor,
                    text: String::new(),
                };
                rest = &after[(close + "</h2>".len()).min(after.len())..];
            }
            None => {
                current.text = html_to_text(rest);
                out.push(current);
                return out;
            }
        }
    }
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_owned())
}

/// Plain text of sanitised HTML: tags dropped (block ends become line breaks), an image's alt
/// text kept, the entities ammonia writes decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "p" | "li" | "br" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote" | "div" => {
                out.push('\n')
            }
            "td" | "th" => out.push_str(" · "),
            "img" => {
                if let Some(alt) = attribute(tag, "alt") {
                    out.push('\n');
                    out.push_str(&decode(&alt));
                    out.push('\n');
                }
            }
            _ => {}
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(&decode(rest));
    out
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_is_cut_at_its_sections_with_their_anchors() {
        let html = "<p>Mở đầu &amp; giới thiệu.</p><h2 id=\"muc-mat-khau\">Mật khẩu</h2><p>Đặt <strong>mật khẩu</strong> dài.</p><ul><li>Một</li></ul>";
        let s = sections(html);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].heading, None);
        assert!(s[0].text.contains("Mở đầu & giới thiệu."));
        assert_eq!(s[1].heading.as_deref(), Some("Mật khẩu"));
        assert_eq!(s[1].anchor.as_deref(), Some("muc-mat-khau"));
        assert!(s[1].text.contains("Đặt mật khẩu dài."));
        assert!(s[1].text.contains("\nMột"));
    }

    #[test]
    fn alt_text_is_kept_and_tags_dropped() {
        let t = html_to_text("<p>a<img src=\"x\" alt=\"Hình &quot;OTP&quot;\">b</p>");
        assert!(t.contains("Hình \"OTP\""), "{t}");
        assert!(!t.contains('<'));
    }
}
