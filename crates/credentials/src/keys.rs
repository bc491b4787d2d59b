//! The issuer's key ring: Ed25519 keys (`alg: EdDSA`, the default) and, when the operator
//! chooses it for verifiers that implement only RS256, RSA keys (`alg: RS256`, PKCS#1 v1.5 with
//! SHA-256, 3072-bit modulus).
//!
//! One key is *active* and signs new credentials. Rotating makes it an *earlier* key: it signs no
//! more, but stays in the JWKS so everything it signed still verifies, here and in any JOSE
//! library. A key that is lost or leaked is *retired*: it leaves the JWKS and every credential
//! it signed fails verification (reason `key_retired`), because a leaked key could have signed
//! anything with any date; the server lists those credentials by `kid` so they can be re-issued.
//!
//! Every key has one algorithm for its whole life. A new key (the first one, a rotation, the key
//! that replaces a retired active key) has the algorithm it is asked for, or the active key's:
//! switching algorithms is a rotation, so what the earlier key signed keeps verifying and the
//! JWKS carries both kinds of key.
//!
//! RSA keys are generated with the `rsa` crate (from the random source passed in) and sign and
//! verify with `ring`, whose RSA is constant-time; PKCS#1 v1.5 signatures are deterministic, so
//! the same credential signed twice is the same JWT, as with Ed25519.
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
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::{CryptoRng, RngCore};
use rsa::pkcs8::EncodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Error, PublicUrl};

/// The size of the RSA keys this crate generates, in bits (NIST SP 800-57: 128-bit security).
pub const RSA_BITS: usize = 3072;

/// How a key signs: the JOSE `alg` of what it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Ed25519 (RFC 8037). The default.
    #[default]
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), for verifiers that implement only it.
    RS256,
}

impl Algorithm {
    /// The JOSE name (`EdDSA`, `RS256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::RS256 => "RS256",
        }
    }

    /// A JOSE name, exactly as [`as_str`](Self::as_str) writes it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "EdDSA" => Some(Self::EdDSA),
            "RS256" => Some(Self::RS256),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's public part.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    Ed25519(VerifyingKey),
    /// Modulus and public exponent, big-endian without leading zeros (the JWK's `n` and `e`).
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

impl PublicKey {
    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::EdDSA,
            Self::Rsa { .. } => Algorithm::RS256,
        }
    }

    /// Whether `signature` is this key's over `message` (Ed25519: strict verification).
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(key) => <[u8; 64]>::try_from(signature).is_ok_and(|s| {
                key.verify_strict(message, &Signature::from_bytes(&s))
                    .is_ok()
            }),
            Self::Rsa { n, e } => ring::signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    message,
                    signature,
                )
                .is_ok(),
        }
    }
}

/// The active key's secret.
// A ring holds one, behind an `Arc`: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Secret {
    Ed25519(SigningKey),
    Rsa(Box<RsaSecret>),
}

/// An RSA private key: `ring`'s key pair signs; the PKCS#8 DER is kept to write the key file.
pub(crate) struct RsaSecret {
    pair: ring::signature::RsaKeyPair,
    pkcs8: zeroize::Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl RsaSecret {
    /// From an `rsa` private key: its PKCS#8 form, read back by `ring`.
    pub(crate) fn new(key: &rsa::RsaPrivateKey) -> Option<Self> {
        let der = key.to_pkcs8_der().ok()?;
        let pkcs8 = zeroize::Zeroizing::new(der.as_bytes().to_vec());
        let pair = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).ok()?;
        Some(Self {
            pair,
            pkcs8,
            public: rsa_public(&key.to_public_key()),
        })
    }

    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key this secret signs for.
    pub(crate) fn public(&self) -> PublicKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        // PKCS#1 v1.5 uses no randomness; `ring` asks for a source anyway (for PSS).
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| Error::Credential("the RSA key could not sign"))?;
        Ok(signature)
    }
}

impl Secret {
    pub(crate) fn public(&self) -> PublicKey {
        match self {
            Self::Ed25519(key) => PublicKey::Ed25519(key.verifying_key()),
            Self::Rsa(secret) => secret.public(),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            Self::Ed25519(key) => Ok(key.sign(message).to_bytes().to_vec()),
            Self::Rsa(secret) => secret.sign(message),
        }
    }

    /// A fresh secret of `algorithm` from `rng`.
    fn generate(algorithm: Algorithm, rng: &mut (impl RngCore + CryptoRng)) -> Result<Self, Error> {
        match algorithm {
            Algorithm::EdDSA => {
                let mut secret = [0u8; 32];
                rng.fill_bytes(&mut secret);
                let signing = SigningKey::from_bytes(&secret);
                secret.fill(0);
                Ok(Self::Ed25519(signing))
            }
            Algorithm::RS256 => {
                let key = rsa::RsaPrivateKey::new(rng, RSA_BITS)
                    .map_err(|_| Error::Credential("no RSA key could be generated"))?;
                let secret = RsaSecret::new(&key)
                    .ok_or(Error::Credential("the generated RSA key was refused"))?;
                Ok(Self::Rsa(Box::new(secret)))
            }
        }
    }
}

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
    /// What the key signs with, for its whole life.
    pub algorithm: Algorithm,
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
    pub(crate) public: PublicKey,
}

