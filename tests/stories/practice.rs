//! Practice tasks (issue #11): played right and wrong through the API and through the pages
//! without JavaScript; a course that requires its task is not complete without it, and its
//! credential lists the task as evidence; the content check refuses a bad task with file:line.

use std::path::PathBuf;

use actix_web::http::StatusCode;
use hocvuso_stories::{
    copy_tree, fixture_content, html_escaped, t_with, workspace_root, Error, TestApp, TestResult,
};
use serde_json::{json, Value};

const TASK: &str = "tra-tien-qr";

/// A copy of the fixture content whose course `thu-nghiem` has one more file or folder.
fn fixture_with(
    add: impl FnOnce(&std::path::Path) -> std::io::Result<()>,
) -> Result<PathBuf, Error> {
    let content = std::env::temp_dir().join(format!("hvs-content-{:016x}", rand::random::<u64>()));
    copy_tree(&fixture_content(), &content)?;
    add(&content.join("courses/thu-nghiem"))?;
    Ok(content)
}

/// The fixture content where `thu-nghiem` requires its practice task (which the plain fixture
/// has but does not require).
async fn app_requiring_the_task() -> Result<TestApp, Error> {
    let content = fixture_with(|course| {
        let toml = std::fs::read_to_string(course.join("course.toml"))?.replace(
            "prerequisites = []\n",
            "prerequisites = []\ntasks_required = true\n",
        );
        std::fs::write(course.join("course.toml"), toml)
    })?;
    let app = TestApp::spawn_with(content.clone(), hocvuso_server::clock::Clock::system()).await;
    std::fs::remove_dir_all(&content)?;
    app
}

