//! Login throttling per account and per client address, kept in the database so that every
//! server instance sees the same counts. Only keyed hashes of usernames and addresses are stored.

use time::Duration;

use crate::error::AppError;
use crate::state::AppState;

const WINDOW: Duration = Duration::minutes(15);
const PER_ACCOUNT: u64 = 5;
const PER_ADDRESS: u64 = 30;

pub struct Keys {
    account: String,
    address: Option<String>,
}

pub fn keys(state: &AppState, username: &str, address: Option<&str>) -> Keys {
    Keys {
        account: state
            .keys
            .keyed_hash("login-account", &username.to_lowercase()),
        address: address.map(|a| state.keys.keyed_hash("login-address", a)),
    }
}

/// Refuses (429) when either key has too many recent failures. Called before the password is
/// checked, so a throttled caller learns nothing about the password either.
pub async fn check(state: &AppState, keys: &Keys) -> Result<(), AppError> {
    let since = state.clock.now() - WINDOW;
    if state
        .store
        .login_failures_since(&keys.account, since)
        .await?
        >= PER_ACCOUNT
    {
        return Err(AppError::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
        ));
    }
    if let Some(addr) = &keys.address {
        if state.store.login_failures_since(addr, since).await? >= PER_ADDRESS {
            return Err(AppError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
            ));
        }
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, keys: &Keys) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut list = vec![keys.account.clone()];
    list.extend(keys.address.clone());
    state
        .store
        .record_login_failure(&list, now, now - WINDOW)
        .await?;
    Ok(())
}

pub async fn record_success(state: &AppState, keys: &Keys) -> Result<(), AppError> {
    state.store.clear_login_failures(&keys.account).await?;
    Ok(())
}
