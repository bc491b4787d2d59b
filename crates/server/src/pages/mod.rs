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
mod offline;
mod practice;
mod preferences;
mod privacy;
mod question_search;
mod recovery;
mod search;
mod signed_in;
mod studio;
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
        .service(web::resource("/login/code").post(accounts::login_code))
        .service(web::resource("/login/oidc").post(accounts::oidc_start))
        .service(web::resource("/login/oidc/callback").get(accounts::oidc_callback))
        .service(web::resource("/login/oidc/link").post(accounts::oidc_link))
        .service(web::resource("/login/oidc/register").post(accounts::oidc_register))
        .service(
            web::resource("/guardian")
                .get(accounts::guardian_form)
                .post(accounts::guardian),
        )
        .service(web::resource("/login/enrol").post(accounts::login_enrol))
        .service(web::resource("/account/totp").post(accounts::totp_start))
        .service(web::resource("/account/totp/confirm").post(accounts::totp_confirm))
        .service(web::resource("/account/totp/disable").post(accounts::totp_disable))
        .service(web::resource("/privacy").get(accounts::privacy))
        .service(
            web::resource("/forgot")
                .get(recovery::forgot_form)
                .post(recovery::forgot),
        )
        .service(
            web::resource("/reset")
                .get(recovery::reset_form)
                .post(recovery::reset),
        )
        .service(web::resource("/people/{id}/reset-code").post(recovery::issue_code))
        .service(web::resource("/profile/reset-email").post(recovery::reset_by_email))
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
        .service(web::resource("/instructor/tim-cau-hoi").get(question_search::search))
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
            web::resource("/units/{id}/targets")
                .get(units::unit_targets_form)
                .post(units::unit_targets_save),
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
        .service(web::resource("/profile/du-lieu").get(privacy::data))
        .service(web::resource("/profile/du-lieu/rut-dong-y").post(privacy::withdraw))
        .service(web::resource("/profile/du-lieu/xoa").post(privacy::delete))
        .service(web::resource("/profile/du-lieu/da-xoa").get(privacy::deleted))
        .service(web::resource("/admin/nhat-ky").get(privacy::audit))
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
        .service(
            web::resource("/studio")
                .get(studio::home)
                .post(studio::create),
        )
        .service(web::resource("/studio/courses/{course_id}").get(studio::course))
        .service(web::resource("/studio/courses/{course_id}/settings").post(studio::save_settings))
        .service(web::resource("/studio/courses/{course_id}/order").post(studio::reorder))
        .service(
            web::resource("/studio/courses/{course_id}/lessons/new")
                .get(studio::lesson)
                .post(studio::save_lesson),
        )
        .service(
            web::resource("/studio/courses/{course_id}/lessons/{file}")
                .get(studio::lesson)
                .post(studio::save_lesson),
        )
        .service(
            web::resource("/studio/courses/{course_id}/questions")
                .get(studio::questions)
                .post(studio::import_questions),
        )
        .service(
            web::resource("/studio/courses/{course_id}/questions/new")
                .get(studio::question)
                .post(studio::save_question),
        )
        .service(
            web::resource("/studio/courses/{course_id}/questions/{question}")
                .get(studio::question)
                .post(studio::save_question),
        )
        .service(
            web::resource("/studio/courses/{course_id}/tasks/new")
                .get(studio::task)
                .post(studio::save_task),
        )
        .service(
            web::resource("/studio/courses/{course_id}/tasks/{file}")
                .get(studio::task)
                .post(studio::save_task),
        )
        .service(
            web::resource("/studio/courses/{course_id}/media")
                .get(studio::media_form)
                .post(studio::upload_media),
        )
        .service(
            web::resource("/studio/courses/{course_id}/media/{path:.*}").get(studio::draft_media),
        )
        .service(web::resource("/studio/courses/{course_id}/review").get(studio::review))
        .service(web::resource("/studio/courses/{course_id}/history").get(studio::history))
        .service(web::resource("/studio/courses/{course_id}/compare").get(studio::compare))
        .service(web::resource("/studio/courses/{course_id}/rollback").post(studio::roll_back))
        .service(web::resource("/studio/courses/{course_id}/authors").post(studio::assign))
        .service(
            web::resource("/studio/courses/{course_id}/{action:submit|approve|return|publish}")
                .post(studio::step),
        )
        .service(web::resource("/admin/revoke").post(admin::revoke))
        .service(
            web::resource("/settings")
                .get(preferences::form)
                .post(preferences::save),
        )
        .service(web::resource("/language/{code}").get(preferences::switch))
        .service(
            web::resource("/muc-tieu")
                .get(preferences::goal_form)
                .post(preferences::save_goal),
        )
        .configure(offline::routes)
        .service(web::resource("/static/site.css").get(stylesheet))
        .service(web::resource("/media/{course_id}/{path:.*}").get(media))
        .service(web::resource("/audio/{course_id}/{name}").get(narration))
        .service(web::resource("/static/narration.js").get(narration_script))
        .service(web::resource("/static/studio.js").get(studio::script));
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
        let page = ErrorPage {
            message: self.0.message(crate::i18n::current()),
            key: self.0.key,
            status: self.0.status.as_u16(),
        };
        let mut resp = HttpResponse::build(self.0.status);
        if let Some(s) = self.0.retry_after {
            resp.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        let mut resp = resp
            .content_type("text/html; charset=utf-8")
            .body(page.body(None, ""));
        // Kept so `signed_in_error_page` can show a signed-in person their own menu.
        resp.extensions_mut().insert(page);
        resp
    }
}

