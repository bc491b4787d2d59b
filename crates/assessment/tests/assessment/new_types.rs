//! Ordering, hotspot and the short-answer options, walked through as a learner would.

use std::collections::BTreeMap;

use hocvuso_assessment::grading;
use hocvuso_assessment::model::{
    OrderingGrading, Place, Question, QuestionKind, Region, Text, TextAnswer,
};
use hocvuso_assessment::paper::{self, DrawRule, Paper, PresentedQuestion};
use serde_json::{json, Value};

use crate::support::rng;

fn question(id: &str, kind: QuestionKind) -> Question {
    Question {
        id: Some(id.into()),
        tags: vec![],
        title: None,
        category: None,
        text: Text::moodle("?"),
        general_feedback: None,
        kind,
        line: 1,
    }
}

pub fn ordering(grading: OrderingGrading) -> Question {
    question(
        "order",
        QuestionKind::Ordering {
            items: ["A", "B", "C", "D"].map(Text::moodle).to_vec(),
            grading,
        },
    )
}

pub fn hotspot() -> Question {
    question(
        "qr",
        QuestionKind::Hotspot {
            image: "media/zalo.png".into(),
            width: 360,
            height: 640,
            alt: "Màn hình chính của Zalo".into(),
            regions: vec![
                Region::Rect {
                    x: 300,
                    y: 20,
                    w: 40,
                    h: 40,
                },
                Region::Circle {
                    cx: 180,
                    cy: 600,
                    r: 20,
                },
            ],
            places: Vec::new(),
        },
    )
}

/// The same question with named places to choose instead of tapping.
fn hotspot_with_places() -> Question {
    let mut q = hotspot();
    if let QuestionKind::Hotspot { places, .. } = &mut q.kind {
        *places = vec![
            Place {
                label: "Ô tìm kiếm".into(),
                x: 100,
                y: 40,
            },
            Place {
                label: "Biểu tượng mã QR".into(),
                x: 320,
                y: 40,
            },
        ];
    }
    q
}

#[test]
fn a_named_place_is_graded_as_a_tap_on_its_point_and_shows_only_its_label() {
    let attempt = Attempt::start(vec![hotspot_with_places()], 1);
    assert_eq!(attempt.grade("qr", json!({"place": 1})).unwrap(), 1.0);
    assert_eq!(attempt.grade("qr", json!({"place": 0})).unwrap(), 0.0);
    assert!(attempt.grade("qr", json!({"place": 2})).is_err());
    assert!(attempt.grade("qr", json!({"place": "x"})).is_err());
    let image = attempt.shown[0].image.as_ref().unwrap();
    assert_eq!(image.places, vec!["Ô tìm kiếm", "Biểu tượng mã QR"]);
    let json = serde_json::to_string(&attempt.shown).unwrap();
    assert!(!json.contains("320") && !json.contains("region"), "{json}");
    let key = grading::answer_key(&attempt.paper, &attempt.bank);
    assert_eq!(key["qr"], json!({"place": 1}));
}

fn short(answers: &[&str], case_sensitive: bool, ignore_diacritics: bool) -> Question {
    question(
        "short",
        QuestionKind::ShortAnswer {
            answers: answers
                .iter()
                .map(|a| TextAnswer {
                    text: (*a).into(),
                    fraction: 1.0,
                    feedback: None,
                })
                .collect(),
            case_sensitive,
            ignore_diacritics,
        },
    )
}

struct Attempt {
    bank: Vec<Question>,
    paper: Paper,
    shown: Vec<PresentedQuestion>,
}

impl Attempt {
    fn start(bank: Vec<Question>, seed: u64) -> Self {
        let rule = DrawRule {
            count: bank.len(),
            tags: vec![],
            shuffle: false,
        };
        let paper = paper::draw(&bank, &rule, &mut rng(seed)).unwrap();
        let shown = paper::present(&paper, &bank);
        Self { bank, paper, shown }
    }

    fn grade(&self, id: &str, answer: Value) -> Result<f64, grading::GradeError> {
        let answers = BTreeMap::from([(id.to_owned(), answer)]);
        let result = grading::grade(&self.paper, &self.bank, &answers)?;
        Ok(result
            .questions
            .iter()
            .find(|q| q.id == id)
            .unwrap()
            .fraction)
    }

