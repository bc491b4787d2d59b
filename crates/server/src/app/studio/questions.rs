//! One question of the bank as a form: its type, stem, options (which are right, what each
//! says back), and the learner's view of it. The bank stays `questions.gift`: a save rewrites
//! only the question's own block (the lines from its `// [id:…]` comment to the blank line
//! after it), so every other question keeps its text, comments and layout as written.

use serde::{Deserialize, Serialize};

use hocvuso_assessment::model::{
    ChoiceOption, MatchPair, NumericAnswer, NumericValue, Question, QuestionKind, Text, TextAnswer,
    TextFormat,
};
use hocvuso_assessment::paper::{self, Paper, PaperOption, PaperQuestion};

use hocvuso_store::User;

use super::check::FieldProblem;
use super::{DraftView, Refusal, Result, Saved};
use crate::error::AppError;
use crate::state::AppState;

/// The question types the form edits: every type a GIFT bank can hold.
pub const FORM_TYPES: [&str; 8] = [
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
    "essay",
    "description",
];

/// An option row: a choice (text, right or not, its feedback), an accepted answer of a short
/// answer or a number (`3.14`, `3.14:0.01`, `1..5`), or a matching pair (`text` → `right`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OptionRow {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    #[serde(default)]
    pub feedback: String,
    /// Matching: the answer this item matches (a row with only `right` is a distractor).
    #[serde(default)]
    pub right: String,
}

/// A question as the form shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct QuestionForm {
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// One of `FORM_TYPES`.
    #[serde(rename = "type")]
    pub kind: String,
    pub stem: String,
    #[serde(default)]
    pub general_feedback: String,
    /// Tags as written in the bank (`competence-4.2`), separated by spaces.
    #[serde(default)]
    pub tags: String,
    /// True/false: the right answer, and what a learner who answered wrongly or rightly reads.
    #[serde(default)]
    pub answer: bool,
    #[serde(default)]
    pub feedback_wrong: String,
    #[serde(default)]
    pub feedback_right: String,
    #[serde(default)]
    pub options: Vec<OptionRow>,
}

fn text_of(t: &Option<Text>) -> String {
    t.as_ref().map(|t| t.text.clone()).unwrap_or_default()
}

fn some_text(s: &str, format: TextFormat) -> Option<Text> {
    let s = s.trim();
    (!s.is_empty()).then(|| Text::new(format, s))
}

