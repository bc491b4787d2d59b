//! The studio's pages (`/studio`): instructors write courses, reviewers approve and publish.
//! Plain forms, no script: every form names the draft revision it was made on, and a refusal
//! shows the form again with the message at its field (and, for a save that lost to another
//! editor, the other editor's text). The work is done in `app::studio`.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use hocvuso_store::User;

use crate::app::studio::{self, files, Refusal};
use crate::auth::{csrf, PageUser};
use crate::error::AppError;
use crate::state::AppState;

use super::form::FormFields;
use super::{redirect, Page, PageError, PageResult};

/// Form limits: a lesson is text (a long one is ~30 KB); the course form has a few dozen
/// fields (competences are checkboxes).
const FORM_BYTES: usize = 256 * 1024;
const FORM_FIELDS: usize = 400;
/// An upload form: a 20 MB audio file or a pasted or uploaded bank, and a few fields.
const UPLOAD_BYTES: usize = studio::media::MAX_AUDIO_BYTES + 64 * 1024;

fn revision(fields: &FormFields) -> i64 {
    fields
        .first("revision")
        .and_then(|r| r.parse().ok())
        .unwrap_or(-1)
}

/// Reads a form after checking the caller may use the studio at all.
async fn read_form(
    req: &HttpRequest,
    user: &User,
    payload: web::Payload,
) -> Result<FormFields, AppError> {
    studio::require_studio(user)?;
    let fields = FormFields::read(payload, FORM_BYTES, FORM_FIELDS).await?;
    csrf::verify(req, fields.csrf())?;
    Ok(fields)
}

/// A multipart form's parts (name, file name, bytes), read within `UPLOAD_BYTES` in all.
struct Parts(Vec<(String, String, Vec<u8>)>);

impl Parts {
    async fn read(req: &HttpRequest, user: &User, mut body: Multipart) -> Result<Self, AppError> {
        studio::require_studio(user)?;
        let mut parts = Vec::new();
        let mut total = 0usize;
        while let Some(field) = body.next().await {
            let mut field = field.map_err(|_| AppError::bad_request("invalid_form"))?;
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("")
                .to_owned();
            let mut data = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|_| AppError::bad_request("invalid_form"))?;
                total += chunk.len();
                if total > UPLOAD_BYTES {
                    return Err(AppError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "studio_media_too_large",
                    ));
                }
                data.extend_from_slice(&chunk);
            }
            if parts.len() >= 16 {
                return Err(AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_fields",
                ));
            }
            parts.push((name, file_name, data));
        }
        let parts = Self(parts);
        csrf::verify(req, &parts.text("csrf"))?;
        Ok(parts)
    }

    fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.0
            .iter()
            .find(|(n, f, d)| n == name && !f.is_empty() && !d.is_empty())
            .map(|(_, f, d)| (f.as_str(), d.as_slice()))
    }

    fn revision(&self) -> i64 {
        self.text("revision").trim().parse().unwrap_or(-1)
    }
}

/// The refusal's message, field, problems or the other editor's text, on the page.
fn refused<'a>(page: Page<'a>, refusal: &Refusal) -> Page<'a> {
    match refusal {
        Refusal::Error { error, field } => page
            .error(error)
            .with("error_field", field.as_deref().unwrap_or("")),
        Refusal::Conflict { revision, theirs } => page
            .error(&AppError::conflict("studio_draft_changed"))
            .with("conflict_revision", revision)
            .with("theirs", theirs),
        Refusal::Problems(problems) => page
            .error(&AppError::unprocessable("studio_content_problems"))
            .with("problems", problems),
    }
}

fn page_error(r: Refusal) -> PageError {
    PageError(r.error())
}

#[derive(Serialize)]
struct Competence<'a> {
    code: &'a str,
    title: &'a str,
}

pub async fn home(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let rows = studio::courses(&state, &user.0).await?;
    Page::new(&req, &state, Some(&user.0))
        .with("courses", &rows)
        .with("form", &CreateForm::default())
        .render("studio.html")
}

