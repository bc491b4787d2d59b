use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{ApiUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::export::{self, Format};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct CompletionsQuery {
    /// csv (default), xlsx or jsonl.
    pub format: Option<String>,
    pub group: Option<String>,
    /// First day included, YYYY-MM-DD (or RFC 3339).
    pub from: Option<String>,
    /// Last day included, YYYY-MM-DD (or an RFC 3339 instant, excluded).
    pub to: Option<String>,
    /// CSV only: start with a byte-order mark, for Excel.
    #[serde(default)]
    pub bom: bool,
}

/// Completions export for administrators: one row per completed course.
#[utoipa::path(get, path = "/api/v1/admin/completions", tag = "admin", security(("bearer" = [])), params(CompletionsQuery),
    responses((status = 200, description = "The file"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn completions(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<CompletionsQuery>,
) -> Result<HttpResponse, AppError> {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden());
    }
    let format = Format::parse(q.format.as_deref().unwrap_or("csv"))
        .ok_or_else(|| AppError::bad_request("unknown_format"))?;
    let filter = export::filter(q.group.as_deref(), q.from.as_deref(), q.to.as_deref())?;
    let rows = state.store.completions_export(&filter).await?;
    let body = export::render(&state, format, &rows, q.bom)?;
    tracing::info!(
        admin = user.0.id,
        rows = rows.len(),
        format = format.extension(),
        "completions exported"
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"completions.{}\"",
                format.extension()
            ),
        ))
        .body(body))
}
