//! Moodle XML, read and written the way Moodle's `question/format/xml/format.php` does, for every
//! question type GIFT has (multichoice single and multiple, truefalse, shortanswer, numerical,
//! matching, essay, description) and Moodle's `ordering`.
//!
//! * `<question type="category">` entries put the questions after them in that category: the path
//!   is kept in [`Question::category`] and written back as a category entry before the first
//!   question of each category.
//! * `<idnumber>` is the question's id, `<tags><tag><text>` its tags, `<name>` its title.
//! * Moodle's rule for answer fractions holds both ways: a fraction must be one of Moodle's allowed
//!   grades (`question_bank::fraction_options_full()`, see [`is_moodle_fraction`]); Moodle refuses
//!   to import any other, so this reader reports it with its line and the writer refuses to write
//!   one.
//! * Text formats: `html`, `moodle_auto_format`, `plain_text` and `markdown` are
//!   [`TextFormat`]'s four.
//! * What the model does not keep is dropped on import: default grade, penalty, hints, combined
//!   feedback, numerical units, essay response settings, ordering layout and item subsets.
//!
//! Errors carry the 1-based line of the element at fault (roxmltree gives positions) and the
//! number and name of the question it belongs to.

use std::collections::HashMap;
use std::fmt;

use roxmltree::{Document, Node};

use crate::decimal::middle_and_half_width;
use crate::interchange::ExportError;
use crate::media::{
    decode_base64, encode_base64, percent_decode, references, rewrite_references, texts, texts_mut,
    Bank, MediaCollector, MediaFile, MEDIA_PREFIX,
};
use crate::model::{
    category_file_order, category_line, is_moodle_fraction, moodle_fraction_list, ChoiceOption,
    MatchPair, NumericAnswer, NumericValue, OrderingGrading, Question, QuestionKind, Text,
    TextAnswer, TextFormat,
};

