use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::evidence::{certificate_pdf, lookup, verify_jwt, verify_url};
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

fn unknown_certificate() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "unknown_certificate",
    )
}

/// The issuer's public keys (active, earlier and retired) as a JWK Set.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "evidence", responses((status = 200, description = "JWK Set")))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.issuer.ring().jwks(&state.issuer.base))
}

/// One public key, by thumbprint: what a credential's `kid` URL resolves to.
#[utoipa::path(get, path = "/keys/{thumbprint}", tag = "evidence", responses((status = 200, description = "JWK"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn key(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let ring = state.issuer.ring();
    let jwk = ring
        .jwk(&path, &state.issuer.base)
        .ok_or_else(AppError::not_found)?;
    Ok(HttpResponse::Ok().json(jwk))
}

/// The issuer's Open Badges profile (the `iss` of every credential).
#[utoipa::path(get, path = "/issuer", tag = "evidence", responses((status = 200, description = "Open Badges 3.0 Profile")))]
pub async fn issuer(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(hocvuso_credentials::openbadges::issuer_profile(
        &state.issuer.base,
        &state.issuer.name,
    ))
}

/// The certificate's Open Badges 3.0 credential as a compact VC-JWT (EdDSA).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/credential", tag = "evidence",
    responses((status = 200, description = "application/vc+jwt", content_type = "application/vc+jwt", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn credential(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup(&state, &path)
        .await?
        .ok_or_else(unknown_certificate)?;
    let jwt = v.completion.credential.ok_or_else(unknown_certificate)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vc+jwt"))
        .body(jwt))
}

/// The printable certificate (A4 PDF with the QR code of its verification page).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "evidence",
    responses((status = 200, description = "application/pdf", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn pdf(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup(&state, &path)
        .await?
        .ok_or_else(unknown_certificate)?;
    let bytes = certificate_pdf(&state, &v)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"chung-nhan-{}.pdf\"",
                v.completion.certificate_id
            ),
        ))
        .body(bytes))
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// A compact VC-JWT.
    pub jwt: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyAnswer {
    pub valid: bool,
    /// Why not: malformed, unsupported_algorithm, unknown_key, bad_signature, key_retired,
    /// not_yet_valid, expired, claims_mismatch, not_a_credential, revoked.
    pub reason: Option<String>,
}

/// Verifies a credential: signature, signing key, claims, and revocation.
#[utoipa::path(post, path = "/api/v1/credentials/verify", tag = "evidence", request_body = VerifyRequest,
    responses((status = 200, body = VerifyAnswer)))]
pub async fn verify_credential(
    state: web::Data<AppState>,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, AppError> {
    let v = verify_jwt(&state, &body.jwt).await?;
    Ok(HttpResponse::Ok().json(VerifyAnswer {
        valid: v.valid,
        reason: v.reason.map(|r| r.key().to_owned()),
    }))
}
