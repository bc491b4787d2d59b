//! Instructors' question search through the JSON API: the same service as the page
//! (`app::question_search`).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::question_search as app;
use crate::app::question_search::QuestionResults;
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct QuestionSearchParams {
    /// Words every question found must hold in its text, feedback or tags (1 to 500
    /// characters, with or without diacritics).
    #[serde(default)]
    pub q: String,
}

/// Finds questions of every published course's bank by text, feedback or tag, without
/// diacritics; instructors and administrators only.
#[utoipa::path(get, path = "/api/v1/instructor/questions/search", operation_id = "search_questions", tag = "instructor", security(("bearer" = [])),
    params(QuestionSearchParams),
    responses((status = 200, body = QuestionResults),
        (status = 400, body = crate::error::ErrorBody, description = "empty, too long, HTML or no words: query_empty, query_too_long, query_markup, query_no_words"),
        (status = 403, body = crate::error::ErrorBody, description = "not an instructor")))]
pub async fn search(
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<QuestionSearchParams>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(app::find(&state, &user.0, &params.q).await?))
}
