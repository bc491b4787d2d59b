//! Registration and login.

use actix_web::http::StatusCode;
use actix_web::web;
use unicode_normalization::UnicodeNormalization;

use hocvuso_store::{NewConsent, NewUser, User};

use crate::auth::{throttle, token, ROLE_LEARNER};
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

/// Checks a registration; the first problem found is returned with its key.
pub fn validate(state: &AppState, r: &Registration) -> Result<(), AppError> {
    if !valid_username(&r.username) {
        return Err(AppError::unprocessable("invalid_username"));
    }
    if r.password.chars().count() < 8 {
        return Err(AppError::unprocessable("password_too_short"));
    }
    if r.password.len() > 1024 {
        return Err(AppError::unprocessable("password_too_long"));
    }
    let name_len = r.display_name.trim().chars().count();
    if name_len == 0 || name_len > 120 || r.display_name.chars().any(char::is_control) {
        return Err(AppError::unprocessable("invalid_display_name"));
    }
    if state.catalog.group(&r.group).is_none() {
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

/// argon2id, off the async executor.
pub async fn hash_password(state: &AppState, password: &str) -> Result<String, AppError> {
    let hasher = state.hasher.clone();
    let password = password.to_owned();
    web::block(move || hasher.hash(&password))
        .await
        .map_err(|_| AppError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        })
}

pub async fn register(state: &AppState, r: Registration) -> Result<User, AppError> {
    validate(state, &r)?;
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
                display_name: r.display_name.trim().nfc().collect(),
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

pub struct LoggedIn {
    pub user: User,
    pub token: token::Issued,
}

/// Checks credentials with throttling. Unknown user and wrong password give the same error,
/// after the same work.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    address: Option<&str>,
) -> Result<LoggedIn, AppError> {
    let keys = throttle::keys(state, username, address);
    throttle::check(state, &keys).await?;
    let user = if valid_username(username) {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let hasher = state.hasher.clone();
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_owned();
    let ok = web::block(move || hasher.verify(&password, stored.as_deref()))
        .await
        .map_err(|_| AppError::internal())?;
    match user {
        Some(user) if ok => {
            throttle::record_success(state, &keys).await?;
            let token = token::issue(
                &state.keys,
                user.id,
                state.clock.now(),
                state.settings.session_minutes,
            )
            .map_err(|e| {
                tracing::error!(error = %e, "token signing failed");
                AppError::internal()
            })?;
            tracing::info!(user_id = user.id, "logged in");
            Ok(LoggedIn { user, token })
        }
        _ => {
            throttle::record_failure(state, &keys).await?;
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            ))
        }
    }
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
