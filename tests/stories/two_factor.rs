//! Two-factor sign-in by the API (enrol, confirm, new recovery codes, turn off), and the shared
//! secrets sealed at rest: the `totp_factors.secret` column never holds the secret, rows
//! written before sealing are sealed (at start, or when read), and codes keep working. Codes
//! are computed by the stories' own RFC 6238 (`identity::totp`), never the server's.

use actix_web::http::StatusCode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, TestApp, TestResult};
use serde_json::json;

use super::identity::{start, totp_now};

type Error = Box<dyn std::error::Error>;

fn login_body(username: &str, code: Option<&str>) -> serde_json::Value {
    json!({"username": username, "password": "mat-khau-dai", "totp_code": code})
}

/// What the database holds for the account's secret, as stored.
async fn stored_secret(app: &TestApp, user_id: i64) -> Result<String, Error> {
    Ok(app
        .store
        .totp_factor(user_id)
        .await?
        .ok_or("no factor")?
        .secret)
}

async fn user_id(app: &TestApp, username: &str) -> Result<i64, Error> {
    Ok(app
        .store
        .user_by_username(username)
        .await?
        .ok_or("no such user")?
        .id)
}

#[actix_web::test]
async fn a_learner_turns_two_factor_on_and_off_through_the_api() -> TestResult {
    let (clock, hand) = Clock::settable(start());
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let token = app.learner("lan.api").await?;
    let id = user_id(&app, "lan.api").await?;
    let t = Some(token.as_str());

    let r = app.get("/api/v1/me/totp", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.get("/api/v1/me/totp", t).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"enabled": false, "pending": false, "recovery_codes_left": 0, "required": false})
    );
    // Turning off before anything started (every code typed counts against the account's
    // ten an hour, so the story types few).
    let r = app
        .post("/api/v1/me/totp/disable", t, json!({"code": "123456"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"], "totp_not_enabled");

    // Start: the secret and its URI, once, not cached.
    let r = app.post("/api/v1/me/totp", t, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "the secret is not kept by a cache"
    );
    let secret = r.json()["secret"].as_str().ok_or("secret")?.to_owned();
    let uri = r.json()["otpauth_uri"].as_str().ok_or("uri")?.to_owned();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}&")), "{uri}");
    assert_eq!(r.json()["digits"], 6);
    assert_eq!(r.json()["period"], 30);
    let stored = stored_secret(&app, id).await?;
    assert!(
        !stored.contains(&secret),
        "the column holds the secret sealed"
    );
    let r = app.get("/api/v1/me/totp", t).await;
    assert_eq!(r.json()["pending"], true);
    assert_eq!(r.json()["enabled"], false);

    // A wrong first code: 422, nothing enabled; the right one gives ten recovery codes.
    let r = app
        .post("/api/v1/me/totp/confirm", t, json!({"code": "000000"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"], "invalid_code");
    assert!(app
        .store
        .totp_factor(id)
        .await?
        .ok_or("factor")?
        .confirmed_at
        .is_none());
    let r = app
        .post(
            "/api/v1/me/totp/confirm",
            t,
            json!({"code": totp_now(&app, &secret)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let codes: Vec<String> = serde_json::from_value(r.json()["recovery_codes"].clone())?;
    assert_eq!(codes.len(), 10);
    let r = app.get("/api/v1/me/totp", t).await;
    assert_eq!(
        r.json(),
        json!({"enabled": true, "pending": false, "recovery_codes_left": 10, "required": false})
    );
    let r = app.post("/api/v1/me/totp", t, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"], "totp_already_enabled");

    // Signing in now needs a code.
    let r = app
        .post("/api/v1/auth/login", None, login_body("lan.api", None))
        .await;
    assert_eq!(r.json()["error"], "totp_required");
    hand.advance(time::Duration::seconds(30));
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            login_body("lan.api", Some(&totp_now(&app, &secret))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // New recovery codes: a wrong code is refused; a recovery code works, and the old codes
    // stop working.
    let r = app
        .post(
            "/api/v1/me/totp/recovery-codes",
            t,
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/me/totp/recovery-codes",
            t,
            json!({"code": codes[0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let fresh: Vec<String> = serde_json::from_value(r.json()["recovery_codes"].clone())?;
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    assert_eq!(app.store.recovery_codes_left(id).await?, 10);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            login_body("lan.api", Some(&codes[1])),
        )
        .await;
    assert_eq!(
        r.json()["error"],
        "invalid_code",
        "an old code no longer works"
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            login_body("lan.api", Some(&fresh[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Off: a wrong code is refused; a right one deletes the secret and the codes.
    let r = app
        .post("/api/v1/me/totp/disable", t, json!({"code": "000000"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.totp_factor(id).await?.is_some());
    hand.advance(time::Duration::seconds(30));
    let r = app
        .post(
            "/api/v1/me/totp/disable",
            t,
            json!({"code": totp_now(&app, &secret)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert!(app.store.totp_factor(id).await?.is_none());
    assert_eq!(app.store.recovery_codes_left(id).await?, 0);
    let r = app
        .post("/api/v1/auth/login", None, login_body("lan.api", None))
        .await;
    assert_eq!(r.status, StatusCode::OK, "the password is enough again");

    // The routes are in the API's description.
    let doc = app.get("/api/openapi.json", None).await.json();
    for path in [
        "/api/v1/me/totp",
        "/api/v1/me/totp/confirm",
        "/api/v1/me/totp/recovery-codes",
        "/api/v1/me/totp/disable",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in openapi.json");
    }
    Ok(())
}

#[actix_web::test]
async fn totp_secrets_are_sealed_at_rest_and_older_rows_are_sealed_in_place() -> TestResult {
    let (clock, hand) = Clock::settable(start());
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let key_file = app.state.settings.data_dir.join("totp.key");
    // Two accounts whose factors were written before secrets were sealed: in clear.
    const CLEAR: [&str; 2] = [
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    ];
    let mut ids = Vec::new();
    for (name, secret) in ["an.cu", "binh.cu"].into_iter().zip(CLEAR) {
        app.learner(name).await?;
        let id = user_id(&app, name).await?;
        let now = app.state.clock.now();
        app.store.start_totp(id, secret, now).await?;
        assert!(app.store.confirm_totp(id, 0, &[], now).await?);
        assert_eq!(stored_secret(&app, id).await?, secret);
        ids.push(id);
    }
    assert!(
        !key_file.exists(),
        "no key before the first secret is sealed"
    );

    // The first signs in with a code: it works, and the row is sealed on the way.
    hand.advance(time::Duration::seconds(30));
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            login_body("an.cu", Some(&totp_now(&app, CLEAR[0]))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sealed = stored_secret(&app, ids[0]).await?;
    assert!(sealed.starts_with("v1:"), "{sealed}");
    assert!(!sealed.contains(CLEAR[0]));
    assert!(
        key_file.exists(),
        "the key is made on first use, in the data folder"
    );
    // What a start does: the rows left in clear are sealed, the others left alone.
    let n = hocvuso_server::app::two_factor::seal_stored_secrets(&app.state)
        .await
        .map_err(|e| e.key)?;
    assert_eq!(n, 1);
    assert_eq!(stored_secret(&app, ids[0]).await?, sealed);
    let other = stored_secret(&app, ids[1]).await?;
    assert!(
        other.starts_with("v1:") && !other.contains(CLEAR[1]),
        "{other}"
    );
    assert_eq!(
        hocvuso_server::app::two_factor::seal_stored_secrets(&app.state)
            .await
            .map_err(|e| e.key)?,
        0
    );
    // No row of the table holds a secret in clear any more.
    for id in &ids {
        let stored = stored_secret(&app, *id).await?;
        assert!(CLEAR.iter().all(|c| !stored.contains(c)));
    }

    // Both still sign in with their app's codes (a code works once: the next step's).
    hand.advance(time::Duration::seconds(30));
    for (name, secret) in [("an.cu", CLEAR[0]), ("binh.cu", CLEAR[1])] {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                login_body(name, Some(&totp_now(&app, secret))),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text());
    }
    Ok(())
}
