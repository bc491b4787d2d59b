//! What instructors read: item statistics of a quiz (Moodle's definitions, computed by the
//! assessment crate over each learner's first graded attempt).

use std::collections::{BTreeMap, HashSet};

use hocvuso_assessment::grading::{self, AttemptResult, ManualGrade, ManualGradeError};
use hocvuso_assessment::paper::Paper;
use hocvuso_assessment::statistics::{self, QuestionStatistics, Thresholds};
use hocvuso_course::{Catalog, Course, Quiz};
use hocvuso_store::{Attempt, GradedBy, User};
use serde_json::Value;

use crate::app::evidence::{record_outcome, Assessed, GradedAttempt, Outcome};
use crate::auth::{ROLE_ADMIN, ROLE_INSTRUCTOR};
use crate::error::AppError;
use crate::state::AppState;

pub fn require_instructor(user: &User) -> Result<(), AppError> {
    if user.has_role(ROLE_INSTRUCTOR) || user.has_role(ROLE_ADMIN) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

pub async fn quiz_statistics(
    state: &AppState,
    user: &User,
    course_id: &str,
    quiz_id: &str,
) -> Result<Vec<QuestionStatistics>, AppError> {
    let catalog = state.catalog();
    require_instructor(user)?;
    let course = catalog.course(course_id).ok_or_else(AppError::not_found)?;
    let quiz = course.quiz(quiz_id).ok_or_else(AppError::not_found)?;
    let bank = course.quiz_bank(quiz);
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    for (attempt, answers) in state.store.graded_attempts(&course.id, &quiz.id).await? {
        // Moodle's default: each learner's first attempt only.
        if !seen.insert(attempt.user_id) {
            continue;
        }
        let (Some(Ok(result)), Ok(answers)) = (
            attempt
                .result
                .as_deref()
                .map(serde_json::from_str::<AttemptResult>),
            serde_json::from_str::<BTreeMap<String, Value>>(&answers),
        ) else {
            tracing::warn!(attempt = %attempt.id, "unreadable attempt left out of statistics");
            continue;
        };
        records.push(statistics::record(&attempt.paper, bank, &answers, &result));
    }
    Ok(statistics::item_statistics(
        bank,
        &records,
        &Thresholds::default(),
    ))
}

/// One essay waiting in the grading queue. Learners stay anonymous to the grader.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EssayItem {
    pub attempt_id: String,
    pub course_id: String,
    pub course_title: String,
    pub quiz_id: String,
    pub question_id: String,
    /// Sanitised HTML of the question.
    pub question: String,
    pub answer: String,
}

pub async fn essay_queue(state: &AppState, user: &User) -> Result<Vec<EssayItem>, AppError> {
    require_instructor(user)?;
    let mut out = Vec::new();
    let catalog = state.catalog();
    for (attempt, answers) in state.store.attempts_awaiting_grading().await? {
        if let Some(waiting) = Waiting::of(&catalog, &attempt, &answers) {
            out.extend(waiting.items(&attempt));
        }
    }
    Ok(out)
}

/// A submitted attempt whose essays wait for a grade, read against the content it was drawn
/// from. None when its course or quiz is gone (left out of the queue).
struct Waiting<'a> {
    course: &'a Course,
    quiz: &'a Quiz,
    paper: &'a Paper,
    answers: BTreeMap<String, Value>,
}

impl<'a> Waiting<'a> {
    fn of(catalog: &'a Catalog, attempt: &'a Attempt, answers: &str) -> Option<Self> {
        let course = catalog.course(&attempt.course_id)?;
        let quiz = course.quiz(&attempt.quiz_id)?;
        Some(Self {
            course,
            quiz,
            paper: &attempt.paper,
            answers: serde_json::from_str(answers).unwrap_or_default(),
        })
    }

    /// The essays waiting for a grade, in paper order: those with something written (an
    /// attempt submitted before blank essays were graded at once may have only blank ones: then
    /// all of them, so it can still be graded).
    fn essays(&self) -> Vec<&str> {
        let bank = self.course.quiz_bank(self.quiz);
        let written = grading::awaiting_grade(self.paper, bank, &self.answers);
        if written.is_empty() {
            grading::graded_by_hand(self.paper, bank)
        } else {
            written
        }
    }

    fn items(&self, attempt: &Attempt) -> Vec<EssayItem> {
        let bank = self.course.quiz_bank(self.quiz);
        self.essays()
            .into_iter()
            .filter_map(|id| bank.iter().find(|q| q.id.as_deref() == Some(id)))
            .filter_map(|q| q.id.as_deref().map(|id| (id, q)))
            .map(|(id, q)| EssayItem {
                attempt_id: attempt.id.clone(),
                course_id: self.course.id.clone(),
                course_title: self.course.title.clone(),
                quiz_id: self.quiz.id.clone(),
                question_id: id.to_owned(),
                question: crate::render::text_html(&q.text),
                answer: self
                    .answers
                    .get(id)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
            .collect()
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct EssayGrade {
    /// 0–1.
    pub fraction: f64,
    #[serde(default)]
    pub comment: String,
}

/// Grades every essay of a submitted attempt; the attempt is then graded (passed or not) and may
/// complete the learner's course and earn their path certificate, through the one evidence
/// pipeline.
pub async fn grade_essays(
    state: &AppState,
    user: &User,
    attempt_id: &str,
    grades: BTreeMap<String, EssayGrade>,
) -> Result<(), AppError> {
    require_instructor(user)?;
    if attempt_id.len() > 64 {
        return Err(AppError::not_found());
    }
    let (attempt, answers) = state
        .store
        .attempt_awaiting_grading(attempt_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let catalog = state.catalog();
    let waiting = Waiting::of(&catalog, &attempt, &answers).ok_or_else(AppError::not_found)?;
    let essays = waiting.essays();
    if essays.is_empty() {
        return Err(AppError::not_found());
    }
    let machine: AttemptResult = attempt
        .result
        .as_deref()
        .ok_or("no result")
        .and_then(|r| serde_json::from_str(r).map_err(|_| "unreadable result"))
        .map_err(|cause| {
            tracing::error!(attempt = %attempt.id, cause, "a submitted attempt has no readable result");
            AppError::internal()
        })?;
    let manual: BTreeMap<String, ManualGrade> = grades
        .iter()
        .map(|(id, g)| {
            (
                id.clone(),
                ManualGrade {
                    fraction: g.fraction,
                    comment: g.comment.clone(),
                },
            )
        })
        .collect();
    let result = grading::apply_manual(&machine, &essays, &manual).map_err(|e| match e {
        ManualGradeError::Mismatch => AppError::unprocessable("essays_ungraded"),
        ManualGradeError::OutOfRange(_) => AppError::unprocessable("invalid_grade"),
    })?;
    let learner = state
        .store
        .user_by_id(attempt.user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let step = serde_json::json!({"grader": user.id, "grades": manual}).to_string();
    record_outcome(
        state,
        &learner,
        waiting.course,
        Outcome::Graded(GradedAttempt {
            attempt: &attempt,
            assessed: Assessed::Quiz(waiting.quiz),
            by: GradedBy::Instructor { step },
            result,
            pending: false,
        }),
    )
    .await?;
    // The learner is told: the result page now shows the grade.
    if let Err(e) = state
        .store
        .notify_graded(learner.id, &waiting.course.id, state.clock.now())
        .await
    {
        tracing::warn!(attempt = attempt_id, error = %e, "could not notify a graded essay");
    }
    tracing::info!(attempt = attempt_id, grader = user.id, "essays graded");
    Ok(())
}
