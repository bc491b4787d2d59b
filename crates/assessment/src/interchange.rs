//! Moving question banks between formats: the JSON interchange shape, and [`convert`], which the
//! `hocvuso questions convert` command calls.
//!
//! The JSON shape (documented for authors and tools in `FORMAT.md`) is a list of questions, each
//! an object with `id` (when the source has one), `type` (one of [`Question::TYPE_KEYS`]), `tags`,
//! `title`, `category` (Moodle's category path, when the source has one), `format`, `text`,
//! `general_feedback`, and per type `options` and `key`:
//!
//! | type | `options` | `key` | more |
//! |---|---|---|---|
//! | `single_choice`, `multiple_choice` | `[{text, fraction, feedback}]` | indexes of the right options | |
//! | `true_false` | — | `true` / `false` | `feedback_wrong`, `feedback_right` |
//! | `short_answer` | `[{text, fraction, feedback}]` | the answers worth 100% | `case_sensitive`, `ignore_diacritics` |
//! | `numerical` | `[{number, tolerance} \| {min, max} \| {any: true}` + `fraction`, `feedback`]` | the best number | |
//! | `matching` | `[{left, right}]` (empty `left`: a distractor) | `[[left, right]]` | |
//! | `ordering` | the items, in the right order | `[0, 1, …]` | `grading` |
//! | `hotspot` | — | the regions to tap | `image`, `width`, `height`, `alt` |
//! | `essay`, `description` | — | — | |
//!
//! A text is a string in the question's `format`, or `{"text": …, "format": …}` when it differs.
//! Reading is lenient where writing is exact: `fraction` may be left out when `key` says which
//! options are right, an option may be a bare string, and `questions.toml` reads through the same
//! code (see [`crate::toml_bank`]), with `answers`, `items` and `region` as friendlier names.

use std::fmt;
use std::str::FromStr;

use serde_json::{json, Map, Number, Value};

use crate::decimal::middle_and_half_width;
use crate::gift::{self, GiftError};
use crate::media::{Bank, MediaFile};
use crate::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, OrderingGrading, Place, Question,
    QuestionKind, Region, Text, TextAnswer, TextFormat,
};
use crate::moodle_xml::{self, MoodleXmlError};
use crate::qti::{self, QtiError};
use crate::toml_bank::{self, TomlBankError};

/// The formats [`convert`] reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Moodle GIFT (read and write).
    Gift,
    /// Moodle XML (read and write).
    MoodleXml,
    /// One QTI 2.1, 2.2 or 3.0 item (read only).
    Qti,
    /// The JSON interchange shape of this module (read and write).
    Json,
    /// `questions.toml` (read only).
    Toml,
}

impl Format {
    /// The name on the command line: `gift`, `moodle-xml`, `qti`, `json`, `toml`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Gift => "gift",
            Format::MoodleXml => "moodle-xml",
            Format::Qti => "qti",
            Format::Json => "json",
            Format::Toml => "toml",
        }
    }

    pub fn can_write(self) -> bool {
        matches!(self, Format::Gift | Format::MoodleXml | Format::Json)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gift" => Ok(Format::Gift),
            "moodle-xml" | "xml" => Ok(Format::MoodleXml),
            "qti" => Ok(Format::Qti),
            "json" => Ok(Format::Json),
            "toml" => Ok(Format::Toml),
            other => Err(format!(
                "unknown format `{other}`: expected gift, moodle-xml, qti, json or toml"
            )),
        }
    }
}

/// A question that a format cannot hold, found while writing. `question` is its 0-based position
/// in the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    pub question: usize,
    pub id: Option<String>,
    pub message: String,
}

impl ExportError {
    pub(crate) fn new(index: usize, question: &Question, message: impl Into<String>) -> Self {
        Self {
            question: index,
            id: question.id.clone(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "question {id}: {}", self.message),
            None => write!(f, "question #{}: {}", self.question + 1, self.message),
        }
    }
}

/// A problem in JSON interchange input: which question (0-based), which field, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeError {
    pub question: usize,
    /// The field, like `options[2].fraction`; empty for the question as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for InterchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "question #{}: {}", self.question + 1, self.message)
        } else {
            write!(
                f,
                "question #{}, `{}`: {}",
                self.question + 1,
                self.field,
                self.message
            )
        }
    }
}

/// Why a conversion failed: every problem of the input, or every question the output cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvertError {
    Gift(Vec<GiftError>),
    MoodleXml(Vec<MoodleXmlError>),
    Qti(Vec<QtiError>),
    Json(Vec<InterchangeError>),
    Toml(Vec<TomlBankError>),
    /// The input is fine but some questions cannot be written in the target format.
    Export {
        to: Format,
        errors: Vec<ExportError>,
    },
    /// QTI and TOML are read, never written.
    CannotWrite(Format),
}

fn lines<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            writeln!(f)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::Gift(errors) => lines(f, errors),
            ConvertError::MoodleXml(errors) => lines(f, errors),
            ConvertError::Qti(errors) => lines(f, errors),
            ConvertError::Json(errors) => lines(f, errors),
            ConvertError::Toml(errors) => lines(f, errors),
            ConvertError::Export { to, errors } => {
                writeln!(f, "cannot write these questions as {to}:")?;
                lines(f, errors)
            }
            ConvertError::CannotWrite(format) => {
                write!(
                    f,
                    "{format} can be read but not written: write gift, moodle-xml or json"
                )
            }
        }
    }
}

