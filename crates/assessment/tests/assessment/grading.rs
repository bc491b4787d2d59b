//! Marking attempts, walked through as a learner would: draw, look at what is shown, answer.

use std::collections::BTreeMap;

use hocvuso_assessment::grading::{self, AttemptResult, GradeError, QuestionResult};
use hocvuso_assessment::model::{Question, Text};
use hocvuso_assessment::paper::{self, DrawRule, Paper, PresentedQuestion};
use serde_json::{json, Value};

use crate::support::{bank, parse_ok, rng};

struct Attempt {
    bank: Vec<Question>,
    paper: Paper,
    shown: Vec<PresentedQuestion>,
}

impl Attempt {
    fn start(seed: u64) -> Self {
        Self::start_with(bank(), seed)
    }

    fn start_with(bank: Vec<Question>, seed: u64) -> Self {
        let count = paper::eligible(&bank, &[]).len();
        let rule = DrawRule {
            count,
            tags: vec![],
            shuffle: true,
        };
        let paper = paper::draw(&bank, &rule, &mut rng(seed)).unwrap();
        let shown = paper::present(&paper, &bank);
        Self { bank, paper, shown }
    }

    fn question(&self, id: &str) -> &PresentedQuestion {
        self.shown.iter().find(|q| q.id == id).unwrap()
    }

    /// The id the attempt gave to the option (or matching answer) showing `text`.
    fn option(&self, id: &str, text: &str) -> Value {
        let q = self.question(id);
        let option = q.options.iter().find(|o| o.text.text == text).unwrap();
        json!(option.id)
    }

    fn item(&self, id: &str, text: &str) -> String {
        let q = self.question(id);
        q.left
            .iter()
            .find(|o| o.text.text == text)
            .unwrap()
            .id
            .clone()
    }

    fn submit(&self, answers: Value) -> Result<AttemptResult, GradeError> {
        let answers: BTreeMap<String, Value> = serde_json::from_value(answers).unwrap();
        grading::grade(&self.paper, &self.bank, &answers)
    }

    fn result(&self, id: &str, answer: Value) -> QuestionResult {
        let graded = self.submit(json!({ id: answer })).unwrap();
        graded.questions.into_iter().find(|q| q.id == id).unwrap()
    }

    fn fraction(&self, id: &str, answer: Value) -> f64 {
        self.result(id, answer).fraction
    }
}

fn moodle(texts: &[&str]) -> Vec<Text> {
    texts.iter().map(|t| Text::moodle(*t)).collect()
}

#[test]
fn a_wrong_option_scores_zero() {
    let attempt = Attempt::start(1);
    let result = attempt.result("single", json!([attempt.option("single", "Huế")]));
    assert_eq!(result.fraction, 0.0);
    assert!(!result.correct);
    assert_eq!(result.feedback, moodle(&["Sai, đó là cố đô"]));
}

#[test]
fn the_right_option_scores_full_marks_with_its_feedback() {
    let attempt = Attempt::start(1);
    let result = attempt.result("single", json!([attempt.option("single", "Hà Nội")]));
    assert_eq!(result.fraction, 1.0);
    assert!(result.correct);
    assert_eq!(result.feedback, moodle(&["Đúng"]));
}

#[test]
fn a_negative_single_choice_counts_as_zero() {
    let attempt = Attempt::start(1);
    assert_eq!(
        attempt.fraction("single", json!([attempt.option("single", "Đà Nẵng")])),
        0.0
    );
}

#[test]
fn a_bare_option_id_is_taken_as_a_list_of_one() {
    let attempt = Attempt::start(1);
    assert_eq!(
        attempt.fraction("single", attempt.option("single", "Hà Nội")),
        1.0
    );
}

#[test]
fn two_options_for_a_single_choice_question_are_refused() {
    let attempt = Attempt::start(1);
    let two = json!([
        attempt.option("single", "Hà Nội"),
        attempt.option("single", "Huế")
    ]);
    assert!(matches!(
        attempt.submit(json!({ "single": two })),
        Err(GradeError::BadAnswer { .. })
    ));
}

