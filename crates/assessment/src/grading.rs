//! Marking a submitted attempt with Moodle's semantics, so that a bank scores the same here as in
//! Moodle:
//!
//! * single choice: the fraction of the chosen option, negative counted as 0;
//! * multiple answers: the sum of the chosen options' fractions, kept within 0..=1 (so wrong
//!   ticks with negative weights cancel right ones);
//! * true/false: 1 or 0;
//! * short answer: the best fraction among the answers the response matches, compared without
//!   regard to case (unless the question is case-sensitive), Unicode normalisation (NFC),
//!   surrounding blanks or runs of blanks, and with `ignore_diacritics` without diacritics
//!   ("dang ky" = "đăng ký"), with Moodle's `*` wildcard (`\*` is a literal star);
//! * numerical: the best fraction among the answers whose tolerance or range holds the number;
//! * matching: the share of items matched rightly;
//! * ordering: Moodle's `qtype_ordering` marking for the question's [`OrderingGrading`];
//! * hotspot: 1 when the tap falls inside any region (edges included), else 0.
//!
//! Every question weighs 1 and the score is the mean fraction × 100. A question missing from the
//! answers scores 0. Paper questions that no longer fit the bank (content changed after the
//! attempt started: the id is gone, the type changed, options were added or removed) are left out
//! of the results and of the mean: the learner could not have answered them as they now are, and
//! counting them as 0 would punish the learner for an author's edit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::model::{NumericValue, OrderingGrading, Question, QuestionKind, Text};
use crate::paper::{resolve, Paper, PaperOption, PaperQuestion};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub id: String,
    /// 0..=1.
    pub fraction: f64,
    /// `fraction >= 0.9999`, Moodle's tolerance for rounding.
    pub correct: bool,
    /// Feedback on what the learner chose or typed, then the question's general feedback.
    pub feedback: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptResult {
    /// 0..=100; 0 for a paper with nothing left to grade.
    pub score_percent: f64,
    /// One per graded paper question, in paper order.
    pub questions: Vec<QuestionResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("question {0} is not on this paper")]
    UnknownQuestion(String),
    #[error("the answer to question {question} must be {expected}")]
    BadAnswer {
        question: String,
        expected: &'static str,
    },
    #[error("question {question} has no option {option}")]
    UnknownOption { question: String, option: String },
}

const CORRECT: f64 = 0.9999;

/// Marks `answers` (question id → answer JSON, as in the HTTP API) against the paper.
///
/// Answers: a list of option ids for choice questions (a bare id string is taken as a list of one,
/// which is what an HTML radio button posts); `true`/`false` (or the strings) for true/false; a
/// string for short answer; a number for numerical (or a string like `"3,5"` or `"3.5"`, which is
/// what forms post); an object of left id → option id for matching; for ordering the list of the
/// paper's item ids in the learner's order (each at most once; items left out are not placed);
/// for hotspot an object `{"x": 12, "y": 34}` in image pixels (numbers or numeric strings).
/// `null` counts as no answer.
pub fn grade(
    paper: &Paper,
    bank: &[Question],
    answers: &BTreeMap<String, Value>,
) -> Result<AttemptResult, GradeError> {
    if let Some(unknown) = answers
        .keys()
        .find(|id| !paper.questions.iter().any(|q| &q.id == *id))
    {
        return Err(GradeError::UnknownQuestion(unknown.clone()));
    }
    let mut questions = Vec::new();
    for paper_question in &paper.questions {
        let Some(question) = resolve(paper_question, bank) else {
            continue;
        };
        let answer = answers.get(&paper_question.id).filter(|a| !a.is_null());
        let (fraction, mut feedback) = mark(paper_question, question, answer)?;
        let fraction = clamp01(fraction);
        feedback.extend(question.general_feedback.iter().cloned());
        questions.push(QuestionResult {
            id: paper_question.id.clone(),
            fraction,
            correct: fraction >= CORRECT,
            feedback,
        });
    }
    Ok(AttemptResult {
        score_percent: score_percent(&questions),
        questions,
    })
}

