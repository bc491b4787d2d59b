//! Throttling of sign-in and registration, kept in the database so that every server instance
//! sees the same counts. Only keyed hashes of usernames, addresses and device nonces are stored.
//!
//! Two kinds of rule, each a counter per key (`docs/security.md` explains the policy):
//! - `Backoff`: failures. The first `free` go unhindered; after that each further attempt must
//!   wait `base`, then twice that, and so on up to `cap` (an exponential delay, never a
//!   permanent lockout). A counter forgets after a day without failures.
//! - `Rate`: `burst` at once, then one per `interval` (GCRA).
//!
//! An attempt is *reserved* before any password is checked: each counter is moved on by
//! compare-and-swap, so of many parallel guesses only as many as the rules allow get to the
//! password check; the rest are refused without one. A successful sign-in then gives back what
//! it reserved (it was not a failure) and clears the failures of its own pair and device.

use std::collections::HashMap;
use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use hocvuso_store::Counter;

use super::client;
use super::device::Device;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub free: i64,
    pub base: Duration,
    pub cap: Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: i64,
    pub interval: Duration,
}

impl Rate {
    /// `n` per hour, all of them at once if need be.
    pub fn per_hour(n: u32) -> Self {
        let n = i64::from(n.max(1));
        Self {
            burst: n,
            interval: Duration::milliseconds(3_600_000 / n),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Rule {
    Backoff(Backoff),
    Rate(Rate),
}

/// Failures of one account from one address (or /64), by browsers new to the account.
pub const PAIR: Backoff = Backoff {
    free: 5,
    base: Duration::seconds(30),
    cap: Duration::hours(1),
};
/// Failures of one account from anywhere, by browsers new to it (a guesser with many
/// addresses). The owner's own browsers are not held back by it.
pub const ACCOUNT: Backoff = Backoff {
    free: 10,
    base: Duration::seconds(30),
    cap: Duration::hours(1),
};
/// Failures from one address (or /64) across accounts, by browsers new to them (one password
/// tried against many accounts). High, because a ward's Wi-Fi or a carrier's NAT puts many
/// people behind one address; and people who signed in there before are not held back by it.
pub const ADDRESS: Backoff = Backoff {
    free: 50,
    base: Duration::seconds(30),
    cap: Duration::hours(1),
};
/// Failures through one device cookie. Once delayed, the cookie stops being trusted and the
/// attempt is counted as a new browser's.
pub const DEVICE: Backoff = Backoff {
    free: 5,
    base: Duration::seconds(30),
    cap: Duration::hours(1),
};
/// Sign-in attempts through one device cookie, right or wrong (each costs a hash).
pub const DEVICE_RATE: Rate = Rate {
    burst: 10,
    interval: Duration::minutes(1),
};

/// A failure counter forgets after this long without a failure.
const FORGET: Duration = Duration::hours(24);
/// How often a counter is re-read when another request changed it first.
const CAS_TRIES: usize = 16;

impl Backoff {
    /// The wait imposed after the `count`-th failure.
    fn delay(&self, count: i64) -> Duration {
        if count < self.free {
            return Duration::ZERO;
        }
        let doublings = u32::try_from((count - self.free).min(30)).unwrap_or(30);
        let secs = self.base.whole_seconds().saturating_mul(1i64 << doublings);
        Duration::seconds(secs).min(self.cap)
    }
}

/// The counter's next state, or how long the caller must wait.
fn step(
    rule: Rule,
    current: Option<&Counter>,
    now: OffsetDateTime,
) -> Result<(i64, OffsetDateTime), Duration> {
    match rule {
        Rule::Backoff(b) => {
            let (count, until) = match current {
                Some(c) if c.updated_at > now - FORGET => (c.count, c.until),
                _ => (0, OffsetDateTime::UNIX_EPOCH),
            };
            if until > now {
                return Err(until - now);
            }
            let n = count + 1;
            Ok((n, now + b.delay(n)))
        }
        Rule::Rate(r) => {
            let tolerance = r.interval * i32::try_from(r.burst - 1).unwrap_or(i32::MAX);
            let tat = current.map_or(now, |c| c.until).max(now);
            if tat - now > tolerance {
                return Err(tat - now - tolerance);
            }
            Ok((current.map_or(0, |c| c.count) + 1, tat + r.interval))
        }
    }
}

/// An attempt counted under one key, to give back if it turns out not to be a failure.
struct Reserved {
    key: String,
    before: Option<Counter>,
    version: i64,
    /// Success forgets the key's failures altogether (the pair's and the device's).
    clear_on_success: bool,
}

/// Counts one attempt under `key`, or says how long to wait.
async fn reserve(
    state: &AppState,
    key: &str,
    rule: Rule,
    mut current: Option<Counter>,
) -> Result<Result<(Option<Counter>, i64), Duration>, AppError> {
    for _ in 0..CAS_TRIES {
        let now = state.clock.now();
        let (count, until) = match step(rule, current.as_ref(), now) {
            Ok(next) => next,
            Err(wait) => return Ok(Err(wait)),
        };
        let expected = current.map(|c| c.version);
        if state
            .store
            .swap_counter(key, expected, count, until, now)
            .await?
        {
            return Ok(Ok((current, expected.map_or(1, |v| v + 1))));
        }
        current = state.store.counters(&[key.to_owned()]).await?.remove(key);
    }
    // Only under a storm of requests on one key: refusing is the safe answer.
    tracing::warn!("throttle counter contended; attempt refused");
    Ok(Err(Duration::seconds(1)))
}

/// Gives back one reserved failure: exactly as it was if nobody counted since, otherwise one
/// fewer.
async fn give_back(state: &AppState, r: &Reserved) -> Result<(), AppError> {
    if r.clear_on_success {
        state.store.delete_counter(&r.key).await?;
        return Ok(());
    }
    for _ in 0..CAS_TRIES {
        let Some(current) = state
            .store
            .counters(std::slice::from_ref(&r.key))
            .await?
            .remove(&r.key)
        else {
            return Ok(());
        };
        let (count, until) = match (current.version == r.version, r.before) {
            (true, Some(b)) => (b.count, b.until),
            (true, None) => (0, OffsetDateTime::UNIX_EPOCH),
            (false, _) => ((current.count - 1).max(0), current.until),
        };
        if state
            .store
            .swap_counter(
                &r.key,
                Some(current.version),
                count,
                until,
                state.clock.now(),
            )
            .await?
        {
            return Ok(());
        }
    }
    Ok(())
}

fn refused(wait: Duration) -> AppError {
    let seconds = u64::try_from(wait.whole_seconds()).unwrap_or(0).max(1);
    AppError::too_many("too_many_attempts", wait).with_detail(crate::i18n_global().wait(seconds))
}

/// Counts one use of a costly feature (`what`, e.g. the assistant) by a signed-in person
/// under `rate`, or refuses it (429 with `Retry-After`). The key is a keyed hash of the
/// feature and the user id, like every other counter. `refusal` is the error key shown.
pub async fn per_user(
    state: &AppState,
    what: &str,
    user_id: i64,
    rate: Rate,
    refusal: &'static str,
) -> Result<(), AppError> {
    let key = state.keys.keyed_hash(what, &user_id.to_string());
    let current = state
        .store
        .counters(std::slice::from_ref(&key))
        .await?
        .remove(&key);
    match reserve(state, &key, Rule::Rate(rate), current).await? {
        Ok(_) => Ok(()),
        Err(wait) => {
            let seconds = u64::try_from(wait.whole_seconds()).unwrap_or(0).max(1);
            Err(AppError::too_many(refusal, wait).with_detail(crate::i18n_global().wait(seconds)))
        }
    }
}

/// A sign-in attempt that has been counted and may go on to the password check.
pub struct SignIn {
    reserved: Vec<Reserved>,
    /// Whether the attempt came through a device cookie for the account.
    pub trusted: bool,
}

struct Key {
    hash: String,
    rule: Rule,
    clear_on_success: bool,
}

/// Counts a sign-in attempt for `username` before its password is checked, or refuses it (429
/// with `Retry-After`). Browsers with a device cookie for the account are counted by the
/// cookie only; all others by the account-and-address pair, the account and the address.
pub async fn begin_sign_in(
    state: &AppState,
    username: &str,
    address: Option<IpAddr>,
    device: Option<&Device>,
) -> Result<SignIn, AppError> {
    let k = &state.keys;
    let account = username.to_lowercase();
    let network = address.map(client::network);
    let device_keys = device.map(|d| {
        (
            k.keyed_hash("login-device", &d.nonce),
            k.keyed_hash("login-device-rate", &d.nonce),
        )
    });
    let mut new_browser = vec![
        Key {
            hash: k.keyed_hash(
                "login-pair",
                &format!("{account}\0{}", network.as_deref().unwrap_or("-")),
            ),
            rule: Rule::Backoff(PAIR),
            clear_on_success: true,
        },
        Key {
            hash: k.keyed_hash("login-account", &account),
            rule: Rule::Backoff(ACCOUNT),
            clear_on_success: false,
        },
    ];
    if let Some(n) = &network {
        new_browser.push(Key {
            hash: k.keyed_hash("login-address", n),
            rule: Rule::Backoff(ADDRESS),
            clear_on_success: false,
        });
        new_browser.push(Key {
            hash: k.keyed_hash("login-address-rate", n),
            rule: Rule::Rate(Rate::per_hour(state.settings.sign_ins_per_hour)),
            clear_on_success: false,
        });
    }
    let mut wanted: Vec<String> = new_browser.iter().map(|k| k.hash.clone()).collect();
    if let Some((f, r)) = &device_keys {
        wanted.push(f.clone());
        wanted.push(r.clone());
    }
    let mut known: HashMap<String, Counter> = state.store.counters(&wanted).await?;
    let now = state.clock.now();
    // A device cookie that collected too many failures is no longer trusted.
    let trusted_keys =
        device_keys.filter(|(f, _)| step(Rule::Backoff(DEVICE), known.get(f), now).is_ok());
    let trusted = trusted_keys.is_some();
    let keys = match trusted_keys {
        Some((f, r)) => vec![
            Key {
                hash: f,
                rule: Rule::Backoff(DEVICE),
                clear_on_success: true,
            },
            Key {
                hash: r,
                rule: Rule::Rate(DEVICE_RATE),
                clear_on_success: false,
            },
        ],
        None => new_browser,
    };
    let mut reserved = Vec::new();
    for key in keys {
        match reserve(state, &key.hash, key.rule, known.remove(&key.hash)).await? {
            Ok((before, version)) => {
                if let Rule::Backoff(_) = key.rule {
                    reserved.push(Reserved {
                        key: key.hash,
                        before,
                        version,
                        clear_on_success: key.clear_on_success,
                    });
                }
            }
            Err(wait) => {
                for r in &reserved {
                    give_back(state, r).await?;
                }
                return Err(refused(wait));
            }
        }
    }
    Ok(SignIn { reserved, trusted })
}

impl SignIn {
    /// The password was right: what was counted as a possible failure was none.
    pub async fn succeeded(self, state: &AppState) -> Result<(), AppError> {
        for r in &self.reserved {
            give_back(state, r).await?;
        }
        Ok(())
    }

    /// The password was wrong: it stays counted. Old counters are swept meanwhile.
    pub async fn failed(self, state: &AppState) -> Result<(), AppError> {
        state
            .store
            .forget_counters(state.clock.now() - FORGET - Duration::hours(1))
            .await?;
        Ok(())
    }
}

/// Counts one self-registration from `address`, or refuses it (429 with `Retry-After`).
pub async fn registration(state: &AppState, address: Option<IpAddr>) -> Result<(), AppError> {
    let Some(ip) = address else { return Ok(()) };
    let key = state
        .keys
        .keyed_hash("register-address", &client::network(ip));
    let known = state
        .store
        .counters(std::slice::from_ref(&key))
        .await?
        .remove(&key);
    let rule = Rule::Rate(Rate::per_hour(state.settings.registrations_per_hour));
    match reserve(state, &key, rule, known).await? {
        Ok(_) => Ok(()),
        Err(wait) => {
            let seconds = u64::try_from(wait.whole_seconds()).unwrap_or(0).max(1);
            Err(AppError::too_many("too_many_registrations", wait)
                .with_detail(crate::i18n_global().wait(seconds)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_delay_doubles_after_the_free_failures_up_to_the_cap() {
        let b = PAIR;
        assert_eq!(b.delay(4), Duration::ZERO);
        assert_eq!(b.delay(5), Duration::seconds(30));
        assert_eq!(b.delay(6), Duration::seconds(60));
        assert_eq!(b.delay(7), Duration::seconds(120));
        assert_eq!(b.delay(100), Duration::hours(1));
    }

    #[test]
    fn a_rate_allows_its_burst_then_one_per_interval() {
        let now = datetime!(2026-01-01 10:00 UTC);
        let rule = Rule::Rate(Rate {
            burst: 3,
            interval: Duration::minutes(1),
        });
        let mut c: Option<Counter> = None;
        for _ in 0..3 {
            let (count, until) = step(rule, c.as_ref(), now).expect("allowed");
            c = Some(Counter {
                count,
                until,
                updated_at: now,
                version: count,
            });
        }
        assert_eq!(step(rule, c.as_ref(), now), Err(Duration::minutes(1)));
        assert!(step(rule, c.as_ref(), now + Duration::minutes(1)).is_ok());
    }
}
