//! The GIFT writer, modelled on Moodle's exporter: one question per block, answers one per line,
//! every GIFT control character escaped, line breaks written as `\n`. Beyond Moodle it takes care
//! that the reader in this crate gets exactly the same question back (explicit `[format]` where a
//! text would otherwise be misread, explicit weights where an answer starts with `%`).

use crate::model::{
    category_file_order, category_line, NumericValue, Question, QuestionKind, Text, TextFormat,
};

pub(super) fn write(questions: &[Question]) -> String {
    let mut out = String::new();
    let mut category: Option<&str> = None;
    for (k, (_, question)) in category_file_order(questions).into_iter().enumerate() {
        if k > 0 {
            // A blank line ends a question.
            out.push('\n');
        }
        if let Some(path) = question
            .category
            .as_deref()
            .filter(|&p| Some(p) != category)
        {
            out.push_str(&format!("$CATEGORY: {}\n\n", category_line(path)));
            category = Some(path);
        }
        write_question(&mut out, question);
    }
    out
}

fn write_question(out: &mut String, question: &Question) {
    if !expressible(question) {
        write_placeholder(out, question);
        return;
    }
    let mut marks: Vec<String> = Vec::new();
    if let Some(id) = &question.id {
        marks.push(format!("[id:{}]", comment_value(id)));
    }
    marks.extend(
        question
            .tags
            .iter()
            .map(|tag| format!("[tag:{}]", comment_value(tag))),
    );
    if !marks.is_empty() {
        out.push_str("// ");
        out.push_str(&marks.join(" "));
        out.push('\n');
    }
    if let Some(title) = &question.title {
        out.push_str("::");
        out.push_str(&escape(title));
        out.push_str("::");
    }
    let stem = text(&question.text, TextFormat::Moodle);
    if stem.starts_with("//") {
        // Would be read as a comment line when there is no title in front of it.
        out.push_str(&format!("[{}]", question.text.format.name()));
    }
    out.push_str(&stem);

    let format = question.text.format;
    let general_feedback = question
        .general_feedback
        .as_ref()
        .map(|feedback| format!("####{}", text(feedback, format)));
    let block_end = |out: &mut String| {
        if let Some(feedback) = &general_feedback {
            out.push('\t');
            out.push_str(feedback);
            out.push('\n');
        }
        out.push('}');
    };

    match &question.kind {
        QuestionKind::Description => {}
        QuestionKind::Essay => {
            out.push('{');
            out.push_str(general_feedback.as_deref().unwrap_or(""));
            out.push('}');
        }
        QuestionKind::TrueFalse {
            answer,
            feedback_wrong,
            feedback_right,
        } => {
            out.push('{');
            out.push_str(if *answer { "TRUE" } else { "FALSE" });
            if feedback_wrong.is_some() || feedback_right.is_some() {
                out.push('#');
                if let Some(wrong) = feedback_wrong {
                    out.push_str(&text(wrong, format));
                }
            }
            if let Some(right) = feedback_right {
                out.push('#');
                out.push_str(&text(right, format));
            }
            out.push_str(general_feedback.as_deref().unwrap_or(""));
            out.push('}');
        }
        QuestionKind::Choice {
            multiple, options, ..
        } => {
            out.push_str("{\n");
            // Moodle: `=` marks a 100% answer of a single-choice question, and a question is
            // single-choice exactly when some answer uses `=`; every other answer uses `~`.
            let mut marks: Vec<(char, Option<f64>)> = options
                .iter()
                .map(|option| {
                    let fraction = option.fraction;
                    if fraction == 1.0 && !multiple {
                        ('=', None)
                    } else if fraction == 0.0 {
                        ('~', None)
                    } else {
                        ('~', Some(fraction))
                    }
                })
                .collect();
            if !multiple {
                if !marks.iter().any(|&(mark, _)| mark == '=') {
                    if let (Some(mark), Some(option)) = (marks.first_mut(), options.first()) {
                        *mark = ('=', Some(option.fraction));
                    }
                }
                // Without a `~` Moodle would read a short-answer question.
                if !marks.iter().any(|&(mark, _)| mark == '~') {
                    if let (Some(mark), Some(option)) = (marks.last_mut(), options.last()) {
                        *mark = ('~', Some(option.fraction));
                    }
                }
            }
            for (option, (mark, weight)) in options.iter().zip(marks) {
                let body = text(&option.text, format);
                out.push('\t');
                out.push(mark);
                out.push_str(&weight_prefix(weight, option.fraction, &body));
                out.push_str(&body);
                push_feedback(out, option.feedback.as_ref(), format);
                out.push('\n');
            }
            block_end(out);
        }
        // GIFT cannot say `case_sensitive` or `ignore_diacritics`: `questions.toml` does.
        QuestionKind::ShortAnswer { answers, .. } => {
            out.push_str("{\n");
            for answer in answers {
                let mut body = escape(&answer.text);
                if body.starts_with('[') {
                    // Moodle strips a leading `[format]` from an answer to type in.
                    body = format!("[{}]{body}", format.name());
                }
                let weight = (answer.fraction != 1.0).then_some(answer.fraction);
                out.push_str("\t=");
                out.push_str(&weight_prefix(weight, answer.fraction, &body));
                out.push_str(&body);
                push_feedback(out, answer.feedback.as_ref(), format);
                out.push('\n');
            }
            block_end(out);
        }
        QuestionKind::Numerical { answers } => {
            out.push_str("{#\n");
            for (k, answer) in answers.iter().enumerate() {
                let last = k + 1 == answers.len();
                if answer.value == NumericValue::Any && answer.fraction == 0.0 && last {
                    // Moodle's own spelling of "feedback for any other answer".
                    out.push_str("\t~");
                } else {
                    let value = match answer.value {
                        NumericValue::Exact { number, tolerance } => {
                            if tolerance == 0.0 {
                                format!("{number}")
                            } else {
                                format!("{number}:{tolerance}")
                            }
                        }
                        NumericValue::Range { min, max } => format!("{min}..{max}"),
                        NumericValue::Any => "*".to_owned(),
                    };
                    let weight = (answer.fraction != 1.0).then_some(answer.fraction);
                    out.push_str("\t=");
                    out.push_str(&weight_prefix(weight, answer.fraction, &value));
                    out.push_str(&value);
                }
                push_feedback(out, answer.feedback.as_ref(), format);
                out.push('\n');
            }
            block_end(out);
        }
        QuestionKind::Ordering { .. } | QuestionKind::Hotspot { .. } => {}
        QuestionKind::Matching { pairs } => {
            out.push_str("{\n");
            for pair in pairs {
                out.push_str("\t=");
                out.push_str(&text(&pair.left, format));
                out.push_str(" -> ");
                out.push_str(&escape(&pair.right));
                out.push('\n');
            }
            block_end(out);
        }
    }
    out.push('\n');
}

