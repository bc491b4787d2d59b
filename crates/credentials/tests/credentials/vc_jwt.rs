//! Signing and verifying VC-JWTs, and an independent JOSE library agreeing with us.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hocvuso_credentials::vc_jwt::{self, Issued};
use hocvuso_credentials::{KeyRing, Reason};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::support::{base, certificate_id, request, ring, rng, ISSUED, LATER};

fn issued(ring: &KeyRing) -> Issued {
    vc_jwt::issue(ring, &base(), &request()).unwrap()
}

fn part(jwt: &str, i: usize) -> Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(jwt.split('.').nth(i).unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn encode(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[test]
fn the_header_has_exactly_alg_kid_and_typ() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let kid = ring.active().unwrap().kid.clone();
    assert_eq!(
        part(&jwt, 0),
        json!({
            "alg": "EdDSA",
            "typ": "JWT",
            "kid": format!("https://hocvuso.benthanh.example.vn/keys/{kid}"),
        })
    );
}

#[test]
fn the_payload_is_the_credential_with_the_ob3_claims() {
    let issued = issued(&ring());
    let payload = part(&issued.jwt, 1);
    assert_eq!(payload["iss"], "https://hocvuso.benthanh.example.vn/issuer");
    assert_eq!(payload["iss"], payload["issuer"]["id"]);
    assert_eq!(
        payload["jti"],
        "https://hocvuso.benthanh.example.vn/verify/7K3M9Q2XH4TB6WRV0ZCD"
    );
    assert_eq!(payload["jti"], payload["id"]);
    assert_eq!(
        payload["sub"],
        "urn:uuid:3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
    );
    assert_eq!(payload["sub"], payload["credentialSubject"]["id"]);
    assert_eq!(payload["nbf"], ISSUED.unix_timestamp());
    assert_eq!(payload["iat"], payload["nbf"]);
    assert_eq!(payload["validFrom"], "2025-11-20T03:15:42Z");
    assert!(payload.get("vc").is_none(), "VC 2.0 form: no vc wrapper");
    assert!(payload.get("exp").is_none());
    // Everything but the claims is the credential itself.
    let mut credential = payload.clone();
    for claim in ["iss", "jti", "sub", "nbf", "iat"] {
        credential.as_object_mut().unwrap().remove(claim);
    }
    assert_eq!(credential, issued.credential);
}

#[test]
fn a_fresh_credential_verifies_and_names_its_certificate() {
    let ring = ring();
    let issued = issued(&ring);
    let v = vc_jwt::verify(&issued.jwt, &ring, LATER);
    assert!(v.valid, "{v:?}");
    assert_eq!(v.reason, None);
    assert_eq!(v.certificate_id, Some(certificate_id()));
    assert_eq!(v.kid.as_deref(), Some(issued.kid.as_str()));
    assert_eq!(vc_jwt::kid_of(&issued.jwt), Some(issued.kid));
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        json!({ "valid": true, "reason": null })
    );
}

#[test]
fn signing_is_deterministic() {
    let ring = ring();
    assert_eq!(issued(&ring).jwt, issued(&ring).jwt);
}

#[test]
fn an_independent_jose_library_verifies_it_with_the_published_jwks() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(ring.jwks(&base())).unwrap();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid is in the JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims = HashSet::from(["iss".to_owned(), "sub".to_owned()]);
    validation.validate_exp = false;
    validation.validate_nbf = false; // Its clock is the machine's; ours is fixed.
    validation.set_issuer(&["https://hocvuso.benthanh.example.vn/issuer"]);
    let data = jsonwebtoken::decode::<Value>(&jwt, &key, &validation).unwrap();
    assert_eq!(
        data.claims["credentialSubject"]["achievement"]["name"],
        "An toàn trên mạng"
    );

    // And it refuses the same token once altered.
    let (h, _, s) = split(&jwt);
    let mut payload = part(&jwt, 1);
    payload["credentialSubject"]["achievement"]["name"] = json!("Khóa học khác");
    let forged = format!("{h}.{}.{s}", encode(&payload));
    assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());
}

fn split(jwt: &str) -> (&str, &str, &str) {
    let mut it = jwt.split('.');
    (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
}

#[test]
fn the_jwks_publishes_public_okp_keys_only() {
    let ring = ring();
    let jwks = ring.jwks(&base());
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k["kty"], "OKP");
    assert_eq!(k["crv"], "Ed25519");
    assert_eq!(k["alg"], "EdDSA");
    assert_eq!(k["use"], "sig");
    assert!(k.get("d").is_none(), "never the private key");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(k["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    let kid = ring.active().unwrap().kid.clone();
    assert_eq!(ring.jwk(&kid, &base()).as_ref(), Some(k));
}

#[test]
fn a_tampered_payload_fails_with_bad_signature() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let (h, _, s) = split(&jwt);
    let mut payload = part(&jwt, 1);
    payload["credentialSubject"]["achievement"]["alignment"][2]["targetCode"] = json!("8");
    let forged = format!("{h}.{}.{s}", encode(&payload));
    let v = vc_jwt::verify(&forged, &ring, LATER);
    assert!(!v.valid);
    assert_eq!(v.reason, Some(Reason::BadSignature));
    assert_eq!(v.certificate_id, None, "nothing from an unverified payload");
}

#[test]
fn a_flipped_signature_bit_fails() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let (h, p, s) = split(&jwt);
    let mut sig = URL_SAFE_NO_PAD.decode(s).unwrap();
    sig[10] ^= 1;
    let forged = format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(
        vc_jwt::verify(&forged, &ring, LATER).reason,
        Some(Reason::BadSignature)
    );
}

