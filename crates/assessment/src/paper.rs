//! Drawing an attempt's questions ("the paper") and showing them to the learner.
//!
//! A [`Paper`] is what an attempt stores next to its answers: which bank questions were drawn, in
//! which order, and under which per-attempt ids their options were shown. It refers to bank
//! questions by their stable `[id:...]` and to options by index, so it stays small and the answer
//! key never leaves the bank. Everything the learner sees before submitting comes from
//! [`present`], which copies texts only: no fractions, no feedback, and option ids that are random
//! per attempt, so neither the ids nor their order can give the key away.
//!
//! Randomness is passed in (`rng`) so that callers decide where it comes from and tests can seed it;
//! this crate never reads the clock or the environment.

use std::collections::HashSet;

use rand::seq::{index, SliceRandom};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::model::{Question, QuestionKind, Text, TextFormat};

/// How a quiz draws its questions (`questions`, `draw` and `shuffle` in `course.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DrawRule {
    /// How many questions an attempt gets.
    pub count: usize,
    /// Draw from bank questions carrying any of these tags; empty means the whole bank.
    pub tags: Vec<String>,
    /// Shuffle question order and option order per attempt.
    pub shuffle: bool,
}

/// The questions of one attempt, in the order the learner sees them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Paper {
    pub questions: Vec<PaperQuestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperQuestion {
    /// The bank question's `[id:...]`.
    pub id: String,
    /// Choice: every option, in the order shown. Matching: one per distinct right-hand text.
    /// Ordering: every item, in the (shuffled) order first shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PaperOption>,
    /// Matching: one per item to match (pairs with a left-hand side), in the order shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<PaperOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperOption {
    /// The attempt's own id for this option: random, unique within the paper, unrelated to the key.
    pub id: String,
    /// Index into the bank question's `options` (Choice), `pairs` (Matching, either side; for
    /// the right side the first pair with that right-hand text) or `items` (Ordering).
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error(
        "the quiz wants {wanted} questions but the bank has only {available} that can be drawn"
    )]
    NotEnoughQuestions { wanted: usize, available: usize },
}

/// The bank questions a quiz may draw: those with an id (a paper refers to questions by id), that
/// the platform grades itself (not descriptions or essays), carrying any of `tags` (empty = all).
/// When two questions share an id only the first counts, as everywhere else an id is looked up.
pub fn eligible<'a>(bank: &'a [Question], tags: &[String]) -> Vec<&'a Question> {
    let mut seen = HashSet::new();
    bank.iter()
        .filter(|q| q.is_auto_graded())
        .filter(|q| tags.is_empty() || q.tags.iter().any(|t| tags.contains(t)))
        .filter(|q| q.id.as_ref().is_some_and(|id| seen.insert(id.as_str())))
        .collect()
}

/// Draws `rule.count` different questions. With `rule.shuffle` the question order and each
/// question's option order are random; without it both follow the bank (the author's order).
/// The right-hand side of a matching question and the items of an ordering question are shuffled
/// either way, because in the author's order they would show the key.
pub fn draw(bank: &[Question], rule: &DrawRule, rng: &mut impl Rng) -> Result<Paper, DrawError> {
    draw_from(eligible(bank, &rule.tags), rule, rng)
}

/// The questions a quiz that asks for essays may draw: [`eligible`] plus essays (which an
/// instructor grades from a queue after submission).
pub fn eligible_with_essays<'a>(bank: &'a [Question], tags: &[String]) -> Vec<&'a Question> {
    let mut seen = HashSet::new();
    bank.iter()
        .filter(|q| q.is_auto_graded() || matches!(q.kind, QuestionKind::Essay))
        .filter(|q| tags.is_empty() || q.tags.iter().any(|t| tags.contains(t)))
        .filter(|q| q.id.as_ref().is_some_and(|id| seen.insert(id.as_str())))
        .collect()
}

/// Like [`draw`], with essays among the questions that may be drawn.
pub fn draw_with_essays(
    bank: &[Question],
    rule: &DrawRule,
    rng: &mut impl Rng,
) -> Result<Paper, DrawError> {
    draw_from(eligible_with_essays(bank, &rule.tags), rule, rng)
}