impl std::error::Error for ConvertError {}

/// Reads a bank in any format [`Format`] names. Files embedded in Moodle XML are checked and
/// dropped; [`read_bank`] keeps them.
pub fn read(input: &str, from: Format) -> Result<Vec<Question>, ConvertError> {
    read_bank(input, from).map(|bank| bank.questions)
}

/// Reads a bank with the media it carries: Moodle XML's embedded files, decoded and checked (see
/// [`crate::media`]), its texts pointing at `media/<name>`. The other formats carry no files:
/// their texts refer to the course's `media/` folder directly.
pub fn read_bank(input: &str, from: Format) -> Result<Bank, ConvertError> {
    if from == Format::MoodleXml {
        return moodle_xml::parse_bank(input).map_err(ConvertError::MoodleXml);
    }
    read_questions(input, from).map(Bank::new)
}

fn read_questions(input: &str, from: Format) -> Result<Vec<Question>, ConvertError> {
    match from {
        Format::Gift => gift::parse(input).map_err(ConvertError::Gift),
        Format::MoodleXml => moodle_xml::parse(input).map_err(ConvertError::MoodleXml),
        Format::Qti => qti::parse(input).map_err(ConvertError::Qti),
        Format::Toml => toml_bank::parse(input).map_err(ConvertError::Toml),
        Format::Json => {
            let value: Value = serde_json::from_str(input).map_err(|e| {
                ConvertError::Json(vec![InterchangeError {
                    question: 0,
                    field: String::new(),
                    message: format!("not JSON: {e}"),
                }])
            })?;
            from_json(&value).map_err(ConvertError::Json)
        }
    }
}

/// Writes a bank as GIFT, Moodle XML or JSON; refuses, naming them, questions the format cannot
/// hold (ordering and hotspot in GIFT, hotspot in Moodle XML, fractions Moodle does not allow).
/// Moodle XML refuses a reference to a `media/` file it is not given: see [`write_bank`].
pub fn write(questions: &[Question], to: Format) -> Result<String, ConvertError> {
    write_bank_parts(questions, &[], to)
}

/// Writes a bank with its media: Moodle XML embeds the files the texts refer to; GIFT and JSON
/// keep the `media/<name>` references, and the files go into the course's `media/` folder.
pub fn write_bank(bank: &Bank, to: Format) -> Result<String, ConvertError> {
    write_bank_parts(&bank.questions, &bank.media, to)
}

