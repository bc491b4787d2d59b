//! Practice tasks through the JSON API: the same service as the pages (`app::practice`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use hocvuso_course::task::Answer;

use crate::app::practice as app;
use crate::auth::ApiUser;
use crate::error::AppError;
pub use crate::present::practice::{
    attempt_view, step_view, widget_name, AskView, GradeView, StepView, TaskAttemptView, TaskItem,
    WidgetView,
};
use crate::state::AppState;

/// A course's practice tasks with the caller's standing.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/tasks", operation_id = "list_tasks", tag = "practice", security(("bearer" = [])),
    responses((status = 200, body = [TaskItem]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn tasks(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog();
    let course = crate::app::learning::course(&catalog, &path)?;
    let record = state.store.learner_record(user.0.id, &course.id).await?;
    let rows = app::tasks_of(&state, &user.0, course, &record).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(TaskItem::from).collect::<Vec<_>>()))
}

/// Starts an attempt at a task, or resumes the open one.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/tasks/{task_id}/attempts", operation_id = "start_task_attempt", tag = "practice", security(("bearer" = [])),
    responses((status = 200, body = TaskAttemptView), (status = 404, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody, description = "too many attempts started in an hour")))]
pub async fn start(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (course_id, task_id) = path.into_inner();
    let attempt = app::start(&state, &user.0, &course_id, &task_id).await?;
    let catalog = state.catalog();
    let s = app::load(&state, &catalog, &user.0, &attempt.id).await?;
    Ok(HttpResponse::Ok().json(attempt_view(&s)))
}

/// A task attempt: the current step's screen and question, or the result.
#[utoipa::path(get, path = "/api/v1/task-attempts/{attempt_id}", operation_id = "get_task_attempt", tag = "practice", security(("bearer" = [])),
    responses((status = 200, body = TaskAttemptView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_attempt(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog();
    let s = app::load(&state, &catalog, &user.0, &path).await?;
    Ok(HttpResponse::Ok().json(attempt_view(&s)))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// The step answered (the current one).
    pub step: usize,
    /// `{"tap": n}`, `{"text": "…"}`, `{"choice": n}` or `{"order": [n, …]}`.
    #[schema(value_type = Object)]
    pub answer: Answer,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerResponse {
    pub correct: bool,
    pub feedback: String,
    pub attempt: TaskAttemptView,
    /// True when passing this task made the whole course complete.
    pub course_completed: bool,
    pub certificate_id: Option<String>,
}

/// Answers the current step. A wrong answer is recorded (it counts against the first try) and
/// the same step is asked again; a right one moves on; the last one finishes the attempt.
#[utoipa::path(post, path = "/api/v1/task-attempts/{attempt_id}/answers", operation_id = "answer_task_step", tag = "practice", security(("bearer" = [])),
    request_body = AnswerRequest,
    responses((status = 200, body = AnswerResponse), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "not the current step, or the attempt is finished"),
        (status = 422, body = crate::error::ErrorBody, description = "an answer of another kind, or naming nothing on the screen")))]
pub async fn answer(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let catalog = state.catalog();
    let done = app::answer(&state, &catalog, &user.0, &path, body.step, body.answer).await?;
    Ok(HttpResponse::Ok().json(AnswerResponse {
        correct: done.grade.correct,
        feedback: done.grade.feedback.clone(),
        attempt: attempt_view(&done.state),
        course_completed: done.completion.is_some(),
        certificate_id: done.completion.map(|c| c.certificate_id),
    }))
}
