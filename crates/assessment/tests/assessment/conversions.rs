//! Conformance over Moodle's own exports: embedded media kept both ways, categories through every
//! format, errors that name the question, ranges without float noise.

use base64::Engine as _;
use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::media::{self, MediaFile, MediaKind};
use hocvuso_assessment::model::{NumericValue, QuestionKind};
use hocvuso_assessment::moodle_xml;
use roxmltree::Document;

use crate::support::{parse_ok, read};

/// Every `<file>` of a Moodle XML text: (name, decoded bytes), in document order.
fn embedded_files(xml: &str) -> Vec<(String, Vec<u8>)> {
    let document = Document::parse(xml).unwrap();
    document
        .descendants()
        .filter(|n| n.has_tag_name("file"))
        .map(|n| {
            let body: String = n
                .text()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap();
            (n.attribute("name").unwrap().to_owned(), bytes)
        })
        .collect()
}

/// The `(name, bytes)` pairs of a Moodle file, each name once (Moodle repeats a file in every
/// question that uses it).
fn distinct(mut files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    files.sort();
    files.dedup();
    files
}

#[test]
fn moodles_truefalse_export_with_images_imports_its_jpegs_into_media_and_points_texts_at_them() {
    let bank = moodle_xml::parse_bank(&read("moodle-xml/truefalse.xml")).unwrap();
    assert_eq!(bank.questions.len(), 2);
    let names: Vec<&str> = bank.media.iter().map(|f| f.name.as_str()).collect();
    // The second question's files have the same bytes as the first one's: shared, not doubled.
    assert_eq!(
        names,
        ["logo.jpg", "infos.jpg", "thumbdown.jpg", "thumbup.jpg"]
    );
    assert!(bank.media.iter().all(|f| f.kind() == Some(MediaKind::Jpeg)));
    let first = &bank.questions[0];
    assert!(
        first.text.text.contains("src=\"media/logo.jpg\""),
        "{}",
        first.text.text
    );
    let general = first.general_feedback.as_ref().unwrap();
    assert!(general.text.contains("src=\"media/infos.jpg\""));
    let QuestionKind::TrueFalse {
        answer: false,
        feedback_wrong: Some(wrong),
        feedback_right: Some(right),
    } = &first.kind
    else {
        panic!("{:?}", first.kind);
    };
    assert!(wrong.text.contains("media/thumbdown.jpg"));
    assert!(right.text.contains("media/thumbup.jpg"));
    for question in &bank.questions {
        for text in media::texts(question) {
            assert!(!text.text.contains("@@PLUGINFILE@@"), "{}", text.text);
        }
    }
    // The bytes are the ones Moodle embedded.
    for (name, bytes) in distinct(embedded_files(&read("moodle-xml/truefalse.xml"))) {
        let kept = bank.media.iter().find(|f| f.name == name).unwrap();
        assert_eq!(kept.bytes, bytes, "{name}");
    }
}

#[test]
fn moodle_exports_with_images_and_sound_import_and_export_again_with_the_same_bytes() {
    for fixture in ["moodle-xml/truefalse.xml", "moodle-xml/multichoice.xml"] {
        let source = read(fixture);
        let bank = interchange::read_bank(&source, Format::MoodleXml).unwrap();
        assert!(!bank.media.is_empty(), "{fixture}");
        let written = interchange::write_bank(&bank, Format::MoodleXml).unwrap();
        assert!(written.contains("@@PLUGINFILE@@/"), "{written}");
        assert!(!written.contains("\"media/"), "{written}");
        assert_eq!(
            distinct(embedded_files(&written)),
            distinct(embedded_files(&source)),
            "{fixture}"
        );
        // And once more: the written file reads back to the same bank.
        let again = interchange::read_bank(&written, Format::MoodleXml).unwrap();
        assert_eq!(again.media, bank.media, "{fixture}");
        let strip = |mut qs: Vec<hocvuso_assessment::model::Question>| {
            qs.iter_mut().for_each(|q| q.line = 0);
            qs
        };
        assert_eq!(strip(again.questions), strip(bank.questions), "{fixture}");
    }
}