fn write_bank_parts(
    questions: &[Question],
    media: &[MediaFile],
    to: Format,
) -> Result<String, ConvertError> {
    match to {
        Format::Gift => {
            let mut errors = Vec::new();
            for (k, q) in questions.iter().enumerate() {
                if !gift::expressible(q) {
                    errors.push(ExportError::new(
                        k,
                        q,
                        format!(
                            "GIFT has no {} questions (keep them in questions.toml, or convert \
                             to json{})",
                            q.type_key(),
                            if q.type_key() == "ordering" {
                                " or moodle-xml"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                if q.kind.has_unequal_match_weights() {
                    errors.push(ExportError::new(
                        k,
                        q,
                        "GIFT cannot weigh matching items unequally; Moodle would give each the \
                         same share (convert to json)",
                    ));
                }
                if let QuestionKind::Choice {
                    all_or_nothing: true,
                    ..
                } = q.kind
                {
                    errors.push(ExportError::new(
                        k,
                        q,
                        "GIFT cannot say all_or_nothing; Moodle would give partial marks (convert \
                         to moodle-xml or json)",
                    ));
                }
                if let QuestionKind::ShortAnswer {
                    case_sensitive,
                    ignore_diacritics,
                    ..
                } = q.kind
                {
                    // Moodle would mark the question differently: refuse rather than change marks.
                    let lost: Vec<&str> = [
                        (case_sensitive, "case_sensitive"),
                        (ignore_diacritics, "ignore_diacritics"),
                    ]
                    .into_iter()
                    .filter_map(|(set, name)| set.then_some(name))
                    .collect();
                    if !lost.is_empty() {
                        errors.push(ExportError::new(
                            k,
                            q,
                            format!(
                                "GIFT cannot say {}; it would be marked differently (keep the \
                                 setting in questions.toml as [options.<id>], or convert to json)",
                                lost.join(" or ")
                            ),
                        ));
                    }
                }
            }
            if errors.is_empty() {
                Ok(gift::write(questions))
            } else {
                Err(ConvertError::Export { to, errors })
            }
        }
        Format::MoodleXml => moodle_xml::write_with_media(questions, media)
            .map_err(|errors| ConvertError::Export { to, errors }),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&to_json(questions)).unwrap_or_default();
            out.push('\n');
            Ok(out)
        }
        Format::Qti | Format::Toml => Err(ConvertError::CannotWrite(to)),
    }
}

/// Reads `input` as `from` and writes it as `to`: what `hocvuso questions convert` prints.
/// Moodle XML to Moodle XML keeps the embedded files; to GIFT or JSON the texts keep their
/// `media/<name>` references and the files are left out (use [`read_bank`] to have them).
pub fn convert(input: &str, from: Format, to: Format) -> Result<String, ConvertError> {
    if !to.can_write() {
        return Err(ConvertError::CannotWrite(to));
    }
    let bank = read_bank(input, from)?;
    write_bank(&bank, to)
}

// ---------------------------------------------------------------------------------------------
// Writing JSON

/// The bank in the JSON interchange shape (see the module documentation).
pub fn to_json(questions: &[Question]) -> Value {
    Value::Array(questions.iter().map(question_to_json).collect())
}

fn number(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A text as a string when it is in the question's format, else with its own format.
fn text_json(text: &Text, format: TextFormat) -> Value {
    if text.format == format {
        Value::String(text.text.clone())
    } else {
        json!({"text": text.text, "format": text.format.name()})
    }
}

fn put_text(map: &mut Map<String, Value>, key: &str, text: Option<&Text>, format: TextFormat) {
    if let Some(text) = text {
        map.insert(key.to_owned(), text_json(text, format));
    }
}

/// One question in the JSON interchange shape.
pub fn question_to_json(question: &Question) -> Value {
    let format = question.text.format;
    let mut map = Map::new();
    if let Some(id) = &question.id {
        map.insert("id".into(), json!(id));
    }
    map.insert("type".into(), json!(question.type_key()));
    map.insert("tags".into(), json!(question.tags));
    if let Some(title) = &question.title {
        map.insert("title".into(), json!(title));
    }
    if let Some(category) = &question.category {
        map.insert("category".into(), json!(category));
    }
    map.insert("format".into(), json!(format.name()));
    map.insert("text".into(), json!(question.text.text));
    put_text(
        &mut map,
        "general_feedback",
        question.general_feedback.as_ref(),
        format,
    );
    let option = |text: Value, fraction: f64, feedback: Option<&Text>| {
        let mut option = Map::new();
        option.insert("text".into(), text);
        option.insert("fraction".into(), number(fraction));
        put_text(&mut option, "feedback", feedback, format);
        Value::Object(option)
    };
    match &question.kind {
        QuestionKind::Description | QuestionKind::Essay => {}
        QuestionKind::TrueFalse {
            answer,
            feedback_wrong,
            feedback_right,
        } => {
            map.insert("key".into(), json!(answer));
            put_text(&mut map, "feedback_wrong", feedback_wrong.as_ref(), format);
            put_text(&mut map, "feedback_right", feedback_right.as_ref(), format);
        }
        QuestionKind::Choice {
            multiple,
            options,
            all_or_nothing,
        } => {
            if *all_or_nothing {
                map.insert("all_or_nothing".into(), json!(true));
            }
            map.insert(
                "options".into(),
                options
                    .iter()
                    .map(|o| option(text_json(&o.text, format), o.fraction, o.feedback.as_ref()))
                    .collect(),
            );
            let key: Vec<usize> = if *multiple {
                (0..options.len())
                    .filter(|&k| options[k].fraction > 0.0)
                    .collect()
            } else {
                let top = options.iter().map(|o| o.fraction).fold(0.0, f64::max);
                (0..options.len())
                    .filter(|&k| top > 0.0 && options[k].fraction == top)
                    .collect()
            };
            map.insert("key".into(), json!(key));
        }
        QuestionKind::ShortAnswer {
            answers,
            case_sensitive,
            ignore_diacritics,
        } => {
            map.insert(
                "options".into(),
                answers
                    .iter()
                    .map(|a| option(json!(a.text), a.fraction, a.feedback.as_ref()))
                    .collect(),
            );
            let key: Vec<&str> = answers
                .iter()
                .filter(|a| a.fraction >= 1.0)
                .map(|a| a.text.as_str())
                .collect();
            map.insert("key".into(), json!(key));
            if *case_sensitive {
                map.insert("case_sensitive".into(), json!(true));
            }
            if *ignore_diacritics {
                map.insert("ignore_diacritics".into(), json!(true));
            }
        }
        QuestionKind::Numerical { answers } => {
            let values: Vec<Value> = answers
                .iter()
                .map(|a| {
                    let mut value = match a.value {
                        NumericValue::Exact {
                            number: n,
                            tolerance,
                        } => {
                            json!({"number": number(n), "tolerance": number(tolerance)})
                        }
                        NumericValue::Range { min, max } => {
                            json!({"min": number(min), "max": number(max)})
                        }
                        NumericValue::Any => json!({"any": true}),
                    };
                    if let Value::Object(value) = &mut value {
                        value.insert("fraction".into(), number(a.fraction));
                        put_text(value, "feedback", a.feedback.as_ref(), format);
                    }
                    value
                })
                .collect();
            map.insert("options".into(), Value::Array(values));
            let mut best: Option<&NumericAnswer> = None;
            for answer in answers {
                if best.is_none_or(|b| answer.fraction > b.fraction) {
                    best = Some(answer);
                }
            }
            let key = match best.map(|a| &a.value) {
                Some(NumericValue::Exact { number: n, .. }) => number(*n),
                Some(NumericValue::Range { min, max }) => {
                    let (middle, _) = middle_and_half_width(*min, *max);
                    middle.parse().map_or(Value::Null, number)
                }
                Some(NumericValue::Any) | None => Value::Null,
            };
            map.insert("key".into(), key);
        }
        QuestionKind::Matching { pairs } => {
            map.insert(
                "options".into(),
                pairs
                    .iter()
                    .map(|p| {
                        let mut pair =
                            json!({"left": text_json(&p.left, format), "right": p.right});
                        if let (Some(weight), Value::Object(map)) = (p.weight, &mut pair) {
                            map.insert("weight".into(), number(weight));
                        }
                        pair
                    })
                    .collect(),
            );
            map.insert(
                "key".into(),
                pairs
                    .iter()
                    .filter(|p| !p.left.text.is_empty())
                    .map(|p| json!([p.left.text, p.right]))
                    .collect(),
            );
        }
        QuestionKind::Ordering { items, grading } => {
            map.insert(
                "options".into(),
                items.iter().map(|t| text_json(t, format)).collect(),
            );
            map.insert("key".into(), json!((0..items.len()).collect::<Vec<_>>()));
            map.insert("grading".into(), json!(grading.name()));
        }
        QuestionKind::Hotspot {
            image,
            width,
            height,
            alt,
            regions,
            places,
        } => {
            map.insert("image".into(), json!(image));
            map.insert("width".into(), json!(width));
            map.insert("height".into(), json!(height));
            map.insert("alt".into(), json!(alt));
            map.insert("key".into(), json!(regions));
            if !places.is_empty() {
                map.insert("places".into(), json!(places));
            }
        }
    }
    Value::Object(map)
}

// ---------------------------------------------------------------------------------------------
// Reading JSON

/// Reads a bank in the JSON interchange shape: a list of questions (or one question object).
/// Either every question, or every problem found.
pub fn from_json(value: &Value) -> Result<Vec<Question>, Vec<InterchangeError>> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => {
            return Err(vec![InterchangeError {
                question: 0,
                field: String::new(),
                message: "expected a list of questions".into(),
            }])
        }
    };
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match question_from_json(item, index, Dialect::Json) {
            Ok(question) => questions.push(question),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(errors)
    }
}

/// Which spelling a question object comes in: the JSON interchange, or a `questions.toml` table
/// (which also accepts `answers`, `items` and `region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Json,
    Toml,
}

/// Collects the problems of one question object.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    index: usize,
    errors: Vec<InterchangeError>,
    used: Vec<&'static str>,
}

