//! `questions.toml`: the extension file for what GIFT cannot say.

use hocvuso_assessment::gift;
use hocvuso_assessment::model::{OrderingGrading, QuestionKind, Region, Text, TextFormat};
use hocvuso_assessment::toml_bank::{self, TomlBankError};

/// The example of FORMAT.md, kept in step with it by `format_md_examples_parse`.
pub const EXAMPLE: &str = r#"# Câu hỏi mà GIFT không viết được.

[[question]]
id = "vneid-thu-tu-01"
tags = ["competence-1.2", "level-1"]
title = "Các bước đăng ký VNeID"
type = "ordering"
text = "Sắp xếp các bước đăng ký tài khoản định danh điện tử theo đúng thứ tự."
items = [
  "Tải ứng dụng VNeID",
  "Nhập số định danh cá nhân và số điện thoại",
  "Nhập mã OTP được gửi về điện thoại",
  "Đặt mật khẩu",
]
grading = "relative_to_correct"
general_feedback = "Mã OTP chỉ dùng một lần; không đọc cho ai khác."

[[question]]
id = "zalo-qr-01"
tags = ["competence-2.1"]
type = "hotspot"
text = "Bạn chạm vào đâu để quét mã QR?"
image = "media/zalo-man-hinh-chinh.png"
width = 360
height = 640
alt = "Màn hình chính của Zalo: ô tìm kiếm ở trên cùng, biểu tượng mã QR ở góc trên bên phải."

[[question.region]]
shape = "rect"
x = 300
y = 16
w = 44
h = 44

[[question]]
id = "vneid-ten-01"
type = "short_answer"
text = "Ứng dụng định danh điện tử của Bộ Công an tên là gì?"
answers = ["VNeID", { text = "VN eID", fraction = 0.5, feedback = "Gần đúng: viết liền là VNeID." }]

[[question]]
id = "dang-ky-02"
type = "short_answer"
text = "Muốn có tài khoản, bạn phải làm gì trước tiên? (hai chữ)"
answers = ["đăng ký"]
ignore_diacritics = true

[options.dang-ky-01]
ignore_diacritics = true
"#;

const GIFT: &str =
    "// [id:dang-ky-01]\nĐể dùng dịch vụ công trực tuyến, bạn cần ____ tài khoản.{=đăng ký}\n";

#[test]
fn the_format_example_reads_with_lines() {
    let bank = toml_bank::parse_bank(EXAMPLE).unwrap();
    let ids: Vec<_> = bank
        .questions
        .iter()
        .map(|q| q.id.clone().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "vneid-thu-tu-01",
            "zalo-qr-01",
            "vneid-ten-01",
            "dang-ky-02"
        ]
    );
    let lines: Vec<_> = bank.questions.iter().map(|q| q.line).collect();
    assert_eq!(lines, [3, 18, 35, 41]);

    let order = &bank.questions[0];
    assert_eq!(order.tags, ["competence-1.2", "level-1"]);
    assert_eq!(order.title.as_deref(), Some("Các bước đăng ký VNeID"));
    let QuestionKind::Ordering { items, grading } = &order.kind else {
        panic!("{:?}", order.kind);
    };
    assert_eq!(items.len(), 4);
    assert_eq!(items[0], Text::moodle("Tải ứng dụng VNeID"));
    assert_eq!(*grading, OrderingGrading::RelativeToCorrect);
    assert!(order.general_feedback.is_some());

    let QuestionKind::Hotspot {
        image,
        width,
        height,
        regions,
        ..
    } = &bank.questions[1].kind
    else {
        panic!();
    };
    assert_eq!(
        (image.as_str(), *width, *height),
        ("media/zalo-man-hinh-chinh.png", 360, 640)
    );
    assert_eq!(
        regions,
        &[Region::Rect {
            x: 300,
            y: 16,
            w: 44,
            h: 44
        }]
    );

    let QuestionKind::ShortAnswer { answers, .. } = &bank.questions[2].kind else {
        panic!();
    };
    assert_eq!(answers[1].fraction, 0.5);
    assert!(answers[1].feedback.is_some());
    assert!(matches!(
        bank.questions[3].kind,
        QuestionKind::ShortAnswer {
            ignore_diacritics: true,
            case_sensitive: false,
            ..
        }
    ));
    assert_eq!(bank.options.len(), 1);
    assert_eq!(bank.options[0].line, 48);
}

#[test]
fn options_tables_apply_to_gift_questions() {
    let bank = toml_bank::parse_bank(EXAMPLE).unwrap();
    let gift = gift::parse(GIFT).unwrap();
    let all = bank.apply(gift).unwrap();
    assert_eq!(all.len(), 5);
    assert!(matches!(
        all[0].kind,
        QuestionKind::ShortAnswer {
            ignore_diacritics: true,
            ..
        }
    ));
}

#[test]
fn options_for_a_missing_or_wrong_question_are_errors_at_their_line() {
    let bank = toml_bank::parse_bank("\n[options.nope]\nignore_diacritics = true\n").unwrap();
    let errors = bank.apply(gift::parse(GIFT).unwrap()).unwrap_err();
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].message.contains("nope"), "{errors:?}");

    let bank = toml_bank::parse_bank("[options.tf]\ncase_sensitive = true\n").unwrap();
    let errors = bank
        .apply(gift::parse("// [id:tf]\nSky is blue.{T}").unwrap())
        .unwrap_err();
    assert!(errors[0].message.contains("true_false"), "{errors:?}");
}

