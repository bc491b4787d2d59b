//! Registration, sign-in, signing out and changing a password. `docs/security.md` has the
//! threat model these rules answer.

use std::net::IpAddr;

use actix_web::http::StatusCode;

use hocvuso_store::{NewConsent, NewUser, User};

use crate::auth::device::Device;
use crate::auth::password::HashError;
use crate::auth::{policy, throttle, token, ROLE_LEARNER};
use crate::error::AppError;
use crate::state::AppState;

/// The privacy notice in force (web/templates/privacy.html). Consent records name it, so a
/// later change of the notice can tell who agreed to which text.
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-27";
/// Below this age a guardian's consent is needed too (Law 91/2025 on personal data).
pub const GUARDIAN_AGE: i32 = 16;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub group: String,
    pub birth_year: Option<i32>,
    /// How the person agreed to the privacy notice: `form` (ticked the box on our page) or `api`
    /// (a client app that showed the notice). None: they did not agree.
    pub consent_method: Option<&'static str>,
    pub guardian_consent: bool,
}

pub fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.chars().count())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Checks a registration; the first problem found is returned with its key. The display name
/// as it will be stored is `policy::display_name(&r.display_name)`.
pub fn validate(state: &AppState, r: &Registration) -> Result<(), AppError> {
    if !valid_username(&r.username) {
        return Err(AppError::unprocessable("invalid_username"));
    }
    policy::check_password(&r.password, &r.username)?;
    policy::display_name(&r.display_name)?;
    if state.catalog().group(&r.group).is_none() {
        return Err(AppError::unprocessable("unknown_group"));
    }
    let year = state.clock.now().year();
    if let Some(b) = r.birth_year {
        if !(1900..=year).contains(&b) {
            return Err(AppError::unprocessable("invalid_birth_year"));
        }
        if year - b < GUARDIAN_AGE && !r.guardian_consent {
            return Err(AppError::unprocessable("guardian_consent_required"));
        }
    }
    if r.consent_method.is_none() {
        return Err(AppError::unprocessable("consent_required"));
    }
    Ok(())
}

/// Seconds a client is asked to wait when every hashing slot stayed busy.
const BUSY_RETRY_SECONDS: u64 = 5;

fn hash_error(e: HashError) -> AppError {
    match e {
        HashError::Busy => {
            tracing::warn!("password hashing slots busy; request refused");
            AppError::unavailable("server_busy", BUSY_RETRY_SECONDS)
        }
        HashError::Failed(e) => {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        }
    }
}

/// argon2id in one of the bounded hashing slots, off the async executor.
pub async fn hash_password(state: &AppState, password: &str) -> Result<String, AppError> {
    state.hasher.hash_async(password).await.map_err(hash_error)
}

/// A self-registration: counted against the address's hourly allowance first, so a refused
/// registration costs no hash.
pub async fn register(
    state: &AppState,
    r: Registration,
    address: Option<IpAddr>,
) -> Result<User, AppError> {
    validate(state, &r)?;
    throttle::registration(state, address).await?;
    let display_name = policy::display_name(&r.display_name)?;
    let hash = hash_password(state, &r.password).await?;
    let mut consents = Vec::new();
    if let Some(method) = r.consent_method {
        consents.push(NewConsent {
            purpose: "privacy_notice".into(),
            notice_version: PRIVACY_NOTICE_VERSION.into(),
            method: method.into(),
        });
    }
    if r.guardian_consent {
        consents.push(NewConsent {
            purpose: "guardian".into(),
            notice_version: PRIVACY_NOTICE_VERSION.into(),
            method: r.consent_method.unwrap_or("form").into(),
        });
    }
    let user = state
        .store
        .create_user(
            NewUser {
                username: r.username,
                display_name,
                password_hash: hash,
                group: Some(r.group),
                birth_year: r.birth_year,
                roles: vec![ROLE_LEARNER.into()],
                created_at: state.clock.now(),
            },
            consents,
        )
        .await?;
    tracing::info!(user_id = user.id, "account registered");
    Ok(user)
}

/// Where a sign-in comes from: the client's address and, if the browser signed in to the same
/// account before, its device cookie entry.
pub struct Origin {
    pub address: Option<IpAddr>,
    pub device: Option<Device>,
}

impl Origin {
    /// The origin of a request that signs in to `username`.
    pub fn of(req: &actix_web::HttpRequest, state: &AppState, username: &str) -> Self {
        Self {
            address: crate::auth::client::address(req, &state.settings),
            device: crate::auth::device::recognise(req, &state.keys, username),
        }
    }
}

