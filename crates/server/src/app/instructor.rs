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
