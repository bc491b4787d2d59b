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
//! The page around the text is kept too, as a `Frame`: for everyone whose requests have the same
//! shape (`pages::frame_shape`: the address, the roles the menu shows, the unread count, the
//! reading preferences) and the same lesson state (narration available, lesson completed), the
//! page is the same but for the CSRF token. It is rendered once with a mark in the token's place
//! and compressed in parts; a request copies the parts and the token (stored, uncompressed) into
//! one gzip stream (`compression::gzip_parts`), with no template and no compressor run.
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

use actix_web::http::StatusCode;
use actix_web::HttpRequest;

use crate::compression::{Part, Piece};
use crate::narration::Narration;
use crate::pages::{Page, PageResult};
use crate::state::AppState;

/// The most lesson bodies (and narration names) one catalog's cache keeps.
pub const MAX_ENTRIES: usize = 4096;

/// The most frames one catalog's cache keeps: a frame is about 1.5 KB compressed (the text is
/// shared), so at most about 6 MB; past the bound, pages are made per request as before.
pub const MAX_FRAMES: usize = 4096;

/// Where the cached lesson text goes in the rendered page: a comment the template's escaping
/// cannot produce, since only the body itself is inserted unescaped.
pub const BODY_MARK: &str = "<!--hvs:lesson-body-->";

/// Where the CSRF token goes in a frame: private-use characters, which the template's escaping
/// leaves alone and no interface text holds.
pub const CSRF_MARK: &str = "\u{E000}hvs:csrf\u{E000}";

#[derive(Default)]
pub struct LessonCache {
    bodies: RwLock<HashMap<String, Arc<Piece>>>,
    frames: RwLock<HashMap<String, Arc<Frame>>>,
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
    put_bounded(map, key, value, MAX_ENTRIES);
}

fn put_bounded<V>(map: &RwLock<HashMap<String, V>>, key: String, value: V, bound: usize) {
    let mut map = map
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() < bound {
        map.insert(key, value);
    }
}

/// A lesson page as everyone of one shape sees it (see the module's comment): the parts
/// before and after the lesson's text, compressed at the best level once, with the places
/// of the CSRF token between them.
pub struct Frame {
    parts: Vec<Slot>,
}

enum Slot {
    /// The frame's own parts, and the lesson's text (shared with the lesson's other frames).
    Compressed(Arc<Piece>),
    Csrf,
}

impl Frame {
    /// `page` rendered with `BODY_MARK` (once) and `CSRF_MARK` in their places; None when the
    /// body's mark is not there once or the encoder fails.
    fn new(page: &str, body: Arc<Piece>) -> Option<Self> {
        let (before, after) = page.split_once(BODY_MARK)?;
        if after.contains(BODY_MARK) {
            return None;
        }
        let mut parts = Vec::new();
        push_around_csrf(&mut parts, before)?;
        parts.push(Slot::Compressed(body));
        push_around_csrf(&mut parts, after)?;
        Some(Self { parts })
    }

    /// The whole page as one gzip stream, with `csrf` in the token's places.
    pub fn gzip(&self, csrf: &str) -> Vec<u8> {
        let parts: Vec<Part<'_>> = self
            .parts
            .iter()
            .map(|slot| match slot {
                Slot::Compressed(piece) => Part::Compressed(piece),
                Slot::Csrf => Part::Stored(csrf.as_bytes()),
            })
            .collect();
        crate::compression::gzip_parts(&parts)
    }
}

fn push_around_csrf(parts: &mut Vec<Slot>, text: &str) -> Option<()> {
    for (i, segment) in text.split(CSRF_MARK).enumerate() {
        if i > 0 {
            parts.push(Slot::Csrf);
        }
        if !segment.is_empty() {
            parts.push(Slot::Compressed(Arc::new(Piece::new(segment.as_bytes())?)));
        }
    }
    Some(())
}

/// The key of a lesson page's frame: the request's shape (`pages::frame_shape`, which holds the
/// address and so the course and lesson), the language of the text shown, the narration's
/// address if there is one, and whether the learner completed the lesson.
pub fn frame_key(shape: &str, text_lang: &str, audio: Option<&str>, completed: bool) -> String {
    format!(
        "{shape}\0{text_lang}\0{}\0{}",
        audio.unwrap_or(""),
        u8::from(completed)
    )
}

/// Answers with `frame` and this request's CSRF token.
pub fn send_frame(req: &HttpRequest, state: &AppState, frame: &Frame) -> PageResult {
    let (token, cookie) = crate::auth::csrf::token(req, state.settings.secure_cookies);
    Ok(crate::pages::respond(
        req,
        state,
        StatusCode::OK,
        frame.gzip(&token),
        cookie,
        true,
    ))
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

    /// The frame kept under `key` (`frame_key`), if one is.
    pub fn frame(&self, key: &str) -> Option<Arc<Frame>> {
        get(&self.frames, key)
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
/// compressed once; with a `frame` key (`frame_key`), the page around it is rendered as a frame
/// and kept for the next request of the same key, else it is compressed now. Others get the
/// page rendered whole.
pub fn render_lesson(
    page: Page<'_>,
    cache: &LessonCache,
    frame: Option<String>,
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
    let page = page.with("body", BODY_MARK);
    if let Some(key) = frame {
        let made = page
            .render_frame("lesson.html", CSRF_MARK)?
            .and_then(|rendered| Frame::new(&rendered, Arc::clone(&piece)));
        if let Some(made) = made {
            let made = Arc::new(made);
            put_bounded(&cache.frames, key, Arc::clone(&made), MAX_FRAMES);
            return send_frame(page.request(), page.state(), &made);
        }
    }
    page.render_around("lesson.html", BODY_MARK, &piece)
}
