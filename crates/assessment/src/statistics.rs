//! Item statistics for instructors, with the definitions of Moodle's quiz statistics report
//! (`question/classes/statistics/questions/calculator.php`, "Quiz statistics calculations" in
//! Moodle's developer docs), so that numbers read here mean what they mean in Moodle.
//!
//! For each question, over the `s` graded attempts that contain it, with `x` the question's mark
//! (its fraction: every question weighs 1, as in [`crate::grading`]) and `y` the rest of the
//! attempt (the sum of the other questions' marks):
//!
//! * facility index `F = 100 · mean(x)`;
//! * standard deviation `SD = 100 · sqrt(Σ(x − x̄)² / (s − 1))`;
//! * discrimination index `D = 100 · cov(x, y) / sqrt(var(x) · var(y))`, the correlation between
//!   the question and the rest of the test (undefined when either does not vary);
//! * discriminative efficiency `DE = 100 · cov(x, y) / cov_max(x, y)`, where `cov_max` pairs the
//!   sorted `x` with the sorted `y`: how much of the discrimination the question could have at
//!   its facility it achieves (undefined when `cov_max` is 0);
//! * how often each option was chosen (choice questions) or each response given (others).
//!
//! Flags follow what Moodle's documentation suggests (see [`Thresholds`]); they point an
//! instructor at questions worth reading again, they are not verdicts.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::grading::AttemptResult;
use crate::model::{Question, QuestionKind, Text};
use crate::paper::{Paper, PaperQuestion};

/// What one learner answered to one question and what it earned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionRecord {
    /// The bank question's id.
    pub id: String,
    /// 0..=1, as graded.
    pub fraction: f64,
    pub response: Response,
}

/// A response, summarised for counting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Response {
    /// Left unanswered.
    None,
    /// Choice questions: the chosen options, as indexes into the bank question's `options`.
    Options(Vec<usize>),
    /// Every other question: the response as text (a typed answer, `true`, a number, the order
    /// given, the region tapped).
    Text(String),
}

/// One graded attempt: the records of its questions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub questions: Vec<QuestionRecord>,
}