    /// The attempt's ids of the ordering items with these texts, in this order.
    fn order(&self, texts: &[&str]) -> Value {
        let shown = self.shown.iter().find(|q| q.r#type == "ordering").unwrap();
        Value::Array(
            texts
                .iter()
                .map(|t| json!(shown.options.iter().find(|o| o.text.text == *t).unwrap().id))
                .collect(),
        )
    }
}

#[test]
fn ordering_items_are_shown_shuffled_under_attempt_ids() {
    let mut orders = std::collections::HashSet::new();
    for seed in 0..20 {
        let attempt = Attempt::start(vec![ordering(OrderingGrading::default())], seed);
        let shown = &attempt.shown[0];
        assert_eq!(shown.r#type, "ordering");
        assert!(shown.left.is_empty() && shown.image.is_none());
        let texts: Vec<&str> = shown.options.iter().map(|o| o.text.text.as_str()).collect();
        orders.insert(texts.join(""));
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ["A", "B", "C", "D"]);
        assert!(shown.options.iter().all(|o| o.id.len() == 8));
    }
    // Shuffled even when the quiz does not shuffle: the authored order is the key.
    assert!(orders.len() > 5, "{orders:?}");
}

#[test]
fn each_ordering_grading_type_marks_as_moodle_does() {
    // The learner swaps the first two items: B A C D. The arithmetic, item by item, is in
    // FORMAT.md; here only the results.
    let cases = [
        (OrderingGrading::AllOrNothing, 0.0),
        (OrderingGrading::AbsolutePosition, 2.0 / 4.0),
        // A and B are one place off: 2 + 2 + 3 + 3 of 4 × 3.
        (OrderingGrading::RelativeToCorrect, 10.0 / 12.0),
        // Key pairs A→B, B→C, C→D; only C→D kept.
        (OrderingGrading::RelativeNextExcludeLast, 1.0 / 3.0),
        // ...and D→(nothing) too.
        (OrderingGrading::RelativeNextIncludeLast, 2.0 / 4.0),
        // C keeps its next, D its previous and its (absent) next.
        (OrderingGrading::RelativeOnePreviousAndNext, 3.0 / 8.0),
        // A keeps {C, D} after it, B {C, D}, C {A, B} and {D}, D {A, B, C}.
        (OrderingGrading::RelativeAllPreviousAndNext, 10.0 / 12.0),
        // A C D (or B C D) is in order.
        (OrderingGrading::LongestOrderedSubset, 3.0 / 4.0),
        // B C D have consecutive places.
        (OrderingGrading::LongestContiguousSubset, 3.0 / 4.0),
    ];
    for (grading, expected) in cases {
        let attempt = Attempt::start(vec![ordering(grading)], 7);
        let fraction = attempt
            .grade("order", attempt.order(&["B", "A", "C", "D"]))
            .unwrap();
        assert!(
            (fraction - expected).abs() < 1e-9,
            "{grading:?}: {fraction}"
        );
        let right = attempt
            .grade("order", attempt.order(&["A", "B", "C", "D"]))
            .unwrap();
        assert_eq!(right, 1.0, "{grading:?}");
    }
}

#[test]
fn a_contiguous_subset_needs_consecutive_places() {
    // A C B D: A B and C D are runs of consecutive places (2 of 4); A C D is in order (3 of 4).
    let contiguous = Attempt::start(vec![ordering(OrderingGrading::LongestContiguousSubset)], 1);
    let answer = contiguous.order(&["A", "C", "B", "D"]);
    assert_eq!(contiguous.grade("order", answer.clone()).unwrap(), 0.5);
    let ordered = Attempt::start(vec![ordering(OrderingGrading::LongestOrderedSubset)], 1);
    let answer = ordered.order(&["A", "C", "B", "D"]);
    assert_eq!(ordered.grade("order", answer).unwrap(), 0.75);
}

#[test]
fn placing_only_some_items_cannot_earn_full_marks() {
    let attempt = Attempt::start(vec![ordering(OrderingGrading::LongestOrderedSubset)], 3);
    assert_eq!(
        attempt.grade("order", attempt.order(&["A", "B"])).unwrap(),
        0.5
    );
    let attempt = Attempt::start(vec![ordering(OrderingGrading::RelativeToCorrect)], 3);
    assert_eq!(attempt.grade("order", json!([])).unwrap(), 0.0);
}

#[test]
fn a_malformed_ordering_answer_is_refused() {
    let attempt = Attempt::start(vec![ordering(OrderingGrading::default())], 3);
    let twice = attempt.order(&["A", "A"]);
    assert!(attempt.grade("order", twice).is_err());
    assert!(attempt.grade("order", json!(["nope"])).is_err());
    assert!(attempt.grade("order", json!("A")).is_err());
    assert!(attempt.grade("order", json!([1, 2])).is_err());
}

#[test]
fn a_hotspot_shows_the_image_but_never_the_regions() {
    let attempt = Attempt::start(vec![hotspot()], 1);
    let shown = &attempt.shown[0];
    assert_eq!(shown.r#type, "hotspot");
    assert!(shown.options.is_empty());
    let image = shown.image.as_ref().unwrap();
    assert_eq!(
        (image.src.as_str(), image.width, image.height),
        ("media/zalo.png", 360, 640)
    );
    let json = serde_json::to_string(&attempt.shown).unwrap();
    assert!(!json.contains("300") && !json.contains("region"), "{json}");
}

#[test]
fn a_tap_inside_any_region_is_right_and_edges_count() {
    let attempt = Attempt::start(vec![hotspot()], 1);
    let tap = |x: Value, y: Value| attempt.grade("qr", json!({"x": x, "y": y}));
    assert_eq!(tap(json!(320), json!(40)).unwrap(), 1.0);
    assert_eq!(tap(json!(300), json!(60)).unwrap(), 1.0);
    assert_eq!(tap(json!(180.5), json!(619.9)).unwrap(), 1.0);
    assert_eq!(tap(json!("320"), json!("40,5")).unwrap(), 1.0);
    assert_eq!(tap(json!(299), json!(40)).unwrap(), 0.0);
    assert_eq!(tap(json!(195), json!(615)).unwrap(), 0.0);
    assert_eq!(tap(json!(-5), json!(10_000)).unwrap(), 0.0);
    assert!(attempt.grade("qr", json!({"x": 1})).is_err());
    assert!(attempt.grade("qr", json!([1, 2])).is_err());
    assert!(tap(json!("a"), json!(1)).is_err());
    assert_eq!(attempt.grade("qr", Value::Null).unwrap(), 0.0);
}

#[test]
fn the_key_of_ordering_and_hotspot_questions_scores_full_marks() {
    for seed in 0..10 {
        let attempt = Attempt::start(
            vec![ordering(OrderingGrading::AllOrNothing), hotspot()],
            seed,
        );
        let key = grading::answer_key(&attempt.paper, &attempt.bank);
        let result = grading::grade(&attempt.paper, &attempt.bank, &key).unwrap();
        assert_eq!(result.score_percent, 100.0);
    }
}

#[test]
fn short_answers_ignore_case_by_default_and_diacritics_when_asked() {
    let attempt = Attempt::start(vec![short(&["VNeID"], false, false)], 1);
    assert_eq!(attempt.grade("short", json!("vneid")).unwrap(), 1.0);
    assert_eq!(attempt.grade("short", json!(" VNEID ")).unwrap(), 1.0);

    let plain = Attempt::start(vec![short(&["đăng ký"], false, false)], 1);
    assert_eq!(plain.grade("short", json!("Đăng Ký")).unwrap(), 1.0);
    assert_eq!(plain.grade("short", json!("dang ky")).unwrap(), 0.0);

    let folded = Attempt::start(vec![short(&["đăng ký"], false, true)], 1);
    assert_eq!(folded.grade("short", json!("dang ky")).unwrap(), 1.0);
    assert_eq!(folded.grade("short", json!("DANG KY")).unwrap(), 1.0);
    assert_eq!(folded.grade("short", json!("đăng ký")).unwrap(), 1.0);
    // Typed with combining marks (NFD) and the wrong tone: still the same letters.
    assert_eq!(
        folded
            .grade("short", json!("da\u{306}ng ky\u{300}"))
            .unwrap(),
        1.0
    );
    assert_eq!(folded.grade("short", json!("dang kí")).unwrap(), 0.0);

    let exact = Attempt::start(vec![short(&["York"], true, false)], 1);
    assert_eq!(exact.grade("short", json!("York")).unwrap(), 1.0);
    assert_eq!(exact.grade("short", json!("york")).unwrap(), 0.0);
}

#[test]
fn diacritics_are_stripped_the_vietnamese_way() {
    use hocvuso_assessment::grading::strip_diacritics;
    assert_eq!(
        strip_diacritics("Đăng ký tài khoản định danh điện tử"),
        "Dang ky tai khoan dinh danh dien tu"
    );
    assert_eq!(strip_diacritics("Ngân hàng"), "Ngan hang");
}

#[test]
fn new_kinds_are_auto_graded_and_named() {
    assert_eq!(ordering(OrderingGrading::default()).type_key(), "ordering");
    assert_eq!(hotspot().type_key(), "hotspot");
    assert!(ordering(OrderingGrading::default()).is_auto_graded() && hotspot().is_auto_graded());
    assert_eq!(grading::max_fraction(&hotspot()), Some(1.0));
}