#[test]
fn multiple_answers_add_up_and_wrong_ticks_cancel_right_ones() {
    let attempt = Attempt::start(2);
    let pick = |texts: &[&str]| {
        let ids: Vec<Value> = texts.iter().map(|t| attempt.option("multi", t)).collect();
        attempt.fraction("multi", Value::Array(ids))
    };
    assert_eq!(pick(&["yellow", "off-beige"]), 1.0);
    assert_eq!(pick(&["yellow"]), 0.5);
    assert_eq!(pick(&["yellow", "off-beige", "red"]), 0.0);
    assert_eq!(pick(&["red", "blue"]), 0.0);
    assert_eq!(pick(&[]), 0.0);
    // Ticking the same box twice counts it once.
    assert_eq!(pick(&["yellow", "yellow"]), 0.5);
    let feedback = attempt
        .result(
            "multi",
            json!([
                attempt.option("multi", "red"),
                attempt.option("multi", "yellow")
            ]),
        )
        .feedback;
    assert_eq!(feedback.len(), 2);
}

#[test]
fn true_false_gives_the_feedback_for_a_right_or_a_wrong_answer() {
    let attempt = Attempt::start(3);
    let right = attempt.result("tf", json!(true));
    assert_eq!((right.fraction, right.feedback), (1.0, moodle(&["Right."])));
    let wrong = attempt.result("tf", json!(false));
    assert_eq!(
        (wrong.fraction, wrong.feedback),
        (0.0, moodle(&["It does rise in the east."]))
    );
    assert_eq!(attempt.fraction("tf", json!("true")), 1.0);
}

#[test]
fn a_short_answer_is_compared_without_case_or_extra_blanks_and_best_answer_wins() {
    let attempt = Attempt::start(4);
    let frog = attempt.result("short", json!("  FROG "));
    assert_eq!(frog.fraction, 1.0);
    // The answer's feedback, then the general feedback.
    assert_eq!(frog.feedback, moodle(&["Good!", "Frogs, obviously."]));
    assert_eq!(attempt.fraction("short", json!("cat")), 0.5);
    let other = attempt.result("short", json!("dog"));
    assert_eq!(
        (other.fraction, other.feedback),
        (0.0, moodle(&["Completely wrong", "Frogs, obviously."]))
    );
}

#[test]
fn a_short_answer_wildcard_matches_like_moodles() {
    let bank = parse_ok(
        "// [id:w]\nCity?{=Ho Chi Minh*#Yes =%50%*Sài Gòn* =%20%5\\*}\n\n// [id:x]\nT{=a}",
    );
    let attempt = Attempt::start_with(bank, 1);
    assert_eq!(attempt.fraction("w", json!("ho chi minh city")), 1.0);
    assert_eq!(attempt.fraction("w", json!("Thành phố SÀI GÒN")), 0.5);
    // Typed with decomposed diacritics (NFD), still the same words.
    assert_eq!(attempt.fraction("w", json!("sa\u{300}i go\u{300}n")), 0.5);
    assert_eq!(attempt.fraction("w", json!("5*")), 0.2);
    assert_eq!(attempt.fraction("w", json!("55")), 0.0);
    assert_eq!(attempt.fraction("w", json!("")), 0.0);
}

#[test]
fn a_number_within_the_tolerance_or_range_scores_its_fraction() {
    let attempt = Attempt::start(5);
    assert_eq!(attempt.fraction("num", json!(3.142)), 1.0);
    assert_eq!(attempt.fraction("num", json!(3.141)), 1.0);
    assert_eq!(attempt.fraction("num", json!(3.15)), 0.5);
    assert_eq!(attempt.fraction("num", json!(3.3)), 0.0);
    assert_eq!(attempt.result("num", json!(4)).feedback, moodle(&["Wrong"]));
    assert_eq!(
        attempt.result("num", json!(3.1416)).feedback,
        moodle(&["close enough"])
    );
}

