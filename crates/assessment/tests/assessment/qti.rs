//! QTI 2.1, 2.2 and 3.0 items.

use std::collections::BTreeMap;

use hocvuso_assessment::grading;
use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::model::{OrderingGrading, QuestionKind, TextFormat};
use hocvuso_assessment::paper;
use hocvuso_assessment::qti;

use crate::support::{read, rng};

/// The fraction one question of a bank earns for the options showing `texts`.
fn mark(question: &hocvuso_assessment::model::Question, texts: &[&str]) -> f64 {
    let bank = vec![question.clone()];
    let rule = paper::DrawRule {
        count: 1,
        tags: vec![],
        shuffle: true,
    };
    let drawn = paper::draw(&bank, &rule, &mut rng(7)).unwrap();
    let shown = paper::present(&drawn, &bank);
    let ids: Vec<serde_json::Value> = texts
        .iter()
        .map(|t| {
            let option = shown[0].options.iter().find(|o| o.text.text == *t).unwrap();
            serde_json::json!(option.id)
        })
        .collect();
    let answers = BTreeMap::from([(shown[0].id.clone(), serde_json::Value::Array(ids))]);
    grading::grade(&drawn, &bank, &answers).unwrap().questions[0].fraction
}

#[test]
fn a_match_correct_multiple_choice_item_is_graded_all_or_nothing_as_qti_says() {
    let q = one("qti/qti3/QTI3multiplechoice2.xml");
    assert_eq!(mark(&q, &["Hydrogen", "Oxygen"]), 1.0);
    assert_eq!(mark(&q, &["Hydrogen"]), 0.0);
    assert_eq!(mark(&q, &["Hydrogen", "Oxygen", "Carbon"]), 0.0);
    assert_eq!(mark(&q, &[]), 0.0);
    assert_eq!(grading::max_fraction(&q), Some(1.0));
    // The rule travels: JSON says it, Moodle XML writes Moodle's all-or-nothing type, GIFT cannot.
    let json = interchange::write(std::slice::from_ref(&q), Format::Json).unwrap();
    assert!(json.contains("\"all_or_nothing\": true"), "{json}");
    let xml = interchange::convert(&json, Format::Json, Format::MoodleXml).unwrap();
    assert!(xml.contains("<question type=\"multichoiceset\">"), "{xml}");
    let back = qti_free(interchange::read(&xml, Format::MoodleXml).unwrap());
    assert_eq!(mark(&back, &["Hydrogen", "Oxygen"]), 1.0);
    assert_eq!(mark(&back, &["Oxygen"]), 0.0);
    let refused = interchange::write(&[q], Format::Gift).unwrap_err();
    assert!(refused.to_string().contains("all_or_nothing"), "{refused}");
}

