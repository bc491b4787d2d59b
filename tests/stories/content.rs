//! The bundled curriculum is valid content, and every quiz in it keeps its key on the server.

use hocvuso_stories::{copy_tree, fixture_content, workspace_root, TestApp, TestResult};
use serde_json::json;

#[test]
fn the_bundled_content_passes_the_content_check() {
    let dir = workspace_root().join("content");
    let catalog = match hocvuso_course::load(&dir) {
        Ok(c) => c,
        Err(problems) => panic!("content/ has problems:\n{problems}"),
    };
    // `hocvuso content check` also holds every bank to the item-writing rules.
    let report = hocvuso_course::item_rules::check(&catalog);
    assert!(
        report.problems.is_empty(),
        "content/ breaks the item-writing rules (docs/item-writing.md):\n{}",
        report.problems
    );
}

#[test]
fn a_lesson_source_without_a_date_is_reported_with_its_line() -> TestResult {
    let content = std::env::temp_dir().join(format!("hvs-content-{:016x}", rand::random::<u64>()));
    copy_tree(&fixture_content(), &content)?;
    let lesson = content.join("courses/thu-nghiem/lessons/01-mat-khau.md");
    let text = std::fs::read_to_string(&lesson)?.replace(
        "competences = [\"4.2\"]\n",
        "competences = [\"4.2\"]\nsources = [\n  \"Luật Giao dịch điện tử số 20/2023/QH15, ngày 22/6/2023\",\n  \"Luật An ninh mạng\",\n]\n",
    );
    std::fs::write(&lesson, text)?;
    let problems = match hocvuso_course::load(&content) {
        Ok(_) => panic!("an undated source passed the content check"),
        Err(problems) => problems.to_string(),
    };
    std::fs::remove_dir_all(&content)?;
    assert!(
        problems.contains("courses/thu-nghiem/lessons/01-mat-khau.md:7: source \"Luật An ninh mạng\" names no year"),
        "{problems}"
    );
    assert_eq!(problems.lines().count(), 1, "{problems}");
    Ok(())
}

#[test]
fn every_bundled_lesson_that_cites_a_law_lists_its_sources() {
    // A lesson that names a law, decree or circular by its number must say where it comes from.
    let catalog = hocvuso_course::load(&workspace_root().join("content")).expect("content loads");
    let numbered = |html: &str| {
        ["/QH1", "/NĐ-CP", "/TT-", "/QĐ-"]
            .iter()
            .any(|mark| html.contains(mark))
    };
    for course in catalog.courses.values() {
        for lesson in &course.lessons {
            assert!(
                !numbered(&lesson.html) || !lesson.sources.is_empty(),
                "{}/{} cites a legal document but lists no sources",
                course.id,
                lesson.id
            );
        }
    }
}

#[actix_web::test]
async fn no_quiz_in_the_bundled_content_shows_its_key_before_submission() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("kiem.tra").await?;
    let catalog = app.state.catalog().clone();
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