/// Active, earlier and retired keys, oldest first; only the active key's secret is held.
#[derive(Clone)]
pub struct KeyRing {
    entries: Vec<KeyEntry>,
    signing: Option<std::sync::Arc<Secret>>,
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
    /// A ring with one fresh active Ed25519 key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng), now: OffsetDateTime) -> Self {
        let mut ring = Self {
            entries: Vec::new(),
            signing: None,
        };
        // Ed25519 key generation cannot fail.
        let secret = Secret::generate(Algorithm::EdDSA, rng);
        if let Ok(secret) = secret {
            ring.add_active(secret, now);
        }
        ring
    }

    /// A ring with one fresh active key of `algorithm`.
    pub fn generate_with(
        algorithm: Algorithm,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        let mut ring = Self {
            entries: Vec::new(),
            signing: None,
        };
        ring.add_active(Secret::generate(algorithm, rng)?, now);
        Ok(ring)
    }

    pub(crate) fn from_parts(entries: Vec<KeyEntry>, signing: Option<Secret>) -> Self {
        Self {
            entries,
            signing: signing.map(std::sync::Arc::new),
        }
    }

    pub(crate) fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    pub(crate) fn secret(&self) -> Option<&Secret> {
        self.signing.as_deref()
    }

    fn add_active(&mut self, secret: Secret, now: OffsetDateTime) {
        let public = secret.public();
        self.entries.push(KeyEntry {
            info: KeyInfo {
                kid: thumbprint(&public),
                algorithm: public.algorithm(),
                created_at: now,
                status: KeyStatus::Active,
            },
            public,
        });
        self.signing = Some(std::sync::Arc::new(secret));
    }

    /// Makes a new key of the active key's algorithm active; the old active key becomes an
    /// earlier key (and its secret is dropped: it will never sign again). Returns the new key.
    pub fn rotate(
        &mut self,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<&KeyInfo, Error> {
        let algorithm = self.active().map(|k| k.algorithm).unwrap_or_default();
        self.rotate_to(algorithm, rng, now)
    }

    /// Makes a new key of `algorithm` active (switching algorithms is a rotation); the old
    /// active key becomes an earlier key, still in the JWKS. Returns the new key.
    pub fn rotate_to(
        &mut self,
        algorithm: Algorithm,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<&KeyInfo, Error> {
        // Generated first: a failure leaves the ring as it was.
        let secret = Secret::generate(algorithm, rng)?;
        for e in &mut self.entries {
            if e.info.status == KeyStatus::Active {
                e.info.status = KeyStatus::Earlier { rotated_at: now };
            }
        }
        self.signing = None;
        self.add_active(secret, now);
        Ok(&self.entries[self.entries.len() - 1].info)
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
                self.rotate(rng, now)?;
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
    pub(crate) fn sign(&self, message: &[u8]) -> Result<(&str, Vec<u8>), Error> {
        let signing = self.signing.as_ref().ok_or(Error::NoActiveKey)?;
        let kid = self.active().ok_or(Error::NoActiveKey)?;
        Ok((&kid.kid, signing.sign(message)?))
    }

    /// The JSON Web Key Set for `GET /.well-known/jwks.json`: active and earlier keys, public
    /// parts only (Ed25519: `kty: OKP`, `crv: Ed25519`, `x`, `alg: EdDSA`; RSA: `kty: RSA`, `n`,
    /// `e`, `alg: RS256`; each with `kid` and `use: sig`). Retired keys are left out, so no
    /// verifier anywhere accepts what they signed.
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

fn jwk_json(public: &PublicKey, kid: &str) -> Value {
    match public {
        PublicKey::Ed25519(key) => json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
            "kid": kid,
            "alg": "EdDSA",
            "use": "sig",
        }),
        PublicKey::Rsa { n, e } => json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(n),
            "e": URL_SAFE_NO_PAD.encode(e),
            "kid": kid,
            "alg": "RS256",
            "use": "sig",
        }),
    }
}

/// The RFC 7638 thumbprint of a public key: SHA-256 over the JWK's required members in
/// lexicographic order (`{"crv":"Ed25519","kty":"OKP","x":"…"}`, `{"e":"…","kty":"RSA","n":"…"}`),
/// base64url without padding.
pub(crate) fn thumbprint(public: &PublicKey) -> String {
    let canonical = match public {
        PublicKey::Ed25519(key) => format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(key.as_bytes())
        ),
        PublicKey::Rsa { n, e } => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(e),
            URL_SAFE_NO_PAD.encode(n)
        ),
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The RFC 7638 thumbprint of an Ed25519 public key.
pub fn ed25519_thumbprint(public: &VerifyingKey) -> String {
    thumbprint(&PublicKey::Ed25519(*public))
}

/// An RSA public key from an `rsa` key (modulus and exponent, big-endian, no leading zeros).
pub(crate) fn rsa_public(key: &rsa::RsaPublicKey) -> PublicKey {
    PublicKey::Rsa {
        n: key.n().to_bytes_be(),
        e: key.e().to_bytes_be(),
    }
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
            ed25519_thumbprint(&public),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn the_rsa_thumbprint_matches_rfc_7638_section_3_1() {
        let n = URL_SAFE_NO_PAD
            .decode(
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc\
                 _BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0\
                 _FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI\
                 4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            )
            .unwrap();
        let e = URL_SAFE_NO_PAD.decode("AQAB").unwrap();
        assert_eq!(
            thumbprint(&PublicKey::Rsa { n, e }),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let ring = KeyRing::generate(&mut rng, datetime!(2026-01-01 0:00 UTC));
        let Some(Secret::Ed25519(key)) = ring.secret() else {
            panic!("not an Ed25519 ring");
        };
        let secret = hex::encode(key.to_bytes());
        let debug = format!("{ring:?}");
        assert!(!debug.contains(&secret));
        assert!(debug.contains("<secret>"));
    }
}
