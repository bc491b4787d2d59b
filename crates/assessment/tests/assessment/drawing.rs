//! Drawing papers and presenting them without the key.

use std::collections::HashSet;

use hocvuso_assessment::model::TextFormat;
use hocvuso_assessment::paper::{self, DrawError, DrawRule, Paper};

use crate::support::{bank, rng};

fn rule(count: usize, tags: &[&str], shuffle: bool) -> DrawRule {
    DrawRule {
        count,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        shuffle,
    }
}

fn ids(paper: &Paper) -> Vec<&str> {
    paper.questions.iter().map(|q| q.id.as_str()).collect()
}

#[test]
fn only_graded_questions_with_an_id_are_eligible() {
    let bank = bank();
    let eligible: Vec<_> = paper::eligible(&bank, &[])
        .into_iter()
        .filter_map(|q| q.id.as_deref())
        .collect();
    assert_eq!(eligible, ["tf", "single", "multi", "short", "num", "match"]);
}

#[test]
fn tags_select_questions_carrying_any_of_them() {
    let bank = bank();
    let tags = ["safety".to_owned(), "phone".to_owned()];
    let eligible: Vec<_> = paper::eligible(&bank, &tags)
        .into_iter()
        .filter_map(|q| q.id.as_deref())
        .collect();
    assert_eq!(eligible, ["tf", "single", "multi"]);
}

#[test]
fn a_duplicated_id_is_drawn_once() {
    let mut bank = bank();
    bank.push(bank[0].clone());
    assert_eq!(paper::eligible(&bank, &[]).len(), 6);
}

#[test]
fn asking_for_more_questions_than_the_bank_has_is_an_error() {
    let error = paper::draw(&bank(), &rule(4, &["safety"], true), &mut rng(1)).unwrap_err();
    assert_eq!(
        error,
        DrawError::NotEnoughQuestions {
            wanted: 4,
            available: 2
        }
    );
    assert!(error.to_string().contains('4'));
}

#[test]
fn a_draw_never_repeats_a_question() {
    for seed in 0..50 {
        let paper = paper::draw(&bank(), &rule(4, &[], true), &mut rng(seed)).unwrap();
        let drawn = ids(&paper);
        assert_eq!(drawn.len(), 4);
        assert_eq!(drawn.iter().collect::<HashSet<_>>().len(), 4);
    }
}

#[test]
fn without_shuffle_questions_and_options_keep_the_authors_order() {
    let bank = bank();
    let paper = paper::draw(&bank, &rule(6, &[], false), &mut rng(3)).unwrap();
    assert_eq!(
        ids(&paper),
        ["tf", "single", "multi", "short", "num", "match"]
    );
    let single: Vec<usize> = paper.questions[1].options.iter().map(|o| o.index).collect();
    assert_eq!(single, [0, 1, 2]);
    let items: Vec<usize> = paper.questions[5].left.iter().map(|o| o.index).collect();
    assert_eq!(items, [0, 1, 2]);
}

#[test]
fn matching_answers_are_shuffled_even_without_shuffle() {
    // In the author's order the right-hand side lines up with the left: that would be the key.
    let bank = bank();
    let orders: HashSet<Vec<usize>> = (0..30)
        .map(|seed| {
            let paper = paper::draw(&bank, &rule(6, &[], false), &mut rng(seed)).unwrap();
            paper.questions[5].options.iter().map(|o| o.index).collect()
        })
        .collect();
    assert!(orders.len() > 1, "{orders:?}");
}

#[test]
fn option_ids_are_eight_random_lowercase_alphanumerics_unique_on_the_paper() {
    let paper = paper::draw(&bank(), &rule(6, &[], true), &mut rng(9)).unwrap();
    let all: Vec<&str> = paper
        .questions
        .iter()
        .flat_map(|q| q.options.iter().chain(&q.left))
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(all.len(), 3 + 4 + 3 + 4);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());
    for id in all {
        assert!(
            id.len() == 8
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{id}"
        );
    }
    let again = paper::draw(&bank(), &rule(6, &[], true), &mut rng(10)).unwrap();
    assert_ne!(paper, again);
}