async fn start(app: &TestApp, token: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/courses/thu-nghiem/tasks/{TASK}/attempts"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn answer(app: &TestApp, token: &str, attempt: &str, step: usize, a: Value) -> Value {
    let r = app
        .post(
            &format!("/api/v1/task-attempts/{attempt}/answers"),
            Some(token),
            json!({ "step": step, "answer": a }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Lessons and quiz of `thu-nghiem` done, as a learner who studied.
async fn studied_learner(app: &TestApp, name: &str) -> Result<String, Error> {
    let token = app.learner(name).await?;
    let me = app.user_id(&token).await?;
    app.complete_course(&token, me, "thu-nghiem").await?;
    Ok(token)
}

#[actix_web::test]
async fn a_task_played_right_through_the_api_completes_the_course_that_requires_it() -> TestResult {
    let app = app_requiring_the_task().await?;
    let token = studied_learner(&app, "co.mai").await?;

    // Every lesson and quiz done, but the required task not: the course is not complete.
    let course = app
        .get("/api/v1/courses/thu-nghiem", Some(&token))
        .await
        .json();
    assert_eq!(course["completed"], false, "{course}");
    assert_eq!(course["tasks"][0]["id"], TASK);
    assert_eq!(course["tasks"][0]["required"], true);
    assert_eq!(course["tasks"][0]["passed"], false);
    // (The fixture's quiz is also the citizen path's final quiz: a path certificate, not this.)
    let certificates = app
        .get("/api/v1/me/certificates", Some(&token))
        .await
        .json();
    let course_certificates = certificates
        .as_array()
        .ok_or("certificates")?
        .iter()
        .filter(|c| c["kind"] == "course")
        .count();
    assert_eq!(course_certificates, 0, "{certificates}");

    let attempt = start(&app, &token).await;
    let id = attempt["attempt_id"]
        .as_str()
        .ok_or("attempt id")?
        .to_owned();
    let step = &attempt["step"];
    assert_eq!(step["index"], 0);
    assert_eq!(step["ask"]["kind"], "tap");
    // Widgets carry positions, never the author's ids (which could name the answer).
    assert_eq!(step["screen"][2]["position"], 2);
    assert!(!attempt.to_string().contains("quet-qr"), "{attempt}");
    // Starting again resumes the open attempt.
    assert_eq!(start(&app, &token).await["attempt_id"], id.as_str());

    // The tap step: every widget is a target; the first tap misses and gets the feedback.
    let wrong = answer(&app, &token, &id, 0, json!({ "tap": 1 })).await;
    assert_eq!(wrong["correct"], false);
    assert_eq!(wrong["feedback"], "Tìm nút “Quét mã QR”.");
    assert_eq!(wrong["attempt"]["step"]["index"], 0, "the same step again");
    let right = answer(&app, &token, &id, 0, json!({ "tap": 2 })).await;
    assert_eq!(right["correct"], true);
    assert_eq!(right["feedback"], "Quét mã giúp khỏi gõ nhầm số tài khoản.");
    assert_eq!(right["attempt"]["step"]["ask"]["kind"], "type");
    assert_eq!(right["attempt"]["step"]["ask"]["field"], 1);

    // Typed answers are normalised (dots, blanks).
    let typed = answer(&app, &token, &id, 1, json!({ "text": " 85.000 " })).await;
    assert_eq!(typed["correct"], true);
    let chosen = answer(&app, &token, &id, 2, json!({ "choice": 1 })).await;
    assert_eq!(chosen["correct"], true);
    let ask = &chosen["attempt"]["step"]["ask"];
    assert_eq!(ask["kind"], "order");
    // Shown alphabetically, not in the right order.
    assert_eq!(
        ask["options"],
        json!(["Kiểm tra tên người nhận", "Quét mã", "Xác nhận"])
    );
    let done = answer(&app, &token, &id, 3, json!({ "order": [1, 0, 2] })).await;
    assert_eq!(done["correct"], true);
    let finished = &done["attempt"];
    assert_eq!(finished["state"], "graded");
    assert!(finished["step"].is_null());
    assert_eq!(finished["first_try"], json!([false, true, true, true]));
    assert_eq!(finished["score_percent"], 75.0);
    assert_eq!(finished["passed"], true);
    assert_eq!(done["course_completed"], true, "{done}");
    let certificate = done["certificate_id"].as_str().ok_or("certificate")?;

    let course = app
        .get("/api/v1/courses/thu-nghiem", Some(&token))
        .await
        .json();
    assert_eq!(course["completed"], true);
    assert_eq!(course["tasks"][0]["passed"], true);
    let progress = app.get("/api/v1/me/progress", Some(&token)).await.json();
    let row = progress
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["course_id"] == "thu-nghiem"))
        .ok_or("progress row")?;
    assert_eq!(
        (&row["tasks_passed"], &row["tasks_total"]),
        (&json!(1), &json!(1))
    );

    // The credential names the task as evidence.
    let stored = app
        .store
        .certificate(certificate)
        .await?
        .ok_or("stored certificate")?
        .0;
    let jwt = stored.credential.ok_or("credential")?;
    let vc = crate::path_credentials::decode_with_jwks(&app, &jwt).await?;
    let evidence = &vc["evidence"];
    assert_eq!(evidence[0]["name"], "Trả tiền bằng mã QR", "{vc}");
    assert_eq!(evidence[0]["type"], json!(["Evidence"]));

    // Re-issued after its key is retired, the credential still lists the task.
    let kid = stored.kid.ok_or("kid")?;
    hocvuso_credentials::KeyStore::retire(
        &hocvuso_server::issuer::keys_dir(&app.state.settings.data_dir),
        &kid,
        "Thay khóa định kỳ",
        &mut rand::rngs::OsRng,
        app.state.clock.now(),
    )?;
    app.state.issuer.refresh();
    let reissued = hocvuso_server::app::evidence::reissue_signed_by(&app.state, &kid)
        .await
        .map_err(|e| e.key)?;
    let jwt = reissued
        .iter()
        .find(|c| c.certificate_id == certificate)
        .and_then(|c| c.credential.clone())
        .ok_or("the course credential re-issued")?;
    let vc = crate::path_credentials::decode_with_jwks(&app, &jwt).await?;
    assert_eq!(vc["evidence"][0]["name"], "Trả tiền bằng mã QR", "{vc}");

    // A finished attempt takes no more answers.
    let late = app
        .post(
            &format!("/api/v1/task-attempts/{id}/answers"),
            Some(&token),
            json!({ "step": 3, "answer": { "order": [1, 0, 2] } }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.json()["error"], "task_finished");
    Ok(())
}

#[actix_web::test]
async fn a_task_played_wrong_is_finished_but_not_passed_and_the_course_stays_incomplete(
) -> TestResult {
    let app = app_requiring_the_task().await?;
    let token = studied_learner(&app, "ba.nam").await?;
    let attempt = start(&app, &token).await;
    let id = attempt["attempt_id"]
        .as_str()
        .ok_or("attempt id")?
        .to_owned();

    // Answers that do not fit are refused and not recorded.
    let other_step = app
        .post(
            &format!("/api/v1/task-attempts/{id}/answers"),
            Some(&token),
            json!({ "step": 1, "answer": { "text": "85000" } }),
        )
        .await;
    assert_eq!(other_step.status, StatusCode::CONFLICT);
    assert_eq!(other_step.json()["error"], "not_current_step");
    let wrong_kind = app
        .post(
            &format!("/api/v1/task-attempts/{id}/answers"),
            Some(&token),
            json!({ "step": 0, "answer": { "choice": 0 } }),
        )
        .await;
    assert_eq!(wrong_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off_screen = app
        .post(
            &format!("/api/v1/task-attempts/{id}/answers"),
            Some(&token),
            json!({ "step": 0, "answer": { "tap": 9 } }),
        )
        .await;
    assert_eq!(off_screen.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Two of four steps wrong at the first try: 50% < 75%.
    answer(&app, &token, &id, 0, json!({ "tap": 2 })).await;
    let typo = answer(&app, &token, &id, 1, json!({ "text": "8500" })).await;
    assert_eq!(typo["correct"], false);
    assert_eq!(typo["feedback"], "Gõ 85000.");
    answer(&app, &token, &id, 1, json!({ "text": "85000" })).await;
    let guess = answer(&app, &token, &id, 2, json!({ "choice": 0 })).await;
    assert_eq!(
        guess["feedback"], "Không được đoán: hãy dừng lại.",
        "own feedback"
    );
    answer(&app, &token, &id, 2, json!({ "choice": 1 })).await;
    let done = answer(&app, &token, &id, 3, json!({ "order": [1, 0, 2] })).await;
    assert_eq!(done["attempt"]["state"], "graded");
    assert_eq!(done["attempt"]["score_percent"], 50.0);
    assert_eq!(done["attempt"]["passed"], false);
    assert_eq!(done["course_completed"], false);
    let course = app
        .get("/api/v1/courses/thu-nghiem", Some(&token))
        .await
        .json();
    assert_eq!(course["completed"], false);

    // A new attempt starts from the first step.
    let again = start(&app, &token).await;
    assert_ne!(again["attempt_id"], id.as_str());
    assert_eq!(again["step"]["index"], 0);

    // Someone else's attempt does not exist.
    let other = app.learner("ong.tu").await?;
    let r = app
        .get(&format!("/api/v1/task-attempts/{id}"), Some(&other))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    Ok(())
}

/// Posts a step form and follows the redirect back to the attempt page.
async fn post_step(app: &TestApp, attempt_path: &str, fields: &[(&str, &str)]) -> String {
    let r = app
        .submit_form(&format!("{attempt_path}/answer"), fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    app.page(attempt_path).await.text()
}

#[actix_web::test]
async fn a_task_is_played_in_the_pages_without_javascript() -> TestResult {
    let app = app_requiring_the_task().await?;
    studied_learner(&app, "chi.hoa").await?;
    app.page("/login").await;
    let signed_in = app
        .submit_form(
            "/login",
            &[("username", "chi.hoa"), ("password", "mat-khau-dai")],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    let course = app.page("/courses/thu-nghiem").await.text();
    assert!(course.contains(&format!("/courses/thu-nghiem/tasks/{TASK}")));
    let intro = app.page(&format!("/courses/thu-nghiem/tasks/{TASK}")).await;
    assert_eq!(intro.status, StatusCode::OK);
    assert!(intro
        .text()
        .contains(&html_escaped(&t_with("task.pass_rule", &[("pass", "75")]))));
    let started = app
        .submit_form(&format!("/courses/thu-nghiem/tasks/{TASK}/start"), &[])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let attempt_path = started.location().ok_or("redirect")?;
    assert!(attempt_path.starts_with("/task-attempts/"));

    // A tap is a submit button per widget, named by the widget's text.
    let page = app.page(&attempt_path).await.text();
    assert!(page.contains("Chạm vào chỗ để quét mã QR."));
    assert!(page.contains(r#"name="tap" value="2""#));
    assert!(
        hocvuso_stories::needs_no_script(&page),
        "no JavaScript needed"
    );

    let page = post_step(&app, &attempt_path, &[("step", "0"), ("tap", "1")]).await;
    assert!(
        page.contains(r#"data-result="wrong""#),
        "the wrong tap's feedback"
    );
    assert!(page.contains("Tìm nút “Quét mã QR”."));
    assert!(page.contains(r#"name="tap""#), "the same step again");
    let page = post_step(&app, &attempt_path, &[("step", "0"), ("tap", "2")]).await;
    assert!(page.contains(r#"data-result="right""#));
    assert!(page.contains(r#"name="text""#));
    let page = post_step(&app, &attempt_path, &[("step", "1"), ("text", "85000")]).await;
    assert!(page.contains(r#"name="choice""#));
    let page = post_step(&app, &attempt_path, &[("step", "2"), ("choice", "1")]).await;
    assert!(page.contains(r#"name="rank:0""#));

    // Two items with the same rank are refused, nothing recorded.
    let repeated = app
        .submit_form(
            &format!("{attempt_path}/answer"),
            &[
                ("step", "3"),
                ("rank:0", "1"),
                ("rank:1", "1"),
                ("rank:2", "3"),
            ],
        )
        .await;
    assert_eq!(repeated.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Shown: 0 "Kiểm tra tên người nhận", 1 "Quét mã", 2 "Xác nhận".
    let result = post_step(
        &app,
        &attempt_path,
        &[
            ("step", "3"),
            ("rank:0", "2"),
            ("rank:1", "1"),
            ("rank:2", "3"),
        ],
    )
    .await;
    assert!(
        result.contains(r#"data-result="passed" data-right="3" data-steps="4""#),
        "{result}"
    );
    assert!(result.contains("href=\"/verify/"), "the course is complete");
    Ok(())
}

#[test]
fn the_content_check_refuses_a_bad_task_with_file_and_line() -> TestResult {
    let content = fixture_with(|course| {
        std::fs::create_dir_all(course.join("tasks"))?;
        std::fs::copy(
            workspace_root().join("tests/fixtures/bad-tasks/01-thieu-gop-y.toml"),
            course.join("tasks/01-thieu-gop-y.toml"),
        )
        .map(|_| ())
    })?;
    let problems = match hocvuso_course::load(&content) {
        Ok(_) => panic!("a task without feedback passed the content check"),
        Err(problems) => problems.to_string(),
    };
    std::fs::remove_dir_all(&content)?;
    let file = "courses/thu-nghiem/tasks/01-thieu-gop-y.toml";
    assert!(
        problems.contains(&format!(
            "{file}:9: tap names \"kich-hoat\", which is not a widget id of this screen"
        )),
        "{problems}"
    );
    assert!(
        problems.contains(&format!(
            "{file}:12: a step needs feedback for a wrong answer"
        )),
        "{problems}"
    );
    Ok(())
}

#[test]
fn the_bundled_content_has_practice_tasks_for_every_group() -> TestResult {
    let catalog = hocvuso_course::load(&workspace_root().join("content"))
        .map_err(|p| format!("content/ has problems:\n{p}"))?;
    let total: usize = catalog.courses.values().map(|c| c.tasks.len()).sum();
    assert!(total >= 12, "{total} tasks");
    for group in &catalog.groups {
        let tasks: usize = group
            .path
            .iter()
            .filter_map(|c| catalog.course(c))
            .map(|c| c.tasks.len())
            .sum();
        assert!(
            tasks >= 2,
            "group {} has {tasks} tasks on its path",
            group.id
        );
        // Every group's path has a course whose certificate needs its tasks done.
        assert!(
            group
                .path
                .iter()
                .filter_map(|c| catalog.course(c))
                .any(|c| c.tasks_required && !c.tasks.is_empty()),
            "group {} has no course that requires its tasks",
            group.id
        );
    }
    Ok(())
}