#[test]
fn a_number_typed_in_a_form_may_use_a_decimal_comma() {
    let attempt = Attempt::start(5);
    assert_eq!(attempt.fraction("num", json!("3,142")), 1.0);
    assert_eq!(attempt.fraction("num", json!(" 3.142 ")), 1.0);
    assert_eq!(attempt.fraction("num", json!("")), 0.0);
    assert!(matches!(
        attempt.submit(json!({"num": "pi"})),
        Err(GradeError::BadAnswer {
            expected: "a number",
            ..
        })
    ));
}

#[test]
fn matching_scores_the_share_of_items_matched_rightly() {
    let attempt = Attempt::start(6);
    let answer = |pairs: &[(&str, &str)]| {
        let map: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(l, r)| (attempt.item("match", l), attempt.option("match", r)))
            .collect();
        attempt.fraction("match", Value::Object(map))
    };
    assert_eq!(
        answer(&[("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo")]),
        1.0
    );
    assert_eq!(
        answer(&[("Canada", "Ottawa"), ("Italy", "Paris"), ("Japan", "Rome")]),
        1.0 / 3.0
    );
    assert_eq!(answer(&[("Canada", "Ottawa")]), 1.0 / 3.0);
    assert_eq!(answer(&[]), 0.0);
}

#[test]
fn a_missing_answer_scores_zero_and_counts_in_the_mean() {
    let attempt = Attempt::start(7);
    let result = attempt.submit(json!({"tf": true})).unwrap();
    assert_eq!(result.questions.len(), 6);
    assert!((result.score_percent - 100.0 / 6.0).abs() < 1e-9);
    let nothing = attempt.submit(json!({})).unwrap();
    assert_eq!(nothing.score_percent, 0.0);
    assert!(nothing.questions.iter().all(|q| q.fraction == 0.0));
    // null is no answer too.
    assert_eq!(attempt.fraction("num", Value::Null), 0.0);
}

#[test]
fn general_feedback_is_given_whatever_the_answer() {
    let attempt = Attempt::start(7);
    let result = attempt.submit(json!({})).unwrap();
    let short = result.questions.iter().find(|q| q.id == "short").unwrap();
    assert_eq!(short.feedback, moodle(&["Frogs, obviously."]));
}

#[test]
fn an_answer_to_a_question_not_on_the_paper_is_refused() {
    let attempt = Attempt::start(8);
    assert_eq!(
        attempt.submit(json!({"essay": "text"})),
        Err(GradeError::UnknownQuestion("essay".into()))
    );
}

#[test]
fn an_answer_of_the_wrong_json_type_is_refused() {
    let attempt = Attempt::start(8);
    for (id, answer) in [
        ("single", json!(1)),
        ("single", json!([1])),
        ("multi", json!({"a": "b"})),
        ("tf", json!(1)),
        ("tf", json!("maybe")),
        ("short", json!(["Frog"])),
        ("num", json!(true)),
        ("match", json!(["x"])),
    ] {
        let error = attempt.submit(json!({ id: answer })).unwrap_err();
        assert!(
            matches!(&error, GradeError::BadAnswer { question, .. } if question == id),
            "{id}: {error:?}"
        );
    }
    let item = attempt.item("match", "Canada");
    assert!(matches!(
        attempt.submit(json!({"match": { item: 3 }})),
        Err(GradeError::BadAnswer { .. })
    ));
}