#[test]
fn a_qti_match_item_keeps_its_mapping_weights_and_grades_by_them() {
    // 1EdTech's sample: C→R and P→T are worth 1, D→M and L→M 0.5 (3 in all).
    let q = one("qti/qti22/match.xml");
    let QuestionKind::Matching { pairs } = &q.kind else {
        panic!("{:?}", q.kind);
    };
    let weights: Vec<(&str, Option<f64>)> = pairs
        .iter()
        .map(|p| (p.left.text.as_str(), p.weight))
        .collect();
    assert_eq!(
        weights,
        [
            ("Capulet", Some(1.0 / 3.0)),
            ("Demetrius", Some(0.5 / 3.0)),
            ("Lysander", Some(0.5 / 3.0)),
            ("Prospero", Some(1.0 / 3.0)),
        ]
    );
    assert!(q.kind.has_unequal_match_weights());
    let bank = vec![q.clone()];
    let rule = paper::DrawRule {
        count: 1,
        tags: vec![],
        shuffle: true,
    };
    let drawn = paper::draw(&bank, &rule, &mut rng(3)).unwrap();
    let shown = paper::present(&drawn, &bank);
    let shown = &shown[0];
    let item = |text: &str| {
        shown
            .left
            .iter()
            .find(|o| o.text.text == text)
            .unwrap()
            .id
            .clone()
    };
    let target = |text: &str| {
        serde_json::json!(
            shown
                .options
                .iter()
                .find(|o| o.text.text == text)
                .unwrap()
                .id
        )
    };
    let mark = |given: &[(&str, &str)]| {
        let answer: serde_json::Map<String, serde_json::Value> =
            given.iter().map(|(l, r)| (item(l), target(r))).collect();
        let answers = BTreeMap::from([(shown.id.clone(), serde_json::Value::Object(answer))]);
        grading::grade(&drawn, &bank, &answers).unwrap().questions[0].fraction
    };
    let all = [
        ("Capulet", "Romeo and Juliet"),
        ("Demetrius", "A Midsummer-Night's Dream"),
        ("Lysander", "A Midsummer-Night's Dream"),
        ("Prospero", "The Tempest"),
    ];
    assert!((mark(&all) - 1.0).abs() < 1e-9);
    // Capulet alone earns a third; the two lovers together another third, as QTI's map_response.
    assert!((mark(&all[..1]) - 1.0 / 3.0).abs() < 1e-9);
    assert!((mark(&all[1..3]) - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(mark(&[("Capulet", "The Tempest")]), 0.0);
    // JSON keeps the weights; GIFT and Moodle XML cannot say them and refuse, naming the question.
    let json = interchange::write(&bank, Format::Json).unwrap();
    assert_eq!(
        interchange::read(&json, Format::Json).unwrap()[0].kind,
        q.kind
    );
    for to in [Format::Gift, Format::MoodleXml] {
        let refused = interchange::write(&bank, to).unwrap_err().to_string();
        assert!(refused.contains("question match"), "{refused}");
    }
}

fn qti_free(
    mut questions: Vec<hocvuso_assessment::model::Question>,
) -> hocvuso_assessment::model::Question {
    assert_eq!(questions.len(), 1);
    questions.remove(0)
}

fn one(fixture: &str) -> hocvuso_assessment::model::Question {
    let mut questions = qti::parse(&read(fixture)).unwrap_or_else(|e| panic!("{fixture}: {e:?}"));
    assert_eq!(questions.len(), 1);
    questions.remove(0)
}

fn fractions(kind: &QuestionKind) -> Vec<f64> {
    match kind {
        QuestionKind::Choice { options, .. } => options.iter().map(|o| o.fraction).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_qti_21_single_choice_item_reads_with_its_body_and_prompt() {
    let q = one("qti/qti21/choice.xml");
    assert_eq!(q.id.as_deref(), Some("choice"));
    assert_eq!(q.title.as_deref(), Some("Unattended Luggage"));
    assert_eq!(q.text.format, TextFormat::Html);
    assert_eq!(
        q.text.text,
        "<p>Look at the text in the picture.</p><p><img src=\"images/sign.png\" alt=\"NEVER \
         LEAVE LUGGAGE UNATTENDED\"/></p><p>What does it say?</p>"
    );
    assert!(matches!(
        q.kind,
        QuestionKind::Choice {
            multiple: false,
            ..
        }
    ));
    assert_eq!(fractions(&q.kind), [1.0, 0.0, 0.0]);
    assert_eq!(q.line, 3);
}

#[test]
fn a_qti_22_multiple_choice_mapping_becomes_moodle_fractions() {
    let q = one("qti/qti22/choice_multiple.xml");
    // H and O map to 1, Cl to -1, the rest to the default -2; upperBound 2 is full marks.
    assert_eq!(fractions(&q.kind), [0.5, -1.0, -1.0, 0.5, -1.0, -0.5]);
    let QuestionKind::Choice {
        multiple, options, ..
    } = &q.kind
    else {
        panic!()
    };
    assert!(*multiple);
    assert_eq!(options[0].text.text, "Hydrogen");
    assert_eq!(options[0].text.format, TextFormat::Plain);
}

#[test]
fn a_qti_22_text_entry_keeps_its_mapping_and_case() {
    let q = one("qti/qti22/text_entry.xml");
    let QuestionKind::ShortAnswer {
        answers,
        case_sensitive,
        ..
    } = &q.kind
    else {
        panic!()
    };
    assert!(*case_sensitive);
    let scored: Vec<(&str, f64)> = answers
        .iter()
        .map(|a| (a.text.as_str(), a.fraction))
        .collect();
    assert_eq!(scored, [("York", 1.0), ("york", 0.5)]);
    assert!(
        q.text.text.contains("by this sun of _____;"),
        "{}",
        q.text.text
    );
}

#[test]
fn a_qti_22_match_becomes_pairs() {
    let q = one("qti/qti22/match.xml");
    let QuestionKind::Matching { pairs } = &q.kind else {
        panic!()
    };
    let read: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.left.text.as_str(), p.right.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            ("Capulet", "Romeo and Juliet"),
            ("Demetrius", "A Midsummer-Night's Dream"),
            ("Lysander", "A Midsummer-Night's Dream"),
            ("Prospero", "The Tempest"),
        ]
    );
}

#[test]
fn qti_3_items_read_in_kebab_case() {
    let first = one("qti/qti3/firstexample.xml");
    assert_eq!(fractions(&first.kind), [1.0, 0.0, 0.0, 0.0]);
    assert!(first.text.text.contains("adrenal glands"));

    let multiple = one("qti/qti3/QTI3multiplechoice2.xml");
    // match_correct: the right choices marked, graded all or nothing.
    assert_eq!(fractions(&multiple.kind), [0.5, 0.0, 0.0, 0.5, 0.0, 0.0]);
    assert!(matches!(
        multiple.kind,
        QuestionKind::Choice {
            multiple: true,
            all_or_nothing: true,
            ..
        }
    ));

    let order = one("qti/qti3/QTI3-order.xml");
    let QuestionKind::Ordering { items, grading } = &order.kind else {
        panic!()
    };
    let texts: Vec<&str> = items.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Michael Schumacher", "Rubens Barrichello", "Jenson Button"]
    );
    assert_eq!(*grading, OrderingGrading::AllOrNothing);
    assert!(
        order
            .text
            .text
            .ends_with("<p>Rearrange them into the correct finishing order.</p>"),
        "{}",
        order.text.text
    );
}

#[test]
fn an_inline_choice_item_is_refused_with_its_line() {
    let errors = qti::parse(&read("qti/qti3/QTI3-inline-choice.xml")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 18);
    assert!(errors[0]
        .message
        .contains("inlineChoiceInteraction is not supported"));
}

#[test]
fn the_schema_invalid_item_gives_a_clear_error() {
    let errors = qti::parse(&read("qti/qti21/notSchemaValid.xml")).unwrap_err();
    assert_eq!(errors[0].line, 12, "{errors:?}");
    assert!(errors[0]
        .message
        .contains("<unknownElement> is not an element of a QTI item"));
    assert!(errors.iter().any(|e| e.message.contains("no itemBody")));
}

#[test]
fn qti_items_convert_to_gift_and_json() {
    for fixture in [
        "qti/qti21/choice.xml",
        "qti/qti22/choice_multiple.xml",
        "qti/qti3/firstexample.xml",
    ] {
        let gift = interchange::convert(&read(fixture), Format::Qti, Format::Gift).unwrap();
        let json = interchange::convert(&read(fixture), Format::Qti, Format::Json).unwrap();
        let from_gift = hocvuso_assessment::gift::parse(&gift).unwrap();
        let from_json = interchange::read(&json, Format::Json).unwrap();
        assert_eq!(
            crate::support::without_lines(from_gift),
            crate::support::without_lines(from_json),
            "{fixture}\n{gift}"
        );
    }
    // A case-sensitive answer, like unequal match weights (`match.xml`, see above), would be
    // marked differently by Moodle's GIFT import.
    let error = interchange::convert(&read("qti/qti22/text_entry.xml"), Format::Qti, Format::Gift)
        .unwrap_err();
    assert!(error.to_string().contains("case_sensitive"), "{error}");
    assert!(interchange::convert(
        &read("qti/qti22/text_entry.xml"),
        Format::Qti,
        Format::MoodleXml
    )
    .is_ok());
    // Ordering has no GIFT form.
    let error = interchange::convert(&read("qti/qti3/QTI3-order.xml"), Format::Qti, Format::Gift)
        .unwrap_err();
    assert!(
        error.to_string().contains("GIFT has no ordering"),
        "{error}"
    );
}

#[test]
fn other_documents_are_refused() {
    assert!(qti::parse("<assessmentTest/>").unwrap_err()[0]
        .message
        .contains("assessmentItem"));
    assert_eq!(qti::parse("<a>\n<b></c></a>").unwrap_err()[0].line, 2);
}
