//! Properties of the parser, the writer, drawing and grading, over generated banks.

use std::collections::{BTreeMap, HashSet};

use hocvuso_assessment::gift;
use hocvuso_assessment::grading;
use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, OrderingGrading, Question, QuestionKind,
    Region, Text, TextAnswer, TextFormat,
};
use hocvuso_assessment::paper::{self, DrawRule, Paper};
use hocvuso_assessment::{moodle_xml, qti, toml_bank};
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
                QuestionKind::Choice {
                    multiple,
                    options,
                    all_or_nothing: false,
                }
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
                QuestionKind::ShortAnswer {
                    answers,
                    case_sensitive: false,
                    ignore_diacritics: false,
                }
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
                    .map(|(left, right)| MatchPair {
                        left,
                        right,
                        weight: None,
                    })
                    .collect();
                if let Some(right) = distractor {
                    pairs.push(MatchPair {
                        left: Text::moodle(""),
                        right,
                        weight: None,
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
                category: None,
                text,
                general_feedback,
                kind,
                line: 0,
            }
        })
}

/// The kinds GIFT cannot hold, and short answers with their options.
fn extended_kind() -> impl Strategy<Value = QuestionKind> {
    let region = prop_oneof![
        (0u32..400, 0u32..400, 1u32..100, 1u32..100).prop_map(|(x, y, w, h)| Region::Rect {
            x,
            y,
            w,
            h
        }),
        (0u32..400, 0u32..400, 1u32..100).prop_map(|(cx, cy, r)| Region::Circle { cx, cy, r }),
    ];
    prop_oneof![
        (
            vec(
                (format(), typed_words()).prop_map(|(format, text)| Text { format, text }),
                2..7
            ),
            select(OrderingGrading::ALL.to_vec())
        )
            .prop_map(|(items, grading)| QuestionKind::Ordering { items, grading }),
        (vec(region, 1..4), 0u32..2000, 0u32..2000).prop_map(|(regions, extra_w, extra_h)| {
            // The image holds every region, as `questions.toml` requires.
            let right = |r: &Region| match *r {
                Region::Rect { x, y, w, h } => (x + w, y + h),
                Region::Circle { cx, cy, .. } => (cx, cy),
            };
            let width = regions.iter().map(|r| right(r).0).max().unwrap_or(1).max(1) + extra_w;
            let height = regions.iter().map(|r| right(r).1).max().unwrap_or(1).max(1) + extra_h;
            QuestionKind::Hotspot {
                image: "media/x.png".into(),
                width,
                height,
                alt: "x".into(),
                regions,
                places: Vec::new(),
            }
        }),
        (vec(typed_words(), 1..4), any::<bool>(), any::<bool>()).prop_map(
            |(texts, case_sensitive, ignore_diacritics)| QuestionKind::ShortAnswer {
                answers: texts
                    .into_iter()
                    .map(|text| TextAnswer {
                        text,
                        fraction: 1.0,
                        feedback: None,
                    })
                    .collect(),
                case_sensitive,
                ignore_diacritics,
            }
        ),
    ]
}