/// What an error page says. It is rendered before anyone knows who asked (`ResponseError`
/// has no request); the error middleware renders it again with the signed-in menu.
#[derive(Clone)]
pub struct ErrorPage {
    message: String,
    /// The error's stable key, on the page's `<main data-error>` (what tests and scripts look
    /// for, whatever the wording).
    key: &'static str,
    status: u16,
}

impl ErrorPage {
    fn body(&self, me: Option<MeView>, csrf: &str) -> String {
        let mut ctx = tera::Context::new();
        ctx.insert("message", &self.message);
        ctx.insert("error_key", self.key);
        ctx.insert("status", &self.status);
        insert_preferences(&mut ctx, None, "/");
        ctx.insert("me", &me);
        ctx.insert("csrf", csrf);
        ctx.insert("path", "");
        views::global()
            .render("error.html", &ctx)
            .unwrap_or_else(|_| self.message.clone())
    }
}

/// The error page `old` again, with the menu of the person signed in (their links, "Đăng
/// xuất"), instead of "Đăng nhập/Đăng ký"; None when it is no error page or nobody is signed in.
pub async fn signed_in_error_page<B>(
    req: &HttpRequest,
    old: &HttpResponse<B>,
) -> Option<HttpResponse> {
    let page = old.extensions().get::<ErrorPage>().cloned()?;
    if old.status() == StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    // Only a session already looked up, or a cookie that names one: an error must not become
    // a second failure (a database that is down answers 503 with the plain page).
    let session = crate::auth::session::authenticate(req, true).await.ok()??;
    let state = req.app_data::<web::Data<AppState>>()?;
    let (token, cookie) = csrf::token(req, state.settings.secure_cookies);
    let mut resp = HttpResponse::build(old.status());
    for (name, value) in old.headers() {
        resp.insert_header((name.clone(), value.clone()));
    }
    if let Some(c) = cookie {
        resp.cookie(c);
    }
    Some(resp.body(page.body(Some(me_view(req, &session.user)), &token)))
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
    /// Notifications not read yet (the menu's badge).
    pub unread: u64,
}

fn me_view(req: &HttpRequest, u: &User) -> MeView {
    MeView {
        display_name: u.display_name.clone(),
        is_admin: u.has_role(crate::auth::ROLE_ADMIN),
        is_instructor: u.has_role(crate::auth::ROLE_INSTRUCTOR)
            || u.has_role(crate::auth::ROLE_ADMIN),
        is_manager: u.has_role(crate::auth::ROLE_ADMIN) || u.has_role(crate::auth::ROLE_MANAGER),
        is_mentor: u.has_role(crate::auth::ROLE_MENTOR),
        can_organise: [
            crate::auth::ROLE_ADMIN,
            crate::auth::ROLE_MANAGER,
            crate::auth::ROLE_MENTOR,
            crate::auth::ROLE_INSTRUCTOR,
        ]
        .iter()
        .any(|r| u.has_role(r)),
        unread: unread_of(req, u.id),
    }
}

