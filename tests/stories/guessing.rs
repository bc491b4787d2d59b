//! Issue #11: a certificate must certify skill, not test-wiseness. A learner who knows nothing
//! plays every test-mode quiz and every placement check of the bundled `content/` through the
//! HTTP API, many times, with the habits that passed about half of all attempts on the first
//! banks; almost none of those attempts may pass. A learner who knows every answer passes them
//! all, so the rules cannot be met by making quizzes impossible; where a course requires its
//! practice tasks, right answers complete it only with the tasks done too.
//!
//! The guesser reads only what the API shows (never the key):
//! - single choice: the longest option (visible characters; the first of equals);
//! - multiple answer: the ⌈k/2⌉ longest options;
//! - true/false: "false";
//! - ordering: the order shown;
//! - matching: the answers in the order shown, one per item (item i gets answer i);
//! - hotspot: a tap in the middle of the image;
//! - short answer, numerical and essay: left empty (without knowing, there is nothing to type);
//!   an attempt left waiting for an instructor's essay grade counts as not passed.
//!
//! Papers are drawn with a fixed seed (`Settings::paper_seed`), so every run and both databases
//! see the same papers and the figures below are exact, not a lucky run. Each round is a new
//! learner (no cooldown or attempt limit applies), and each placement attempt is a new learner
//! too, because placement evidence accumulates per learner.

use std::collections::{BTreeMap, BTreeSet};

use hocvuso_course::QuizMode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{workspace_root, Error, TestApp, TestResult};
use serde_json::{json, Map, Value};

/// Attempts per quiz.
const ROUNDS: usize = 20;
const SEED: u64 = 11;
/// No quiz may pass more than this share of the guesser's attempts...
const MAX_PASS_RATE_PER_QUIZ: f64 = 0.10;
/// ...and fewer than this share overall.
const MAX_PASS_RATE_OVERALL: f64 = 0.03;

async fn bundled_app() -> Result<TestApp, Error> {
    TestApp::spawn_configured(workspace_root().join("content"), Clock::system(), |s| {
        s.paper_seed = Some(SEED);
    })
    .await
}

/// Characters a learner sees in an option's HTML: tags dropped, entities read, blanks folded.
fn visible_len(html: &str) -> usize {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .count()
}

/// Option ids of the `n` longest options, longest first; among equals, the first shown.
fn longest_options(q: &Value, n: usize) -> Vec<Value> {
    let options = q["options"].as_array().cloned().unwrap_or_default();
    let mut order: Vec<(usize, usize)> = options
        .iter()
        .enumerate()
        .map(|(i, o)| (visible_len(o["text"].as_str().unwrap_or("")), i))
        .collect();
    // Longest first, then shown order (stable sort keeps it).
    order.sort_by_key(|o| std::cmp::Reverse(o.0));
    order
        .into_iter()
        .take(n)
        .map(|(_, i)| options[i]["id"].clone())
        .collect()
}

/// The guesser's answer to one presented question, or None to leave it empty.
fn guess(q: &Value) -> Option<Value> {
    let ids = |key: &str| -> Vec<Value> {
        q[key]
            .as_array()
            .map(|a| a.iter().map(|o| o["id"].clone()).collect())
            .unwrap_or_default()
    };
    match q["type"].as_str()? {
        "single_choice" => Some(Value::Array(longest_options(q, 1))),
        "multiple_choice" => {
            let k = q["options"].as_array().map_or(0, Vec::len);
            Some(Value::Array(longest_options(q, k.div_ceil(2))))
        }
        "true_false" => Some(Value::Bool(false)),
        "ordering" => Some(Value::Array(ids("options"))),
        "matching" => {
            let answers = ids("options");
            let pairs: Map<String, Value> = ids("left")
                .into_iter()
                .zip(answers.into_iter().cycle())
                .filter_map(|(left, answer)| Some((left.as_str()?.to_owned(), answer)))
                .collect();
            Some(Value::Object(pairs))
        }
        "hotspot" => {
            let image = &q["image"];
            Some(json!({
                "x": image["width"].as_f64()? / 2.0,
                "y": image["height"].as_f64()? / 2.0,
            }))
        }
        _ => None,
    }
}

