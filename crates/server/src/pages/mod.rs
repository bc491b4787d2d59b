//! The web pages: server-rendered, Vietnamese, usable without JavaScript. Each handler gathers
//! what its template needs into a context and renders it through `Page`, which also adds the
//! CSRF token, the signed-in user and the cache headers every page needs.

mod accounts;
mod admin;
mod community;
mod evidence;
pub mod form;
mod import;
mod instructor;
mod learning;
mod practice;
mod search;
mod units;

use actix_files::NamedFile;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use hocvuso_store::User;

use crate::auth::csrf;
use crate::auth::session::Session;
use crate::error::AppError;
use crate::state::AppState;
use crate::views;

pub use evidence::issuer_page;

/// Every path is one resource with all its methods, so a method a path does not take answers
/// 405 with `Allow` (as the error page, by `error::contract_errors`), not 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(accounts::home))
        .service(
            web::resource("/register")
                .get(accounts::register_form)
                .post(accounts::register),
        )
        .service(
            web::resource("/login")
                .get(accounts::login_form)
                .post(accounts::login),
        )
        .service(web::resource("/logout").post(accounts::logout))
        .service(web::resource("/logout/everywhere").post(accounts::logout_everywhere))
        .service(web::resource("/account").get(accounts::account))
        .service(web::resource("/account/password").post(accounts::change_password))
        .service(web::resource("/privacy").get(accounts::privacy))
        .service(web::resource("/courses").get(learning::catalog))
        .service(web::resource("/courses/{course_id}").get(learning::course))
        .service(web::resource("/courses/{course_id}/lessons/{lesson_id}").get(learning::lesson))
        .service(
            web::resource("/courses/{course_id}/lessons/{lesson_id}/complete")
                .post(learning::complete_lesson),
        )
        .service(
            web::resource("/courses/{course_id}/quizzes/{quiz_id}/start")
                .post(learning::start_attempt),
        )
        .service(web::resource("/courses/{course_id}/tasks/{task_id}").get(practice::task))
        .service(web::resource("/courses/{course_id}/tasks/{task_id}/start").post(practice::start))
        .service(web::resource("/task-attempts/{attempt_id}").get(practice::attempt))
        .service(web::resource("/task-attempts/{attempt_id}/answer").post(practice::answer))
        .service(web::resource("/attempts/{attempt_id}").get(learning::attempt))
        .service(web::resource("/attempts/{attempt_id}/submit").post(learning::submit))
        .service(web::resource("/attempts/{attempt_id}/save").post(learning::save))
        .service(web::resource("/attempts/{attempt_id}/check").post(learning::check))
        .service(web::resource("/progress").get(learning::progress))
        .service(web::resource("/tim-kiem").get(search::search))
        .service(
            web::resource("/hoi-dap")
                .get(search::assistant_form)
                .post(search::ask),
        )
        .service(web::resource("/instructor/questions").get(search::unanswered))
        .service(web::resource("/certificates").get(evidence::my_certificates))
        .service(web::resource("/certificates/details").post(evidence::verify_details))
        .service(web::resource("/verify").get(evidence::verify_form))
        .service(web::resource("/verify/{id}").get(evidence::verify))
        .service(web::resource("/admin").get(admin::dashboard))
        .service(web::resource("/instructor").get(instructor::home))
        .service(
            web::resource("/instructor/import")
                .get(instructor::import_form)
                .post(instructor::import),
        )
        .service(web::resource("/instructor/essays").get(instructor::essays))
        .service(web::resource("/instructor/attempts/{attempt_id}/grade").post(instructor::grade))
        .service(
            web::resource("/instructor/courses/{course_id}/quizzes/{quiz_id}/statistics")
                .get(instructor::statistics),
        )
        .service(web::resource("/dashboard").get(units::dashboard))
        .service(
            web::resource("/import")
                .get(import::form)
                .post(import::upload),
        )
        .service(
            web::resource("/units/{id}/people")
                .get(units::people)
                .post(units::people_action),
        )
        .service(
            web::resource("/people/{id}/activate")
                .get(units::activate_form)
                .post(units::activate),
        )
        .service(
            web::resource("/targets")
                .get(units::targets_form)
                .post(units::targets_save),
        )
        .service(
            web::resource("/assignments")
                .get(units::assignments)
                .post(units::assign),
        )
        .service(web::resource("/assignments/{id}").get(units::assignment))
        .service(web::resource("/assignments/{id}/remind").post(units::remind))
        .service(web::resource("/due").get(units::due))
        .service(web::resource("/mentor").get(community::mentor))
        .service(
            web::resource("/mentor/register")
                .get(community::assisted_form)
                .post(community::assisted),
        )
        .service(web::resource("/profile").get(community::profile))
        .service(web::resource("/profile/mentor").post(community::choose_mentor))
        .service(web::resource("/profile/email").post(community::set_email))
        .service(web::resource("/profile/invitations/{id}").post(community::answer_invitation))
        .service(
            web::resource("/classes")
                .get(community::classes)
                .post(community::create_class),
        )
        .service(web::resource("/classes/{id}").get(community::class))
        .service(web::resource("/classes/{id}/attendance").post(community::attend))
        .service(web::resource("/check-in/{code}").get(community::check_in_form))
        .service(web::resource("/admin/revoke").post(admin::revoke))
        .service(web::resource("/static/site.css").get(stylesheet))
        .service(web::resource("/media/{course_id}/{path:.*}").get(media));
}