fn draw_from(
    pool: Vec<&Question>,
    rule: &DrawRule,
    rng: &mut impl Rng,
) -> Result<Paper, DrawError> {
    if rule.count > pool.len() {
        return Err(DrawError::NotEnoughQuestions {
            wanted: rule.count,
            available: pool.len(),
        });
    }
    let mut chosen = index::sample(rng, pool.len(), rule.count).into_vec();
    if rule.shuffle {
        chosen.shuffle(rng);
    } else {
        chosen.sort_unstable();
    }
    let mut ids = HashSet::new();
    let questions = chosen
        .into_iter()
        .filter_map(|k| {
            let question = pool[k];
            let id = question.id.clone()?;
            let mut options = Vec::new();
            let mut left = Vec::new();
            match &question.kind {
                QuestionKind::Choice { options: all, .. } => {
                    let mut order: Vec<usize> = (0..all.len()).collect();
                    if rule.shuffle {
                        order.shuffle(rng);
                    }
                    options = order
                        .into_iter()
                        .map(|index| PaperOption {
                            id: fresh_id(rng, &mut ids),
                            index,
                        })
                        .collect();
                }
                QuestionKind::Matching { pairs } => {
                    let mut items: Vec<usize> = (0..pairs.len())
                        .filter(|&i| !pairs[i].left.text.is_empty())
                        .collect();
                    if rule.shuffle {
                        items.shuffle(rng);
                    }
                    left = items
                        .into_iter()
                        .map(|index| PaperOption {
                            id: fresh_id(rng, &mut ids),
                            index,
                        })
                        .collect();
                    let mut answers = distinct_rights(pairs);
                    answers.shuffle(rng);
                    options = answers
                        .into_iter()
                        .map(|index| PaperOption {
                            id: fresh_id(rng, &mut ids),
                            index,
                        })
                        .collect();
                }
                QuestionKind::Ordering { items, .. } => {
                    let mut order: Vec<usize> = (0..items.len()).collect();
                    order.shuffle(rng);
                    options = order
                        .into_iter()
                        .map(|index| PaperOption {
                            id: fresh_id(rng, &mut ids),
                            index,
                        })
                        .collect();
                }
                _ => {}
            }
            Some(PaperQuestion { id, options, left })
        })
        .collect();
    Ok(Paper { questions })
}

/// For each distinct right-hand text of a matching question, the first pair carrying it.
fn distinct_rights(pairs: &[crate::model::MatchPair]) -> Vec<usize> {
    let mut seen = HashSet::new();
    (0..pairs.len())
        .filter(|&i| seen.insert(pairs[i].right.as_str()))
        .collect()
}

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Eight random lowercase alphanumerics, not yet used on this paper.
fn fresh_id(rng: &mut impl Rng, used: &mut HashSet<String>) -> String {
    loop {
        let id: String = (0..8)
            .map(|_| char::from(ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())]))
            .collect();
        if used.insert(id.clone()) {
            return id;
        }
    }
}

/// The bank question a paper question refers to, if it still fits the paper. Content may change
/// after an attempt started; a question whose id is gone, which changed type, or whose options no
/// longer line up with the paper cannot be shown or graded fairly, so callers leave it out.
pub(crate) fn resolve<'a>(
    paper_question: &PaperQuestion,
    bank: &'a [Question],
) -> Option<&'a Question> {
    let question = bank
        .iter()
        .find(|q| q.id.as_deref() == Some(paper_question.id.as_str()))?;
    let is_permutation = |shown: &[PaperOption], expected: Vec<usize>| {
        let mut shown: Vec<usize> = shown.iter().map(|o| o.index).collect();
        shown.sort_unstable();
        shown == expected
    };
    let fits = match &question.kind {
        QuestionKind::Description => false,
        // Essays are drawn only by quizzes that ask for them (see `draw_with_essays`).
        QuestionKind::Essay => paper_question.options.is_empty() && paper_question.left.is_empty(),
        QuestionKind::Choice { options, .. } => {
            paper_question.left.is_empty()
                && is_permutation(&paper_question.options, (0..options.len()).collect())
        }
        QuestionKind::Matching { pairs } => {
            let items = (0..pairs.len())
                .filter(|&i| !pairs[i].left.text.is_empty())
                .collect();
            is_permutation(&paper_question.left, items)
                && is_permutation(&paper_question.options, distinct_rights(pairs))
        }
        QuestionKind::Ordering { items, .. } => {
            paper_question.left.is_empty()
                && is_permutation(&paper_question.options, (0..items.len()).collect())
        }
        QuestionKind::TrueFalse { .. }
        | QuestionKind::ShortAnswer { .. }
        | QuestionKind::Numerical { .. }
        | QuestionKind::Hotspot { .. } => {
            paper_question.options.is_empty() && paper_question.left.is_empty()
        }
    };
    fits.then_some(question)
}

