use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use hocvuso_assessment::statistics::QuestionStatistics;

use crate::app::instructor;
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct StatisticsQuery {
    /// json (default) or csv.
    pub format: Option<String>,
}

/// Item statistics of a quiz for instructors (Moodle's definitions): facility index,
/// discrimination index, discriminative efficiency, option/response frequencies and flags for
/// weak questions, over each learner's first graded attempt.
#[utoipa::path(get, path = "/api/v1/instructor/courses/{course_id}/quizzes/{quiz_id}/statistics", tag = "instructor", security(("bearer" = [])), params(StatisticsQuery),
    responses((status = 200, description = "A list of per-question statistics (JSON) or, with format=csv, a CSV file", content(("application/json"), ("text/csv"))), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn statistics(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    q: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, AppError> {
    let (course_id, quiz_id) = path.into_inner();
    let stats = instructor::quiz_statistics(&state, &user.0, &course_id, &quiz_id).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(HttpResponse::Ok().json(stats)),
        "csv" => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{course_id}-{quiz_id}-statistics.csv\""),
            ))
            .body(statistics_csv(&stats)?)),
        _ => Err(AppError::bad_request("unknown_format")),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_default()
}

pub fn statistics_csv(stats: &[QuestionStatistics]) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "statistics CSV failed");
        AppError::internal()
    };
    w.write_record([
        "question_id",
        "attempts",
        "facility",
        "standard_deviation",
        "discrimination_index",
        "discriminative_efficiency",
        "unanswered",
        "flags",
    ])
    .map_err(fail)?;
    for s in stats {
        let flags: Vec<String> = s
            .flags
            .iter()
            .map(|f| {
                serde_json::to_value(f)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect();
        w.write_record([
            s.id.clone(),
            s.attempts.to_string(),
            format!("{:.1}", s.facility),
            opt(s.standard_deviation),
            opt(s.discrimination_index),
            opt(s.discriminative_efficiency),
            s.unanswered.to_string(),
            flags.join(" "),
        ])
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| fail(e.into_error().into()))
}

/// Essays waiting for a grade, oldest first (learners stay anonymous).
#[utoipa::path(get, path = "/api/v1/instructor/essays", tag = "instructor", security(("bearer" = [])),
    responses((status = 200, body = [crate::app::instructor::EssayItem]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn essays(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(instructor::essay_queue(&state, &user.0).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct GradeRequest {
    /// question id → {"fraction": 0–1, "comment": "…"}, for every essay of the attempt.
    pub grades: std::collections::BTreeMap<String, instructor::EssayGrade>,
}

/// Grades the essays of a submitted attempt; it is then graded as a whole.
#[utoipa::path(post, path = "/api/v1/instructor/attempts/{attempt_id}/grade", tag = "instructor", security(("bearer" = [])), request_body = GradeRequest,
    responses((status = 403, body = crate::error::ErrorBody, description = "not an instructor"), (status = 200, description = "Graded"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn grade(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<GradeRequest>,
) -> Result<HttpResponse, AppError> {
    instructor::grade_essays(&state, &user.0, &path, body.into_inner().grades).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"graded": true})))
}
