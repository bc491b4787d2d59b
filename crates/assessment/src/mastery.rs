//! Mastery per competence: "m of the last n answers correct", Kolibri's rule (its default exercise
//! mastery model is 5 correct in a row, its "m of n" models like 4 of 5 are what teachers pick for
//! practice). Pure functions over answers the caller passes in, oldest first: no clock, no storage.
//!
//! An answer counts for every competence its question carries, so a question tagged with two
//! competences moves both. A competence with fewer than `m` answers is not mastered yet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// "m of the last n correct".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasteryRule {
    pub m: usize,
    pub n: usize,
}

impl Default for MasteryRule {
    /// 4 of the last 5.
    fn default() -> Self {
        Self { m: 4, n: 5 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a mastery rule needs 1 ≤ m ≤ n (got {m} of {n})")]
pub struct BadRule {
    pub m: usize,
    pub n: usize,
}

impl MasteryRule {
    pub fn new(m: usize, n: usize) -> Result<Self, BadRule> {
        if m >= 1 && m <= n {
            Ok(Self { m, n })
        } else {
            Err(BadRule { m, n })
        }
    }
}

/// One graded answer, as the mastery rule sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The competences the question assesses (for example the codes behind its
    /// `competence-4.2` tags; see [`competences`]).
    pub competences: Vec<String>,
    /// Full marks (a fraction of at least 0.9999, as [`crate::grading::QuestionResult::correct`]).
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mastery {
    pub competence: String,
    /// Every answer counted for this competence.
    pub answered: usize,
    /// Answers in the window: the last `n` (fewer while fewer were given).
    pub window: usize,
    /// Correct answers in the window.
    pub correct_in_window: usize,
    /// `correct_in_window >= m`.
    pub mastered: bool,
}

/// Mastery of every competence that `answers` (oldest first) touch, in competence order.
pub fn mastery(answers: &[Answer], rule: MasteryRule) -> Vec<Mastery> {
    let mut per_competence: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    for answer in answers {
        let mut seen: Vec<&str> = Vec::new();
        for competence in &answer.competences {
            if seen.contains(&competence.as_str()) {
                continue;
            }
            seen.push(competence);
            per_competence
                .entry(competence)
                .or_default()
                .push(answer.correct);
        }
    }
    per_competence
        .into_iter()
        .map(|(competence, history)| {
            let start = history.len().saturating_sub(rule.n);
            let window = &history[start..];
            let correct_in_window = window.iter().filter(|&&c| c).count();
            Mastery {
                competence: competence.to_owned(),
                answered: history.len(),
                window: window.len(),
                correct_in_window,
                mastered: rule.m >= 1 && correct_in_window >= rule.m,
            }
        })
        .collect()
}

/// The competence codes in a question's tags, by the content format's convention
/// `competence-<code>` (`competence-4.2` → `4.2`).
pub fn competences(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| t.strip_prefix("competence-"))
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}