/// A question as the learner sees it before submitting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentedQuestion {
    pub id: String,
    /// [`Question::type_key`].
    pub r#type: &'static str,
    pub title: Option<String>,
    pub text: Text,
    /// Choice: the options. Matching: the right-hand answers to pick from. Otherwise empty.
    pub options: Vec<PresentedOption>,
    /// Matching: the items to match. Otherwise empty.
    pub left: Vec<PresentedOption>,
    /// Hotspot: the image to tap on (never its regions). Otherwise `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<PresentedImage>,
}

/// The image of a hotspot question: the answer is a tap `{"x": .., "y": ..}` in these pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresentedImage {
    /// Path inside the course folder, as authored (`media/zalo.png`).
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    /// The named places a learner may choose instead of tapping, in authored order (answer
    /// with `{"place": index}`); never where the regions are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresentedOption {
    pub id: String,
    pub text: Text,
}

/// What the learner sees of a paper, in paper order. True/false, short-answer and numerical
/// questions have no options: the answer is a bool, a string or a number. Ordering questions show
/// their items as `options`, shuffled; hotspot questions show an `image` and no options. Questions
/// that no longer fit the bank (see [`Paper`]) are left out.
pub fn present(paper: &Paper, bank: &[Question]) -> Vec<PresentedQuestion> {
    paper
        .questions
        .iter()
        .filter_map(|paper_question| {
            let question = resolve(paper_question, bank)?;
            let mut options = Vec::new();
            let mut left = Vec::new();
            let mut image = None;
            match &question.kind {
                QuestionKind::Choice { options: all, .. } => {
                    options = paper_question
                        .options
                        .iter()
                        .map(|o| PresentedOption {
                            id: o.id.clone(),
                            text: all[o.index].text.clone(),
                        })
                        .collect();
                }
                QuestionKind::Ordering { items, .. } => {
                    options = paper_question
                        .options
                        .iter()
                        .map(|o| PresentedOption {
                            id: o.id.clone(),
                            text: items[o.index].clone(),
                        })
                        .collect();
                }
                QuestionKind::Hotspot {
                    image: src,
                    width,
                    height,
                    alt,
                    places,
                    ..
                } => {
                    image = Some(PresentedImage {
                        src: src.clone(),
                        width: *width,
                        height: *height,
                        alt: alt.clone(),
                        places: places.iter().map(|p| p.label.clone()).collect(),
                    });
                }
                QuestionKind::Matching { pairs } => {
                    left = paper_question
                        .left
                        .iter()
                        .map(|o| PresentedOption {
                            id: o.id.clone(),
                            text: pairs[o.index].left.clone(),
                        })
                        .collect();
                    options = paper_question
                        .options
                        .iter()
                        .map(|o| PresentedOption {
                            id: o.id.clone(),
                            text: Text::new(TextFormat::Plain, pairs[o.index].right.clone()),
                        })
                        .collect();
                }
                _ => {}
            }
            Some(PresentedQuestion {
                id: paper_question.id.clone(),
                r#type: question.type_key(),
                title: question.title.clone(),
                text: question.text.clone(),
                options,
                left,
                image,
            })
        })
        .collect()
}

/// Draws up to `count` questions for each tag, never the same question twice, then builds the
/// paper as [`draw`] does (a placement check draws a few questions per competence this way). A
/// tag with fewer eligible questions than asked gives what it has.
pub fn draw_per_tag(
    bank: &[Question],
    counts: &[(String, usize)],
    shuffle: bool,
    rng: &mut impl Rng,
) -> Result<Paper, DrawError> {
    let mut taken: HashSet<&str> = HashSet::new();
    let mut chosen: Vec<Question> = Vec::new();
    for (tag, count) in counts {
        let pool: Vec<&Question> = eligible(bank, std::slice::from_ref(tag))
            .into_iter()
            .filter(|q| q.id.as_deref().is_some_and(|id| !taken.contains(id)))
            .collect();
        let n = (*count).min(pool.len());
        for k in index::sample(rng, pool.len(), n).into_vec() {
            if let Some(id) = pool[k].id.as_deref() {
                taken.insert(id);
                chosen.push(pool[k].clone());
            }
        }
    }
    let rule = DrawRule {
        count: chosen.len(),
        tags: Vec::new(),
        shuffle,
    };
    draw(&chosen, &rule, rng)
}