#[test]
fn an_unknown_option_id_is_refused() {
    let attempt = Attempt::start(9);
    assert_eq!(
        attempt.submit(json!({"single": ["zzzzzzzz"]})),
        Err(GradeError::UnknownOption {
            question: "single".into(),
            option: "zzzzzzzz".into()
        })
    );
    // An option id of another question is not an option of this one.
    let elsewhere = attempt.option("multi", "red");
    assert!(matches!(
        attempt.submit(json!({ "single": [elsewhere] })),
        Err(GradeError::UnknownOption { .. })
    ));
    let item = attempt.item("match", "Canada");
    assert!(matches!(
        attempt.submit(json!({"match": {"nope": attempt.option("match", "Ottawa")}})),
        Err(GradeError::UnknownOption { .. })
    ));
    assert!(matches!(
        attempt.submit(json!({"match": { item: "nope" }})),
        Err(GradeError::UnknownOption { .. })
    ));
}

#[test]
fn the_answer_key_scores_full_marks() {
    for seed in 0..20 {
        let attempt = Attempt::start(seed);
        let key = grading::answer_key(&attempt.paper, &attempt.bank);
        let result = grading::grade(&attempt.paper, &attempt.bank, &key).unwrap();
        assert_eq!(result.score_percent, 100.0, "seed {seed}");
        assert!(result.questions.iter().all(|q| q.correct));
    }
}

#[test]
fn questions_that_vanished_from_the_bank_are_left_out_of_the_mean() {
    let attempt = Attempt::start(10);
    let mut key = grading::answer_key(&attempt.paper, &attempt.bank);
    key.insert("short".into(), json!("dog"));
    let full = grading::grade(&attempt.paper, &attempt.bank, &key).unwrap();
    assert!((full.score_percent - 500.0 / 6.0).abs() < 1e-9);
    // The author deleted the question the learner got wrong after the attempt started.
    let edited: Vec<Question> = attempt
        .bank
        .iter()
        .filter(|q| q.id.as_deref() != Some("short"))
        .cloned()
        .collect();
    let result = grading::grade(&attempt.paper, &edited, &key).unwrap();
    assert_eq!(result.questions.len(), 5);
    assert_eq!(result.score_percent, 100.0);
}

#[test]
fn an_empty_paper_scores_zero() {
    let result = grading::grade(&Paper::default(), &bank(), &BTreeMap::new()).unwrap();
    assert_eq!(result.score_percent, 0.0);
    assert!(result.questions.is_empty());
}