#[test]
fn another_issuers_key_is_unknown() {
    let jwt = issued(&ring()).jwt;
    let other = KeyRing::generate(&mut rng(7), LATER);
    assert_eq!(
        vc_jwt::verify(&jwt, &other, LATER).reason,
        Some(Reason::UnknownKey)
    );
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let (_, p, _) = split(&jwt);
    let none = format!("{}.{p}.", encode(&json!({"alg": "none", "typ": "JWT"})));
    assert_eq!(
        vc_jwt::verify(&none, &ring, LATER).reason,
        Some(Reason::UnsupportedAlgorithm)
    );
    // 1EdTech's own VC-JWT test input is RS256 (and VC 1.1): not something we issue.
    let path = crate::support::fixtures().join("openbadges3/validator-tests/simple.jwt");
    let theirs = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        vc_jwt::verify(&theirs, &ring, LATER).reason,
        Some(Reason::UnsupportedAlgorithm)
    );
}

#[test]
fn malformed_tokens_are_reported_not_panicked_on() {
    let ring = ring();
    for bad in [
        "",
        "a",
        "a.b",
        "a.b.c.d",
        "!!.??.**",
        "e30.e30.e30",
        "eyJhbGciOiJFZERTQSJ9.e30.",
    ] {
        let v = vc_jwt::verify(bad, &ring, LATER);
        assert!(!v.valid, "{bad}");
        assert!(
            matches!(
                v.reason,
                Some(Reason::Malformed) | Some(Reason::UnsupportedAlgorithm)
            ),
            "{bad}: {v:?}"
        );
    }
}

#[test]
fn a_credential_from_the_future_is_not_yet_valid() {
    let ring = ring();
    let jwt = issued(&ring).jwt;
    let v = vc_jwt::verify(&jwt, &ring, ISSUED - time::Duration::hours(1));
    assert_eq!(v.reason, Some(Reason::NotYetValid));
    // A minute of clock skew between instances is tolerated.
    assert!(vc_jwt::verify(&jwt, &ring, ISSUED - time::Duration::seconds(30)).valid);
}

#[test]
fn an_expired_credential_fails() {
    let ring = ring();
    let mut credential = issued(&ring).credential;
    credential["validUntil"] = json!("2026-01-01T00:00:00Z");
    let jwt = vc_jwt::sign(&ring, &base(), credential).unwrap().jwt;
    assert!(vc_jwt::verify(&jwt, &ring, ISSUED).valid);
    assert_eq!(
        vc_jwt::verify(&jwt, &ring, LATER).reason,
        Some(Reason::Expired)
    );
}

#[test]
fn credentials_signed_before_a_rotation_still_verify() {
    let mut ring = ring();
    let before = issued(&ring);
    ring.rotate(&mut rng(2), LATER).unwrap();
    let after = issued(&ring);
    assert_ne!(before.kid, after.kid);
    assert!(vc_jwt::verify(&before.jwt, &ring, LATER).valid);
    assert!(vc_jwt::verify(&after.jwt, &ring, LATER).valid);
    assert_eq!(ring.jwks(&base())["keys"].as_array().unwrap().len(), 2);
}

#[test]
fn credentials_signed_with_a_retired_key_fail_and_say_why() {
    let mut ring = ring();
    let old = issued(&ring);
    let retired = ring
        .retire(&old.kid, "máy chủ cũ bị lộ khóa", &mut rng(3), LATER)
        .unwrap();
    assert_eq!(retired.kid, old.kid);
    let v = vc_jwt::verify(&old.jwt, &ring, LATER);
    assert!(!v.valid);
    assert_eq!(v.reason, Some(Reason::KeyRetired));
    assert_eq!(v.kid, Some(old.kid.clone()));
    // The ring moved to a new key, which signs and verifies.
    let fresh = issued(&ring);
    assert_ne!(fresh.kid, old.kid);
    assert!(vc_jwt::verify(&fresh.jwt, &ring, LATER).valid);
    // The retired key is no longer published anywhere.
    let jwks = ring.jwks(&base());
    assert!(jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| !k["kid"].as_str().unwrap().ends_with(&old.kid)));
    assert_eq!(ring.jwk(&old.kid, &base()), None);
}

#[test]
fn a_forgery_under_a_retired_kid_is_a_bad_signature_not_a_retired_key() {
    let mut ring = ring();
    let old = issued(&ring);
    ring.retire(&old.kid, "lộ khóa", &mut rng(3), LATER)
        .unwrap();
    let (h, _, s) = split(&old.jwt);
    let forged = format!("{h}.{}.{s}", encode(&json!({"iss": "x"})));
    assert_eq!(
        vc_jwt::verify(&forged, &ring, LATER).reason,
        Some(Reason::BadSignature)
    );
}

#[test]
fn the_server_marks_a_revoked_certificate() {
    let ring = ring();
    let v = vc_jwt::verify(&issued(&ring).jwt, &ring, LATER).revoked();
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        json!({ "valid": false, "reason": "revoked" })
    );
    assert_eq!(Reason::Revoked.key(), "revoked");
}
