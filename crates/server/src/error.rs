//! One mapping from failures to HTTP. API callers get `{"error": key, "message": text}` with a
//! fitting status; pages get the same text in an HTML page. Internal causes are logged in
//! English and never shown.

use actix_web::http::StatusCode;
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
}

impl AppError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        Self {
            status,
            key,
            detail: String::new(),
        }
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

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
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
    HttpResponse::build(e.status).json(ErrorBody {
        error: e.key.to_owned(),
        message: e.message(crate::i18n_global()),
    })
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        json_error(self)
    }
}
