//! A learner's weekly goal (issue #13): set in lessons or minutes per week through the API or a
//! page without JavaScript, shown with this week's progress on the "Học tiếp" card and in
//! `GET /api/v1/me/next`; the week runs Monday to Sunday in Vietnam's time and starts afresh;
//! bad goals are refused with a clear message and nothing saved; the goal is part of "my data"
//! and can be removed.

use actix_web::http::{Method, StatusCode};
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, t, t_with, TestApp, TestResult};
use serde_json::{json, Value};

/// Sunday 13 December 2026, 22:00 in Vietnam (15:00 UTC): the last hours of a week.
const SUNDAY_EVENING: time::OffsetDateTime = time::macros::datetime!(2026-12-13 15:00 UTC);

async fn complete(app: &TestApp, token: &str, course: &str, lesson: &str) {
    let r = app
        .post(
            &format!("/api/v1/courses/{course}/lessons/{lesson}/complete"),
            Some(token),
            json!({}),
        )
        .await;
    assert!(r.status.is_success(), "{course}/{lesson}: {}", r.text());
}

async fn goal_of(app: &TestApp, token: &str) -> Value {
    let next = app.get("/api/v1/me/next", Some(token)).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text());
    next.json()["goal"].clone()
}

async fn put_goal(app: &TestApp, token: &str, body: Value) -> hocvuso_stories::Reply {
    app.api(Method::PUT, "/api/v1/me/goal", Some(token), Some(body))
        .await
}