fn guesses(attempt: &Value) -> Map<String, Value> {
    attempt["questions"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .filter_map(|q| Some((q["id"].as_str()?.to_owned(), guess(q)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts an attempt; returns its id and the attempt as the API shows it.
async fn start(app: &TestApp, token: &str, course: &str, quiz: &str) -> Result<Value, Error> {
    let r = app
        .post(
            &format!("/api/v1/courses/{course}/quizzes/{quiz}/attempts"),
            Some(token),
            json!({}),
        )
        .await;
    if r.status.as_u16() != 201 {
        return Err(format!("start {course}/{quiz}: {} {}", r.status, r.text()).into());
    }
    Ok(r.json())
}

async fn submit(
    app: &TestApp,
    token: &str,
    attempt: &Value,
    answers: Value,
) -> Result<Value, Error> {
    let id = attempt["attempt_id"].as_str().ok_or("attempt id")?;
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(token),
            json!({ "answers": answers }),
        )
        .await;
    if r.status.as_u16() != 200 {
        return Err(format!("submit {id}: {} {}", r.status, r.text()).into());
    }
    Ok(r.json())
}

/// A passed test attempt: graded (not waiting for an essay grade) and passed.
fn passed(graded: &Value) -> bool {
    graded["passed"] == true && graded["pending_grading"] != true
}

/// The competences the caller has mastered, as `/me/mastery` says.
async fn mastered(app: &TestApp, token: &str) -> Result<BTreeSet<String>, Error> {
    let m = app.get("/api/v1/me/mastery", Some(token)).await.json();
    Ok(m.as_array()
        .ok_or("mastery list")?
        .iter()
        .filter(|c| c["mastered"] == true)
        .filter_map(|c| c["competence"].as_str().map(str::to_owned))
        .collect())
}

/// Lessons (course/lesson) a learner with these competences mastered may skip: those whose
/// competences are all mastered (the pages' `can_skip`).
fn skippable(app: &TestApp, mastered: &BTreeSet<String>) -> Vec<String> {
    app.state
        .catalog()
        .courses
        .values()
        .flat_map(|c| c.lessons.iter().map(move |l| (c, l)))
        .filter(|(_, l)| {
            !l.competences.is_empty() && l.competences.iter().all(|x| mastered.contains(x))
        })
        .map(|(c, l)| format!("{}/{}", c.id, l.id))
        .collect()
}

/// (course, quiz) of every quiz of a mode, in catalog order.
fn quizzes(app: &TestApp, mode: QuizMode) -> Vec<(String, String)> {
    app.state
        .catalog()
        .courses
        .values()
        .flat_map(|c| {
            c.quizzes
                .iter()
                .filter(move |q| q.mode == mode)
                .map(move |q| (c.id.clone(), q.id.clone()))
        })
        .collect()
}

/// A new learner of the group whose placement check `course/quiz` is (learners take their own
/// group's): their first placement attempt starts from no evidence at all.
async fn placement_learner(
    app: &TestApp,
    username: &str,
    course: &str,
    quiz: &str,
) -> Result<(i64, String), Error> {
    let catalog = app.state.catalog();
    let group = catalog
        .groups
        .iter()
        .find(|g| {
            g.placement
                .as_ref()
                .is_some_and(|p| p.course == course && p.quiz == quiz)
        })
        .map_or("citizen", |g| g.id.as_str());
    app.account(username, Some(group), &["learner"]).await
}

#[actix_web::test]
async fn a_guesser_passes_almost_no_quiz_and_skips_no_lesson() -> TestResult {
    let app = bundled_app().await?;
    let tests = quizzes(&app, QuizMode::Test);
    let placements = quizzes(&app, QuizMode::Placement);
    assert!(!tests.is_empty() && !placements.is_empty());
    // (course/quiz) → attempts passed.
    let mut passes: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..ROUNDS {
        let (_, token) = app
            .account(&format!("doan-mo-{round}"), Some("citizen"), &["learner"])
            .await?;
        for (course, quiz) in &tests {
            let attempt = start(&app, &token, course, quiz).await?;
            let graded = submit(&app, &token, &attempt, Value::Object(guesses(&attempt))).await?;
            *passes.entry(format!("{course}/{quiz}")).or_default() += usize::from(passed(&graded));
        }
        for (course, quiz) in &placements {
            // Placement evidence adds up per learner: each attempt is a learner's first.
            let (_, token) =
                placement_learner(&app, &format!("doan-mo-{round}-{course}"), course, quiz).await?;
            let attempt = start(&app, &token, course, quiz).await?;
            submit(&app, &token, &attempt, Value::Object(guesses(&attempt))).await?;
            let skips = skippable(&app, &mastered(&app, &token).await?);
            *passes.entry(format!("{course}/{quiz}")).or_default() +=
                usize::from(!skips.is_empty());
        }
    }
    let attempts = ROUNDS * (tests.len() + placements.len());
    let total: usize = passes.values().sum();
    let mut table = format!(
        "guesser's passes in {ROUNDS} attempts per quiz (placement: attempts that made a lesson skippable), seed {SEED}:\n"
    );
    for (quiz, n) in &passes {
        table.push_str(&format!(
            "  {quiz}: {n}/{ROUNDS} ({:.0}%)\n",
            *n as f64 * 100.0 / ROUNDS as f64
        ));
    }
    table.push_str(&format!(
        "  overall: {total}/{attempts} ({:.1}%)\n",
        total as f64 * 100.0 / attempts as f64
    ));
    eprintln!("{table}");
    let too_easy: Vec<&String> = passes
        .iter()
        .filter(|(_, n)| **n as f64 > MAX_PASS_RATE_PER_QUIZ * ROUNDS as f64)
        .map(|(q, _)| q)
        .collect();
    assert!(
        too_easy.is_empty(),
        "a guesser passes these quizzes more than {:.0}% of the time: {too_easy:?} (table above)",
        MAX_PASS_RATE_PER_QUIZ * 100.0
    );
    assert!(
        (total as f64) < MAX_PASS_RATE_OVERALL * attempts as f64,
        "a guesser passes {total} of {attempts} attempts (fewer than {:.0}% allowed; table above)",
        MAX_PASS_RATE_OVERALL * 100.0
    );
    Ok(())
}

#[actix_web::test]
async fn a_learner_who_knows_every_answer_passes_every_quiz() -> TestResult {
    let app = bundled_app().await?;
    let (me, token) = app
        .account("biet-het", Some("citizen"), &["learner"])
        .await?;
    for (course, quiz) in quizzes(&app, QuizMode::Test) {
        let attempt = start(&app, &token, &course, &quiz).await?;
        // The key comes from the server's own catalog and the stored paper, never the API.
        let key = app
            .key_for(attempt["attempt_id"].as_str().ok_or("id")?, me)
            .await?;
        let graded = submit(&app, &token, &attempt, json!(key)).await?;
        assert!(passed(&graded), "{course}/{quiz}: {graded}");
        assert_eq!(graded["score_percent"], 100.0, "{course}/{quiz}");
    }
    // Right answers are not enough where a course requires its practice tasks: with every
    // lesson read and every quiz passed, such a course waits for its tasks. Played right, they
    // complete it, and its credential lists each task as evidence.
    let catalog = app.state.catalog().clone();
    let requiring: Vec<_> = catalog
        .courses
        .values()
        .filter(|c| c.tasks_required)
        .collect();
    assert!(
        requiring.len() >= 4,
        "{} courses require tasks",
        requiring.len()
    );
    for course in requiring {
        let id = &course.id;
        for lesson in &course.lessons {
            let r = app
                .post(
                    &format!("/api/v1/courses/{id}/lessons/{}/complete", lesson.id),
                    Some(&token),
                    json!({}),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "{id}/{}", lesson.id);
        }
        let detail = app
            .get(&format!("/api/v1/courses/{id}"), Some(&token))
            .await
            .json();
        assert_eq!(
            detail["completed"], false,
            "{id} without its tasks: {detail}"
        );
        let tasks = detail["tasks"].as_array().ok_or("tasks")?;
        assert_eq!(tasks.len(), course.tasks.len(), "{id}");
        assert!(
            tasks
                .iter()
                .all(|t| t["required"] == true && t["passed"] == false),
            "{id}: {detail}"
        );
        let replies = app.pass_tasks(&token, id).await?;
        for (task, reply) in course.tasks.iter().zip(&replies) {
            assert_eq!(
                reply["attempt"]["passed"], true,
                "{id}/{}: {reply}",
                task.id
            );
            assert_eq!(reply["attempt"]["score_percent"], 100.0, "{id}/{}", task.id);
        }
        let last = replies.last().ok_or("a reply")?;
        assert_eq!(last["course_completed"], true, "{id}: {last}");
        let certificate = last["certificate_id"].as_str().ok_or("certificate")?;
        let jwt = app
            .get(
                &format!("/api/v1/certificates/{certificate}/credential"),
                None,
            )
            .await
            .text();
        let vc = crate::path_credentials::decode_with_jwks(&app, &jwt).await?;
        let evidence: Vec<&str> = vc["evidence"]
            .as_array()
            .ok_or("evidence")?
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        let titles: Vec<&str> = course.tasks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(evidence, titles, "{id}");
    }
    for (course, quiz) in quizzes(&app, QuizMode::Placement) {
        let (me, token) =
            placement_learner(&app, &format!("biet-het-{course}"), &course, &quiz).await?;
        let attempt = start(&app, &token, &course, &quiz).await?;
        let key = app
            .key_for(attempt["attempt_id"].as_str().ok_or("id")?, me)
            .await?;
        submit(&app, &token, &attempt, json!(key)).await?;
        // Every competence the check asked about often enough is shown, and its lessons may be
        // skipped.
        let catalog = app.state.catalog().clone();
        let bank = {
            let c = catalog.course(&course).ok_or("course")?;
            c.quiz_bank(c.quiz(&quiz).ok_or("quiz")?)
        };
        let mut asked: BTreeMap<String, usize> = BTreeMap::new();
        for q in attempt["questions"].as_array().ok_or("questions")? {
            let question = bank
                .iter()
                .find(|b| b.id.as_deref() == q["id"].as_str())
                .ok_or("drawn question in the bank")?;
            for c in hocvuso_assessment::mastery::competences(&question.tags) {
                *asked.entry(c).or_default() += 1;
            }
        }
        let expected: BTreeSet<String> = asked
            .into_iter()
            .filter(|(_, n)| *n >= hocvuso_course::placement::MIN_QUESTIONS_PER_COMPETENCE)
            .map(|(c, _)| c)
            .collect();
        assert!(!expected.is_empty(), "{course}/{quiz} asks too little");
        let shown = mastered(&app, &token).await?;
        assert_eq!(shown, expected, "{course}/{quiz}");
        assert!(
            !skippable(&app, &shown).is_empty(),
            "{course}/{quiz}: no lesson may be skipped"
        );
    }
    Ok(())
}