/// Whether GIFT can hold the question at all. Ordering and hotspot questions are this platform's
/// extension and live in `questions.toml`.
pub(crate) fn expressible(question: &Question) -> bool {
    !matches!(
        question.kind,
        QuestionKind::Ordering { .. } | QuestionKind::Hotspot { .. }
    )
}

/// A comment block in place of a question GIFT cannot hold: Moodle and [`super::parse`] skip it,
/// and a reader of the file learns where the question went.
fn write_placeholder(out: &mut String, question: &Question) {
    let name = question
        .id
        .as_deref()
        .or(question.title.as_deref())
        .unwrap_or("(no id)");
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    out.push_str(&format!(
        "// {} question {name} is not expressible in GIFT (see questions.toml)\n",
        question.type_key()
    ));
}

/// `%50%` when the weight must be written: when asked for, or when the answer itself starts with
/// `%` and would otherwise be read as a weight.
fn weight_prefix(weight: Option<f64>, fraction: f64, body: &str) -> String {
    match weight {
        Some(fraction) => format!("%{}%", percent(fraction)),
        None if body.starts_with('%') => format!("%{}%", percent(fraction)),
        None => String::new(),
    }
}

/// A fraction as GIFT's percentage. Rounded to 7 decimals so that a weight read from GIFT (Moodle
/// uses at most 5, like `83.33333`) is written back exactly as it was read.
fn percent(fraction: f64) -> String {
    let percent = (fraction * 100.0 * 1e7).round() / 1e7;
    format!("{percent}")
}

fn push_feedback(out: &mut String, feedback: Option<&Text>, format: TextFormat) {
    if let Some(feedback) = feedback {
        out.push('#');
        out.push_str(&text(feedback, format));
    }
}

/// A text with a `[format]` prefix when it differs from `default`, or when the text itself starts
/// with `[` and would otherwise be read as a format.
fn text(text: &Text, default: TextFormat) -> String {
    let body = escape(&text.text);
    if text.format != default || text.text.starts_with('[') {
        format!("[{}]{body}", text.format.name())
    } else {
        body
    }
}

/// Escapes GIFT's control characters the way Moodle's exporter (`repchar`) does.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | ':' | '#' | '=' | '{' | '}' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// An id or tag inside `[id:...]`: `]` escaped as Moodle expects, control characters dropped
/// because the comment must stay on one line.
fn comment_value(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace(']', "\\]")
}
