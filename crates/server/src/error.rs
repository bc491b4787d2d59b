//! One mapping from failures to HTTP. API callers get `{"error": key, "message": text}` with a
//! fitting status; pages get the same text in an HTML page. Internal causes are logged in
//! English and never shown.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use hocvuso_store::StoreError;

use crate::i18n::Translations;

/// A failure with a stable snake_case key. The human message is looked up from the key in the
/// translation file when the response is built.
#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub key: &'static str,
    /// Extra detail for the message (e.g. which field), already in Vietnamese, or empty.
    pub detail: String,
    /// Seconds after which trying again may succeed (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        Self {
            status,
            key,
            detail: String::new(),
            retry_after: None,
        }
    }

    /// Asks the caller to come back after `seconds` (at least one).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// 429: this caller has been refused for a while.
    pub fn too_many(key: &'static str, wait: time::Duration) -> Self {
        let secs = u64::try_from(wait.whole_seconds()).unwrap_or(0);
        Self::new(StatusCode::TOO_MANY_REQUESTS, key).retry_after(secs)
    }

    /// 503: the server cannot answer now; the request may succeed later.
    pub fn unavailable(key: &'static str, seconds: u64) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, key).retry_after(seconds)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn bad_request(key: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, key)
    }
    pub fn unprocessable(key: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, key)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden")
    }
    pub fn conflict(key: &'static str) -> Self {
        Self::new(StatusCode::CONFLICT, key)
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    /// An internal error whose cause is logged here, once, in English (the person sees only
    /// the generic message): `what` says what failed, `cause` why.
    pub fn internal_because(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what}");
        Self::internal()
    }

    pub fn message(&self, t: &Translations) -> String {
        let base = t.error(self.key);
        if self.detail.is_empty() {
            base
        } else {
            format!("{base} {}", self.detail)
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.key, self.status)
    }
}

/// How long a client is asked to wait while the database is unreachable.
const DATABASE_RETRY_SECONDS: u64 = 10;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::error!(error = %e, "database unavailable");
            return AppError::unavailable("database_unavailable", DATABASE_RETRY_SECONDS);
        }
        match e {
            StoreError::Conflict("username") => AppError::conflict("username_taken"),
            StoreError::Conflict(_) => AppError::conflict("conflict"),
            StoreError::NotFound => AppError::not_found(),
            StoreError::AlreadySubmitted => AppError::conflict("already_submitted"),
            other => {
                tracing::error!(error = %other, "store failure");
                AppError::internal()
            }
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case key, for programs.
    pub error: String,
    /// Human-readable message in Vietnamese.
    pub message: String,
}

/// The JSON error response. The translations are global to the process (loaded once at start),
/// because `ResponseError` has no access to the application state.
pub fn json_error(e: &AppError) -> HttpResponse {
    let mut resp = HttpResponse::build(e.status);
    if let Some(s) = e.retry_after {
        resp.insert_header((header::RETRY_AFTER, s.to_string()));
    }
    resp.json(ErrorBody {
        error: e.key.to_owned(),
        message: e.message(crate::i18n_global()),
    })
}

/// Whether a path belongs to the JSON API (errors in the contract's shape) rather than to the
/// pages (errors as a page).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/issuer"
        || path.starts_with("/.well-known/")
        || path.starts_with("/keys/")
        || path.starts_with("/credentials/status/")
}

/// The error response fitting the request: the contract's JSON for the API, a page otherwise.
pub fn error_for(path: &str, e: AppError) -> actix_web::Error {
    if is_api_path(path) {
        e.into()
    } else {
        crate::pages::PageError(e).into()
    }
}

/// The response for `e` fitting the request (see `error_for`).
pub fn error_response_for(path: &str, e: &AppError) -> HttpResponse {
    if is_api_path(path) {
        json_error(e)
    } else {
        crate::pages::PageError(e.clone()).error_response()
    }
}

/// The last line of defence for the contract: any error response the application did not
/// shape itself (actix's own plain-text answers: a body over a limit, a method the route does
/// not take, a header it could not write) is replaced by the contract's JSON for the API or the
/// error page for the pages, with the same status, in Vietnamese. Handlers and extractors
/// shape their errors at the cause; this catches what comes from the framework.
pub fn contract_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(reshape)
}

fn reshape<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let shaped = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if shaped {
        if res
            .response()
            .extensions()
            .get::<crate::pages::ErrorPage>()
            .is_none()
        {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        // An error page: a signed-in person sees their own menu on it.
        return Ok(ErrorHandlerResponse::Future(Box::pin(async move {
            let (req, old) = res.into_parts();
            Ok(match crate::pages::signed_in_error_page(&req, &old).await {
                Some(new) => ServiceResponse::new(req, new).map_into_right_body(),
                None => ServiceResponse::new(req, old).map_into_left_body(),
            })
        })));
    }
    let status = res.status();
    let key = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        416 => "range_not_satisfiable",
        429 => "too_many_requests",
        431 => "headers_too_large",
        503 => "service_unavailable",
        s if (400..500).contains(&s) => "bad_request",
        _ => "internal",
    };
    let (req, old) = res.into_parts();
    if status.is_server_error() {
        tracing::error!(
            status = status.as_u16(),
            path = req.path(),
            "unshaped server error"
        );
    }
    let mut new = error_response_for(req.path(), &AppError::new(status, key));
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = old.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    if new.extensions().get::<crate::pages::ErrorPage>().is_none() {
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, new).map_into_right_body(),
        ));
    }
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        let page = crate::pages::signed_in_error_page(&req, &new).await;
        Ok(ServiceResponse::new(req, page.unwrap_or(new)).map_into_right_body())
    })))
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        json_error(self)
    }
}
