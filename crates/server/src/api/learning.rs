use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use hocvuso_assessment::paper::PresentedQuestion;
use hocvuso_course::Course;

use crate::app::learning as app;
use crate::auth::session::authenticate;
use crate::auth::ApiUser;
use crate::error::AppError;
pub use crate::present::learning::{
    question_views, stored_result, submit_response, ImageView, OptionView, QuestionResultView,
    QuestionView, SubmitResponse,
};
use crate::present::media_url;
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Serialize, ToSchema)]
pub struct CourseSummary {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub groups: Vec<String>,
    pub competences: Vec<String>,
    pub level: u8,
    pub minutes: u32,
}

impl From<&Course> for CourseSummary {
    fn from(c: &Course) -> Self {
        Self {
            id: c.id.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            groups: c.groups.clone(),
            competences: c.competences.clone(),
            level: c.level,
            minutes: c.minutes,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CoursesQuery {
    /// A group id, or `all`. Default: the caller's group.
    pub group: Option<String>,
}

/// The catalog: the caller's group's courses, in the group's recommended order.
#[utoipa::path(get, path = "/api/v1/courses", tag = "learning", params(CoursesQuery),
    responses((status = 200, body = [CourseSummary]), (status = 401, body = crate::error::ErrorBody, description = "no group given and not signed in")))]
pub async fn courses(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<CoursesQuery>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog();
    let group = match &q.group {
        Some(g) => g.clone(),
        None => {
            let session = authenticate(&req, true)
                .await?
                .ok_or_else(AppError::unauthorized)?;
            session.user.group.unwrap_or_else(|| "all".into())
        }
    };
    let list = if group == "all" {
        catalog.all_courses()
    } else {
        catalog
            .group(&group)
            .ok_or_else(|| AppError::bad_request("unknown_group"))?;
        catalog.courses_for_group(&group)
    };
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(CourseSummary::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct LessonItem {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub completed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct QuizItem {
    pub id: String,
    pub title: String,
    pub questions: usize,
    pub pass_percent: u8,
    pub max_attempts: u32,
    pub passed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub summary: CourseSummary,
    pub lessons: Vec<LessonItem>,
    pub quizzes: Vec<QuizItem>,
    /// Practice tasks with the caller's standing.
    pub tasks: Vec<crate::api::practice::TaskItem>,
    pub completed: bool,
    pub certificate_id: Option<String>,
}

/// One course with the caller's progress in it.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}", tag = "learning", security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn course(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog();
    let course = app::course(&catalog, &path)?;
    let (status, record) = app::status(&state, &user.0, course).await?;
    let certificate_id = app::certificate_id(&state, &user.0, &course.id).await?;
    let tasks = crate::app::practice::tasks_of(&state, &user.0, course, &record).await?;
    Ok(HttpResponse::Ok().json(CourseDetail {
        tasks: tasks.iter().map(Into::into).collect(),
        summary: course.into(),
        lessons: course
            .lessons
            .iter()
            .map(|l| LessonItem {
                id: l.id.clone(),
                title: l.title.clone(),
                minutes: l.minutes,
                completed: record.lessons_completed.contains(&l.id),
            })
            .collect(),
        quizzes: course
            .quizzes
            .iter()
            .map(|q| QuizItem {
                id: q.id.clone(),
                title: q.title.clone(),
                questions: q.questions,
                pass_percent: q.pass_percent,
                max_attempts: q.max_attempts,
                passed: record.quizzes_passed.contains(&q.id),
            })
            .collect(),
        completed: status.completed,
        certificate_id,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LessonView {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    /// Sanitised HTML.
    pub html: String,
    pub audio: Option<String>,
    /// The dated documents the lesson's legal facts rest on (may be empty).
    pub sources: Vec<String>,
    pub completed: bool,
}

/// A lesson's content.
#[utoipa::path(get, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}", tag = "learning", security(("bearer" = [])),
    responses((status = 200, body = LessonView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (course_id, lesson_id) = path.into_inner();
    let catalog = state.catalog();
    let course = app::course(&catalog, &course_id)?;
    let lesson = course.lesson(&lesson_id).ok_or_else(AppError::not_found)?;
    let completed = state
        .store
        .lesson_completed(user.0.id, &course.id, &lesson.id)
        .await?;
    Ok(HttpResponse::Ok().json(LessonView {
        id: lesson.id.clone(),
        title: lesson.title.clone(),
        minutes: lesson.minutes,
        html: lesson.html.clone(),
        audio: lesson.audio.as_ref().map(|a| media_url(&course.id, a)),
        sources: lesson.sources.clone(),
        completed,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CompleteResponse {
    pub completed: bool,
    /// True when this made the whole course complete.
    pub course_completed: bool,
    pub certificate_id: Option<String>,
}

/// Marks a lesson complete (idempotent).
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/lessons/{lesson_id}/complete", tag = "learning", security(("bearer" = [])),
    responses((status = 200, body = CompleteResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn complete_lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (course_id, lesson_id) = path.into_inner();
    let completion = app::complete_lesson(&state, &user.0, &course_id, &lesson_id).await?;
    Ok(HttpResponse::Ok().json(CompleteResponse {
        completed: true,
        course_completed: completion.is_some(),
        certificate_id: completion.map(|c| c.certificate_id),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt_id: String,
    pub course_id: String,
    pub quiz_id: String,
    /// in_progress or graded.
    pub state: String,
    pub started_at: String,
    /// `test` or `practice`.
    pub mode: String,
    /// RFC 3339, when the quiz has a time limit.
    pub deadline: Option<String>,
    pub questions: Vec<QuestionView>,
    /// Answers saved so far (autosave), in the submit shape.
    #[schema(value_type = Object)]
    pub saved_answers: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<SubmitResponse>,
}

async fn attempt_view(
    state: &AppState,
    attempt: &hocvuso_store::Attempt,
    questions: &[PresentedQuestion],
    result: Option<SubmitResponse>,
) -> Result<AttemptView, AppError> {
    let catalog = state.catalog();
    let course = app::course(&catalog, &attempt.course_id)?;
    let quiz = course
        .quiz(&attempt.quiz_id)
        .ok_or_else(AppError::not_found)?;
    Ok(AttemptView {
        attempt_id: attempt.id.clone(),
        course_id: attempt.course_id.clone(),
        quiz_id: attempt.quiz_id.clone(),
        state: attempt.state.as_str().to_owned(),
        started_at: rfc3339(attempt.started_at),
        mode: if quiz.counts() {
            "test".into()
        } else {
            "practice".into()
        },
        deadline: app::deadline(attempt, quiz).map(rfc3339),
        questions: question_views(&attempt.course_id, questions),
        saved_answers: if attempt.is_submitted() {
            BTreeMap::new()
        } else {
            app::saved_answers(state, attempt).await?
        },
        result,
    })
}

/// Starts an attempt (or resumes the one in progress). Nothing in the answer tells a right
/// option from a wrong one.
#[utoipa::path(post, path = "/api/v1/courses/{course_id}/quizzes/{quiz_id}/attempts", tag = "assessment", security(("bearer" = [])),
    responses((status = 201, body = AttemptView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "attempt_limit_reached")))]
pub async fn start_attempt(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (course_id, quiz_id) = path.into_inner();
    let started = app::start_attempt(&state, &user.0, &course_id, &quiz_id).await?;
    Ok(HttpResponse::Created()
        .json(attempt_view(&state, &started.attempt, &started.questions, None).await?))
}

/// One of the caller's attempts, with its result once graded.
#[utoipa::path(get, path = "/api/v1/attempts/{attempt_id}", tag = "assessment", security(("bearer" = [])),
    responses((status = 200, body = AttemptView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_attempt(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (attempt, questions) = app::attempt(&state, &user.0, &path).await?;
    let result = stored_result(&attempt)?;
    Ok(HttpResponse::Ok().json(attempt_view(&state, &attempt, &questions, result).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// question id → answer: a list of option ids (choice), true/false, a string (short
    /// answer), a number (numerical), or an object left id → option id (matching).
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// Submits answers; graded at once on the server. A second submission is refused (409).
#[utoipa::path(post, path = "/api/v1/attempts/{attempt_id}/submit", tag = "assessment", security(("bearer" = [])), request_body = SubmitRequest,
    responses((status = 200, body = SubmitResponse), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "already_submitted"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn submit(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<SubmitRequest>,
) -> Result<HttpResponse, AppError> {
    let graded = app::submit(&state, &user.0, &path, body.into_inner().answers).await?;
    let mut view = submit_response(
        &graded.result,
        graded.passed,
        graded.completion.map(|c| c.certificate_id),
    );
    view.pending_grading = graded.pending;
    view.path_certificate_id = graded.path_certificate.map(|c| c.certificate_id);
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Serialize, ToSchema)]
pub struct ProgressItem {
    pub course_id: String,
    pub lessons_completed: usize,
    pub lessons_total: usize,
    pub quizzes_passed: usize,
    pub quizzes_total: usize,
    /// Required practice tasks passed, of those required (0 of 0 when none are required).
    pub tasks_passed: usize,
    pub tasks_total: usize,
    pub completed_at: Option<String>,
}

/// The caller's progress per course.
#[utoipa::path(get, path = "/api/v1/me/progress", tag = "learning", security(("bearer" = [])), responses((status = 200, body = [ProgressItem])))]
pub async fn progress(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog();
    let rows = app::progress(&state, &catalog, &user.0).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|p| ProgressItem {
                course_id: p.course.id.clone(),
                lessons_completed: p.status.lessons_completed,
                lessons_total: p.status.lessons_total,
                quizzes_passed: p.status.quizzes_passed,
                quizzes_total: p.status.quizzes_total,
                tasks_passed: p.status.tasks_passed,
                tasks_total: p.status.tasks_total,
                completed_at: p.completion.map(|c| rfc3339(c.completed_at)),
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SavedResponse {
    /// Every answer saved so far.
    #[schema(value_type = Object)]
    pub saved_answers: BTreeMap<String, serde_json::Value>,
}

/// Saves answers without submitting (autosave). New answers replace saved ones question by
/// question; the attempt can be resumed on another device.
#[utoipa::path(post, path = "/api/v1/attempts/{attempt_id}/answers", tag = "assessment", security(("bearer" = [])), request_body = SubmitRequest,
    responses((status = 200, body = SavedResponse), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_answers(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<SubmitRequest>,
) -> Result<HttpResponse, AppError> {
    let saved = app::save(&state, &user.0, &path, body.into_inner().answers).await?;
    Ok(HttpResponse::Ok().json(SavedResponse {
        saved_answers: saved,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckRequest {
    pub question_id: String,
    #[schema(value_type = Object)]
    pub answer: serde_json::Value,
}

/// Practice mode only: grades one question at once, with its feedback.
#[utoipa::path(post, path = "/api/v1/attempts/{attempt_id}/check", tag = "assessment", security(("bearer" = [])), request_body = CheckRequest,
    responses((status = 422, body = crate::error::ErrorBody, description = "unknown_question, invalid_answer or unknown_option"), (status = 200, body = QuestionResultView), (status = 409, body = crate::error::ErrorBody, description = "not_practice")))]
pub async fn check(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<CheckRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let r = app::check(&state, &user.0, &path, &body.question_id, body.answer).await?;
    Ok(HttpResponse::Ok().json(QuestionResultView::from(&r)))
}

/// The caller's mastery per competence (4 of the last 5 answers right, or shown by the group's
/// placement check).
#[utoipa::path(get, path = "/api/v1/me/mastery", tag = "learning", security(("bearer" = [])),
    responses((status = 200, body = [crate::app::mastery::CompetenceMastery])))]
pub async fn mastery(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let summary = crate::app::mastery::summary(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(summary.competences))
}