#[derive(Serialize, Default)]
struct CreateForm {
    id: String,
    title: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    payload: web::Payload,
) -> PageResult {
    let fields = read_form(&req, &user.0, payload).await?;
    let form = CreateForm {
        id: fields.first("id").unwrap_or("").trim().to_owned(),
        title: fields.first("title").unwrap_or("").trim().to_owned(),
    };
    match studio::create(&state, &user.0, &form.id, &form.title).await {
        Ok(_) => Ok(redirect(&format!("/studio/courses/{}", form.id))),
        Err(r) => {
            let rows = studio::courses(&state, &user.0).await?;
            refused(Page::new(&req, &state, Some(&user.0)), &r)
                .with("courses", &rows)
                .with("form", &form)
                .render("studio.html")
        }
    }
}

/// The course page: settings form, lessons, bank and media counts, problems, review state.
async fn course_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a User,
    course: &str,
) -> Result<Page<'a>, PageError> {
    let draft = studio::draft(state, user, course)
        .await
        .map_err(page_error)?;
    let authors = studio::authors(state, user, course)
        .await
        .map_err(page_error)?;
    let catalog = state.catalog();
    let competences: Vec<Competence<'_>> = catalog
        .framework
        .competences()
        .map(|c| Competence {
            code: &c.code,
            title: &c.title,
        })
        .collect();
    let competences = serde_json::to_value(&competences).unwrap_or_default();
    let groups: Vec<(String, String)> = catalog
        .groups
        .iter()
        .map(|g| (g.id.clone(), g.title.clone()))
        .collect();
    let course_problems: Vec<&studio::check::FieldProblem> =
        draft.problems_of("course.toml").collect();
    let course_problems = serde_json::to_value(&course_problems).unwrap_or_default();
    Ok(Page::new(req, state, Some(user))
        .with("draft", &draft)
        .with("settings", &draft.settings)
        .with("course_problems", &course_problems)
        .with("authors", &authors)
        .with("competences", &competences)
        .with("groups", &groups))
}

pub async fn course(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    course_page(&req, &state, &user.0, &path)
        .await?
        .render("studio_course.html")
}

fn list(fields: &FormFields, name: &str) -> Vec<String> {
    fields
        .all(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number(fields: &FormFields, name: &str) -> i64 {
    fields
        .first(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let course = path.into_inner();
    let fields = read_form(&req, &user.0, payload).await?;
    let quiz_count = number(&fields, "quiz_count").clamp(0, 20);
    let mut quizzes = Vec::new();
    for i in 0..quiz_count {
        let field = |n: &str| format!("quiz.{i}.{n}");
        if fields.first(&field("remove")).is_some() {
            continue;
        }
        quizzes.push(files::QuizSettings {
            id: fields.first(&field("id")).unwrap_or("").trim().to_owned(),
            title: fields
                .first(&field("title"))
                .unwrap_or("")
                .trim()
                .to_owned(),
            questions: number(&fields, &field("questions")),
            pass_percent: number(&fields, &field("pass_percent")),
            max_attempts: number(&fields, &field("max_attempts")),
        });
    }
    if fields.first("add_quiz").is_some() {
        quizzes.push(files::QuizSettings {
            id: "kiem-tra".into(),
            title: "Bài kiểm tra cuối khóa".into(),
            questions: 5,
            pass_percent: 70,
            max_attempts: 0,
        });
    }
    let settings = files::CourseSettings {
        title: fields.first("title").unwrap_or("").trim().to_owned(),
        summary: fields.first("summary").unwrap_or("").trim().to_owned(),
        groups: list(&fields, "groups"),
        competences: list(&fields, "competences"),
        level: number(&fields, "level"),
        minutes: number(&fields, "minutes"),
        prerequisites: fields
            .first("prerequisites")
            .unwrap_or("")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        quizzes,
    };
    match studio::save_settings(
        &state,
        &user.0,
        &course,
        revision(&fields),
        settings.clone(),
    )
    .await
    {
        Ok(_) => Ok(redirect(&format!("/studio/courses/{course}#saved"))),
        Err(r) => refused(course_page(&req, &state, &user.0, &course).await?, &r)
            .with("settings", &settings)
            .render("studio_course.html"),
    }
}

pub async fn reorder(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let course = path.into_inner();
    let fields = read_form(&req, &user.0, payload).await?;
    // Each lesson has a position box `pos:<file>`; the order is by position, then by file.
    let mut order: Vec<(i64, String)> = fields
        .pairs()
        .iter()
        .filter_map(|(k, v)| {
            let file = k.strip_prefix("pos:")?;
            Some((v.trim().parse().unwrap_or(i64::MAX), file.to_owned()))
        })
        .collect();
    order.sort();
    let order: Vec<String> = order.into_iter().map(|(_, f)| f).collect();
    match studio::reorder(&state, &user.0, &course, revision(&fields), &order).await {
        Ok(_) => Ok(redirect(&format!("/studio/courses/{course}#lessons"))),
        Err(r) => refused(course_page(&req, &state, &user.0, &course).await?, &r)
            .render("studio_course.html"),
    }
}

#[derive(Serialize)]
struct LessonForm {
    file: String,
    slug: String,
    title: String,
    minutes: i64,
    competences: Vec<String>,
    audio: String,
    sources: String,
    body: String,
}

impl LessonForm {
    fn of(file: &str, doc: &files::LessonDoc) -> Self {
        Self {
            file: file.to_owned(),
            slug: files::lesson_name(file)
                .map(|(_, s)| s.to_owned())
                .unwrap_or_default(),
            title: doc.title.clone(),
            minutes: doc.minutes,
            competences: doc.competences.clone(),
            audio: doc.audio.clone(),
            sources: doc.sources.join("\n"),
            body: doc.body.clone(),
        }
    }
}

async fn lesson_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a User,
    course: &str,
    form: &LessonForm,
) -> Result<Page<'a>, PageError> {
    let draft = studio::draft(state, user, course)
        .await
        .map_err(page_error)?;
    let rel = format!("lessons/{}", form.file);
    let problems: Vec<&studio::check::FieldProblem> = draft.problems_of(&rel).collect();
    let problems = serde_json::to_value(&problems).unwrap_or_default();
    let catalog = state.catalog();
    let competences: Vec<Competence<'_>> = catalog
        .framework
        .competences()
        .map(|c| Competence {
            code: &c.code,
            title: &c.title,
        })
        .collect();
    let competences = serde_json::to_value(&competences).unwrap_or_default();
    Ok(Page::new(req, state, Some(user))
        .with("draft", &draft)
        .with("lesson", form)
        .with("lesson_problems", &problems)
        .with("competences", &competences))
}

pub async fn new_lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let course = path.into_inner();
    let doc = files::LessonDoc {
        minutes: 5,
        body: "Nội dung bài học.\n\n## Ghi nhớ\n- ".into(),
        ..Default::default()
    };
    lesson_page(&req, &state, &user.0, &course, &LessonForm::of("", &doc))
        .await?
        .render("studio_lesson.html")
}

