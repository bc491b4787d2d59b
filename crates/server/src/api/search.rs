//! Search and the assistant through the JSON API: the same service as the pages
//! (`app::search`).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::search as app;
pub use crate::app::search::{AssistantView, ResultView};
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// What to look for, in the learner's words (1 to 500 characters, with or without
    /// diacritics).
    #[serde(default)]
    pub q: String,
}

/// Searches the lessons (by section), practice tasks, question explanations and FAQ of the
/// courses the caller may see.
#[utoipa::path(get, path = "/api/v1/search", operation_id = "search", tag = "search", security(("bearer" = [])),
    params(SearchParams),
    responses((status = 200, body = [ResultView]),
        (status = 400, body = crate::error::ErrorBody, description = "empty, too long, HTML or no words: query_empty, query_too_long, query_markup, query_no_words")))]
pub async fn search(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let hits = app::search(&state, &user.0, &params.q).await?;
    Ok(HttpResponse::Ok().json(hits))
}

#[derive(Deserialize, ToSchema)]
pub struct AskRequest {
    /// The question, in the learner's words (1 to 500 characters).
    pub question: String,
}

/// Asks the assistant ("Hỏi đáp"): up to three passages quoted from the curriculum or the FAQ
/// with links, or no answer and the caller's mentor. Rate-limited per learner.
#[utoipa::path(post, path = "/api/v1/assistant", operation_id = "ask_assistant", tag = "search", security(("bearer" = [])),
    request_body = AskRequest,
    responses((status = 200, body = AssistantView),
        (status = 400, body = crate::error::ErrorBody, description = "empty, too long, HTML or no words"),
        (status = 429, body = crate::error::ErrorBody, description = "too many questions in a short time")))]
pub async fn ask(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<AskRequest>,
) -> Result<HttpResponse, AppError> {
    let reply = app::ask(&state, &user.0, &body.question).await?;
    Ok(HttpResponse::Ok().json(reply))
}

/// The caller's next step ("Học tiếp") and a few more, each with the reason: assigned and due
/// soonest, then their path in order, then competences not yet mastered (`app::next`).
#[utoipa::path(get, path = "/api/v1/me/next", operation_id = "my_next_step", tag = "search", security(("bearer" = [])),
    responses((status = 200, body = crate::app::next::NextView)))]
pub async fn next(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(crate::app::next::next_for(&state, &user.0).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct GoalRequest {
    /// `lessons` (1 to 50 a week) or `minutes` (5 to 1200 a week, the lessons' stated minutes).
    pub kind: String,
    pub target: i32,
}

/// The caller's weekly goal with this week's progress (Monday to Sunday, Vietnam's time).
#[utoipa::path(get, path = "/api/v1/me/goal", operation_id = "my_weekly_goal", tag = "search", security(("bearer" = [])),
    responses((status = 200, body = crate::app::next::GoalView),
        (status = 404, body = crate::error::ErrorBody, description = "no weekly goal set")))]
pub async fn goal(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    match crate::app::next::goal_for(&state, &user.0).await? {
        Some(goal) => Ok(HttpResponse::Ok().json(goal)),
        None => Err(AppError::not_found()),
    }
}

/// Sets (or replaces) the caller's weekly goal: lessons or minutes per week. No streaks:
/// each week is counted afresh.
#[utoipa::path(put, path = "/api/v1/me/goal", operation_id = "set_my_weekly_goal", tag = "search", security(("bearer" = [])),
    request_body = GoalRequest,
    responses((status = 200, body = crate::app::next::GoalView),
        (status = 400, body = crate::error::ErrorBody, description = "an unknown kind or a target out of bounds: goal_invalid")))]
pub async fn set_goal(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<GoalRequest>,
) -> Result<HttpResponse, AppError> {
    let goal = crate::app::next::set_goal(&state, &user.0, &body.kind, body.target).await?;
    Ok(HttpResponse::Ok().json(goal))
}

/// Removes the caller's weekly goal (also when there was none).
#[utoipa::path(delete, path = "/api/v1/me/goal", operation_id = "remove_my_weekly_goal", tag = "search", security(("bearer" = [])),
    responses((status = 204, description = "no weekly goal any more")))]
pub async fn clear_goal(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    crate::app::next::clear_goal(&state, &user.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