/// A failure shown as a page, in Vietnamese, with the right status.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut ctx = tera::Context::new();
        ctx.insert("message", &self.0.message(crate::i18n_global()));
        ctx.insert("status", &self.0.status.as_u16());
        ctx.insert("me", &Option::<MeView>::None);
        ctx.insert("csrf", "");
        let body = views::global()
            .render("error.html", &ctx)
            .unwrap_or_else(|_| self.0.message(crate::i18n_global()));
        let mut resp = HttpResponse::build(self.0.status);
        if let Some(s) = self.0.retry_after {
            resp.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        resp.content_type("text/html; charset=utf-8").body(body)
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// What templates know about the signed-in user.
#[derive(Serialize)]
pub struct MeView {
    pub display_name: String,
    pub is_admin: bool,
    pub is_instructor: bool,
    pub is_manager: bool,
    pub is_mentor: bool,
    pub can_organise: bool,
}

/// A page being rendered.
pub struct Page<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    ctx: tera::Context,
    status: StatusCode,
}

impl<'a> Page<'a> {
    pub fn new(req: &'a HttpRequest, state: &'a AppState, user: Option<&User>) -> Self {
        let mut ctx = tera::Context::new();
        ctx.insert(
            "me",
            &user.map(|u| MeView {
                display_name: u.display_name.clone(),
                is_admin: u.has_role(crate::auth::ROLE_ADMIN),
                is_instructor: u.has_role(crate::auth::ROLE_INSTRUCTOR)
                    || u.has_role(crate::auth::ROLE_ADMIN),
                is_manager: u.has_role(crate::auth::ROLE_ADMIN)
                    || u.has_role(crate::auth::ROLE_MANAGER),
                is_mentor: u.has_role(crate::auth::ROLE_MENTOR),
                can_organise: [
                    crate::auth::ROLE_ADMIN,
                    crate::auth::ROLE_MANAGER,
                    crate::auth::ROLE_MENTOR,
                    crate::auth::ROLE_INSTRUCTOR,
                ]
                .iter()
                .any(|r| u.has_role(r)),
            }),
        );
        ctx.insert("path", req.path());
        Self {
            req,
            state,
            ctx,
            status: StatusCode::OK,
        }
    }

