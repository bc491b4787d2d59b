use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::evidence::{lookup, verify_url};
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Serialize, ToSchema)]
pub struct MyCertificate {
    pub id: String,
    pub course_id: String,
    pub issued_at: String,
    pub verify_url: String,
}

/// The caller's certificates: one per completed course.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "evidence", security(("bearer" = [])), responses((status = 200, body = [MyCertificate])))]
pub async fn my_certificates(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    let list = state.store.completions_for_user(user.0.id).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|c| MyCertificate {
                verify_url: verify_url(&state, &c.certificate_id),
                id: c.certificate_id,
                course_id: c.course_id,
                issued_at: rfc3339(c.completed_at),
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CertificateCheck {
    pub valid: bool,
    /// The learner's display name (never the username).
    pub learner: String,
    pub course: String,
    pub course_id: String,
    pub issued_at: String,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

/// Public verification of a certificate.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "evidence",
    responses((status = 200, body = CertificateCheck), (status = 404, body = crate::error::ErrorBody, description = "no such certificate")))]
pub async fn certificate(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup(&state, &path).await?.ok_or_else(|| {
        AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_certificate",
        )
    })?;
    let revoked = v.completion.revoked_at.is_some();
    Ok(HttpResponse::Ok().json(CertificateCheck {
        valid: !revoked,
        learner: v.learner.display_name,
        course: v.course_title,
        course_id: v.completion.course_id,
        issued_at: rfc3339(v.completion.completed_at),
        revoked,
        revoked_at: v.completion.revoked_at.map(rfc3339),
        revoked_reason: v.completion.revoked_reason,
    }))
}
