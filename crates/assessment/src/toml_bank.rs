//! `questions.toml`: the questions GIFT cannot express, beside a course's `questions.gift`.
//!
//! GIFT has no ordering or hotspot question and no way to say that a short answer ignores
//! diacritics, and a GIFT file must stay one that Moodle reads. So this platform's extensions live
//! in a second file, documented in `FORMAT.md`:
//!
//! ```toml
//! [[question]]
//! id = "thu-tu-dang-ky-vneid"
//! type = "ordering"
//! text = "Sắp xếp các bước đăng ký VNeID theo đúng thứ tự."
//! items = ["Tải ứng dụng VNeID", "Nhập số định danh cá nhân", "Xác thực bằng mã OTP"]
//!
//! [options.dang-ky-01]          # a short-answer question of questions.gift
//! ignore_diacritics = true
//! ```
//!
//! A `[[question]]` table is a question in the JSON interchange shape of [`crate::interchange`]
//! (the same reader, so the two never drift apart), with `answers` (short answer), `items`
//! (ordering) and `[[question.region]]` (hotspot) as friendlier names. `[options.<id>]` tables
//! set what GIFT cannot say on a GIFT question: `ignore_diacritics` and `case_sensitive` of a
//! short answer.
//!
//! Every problem is reported with its 1-based line, all at once.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::interchange::{question_from_json, Dialect};
use crate::model::{Question, QuestionKind};

/// A problem in a `questions.toml`, at a 1-based line. The caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlBankError {
    pub line: usize,
    pub message: String,
}

impl TomlBankError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for TomlBankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TomlBankError {}

/// Options set on a question of `questions.gift` by id (`[options.<id>]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionOptions {
    /// The id of the question it applies to.
    pub id: String,
    /// Where the table starts, for errors.
    pub line: usize,
    pub ignore_diacritics: Option<bool>,
    pub case_sensitive: Option<bool>,
}

/// Everything a `questions.toml` says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TomlBank {
    /// The `[[question]]` tables, in file order; `line` is where each table starts.
    pub questions: Vec<Question>,
    /// The `[options.<id>]` tables, in id order.
    pub options: Vec<QuestionOptions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    question: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    #[serde(default)]
    options: BTreeMap<String, Spanned<OptionsTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsTable {
    ignore_diacritics: Option<bool>,
    case_sensitive: Option<bool>,
}

/// The 1-based line of a byte offset.
fn line_at(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(n) => Value::from(n),
        toml::Value::Float(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

/// Reads a whole `questions.toml`: its questions and its options for GIFT questions. Either all
/// of it, or every problem found (each with its line).
pub fn parse_bank(src: &str) -> Result<TomlBank, Vec<TomlBankError>> {
    let document: Document = toml::from_str(src).map_err(|e| {
        let line = e.span().map_or(1, |span| line_at(src, span.start));
        vec![TomlBankError::new(line, e.message().trim().to_owned())]
    })?;
    let mut errors = Vec::new();
    let mut questions = Vec::new();
    for (index, table) in document.question.into_iter().enumerate() {
        let start = line_at(src, table.span().start);
        let table = table.into_inner();
        let field_lines: BTreeMap<String, usize> = table
            .iter()
            .map(|(k, v)| (k.clone(), line_at(src, v.span().start)))
            .collect();
        let object: serde_json::Map<String, Value> = table
            .into_iter()
            .map(|(k, v)| (k, to_json(v.into_inner())))
            .collect();
        match question_from_json(&Value::Object(object), index, Dialect::Toml) {
            Ok(mut question) => {
                question.line = start;
                questions.push(question);
            }
            Err(problems) => {
                for problem in problems {
                    // `options[2].text` is on the line of `options`.
                    let top = problem
                        .field
                        .split(['.', '['])
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let line = field_lines.get(&top).copied().unwrap_or(start);
                    let message = if problem.field.is_empty() {
                        problem.message
                    } else {
                        format!("`{}`: {}", problem.field, problem.message)
                    };
                    errors.push(TomlBankError::new(line, message));
                }
            }
        }
    }
    let options = document
        .options
        .into_iter()
        .map(|(id, table)| {
            let line = line_at(src, table.span().start);
            let table = table.into_inner();
            QuestionOptions {
                id,
                line,
                ignore_diacritics: table.ignore_diacritics,
                case_sensitive: table.case_sensitive,
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(TomlBank { questions, options })
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Reads the `[[question]]` tables of a `questions.toml`. `[options.<id>]` tables are checked but
/// not applied: use [`parse_bank`] and [`TomlBank::apply`] to load a course's bank.
pub fn parse(src: &str) -> Result<Vec<Question>, Vec<TomlBankError>> {
    parse_bank(src).map(|bank| bank.questions)
}

impl TomlBank {
    /// A course's whole bank: the GIFT questions (with `[options.<id>]` applied) followed by this
    /// file's questions. An options table for an id that is not a short-answer question of either
    /// file is an error at the table's line. Duplicate ids are left to the caller, who checks them
    /// across the bank anyway.
    pub fn apply(self, gift: Vec<Question>) -> Result<Vec<Question>, Vec<TomlBankError>> {
        let mut bank = gift;
        bank.extend(self.questions);
        let mut errors = Vec::new();
        for options in &self.options {
            let mut found = false;
            for question in bank
                .iter_mut()
                .filter(|q| q.id.as_deref() == Some(options.id.as_str()))
            {
                found = true;
                match &mut question.kind {
                    QuestionKind::ShortAnswer {
                        case_sensitive,
                        ignore_diacritics,
                        ..
                    } => {
                        if let Some(value) = options.case_sensitive {
                            *case_sensitive = value;
                        }
                        if let Some(value) = options.ignore_diacritics {
                            *ignore_diacritics = value;
                        }
                    }
                    _ => errors.push(TomlBankError::new(
                        options.line,
                        format!(
                            "[options.{}]: question {} is a {} question; these options are for \
                             short-answer questions",
                            options.id,
                            options.id,
                            question.type_key()
                        ),
                    )),
                }
            }
            if !found {
                errors.push(TomlBankError::new(
                    options.line,
                    format!(
                        "[options.{}]: no question has the id {}",
                        options.id, options.id
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(bank)
        } else {
            Err(errors)
        }
    }
}
