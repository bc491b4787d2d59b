//! Importing people (CSV or XLSX in the request body).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::import::{self, FileKind, Report};
use crate::auth::{ApiUser, Scoped};
use crate::error::AppError;
use crate::state::AppState;

pub use crate::app::import::MAX_FILE;

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports people into the caller's units. Columns: name, username (or phone), group, unit
/// (a unit code), household (a household code, optional), birth_year (optional). Send the file
/// as the body with `Content-Type: text/csv` (UTF-8) or the XLSX type. Every problem comes
/// back with its row number; with any problem, nothing is written (422).
#[utoipa::path(post, path = "/api/v1/import", tag = "units", security(("bearer" = [])), params(ImportQuery),
    request_body(description = "The CSV (UTF-8) or XLSX file", content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 403, body = crate::error::ErrorBody, description = "not a manager"), (status = 200, body = Report), (status = 415, body = crate::error::ErrorBody), (status = 422, body = Report)))]
pub async fn import_people(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    // Only a manager's file is read at all.
    scope.require_manager()?;
    let body = crate::pages::form::read_limited(payload, MAX_FILE).await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = FileKind::detect(content_type, "").ok_or_else(|| {
        AppError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_file",
        )
    })?;
    let report = import::import(&state, &scope, &body, kind, q.dry_run).await?;
    if report.problems.is_empty() {
        Ok(HttpResponse::Ok().json(report))
    } else {
        Ok(HttpResponse::UnprocessableEntity().json(report))
    }
}
