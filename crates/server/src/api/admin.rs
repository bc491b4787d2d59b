use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{ApiUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::export::{self, Format};
use crate::state::AppState;
use crate::views::rfc3339;
use hocvuso_store::NewExportAudit;

#[derive(Deserialize, IntoParams)]
pub struct CompletionsQuery {
    /// csv (default), xlsx, jsonl or xapi (xAPI statements, one per line).
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
    let mut rows = state.store.completions_export(&filter).await?;
    if format == Format::Xapi {
        // Completions recorded before credentials existed have learners without a reference.
        for r in rows.iter_mut().filter(|r| r.learner_ref.is_none()) {
            let candidate = hocvuso_credentials::LearnerRef::generate(&mut rand::rngs::OsRng);
            r.learner_ref = Some(
                state
                    .store
                    .ensure_learner_ref(r.completion.user_id, candidate.as_str())
                    .await?,
            );
        }
    }
    let body = export::render(&state, format, &rows, q.bom)?;
    state
        .store
        .record_export(NewExportAudit {
            user_id: user.0.id,
            format: format.name().to_owned(),
            filter: export::describe(&filter),
            rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            at: state.clock.now(),
        })
        .await?;
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

#[derive(Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// Why, shown on the public verification page.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    pub id: String,
    pub revoked_at: String,
    pub reason: String,
}

/// Revokes a certificate: a new ledger entry with the reason and the admin; the credential then
/// verifies as revoked.
#[utoipa::path(post, path = "/api/v1/admin/certificates/{id}/revoke", tag = "admin", security(("bearer" = [])), request_body = RevokeRequest,
    responses((status = 200, body = Revoked), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn revoke(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, AppError> {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden());
    }
    let c = crate::app::evidence::revoke(&state, &user.0, &path, &body.reason).await?;
    tracing::info!(admin = user.0.id, certificate = %c.certificate_id, "certificate revoked");
    Ok(HttpResponse::Ok().json(Revoked {
        id: c.certificate_id,
        revoked_at: c.revoked_at.map(rfc3339).unwrap_or_default(),
        reason: c.revoked_reason.unwrap_or_default(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ExportRecord {
    pub id: i64,
    pub user_id: i64,
    pub username: Option<String>,
    pub format: String,
    /// The filter, as JSON text.
    pub filter: String,
    pub rows: i64,
    pub at: String,
}

/// The export audit log, newest first: who exported what, with which filter, when, how many rows.
#[utoipa::path(get, path = "/api/v1/admin/exports", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [ExportRecord]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn exports(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden());
    }
    let list = state.store.export_audits(200).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|a| ExportRecord {
                id: a.id,
                user_id: a.user_id,
                username: a.username,
                format: a.format,
                filter: a.filter,
                rows: a.rows,
                at: rfc3339(a.at),
            })
            .collect::<Vec<_>>(),
    ))
}
