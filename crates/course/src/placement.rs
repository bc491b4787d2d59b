//! The placement check's rule: which competences it shows, so that their lessons may be skipped.
//!
//! A learner skips a lesson only on evidence. One right answer per competence is no evidence: a
//! guesser gets a true/false question right half the time, and a check over fourteen
//! competences then "shows" several of them to someone who knows nothing. So a competence is
//! shown only when
//!
//! 1. one placement attempt asked at least [`MIN_QUESTIONS_PER_COMPETENCE`] questions of it and
//!    every one was answered fully right,
//! 2. that attempt as a whole was answered well: at least [`MIN_RIGHT_NUMERATOR`] /
//!    [`MIN_RIGHT_DENOMINATOR`] of its questions fully right (without this, a check over many
//!    competences gives a guesser many chances at three lucky answers in a row: with a 30%
//!    guess rate, 1 − (1 − 0.3³)¹⁴ ≈ 32% for fourteen competences; needing two thirds of 42
//!    questions right as well, the chance falls below 1 in 10,000), and
//! 3. no placement answer about it, in any attempt, was wrong (retaking the check never turns a
//!    wrong answer into evidence).
//!
//! Pure: the caller passes the graded answers of the learner's placement attempts.

use std::collections::{BTreeMap, BTreeSet};

use hocvuso_assessment::mastery::Answer;
use hocvuso_assessment::paper;

use crate::{Course, Quiz};

/// Questions of one competence a placement attempt must ask before it can show it.
pub const MIN_QUESTIONS_PER_COMPETENCE: usize = 3;
/// The share of an attempt's questions that must be fully right before it shows anything: 2/3.
pub const MIN_RIGHT_NUMERATOR: usize = 2;
pub const MIN_RIGHT_DENOMINATOR: usize = 3;

/// Whether an attempt with `right` of `total` questions fully right is evidence at all.
pub fn attempt_counts(right: usize, total: usize) -> bool {
    total > 0 && right * MIN_RIGHT_DENOMINATOR >= total * MIN_RIGHT_NUMERATOR
}

/// The competences a learner's placement attempts show (each attempt: its graded answers, in
/// any order; attempts in any order).
pub fn shown_competences(attempts: &[Vec<Answer>]) -> BTreeSet<String> {
    let mut wrong: BTreeSet<&str> = BTreeSet::new();
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    for answers in attempts {
        for a in answers.iter().filter(|a| !a.correct) {
            wrong.extend(a.competences.iter().map(String::as_str));
        }
        let right = answers.iter().filter(|a| a.correct).count();
        if !attempt_counts(right, answers.len()) {
            continue;
        }
        // competence → (asked, right), each answer counted once per competence.
        let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for a in answers {
            let mut seen = BTreeSet::new();
            for c in a.competences.iter().filter(|c| seen.insert(c.as_str())) {
                let e = tally.entry(c.as_str()).or_default();
                e.0 += 1;
                e.1 += usize::from(a.correct);
            }
        }
        shown.extend(
            tally
                .into_iter()
                .filter(|(_, (asked, right))| {
                    *asked >= MIN_QUESTIONS_PER_COMPETENCE && asked == right
                })
                .map(|(c, _)| c),
        );
    }
    shown
        .into_iter()
        .filter(|c| !wrong.contains(c))
        .map(str::to_owned)
        .collect()
}

