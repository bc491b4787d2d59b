//! A person's rights over their data, and the administrator's audit log (`docs/api.md`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::accounts::Origin;
use crate::app::privacy as app;
use crate::auth::session::authenticate;
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::present::privacy::{audit_request, audit_sheet, AuditLine, AuditQuery};
use crate::state::AppState;

/// Everything held about the caller, as one JSON document to keep: each kind of record
/// (`data.<kind>`: account, consents, units, household, mentor, attempts, certificates with
/// their credentials as issued, notifications, sessions, who read their data…) with its rows.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The caller's data, as a JSON attachment", content_type = "application/json", body = Object), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_data(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let doc = app::my_data(&state, &user.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"du-lieu-ca-nhan.json\"",
        ))
        .json(doc))
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteRequest {
    /// The account's password, to confirm.
    pub password: String,
}

/// Deletes the caller's account: personal fields erased, links to units, households and
/// mentors removed, sessions ended; certificates already issued stay verifiable (they name an
/// opaque reference). Asked again with the same token: 409 `account_already_deleted`.
#[utoipa::path(post, path = "/api/v1/me/delete", tag = "accounts", security(("bearer" = [])), request_body = DeleteRequest,
    responses((status = 204, description = "Deleted"), (status = 401, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "account_already_deleted"), (status = 422, body = crate::error::ErrorBody, description = "wrong_current_password"), (status = 429, body = crate::error::ErrorBody)))]
pub async fn delete_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<DeleteRequest>,
) -> Result<HttpResponse, AppError> {
    let Some(session) = authenticate(&req, false).await? else {
        if app::caller_was_deleted(&state, &req).await? {
            return Err(app::already_deleted());
        }
        return Err(AppError::unauthorized());
    };
    let origin = Origin::of(&req, &state, &session.user.username);
    app::delete_account(&state, &session.user, &body.password, &origin).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Withdraws a consent: `reminder_email` (the address is removed too). The privacy notice's
/// consent is withdrawn by deleting the account (422 `consent_needs_deletion`).
#[utoipa::path(post, path = "/api/v1/me/consents/{purpose}/withdraw", tag = "accounts", security(("bearer" = [])),
    params(("purpose" = String, Path, description = "reminder_email")),
    responses((status = 204, description = "Withdrawn"), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "consent_needs_deletion")))]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    app::withdraw_consent(&state, &user.0, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who read or exported whose personal data, newest first (administrators only; 404 for
/// anyone else). `format=csv|xlsx` gives the filtered log as a file (itself audited).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Entries (JSON), or the file", content((Vec<AuditLine> = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn audit(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let (lines, format) = audit_request(&state, &user.0, &q).await?;
    match format {
        None => Ok(HttpResponse::Ok().json(lines)),
        Some(f) => super::units::file(&state, f, "nhat-ky-truy-cap", &audit_sheet(&lines)).await,
    }
}
