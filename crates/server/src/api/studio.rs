//! The studio in API v1: everything the `/studio` pages do (`docs/api.md`, "Studio"). Every
//! change names the draft revision it was made on. A refusal is the contract's error with, as
//! the case may be, `field` (the input it is about), `problems` (the content check's findings,
//! 422) or `theirs` and `revision` (another editor saved first, 409).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;
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

/// What every studio operation starts from, extracted once: the application and the caller
/// (as `ApiUser`: 401 without a valid token). Whether the caller may use the studio, and this
/// course, is the application's to say (`app::studio`), after the path and query are read.
pub struct Studio {
    state: web::Data<AppState>,
    user: hocvuso_store::User,
}

impl FromRequest for Studio {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ApiUser::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let ApiUser(user) = user.await?;
            let state = state
                .ok_or_else(|| AppError::internal_because("studio API", "no application state"))?;
            Ok(Studio { state, user })
        })
    }
}

/// 200 with `body` as JSON: what an operation answers when it went through.
fn ok(body: impl Serialize) -> Reply {
    Ok(HttpResponse::Ok().json(body))
}

/// 201 with `body` as JSON: a course, lesson or file was made.
fn created(body: impl Serialize) -> Reply {
    Ok(HttpResponse::Created().json(body))
}

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
pub async fn courses(cx: Studio) -> Reply {
    ok(studio::courses(&cx.state, &cx.user).await?)
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
pub async fn create(cx: Studio, body: web::Json<NewCourseRequest>) -> Reply {
    let view = studio::create(&cx.state, &cx.user, body.id.trim(), &body.title).await?;
    created(view)
}

/// A course's draft (opened from the published course on first use): revision, review state,
/// settings, lessons and the content check's findings.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = studio::DraftView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn draft(cx: Studio, path: web::Path<String>) -> Reply {
    ok(studio::draft(&cx.state, &cx.user, &path).await?)
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
    cx: Studio,
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
    let saved = studio::save_settings(&cx.state, &cx.user, &path, b.revision, settings).await?;
    ok(saved)
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
pub async fn add_lesson(cx: Studio, path: web::Path<String>, payload: web::Payload) -> Reply {
    let b: LessonRequest = read_json(&cx.user, payload, 512 * 1024).await?;
    let (saved, file) = studio::save_lesson(
        &cx.state,
        &cx.user,
        &path,
        b.revision,
        None,
        &b.slug,
        &b.doc(),
    )
    .await?;
    created(LessonSaved {
        file,
        revision: saved.revision,
        warnings: saved.warnings,
    })
}

/// A lesson of the draft: front matter fields and the Markdown body.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/lessons/{file}", operation_id = "studio_lesson", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = files::LessonDoc), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn lesson(cx: Studio, path: web::Path<(String, String)>) -> Reply {
    let (course, file) = path.into_inner();
    ok(studio::lesson(&cx.state, &cx.user, &course, &file).await?)
}

