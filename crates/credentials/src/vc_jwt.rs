//! The credential signed as a VC-JWT: Open Badges 3.0 §8.2 "JSON Web Token Proof Format"
//! (the VC 2.0 form, where the JWT payload *is* the credential; no `vc` wrapper).
//!
//! Header, and nothing else (OB 3.0 allows no other JOSE header):
//!
//! ```json
//! {"alg": "EdDSA", "kid": "<public URL>/keys/<RFC 7638 thumbprint>", "typ": "JWT"}
//! ```
//!
//! `alg` is the signing key's: `EdDSA` (the default) or `RS256` when the operator chose RSA
//! keys. A verifier takes a key only with its own algorithm, so a JWT cannot pass an RSA key's
//! check by naming another algorithm.
//!
//! Payload: the credential's members at the top level, plus the registered claims OB 3.0 maps
//! onto it: `iss` = `issuer.id`, `jti` = `id`, `sub` = `credentialSubject.id`, `nbf` =
//! `validFrom` (NumericDate), and `iat` = `nbf` (allowed, and expected by some JOSE tools).
//! Completion credentials do not expire, so there is no `exp`/`validUntil`.
//!
//! Any JOSE library verifies these with the JWKS at `/.well-known/jwks.json` (the tests do it
//! with `jsonwebtoken`). [`verify`] adds what only the issuer knows: whether the key was
//! retired. Revocation lives in the ledger, so the server checks it after a valid signature and
//! turns the answer into [`Reason::Revoked`] with [`Verification::revoked`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::keys::{thumbprint_of, Algorithm};
use crate::openbadges::{achievement_credential, CredentialRequest};
use crate::{CertificateId, Error, KeyRing, PublicUrl};

/// How far a verifier's clock may lag behind the issuing instance's before a fresh credential
/// looks "not yet valid".
pub const CLOCK_SKEW: Duration = Duration::seconds(60);

/// A signed credential and what the store keeps about it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The compact JWS, as served by `GET /api/v1/certificates/{id}/credential`.
    pub jwt: String,
    /// The signing key's thumbprint: store it with the credential, so retiring a key can list
    /// everything it signed.
    pub kid: String,
    /// The credential inside the JWT.
    pub credential: Value,
}

/// Builds the credential for `req` and signs it with the ring's active key.
pub fn issue(ring: &KeyRing, base: &PublicUrl, req: &CredentialRequest) -> Result<Issued, Error> {
    let credential = achievement_credential(base, req)?;
    sign(ring, base, credential)
}

/// Signs a credential (from [`achievement_credential`] or any OB 3.0 credential with `id`,
/// `issuer.id`, `credentialSubject.id` and `validFrom`) with the active key.
pub fn sign(ring: &KeyRing, base: &PublicUrl, credential: Value) -> Result<Issued, Error> {
    let Value::Object(fields) = &credential else {
        return Err(Error::Credential("not a JSON object"));
    };
    let id = str_at(&credential, &["id"]).ok_or(Error::Credential("no id"))?;
    let iss = issuer_id(&credential).ok_or(Error::Credential("no issuer id"))?;
    let sub = str_at(&credential, &["credentialSubject", "id"])
        .ok_or(Error::Credential("no credentialSubject.id"))?;
    let nbf = str_at(&credential, &["validFrom"])
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .ok_or(Error::Credential("no validFrom"))?
        .unix_timestamp();
    let mut payload: Map<String, Value> = fields.clone();
    payload.insert("iss".into(), json!(iss));
    payload.insert("jti".into(), json!(id));
    payload.insert("sub".into(), json!(sub));
    payload.insert("nbf".into(), json!(nbf));
    payload.insert("iat".into(), json!(nbf));

    let active = ring.active().ok_or(Error::NoActiveKey)?;
    let header = json!({
        "alg": active.algorithm.as_str(),
        "kid": base.key_url(&active.kid),
        "typ": "JWT",
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload)?)
    );
    let (kid, signature) = ring.sign(signing_input.as_bytes())?;
    let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    Ok(Issued {
        jwt,
        kid: kid.to_owned(),
        credential,
    })
}

/// Why a JWT is not (or no longer) a valid credential. Serialised as snake_case keys, which the
/// server translates (`errors.credential.<key>` or similar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not three base64url parts of JSON, or a required header or claim is missing.
    Malformed,
    /// `alg` is not `EdDSA` or `RS256`, no key of ours has it, or it is not the named key's
    /// algorithm (or the header asks for `crit` extensions).
    UnsupportedAlgorithm,
    /// No key of ours has this `kid`.
    UnknownKey,
    /// The signature does not match: the JWT was altered or not signed by us.
    BadSignature,
    /// Genuinely signed, but with a key retired as lost or leaked.
    KeyRetired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `exp` has passed.
    Expired,
    /// The JWT claims and the credential disagree (`iss`/`jti`/`sub`/`nbf`).
    ClaimsMismatch,
    /// The payload is not an OB 3.0 credential.
    NotACredential,
    /// Valid signature, but the certificate was revoked (set by the server from the ledger).
    Revoked,
}