fn number_text(n: f64) -> String {
    let s = format!("{n}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

impl QuestionForm {
    /// The form of a bank question (None for ordering and hotspot, which live in
    /// `questions.toml` and are edited there).
    pub fn of(q: &Question) -> Option<Self> {
        let mut form = QuestionForm {
            id: q.id.clone().unwrap_or_default(),
            title: q.title.clone().unwrap_or_default(),
            kind: q.type_key().to_owned(),
            stem: q.text.text.clone(),
            general_feedback: text_of(&q.general_feedback),
            tags: q.tags.join(" "),
            ..Default::default()
        };
        let row = |text: String, fraction: f64, feedback: &Option<Text>| OptionRow {
            text,
            correct: fraction > 0.0,
            feedback: text_of(feedback),
            right: String::new(),
        };
        match &q.kind {
            QuestionKind::Description | QuestionKind::Essay => {}
            QuestionKind::TrueFalse {
                answer,
                feedback_wrong,
                feedback_right,
            } => {
                form.answer = *answer;
                form.feedback_wrong = text_of(feedback_wrong);
                form.feedback_right = text_of(feedback_right);
            }
            QuestionKind::Choice { options, .. } => {
                form.options = options
                    .iter()
                    .map(|o| row(o.text.text.clone(), o.fraction, &o.feedback))
                    .collect();
            }
            QuestionKind::ShortAnswer { answers, .. } => {
                form.options = answers
                    .iter()
                    .map(|a| row(a.text.clone(), a.fraction, &a.feedback))
                    .collect();
            }
            QuestionKind::Numerical { answers } => {
                form.options = answers
                    .iter()
                    .map(|a| {
                        let text = match a.value {
                            NumericValue::Exact {
                                number,
                                tolerance: 0.0,
                            } => number_text(number),
                            NumericValue::Exact { number, tolerance } => {
                                format!("{}:{}", number_text(number), number_text(tolerance))
                            }
                            NumericValue::Range { min, max } => {
                                format!("{}..{}", number_text(min), number_text(max))
                            }
                            NumericValue::Any => "*".into(),
                        };
                        row(text, a.fraction, &a.feedback)
                    })
                    .collect();
            }
            QuestionKind::Matching { pairs } => {
                form.options = pairs
                    .iter()
                    .map(|p| OptionRow {
                        text: p.left.text.clone(),
                        correct: true,
                        feedback: String::new(),
                        right: p.right.clone(),
                    })
                    .collect();
            }
            QuestionKind::Ordering { .. } | QuestionKind::Hotspot { .. } => return None,
        }
        Some(form)
    }

    /// The bank question this form describes, in `format` (the stem's format as it was, or
    /// Moodle's default for a new question); a refusal names the field that is wrong.
    pub fn question(&self, format: TextFormat) -> Result<Question> {
        if !hocvuso_course::ids::is_valid_id(self.id.trim()) {
            return Err(Refusal::at("id", "studio_invalid_id"));
        }
        if self.stem.trim().is_empty() {
            return Err(Refusal::at("stem", "studio_question_stem_required"));
        }
        let rows: Vec<&OptionRow> = self
            .options
            .iter()
            .filter(|r| !r.text.trim().is_empty() || !r.right.trim().is_empty())
            .collect();
        let right = rows.iter().filter(|r| r.correct).count();
        let feedback = |r: &OptionRow| some_text(&r.feedback, format);
        let kind = match self.kind.as_str() {
            "description" => QuestionKind::Description,
            "essay" => QuestionKind::Essay,
            "true_false" => QuestionKind::TrueFalse {
                answer: self.answer,
                feedback_wrong: some_text(&self.feedback_wrong, format),
                feedback_right: some_text(&self.feedback_right, format),
            },
            "single_choice" | "multiple_choice" => {
                let multiple = self.kind == "multiple_choice";
                if rows.len() < 2 {
                    return Err(Refusal::at("options", "studio_question_options"));
                }
                if (!multiple && right != 1) || right == 0 {
                    return Err(Refusal::at("options", "studio_question_correct"));
                }
                // Checkbox questions share the marks among the right options and take as
                // much away for a wrong one, as Moodle's GIFT examples do.
                let share = (100_000.0 / right as f64).round() / 100_000.0;
                let options = rows
                    .iter()
                    .map(|r| ChoiceOption {
                        text: Text::new(format, r.text.trim()),
                        fraction: match (multiple, r.correct) {
                            (false, true) => 1.0,
                            (false, false) => 0.0,
                            (true, true) => share,
                            (true, false) => -share,
                        },
                        feedback: feedback(r),
                    })
                    .collect();
                QuestionKind::Choice {
                    multiple,
                    options,
                    all_or_nothing: false,
                }
            }
            "short_answer" => {
                if right == 0 {
                    return Err(Refusal::at("options", "studio_question_correct"));
                }
                let answers = rows
                    .iter()
                    .map(|r| TextAnswer {
                        text: r.text.trim().to_owned(),
                        fraction: if r.correct { 1.0 } else { 0.0 },
                        feedback: feedback(r),
                    })
                    .collect();
                QuestionKind::ShortAnswer {
                    answers,
                    case_sensitive: false,
                    ignore_diacritics: false,
                }
            }
            "numerical" => {
                if right == 0 {
                    return Err(Refusal::at("options", "studio_question_correct"));
                }
                let mut answers = Vec::new();
                for r in &rows {
                    let value = numeric(r.text.trim())
                        .ok_or_else(|| Refusal::at("options", "studio_question_number"))?;
                    answers.push(NumericAnswer {
                        value,
                        fraction: if r.correct { 1.0 } else { 0.0 },
                        feedback: feedback(r),
                    });
                }
                QuestionKind::Numerical { answers }
            }
            "matching" => {
                let pairs: Vec<MatchPair> = rows
                    .iter()
                    .map(|r| MatchPair {
                        left: Text::new(format, r.text.trim()),
                        right: r.right.trim().to_owned(),
                        weight: None,
                    })
                    .collect();
                let items = pairs.iter().filter(|p| !p.left.text.is_empty()).count();
                if items < 2 || pairs.iter().any(|p| p.right.is_empty()) {
                    return Err(Refusal::at("options", "studio_question_pairs"));
                }
                QuestionKind::Matching { pairs }
            }
            _ => return Err(Refusal::at("type", "studio_question_type_unsupported")),
        };
        Ok(Question {
            id: Some(self.id.trim().to_owned()),
            tags: self.tags.split_whitespace().map(str::to_owned).collect(),
            title: some_text(&self.title, TextFormat::Plain).map(|t| t.text),
            category: None,
            text: Text::new(format, self.stem.trim()),
            general_feedback: some_text(&self.general_feedback, format),
            kind,
            line: 0,
        })
    }
}

/// A number answer as the form writes it: `3.14`, `3.14:0.01` (give or take), `1..5`, `*`.
fn numeric(s: &str) -> Option<NumericValue> {
    let n = |t: &str| t.trim().replace(',', ".").parse::<f64>().ok();
    if s == "*" {
        return Some(NumericValue::Any);
    }
    if let Some((a, b)) = s.split_once("..") {
        let (min, max) = (n(a)?, n(b)?);
        return (min <= max).then_some(NumericValue::Range { min, max });
    }
    if let Some((a, b)) = s.split_once(':') {
        let (number, tolerance) = (n(a)?, n(b)?);
        return (tolerance >= 0.0).then_some(NumericValue::Exact { number, tolerance });
    }
    Some(NumericValue::Exact {
        number: n(s)?,
        tolerance: 0.0,
    })
}

/// A question of the bank's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionRow {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub stem: String,
    /// The item-writing rules' findings about it.
    pub warnings: usize,
}

/// The bank file's questions and the line range each one's block covers (1-based, inclusive).
pub struct Blocks {
    pub questions: Vec<(Question, std::ops::RangeInclusive<usize>)>,
}

impl Blocks {
    /// Reads `questions.gift` of the draft (an unreadable bank has no blocks: the content check
    /// already shows why).
    pub fn of(draft: &DraftView) -> Self {
        let text = draft.text("questions.gift").unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let questions = hocvuso_assessment::gift::parse(&text)
            .unwrap_or_default()
            .into_iter()
            .map(|q| {
                let range = block(&lines, q.line);
                (q, range)
            })
            .collect();
        Self { questions }
    }

    pub fn find(&self, id: &str) -> Option<&(Question, std::ops::RangeInclusive<usize>)> {
        self.questions
            .iter()
            .find(|(q, _)| q.id.as_deref() == Some(id))
    }

    pub fn rows(&self, draft: &DraftView) -> Vec<QuestionRow> {
        self.questions
            .iter()
            .filter_map(|(q, range)| {
                Some(QuestionRow {
                    id: q.id.clone()?,
                    kind: q.type_key().to_owned(),
                    stem: q.text.text.chars().take(120).collect(),
                    warnings: warnings(draft, range).len(),
                })
            })
            .collect()
    }
}

/// The lines of the question starting at `line`: back over the comments just above it, on to
/// the blank line after it.
fn block(lines: &[&str], line: usize) -> std::ops::RangeInclusive<usize> {
    let at = line.clamp(1, lines.len().max(1));
    let mut start = at;
    while start > 1 && lines[start - 2].trim_start().starts_with("//") {
        start -= 1;
    }
    let mut end = at;
    while end < lines.len() && !lines[end].trim().is_empty() {
        end += 1;
    }
    start..=end
}

/// The item-writing rules' findings inside a question's block.
pub fn warnings<'a>(
    draft: &'a DraftView,
    range: &std::ops::RangeInclusive<usize>,
) -> Vec<&'a FieldProblem> {
    draft
        .problems_of("questions.gift")
        .filter(|p| p.line.is_some_and(|l| range.contains(&l)))
        .collect()
}

