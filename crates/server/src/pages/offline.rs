//! Learning offline on a cheap phone (issue #14), as progressive enhancement: the web app
//! manifest and icons, the service worker (`web/static/sw.js`, served from the root so it may
//! answer for every page), the page script that downloads a course (`offline.js`), the page
//! that shows what is stored, and the list of what a course's offline copy holds.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::{MaybeUser, PageUser};
use crate::narration::Narration;
use crate::present::media_url;
use crate::state::AppState;

use super::{Page, PageResult};

const SERVICE_WORKER: &str = include_str!("../../../../web/static/sw.js");
const PAGE_SCRIPT: &str = include_str!("../../../../web/static/offline.js");
const MANIFEST: &str = include_str!("../../../../web/static/manifest.webmanifest");
const ICON_SVG: &str = include_str!("../../../../web/static/icon.svg");
const ICON_192: &[u8] = include_bytes!("../../../../web/static/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../../../../web/static/icon-512.png");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/sw.js").get(service_worker))
        .service(web::resource("/manifest.webmanifest").get(manifest))
        .service(web::resource("/static/offline.js").get(page_script))
        .service(web::resource("/static/icon.svg").get(icon_svg))
        .service(web::resource("/static/icon-192.png").get(icon_192))
        .service(web::resource("/static/icon-512.png").get(icon_512))
        .service(web::resource("/offline").get(stored))
        .service(web::resource("/courses/{course_id}/offline.json").get(course_files));
}

/// The service worker: revalidated on every visit (`no-cache`), so a new version reaches
/// phones at once.
async fn service_worker() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(SERVICE_WORKER)
}

async fn page_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(PAGE_SCRIPT)
}

async fn manifest() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(MANIFEST)
}

fn image(content_type: &'static str, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=604800"))
        .body(body)
}

async fn icon_svg() -> HttpResponse {
    image("image/svg+xml", ICON_SVG.as_bytes())
}

async fn icon_192() -> HttpResponse {
    image("image/png", ICON_192)
}

async fn icon_512() -> HttpResponse {
    image("image/png", ICON_512)
}

#[derive(Deserialize)]
pub struct StoredQuery {
    queued: Option<String>,
}

/// What is stored on this phone, and how much space it takes. The list is the browser's own
/// (Cache Storage), so the page script fills it; without it the page says what is needed.
async fn stored(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    q: web::Query<StoredQuery>,
) -> PageResult {
    Page::new(&req, &state, user.0.as_ref())
        .with("queued", &q.queued.is_some())
        .render("offline.html")
}

#[derive(Serialize)]
struct CourseFiles {
    course: String,
    urls: Vec<String>,
}

/// Everything a course's offline copy holds: the course page, every lesson page, the images
/// its lessons show and their narration (in the learner's language), for the page script to
/// put in the cache.
async fn course_files(
    state: web::Data<AppState>,
    _user: PageUser,
    path: web::Path<String>,
) -> Result<HttpResponse, super::PageError> {
    let catalog = state.catalog();
    let course = crate::app::learning::course(&catalog, &path)?;
    let lang = crate::preferences::current().lang;
    let mut urls = vec![format!("/courses/{}", course.id)];
    for lesson in &course.lessons {
        urls.push(format!("/courses/{}/lessons/{}", course.id, lesson.id));
        let (text, _) = lesson.text(&lang);
        for src in media_sources(&text.html, &course.id) {
            if !urls.contains(&src) {
                urls.push(src);
            }
        }
        match crate::narration::for_lesson(&state.settings.data_dir, course, lesson, &lang) {
            Narration::Recorded(p) => urls.push(media_url(&course.id, &p)),
            Narration::Generated(name) => urls.push(format!("/audio/{}/{name}", course.id)),
            Narration::Unavailable => {}
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(CourseFiles {
            course: course.id.clone(),
            urls,
        }))
}

/// The course media a lesson's HTML points at (`src="/media/<course>/…"`).
fn media_sources(html: &str, course_id: &str) -> Vec<String> {
    let prefix = format!("src=\"/media/{course_id}/");
    html.match_indices(&prefix)
        .filter_map(|(at, _)| {
            let start = at + "src=\"".len();
            html[start..]
                .find('"')
                .map(|end| html[start..start + end].to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn media_sources_are_found_in_lesson_html() {
        let html = r#"<p><img src="/media/c/a.svg" alt="x"> <img src="/media/other/b.svg"></p><img src="/media/c/d%20e.png">"#;
        assert_eq!(
            super::media_sources(html, "c"),
            vec!["/media/c/a.svg".to_owned(), "/media/c/d%20e.png".to_owned()]
        );
    }

    #[test]
    fn the_service_worker_and_manifest_stay_small() {
        // docs/performance.md: under 10 KB together.
        assert!(super::SERVICE_WORKER.len() + super::MANIFEST.len() < 10 * 1024);
    }
}