impl Reason {
    pub fn key(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::KeyRetired => "key_retired",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::ClaimsMismatch => "claims_mismatch",
            Self::NotACredential => "not_a_credential",
            Self::Revoked => "revoked",
        }
    }
}

/// The answer of `POST /api/v1/credentials/verify`: it serialises as `{"valid", "reason"}`;
/// the other fields are for the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub valid: bool,
    pub reason: Option<Reason>,
    /// The signing key's thumbprint, when the header named one of ours.
    #[serde(skip)]
    pub kid: Option<String>,
    /// The certificate the credential is about (from `jti`), when the signature was good: what
    /// the server looks up in the ledger for revocation.
    #[serde(skip)]
    pub certificate_id: Option<CertificateId>,
    /// The verified credential (the payload), when the signature was good.
    #[serde(skip)]
    pub credential: Option<Value>,
}

impl Verification {
    fn fail(reason: Reason) -> Self {
        Self {
            valid: false,
            reason: Some(reason),
            kid: None,
            certificate_id: None,
            credential: None,
        }
    }

    /// The same answer for a certificate the ledger says is revoked.
    pub fn revoked(mut self) -> Self {
        self.valid = false;
        self.reason = Some(Reason::Revoked);
        self
    }
}

/// Verifies a compact JWT against our key ring at `now`: signature, key status, and the OB 3.0
/// claim checks (§8.2.6). Never panics and never errors: every failure is a [`Reason`].
///
/// A credential signed with an earlier (rotated) key is valid; one signed with a retired key is
/// not (`key_retired`), whatever its dates, because whoever holds a leaked key can write any
/// date. Reasons are checked in this order: malformed → algorithm → unknown key → signature →
/// retired key → claims and dates, so `key_retired` always means "genuinely signed by it".
pub fn verify(jwt: &str, ring: &KeyRing, now: OffsetDateTime) -> Verification {
    let mut parts = jwt.trim().split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Verification::fail(Reason::Malformed);
    };
    let Some(header) = decode_json(h64) else {
        return Verification::fail(Reason::Malformed);
    };
    let Some(alg) = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Algorithm::parse)
    else {
        return Verification::fail(Reason::UnsupportedAlgorithm);
    };
    // An algorithm none of our keys has (RS256 at an issuer that never had an RSA key) is
    // unsupported here, whatever key the header names.
    if header.get("crit").is_some() || !ring.keys().any(|k| k.algorithm == alg) {
        return Verification::fail(Reason::UnsupportedAlgorithm);
    }
    if header.get("typ").is_some_and(|t| t != "JWT") {
        return Verification::fail(Reason::Malformed);
    }
    let Some(kid) = header.get("kid").and_then(Value::as_str) else {
        return Verification::fail(Reason::Malformed);
    };
    let Some(key) = ring.find_entry(kid) else {
        return Verification::fail(Reason::UnknownKey);
    };
    let with_kid = |reason| Verification {
        kid: Some(key.info.kid.clone()),
        ..Verification::fail(reason)
    };
    if key.info.algorithm != alg {
        return with_kid(Reason::UnsupportedAlgorithm);
    }
    let Ok(signature) = URL_SAFE_NO_PAD.decode(s64) else {
        return with_kid(Reason::Malformed);
    };
    let signing_input = &jwt.trim()[..h64.len() + 1 + p64.len()];
    if !key.public.verifies(signing_input.as_bytes(), &signature) {
        return with_kid(Reason::BadSignature);
    }
    if key.info.is_retired() {
        return with_kid(Reason::KeyRetired);
    }
    let Some(payload) = decode_json(p64) else {
        return with_kid(Reason::Malformed);
    };
    if let Err(reason) = check_claims(&payload, now) {
        return with_kid(reason);
    }
    Verification {
        valid: true,
        reason: None,
        kid: Some(key.info.kid.clone()),
        certificate_id: str_at(&payload, &["jti"]).and_then(PublicUrl::certificate_id_in),
        credential: Some(payload),
    }
}

/// The payload of a JWT, *without verifying anything*: only for a credential whose signature
/// [`verify`] found genuine but refused for another reason (`key_retired`), to read what it
/// says.
pub fn payload_of(jwt: &str) -> Option<Value> {
    decode_json(jwt.trim().split('.').nth(1)?)
}

/// The signing key's thumbprint named in a JWT header, without verifying anything: for listing
/// stored credentials by key.
pub fn kid_of(jwt: &str) -> Option<String> {
    let header = decode_json(jwt.trim().split('.').next()?)?;
    let kid = header.get("kid")?.as_str()?;
    Some(thumbprint_of(kid).to_owned())
}

