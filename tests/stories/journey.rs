use actix_web::http::StatusCode;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::{json, Value};

/// Words that would give the key away if they appeared in an attempt before submission.
const KEY_WORDS: [&str; 6] = [
    "fraction", "feedback", "correct", "answer", "weight", "is_right",
];

fn assert_no_key(attempt: &Value) {
    let text = attempt.to_string();
    for w in KEY_WORDS {
        assert!(
            !text.contains(&format!("\"{w}")),
            "attempt JSON contains {w}: {text}"
        );
    }
    for q in attempt["questions"].as_array().into_iter().flatten() {
        for o in q["options"].as_array().into_iter().flatten() {
            let keys: Vec<&String> = o
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            assert_eq!(
                keys,
                vec!["id", "text"],
                "an option carries more than id and text"
            );
        }
    }
}

#[actix_web::test]
async fn a_learner_goes_from_registration_to_a_verified_certificate() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let me = app.user_id(&token).await?;

    let courses = app.get("/api/v1/courses", Some(&token)).await;
    assert_eq!(courses.status, StatusCode::OK);
    assert_eq!(courses.json()[0]["id"], "thu-nghiem");
    assert_eq!(courses.json()[0]["groups"], json!(["citizen"]));

    let course = app
        .get("/api/v1/courses/thu-nghiem", Some(&token))
        .await
        .json();
    assert_eq!(course["completed"], false);
    let lessons: Vec<String> = course["lessons"]
        .as_array()
        .ok_or("lessons")?
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(lessons, ["mat-khau", "ma-otp"]);

    for l in &lessons {
        let lesson = app
            .get(
                &format!("/api/v1/courses/thu-nghiem/lessons/{l}"),
                Some(&token),
            )
            .await;
        assert_eq!(lesson.status, StatusCode::OK);
        assert!(
            !lesson.json()["html"]
                .as_str()
                .unwrap_or("")
                .contains("<script"),
            "lesson HTML is not sanitised"
        );
        // The API gives a lesson's sources as the page does (the fixture's second lesson cites two).
        let sources = lesson.json()["sources"]
            .as_array()
            .map(Vec::len)
            .ok_or("sources")?;
        assert_eq!(sources, if l == "ma-otp" { 2 } else { 0 }, "{l}");
        let done = app
            .post(
                &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
                Some(&token),
                json!({}),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK);
        // Idempotent.
        assert_eq!(
            app.post(
                &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
                Some(&token),
                json!({})
            )
            .await
            .status,
            StatusCode::OK
        );
    }
    let course = app
        .get("/api/v1/courses/thu-nghiem", Some(&token))
        .await
        .json();
    assert_eq!(course["completed"], false, "a quiz is still to pass");

    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(attempt.status, StatusCode::CREATED, "{}", attempt.text());
    let attempt = attempt.json();
    assert_no_key(&attempt);
    assert_eq!(attempt["questions"].as_array().map(Vec::len), Some(5));
    let attempt_id = attempt["attempt_id"]
        .as_str()
        .ok_or("attempt id")?
        .to_owned();

    // Starting again resumes the same attempt instead of drawing a fresh paper.
    let again = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    assert_eq!(again["attempt_id"], attempt_id.as_str());

    let key = app.key_for(&attempt_id, me).await?;
    let graded = app
        .post(
            &format!("/api/v1/attempts/{attempt_id}/submit"),
            Some(&token),
            json!({"answers": key}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let graded = graded.json();
    assert_eq!(graded["score_percent"], 100.0);
    assert_eq!(graded["passed"], true);
    assert!(graded["questions"]
        .as_array()
        .ok_or("questions")?
        .iter()
        .all(|q| q["correct"] == true));
    let certificate = graded["certificate_id"]
        .as_str()
        .ok_or("certificate id")?
        .to_owned();

    let twice = app
        .post(
            &format!("/api/v1/attempts/{attempt_id}/submit"),
            Some(&token),
            json!({"answers": {}}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["error"], "already_submitted");

    let progress = app.get("/api/v1/me/progress", Some(&token)).await.json();
    assert_eq!(progress[0]["course_id"], "thu-nghiem");
    assert_eq!(progress[0]["lessons_completed"], 2);
    assert_eq!(progress[0]["quizzes_passed"], 1);
    assert!(progress[0]["completed_at"].is_string());

    let mine = app
        .get("/api/v1/me/certificates", Some(&token))
        .await
        .json();
    assert_eq!(mine[0]["id"], certificate.as_str());
    assert_eq!(
        mine[0]["verify_url"],
        format!("http://hocvuso.test/verify/{certificate}")
    );

    let public = app
        .get(&format!("/api/v1/certificates/{certificate}"), None)
        .await;
    assert_eq!(public.status, StatusCode::OK);
    let public = public.json();
    assert_eq!(public["valid"], true);
    assert_eq!(public["revoked"], false);
    assert_eq!(public["learner"], "Người ba.lan");
    assert_eq!(public["course"], "Khóa học thử nghiệm");
    assert!(
        public.get("username").is_none(),
        "the username is not public"
    );
    Ok(())
}

#[actix_web::test]
async fn wrong_answers_fail_and_earn_no_certificate() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    for l in ["mat-khau", "ma-otp"] {
        app.post(
            &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
            Some(&token),
            json!({}),
        )
        .await;
    }
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": {}}),
        )
        .await
        .json();
    assert_eq!(graded["score_percent"], 0.0);
    assert_eq!(graded["passed"], false);
    assert!(graded.get("certificate_id").is_none());
    assert_eq!(
        app.get("/api/v1/me/certificates", Some(&token))
            .await
            .json(),
        json!([])
    );
    Ok(())
}

