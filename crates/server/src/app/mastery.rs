//! Mastery per competence, from the learner's graded answers: "m of the last n correct"
//! (Kolibri's rule, 4 of 5 by default) over practice and test answers, or shown by a placement
//! check on evidence (the course crate's `placement` rule: at least three questions of the
//! competence in one attempt, all right, in an attempt two-thirds right, and never a wrong
//! placement answer about it). Placement answers feed only the placement rule: counted in the
//! m-of-n window too, four lucky answers in a row would bypass it.

use hocvuso_assessment::grading::AttemptResult;
use hocvuso_assessment::mastery::{self, Answer, MasteryRule};
use hocvuso_course::{placement, Catalog, Course, QuizMode};
use hocvuso_store::{GradedResult, User};
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompetenceMastery {
    pub competence: String,
    pub title: String,
    pub answered: usize,
    pub correct_in_window: usize,
    pub window: usize,
    /// By the m-of-n rule or by the placement check.
    pub mastered: bool,
    /// Mastered through the placement check.
    pub by_placement: bool,
}

pub struct Summary {
    pub competences: Vec<CompetenceMastery>,
    /// Whether the learner has taken their group's placement check.
    pub placement_taken: bool,
}

impl Summary {
    pub fn mastered(&self, code: &str) -> bool {
        self.competences
            .iter()
            .any(|c| c.competence == code && c.mastered)
    }

    /// Whether a lesson of these competences can be skipped.
    pub fn can_skip(&self, competences: &[String]) -> bool {
        !competences.is_empty() && competences.iter().all(|c| self.mastered(c))
    }
}

pub async fn summary(state: &AppState, user: &User) -> Result<Summary, AppError> {
    let graded = state.store.graded_results_of(user.id).await?;
    Ok(summary_of(&state.catalog(), &graded))
}

/// The summary from graded attempts already read (a page that needs them for more than mastery
/// reads them once).
pub fn summary_of(catalog: &Catalog, graded: &[GradedResult]) -> Summary {
    let mut answers = Vec::new();
    // Each placement attempt's answers, for the placement rule.
    let mut placement_attempts: Vec<Vec<Answer>> = Vec::new();
    let mut placement_taken = false;
    for attempt in graded {
        let Some(course) = catalog.course(&attempt.course_id) else {
            continue;
        };
        let Some(quiz) = course.quiz(&attempt.quiz_id) else {
            continue;
        };
        let Some(Ok(result)) = attempt
            .result
            .as_deref()
            .map(serde_json::from_str::<AttemptResult>)
        else {
            continue;
        };
        let bank = course.quiz_bank(quiz);
        let is_placement = quiz.mode == QuizMode::Placement;
        placement_taken |= is_placement;
        let graded = result.questions.iter().filter_map(|q| {
            let question = bank
                .iter()
                .find(|b| b.id.as_deref() == Some(q.id.as_str()))?;
            Some(Answer {
                competences: mastery::competences(&question.tags),
                correct: q.correct,
            })
        });
        if is_placement {
            placement_attempts.push(graded.collect());
        } else {
            answers.extend(graded);
        }
    }
    let shown = placement::shown_competences(&placement_attempts);
    let by_rule = mastery::mastery(&answers, MasteryRule::default());
    let competences = catalog
        .framework
        .competences()
        .filter_map(|c| {
            let m = by_rule.iter().find(|m| m.competence == c.code);
            let by_placement = shown.contains(&c.code);
            m.map(|_| ()).or(by_placement.then_some(()))?;
            Some(CompetenceMastery {
                competence: c.code.clone(),
                title: c.title.clone(),
                answered: m.map_or(0, |m| m.answered),
                correct_in_window: m.map_or(0, |m| m.correct_in_window),
                window: m.map_or(0, |m| m.window),
                mastered: by_placement || m.is_some_and(|m| m.mastered),
                by_placement,
            })
        })
        .collect();
    Summary {
        competences,
        placement_taken,
    }
}

/// The lesson a learner should study next: the first not completed whose competences are not
/// all mastered; failing that, the first not completed.
pub fn next_lesson<'a>(
    course: &'a Course,
    completed: &std::collections::BTreeSet<String>,
    summary: &Summary,
) -> Option<&'a str> {
    let open = || course.lessons.iter().filter(|l| !completed.contains(&l.id));
    open()
        .find(|l| !summary.can_skip(&l.competences))
        .or_else(|| open().next())
        .map(|l| l.id.as_str())
}

/// A lesson the learner may skip: every competence it teaches is mastered and it is not done.
#[derive(Debug, Clone, Serialize)]
pub struct SkippableLesson {
    pub course_id: String,
    pub course_title: String,
    pub lesson_id: String,
    pub lesson_title: String,
    pub minutes: u32,
}

/// The lessons a learner may now skip, in the order of their group's path (every course when
/// they have no group): what a placement check's result lists.
pub async fn skippable(
    state: &AppState,
    catalog: &hocvuso_course::Catalog,
    user: &User,
    summary: &Summary,
) -> Result<Vec<SkippableLesson>, AppError> {
    let courses = match user.group.as_deref() {
        Some(g) if catalog.group(g).is_some() => catalog.courses_for_group(g),
        _ => catalog.all_courses(),
    };
    let records = state.store.learner_records(user.id).await?;
    let mut out = Vec::new();
    for course in courses {
        let done = records.get(&course.id).map(|r| &r.lessons_completed);
        for lesson in &course.lessons {
            if summary.can_skip(&lesson.competences)
                && !done.is_some_and(|d| d.contains(&lesson.id))
            {
                out.push(SkippableLesson {
                    course_id: course.id.clone(),
                    course_title: course.title.clone(),
                    lesson_id: lesson.id.clone(),
                    lesson_title: lesson.title.clone(),
                    minutes: lesson.minutes,
                });
            }
        }
    }
    Ok(out)
}