/// The score of graded questions: their mean fraction, in percent (0 for none).
fn score_percent(questions: &[QuestionResult]) -> f64 {
    if questions.is_empty() {
        0.0
    } else {
        let total: f64 = questions.iter().map(|q| q.fraction).sum();
        (total / questions.len() as f64 * 100.0).clamp(0.0, 100.0)
    }
}

/// A score as it is recorded and shown: rounded to one decimal place.
pub fn rounded_score(score_percent: f64) -> f64 {
    (score_percent * 10.0).round() / 10.0
}

/// Whether a (rounded) score passes a quiz asking for `pass_percent`.
pub fn passes(score_percent: f64, pass_percent: u32) -> bool {
    score_percent >= f64::from(pass_percent)
}

/// The paper's questions a person must grade (essays), in paper order: a paper with any waits
/// for an instructor before it passes or fails.
pub fn graded_by_hand<'p>(paper: &'p Paper, bank: &[Question]) -> Vec<&'p str> {
    paper
        .questions
        .iter()
        .filter(|pq| resolve(pq, bank).is_some_and(|q| matches!(q.kind, QuestionKind::Essay)))
        .map(|pq| pq.id.as_str())
        .collect()
}

/// The essays of a paper that wait for a person's grade: those with something written. A blank
/// essay scores 0 as it is (nobody needs to read nothing), so an attempt whose essays are all
/// blank is graded at once instead of waiting in a queue.
pub fn awaiting_grade<'p>(
    paper: &'p Paper,
    bank: &[Question],
    answers: &BTreeMap<String, Value>,
) -> Vec<&'p str> {
    graded_by_hand(paper, bank)
        .into_iter()
        .filter(|id| {
            answers
                .get(*id)
                .and_then(Value::as_str)
                .is_some_and(|text| !text.trim().is_empty())
        })
        .collect()
}

/// An instructor's grade for one question graded by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualGrade {
    /// 0–1.
    pub fraction: f64,
    /// Shown to the learner first among the question's feedback; blank for none.
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualGradeError {
    /// A question waiting for a grade got none, or a grade names a question that is not
    /// waiting for one: the grades must cover exactly the questions graded by hand.
    #[error("the grades do not match the questions waiting for one")]
    Mismatch,
    #[error("the grade of question {0} is not a number between 0 and 1")]
    OutOfRange(String),
}

/// Lays an instructor's grades over the machine's result for the questions graded by hand
/// (`awaiting`, from [`graded_by_hand`]): each gets its fraction (correct as [`grade`] decides
/// it), a comment goes first in its feedback, and the score is computed again over every
/// question, as [`grade`] computes it.
pub fn apply_manual(
    result: &AttemptResult,
    awaiting: &[&str],
    grades: &BTreeMap<String, ManualGrade>,
) -> Result<AttemptResult, ManualGradeError> {
    if awaiting.iter().any(|id| !grades.contains_key(*id))
        || grades.keys().any(|id| !awaiting.contains(&id.as_str()))
    {
        return Err(ManualGradeError::Mismatch);
    }
    if let Some((id, _)) = grades
        .iter()
        .find(|(_, g)| !g.fraction.is_finite() || !(0.0..=1.0).contains(&g.fraction))
    {
        return Err(ManualGradeError::OutOfRange(id.clone()));
    }
    let mut graded = result.clone();
    for q in &mut graded.questions {
        if let Some(g) = grades.get(&q.id) {
            q.fraction = g.fraction;
            q.correct = g.fraction >= CORRECT;
            let comment = g.comment.trim();
            if !comment.is_empty() {
                q.feedback
                    .insert(0, Text::new(crate::model::TextFormat::Plain, comment));
            }
        }
    }
    graded.score_percent = score_percent(&graded.questions);
    Ok(graded)
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

fn bad(question: &PaperQuestion, expected: &'static str) -> GradeError {
    GradeError::BadAnswer {
        question: question.id.clone(),
        expected,
    }
}

fn unknown_option(question: &PaperQuestion, option: &str) -> GradeError {
    GradeError::UnknownOption {
        question: question.id.clone(),
        option: option.to_owned(),
    }
}

fn find_option<'p>(
    question: &PaperQuestion,
    options: &'p [PaperOption],
    id: &str,
) -> Result<&'p PaperOption, GradeError> {
    options
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| unknown_option(question, id))
}

