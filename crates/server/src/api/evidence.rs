use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::evidence::{
    certificate_pdf, lookup_known, served_credential, set_verify_shows_details,
    unknown_certificate, verify_jwt,
};
use crate::app::status_list::{matches_etag, signed_list};
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::present::evidence::{my_certificate_views, VerifiedView};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MyCertificate {
    pub id: String,
    /// `course` for a completed course, `path` for a passed group's final quiz.
    pub kind: String,
    /// The course completed; for a path certificate, the course holding the final quiz.
    pub course_id: String,
    /// The group whose path was passed (path certificates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The course title or the path title.
    pub title: String,
    pub issued_at: String,
    pub verify_url: String,
}

/// The caller's certificates: one per completed course, and one per group whose final quiz
/// they passed.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "evidence", security(("bearer" = [])), responses((status = 200, body = [MyCertificate])))]
pub async fn my_certificates(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    let list = my_certificate_views(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|c| MyCertificate {
                verify_url: c.verify_url,
                title: c.title,
                kind: c.kind.to_owned(),
                group_id: c.group_id,
                id: c.id,
                course_id: c.course_id,
                issued_at: c.issued_at,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyDetails {
    /// Show the username, birth year and group on the public verification of the caller's
    /// certificates (off by default).
    pub show: bool,
}

/// The learner's choice to show their username, birth year and group when their certificates
/// are checked: the API twin of the opt-in on the certificates page.
#[utoipa::path(put, path = "/api/v1/me/certificates/details", tag = "evidence", security(("bearer" = [])), request_body = VerifyDetails,
    responses((status = 204, description = "Saved")))]
pub async fn verify_details(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<VerifyDetails>,
) -> Result<HttpResponse, AppError> {
    set_verify_shows_details(&state, &user.0, body.show).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct CertificateCheck {
    /// Neither revoked nor signed with a withdrawn (retired) key.
    pub valid: bool,
    /// `course` or `path`.
    pub kind: String,
    /// The learner's display name (never the username).
    pub learner: String,
    /// The course title, or the path title for a path certificate.
    pub course: String,
    /// The course completed; for a path certificate, the course holding the final quiz.
    pub course_id: String,
    /// The group whose path was passed (path certificates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub issued_at: String,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
    /// The stored credential was signed with a key since withdrawn: not valid evidence until
    /// the issuer re-issues it.
    pub key_retired: bool,
}

/// Public verification of a certificate (a course's or a path's).
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "evidence",
    responses((status = 200, body = CertificateCheck), (status = 404, body = crate::error::ErrorBody, description = "no such certificate")))]
pub async fn certificate(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup_known(&state, &path).await?;
    let v = VerifiedView::of(&state, v);
    Ok(HttpResponse::Ok().json(CertificateCheck {
        valid: v.valid,
        kind: v.kind.to_owned(),
        learner: v.learner,
        course: v.title,
        group_id: v.group_id,
        course_id: v.course_id,
        issued_at: v.issued_at,
        revoked: v.revoked,
        revoked_at: v.revoked_at,
        revoked_reason: v.revoked_reason,
        key_retired: v.key_retired,
    }))
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

/// The issuer's Open Badges profile (the `iss` of every credential), with the completion
/// ledger's head: `ledgerHead: {seq, hash}`, the newest record's number and hash. Keep a copy:
/// a ledger whose newest records were deleted stays a consistent chain, and shows only against
/// a head seen before. A browser (Accept: text/html) gets the same as a page.
#[utoipa::path(get, path = "/issuer", tag = "evidence", responses((status = 200, description = "Open Badges 3.0 Profile, plus ledgerHead {seq, hash}")))]
pub async fn issuer(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: crate::auth::MaybeUser,
) -> Result<HttpResponse, actix_web::Error> {
    let wants_page = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let mut resp = if wants_page {
        crate::pages::issuer_page(&req, &state, user.0.as_ref()).await?
    } else {
        let head = crate::app::ledger::head(&state.store)
            .await
            .map_err(AppError::from)?;
        let mut profile =
            hocvuso_credentials::openbadges::issuer_profile(&state.issuer.base, &state.issuer.name);
        if let Some(map) = profile.as_object_mut() {
            map.insert("ledgerHead".into(), serde_json::json!(head));
        }
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .json(profile)
    };
    resp.headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(resp)
}

/// The certificate's Open Badges 3.0 credential as a compact VC-JWT (EdDSA).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/credential", tag = "evidence",
    responses((status = 200, description = "application/vc+jwt", content_type = "application/vc+jwt", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn credential(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup_known(&state, &path).await?;
    let jwt = served_credential(&state, &v)
        .await?
        .ok_or_else(unknown_certificate)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vc+jwt"))
        .body(jwt))
}

/// A revocation status list: a W3C `BitstringStatusListCredential` (131,072 entries, GZIP and
/// multibase base64url) signed as a VC-JWT with the issuer's key, which every credential's
/// `credentialStatus.statusListCredential` names. A revocation sets its bit in the
/// revocation's transaction. `ETag` on every answer; `304` when `If-None-Match` names it.
#[utoipa::path(get, path = "/credentials/status/{n}", tag = "evidence",
    params(("n" = u32, Path, description = "The list number (1, 2, …) from `statusListCredential`")),
    responses(
        (status = 200, description = "application/vc+jwt: the signed BitstringStatusListCredential", content_type = "application/vc+jwt", body = String,
            headers(("ETag" = String, description = "Changes when a bit or the signing key changes"), ("Cache-Control" = String, description = "`public, no-cache`: revalidate every time"))),
        (status = 304, description = "Not modified: `If-None-Match` named the current ETag"),
        (status = 404, body = crate::error::ErrorBody, description = "no such list")))]
pub async fn status_list(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let unknown = || {
        AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_status_list",
        )
    };
    let n: u32 = path
        .parse()
        .ok()
        .filter(|n| *n >= 1 && !path.starts_with('+'))
        .ok_or_else(unknown)?;
    let list = signed_list(&state, n).await?.ok_or_else(unknown)?;
    // Revalidated on every use: a revocation must not wait for a cache to expire, and the
    // answer to a revalidation is a 304 without a body.
    let cache = (header::CACHE_CONTROL, "public, no-cache");
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches_etag(v, &list.etag));
    if not_modified {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, list.etag.clone()))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vc+jwt"))
        .insert_header((header::ETAG, list.etag.clone()))
        .insert_header(cache)
        .body(list.jwt.clone()))
}

/// The printable certificate (A4 PDF with the QR code of its verification page).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "evidence",
    responses((status = 200, description = "application/pdf", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn pdf(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = lookup_known(&state, &path).await?;
    let bytes = certificate_pdf(&state, &v)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"chung-nhan-{}{}.pdf\"",
                v.certificate.certificate_id,
                if v.certificate.revoked_at.is_some() {
                    "-da-thu-hoi"
                } else {
                    ""
                }
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
    /// not_yet_valid, expired, claims_mismatch, not_a_credential, revoked. `key_retired`:
    /// genuinely signed, but with a key the issuer withdrew; not valid until re-issued.
    pub reason: Option<String>,
    /// The reason in Vietnamese, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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
        message: v.reason.map(|r| {
            crate::i18n_global()
                .get(&format!("verify_reason.{}", r.key()))
                .to_owned()
        }),
        reason: v.reason.map(|r| r.key().to_owned()),
    }))
}