#[actix_web::test]
async fn options_are_shuffled_per_attempt_and_ids_never_repeat() -> TestResult {
    let app = TestApp::spawn().await?;
    let mut orders = std::collections::BTreeSet::new();
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..3 {
        let token = app.learner(&format!("hoc.vien{i}")).await?;
        let attempt = app
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(&token),
                json!({}),
            )
            .await
            .json();
        let qs: Vec<String> = attempt["questions"]
            .as_array()
            .ok_or("qs")?
            .iter()
            .filter_map(|q| q["id"].as_str().map(str::to_owned))
            .collect();
        orders.insert(qs);
        for q in attempt["questions"].as_array().ok_or("qs")? {
            for o in q["options"].as_array().into_iter().flatten() {
                assert!(
                    ids.insert(o["id"].as_str().unwrap_or("").to_owned()),
                    "option id repeated across attempts"
                );
            }
        }
    }
    // 6 questions choose 5 and shuffle: three identical orders would be a 1-in-518400 event.
    assert!(
        orders.len() > 1,
        "every attempt got the same questions in the same order"
    );
    Ok(())
}

#[actix_web::test]
async fn another_learners_attempt_does_not_exist_for_you() -> TestResult {
    let app = TestApp::spawn().await?;
    let lan = app.learner("ba.lan").await?;
    let tu = app.learner("ong.tu").await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&lan),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let peek = app.get(&format!("/api/v1/attempts/{id}"), Some(&tu)).await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    let steal = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&tu),
            json!({"answers": {}}),
        )
        .await;
    assert_eq!(steal.status, StatusCode::NOT_FOUND);
    // The owner can still submit it.
    assert_eq!(
        app.post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&lan),
            json!({"answers": {}})
        )
        .await
        .status,
        StatusCode::OK
    );
    Ok(())
}

#[actix_web::test]
async fn the_attempt_limit_is_enforced_on_the_server() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    for _ in 0..3 {
        let a = app
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(&token),
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
        let id = a.json()["attempt_id"].as_str().ok_or("id")?.to_owned();
        app.post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": {}}),
        )
        .await;
    }
    let fourth = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(fourth.status, StatusCode::CONFLICT);
    assert_eq!(fourth.json()["error"], "attempt_limit_reached");
    Ok(())
}

#[actix_web::test]
async fn a_resumed_attempt_shows_its_result_once_graded() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let me = app.user_id(&token).await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let open = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(open["state"], "in_progress");
    assert_no_key(&open);
    let key = app.key_for(id, me).await?;
    app.post(
        &format!("/api/v1/attempts/{id}/submit"),
        Some(&token),
        json!({"answers": key}),
    )
    .await;
    let closed = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(closed["state"], "graded");
    assert_eq!(closed["result"]["score_percent"], 100.0);
    Ok(())
}

#[actix_web::test]
async fn a_final_quiz_draws_its_questions_from_the_courses_it_names() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let me = app.user_id(&token).await?;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/cuoi-lo-trinh/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(attempt.status, StatusCode::CREATED, "{}", attempt.text());
    let attempt = attempt.json();
    let bank = [
        "q-otp",
        "q-tf",
        "q-multi",
        "q-short",
        "q-match",
        "q-num",
        "q-order",
        "q-hotspot",
    ];
    for q in attempt["questions"].as_array().ok_or("questions")? {
        assert!(
            bank.contains(&q["id"].as_str().unwrap_or("")),
            "{q} is not from thu-nghiem"
        );
    }
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let key = app.key_for(id, me).await?;
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": key}),
        )
        .await
        .json();
    assert_eq!(graded["score_percent"], 100.0);
    Ok(())
}
