//! What instructors read: item statistics of a quiz (Moodle's definitions, computed by the
//! assessment crate over each learner's first graded attempt).

use std::collections::{BTreeMap, HashSet};

use hocvuso_assessment::grading::AttemptResult;
use hocvuso_assessment::paper::Paper;
use hocvuso_assessment::statistics::{self, QuestionStatistics, Thresholds};
use hocvuso_store::User;
use serde_json::Value;

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
    require_instructor(user)?;
    let course = state
        .catalog
        .course(course_id)
        .ok_or_else(AppError::not_found)?;
    let quiz = course.quiz(quiz_id).ok_or_else(AppError::not_found)?;
    let bank = course.quiz_bank(quiz);
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    for (attempt, answers) in state.store.graded_attempts(&course.id, &quiz.id).await? {
        // Moodle's default: each learner's first attempt only.
        if !seen.insert(attempt.user_id) {
            continue;
        }
        let (Ok(paper), Some(Ok(result)), Ok(answers)) = (
            serde_json::from_str::<Paper>(&attempt.paper),
            attempt
                .result
                .as_deref()
                .map(serde_json::from_str::<AttemptResult>),
            serde_json::from_str::<BTreeMap<String, Value>>(&answers),
        ) else {
            tracing::warn!(attempt = %attempt.id, "unreadable attempt left out of statistics");
            continue;
        };
        records.push(statistics::record(&paper, bank, &answers, &result));
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
    for (attempt, answers) in state.store.attempts_awaiting_grading().await? {
        let Some(course) = state.catalog.course(&attempt.course_id) else {
            continue;
        };
        let Some(quiz) = course.quiz(&attempt.quiz_id) else {
            continue;
        };
        let Ok(paper) = serde_json::from_str::<Paper>(&attempt.paper) else {
            continue;
        };
        let answers: BTreeMap<String, Value> = serde_json::from_str(&answers).unwrap_or_default();
        for pq in &paper.questions {
            let Some(q) = course
                .quiz_bank(quiz)
                .iter()
                .find(|q| q.id.as_deref() == Some(pq.id.as_str()))
            else {
                continue;
            };
            if matches!(q.kind, hocvuso_assessment::model::QuestionKind::Essay) {
                out.push(EssayItem {
                    attempt_id: attempt.id.clone(),
                    course_id: course.id.clone(),
                    course_title: course.title.clone(),
                    quiz_id: quiz.id.clone(),
                    question_id: pq.id.clone(),
                    question: crate::render::text_html(&q.text),
                    answer: answers
                        .get(&pq.id)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct EssayGrade {
    /// 0–1.
    pub fraction: f64,
    #[serde(default)]
    pub comment: String,
}

/// Grades every essay of a submitted attempt; the attempt is then graded (passed or not) and may
/// complete the learner's course.
pub async fn grade_essays(
    state: &AppState,
    user: &User,
    attempt_id: &str,
    grades: BTreeMap<String, EssayGrade>,
) -> Result<(), AppError> {
    require_instructor(user)?;
    let queue = essay_queue(state, user).await?;
    let essays: Vec<&EssayItem> = queue
        .iter()
        .filter(|e| e.attempt_id == attempt_id)
        .collect();
    let first = essays.first().ok_or_else(AppError::not_found)?;
    if essays.iter().any(|e| !grades.contains_key(&e.question_id))
        || grades
            .keys()
            .any(|k| !essays.iter().any(|e| &e.question_id == k))
    {
        return Err(AppError::unprocessable("essays_ungraded"));
    }
    if grades
        .values()
        .any(|g| !(0.0..=1.0).contains(&g.fraction) || !g.fraction.is_finite())
    {
        return Err(AppError::unprocessable("invalid_grade"));
    }
    let course = state
        .catalog
        .course(&first.course_id)
        .ok_or_else(AppError::not_found)?;
    let quiz = course
        .quiz(&first.quiz_id)
        .ok_or_else(AppError::not_found)?;
    let attempt = state
        .store
        .attempts_awaiting_grading()
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .find(|a| a.id == attempt_id)
        .ok_or_else(AppError::not_found)?;
    let mut result: AttemptResult = attempt
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .ok_or_else(AppError::internal)?;
    for q in &mut result.questions {
        if let Some(g) = grades.get(&q.id) {
            q.fraction = g.fraction;
            q.correct = g.fraction >= 0.9999;
            if !g.comment.trim().is_empty() {
                q.feedback.insert(
                    0,
                    hocvuso_assessment::model::Text::new(
                        hocvuso_assessment::model::TextFormat::Plain,
                        g.comment.trim(),
                    ),
                );
            }
        }
    }
    let n = result.questions.len().max(1) as f64;
    let score =
        (result.questions.iter().map(|q| q.fraction).sum::<f64>() / n * 1000.0).round() / 10.0;
    result.score_percent = score;
    let passed = score >= f64::from(quiz.pass_percent);
    let learner = state
        .store
        .user_by_id(attempt.user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let course_score = if passed {
        crate::app::learning::course_score(state, &learner, course, Some((&quiz.id, score))).await?
    } else {
        None
    };
    let now = state.clock.now();
    let (signed, path) = if passed {
        (
            crate::app::evidence::sign_course(state, &learner, course, now, None).await?,
            // A pass of the group's final quiz arriving only now, at grading time, earns the
            // path certificate now, in the grading transaction.
            crate::app::evidence::path_award(state, &learner, course, quiz, passed, now).await?,
        )
    } else {
        (None, None)
    };
    let step = serde_json::json!({"grader": user.id, "grades": grades.iter().map(|(k, g)| (k.clone(), serde_json::json!({"fraction": g.fraction, "comment": g.comment}))).collect::<serde_json::Map<_, _>>()});
    state
        .store
        .grade_submitted_attempt(
            attempt_id,
            hocvuso_store::Submission {
                answers: String::new(),
                result: serde_json::to_string(&result).map_err(|_| AppError::internal())?,
                score_percent: score,
                passed,
                at: now,
                needs_grading: false,
                path,
            },
            &step.to_string(),
            |record: &hocvuso_course::LearnerRecord| {
                let mut record = record.clone();
                if passed {
                    record.quizzes_passed.insert(quiz.id.clone());
                }
                crate::app::learning::completion_rule(state, &learner, course, course_score, signed)(
                    &record,
                )
            },
        )
        .await?;
    tracing::info!(attempt = attempt_id, grader = user.id, "essays graded");
    Ok(())
}
