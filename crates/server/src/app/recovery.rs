//! Getting back into an account whose password is forgotten, without anyone learning it:
//!
//! - by e-mail: on `/forgot` the person gives their username; when they gave an address and
//!   agreed to receive reset codes there (a consent apart from reminders), a code valid for
//!   [`EMAIL_CODE_MINUTES`] is sent to it. The answer is the same whether or not anything was
//!   sent, so the form tells nobody which accounts exist or have an address;
//! - in person: their mentor, or a manager of their unit, issues a code valid for
//!   [`HANDED_CODE_HOURS`] on the person's row and hands it over (a printable slip).
//!
//! Either way the code works once, on `/reset` with the username and a new password; every
//! session of the account then ends. Wrong codes count as failed sign-ins (the same throttle),
//! and each code is a row of `password_resets`: who issued it for whom, how, when, when used.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use hocvuso_store::{NewPasswordReset, User, RESET_EMAIL_PURPOSE};

use crate::app::accounts::{hash_password, Origin};
use crate::auth::{policy, throttle, Scope};
use crate::error::AppError;
use crate::state::AppState;

/// How long a code sent by e-mail works.
pub const EMAIL_CODE_MINUTES: i64 = 30;
/// How long a code handed over in person works (the person may sign in the next day).
pub const HANDED_CODE_HOURS: i64 = 72;
/// Codes per person per day, whoever asks: a form anyone can fill must not become a way to
/// flood someone's mailbox.
const CODES_PER_DAY: u64 = 5;
/// Crockford's base32: no I, L, O, U, so a code read aloud or copied by hand survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Ten characters: 50 bits, shown as two groups of five.
const CODE_LEN: usize = 10;

/// The notice version of the consent to receive reset codes by e-mail (`profile.reset_email_*`).
pub const RESET_EMAIL_NOTICE_VERSION: &str = "2026-12-06";

fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let raw: String = (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("{}-{}", &raw[..CODE_LEN / 2], &raw[CODE_LEN / 2..])
}

/// A new code and the hash it is kept by (for a first sign-in code recorded with the account
/// it opens, `app::community::register_assisted`).
pub fn new_code_and_hash() -> (String, String) {
    let code = new_code();
    let hash = code_hash(&code);
    (code, hash)
}

/// The hash a code is kept and looked up by: of the code as typed, read leniently (case,
/// spaces, dashes, and the letters Crockford's alphabet reads as digits).
fn code_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn under_daily_limit(state: &AppState, user_id: i64) -> Result<bool, AppError> {
    let since = state.clock.now() - time::Duration::DAY;
    Ok(state.store.password_resets_since(user_id, since).await? < CODES_PER_DAY)
}

/// A code issued by a person's mentor or a manager, to hand over.
pub struct IssuedCode {
    pub code: String,
    pub expires_at: OffsetDateTime,
    pub person: User,
}

/// Issues a code for `person_id`: by their mentor, or by a manager who may act on them (an
/// administrator included). Anyone else gets 404, exactly as for nobody.
pub async fn issue_code(
    state: &AppState,
    issuer: &User,
    person_id: i64,
) -> Result<IssuedCode, AppError> {
    if person_id == issuer.id {
        // One's own password is changed on /account, with the current one.
        return Err(AppError::not_found());
    }
    let channel = if state.store.mentor_of(person_id).await? == Some(issuer.id) {
        "mentor"
    } else {
        let scope = Scope::of(state, issuer).await?;
        if !(scope.admin || scope.is_manager())
            || !crate::app::units::may_act_on(state, &scope, person_id).await?
        {
            return Err(AppError::not_found());
        }
        "manager"
    };
    let person = state
        .store
        .user_by_id(person_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !under_daily_limit(state, person.id).await? {
        return Err(AppError::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_reset_codes",
        ));
    }
    let code = new_code();
    let now = state.clock.now();
    let expires_at = now + time::Duration::hours(HANDED_CODE_HOURS);
    state
        .store
        .create_password_reset(NewPasswordReset {
            user_id: person.id,
            code_hash: &code_hash(&code),
            channel,
            issued_by: Some(issuer.id),
            at: now,
            expires_at,
        })
        .await?;
    tracing::info!(
        user_id = person.id,
        issued_by = issuer.id,
        channel,
        "password reset code issued"
    );
    Ok(IssuedCode {
        code,
        expires_at,
        person,
    })
}

/// Sends a code to the person's address when they gave one and agreed to receive codes there,
/// and e-mail is configured. Says nothing about whether it did (see the module's notes).
pub async fn request_by_email(state: &AppState, username: &str) -> Result<(), AppError> {
    if state.settings.mail.is_none() || username.trim().is_empty() || username.len() > 64 {
        return Ok(());
    }
    let Some(person) = state.store.user_by_username(username.trim()).await? else {
        return Ok(());
    };
    let Some(address) = state.store.reminder_email(person.id).await? else {
        return Ok(());
    };
    if !state
        .store
        .has_consent(person.id, RESET_EMAIL_PURPOSE)
        .await?
        || !under_daily_limit(state, person.id).await?
    {
        return Ok(());
    }
    let code = new_code();
    let now = state.clock.now();
    state
        .store
        .create_password_reset(NewPasswordReset {
            user_id: person.id,
            code_hash: &code_hash(&code),
            channel: "email",
            issued_by: None,
            at: now,
            expires_at: now + time::Duration::minutes(EMAIL_CODE_MINUTES),
        })
        .await?;
    crate::mail::send_reset_code(state, person.id, address, code);
    tracing::info!(user_id = person.id, "password reset code sent by e-mail");
    Ok(())
}

/// Sets a new password with a code. Unknown username, wrong, used or expired code: one error,
/// counted as a failed sign-in.
pub async fn reset_with_code(
    state: &AppState,
    username: &str,
    code: &str,
    new_password: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let username = username.trim();
    let attempt =
        throttle::begin_sign_in(state, username, origin.address, origin.device.as_ref()).await?;
    let person = match state.store.user_by_username(username).await? {
        Some(p) if code.len() <= 64 => p,
        _ => {
            attempt.failed(state).await?;
            return Err(AppError::unprocessable("invalid_reset_code"));
        }
    };
    policy::check_password(new_password, &person.username)?;
    let hash = hash_password(state, new_password).await?;
    let done = state
        .store
        .reset_password(person.id, &code_hash(code), &hash, state.clock.now())
        .await?;
    if !done {
        attempt.failed(state).await?;
        return Err(AppError::unprocessable("invalid_reset_code"));
    }
    attempt.succeeded(state).await?;
    tracing::info!(
        user_id = person.id,
        "password reset with a code; sessions ended"
    );
    Ok(())
}

/// Gives or withdraws the consent to receive reset codes at the reminder address.
pub async fn set_reset_by_email(
    state: &AppState,
    user: &User,
    on: bool,
    method: &'static str,
) -> Result<(), AppError> {
    let given = on.then_some((RESET_EMAIL_NOTICE_VERSION, method));
    state
        .store
        .set_consent(user.id, RESET_EMAIL_PURPOSE, given, state.clock.now())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_back_however_it_is_typed() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN + 1);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(code_hash(&code), code_hash(&typed));
        assert_eq!(code_hash("ABCDE-F0111"), code_hash("abcde fo1li"));
        assert_ne!(code_hash("ABCDE-F0111"), code_hash("ABCDE-F0112"));
    }

    #[test]
    fn codes_differ() {
        let codes: std::collections::BTreeSet<String> = (0..100).map(|_| new_code()).collect();
        assert_eq!(codes.len(), 100);
    }
}
