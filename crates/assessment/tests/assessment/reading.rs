//! How the reader treats the parts of GIFT that the fixtures do not spell out.

use hocvuso_assessment::gift;
use hocvuso_assessment::model::{QuestionKind, Text, TextFormat};

use crate::support::{parse_ok, without_lines, BANK};

#[test]
fn a_bom_and_windows_line_endings_read_like_unix_text() {
    let windows = format!("\u{feff}{}", BANK.replace('\n', "\r\n"));
    assert_eq!(parse_ok(&windows), parse_ok(BANK));
    let old_mac = BANK.replace('\n', "\r");
    assert_eq!(parse_ok(&old_mac), parse_ok(BANK));
}

#[test]
fn a_comment_block_cut_off_by_a_blank_line_gives_no_id() {
    // Moodle reads ids from the comments of the question's own block only.
    let questions = parse_ok("// [id:lost]\n\nQuestion?{T}");
    assert_eq!(questions[0].id, None);
    assert_eq!(questions[0].line, 3);
}

#[test]
fn comments_anywhere_in_the_block_are_dropped_and_searched_for_tags() {
    let questions = parse_ok("::Q::Pick one{\n// [tag:late]\n=a\n  // between answers\n~b\n}");
    assert_eq!(questions[0].tags, ["late"]);
    let QuestionKind::Choice { options, .. } = &questions[0].kind else {
        panic!();
    };
    assert_eq!(options.len(), 2);
}

#[test]
fn a_category_line_is_skipped() {
    let questions = parse_ok("$CATEGORY: $course$/top/Quiz\n\n// [id:a]\nQ?{T}");
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0].id.as_deref(), Some("a"));
}

#[test]
fn an_equals_sign_makes_a_choice_single_and_its_absence_makes_checkboxes() {
    let questions = parse_ok("A{=a ~b}\n\nB{~%100%a ~b}\n\nC{=a =b ~c}");
    let multiple: Vec<bool> = questions
        .iter()
        .map(|q| matches!(q.kind, QuestionKind::Choice { multiple: true, .. }))
        .collect();
    assert_eq!(multiple, [false, true, false]);
    assert_eq!(questions[0].type_key(), "single_choice");
    assert_eq!(questions[1].type_key(), "multiple_choice");
}

#[test]
fn answers_without_tilde_are_short_answers_unless_true_or_false() {
    let questions = parse_ok("A{One}\n\nB{=one =1}\n\nC{TRUE}\n\nD{true}\n\nE{F#no}");
    let types: Vec<&str> = questions.iter().map(|q| q.type_key()).collect();
    // Moodle is case-sensitive here: `{true}` expects the word "true" typed in.
    assert_eq!(
        types,
        [
            "short_answer",
            "short_answer",
            "true_false",
            "short_answer",
            "true_false"
        ]
    );
}

#[test]
fn the_blank_of_an_embedded_answer_goes_where_the_block_was() {
    let questions = parse_ok("Grant is {~buried =entombed ~living} in Grant's tomb.");
    assert_eq!(questions[0].text.text, "Grant is _____ in Grant's tomb.");
    let questions = parse_ok("{=Asia} is the largest continent.");
    assert_eq!(questions[0].text.text, "_____ is the largest continent.");
}

#[test]
fn the_last_four_hashes_start_the_general_feedback() {
    let questions = parse_ok("Q{~a# =b####[html]<b>General</b>}");
    let q = &questions[0];
    assert_eq!(
        q.general_feedback,
        Some(Text::new(TextFormat::Html, "<b>General</b>"))
    );
    let QuestionKind::Choice { options, .. } = &q.kind else {
        panic!();
    };
    assert_eq!(options[0].feedback, None);
}

#[test]
fn a_typed_line_break_in_moodle_text_is_a_space_and_backslash_n_is_a_line_break() {
    let questions = parse_ok("First line\n  continues\\nSecond line{}");
    assert_eq!(questions[0].text.text, "First line continues\nSecond line");
    let markdown = parse_ok("[markdown]# Title\n\n");
    assert_eq!(markdown[0].text.text, "# Title");
    let list = parse_ok("[markdown]- one\n  - nested{}");
    assert_eq!(list[0].text.text, "- one\n  - nested");
}

#[test]
fn a_numerical_answer_without_equals_and_with_catch_all_feedback() {
    let q = &parse_ok("N{#1822:2 ~#Too far}")[0];
    let QuestionKind::Numerical { answers } = &q.kind else {
        panic!();
    };
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[1].feedback, Some(Text::moodle("Too far")));
}

#[test]
fn a_file_of_real_course_questions_round_trips() {
    // The shape content authors write (content-format.md).
    let src = "// [id:lua-dao-01] [tag:competence-4.2] [tag:level-1]\n\
               ::Tin nhắn trúng thưởng::Bạn nhận tin nhắn báo trúng thưởng và yêu cầu nộp phí. \
               Bạn nên làm gì?{\n  =Không chuyển tiền và báo cho người thân hoặc công an#Đúng\\: \
               đây là dấu hiệu lừa đảo.\n  ~Chuyển phí ngay để nhận thưởng#Sai\\: không bao giờ \
               nộp phí để nhận thưởng.\n  ~Gọi lại số trong tin nhắn để hỏi\n}\n";
    let questions = parse_ok(src);
    assert_eq!(questions[0].id.as_deref(), Some("lua-dao-01"));
    assert_eq!(questions[0].tags, ["competence-4.2", "level-1"]);
    let QuestionKind::Choice {
        multiple, options, ..
    } = &questions[0].kind
    else {
        panic!();
    };
    assert!(!multiple);
    assert_eq!(
        options[0].feedback,
        Some(Text::moodle("Đúng: đây là dấu hiệu lừa đảo."))
    );
    let again = gift::parse(&gift::write(&questions)).unwrap();
    assert_eq!(without_lines(again), without_lines(questions));
}
