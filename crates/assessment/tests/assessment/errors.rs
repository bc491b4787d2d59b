//! Malformed GIFT: every problem is reported, each at its line.

use hocvuso_assessment::gift::{self, GiftError};

fn errors(src: &str) -> Vec<GiftError> {
    match gift::parse(src) {
        Ok(questions) => panic!("expected errors, got {questions:?}"),
        Err(errors) => errors,
    }
}

fn lines(src: &str) -> Vec<usize> {
    errors(src).iter().map(|e| e.line).collect()
}

fn one_error(src: &str) -> GiftError {
    let mut all = errors(src);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn an_error_displays_as_line_and_message() {
    let error = GiftError {
        line: 7,
        message: "oops".into(),
    };
    assert_eq!(error.to_string(), "line 7: oops");
}

#[test]
fn an_unclosed_brace_is_reported_at_the_brace() {
    let error = one_error("// [id:a]\n::T::\nWho is buried{\n=nobody\n~Grant");
    assert_eq!(error.line, 3);
    assert!(error.message.contains("never closed"), "{error}");
}

#[test]
fn a_blank_line_inside_an_answer_block_is_reported_on_both_sides() {
    let found = lines("Who?{\n=a\n\n~b\n}");
    assert_eq!(found, [1, 5]);
}

#[test]
fn a_closing_brace_without_an_opening_one_is_reported() {
    assert_eq!(lines("Text } more"), [1]);
    assert_eq!(lines("Text } then {=a}"), [1]);
}

#[test]
fn a_second_answer_block_is_reported() {
    let error = one_error("One {=a} and\ntwo {=b}.");
    assert_eq!(error.line, 2);
}

#[test]
fn a_brace_inside_an_answer_block_is_reported() {
    assert_eq!(lines("Q{\n=a\n~b {\n~c}"), [3]);
}

#[test]
fn an_unclosed_title_is_reported() {
    let error = one_error("::Title without end\nQ{T}");
    assert_eq!(error.line, 1);
    assert!(error.message.contains("title"), "{error}");
}

#[test]
fn text_before_the_first_choice_is_unknown_answer_syntax() {
    let error = one_error("Q{\nstray words\n~a\n=b}");
    assert_eq!(error.line, 2);
}

#[test]
fn a_matching_pair_without_an_arrow_is_unknown_answer_syntax() {
    let error = one_error("Match{\n=a -> 1\n=b 2\n=c -> 3\n}");
    assert_eq!(error.line, 3);
    assert!(error.message.contains("->"), "{error}");
}

#[test]
fn a_matching_pair_without_a_right_side_is_reported() {
    assert_eq!(lines("Match{\n=a -> 1\n=b ->\n=c -> 3\n}"), [3]);
}

#[test]
fn empty_answers_and_empty_answer_sets_are_reported() {
    assert_eq!(lines("Q{=}"), [1]);
    assert_eq!(lines("Q{\n~a\n~\n}"), [3]);
    assert_eq!(lines("Q{#}"), [1]);
    assert_eq!(lines("Q{\n#\n####only feedback}"), [1]);
    // One choice is not a choice.
    assert_eq!(lines("Q{\n~only\n}"), [1]);
    // A matching question needs two things to match.
    assert_eq!(lines("Q{\n=a -> 1\n= -> 2\n}"), [1]);
}

#[test]
fn bad_numbers_are_reported_at_their_answer() {
    assert_eq!(lines("Year?{#\n=1822\n=%50%eighteen\n}"), [3]);
    assert_eq!(lines("Range?{#5..1}"), [1]);
    assert_eq!(lines("Tolerance?{#\n=3:-1}"), [2]);
    assert_eq!(lines("Huge?{#1e999}"), [1]);
    assert_eq!(lines("NaN?{#NaN}"), [1]);
    let error = one_error("Year?{#\n=1822\n=eighteen}");
    assert!(error.message.contains("eighteen"), "{error}");
}

#[test]
fn bad_weights_are_reported() {
    assert_eq!(lines("Q{\n~%5O%a\n~b}"), [2]);
    assert_eq!(lines("Q{\n~%150%a\n~b}"), [2]);
    assert_eq!(lines("Q{\n=%-101%a}"), [2]);
}

#[test]
fn a_numerical_catch_all_must_come_last_and_carry_only_feedback() {
    assert_eq!(lines("N{#\n~#no\n=3}"), [2]);
    assert_eq!(lines("N{#\n=3\n~4#no}"), [3]);
    assert_eq!(lines("N{#\n=3\n~%10%#no}"), [3]);
}

#[test]
fn a_category_line_swallowing_a_question_is_reported() {
    let error = one_error("$CATEGORY: top/x\n::Q::Who?{=a ~b}");
    assert_eq!(error.line, 2);
}

#[test]
fn several_problems_in_one_file_are_all_reported_in_order() {
    let src = "\u{feff}// [id:ok]\r\nGood?{T}\r\n\r\n\
               Unclosed {\r\n=a\r\n\r\n\
               Weights{\r\n~%x%a\r\n~b\r\n~%200%c}\r\n\r\n\
               Fine{=yes}\r\n\r\n\
               Number{#abc}\r\n";
    let found = errors(src);
    let found_lines: Vec<usize> = found.iter().map(|e| e.line).collect();
    assert_eq!(found_lines, [4, 8, 10, 14], "{found:?}");
}

#[test]
fn nothing_but_comments_and_blank_lines_is_an_empty_bank() {
    assert_eq!(
        gift::parse("// just a comment\n\n   \n// another").unwrap(),
        []
    );
    assert_eq!(gift::parse("").unwrap(), []);
}
