//! Properties of the parser, the writer, drawing and grading, over generated banks.

use std::collections::{BTreeMap, HashSet};

use hocvuso_assessment::gift;
use hocvuso_assessment::grading;
use hocvuso_assessment::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, Question, QuestionKind, Text, TextAnswer,
    TextFormat,
};
use hocvuso_assessment::paper::{self, DrawRule, Paper};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Value};

use crate::support::{rng, without_lines};

/// Author text, including GIFT's control characters, Vietnamese letters and escaped line breaks,
/// trimmed as GIFT trims. No `>`, so no `->` (which no short answer can contain in GIFT).
fn words() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9àộđĐ :#={}~%*\\[\\]\\\\/$\n.,-]{1,16}".prop_filter_map("blank", |s| {
        let trimmed = s.trim_matches(' ');
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    })
}

/// Something a learner can type: it has a letter or digit to survive normalisation.
fn typed_words() -> impl Strategy<Value = String> {
    words().prop_filter("nothing to type", |s| s.chars().any(char::is_alphanumeric))
}

fn format() -> impl Strategy<Value = TextFormat> {
    select(vec![
        TextFormat::Moodle,
        TextFormat::Html,
        TextFormat::Plain,
        TextFormat::Markdown,
    ])
}

fn text() -> impl Strategy<Value = Text> {
    (format(), words()).prop_map(|(format, text)| Text { format, text })
}

/// Moodle's weights, as GIFT states them (percent / 100).
fn fraction() -> impl Strategy<Value = f64> {
    select(vec![
        100.0, 50.0, 0.0, -50.0, -100.0, 33.33333, 83.33333, 14.28571,
    ])
    .prop_map(|percent: f64| percent / 100.0)
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![-1e6..1e6f64, (-1000i32..1000).prop_map(f64::from)]
}

fn numeric_value() -> impl Strategy<Value = NumericValue> {
    prop_oneof![
        (number(), prop_oneof![Just(0.0), 0.0..10.0f64])
            .prop_map(|(number, tolerance)| NumericValue::Exact { number, tolerance }),
        (number(), 0.0..1e3f64).prop_map(|(min, width)| NumericValue::Range {
            min,
            max: min + width
        }),
    ]
}

/// A question kind that can be answered for full marks.
fn kind() -> impl Strategy<Value = QuestionKind> {
    let feedback = || proptest::option::of(text());
    prop_oneof![
        Just(QuestionKind::Essay),
        (any::<bool>(), feedback(), feedback()).prop_map(|(answer, wrong, right)| {
            QuestionKind::TrueFalse {
                answer,
                feedback_wrong: wrong,
                feedback_right: right,
            }
        }),
        (
            any::<bool>(),
            vec((text(), fraction(), feedback()), 2..6),
            any::<Index>()
        )
            .prop_map(|(multiple, options, full)| {
                let mut options: Vec<ChoiceOption> = options
                    .into_iter()
                    .map(|(text, fraction, feedback)| ChoiceOption {
                        text,
                        fraction,
                        feedback,
                    })
                    .collect();
                let full = full.index(options.len());
                options[full].fraction = 1.0;
                QuestionKind::Choice { multiple, options }
            }),
        (
            vec((typed_words(), fraction(), feedback()), 1..4),
            any::<Index>()
        )
            .prop_map(|(answers, full)| {
                let mut answers: Vec<TextAnswer> = answers
                    .into_iter()
                    .map(|(text, fraction, feedback)| TextAnswer {
                        text,
                        fraction,
                        feedback,
                    })
                    .collect();
                let full = full.index(answers.len());
                answers[full].fraction = 1.0;
                QuestionKind::ShortAnswer { answers }
            }),
        (
            vec((numeric_value(), fraction(), feedback()), 1..4),
            any::<Index>(),
            proptest::option::of(feedback())
        )
            .prop_map(|(answers, full, otherwise)| {
                let mut answers: Vec<NumericAnswer> = answers
                    .into_iter()
                    .map(|(value, fraction, feedback)| NumericAnswer {
                        value,
                        fraction,
                        feedback,
                    })
                    .collect();
                let full = full.index(answers.len());
                answers[full].fraction = 1.0;
                if let Some(feedback) = otherwise {
                    answers.push(NumericAnswer {
                        value: NumericValue::Any,
                        fraction: 0.0,
                        feedback,
                    });
                }
                QuestionKind::Numerical { answers }
            }),
        (vec((text(), words()), 2..5), proptest::option::of(words())).prop_map(
            |(pairs, distractor)| {
                let mut pairs: Vec<MatchPair> = pairs
                    .into_iter()
                    .map(|(left, right)| MatchPair { left, right })
                    .collect();
                if let Some(right) = distractor {
                    pairs.push(MatchPair {
                        left: Text::moodle(""),
                        right,
                    });
                }
                QuestionKind::Matching { pairs }
            }
        ),
    ]
}