#[test]
fn the_same_seed_draws_the_same_paper() {
    let a = paper::draw(&bank(), &rule(5, &[], true), &mut rng(42)).unwrap();
    let b = paper::draw(&bank(), &rule(5, &[], true), &mut rng(42)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_paper_survives_being_stored_as_json() {
    let paper = paper::draw(&bank(), &rule(6, &[], true), &mut rng(5)).unwrap();
    let stored = serde_json::to_string(&paper).unwrap();
    assert_eq!(serde_json::from_str::<Paper>(&stored).unwrap(), paper);
}

#[test]
fn a_presented_question_carries_no_fraction_and_no_feedback() {
    let bank = bank();
    let paper = paper::draw(&bank, &rule(6, &[], true), &mut rng(7)).unwrap();
    let presented = paper::present(&paper, &bank);
    assert_eq!(presented.len(), 6);
    let json = serde_json::to_string(&presented).unwrap();
    for secret in [
        "fraction",
        "feedback",
        "Đúng",
        "Good!",
        "Completely wrong",
        "Frogs, obviously",
        "Frog",
        "3.1415",
        "Right.",
        // Keys of the bank and the paper.
        "\"answer\"",
        "\"index\"",
    ] {
        assert!(!json.contains(secret), "{secret} leaks: {json}");
    }
}

#[test]
fn each_type_is_presented_with_what_the_learner_needs() {
    let bank = bank();
    let paper = paper::draw(&bank, &rule(6, &[], false), &mut rng(7)).unwrap();
    let presented = paper::present(&paper, &bank);
    let types: Vec<&str> = presented.iter().map(|q| q.r#type).collect();
    assert_eq!(
        types,
        [
            "true_false",
            "single_choice",
            "multiple_choice",
            "short_answer",
            "numerical",
            "matching"
        ]
    );
    let [tf, single, multi, short, num, matching] = presented.as_slice() else {
        panic!();
    };
    for q in [tf, short, num] {
        assert!(q.options.is_empty() && q.left.is_empty());
    }
    assert_eq!(single.title.as_deref(), Some("Capital"));
    let texts: Vec<&str> = single
        .options
        .iter()
        .map(|o| o.text.text.as_str())
        .collect();
    assert_eq!(texts, ["Hà Nội", "Huế", "Đà Nẵng"]);
    assert_eq!(multi.options.len(), 4);
    let items: Vec<&str> = matching.left.iter().map(|o| o.text.text.as_str()).collect();
    assert_eq!(items, ["Canada", "Italy", "Japan"]);
    let mut answers: Vec<&str> = matching
        .options
        .iter()
        .map(|o| o.text.text.as_str())
        .collect();
    answers.sort_unstable();
    assert_eq!(answers, ["Ottawa", "Paris", "Rome", "Tokyo"]);
    assert!(matching
        .options
        .iter()
        .all(|o| o.text.format == TextFormat::Plain));
    let json = serde_json::to_value(single).unwrap();
    assert_eq!(json["type"], "single_choice");
    assert_eq!(json["options"][0]["text"]["format"], "moodle");
}

#[test]
fn a_question_removed_from_the_bank_is_no_longer_presented() {
    let bank = bank();
    let paper = paper::draw(&bank, &rule(6, &[], true), &mut rng(2)).unwrap();
    let smaller: Vec<_> = bank
        .iter()
        .filter(|q| q.id.as_deref() != Some("short"))
        .cloned()
        .collect();
    let presented = paper::present(&paper, &smaller);
    assert_eq!(presented.len(), 5);
    assert!(presented.iter().all(|q| q.id != "short"));
}

#[test]
fn a_question_whose_options_changed_is_no_longer_presented() {
    let bank = bank();
    let paper = paper::draw(&bank, &rule(6, &[], false), &mut rng(2)).unwrap();
    let mut edited = bank.clone();
    if let hocvuso_assessment::model::QuestionKind::Choice { options, .. } = &mut edited[1].kind {
        options.pop();
    }
    let presented = paper::present(&paper, &edited);
    assert!(presented.iter().all(|q| q.id != "single"));
    assert_eq!(presented.len(), 5);
}
