use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::auth::{csrf, PageUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::state::AppState;

use super::{redirect, url_encode, Page, PageResult};
use crate::views::datetime_vi;

/// The administrator's page: completion exports with filters (the download links go to the API,
/// which accepts the session cookie for GET requests).
pub async fn dashboard(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden().into());
    }
    let audits = audit_rows(&state).await?;
    let units = state.store.units().await.map_err(AppError::from)?;
    let courses: Vec<_> = state
        .catalog()
        .courses
        .values()
        .map(|c| serde_json::json!({"id": c.id, "title": c.title}))
        .collect();
    Page::new(&req, &state, Some(&user.0))
        .with("groups", &state.catalog().groups)
        .with("units", &units)
        .with("courses", &courses)
        .with("audits", &audits)
        .render("admin.html")
}

#[derive(Serialize)]
struct AuditRow {
    at: String,
    username: String,
    format: String,
    filter: String,
    rows: i64,
}

async fn audit_rows(state: &AppState) -> Result<Vec<AuditRow>, AppError> {
    Ok(state
        .store
        .export_audits(50)
        .await?
        .into_iter()
        .map(|a| AuditRow {
            at: datetime_vi(a.at),
            username: a.username.unwrap_or_else(|| format!("#{}", a.user_id)),
            format: a.format,
            filter: a.filter,
            rows: a.rows,
        })
        .collect())
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    certificate_id: String,
    reason: String,
}

/// The revocation form of the admin page: the same service as the API's revoke.
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<RevokeForm>,
) -> PageResult {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden().into());
    }
    csrf::verify(&req, &form.csrf)?;
    let id = form.certificate_id.trim();
    crate::app::evidence::revoke(&state, &user.0, id, &form.reason).await?;
    Ok(redirect(&format!("/verify/{}", url_encode(id))))
}