#[test]
fn the_result_serialises_for_the_api() {
    let attempt = Attempt::start(11);
    let result = attempt.submit(json!({"tf": true})).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert!(json["score_percent"].is_number());
    let tf = json["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "tf")
        .unwrap();
    assert_eq!(tf["correct"], true);
    assert_eq!(tf["feedback"][0]["text"], "Right.");
}

#[test]
fn max_fraction_tells_which_questions_can_be_fully_right() {
    let bank = parse_ok("A{~%50%a ~%-50%b}\n\nB{=%50%x =%20%y}\n\nC{}");
    let max: Vec<Option<f64>> = bank.iter().map(grading::max_fraction).collect();
    assert_eq!(max, [Some(0.5), Some(0.5), None]);
}

/// A paper with one essay and one single-choice question, the essay drawn as a quiz with
/// `essays = true` draws it.
fn essay_attempt() -> (Vec<Question>, Paper) {
    let bank = crate::support::parse_ok(
        "// [id:essay]\nVì sao nên bật xác thực hai bước?{}\n\n// [id:single]\nThủ đô?{=Hà Nội ~Huế}",
    );
    let rule = DrawRule {
        count: 2,
        tags: vec![],
        shuffle: false,
    };
    let paper = paper::draw_with_essays(&bank, &rule, &mut rng(3)).unwrap();
    (bank, paper)
}

fn manual(fraction: f64, comment: &str) -> grading::ManualGrade {
    grading::ManualGrade {
        fraction,
        comment: comment.into(),
    }
}

#[test]
fn only_essays_wait_for_a_person_to_grade_them() {
    let (bank, paper) = essay_attempt();
    assert_eq!(grading::graded_by_hand(&paper, &bank), vec!["essay"]);
    let plain = crate::support::bank();
    let drawn = paper::draw(
        &plain,
        &DrawRule {
            count: 2,
            tags: vec![],
            shuffle: false,
        },
        &mut rng(1),
    )
    .unwrap();
    assert!(grading::graded_by_hand(&drawn, &plain).is_empty());
}

#[test]
fn a_blank_essay_waits_for_nobody() {
    let (bank, paper) = essay_attempt();
    let mut answers = std::collections::BTreeMap::new();
    assert!(grading::awaiting_grade(&paper, &bank, &answers).is_empty());
    answers.insert("essay".to_owned(), serde_json::json!("  \n "));
    assert!(grading::awaiting_grade(&paper, &bank, &answers).is_empty());
    answers.insert(
        "essay".to_owned(),
        serde_json::json!("Tôi không chia sẻ mã OTP."),
    );
    assert_eq!(
        grading::awaiting_grade(&paper, &bank, &answers),
        vec!["essay"]
    );
}

#[test]
fn an_instructors_grade_replaces_the_essays_zero_and_the_score_is_computed_again() {
    let (bank, paper) = essay_attempt();
    let mut answers = grading::answer_key(&paper, &bank);
    answers.insert("essay".into(), json!("Vì mật khẩu có thể bị lộ."));
    let machine = grading::grade(&paper, &bank, &answers).unwrap();
    assert_eq!(machine.score_percent, 50.0, "the essay scores nothing yet");
    let grades = BTreeMap::from([("essay".to_owned(), manual(0.8, "  Tốt.  "))]);
    let graded = grading::apply_manual(&machine, &["essay"], &grades).unwrap();
    assert!((graded.score_percent - 90.0).abs() < 1e-9);
    let essay = graded.questions.iter().find(|q| q.id == "essay").unwrap();
    assert_eq!(essay.fraction, 0.8);
    assert!(!essay.correct, "0.8 is not full marks");
    assert_eq!(essay.feedback[0].text, "Tốt.");
    let full = grading::apply_manual(
        &machine,
        &["essay"],
        &BTreeMap::from([("essay".to_owned(), manual(1.0, " "))]),
    )
    .unwrap();
    let essay = full.questions.iter().find(|q| q.id == "essay").unwrap();
    assert!(essay.correct);
    assert!(essay.feedback.is_empty(), "a blank comment adds nothing");
    assert_eq!(full.score_percent, 100.0);
}

#[test]
fn manual_grades_must_cover_exactly_the_questions_waiting_for_one() {
    let (bank, paper) = essay_attempt();
    let machine = grading::grade(&paper, &bank, &BTreeMap::new()).unwrap();
    assert_eq!(
        grading::apply_manual(&machine, &["essay"], &BTreeMap::new()),
        Err(grading::ManualGradeError::Mismatch)
    );
    let extra = BTreeMap::from([
        ("essay".to_owned(), manual(1.0, "")),
        ("single".to_owned(), manual(1.0, "")),
    ]);
    assert_eq!(
        grading::apply_manual(&machine, &["essay"], &extra),
        Err(grading::ManualGradeError::Mismatch),
        "a machine-graded question cannot be graded again by hand"
    );
}

#[test]
fn a_manual_grade_outside_zero_to_one_is_refused() {
    let (bank, paper) = essay_attempt();
    let machine = grading::grade(&paper, &bank, &BTreeMap::new()).unwrap();
    for bad in [1.5, -0.1, f64::NAN, f64::INFINITY] {
        let grades = BTreeMap::from([("essay".to_owned(), manual(bad, ""))]);
        assert_eq!(
            grading::apply_manual(&machine, &["essay"], &grades),
            Err(grading::ManualGradeError::OutOfRange("essay".into())),
            "{bad}"
        );
    }
}

#[test]
fn scores_are_recorded_to_one_decimal_and_pass_at_the_quizs_percent() {
    assert_eq!(grading::rounded_score(66.666_666), 66.7);
    assert_eq!(grading::rounded_score(80.0), 80.0);
    assert!(grading::passes(80.0, 80));
    assert!(!grading::passes(79.9, 80));
}