/// The bank with `range` (a question's block) replaced by `question` (None: removed; no range:
/// appended). Comment lines of the old block that are not its `[id:…]`/`[tag:…]` line stay.
pub fn splice(
    text: &str,
    range: Option<&std::ops::RangeInclusive<usize>>,
    question: Option<&Question>,
) -> String {
    let written = question
        .map(|q| hocvuso_assessment::gift::write(std::slice::from_ref(q)))
        .unwrap_or_default();
    let written = written.trim_end();
    let lines: Vec<&str> = text.lines().collect();
    let Some(range) = range else {
        let old = text.trim_end();
        return if old.is_empty() {
            format!("{written}\n")
        } else {
            format!("{old}\n\n{written}\n")
        };
    };
    let (start, end) = (*range.start() - 1, (*range.end()).min(lines.len()));
    let kept: Vec<&str> = lines[start..end]
        .iter()
        .take_while(|l| l.trim_start().starts_with("//"))
        .filter(|l| !l.contains("[id:") && !l.contains("[tag:"))
        .copied()
        .collect();
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    if question.is_some() {
        out.extend(kept.iter().map(|l| l.to_string()));
        out.push(written.to_owned());
    } else {
        // The blank line that separated the removed question goes with it.
        while out.last().is_some_and(|l| l.trim().is_empty()) && end < lines.len() {
            out.pop();
        }
    }
    out.extend(lines[end..].iter().map(|l| l.to_string()));
    let mut joined = out.join("\n");
    joined.push('\n');
    joined
}

