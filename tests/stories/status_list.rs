//! Revocation seen from outside: a verifier that has only a learner's credential follows its
//! `credentialStatus` to the signed Bitstring Status List and reads the bit. The list is
//! decoded here by hand (base64url, GZIP, bit order of the W3C spec), not by the crate that
//! wrote it.

use std::collections::HashSet;
use std::io::Read;

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hocvuso_stories::{TestApp, TestResult};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::evidence::complete;

type Error = hocvuso_stories::Error;

/// The payload of a JWT the server signed, checked against its JWKS with `jsonwebtoken`.
async fn verified(app: &TestApp, jwt: &str) -> Result<Value, Error> {
    let jwks = app.get("/.well-known/jwks.json", None).await;
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&jwks.body)?;
    let header = jsonwebtoken::decode_header(jwt)?;
    let jwk = jwks
        .find(header.kid.as_deref().ok_or("kid")?)
        .ok_or("the JWKS has the signing key")?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims = HashSet::from(["iss".to_owned(), "sub".to_owned()]);
    validation.validate_exp = false;
    Ok(jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk)?, &validation)?.claims)
}

/// A certificate's credential, verified, and the path and position its status entry names.
async fn status_of(app: &TestApp, cert: &str) -> Result<(Value, String, usize), Error> {
    let jwt = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await;
    assert_eq!(jwt.status, StatusCode::OK);
    let credential = verified(app, &jwt.text()).await?;
    let status = &credential["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let url = status["statusListCredential"].as_str().ok_or("list URL")?;
    let position: usize = status["statusListIndex"]
        .as_str()
        .ok_or("index is a string")?
        .parse()?;
    assert_eq!(status["id"], format!("{url}#{position}"));
    let path = url
        .strip_prefix(app.state.settings.public_url.trim_end_matches('/'))
        .ok_or("the list is ours")?
        .to_owned();
    Ok((credential, path, position))
}

/// A fetched status list: its ETag and its bits.
struct List {
    etag: String,
    bits: Vec<u8>,
}

impl List {
    fn is_set(&self, position: usize) -> bool {
        self.bits[position / 8] & (0x80 >> (position % 8)) != 0
    }

    fn count(&self) -> u32 {
        self.bits.iter().map(|b| b.count_ones()).sum()
    }
}

fn header_of(r: &hocvuso_stories::Reply, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn fetch_list(app: &TestApp, path: &str) -> Result<List, Error> {
    let r = app.get(path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        header_of(&r, "content-type").as_deref(),
        Some("application/vc+jwt")
    );
    assert_eq!(
        header_of(&r, "cache-control").as_deref(),
        Some("public, no-cache")
    );
    let etag = header_of(&r, "etag").ok_or("an ETag")?;
    let list = verified(app, &r.text()).await?;
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["issuer"]["id"], list["iss"]);
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    let encoded = subject["encodedList"].as_str().ok_or("encodedList")?;
    let gz = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u').ok_or("multibase u")?)?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut bits)?;
    assert!(bits.len() >= 16 * 1024, "at least 131,072 entries");
    Ok(List { etag, bits })
}

#[actix_web::test]
async fn revoking_a_certificate_flips_its_bit_in_the_signed_status_list_and_no_other() -> TestResult
{
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let other = complete(&app, "chi.mai", "Trần Thị Mai").await?;
    let learner = app.login("ba.lan", "mat-khau-dai").await?;
    // The fixture course holds the citizen group's final quiz: a path certificate too.
    let mine = app
        .get("/api/v1/me/certificates", Some(&learner))
        .await
        .json();
    let path_cert = mine
        .as_array()
        .and_then(|l| l.iter().find(|c| c["kind"] == "path"))
        .and_then(|c| c["id"].as_str())
        .ok_or("a path certificate")?
        .to_owned();

    let (credential, list_path, position) = status_of(&app, &cert).await?;
    let errors: Vec<String> = crate::credentials::schema_validator()?
        .iter_errors(&credential)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "still an OB 3.0 credential");
    let (_, other_path, other_position) = status_of(&app, &other).await?;
    let (_, path_list, path_position) = status_of(&app, &path_cert).await?;
    assert_eq!(list_path, "/credentials/status/1");
    assert_eq!((&other_path, &path_list), (&list_path, &list_path));
    let positions = HashSet::from([position, other_position, path_position]);
    assert_eq!(positions.len(), 3, "every certificate has its own bit");

    let before = fetch_list(&app, &list_path).await?;
    assert_eq!(before.count(), 0);
    let again = app
        .send(
            TestRequest::get()
                .uri(&list_path)
                .insert_header((header::IF_NONE_MATCH, before.etag.clone())),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    let admin = app.admin("quan.tri").await?;
    let revoked = app
        .post(
            &format!("/api/v1/admin/certificates/{cert}/revoke"),
            Some(&admin),
            json!({"reason": "Gian lận khi làm bài"}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    let stale = app
        .send(
            TestRequest::get()
                .uri(&list_path)
                .insert_header((header::IF_NONE_MATCH, before.etag.clone())),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
    let after = fetch_list(&app, &list_path).await?;
    assert_ne!(after.etag, before.etag);
    assert!(after.is_set(position));
    assert!(!after.is_set(other_position) && !after.is_set(path_position));
    assert_eq!(after.count(), 1);

    // A path certificate is a credential like any other.
    app.post(
        &format!("/api/v1/admin/certificates/{path_cert}/revoke"),
        Some(&admin),
        json!({"reason": "Thi hộ"}),
    )
    .await;
    let last = fetch_list(&app, &list_path).await?;
    assert!(last.is_set(position) && last.is_set(path_position));
    assert_eq!(last.count(), 2);

    // The server's own verification still says the same.
    let check = app
        .get(&format!("/api/v1/certificates/{cert}"), None)
        .await
        .json();
    assert_eq!(
        (&check["valid"], &check["revoked"]),
        (&json!(false), &json!(true))
    );
    let check = app
        .get(&format!("/api/v1/certificates/{other}"), None)
        .await
        .json();
    assert_eq!(check["valid"], true);
    Ok(())
}

#[actix_web::test]
async fn a_credential_signed_before_status_lists_gets_its_entry_when_first_served() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let (credential, list_path, _) = status_of(&app, &cert).await?;
    // The credential as it was signed before this feature: no credentialStatus.
    let mut legacy = credential.clone();
    let map = legacy.as_object_mut().ok_or("object")?;
    map.remove("credentialStatus");
    for claim in ["iss", "jti", "sub", "nbf", "iat"] {
        map.remove(claim);
    }
    let issued = hocvuso_credentials::vc_jwt::sign(
        &app.state.issuer.ring(),
        &app.state.issuer.base,
        legacy,
    )?;
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET credential = '{}' WHERE certificate_id = '{cert}'",
            issued.jwt
        ))
        .await?;
    // Revoked while its credential had no status entry: no bit could be set then.
    let admin = app.admin("quan.tri").await?;
    app.post(
        &format!("/api/v1/admin/certificates/{cert}/revoke"),
        Some(&admin),
        json!({"reason": "Gian lận khi làm bài"}),
    )
    .await;
    assert_eq!(fetch_list(&app, &list_path).await?.count(), 0);

    // Served once: re-signed with a status entry, stored, and its bit set.
    let (_, path, position) = status_of(&app, &cert).await?;
    let list = fetch_list(&app, &path).await?;
    assert!(list.is_set(position));
    assert_eq!(list.count(), 1);
    let stored = app
        .store
        .certificate(&cert)
        .await?
        .and_then(|(c, _)| c.credential)
        .ok_or("stored credential")?;
    assert!(hocvuso_credentials::status_list::index_in_jwt(&stored).is_some());
    // Served again: the same credential, not another index.
    let (_, _, again) = status_of(&app, &cert).await?;
    assert_eq!(again, position);
    Ok(())
}

#[actix_web::test]
async fn a_status_list_that_was_never_handed_out_is_not_found() -> TestResult {
    let app = TestApp::spawn().await?;
    for path in [
        "/credentials/status/0",
        "/credentials/status/2",
        "/credentials/status/abc",
        "/credentials/status/+1",
        "/credentials/status/99999999999",
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json()["error"], "unknown_status_list", "{path}");
    }
    Ok(())
}