impl<'a> Reader<'a> {
    fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(InterchangeError {
            question: self.index,
            field: field.into(),
            message: message.into(),
        });
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The first of `keys` present.
    fn get_any(&mut self, keys: &[&'static str]) -> Option<(&'static str, &'a Value)> {
        let mut found = None;
        for &key in keys {
            if let Some(value) = self.get(key) {
                if found.is_none() {
                    found = Some((key, value));
                }
            }
        }
        found
    }

    fn string(&mut self, key: &'static str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.error(key, "expected a string");
                None
            }
        }
    }

    fn boolean(&mut self, key: &'static str) -> bool {
        match self.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.error(key, "expected true or false");
                false
            }
        }
    }

    fn pixels(&mut self, key: &'static str) -> u32 {
        match self.get(key) {
            Some(value) => match pixels(value) {
                Some(n) if n > 0 => n,
                _ => {
                    self.error(key, "expected a whole number of pixels above 0");
                    0
                }
            },
            None => {
                self.error(key, "missing");
                0
            }
        }
    }

    fn text(&mut self, key: &'static str, format: TextFormat) -> Option<Text> {
        let value = self.get(key)?;
        match text_from(value, format) {
            Ok(text) => Some(text),
            Err(message) => {
                self.error(key, message);
                None
            }
        }
    }
}

fn pixels(value: &Value) -> Option<u32> {
    value.as_u64().and_then(|n| u32::try_from(n).ok())
}

fn text_from(value: &Value, format: TextFormat) -> Result<Text, String> {
    match value {
        Value::String(s) => Ok(Text::new(format, s.clone())),
        Value::Object(map) => {
            let text = match map.get("text") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err("expected a string, or {\"text\": ..., \"format\": ...}".into()),
            };
            let format = match map.get("format") {
                None | Some(Value::Null) => format,
                Some(Value::String(name)) => TextFormat::from_name(name)
                    .ok_or_else(|| format!("unknown text format `{name}`: {FORMATS}"))?,
                Some(_) => return Err(format!("`format` must be one of {FORMATS}")),
            };
            if let Some(extra) = map.keys().find(|k| *k != "text" && *k != "format") {
                return Err(format!("unknown field `{extra}` in a text"));
            }
            Ok(Text::new(format, text))
        }
        _ => Err("expected a string, or {\"text\": ..., \"format\": ...}".into()),
    }
}

const FORMATS: &str = "moodle, html, plain, markdown";

/// A fraction written as a number from -1 to 1.
fn fraction_from(value: &Value) -> Result<f64, String> {
    match value.as_f64() {
        Some(f) if (-1.0..=1.0).contains(&f) => Ok(f),
        _ => Err("expected a fraction from -1 to 1 (0.5 is 50%)".into()),
    }
}

/// The fields of one answer-like object: `text`/`value`, `fraction`, `feedback`.
struct Entry<'a> {
    map: Option<&'a Map<String, Value>>,
    bare: Option<&'a Value>,
}

fn entry(value: &Value) -> Entry<'_> {
    match value {
        Value::Object(map) => Entry {
            map: Some(map),
            bare: None,
        },
        other => Entry {
            map: None,
            bare: Some(other),
        },
    }
}

impl<'a> Entry<'a> {
    fn field(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    fn unknown(&self, allowed: &[&str]) -> Option<&'a str> {
        self.map?
            .keys()
            .find(|k| !allowed.contains(&k.as_str()))
            .map(String::as_str)
    }
}

