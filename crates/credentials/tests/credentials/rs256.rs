//! RS256, when the operator chooses it: RSA keys generated, stored and reopened like Ed25519
//! keys, credentials an independent JOSE library verifies with the published JWKS, and a switch
//! of algorithm that is a rotation (what the earlier key signed keeps verifying).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hocvuso_credentials::vc_jwt;
use hocvuso_credentials::{Algorithm, KeyRing, KeyStore, Reason};
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{json, Value};

use crate::support::{base, request, ring, rng, ISSUED, LATER};

fn header(jwt: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(jwt.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Verifies `jwt` as any RS256 verifier would: the key from the JWKS by `kid`, `jsonwebtoken`.
fn verified_by_jsonwebtoken(jwt: &str, jwks: &Value) -> Value {
    let kid = header(jwt)["kid"].as_str().unwrap().to_owned();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the JWKS has the key the JWT names");
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    assert!(
        jwk.get("d").is_none() && jwk.get("p").is_none(),
        "no private part"
    );
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}

#[test]
fn an_rs256_ring_signs_credentials_an_independent_library_verifies() {
    let ring = KeyRing::generate_with(Algorithm::RS256, &mut rng(11), ISSUED).unwrap();
    let active = ring.active().unwrap();
    assert_eq!(active.algorithm, Algorithm::RS256);
    let issued = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    assert_eq!(
        header(&issued.jwt),
        json!({
            "alg": "RS256",
            "typ": "JWT",
            "kid": format!("https://hocvuso.benthanh.example.vn/keys/{}", active.kid),
        })
    );
    let jwks = ring.jwks(&base());
    let n = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(n.len() * 8, hocvuso_credentials::keys::RSA_BITS);
    let claims = verified_by_jsonwebtoken(&issued.jwt, &jwks);
    assert_eq!(claims["jti"], issued.credential["id"]);
    let v = vc_jwt::verify(&issued.jwt, &ring, LATER);
    assert!(v.valid, "{v:?}");
    assert_eq!(v.kid.as_deref(), Some(active.kid.as_str()));
    // PKCS#1 v1.5 is deterministic: the same credential signs to the same JWT (the status
    // list's ETag is the same on every instance).
    assert_eq!(
        vc_jwt::issue(&ring, &base(), &request()).unwrap().jwt,
        issued.jwt
    );
}

#[test]
fn an_rsa_key_is_stored_and_reopened_like_an_ed25519_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("keys");
    let ring = KeyStore::open_or_create_with(&dir, Algorithm::RS256, &mut rng(12), ISSUED).unwrap();
    let kid = ring.active().unwrap().kid.clone();
    let pem = dir.join(format!("{kid}.pem"));
    let text = std::fs::read_to_string(&pem).unwrap();
    assert!(
        text.starts_with("-----BEGIN PRIVATE KEY-----"),
        "PKCS#8 PEM"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pem).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("keys.json")).unwrap()).unwrap();
    assert_eq!(index["keys"][0]["alg"], "RS256");
    assert!(index["keys"][0].get("x").is_none());
    // Opened again (a restart, another instance), the same key signs what the first verifies.
    let again = KeyStore::open_or_create_with(&dir, Algorithm::EdDSA, &mut rng(13), LATER).unwrap();
    assert_eq!(again.active().unwrap().kid, kid);
    assert_eq!(again.active().unwrap().algorithm, Algorithm::RS256);
    let jwt = vc_jwt::issue(&again, &base(), &request()).unwrap().jwt;
    assert!(vc_jwt::verify(&jwt, &ring, LATER).valid);
    // A key file that is not the index's key is refused.
    let other = KeyRing::generate_with(Algorithm::RS256, &mut rng(14), ISSUED).unwrap();
    let other_dir = tmp.path().join("other");
    KeyStore::save(&other_dir, &other).unwrap();
    let other_pem = other_dir.join(format!("{}.pem", other.active().unwrap().kid));
    std::fs::remove_file(&pem).unwrap();
    std::fs::copy(&other_pem, &pem).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pem, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(matches!(
        KeyStore::open(&dir),
        Err(hocvuso_credentials::Error::KeyFile { .. })
    ));
}

#[test]
fn switching_to_rs256_is_a_rotation_and_the_jwks_carries_both() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let first = KeyStore::open_or_create(dir, &mut rng(1), ISSUED).unwrap();
    let before = vc_jwt::issue(&first, &base(), &request()).unwrap();
    assert_eq!(header(&before.jwt)["alg"], "EdDSA");
    let ring = KeyStore::rotate_to(dir, Algorithm::RS256, &mut rng(2), LATER).unwrap();
    let after = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    assert_eq!(header(&after.jwt)["alg"], "RS256");
    let jwks = ring.jwks(&base());
    let kinds: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["EdDSA", "RS256"]);
    assert!(vc_jwt::verify(&before.jwt, &ring, LATER).valid);
    assert!(vc_jwt::verify(&after.jwt, &ring, LATER).valid);
    verified_by_jsonwebtoken(&after.jwt, &jwks);
    // A plain rotation keeps the active key's algorithm.
    let ring = KeyStore::rotate(dir, &mut rng(3), LATER).unwrap();
    assert_eq!(ring.active().unwrap().algorithm, Algorithm::RS256);
    // Retiring the active RSA key makes another RSA key.
    let (ring, _) = KeyStore::retire(
        dir,
        &ring.active().unwrap().kid.clone(),
        "lộ khóa",
        &mut rng(4),
        LATER,
    )
    .unwrap();
    assert_eq!(ring.active().unwrap().algorithm, Algorithm::RS256);
    // And back: EdDSA again, everything earlier still verifying.
    let ring = KeyStore::rotate_to(dir, Algorithm::EdDSA, &mut rng(5), LATER).unwrap();
    assert!(vc_jwt::verify(&before.jwt, &ring, LATER).valid);
    assert!(vc_jwt::verify(&after.jwt, &ring, LATER).valid);
}

#[test]
fn a_jwt_must_use_its_keys_own_algorithm() {
    let mut ring = ring();
    let eddsa = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    ring.rotate_to(Algorithm::RS256, &mut rng(21), LATER)
        .unwrap();
    let rs256 = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    let swap = |jwt: &str, alg: &str| {
        let mut h = header(jwt);
        h["alg"] = json!(alg);
        let rest = jwt.split_once('.').unwrap().1;
        format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&h).unwrap())
        )
    };
    for forged in [swap(&eddsa.jwt, "RS256"), swap(&rs256.jwt, "EdDSA")] {
        assert_eq!(
            vc_jwt::verify(&forged, &ring, LATER).reason,
            Some(Reason::UnsupportedAlgorithm)
        );
    }
    // An HMAC "signature" with the public key as secret (the classic confusion) is refused.
    assert_eq!(
        vc_jwt::verify(&swap(&rs256.jwt, "HS256"), &ring, LATER).reason,
        Some(Reason::UnsupportedAlgorithm)
    );
    // A flipped bit in an RSA signature is a bad signature.
    let (input, sig) = rs256.jwt.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    sig[7] ^= 1;
    let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(
        vc_jwt::verify(&forged, &ring, LATER).reason,
        Some(Reason::BadSignature)
    );
}
