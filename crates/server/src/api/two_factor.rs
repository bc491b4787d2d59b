//! Two-factor sign-in over the API (the rules are in `app::two_factor`; `docs/sign-in.md`):
//! the account's state, starting an enrolment (the secret and `otpauth://` URI, given once),
//! confirming it with a first code (the recovery codes, given once), new recovery codes, and
//! turning it off. The last two need a current code or a recovery code.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::two_factor;
use crate::auth::{totp, ApiUser};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct TotpStatus {
    /// Confirmed: signing in asks for a code after the password.
    pub enabled: bool,
    /// An enrolment was started and waits for its first code.
    pub pending: bool,
    /// Recovery codes not used yet (0 when not enabled).
    pub recovery_codes_left: u64,
    /// The operator requires two-factor sign-in for this account: it cannot be turned off.
    pub required: bool,
}

/// The caller's two-factor sign-in.
#[utoipa::path(get, path = "/api/v1/me/totp", tag = "accounts", operation_id = "totp_status", security(("bearer" = [])),
    responses((status = 200, body = TotpStatus)))]
pub async fn status(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let s = two_factor::status(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(TotpStatus {
        enabled: s.enabled,
        pending: s.pending,
        recovery_codes_left: s.recovery_codes_left,
        required: s.required,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// The shared secret, base32 (RFC 4648), for typing into an authenticator app by hand.
    /// Given this once: the server never shows it again.
    pub secret: String,
    /// The same secret as an `otpauth://totp/…` URI, what the app reads from a QR code.
    pub otpauth_uri: String,
    /// `SHA1`: what every authenticator app computes.
    pub algorithm: &'static str,
    pub digits: u32,
    /// Seconds per code.
    pub period: u64,
}

/// Starts (or starts again) an enrolment with a new secret; an earlier unconfirmed one is
/// replaced. Show the secret or the URI's QR code to the person, then confirm with the first
/// code their app shows.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "accounts", operation_id = "totp_start", security(("bearer" = [])),
    responses((status = 201, body = TotpEnrolment), (status = 409, body = crate::error::ErrorBody, description = "totp_already_enabled")))]
pub async fn start(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let e = two_factor::start_enrolment(&state, &user.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TotpEnrolment {
            secret: e.secret,
            otpauth_uri: e.otpauth_uri,
            algorithm: "SHA1",
            digits: totp::DIGITS as u32,
            period: totp::STEP,
        }))
}

#[derive(Deserialize, ToSchema)]
pub struct TotpCode {
    /// The six-digit code the authenticator app shows now (spaces ignored); to renew recovery
    /// codes or turn the factor off, a recovery code works too.
    #[schema(max_length = 64)]
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes (`abcd-efgh`) that work instead of a code when the phone is lost.
    /// Given this once: the server keeps only their hashes.
    pub recovery_codes: Vec<String>,
}

fn codes(recovery_codes: Vec<String>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodes { recovery_codes })
}

/// Confirms the enrolment with the first code the app shows; from now on signing in asks for
/// a code. Returns the recovery codes.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "accounts", operation_id = "totp_confirm", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), (status = 409, body = crate::error::ErrorBody, description = "totp_not_started"), (status = 422, body = crate::error::ErrorBody, description = "invalid_code"), (status = 429, body = crate::error::ErrorBody, description = "too_many_codes; see Retry-After")))]
pub async fn confirm(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<TotpCode>,
) -> Result<HttpResponse, AppError> {
    Ok(codes(
        two_factor::confirm_enrolment(&state, &user.0, &body.code).await?,
    ))
}

/// New recovery codes, with a current code or a recovery code; the earlier ones stop working.
#[utoipa::path(post, path = "/api/v1/me/totp/recovery-codes", tag = "accounts", operation_id = "totp_recovery_codes", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes), (status = 409, body = crate::error::ErrorBody, description = "totp_not_enabled"), (status = 422, body = crate::error::ErrorBody, description = "invalid_code"), (status = 429, body = crate::error::ErrorBody, description = "too_many_codes; see Retry-After")))]
pub async fn renew_codes(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<TotpCode>,
) -> Result<HttpResponse, AppError> {
    Ok(codes(
        two_factor::renew_recovery_codes(&state, &user.0, &body.code).await?,
    ))
}

/// Turns two-factor sign-in off, with a current code or a recovery code: the secret and the
/// recovery codes are deleted.
#[utoipa::path(post, path = "/api/v1/me/totp/disable", tag = "accounts", operation_id = "totp_disable", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 204), (status = 409, body = crate::error::ErrorBody, description = "totp_not_enabled"), (status = 422, body = crate::error::ErrorBody, description = "invalid_code, or totp_required_for_role"), (status = 429, body = crate::error::ErrorBody, description = "too_many_codes; see Retry-After")))]
pub async fn disable(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<TotpCode>,
) -> Result<HttpResponse, AppError> {
    two_factor::disable_totp(&state, &user.0, &body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}
