//! The GIFT reader. See the parent module for the rules and why they are Moodle's.
//!
//! The source is cut into blocks at blank lines, like Moodle does, and each block is turned into
//! characters that remember whether they were escaped and on which line they stand. Every
//! structural decision (`::`, `{`, `}`, `~`, `=`, `#`, `->`, `%`) looks only at unescaped
//! characters, so escapes never need a second pass and every error can name its line.

use super::GiftError;
use crate::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, Question, QuestionKind, Text, TextAnswer,
    TextFormat,
};

/// One character of a question block.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    /// Written with a backslash, so it is text and never structure.
    esc: bool,
    line: usize,
}

impl Ch {
    fn raw(self, c: char) -> bool {
        !self.esc && self.c == c
    }

    /// Whitespace as PHP's `trim` sees it; Moodle trims with it, so we do too.
    fn is_space(self) -> bool {
        !self.esc && is_php_space(self.c)
    }
}

fn is_php_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\0')
}

type Errors = Vec<GiftError>;

pub(super) fn parse(src: &str) -> Result<Vec<Question>, Errors> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let src = src.replace("\r\n", "\n").replace('\r', "\n");
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut category = None;
    for (index, line) in src.split('\n').enumerate() {
        if line.chars().all(is_php_space) {
            read_block(&block, &mut category, &mut questions, &mut errors);
            block.clear();
        } else {
            block.push((index + 1, line));
        }
    }
    read_block(&block, &mut category, &mut questions, &mut errors);
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(errors)
    }
}

/// Reads one blank-line-separated block: comments (for id and tags), then at most one question,
/// or a `$CATEGORY:` line that puts the questions after it in that category.
fn read_block(
    block: &[(usize, &str)],
    category: &mut Option<String>,
    out: &mut Vec<Question>,
    errors: &mut Errors,
) {
    let mut comments = String::new();
    let mut body = Vec::new();
    for &(number, line) in block {
        if line.trim_start_matches(is_php_space).starts_with("//") {
            comments.push_str(line);
            comments.push('\n');
        } else {
            body.push((number, line));
        }
    }
    // A block of comments only is Moodle's way of commenting out questions.
    let Some(&(first_line, _)) = body.first() else {
        return;
    };
    let chars = characters(&body);
    let chars = trim(&chars);
    if starts_with_raw(chars, "$CATEGORY:") {
        match read_category(chars) {
            Ok(path) => *category = path,
            Err(problem) => errors.push(problem),
        }
        return;
    }
    match read_question(chars, first_line) {
        Ok(mut question) => {
            question.category = category.clone();
            question.id = comment_values(&comments, "[id:", char::is_control)
                .into_iter()
                .find(|id| !id.is_empty());
            question.tags = comment_values(&comments, "[tag:", |c| {
                c == '<' || c == '>' || c.is_control()
            })
            .into_iter()
            .filter(|tag| !tag.is_empty())
            .collect();
            out.push(question);
        }
        Err(mut problems) => errors.append(&mut problems),
    }
}

/// The block's lines as characters, escapes decoded, lines joined by raw `\n`.
fn characters(lines: &[(usize, &str)]) -> Vec<Ch> {
    let mut out = Vec::new();
    for (k, &(line, text)) in lines.iter().enumerate() {
        if k > 0 {
            out.push(Ch {
                c: '\n',
                esc: false,
                line,
            });
        }
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let decoded = match chars.peek() {
                    Some(&next @ ('\\' | ':' | '#' | '=' | '{' | '}' | '~')) => Some(next),
                    Some('n') => Some('\n'),
                    _ => None,
                };
                if let Some(decoded) = decoded {
                    chars.next();
                    out.push(Ch {
                        c: decoded,
                        esc: true,
                        line,
                    });
                    continue;
                }
            }
            out.push(Ch {
                c,
                esc: false,
                line,
            });
        }
    }
    out
}

fn trim(t: &[Ch]) -> &[Ch] {
    let start = t.iter().position(|c| !c.is_space()).unwrap_or(t.len());
    let end = t
        .iter()
        .rposition(|c| !c.is_space())
        .map_or(start, |e| e + 1);
    &t[start..end.max(start)]
}

/// Where the unescaped sequence `pattern` first starts.
fn find_seq(t: &[Ch], pattern: &str) -> Option<usize> {
    let pattern: Vec<char> = pattern.chars().collect();
    t.windows(pattern.len())
        .position(|w| w.iter().zip(&pattern).all(|(c, &p)| c.raw(p)))
}