/// A bank with every kind, GIFT's and the extensions.
fn full_bank() -> impl Strategy<Value = Vec<Question>> {
    (bank(), vec((extended_kind(), text()), 0..4)).prop_map(|(mut questions, extra)| {
        let base = questions.len();
        for (k, (kind, text)) in extra.into_iter().enumerate() {
            questions.push(Question {
                id: Some(format!("x{}", base + k)),
                tags: vec![],
                title: None,
                category: None,
                text,
                general_feedback: None,
                kind,
                line: 0,
            });
        }
        questions
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
            "ordering" => {
                let mut ids: Vec<Value> = shown.options.iter().map(|o| json!(o.id)).collect();
                let k = usize::from(next()) % ids.len();
                ids.rotate_left(k);
                ids.truncate(ids.len() - usize::from(next()) % 2);
                Value::Array(ids)
            }
            "hotspot" => json!({"x": f64::from(next()) * 1.7, "y": f64::from(next())}),
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
        bank in full_bank(),
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
        bank in full_bank(),
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
    fn answering_with_the_key_scores_100(bank in full_bank(), seed in any::<u64>()) {
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
        bank in full_bank(),
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
    fn option_ids_are_unique_on_a_paper_and_new_for_every_attempt(bank in full_bank(), seed in any::<u64>()) {
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
            let (Some(id), QuestionKind::Choice { multiple: false, options, .. }) = (&question.id, &question.kind)
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

/// XML-ish text: tags of the formats this crate reads, attributes, entities, CDATA, stray marks.
fn xml_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<quiz>".to_owned()),
        Just("</quiz>".to_owned()),
        Just("<question type=\"multichoice\">".to_owned()),
        Just("<question type=\"ordering\">".to_owned()),
        Just("<question type=\"numerical\">".to_owned()),
        Just("</question>".to_owned()),
        Just("<answer fraction=\"50\">".to_owned()),
        Just("<answer fraction=\"x\">".to_owned()),
        Just("</answer>".to_owned()),
        Just("<text>".to_owned()),
        Just("</text>".to_owned()),
        Just("<![CDATA[<p>&]]>".to_owned()),
        Just("<assessmentItem identifier=\"i\">".to_owned()),
        Just("<qti-assessment-item>".to_owned()),
        Just("<itemBody>".to_owned()),
        Just("<choiceInteraction responseIdentifier=\"R\" maxChoices=\"0\">".to_owned()),
        Just("<simpleChoice identifier=\"A\">".to_owned()),
        Just("<responseDeclaration identifier=\"R\" cardinality=\"multiple\">".to_owned()),
        Just("<correctResponse><value>A</value></correctResponse>".to_owned()),
        Just(
            "<mapping defaultValue=\"-2\"><mapEntry mapKey=\"A\" mappedValue=\"1\"/></mapping>"
                .to_owned()
        ),
        Just("<textEntryInteraction responseIdentifier=\"R\"/>".to_owned()),
        Just("<matchInteraction><simpleMatchSet>".to_owned()),
        Just("<orderInteraction>".to_owned()),
        Just("&amp;".to_owned()),
        Just("&bogus;".to_owned()),
        "[a-z <>/=\"\n]{0,6}",
    ];
    vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// What a trip through Moodle XML keeps of a bank: Moodle trims every text (and drops feedback
/// left empty), and stores a range as its middle give or take half its width. `None` when
/// trimming leaves a question unreadable.
fn as_moodle_keeps_it(bank: &[Question]) -> Option<Vec<Question>> {
    fn trim(value: &mut Value) {
        match value {
            Value::String(s) => *s = s.trim().to_owned(),
            Value::Array(items) => items.iter_mut().for_each(trim),
            Value::Object(map) => {
                map.values_mut().for_each(trim);
                map.retain(|key, v| {
                    let empty =
                        v.as_str() == Some("") || v.get("text").and_then(Value::as_str) == Some("");
                    !(key.contains("feedback") && empty)
                });
            }
            _ => {}
        }
    }
    let mut json = interchange::to_json(bank);
    trim(&mut json);
    let mut questions = interchange::from_json(&json).ok()?;
    for question in &mut questions {
        if let QuestionKind::Numerical { answers } = &mut question.kind {
            for answer in answers {
                if let NumericValue::Range { min, max } = answer.value {
                    answer.value = moodle_xml::range_as_moodle_keeps_it(min, max);
                }
            }
        }
    }
    Some(questions)
}

fn line_count(src: &str) -> usize {
    src.split('\n').count()
}

proptest! {
    #[test]
    fn the_xml_qti_toml_and_json_readers_never_panic_on_arbitrary_text(src in any::<String>()) {
        let _ = moodle_xml::parse(&src);
        let _ = qti::parse(&src);
        let _ = toml_bank::parse_bank(&src);
        let _ = interchange::read(&src, Format::Json);
    }

    #[test]
    fn the_xml_readers_never_panic_on_xml_like_text_and_errors_point_into_the_file(src in xml_like()) {
        if let Err(errors) = moodle_xml::parse(&src) {
            for e in errors {
                prop_assert!(e.line >= 1 && e.line <= line_count(&src), "{e}");
            }
        }
        if let Err(errors) = qti::parse(&src) {
            for e in errors {
                prop_assert!(e.line >= 1 && e.line <= line_count(&src), "{e}");
            }
        }
    }

    #[test]
    fn the_toml_reader_never_panics_on_toml_like_text_and_errors_point_into_the_file(
        src in "(\\[\\[question\\]\\]\n|\\[\\[question.region\\]\\]\n|\\[options.a\\]\n|type = \"(ordering|hotspot|short_answer|x)\"\n|items = \\[\"a\"(, \"b\")?\\]\n|text = \"t\"\n|width = -?[0-9]\n|x = [0-9]\n|r = [0-9]\n|answers = \\[\"a\", \\{ fraction = 2 \\}\\]\n|ignore_diacritics = (true|1)\n|[a-z =\"\\[\\]\n]{0,5}){0,16}"
    ) {
        if let Err(errors) = toml_bank::parse_bank(&src) {
            for e in errors {
                prop_assert!(e.line >= 1 && e.line <= line_count(&src), "{e}");
            }
        }
    }

    #[test]
    fn a_bank_goes_to_json_and_back_unchanged(bank in full_bank()) {
        let json = interchange::to_json(&bank);
        let read = interchange::from_json(&json);
        prop_assert!(read.is_ok(), "{:?}\n{json}", read);
        prop_assert_eq!(read.unwrap_or_default(), without_lines(bank));
    }

    #[test]
    fn a_bank_goes_to_moodle_xml_and_back_as_moodle_keeps_it(bank in bank()) {
        let written = moodle_xml::write(&bank);
        prop_assert!(written.is_ok(), "{:?}", written);
        let written = written.unwrap_or_default();
        let kept = as_moodle_keeps_it(&bank);
        prop_assume!(kept.is_some());
        let kept = kept.unwrap_or_default();
        let read = moodle_xml::parse(&written);
        prop_assert!(read.is_ok(), "{:?}\n{written}", read);
        for (again, original) in read.unwrap_or_default().into_iter().zip(kept) {
            let mut again = again;
            again.line = 0;
            if original.title.is_none() {
                again.title = None;
            }
            prop_assert_eq!(again, original, "\n{}", written);
        }
    }

    /// The same answers (by bank option) score the same whatever order the attempt showed.
    #[test]
    fn shuffling_changes_no_mark(bank in full_bank(), a in any::<u64>(), b in any::<u64>(), bytes in vec(any::<u8>(), 1..64)) {
        let first = draw_all(&bank, a);
        let second = draw_all(&bank, b);
        let answers = some_answers(&first, &bank, &bytes);
        // Translate every option id of the first paper to the second paper's id of that option.
        let translate = |id: &str| -> Option<String> {
            for (p, q) in first.questions.iter().zip(&first.questions) {
                let _ = q;
                for option in p.options.iter().chain(&p.left) {
                    if option.id == id {
                        let other = second.questions.iter().find(|o| o.id == p.id)?;
                        let same_side = if p.left.iter().any(|l| l.id == id) { &other.left } else { &other.options };
                        return same_side.iter().find(|o| o.index == option.index).map(|o| o.id.clone());
                    }
                }
            }
            None
        };
        let moved: BTreeMap<String, Value> = answers
            .iter()
            .map(|(question, answer)| {
                let answer = match answer {
                    Value::String(id) => translate(id).map_or(answer.clone(), Value::String),
                    Value::Array(ids) => Value::Array(ids.iter().map(|v| match v.as_str().and_then(&translate) {
                        Some(id) => Value::String(id),
                        None => v.clone(),
                    }).collect()),
                    Value::Object(map) if map.contains_key("x") => answer.clone(),
                    Value::Object(map) => Value::Object(map.iter().filter_map(|(k, v)| {
                        Some((translate(k)?, Value::String(translate(v.as_str()?)?)))
                    }).collect()),
                    other => other.clone(),
                };
                (question.clone(), answer)
            })
            .collect();
        let one = grading::grade(&first, &bank, &answers);
        let two = grading::grade(&second, &bank, &moved);
        prop_assert!(one.is_ok() && two.is_ok());
        let score = |r: Result<grading::AttemptResult, grading::GradeError>| r.map(|r| r.score_percent).unwrap_or(-1.0);
        prop_assert!((score(one) - score(two)).abs() < 1e-9);
    }
}