/// What a page's frame (`base.html`, `nav.html`) shows of the signed-in user, their reading
/// preferences and the page's address, as a key: two requests of the same shape get the same
/// frame but for the CSRF token (`page_cache::Frame`). None where the frame is better made
/// whole: an address with a query string (the language switch repeats it, and anyone can make
/// new ones) or an unread count above nine (one frame per count would multiply the frames for
/// a few people).
pub fn frame_shape(req: &HttpRequest, user: &User) -> Option<String> {
    if !req.query_string().is_empty() {
        return None;
    }
    let me = me_view(req, user);
    if me.unread > 9 {
        return None;
    }
    let prefs = crate::preferences::current();
    let bit = u8::from;
    Some(format!(
        "{}\0{}{}{}{}{}{}\0{}{}{}{}",
        req.path(),
        bit(me.is_admin),
        bit(me.is_instructor),
        bit(me.is_manager),
        bit(me.is_mentor),
        bit(me.can_organise),
        me.unread,
        prefs.text_size,
        bit(prefs.high_contrast),
        bit(prefs.wide_spacing),
        prefs.lang,
    ))
}

/// Put in place of the signed-in user's name when a frame is rendered to be shared: a frame
/// that shows it is not shared (`Page::render_frame`).
const NAME_MARK: &str = "\u{E000}hvs:name\u{E000}";

/// The unread count the session extractor looked up for this request's signed-in user.
fn unread_of(req: &HttpRequest, user_id: i64) -> u64 {
    use actix_web::HttpMessage;
    req.extensions()
        .get::<crate::auth::session::Unread>()
        .filter(|u| u.user_id == user_id)
        .map_or(0, |u| u.count)
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
        ctx.insert("me", &user.map(|u| me_view(req, u)));
        ctx.insert("path", req.path());
        insert_preferences(&mut ctx, Some(state), &here(req));
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
        self.with("error", &e.message(crate::i18n::current()))
            .with("error_key", e.key)
            .status(status)
    }

    pub fn render(mut self, template: &str) -> PageResult {
        let (token, cookie) = csrf::token(self.req, self.state.settings.secure_cookies);
        self.ctx.insert("csrf", &token);
        let body = views::global().render(template, &self.ctx)?;
        self.respond(body, cookie, false)
    }

    /// Renders `template` as a frame to share between everyone whose requests have this one's
    /// `frame_shape`: `csrf_mark` in place of the CSRF token, and a mark in place of the user's
    /// name, which must not appear (nothing personal beyond the token may be shared). None when
    /// it does: the page is then made whole for each request.
    pub fn render_frame(
        &self,
        template: &str,
        csrf_mark: &str,
    ) -> Result<Option<String>, PageError> {
        let mut ctx = self.ctx.clone();
        ctx.insert("csrf", csrf_mark);
        if let Some(mut me) = ctx.get("me").cloned().filter(|me| me.is_object()) {
            me["display_name"] = serde_json::Value::from(NAME_MARK);
            ctx.insert("me", &me);
        }
        let page = views::global().render(template, &ctx)?;
        if page.contains(NAME_MARK) {
            tracing::warn!(
                template,
                "the page's frame shows the user's name: not shared"
            );
            return Ok(None);
        }
        Ok(Some(page))
    }

    /// The request the page answers.
    pub fn request(&self) -> &'a HttpRequest {
        self.req
    }

    pub fn state(&self) -> &'a AppState {
        self.state
    }

    /// Renders `template`, whose output holds `mark` once, and answers gzip-compressed with
    /// `piece` (compressed once, `page_cache`) in place of the mark: only the page around it
    /// is compressed per request. The caller has checked that the client accepts gzip.
    pub fn render_around(
        mut self,
        template: &str,
        mark: &str,
        piece: &crate::compression::Piece,
    ) -> PageResult {
        let (token, cookie) = csrf::token(self.req, self.state.settings.secure_cookies);
        self.ctx.insert("csrf", &token);
        let page = views::global().render(template, &self.ctx)?;
        let Some((before, after)) = page.split_once(mark) else {
            tracing::error!(template, "the cached part's mark is not in the page");
            return Err(AppError::internal().into());
        };
        let Some(gz) = crate::compression::gzip_around(before.as_bytes(), piece, after.as_bytes())
        else {
            tracing::error!(template, "compressing the page failed");
            return Err(AppError::internal().into());
        };
        self.respond(gz, cookie, true)
    }

    fn respond(
        self,
        body: impl actix_web::body::MessageBody + 'static,
        cookie: Option<actix_web::cookie::Cookie<'static>>,
        gzip: bool,
    ) -> PageResult {
        Ok(respond(
            self.req,
            self.state,
            self.status,
            body,
            cookie,
            gzip,
        ))
    }
}

