//! What a lesson page can reuse from one request to the next (docs/performance.md, "Requests
//! per second"). A signed-in lesson page is mostly the lesson's text, which is the same for every
//! learner: it is compressed once per catalog, lesson and language and copied into each response
//! (`compression::gzip_around`), so a request renders and compresses only what is personal (the
//! menu, the completion form with its CSRF token, the reading settings). The narration's cache
//! file name, a SHA-256 over the lesson's spoken script, is kept too; whether the file exists is
//! still asked on every request, so narration made in the background shows at once. Two
//! answers every page would otherwise work out per request are kept with them: the languages
//! the content is translated into (the language switch), and the catalog page's "mới" courses
//! (read from the content repository's history, held for up to an hour).
//!
//! One cache belongs to one catalog (`state::CatalogHandle`): a publish replaces both at once,
//! so nothing cached outlives the content it was made from. Nothing in it is personal, so it
//! holds no state another instance would need. It is bounded: at most `MAX_ENTRIES` lessons ×
//! languages (the catalog itself holds every lesson's text, so the cache is at most a third of
//! that per language, compressed); past the bound, pages are made as before without storing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use hocvuso_course::{Course, Lesson};
use serde::Serialize;

use crate::compression::Piece;
use crate::narration::Narration;
use crate::pages::{Page, PageResult};

/// The most lesson bodies (and narration names) one catalog's cache keeps.
pub const MAX_ENTRIES: usize = 4096;

/// Where the cached lesson text goes in the rendered page: a comment the template's escaping
/// cannot produce, since only the body itself is inserted unescaped.
pub const BODY_MARK: &str = "<!--hvs:lesson-body-->";

#[derive(Default)]
pub struct LessonCache {
    bodies: RwLock<HashMap<String, Arc<Piece>>>,
    narration: RwLock<HashMap<String, Arc<str>>>,
    /// The catalog page's "mới" courses (`app::studio::new_courses`), and when (clock seconds)
    /// they were read from the content repository's history.
    new_courses: RwLock<Option<(i64, Vec<String>)>>,
    /// The languages the catalog's content is translated into (`Catalog::languages` walks every
    /// lesson).
    languages: std::sync::OnceLock<Vec<String>>,
}

/// How long the "mới" courses read from the history hold: a course stops being new with time,
/// not only with a publish.
const NEW_COURSES_FOR_SECONDS: i64 = 3600;

fn key(course: &str, lesson: &str, lang: &str) -> String {
    let mut k = String::with_capacity(course.len() + lesson.len() + lang.len() + 2);
    k.push_str(course);
    k.push('\0');
    k.push_str(lesson);
    k.push('\0');
    k.push_str(lang);
    k
}

fn get<V: Clone>(map: &RwLock<HashMap<String, V>>, key: &str) -> Option<V> {
    map.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(key)
        .cloned()
}

fn put<V>(map: &RwLock<HashMap<String, V>>, key: String, value: V) {
    let mut map = map
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() < MAX_ENTRIES {
        map.insert(key, value);
    }
}

impl LessonCache {
    /// Where a lesson's narration in `lang` comes from: as `narration::for_lesson` decides it,
    /// with the file name computed once.
    pub fn narration(
        &self,
        data_dir: &Path,
        course: &Course,
        lesson: &Lesson,
        lang: &str,
    ) -> Narration {
        let (recorded, actual) = match lesson.translations.get_key_value(lang) {
            Some((code, t)) => (t.audio.as_ref(), code.as_str()),
            None => (lesson.audio.as_ref(), "vi"),
        };
        if let Some(recorded) = recorded {
            return Narration::Recorded(recorded.clone());
        }
        let k = key(&course.id, &lesson.id, actual);
        let name = match get(&self.narration, &k) {
            Some(name) => name,
            None => {
                let script = crate::narration::lesson_script(lesson, actual);
                let name: Arc<str> = crate::narration::file_name(lesson, actual, &script).into();
                put(&self.narration, k, Arc::clone(&name));
                name
            }
        };
        if crate::narration::course_dir(data_dir, &course.id)
            .join(&*name)
            .is_file()
        {
            Narration::Generated(name.to_string())
        } else {
            Narration::Unavailable
        }
    }

    /// The catalog's content languages, as `make` gives them the first time.
    pub fn languages(&self, make: impl FnOnce() -> Vec<String>) -> &[String] {
        self.languages.get_or_init(make)
    }

    /// The "mới" courses of this catalog as read at most an hour before `now`, if they were.
    pub fn new_courses(&self, now: i64) -> Option<Vec<String>> {
        let seen = self
            .new_courses
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.as_ref()
            .filter(|(at, _)| (now - at).abs() < NEW_COURSES_FOR_SECONDS)
            .map(|(_, list)| list.clone())
    }

    pub fn remember_new_courses(&self, now: i64, list: Vec<String>) {
        *self
            .new_courses
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((now, list));
    }

    /// How many bodies are cached and their compressed bytes (for tests and the docs).
    pub fn size(&self) -> (usize, usize) {
        let map = self
            .bodies
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (map.len(), map.values().map(|p| p.compressed_len()).sum())
    }
}

/// What the lesson template reads of the lesson (not its text, which can be long and is
/// rendered on its own).
#[derive(Serialize)]
pub struct LessonHead<'a> {
    pub id: &'a str,
    pub minutes: u32,
    pub sources: &'a [String],
}

impl<'a> From<&'a Lesson> for LessonHead<'a> {
    fn from(l: &'a Lesson) -> Self {
        Self {
            id: &l.id,
            minutes: l.minutes,
            sources: &l.sources,
        }
    }
}

/// Renders `lesson.html` with the lesson body `make` gives (learner-independent: the same for
/// the course, lesson and language `text_lang`). A client that accepts gzip gets the body as
/// compressed once, with only the page around it compressed now; others get the page rendered
/// whole.
pub fn render_lesson(
    page: Page<'_>,
    cache: &LessonCache,
    course: &str,
    lesson: &str,
    text_lang: &str,
    make: impl FnOnce() -> String,
) -> PageResult {
    if !crate::compression::accepts_gzip(page.request()) {
        return page.with("body", &make()).render("lesson.html");
    }
    let k = key(course, lesson, text_lang);
    let piece = match get(&cache.bodies, &k) {
        Some(piece) => piece,
        None => {
            let body = make();
            let Some(piece) = Piece::new(body.as_bytes()) else {
                // The encoder failed (not expected): the page whole, compressed or not later.
                return page.with("body", &body).render("lesson.html");
            };
            let piece = Arc::new(piece);
            put(&cache.bodies, k, Arc::clone(&piece));
            piece
        }
    };
    page.with("body", BODY_MARK)
        .render_around("lesson.html", BODY_MARK, &piece)
}