/// A problem in a Moodle XML file, at a 1-based line, in the question it belongs to (when it
/// belongs to one), so that an author can find it in Moodle's question bank too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoodleXmlError {
    pub line: usize,
    /// The question's 1-based position among the file's questions (category entries not
    /// counted), and its `<name>`.
    pub question: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for MoodleXmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        match &self.question {
            Some((number, name)) if name.is_empty() => write!(f, ", question {number}")?,
            Some((number, name)) => write!(f, ", question {number} \"{name}\"")?,
            None => {}
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for MoodleXmlError {}

fn line(node: Node<'_, '_>) -> usize {
    node.document().text_pos_at(node.range().start).row as usize
}

fn error(node: Node<'_, '_>, message: impl Into<String>) -> MoodleXmlError {
    MoodleXmlError {
        line: line(node),
        question: None,
        message: message.into(),
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The text content of an element (CDATA included).
fn content(node: Node<'_, '_>) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

/// `<x><text>...</text></x>`: the text of the `text` child.
fn text_child(node: Node<'_, '_>) -> String {
    child(node, "text").map(content).unwrap_or_default()
}

fn format_from(name: Option<&str>, default: TextFormat) -> TextFormat {
    match name.map(str::trim) {
        Some("html") => TextFormat::Html,
        Some("moodle_auto_format") => TextFormat::Moodle,
        Some("plain_text") => TextFormat::Plain,
        Some("markdown") => TextFormat::Markdown,
        _ => default,
    }
}

fn format_name(format: TextFormat) -> &'static str {
    match format {
        TextFormat::Html => "html",
        TextFormat::Moodle => "moodle_auto_format",
        TextFormat::Plain => "plain_text",
        TextFormat::Markdown => "markdown",
    }
}

/// An element holding a formatted `<text>`, like `<questiontext format="html">`.
fn formatted(node: Node<'_, '_>, default: TextFormat) -> Text {
    Text::new(
        format_from(node.attribute("format"), default),
        text_child(node).trim().to_owned(),
    )
}

fn optional_text(node: Option<Node<'_, '_>>, default: TextFormat) -> Option<Text> {
    node.map(|n| formatted(n, default))
        .filter(|t| !t.text.is_empty())
}

/// Reads a whole Moodle XML file: every question, or every problem found. Embedded files are
/// checked and dropped; [`parse_bank`] keeps them.
pub fn parse(src: &str) -> Result<Vec<Question>, Vec<MoodleXmlError>> {
    parse_bank(src).map(|bank| bank.questions)
}

/// Reads a whole Moodle XML file with its embedded files: every question (its
/// `@@PLUGINFILE@@/name` references rewritten to `media/<safe name>`) and every file a text refers
/// to, or every problem found.
pub fn parse_bank(src: &str) -> Result<Bank, Vec<MoodleXmlError>> {
    let document = Document::parse(src).map_err(|e| {
        vec![MoodleXmlError {
            line: e.pos().row as usize,
            question: None,
            message: format!("not well-formed XML: {e}"),
        }]
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "quiz" {
        return Err(vec![error(
            root,
            format!(
                "expected a Moodle XML <quiz>, found <{}>",
                root.tag_name().name()
            ),
        )]);
    }
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let mut category = None;
    let mut number = 0;
    let mut media = MediaCollector::default();
    for node in root.children().filter(Node::is_element) {
        if node.tag_name().name() != "question" {
            errors.push(error(
                node,
                format!("unexpected <{}> in <quiz>", node.tag_name().name()),
            ));
            continue;
        }
        if node.attribute("type") == Some("category") {
            // Moodle: the questions after a category entry go into that category.
            category = child(node, "category")
                .map(text_child)
                .map(|path| path.trim().to_owned())
                .filter(|path| !path.is_empty());
            continue;
        }
        number += 1;
        match read_question(node).and_then(|mut question| {
            attach_media(node, &mut question, &mut media)?;
            Ok(question)
        }) {
            Ok(mut question) => {
                question.category = category.clone();
                questions.push(question);
            }
            Err(problems) => {
                let name = question_name(node);
                errors.extend(problems.into_iter().map(|problem| MoodleXmlError {
                    question: Some((number, name.clone())),
                    ..problem
                }));
            }
        }
    }
    if errors.is_empty() {
        Ok(Bank {
            questions,
            media: media.into_files(),
        })
    } else {
        Err(errors)
    }
}

/// Moodle's placeholder for a question's own file area in its texts.
const PLUGINFILE: &str = "@@PLUGINFILE@@/";

/// Decodes the `<file>` elements of a question into `media` and points the question's
/// `@@PLUGINFILE@@/` references at `media/<safe name>`. Moodle scopes files by text area; here
/// they are per question, so two different files of one name in one question are refused.
fn attach_media(
    node: Node<'_, '_>,
    question: &mut Question,
    media: &mut MediaCollector,
) -> Result<(), Vec<MoodleXmlError>> {
    let mut errors = Vec::new();
    // Name in the source (path included, without the leading `/`) → safe name, with the bytes.
    let mut names: HashMap<String, (String, Vec<u8>)> = HashMap::new();
    let mut refused = Vec::new();
    for file in node.descendants().filter(|n| n.has_tag_name("file")) {
        let written = file.attribute("name").unwrap_or("").trim();
        let path = file.attribute("path").unwrap_or("/").trim();
        let key = format!("{}{written}", path.trim_start_matches('/'));
        refused.push(key.clone());
        if file
            .attribute("encoding")
            .is_some_and(|e| !e.trim().eq_ignore_ascii_case("base64"))
        {
            errors.push(error(file, "only base64 <file> elements can be read"));
            continue;
        }
        let bytes = match decode_base64(&content(file)) {
            Ok(bytes) => bytes,
            Err(why) => {
                errors.push(error(file, format!("<file name=\"{written}\">: {why}")));
                continue;
            }
        };
        if let Some((_, known)) = names.get(&key) {
            if *known != bytes {
                errors.push(error(
                    file,
                    format!(
                        "two different files are called `{key}` in this question; rename one in \
                         Moodle"
                    ),
                ));
            }
            continue;
        }
        match media.add(&key, bytes.clone()) {
            Ok(safe) => {
                refused.pop();
                names.insert(key, (safe, bytes));
            }
            Err(why) => errors.push(error(file, why)),
        }
    }
    let mut missing = Vec::new();
    for text in texts_mut(question) {
        text.text = rewrite_references(&text.text, PLUGINFILE, |written| {
            let key = percent_decode(written);
            match names.get(&key) {
                Some((safe, _)) => Some(format!("{MEDIA_PREFIX}{safe}")),
                None => {
                    // A refused file is reported once, as refused.
                    if !missing.contains(&key) && !refused.contains(&key) {
                        missing.push(key);
                    }
                    None
                }
            }
        });
    }
    for key in missing {
        errors.push(error(
            node,
            format!(
                "a text refers to {PLUGINFILE}{key} but the question has no <file name=\"{key}\">, \
                 so the image or sound would be missing (export the question from Moodle again, \
                 with its files)"
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `fraction="50"` as a fraction, checked against Moodle's allowed grades.
fn fraction(answer: Node<'_, '_>, errors: &mut Vec<MoodleXmlError>) -> f64 {
    let written = answer.attribute("fraction").unwrap_or("0").trim();
    match written.parse::<f64>() {
        Ok(percent) if percent.is_finite() && is_moodle_fraction(percent / 100.0) => {
            percent / 100.0
        }
        _ => {
            errors.push(error(
                answer,
                format!(
                    "fraction=\"{written}\" is not one of Moodle's grades ({}); Moodle refuses to \
                     import it",
                    moodle_fraction_list()
                ),
            ));
            0.0
        }
    }
}

/// A question's `<name>`, trimmed.
fn question_name(node: Node<'_, '_>) -> String {
    child(node, "name")
        .map(text_child)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn read_question(node: Node<'_, '_>) -> Result<Question, Vec<MoodleXmlError>> {
    let kind_name = node.attribute("type").unwrap_or("");
    let mut errors = Vec::new();
    let title = Some(question_name(node)).filter(|n| !n.is_empty());
    let text = child(node, "questiontext")
        .map(|n| formatted(n, TextFormat::Html))
        .unwrap_or_else(|| Text::new(TextFormat::Html, ""));
    let format = text.format;
    let general_feedback = optional_text(child(node, "generalfeedback"), format);
    let id = child(node, "idnumber")
        .map(content)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let tags = child(node, "tags")
        .map(|tags| {
            children(tags, "tag")
                .map(|t| text_child(t).trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let answer_text = |answer: Node<'_, '_>| formatted(answer, format);
    let feedback = |answer: Node<'_, '_>| optional_text(child(answer, "feedback"), format);

    let kind = match kind_name {
        "description" => Some(QuestionKind::Description),
        "essay" => Some(QuestionKind::Essay),
        "multichoice" | "multichoiceset" => {
            // `multichoiceset` is Moodle's all-or-nothing multiple choice (qtype_multichoiceset):
            // always several answers, full marks only for exactly the right ones.
            let all_or_nothing = kind_name == "multichoiceset";
            let single = child(node, "single").map_or("true".to_owned(), content);
            let single = single.trim();
            let multiple =
                all_or_nothing || single == "false" || single == "0" || single.is_empty();
            let options: Vec<ChoiceOption> = children(node, "answer")
                .map(|answer| ChoiceOption {
                    text: answer_text(answer),
                    fraction: fraction(answer, &mut errors),
                    feedback: feedback(answer),
                })
                .collect();
            if options.len() < 2 {
                errors.push(error(
                    node,
                    "a multichoice question needs at least two answers",
                ));
            }
            Some(QuestionKind::Choice {
                multiple,
                options,
                all_or_nothing,
            })
        }
        "truefalse" => {
            let mut answer = true;
            let (mut on_true, mut on_false) = (None, None);
            for (k, a) in children(node, "answer").enumerate() {
                let written = text_child(a);
                // Moodle: anything but `true`/`false` is an old file listing true first.
                let says_true = match written.trim() {
                    "true" => true,
                    "false" => false,
                    _ => k == 0,
                };
                let right = a
                    .attribute("fraction")
                    .and_then(|f| f.trim().parse::<f64>().ok())
                    == Some(100.0);
                if says_true {
                    answer = right;
                    on_true = feedback(a);
                } else {
                    answer = !right;
                    on_false = feedback(a);
                }
            }
            let (feedback_right, feedback_wrong) = if answer {
                (on_true, on_false)
            } else {
                (on_false, on_true)
            };
            Some(QuestionKind::TrueFalse {
                answer,
                feedback_wrong,
                feedback_right,
            })
        }
        "shortanswer" => {
            let case_sensitive = child(node, "usecase").is_some_and(|u| content(u).trim() == "1");
            let answers: Vec<TextAnswer> = children(node, "answer")
                .filter_map(|answer| {
                    let text = text_child(answer).trim().to_owned();
                    let fraction = fraction(answer, &mut errors);
                    (!text.is_empty()).then(|| TextAnswer {
                        text,
                        fraction,
                        feedback: feedback(answer),
                    })
                })
                .collect();
            if answers.is_empty() {
                errors.push(error(node, "a shortanswer question needs an answer"));
            }
            Some(QuestionKind::ShortAnswer {
                answers,
                case_sensitive,
                ignore_diacritics: false,
            })
        }
        "numerical" => {
            let mut answers = Vec::new();
            for answer in children(node, "answer") {
                let written = text_child(answer);
                let written = written.trim();
                let tolerance = child(answer, "tolerance").map_or(String::new(), content);
                let tolerance = tolerance.trim();
                let value = if written == "*" {
                    Some(NumericValue::Any)
                } else {
                    let number = written.parse::<f64>().ok().filter(|x| x.is_finite());
                    let tolerance = if tolerance.is_empty() {
                        Some(0.0)
                    } else {
                        tolerance
                            .parse::<f64>()
                            .ok()
                            .filter(|t| t.is_finite())
                            .map(f64::abs)
                    };
                    number
                        .zip(tolerance)
                        .map(|(number, tolerance)| NumericValue::Exact { number, tolerance })
                };
                let fraction = fraction(answer, &mut errors);
                match value {
                    Some(value) => answers.push(NumericAnswer {
                        value,
                        fraction,
                        feedback: feedback(answer),
                    }),
                    None => errors.push(error(
                        answer,
                        format!(
                            "`{written}` with tolerance `{tolerance}` is not a number \
                             (write numbers like 3.14, or * for any answer)"
                        ),
                    )),
                }
            }
            if answers.is_empty() && errors.is_empty() {
                errors.push(error(node, "a numerical question needs an answer"));
            }
            Some(QuestionKind::Numerical { answers })
        }
        "matching" => {
            let pairs: Vec<MatchPair> = children(node, "subquestion")
                .filter_map(|sub| {
                    let right = child(sub, "answer").map(text_child).unwrap_or_default();
                    let right = right.trim().to_owned();
                    let left = formatted(sub, format);
                    (!right.is_empty()).then_some(MatchPair {
                        left,
                        right,
                        weight: None,
                    })
                })
                .collect();
            if pairs.iter().filter(|p| !p.left.text.is_empty()).count() < 2 {
                errors.push(error(
                    node,
                    "a matching question needs at least two subquestions with a text",
                ));
            }
            Some(QuestionKind::Matching { pairs })
        }
        "ordering" => {
            let grading = child(node, "gradingtype")
                .map(content)
                .and_then(|g| OrderingGrading::from_moodle_name(&g))
                // Moodle's importer default (`RELATIVE`).
                .unwrap_or(OrderingGrading::RelativeNextExcludeLast);
            let items: Vec<Text> = children(node, "answer")
                .map(answer_text)
                .filter(|t| !t.text.is_empty())
                .collect();
            if items.len() < 2 {
                errors.push(error(
                    node,
                    "an ordering question needs at least two answers",
                ));
            }
            Some(QuestionKind::Ordering { items, grading })
        }
        "" => {
            errors.push(error(node, "<question> without a type"));
            None
        }
        other => {
            errors.push(error(
                node,
                format!(
                    "Moodle question type `{other}` is not supported (supported: multichoice, \
                     multichoiceset, truefalse, shortanswer, numerical, matching, essay, \
                     description, ordering)"
                ),
            ));
            None
        }
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(Question {
            id,
            tags,
            title,
            category: None,
            text,
            general_feedback,
            kind,
            line: line(node),
        }),
        _ => Err(errors),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 cannot carry other control characters at all.
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `<text>` as Moodle's exporter writes it: CDATA when the text has markup.
fn text_element(indent: usize, text: &str) -> String {
    let pad = " ".repeat(indent);
    if (text.contains('<') || text.contains('&')) && !text.contains("]]>") {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            .collect();
        format!("{pad}<text><![CDATA[{clean}]]></text>\n")
    } else {
        format!("{pad}<text>{}</text>\n", escape(text))
    }
}

/// `<text>` with the files it refers to after it, as Moodle's exporter writes a text area: each
/// `media/<name>` reference becomes `@@PLUGINFILE@@/<name>` and its file a base64 `<file>`.
fn text_with_files(indent: usize, text: &str, media: &[MediaFile]) -> String {
    let mut files = Vec::new();
    let text = rewrite_references(text, MEDIA_PREFIX, |name| {
        let file = media.iter().find(|f| f.name == name)?;
        if !files.iter().any(|f: &&MediaFile| f.name == name) {
            files.push(file);
        }
        Some(format!("{PLUGINFILE}{name}"))
    });
    let mut out = text_element(indent, &text);
    for file in files {
        out.push_str(&format!(
            "{}<file name=\"{}\" path=\"/\" encoding=\"base64\">{}</file>\n",
            " ".repeat(indent),
            escape(&file.name),
            encode_base64(&file.bytes)
        ));
    }
    out
}

fn formatted_element(
    out: &mut String,
    indent: usize,
    name: &str,
    text: Option<&Text>,
    media: &[MediaFile],
) {
    let pad = " ".repeat(indent);
    let format = text.map_or(TextFormat::Html, |t| t.format);
    out.push_str(&format!(
        "{pad}<{name} format=\"{}\">\n",
        format_name(format)
    ));
    out.push_str(&text_with_files(
        indent + 2,
        text.map_or("", |t| t.text.as_str()),
        media,
    ));
    out.push_str(&format!("{pad}</{name}>\n"));
}

/// A fraction as Moodle's percentage: `100`, `50`, `33.33333`.
fn percent(fraction: f64) -> String {
    format!("{}", (fraction * 100.0 * 1e5).round() / 1e5)
}

fn answer_element(
    out: &mut String,
    fraction: f64,
    text: &Text,
    feedback: Option<&Text>,
    extra: &str,
    media: &[MediaFile],
) {
    out.push_str(&format!(
        "    <answer fraction=\"{}\" format=\"{}\">\n",
        percent(fraction),
        format_name(text.format)
    ));
    out.push_str(&text_with_files(6, &text.text, media));
    out.push_str(extra);
    if let Some(feedback) = feedback {
        formatted_element(out, 6, "feedback", Some(feedback), media);
    }
    out.push_str("    </answer>\n");
}

/// A name for a question without a title, as Moodle's GIFT importer makes one: the start of the
/// text, markup removed.
fn default_name(text: &Text) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut name: String = words.chars().take(40).collect();
    if words.chars().count() > 40 {
        name.push_str(" ...");
    }
    if name.is_empty() {
        "Question".to_owned()
    } else {
        name
    }
}

fn moodle_type(question: &Question) -> Option<&'static str> {
    Some(match question.kind {
        QuestionKind::Description => "description",
        QuestionKind::Essay => "essay",
        QuestionKind::TrueFalse { .. } => "truefalse",
        QuestionKind::Choice {
            multiple: true,
            all_or_nothing: true,
            ..
        } => "multichoiceset",
        QuestionKind::Choice { .. } => "multichoice",
        QuestionKind::ShortAnswer { .. } => "shortanswer",
        QuestionKind::Numerical { .. } => "numerical",
        QuestionKind::Matching { .. } => "matching",
        QuestionKind::Ordering { .. } => "ordering",
        QuestionKind::Hotspot { .. } => return None,
    })
}

/// What Moodle keeps of a range `min..max`: its middle give or take half its width, both the
/// shortest exact decimals (so `3.1415..3.1425` is `3.142` give or take `0.0005`, without float
/// noise).
pub fn range_as_moodle_keeps_it(min: f64, max: f64) -> NumericValue {
    let (middle, half_width) = middle_and_half_width(min, max);
    match (middle.parse(), half_width.parse()) {
        (Ok(number), Ok(tolerance)) => NumericValue::Exact { number, tolerance },
        _ => NumericValue::Range { min, max },
    }
}

/// A category entry as Moodle's exporter writes it: the questions after it go into `path`.
fn category_element(out: &mut String, path: &str) {
    out.push_str("<!-- question: 0  -->\n  <question type=\"category\">\n    <category>\n");
    out.push_str(&text_element(6, &category_line(path)));
    out.push_str("    </category>\n");
    formatted_element(out, 4, "info", None, &[]);
    out.push_str("    <idnumber></idnumber>\n  </question>\n\n");
}

/// The answer fractions Moodle will check on import.
fn fractions(question: &Question) -> Vec<f64> {
    match &question.kind {
        // All-or-nothing answers are written as 100% or 0%.
        QuestionKind::Choice {
            all_or_nothing: true,
            ..
        } => Vec::new(),
        QuestionKind::Choice { options, .. } => options.iter().map(|o| o.fraction).collect(),
        QuestionKind::ShortAnswer { answers, .. } => answers.iter().map(|a| a.fraction).collect(),
        QuestionKind::Numerical { answers } => answers.iter().map(|a| a.fraction).collect(),
        _ => Vec::new(),
    }
}

/// Writes questions as Moodle XML that Moodle imports. Refuses, naming each, questions Moodle
/// cannot take: hotspot questions (Moodle has no such core type), and answers whose fraction is
/// not one of Moodle's grades. `case_sensitive` becomes `usecase`; `ignore_diacritics` has no
/// Moodle equivalent and is dropped.
pub fn write(questions: &[Question]) -> Result<String, Vec<ExportError>> {
    write_with_media(questions, &[])
}

/// Writes questions as [`write`] does, with the files their texts refer to (`media/<name>`)
/// embedded as Moodle does it: `@@PLUGINFILE@@/<name>` in the text and a base64 `<file>` after it.
/// A reference to a file that is not in `media` is an error naming the question.
pub fn write_with_media(
    questions: &[Question],
    media: &[MediaFile],
) -> Result<String, Vec<ExportError>> {
    let mut errors = Vec::new();
    for (k, question) in questions.iter().enumerate() {
        for text in texts(question) {
            if text.text.contains(PLUGINFILE) {
                // A Moodle file reference read from GIFT, which cannot carry the file.
                errors.push(ExportError::new(
                    k,
                    question,
                    format!(
                        "refers to a Moodle file ({PLUGINFILE}…) that the bank does not carry; put \
                         the file in the course's media folder and refer to it as media/<name>"
                    ),
                ));
            }
            for name in references(&text.text) {
                if !media.iter().any(|f| f.name == name) {
                    errors.push(ExportError::new(
                        k,
                        question,
                        format!(
                            "refers to {MEDIA_PREFIX}{name}, which is not among the media given \
                             (give the course's media folder)"
                        ),
                    ));
                }
            }
        }
        if moodle_type(question).is_none() {
            errors.push(ExportError::new(
                k,
                question,
                format!(
                    "Moodle XML has no {} question type; keep it in questions.toml or json",
                    question.type_key()
                ),
            ));
        }
        if question.kind.has_unequal_match_weights() {
            errors.push(ExportError::new(
                k,
                question,
                "Moodle's matching gives every item the same share; this question weighs them \
                 unequally (keep it in json)",
            ));
        }
        for fraction in fractions(question) {
            if !is_moodle_fraction(fraction) {
                errors.push(ExportError::new(
                    k,
                    question,
                    format!(
                        "{}% is not one of Moodle's grades ({}); Moodle would refuse the question",
                        percent(fraction),
                        moodle_fraction_list()
                    ),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut category: Option<&str> = None;
    for (k, question) in category_file_order(questions) {
        let Some(kind) = moodle_type(question) else {
            continue;
        };
        if let Some(path) = question
            .category
            .as_deref()
            .filter(|&p| Some(p) != category)
        {
            category_element(&mut out, path);
            category = Some(path);
        }
        out.push_str(&format!("<!-- question: {}  -->\n", k + 1));
        out.push_str(&format!("  <question type=\"{kind}\">\n"));
        out.push_str("    <name>\n");
        let name = question
            .title
            .clone()
            .unwrap_or_else(|| default_name(&question.text));
        out.push_str(&text_element(6, &name));
        out.push_str("    </name>\n");
        formatted_element(&mut out, 4, "questiontext", Some(&question.text), media);
        let general = question
            .general_feedback
            .clone()
            .unwrap_or_else(|| Text::new(question.text.format, ""));
        formatted_element(&mut out, 4, "generalfeedback", Some(&general), media);
        let penalty = match &question.kind {
            QuestionKind::TrueFalse { .. } => "1",
            QuestionKind::Essay | QuestionKind::Description => "0",
            _ => "0.3333333",
        };
        let grade = if matches!(question.kind, QuestionKind::Description) {
            "0"
        } else {
            "1"
        };
        out.push_str(&format!("    <defaultgrade>{grade}</defaultgrade>\n"));
        out.push_str(&format!("    <penalty>{penalty}</penalty>\n"));
        out.push_str("    <hidden>0</hidden>\n");
        out.push_str(&format!(
            "    <idnumber>{}</idnumber>\n",
            escape(question.id.as_deref().unwrap_or(""))
        ));
        let empty = Text::new(question.text.format, "");
        let combined_feedback = |out: &mut String| {
            for name in [
                "correctfeedback",
                "partiallycorrectfeedback",
                "incorrectfeedback",
            ] {
                formatted_element(out, 4, name, Some(&empty), &[]);
            }
        };
        match &question.kind {
            QuestionKind::Description | QuestionKind::Hotspot { .. } => {}
            QuestionKind::Essay => {
                out.push_str("    <responseformat>editor</responseformat>\n");
                out.push_str("    <responserequired>1</responserequired>\n");
                out.push_str("    <responsefieldlines>10</responsefieldlines>\n");
                out.push_str("    <attachments>0</attachments>\n");
                out.push_str("    <attachmentsrequired>0</attachmentsrequired>\n");
                formatted_element(&mut out, 4, "graderinfo", Some(&empty), &[]);
                formatted_element(&mut out, 4, "responsetemplate", Some(&empty), &[]);
            }
            QuestionKind::TrueFalse {
                answer,
                feedback_wrong,
                feedback_right,
            } => {
                let (on_true, on_false) = if *answer {
                    (feedback_right, feedback_wrong)
                } else {
                    (feedback_wrong, feedback_right)
                };
                for (says, on) in [(true, on_true), (false, on_false)] {
                    let fraction = if says == *answer { 1.0 } else { 0.0 };
                    let text = Text::new(TextFormat::Moodle, says.to_string());
                    let feedback = on.clone().unwrap_or_else(|| empty.clone());
                    answer_element(&mut out, fraction, &text, Some(&feedback), "", media);
                }
            }
            QuestionKind::Choice {
                multiple,
                options,
                all_or_nothing,
            } => {
                out.push_str(&format!("    <single>{}</single>\n", !multiple));
                out.push_str("    <shuffleanswers>true</shuffleanswers>\n");
                out.push_str("    <answernumbering>abc</answernumbering>\n");
                out.push_str("    <showstandardinstruction>0</showstandardinstruction>\n");
                combined_feedback(&mut out);
                for option in options {
                    // Moodle's all-or-nothing type marks each right answer 100%.
                    let fraction = match (all_or_nothing, option.fraction > 0.0) {
                        (true, true) => 1.0,
                        (true, false) => 0.0,
                        (false, _) => option.fraction,
                    };
                    answer_element(
                        &mut out,
                        fraction,
                        &option.text,
                        option.feedback.as_ref(),
                        "",
                        media,
                    );
                }
            }
            QuestionKind::ShortAnswer {
                answers,
                case_sensitive,
                ..
            } => {
                out.push_str(&format!(
                    "    <usecase>{}</usecase>\n",
                    u8::from(*case_sensitive)
                ));
                for answer in answers {
                    let text = Text::new(TextFormat::Moodle, answer.text.clone());
                    answer_element(
                        &mut out,
                        answer.fraction,
                        &text,
                        answer.feedback.as_ref(),
                        "",
                        media,
                    );
                }
            }
            QuestionKind::Numerical { answers } => {
                for answer in answers {
                    // Moodle stores a range as its middle give or take half its width, as its GIFT
                    // importer does.
                    let (written, tolerance) = match answer.value {
                        NumericValue::Exact { number, tolerance } => {
                            (format!("{number}"), format!("{tolerance}"))
                        }
                        NumericValue::Range { min, max } => middle_and_half_width(min, max),
                        NumericValue::Any => ("*".to_owned(), "0".to_owned()),
                    };
                    let text = Text::new(TextFormat::Moodle, written);
                    let extra = format!("      <tolerance>{tolerance}</tolerance>\n");
                    answer_element(
                        &mut out,
                        answer.fraction,
                        &text,
                        answer.feedback.as_ref(),
                        &extra,
                        media,
                    );
                }
                out.push_str("    <unitgradingtype>0</unitgradingtype>\n");
                out.push_str("    <unitpenalty>0.1000000</unitpenalty>\n");
                out.push_str("    <showunits>3</showunits>\n");
                out.push_str("    <unitsleft>0</unitsleft>\n");
            }
            QuestionKind::Matching { pairs } => {
                out.push_str("    <shuffleanswers>true</shuffleanswers>\n");
                combined_feedback(&mut out);
                for pair in pairs {
                    out.push_str(&format!(
                        "    <subquestion format=\"{}\">\n",
                        format_name(pair.left.format)
                    ));
                    out.push_str(&text_with_files(6, &pair.left.text, media));
                    out.push_str("      <answer>\n");
                    out.push_str(&text_element(8, &pair.right));
                    out.push_str("      </answer>\n");
                    out.push_str("    </subquestion>\n");
                }
            }
            QuestionKind::Ordering { items, grading } => {
                out.push_str("    <layouttype>VERTICAL</layouttype>\n");
                out.push_str("    <selecttype>ALL</selecttype>\n");
                out.push_str(&format!("    <selectcount>{}</selectcount>\n", items.len()));
                out.push_str(&format!(
                    "    <gradingtype>{}</gradingtype>\n",
                    grading.moodle_name()
                ));
                out.push_str("    <showgrading>SHOW</showgrading>\n");
                out.push_str("    <numberingstyle>none</numberingstyle>\n");
                combined_feedback(&mut out);
                for (k, item) in items.iter().enumerate() {
                    // Moodle's ordering keeps an item's position in its "fraction".
                    out.push_str(&format!(
                        "    <answer fraction=\"{}.0000000\" format=\"{}\">\n",
                        k + 1,
                        format_name(item.format)
                    ));
                    out.push_str(&text_with_files(6, &item.text, media));
                    out.push_str("    </answer>\n");
                }
            }
        }
        if !question.tags.is_empty() {
            out.push_str("    <tags>\n");
            for tag in &question.tags {
                out.push_str("      <tag>\n");
                out.push_str(&text_element(8, tag));
                out.push_str("      </tag>\n");
            }
            out.push_str("    </tags>\n");
        }
        out.push_str("  </question>\n\n");
    }
    out.push_str("</quiz>\n");
    Ok(out)
}
