//! The studio in API v1: everything the `/studio` pages do (`docs/api.md`, "Studio"). Every
//! change names the draft revision it was made on. A refusal is the contract's error with, as
//! the case may be, `field` (the input it is about), `problems` (the content check's findings,
//! 422) or `theirs` and `revision` (another editor saved first, 409).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use base64::Engine as _;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::studio::{self, files, Refusal};
use crate::auth::ApiUser;
use crate::error::AppError;
use crate::state::AppState;

/// A refusal as the contract's JSON.
pub struct StudioError(Refusal);

impl From<Refusal> for StudioError {
    fn from(r: Refusal) -> Self {
        Self(r)
    }
}

impl From<AppError> for StudioError {
    fn from(e: AppError) -> Self {
        Self(e.into())
    }
}

impl std::fmt::Debug for StudioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::fmt::Display for StudioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.error())
    }
}

/// A refused studio change: the contract's error and what it is about.
#[derive(Serialize, ToSchema)]
pub struct StudioErrorBody {
    pub error: String,
    pub message: String,
    /// The input the error is about (`title`, `body`, `file`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The content check's findings (422 `studio_content_problems`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<studio::check::FieldProblem>>,
    /// The draft's revision now (409 `studio_draft_changed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// The other editor's text of each file this change touched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theirs: Option<Vec<TheirFile>>,
}

/// A file as another editor saved it.
#[derive(Serialize, ToSchema)]
pub struct TheirFile {
    pub path: String,
    pub text: String,
}

impl actix_web::ResponseError for StudioError {
    fn status_code(&self) -> StatusCode {
        self.0.error().status
    }

    fn error_response(&self) -> HttpResponse {
        let error = self.0.error();
        let mut body = StudioErrorBody {
            error: error.key.to_owned(),
            message: error.message(crate::i18n_global()),
            field: None,
            problems: None,
            revision: None,
            theirs: None,
        };
        match &self.0 {
            Refusal::Error { field, .. } => body.field = field.clone(),
            Refusal::Conflict { revision, theirs } => {
                body.revision = Some(*revision);
                body.theirs = Some(
                    theirs
                        .iter()
                        .map(|(path, text)| TheirFile {
                            path: path.clone(),
                            text: text.clone(),
                        })
                        .collect(),
                );
            }
            Refusal::Problems(p) => body.problems = Some(p.clone()),
        }
        HttpResponse::build(error.status).json(body)
    }
}

type Reply = Result<HttpResponse, StudioError>;

/// The largest studio request body: a 20 MB audio file as base64, or a bank with its images.
const MAX_BODY: usize = 28 * 1024 * 1024;

/// Reads a JSON body after the caller is known to be an instructor (a large body is read only
/// for them).
async fn read_json<T: serde::de::DeserializeOwned>(
    user: &hocvuso_store::User,
    mut payload: web::Payload,
    max: usize,
) -> Result<T, AppError> {
    studio::require_studio(user)?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request("invalid_json"))?;
        if body.len() + chunk.len() > max {
            return Err(AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            AppError::bad_request("invalid_json_fields")
        } else {
            AppError::bad_request("invalid_json")
        }
    })
}