/// A page's response: its headers (private, never stored by shared caches), the CSRF cookie
/// when the token is new, the session cookie when it is due to be renewed.
pub fn respond(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    body: impl actix_web::body::MessageBody + 'static,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
    gzip: bool,
) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    if gzip {
        resp.insert_header((header::CONTENT_ENCODING, "gzip"))
            .insert_header((header::VARY, "accept-encoding"));
    }
    resp.content_type("text/html; charset=utf-8")
        // Pages show personal progress: never stored by shared caches.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if let Some(c) = cookie {
        resp.cookie(c);
    }
    if let Some(c) = refreshed_session(req, state) {
        resp.cookie(c);
    }
    resp.body(body)
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
    if state.catalog().course(&course_id).is_none()
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

/// The current path with its query, for the language switch and the settings page to come back
/// to (checked again by `safe_next` when followed).
fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

/// A language the switch offers.
#[derive(Serialize)]
struct LanguageChoice {
    code: String,
    name: String,
    current: bool,
}

/// What every page's frame needs of the reading preferences (`ui` in the templates): the
/// classes for `<html>`, its `lang`, and the language switch. The switch lists the interface
/// languages and every language some content is translated into.
fn insert_preferences(ctx: &mut tera::Context, state: Option<&AppState>, here: &str) {
    let prefs = crate::preferences::current();
    let mut codes: Vec<String> = crate::i18n::interface_languages()
        .map(str::to_owned)
        .collect();
    if let Some(state) = state {
        for code in content_languages(state) {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
    }
    let t = crate::i18n::current();
    let languages: Vec<LanguageChoice> = codes
        .into_iter()
        .map(|code| {
            let key = format!("languages.{code}");
            LanguageChoice {
                name: if t.contains(&key) {
                    t.get(&key).to_owned()
                } else {
                    code.clone()
                },
                current: code == prefs.lang,
                code,
            }
        })
        .collect();
    ctx.insert(
        "ui",
        &serde_json::json!({
            "lang": prefs.interface_lang(),
            "content_lang": prefs.lang,
            "classes": prefs.classes(),
            "text_size": prefs.text_size,
            "high_contrast": prefs.high_contrast,
            "wide_spacing": prefs.wide_spacing,
            "languages": languages,
            "here": here,
            "here_encoded": url_encode(here),
        }),
    );
}

/// The languages some content is translated into (besides Vietnamese).
fn content_languages(state: &AppState) -> Vec<String> {
    state.catalogs.languages()
}

/// A lesson's generated narration, from the cache in the data folder. The name carries the
/// hash of what is said, so the file never changes under its name: cached for a year.
async fn narration(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (course_id, name) = path.into_inner();
    if state.catalog().course(&course_id).is_none() || !crate::narration::is_cache_name(&name) {
        return Err(AppError::not_found().into());
    }
    let file = crate::narration::course_dir(&state.settings.data_dir, &course_id).join(&name);
    let named = NamedFile::open_async(&file)
        .await
        .map_err(|_| PageError(AppError::not_found()))?
        .set_content_type(ogg());
    let mut resp = named.use_etag(true).into_response(&req);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(resp)
}

/// Opus in Ogg, as browsers expect it.
fn ogg() -> actix_web::mime::Mime {
    "audio/ogg"
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM)
}

/// The lesson player's speed choice: the only script a lesson page loads, and only to enhance
/// (without it the player still plays at normal speed).
async fn narration_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(views::NARRATION_SCRIPT)
}