fn errors(src: &str) -> Vec<TomlBankError> {
    toml_bank::parse(src).unwrap_err()
}

#[test]
fn problems_are_reported_at_the_line_of_their_field_all_at_once() {
    let src = r#"[[question]]
id = "a"
type = "ordering"
text = "Sắp xếp"
items = ["chỉ một"]

[[question]]
id = "b"
type = "hotspot"
text = "Chạm vào đâu?"
image = "media/a.png"
width = 100
height = 100
alt = "ảnh"
region = [{ x = 90, y = 90, w = 20, h = 20 }]

[[question]]
id = "c"
type = "short_answer"
text = "?"
answers = ["x"]
ignore_diacritic = true
"#;
    let errors = errors(src);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [5, 15, 22], "{errors:?}");
    assert!(errors[0].message.contains("two items"));
    assert!(errors[1].message.contains("outside"));
    assert!(errors[2].message.contains("ignore_diacritic"));
}

#[test]
fn toml_syntax_errors_and_unknown_tables_have_lines() {
    let errors = errors("[[question]]\nid = \"a\"\ntext = \"unterminated\n");
    assert_eq!(errors[0].line, 3, "{errors:?}");
    let errors = errors_of("\n\n[questions]\nid = 1\n");
    assert_eq!(errors[0].line, 3, "{errors:?}");
    let errors = errors_of("[[question]]\ntype = \"ordering\"\nitems = [\"a\", \"b\"]\n");
    assert!(errors[0].message.contains("text"), "{errors:?}");
    assert_eq!(errors[0].line, 1);
    let errors = errors_of("[[question]]\ntype = \"fill_in\"\ntext = \"?\"\n");
    assert!(errors[0].message.contains("hotspot"), "{errors:?}");
    assert_eq!(errors[0].line, 2);
}

fn errors_of(src: &str) -> Vec<TomlBankError> {
    toml_bank::parse(src).unwrap_err()
}

#[test]
fn every_type_can_be_written_in_toml_and_texts_can_carry_a_format() {
    let src = r#"
[[question]]
type = "single_choice"
format = "markdown"
text = "Mật khẩu nào **mạnh** nhất?"
options = ["123456", "matkhau", { text = "T0i-thich-ca-phe-sua-da!", format = "plain" }]
key = [2]

[[question]]
type = "multiple_choice"
text = "Dấu hiệu lừa đảo?"
options = ["Yêu cầu chuyển tiền gấp", "Đường link lạ", "Tin nhắn của người thân gọi video xác minh"]
key = [0, 1]

[[question]]
type = "true_false"
text = "Ngân hàng không bao giờ hỏi mã OTP."
key = true

[[question]]
type = "numerical"
text = "Mã OTP thường có mấy chữ số?"
options = [{ number = 6 }, { min = 4, max = 8, fraction = 0.5 }]

[[question]]
type = "matching"
text = "Nối ứng dụng với việc làm."
options = [{ left = "VNeID", right = "Định danh" }, { left = "Zalo", right = "Nhắn tin" }, { right = "Chơi game" }]

[[question]]
type = "essay"
text = "Kể lại một lần bạn suýt bị lừa."

[[question]]
type = "description"
text = "Phần tiếp theo nói về mật khẩu."
"#;
    let questions = toml_bank::parse(src).unwrap();
    let types: Vec<_> = questions.iter().map(|q| q.type_key()).collect();
    assert_eq!(
        types,
        [
            "single_choice",
            "multiple_choice",
            "true_false",
            "numerical",
            "matching",
            "essay",
            "description"
        ]
    );
    let QuestionKind::Choice { options, .. } = &questions[0].kind else {
        panic!()
    };
    assert_eq!(questions[0].text.format, TextFormat::Markdown);
    assert_eq!(options[0].text.format, TextFormat::Markdown);
    assert_eq!(options[2].text.format, TextFormat::Plain);
    assert_eq!(
        options.iter().map(|o| o.fraction).collect::<Vec<_>>(),
        [0.0, 0.0, 1.0]
    );
    let QuestionKind::Choice { options, .. } = &questions[1].kind else {
        panic!()
    };
    assert_eq!(
        options.iter().map(|o| o.fraction).collect::<Vec<_>>(),
        [0.5, 0.5, 0.0]
    );
}

/// The fenced examples of FORMAT.md, so that the documentation cannot drift from the reader.
fn format_md_blocks(language: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/FORMAT.md")).unwrap();
    let fence = format!("```{language}\n");
    let mut blocks = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").unwrap();
        blocks.push(body[..end].to_owned());
        rest = &body[end..];
    }
    blocks
}

#[test]
fn format_md_examples_parse() {
    let toml_blocks = format_md_blocks("toml");
    assert!(toml_blocks.len() >= 5);
    for block in &toml_blocks {
        toml_bank::parse_bank(block).unwrap_or_else(|e| panic!("{e:?}\n{block}"));
    }
    let json_blocks = format_md_blocks("json");
    assert_eq!(json_blocks.len(), 1);
    for block in json_blocks {
        let value: serde_json::Value = serde_json::from_str(&block).unwrap();
        hocvuso_assessment::interchange::from_json(&value).unwrap();
    }
}
