use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use hocvuso_store::User;

use crate::app::accounts::{self, Origin, Registration, SignInStep, PRIVACY_NOTICE_VERSION};
use crate::app::two_factor;
use crate::auth::{device, ApiSession, ApiUser};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–64 characters: letters, digits, `.`, `_`, `-` (a phone number is fine).
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub username: String,
    /// At least 8 characters, not only spaces, not the username, not a common password.
    #[schema(min_length = 8, max_length = 1024, pattern = "\\S")]
    pub password: String,
    #[schema(min_length = 1, max_length = 120, pattern = "\\S")]
    pub display_name: String,
    /// A group id from `content/groups.toml`.
    pub group: String,
    #[schema(minimum = 1900)]
    pub birth_year: Option<i32>,
    /// The privacy notice version the client showed and the person accepted. Clients must show
    /// the notice (`GET /privacy`) and collect consent before calling; when given, it must be
    /// the version in force.
    pub privacy_notice_version: Option<String>,
    /// Required when the person is under 16: a parent or guardian agreed too.
    #[serde(default)]
    pub guardian_consent: bool,
    /// The person is under 16 (when no birth year is given).
    #[serde(default)]
    pub under_16: bool,
    /// Required when the person is under 16: the guardian's phone number or e-mail address.
    #[schema(max_length = 254)]
    pub guardian_contact: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    #[serde(flatten)]
    pub user: UserView,
    /// For a person under 16 only: the code the guardian uses at `/guardian` to see the account
    /// and withdraw consent. Shown this once; give it to the guardian.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub group: Option<String>,
    pub roles: Vec<String>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            group: u.group.clone(),
            roles: u.roles.clone(),
        }
    }
}

/// Creates a learner account, recording consent to the privacy notice.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, body = Registered), (status = 409, body = crate::error::ErrorBody, description = "username_taken"), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody, description = "too_many_registrations from this address; see Retry-After"), (status = 503, body = crate::error::ErrorBody, description = "server_busy; see Retry-After")))]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if let Some(v) = &body.privacy_notice_version {
        if v != PRIVACY_NOTICE_VERSION {
            return Err(AppError::unprocessable("stale_privacy_notice"));
        }
    }
    let registered = accounts::register(
        &state,
        Registration {
            username: body.username,
            password: body.password,
            display_name: body.display_name,
            group: body.group,
            birth_year: body.birth_year,
            consent_method: Some("api"),
            guardian_consent: body.guardian_consent,
            under_16: body.under_16,
            guardian_contact: body.guardian_contact,
        },
        crate::auth::client::address(&req, &state.settings),
    )
    .await?;
    Ok(HttpResponse::Created().json(Registered {
        user: UserView::from(&registered.user),
        guardian_code: registered.guardian_code,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// For an account with two-factor sign-in: the authenticator app's six-digit code, or one
    /// of the recovery codes. Without it such an account gets 401 `totp_required`.
    #[serde(default)]
    pub totp_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// Exchanges credentials for a session token. A client that keeps cookies gets the device
/// cookie (`hvs_device`) too: with it, its later sign-ins to the same account are not held back
/// by failures other people cause.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody, description = "invalid_credentials, whether or not the user exists; totp_required or invalid_code for an account with two-factor sign-in"), (status = 403, body = crate::error::ErrorBody, description = "totp_enrolment_required: enrol on the web first"), (status = 429, body = crate::error::ErrorBody, description = "too_many_attempts; see Retry-After"), (status = 503, body = crate::error::ErrorBody, description = "server_busy; see Retry-After")))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let origin = Origin::of(&req, &state, &body.username);
    let done = match accounts::login(&state, &body.username, &body.password, &origin).await? {
        SignInStep::Done(done) => done,
        SignInStep::Code { ticket, .. } => match body.totp_code.as_deref() {
            Some(code) if !code.trim().is_empty() => {
                two_factor::second_factor(&state, &ticket, code).await?
            }
            _ => {
                return Err(AppError::new(
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    "totp_required",
                ))
            }
        },
        SignInStep::Enrol { .. } => {
            return Err(AppError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "totp_enrolment_required",
            ))
        }
    };
    let mut resp = HttpResponse::Ok();
    if let Some(c) = device::cookie_after_sign_in(
        &req,
        &state.keys,
        &done.user.username,
        state.settings.secure_cookies,
    ) {
        resp.cookie(c);
    }
    Ok(resp.json(LoginResponse {
        token: done.token.token,
        expires_at: crate::views::rfc3339(done.token.expires_at),
    }))
}

/// Ends the caller's session: the token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])), responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout(
    state: web::Data<AppState>,
    session: ApiSession,
) -> Result<HttpResponse, AppError> {
    accounts::logout(&state, &session.0.id, session.0.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends every session of the caller's account, this one included (sign out everywhere).
#[utoipa::path(post, path = "/api/v1/auth/logout-everywhere", tag = "accounts", security(("bearer" = [])), responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    session: ApiSession,
) -> Result<HttpResponse, AppError> {
    accounts::logout_everywhere(&state, session.0.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// The same rules as at registration.
    #[schema(min_length = 8, max_length = 1024, pattern = "\\S")]
    pub new_password: String,
}

/// Changes the caller's password; every other session of the account ends, this one goes on.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "wrong_current_password or a password policy key"), (status = 429, body = crate::error::ErrorBody)))]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: ApiSession,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let s = session.0;
    let origin = Origin::of(&req, &state, &s.user.username);
    accounts::change_password(
        &state,
        &s.user,
        &s.id,
        &body.current_password,
        &body.new_password,
        &origin,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(user: ApiUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(&user.0))
}
