//! The JSON interchange shape and `convert`.

use hocvuso_assessment::interchange::{self, ConvertError, Format};
use hocvuso_assessment::model::Question;
use serde_json::json;

use crate::support::{all_gift_fixtures, parse_ok, read, without_lines, BANK};

#[test]
fn every_gift_fixture_goes_to_json_and_back_to_gift_without_losing_questions() {
    for fixture in all_gift_fixtures() {
        let source = read(&fixture);
        let questions = parse_ok(&source);
        let json = interchange::convert(&source, Format::Gift, Format::Json).unwrap();
        let gift = interchange::convert(&json, Format::Json, Format::Gift)
            .unwrap_or_else(|e| panic!("{fixture}: {e}\n{json}"));
        assert_eq!(
            without_lines(parse_ok(&gift)),
            without_lines(questions),
            "{fixture}\n{json}"
        );
    }
}

#[test]
fn the_json_shape_is_the_issues() {
    let json = interchange::to_json(&parse_ok(BANK));
    let single = &json[1];
    assert_eq!(single["id"], "single");
    assert_eq!(single["type"], "single_choice");
    assert_eq!(single["tags"], json!(["safety"]));
    assert_eq!(single["title"], "Capital");
    assert_eq!(single["text"], "Capital of Vietnam?");
    assert_eq!(
        single["options"][0],
        json!({"text": "Hà Nội", "fraction": 1.0, "feedback": "Đúng"})
    );
    assert_eq!(single["key"], json!([0]));
    assert_eq!(json[0]["key"], json!(true));
    assert_eq!(json[2]["key"], json!([0, 2]));
    assert_eq!(json[3]["key"], json!(["Frog"]));
    assert_eq!(
        json[4]["options"][1],
        json!({"min": 3.1, "max": 3.2, "fraction": 0.5, "feedback": "roughly"})
    );
    assert_eq!(json[5]["options"][3], json!({"left": "", "right": "Paris"}));
    assert_eq!(json[5]["key"][0], json!(["Canada", "Ottawa"]));
    let types: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "true_false",
            "single_choice",
            "multiple_choice",
            "short_answer",
            "numerical",
            "matching",
            "essay",
            "description",
            "true_false"
        ]
    );
    // A question without an id has no `id` key.
    assert!(json[8].get("id").is_none());
}

#[test]
fn json_written_by_hand_may_leave_fractions_to_the_key() {
    let questions = interchange::from_json(&json!([
        {"type": "single_choice", "text": "?", "options": ["a", "b", "c"], "key": [1]},
        {"type": "multiple_choice", "text": "?", "options": ["a", "b", "c", "d"], "key": [0, 2]},
        {"type": "short_answer", "text": "?", "key": ["VNeID"], "ignore_diacritics": true},
        {"type": "numerical", "text": "?", "key": 42},
        {"type": "ordering", "text": "?", "options": ["second", "first"], "key": [1, 0]},
        {"type": "hotspot", "text": "?", "image": "media/a.png", "width": 10, "height": 10, "alt": "a",
         "key": [{"shape": "circle", "cx": 5, "cy": 5, "r": 2}]},
    ]))
    .unwrap();
    let json = interchange::to_json(&questions);
    assert_eq!(json[0]["options"][1]["fraction"], 1.0);
    assert_eq!(json[1]["options"][2]["fraction"], 0.5);
    assert_eq!(json[2]["ignore_diacritics"], true);
    assert_eq!(
        json[3]["options"][0],
        json!({"number": 42.0, "tolerance": 0.0, "fraction": 1.0})
    );
    assert_eq!(json[4]["options"], json!(["first", "second"]));
    assert_eq!(json[4]["grading"], "relative_to_correct");
    assert_eq!(
        json[5]["key"][0],
        json!({"shape": "circle", "cx": 5, "cy": 5, "r": 2})
    );
    assert_eq!(
        without_lines(interchange::from_json(&json).unwrap()),
        without_lines(questions)
    );
}

#[test]
fn bad_json_questions_are_reported_by_position_and_field() {
    let errors = interchange::from_json(&json!([
        {"type": "true_false", "text": "ok", "key": false},
        {"type": "single_choice", "text": "?", "options": ["a", "b"], "key": [5]},
        {"type": "riddle", "text": "?"},
        {"text": "?", "colour": "red"},
    ]))
    .unwrap_err();
    let read: Vec<(usize, &str)> = errors
        .iter()
        .map(|e| (e.question, e.field.as_str()))
        .collect();
    assert_eq!(
        read,
        [(1, "key[0]"), (2, "type"), (3, "type"), (3, "colour")],
        "{errors:?}"
    );
    assert!(errors[1]
        .to_string()
        .starts_with("question #3, `type`: unknown question type `riddle`"));
    let error = interchange::convert("[1,", Format::Json, Format::Gift).unwrap_err();
    assert!(matches!(error, ConvertError::Json(_)));
}

#[test]
fn formats_are_named_as_on_the_command_line() {
    for name in ["gift", "moodle-xml", "qti", "json", "toml"] {
        let format: Format = name.parse().unwrap();
        assert_eq!(format.name(), name);
    }
    assert!("yaml".parse::<Format>().is_err());
    let error = interchange::convert("Q{T}", Format::Gift, Format::Qti).unwrap_err();
    assert_eq!(error, ConvertError::CannotWrite(Format::Qti));
}

#[test]
fn a_gift_bank_goes_to_moodle_xml_and_back_to_gift() {
    let xml = interchange::convert(BANK, Format::Gift, Format::MoodleXml).unwrap();
    let gift = interchange::convert(&xml, Format::MoodleXml, Format::Gift).unwrap();
    let again: Vec<Question> = parse_ok(&gift);
    assert_eq!(again.len(), parse_ok(BANK).len());
    let ids: Vec<_> = again.iter().map(|q| q.id.clone()).collect();
    let original: Vec<_> = parse_ok(BANK).iter().map(|q| q.id.clone()).collect();
    assert_eq!(ids, original);
}

#[test]
fn toml_banks_convert_to_json_and_moodle_xml() {
    let json = interchange::convert(crate::toml_bank::EXAMPLE, Format::Toml, Format::Json).unwrap();
    assert!(json.contains("\"type\": \"hotspot\""));
    let error = interchange::convert(crate::toml_bank::EXAMPLE, Format::Toml, Format::MoodleXml)
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("zalo-qr-01") && message.contains("hotspot"),
        "{message}"
    );
}