/// The courses the studio shows: published ones and drafts, with what the caller may do.
#[utoipa::path(get, path = "/api/v1/studio/courses", operation_id = "studio_courses", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = [studio::CourseRow]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn courses(state: web::Data<AppState>, user: ApiUser) -> Reply {
    Ok(HttpResponse::Ok().json(studio::courses(&state, &user.0).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCourseRequest {
    /// The course id (folder name): lower-case letters, digits and `-`.
    pub id: String,
    pub title: String,
}

/// Creates a course from the template (one lesson); the caller becomes its author.
#[utoipa::path(post, path = "/api/v1/studio/courses", tag = "studio", security(("bearer" = [])), request_body = NewCourseRequest,
    responses((status = 201, body = studio::DraftView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<NewCourseRequest>,
) -> Reply {
    let view = studio::create(&state, &user.0, body.id.trim(), &body.title).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A course's draft (opened from the published course on first use): revision, review state,
/// settings, lessons and the content check's findings.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = studio::DraftView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn draft(state: web::Data<AppState>, user: ApiUser, path: web::Path<String>) -> Reply {
    Ok(HttpResponse::Ok().json(studio::draft(&state, &user.0, &path).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SettingsRequest {
    pub revision: i64,
    pub title: String,
    pub summary: String,
    pub groups: Vec<String>,
    pub competences: Vec<String>,
    pub level: i64,
    pub minutes: i64,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub quizzes: Vec<QuizRequest>,
}

#[derive(Deserialize, ToSchema)]
pub struct QuizRequest {
    pub id: String,
    pub title: String,
    pub questions: i64,
    pub pass_percent: i64,
    #[serde(default)]
    pub max_attempts: i64,
}

/// Saves `course.toml`'s fields (other keys of the file are kept).
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/settings", tag = "studio", security(("bearer" = [])), request_body = SettingsRequest,
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn settings(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<SettingsRequest>,
) -> Reply {
    let b = body.into_inner();
    let settings = files::CourseSettings {
        title: b.title,
        summary: b.summary,
        groups: b.groups,
        competences: b.competences,
        level: b.level,
        minutes: b.minutes,
        prerequisites: b.prerequisites,
        quizzes: b
            .quizzes
            .into_iter()
            .map(|q| files::QuizSettings {
                id: q.id,
                title: q.title,
                questions: q.questions,
                pass_percent: q.pass_percent,
                max_attempts: q.max_attempts,
            })
            .collect(),
    };
    let saved = studio::save_settings(&state, &user.0, &path, b.revision, settings).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize, ToSchema)]
pub struct LessonRequest {
    pub revision: i64,
    /// For a new lesson: its id (lower-case letters, digits, `-`).
    #[serde(default)]
    pub slug: String,
    pub title: String,
    pub minutes: i64,
    #[serde(default)]
    pub competences: Vec<String>,
    #[serde(default)]
    pub audio: String,
    #[serde(default)]
    pub sources: Vec<String>,
    /// Markdown, without raw HTML; ends with a `## Ghi nhớ` section.
    pub body: String,
}

impl LessonRequest {
    fn doc(&self) -> files::LessonDoc {
        files::LessonDoc {
            title: self.title.clone(),
            minutes: self.minutes,
            competences: self.competences.clone(),
            audio: self.audio.clone(),
            sources: self.sources.clone(),
            body: self.body.clone(),
            rest: Default::default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LessonSaved {
    /// The lesson's file in `lessons/`.
    pub file: String,
    pub revision: i64,
    pub warnings: Vec<studio::check::FieldProblem>,
}

/// Adds a lesson at the end of the course.
#[utoipa::path(post, path = "/api/v1/studio/courses/{course_id}/lessons", tag = "studio", security(("bearer" = [])), request_body = LessonRequest,
    responses((status = 201, body = LessonSaved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn add_lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let b: LessonRequest = read_json(&user.0, payload, 512 * 1024).await?;
    let (saved, file) =
        studio::save_lesson(&state, &user.0, &path, b.revision, None, &b.slug, &b.doc()).await?;
    Ok(HttpResponse::Created().json(LessonSaved {
        file,
        revision: saved.revision,
        warnings: saved.warnings,
    }))
}

/// A lesson of the draft: front matter fields and the Markdown body.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/lessons/{file}", operation_id = "studio_lesson", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = files::LessonDoc), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Reply {
    let (course, file) = path.into_inner();
    Ok(HttpResponse::Ok().json(studio::lesson(&state, &user.0, &course, &file).await?))
}

/// Saves a lesson.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/lessons/{file}", tag = "studio", security(("bearer" = [])), request_body = LessonRequest,
    responses((status = 200, body = LessonSaved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn save_lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, file) = path.into_inner();
    let b: LessonRequest = read_json(&user.0, payload, 512 * 1024).await?;
    let (saved, file) = studio::save_lesson(
        &state,
        &user.0,
        &course,
        b.revision,
        Some(&file),
        "",
        &b.doc(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(LessonSaved {
        file,
        revision: saved.revision,
        warnings: saved.warnings,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct RevisionQuery {
    /// The draft revision the change is made on.
    pub revision: i64,
}

/// Removes a lesson from the draft.
#[utoipa::path(delete, path = "/api/v1/studio/courses/{course_id}/lessons/{file}", tag = "studio", security(("bearer" = [])), params(RevisionQuery),
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn remove_lesson(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, file) = path.into_inner();
    let saved = studio::remove_lesson(&state, &user.0, &course, q.revision, &file).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize, ToSchema)]
pub struct OrderRequest {
    pub revision: i64,
    /// Every lesson file of the draft, in the new order.
    pub order: Vec<String>,
}

/// Puts the lessons in a new order (files renumbered, ids kept).
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/lesson-order", tag = "studio", security(("bearer" = [])), request_body = OrderRequest,
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn order(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<OrderRequest>,
) -> Reply {
    let saved = studio::reorder(&state, &user.0, &path, body.revision, &body.order).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize, ToSchema)]
pub struct QuestionsRequest {
    pub revision: i64,
    /// `gift`, `moodle-xml` or `qti`.
    pub format: String,
    pub text: String,
}

/// Adds questions to the course's bank from GIFT, Moodle XML (with its embedded media) or QTI.
#[utoipa::path(post, path = "/api/v1/studio/courses/{course_id}/questions", tag = "studio", security(("bearer" = [])), request_body = QuestionsRequest,
    responses((status = 200, body = studio::Imported), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn questions(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let b: QuestionsRequest = read_json(&user.0, payload, MAX_BODY).await?;
    let imported =
        studio::import_questions(&state, &user.0, &path, b.revision, &b.format, &b.text).await?;
    Ok(HttpResponse::Ok().json(imported))
}

#[derive(Deserialize, ToSchema)]
pub struct MediaRequest {
    pub revision: i64,
    /// The lesson file the image or audio goes into.
    pub lesson: String,
    /// The file's name (made safe; the extension comes from its bytes).
    pub name: String,
    /// The file, base64.
    pub data: String,
    /// Alt text of an image, transcript of an audio file.
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct MediaSaved {
    /// `media/<name>` in the course folder.
    pub path: String,
    pub revision: i64,
}

/// Uploads an image (PNG, JPEG, WebP, inert SVG; 2 MB) with alt text, or audio (Opus, MP3;
/// 20 MB) with its transcript, into a lesson.
#[utoipa::path(post, path = "/api/v1/studio/courses/{course_id}/media", tag = "studio", security(("bearer" = [])), request_body = MediaRequest,
    responses((status = 201, body = MediaSaved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 413, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn media(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> Reply {
    let b: MediaRequest = read_json(&user.0, payload, MAX_BODY).await?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b.data.trim())
        .map_err(|_| Refusal::Error {
            error: AppError::unprocessable("studio_media_type"),
            field: Some("data".into()),
        })?;
    let upload = studio::MediaUpload {
        lesson: &b.lesson,
        name: &b.name,
        bytes: &bytes,
        text: &b.text,
    };
    let (saved, path) = studio::upload_media(&state, &user.0, &path, b.revision, upload).await?;
    Ok(HttpResponse::Created().json(MediaSaved {
        path,
        revision: saved.revision,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    pub revision: i64,
    /// The message of a submission, the comment of a return.
    #[serde(default)]
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct StepDone {
    pub status: String,
}

/// A review step: `submit` (author, with the message), `approve` (reviewer), `return`
/// (reviewer, with a comment) or `publish` (reviewer; answers the new version).
#[utoipa::path(post, path = "/api/v1/studio/courses/{course_id}/{action}", tag = "studio", security(("bearer" = [])), request_body = StepRequest,
    responses((status = 200, body = StepDone), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn step(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    body: web::Json<StepRequest>,
) -> Reply {
    let (course, action) = path.into_inner();
    let (rev, text) = (body.revision, body.text.as_str());
    let status = match action.as_str() {
        "submit" => studio::submit(&state, &user.0, &course, rev, text)
            .await
            .map(|_| studio::SUBMITTED)?,
        "approve" => studio::approve(&state, &user.0, &course, rev)
            .await
            .map(|_| studio::APPROVED)?,
        "return" => studio::send_back(&state, &user.0, &course, rev, text)
            .await
            .map(|_| studio::RETURNED)?,
        "publish" => {
            let published = studio::publish(&state, &user.0, &course, rev).await?;
            return Ok(HttpResponse::Ok().json(published));
        }
        _ => return Err(AppError::not_found().into()),
    };
    Ok(HttpResponse::Ok().json(StepDone {
        status: status.to_owned(),
    }))
}

/// The published versions of a course, newest first (author, reviewer, date, message).
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/history", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = [studio::VersionView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn history(state: web::Data<AppState>, user: ApiUser, path: web::Path<String>) -> Reply {
    Ok(HttpResponse::Ok().json(studio::history(&state, &user.0, &path).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct CompareQuery {
    /// A version's commit, `published` or `draft`.
    pub from: String,
    /// A version's commit, `published` or `draft`.
    pub to: String,
}

/// What changed between two versions, in words.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/compare", tag = "studio", security(("bearer" = [])), params(CompareQuery),
    responses((status = 200, body = studio::diff::CourseDiff), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn compare(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    q: web::Query<CompareQuery>,
) -> Reply {
    Ok(HttpResponse::Ok().json(studio::compare(&state, &user.0, &path, &q.from, &q.to).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RollbackRequest {
    /// The commit of the version to restore.
    pub commit: String,
}

/// Restores an earlier version as a new version.
#[utoipa::path(post, path = "/api/v1/studio/courses/{course_id}/rollback", tag = "studio", security(("bearer" = [])), request_body = RollbackRequest,
    responses((status = 200, body = studio::Published), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn roll_back(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<RollbackRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(studio::roll_back(&state, &user.0, &path, &body.commit).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AuthorRequest {
    pub username: String,
    /// `author`, `reviewer`, or `none` to take them off the course.
    pub role: String,
}

/// The people named on a course.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/authors", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = [studio::AuthorView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn authors(state: web::Data<AppState>, user: ApiUser, path: web::Path<String>) -> Reply {
    Ok(HttpResponse::Ok().json(studio::authors(&state, &user.0, &path).await?))
}

/// An administrator names an instructor author or reviewer of a course.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/authors", tag = "studio", security(("bearer" = [])), request_body = AuthorRequest,
    responses((status = 204, description = "Done"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<AuthorRequest>,
) -> Reply {
    studio::assign(&state, &user.0, &path, &body.username, &body.role).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct QuestionRequest {
    pub revision: i64,
    pub question: studio::questions::QuestionForm,
}

/// One question of the draft's `questions.gift` as the question form shows it (ordering and
/// hotspot questions live in `questions.toml` and are not served here).
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/questions/{question_id}", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = studio::questions::QuestionForm), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn question(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Reply {
    let (course, id) = path.into_inner();
    let found = studio::questions::question(&state, &user.0, &course, &id).await?;
    Ok(HttpResponse::Ok().json(found.form))
}

/// Saves a question through its form: the question the path names is replaced (its block of
/// the bank rewritten, the rest of the file untouched), or, when the bank has no such
/// question, one is added with that id.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/questions/{question_id}", tag = "studio", security(("bearer" = [])), request_body = QuestionRequest,
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn save_question(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, id) = path.into_inner();
    let body: QuestionRequest = read_json(&user.0, payload, 256 * 1024).await?;
    let draft = studio::draft(&state, &user.0, &course).await?;
    let exists = studio::questions::Blocks::of(&draft).find(&id).is_some();
    if !exists && body.question.id.trim() != id {
        return Err(Refusal::Error {
            error: AppError::unprocessable("studio_invalid_id"),
            field: Some("id".into()),
        }
        .into());
    }
    let old = exists.then_some(id.as_str());
    let (saved, _) = studio::questions::save_question(
        &state,
        &user.0,
        &course,
        body.revision,
        old,
        Some(&body.question),
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Removes a question from the draft's `questions.gift`.
#[utoipa::path(delete, path = "/api/v1/studio/courses/{course_id}/questions/{question_id}", tag = "studio", security(("bearer" = [])), params(RevisionQuery),
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn remove_question(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, id) = path.into_inner();
    let (saved, _) =
        studio::questions::save_question(&state, &user.0, &course, q.revision, Some(&id), None)
            .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize, ToSchema)]
pub struct TaskRequest {
    pub revision: i64,
    pub task: studio::tasks::TaskForm,
}

/// A practice task of the draft (`tasks/NN-<task_id>.toml`) as the task form shows it.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/tasks/{task_id}", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = studio::tasks::TaskForm), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn task(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
) -> Reply {
    let (course, id) = path.into_inner();
    let file = task_file(&state, &user.0, &course, &id).await?;
    let file = file.ok_or_else(AppError::not_found)?;
    Ok(HttpResponse::Ok().json(studio::tasks::task(&state, &user.0, &course, &file).await?))
}

async fn task_file(
    state: &AppState,
    user: &hocvuso_store::User,
    course: &str,
    id: &str,
) -> Result<Option<String>, StudioError> {
    let draft = studio::draft(state, user, course).await?;
    Ok(studio::tasks::rows(&draft)
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.file))
}

/// Saves a practice task through its form: the task the path names, or a new one with that id
/// after the others. The loader checks it like any file of the course.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/tasks/{task_id}", tag = "studio", security(("bearer" = [])), request_body = TaskRequest,
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn save_task(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, id) = path.into_inner();
    let mut body: TaskRequest = read_json(&user.0, payload, 256 * 1024).await?;
    body.task.id = id.clone();
    let file = task_file(&state, &user.0, &course, &id).await?;
    let (saved, _) = studio::tasks::save_task(
        &state,
        &user.0,
        &course,
        body.revision,
        file.as_deref(),
        Some(&body.task),
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Removes a practice task from the draft.
#[utoipa::path(delete, path = "/api/v1/studio/courses/{course_id}/tasks/{task_id}", tag = "studio", security(("bearer" = [])), params(RevisionQuery),
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn remove_task(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, id) = path.into_inner();
    let file = task_file(&state, &user.0, &course, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (saved, _) =
        studio::tasks::save_task(&state, &user.0, &course, q.revision, Some(&file), None).await?;
    Ok(HttpResponse::Ok().json(saved))
}
