//! Presentation: the view models the pages and the API both render, each computed once here
//! (questions as shown, results with their feedback HTML, certificates, media and check-in
//! URLs). The pages and the API import from this module and from `app/`, never from each other
//! (`scripts/check-layers.sh` holds CI to it).

pub mod evidence;
pub mod learning;
pub mod practice;
pub mod privacy;

use hocvuso_assessment::model::Text;
use hocvuso_course::Catalog;

use crate::render::text_html;
use crate::state::AppState;

/// The URL a course's media file is served at (`/media/{course}/{file}`), from the path the
/// content names (with or without its `media/` folder).
pub fn media_url(course_id: &str, src: &str) -> String {
    format!("/media/{course_id}/{}", src.trim_start_matches("media/"))
}

/// A course's title as lists show it (assignments, classes, search hits): empty for a course
/// the served catalog no longer has.
pub fn course_title(catalog: &Catalog, course_id: &str) -> String {
    catalog
        .course(course_id)
        .map(|c| c.title.clone())
        .unwrap_or_default()
}

/// Feedback texts as one piece of sanitised HTML, or None when there is none.
pub fn feedback_html(feedback: &[Text]) -> Option<String> {
    (!feedback.is_empty()).then(|| {
        feedback
            .iter()
            .map(text_html)
            .collect::<Vec<_>>()
            .join("<br>")
    })
}

/// The address an organiser's device opens to record a learner's attendance code.
pub fn check_in_url(state: &AppState, code: &str) -> String {
    format!(
        "{}/check-in/{code}",
        state.settings.public_url.trim_end_matches('/')
    )
}
