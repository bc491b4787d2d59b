//! Two-factor sign-in (TOTP, `docs/sign-in.md`): the code step of a sign-in, enrolment (from
//! the account page, the API, or at a sign-in that requires it), recovery codes, turning it off,
//! and the shared secrets sealed at rest (`auth::totp_seal`): every secret is opened here, and
//! one still in clear from before sealing is sealed in its place.

use actix_web::http::StatusCode;

use hocvuso_store::{TotpFactor, User};

use super::accounts::{start_session, totp_required, LoggedIn};
use crate::auth::{throttle, totp, totp_seal};
use crate::error::AppError;
use crate::state::AppState;

/// Codes (and recovery codes) one account may try per hour, right or wrong.
pub const TOTP_CODES_PER_HOUR: u32 = 10;

/// Counts one code typed for the account against its hourly allowance (429 past it).
async fn count_code(state: &AppState, user_id: i64) -> Result<(), AppError> {
    throttle::per_user(
        state,
        "totp-code",
        user_id,
        throttle::Rate::per_hour(TOTP_CODES_PER_HOUR),
        "too_many_codes",
    )
    .await
}

fn seal_failed(e: totp_seal::SealError) -> AppError {
    AppError::internal_because("two-factor secret", e)
}

/// The shared secret of a factor, opened. One still in clear (written before secrets were
/// sealed) is sealed in its place, unless the row changed meanwhile.
async fn secret_of(state: &AppState, factor: &TotpFactor) -> Result<String, AppError> {
    let dir = &state.settings.data_dir;
    let secret = totp_seal::open(dir, factor.user_id, &factor.secret).map_err(seal_failed)?;
    if !totp_seal::is_sealed(&factor.secret) {
        let sealed = totp_seal::seal(dir, factor.user_id, &secret).map_err(seal_failed)?;
        if state
            .store
            .reseal_totp(factor.user_id, &factor.secret, &sealed)
            .await?
        {
            tracing::info!(user_id = factor.user_id, "two-factor secret sealed");
        }
    }
    Ok(secret)
}

/// Seals every secret still in clear (written before secrets were sealed); run at start, so no
/// row waits for its owner's next sign-in. Returns how many it sealed.
pub async fn seal_stored_secrets(state: &AppState) -> Result<usize, AppError> {
    let dir = &state.settings.data_dir;
    let mut sealed = 0;
    for (user_id, clear) in state
        .store
        .totp_secrets_not_sealed(totp_seal::SEALED_PREFIX)
        .await?
    {
        let new = totp_seal::seal(dir, user_id, &clear).map_err(seal_failed)?;
        if state.store.reseal_totp(user_id, &clear, &new).await? {
            sealed += 1;
        }
    }
    if sealed > 0 {
        tracing::info!(
            sealed,
            "two-factor secrets written before encryption sealed"
        );
    }
    Ok(sealed)
}

/// The account a sign-in ticket names, counted against the hourly allowance of codes.
async fn ticket_user(state: &AppState, ticket: &str) -> Result<User, AppError> {
    let user_id = totp::check_ticket(&state.keys, ticket, state.clock.now().unix_timestamp())
        .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, "sign_in_expired"))?;
    count_code(state, user_id).await?;
    state
        .store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, "sign_in_expired"))
}

fn wrong_code() -> AppError {
    crate::metrics::login_failure();
    AppError::new(StatusCode::UNAUTHORIZED, "invalid_code")
}

/// Checks a six-digit code (each works once) or a recovery code (each works once) of a
/// confirmed factor.
async fn check_code(state: &AppState, user: &User, typed: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    if totp::looks_like_recovery(typed) {
        if state
            .store
            .use_recovery_code(user.id, &totp::recovery_hash(typed), now)
            .await?
        {
            tracing::info!(user_id = user.id, "recovery code used");
            return Ok(());
        }
        return Err(wrong_code());
    }
    let Some(factor) = state
        .store
        .totp_factor(user.id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
    else {
        return Err(wrong_code());
    };
    let secret = secret_of(state, &factor).await?;
    let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    match totp::matching_step(&secret, typed, unix) {
        Some(step) if state.store.accept_totp_step(user.id, step).await? => Ok(()),
        _ => Err(wrong_code()),
    }
}

/// A code typed by someone already signed in (to renew recovery codes or turn the factor
/// off): a wrong one is 422, the request's content, not its authentication, being wrong.
async fn check_own_code(state: &AppState, user: &User, typed: &str) -> Result<(), AppError> {
    count_code(state, user.id).await?;
    check_code(state, user, typed).await.map_err(|e| {
        if e.key == "invalid_code" {
            AppError::unprocessable("invalid_code")
        } else {
            e
        }
    })
}

/// The second step of a sign-in: the code from the authenticator app, or a recovery code.
pub async fn second_factor(
    state: &AppState,
    ticket: &str,
    code: &str,
) -> Result<LoggedIn, AppError> {
    let user = ticket_user(state, ticket).await?;
    check_code(state, &user, code).await?;
    let (token, session_id) = start_session(state, user.id).await?;
    tracing::info!(user_id = user.id, "logged in with a second factor");
    Ok(LoggedIn {
        user,
        token,
        session_id,
    })
}

/// An enrolment in progress: the secret (shown once), its `otpauth://` URI and QR code.
#[derive(serde::Serialize)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

fn enrolment(state: &AppState, user: &User, secret: String) -> Result<Enrolment, AppError> {
    let otpauth_uri = totp::otpauth_uri(&secret, &state.settings.issuer_name, &user.username);
    let qr_svg = totp::qr_svg(&otpauth_uri).ok_or_else(AppError::internal)?;
    Ok(Enrolment {
        secret,
        otpauth_uri,
        qr_svg,
    })
}

/// Starts (or restarts) two-factor enrolment with a new secret, stored sealed.
pub async fn start_enrolment(state: &AppState, user: &User) -> Result<Enrolment, AppError> {
    if status(state, user).await?.enabled {
        return Err(AppError::conflict("totp_already_enabled"));
    }
    let secret = totp::new_secret();
    let sealed =
        totp_seal::seal(&state.settings.data_dir, user.id, &secret).map_err(seal_failed)?;
    state
        .store
        .start_totp(user.id, &sealed, state.clock.now())
        .await?;
    enrolment(state, user, secret)
}

/// The enrolment waiting for its first code, shown again after a wrong code (the app already
/// holds this secret); a new one when none is waiting.
pub async fn pending_enrolment(state: &AppState, user: &User) -> Result<Enrolment, AppError> {
    match state.store.totp_factor(user.id).await? {
        Some(f) if f.confirmed_at.is_none() => {
            let secret = secret_of(state, &f).await?;
            enrolment(state, user, secret)
        }
        _ => start_enrolment(state, user).await,
    }
}

/// The ticket of a sign-in that must enrol first: its account, if genuine.
pub async fn enrolling_user(state: &AppState, ticket: &str) -> Result<User, AppError> {
    let user_id = totp::check_ticket(&state.keys, ticket, state.clock.now().unix_timestamp())
        .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, "sign_in_expired"))?;
    state
        .store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, "sign_in_expired"))
}

fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes = totp::new_recovery_codes();
    let hashes = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    (codes, hashes)
}

/// Confirms the enrolment with a first code; returns the recovery codes (shown once).
pub async fn confirm_enrolment(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Vec<String>, AppError> {
    count_code(state, user.id).await?;
    let factor = state
        .store
        .totp_factor(user.id)
        .await?
        .filter(|f| f.confirmed_at.is_none())
        .ok_or_else(|| AppError::conflict("totp_not_started"))?;
    let secret = secret_of(state, &factor).await?;
    let now = state.clock.now();
    let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let step = totp::matching_step(&secret, code, unix)
        .ok_or_else(|| AppError::unprocessable("invalid_code"))?;
    let (codes, hashes) = new_recovery_codes();
    if !state
        .store
        .confirm_totp(user.id, step, &hashes, now)
        .await?
    {
        return Err(AppError::conflict("totp_not_started"));
    }
    tracing::info!(user_id = user.id, "two-factor sign-in enabled");
    Ok(codes)
}

/// Enrolment during a sign-in that required it: confirms and signs in.
pub async fn enrol_at_sign_in(
    state: &AppState,
    ticket: &str,
    code: &str,
) -> Result<(LoggedIn, Vec<String>), AppError> {
    let user = enrolling_user(state, ticket).await?;
    let codes = confirm_enrolment(state, &user, code).await?;
    let (token, session_id) = start_session(state, user.id).await?;
    Ok((
        LoggedIn {
            user,
            token,
            session_id,
        },
        codes,
    ))
}

/// New recovery codes for a confirmed factor, proved by a current code or a recovery code; the
/// earlier ones stop working. Returns them (shown once).
pub async fn renew_recovery_codes(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<Vec<String>, AppError> {
    if !status(state, user).await?.enabled {
        return Err(AppError::conflict("totp_not_enabled"));
    }
    check_own_code(state, user, code).await?;
    let (codes, hashes) = new_recovery_codes();
    if !state
        .store
        .renew_recovery_codes(user.id, &hashes, state.clock.now())
        .await?
    {
        return Err(AppError::conflict("totp_not_enabled"));
    }
    tracing::info!(user_id = user.id, "recovery codes renewed");
    Ok(codes)
}

/// Turns two-factor sign-in off, with a current code or a recovery code; refused where the
/// setting requires it for the account's role.
pub async fn disable_totp(state: &AppState, user: &User, code: &str) -> Result<(), AppError> {
    if totp_required(state, user) {
        return Err(AppError::unprocessable("totp_required_for_role"));
    }
    if state.store.totp_factor(user.id).await?.is_none() {
        return Err(AppError::conflict("totp_not_enabled"));
    }
    check_own_code(state, user, code).await?;
    state.store.remove_totp(user.id).await?;
    tracing::info!(user_id = user.id, "two-factor sign-in disabled");
    Ok(())
}

/// An account's two-factor sign-in, as the account page and the API show it.
pub struct Status {
    /// Confirmed: sign-in asks for a code.
    pub enabled: bool,
    /// An enrolment started and waiting for its first code.
    pub pending: bool,
    pub recovery_codes_left: u64,
    /// The operator's setting requires it for this account (it cannot be turned off).
    pub required: bool,
}

/// Whether the account has two-factor sign-in, and how many recovery codes are left.
pub async fn status(state: &AppState, user: &User) -> Result<Status, AppError> {
    let factor = state.store.totp_factor(user.id).await?;
    let enabled = factor.as_ref().is_some_and(|f| f.confirmed_at.is_some());
    let recovery_codes_left = if enabled {
        state.store.recovery_codes_left(user.id).await?
    } else {
        0
    };
    Ok(Status {
        enabled,
        pending: factor.is_some() && !enabled,
        recovery_codes_left,
        required: totp_required(state, user),
    })
}
