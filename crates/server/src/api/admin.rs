use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Scoped;
use crate::auth::{ApiUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::export::{completions, Format};
use crate::state::AppState;
use crate::views::rfc3339;
use hocvuso_store::NewExportAudit;

#[derive(Deserialize, IntoParams)]
pub struct CompletionsQuery {
    /// csv (default), xlsx, jsonl or xapi (xAPI statements, one per line).
    pub format: Option<String>,
    /// A group id (citizen, civil-servant, student, worker).
    pub group: Option<String>,
    /// A unit id: learners belonging to it or to a unit below it.
    pub unit: Option<String>,
    /// A course id.
    pub course: Option<String>,
    /// First day included, YYYY-MM-DD (or RFC 3339).
    pub from: Option<String>,
    /// Last day included, YYYY-MM-DD (or an RFC 3339 instant, excluded).
    pub to: Option<String>,
    /// CSV only: start with a byte-order mark, so Excel reads Vietnamese (default true;
    /// `bom=false` for programs that do not expect one).
    #[serde(default = "bom_by_default")]
    pub bom: bool,
}

fn bom_by_default() -> bool {
    true
}

/// Completions export: one row per completed course, in the order they were recorded. For
/// administrators (everything) and unit managers (their units' learners only). The file
/// streams; each export is recorded in the audit log before the first byte leaves.
#[utoipa::path(get, path = "/api/v1/admin/completions", tag = "admin", security(("bearer" = [])), params(CompletionsQuery),
    responses((status = 200, description = "The file, streamed: CSV, XLSX, or JSON Lines (jsonl and xapi)", content(("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/x-ndjson"))), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, description = "The unit is not one the caller may see", body = crate::error::ErrorBody)))]
pub async fn completions(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    q: web::Query<CompletionsQuery>,
) -> Result<HttpResponse, AppError> {
    if !scope.admin {
        scope.require_manager()?;
    }
    let format = Format::parse(q.format.as_deref().unwrap_or("csv"))
        .ok_or_else(|| AppError::bad_request("unknown_format"))?;
    let filter = completions::filter(
        &state,
        &scope,
        &completions::Params {
            group: q.group.as_deref(),
            unit: q.unit.as_deref(),
            course: q.course.as_deref(),
            from: q.from.as_deref(),
            to: q.to.as_deref(),
        },
    )?;
    let unit = match q.unit.as_deref().and_then(|u| u.trim().parse::<i64>().ok()) {
        Some(id) => serde_json::json!(id),
        None if scope.admin => serde_json::Value::Null,
        None => serde_json::json!(scope.tops().iter().map(|u| u.id).collect::<Vec<_>>()),
    };
    // The ledger's head as the export starts, in the file and in a header.
    let head = crate::app::ledger::head(&state.store).await?;
    let response = || {
        let mut r = HttpResponse::Ok();
        r.insert_header((header::CONTENT_TYPE, format.content_type()))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"completions.{}\"",
                    format.extension()
                ),
            ))
            .insert_header(crate::export::ledger_header(&head));
        r
    };
    // A HEAD gets the GET's headers (the body would stream) and starts no export: nothing is
    // read but the ledger head, nothing is recorded (crate::head).
    if crate::head::is_head(&req) {
        return Ok(response().streaming(futures_util::stream::empty::<
            Result<actix_web::web::Bytes, actix_web::Error>,
        >()));
    }
    let audit = state
        .store
        .record_export(NewExportAudit {
            user_id: scope.user.id,
            format: format.name().to_owned(),
            filter: completions::describe(&filter, unit),
            rows: 0,
            at: state.clock.now(),
        })
        .await?;
    crate::app::privacy::audit(
        &state,
        &scope.user,
        crate::app::privacy::ACTION_EXPORT,
        None,
        None,
        &format!("completions {} #{audit}", format.name()),
    )
    .await?;
    crate::metrics::export("completions");
    tracing::info!(
        user = scope.user.id,
        audit,
        format = format.name(),
        "completions export started"
    );
    let mut ok = response();
    let export = completions::Export {
        state: state.clone(),
        format,
        filter,
        bom: q.bom,
        audit,
        head,
    };
    Ok(ok.streaming(export.stream()))
}

#[derive(Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// Why, shown on the public verification page.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
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
    responses((status = 422, body = crate::error::ErrorBody, description = "invalid_revoke_reason"), (status = 200, body = Revoked), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
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
