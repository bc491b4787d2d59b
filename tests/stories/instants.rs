//! Instants are kept and compared in UTC (crates/store/src/instant.rs): on SQLite an instant is
//! RFC 3339 text compared as text, so one written at Vietnam's +07:00 and one in UTC ordered
//! wrongly against each other, and an export bounded at +07:00 missed the rows it named.

use actix_web::http::StatusCode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, without_ledger_head, TestApp, TestResult};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::units::{class_day, ward};

/// The classes the instructor sees, newest start first: their places.
async fn places(app: &TestApp, token: &str) -> Result<Vec<String>, hocvuso_stories::Error> {
    let list = app.get("/api/v1/classes", Some(token)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    Ok(list
        .json()
        .as_array()
        .ok_or("classes")?
        .iter()
        .filter_map(|c| c["place"].as_str().map(str::to_owned))
        .collect())
}

#[actix_web::test]
async fn classes_sent_at_different_offsets_are_ordered_by_when_they_start() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (_, instr) = app
        .account("giang.vien", None, &["learner", "instructor"])
        .await?;
    let (_, day) = class_day(&app);
    // 08:00 in Vietnam, sent in UTC; and 07:00 in Vietnam, sent at +07:00: an hour earlier,
    // though its text sorts later.
    for (place, starts_at) in [
        ("Tám giờ", format!("{day}T01:00:00Z")),
        ("Bảy giờ", format!("{day}T07:00:00+07:00")),
    ] {
        let c = app
            .post(
                "/api/v1/classes",
                Some(&instr),
                json!({"unit_id": w.to1, "course_id": "thu-nghiem", "place": place, "starts_at": starts_at}),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    }
    assert_eq!(places(&app, &instr).await?, ["Tám giờ", "Bảy giờ"]);

    // A row written before the store kept UTC (as an older server left it at +07:00) is
    // rewritten by the migration, and the order holds.
    app.store
        .connection()
        .execute_unprepared(&format!(
            "UPDATE class_sessions SET starts_at = '{day}T07:00:00+07:00' WHERE place = 'Bảy giờ'"
        ))
        .await?;
    app.store
        .connection()
        .execute_unprepared(
            "DELETE FROM seaql_migrations WHERE version = 'm20261206_000025_instants_in_utc'",
        )
        .await?;
    app.store.migrate().await?;
    assert_eq!(places(&app, &instr).await?, ["Tám giờ", "Bảy giờ"]);
    let stored: Option<String> = app
        .store
        .connection()
        .query_one(sea_orm::Statement::from_string(
            app.store.backend(),
            "SELECT CAST(starts_at AS TEXT) FROM class_sessions WHERE place = 'Bảy giờ'",
        ))
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?;
    if hocvuso_stories::database_kind() == "sqlite" {
        assert_eq!(stored.as_deref(), Some(format!("{day}T00:00:00Z").as_str()));
    }
    Ok(())
}

#[actix_web::test]
async fn an_export_bounded_in_vietnams_time_finds_the_completions_it_names() -> TestResult {
    // 20:00 UTC on 6 December is 03:00 on 7 December in Vietnam.
    let at = time::macros::datetime!(2026-12-06 20:00 UTC);
    let app = TestApp::spawn_with(fixture_content(), Clock::fixed(at)).await?;
    let admin = app.admin("quan.tri").await?;
    let learner = app.learner("ba.lan").await?;
    app.complete_fixture_course(&learner).await?;

    let rows = |from: &str, to: &str| {
        let path = format!(
            "/api/v1/admin/completions?format=jsonl&from={}&to={}",
            from.replace('+', "%2B"),
            to.replace('+', "%2B")
        );
        let admin = admin.clone();
        let app = &app;
        async move {
            let r = app.get(&path, Some(&admin)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            without_ledger_head(&r.text()).lines().count()
        }
    };
    // 02:00 to 04:00 on 7 December in Vietnam holds the completion; 04:00 to 05:00 does not.
    assert_eq!(
        rows("2026-12-07T02:00:00+07:00", "2026-12-07T04:00:00+07:00").await,
        1
    );
    assert_eq!(
        rows("2026-12-07T04:00:00+07:00", "2026-12-07T05:00:00+07:00").await,
        0
    );
    // The same window written in UTC answers the same.
    assert_eq!(
        rows("2026-12-06T19:00:00Z", "2026-12-06T21:00:00Z").await,
        1
    );
    Ok(())
}
