use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use hocvuso_store::User;

use crate::app::accounts::{self, Registration, PRIVACY_NOTICE_VERSION};
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// 3–64 characters: letters, digits, `.`, `_`, `-` (a phone number is fine).
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    pub display_name: String,
    /// A group id from `content/groups.toml`.
    pub group: String,
    pub birth_year: Option<i32>,
    /// The privacy notice version the client showed and the person accepted. Clients must show
    /// the notice (`GET /privacy`) and collect consent before calling; when given, it must be
    /// the version in force.
    pub privacy_notice_version: Option<String>,
    /// Required when the person is under 16: a parent or guardian agreed too.
    #[serde(default)]
    pub guardian_consent: bool,
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
    responses((status = 201, body = UserView), (status = 409, body = crate::error::ErrorBody, description = "username_taken"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if let Some(v) = &body.privacy_notice_version {
        if v != PRIVACY_NOTICE_VERSION {
            return Err(AppError::unprocessable("stale_privacy_notice"));
        }
    }
    let user = accounts::register(
        &state,
        Registration {
            username: body.username,
            password: body.password,
            display_name: body.display_name,
            group: body.group,
            birth_year: body.birth_year,
            consent_method: Some("api"),
            guardian_consent: body.guardian_consent,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// Exchanges credentials for a session token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody, description = "invalid_credentials, whether or not the user exists"), (status = 429, body = crate::error::ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let done = accounts::login(&state, &body.username, &body.password, address.as_deref()).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: done.token.token,
        expires_at: crate::views::rfc3339(done.token.expires_at),
    }))
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(user: ApiUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(&user.0))
}
