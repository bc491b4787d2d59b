//! Attempt behaviours and access rules: autosave and resume, practice mode, time limits,
//! cooldowns.

use actix_web::http::StatusCode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, TestApp, TestResult};
use serde_json::json;
use time::Duration;

#[actix_web::test]
async fn saved_answers_survive_a_change_of_device_and_count_at_submission() -> TestResult {
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
    let key = app.key_for(id, me).await?;
    let (first, second): (Vec<_>, Vec<_>) =
        key.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let first: serde_json::Map<String, serde_json::Value> =
        first.into_iter().map(|(_, kv)| kv).collect();
    let saved = app
        .post(
            &format!("/api/v1/attempts/{id}/answers"),
            Some(&token),
            json!({"answers": first}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());

    // Another device: a new login sees the saved answers.
    let other = app.login("ba.lan", "mat-khau-dai").await?;
    let resumed = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&other))
        .await
        .json();
    assert_eq!(
        resumed["saved_answers"].as_object().map(|m| m.len()),
        Some(first.len())
    );

    let rest: serde_json::Map<String, serde_json::Value> =
        second.into_iter().map(|(_, kv)| kv).collect();
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&other),
            json!({"answers": rest}),
        )
        .await
        .json();
    assert_eq!(
        graded["score_percent"], 100.0,
        "saved and submitted answers are graded together"
    );
    let bad = app
        .post(
            &format!("/api/v1/attempts/{id}/answers"),
            Some(&other),
            json!({"answers": {}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT);
    Ok(())
}

#[actix_web::test]
async fn practice_checks_one_question_at_once_and_never_blocks_completion() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let me = app.user_id(&token).await?;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/luyen-tap/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    assert_eq!(attempt["mode"], "practice");
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let key = app.key_for(id, me).await?;
    let (qid, answer) = key.into_iter().next().ok_or("a question")?;
    let checked = app
        .post(
            &format!("/api/v1/attempts/{id}/check"),
            Some(&token),
            json!({"question_id": qid, "answer": answer}),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text());
    assert_eq!(checked.json()["correct"], true);

    // A test-mode quiz does not check before submission.
    let test = app
        .post(
            "/api/v1/courses/on-tap/quizzes/cuoi-lo-trinh/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let tid = test["attempt_id"].as_str().ok_or("id")?;
    let refused = app
        .post(
            &format!("/api/v1/attempts/{tid}/check"),
            Some(&token),
            json!({"question_id": "q-otp", "answer": []}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["error"], "not_practice");

    // The course's progress counts only its test-mode quizzes.
    let course = app.get("/api/v1/courses/on-tap", Some(&token)).await.json();
    assert_eq!(course["quizzes"].as_array().map(Vec::len), Some(7));
    let progress = app.get("/api/v1/me/progress", Some(&token)).await.json();
    let row = progress
        .as_array()
        .ok_or("rows")?
        .iter()
        .find(|r| r["course_id"] == "on-tap")
        .ok_or("on-tap")?
        .clone();
    assert_eq!(row["quizzes_total"], 4);
    Ok(())
}

#[actix_web::test]
async fn after_the_time_limit_saved_answers_are_graded_or_the_attempt_is_refused() -> TestResult {
    let (clock, hand) = Clock::settable(time::macros::datetime!(2026-11-27 08:00 UTC));
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let token = app.learner("ba.lan").await?;
    let me = app.user_id(&token).await?;

    // grade_saved: what was saved in time counts, what comes late does not.
    let a = app
        .post(
            "/api/v1/courses/on-tap/quizzes/co-gio/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    assert!(a["deadline"].is_string());
    let id = a["attempt_id"].as_str().ok_or("id")?;
    let key = app.key_for(id, me).await?;
    let mut it = key.into_iter();
    let (q1, a1) = it.next().ok_or("q1")?;
    app.post(
        &format!("/api/v1/attempts/{id}/answers"),
        Some(&token),
        json!({"answers": {q1: a1}}),
    )
    .await;
    hand.advance(Duration::minutes(15));
    let late: serde_json::Map<_, _> = it.collect();
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": late}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let score = graded.json()["score_percent"].as_f64().ok_or("score")?;
    assert!(
        (score - 100.0 / 3.0).abs() < 0.1,
        "only the saved answer counts: {score}"
    );

    // The cooldown holds the next attempt back for 30 minutes.
    let early = app
        .post(
            "/api/v1/courses/on-tap/quizzes/co-gio/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.json()["error"], "cooldown_active");
    hand.advance(Duration::minutes(31));
    assert_eq!(
        app.post(
            "/api/v1/courses/on-tap/quizzes/co-gio/attempts",
            Some(&token),
            json!({})
        )
        .await
        .status,
        StatusCode::CREATED
    );

    // refuse: a late submission closes the attempt without a grade.
    let b = app
        .post(
            "/api/v1/courses/on-tap/quizzes/co-gio-nghiem/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let bid = b["attempt_id"].as_str().ok_or("id")?;
    let bkey = app.key_for(bid, me).await?;
    hand.advance(Duration::minutes(12));
    let refused = app
        .post(
            &format!("/api/v1/attempts/{bid}/submit"),
            Some(&token),
            json!({"answers": bkey}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["error"], "time_limit_exceeded");
    let closed = app
        .get(&format!("/api/v1/attempts/{bid}"), Some(&token))
        .await
        .json();
    assert_eq!(closed["state"], "expired");
    Ok(())
}

#[actix_web::test]
async fn the_pages_save_a_tap_and_check_a_practice_question() -> TestResult {
    let app = TestApp::spawn().await?;
    app.learner("ba.lan").await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[("username", "ba.lan"), ("password", "mat-khau-dai")],
    )
    .await;
    let start = app
        .submit_form("/courses/on-tap/quizzes/luyen-tap/start", &[])
        .await;
    let path = start.location().ok_or("attempt")?;
    let form = app.page(&path).await.text();
    assert!(form.contains(&format!("{path}/check?q=")), "a check button");
    let user = app.store.user_by_username("ba.lan").await?.ok_or("user")?;
    let id = path.trim_start_matches("/attempts/");
    let key = app.key_for(id, user.id).await?;
    let (qid, _) = key.iter().next().ok_or("question")?;
    let r = app.submit_form(&format!("{path}/check?q={qid}"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = app.page(&path).await.text();
    assert!(
        after.contains("data-result=\"wrong\""),
        "an unanswered question checks as not right"
    );
    Ok(())
}

/// A learner signed in to both the API (the token) and the pages (cookies), with the fixture's
/// placement check started: (token, user id, the attempt as the API shows it).
async fn start_fixture_placement(
    app: &TestApp,
    username: &str,
) -> Result<(String, i64, serde_json::Value), hocvuso_stories::Error> {
    let token = app.learner(username).await?;
    let me = app.user_id(&token).await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[("username", username), ("password", "mat-khau-dai")],
    )
    .await;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/dau-vao/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    Ok((token, me, attempt))
}

#[actix_web::test]
async fn a_placement_check_marks_competences_mastered_and_lessons_skippable() -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, me, attempt) = start_fixture_placement(&app, "ba.lan").await?;
    assert!(app
        .page("/courses")
        .await
        .text()
        .contains("action=\"/courses/on-tap/quizzes/dau-vao/start\""));
    // Three questions per competence of the course: 4.1 has four in the bank, 4.2 only two.
    assert_eq!(attempt["questions"].as_array().map(Vec::len), Some(5));
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    let key = app.key_for(id, me).await?;
    app.post(
        &format!("/api/v1/attempts/{id}/submit"),
        Some(&token),
        json!({"answers": key}),
    )
    .await;

    let mastery = app.get("/api/v1/me/mastery", Some(&token)).await.json();
    let mastered: Vec<&str> = mastery
        .as_array()
        .ok_or("list")?
        .iter()
        .filter(|m| m["mastered"] == true && m["by_placement"] == true)
        .filter_map(|m| m["competence"].as_str())
        .collect();
    // 4.1: three right answers are evidence. 4.2: two right answers are not.
    assert_eq!(mastered, ["4.1"]);
    let course = app.page("/courses/thu-nghiem").await.text();
    assert_eq!(course.matches(" data-skippable").count(), 1, "{course}");
    assert!(
        !app.page("/courses")
            .await
            .text()
            .contains("action=\"/courses/on-tap/quizzes/dau-vao/start\""),
        "offered once"
    );
    // The placement check never counts toward completing the course.
    let detail = app.get("/api/v1/courses/on-tap", Some(&token)).await.json();
    assert_eq!(detail["completed"], false);
    Ok(())
}

#[actix_web::test]
async fn a_placement_check_answered_mostly_wrong_shows_nothing_even_where_it_was_right(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, me, attempt) = start_fixture_placement(&app, "ong.hung").await?;
    let id = attempt["attempt_id"].as_str().ok_or("id")?;
    // Right on the three 4.1 questions, nothing on the two of 4.2: 3 of 5 is less than two
    // thirds, so the run of three is not taken as evidence.
    let catalog = app.state.catalog().clone();
    let bank = &catalog.course("thu-nghiem").ok_or("course")?.bank;
    let mut key = app.key_for(id, me).await?;
    key.retain(|qid, _| {
        bank.iter()
            .find(|q| q.id.as_deref() == Some(qid.as_str()))
            .is_some_and(|q| q.tags.iter().any(|t| t == "competence-4.1"))
    });
    assert_eq!(key.len(), 3);
    app.post(
        &format!("/api/v1/attempts/{id}/submit"),
        Some(&token),
        json!({"answers": key}),
    )
    .await;
    let mastery = app.get("/api/v1/me/mastery", Some(&token)).await.json();
    assert!(
        mastery
            .as_array()
            .ok_or("list")?
            .iter()
            .all(|m| m["mastered"] == false),
        "{mastery}"
    );
    let course = app.page("/courses/thu-nghiem").await.text();
    assert!(course.contains("Mã OTP"), "the course page: {course}");
    assert!(!course.contains(" data-skippable"));
    Ok(())
}

#[actix_web::test]
async fn a_quiz_can_draw_a_count_per_tag() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let catalog = app.state.catalog().clone();
    let bank = &catalog.course("thu-nghiem").ok_or("course")?.bank;
    for _ in 0..5 {
        let attempt = app
            .post(
                "/api/v1/courses/on-tap/quizzes/theo-the/attempts",
                Some(&token),
                json!({}),
            )
            .await
            .json();
        let mut per_tag = std::collections::BTreeMap::new();
        for q in attempt["questions"].as_array().ok_or("questions")? {
            let question = bank
                .iter()
                .find(|b| b.id.as_deref() == q["id"].as_str())
                .ok_or("in bank")?;
            for t in question
                .tags
                .iter()
                .filter(|t| t.starts_with("competence-"))
            {
                *per_tag.entry(t.clone()).or_insert(0) += 1;
            }
        }
        assert_eq!(per_tag.get("competence-4.1"), Some(&2));
        assert_eq!(per_tag.get("competence-4.2"), Some(&1));
        let id = attempt["attempt_id"].as_str().ok_or("id")?;
        app.post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": {}}),
        )
        .await;
    }
    Ok(())
}