/// The question as a learner sees it in a quiz: options in the bank's order (a real paper
/// shuffles them), never which are right.
pub fn presented(question: &Question) -> Option<paper::PresentedQuestion> {
    let id = question.id.clone()?;
    let option = |i: usize| PaperOption {
        id: format!("o{i}"),
        index: i,
    };
    let (options, left) = match &question.kind {
        QuestionKind::Choice { options, .. } => ((0..options.len()).map(option).collect(), vec![]),
        QuestionKind::Matching { pairs } => {
            let mut rights: Vec<&str> = Vec::new();
            let mut options = Vec::new();
            for (i, p) in pairs.iter().enumerate() {
                if !rights.contains(&p.right.as_str()) {
                    rights.push(&p.right);
                    options.push(option(i));
                }
            }
            let left = (0..pairs.len())
                .filter(|&i| !pairs[i].left.text.is_empty())
                .map(|i| PaperOption {
                    id: format!("l{i}"),
                    index: i,
                })
                .collect();
            (options, left)
        }
        _ => (vec![], vec![]),
    };
    let paper = Paper {
        questions: vec![PaperQuestion { id, options, left }],
    };
    paper::present(&paper, std::slice::from_ref(question))
        .into_iter()
        .next()
}

/// A question of the draft's bank, its form and the findings about it.
pub struct Found {
    pub form: QuestionForm,
    pub question: Question,
    pub warnings: Vec<FieldProblem>,
}

/// The question `id` of the draft's `questions.gift`, as a form.
pub async fn question(state: &AppState, user: &User, course: &str, id: &str) -> Result<Found> {
    let draft = super::draft(state, user, course).await?;
    let blocks = Blocks::of(&draft);
    let (q, range) = blocks.find(id).ok_or_else(AppError::not_found)?;
    let form = QuestionForm::of(q).ok_or_else(AppError::not_found)?;
    Ok(Found {
        form,
        question: q.clone(),
        warnings: warnings(&draft, range).into_iter().cloned().collect(),
    })
}