/// Completes one course through the API as a learner who studied: every lesson, every quiz with
/// the key, every practice task right. Returns the certificate id.
async fn complete_course(
    app: &TestApp,
    token: &str,
    me: i64,
    course_id: &str,
) -> Result<String, hocvuso_stories::Error> {
    let catalog = app.state.catalog().clone();
    let course = catalog.course(course_id).ok_or("course")?;
    for lesson in &course.lessons {
        let r = app
            .post(
                &format!("/api/v1/courses/{course_id}/lessons/{}/complete", lesson.id),
                Some(token),
                json!({}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200);
    }
    for quiz in &course.quizzes {
        let attempt = app
            .post(
                &format!("/api/v1/courses/{course_id}/quizzes/{}/attempts", quiz.id),
                Some(token),
                json!({}),
            )
            .await
            .json();
        let id = attempt["attempt_id"].as_str().ok_or("attempt")?.to_owned();
        let key = app.key_for(&id, me).await?;
        let graded = app
            .post(
                &format!("/api/v1/attempts/{id}/submit"),
                Some(token),
                json!({"answers": key}),
            )
            .await
            .json();
        assert_eq!(
            graded["score_percent"], 100.0,
            "{course_id}/{}: {graded}",
            quiz.id
        );
    }
    // A course that requires its practice tasks is complete only with them.
    app.pass_tasks(token, course_id).await?;
    let detail = app
        .get(&format!("/api/v1/courses/{course_id}"), Some(token))
        .await
        .json();
    assert_eq!(detail["completed"], true, "{course_id} is not complete");
    Ok(detail["certificate_id"]
        .as_str()
        .ok_or("certificate")?
        .to_owned())
}

#[actix_web::test]
async fn every_groups_path_can_be_completed_end_to_end() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let catalog = app.state.catalog().clone();
    for group in &catalog.groups {
        assert!(!group.path.is_empty(), "{} has no path", group.id);
        let username = format!("lo-trinh-{}", group.id);
        let r = app
            .post("/api/v1/auth/register", None, json!({"username": username, "password": "mat-khau-dai", "display_name": "Người học", "group": group.id}))
            .await;
        assert_eq!(r.status.as_u16(), 201);
        let token = app.login(&username, "mat-khau-dai").await?;
        let me = app.user_id(&token).await?;
        let listed: Vec<String> = app
            .get("/api/v1/courses", Some(&token))
            .await
            .json()
            .as_array()
            .ok_or("courses")?
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            &listed[..group.path.len()],
            &group.path[..],
            "{}: the catalog starts with the path",
            group.id
        );
        for course_id in &group.path {
            complete_course(&app, &token, me, course_id).await?;
        }
        let certificates = app
            .get("/api/v1/me/certificates", Some(&token))
            .await
            .json();
        // One per course, and the path's, earned by the final quiz on the way.
        assert_eq!(
            certificates.as_array().map(Vec::len),
            Some(group.path.len() + 1),
            "{}",
            group.id
        );
        let path = certificates
            .as_array()
            .and_then(|l| l.iter().find(|c| c["kind"] == "path"))
            .ok_or("a path certificate")?;
        assert_eq!(path["group_id"], group.id.as_str());
    }
    Ok(())
}

#[test]
fn every_teaching_course_meets_the_curriculum_minimums() {
    let catalog = hocvuso_course::load(&workspace_root().join("content")).expect("content loads");
    assert!(catalog.courses.len() >= 16, "at least 16 courses");
    let mut types = std::collections::BTreeSet::new();
    for course in catalog.courses.values() {
        // Review courses (every quiz draws from other courses) are exams, not teaching courses.
        if course.is_review() {
            continue;
        }
        assert!(
            course.lessons.len() >= 4,
            "{}: fewer than 4 lessons",
            course.id
        );
        assert!(
            course.bank.len() >= 20,
            "{}: fewer than 20 questions",
            course.id
        );
        for lesson in &course.lessons {
            assert!(
                lesson.words >= 250,
                "{}/{}: {} words",
                course.id,
                lesson.id,
                lesson.words
            );
            assert!(
                (5..=10).contains(&lesson.minutes),
                "{}/{}: {} minutes",
                course.id,
                lesson.id,
                lesson.minutes
            );
            assert!(
                lesson.html.contains(">Ghi nhớ</h2>"),
                "{}/{}: no Ghi nhớ section",
                course.id,
                lesson.id
            );
        }
        for q in &course.bank {
            types.insert(q.type_key());
            assert!(
                q.tags.iter().any(|t| t.starts_with("competence-")),
                "{}/{:?}: no competence tag",
                course.id,
                q.id
            );
            assert!(
                q.tags.iter().any(|t| t.starts_with("level-")),
                "{}/{:?}: no level tag",
                course.id,
                q.id
            );
        }
    }
    assert!(types.len() >= 4, "at least 4 question types: {types:?}");
}