/// Reads one question object; `index` names it in errors.
pub(crate) fn question_from_json(
    value: &Value,
    index: usize,
    dialect: Dialect,
) -> Result<Question, Vec<InterchangeError>> {
    let Value::Object(map) = value else {
        return Err(vec![InterchangeError {
            question: index,
            field: String::new(),
            message: "expected an object".into(),
        }]);
    };
    let mut r = Reader {
        map,
        index,
        errors: Vec::new(),
        used: Vec::new(),
    };
    let id = r.string("id").filter(|id| !id.trim().is_empty());
    let kind_name = r.string("type");
    let mut tags = Vec::new();
    match r.get("tags") {
        None => {}
        Some(Value::Array(items)) => {
            for (k, item) in items.iter().enumerate() {
                match item {
                    Value::String(tag) if !tag.trim().is_empty() => tags.push(tag.clone()),
                    _ => r.error(format!("tags[{k}]"), "expected a non-empty string"),
                }
            }
        }
        Some(_) => r.error("tags", "expected a list of strings"),
    }
    let title = r.string("title").filter(|t| !t.is_empty());
    let category = r.string("category").filter(|c| !c.trim().is_empty());
    let format = match r.string("format") {
        None => TextFormat::Moodle,
        Some(name) => TextFormat::from_name(&name).unwrap_or_else(|| {
            r.error("format", format!("unknown text format `{name}`: {FORMATS}"));
            TextFormat::Moodle
        }),
    };
    let text = match r.get("text") {
        Some(Value::String(s)) => Text::new(format, s.clone()),
        Some(_) => {
            r.error("text", "expected a string");
            Text::new(format, "")
        }
        None => {
            r.error("text", "missing: every question needs a text");
            Text::new(format, "")
        }
    };
    let general_feedback = r.text("general_feedback", format);

    let kind = match kind_name.as_deref() {
        None => {
            r.error(
                "type",
                format!("missing: one of {}", Question::TYPE_KEYS.join(", ")),
            );
            None
        }
        Some(name) => read_kind(&mut r, name, format, dialect),
    };

    if let Some(unknown) = map.keys().find(|k| !r.used.contains(&k.as_str())).cloned() {
        let message = match kind_name.as_deref() {
            Some(kind) => format!("unknown field for a {kind} question"),
            None => "unknown field".to_owned(),
        };
        r.error(unknown.clone(), message);
    }
    match kind {
        Some(kind) if r.errors.is_empty() => Ok(Question {
            id,
            tags,
            title,
            category,
            text,
            general_feedback,
            kind,
            line: 0,
        }),
        _ => Err(r.errors),
    }
}

fn read_kind(
    r: &mut Reader<'_>,
    name: &str,
    format: TextFormat,
    dialect: Dialect,
) -> Option<QuestionKind> {
    match name {
        "description" => Some(QuestionKind::Description),
        "essay" => Some(QuestionKind::Essay),
        "true_false" => {
            let answer = match r.get("key") {
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => {
                    r.error("key", "expected true or false");
                    None
                }
                None => {
                    r.error("key", "missing: is the statement true or false?");
                    None
                }
            };
            let feedback_wrong = r.text("feedback_wrong", format);
            let feedback_right = r.text("feedback_right", format);
            answer.map(|answer| QuestionKind::TrueFalse {
                answer,
                feedback_wrong,
                feedback_right,
            })
        }
        "single_choice" | "multiple_choice" => read_choice(r, name == "multiple_choice", format),
        "short_answer" => read_short_answer(r, format, dialect),
        "numerical" => read_numerical(r, format),
        "matching" => read_matching(r, format),
        "ordering" => read_ordering(r, format, dialect),
        "hotspot" => read_hotspot(r, dialect),
        other => {
            r.error(
                "type",
                format!(
                    "unknown question type `{other}`: one of {}",
                    Question::TYPE_KEYS.join(", ")
                ),
            );
            None
        }
    }
}

/// `key` as a list of option indexes below `len`.
fn key_indexes(r: &mut Reader<'_>, len: usize) -> Option<Vec<usize>> {
    let value = r.get("key")?;
    let Value::Array(items) = value else {
        r.error("key", "expected a list of option indexes (counting from 0)");
        return None;
    };
    let mut key = Vec::new();
    for (k, item) in items.iter().enumerate() {
        match item.as_u64().and_then(|i| usize::try_from(i).ok()) {
            Some(i) if i < len && !key.contains(&i) => key.push(i),
            _ => r.error(
                format!("key[{k}]"),
                format!(
                    "expected a distinct option index from 0 to {}",
                    len.saturating_sub(1)
                ),
            ),
        }
    }
    Some(key)
}

fn options_list<'a>(
    r: &mut Reader<'a>,
    keys: &[&'static str],
) -> Option<(&'static str, &'a Vec<Value>)> {
    match r.get_any(keys)? {
        (key, Value::Array(items)) => Some((key, items)),
        (key, _) => {
            r.error(key, "expected a list");
            None
        }
    }
}

