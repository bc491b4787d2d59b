//! The invariant checks every story ends with (`TestApp`'s `Drop`, `tests/README.md`): they
//! catch what they are meant to catch, in the middle of a story and at its end.

use hocvuso_stories::{TestApp, TestResult};

use crate::units::{member, ward};

/// A ward with one learner of tổ 1 who completed the fixture course: counters, milestones and
/// a ledger entry to get wrong.
async fn ward_with_a_certificate(app: &TestApp) -> TestResult {
    let w = ward(app).await?;
    let (_, token) = app
        .account("nguoi.mot", Some("citizen"), &["learner"])
        .await?;
    member(app, &w.admin, w.to1, "nguoi.mot").await?;
    app.complete_fixture_course(&token).await?;
    Ok(())
}

#[actix_web::test]
async fn the_checks_pass_after_real_writes_and_catch_a_counter_written_behind_the_platform(
) -> TestResult {
    let app = TestApp::spawn().await?;
    ward_with_a_certificate(&app).await?;
    app.check_invariants().await?;

    app.store
        .execute_raw("UPDATE unit_stats SET value = value + 1 WHERE metric = 'members'")
        .await?;
    let e = app
        .check_invariants()
        .await
        .expect_err("an edited counter is caught");
    assert!(e.to_string().contains("rebuild"), "{e}");
    // The check rebuilt the counters: they hold again.
    app.check_invariants().await?;
    Ok(())
}

#[actix_web::test]
async fn the_checks_catch_a_ledger_that_disagrees_with_a_certificate() -> TestResult {
    let app = TestApp::spawn().await?;
    ward_with_a_certificate(&app).await?;
    app.store
        .execute_raw("UPDATE course_completions SET score_percent = 12.5")
        .await?;
    let e = app
        .check_invariants()
        .await
        .expect_err("a certificate the ledger does not back is caught");
    assert!(e.to_string().contains("ledger verify"), "{e}");
    app.tampered("the story edits a certificate to show the check catches it");
    Ok(())
}

/// A story that breaks an invariant and calls nothing fails at its end all the same.
#[actix_web::test]
#[should_panic(expected = "teardown invariant check failed")]
async fn a_story_that_calls_nothing_is_still_checked_when_it_ends() {
    let app = TestApp::spawn().await.expect("app");
    ward_with_a_certificate(&app).await.expect("ward");
    app.store
        .execute_raw("UPDATE course_completions SET score_percent = 12.5")
        .await
        .expect("edit");
}
