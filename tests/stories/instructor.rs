use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::json;

#[actix_web::test]
async fn instructors_read_item_statistics_that_match_the_attempts() -> TestResult {
    let app = TestApp::spawn().await?;
    // Per question: (learners who had it, learners who got it right).
    let mut expected: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for i in 0..5 {
        let token = app.learner(&format!("hoc.vien{i}")).await?;
        let me = app.user_id(&token).await?;
        let attempt = app
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(&token),
                json!({}),
            )
            .await
            .json();
        let id = attempt["attempt_id"].as_str().ok_or("id")?.to_owned();
        let right = i < 3;
        for q in attempt["questions"].as_array().ok_or("questions")? {
            let e = expected
                .entry(q["id"].as_str().unwrap_or("").to_owned())
                .or_default();
            e.0 += 1;
            e.1 += usize::from(right);
        }
        let answers = if right {
            app.key_for(&id, me).await?
        } else {
            BTreeMap::new()
        };
        app.post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": answers}),
        )
        .await;
    }
    let learner = app.login("hoc.vien0", "mat-khau-dai").await?;
    let path = "/api/v1/instructor/courses/thu-nghiem/quizzes/kiem-tra/statistics";
    assert_eq!(
        app.get(path, Some(&learner)).await.status,
        StatusCode::FORBIDDEN
    );

    let admin = app.admin("giang.vien").await?;
    let stats = app.get(path, Some(&admin)).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let stats = stats.json();
    for s in stats.as_array().ok_or("list")? {
        let id = s["id"].as_str().ok_or("id")?;
        let (had, right) = expected[id];
        assert_eq!(s["attempts"], had, "{id}");
        let facility = s["facility"].as_f64().ok_or("facility")?;
        assert!(
            (facility - 100.0 * right as f64 / had as f64).abs() < 1e-6,
            "{id}: {facility}"
        );
    }
    assert_eq!(stats.as_array().map(Vec::len), Some(expected.len()));
    let csv = app
        .get(&format!("{path}?format=csv"), Some(&admin))
        .await
        .text();
    assert!(csv.starts_with("question_id,attempts,facility,"));
    Ok(())
}

#[actix_web::test]
async fn the_import_page_reports_problems_with_their_lines() -> TestResult {
    let app = TestApp::spawn().await?;
    app.admin("giang.vien").await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[
            ("username", "giang.vien"),
            ("password", "mat-khau-quan-tri"),
        ],
    )
    .await;
    assert_eq!(app.page("/instructor").await.status, StatusCode::OK);
    app.page("/instructor/import").await;
    let bad = app
        .submit_form(
            "/instructor/import",
            &[
                ("from", "gift"),
                ("text", "Câu một{=a ~b}\n\nCâu hai {=x ~y"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("line 3"), "{}", bad.text());
    let good = app
        .submit_form(
            "/instructor/import",
            &[
                ("from", "gift"),
                ("text", "// [id:q1]\nThủ đô của Việt Nam?{=Hà Nội ~Huế}"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::OK);
    assert!(good.text().contains("single_choice"));
    Ok(())
}

#[actix_web::test]
async fn an_instructor_imports_a_moodle_export_with_images_and_gets_gift_and_the_media_files(
) -> TestResult {
    let app = TestApp::spawn().await?;
    app.admin("giang.vien").await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[
            ("username", "giang.vien"),
            ("password", "mat-khau-quan-tri"),
        ],
    )
    .await;
    app.page("/instructor/import").await;
    // Moodle's own export: two true/false questions with JPEGs in texts and feedback. Pasted, it
    // is larger than the site's usual form limit.
    let export = std::fs::read_to_string(
        hocvuso_stories::workspace_root().join("tests/fixtures/moodle-xml/truefalse.xml"),
    )?;
    let reply = app
        .submit_form(
            "/instructor/import",
            &[("from", "moodle-xml"), ("text", &export)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Tera escapes `/` in what it prints.
    let page = reply.text().replace("&#x2F;", "/");
    // The GIFT points at the course's media folder, and the files are offered for it.
    assert!(
        page.contains("media/logo.jpg"),
        "no media reference in the page"
    );
    // The pasted export is echoed back in its field; what the page gives back starts after it.
    let output = page.split("id=\"gift\"").nth(1).ok_or("no GIFT output")?;
    assert!(!output.contains("@@PLUGINFILE@@"));
    for name in ["logo.jpg", "infos.jpg", "thumbdown.jpg", "thumbup.jpg"] {
        assert!(
            page.contains(&format!("download=\"{name}\"")),
            "{name} not offered"
        );
    }
    assert!(page.contains("data:image/jpeg;base64,/9j/"));
    Ok(())
}

#[actix_web::test]
async fn an_essay_waits_for_an_instructor_and_then_passes() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/tu-luan/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    assert_eq!(attempt["questions"][0]["type"], "essay");
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let r = app.post(&format!("/api/v1/attempts/{id}/submit"), Some(&token), json!({"answers": {"q-essay": "Tôi dùng một câu dài làm mật khẩu và bật xác thực hai bước."}})).await.json();
    assert_eq!(r["pending_grading"], true);
    assert_eq!(r["passed"], false);
    assert_eq!(
        app.get(&format!("/api/v1/attempts/{id}"), Some(&token))
            .await
            .json()["state"],
        "submitted"
    );

    let admin = app.admin("giang.vien").await?;
    let queue = app
        .get("/api/v1/instructor/essays", Some(&admin))
        .await
        .json();
    assert_eq!(queue[0]["attempt_id"], id);
    assert_eq!(
        queue[0]["answer"],
        "Tôi dùng một câu dài làm mật khẩu và bật xác thực hai bước."
    );
    assert!(
        !queue.to_string().contains("ba.lan"),
        "the grader does not see who wrote it"
    );
    assert_eq!(
        app.get("/api/v1/instructor/essays", Some(&token))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let missing = app
        .post(
            &format!("/api/v1/instructor/attempts/{id}/grade"),
            Some(&admin),
            json!({"grades": {}}),
        )
        .await;
    assert_eq!(missing.json()["error"], "essays_ungraded");
    let graded = app
        .post(
            &format!("/api/v1/instructor/attempts/{id}/grade"),
            Some(&admin),
            json!({"grades": {"q-essay": {"fraction": 0.8, "comment": "Tốt."}}}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let after = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(after["state"], "graded");
    assert_eq!(after["result"]["score_percent"], 80.0);
    assert_eq!(after["result"]["passed"], true);
    let again = app
        .post(
            &format!("/api/v1/instructor/attempts/{id}/grade"),
            Some(&admin),
            json!({"grades": {"q-essay": {"fraction": 1.0}}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "graded once");
    Ok(())
}