pub async fn lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> PageResult {
    let (course, file) = path.into_inner();
    let doc = studio::lesson(&state, &user.0, &course, &file)
        .await
        .map_err(page_error)?;
    lesson_page(&req, &state, &user.0, &course, &LessonForm::of(&file, &doc))
        .await?
        .render("studio_lesson.html")
}

fn lesson_doc(fields: &FormFields) -> files::LessonDoc {
    files::LessonDoc {
        title: fields.first("title").unwrap_or("").trim().to_owned(),
        minutes: number(fields, "minutes"),
        competences: list(fields, "competences"),
        audio: fields.first("audio").unwrap_or("").trim().to_owned(),
        sources: fields
            .first("sources")
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        body: fields.first("body").unwrap_or("").replace("\r\n", "\n"),
        rest: Default::default(),
    }
}

/// Saves (or previews, or removes) a lesson; `file` is empty for a new one.
async fn lesson_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    course: String,
    file: Option<String>,
    payload: web::Payload,
) -> PageResult {
    let fields = read_form(&req, &user.0, payload).await?;
    let action = fields.first("action").unwrap_or("save");
    let slug = fields.first("slug").unwrap_or("").trim().to_owned();
    let mut doc = lesson_doc(&fields);
    if let Some(f) = &file {
        // Keys the form does not edit (video, captions) stay as the file has them.
        if let Ok(old) = studio::lesson(&state, &user.0, &course, f).await {
            doc.rest = old.rest;
        }
    }
    let mut form = LessonForm::of(file.as_deref().unwrap_or(""), &doc);
    if file.is_none() {
        form.slug = slug.clone();
    }
    if action == "preview" {
        let check = studio::check_lesson(&state.catalog(), &doc);
        let rendered = hocvuso_course::markdown::render_lesson(
            &doc.body,
            &format!("/studio/courses/{course}/media"),
        );
        let page = lesson_page(&req, &state, &user.0, &course, &form)
            .await?
            .with("preview", &rendered.html);
        return match check {
            Ok(()) => page.render("studio_lesson.html"),
            Err(r) => refused(page, &r).render("studio_lesson.html"),
        };
    }
    if action == "delete" {
        if let Some(f) = &file {
            return match studio::remove_lesson(&state, &user.0, &course, revision(&fields), f).await
            {
                Ok(_) => Ok(redirect(&format!("/studio/courses/{course}#lessons"))),
                Err(r) => refused(
                    lesson_page(&req, &state, &user.0, &course, &form).await?,
                    &r,
                )
                .render("studio_lesson.html"),
            };
        }
    }
    match studio::save_lesson(
        &state,
        &user.0,
        &course,
        revision(&fields),
        file.as_deref(),
        &slug,
        &doc,
    )
    .await
    {
        Ok((_, name)) => Ok(redirect(&format!(
            "/studio/courses/{course}/lessons/{name}#saved"
        ))),
        Err(r) => refused(
            lesson_page(&req, &state, &user.0, &course, &form).await?,
            &r,
        )
        .render("studio_lesson.html"),
    }
}