/// What keeps a placement quiz from being able to show a competence on evidence: too few
/// questions drawn per competence, too few in the banks, or a `questions` count that does not
/// say how long the check is. Empty when the quiz is sound.
pub fn evidence_problems(course: &Course, quiz: &Quiz) -> Vec<String> {
    let Some(counts) = course.tag_counts(quiz) else {
        return vec![format!(
            "placement check \"{}\" draws from the whole bank: set per_competence = {MIN_QUESTIONS_PER_COMPETENCE} (or more) so every competence is asked often enough to show it",
            quiz.id
        )];
    };
    let mut out = Vec::new();
    let bank = course.quiz_bank(quiz);
    let mut drawn = 0;
    let mut too_few_asked = Vec::new();
    let mut too_few_written = Vec::new();
    for (tag, wanted) in &counts {
        let available = paper::eligible(bank, std::slice::from_ref(tag)).len();
        drawn += (*wanted).min(available);
        let Some(code) = tag.strip_prefix("competence-") else {
            continue;
        };
        if *wanted < MIN_QUESTIONS_PER_COMPETENCE {
            too_few_asked.push(format!("{code} ({wanted})"));
        } else if available < MIN_QUESTIONS_PER_COMPETENCE {
            too_few_written.push(format!("{code} ({available})"));
        }
    }
    if !too_few_asked.is_empty() {
        out.push(format!(
            "placement check \"{}\" asks fewer than {MIN_QUESTIONS_PER_COMPETENCE} questions of competences {}: it needs at least {MIN_QUESTIONS_PER_COMPETENCE} per competence to show one (per_competence = {MIN_QUESTIONS_PER_COMPETENCE}; docs/content-format.md, placement checks)",
            quiz.id,
            too_few_asked.join(", ")
        ));
    }
    if !too_few_written.is_empty() {
        out.push(format!(
            "the banks placement check \"{}\" draws from hold fewer than {MIN_QUESTIONS_PER_COMPETENCE} questions of competences {}: it can never show them",
            quiz.id,
            too_few_written.join(", ")
        ));
    }
    if quiz.questions != drawn {
        out.push(format!(
            "placement check \"{}\" says questions = {} but draws {drawn} ({} per competence): set questions = {drawn} so learners are told how long it is",
            quiz.id,
            quiz.questions,
            counts.first().map_or(0, |(_, n)| *n)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(c: &[&str], correct: bool) -> Answer {
        Answer {
            competences: c.iter().map(|s| (*s).to_owned()).collect(),
            correct,
        }
    }

    fn attempt(spec: &[(&str, usize, usize)]) -> Vec<Answer> {
        let mut out = Vec::new();
        for (c, asked, right) in spec {
            for k in 0..*asked {
                out.push(answer(&[c], k < *right));
            }
        }
        out
    }

    #[test]
    fn three_right_answers_in_a_well_answered_attempt_show_a_competence() {
        let shown = shown_competences(&[attempt(&[("4.1", 3, 3), ("4.2", 3, 2)])]);
        assert_eq!(shown, BTreeSet::from(["4.1".to_owned()]));
    }

    #[test]
    fn fewer_than_three_questions_show_nothing_even_when_all_right() {
        let shown = shown_competences(&[attempt(&[("4.1", 2, 2), ("4.2", 1, 1)])]);
        assert!(shown.is_empty());
    }

    #[test]
    fn an_attempt_less_than_two_thirds_right_shows_nothing() {
        // 3 + 0 + 0 + 1 = 4 of 12 right: the 4.1 run is luck, not evidence.
        let a = attempt(&[("4.1", 3, 3), ("4.2", 3, 0), ("1.1", 3, 0), ("2.1", 3, 1)]);
        assert!(shown_competences(&[a]).is_empty());
        // 8 of 12 right is two thirds: evidence.
        let a = attempt(&[("4.1", 3, 3), ("4.2", 3, 3), ("1.1", 3, 1), ("2.1", 3, 1)]);
        assert_eq!(
            shown_competences(&[a]),
            BTreeSet::from(["4.1".to_owned(), "4.2".to_owned()])
        );
    }

    #[test]
    fn a_wrong_answer_in_any_attempt_outweighs_a_later_lucky_one() {
        let first = attempt(&[("4.1", 3, 2), ("4.2", 3, 3)]);
        let second = attempt(&[("4.1", 3, 3), ("4.2", 3, 3)]);
        assert_eq!(
            shown_competences(&[first, second]),
            BTreeSet::from(["4.2".to_owned()])
        );
    }

    #[test]
    fn evidence_is_not_pooled_across_attempts() {
        // Two right answers in each of two attempts are never three in one.
        let a = attempt(&[("4.1", 2, 2)]);
        assert!(shown_competences(&[a.clone(), a]).is_empty());
    }

    #[test]
    fn a_question_of_two_competences_counts_once_for_each() {
        let a = vec![
            answer(&["4.1", "4.2"], true),
            answer(&["4.1", "4.1"], true),
            answer(&["4.1", "4.2"], true),
            answer(&["4.2"], true),
        ];
        assert_eq!(
            shown_competences(&[a]),
            BTreeSet::from(["4.1".to_owned(), "4.2".to_owned()])
        );
    }

    #[test]
    fn the_two_thirds_gate_is_exact() {
        assert!(attempt_counts(2, 3));
        assert!(!attempt_counts(1, 2));
        assert!(attempt_counts(28, 42));
        assert!(!attempt_counts(27, 42));
        assert!(!attempt_counts(0, 0));
    }
}