fn read_choice(r: &mut Reader<'_>, multiple: bool, format: TextFormat) -> Option<QuestionKind> {
    // Known even when the options are missing, so that it is not also reported as unknown.
    r.get("key");
    let all_or_nothing = r.boolean("all_or_nothing");
    let Some((field, items)) = options_list(r, &["options"]) else {
        r.error("options", "missing: the options to choose from");
        return None;
    };
    let key = key_indexes(r, items.len());
    let mut options = Vec::new();
    let mut missing_fraction = false;
    for (k, item) in items.iter().enumerate() {
        let e = entry(item);
        if let Some(unknown) = e.unknown(&["text", "format", "fraction", "feedback"]) {
            r.error(format!("{field}[{k}].{unknown}"), "unknown field");
        }
        let text = match (e.bare, e.field("text")) {
            (Some(bare), _) => text_from(bare, format),
            (None, Some(Value::String(s))) => match e.field("format") {
                None => Ok(Text::new(format, s.clone())),
                Some(own) => text_from(&json!({"text": s, "format": own}), format),
            },
            (None, Some(nested)) => text_from(nested, format),
            (None, None) => Err("missing `text`".into()),
        };
        let text = match text {
            // As in GIFT, only an empty text is missing: `\n` alone is a text.
            Ok(text) if !text.text.is_empty() => text,
            Ok(_) => {
                r.error(format!("{field}[{k}].text"), "empty option");
                continue;
            }
            Err(message) => {
                r.error(format!("{field}[{k}]"), message);
                continue;
            }
        };
        let fraction = match e.field("fraction") {
            Some(value) => match fraction_from(value) {
                Ok(f) => Some(f),
                Err(message) => {
                    r.error(format!("{field}[{k}].fraction"), message);
                    None
                }
            },
            None => {
                missing_fraction = true;
                None
            }
        };
        let feedback = match e.field("feedback").map(|v| text_from(v, format)) {
            Some(Ok(text)) => Some(text),
            Some(Err(message)) => {
                r.error(format!("{field}[{k}].feedback"), message);
                None
            }
            None => None,
        };
        options.push((k, text, fraction, feedback));
    }
    if options.len() < 2 {
        r.error(field, "a choice question needs at least two options");
        return None;
    }
    if missing_fraction && key.is_none() {
        r.error(
            "key",
            "missing: give each option a `fraction`, or list the right options in `key`",
        );
        return None;
    }
    let key = key.unwrap_or_default();
    let share = if multiple && !key.is_empty() {
        1.0 / key.len() as f64
    } else {
        1.0
    };
    let options = options
        .into_iter()
        .map(|(k, text, fraction, feedback)| ChoiceOption {
            text,
            fraction: fraction.unwrap_or(if key.contains(&k) { share } else { 0.0 }),
            feedback,
        })
        .collect();
    Some(QuestionKind::Choice {
        multiple,
        options,
        all_or_nothing,
    })
}