/// The fraction (not yet clamped) and the feedback for one answer.
fn mark(
    paper_question: &PaperQuestion,
    question: &Question,
    answer: Option<&Value>,
) -> Result<(f64, Vec<Text>), GradeError> {
    match &question.kind {
        QuestionKind::Description => Ok((0.0, Vec::new())),
        // An essay scores nothing until an instructor grades it; only its shape is checked here.
        QuestionKind::Essay => match answer {
            None | Some(Value::Null) | Some(Value::String(_)) => Ok((0.0, Vec::new())),
            Some(_) => Err(GradeError::BadAnswer {
                question: paper_question.id.clone(),
                expected: "a text",
            }),
        },
        QuestionKind::Choice {
            multiple,
            options,
            all_or_nothing,
        } => {
            let chosen_ids: Vec<&str> = match answer {
                None => Vec::new(),
                Some(Value::String(id)) => vec![id.as_str()],
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .ok_or_else(|| bad(paper_question, "a list of option ids"))
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(bad(paper_question, "a list of option ids")),
            };
            for id in &chosen_ids {
                find_option(paper_question, &paper_question.options, id)?;
            }
            // In paper order, each once.
            let chosen: Vec<&PaperOption> = paper_question
                .options
                .iter()
                .filter(|o| chosen_ids.contains(&o.id.as_str()))
                .collect();
            if !multiple && chosen.len() > 1 {
                return Err(bad(
                    paper_question,
                    "a list with at most one option id (single choice)",
                ));
            }
            let fraction = if *all_or_nothing {
                // QTI's match_correct: exactly the right options, or nothing.
                let exact = paper_question
                    .options
                    .iter()
                    .all(|o| chosen.contains(&o) == (options[o.index].fraction > 0.0));
                if exact {
                    1.0
                } else {
                    0.0
                }
            } else if *multiple {
                chosen
                    .iter()
                    .map(|o| options[o.index].fraction)
                    .sum::<f64>()
            } else {
                chosen
                    .first()
                    .map_or(0.0, |o| options[o.index].fraction.max(0.0))
            };
            let feedback = chosen
                .iter()
                .filter_map(|o| options[o.index].feedback.clone())
                .collect();
            Ok((fraction, feedback))
        }
        QuestionKind::TrueFalse {
            answer: key,
            feedback_wrong,
            feedback_right,
        } => {
            let given = match answer {
                None => return Ok((0.0, Vec::new())),
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) => match s.trim().to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(paper_question, "true or false")),
                },
                Some(_) => return Err(bad(paper_question, "true or false")),
            };
            if given == *key {
                Ok((1.0, feedback_right.iter().cloned().collect()))
            } else {
                Ok((0.0, feedback_wrong.iter().cloned().collect()))
            }
        }
        QuestionKind::ShortAnswer {
            answers,
            case_sensitive,
            ignore_diacritics,
        } => {
            let fold = Folding {
                case_sensitive: *case_sensitive,
                ignore_diacritics: *ignore_diacritics,
            };
            let response = match answer {
                None => return Ok((0.0, Vec::new())),
                Some(Value::String(s)) => fold.apply(s),
                Some(_) => return Err(bad(paper_question, "a string")),
            };
            if response.is_empty() {
                return Ok((0.0, Vec::new()));
            }
            let best = best_of(
                answers
                    .iter()
                    .filter(|a| wildcard_match(&fold.apply(&a.text), &response))
                    .map(|a| (a.fraction, &a.feedback)),
            );
            Ok(best)
        }
        QuestionKind::Ordering { items, grading } => {
            const EXPECTED: &str = "a list of item ids in order, each at most once";
            let ids: Vec<&str> = match answer {
                None => return Ok((0.0, Vec::new())),
                Some(Value::Array(values)) => values
                    .iter()
                    .map(|v| v.as_str().ok_or_else(|| bad(paper_question, EXPECTED)))
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(bad(paper_question, EXPECTED)),
            };
            let mut order = Vec::with_capacity(ids.len());
            for id in ids {
                let item = find_option(paper_question, &paper_question.options, id)?;
                if order.contains(&item.index) {
                    return Err(bad(paper_question, EXPECTED));
                }
                order.push(item.index);
            }
            Ok((ordering_fraction(*grading, items.len(), &order), Vec::new()))
        }
        QuestionKind::Hotspot {
            regions, places, ..
        } => {
            const EXPECTED: &str = "an object {\"x\": number, \"y\": number} in image pixels, or {\"place\": index} of a named place";
            let point = match answer {
                None => return Ok((0.0, Vec::new())),
                // A named place chosen from the list: graded as a tap on its point.
                Some(Value::Object(map)) if map.contains_key("place") => map
                    .get("place")
                    .and_then(Value::as_u64)
                    .and_then(|i| places.get(usize::try_from(i).ok()?))
                    .map(|p| (f64::from(p.x), f64::from(p.y))),
                Some(Value::Object(map)) => {
                    let coordinate = |name: &str| match map.get(name) {
                        Some(Value::Number(n)) => n.as_f64(),
                        Some(Value::String(s)) => parse_number(s),
                        _ => None,
                    };
                    coordinate("x").zip(coordinate("y"))
                }
                Some(_) => None,
            };
            let (x, y) = point.ok_or_else(|| bad(paper_question, EXPECTED))?;
            let hit = regions.iter().any(|r| r.contains(x, y));
            Ok((if hit { 1.0 } else { 0.0 }, Vec::new()))
        }
        QuestionKind::Numerical { answers } => {
            let number = match answer {
                None => return Ok((0.0, Vec::new())),
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) if s.trim().is_empty() => return Ok((0.0, Vec::new())),
                Some(Value::String(s)) => parse_number(s),
                Some(_) => None,
            }
            .ok_or_else(|| bad(paper_question, "a number"))?;
            let best = best_of(
                answers
                    .iter()
                    .filter(|a| holds(&a.value, number))
                    .map(|a| (a.fraction, &a.feedback)),
            );
            Ok(best)
        }
        QuestionKind::Matching { pairs } => {
            let given = match answer {
                None => return Ok((0.0, Vec::new())),
                Some(Value::Object(map)) => map,
                Some(_) => {
                    return Err(bad(
                        paper_question,
                        "an object mapping item ids to option ids",
                    ))
                }
            };
            let items = paper_question.left.len();
            // Equal shares, unless the pairs carry weights (QTI's mapping).
            let share = |k: usize| pairs[k].weight.unwrap_or(1.0 / items.max(1) as f64);
            let mut fraction = 0.0;
            for (left_id, option_id) in given {
                let item = find_option(paper_question, &paper_question.left, left_id)?;
                let option_id = match option_id {
                    Value::Null => continue,
                    Value::String(id) => id,
                    _ => {
                        return Err(bad(
                            paper_question,
                            "an object mapping item ids to option ids",
                        ))
                    }
                };
                let option = find_option(paper_question, &paper_question.options, option_id)?;
                if pairs[option.index].right == pairs[item.index].right {
                    fraction += share(item.index);
                }
            }
            Ok((clamp01(fraction), Vec::new()))
        }
    }
}

