//! The bundled curriculum is valid content, and every quiz in it keeps its key on the server.

use hocvuso_stories::{workspace_root, TestApp, TestResult};
use serde_json::json;

#[test]
fn the_bundled_content_passes_the_content_check() {
    let dir = workspace_root().join("content");
    if let Err(problems) = hocvuso_course::load(&dir) {
        panic!("content/ has problems:\n{problems}");
    }
}

#[actix_web::test]
async fn no_quiz_in_the_bundled_content_shows_its_key_before_submission() -> TestResult {
    let app = TestApp::spawn_with(
        workspace_root().join("content"),
        hocvuso_server::clock::Clock::system(),
    )
    .await?;
    let token = app.learner("kiem.tra").await?;
    let catalog = app.state.catalog.clone();
    for course in catalog.courses.values() {
        for quiz in &course.quizzes {
            let r = app
                .post(
                    &format!("/api/v1/courses/{}/quizzes/{}/attempts", course.id, quiz.id),
                    Some(&token),
                    json!({}),
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                201,
                "{}/{}: {}",
                course.id,
                quiz.id,
                r.text()
            );
            let text = r.text();
            for bank_q in &course.bank {
                use hocvuso_assessment::model::QuestionKind;
                // No feedback text of any option may appear in the attempt.
                if let QuestionKind::Choice { options, .. } = &bank_q.kind {
                    for o in options {
                        if let Some(f) = &o.feedback {
                            let f = hocvuso_server::render::text_html(f);
                            assert!(
                                f.len() < 12 || !text.contains(&f),
                                "{}/{}: feedback leaked: {f}",
                                course.id,
                                quiz.id
                            );
                        }
                    }
                }
            }
            for w in ["fraction", "feedback", "\"correct\"", "weight"] {
                assert!(
                    !text.contains(w),
                    "{}/{}: {w} in attempt",
                    course.id,
                    quiz.id
                );
            }
        }
    }
    Ok(())
}