#[test]
fn moodles_multichoice_export_keeps_the_mp3_in_the_stem_and_a_flag_per_answer() {
    let bank = moodle_xml::parse_bank(&read("moodle-xml/multichoice.xml")).unwrap();
    let kinds: Vec<(&str, Option<MediaKind>)> = bank
        .media
        .iter()
        .map(|f| (f.name.as_str(), f.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bonjour.mp3", Some(MediaKind::Mp3)),
            ("flag-uk.jpg", Some(MediaKind::Jpeg)),
            ("flag-france.jpg", Some(MediaKind::Jpeg)),
            ("flag-german.jpg", Some(MediaKind::Jpeg)),
            ("flag-denmark.jpg", Some(MediaKind::Jpeg)),
        ]
    );
    let question = &bank.questions[0];
    assert!(question.text.text.contains("href=\"media/bonjour.mp3\""));
    let QuestionKind::Choice { options, .. } = &question.kind else {
        panic!("{:?}", question.kind);
    };
    assert!(options[0].text.text.contains("media/flag-uk.jpg"));
}

#[test]
fn a_moodle_export_with_media_converts_to_gift_and_json_and_back_to_moodle_xml_with_its_files() {
    let bank =
        interchange::read_bank(&read("moodle-xml/truefalse.xml"), Format::MoodleXml).unwrap();
    for via in [Format::Gift, Format::Json] {
        let text = interchange::write_bank(&bank, via).unwrap();
        assert!(text.contains("media/logo.jpg"), "{text}");
        // The files travel beside the text, as the course's media folder.
        let mut back = interchange::read_bank(&text, via).unwrap();
        assert!(back.media.is_empty());
        back.media = bank.media.clone();
        let xml = interchange::write_bank(&back, Format::MoodleXml).unwrap();
        assert_eq!(
            distinct(embedded_files(&xml)),
            distinct(embedded_files(&read("moodle-xml/truefalse.xml"))),
            "{via}"
        );
    }
}

#[test]
fn exporting_a_text_that_refers_to_a_missing_media_file_names_the_question() {
    let bank = parse_ok("// [id:anh]\n[html]<img src=\"media/thieu.png\" alt=\"x\"> Đúng?{T}");
    let errors = moodle_xml::write(&bank).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].id.as_deref(), Some("anh"));
    assert!(errors[0].message.contains("media/thieu.png"), "{errors:?}");
}

/// A Moodle XML question with one embedded file.
fn with_file(name: &str, bytes: &[u8], reference: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Ảnh</text></name>
    <questiontext format="html">
      <text><![CDATA[<p><img src="@@PLUGINFILE@@/{reference}" alt="a"> Đúng?</p>]]></text>
      <file name="{name}" path="/" encoding="base64">{}</file>
    </questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>
"#,
        media::encode_base64(bytes)
    )
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[test]
fn unsafe_file_names_are_made_safe_and_the_reference_follows() {
    let xml = with_file(
        "Ảnh chụp màn hình (1).PNG",
        PNG,
        "%E1%BA%A2nh%20ch%E1%BB%A5p%20m%C3%A0n%20h%C3%ACnh%20(1).PNG",
    );
    let bank = moodle_xml::parse_bank(&xml).unwrap();
    assert_eq!(bank.media[0].name, "nh-ch-p-m-n-h-nh-1.png");
    assert!(bank.questions[0]
        .text
        .text
        .contains("src=\"media/nh-ch-p-m-n-h-nh-1.png\""));
    let bank = moodle_xml::parse_bank(&with_file(
        "../../etc/passwd.png",
        PNG,
        "../../etc/passwd.png",
    ));
    // `path` and `../` never leave the media folder: the last segment is the name.
    assert_eq!(bank.unwrap().media[0].name, "passwd.png");
}

#[test]
fn a_file_whose_bytes_are_not_an_allowed_image_is_refused_naming_the_question() {
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "virus.png",
            b"MZ\x90\0\x03",
            "not a PNG, JPEG, GIF, WebP, SVG or MP3",
        ),
        (
            "photo.png",
            b"\xff\xd8\xff\xe0\0\x10JFIF",
            "holds a JPEG file; name it .jpg",
        ),
        (
            "page.html",
            b"<html><script>alert(1)</script></html>",
            "not a PNG",
        ),
    ];
    for (name, bytes, why) in cases {
        let errors = moodle_xml::parse_bank(&with_file(name, bytes, name)).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let shown = errors[0].to_string();
        assert!(shown.contains(why), "{shown}");
        assert!(shown.contains("question 1 \"Ảnh\""), "{shown}");
        assert_eq!(errors[0].line, 7, "{shown}");
    }
}