/// The best fraction and its feedback; the first answer wins a tie, as authors order answers.
fn best_of<'a>(matches: impl Iterator<Item = (f64, &'a Option<Text>)>) -> (f64, Vec<Text>) {
    let mut best: Option<(f64, &Option<Text>)> = None;
    for (fraction, feedback) in matches {
        if best.is_none_or(|(top, _)| fraction > top) {
            best = Some((fraction, feedback));
        }
    }
    match best {
        Some((fraction, feedback)) => (fraction, feedback.iter().cloned().collect()),
        None => (0.0, Vec::new()),
    }
}

/// NFC, blanks folded to single spaces and trimmed, lower case: how a typed answer is compared.
#[cfg(test)]
fn normalise(s: &str) -> String {
    Folding::default().apply(s)
}

/// How a short-answer question compares a typed answer with its answers.
#[derive(Debug, Clone, Copy, Default)]
struct Folding {
    case_sensitive: bool,
    ignore_diacritics: bool,
}

impl Folding {
    /// NFC, blanks folded to single spaces and trimmed, then lower case and diacritics removed as
    /// the question asks.
    fn apply(self, s: &str) -> String {
        let folded = s.nfc().collect::<String>();
        let mut folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        if self.ignore_diacritics {
            folded = strip_diacritics(&folded);
        }
        if !self.case_sensitive {
            folded = folded.to_lowercase();
        }
        folded.nfc().collect()
    }
}