    pub fn with<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        self.ctx.insert(key, value);
        self
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Shows an error above the form (and keeps the status a 4xx).
    pub fn error(self, e: &AppError) -> Self {
        let status = e.status;
        self.with("error", &e.message(crate::i18n_global()))
            .with("error_key", e.key)
            .status(status)
    }

    pub fn render(mut self, template: &str) -> PageResult {
        let (token, cookie) = csrf::token(self.req, self.state.settings.secure_cookies);
        self.ctx.insert("csrf", &token);
        let body = views::global().render(template, &self.ctx)?;
        let mut resp = HttpResponse::build(self.status);
        resp.content_type("text/html; charset=utf-8")
            // Pages show personal progress: never stored by shared caches.
            .insert_header((header::CACHE_CONTROL, "private, no-cache"));
        if let Some(c) = cookie {
            resp.cookie(c);
        }
        if let Some(c) = refreshed_session(self.req, self.state) {
            resp.cookie(c);
        }
        Ok(resp.body(body))
    }
}

/// Re-issues the session cookie once half its life has passed, so an active learner is not
/// signed out in the middle of a lesson while tokens stay short-lived.
fn refreshed_session(
    req: &HttpRequest,
    state: &AppState,
) -> Option<actix_web::cookie::Cookie<'static>> {
    use actix_web::HttpMessage;
    let session = req.extensions().get::<Session>().cloned()?;
    req.cookie(crate::auth::session::SESSION_COOKIE)?;
    let now = state.clock.now();
    let minutes = state.settings.session_minutes;
    if session.expires_at - now > time::Duration::minutes(minutes / 2) {
        return None;
    }
    let issued =
        crate::auth::token::issue(&state.keys, session.user.id, &session.id, now, minutes).ok()?;
    Some(crate::auth::session::session_cookie(
        issued.token,
        state.settings.secure_cookies,
        minutes,
    ))
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// Percent-encodes a path for use in a query string.
pub use crate::render::url_encode;

/// Only paths on this site are followed after login (no open redirect): a single leading
/// `/`, then visible ASCII only. That refuses `//host` and `/\host` (which browsers read as
/// another site), schemes, and every control or space character: browsers drop tabs and line
/// breaks from URLs, so `/<TAB>/host` would become `//host`, and a line break cannot go into a
/// `Location` header at all. Anything else falls back to the course list.
pub fn safe_next(next: Option<&str>) -> &str {
    const DEFAULT: &str = "/courses";
    let Some(n) = next else { return DEFAULT };
    let on_site = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && n.len() <= 2048
        && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if on_site {
        n
    } else {
        DEFAULT
    }
}

/// A form that cannot be read: too large (413), not a form (415) or not parseable (400), as an
/// error page (or the contract's JSON, should an API route ever take a form).
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, req| {
            use actix_web::error::UrlencodedError;
            tracing::debug!(error = %err, "rejected form");
            let e = match &err {
                UrlencodedError::Overflow { .. } => {
                    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
                }
                UrlencodedError::ContentType => {
                    AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_form")
                }
                _ => AppError::bad_request("invalid_form"),
            };
            crate::error::error_for(req.path(), e)
        })
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        crate::error::json_error(&AppError::not_found())
    } else {
        PageError(AppError::not_found()).error_response()
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(views::STYLESHEET)
}

/// Course media (images, audio, captions), only from the course's own media folder.
async fn media(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (course_id, rel) = path.into_inner();
    if state.catalog.course(&course_id).is_none()
        || rel.is_empty()
        || rel
            .split('/')
            .any(|s| s.is_empty() || s == ".." || s == "." || s.starts_with('.'))
    {
        return Err(AppError::not_found().into());
    }
    let file = state
        .settings
        .content_dir
        .join("courses")
        .join(&course_id)
        .join("media")
        .join(&rel);
    let named = NamedFile::open_async(&file)
        .await
        .map_err(|_| PageError(AppError::not_found()))?;
    let mut resp = named.use_etag(true).into_response(&req);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(resp)
}