#[test]
fn an_inert_svg_is_kept_byte_for_byte_and_an_active_one_is_refused() {
    let inert = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect width="10" height="10" fill="url(#g)"/></svg>"##;
    let bank = moodle_xml::parse_bank(&with_file("hinh.svg", inert, "hinh.svg")).unwrap();
    assert_eq!(bank.media[0].bytes, inert);
    assert_eq!(bank.media[0].kind(), Some(MediaKind::Svg));
    let active: [&[u8]; 6] = [
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
        br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
        br#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>"#,
        br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="https://tracker.example/p.png"/></svg>"#,
        br#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://e.example/a.css);</style></svg>"#,
        br#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>"#,
    ];
    for svg in active {
        let errors = moodle_xml::parse_bank(&with_file("hinh.svg", svg, "hinh.svg")).unwrap_err();
        assert!(
            errors[0].message.contains("hinh.svg"),
            "{}: {errors:?}",
            String::from_utf8_lossy(svg)
        );
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_decoded() {
    let mut big = PNG.to_vec();
    big.resize(media::MAX_FILE_BYTES + 4, 0);
    let errors = moodle_xml::parse_bank(&with_file("to.png", &big, "to.png")).unwrap_err();
    assert!(errors[0].message.contains("larger than"), "{errors:?}");
}

#[test]
fn a_reference_without_its_file_is_an_error_instead_of_a_broken_image() {
    let xml = with_file("a.png", PNG, "b.png");
    let errors = moodle_xml::parse_bank(&xml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("@@PLUGINFILE@@/b.png"),
        "{errors:?}"
    );
}

#[test]
fn two_different_files_with_one_name_in_two_questions_get_two_names() {
    let other_png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-other";
    let first = with_file("hinh.png", PNG, "hinh.png");
    let second = with_file("hinh.png", other_png, "hinh.png");
    let question = |xml: &str| {
        let start = xml.find("  <question").unwrap();
        let end = xml.find("</quiz>").unwrap();
        xml[start..end].to_owned()
    };
    let xml = format!("<quiz>\n{}{}</quiz>\n", question(&first), question(&second));
    let bank = moodle_xml::parse_bank(&xml).unwrap();
    let names: Vec<&str> = bank.media.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["hinh.png", "hinh-2.png"]);
    assert!(bank.questions[1].text.text.contains("media/hinh-2.png"));
    let written = moodle_xml::write_with_media(&bank.questions, &bank.media).unwrap();
    assert_eq!(embedded_files(&written).len(), 2);
}

#[test]
fn media_files_are_recognised_by_their_bytes() {
    let file = |name: &str, bytes: &[u8]| MediaFile {
        name: name.into(),
        bytes: bytes.to_vec(),
    };
    assert_eq!(file("a.gif", b"GIF89a..").kind(), Some(MediaKind::Gif));
    assert_eq!(
        file("a.webp", b"RIFF\0\0\0\0WEBPVP8 ").kind(),
        Some(MediaKind::Webp)
    );
    assert_eq!(file("a.png", b"not an image").kind(), None);
    assert_eq!(media::check("a.gif", b"GIF89a.."), Ok(MediaKind::Gif));
}

// ---------------------------------------------------------------------------------------------
// Categories

#[test]
fn a_gift_category_travels_through_moodle_xml_and_json_and_back() {
    let source = read("moodle-gift/questions_in_category.gift.txt");
    let original = parse_ok(&source);
    assert!(original
        .iter()
        .all(|q| q.category.as_deref() == Some("$course$/Default for New Features")));
    let xml = interchange::convert(&source, Format::Gift, Format::MoodleXml).unwrap();
    assert_eq!(
        xml.matches("<question type=\"category\">").count(),
        1,
        "{xml}"
    );
    assert!(xml.contains("<text>$course$/Default for New Features</text>"));
    let json = interchange::convert(&xml, Format::MoodleXml, Format::Json).unwrap();
    assert!(json.contains("\"category\": \"$course$/Default for New Features\""));
    let gift = interchange::convert(&json, Format::Json, Format::Gift).unwrap();
    assert!(
        gift.starts_with("$CATEGORY: $course$/Default for New Features\n\n"),
        "{gift}"
    );
    let strip = |mut qs: Vec<hocvuso_assessment::model::Question>| {
        qs.iter_mut().for_each(|q| q.line = 0);
        qs
    };
    assert_eq!(strip(parse_ok(&gift)), strip(original));
}

#[test]
fn moodles_nested_categories_survive_gift_and_come_back_as_category_entries() {
    let source = read("moodle-xml/nested_categories_with_questions.xml");
    let gift = interchange::convert(&source, Format::MoodleXml, Format::Gift).unwrap();
    assert_eq!(gift.matches("$CATEGORY: ").count(), 4, "{gift}");
    let xml = interchange::convert(&gift, Format::Gift, Format::MoodleXml).unwrap();
    let categories: Vec<String> = Document::parse(&xml)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("category"))
        .filter_map(|n| n.descendants().find(|t| t.has_tag_name("text")))
        .map(|t| t.text().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        categories,
        [
            "$course$/Iota",
            "$course$/Iota/Kappa",
            "$course$/Iota/Kappa/Lambda",
            "$course$/Iota/Mu"
        ]
    );
}