/// The text without diacritics, the way Vietnamese is typed without an input method: every
/// combining mark dropped after NFD ("đăng ký" → "đang ky"), then `đ`/`Đ` (a letter of its own,
/// not a mark) read as `d`/`D`.
pub fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|&c| !unicode_normalization::char::is_combining_mark(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

/// Moodle's `qtype_ordering_question::grade_response`. `order` holds the items the learner placed,
/// as indexes into the key (the authored order), in the learner's order; items left out are not
/// placed. Denominators count every item, so placing only a few cannot earn full marks.
fn ordering_fraction(grading: OrderingGrading, n: usize, order: &[usize]) -> f64 {
    if n < 2 {
        // Moodle marks a one-item list 0 under every grading type but absolute position; an
        // ordering question needs two items to ask anything, and content checks refuse fewer.
        return 0.0;
    }
    let position = |item: usize| order.iter().position(|&k| k == item);
    let share = |right: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            right as f64 / of as f64
        }
    };
    match grading {
        OrderingGrading::AllOrNothing | OrderingGrading::AbsolutePosition => {
            let right = (0..n).filter(|&k| order.get(k) == Some(&k)).count();
            if grading == OrderingGrading::AllOrNothing {
                if right == n {
                    1.0
                } else {
                    0.0
                }
            } else {
                share(right, n)
            }
        }
        OrderingGrading::RelativeToCorrect => {
            let most = n - 1;
            let earned: usize = (0..n)
                .filter_map(|k| position(k).map(|p| most.saturating_sub(k.abs_diff(p))))
                .sum();
            share(earned, most * n)
        }
        OrderingGrading::RelativeNextExcludeLast | OrderingGrading::RelativeNextIncludeLast => {
            let include_last = grading == OrderingGrading::RelativeNextIncludeLast;
            // Pairs item → what follows it (`None`: nothing, counted only with the last item).
            let next = |list: &[usize], item: usize| -> Option<Option<usize>> {
                let at = list.iter().position(|&k| k == item)?;
                match list.get(at + 1) {
                    Some(&following) => Some(Some(following)),
                    None if include_last => Some(None),
                    None => None,
                }
            };
            let key: Vec<usize> = (0..n).collect();
            let pairs: Vec<(usize, Option<usize>)> = key
                .iter()
                .filter_map(|&k| next(&key, k).map(|following| (k, following)))
                .collect();
            let right = pairs
                .iter()
                .filter(|&&(k, following)| next(order, k) == Some(following))
                .count();
            share(right, pairs.len())
        }
        OrderingGrading::RelativeOnePreviousAndNext
        | OrderingGrading::RelativeAllPreviousAndNext => {
            let all = grading == OrderingGrading::RelativeAllPreviousAndNext;
            // Neighbours as Moodle lists them: `None` stands for Moodle's 0, "no item here".
            let neighbours =
                |list: &[usize], at: usize| -> (Vec<Option<usize>>, Vec<Option<usize>>) {
                    if all {
                        (
                            list[..at].iter().map(|&k| Some(k)).collect(),
                            list[at + 1..].iter().map(|&k| Some(k)).collect(),
                        )
                    } else {
                        (
                            vec![at.checked_sub(1).map(|p| list[p])],
                            vec![list.get(at + 1).copied()],
                        )
                    }
                };
            let key: Vec<usize> = (0..n).collect();
            let mut right = 0;
            let mut total = 0;
            for k in 0..n {
                let (key_prev, key_next) = neighbours(&key, k);
                total += key_prev.len() + key_next.len();
                if let Some(at) = position(k) {
                    let (prev, next) = neighbours(order, at);
                    right += key_prev.iter().filter(|p| prev.contains(p)).count();
                    right += key_next.iter().filter(|p| next.contains(p)).count();
                }
            }
            share(right, total)
        }
        OrderingGrading::LongestOrderedSubset | OrderingGrading::LongestContiguousSubset => {
            let contiguous = grading == OrderingGrading::LongestContiguousSubset;
            share(longest_ordered_subset(order, contiguous), n)
        }
    }
}

