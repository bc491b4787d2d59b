//! Each gift-pegjs fixture must read to the parse tree gift-pegjs's own tests expect.
//!
//! Our model is mapped into gift-pegjs's JSON shape field by field. Where gift-pegjs's tree
//! carries something our model deliberately does not, the expected tree is first reduced to what
//! we do model (see `reduce`):
//!
//! * `hasEmbeddedAnswers`: we keep the blank in the stem (`Grant is _____ in Grant's tomb.`), which
//!   is all a learner sees; whether the author typed the `_____` or an answer block stood there does
//!   not change the question (Moodle stores no such flag either). Dropped.
//! * `isCorrect` + `weight` of a choice: Moodle stores one fraction; `=` vs `~` only sets the
//!   default weight. Both are reduced to `fraction` (weight / 100, else 1 for `=` and 0 for `~`).
//! * Numerical `simple` answers are `range` answers with tolerance 0 for us (Moodle: tolerance 0),
//!   and a lone numerical answer, which gift-pegjs gives as an object, is a list of one.
//! * `Category` entries: we skip `$CATEGORY:` (categories are a Moodle storage concern).
//!
//! True/false feedback: gift-pegjs names the two feedbacks by position (`trueFeedback` is the first
//! `#`, `falseFeedback` the second). Moodle reads the first as the feedback for a wrong answer and
//! the second for a right one, which is what our model says; the mapping below is positional.

use hocvuso_assessment::model::{NumericValue, Question, QuestionKind, Text};
use serde_json::{json, Map, Value};

use crate::support::{parse_ok, read};

fn text(t: &Text) -> Value {
    json!({"format": t.format.name(), "text": t.text})
}

fn maybe_text(t: Option<&Text>) -> Value {
    t.map_or(Value::Null, text)
}

/// Our question in gift-pegjs's JSON shape (after `reduce`).
fn to_pegjs(q: &Question) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(q.id));
    out.insert(
        "tags".into(),
        if q.tags.is_empty() {
            Value::Null
        } else {
            json!(q.tags)
        },
    );
    out.insert("title".into(), json!(q.title));
    out.insert("stem".into(), text(&q.text));
    let stem_format = q.text.format;
    let general = maybe_text(q.general_feedback.as_ref());
    let (kind, fields): (&str, Vec<(&str, Value)>) = match &q.kind {
        QuestionKind::Description => ("Description", vec![]),
        QuestionKind::Essay => ("Essay", vec![("globalFeedback", general)]),
        QuestionKind::TrueFalse {
            answer,
            feedback_wrong,
            feedback_right,
        } => (
            "TF",
            vec![
                ("globalFeedback", general),
                ("isTrue", json!(answer)),
                ("trueFeedback", maybe_text(feedback_wrong.as_ref())),
                ("falseFeedback", maybe_text(feedback_right.as_ref())),
            ],
        ),
        QuestionKind::Choice { options, .. } => (
            "MC",
            vec![
                ("globalFeedback", general),
                (
                    "choices",
                    options
                        .iter()
                        .map(|o| {
                            json!({
                                "fraction": o.fraction,
                                "text": text(&o.text),
                                "feedback": maybe_text(o.feedback.as_ref()),
                            })
                        })
                        .collect(),
                ),
            ],
        ),
        QuestionKind::ShortAnswer { answers, .. } => (
            "Short",
            vec![
                ("globalFeedback", general),
                (
                    "choices",
                    answers
                        .iter()
                        .map(|a| {
                            json!({
                                "fraction": a.fraction,
                                "text": {"format": stem_format.name(), "text": a.text},
                                "feedback": maybe_text(a.feedback.as_ref()),
                            })
                        })
                        .collect(),
                ),
            ],
        ),
        QuestionKind::Numerical { answers } => (
            "Numerical",
            vec![
                ("globalFeedback", general),
                (
                    "choices",
                    answers
                        .iter()
                        .map(|a| {
                            let value = match a.value {
                                NumericValue::Exact { number, tolerance } => {
                                    json!({"type": "range", "number": number, "range": tolerance})
                                }
                                NumericValue::Range { min, max } => {
                                    json!({"type": "high-low", "numberHigh": max, "numberLow": min})
                                }
                                NumericValue::Any => {
                                    json!({"format": stem_format.name(), "text": "*"})
                                }
                            };
                            json!({
                                "fraction": a.fraction,
                                "text": value,
                                "feedback": maybe_text(a.feedback.as_ref()),
                            })
                        })
                        .collect(),
                ),
            ],
        ),
        QuestionKind::Ordering { .. } | QuestionKind::Hotspot { .. } => {
            panic!("GIFT has no {} questions", q.type_key())
        }
        QuestionKind::Matching { pairs } => (
            "Matching",
            vec![
                ("globalFeedback", general),
                (
                    "matchPairs",
                    pairs
                        .iter()
                        .map(|p| json!({"subquestion": text(&p.left), "subanswer": p.right}))
                        .collect(),
                ),
            ],
        ),
    };
    out.insert("type".into(), json!(kind));
    for (key, value) in fields {
        out.insert(key.into(), value);
    }
    numbers_as_floats(Value::Object(out))
}