pub struct LoggedIn {
    pub user: User,
    pub token: token::Issued,
    /// The new server-side session.
    pub session_id: String,
}

/// Checks credentials with throttling. The attempt is counted before the password is checked;
/// unknown user, wrong password and an account without a password yet give the same error,
/// after the same work.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    origin: &Origin,
) -> Result<LoggedIn, AppError> {
    let attempt =
        throttle::begin_sign_in(state, username, origin.address, origin.device.as_ref()).await?;
    let user = if valid_username(username) {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    let ok = state
        .hasher
        .verify_async(password, stored)
        .await
        .map_err(hash_error)?;
    match user {
        Some(user) if ok => {
            let trusted = attempt.trusted;
            attempt.succeeded(state).await?;
            let (token, session_id) = start_session(state, user.id).await?;
            tracing::info!(user_id = user.id, trusted, "logged in");
            Ok(LoggedIn {
                user,
                token,
                session_id,
            })
        }
        _ => {
            attempt.failed(state).await?;
            crate::metrics::login_failure();
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            ))
        }
    }
}

/// Records a new session and signs its token.
async fn start_session(
    state: &AppState,
    user_id: i64,
) -> Result<(token::Issued, String), AppError> {
    let now = state.clock.now();
    let sid = token::new_session_id();
    let issued = token::issue(
        &state.keys,
        user_id,
        &sid,
        now,
        state.settings.session_minutes,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "token signing failed");
        AppError::internal()
    })?;
    state
        .store
        .create_session(&sid, user_id, now, issued.expires_at)
        .await?;
    Ok((issued, sid))
}

/// Ends one session (signing out here).
pub async fn logout(state: &AppState, session_id: &str, user_id: i64) -> Result<(), AppError> {
    state
        .store
        .revoke_session(session_id, state.clock.now())
        .await?;
    tracing::info!(user_id, "logged out");
    Ok(())
}

/// Ends every session of the account, this one included ("sign out everywhere").
pub async fn logout_everywhere(state: &AppState, user_id: i64) -> Result<u64, AppError> {
    let n = state
        .store
        .revoke_sessions_of(user_id, None, state.clock.now())
        .await?;
    tracing::info!(user_id, sessions = n, "logged out everywhere");
    Ok(n)
}

/// Changes the password after checking the current one (counted like a sign-in attempt, so a
/// borrowed session cannot be used to guess it), and ends every other session of the account.
pub async fn change_password(
    state: &AppState,
    user: &User,
    session_id: &str,
    current: &str,
    new: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let attempt = throttle::begin_sign_in(
        state,
        &user.username,
        origin.address,
        origin.device.as_ref(),
    )
    .await?;
    let ok = state
        .hasher
        .verify_async(current, Some(&user.password_hash))
        .await
        .map_err(hash_error)?;
    if !ok {
        attempt.failed(state).await?;
        return Err(AppError::unprocessable("wrong_current_password"));
    }
    attempt.succeeded(state).await?;
    policy::check_password(new, &user.username)?;
    let hash = hash_password(state, new).await?;
    state
        .store
        .change_password(user.id, &hash, Some(session_id), state.clock.now())
        .await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    Ok(())
}

/// The notice shown beside the reminder address (`profile.email_purpose` in vi.toml): the
/// consent recorded when a learner gives an address names this version.
pub const EMAIL_NOTICE_VERSION: &str = "2026-12-05";

/// Sets or (with `None` or an empty text) removes the learner's address for reminder e-mail.
/// `method` says where they gave it (`form`, `api`). Returns the address now kept.
pub async fn set_reminder_email(
    state: &AppState,
    user: &User,
    input: Option<&str>,
    method: &'static str,
) -> Result<Option<String>, AppError> {
    let now = state.clock.now();
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if state.store.remove_reminder_email(user.id, now).await? {
                tracing::info!(user = user.id, "reminder address removed");
            }
            Ok(None)
        }
        Some(text) => {
            let address = crate::mail::valid_address(text)
                .ok_or_else(|| AppError::unprocessable("invalid_email"))?;
            state
                .store
                .set_reminder_email(
                    user.id,
                    &address,
                    NewConsent {
                        purpose: hocvuso_store::REMINDER_EMAIL_PURPOSE.into(),
                        notice_version: EMAIL_NOTICE_VERSION.into(),
                        method: method.into(),
                    },
                    now,
                )
                .await?;
            tracing::info!(user = user.id, "reminder address set");
            Ok(Some(address))
        }
    }
}
