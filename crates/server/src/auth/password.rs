//! Password hashing with argon2id (OWASP's recommended parameters). Verification runs even for
//! unknown users and for accounts without a usable hash (an imported person who has not chosen
//! a password yet), against a dummy hash, so the time an answer takes says nothing about
//! whether an account exists or has a password.
//!
//! Each hash holds 19 MiB and a core for ~25 ms, so at most `permits` run at once (one per core
//! by default): memory stays under permits × 19 MiB however many requests arrive. A request
//! waits for a permit at most `queue_timeout`, then is refused with 503 and `Retry-After`.
//! Hashing runs off the async executor.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every permit stayed taken for the whole queue timeout.
    #[error("every password hashing slot is busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct Hasher {
    params: Params,
    dummy: Arc<str>,
    permits: Arc<Semaphore>,
    size: usize,
    queue_timeout: Duration,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

/// How long a request waits for a hashing slot before it is refused.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(3);

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Hasher {
    /// argon2id, m = 19 MiB, t = 2, p = 1; one hash at a time per core.
    pub fn new() -> Result<Self, argon2::password_hash::Error> {
        Self::with_cost(19 * 1024, 2)
    }

    /// Cheap parameters for tests only: the behaviour is the same, the cost is not.
    pub fn for_tests() -> Result<Self, argon2::password_hash::Error> {
        Self::with_cost(256, 1)
    }

    /// argon2id with `memory_kib` and `iterations`, one hash at a time per core.
    pub fn with_cost(
        memory_kib: u32,
        iterations: u32,
    ) -> Result<Self, argon2::password_hash::Error> {
        let params = Params::new(memory_kib, iterations, 1, None)?;
        let size = cores();
        let mut h = Self {
            params,
            dummy: Arc::from(""),
            permits: Arc::new(Semaphore::new(size)),
            size,
            queue_timeout: QUEUE_TIMEOUT,
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        };
        // The dummy needs only the real parameters (the work is the same), not a real hash: one
        // made here would cost a start-up 19 MiB of memory the allocator keeps, and ~25 ms.
        let p = &h.params;
        let dummy = format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            p.m_cost(),
            p.t_cost(),
            p.p_cost(),
            "A".repeat(22),
            "A".repeat(43),
        );
        PasswordHash::new(&dummy)?;
        h.dummy = Arc::from(dummy);
        Ok(h)
    }

    /// The same hasher with `permits` hashing slots and a different wait for one.
    pub fn with_limits(mut self, permits: usize, queue_timeout: Duration) -> Self {
        self.size = permits.max(1);
        self.permits = Arc::new(Semaphore::new(self.size));
        self.queue_timeout = queue_timeout;
        self
    }

    /// How many hashes may run at once.
    pub fn slots(&self) -> usize {
        self.size
    }

    /// The most hashes that ever ran at once in this process (for diagnostics and tests).
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes synchronously, without a slot: for start-up and command-line tools only.
    pub fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        Ok(self
            .argon2()
            .hash_password(password.as_bytes(), &salt)?
            .to_string())
    }

    /// True when `password` matches `stored`. With `stored = None` (no such user) or a stored
    /// value that is not a hash (no password yet), it does the same work against the dummy
    /// hash and returns false.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let usable = stored.and_then(|s| PasswordHash::new(s).ok());
        let (target, real) = match usable {
            Some(h) => (h, true),
            None => match PasswordHash::new(&self.dummy) {
                Ok(d) => (d, false),
                Err(_) => return false,
            },
        };
        let ok = self
            .argon2()
            .verify_password(password.as_bytes(), &target)
            .is_ok();
        ok && real
    }

    /// Runs `work` on a blocking thread once a hashing slot is free.
    async fn in_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Hasher) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let me = self.clone();
        let result = actix_web::web::block(move || {
            let now = me.running.fetch_add(1, Ordering::SeqCst) + 1;
            me.peak.fetch_max(now, Ordering::SeqCst);
            let out = work(&me);
            me.running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))?;
        Ok(result)
    }

    /// Hashes a new password in a slot.
    pub async fn hash_async(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.in_slot(move |h| h.hash(&password))
            .await?
            .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// Verifies in a slot (see `verify`).
    pub async fn verify_async(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, HashError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.in_slot(move |h| h.verify(&password, stored.as_deref()))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() -> Result<(), argon2::password_hash::Error> {
        let h = Hasher::for_tests()?;
        let stored = h.hash("mật khẩu dài")?;
        assert!(stored.starts_with("$argon2id$"));
        assert!(h.verify("mật khẩu dài", Some(&stored)));
        assert!(!h.verify("mật khẩu khác", Some(&stored)));
        Ok(())
    }

    #[test]
    fn unknown_users_and_accounts_without_a_password_never_verify(
    ) -> Result<(), argon2::password_hash::Error> {
        let h = Hasher::for_tests()?;
        assert!(!h.verify("a password no account has", None));
        assert!(!h.verify("a password no account has", Some("!")));
        Ok(())
    }
}
