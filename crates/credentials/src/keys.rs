//! The issuer's Ed25519 key ring.
//!
//! One key is *active* and signs new credentials. Rotating makes it an *earlier* key: it signs no
//! more, but stays in the JWKS so everything it signed still verifies, here and in any JOSE
//! library. A key that is lost or leaked is *retired*: it leaves the JWKS and every credential
//! it signed fails verification (reason `key_retired`), because a leaked key could have signed
//! anything with any date; the server lists those credentials by `kid` so they can be re-issued.
//!
//! Key ids are RFC 7638 JWK thumbprints (SHA-256, base64url): derived from the public key alone,
//! so the same key always has the same id and nothing needs a counter. In a JWT header the `kid`
//! is [`PublicUrl::key_url`] of the thumbprint, a URL that dereferences to the JWK as Open
//! Badges 3.0 asks; verification looks keys up by the thumbprint at its end.
//!
//! This module keeps no secrets in files and never prints one: `Debug` shows key ids only. The
//! files live in [`crate::key_store`].

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand::{CryptoRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Error, PublicUrl};

/// Where a key is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// Signs new credentials. Exactly one key of a ring is active.
    Active,
    /// Was active until `rotated_at`; still verifies what it signed.
    Earlier { rotated_at: OffsetDateTime },
    /// Lost or leaked: what it signed no longer verifies.
    Retired { at: OffsetDateTime, reason: String },
}

/// The public facts about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The RFC 7638 thumbprint.
    pub kid: String,
    pub created_at: OffsetDateTime,
    pub status: KeyStatus,
}

impl KeyInfo {
    pub fn is_retired(&self) -> bool {
        matches!(self.status, KeyStatus::Retired { .. })
    }
}

#[derive(Clone)]
pub(crate) struct KeyEntry {
    pub(crate) info: KeyInfo,
    pub(crate) public: VerifyingKey,
}

/// Active, earlier and retired keys, oldest first; only the active key's secret is held.
#[derive(Clone)]
pub struct KeyRing {
    entries: Vec<KeyEntry>,
    signing: Option<SigningKey>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field(
                "keys",
                &self.entries.iter().map(|e| &e.info).collect::<Vec<_>>(),
            )
            .field("signing", &self.signing.as_ref().map(|_| "<secret>"))
            .finish()
    }
}

