//! xAPI statements, and the checker against ADL's LRS conformance templates.

use hocvuso_credentials::xapi::{
    check_statement, statement, statement_id, Activity, StatementInput, Verb, COMPLETED, PASSED,
};
use hocvuso_credentials::LearnerRef;
use serde_json::json;
use time::macros::datetime;

use crate::support::{base, read_json};

fn completed() -> StatementInput {
    StatementInput {
        verb: Verb::Completed,
        learner: LearnerRef::parse("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b").unwrap(),
        activity: Activity::course(&base(), "an-toan-tren-mang", "An toàn trên mạng"),
        key: "7K3M9Q2XH4TB6WRV0ZCD".into(),
        score_percent: Some(87.5),
        success: None,
        completion: true,
        timestamp: datetime!(2025-11-20 10:10 +7),
        platform: Some("Học Vụ Số".into()),
        content_version: Some("b1946ac9".into()),
    }
}

fn passed() -> StatementInput {
    StatementInput {
        verb: Verb::Passed,
        activity: Activity::quiz(
            &base(),
            "ai-trong-doi-song",
            "final",
            "Bài kiểm tra cuối lộ trình",
        ),
        key: "attempt-42".into(),
        score_percent: Some(90.0),
        success: Some(true),
        ..completed()
    }
}

#[test]
fn the_adl_templates_are_judged_as_the_conformance_suite_does() {
    for ok in ["default", "result", "context", "unicode", "voiding"] {
        let s = read_json(&format!("xapi-statements/{ok}.json"));
        assert_eq!(check_statement(&s), Ok(()), "{ok}");
    }
    for (bad, problem) in [
        ("no_actor", "actor is required"),
        ("no_verb", "verb is required"),
        ("no_object", "object is required"),
    ] {
        let s = read_json(&format!("xapi-statements/{bad}.json"));
        let errors = check_statement(&s).unwrap_err();
        assert!(
            errors.iter().any(|e| e.contains(problem)),
            "{bad}: {errors:?}"
        );
    }
}

#[test]
fn our_statements_are_valid() {
    for input in [completed(), passed()] {
        let s = statement(&base(), &input).unwrap();
        assert_eq!(check_statement(&s), Ok(()), "{s:#}");
    }
}

#[test]
fn a_completed_statement_has_the_expected_shape() {
    let s = statement(&base(), &completed()).unwrap();
    assert_eq!(
        s["actor"],
        json!({
            "objectType": "Agent",
            "account": {
                "homePage": "https://hocvuso.benthanh.example.vn",
                "name": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
            }
        })
    );
    assert_eq!(s["verb"]["id"], COMPLETED);
    assert_eq!(
        s["object"]["id"],
        "https://hocvuso.benthanh.example.vn/courses/an-toan-tren-mang"
    );
    assert_eq!(
        s["object"]["definition"]["name"]["vi-VN"],
        "An toàn trên mạng"
    );
    assert_eq!(
        s["result"],
        json!({
            "score": { "scaled": 0.875, "raw": 87.5, "min": 0, "max": 100 },
            "completion": true
        })
    );
    assert_eq!(s["timestamp"], "2025-11-20T03:10:00Z");
    assert_eq!(s["context"]["language"], "vi-VN");
    assert_eq!(
        s["context"]["extensions"]
            ["https://hocvuso.benthanh.example.vn/xapi/extensions/content-version"],
        "b1946ac9"
    );
}

#[test]
fn a_passed_statement_says_success() {
    let s = statement(&base(), &passed()).unwrap();
    assert_eq!(s["verb"]["id"], PASSED);
    assert_eq!(s["result"]["success"], true);
    assert_eq!(
        s["object"]["id"],
        "https://hocvuso.benthanh.example.vn/courses/ai-trong-doi-song/quizzes/final"
    );
    assert_eq!(
        s["object"]["definition"]["type"],
        "http://adlnet.gov/expapi/activities/assessment"
    );
}

#[test]
fn statement_ids_are_stable_uuids_so_re_exports_do_not_duplicate() {
    let a = statement(&base(), &completed()).unwrap();
    let b = statement(&base(), &completed()).unwrap();
    assert_eq!(a["id"], b["id"]);
    let id = a["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "5", "version 5 (name-based) UUID");
    assert!(
        matches!(&id[19..20], "8" | "9" | "a" | "b"),
        "RFC 4122 variant"
    );
    assert_ne!(
        statement_id(&base(), Verb::Completed, "x"),
        statement_id(&base(), Verb::Passed, "x")
    );
}

#[test]
fn the_username_never_appears() {
    let s = statement(&base(), &completed()).unwrap().to_string();
    assert!(!s.contains("mbox"));
    assert!(!s.contains("lan.nguyen"));
}

#[test]
fn the_checker_catches_what_an_lrs_would_refuse() {
    let good = statement(&base(), &completed()).unwrap();
    let cases = [
        (
            "/actor/account",
            json!({"homePage": "not an iri", "name": "x"}),
            "absolute IRI",
        ),
        ("/result/score/scaled", json!(1.5), "between -1 and 1"),
        ("/timestamp", json!("20/11/2025"), "RFC 3339"),
        ("/id", json!("123"), "UUID"),
        // Version 8 (custom) UUIDs are valid RFC 9562 but refused by xAPI client libraries.
        (
            "/id",
            json!("3f1a2b4c-5d6e-8f70-8a1b-2c3d4e5f6a7b"),
            "version 1 to 5",
        ),
        ("/verb/display", json!({"vi VN": "x"}), "language tag"),
    ];
    for (pointer, value, problem) in cases {
        let mut s = good.clone();
        *s.pointer_mut(pointer).unwrap() = value;
        let errors = check_statement(&s).unwrap_err();
        assert!(
            errors.iter().any(|e| e.contains(problem)),
            "{pointer}: {errors:?}"
        );
    }
    let mut two_ifis = good.clone();
    two_ifis["actor"]["mbox"] = json!("mailto:a@b.vn");
    assert!(check_statement(&two_ifis).is_err());
    let mut unknown = good;
    unknown["extra"] = json!(1);
    assert!(check_statement(&unknown).is_err());
}