fn question() -> impl Strategy<Value = Question> {
    (
        any::<bool>(),
        proptest::sample::subsequence(vec!["a", "b", "c"], 0..3),
        proptest::option::of(words()),
        text(),
        proptest::option::of(text()),
        prop_oneof![9 => kind(), 1 => Just(QuestionKind::Description)],
    )
        .prop_map(|(has_id, tags, title, text, general_feedback, kind)| {
            let general_feedback = match kind {
                QuestionKind::Description => None,
                _ => general_feedback,
            };
            Question {
                id: has_id.then(String::new),
                tags: tags.into_iter().map(str::to_owned).collect(),
                title,
                text,
                general_feedback,
                kind,
                line: 0,
            }
        })
}

/// A bank with unique ids.
fn bank() -> impl Strategy<Value = Vec<Question>> {
    vec(question(), 1..8).prop_map(|mut questions| {
        for (k, q) in questions.iter_mut().enumerate() {
            if q.id.is_some() {
                q.id = Some(format!("q{k}"));
            }
        }
        questions
    })
}

fn draw_all(bank: &[Question], seed: u64) -> Paper {
    let rule = DrawRule {
        count: paper::eligible(bank, &[]).len(),
        tags: vec![],
        shuffle: true,
    };
    paper::draw(bank, &rule, &mut rng(seed)).unwrap()
}

/// Answers of the right JSON types, picked by `bytes`.
fn some_answers(paper: &Paper, bank: &[Question], bytes: &[u8]) -> BTreeMap<String, Value> {
    let mut bytes = bytes.iter().copied().cycle();
    let mut next = move || bytes.next().unwrap_or(0);
    let mut answers = BTreeMap::new();
    for shown in paper::present(paper, bank) {
        if next() % 5 == 0 {
            continue; // left unanswered
        }
        let answer = match shown.r#type {
            "true_false" => json!(next() % 2 == 0),
            "single_choice" => {
                let k = usize::from(next()) % shown.options.len();
                json!([shown.options[k].id])
            }
            "multiple_choice" => Value::Array(
                shown
                    .options
                    .iter()
                    .filter(|_| next() % 2 == 0)
                    .map(|o| json!(o.id))
                    .collect(),
            ),
            "short_answer" => json!(["frog", "*", "a", "", "Đ 1"][usize::from(next()) % 5]),
            "numerical" => json!(f64::from(next()) - 128.0),
            "matching" => Value::Object(
                shown
                    .left
                    .iter()
                    .map(|item| {
                        let k = usize::from(next()) % shown.options.len();
                        (item.id.clone(), json!(shown.options[k].id))
                    })
                    .collect(),
            ),
            other => panic!("{other} was drawn"),
        };
        answers.insert(shown.id, answer);
    }
    answers
}