/// Where the unescaped sequence `pattern` last starts.
fn rfind_seq(t: &[Ch], pattern: &str) -> Option<usize> {
    let pattern: Vec<char> = pattern.chars().collect();
    t.windows(pattern.len())
        .rposition(|w| w.iter().zip(&pattern).all(|(c, &p)| c.raw(p)))
}

fn starts_with_raw(t: &[Ch], prefix: &str) -> bool {
    find_seq(t, prefix) == Some(0)
}

/// The category path of a `$CATEGORY:` block, as Moodle reads it (the rest of the line, trimmed);
/// an empty path goes back to no category.
fn read_category(chars: &[Ch]) -> Result<Option<String>, GiftError> {
    if let Some(next) = chars.iter().find(|c| c.raw('\n')) {
        return Err(GiftError::new(
            next.line,
            "a `$CATEGORY:` line must be followed by a blank line \
             (Moodle would read this line as part of the category name and lose the question)",
        ));
    }
    let path = render(trim(&chars["$CATEGORY:".len()..]), false);
    Ok(Some(path).filter(|p| !p.is_empty()))
}

fn read_question(chars: &[Ch], line: usize) -> Result<Question, Errors> {
    let mut rest = chars;
    let mut title = None;
    if starts_with_raw(rest, "::") {
        let after = &rest[2..];
        let Some(end) = find_seq(after, "::") else {
            return Err(vec![GiftError::new(
                rest[0].line,
                "the title is not closed: expected `::` after it (write `\\:` for a colon inside it)",
            )]);
        };
        let name = render(trim(&after[..end]), true);
        title = (!name.is_empty()).then_some(name);
        rest = trim(&after[end + 2..]);
    }

    let open = rest.iter().position(|c| c.raw('{'));
    let close = rest.iter().position(|c| c.raw('}'));
    let (open, close) = match (open, close) {
        (None, None) => {
            return Ok(Question {
                id: None,
                tags: Vec::new(),
                title,
                category: None,
                text: formatted(rest, TextFormat::Moodle, false),
                general_feedback: None,
                kind: QuestionKind::Description,
                line,
            });
        }
        (Some(open), None) => {
            return Err(vec![GiftError::new(
                rest[open].line,
                "`{` is never closed (a blank line inside an answer block ends the question; \
                 write `\\{` for a literal brace)",
            )]);
        }
        (None, Some(close)) => {
            return Err(vec![GiftError::new(
                rest[close].line,
                "`}` without a `{` before it (a blank line inside an answer block ends the \
                 question; write `\\}` for a literal brace)",
            )]);
        }
        (Some(open), Some(close)) if close < open => {
            return Err(vec![GiftError::new(
                rest[close].line,
                "`}` before the answer block opens; write `\\}` for a literal brace",
            )]);
        }
        (Some(open), Some(close)) => (open, close),
    };
    if let Some(nested) = rest[open + 1..close].iter().find(|c| c.raw('{')) {
        return Err(vec![GiftError::new(
            nested.line,
            "`{` inside an answer block: is a `}` missing? (write `\\{` for a literal brace)",
        )]);
    }
    if let Some(extra) = rest[close + 1..].iter().find(|c| c.raw('{') || c.raw('}')) {
        return Err(vec![GiftError::new(
            extra.line,
            "a question has only one answer block; separate questions with a blank line \
             (write `\\{` and `\\}` for literal braces)",
        )]);
    }
    let open_line = rest[open].line;

    let before = trim(&rest[..open]);
    let after = trim(&rest[close + 1..]);
    let mut inner = trim(&rest[open + 1..close]);
    let mut general_feedback: &[Ch] = &[];
    if let Some(at) = rfind_seq(inner, "####") {
        general_feedback = &inner[at + 4..];
        inner = trim(&inner[..at]);
    }

    // Text after the block makes a "missing word" question: the blank goes where the block was.
    let mut stem = before.to_vec();
    if let Some(first) = after.first() {
        let blank = |c| Ch {
            c,
            esc: true,
            line: first.line,
        };
        if !stem.is_empty() {
            stem.push(Ch {
                esc: false,
                ..blank(' ')
            });
        }
        stem.extend(std::iter::repeat_n(blank('_'), 5));
        stem.push(Ch {
            esc: false,
            ..blank(' ')
        });
        stem.extend_from_slice(after);
    }
    let text = formatted(&stem, TextFormat::Moodle, false);
    let format = text.format;
    let general_feedback = non_empty(formatted(general_feedback, format, false));

    let kind = if inner.is_empty() {
        QuestionKind::Essay
    } else if inner[0].raw('#') {
        numerical(&inner[1..], format, open_line)?
    } else if inner.iter().any(|c| c.raw('~')) {
        choice(inner, format, open_line)?
    } else if inner.iter().any(|c| c.raw('=')) && find_seq(inner, "->").is_some() {
        matching(inner, format, open_line)?
    } else if let Some(answer) = true_false_answer(inner) {
        true_false(inner, format, answer)
    } else {
        short_answer(inner, format, open_line)?
    };

    Ok(Question {
        id: None,
        tags: Vec::new(),
        title,
        category: None,
        text,
        general_feedback,
        kind,
        line,
    })
}