impl KeyRing {
    /// A ring with one fresh active key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng), now: OffsetDateTime) -> Self {
        let mut ring = Self {
            entries: Vec::new(),
            signing: None,
        };
        ring.add_active(rng, now);
        ring
    }

    pub(crate) fn from_parts(entries: Vec<KeyEntry>, signing: Option<SigningKey>) -> Self {
        Self { entries, signing }
    }

    pub(crate) fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    pub(crate) fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.as_ref()
    }

    fn add_active(&mut self, rng: &mut (impl RngCore + CryptoRng), now: OffsetDateTime) {
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let signing = SigningKey::from_bytes(&secret);
        secret.fill(0);
        let public = signing.verifying_key();
        self.entries.push(KeyEntry {
            info: KeyInfo {
                kid: thumbprint(&public),
                created_at: now,
                status: KeyStatus::Active,
            },
            public,
        });
        self.signing = Some(signing);
    }

    /// Makes a new key active; the old active key becomes an earlier key (and its secret is
    /// dropped: it will never sign again). Returns the new key.
    pub fn rotate(
        &mut self,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> &KeyInfo {
        for e in &mut self.entries {
            if e.info.status == KeyStatus::Active {
                e.info.status = KeyStatus::Earlier { rotated_at: now };
            }
        }
        self.signing = None;
        self.add_active(rng, now);
        &self.entries[self.entries.len() - 1].info
    }

    /// Retires a lost or leaked key (by thumbprint or `kid` URL). Retiring the active key first
    /// rotates to a new one, so the platform can keep issuing. Returns the retired key; the
    /// server then lists the credentials signed with `kid` for re-issue.
    pub fn retire(
        &mut self,
        kid: &str,
        reason: &str,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<KeyInfo, Error> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::EmptyReason);
        }
        let thumb = thumbprint_of(kid);
        let index = self
            .entries
            .iter()
            .position(|e| e.info.kid == thumb)
            .ok_or_else(|| Error::UnknownKey(thumb.to_owned()))?;
        match self.entries[index].info.status {
            KeyStatus::Retired { .. } => return Err(Error::AlreadyRetired(thumb.to_owned())),
            KeyStatus::Active => {
                self.rotate(rng, now);
            }
            KeyStatus::Earlier { .. } => {}
        }
        let entry = &mut self.entries[index];
        entry.info.status = KeyStatus::Retired {
            at: now,
            reason: reason.to_owned(),
        };
        Ok(entry.info.clone())
    }

    /// The key that signs new credentials.
    pub fn active(&self) -> Option<&KeyInfo> {
        self.entries
            .iter()
            .map(|e| &e.info)
            .find(|i| i.status == KeyStatus::Active)
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> impl Iterator<Item = &KeyInfo> {
        self.entries.iter().map(|e| &e.info)
    }

    /// A key by thumbprint or by `kid` URL (whose last path segment is the thumbprint).
    pub fn find(&self, kid: &str) -> Option<&KeyInfo> {
        self.find_entry(kid).map(|e| &e.info)
    }

    pub(crate) fn find_entry(&self, kid: &str) -> Option<&KeyEntry> {
        let thumb = thumbprint_of(kid);
        self.entries.iter().find(|e| e.info.kid == thumb)
    }

    /// Signs with the active key: `(thumbprint, signature)`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<(&str, [u8; 64]), Error> {
        let signing = self.signing.as_ref().ok_or(Error::NoActiveKey)?;
        let kid = self.active().ok_or(Error::NoActiveKey)?;
        Ok((&kid.kid, signing.sign(message).to_bytes()))
    }

    /// The JSON Web Key Set for `GET /.well-known/jwks.json`: active and earlier keys, public
    /// parts only (`kty: OKP`, `crv: Ed25519`, `x`, `kid`, `alg: EdDSA`, `use: sig`). Retired
    /// keys are left out, so no verifier anywhere accepts what they signed.
    pub fn jwks(&self, base: &PublicUrl) -> Value {
        let keys: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| !e.info.is_retired())
            .map(|e| jwk_json(&e.public, &base.key_url(&e.info.kid)))
            .collect();
        json!({ "keys": keys })
    }

    /// One bare JWK for `GET /keys/{thumbprint}` (what a `kid` dereferences to); `None` for an
    /// unknown or retired key.
    pub fn jwk(&self, kid: &str, base: &PublicUrl) -> Option<Value> {
        self.find_entry(kid)
            .filter(|e| !e.info.is_retired())
            .map(|e| jwk_json(&e.public, &base.key_url(&e.info.kid)))
    }
}

fn jwk_json(public: &VerifyingKey, kid: &str) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(public.as_bytes()),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    })
}

/// The RFC 7638 thumbprint of an Ed25519 public key: SHA-256 over the required members in
/// lexicographic order, `{"crv":"Ed25519","kty":"OKP","x":"…"}`, base64url without padding.
pub fn thumbprint(public: &VerifyingKey) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public.as_bytes())
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The thumbprint a `kid` names: the whole string, or the last path segment of a key URL.
pub(crate) fn thumbprint_of(kid: &str) -> &str {
    kid.rsplit('/').next().unwrap_or(kid)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use time::macros::datetime;

    #[test]
    fn the_thumbprint_matches_rfc_8037_appendix_a3() {
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let public = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        assert_eq!(
            thumbprint(&public),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let ring = KeyRing::generate(&mut rng, datetime!(2026-01-01 0:00 UTC));
        let secret = hex::encode(ring.signing_key().unwrap().to_bytes());
        let debug = format!("{ring:?}");
        assert!(!debug.contains(&secret));
        assert!(debug.contains("<secret>"));
    }
}