#[test]
fn questions_without_a_category_are_written_before_the_first_category_switch() {
    let mut bank = parse_ok("$CATEGORY: A\n\nQ1{T}\n\nQ2{F}");
    bank[1].category = None;
    let gift = interchange::write(&bank, Format::Gift).unwrap();
    assert!(
        gift.starts_with("Q2{FALSE}\n\n$CATEGORY: A\n\nQ1{TRUE}"),
        "{gift}"
    );
    let back = parse_ok(&gift);
    assert_eq!(back[0].category, None);
    assert_eq!(back[1].category.as_deref(), Some("A"));
}

// ---------------------------------------------------------------------------------------------
// Errors and numbers

#[test]
fn moodles_invalid_grade_fixture_names_the_question_by_number_and_name_as_well_as_the_line() {
    let errors = moodle_xml::parse(&read("moodle-xml/error_invalid_grades.xml")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 38);
    let name = "Question with <strong>invalid grades</strong> : x > 1 & x < 2";
    assert_eq!(errors[0].question, Some((1, name.to_owned())));
    assert_eq!(
        errors[0].to_string().split(": fraction").next().unwrap(),
        format!("line 38, question 1 \"{name}\"")
    );
    let shown = interchange::convert(
        &read("moodle-xml/error_invalid_grades.xml"),
        Format::MoodleXml,
        Format::Gift,
    )
    .unwrap_err()
    .to_string();
    assert!(shown.contains("question 1 \"Question with"), "{shown}");
}

#[test]
fn a_numeric_range_goes_to_moodle_xml_as_the_shortest_exact_middle_and_tolerance() {
    let bank =
        parse_ok("Pi to three places?{#3.1415..3.1425}\n\nA third?{#0.1..0.2}\n\nBig?{#-7..1000}");
    let xml = moodle_xml::write(&bank).unwrap();
    for (middle, tolerance) in [("3.142", "0.0005"), ("0.15", "0.05"), ("496.5", "503.5")] {
        assert!(
            xml.contains(&format!(
                "<text>{middle}</text>\n      <tolerance>{tolerance}</tolerance>"
            )),
            "{middle} ± {tolerance}\n{xml}"
        );
    }
    assert!(!xml.contains("99999"), "{xml}");
    let back = moodle_xml::parse(&xml).unwrap();
    let QuestionKind::Numerical { answers } = &back[0].kind else {
        panic!();
    };
    assert_eq!(
        answers[0].value,
        NumericValue::Exact {
            number: 3.142,
            tolerance: 0.0005
        }
    );
    let json = interchange::write(&bank, Format::Json).unwrap();
    assert!(json.contains("\"key\": 3.142"), "{json}");
}
