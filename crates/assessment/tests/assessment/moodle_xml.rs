//! Moodle XML: Moodle's fixtures read, banks written and read back, Moodle's grade rule enforced.

use hocvuso_assessment::gift;
use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::model::{
    NumericValue, OrderingGrading, Question, QuestionKind, Text, TextFormat,
};
use hocvuso_assessment::moodle_xml;

use crate::support::{all_gift_fixtures, parse_ok, read, without_lines};

#[test]
fn moodles_nested_categories_fixture_reads_its_questions_each_in_its_category() {
    let questions =
        moodle_xml::parse(&read("moodle-xml/nested_categories_with_questions.xml")).unwrap();
    let categories: Vec<_> = questions
        .iter()
        .map(|q| q.category.as_deref().unwrap())
        .collect();
    assert_eq!(
        categories,
        [
            "$course$/Iota",
            "$course$/Iota/Kappa",
            "$course$/Iota/Kappa",
            "$course$/Iota/Kappa/Lambda",
            "$course$/Iota/Mu"
        ]
    );
    let titles: Vec<_> = questions.iter().map(|q| q.title.clone().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Iota Question",
            "Kappa Essay Question",
            "Kappa Question",
            "Lambda Question",
            "Mu Question"
        ]
    );
    let first = &questions[0];
    assert_eq!(
        first.text,
        Text::new(TextFormat::Html, "<p>Testing Iota Question</p>")
    );
    assert!(matches!(
        first.kind,
        QuestionKind::TrueFalse { answer: true, .. }
    ));
    assert_eq!(first.line, 15);
    assert_eq!(questions[1].kind, QuestionKind::Essay);
    assert_eq!(questions[1].text.format, TextFormat::Moodle);
    assert!(questions
        .iter()
        .all(|q| q.id.is_none() && q.general_feedback.is_none()));
}

#[test]
fn html_characters_in_an_idnumber_are_unescaped_and_escaped_again() {
    let questions = moodle_xml::parse(&read("moodle-xml/html_chars_in_idnumbers.xml")).unwrap();
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0].id.as_deref(), Some("T & F"));
    let written = moodle_xml::write(&questions).unwrap();
    assert!(
        written.contains("<idnumber>T &amp; F</idnumber>"),
        "{written}"
    );
    assert_eq!(
        without_lines(moodle_xml::parse(&written).unwrap()),
        without_lines(questions)
    );
}

#[test]
fn moodle_xml_fixtures_convert_to_gift_without_losing_questions() {
    for fixture in [
        "moodle-xml/nested_categories_with_questions.xml",
        "moodle-xml/html_chars_in_idnumbers.xml",
    ] {
        let from_xml = moodle_xml::parse(&read(fixture)).unwrap();
        let gift_text =
            interchange::convert(&read(fixture), Format::MoodleXml, Format::Gift).unwrap();
        let from_gift = parse_ok(&gift_text);
        assert_eq!(
            without_lines(from_gift),
            without_lines(from_xml),
            "{gift_text}"
        );
    }
}

/// What a trip through Moodle XML changes, by Moodle's design: a question gets a name, and a range
/// becomes its middle give or take half its width.
fn as_moodle_keeps_it(mut question: Question) -> Question {
    question.line = 0;
    if let QuestionKind::Numerical { answers } = &mut question.kind {
        for answer in answers {
            if let NumericValue::Range { min, max } = answer.value {
                answer.value = moodle_xml::range_as_moodle_keeps_it(min, max);
            }
        }
    }
    question
}

#[test]
fn every_gift_fixture_survives_a_trip_through_moodle_xml() {
    let mut refused = 0;
    for fixture in all_gift_fixtures() {
        let questions = parse_ok(&read(&fixture));
        let written = match moodle_xml::write(&questions) {
            Ok(written) => written,
            Err(errors) => {
                // Only Moodle's grade rule may refuse a GIFT question, and a reference to a
                // Moodle file that GIFT could not carry.
                assert!(
                    errors.iter().all(|e| e.message.contains("Moodle's grades")
                        || e.message.contains("@@PLUGINFILE@@")),
                    "{errors:?}"
                );
                refused += 1;
                continue;
            }
        };
        let again =
            moodle_xml::parse(&written).unwrap_or_else(|e| panic!("{fixture}: {e:?}\n{written}"));
        assert_eq!(again.len(), questions.len(), "{fixture}");
        for (read_back, original) in again.into_iter().zip(questions) {
            let mut read_back = as_moodle_keeps_it(read_back);
            let original = as_moodle_keeps_it(original);
            if original.title.is_none() {
                assert!(read_back.title.is_some());
                read_back.title = None;
            }
            assert_eq!(read_back, original, "{fixture}\n{written}");
        }
    }
    assert!(refused <= 3, "{refused} fixtures refused");
}

