//! `write` is the inverse of `parse` (apart from source lines), for every fixture.

use hocvuso_assessment::gift;
use hocvuso_assessment::model::{Question, QuestionKind, Text, TextFormat};

use crate::support::{all_gift_fixtures, parse_ok, read, without_lines};

fn assert_round_trip(questions: &[Question]) {
    let written = gift::write(questions);
    let again = gift::parse(&written).unwrap_or_else(|errors| {
        panic!("written GIFT does not parse: {errors:?}\n{written}");
    });
    assert_eq!(
        without_lines(again),
        without_lines(questions.to_vec()),
        "\n{written}"
    );
}

#[test]
fn every_fixture_reads_back_the_same_after_writing() {
    let fixtures = all_gift_fixtures();
    assert_eq!(fixtures.len(), 36);
    for fixture in fixtures {
        let questions = parse_ok(&read(&fixture));
        assert_round_trip(&questions);
    }
}

#[test]
fn written_gift_carries_the_id_and_tags_comment() {
    let questions = parse_ok("// [id:lua-dao-01] [tag:competence-4.2] [tag:level-1]\nWho?{=a ~b}");
    let written = gift::write(&questions);
    assert!(
        written.starts_with("// [id:lua-dao-01] [tag:competence-4.2] [tag:level-1]\n"),
        "{written}"
    );
}

#[test]
fn written_gift_looks_like_moodles_export() {
    let questions = parse_ok(
        "::Q2:: What's between orange and green in the spectrum?\n{\n    =yellow # right; good!\n    \
         ~red # [html]wrong, it's yellow\n    ~[plain]blue # wrong, it's yellow\n}",
    );
    // Moodle's test_export_multichoice, without its "// question: 666" line.
    assert_eq!(
        gift::write(&questions),
        "::Q2::What's between orange and green in the spectrum?{\n\t=yellow#right; good!\n\t\
         ~red#[html]wrong, it's yellow\n\t~[plain]blue#wrong, it's yellow\n}\n"
    );
}

#[test]
fn texts_that_look_like_syntax_are_protected_when_written() {
    let q = |text: &str, kind: QuestionKind| Question {
        id: Some("x".into()),
        tags: vec![],
        title: None,
        category: None,
        text: Text::moodle(text),
        general_feedback: None,
        kind,
        line: 1,
    };
    let questions = vec![
        // Would be a comment line, a format, a title or a category.
        q("// not a comment", QuestionKind::Description),
        q("[html] is not a format here", QuestionKind::Description),
        q("::not a title::", QuestionKind::Essay),
        q("$CATEGORY: not a category", QuestionKind::Description),
        // Escapes of every control character, a literal backslash-n and a real line break.
        q("a:b#c=d{e}f~g\\h \\n i\nj", QuestionKind::Essay),
        // An answer that starts with `%` is not a weight; "T" typed is not true/false.
        q(
            "Which?",
            QuestionKind::Choice {
                multiple: false,
                options: vec![
                    hocvuso_assessment::model::ChoiceOption {
                        text: Text::moodle("%50% off"),
                        fraction: 1.0,
                        feedback: None,
                    },
                    hocvuso_assessment::model::ChoiceOption {
                        text: Text::new(TextFormat::Plain, "%0 off"),
                        fraction: 0.0,
                        feedback: Some(Text::moodle("[markdown]")),
                    },
                ],
                all_or_nothing: false,
            },
        ),
        q(
            "Letter?",
            QuestionKind::ShortAnswer {
                answers: vec![
                    hocvuso_assessment::model::TextAnswer {
                        text: "T".into(),
                        fraction: 1.0,
                        feedback: None,
                    },
                    hocvuso_assessment::model::TextAnswer {
                        text: "[plain]".into(),
                        fraction: 0.5,
                        feedback: None,
                    },
                ],
                case_sensitive: false,
                ignore_diacritics: false,
            },
        ),
    ];
    assert_round_trip(&questions);
}

#[test]
fn a_single_choice_without_a_full_mark_answer_stays_single_choice() {
    let questions = parse_ok("Pick{=%50%half ~%0%none ~%-50%worse}");
    let QuestionKind::Choice { multiple, .. } = &questions[0].kind else {
        panic!();
    };
    assert!(!multiple);
    assert_round_trip(&questions);
    let all_right = parse_ok("Pick{=a =b ~%100%c}");
    assert_round_trip(&all_right);
}