/// Saves the form as question `old` of the bank (None: a new question at its end), or removes
/// `old` when `form` is None. Checked like every save (the course must still load; the
/// item-writing rules' findings come back as warnings).
pub async fn save_question(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    old: Option<&str>,
    form: Option<&QuestionForm>,
) -> Result<(Saved, String)> {
    let draft = super::draft(state, user, course).await?;
    if !draft.rights.edit {
        return Err(AppError::forbidden().into());
    }
    let blocks = Blocks::of(&draft);
    let found = match old {
        Some(id) => Some(blocks.find(id).ok_or_else(AppError::not_found)?),
        None => None,
    };
    let format = found.map_or(TextFormat::Moodle, |(q, _)| q.text.format);
    let question = form.map(|f| f.question(format)).transpose()?;
    if let Some(q) = &question {
        let id = q.id.as_deref().unwrap_or_default();
        let taken = blocks.find(id).is_some() || in_toml_bank(&draft, id);
        if taken && old != Some(id) {
            return Err(Refusal::at("id", "studio_duplicate_question"));
        }
    }
    let text = draft.text("questions.gift").unwrap_or_default();
    let range = found.map(|(_, r)| r);
    let bank = splice(&text, range, question.as_ref());
    let change = vec![("questions.gift".to_owned(), Some(bank.into_bytes()))];
    let saved = super::save(state, user, course, revision, change).await?;
    let id = question.and_then(|q| q.id).unwrap_or_default();
    Ok((saved, id))
}

/// Whether `questions.toml` (ordering and hotspot questions) has a question `id`.
fn in_toml_bank(draft: &DraftView, id: &str) -> bool {
    draft
        .text("questions.toml")
        .and_then(|t| hocvuso_assessment::toml_bank::parse(&t).ok())
        .is_some_and(|qs| qs.iter().any(|q| q.id.as_deref() == Some(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANK: &str = "// Ngân hàng thử\n\n// [id:q-1] [tag:competence-1.1]\n::Một:: Hai cộng hai? {=bốn ~ba}\n\n// ghi chú\n// [id:q-2]\nTrời xanh. {T}\n";

    #[test]
    fn a_question_round_trips_through_its_form() {
        let qs = hocvuso_assessment::gift::parse(BANK).expect("in the test");
        for q in &qs {
            let form = QuestionForm::of(q).expect("in the test");
            let back = form.question(q.text.format).expect("in the test");
            assert_eq!(back.kind, q.kind, "{form:?}");
            assert_eq!(back.tags, q.tags);
        }
    }

    #[test]
    fn a_splice_replaces_only_its_block() {
        let lines: Vec<&str> = BANK.lines().collect();
        let qs = hocvuso_assessment::gift::parse(BANK).expect("in the test");
        let second = &qs[1];
        let range = block(&lines, second.line);
        assert_eq!(range, 6..=8);
        let mut form = QuestionForm::of(second).expect("in the test");
        form.answer = false;
        let q = form.question(TextFormat::Moodle).expect("in the test");
        let out = splice(BANK, Some(&range), Some(&q));
        assert!(out.starts_with("// Ngân hàng thử\n\n// [id:q-1]"), "{out}");
        assert!(out.contains("// ghi chú\n// [id:q-2]"), "{out}");
        let again = hocvuso_assessment::gift::parse(&out).expect("in the test");
        assert_eq!(again.len(), 2);
        assert_eq!(again[0], qs[0]);
        let removed = splice(BANK, Some(&block(&lines, qs[0].line)), None);
        assert_eq!(
            hocvuso_assessment::gift::parse(&removed)
                .expect("in the test")
                .len(),
            1
        );
    }

    #[test]
    fn a_form_without_a_right_option_is_refused_at_the_options() {
        let form = QuestionForm {
            id: "q-9".into(),
            kind: "single_choice".into(),
            stem: "Chọn một".into(),
            options: vec![
                OptionRow {
                    text: "a".into(),
                    ..Default::default()
                },
                OptionRow {
                    text: "b".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        match form.question(TextFormat::Moodle) {
            Err(Refusal::Error { field, .. }) => assert_eq!(field.as_deref(), Some("options")),
            other => panic!("{other:?}"),
        }
    }
}