/// What Moodle's `get_ordered_subset` finds, computed directly: the length of the longest
/// increasing subsequence of `positions` (with `contiguous`, of consecutive values), or 0 when it
/// is shorter than two. Moodle enumerates candidate subsets, which grows exponentially with the
/// number of items; its longest candidate is this subsequence, so the marks are the same.
fn longest_ordered_subset(positions: &[usize], contiguous: bool) -> usize {
    let mut longest_ending_at = vec![1usize; positions.len()];
    for j in 0..positions.len() {
        for i in 0..j {
            let extends = if contiguous {
                positions[j] == positions[i] + 1
            } else {
                positions[j] > positions[i]
            };
            if extends {
                longest_ending_at[j] = longest_ending_at[j].max(longest_ending_at[i] + 1);
            }
        }
    }
    let best = longest_ending_at.into_iter().max().unwrap_or(0);
    if best >= 2 {
        best
    } else {
        0
    }
}

/// Moodle's short-answer match: `*` stands for any run of characters, `\*` for a star. Both
/// arguments are already normalised.
fn wildcard_match(pattern: &str, response: &str) -> bool {
    let mut pieces = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                pieces.last_mut().into_iter().for_each(|p| p.push('*'));
            }
            '*' => pieces.push(String::new()),
            _ => pieces.last_mut().into_iter().for_each(|p| p.push(c)),
        }
    }
    let (first, rest) = match pieces.split_first() {
        Some(split) => split,
        None => return response.is_empty(),
    };
    let Some((last, middle)) = rest.split_last() else {
        return response == first;
    };
    if response.len() < first.len() + last.len()
        || !response.starts_with(first.as_str())
        || !response.ends_with(last.as_str())
    {
        return false;
    }
    let mut inside = &response[first.len()..response.len() - last.len()];
    for piece in middle {
        match inside.find(piece.as_str()) {
            Some(at) => inside = &inside[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// A number typed by a learner: `3.5`, `3,5` (Vietnamese decimal comma), `-2`, `1e3`.
fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = if s.contains(',') && !s.contains('.') && s.matches(',').count() == 1 {
        s.replace(',', ".")
    } else {
        s.to_owned()
    };
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Whether a numerical answer accepts `x`. A little slack absorbs binary rounding, so that
/// `3.142` is within `3.1415:0.0005` as the author meant.
fn holds(value: &NumericValue, x: f64) -> bool {
    let slack = |scale: f64| f64::EPSILON * 64.0 * scale.abs().max(x.abs()).max(1.0);
    match *value {
        NumericValue::Any => true,
        NumericValue::Exact { number, tolerance } => {
            (x - number).abs() <= tolerance.abs() + slack(number.abs().max(tolerance.abs()))
        }
        NumericValue::Range { min, max } => {
            let slack = slack(min.abs().max(max.abs()));
            x >= min - slack && x <= max + slack
        }
    }
}

/// The best fraction a question can give (`None` for descriptions and essays, which the platform
/// does not mark). A content check can use it to flag questions nobody can get fully right.
pub fn max_fraction(question: &Question) -> Option<f64> {
    let best = |fractions: &mut dyn Iterator<Item = f64>| clamp01(fractions.fold(0.0, f64::max));
    match &question.kind {
        QuestionKind::Description | QuestionKind::Essay => None,
        QuestionKind::TrueFalse { .. } => Some(1.0),
        QuestionKind::Choice {
            all_or_nothing: true,
            ..
        } => Some(1.0),
        QuestionKind::Choice {
            multiple: true,
            options,
            ..
        } => Some(clamp01(
            options.iter().map(|o| o.fraction.max(0.0)).sum::<f64>(),
        )),
        QuestionKind::Choice {
            multiple: false,
            options,
            ..
        } => Some(best(&mut options.iter().map(|o| o.fraction))),
        QuestionKind::ShortAnswer { answers, .. } => {
            Some(best(&mut answers.iter().map(|a| a.fraction)))
        }
        QuestionKind::Ordering { items, .. } => Some(if items.len() >= 2 { 1.0 } else { 0.0 }),
        QuestionKind::Hotspot { regions, .. } => Some(if regions.is_empty() { 0.0 } else { 1.0 }),
        QuestionKind::Numerical { answers } => Some(best(&mut answers.iter().map(|a| a.fraction))),
        QuestionKind::Matching { pairs } => {
            Some(if pairs.iter().any(|p| !p.left.text.is_empty()) {
                1.0
            } else {
                0.0
            })
        }
    }
}

/// Answers that earn every question of the paper its [`max_fraction`], in the API's answer shape.
/// Meant for tests and for showing the solution after an attempt is closed; never send it before.
pub fn answer_key(paper: &Paper, bank: &[Question]) -> BTreeMap<String, Value> {
    let mut key = BTreeMap::new();
    for paper_question in &paper.questions {
        let Some(question) = resolve(paper_question, bank) else {
            continue;
        };
        let answer = match &question.kind {
            QuestionKind::Description | QuestionKind::Essay => continue,
            QuestionKind::TrueFalse { answer, .. } => Value::Bool(*answer),
            QuestionKind::Choice {
                multiple: true,
                options,
                ..
            } => Value::Array(
                paper_question
                    .options
                    .iter()
                    .filter(|o| options[o.index].fraction > 0.0)
                    .map(|o| Value::String(o.id.clone()))
                    .collect(),
            ),
            QuestionKind::Choice {
                multiple: false,
                options,
                ..
            } => {
                let mut best: Option<&PaperOption> = None;
                for option in &paper_question.options {
                    if best
                        .is_none_or(|b| options[option.index].fraction > options[b.index].fraction)
                    {
                        best = Some(option);
                    }
                }
                Value::Array(
                    best.map(|o| Value::String(o.id.clone()))
                        .into_iter()
                        .collect(),
                )
            }
            QuestionKind::ShortAnswer { answers, .. } => {
                let mut best: Option<&crate::model::TextAnswer> = None;
                for answer in answers {
                    if best.is_none_or(|b| answer.fraction > b.fraction) {
                        best = Some(answer);
                    }
                }
                Value::String(best.map(|a| typed_for(&a.text)).unwrap_or_default())
            }
            QuestionKind::Numerical { answers } => {
                let mut best: Option<&crate::model::NumericAnswer> = None;
                for answer in answers {
                    if best.is_none_or(|b| answer.fraction > b.fraction) {
                        best = Some(answer);
                    }
                }
                let number = match best.map(|a| &a.value) {
                    Some(NumericValue::Exact { number, .. }) => *number,
                    Some(NumericValue::Range { min, max }) => min / 2.0 + max / 2.0,
                    Some(NumericValue::Any) | None => 0.0,
                };
                serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
            }
            QuestionKind::Matching { pairs } => Value::Object(
                paper_question
                    .left
                    .iter()
                    .filter_map(|item| {
                        let option = paper_question
                            .options
                            .iter()
                            .find(|o| pairs[o.index].right == pairs[item.index].right)?;
                        Some((item.id.clone(), Value::String(option.id.clone())))
                    })
                    .collect(),
            ),
            QuestionKind::Ordering { .. } => {
                let mut items: Vec<&PaperOption> = paper_question.options.iter().collect();
                items.sort_by_key(|o| o.index);
                Value::Array(
                    items
                        .into_iter()
                        .map(|o| Value::String(o.id.clone()))
                        .collect(),
                )
            }
            QuestionKind::Hotspot {
                regions, places, ..
            } => {
                // With named places, the right one by name (the result page can say it).
                let right_place = places.iter().position(|p| {
                    regions
                        .iter()
                        .any(|r| r.contains(f64::from(p.x), f64::from(p.y)))
                });
                if let Some(i) = right_place {
                    serde_json::json!({ "place": i })
                } else {
                    let Some((x, y)) = regions.first().map(crate::model::Region::centre) else {
                        continue;
                    };
                    serde_json::json!({ "x": x, "y": y })
                }
            }
        };
        key.insert(paper_question.id.clone(), answer);
    }
    key
}

/// A response that matches a short-answer pattern: each wildcard filled with one letter.
fn typed_for(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push('*');
            }
            '*' => out.push('x'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_matches_any_run_of_characters() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a*c", "ac"));
        assert!(!wildcard_match("a*c", "abd"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("*b*d*", "abcde"));
        assert!(!wildcard_match("*b*d*", "adcbe"));
        assert!(wildcard_match("5\\*", "5*"));
        assert!(!wildcard_match("5\\*", "56"));
    }

    #[test]
    fn typed_answers_are_compared_without_case_blanks_or_normalisation_form() {
        // "Hà Nội" typed with combining marks (NFD), odd spacing and capitals.
        let typed = "  HA\u{300}   N\u{1ED8}I ";
        assert_eq!(normalise(typed), normalise("hà nội"));
    }

    #[test]
    fn a_decimal_comma_is_read_as_a_decimal_point() {
        assert_eq!(parse_number("3,5"), Some(3.5));
        assert_eq!(parse_number(" -3.5 "), Some(-3.5));
        assert_eq!(parse_number("1,000.5"), None);
        assert_eq!(parse_number("nan"), None);
        assert_eq!(parse_number("ba"), None);
    }

    #[test]
    #[allow(clippy::approx_constant)] // pi to a given precision is the point
    fn a_tolerance_holds_its_edges_despite_binary_rounding() {
        let pi = NumericValue::Exact {
            number: 3.1415,
            tolerance: 0.0005,
        };
        assert!(holds(&pi, 3.142));
        assert!(holds(&pi, 3.141));
        assert!(!holds(&pi, 3.1421));
        let range = NumericValue::Range {
            min: -5.0,
            max: 5.0,
        };
        assert!(holds(&range, -5.0) && holds(&range, 5.0) && !holds(&range, 5.001));
    }
}