fn check_claims(payload: &Value, now: OffsetDateTime) -> Result<(), Reason> {
    let types: Vec<&str> = payload
        .get("type")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !types.contains(&"VerifiableCredential")
        || !(types.contains(&"OpenBadgeCredential") || types.contains(&"AchievementCredential"))
    {
        return Err(Reason::NotACredential);
    }
    let claim = |name: &str| str_at(payload, &[name]).ok_or(Reason::Malformed);
    if claim("iss")? != issuer_id(payload).ok_or(Reason::NotACredential)?
        || claim("jti")? != str_at(payload, &["id"]).ok_or(Reason::NotACredential)?
        || claim("sub")?
            != str_at(payload, &["credentialSubject", "id"]).ok_or(Reason::NotACredential)?
    {
        return Err(Reason::ClaimsMismatch);
    }
    let nbf = payload
        .get("nbf")
        .and_then(Value::as_i64)
        .ok_or(Reason::Malformed)?;
    let valid_from = str_at(payload, &["validFrom"])
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .ok_or(Reason::NotACredential)?;
    if valid_from.unix_timestamp() != nbf || valid_from.nanosecond() != 0 {
        return Err(Reason::ClaimsMismatch);
    }
    if nbf > (now + CLOCK_SKEW).unix_timestamp() {
        return Err(Reason::NotYetValid);
    }
    if let Some(exp) = payload.get("exp") {
        let exp = exp.as_i64().ok_or(Reason::Malformed)?;
        if exp <= now.unix_timestamp() {
            return Err(Reason::Expired);
        }
    }
    if let Some(until) = str_at(payload, &["validUntil"]) {
        let until = OffsetDateTime::parse(until, &Rfc3339).map_err(|_| Reason::Malformed)?;
        if until <= now {
            return Err(Reason::Expired);
        }
    }
    Ok(())
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// `issuer` is a Profile object or, as OB 3.0 also allows, its id as a string.
fn issuer_id(credential: &Value) -> Option<&str> {
    match credential.get("issuer")? {
        Value::String(s) => Some(s),
        issuer => issuer.get("id")?.as_str(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use time::macros::datetime;

    /// Signs an arbitrary payload with the ring's key, as only a holder of our key could.
    fn signed(ring: &KeyRing, base: &PublicUrl, payload: &Value) -> String {
        let active = ring.active().unwrap();
        let header = json!({
            "alg": active.algorithm.as_str(),
            "kid": base.key_url(&active.kid),
            "typ": "JWT",
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap())
        );
        let (_, sig) = ring.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn payload() -> Value {
        json!({
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "id": "https://x.vn/verify/7K3M9Q2XH4TB6WRV0ZCD",
            "issuer": { "id": "https://x.vn/issuer" },
            "credentialSubject": { "id": "urn:uuid:3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b" },
            "validFrom": "2025-11-20T03:15:42Z",
            "iss": "https://x.vn/issuer",
            "jti": "https://x.vn/verify/7K3M9Q2XH4TB6WRV0ZCD",
            "sub": "urn:uuid:3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b",
            "nbf": 1_763_608_542,
        })
    }

    #[test]
    fn claims_must_agree_with_the_credential() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let now = datetime!(2026-01-01 0:00 UTC);
        let ring = KeyRing::generate(&mut rng, now);
        let base = PublicUrl::parse("https://x.vn").unwrap();
        assert!(verify(&signed(&ring, &base, &payload()), &ring, now).valid);
        for (claim, value) in [
            ("iss", json!("https://evil.example/issuer")),
            ("jti", json!("https://x.vn/verify/0000000000000000000Z")),
            (
                "sub",
                json!("urn:uuid:00000000-0000-4000-8000-000000000000"),
            ),
            ("nbf", json!(1_763_608_543)),
        ] {
            let mut p = payload();
            p[claim] = value;
            let v = verify(&signed(&ring, &base, &p), &ring, now);
            assert_eq!(v.reason, Some(Reason::ClaimsMismatch), "{claim}");
        }
        let mut p = payload();
        p.as_object_mut().unwrap().remove("sub");
        assert_eq!(
            verify(&signed(&ring, &base, &p), &ring, now).reason,
            Some(Reason::Malformed)
        );
        let mut p = payload();
        p["type"] = json!(["VerifiableCredential"]);
        assert_eq!(
            verify(&signed(&ring, &base, &p), &ring, now).reason,
            Some(Reason::NotACredential)
        );
        let mut p = payload();
        p["exp"] = json!(1_763_608_600);
        assert_eq!(
            verify(&signed(&ring, &base, &p), &ring, now).reason,
            Some(Reason::Expired)
        );
    }
}