pub async fn create_lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    lesson_post(req, state, user, path.into_inner(), None, payload).await
}

pub async fn save_lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> PageResult {
    let (course, file) = path.into_inner();
    lesson_post(req, state, user, course, Some(file), payload).await
}

#[derive(Serialize, Default)]
struct BankForm {
    format: String,
    text: String,
}

async fn questions_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a User,
    course: &str,
    form: &BankForm,
) -> Result<Page<'a>, PageError> {
    let draft = studio::draft(state, user, course)
        .await
        .map_err(page_error)?;
    let problems: Vec<&studio::check::FieldProblem> = draft
        .problems_of("questions.gift")
        .chain(draft.problems_of("questions.toml"))
        .collect();
    let problems = serde_json::to_value(&problems).unwrap_or_default();
    Ok(Page::new(req, state, Some(user))
        .with("draft", &draft)
        .with("bank_problems", &problems)
        .with("bank", &draft.text("questions.gift").unwrap_or_default())
        .with("form", form))
}

pub async fn questions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let form = BankForm {
        format: "gift".into(),
        ..Default::default()
    };
    questions_page(&req, &state, &user.0, &path, &form)
        .await?
        .render("studio_questions.html")
}

pub async fn import_questions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    body: Multipart,
) -> PageResult {
    let course = path.into_inner();
    let parts = Parts::read(&req, &user.0, body).await?;
    let text = match parts.file("file") {
        Some((_, bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        None => parts.text("text"),
    };
    let form = BankForm {
        format: parts.text("format"),
        text,
    };
    match studio::import_questions(
        &state,
        &user.0,
        &course,
        parts.revision(),
        &form.format,
        &form.text,
    )
    .await
    {
        Ok(imported) => questions_page(
            &req,
            &state,
            &user.0,
            &course,
            &BankForm {
                format: form.format.clone(),
                text: String::new(),
            },
        )
        .await?
        .with("imported", &imported)
        .render("studio_questions.html"),
        Err(r) => refused(
            questions_page(&req, &state, &user.0, &course, &form).await?,
            &r,
        )
        .render("studio_questions.html"),
    }
}

pub async fn media_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let draft = studio::draft(&state, &user.0, &path)
        .await
        .map_err(page_error)?;
    Page::new(&req, &state, Some(&user.0))
        .with("draft", &draft)
        .with("text", "")
        .render("studio_media.html")
}

pub async fn upload_media(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    body: Multipart,
) -> PageResult {
    let course = path.into_inner();
    let parts = match Parts::read(&req, &user.0, body).await {
        Ok(p) => p,
        Err(e) if e.key == "studio_media_too_large" => {
            let draft = studio::draft(&state, &user.0, &course)
                .await
                .map_err(page_error)?;
            return Page::new(&req, &state, Some(&user.0))
                .with("draft", &draft)
                .with("text", "")
                .with("error_field", "file")
                .error(&e)
                .render("studio_media.html");
        }
        Err(e) => return Err(e.into()),
    };
    let text = parts.text("text");
    let lesson = parts.text("lesson");
    let result = match parts.file("file") {
        Some((name, bytes)) => {
            let upload = studio::MediaUpload {
                lesson: &lesson,
                name,
                bytes,
                text: &text,
            };
            studio::upload_media(&state, &user.0, &course, parts.revision(), upload).await
        }
        None => Err(Refusal::Error {
            error: AppError::unprocessable("studio_media_type"),
            field: Some("file".into()),
        }),
    };
    match result {
        Ok((_, path)) => Ok(redirect(&format!(
            "/studio/courses/{course}/lessons/{lesson}?media={}#body",
            crate::render::url_encode(&path)
        ))),
        Err(r) => {
            let draft = studio::draft(&state, &user.0, &course)
                .await
                .map_err(page_error)?;
            refused(Page::new(&req, &state, Some(&user.0)), &r)
                .with("draft", &draft)
                .with("text", &text)
                .render("studio_media.html")
        }
    }
}

/// A draft's media file, for previews: the bytes are judged again and served with a type from
/// them, `nosniff` and a sandbox (an SVG cannot run anything even if opened directly).
pub async fn draft_media(
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (course, rel) = path.into_inner();
    let (bytes, kind) = studio::draft_media(&state, &user.0, &course, &rel)
        .await
        .map_err(page_error)?;
    let mime = match kind.extension() {
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        _ => "audio/ogg",
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ))
        .body(bytes))
}