/// Saves a lesson.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/lessons/{file}", tag = "studio", security(("bearer" = [])), request_body = LessonRequest,
    responses((status = 200, body = LessonSaved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn save_lesson(
    cx: Studio,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, file) = path.into_inner();
    let b: LessonRequest = read_json(&cx.user, payload, 512 * 1024).await?;
    let (saved, file) = studio::save_lesson(
        &cx.state,
        &cx.user,
        &course,
        b.revision,
        Some(&file),
        "",
        &b.doc(),
    )
    .await?;
    ok(LessonSaved {
        file,
        revision: saved.revision,
        warnings: saved.warnings,
    })
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
    cx: Studio,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, file) = path.into_inner();
    let saved = studio::remove_lesson(&cx.state, &cx.user, &course, q.revision, &file).await?;
    ok(saved)
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
pub async fn order(cx: Studio, path: web::Path<String>, body: web::Json<OrderRequest>) -> Reply {
    let saved = studio::reorder(&cx.state, &cx.user, &path, body.revision, &body.order).await?;
    ok(saved)
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
pub async fn questions(cx: Studio, path: web::Path<String>, payload: web::Payload) -> Reply {
    let b: QuestionsRequest = read_json(&cx.user, payload, MAX_BODY).await?;
    let imported =
        studio::import_questions(&cx.state, &cx.user, &path, b.revision, &b.format, &b.text)
            .await?;
    ok(imported)
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
pub async fn media(cx: Studio, path: web::Path<String>, payload: web::Payload) -> Reply {
    let b: MediaRequest = read_json(&cx.user, payload, MAX_BODY).await?;
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
    let (saved, path) =
        studio::upload_media(&cx.state, &cx.user, &path, b.revision, upload).await?;
    created(MediaSaved {
        path,
        revision: saved.revision,
    })
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
    cx: Studio,
    path: web::Path<(String, String)>,
    body: web::Json<StepRequest>,
) -> Reply {
    let (course, action) = path.into_inner();
    let (rev, text) = (body.revision, body.text.as_str());
    let status = match action.as_str() {
        "submit" => studio::submit(&cx.state, &cx.user, &course, rev, text)
            .await
            .map(|_| studio::SUBMITTED)?,
        "approve" => studio::approve(&cx.state, &cx.user, &course, rev)
            .await
            .map(|_| studio::APPROVED)?,
        "return" => studio::send_back(&cx.state, &cx.user, &course, rev, text)
            .await
            .map(|_| studio::RETURNED)?,
        "publish" => {
            let published = studio::publish(&cx.state, &cx.user, &course, rev).await?;
            return ok(published);
        }
        _ => return Err(AppError::not_found().into()),
    };
    ok(StepDone {
        status: status.to_owned(),
    })
}

/// The published versions of a course, newest first (author, reviewer, date, message).
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/history", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = [studio::VersionView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn history(cx: Studio, path: web::Path<String>) -> Reply {
    ok(studio::history(&cx.state, &cx.user, &path).await?)
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
pub async fn compare(cx: Studio, path: web::Path<String>, q: web::Query<CompareQuery>) -> Reply {
    ok(studio::compare(&cx.state, &cx.user, &path, &q.from, &q.to).await?)
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
    cx: Studio,
    path: web::Path<String>,
    body: web::Json<RollbackRequest>,
) -> Reply {
    ok(studio::roll_back(&cx.state, &cx.user, &path, &body.commit).await?)
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
pub async fn authors(cx: Studio, path: web::Path<String>) -> Reply {
    ok(studio::authors(&cx.state, &cx.user, &path).await?)
}

/// An administrator names an instructor author or reviewer of a course.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/authors", tag = "studio", security(("bearer" = [])), request_body = AuthorRequest,
    responses((status = 204, description = "Done"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn assign(cx: Studio, path: web::Path<String>, body: web::Json<AuthorRequest>) -> Reply {
    studio::assign(&cx.state, &cx.user, &path, &body.username, &body.role).await?;
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
pub async fn question(cx: Studio, path: web::Path<(String, String)>) -> Reply {
    let (course, id) = path.into_inner();
    let found = studio::questions::question(&cx.state, &cx.user, &course, &id).await?;
    ok(found.form)
}

/// Saves a question through its form: the question the path names is replaced (its block of
/// the bank rewritten, the rest of the file untouched), or, when the bank has no such
/// question, one is added with that id.
#[utoipa::path(put, path = "/api/v1/studio/courses/{course_id}/questions/{question_id}", tag = "studio", security(("bearer" = [])), request_body = QuestionRequest,
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn save_question(
    cx: Studio,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, id) = path.into_inner();
    let body: QuestionRequest = read_json(&cx.user, payload, 256 * 1024).await?;
    let draft = studio::draft(&cx.state, &cx.user, &course).await?;
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
        &cx.state,
        &cx.user,
        &course,
        body.revision,
        old,
        Some(&body.question),
    )
    .await?;
    ok(saved)
}

/// Removes a question from the draft's `questions.gift`.
#[utoipa::path(delete, path = "/api/v1/studio/courses/{course_id}/questions/{question_id}", tag = "studio", security(("bearer" = [])), params(RevisionQuery),
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn remove_question(
    cx: Studio,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, id) = path.into_inner();
    let (saved, _) =
        studio::questions::save_question(&cx.state, &cx.user, &course, q.revision, Some(&id), None)
            .await?;
    ok(saved)
}

#[derive(Deserialize, ToSchema)]
pub struct TaskRequest {
    pub revision: i64,
    pub task: studio::tasks::TaskForm,
}

/// A practice task of the draft (`tasks/NN-<task_id>.toml`) as the task form shows it.
#[utoipa::path(get, path = "/api/v1/studio/courses/{course_id}/tasks/{task_id}", tag = "studio", security(("bearer" = [])),
    responses((status = 200, body = studio::tasks::TaskForm), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn task(cx: Studio, path: web::Path<(String, String)>) -> Reply {
    let (course, id) = path.into_inner();
    let file = task_file(&cx.state, &cx.user, &course, &id).await?;
    let file = file.ok_or_else(AppError::not_found)?;
    ok(studio::tasks::task(&cx.state, &cx.user, &course, &file).await?)
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
    cx: Studio,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Reply {
    let (course, id) = path.into_inner();
    let mut body: TaskRequest = read_json(&cx.user, payload, 256 * 1024).await?;
    body.task.id = id.clone();
    let file = task_file(&cx.state, &cx.user, &course, &id).await?;
    let (saved, _) = studio::tasks::save_task(
        &cx.state,
        &cx.user,
        &course,
        body.revision,
        file.as_deref(),
        Some(&body.task),
    )
    .await?;
    ok(saved)
}

/// Removes a practice task from the draft.
#[utoipa::path(delete, path = "/api/v1/studio/courses/{course_id}/tasks/{task_id}", tag = "studio", security(("bearer" = [])), params(RevisionQuery),
    responses((status = 200, body = studio::Saved), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = StudioErrorBody), (status = 422, body = StudioErrorBody)))]
pub async fn remove_task(
    cx: Studio,
    path: web::Path<(String, String)>,
    q: web::Query<RevisionQuery>,
) -> Reply {
    let (course, id) = path.into_inner();
    let file = task_file(&cx.state, &cx.user, &course, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (saved, _) =
        studio::tasks::save_task(&cx.state, &cx.user, &course, q.revision, Some(&file), None)
            .await?;
    ok(saved)
}
