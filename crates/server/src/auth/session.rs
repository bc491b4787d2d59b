//! Who is calling. The API takes `Authorization: Bearer <token>`; the pages use the same token in
//! an HttpOnly, SameSite=Lax cookie. A cookie is accepted by the API only for safe (GET, HEAD)
//! requests, so a cross-site form can never act through the API with a learner's cookie.
//!
//! A valid signature is not enough: the token's session must still be live in `sessions` (not
//! signed out, not ended by a password change or "sign out everywhere", not expired). The
//! session is read in the same query as the account, so the check adds no query per request;
//! its `last_seen_at` and sliding expiry are written at most once per `TOUCH_EVERY`.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use time::OffsetDateTime;

use hocvuso_store::User;

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "hvs_session";

/// The authenticated caller, cached in the request's extensions once looked up.
#[derive(Clone)]
pub struct Session {
    /// The server-side session (`sessions.id`).
    pub id: String,
    pub user: User,
    /// When this token expires (the session itself may live longer while it is used).
    pub expires_at: OffsetDateTime,
}

/// How stale `last_seen_at` may get before a request writes it (and slides the expiry).
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(5);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Looks the caller up from a Bearer token or (where allowed) the session cookie.
pub async fn authenticate(
    req: &HttpRequest,
    allow_cookie: bool,
) -> Result<Option<Session>, AppError> {
    authenticate_with(req, allow_cookie, false).await
}

/// As [`authenticate`]; with `unread`, the page menu's unread count is read in the same query
/// and left in the request's extensions ([`Unread`]); with `completion`, whether the user
/// completed that lesson ([`Completed`]), likewise.
async fn authenticate_with(
    req: &HttpRequest,
    allow_cookie: bool,
    unread: bool,
) -> Result<Option<Session>, AppError> {
    let extras = hocvuso_store::SessionExtras {
        unread,
        completion: None,
    };
    authenticate_asking(req, allow_cookie, extras).await
}

async fn authenticate_asking(
    req: &HttpRequest,
    allow_cookie: bool,
    extras: hocvuso_store::SessionExtras<'_>,
) -> Result<Option<Session>, AppError> {
    if let Some(s) = req.extensions().get::<Session>() {
        return Ok(Some(s.clone()));
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal_because("no application state", "not configured"))?
        .clone();
    let token = match bearer(req) {
        Some(t) => Some(t),
        None if allow_cookie => req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()),
        None => None,
    };
    let Some(token) = token else { return Ok(None) };
    let now = state.clock.now();
    let Some((user_id, claims)) = super::token::verify(&state.keys, &token, now) else {
        return Ok(None);
    };
    let Some(read) = state
        .store
        .session_read(&claims.sid, user_id, now, extras)
        .await?
    else {
        return Ok(None);
    };
    let (live, user) = (read.session, read.user);
    if extras.unread {
        req.extensions_mut().insert(Unread {
            user_id: user.id,
            count: read.unread,
        });
    }
    if let (Some((course, lesson)), Some(done)) = (extras.completion, read.completed) {
        req.extensions_mut().insert(Completed {
            user_id: user.id,
            course_id: course.to_owned(),
            lesson_id: lesson.to_owned(),
            done,
        });
    }
    if now - live.last_seen_at >= TOUCH_EVERY {
        let until = now + time::Duration::minutes(state.settings.session_minutes) + TOUCH_EVERY;
        state.store.touch_session(&live.id, now, until).await?;
    }
    let session = Session {
        id: live.id,
        user,
        expires_at: OffsetDateTime::from_unix_timestamp(claims.exp).unwrap_or(now),
    };
    req.extensions_mut().insert(session.clone());
    Ok(Some(session))
}

/// Whether the signed-in user completed a lesson, read with the session for the lesson page
/// ([`page_user_reading`]): the page then asks the database nothing else.
#[derive(Clone)]
pub struct Completed {
    pub user_id: i64,
    pub course_id: String,
    pub lesson_id: String,
    pub done: bool,
}