pub async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let course = path.into_inner();
    review_page(&req, &state, &user.0, &course)
        .await?
        .render("studio_review.html")
}

async fn review_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a User,
    course: &str,
) -> Result<Page<'a>, PageError> {
    let draft = studio::draft(state, user, course)
        .await
        .map_err(page_error)?;
    let diff = studio::compare(state, user, course, "published", "draft")
        .await
        .map_err(page_error)?;
    Ok(Page::new(req, state, Some(user))
        .with("draft", &draft)
        .with("diff", &diff))
}

/// Submit, approve, return or publish: the form names the step.
pub async fn step(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> PageResult {
    let (course, action) = path.into_inner();
    let fields = read_form(&req, &user.0, payload).await?;
    let rev = revision(&fields);
    let text = fields.first("text").unwrap_or("");
    let result = match action.as_str() {
        "submit" => studio::submit(&state, &user.0, &course, rev, text).await,
        "approve" => studio::approve(&state, &user.0, &course, rev).await,
        "return" => studio::send_back(&state, &user.0, &course, rev, text).await,
        "publish" => studio::publish(&state, &user.0, &course, rev)
            .await
            .map(|_| ()),
        _ => Err(AppError::not_found().into()),
    };
    match result {
        Ok(()) if action == "publish" => Ok(redirect(&format!("/studio/courses/{course}/history"))),
        Ok(()) => Ok(redirect(&format!("/studio/courses/{course}/review"))),
        Err(r) => refused(review_page(&req, &state, &user.0, &course).await?, &r)
            .with("text", text)
            .render("studio_review.html"),
    }
}

pub async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let course = path.into_inner();
    let versions = studio::history(&state, &user.0, &course)
        .await
        .map_err(page_error)?;
    let rights = studio::rights(&state, &user.0, &course).await?;
    Page::new(&req, &state, Some(&user.0))
        .with("course_id", &course)
        .with("versions", &versions)
        .with("rights", &rights)
        .render("studio_history.html")
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: String,
    to: String,
}

pub async fn compare(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    query: web::Query<CompareQuery>,
) -> PageResult {
    let course = path.into_inner();
    let diff = studio::compare(&state, &user.0, &course, &query.from, &query.to)
        .await
        .map_err(page_error)?;
    Page::new(&req, &state, Some(&user.0))
        .with("course_id", &course)
        .with("from", &query.from)
        .with("to", &query.to)
        .with("diff", &diff)
        .render("studio_compare.html")
}

pub async fn roll_back(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let course = path.into_inner();
    let fields = read_form(&req, &user.0, payload).await?;
    let commit = fields.first("commit").unwrap_or("");
    studio::roll_back(&state, &user.0, &course, commit)
        .await
        .map_err(page_error)?;
    Ok(redirect(&format!("/studio/courses/{course}/history")))
}

pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let course = path.into_inner();
    let fields = read_form(&req, &user.0, payload).await?;
    match studio::assign(
        &state,
        &user.0,
        &course,
        fields.first("username").unwrap_or(""),
        fields.first("role").unwrap_or(""),
    )
    .await
    {
        Ok(()) => Ok(redirect(&format!("/studio/courses/{course}#authors"))),
        Err(r) => refused(course_page(&req, &state, &user.0, &course).await?, &r)
            .render("studio_course.html"),
    }
}