fn read_short_answer(
    r: &mut Reader<'_>,
    format: TextFormat,
    dialect: Dialect,
) -> Option<QuestionKind> {
    let keys: &[&'static str] = match dialect {
        Dialect::Json => &["options"],
        Dialect::Toml => &["answers", "options"],
    };
    let listed = options_list(r, keys);
    let key = r.get("key");
    let case_sensitive = r.boolean("case_sensitive");
    let ignore_diacritics = r.boolean("ignore_diacritics");
    let mut answers = Vec::new();
    if let Some((field, items)) = listed {
        for (k, item) in items.iter().enumerate() {
            let e = entry(item);
            if let Some(unknown) = e.unknown(&["text", "fraction", "feedback"]) {
                r.error(format!("{field}[{k}].{unknown}"), "unknown field");
            }
            let text = match (e.bare, e.field("text")) {
                (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => s.clone(),
                _ => {
                    r.error(format!("{field}[{k}]"), "expected an answer text");
                    continue;
                }
            };
            if text.is_empty() {
                r.error(format!("{field}[{k}]"), "empty answer");
                continue;
            }
            let fraction = match e.field("fraction").map(fraction_from) {
                None => 1.0,
                Some(Ok(f)) => f,
                Some(Err(message)) => {
                    r.error(format!("{field}[{k}].fraction"), message);
                    continue;
                }
            };
            let feedback = match e.field("feedback").map(|v| text_from(v, format)) {
                Some(Ok(text)) => Some(text),
                Some(Err(message)) => {
                    r.error(format!("{field}[{k}].feedback"), message);
                    None
                }
                None => None,
            };
            answers.push(TextAnswer {
                text,
                fraction,
                feedback,
            });
        }
    } else if let Some(key) = key {
        // Only a key: each listed answer is worth 100%.
        match key {
            Value::Array(items) => {
                for (k, item) in items.iter().enumerate() {
                    match item.as_str().map(str::trim) {
                        Some(text) if !text.is_empty() => answers.push(TextAnswer {
                            text: text.to_owned(),
                            fraction: 1.0,
                            feedback: None,
                        }),
                        _ => r.error(format!("key[{k}]"), "expected an answer text"),
                    }
                }
            }
            Value::String(text) if !text.trim().is_empty() => answers.push(TextAnswer {
                text: text.trim().to_owned(),
                fraction: 1.0,
                feedback: None,
            }),
            _ => r.error("key", "expected a list of answer texts"),
        }
    }
    if answers.is_empty() && r.errors.is_empty() {
        r.error(
            keys[0],
            "missing: a short-answer question needs at least one answer",
        );
    }
    (!answers.is_empty()).then_some(QuestionKind::ShortAnswer {
        answers,
        case_sensitive,
        ignore_diacritics,
    })
}

fn finite(value: Option<&Value>) -> Option<f64> {
    value.and_then(Value::as_f64).filter(|x| x.is_finite())
}

fn read_numerical(r: &mut Reader<'_>, format: TextFormat) -> Option<QuestionKind> {
    let listed = options_list(r, &["options"]);
    let key = r.get("key");
    let mut answers = Vec::new();
    if let Some((field, items)) = listed {
        for (k, item) in items.iter().enumerate() {
            let e = entry(item);
            if let Some(unknown) = e.unknown(&[
                "number",
                "tolerance",
                "min",
                "max",
                "any",
                "fraction",
                "feedback",
            ]) {
                r.error(format!("{field}[{k}].{unknown}"), "unknown field");
            }
            let value = if let Some(n) = e.bare {
                finite(Some(n)).map(|number| NumericValue::Exact {
                    number,
                    tolerance: 0.0,
                })
            } else if e.field("any") == Some(&Value::Bool(true)) {
                Some(NumericValue::Any)
            } else if let Some(number) = finite(e.field("number")) {
                let tolerance = match e.field("tolerance") {
                    None => Some(0.0),
                    Some(t) => finite(Some(t)).filter(|t| *t >= 0.0),
                };
                tolerance.map(|tolerance| NumericValue::Exact { number, tolerance })
            } else {
                match (finite(e.field("min")), finite(e.field("max"))) {
                    (Some(min), Some(max)) if min <= max => Some(NumericValue::Range { min, max }),
                    _ => None,
                }
            };
            let Some(value) = value else {
                r.error(
                    format!("{field}[{k}]"),
                    "expected {\"number\": n, \"tolerance\": t} (tolerance 0 or more), \
                     {\"min\": a, \"max\": b} (a ≤ b) or {\"any\": true}",
                );
                continue;
            };
            let fraction = match e.field("fraction").map(fraction_from) {
                None => 1.0,
                Some(Ok(f)) => f,
                Some(Err(message)) => {
                    r.error(format!("{field}[{k}].fraction"), message);
                    continue;
                }
            };
            let feedback = match e.field("feedback").map(|v| text_from(v, format)) {
                Some(Ok(text)) => Some(text),
                Some(Err(message)) => {
                    r.error(format!("{field}[{k}].feedback"), message);
                    None
                }
                None => None,
            };
            answers.push(NumericAnswer {
                value,
                fraction,
                feedback,
            });
        }
    } else if let Some(key) = key {
        match finite(Some(key)) {
            Some(number) => answers.push(NumericAnswer {
                value: NumericValue::Exact {
                    number,
                    tolerance: 0.0,
                },
                fraction: 1.0,
                feedback: None,
            }),
            None => r.error("key", "expected a number"),
        }
    }
    if answers.is_empty() && r.errors.is_empty() {
        r.error(
            "options",
            "missing: a numerical question needs at least one answer",
        );
    }
    (!answers.is_empty()).then_some(QuestionKind::Numerical { answers })
}

fn read_matching(r: &mut Reader<'_>, format: TextFormat) -> Option<QuestionKind> {
    // The pairs are the key; `key` as written by `to_json` is a summary and is not read.
    r.get("key");
    let Some((field, items)) = options_list(r, &["options", "pairs"]) else {
        r.error("options", "missing: the pairs to match");
        return None;
    };
    let mut pairs = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let e = entry(item);
        if let Some(unknown) = e.unknown(&["left", "right", "weight"]) {
            r.error(format!("{field}[{k}].{unknown}"), "unknown field");
        }
        let weight = match e.field("weight") {
            None => None,
            Some(value) => match value.as_f64().filter(|w| (0.0..=1.0).contains(w)) {
                Some(weight) => Some(weight),
                None => {
                    r.error(
                        format!("{field}[{k}].weight"),
                        "expected the pair's share of the marks, from 0 to 1",
                    );
                    None
                }
            },
        };
        let left = match e.field("left").map(|v| text_from(v, format)) {
            None => Ok(Text::new(format, "")),
            Some(left) => left,
        };
        let right = e.field("right").and_then(Value::as_str);
        match (left, right) {
            (Ok(left), Some(right)) if !right.is_empty() => pairs.push(MatchPair {
                left,
                right: right.to_owned(),
                weight,
            }),
            (Err(message), _) => r.error(format!("{field}[{k}].left"), message),
            _ => r.error(
                format!("{field}[{k}].right"),
                "expected the answer to match, a non-empty string",
            ),
        }
    }
    if pairs.iter().filter(|p| !p.left.text.is_empty()).count() < 2 {
        r.error(
            field,
            "a matching question needs at least two pairs with a left-hand side",
        );
        return None;
    }
    Some(QuestionKind::Matching { pairs })
}

fn read_ordering(r: &mut Reader<'_>, format: TextFormat, dialect: Dialect) -> Option<QuestionKind> {
    let keys: &[&'static str] = match dialect {
        Dialect::Json => &["options", "items"],
        Dialect::Toml => &["items", "options"],
    };
    let grading = match r.string("grading") {
        None => OrderingGrading::default(),
        Some(name) => OrderingGrading::from_name(&name).unwrap_or_else(|| {
            let names: Vec<&str> = OrderingGrading::ALL.iter().map(|g| g.name()).collect();
            r.error(
                "grading",
                format!("unknown grading `{name}`: one of {}", names.join(", ")),
            );
            OrderingGrading::default()
        }),
    };
    r.get("key");
    let Some((field, list)) = options_list(r, keys) else {
        r.error(keys[0], "missing: the items, in the right order");
        return None;
    };
    let mut items = Vec::new();
    for (k, item) in list.iter().enumerate() {
        match text_from(item, format) {
            Ok(text) if !text.text.trim().is_empty() => items.push(text),
            Ok(_) => r.error(format!("{field}[{k}]"), "empty item"),
            Err(message) => r.error(format!("{field}[{k}]"), message),
        }
    }
    if items.len() < 2 {
        r.error(field, "an ordering question needs at least two items");
        return None;
    }
    if let Some(key) = key_indexes(r, items.len()) {
        if key.len() != items.len() {
            r.error(
                "key",
                "must list every item index once, in the right order (or leave it out: the \
                 items are then in the right order already)",
            );
            return None;
        }
        items = key.into_iter().map(|k| items[k].clone()).collect();
    }
    Some(QuestionKind::Ordering { items, grading })
}

