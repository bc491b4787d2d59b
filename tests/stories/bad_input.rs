use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::json;

#[actix_web::test]
async fn malformed_json_gets_a_json_error_with_a_stable_key() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/register")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload("{\"username\": "),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "invalid_json");
    assert!(r.json()["message"]
        .as_str()
        .is_some_and(|m| m.contains("JSON")));
    Ok(())
}

#[actix_web::test]
async fn wrong_types_and_missing_fields_are_client_errors() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": 5, "password": [], "display_name": null, "group": {}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "invalid_json_fields");
    let r = app
        .post("/api/v1/auth/login", None, json!({"username": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[actix_web::test]
async fn an_oversized_body_is_refused_before_it_is_read() -> TestResult {
    let app = TestApp::spawn().await?;
    let big = "x".repeat(200_000);
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": big, "password": "p", "display_name": "d", "group": "citizen"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"], "payload_too_large");
    Ok(())
}

#[actix_web::test]
async fn unknown_ids_are_404_with_a_json_error() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    for path in [
        "/api/v1/courses/khong-co",
        "/api/v1/courses/thu-nghiem/lessons/khong-co",
        "/api/v1/attempts/khong-co",
        "/api/v1/nothing-here",
    ] {
        let r = app.get(path, Some(&token)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json()["error"], "not_found", "{path}");
    }
    let r = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/khong-co/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/certificates/KHONGCO", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "unknown_certificate");
    Ok(())
}

#[actix_web::test]
async fn answers_of_the_wrong_shape_are_refused_and_the_attempt_stays_open() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let first = attempt["questions"][0]["id"].as_str().ok_or("qid")?;
    let cases = [
        (
            json!({"answers": {"no-such-question": true}}),
            "unknown_question",
        ),
        (
            json!({"answers": {first: [[1, 2], {"deep": null}]}}),
            "invalid_answer",
        ),
    ];
    for (body, key) in cases {
        let r = app
            .post(&format!("/api/v1/attempts/{id}/submit"), Some(&token), body)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"], key);
    }
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": "not a map"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Nothing was half-written: the attempt can still be submitted once.
    let ok = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": {}}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    Ok(())
}

#[actix_web::test]
async fn two_submissions_at_once_grade_the_attempt_once() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let path = format!("/api/v1/attempts/{id}/submit");
    let (a, b) = futures_join(
        app.post(&path, Some(&token), json!({"answers": {}})),
        app.post(&path, Some(&token), json!({"answers": {}})),
    )
    .await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    Ok(())
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}
