//! The studio's pages (`/studio`): instructors write courses, reviewers approve and publish.
//! Plain forms, no script needed: every form names the draft revision it was made on, and a
//! refusal shows the form again with the message at its field (and, for a save that lost to
//! another editor, the other editor's text). The work is done in `app::studio`; every handler
//! here is a `Desk` (the caller, the course) and what it asked for.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use hocvuso_course::Catalog;
use hocvuso_store::User;

use crate::app::studio::{self, files, questions, tasks, Refusal};
use crate::auth::{csrf, PageUser};
use crate::error::AppError;
use crate::state::AppState;

use super::form::{FormFields, Parts};
use super::{redirect, Page, PageError, PageResult};

/// Form limits: a lesson is text (a long one is ~30 KB); the course form has a few dozen
/// fields (competences are checkboxes).
const FORM_BYTES: usize = 256 * 1024;
const FORM_FIELDS: usize = 400;
/// An upload form: a 20 MB audio file or a pasted or uploaded bank, and a few fields.
const UPLOAD_BYTES: usize = studio::media::MAX_AUDIO_BYTES + 64 * 1024;

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

fn revision(fields: &FormFields) -> i64 {
    fields
        .first("revision")
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or(-1)
}

fn text(fields: &FormFields, name: &str) -> String {
    fields.first(name).unwrap_or("").trim().to_owned()
}

/// The fields `<prefix><name>` for each name, trimmed, with a text area's line ends as `\n`.
fn texts<const N: usize>(fields: &FormFields, prefix: &str, names: [&str; N]) -> [String; N] {
    names.map(|n| text(fields, &format!("{prefix}{n}")).replace("\r\n", "\n"))
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

/// A studio request: the caller (who may use the studio: checked before any body is read),
/// the request, and the course its path names. Every studio page is answered through one, so
/// loading the draft the caller may see or edit (their rights checked there), showing a
/// refusal at its field and rendering happen in one place (`Desk::show`, `Desk::after`).
pub struct Desk {
    req: HttpRequest,
    state: web::Data<AppState>,
    user: User,
    course: String,
}

impl FromRequest for Desk {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = PageUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let PageUser(user) = user.await?;
            studio::require_studio(&user).map_err(PageError)?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| PageError(AppError::internal_because("studio", "no state")))?;
            let course = req.match_info().get("course_id").unwrap_or("").to_owned();
            Ok(Desk {
                req,
                state,
                user,
                course,
            })
        })
    }
}

