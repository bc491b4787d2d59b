//! Account recovery and sessions over the API (the rules are in `app::recovery`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::accounts::Origin;
use crate::app::recovery;
use crate::auth::{ApiSession, ApiUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Deserialize, ToSchema)]
pub struct ResetCodeRequest {
    #[schema(max_length = 64)]
    pub username: String,
}

/// Asks for a reset code by e-mail. The answer is 202 whether or not a code was sent (it is
/// sent only when the account gave an address, agreed to receive codes there, and e-mail is on),
/// so the endpoint tells nobody which accounts exist.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/request", tag = "accounts", request_body = ResetCodeRequest,
    responses((status = 202, description = "Accepted; a code may have been sent")))]
pub async fn request_code(
    state: web::Data<AppState>,
    body: web::Json<ResetCodeRequest>,
) -> Result<HttpResponse, AppError> {
    recovery::request_by_email(&state, &body.username).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    pub username: String,
    /// The code, as written on the slip or in the e-mail (case, spaces and dashes do not matter).
    #[schema(max_length = 64)]
    pub code: String,
    /// The same rules as at registration.
    #[schema(min_length = 8, max_length = 1024, pattern = "\\S")]
    pub new_password: String,
}

/// Sets a new password with a one-time code; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = PasswordReset,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody, description = "invalid_reset_code or a password policy key"), (status = 429, body = crate::error::ErrorBody, description = "too many failures; see Retry-After")))]
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<PasswordReset>,
) -> Result<HttpResponse, AppError> {
    let origin = Origin::of(&req, &state, body.username.trim());
    recovery::reset_with_code(
        &state,
        &body.username,
        &body.code,
        &body.new_password,
        &origin,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct IssuedResetCode {
    pub username: String,
    /// Shown once: only its hash is kept.
    pub code: String,
    pub expires_at: String,
}

/// Issues a one-time reset code for a person the caller mentors or manages, to hand over.
/// Recorded (who, for whom, when); valid for 72 hours, once.
#[utoipa::path(post, path = "/api/v1/people/{id}/reset-code", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The person")),
    responses((status = 201, body = IssuedResetCode), (status = 404, body = crate::error::ErrorBody, description = "not a person the caller mentors or manages"), (status = 429, body = crate::error::ErrorBody, description = "too_many_reset_codes")))]
pub async fn issue_code(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let issued = recovery::issue_code(&state, &user.0, path.into_inner()).await?;
    Ok(HttpResponse::Created().json(IssuedResetCode {
        username: issued.person.username,
        code: issued.code,
        expires_at: rfc3339(issued.expires_at),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    /// The session this request was made with.
    pub current: bool,
}

/// The caller's live sessions, most recently used first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [SessionView])))]
pub async fn sessions(
    state: web::Data<AppState>,
    session: ApiSession,
) -> Result<HttpResponse, AppError> {
    let list: Vec<SessionView> = state
        .store
        .active_sessions(session.0.user.id, state.clock.now())
        .await?
        .into_iter()
        .map(|s| SessionView {
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
            current: s.id == session.0.id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