fn read_region(value: &Value) -> Result<Region, String> {
    let Value::Object(map) = value else {
        return Err("expected a region table".into());
    };
    let shape = match map.get("shape") {
        None => {
            if map.contains_key("r") {
                "circle"
            } else {
                "rect"
            }
        }
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("`shape` must be \"rect\" or \"circle\"".into()),
    };
    let field = |name: &str| map.get(name).and_then(pixels);
    let allowed: &[&str] = match shape {
        "rect" => &["shape", "x", "y", "w", "h"],
        "circle" => &["shape", "cx", "cy", "r"],
        other => return Err(format!("unknown shape `{other}`: rect or circle")),
    };
    if let Some(extra) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("unknown field `{extra}` for a {shape}"));
    }
    match shape {
        "rect" => match (field("x"), field("y"), field("w"), field("h")) {
            (Some(x), Some(y), Some(w), Some(h)) if w > 0 && h > 0 => {
                Ok(Region::Rect { x, y, w, h })
            }
            _ => Err("a rect needs whole-pixel x, y and w, h above 0".into()),
        },
        _ => match (field("cx"), field("cy"), field("r")) {
            (Some(cx), Some(cy), Some(r)) if r > 0 => Ok(Region::Circle { cx, cy, r }),
            _ => Err("a circle needs whole-pixel cx, cy and r above 0".into()),
        },
    }
}

fn read_hotspot(r: &mut Reader<'_>, dialect: Dialect) -> Option<QuestionKind> {
    let image = r.string("image").unwrap_or_default();
    if image.trim().is_empty() {
        r.error("image", "missing: the image to tap on, like media/zalo.png");
    }
    let width = r.pixels("width");
    let height = r.pixels("height");
    let alt = r.string("alt").unwrap_or_default();
    if alt.trim().is_empty() {
        r.error(
            "alt",
            "missing: say what the image shows (screen readers need it)",
        );
    }
    let keys: &[&'static str] = match dialect {
        Dialect::Json => &["key", "regions"],
        Dialect::Toml => &["region", "regions", "key"],
    };
    let Some((field, list)) = options_list(r, keys) else {
        r.error(keys[0], "missing: the regions a learner should tap");
        return None;
    };
    let mut regions = Vec::new();
    for (k, item) in list.iter().enumerate() {
        match read_region(item) {
            Ok(region) => {
                let inside = match region {
                    Region::Rect { x, y, w, h } => {
                        u64::from(x) + u64::from(w) <= u64::from(width)
                            && u64::from(y) + u64::from(h) <= u64::from(height)
                    }
                    Region::Circle { cx, cy, .. } => cx <= width && cy <= height,
                };
                if width > 0 && height > 0 && !inside {
                    r.error(
                        format!("{field}[{k}]"),
                        format!("the region lies outside the {width}×{height} image"),
                    );
                }
                regions.push(region);
            }
            Err(message) => r.error(format!("{field}[{k}]"), message),
        }
    }
    if regions.is_empty() {
        r.error(field, "a hotspot question needs at least one region");
    }
    let places = read_places(r, dialect, width, height, &regions);
    Some(QuestionKind::Hotspot {
        image,
        width,
        height,
        alt,
        regions,
        places,
    })
}

/// A hotspot's named places (optional): each a label and a point inside the image. When there
/// are any, at least one must be right and one wrong, or the list would be no question at all.
fn read_places(
    r: &mut Reader<'_>,
    dialect: Dialect,
    width: u32,
    height: u32,
    regions: &[Region],
) -> Vec<Place> {
    let keys: &[&'static str] = match dialect {
        Dialect::Json => &["places"],
        Dialect::Toml => &["place", "places"],
    };
    let Some((field, list)) = options_list(r, keys) else {
        return Vec::new();
    };
    let mut places = Vec::new();
    for (k, item) in list.iter().enumerate() {
        let Value::Object(map) = item else {
            r.error(format!("{field}[{k}]"), "expected a place: label, x, y");
            continue;
        };
        if let Some(extra) = map
            .keys()
            .find(|key| !["label", "x", "y"].contains(&key.as_str()))
        {
            r.error(format!("{field}[{k}].{extra}"), "unknown field");
            continue;
        }
        let label = map
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        let (x, y) = (map.get("x").and_then(pixels), map.get("y").and_then(pixels));
        match (x, y) {
            (Some(x), Some(y)) if !label.is_empty() && x <= width && y <= height => {
                places.push(Place {
                    label: label.to_owned(),
                    x,
                    y,
                });
            }
            _ => r.error(
                format!("{field}[{k}]"),
                format!(
                    "a place needs a label and whole-pixel x, y inside the {width}×{height} image"
                ),
            ),
        }
    }
    let right = |p: &Place| {
        regions
            .iter()
            .any(|g| g.contains(f64::from(p.x), f64::from(p.y)))
    };
    if !places.is_empty() && (!places.iter().any(right) || places.iter().all(right)) {
        r.error(
            field,
            "the places need at least one inside a region and one outside (a list of only right places gives the answer away)",
        );
    }
    places
}