/// A text with its optional `[format]` prefix; `default` is the format of the enclosing question.
/// `one_line` is for things Moodle stores as single-line strings (answers to type in).
fn formatted(t: &[Ch], default: TextFormat, one_line: bool) -> Text {
    let mut t = trim(t);
    let mut format = default;
    if t.first().is_some_and(|c| c.raw('[')) {
        if let Some(end) = t.iter().position(|c| c.raw(']')) {
            let name: String = t[1..end].iter().map(|c| c.c).collect();
            if let Some(named) = TextFormat::from_name(&name) {
                format = named;
                t = trim(&t[end + 1..]);
            }
        }
    }
    let collapse = one_line || matches!(format, TextFormat::Moodle | TextFormat::Plain);
    Text {
        format,
        text: render(t, collapse),
    }
}

/// The characters as a string. With `collapse`, a typed line break and the blanks around it
/// become one space: it was source wrapping, not a line break (that is `\n`).
fn render(t: &[Ch], collapse: bool) -> String {
    let mut out = String::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if collapse && t[i].is_space() {
            let mut j = i;
            let mut wrapped = false;
            while j < t.len() && t[j].is_space() {
                wrapped |= t[j].raw('\n');
                j += 1;
            }
            if wrapped {
                out.push(' ');
            } else {
                out.extend(t[i..j].iter().map(|c| c.c));
            }
            i = j;
        } else {
            out.push(t[i].c);
            i += 1;
        }
    }
    out
}

fn non_empty(text: Text) -> Option<Text> {
    (!text.text.is_empty()).then_some(text)
}

/// One answer of an answer block: its marker, what follows it, and the marker's line.
type Part<'a> = (char, &'a [Ch], usize);

/// Cuts an answer block at every unescaped marker; returns the text before the first marker too.
fn split_answers<'a>(t: &'a [Ch], markers: &[char]) -> (&'a [Ch], Vec<Part<'a>>) {
    let starts: Vec<usize> = t
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.esc && markers.contains(&c.c))
        .map(|(i, _)| i)
        .collect();
    let prefix = &t[..starts.first().copied().unwrap_or(t.len())];
    let parts = starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(t.len());
            (t[start].c, &t[start + 1..end], t[start].line)
        })
        .collect();
    (prefix, parts)
}

/// An optional `%weight%` at the start of an answer, as a fraction, and what follows it.
fn weight(t: &[Ch]) -> Result<(Option<f64>, &[Ch]), GiftError> {
    let t = trim(t);
    if !t.first().is_some_and(|c| c.raw('%')) {
        return Ok((None, t));
    }
    // Only look before the feedback: "%" in feedback is text.
    let feedback_at = t.iter().position(|c| c.raw('#')).unwrap_or(t.len());
    let Some(end) = t[1..feedback_at]
        .iter()
        .position(|c| c.raw('%'))
        .map(|p| p + 1)
    else {
        return Ok((None, t));
    };
    let written: String = t[1..end].iter().map(|c| c.c).collect();
    match written.trim().parse::<f64>() {
        Ok(percent) if percent.is_finite() && (-100.0..=100.0).contains(&percent) => {
            Ok((Some(percent / 100.0), &t[end + 1..]))
        }
        _ => Err(GiftError::new(
            t[0].line,
            format!(
                "bad weight `%{written}%`: expected a percentage from -100 to 100, like `%50%`"
            ),
        )),
    }
}

