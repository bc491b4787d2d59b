//! Password hashing with argon2id (OWASP's recommended parameters). Verification runs even for
//! unknown users, against a dummy hash, so the time an answer takes says nothing about whether
//! an account exists. Hashing is CPU-heavy: callers run it off the async executor.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;

#[derive(Clone)]
pub struct Hasher {
    params: Params,
    dummy: Arc<str>,
}

impl Hasher {
    /// argon2id, m = 19 MiB, t = 2, p = 1.
    pub fn new() -> Result<Self, argon2::password_hash::Error> {
        let params = Params::new(19 * 1024, 2, 1, None)?;
        Self::with_params(params)
    }

    /// Cheap parameters for tests only: the behaviour is the same, the cost is not.
    pub fn for_tests() -> Result<Self, argon2::password_hash::Error> {
        Self::with_params(Params::new(256, 1, 1, None)?)
    }

    fn with_params(params: Params) -> Result<Self, argon2::password_hash::Error> {
        let mut h = Self {
            params,
            dummy: Arc::from(""),
        };
        h.dummy = Arc::from(h.hash("a password no account has")?);
        Ok(h)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        Ok(self
            .argon2()
            .hash_password(password.as_bytes(), &salt)?
            .to_string())
    }

    /// True when `password` matches `stored`; with `stored = None` (no such user) it does the
    /// same work against the dummy hash and returns false.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let target = stored.unwrap_or(&self.dummy);
        let Ok(parsed) = PasswordHash::new(target) else {
            return false;
        };
        let ok = self
            .argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && stored.is_some()
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
    fn unknown_users_never_verify() -> Result<(), argon2::password_hash::Error> {
        let h = Hasher::for_tests()?;
        assert!(!h.verify("a password no account has", None));
        Ok(())
    }
}