proptest! {
    #[test]
    fn parsing_never_panics_on_arbitrary_text(src in any::<String>()) {
        let _ = gift::parse(&src);
    }

    #[test]
    fn parsing_never_panics_on_gift_like_text_and_errors_point_into_the_file(
        src in "(::|[abT :#={}~%\\\\>\\[\\]\n\r/$*.0-9-]|//|\\{#|\\{=|\n\n){0,80}"
    ) {
        if let Err(errors) = gift::parse(&src) {
            let lines = src.replace("\r\n", "\n").replace('\r', "\n").split('\n').count();
            for error in errors {
                prop_assert!(error.line >= 1 && error.line <= lines, "{error} of {lines}");
            }
        }
    }

    #[test]
    fn a_written_bank_reads_back_the_same(bank in bank()) {
        let written = gift::write(&bank);
        let read = gift::parse(&written);
        prop_assert!(read.is_ok(), "{:?}\n{written}", read);
        prop_assert_eq!(without_lines(read.unwrap_or_default()), without_lines(bank), "\n{}", written);
    }

    #[test]
    fn grading_keeps_every_score_within_bounds(
        bank in bank(),
        seed in any::<u64>(),
        bytes in vec(any::<u8>(), 1..64),
    ) {
        let paper = draw_all(&bank, seed);
        let answers = some_answers(&paper, &bank, &bytes);
        let result = grading::grade(&paper, &bank, &answers);
        prop_assert!(result.is_ok(), "{:?}", result);
        let result = result.unwrap_or_else(|_| unreachable!());
        prop_assert!((0.0..=100.0).contains(&result.score_percent));
        for q in &result.questions {
            prop_assert!((0.0..=1.0).contains(&q.fraction));
            prop_assert_eq!(q.correct, q.fraction >= 0.9999);
        }
    }

    #[test]
    fn grading_random_json_never_panics_and_stays_within_bounds(
        bank in bank(),
        seed in any::<u64>(),
        junk in vec(prop_oneof![
            Just(Value::Null), any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)), "[a-z0-9,.]{0,8}".prop_map(Value::String),
            Just(json!([])), Just(json!({})), Just(json!(["x"])), Just(json!({"x": "y"})),
        ], 8),
    ) {
        let paper = draw_all(&bank, seed);
        let answers: BTreeMap<String, Value> = paper
            .questions
            .iter()
            .zip(junk)
            .map(|(q, answer)| (q.id.clone(), answer))
            .collect();
        if let Ok(result) = grading::grade(&paper, &bank, &answers) {
            prop_assert!((0.0..=100.0).contains(&result.score_percent));
        }
    }

    #[test]
    fn answering_with_the_key_scores_100(bank in bank(), seed in any::<u64>()) {
        let paper = draw_all(&bank, seed);
        prop_assume!(!paper.questions.is_empty());
        let key = grading::answer_key(&paper, &bank);
        let result = grading::grade(&paper, &bank, &key);
        prop_assert!(result.is_ok(), "{:?}", result);
        let result = result.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(result.score_percent, 100.0, "{:?}", result);
    }

    #[test]
    fn different_seeds_only_permute_the_paper(bank in bank(), a in any::<u64>(), b in any::<u64>()) {
        let (first, second) = (draw_all(&bank, a), draw_all(&bank, b));
        let sorted = |paper: &Paper| {
            let mut ids: Vec<String> = paper.questions.iter().map(|q| q.id.clone()).collect();
            ids.sort();
            ids
        };
        prop_assert_eq!(sorted(&first), sorted(&second));
        for paper in [&first, &second] {
            for q in &paper.questions {
                let Some(question) = bank.iter().find(|b| b.id.as_ref() == Some(&q.id)) else {
                    return Err(TestCaseError::fail("drawn id not in bank"));
                };
                if let QuestionKind::Choice { options, .. } = &question.kind {
                    let mut indices: Vec<usize> = q.options.iter().map(|o| o.index).collect();
                    indices.sort_unstable();
                    prop_assert_eq!(indices, (0..options.len()).collect::<Vec<_>>());
                }
            }
        }
    }

    #[test]
    fn the_key_of_any_shuffled_paper_scores_100_on_that_paper(
        bank in bank(),
        seeds in vec(any::<u64>(), 2..5),
    ) {
        for seed in seeds {
            let paper = draw_all(&bank, seed);
            if paper.questions.is_empty() {
                continue;
            }
            let key = grading::answer_key(&paper, &bank);
            let result = grading::grade(&paper, &bank, &key);
            prop_assert_eq!(result.map(|r| r.score_percent), Ok(100.0));
        }
    }

    #[test]
    fn option_ids_are_unique_on_a_paper_and_new_for_every_attempt(bank in bank(), seed in any::<u64>()) {
        let paper = draw_all(&bank, seed);
        let ids: Vec<&String> = paper
            .questions
            .iter()
            .flat_map(|q| q.options.iter().chain(&q.left))
            .map(|o| &o.id)
            .collect();
        prop_assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        let other = draw_all(&bank, seed.wrapping_add(1));
        let other_ids: HashSet<&String> = other
            .questions
            .iter()
            .flat_map(|q| q.options.iter().chain(&q.left))
            .map(|o| &o.id)
            .collect();
        // Ids are random per attempt: nothing carries over that could be learnt.
        prop_assert!(ids.iter().all(|id| !other_ids.contains(id)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Neither the position nor the id of the right option follows the key across attempts.
    #[test]
    fn the_right_option_is_not_always_in_the_same_place_or_under_the_same_kind_of_id(
        bank in bank(),
    ) {
        let papers: Vec<Paper> = (0..32).map(|seed| draw_all(&bank, seed)).collect();
        for question in &bank {
            let (Some(id), QuestionKind::Choice { multiple: false, options }) = (&question.id, &question.kind)
            else {
                continue;
            };
            let Some(right) = options.iter().position(|o| o.fraction == 1.0) else {
                continue;
            };
            let mut positions = HashSet::new();
            let mut id_ranks = HashSet::new();
            for paper in &papers {
                let Some(q) = paper.questions.iter().find(|q| &q.id == id) else {
                    continue;
                };
                let Some(position) = q.options.iter().position(|o| o.index == right) else {
                    return Err(TestCaseError::fail("right option missing from the paper"));
                };
                positions.insert(position);
                let right_id = &q.options[position].id;
                id_ranks.insert(q.options.iter().filter(|o| &o.id < right_id).count());
            }
            prop_assert!(positions.len() > 1, "{id}: always at {positions:?}");
            prop_assert!(id_ranks.len() > 1, "{id}: id always ranks {id_ranks:?}");
        }
    }
}