/// gift-pegjs's expected tree reduced to what our model carries (see the module comment).
fn reduce(expected: Value) -> Value {
    let Value::Array(questions) = expected else {
        panic!("expected a JSON array");
    };
    let reduced = questions
        .into_iter()
        .filter(|q| q["type"] != "Category")
        .map(|mut q| {
            let object = q.as_object_mut().unwrap();
            object.remove("hasEmbeddedAnswers");
            if let Some(choices) = object.get_mut("choices") {
                if choices.is_object() {
                    let lone = choices.take();
                    *choices = json!([{"isCorrect": true, "weight": null, "text": lone, "feedback": null}]);
                }
                for choice in choices.as_array_mut().unwrap() {
                    let choice = choice.as_object_mut().unwrap();
                    let correct = choice.remove("isCorrect").unwrap().as_bool().unwrap();
                    let weight = choice.remove("weight").unwrap();
                    let fraction = match weight.as_f64() {
                        Some(percent) => percent / 100.0,
                        None if correct => 1.0,
                        None => 0.0,
                    };
                    choice.insert("fraction".into(), json!(fraction));
                    let value = choice.get_mut("text").unwrap();
                    if value["type"] == "simple" {
                        *value = json!({"type": "range", "number": value["number"], "range": 0});
                    }
                }
            }
            q
        })
        .collect();
    numbers_as_floats(Value::Array(reduced))
}

/// JSON `1822` and `1822.0` are different `Value`s; the model only has floats.
fn numbers_as_floats(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_floats(v)))
                .collect(),
        ),
        other => other,
    }
}

fn check(name: &str) {
    let questions = parse_ok(&read(&format!("gift-pegjs/{name}.gift")));
    let ours = Value::Array(questions.iter().map(to_pegjs).collect());
    let expected: Value = serde_json::from_str(&read(&format!("gift-pegjs/{name}.json"))).unwrap();
    let expected = reduce(expected);
    assert_eq!(
        ours,
        expected,
        "\nours:     {}\nexpected: {}",
        serde_json::to_string_pretty(&ours).unwrap(),
        serde_json::to_string_pretty(&expected).unwrap()
    );
}

macro_rules! fixtures {
    ($($test:ident => $file:literal),* $(,)?) => {
        /// The fixture files that have a test below.
        const FILES: &[&str] = &[$($file),*];

        mod each_fixture_reads_as_gift_pegjs_expects {
            $(
                #[test]
                fn $test() {
                    super::check($file);
                }
            )*
        }
    };
}

fixtures! {
    tf_two_feedback => "TFTwoFeedback",
    category1 => "category1",
    description1 => "description1",
    description_title_escaped_colon => "descriptionTitleEscapedColon",
    escape_all => "escapeAll",
    escape_colon => "escapeColon",
    essay1 => "essay1",
    format_examples => "formatExamples",
    markdown => "markdown",
    matching1 => "matching1",
    mc2 => "mc2",
    mc4 => "mc4",
    mc_html_comment => "mcHTMLComment",
    multi_line_feedback1 => "multiLineFeedback1",
    newline_and_latex => "newlineAndLaTeX",
    numerical1 => "numerical1",
    short_answer1 => "shortAnswer1",
    short_answer2 => "shortAnswer2",
    short_first_embedded => "shortFirstEmbedded",
    short_first_embedded_underline => "shortFirstEmbeddedUnderline",
    symbols_all => "symbolsAll",
    tag_id => "tag_id",
    tag_two_tags => "tag_two_tags",
    tf1 => "tf1",
    tf1_markdown => "tf1_markdown",
    tf2 => "tf2",
    totara_moodle_essay => "totara_moodle_essay",
    totara_moodle_match => "totara_moodle_match",
    totara_moodle_multichoice_multi => "totara_moodle_multichoice_multi",
    totara_moodle_numerical => "totara_moodle_numerical",
    totara_moodle_shortanswer => "totara_moodle_shortanswer",
    totara_moodle_shortanswer_general_feedback => "totara_moodle_shortanswer_general_feedback",
    totara_moodle_truefalse_true_answer1 => "totara_moodle_truefalse_true_answer1",
    totara_moodle_truefalse_true_answer2 => "totara_moodle_truefalse_true_answer2",
}

#[test]
fn every_gift_pegjs_fixture_has_a_test() {
    let mut on_disk: Vec<String> = crate::support::all_gift_fixtures()
        .into_iter()
        .filter_map(|f| {
            f.strip_prefix("gift-pegjs/")
                .and_then(|f| f.strip_suffix(".gift"))
                .map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = FILES.iter().map(|f| (*f).to_owned()).collect();
    tested.sort();
    assert_eq!(on_disk, tested);
    assert_eq!(tested.len(), 34);
}

#[test]
fn gift_pegjs_true_false_feedback_is_positional_and_ours_is_moodles() {
    // {FALSE#first#second}: Moodle shows the first to a learner who answered wrongly (true).
    let q = &parse_ok(&read("gift-pegjs/TFTwoFeedback.gift"))[0];
    let QuestionKind::TrueFalse {
        answer,
        feedback_wrong,
        feedback_right,
    } = &q.kind
    else {
        panic!("not true/false: {q:?}");
    };
    assert!(!answer);
    assert_eq!(feedback_wrong, &Some(Text::moodle("feedback for true")));
    assert_eq!(feedback_right, &Some(Text::moodle("feedback for false")));
}