/// Every item-writing rule (`docs/item-writing.md`) fires on `tests/fixtures/bad-banks`, a folder
/// written wrong on purpose, at the file and line of the offending question (or, for a rule about
/// the whole bank, at the bank file with the questions listed).
#[test]
fn each_item_writing_rule_fires_on_a_bad_bank_at_its_line() {
    let dir = workspace_root().join("tests/fixtures/bad-banks");
    // The folder itself is valid content (an essay quiz without draw_courses counts its essays):
    // only the item-writing rules object to it.
    let catalog = match hocvuso_course::load(&dir) {
        Ok(c) => c,
        Err(problems) => panic!("bad-banks must load:\n{problems}"),
    };
    let report = hocvuso_course::item_rules::check(&catalog);
    let found: std::collections::BTreeSet<String> = report
        .problems
        .iter()
        .map(|p| {
            let rule = p
                .message
                .split_once(']')
                .map_or("", |(head, _)| head.trim_start_matches('['));
            match p.line {
                Some(line) => format!("{}:{line} {rule}", p.file.display()),
                None => format!("{} {rule}", p.file.display()),
            }
        })
        .collect();
    let gift = "courses/hong/questions.gift";
    let expected: std::collections::BTreeSet<String> = [
        format!("{gift} longest"),
        format!("{gift} true-share"),
        format!("{gift} longer-set"),
        format!("{gift} correct-count"),
        format!("{gift}:25 banned-option"),
        format!("{gift}:32 absurd-option"),
        format!("{gift}:39 duplicate-stem"),
        format!("{gift}:46 duplicate-stem"),
        format!("{gift}:52 waiver"),
        format!("{gift}:60 waiver"),
        format!("{gift}:66 waiver"),
        format!("{gift}:76 duplicate-stem"),
        format!("{gift}:79 negative-weight"),
        format!("{gift}:87 stem-marker"),
        format!("{gift}:95 all-correct"),
        format!("{gift}:95 negative-weight"),
        format!("{gift}:109 essay"),
        "courses/hong/questions.toml:3 waiver".into(),
        "courses/hong/questions.toml:5 waiver".into(),
        "courses/hong-nua/questions.gift:2 duplicate-stem".into(),
        "courses/hong/course.toml:15 shuffle".into(),
        "courses/on-tap/course.toml:10 placement".into(),
    ]
    .into_iter()
    .collect();
    assert_eq!(found, expected, "\n{}", report.problems);
    // Bank-level problems name the questions involved, with their lines.
    let text = report.problems.to_string();
    assert!(
        text.contains("h-01 (line 4), h-02 (line 11), h-03 (line 18)"),
        "{text}"
    );
    assert!(
        text.contains("h-10 (line 67), h-11 (line 70), h-12 (line 73)"),
        "{text}"
    );
    assert!(text.contains("h-14 (line 79), h-17 (line 101)"), "{text}");
    // The clean courses of the folder are not blamed.
    assert!(!text.contains("courses/tu-luan/"), "{text}");
    // Stats count what the rules saw: the two waived questions leave the longest-option share,
    // and only waivers with a reason count as used.
    let hong = report
        .banks
        .iter()
        .find(|b| b.course == "hong")
        .expect("hong's bank");
    assert_eq!((hong.single_choice, hong.correct_longest), (7, 3));
    assert_eq!((hong.true_false, hong.true_answers), (4, 1));
    assert_eq!((hong.multiple_answer, hong.longer_set), (4, 2));
    assert_eq!(hong.waivers.get("waive-longest"), Some(&1));
    assert_eq!(hong.problems, 20);
}

#[actix_web::test]
async fn a_catalog_replaced_while_serving_is_what_the_next_request_sees() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("an.nguyen").await?;
    // A request that took its snapshot before the publish keeps the content it started with.
    let before = app.state.catalog();
    let mut next = (*before).clone();
    let course = next
        .courses
        .get_mut("thu-nghiem")
        .ok_or("fixture course thu-nghiem")?;
    course.title = "Khóa học đã được sửa".into();
    app.state.catalogs.replace(next);

    let r = app.get("/api/v1/courses/thu-nghiem", Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["title"], json!("Khóa học đã được sửa"));
    assert_ne!(
        before.course("thu-nghiem").map(|c| c.title.as_str()),
        Some("Khóa học đã được sửa"),
        "a snapshot taken before the publish is not changed by it"
    );
    Ok(())
}