/// When a question is flagged. The defaults follow Moodle's documentation ("Quiz report
/// statistics"): a facility of 10 or less is "very difficult" or worse (5 or less: "extremely
/// difficult or something wrong with the question"), 90 or more "very easy" or easier; a
/// discrimination index below 20 is "very weak" (20–29 weak, 30–50 adequate, 50 and above very
/// good) and a negative one means the question is "probably invalid"; Moodle's report highlights
/// a question whose discriminative efficiency is below 15.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Flag [`Flag::TooHard`] at or below this facility.
    pub facility_low: f64,
    /// Flag [`Flag::TooEasy`] at or above this facility.
    pub facility_high: f64,
    /// Flag [`Flag::WeakDiscrimination`] below this discrimination index.
    pub discrimination_low: f64,
    /// Flag [`Flag::LowEfficiency`] below this discriminative efficiency.
    pub efficiency_low: f64,
    /// Flag nothing but [`Flag::FewAttempts`] with fewer attempts than this: statistics of a
    /// handful of learners mislead more than they tell.
    pub min_attempts: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            facility_low: 10.0,
            facility_high: 90.0,
            discrimination_low: 20.0,
            efficiency_low: 15.0,
            min_attempts: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Too few attempts to judge.
    FewAttempts,
    /// Facility at or below [`Thresholds::facility_low`].
    TooHard,
    /// Facility at or above [`Thresholds::facility_high`].
    TooEasy,
    /// Discrimination index below [`Thresholds::discrimination_low`] (and not negative).
    WeakDiscrimination,
    /// Learners who did worse on the rest did better here: check the key.
    NegativeDiscrimination,
    /// Discriminative efficiency below [`Thresholds::efficiency_low`].
    LowEfficiency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionFrequency {
    /// Index into the bank question's `options`.
    pub index: usize,
    pub text: Text,
    /// The option's fraction, so that a popular wrong option stands out.
    pub fraction: f64,
    /// Attempts that chose it.
    pub count: usize,
    /// `count` as a percentage of the question's attempts.
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseFrequency {
    pub response: String,
    pub count: usize,
    pub percent: f64,
    /// The mean fraction this response earned.
    pub fraction: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionStatistics {
    pub id: String,
    /// Moodle's `s`: attempts that contain the question.
    pub attempts: usize,
    /// 0..=100.
    pub facility: f64,
    /// Percent of the question's mark; `None` with fewer than two attempts.
    pub standard_deviation: Option<f64>,
    /// -100..=100; `None` when the question's marks or the rest of the test do not vary.
    pub discrimination_index: Option<f64>,
    /// `None` when it cannot be computed (no variation).
    pub discriminative_efficiency: Option<f64>,
    /// Choice questions: every option, chosen or not, in bank order.
    pub options: Vec<OptionFrequency>,
    /// Other questions: each distinct response, most frequent first.
    pub responses: Vec<ResponseFrequency>,
    /// Attempts that left the question unanswered.
    pub unanswered: usize,
    pub flags: Vec<Flag>,
}

/// Statistics for every question that appears in `attempts`, in bank order (questions no longer
/// in the bank last, by id). Use each learner's first attempt, as Moodle does by default: later
/// attempts build on earlier ones and break the assumptions of item analysis.
pub fn item_statistics(
    bank: &[Question],
    attempts: &[AttemptRecord],
    thresholds: &Thresholds,
) -> Vec<QuestionStatistics> {
    // Per question id: (mark, rest of the attempt, response).
    let mut data: HashMap<&str, Vec<(f64, f64, &Response)>> = HashMap::new();
    for attempt in attempts {
        let total: f64 = attempt.questions.iter().map(|q| clean(q.fraction)).sum();
        for record in &attempt.questions {
            let mark = clean(record.fraction);
            data.entry(record.id.as_str()).or_default().push((
                mark,
                total - mark,
                &record.response,
            ));
        }
    }
    let mut ids: Vec<&str> = data.keys().copied().collect();
    let position = |id: &str| {
        bank.iter()
            .position(|q| q.id.as_deref() == Some(id))
            .unwrap_or(usize::MAX)
    };
    ids.sort_by(|a, b| position(a).cmp(&position(b)).then(a.cmp(b)));
    ids.into_iter()
        .filter_map(|id| {
            let rows = data.get(id)?;
            let question = bank.iter().find(|q| q.id.as_deref() == Some(id));
            Some(statistics_of(id, question, rows, thresholds))
        })
        .collect()
}

fn clean(fraction: f64) -> f64 {
    if fraction.is_finite() {
        fraction
    } else {
        0.0
    }
}

fn statistics_of(
    id: &str,
    question: Option<&Question>,
    rows: &[(f64, f64, &Response)],
    thresholds: &Thresholds,
) -> QuestionStatistics {
    let s = rows.len();
    let n = s as f64;
    let marks: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let rest: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (mark_mean, rest_mean) = (mean(&marks), mean(&rest));
    let facility = 100.0 * mark_mean;

    let (mut standard_deviation, mut discrimination_index, mut discriminative_efficiency) =
        (None, None, None);
    if s > 1 {
        let dx: Vec<f64> = marks.iter().map(|x| x - mark_mean).collect();
        let dy: Vec<f64> = rest.iter().map(|y| y - rest_mean).collect();
        let var_x = dx.iter().map(|d| d * d).sum::<f64>() / (n - 1.0);
        let var_y = dy.iter().map(|d| d * d).sum::<f64>() / (n - 1.0);
        let cov = dx.iter().zip(&dy).map(|(a, b)| a * b).sum::<f64>() / (n - 1.0);
        let mut sorted_x = marks.clone();
        let mut sorted_y = rest.clone();
        sorted_x.sort_by(f64::total_cmp);
        sorted_y.sort_by(f64::total_cmp);
        let cov_max = sorted_x
            .iter()
            .zip(&sorted_y)
            .map(|(x, y)| (x - mark_mean) * (y - rest_mean))
            .sum::<f64>()
            / (n - 1.0);
        standard_deviation = Some(100.0 * var_x.sqrt());
        // Moodle tests `var(x) · var(y)` and `cov_max` for zero; rounding noise counts as zero.
        const NOISE: f64 = 1e-12;
        if var_x * var_y > NOISE {
            discrimination_index = Some(100.0 * cov / (var_x * var_y).sqrt());
        }
        if cov_max.abs() > NOISE {
            discriminative_efficiency = Some(100.0 * cov / cov_max);
        }
    }

    let unanswered = rows
        .iter()
        .filter(|r| matches!(r.2, Response::None))
        .count();
    let percent = |count: usize| 100.0 * count as f64 / n;
    let mut options = Vec::new();
    let mut responses = Vec::new();
    match question.map(|q| &q.kind) {
        Some(QuestionKind::Choice { options: all, .. }) => {
            for (index, option) in all.iter().enumerate() {
                let count = rows
                    .iter()
                    .filter(|r| matches!(r.2, Response::Options(chosen) if chosen.contains(&index)))
                    .count();
                options.push(OptionFrequency {
                    index,
                    text: option.text.clone(),
                    fraction: option.fraction,
                    count,
                    percent: percent(count),
                });
            }
        }
        _ => {
            let mut seen: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
            for (mark, _, response) in rows {
                if let Response::Text(text) = response {
                    let entry = seen.entry(text.as_str()).or_default();
                    entry.0 += 1;
                    entry.1 += mark;
                }
            }
            responses = seen
                .into_iter()
                .map(|(response, (count, sum))| ResponseFrequency {
                    response: response.to_owned(),
                    count,
                    percent: percent(count),
                    fraction: sum / count as f64,
                })
                .collect();
            responses.sort_by_key(|r| std::cmp::Reverse(r.count));
        }
    }

    let mut flags = Vec::new();
    if s < thresholds.min_attempts {
        flags.push(Flag::FewAttempts);
    } else {
        if facility <= thresholds.facility_low {
            flags.push(Flag::TooHard);
        }
        if facility >= thresholds.facility_high {
            flags.push(Flag::TooEasy);
        }
        match discrimination_index {
            Some(d) if d < 0.0 => flags.push(Flag::NegativeDiscrimination),
            Some(d) if d < thresholds.discrimination_low => flags.push(Flag::WeakDiscrimination),
            _ => {}
        }
        if discriminative_efficiency.is_some_and(|e| e < thresholds.efficiency_low) {
            flags.push(Flag::LowEfficiency);
        }
    }

    QuestionStatistics {
        id: id.to_owned(),
        attempts: s,
        facility,
        standard_deviation,
        discrimination_index,
        discriminative_efficiency,
        options,
        responses,
        unanswered,
        flags,
    }
}

/// The record of a graded attempt, from what the server stores: the paper, the answers (as sent
/// to [`crate::grading::grade`]) and the result. Option ids become bank option indexes, so records
/// of different attempts (each with its own shuffled ids) count together.
pub fn record(
    paper: &Paper,
    bank: &[Question],
    answers: &BTreeMap<String, Value>,
    result: &AttemptResult,
) -> AttemptRecord {
    let questions = result
        .questions
        .iter()
        .map(|graded| {
            let paper_question = paper.questions.iter().find(|q| q.id == graded.id);
            let question = bank
                .iter()
                .find(|q| q.id.as_deref() == Some(graded.id.as_str()));
            let answer = answers.get(&graded.id).filter(|a| !a.is_null());
            let response = match (paper_question, question, answer) {
                (Some(p), Some(q), Some(a)) => summarise(p, q, a),
                _ => Response::None,
            };
            QuestionRecord {
                id: graded.id.clone(),
                fraction: graded.fraction,
                response,
            }
        })
        .collect();
    AttemptRecord { questions }
}

fn summarise(paper_question: &PaperQuestion, question: &Question, answer: &Value) -> Response {
    let index_of = |id: &str| {
        paper_question
            .options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.index)
    };
    let ids: Vec<&str> = match answer {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let text = |s: String| {
        if s.trim().is_empty() {
            Response::None
        } else {
            Response::Text(s)
        }
    };
    match &question.kind {
        QuestionKind::Choice { .. } => {
            let mut chosen: Vec<usize> = ids.into_iter().filter_map(index_of).collect();
            chosen.sort_unstable();
            chosen.dedup();
            if chosen.is_empty() {
                Response::None
            } else {
                Response::Options(chosen)
            }
        }
        QuestionKind::Ordering { items, .. } => text(
            ids.into_iter()
                .filter_map(index_of)
                .filter_map(|k| items.get(k))
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
        ),
        QuestionKind::Matching { pairs } => {
            let Value::Object(map) = answer else {
                return Response::None;
            };
            let mut lines: Vec<String> = map
                .iter()
                .filter_map(|(left, right)| {
                    let item = paper_question.left.iter().find(|o| &o.id == left)?;
                    let right = index_of(right.as_str()?)?;
                    Some(format!(
                        "{} → {}",
                        pairs.get(item.index)?.left.text,
                        pairs.get(right)?.right
                    ))
                })
                .collect();
            lines.sort();
            text(lines.join("; "))
        }
        QuestionKind::Hotspot { regions, .. } => {
            let coordinate = |name: &str| match answer.get(name) {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => s.trim().replace(',', ".").parse().ok(),
                _ => None,
            };
            match coordinate("x").zip(coordinate("y")) {
                Some((x, y)) => Response::Text(
                    regions
                        .iter()
                        .position(|r| r.contains(x, y))
                        .map_or_else(|| "outside".to_owned(), |k| format!("region {}", k + 1)),
                ),
                None => Response::None,
            }
        }
        _ => match answer {
            Value::String(s) => text(s.split_whitespace().collect::<Vec<_>>().join(" ")),
            Value::Bool(b) => Response::Text(b.to_string()),
            Value::Number(n) => Response::Text(n.to_string()),
            _ => Response::None,
        },
    }
}
