use hocvuso_stories::{TestApp, TestResult};

#[actix_web::test]
async fn migrations_go_down_and_up_again_cleanly() -> TestResult {
    let app = TestApp::spawn().await?;
    app.learner("ba.lan").await?;
    app.store.migrate_down_all().await?;
    app.store.migrate().await?;
    // The schema is whole again: a new account can be created and used.
    app.learner("ba.lan").await?;
    Ok(())
}

#[actix_web::test]
async fn the_health_check_answers_when_the_database_does() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, actix_web::http::StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");
    Ok(())
}

#[actix_web::test]
async fn the_openapi_description_covers_the_whole_contract() -> TestResult {
    let app = TestApp::spawn().await?;
    let doc = app.get("/api/openapi.json", None).await.json();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    for path in [
        "/healthz",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/courses",
        "/api/v1/courses/{course_id}",
        "/api/v1/courses/{course_id}/lessons/{lesson_id}",
        "/api/v1/courses/{course_id}/lessons/{lesson_id}/complete",
        "/api/v1/courses/{course_id}/quizzes/{quiz_id}/attempts",
        "/api/v1/attempts/{attempt_id}/submit",
        "/api/v1/me/progress",
        "/api/v1/me/certificates",
        "/api/v1/certificates/{id}",
        "/api/v1/admin/completions",
        "/api/v1/units",
        "/api/v1/units/{id}",
        "/api/v1/units/{id}/people",
        "/api/v1/units/{id}/members",
        "/api/v1/units/{id}/managers",
        "/api/v1/units/{id}/eligible",
        "/api/v1/people/{id}",
        "/api/v1/people/{id}/mentor",
        "/api/v1/people/{id}/activate",
        "/api/v1/households",
        "/api/v1/households/{id}/members",
        "/api/v1/dashboard",
        "/api/v1/targets",
        "/api/v1/import",
        "/api/v1/mentor/mentees",
        "/api/v1/mentor/registrations",
        "/api/v1/me/mentor",
        "/api/v1/me/attendance-code",
        "/api/v1/classes",
        "/api/v1/classes/{id}",
        "/api/v1/classes/{id}/attendance",
        "/api/v1/assignments",
        "/api/v1/assignments/{id}/overdue",
        "/api/v1/assignments/{id}/remind",
        "/api/v1/me/assignments",
        "/api/v1/me/notifications",
        "/api/v1/me/notifications/read",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is missing from the OpenAPI description"
        );
    }
    Ok(())
}