/// What a studio page shows, with the form as the caller filled it in.
enum View<'f> {
    Home(&'f CreateForm),
    Course(Option<&'f files::CourseSettings>),
    Lesson(&'f LessonForm),
    Questions(&'f BankForm),
    Question(&'f QuestionPage),
    Task(&'f TaskPage),
    Media(&'f str),
    Review(&'f str),
}

impl Desk {
    /// The path's segment `name` (a step, a media file's path).
    fn segment(&self, name: &str) -> String {
        self.req.match_info().get(name).unwrap_or("").to_owned()
    }

    /// The lesson, question or task the path's segment `name` names; None for a new one
    /// (`…/new`, whose route has no such segment).
    fn item(&self, name: &str) -> Option<String> {
        Some(self.segment(name)).filter(|f| !f.is_empty() && f != "new")
    }

    fn page(&self) -> Page<'_> {
        Page::new(&self.req, &self.state, Some(&self.user))
    }

    /// Reads a urlencoded form and checks its CSRF token.
    async fn form(&self, payload: web::Payload) -> Result<FormFields, AppError> {
        let fields = FormFields::read(payload, FORM_BYTES, FORM_FIELDS).await?;
        csrf::verify(&self.req, fields.csrf())?;
        Ok(fields)
    }

    /// The draft of the path's course the caller may see (a reviewer) or edit (an author).
    async fn draft(&self) -> Result<studio::DraftView, PageError> {
        studio::draft(&self.state, &self.user, &self.course)
            .await
            .map_err(page_error)
    }

    /// The page of `view`, with the refusal (if any) at its field.
    async fn show(&self, view: View<'_>, refusal: Option<&Refusal>) -> PageResult {
        let (page, template) = self.build(view).await?;
        match refusal {
            Some(r) => refused(page, r),
            None => page,
        }
        .render(template)
    }

    /// After a change: on to `to` when it went through, else the page of `view` again with why.
    async fn after<T>(
        &self,
        result: Result<T, Refusal>,
        to: impl FnOnce(T) -> String,
        view: View<'_>,
    ) -> PageResult {
        match result {
            Ok(done) => Ok(redirect(&to(done))),
            Err(r) => self.show(view, Some(&r)).await,
        }
    }

    async fn build(&self, view: View<'_>) -> Result<(Page<'_>, &'static str), PageError> {
        if let View::Home(form) = view {
            let rows = studio::courses(&self.state, &self.user).await?;
            let page = self.page().with("courses", &rows).with("form", form);
            return Ok((page, "studio.html"));
        }
        let draft = self.draft().await?;
        let page = self.page().with("draft", &draft);
        Ok(match view {
            View::Home(_) => unreachable!("answered above"),
            View::Course(settings) => (
                self.course_page(page, &draft, settings).await?,
                "studio_course.html",
            ),
            View::Lesson(form) => (
                lesson_page(page, &draft, &self.state, form),
                "studio_lesson.html",
            ),
            View::Questions(form) => (
                questions_page(page, &draft).with("form", form),
                "studio_questions.html",
            ),
            View::Question(q) => {
                let page = page
                    .with("question", q)
                    .with("types", &questions::FORM_TYPES);
                (page, "studio_question.html")
            }
            View::Task(t) => {
                let page = page
                    .with("task", t)
                    .with("widgets", &tasks::WIDGETS)
                    .with("asks", &tasks::ASKS);
                (page, "studio_task.html")
            }
            View::Media(text) => (page.with("text", text), "studio_media.html"),
            View::Review(text) => {
                let diff =
                    studio::compare(&self.state, &self.user, &self.course, "published", "draft")
                        .await
                        .map_err(page_error)?;
                let page = page.with("diff", &diff).with("text", text);
                (page, "studio_review.html")
            }
        })
    }

    /// The course page: settings form, lessons, bank and media counts, problems, review state.
    async fn course_page<'a>(
        &self,
        page: Page<'a>,
        draft: &studio::DraftView,
        settings: Option<&files::CourseSettings>,
    ) -> Result<Page<'a>, PageError> {
        let authors = studio::authors(&self.state, &self.user, &self.course)
            .await
            .map_err(page_error)?;
        let catalog = self.state.catalog();
        let groups: Vec<(String, String)> = catalog
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.title.clone()))
            .collect();
        let course_problems: Vec<&studio::check::FieldProblem> =
            draft.problems_of("course.toml").collect();
        let others: Vec<(&str, &str)> = catalog
            .courses
            .values()
            .filter(|c| c.id != self.course)
            .map(|c| (c.id.as_str(), c.title.as_str()))
            .collect();
        Ok(page
            .with("catalog_courses", &others)
            .with("tasks", &tasks::rows(draft))
            .with("settings", settings.unwrap_or(&draft.settings))
            .with("course_problems", &course_problems)
            .with("authors", &authors)
            .with("competences", &competences(&catalog))
            .with("groups", &groups))
    }
}

/// The framework's competences, for the pickers.
fn competences(catalog: &Catalog) -> Vec<&hocvuso_course::framework::Competence> {
    catalog.framework.competences().collect()
}

pub async fn home(desk: Desk) -> PageResult {
    desk.show(View::Home(&CreateForm::default()), None).await
}

#[derive(Serialize, Default)]
struct CreateForm {
    id: String,
    title: String,
}

pub async fn create(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let form = CreateForm {
        id: text(&fields, "id"),
        title: text(&fields, "title"),
    };
    let result = studio::create(&desk.state, &desk.user, &form.id, &form.title).await;
    let to = |_| format!("/studio/courses/{}", form.id);
    desk.after(result, to, View::Home(&form)).await
}

pub async fn course(desk: Desk) -> PageResult {
    desk.show(View::Course(None), None).await
}

/// The quizzes of the course form: `quiz.<i>.<field>` for each, a "remove" box each, and an
/// "add a quiz" button.
fn quizzes(fields: &FormFields) -> Vec<files::QuizSettings> {
    let mut quizzes = Vec::new();
    for i in 0..number(fields, "quiz_count").clamp(0, 20) {
        let field = |n: &str| format!("quiz.{i}.{n}");
        if fields.first(&field("remove")).is_some() {
            continue;
        }
        quizzes.push(files::QuizSettings {
            id: text(fields, &field("id")),
            title: text(fields, &field("title")),
            questions: number(fields, &field("questions")),
            pass_percent: number(fields, &field("pass_percent")),
            max_attempts: number(fields, &field("max_attempts")),
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
    quizzes
}

pub async fn save_settings(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let settings = files::CourseSettings {
        title: text(&fields, "title"),
        summary: text(&fields, "summary"),
        groups: list(&fields, "groups"),
        competences: list(&fields, "competences"),
        level: number(&fields, "level"),
        minutes: number(&fields, "minutes"),
        prerequisites: list(&fields, "prerequisites"),
        quizzes: quizzes(&fields),
    };
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let result = studio::save_settings(state, user, course, revision(&fields), settings.clone());
    let to = |_| format!("/studio/courses/{course}#saved");
    desk.after(result.await, to, View::Course(Some(&settings)))
        .await
}

pub async fn reorder(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
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
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let result = studio::reorder(state, user, course, revision(&fields), &order).await;
    let to = |_| format!("/studio/courses/{course}#lessons");
    desk.after(result, to, View::Course(None)).await
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
    /// The lesson as the learner will see it (after "Xem trước").
    preview: Option<String>,
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
            preview: None,
        }
    }
}

fn lesson_page<'a>(
    page: Page<'a>,
    draft: &studio::DraftView,
    state: &AppState,
    form: &LessonForm,
) -> Page<'a> {
    let rel = format!("lessons/{}", form.file);
    let problems: Vec<&studio::check::FieldProblem> = draft.problems_of(&rel).collect();
    page.with("lesson", form)
        .with("lesson_problems", &problems)
        .with("competences", &competences(&state.catalog()))
}

/// A lesson's form: the one the path names, or a new lesson's.
pub async fn lesson(desk: Desk) -> PageResult {
    let (file, doc) = match desk.item("file") {
        Some(file) => {
            let doc = studio::lesson(&desk.state, &desk.user, &desk.course, &file).await;
            (file, doc.map_err(page_error)?)
        }
        None => {
            let body = "Nội dung bài học.\n\n## Ghi nhớ\n- ".into();
            let doc = files::LessonDoc {
                minutes: 5,
                body,
                ..Default::default()
            };
            (String::new(), doc)
        }
    };
    desk.show(View::Lesson(&LessonForm::of(&file, &doc)), None)
        .await
}

fn lesson_doc(fields: &FormFields) -> files::LessonDoc {
    files::LessonDoc {
        title: text(fields, "title"),
        minutes: number(fields, "minutes"),
        competences: list(fields, "competences"),
        audio: text(fields, "audio"),
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

/// Saves (or previews, or removes) a lesson: the path names its file, or `new`.
pub async fn save_lesson(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let file = desk.item("file");
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let slug = text(&fields, "slug");
    let mut doc = lesson_doc(&fields);
    if let Some(f) = &file {
        // Keys the form does not edit (video, captions) stay as the file has them.
        if let Ok(old) = studio::lesson(state, user, course, f).await {
            doc.rest = old.rest;
        }
    }
    let mut form = LessonForm::of(file.as_deref().unwrap_or(""), &doc);
    if file.is_none() {
        form.slug = slug.clone();
    }
    let rev = revision(&fields);
    match (fields.first("action").unwrap_or("save"), &file) {
        ("preview", _) => {
            let check = studio::check_lesson(&state.catalog(), &doc);
            form.preview = Some(lesson_preview(course, &doc));
            desk.show(View::Lesson(&form), check.err().as_ref()).await
        }
        ("delete", Some(f)) => {
            let result = studio::remove_lesson(state, user, course, rev, f).await;
            let to = |_| format!("/studio/courses/{course}#lessons");
            desk.after(result, to, View::Lesson(&form)).await
        }
        _ => {
            let result =
                studio::save_lesson(state, user, course, rev, file.as_deref(), &slug, &doc).await;
            let to = |(_, name)| format!("/studio/courses/{course}/lessons/{name}#saved");
            desk.after(result, to, View::Lesson(&form)).await
        }
    }
}

/// A lesson's body rendered as the lesson page renders it, its media from the draft.
fn lesson_preview(course: &str, doc: &files::LessonDoc) -> String {
    hocvuso_course::markdown::render_lesson(&doc.body, &format!("/studio/courses/{course}/media"))
        .html
}

#[derive(Serialize, Default)]
struct BankForm {
    format: String,
    text: String,
    /// What the last import added.
    imported: Option<studio::Imported>,
}

fn questions_page<'a>(page: Page<'a>, draft: &studio::DraftView) -> Page<'a> {
    let problems: Vec<&studio::check::FieldProblem> = draft
        .problems_of("questions.gift")
        .chain(draft.problems_of("questions.toml"))
        .collect();
    page.with("bank_problems", &problems)
        .with("bank", &draft.text("questions.gift").unwrap_or_default())
        .with("rows", &questions::Blocks::of(draft).rows(draft))
}

pub async fn questions(desk: Desk) -> PageResult {
    let form = BankForm {
        format: "gift".into(),
        ..Default::default()
    };
    desk.show(View::Questions(&form), None).await
}

pub async fn import_questions(desk: Desk, body: Multipart) -> PageResult {
    let parts = Parts::read(&desk.req, body, UPLOAD_BYTES, "studio_media_too_large").await?;
    let text = match parts.file("file") {
        Some((_, bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        None => parts.text("text"),
    };
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let mut form = BankForm {
        format: parts.text("format"),
        text,
        imported: None,
    };
    let result = studio::import_questions(
        state,
        user,
        course,
        parts.revision(),
        &form.format,
        &form.text,
    )
    .await;
    match result {
        Ok(imported) => {
            form.text.clear();
            form.imported = Some(imported);
            desk.show(View::Questions(&form), None).await
        }
        Err(r) => desk.show(View::Questions(&form), Some(&r)).await,
    }
}

pub async fn media_form(desk: Desk) -> PageResult {
    desk.show(View::Media(""), None).await
}

pub async fn upload_media(desk: Desk, body: Multipart) -> PageResult {
    let parts = match Parts::read(&desk.req, body, UPLOAD_BYTES, "studio_media_too_large").await {
        Ok(p) => p,
        Err(e) if e.key == "studio_media_too_large" => {
            let refusal = Refusal::Error {
                error: e,
                field: Some("file".into()),
            };
            return desk.show(View::Media(""), Some(&refusal)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
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
            studio::upload_media(state, user, course, parts.revision(), upload).await
        }
        None => Err(Refusal::Error {
            error: AppError::unprocessable("studio_media_type"),
            field: Some("file".into()),
        }),
    };
    let to = |(_, path): (_, String)| {
        let path = crate::render::url_encode(&path);
        format!("/studio/courses/{course}/lessons/{lesson}?media={path}#body")
    };
    desk.after(result, to, View::Media(&text)).await
}

/// A draft's media file, for previews: the bytes are judged again and served with a type from
/// them, `nosniff` and a sandbox (an SVG cannot run anything even if opened directly).
pub async fn draft_media(desk: Desk) -> Result<HttpResponse, PageError> {
    let rel = desk.segment("path");
    let (bytes, kind) = studio::draft_media(&desk.state, &desk.user, &desk.course, &rel)
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

pub async fn review(desk: Desk) -> PageResult {
    desk.show(View::Review(""), None).await
}

/// Submit, approve, return or publish: the path names the step.
pub async fn step(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let action = desk.segment("action");
    let rev = revision(&fields);
    let text = fields.first("text").unwrap_or("");
    let result = match action.as_str() {
        "submit" => studio::submit(state, user, course, rev, text).await,
        "approve" => studio::approve(state, user, course, rev).await,
        "return" => studio::send_back(state, user, course, rev, text).await,
        "publish" => studio::publish(state, user, course, rev).await.map(|_| ()),
        _ => Err(AppError::not_found().into()),
    };
    let to = |()| match action.as_str() {
        "publish" => format!("/studio/courses/{course}/history"),
        _ => format!("/studio/courses/{course}/review"),
    };
    desk.after(result, to, View::Review(text)).await
}

pub async fn history(desk: Desk) -> PageResult {
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let versions = studio::history(state, user, course)
        .await
        .map_err(page_error)?;
    let rights = studio::rights(state, user, course).await?;
    desk.page()
        .with("course_id", course)
        .with("versions", &versions)
        .with("rights", &rights)
        .render("studio_history.html")
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: String,
    to: String,
}

pub async fn compare(desk: Desk, query: web::Query<CompareQuery>) -> PageResult {
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let diff = studio::compare(state, user, course, &query.from, &query.to)
        .await
        .map_err(page_error)?;
    desk.page()
        .with("course_id", course)
        .with("from", &query.from)
        .with("to", &query.to)
        .with("diff", &diff)
        .render("studio_compare.html")
}

pub async fn roll_back(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let commit = fields.first("commit").unwrap_or("");
    studio::roll_back(&desk.state, &desk.user, &desk.course, commit)
        .await
        .map_err(page_error)?;
    Ok(redirect(&format!(
        "/studio/courses/{}/history",
        desk.course
    )))
}

pub async fn assign(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let (who, role) = (text(&fields, "username"), text(&fields, "role"));
    let result = studio::assign(state, user, course, &who, &role).await;
    let to = |()| format!("/studio/courses/{course}#authors");
    desk.after(result, to, View::Course(None)).await
}

/// The question form: the question, a few empty option rows to fill in (no script needed to
/// add one), what it looks like to a learner, and the item-writing rules' findings about it.
#[derive(Serialize)]
struct QuestionPage {
    /// The id the path names; empty for a new question.
    old: String,
    form: questions::QuestionForm,
    preview: Option<crate::present::learning::QuestionView>,
    warnings: Vec<studio::check::FieldProblem>,
}

impl QuestionPage {
    fn new(course: &str, old: &str, mut form: questions::QuestionForm) -> Self {
        let preview = form
            .question(hocvuso_assessment::model::TextFormat::Moodle)
            .ok()
            .as_ref()
            .and_then(questions::presented)
            .map(|p| crate::present::learning::question_views(course, &[p]));
        let blank = (form.options.len() + 2).max(4);
        form.options.resize_with(blank, Default::default);
        Self {
            old: old.to_owned(),
            form,
            preview: preview.and_then(|v| v.into_iter().next()),
            warnings: Vec::new(),
        }
    }
}

fn question_form(fields: &FormFields) -> questions::QuestionForm {
    let options = (0..number(fields, "option_count").clamp(0, 40))
        .map(|i| {
            let prefix = format!("option.{i}.");
            let [text, feedback, right] = texts(fields, &prefix, ["text", "feedback", "right"]);
            let correct = fields.first(&format!("{prefix}correct")).is_some();
            questions::OptionRow {
                text,
                correct,
                feedback,
                right,
            }
        })
        .collect();
    let mut form = questions::QuestionForm {
        answer: fields.first("answer") == Some("true"),
        options,
        ..Default::default()
    };
    let names = ["id", "title", "type", "stem", "general_feedback", "tags"];
    [
        form.id,
        form.title,
        form.kind,
        form.stem,
        form.general_feedback,
        form.tags,
    ] = texts(fields, "", names);
    [form.feedback_wrong, form.feedback_right] =
        texts(fields, "", ["feedback_wrong", "feedback_right"]);
    form
}

/// A question's form: the one the path names (with the item-writing rules' findings about
/// it), or a new question's.
pub async fn question(desk: Desk) -> PageResult {
    let page = match desk.item("question") {
        Some(id) => {
            let found = questions::question(&desk.state, &desk.user, &desk.course, &id).await;
            let found = found.map_err(page_error)?;
            let mut page = QuestionPage::new(&desk.course, &id, found.form);
            page.warnings = found.warnings;
            page
        }
        None => {
            let kind = "single_choice".into();
            let form = questions::QuestionForm {
                kind,
                answer: true,
                ..Default::default()
            };
            QuestionPage::new(&desk.course, "", form)
        }
    };
    desk.show(View::Question(&page), None).await
}

/// Saves, previews or removes a question: the path names its id, or `new`.
pub async fn save_question(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let old = desk.item("question");
    let form = question_form(&fields);
    let page = QuestionPage::new(course, old.as_deref().unwrap_or(""), form.clone());
    let action = fields.first("action").unwrap_or("save");
    if action == "preview" {
        let check = form.question(hocvuso_assessment::model::TextFormat::Moodle);
        return desk.show(View::Question(&page), check.err().as_ref()).await;
    }
    let form = (action != "delete").then_some(&form);
    let rev = revision(&fields);
    let result = questions::save_question(state, user, course, rev, old.as_deref(), form).await;
    let to = |(_, id): (_, String)| match id.as_str() {
        "" => format!("/studio/courses/{course}/questions#questions-list"),
        id => format!("/studio/courses/{course}/questions/{id}#saved"),
    };
    desk.after(result, to, View::Question(&page)).await
}

/// The studio's optional script: fields by question type, live previews.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../../../../web/static/studio.js"))
}

/// The task form, with an empty widget row or two per step to fill in, and each step's screen
/// as the learner will see it.
#[derive(Serialize)]
struct TaskPage {
    /// The file the path names; empty for a new task.
    file: String,
    form: tasks::TaskForm,
    preview: Vec<StepPreview>,
}

#[derive(Serialize)]
struct StepPreview {
    prompt: String,
    ask: String,
    screen: Vec<tasks::WidgetRow>,
    /// Choose: the options; order: the items in the order shown (alphabetical).
    options: Vec<String>,
}

impl TaskPage {
    fn new(file: &str, mut form: tasks::TaskForm) -> Self {
        let preview = form
            .steps
            .iter()
            .filter(|st| !st.prompt.trim().is_empty())
            .map(|st| {
                let mut options: Vec<String> = match st.ask.as_str() {
                    "choose" | "order" => st
                        .answer
                        .lines()
                        .map(|l| l.trim().trim_start_matches('*').trim())
                        .map(|l| l.split(" | ").next().unwrap_or(l).to_owned())
                        .filter(|l| !l.is_empty())
                        .collect(),
                    _ => Vec::new(),
                };
                if st.ask == "order" {
                    options.sort();
                }
                StepPreview {
                    prompt: st.prompt.clone(),
                    ask: st.ask.clone(),
                    screen: st
                        .screen
                        .iter()
                        .filter(|w| !w.text.trim().is_empty() || !w.label.trim().is_empty())
                        .cloned()
                        .collect(),
                    options,
                }
            })
            .collect();
        for st in &mut form.steps {
            let rows = (st.screen.len() + 2).max(3);
            st.screen.resize_with(rows, || tasks::WidgetRow {
                widget: "text".into(),
                ..Default::default()
            });
        }
        Self {
            file: file.to_owned(),
            form,
            preview,
        }
    }
}

fn task_form(fields: &FormFields) -> tasks::TaskForm {
    let steps = (0..number(fields, "step_count").clamp(0, 30))
        .map(|i| {
            let prefix = format!("step.{i}.");
            let widgets = number(fields, &format!("{prefix}widget_count")).clamp(0, 30);
            let screen = (0..widgets)
                .map(|j| {
                    let names = ["widget", "id", "label", "text", "detail"];
                    let [widget, id, label, text, detail] =
                        texts(fields, &format!("{prefix}w.{j}."), names);
                    tasks::WidgetRow {
                        widget,
                        id,
                        label,
                        text,
                        detail,
                    }
                })
                .collect();
            let names = ["prompt", "ask", "field", "answer", "feedback", "explain"];
            let [prompt, ask, field, answer, feedback, explain] = texts(fields, &prefix, names);
            tasks::StepForm {
                prompt,
                screen,
                ask,
                field,
                answer,
                feedback,
                explain,
            }
        })
        .collect();
    let mut form = tasks::TaskForm {
        pass_percent: number(fields, "pass_percent"),
        steps,
        ..Default::default()
    };
    let names = ["id", "title", "summary", "app", "competences"];
    [
        form.id,
        form.title,
        form.summary,
        form.app,
        form.competences,
    ] = texts(fields, "", names);
    form
}

/// A practice task's form: the one the path names, or a new task's.
pub async fn task(desk: Desk) -> PageResult {
    let page = match desk.item("file") {
        Some(file) => {
            let form = tasks::task(&desk.state, &desk.user, &desk.course, &file).await;
            TaskPage::new(&file, form.map_err(page_error)?)
        }
        None => TaskPage::new("", tasks::blank()),
    };
    desk.show(View::Task(&page), None).await
}

/// Saves, previews, grows (one more step) or removes a task: the path names its file, or `new`.
pub async fn save_task(desk: Desk, payload: web::Payload) -> PageResult {
    let fields = desk.form(payload).await?;
    let (state, user, course) = (&desk.state, &desk.user, &desk.course);
    let file = desk.item("file");
    let mut form = task_form(&fields);
    let action = fields.first("action").unwrap_or("save");
    if action == "add_step" || action == "preview" {
        if action == "add_step" {
            form.steps.push(tasks::blank().steps.remove(0));
        }
        let page = TaskPage::new(file.as_deref().unwrap_or(""), form);
        return desk.show(View::Task(&page), None).await;
    }
    let page = TaskPage::new(file.as_deref().unwrap_or(""), form.clone());
    let form = (action != "delete").then_some(&form);
    let rev = revision(&fields);
    let result = tasks::save_task(state, user, course, rev, file.as_deref(), form).await;
    let to = |(_, name): (_, String)| match action {
        "delete" => format!("/studio/courses/{course}#tasks"),
        _ => format!("/studio/courses/{course}/tasks/{name}#saved"),
    };
    desk.after(result, to, View::Task(&page)).await
}
