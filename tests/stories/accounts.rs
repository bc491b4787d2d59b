use actix_web::http::StatusCode;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::json;

#[actix_web::test]
async fn a_new_learner_is_created_with_a_consent_record() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.register("ba.lan", "citizen").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    assert_eq!(body["username"], "ba.lan");
    assert_eq!(body["group"], "citizen");
    assert_eq!(body["roles"], json!(["learner"]));
    let id = body["id"].as_i64().ok_or("id")?;
    let consents = app.store.consents(id).await?;
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].purpose, "privacy_notice");
    assert_eq!(
        consents[0].notice_version,
        hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION
    );
    Ok(())
}

#[actix_web::test]
async fn a_taken_username_is_refused_whatever_its_letter_case() -> TestResult {
    let app = TestApp::spawn().await?;
    assert_eq!(
        app.register("0912345678", "citizen").await.status,
        StatusCode::CREATED
    );
    let again = app.register("0912345678", "citizen").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["error"], "username_taken");
    assert_eq!(
        app.register("ba.lan", "citizen").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("Ba.Lan", "citizen").await.status,
        StatusCode::CONFLICT
    );
    Ok(())
}

#[actix_web::test]
async fn registration_explains_each_refusal_in_vietnamese() -> TestResult {
    let app = TestApp::spawn().await?;
    let cases = [
        (
            json!({"username": "ab", "password": "mat-khau-dai", "display_name": "A", "group": "citizen"}),
            "invalid_username",
        ),
        (
            json!({"username": "có dấu", "password": "mat-khau-dai", "display_name": "A", "group": "citizen"}),
            "invalid_username",
        ),
        (
            json!({"username": "abc", "password": "ngan", "display_name": "A", "group": "citizen"}),
            "password_too_short",
        ),
        (
            json!({"username": "abc", "password": "mat-khau-dai", "display_name": "  ", "group": "citizen"}),
            "invalid_display_name",
        ),
        (
            json!({"username": "abc", "password": "mat-khau-dai", "display_name": "A", "group": "martians"}),
            "unknown_group",
        ),
        (
            json!({"username": "abc", "password": "mat-khau-dai", "display_name": "A", "group": "citizen", "birth_year": 1800}),
            "invalid_birth_year",
        ),
        (
            json!({"username": "abc", "password": "mat-khau-dai", "display_name": "A", "group": "citizen", "birth_year": 2016}),
            "guardian_consent_required",
        ),
        (
            json!({"username": "abc", "password": "mat-khau-dai", "display_name": "A", "group": "citizen", "privacy_notice_version": "1999"}),
            "stale_privacy_notice",
        ),
    ];
    for (body, key) in cases {
        let r = app.post("/api/v1/auth/register", None, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(r.json()["error"], key, "{body}");
        let message = r.json()["message"].as_str().unwrap_or("").to_owned();
        assert!(
            !message.is_empty() && message != format!("errors.{key}"),
            "{key} has no Vietnamese message"
        );
    }
    // Nothing was written by any refused registration.
    assert_eq!(
        app.register("abc", "citizen").await.status,
        StatusCode::CREATED
    );
    Ok(())
}

#[actix_web::test]
async fn a_child_registers_with_a_guardians_consent_recorded() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app
        .post("/api/v1/auth/register", None, json!({"username": "em.an", "password": "mat-khau-dai", "display_name": "An", "group": "citizen", "birth_year": 2014, "guardian_consent": true, "guardian_contact": "0912345678"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let consents = app
        .store
        .consents(r.json()["id"].as_i64().ok_or("id")?)
        .await?;
    assert!(consents.iter().any(|c| c.purpose == "guardian"));
    Ok(())
}

#[actix_web::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() -> TestResult {
    let app = TestApp::spawn().await?;
    app.learner("ba.lan").await?;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "ba.lan", "password": "sai-mat-khau"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "ai.do", "password": "sai-mat-khau"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
    Ok(())
}

#[actix_web::test]
async fn logins_are_throttled_per_account_after_five_failures() -> TestResult {
    let app = TestApp::spawn().await?;
    app.learner("ba.lan").await?;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "ba.lan", "password": "sai-mat-khau"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while throttled: the answer says nothing about it.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "BA.LAN", "password": "mat-khau-dai"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"], "too_many_attempts");
    // Another account from the same address still logs in.
    app.learner("ong.ba").await?;
    Ok(())
}

#[actix_web::test]
async fn me_needs_a_valid_token() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["display_name"], "Người ba.lan");
    assert_eq!(
        app.get("/api/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let r = app.get("/api/v1/me", Some(&tampered)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "unauthorized");
    Ok(())
}