#[test]
fn a_fraction_moodle_does_not_allow_is_an_error_with_its_line() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Q</text></name>
    <questiontext format="html"><text>Pick</text></questiontext>
    <answer fraction="100"><text>a</text></answer>
    <answer fraction="37"><text>b</text></answer>
  </question>
  <question type="calculated">
    <name><text>C</text></name>
  </question>
</quiz>
"#;
    let errors = moodle_xml::parse(xml).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 7);
    assert!(errors[0].message.contains("37") && errors[0].message.contains("83.33333"));
    assert_eq!(errors[1].line, 9);
    assert!(errors[1].message.contains("calculated"));

    let bank = parse_ok("// [id:x]\nPick{=a ~%37%b}");
    let errors = moodle_xml::write(&bank).unwrap_err();
    assert_eq!(errors[0].id.as_deref(), Some("x"));
    assert!(errors[0].to_string().contains("37%"), "{}", errors[0]);
}

#[test]
fn malformed_xml_is_an_error_with_a_line_never_a_panic() {
    let errors = moodle_xml::parse("<quiz>\n<question type=\"essay\">\n</quiz>").unwrap_err();
    assert_eq!(errors[0].line, 3, "{errors:?}");
    let errors = moodle_xml::parse("<?xml version=\"1.0\"?>\n<html/>").unwrap_err();
    assert!(errors[0].message.contains("<quiz>"));
}

#[test]
fn ordering_questions_go_to_moodles_ordering_type_and_back() {
    let bank = vec![Question {
        id: Some("thu-tu".into()),
        tags: vec!["competence-1.2".into()],
        title: Some("Thứ tự".into()),
        category: None,
        text: Text::moodle("Sắp xếp"),
        general_feedback: None,
        kind: QuestionKind::Ordering {
            items: ["Tải ứng dụng", "Nhập số định danh", "Nhập OTP"]
                .map(Text::moodle)
                .to_vec(),
            grading: OrderingGrading::AbsolutePosition,
        },
        line: 0,
    }];
    let written = moodle_xml::write(&bank).unwrap();
    assert!(
        written.contains("<gradingtype>ABSOLUTE_POSITION</gradingtype>"),
        "{written}"
    );
    assert_eq!(
        without_lines(moodle_xml::parse(&written).unwrap()),
        without_lines(bank)
    );
}

#[test]
fn moodles_own_ordering_export_reads_with_its_defaults() {
    // Moodle's qtype_ordering test fixture (testexport.moodle.xml), trimmed: empty settings mean
    // Moodle's defaults.
    let xml = r#"<quiz>
  <question type="ordering">
    <name><text>Moodle</text></name>
    <questiontext format="html"><text>Put these words in order.</text></questiontext>
    <idnumber>myid</idnumber>
    <gradingtype></gradingtype>
    <answer fraction="1.0000000" format="html"><text>Modular</text></answer>
    <answer fraction="2.0000000" format="html"><text>Object</text></answer>
    <answer fraction="3.0000000" format="html"><text>Oriented</text></answer>
  </question>
</quiz>"#;
    let questions = moodle_xml::parse(xml).unwrap();
    let QuestionKind::Ordering { items, grading } = &questions[0].kind else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert_eq!(*grading, OrderingGrading::RelativeNextExcludeLast);
}

#[test]
fn case_sensitivity_travels_as_usecase() {
    let mut bank = parse_ok("// [id:york]\n::York::Who?{=York}");
    if let QuestionKind::ShortAnswer { case_sensitive, .. } = &mut bank[0].kind {
        *case_sensitive = true;
    }
    let written = moodle_xml::write(&bank).unwrap();
    assert!(written.contains("<usecase>1</usecase>"));
    assert_eq!(
        without_lines(moodle_xml::parse(&written).unwrap()),
        without_lines(bank)
    );
    assert!(gift::expressible(&parse_ok("Q{T}")[0]));
}