impl Completed {
    /// The answer read with the session, if it was read for this user and lesson.
    pub fn of(req: &HttpRequest, user_id: i64, course_id: &str, lesson_id: &str) -> Option<bool> {
        req.extensions()
            .get::<Completed>()
            .filter(|c| {
                c.user_id == user_id && c.course_id == course_id && c.lesson_id == lesson_id
            })
            .map(|c| c.done)
    }
}

pub fn session_cookie(token: String, secure: bool, max_age_minutes: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::minutes(max_age_minutes))
        .finish()
}

pub fn clear_session_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie(String::new(), secure, 0);
    c.make_removal();
    c
}

type BoxFut<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// An authenticated API caller with their session (to sign it out); 401 JSON otherwise.
pub struct ApiSession(pub Session);

impl FromRequest for ApiSession {
    type Error = actix_web::Error;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let safe = req.method() == Method::GET || req.method() == Method::HEAD;
            match authenticate(&req, safe).await? {
                Some(s) => Ok(ApiSession(s)),
                None => Err(AppError::unauthorized().into()),
            }
        })
    }
}

/// An authenticated API caller; 401 JSON otherwise.
pub struct ApiUser(pub User);

impl FromRequest for ApiUser {
    type Error = actix_web::Error;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let session = ApiSession::from_request(req, payload);
        Box::pin(async move { Ok(ApiUser(session.await?.0.user)) })
    }
}

/// How many notifications the signed-in visitor of a page has not read (the menu's badge),
/// looked up once per page request.
#[derive(Clone, Copy)]
pub struct Unread {
    pub user_id: i64,
    pub count: u64,
}

async fn count_unread(req: &HttpRequest, user_id: i64) {
    // Read with the session (`authenticate_with`) unless the session was already known.
    if req
        .extensions()
        .get::<Unread>()
        .is_some_and(|u| u.user_id == user_id)
    {
        return;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return;
    };
    // A badge is not worth an error page: without the count the menu shows none.
    if let Ok(count) = state.store.unread_notifications(user_id).await {
        req.extensions_mut().insert(Unread { user_id, count });
    }
}

/// A signed-in visitor of the pages; others are sent to the login page.
pub struct PageUser(pub User);

impl FromRequest for PageUser {
    type Error = actix_web::Error;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { page_user_reading(&req, None).await.map(PageUser) })
    }
}

/// The signed-in visitor of a page (as [`PageUser`]); with `completion` (course id, lesson id),
/// whether they completed that lesson is read in the session's query and left in the request's
/// extensions ([`Completed`]).
pub async fn page_user_reading(
    req: &HttpRequest,
    completion: Option<(&str, &str)>,
) -> Result<User, actix_web::Error> {
    let extras = hocvuso_store::SessionExtras {
        unread: true,
        completion,
    };
    match authenticate_asking(req, true, extras).await {
        Ok(Some(s)) => {
            count_unread(req, s.user.id).await;
            Ok(s.user)
        }
        Ok(None) => {
            // Only the path goes into `next`: never a query string, which could carry
            // personal data into logs.
            let next = if req.method() == Method::GET {
                req.path()
            } else {
                "/courses"
            };
            let location = format!("/login?next={}", crate::render::url_encode(next));
            Err(actix_web::error::InternalError::from_response(
                "login required",
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish(),
            )
            .into())
        }
        Err(e) => Err(crate::error::error_for(req.path(), e)),
    }
}

/// The visitor, signed in or not.
pub struct MaybeUser(pub Option<User>);

impl FromRequest for MaybeUser {
    type Error = actix_web::Error;
    type Future = BoxFut<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let s = authenticate_with(&req, true, true)
                .await
                .map_err(|e| crate::error::error_for(req.path(), e))?;
            if let Some(s) = &s {
                count_unread(&req, s.user.id).await;
            }
            Ok(MaybeUser(s.map(|s| s.user)))
        })
    }
}