#[actix_web::test]
async fn a_weekly_goal_in_lessons_counts_this_weeks_lessons_and_starts_afresh_on_monday(
) -> TestResult {
    let (clock, hand) = Clock::settable(SUNDAY_EVENING);
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let token = app.learner("chi-mai").await?;
    assert_eq!(goal_of(&app, &token).await, Value::Null, "no goal yet");
    let missing = app.get("/api/v1/me/goal", Some(&token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let set = put_goal(&app, &token, json!({"kind": "lessons", "target": 2})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let set = set.json();
    assert_eq!(set["done"], 0);
    assert_eq!(set["percent"], 0);
    assert_eq!(set["reached"], false);
    assert_eq!(set["week_start"], "2026-12-07", "Monday, Vietnam's time");
    assert_eq!(set["week_end"], "2026-12-13");

    complete(&app, &token, "thu-nghiem", "mat-khau").await;
    // Reading the same lesson again is not a second lesson.
    complete(&app, &token, "thu-nghiem", "mat-khau").await;
    let goal = goal_of(&app, &token).await;
    assert_eq!(goal["done"], 1, "{goal}");
    assert_eq!(goal["percent"], 50);
    assert_eq!(goal["reached"], false);
    assert_eq!(
        goal["summary"],
        t_with("goal.summary_lessons", &[("done", "1"), ("target", "2")])
    );

    complete(&app, &token, "thu-nghiem", "ma-otp").await;
    let goal = app.get("/api/v1/me/goal", Some(&token)).await.json();
    assert_eq!(goal["done"], 2);
    assert_eq!(goal["percent"], 100);
    assert_eq!(goal["reached"], true);

    // 23:59 on Sunday in Vietnam is still this week; 00:00 on Monday is a new one. (Signed
    // in again each time: the moved clock may outlive the session.)
    hand.advance(time::Duration::minutes(119));
    let token = app.login("chi-mai", "mat-khau-dai").await?;
    assert_eq!(goal_of(&app, &token).await["done"], 2);
    hand.advance(time::Duration::minutes(1));
    let token = app.login("chi-mai", "mat-khau-dai").await?;
    let monday = goal_of(&app, &token).await;
    assert_eq!(monday["done"], 0, "a new week starts afresh: {monday}");
    assert_eq!(monday["reached"], false);
    assert_eq!(monday["week_start"], "2026-12-14");
    assert_eq!(monday["target"], 2, "the goal itself stays");

    // Half past midnight on Monday in Vietnam is still Sunday in UTC (17:30): a lesson read
    // then counts for the new week (the bounds are compared in UTC, as the times are stored).
    hand.advance(time::Duration::minutes(30));
    let early = app.learner("chi-lan").await?;
    let set = put_goal(&app, &early, json!({"kind": "lessons", "target": 2})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    complete(&app, &early, "thu-nghiem", "mat-khau").await;
    let goal = goal_of(&app, &early).await;
    assert_eq!(goal["done"], 1, "a lesson read at 00:30 on Monday: {goal}");
    assert_eq!(goal["week_start"], "2026-12-14");
    Ok(())
}

#[actix_web::test]
async fn a_weekly_goal_in_minutes_adds_up_the_lessons_minutes() -> TestResult {
    let (clock, _hand) = Clock::settable(SUNDAY_EVENING);
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let token = app.learner("anh-tuan").await?;
    let catalog = app.state.catalog();
    let course = catalog.course("thu-nghiem").ok_or("course")?;
    let first = course.lesson("mat-khau").ok_or("lesson")?.minutes;
    let second = course.lesson("ma-otp").ok_or("lesson")?.minutes;
    let target = first + second - 1;
    let set = put_goal(&app, &token, json!({"kind": "minutes", "target": target})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    complete(&app, &token, "thu-nghiem", "mat-khau").await;
    let goal = goal_of(&app, &token).await;
    assert_eq!(goal["kind"], "minutes");
    assert_eq!(goal["done"], first, "{goal}");
    assert_eq!(goal["percent"], first * 100 / target);
    assert_eq!(
        goal["summary"],
        t_with(
            "goal.summary_minutes",
            &[
                ("done", &first.to_string()),
                ("target", &target.to_string())
            ]
        )
    );
    complete(&app, &token, "thu-nghiem", "ma-otp").await;
    let goal = goal_of(&app, &token).await;
    assert_eq!(goal["done"], first + second);
    assert_eq!(goal["percent"], 100, "never over 100");
    assert_eq!(goal["reached"], true);

    // Changing the kind counts the same week's lessons the new way.
    let set = put_goal(&app, &token, json!({"kind": "lessons", "target": 5})).await;
    assert_eq!(set.json()["done"], 2);
    Ok(())
}

#[actix_web::test]
async fn a_bad_weekly_goal_is_refused_with_a_message_and_nothing_saved() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ong-bay").await?;
    let unauthenticated = app.get("/api/v1/me/goal", None).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    let ok = put_goal(&app, &token, json!({"kind": "lessons", "target": 3})).await;
    assert_eq!(ok.status, StatusCode::OK);
    for bad in [
        json!({"kind": "hours", "target": 3}),
        json!({"kind": "lessons", "target": 0}),
        json!({"kind": "lessons", "target": 51}),
        json!({"kind": "minutes", "target": 4}),
        json!({"kind": "minutes", "target": 1201}),
        json!({"kind": "lessons", "target": -3}),
        json!({"kind": "", "target": 3}),
    ] {
        let r = put_goal(&app, &token, bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert_eq!(r.json()["error"], "goal_invalid");
        assert_eq!(r.json()["message"], t("errors.goal_invalid"));
    }
    for malformed in [
        json!({"kind": "lessons", "target": "ba"}),
        json!({"kind": "lessons"}),
        json!({"kind": "lessons", "target": 3_000_000_000_i64}),
    ] {
        let r = put_goal(&app, &token, malformed.clone()).await;
        assert!(r.status.is_client_error(), "{malformed}: {}", r.status);
    }
    let kept = app.get("/api/v1/me/goal", Some(&token)).await.json();
    assert_eq!(kept["kind"], "lessons");
    assert_eq!(kept["target"], 3, "nothing half-written");

    // The goal is part of what the platform holds about the learner, and can be removed.
    let data = app.get("/api/v1/me/data", Some(&token)).await;
    assert_eq!(data.status, StatusCode::OK, "{}", data.text());
    assert!(data.text().contains("weekly_goal"), "{}", data.text());
    let removed = app
        .api(Method::DELETE, "/api/v1/me/goal", Some(&token), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me/goal", Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(goal_of(&app, &token).await, Value::Null);
    Ok(())
}

#[actix_web::test]
async fn a_learner_sets_a_weekly_goal_on_a_page_and_sees_it_on_the_next_step_card() -> TestResult {
    let (clock, _hand) = Clock::settable(SUNDAY_EVENING);
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let r = app.register("co-hoa", "citizen").await;
    assert_eq!(r.status, StatusCode::CREATED);
    app.sign_in_browser("co-hoa").await?;

    let card = app.page("/courses").await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(
        card.text().contains(r#"<div id="weekly-goal">"#),
        "the card offers a goal"
    );
    let form = app.page("/muc-tieu").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(hocvuso_stories::needs_no_script(&form.text()));
    assert!(form.text().contains(r#"id="goal-form""#));

    // Words instead of a number: the form again, with the message and what was typed.
    let bad = app
        .submit_form("/muc-tieu", &[("kind", "lessons"), ("target", "<b>ba</b>")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let text = bad.text();
    assert!(text.contains(r#"data-error="goal_invalid""#), "{text}");
    assert!(text.contains("&lt;b&gt;ba&lt;&#x2F;b&gt;") || text.contains("&lt;b&gt;ba&lt;/b&gt;"));
    assert!(!text.contains("<b>ba</b>"), "nothing reflected unescaped");
    assert!(text.contains(r#"aria-invalid="true""#));
    assert!(!app.page("/courses").await.text().contains("data-target="));

    let saved = app
        .submit_form("/muc-tieu", &[("kind", "lessons"), ("target", "2")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location().as_deref(), Some("/muc-tieu?saved=1"));
    let done = app.page("/muc-tieu?saved=1").await.text();
    assert!(done.contains(r#"id="goal-saved""#));
    assert!(done.contains(r#"data-done="0" data-target="2" data-kind="lessons""#));

    // A lesson read through the page counts on the card.
    app.page("/courses/thu-nghiem/lessons/mat-khau").await;
    let read = app
        .submit_form("/courses/thu-nghiem/lessons/mat-khau/complete", &[])
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.text());
    let card = app.page("/courses").await.text();
    assert!(
        card.contains(r#"data-done="1" data-target="2" data-kind="lessons""#),
        "{card}"
    );
    assert!(card.contains(&t_with(
        "goal.summary_lessons",
        &[("done", "1"), ("target", "2")]
    )));
    assert!(card.contains(r#"<progress class="meter" max="100" value="50""#));

    // Removing it leaves the card with the offer again.
    let removed = app.submit_form("/muc-tieu", &[("remove", "1")]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let card = app.page("/courses").await.text();
    assert!(!card.contains("data-target="));
    assert!(
        card.contains(r#"<div id="weekly-goal">"#),
        "the offer again"
    );
    Ok(())
}