/// The answer text and the text after its first unescaped `#`, if any.
fn split_feedback(t: &[Ch]) -> (&[Ch], Option<&[Ch]>) {
    match t.iter().position(|c| c.raw('#')) {
        Some(at) => (&t[..at], Some(&t[at + 1..])),
        None => (t, None),
    }
}

fn feedback(t: Option<&[Ch]>, format: TextFormat) -> Option<Text> {
    t.and_then(|t| non_empty(formatted(t, format, false)))
}

fn choice(inner: &[Ch], format: TextFormat, open_line: usize) -> Result<QuestionKind, Errors> {
    let (prefix, parts) = split_answers(inner, &['~', '=']);
    let mut errors = Vec::new();
    if let Some(c) = trim(prefix).first() {
        errors.push(GiftError::new(
            c.line,
            "text before the first answer: start every answer of a multiple-choice question \
             with `=` or `~`",
        ));
    }
    let multiple = !parts.iter().any(|&(marker, _, _)| marker == '=');
    let mut options = Vec::new();
    for (marker, body, line) in parts {
        let (weight, rest) = match weight(body) {
            Ok(found) => found,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (text, feedback_chars) = split_feedback(rest);
        let text = formatted(text, format, false);
        if text.text.is_empty() {
            errors.push(GiftError::new(line, "empty answer"));
            continue;
        }
        let default = if marker == '=' { 1.0 } else { 0.0 };
        options.push(ChoiceOption {
            text,
            fraction: weight.unwrap_or(default),
            feedback: feedback(feedback_chars, format),
        });
    }
    if errors.is_empty() && options.len() < 2 {
        errors.push(GiftError::new(
            open_line,
            "a multiple-choice question needs at least two answers",
        ));
    }
    if errors.is_empty() {
        Ok(QuestionKind::Choice {
            multiple,
            options,
            all_or_nothing: false,
        })
    } else {
        Err(errors)
    }
}

fn matching(inner: &[Ch], format: TextFormat, open_line: usize) -> Result<QuestionKind, Errors> {
    let (prefix, parts) = split_answers(inner, &['=']);
    let mut errors = Vec::new();
    if let Some(c) = trim(prefix).first() {
        errors.push(GiftError::new(
            c.line,
            "text before the first pair: start every pair of a matching question with `=`",
        ));
    }
    let mut pairs = Vec::new();
    for (_, body, line) in parts {
        let Some(arrow) = find_seq(body, "->") else {
            errors.push(GiftError::new(
                line,
                "expected `left -> right` in a matching question",
            ));
            continue;
        };
        let right = render(trim(&body[arrow + 2..]), true);
        if right.is_empty() {
            errors.push(GiftError::new(line, "nothing after `->`"));
            continue;
        }
        pairs.push(MatchPair {
            weight: None,
            left: formatted(&body[..arrow], format, false),
            right,
        });
    }
    let items = pairs.iter().filter(|p| !p.left.text.is_empty()).count();
    if errors.is_empty() && items < 2 {
        errors.push(GiftError::new(
            open_line,
            "a matching question needs at least two pairs with a left-hand side",
        ));
    }
    if errors.is_empty() {
        Ok(QuestionKind::Matching { pairs })
    } else {
        Err(errors)
    }
}

/// Moodle's test: the text before the first `#` is exactly `T`, `TRUE`, `F` or `FALSE`.
fn true_false_answer(inner: &[Ch]) -> Option<bool> {
    let head = match inner.iter().position(|c| c.raw('#')) {
        Some(at) if at > 0 => trim(&inner[..at]),
        _ => inner,
    };
    if head.iter().any(|c| c.esc) {
        return None;
    }
    match head.iter().map(|c| c.c).collect::<String>().as_str() {
        "T" | "TRUE" => Some(true),
        "F" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `{TRUE#for a wrong answer#for a right answer}`, Moodle's order.
fn true_false(inner: &[Ch], format: TextFormat, answer: bool) -> QuestionKind {
    let mut bits = inner.splitn(3, |c| c.raw('#')).skip(1);
    let feedback_wrong = feedback(bits.next(), format);
    let feedback_right = feedback(bits.next(), format);
    QuestionKind::TrueFalse {
        answer,
        feedback_wrong,
        feedback_right,
    }
}

fn short_answer(
    inner: &[Ch],
    format: TextFormat,
    open_line: usize,
) -> Result<QuestionKind, Errors> {
    let (prefix, parts) = split_answers(inner, &['=']);
    let mut items: Vec<Part> = Vec::new();
    // `{One}`: a lone answer needs no `=`.
    let prefix = trim(prefix);
    if let Some(first) = prefix.first() {
        items.push(('=', prefix, first.line));
    }
    items.extend(parts);
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for (_, body, line) in items {
        let (weight, rest) = match weight(body) {
            Ok(found) => found,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (text, feedback_chars) = split_feedback(rest);
        // Moodle drops the format of an answer to type in: it is a string, not a text.
        let text = formatted(text, format, true).text;
        if text.is_empty() {
            errors.push(GiftError::new(line, "empty answer"));
            continue;
        }
        answers.push(TextAnswer {
            text,
            fraction: weight.unwrap_or(1.0),
            feedback: feedback(feedback_chars, format),
        });
    }
    if errors.is_empty() && answers.is_empty() {
        errors.push(GiftError::new(
            open_line,
            "a short-answer question needs at least one answer",
        ));
    }
    if errors.is_empty() {
        Ok(QuestionKind::ShortAnswer {
            answers,
            case_sensitive: false,
            ignore_diacritics: false,
        })
    } else {
        Err(errors)
    }
}

/// The block after its leading `#`.
fn numerical(body: &[Ch], format: TextFormat, open_line: usize) -> Result<QuestionKind, Errors> {
    let (prefix, parts) = split_answers(body, &['=', '~']);
    let mut items: Vec<Part> = Vec::new();
    // `{#1822}` and `{#3:2 ~#wrong}`: the first answer needs no `=`.
    let prefix = trim(prefix);
    if let Some(first) = prefix.first() {
        items.push(('=', prefix, first.line));
    }
    items.extend(parts);
    let count = items.len();
    let mut errors = Vec::new();
    let mut answers = Vec::new();
    for (k, (marker, body, line)) in items.into_iter().enumerate() {
        let (weight, rest) = match weight(body) {
            Ok(found) => found,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (value, feedback_chars) = split_feedback(rest);
        let value = render(trim(value), true);
        let feedback = feedback(feedback_chars, format);
        if marker == '~' {
            // Moodle keeps everything after the `~` as the feedback for "any other answer".
            if k + 1 != count {
                errors.push(GiftError::new(
                    line,
                    "in a numerical question `~` gives the feedback for any other answer and \
                     must come last (Moodle reads everything after it as that feedback)",
                ));
            } else if weight.is_some() || !value.is_empty() {
                errors.push(GiftError::new(
                    line,
                    format!(
                        "in a numerical question `~` takes only feedback, like `~#Wrong`; \
                         write `=%0%{value}` for a wrong number with its own feedback"
                    ),
                ));
            } else {
                answers.push(NumericAnswer {
                    value: NumericValue::Any,
                    fraction: 0.0,
                    feedback,
                });
            }
            continue;
        }
        match numeric_value(&value) {
            Ok(value) => answers.push(NumericAnswer {
                value,
                fraction: weight.unwrap_or(1.0),
                feedback,
            }),
            Err(message) => errors.push(GiftError::new(line, message)),
        }
    }
    if errors.is_empty() && answers.is_empty() {
        errors.push(GiftError::new(
            open_line,
            "a numerical question needs at least one answer, like `{#42}`",
        ));
    }
    if errors.is_empty() {
        Ok(QuestionKind::Numerical { answers })
    } else {
        Err(errors)
    }
}

/// `42`, `3.1415:0.0005` (number:tolerance), `1..5` (min..max) or Moodle's `*`.
fn numeric_value(written: &str) -> Result<NumericValue, String> {
    if written == "*" {
        return Ok(NumericValue::Any);
    }
    if let Some(at) = written.find("..").filter(|&at| at > 0) {
        let min = number(&written[..at])?;
        let max = number(&written[at + 2..])?;
        if min > max {
            return Err(format!("in `{written}` the minimum is above the maximum"));
        }
        return Ok(NumericValue::Range { min, max });
    }
    if let Some(at) = written.find(':').filter(|&at| at > 0) {
        let number_part = number(&written[..at])?;
        let tolerance = number(&written[at + 1..])?;
        if tolerance < 0.0 {
            return Err(format!("in `{written}` the tolerance is negative"));
        }
        return Ok(NumericValue::Exact {
            number: number_part,
            tolerance,
        });
    }
    Ok(NumericValue::Exact {
        number: number(written)?,
        tolerance: 0.0,
    })
}

fn number(written: &str) -> Result<f64, String> {
    let written = written.trim();
    match written.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ if written.is_empty() => Err("expected a number".to_owned()),
        _ => Err(format!(
            "`{written}` is not a number (write numbers like `3.14`, `-2` or `1e6`)"
        )),
    }
}

/// Values of `[key:...]` tokens in the comments, the way Moodle's regexes find them: a token ends
/// at `]` (`\]` stands for `]`), may not span lines, and is abandoned at a `forbidden` character.
fn comment_values(comments: &str, open: &str, forbidden: impl Fn(char) -> bool) -> Vec<String> {
    let mut values = Vec::new();
    let mut from = 0;
    while let Some(found) = comments[from..].find(open) {
        let start = from + found + open.len();
        let mut value = String::new();
        let mut end = None;
        let mut chars = comments[start..].char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' && comments[start + i + 1..].starts_with(']') {
                value.push(']');
                chars.next();
            } else if c == ']' {
                end = Some(start + i + 1);
                break;
            } else if forbidden(c) {
                break;
            } else {
                value.push(c);
            }
        }
        match end {
            Some(end) => {
                values.push(value.trim_matches(is_php_space).to_owned());
                from = end;
            }
            None => from = start,
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_and_tags(comment: &str) -> (Option<String>, Vec<String>) {
        let id = comment_values(comment, "[id:", char::is_control)
            .into_iter()
            .find(|id| !id.is_empty());
        let tags = comment_values(comment, "[tag:", |c| c == '<' || c == '>' || c.is_control())
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect();
        (id, tags)
    }

    // The cases of Moodle's giftformat_test::extract_idnumber_and_tags_from_comment_testcases.
    #[test]
    fn ids_and_tags_are_read_like_moodle_reads_them() {
        let none: Vec<String> = Vec::new();
        assert_eq!(ids_and_tags(""), (None, none.clone()));
        assert_eq!(ids_and_tags("// A basic comment."), (None, none.clone()));
        assert_eq!(
            ids_and_tags("// A comment with [id:frog] <-- an idnumber."),
            (Some("frog".into()), none.clone())
        );
        assert_eq!(
            ids_and_tags("// Look tags: [tag:frog] [tag:toad]."),
            (None, vec!["frog".into(), "toad".into()])
        );
        assert_eq!(
            ids_and_tags("// [tag:add] [tag:basic] [id:four]"),
            (Some("four".into()), vec!["add".into(), "basic".into()])
        );
        assert_eq!(
            ids_and_tags("// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion."),
            (Some("four".into()), vec!["basic".into(), "add".into()])
        );
        assert_eq!(
            ids_and_tags("// Ceci n'est pas une [tag:\n\\ frog]."),
            (None, none.clone())
        );
        assert_eq!(ids_and_tags("// [id:i\\]d]."), (Some("i]d".into()), none));
        assert_eq!(
            ids_and_tags("// [tag:t\\]ag]."),
            (None, vec!["t]ag".to_owned()])
        );
    }

    #[test]
    fn a_line_break_typed_in_moodle_text_is_a_space_but_an_escaped_one_is_kept() {
        let chars = characters(&[(1, "a  "), (2, "   b\\nc")]);
        assert_eq!(formatted(&chars, TextFormat::Moodle, false).text, "a b\nc");
        assert_eq!(
            formatted(&chars, TextFormat::Markdown, false).text,
            "a  \n   b\nc"
        );
    }

    #[test]
    fn an_unknown_format_name_stays_in_the_text() {
        let chars = characters(&[(1, "[fancy] words")]);
        let text = formatted(&chars, TextFormat::Html, false);
        assert_eq!(text, Text::new(TextFormat::Html, "[fancy] words"));
    }

    #[test]
    #[allow(clippy::approx_constant)] // pi to a given precision is the point
    fn numbers_ranges_and_tolerances_are_read() {
        assert_eq!(
            numeric_value("-5..5"),
            Ok(NumericValue::Range {
                min: -5.0,
                max: 5.0
            })
        );
        assert_eq!(
            numeric_value("3.1415:0.0005"),
            Ok(NumericValue::Exact {
                number: 3.1415,
                tolerance: 0.0005
            })
        );
        assert_eq!(numeric_value("*"), Ok(NumericValue::Any));
        assert!(numeric_value("5..1").is_err());
        assert!(numeric_value("3:-1").is_err());
        assert!(numeric_value("inf").is_err());
        assert!(numeric_value("twelve").is_err());
    }
}
