//! The studio: instructors write courses in the browser, a reviewer approves, and a publish
//! commits the course folder to the content repository and swaps the served catalog without a
//! restart. Pages and API both call these functions.
//!
//! - A **draft** per course is a working copy under the data folder (`workspace`) plus a row
//!   (`studio_drafts`) with its revision and review state. Every save names the revision it was
//!   made on; an older one is refused with the other editor's text (no lost update).
//! - Every save runs the **content check** (`check`): the course loader over the published
//!   folder with the draft in place of its course. A change that makes the course fail to load
//!   is refused and nothing is written; the item-writing rules' findings are shown and block a
//!   publish (as they block CI).
//! - A **publish** (`repo`) is one git commit through gix: the instructor who submitted is the
//!   author, their message the message, the reviewer named in a `Reviewed-by:` trailer. The
//!   commit is made only on top of the head it was checked against; a publish that loses a race
//!   is told so. Then the course folder is swapped into the content folder and the catalog,
//!   loaded anew, replaces the served one in one step (`CatalogHandle::replace`): a request
//!   holds the catalog it started with, old or new, never a mix.
//! - **History**, **compare** and **roll back** read the repository's trees.

pub mod check;
pub mod diff;
pub mod export;
pub mod files;
pub mod media;
pub mod questions;
pub mod repo;
pub mod tasks;
pub mod workspace;

use actix_web::http::StatusCode;
use serde::Serialize;

use hocvuso_assessment::interchange::{self, Format};
use hocvuso_course::authoring::{markdown_issues, MarkdownIssue};
use hocvuso_course::Catalog;
use hocvuso_store::{DraftStep, StudioDraft, User};

use crate::auth::{ROLE_ADMIN, ROLE_INSTRUCTOR};
use crate::error::AppError;
use crate::state::AppState;

use check::FieldProblem;
use repo::Files;
use workspace::{Change, Paths};

pub const EDITING: &str = "editing";
pub const SUBMITTED: &str = "submitted";
pub const RETURNED: &str = "returned";
pub const APPROVED: &str = "approved";

pub const ROLE_AUTHOR: &str = "author";
pub const ROLE_REVIEWER: &str = "reviewer";

/// The longest message or comment kept.
const MAX_MESSAGE_CHARS: usize = 2000;

/// Studio writes in this process take turns: check, revision bump and file writes of one save
/// (or publish) happen together. Across instances the database's conditional updates and the
/// repository's compare-and-swap of its head decide.
static WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Why a studio change was refused.
#[derive(Debug)]
pub enum Refusal {
    /// Bad input or not allowed (the key says which), optionally about one form field.
    Error {
        error: AppError,
        field: Option<String>,
    },
    /// Someone else changed the draft since the revision this change was made on: their
    /// version of the files this change touches.
    Conflict {
        revision: i64,
        theirs: Vec<(String, String)>,
    },
    /// The content check refused the course with this change; nothing was written.
    Problems(Vec<FieldProblem>),
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Refusal::Error { error, field: None }
    }
}

impl Refusal {
    fn at(field: &str, key: &'static str) -> Self {
        Refusal::Error {
            error: AppError::unprocessable(key),
            field: Some(field.to_owned()),
        }
    }

    /// The refusal as one error (for callers that show a single message).
    pub fn error(&self) -> AppError {
        match self {
            Refusal::Error { error, .. } => error.clone(),
            Refusal::Conflict { .. } => AppError::conflict("studio_draft_changed"),
            Refusal::Problems(p) => AppError::unprocessable("studio_content_problems").with_detail(
                p.iter()
                    .take(5)
                    .map(|p| format!("{}: {}", p.file, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }
}

type Result<T> = std::result::Result<T, Refusal>;

fn store_error(e: hocvuso_store::StoreError) -> AppError {
    AppError::from(e)
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::internal_because("studio file operation failed", e)
}

fn repo_error(e: repo::RepoError) -> AppError {
    match e {
        repo::RepoError::Moved => AppError::conflict("studio_publish_raced"),
        repo::RepoError::Nested(..) => {
            tracing::error!(error = %e, "studio refused the content folder");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "studio_content_not_repository",
            )
        }
        other => AppError::internal_because("studio repository operation failed", other),
    }
}

/// Runs blocking file and repository work off the request threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, AppError> + Send + 'static,
) -> std::result::Result<T, AppError> {
    actix_web::web::block(f)
        .await
        .map_err(|e| AppError::internal_because("studio blocking task failed", e))?
}

pub fn paths(state: &AppState) -> Paths {
    Paths::new(&state.settings.content_dir, &state.settings.data_dir)
}

/// The studio is for instructors and administrators.
pub fn require_studio(user: &User) -> std::result::Result<(), AppError> {
    if user.has_role(ROLE_INSTRUCTOR) || user.has_role(ROLE_ADMIN) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// What a person may do with one course.
#[derive(Debug, Clone, Copy, Serialize, Default, utoipa::ToSchema)]
pub struct Rights {
    pub edit: bool,
    pub review: bool,
    pub admin: bool,
}

pub async fn rights(
    state: &AppState,
    user: &User,
    course: &str,
) -> std::result::Result<Rights, AppError> {
    require_studio(user)?;
    let admin = user.has_role(ROLE_ADMIN);
    let mine = state
        .store
        .studio_roles_of(user.id)
        .await
        .map_err(store_error)?;
    let role = mine
        .iter()
        .find(|a| a.course_id == course)
        .map(|a| a.role.as_str());
    Ok(Rights {
        edit: admin || role == Some(ROLE_AUTHOR),
        review: admin || role == Some(ROLE_REVIEWER),
        admin,
    })
}

/// The commit identity of a person: their display name and an address that names the account
/// by id only (no username or e-mail goes into the repository).
fn person(user: &User) -> repo::Person {
    repo::Person {
        name: user.display_name.clone(),
        email: format!("user-{}@hocvuso.invalid", user.id),
    }
}

fn now_seconds(state: &AppState) -> i64 {
    state.clock.now().unix_timestamp()
}

/// Opens (or makes) the content repository and returns the head commit.
fn head_of(paths: &Paths, first: &repo::Person, at: i64) -> std::result::Result<String, AppError> {
    let repo = repo::open_or_init(&paths.content, first, at).map_err(repo_error)?;
    Ok(repo::head(&repo)
        .map_err(repo_error)?
        .map(|id| id.to_string())
        .unwrap_or_default())
}

/// A course of the studio's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub published: bool,
    pub status: Option<String>,
    pub revision: Option<i64>,
    pub rights: Rights,
}

/// Every published course and every draft, with what the person may do.
pub async fn courses(
    state: &AppState,
    user: &User,
) -> std::result::Result<Vec<CourseRow>, AppError> {
    require_studio(user)?;
    let catalog = state.catalog();
    let drafts = state.store.studio_drafts().await.map_err(store_error)?;
    let mine = state
        .store
        .studio_roles_of(user.id)
        .await
        .map_err(store_error)?;
    let admin = user.has_role(ROLE_ADMIN);
    let rights_for = |id: &str| {
        let role = mine
            .iter()
            .find(|a| a.course_id == id)
            .map(|a| a.role.as_str());
        Rights {
            edit: admin || role == Some(ROLE_AUTHOR),
            review: admin || role == Some(ROLE_REVIEWER),
            admin,
        }
    };
    let paths = paths(state);
    let mut rows: Vec<CourseRow> = catalog
        .courses
        .values()
        .map(|c| {
            let draft = drafts.iter().find(|d| d.course_id == c.id);
            CourseRow {
                id: c.id.clone(),
                title: c.title.clone(),
                published: true,
                status: draft.map(|d| d.status.clone()),
                revision: draft.map(|d| d.revision),
                rights: rights_for(&c.id),
            }
        })
        .collect();
    for d in drafts
        .iter()
        .filter(|d| catalog.course(&d.course_id).is_none())
    {
        let title = std::fs::read_to_string(paths.draft(&d.course_id).join("course.toml"))
            .ok()
            .and_then(|t| files::read_course(&t))
            .map(|(_, s)| s.title)
            .unwrap_or_else(|| d.course_id.clone());
        rows.push(CourseRow {
            id: d.course_id.clone(),
            title,
            published: false,
            status: Some(d.status.clone()),
            revision: Some(d.revision),
            rights: rights_for(&d.course_id),
        });
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rows)
}

/// A draft as the studio shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    pub course_id: String,
    pub revision: i64,
    pub status: String,
    pub review_comment: Option<String>,
    pub message: Option<String>,
    pub published: bool,
    pub rights: Rights,
    #[serde(skip)]
    #[schema(ignore)]
    pub files: Files,
    pub settings: files::CourseSettings,
    pub lessons: Vec<LessonRow>,
    pub questions: usize,
    pub media: Vec<String>,
    pub problems: Vec<FieldProblem>,
    pub warnings: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LessonRow {
    pub file: String,
    pub id: String,
    pub title: String,
}

impl DraftView {
    pub fn text(&self, rel: &str) -> Option<String> {
        self.files
            .get(rel)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn problems_of<'a>(&'a self, file: &'a str) -> impl Iterator<Item = &'a FieldProblem> {
        self.problems
            .iter()
            .chain(self.warnings.iter())
            .filter(move |p| p.file == file)
    }
}

/// The draft of `course`, opened from the published course on first use (by someone who may
/// edit it). Reviewers see drafts but do not open them.
pub async fn draft(state: &AppState, user: &User, course: &str) -> Result<DraftView> {
    let rights = rights(state, user, course).await?;
    if !rights.edit && !rights.review {
        return Err(AppError::forbidden().into());
    }
    let row = match state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
    {
        Some(row) => row,
        None => {
            if state.catalog().course(course).is_none() {
                return Err(AppError::not_found().into());
            }
            if !rights.edit {
                return Err(AppError::not_found().into());
            }
            open_draft(state, user, course).await?
        }
    };
    view(state, row, rights).await
}

async fn open_draft(state: &AppState, user: &User, course: &str) -> Result<StudioDraft> {
    let _turn = WRITES.lock().await;
    if let Some(row) = state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
    {
        return Ok(row);
    }
    let paths = paths(state);
    let (me, at, id) = (person(user), now_seconds(state), course.to_owned());
    let head = blocking(move || {
        let head = head_of(&paths, &me, at)?;
        let published =
            workspace::read_files(&paths.content.join("courses").join(&id)).map_err(io_error)?;
        workspace::write_folder(&paths.draft(&id), &published).map_err(io_error)?;
        Ok(head)
    })
    .await?;
    let row = state
        .store
        .create_studio_draft(course, &head, user.id, state.clock.now())
        .await
        .map_err(store_error)?;
    Ok(row)
}

async fn view(state: &AppState, row: StudioDraft, rights: Rights) -> Result<DraftView> {
    let paths = paths(state);
    let course = row.course_id.clone();
    let (files, report) = blocking(move || {
        let files = workspace::read_files(&paths.draft(&course)).map_err(io_error)?;
        let staging = workspace::Staging::new(&paths, &course, &files).map_err(io_error)?;
        let report = check::run(&staging.root, &course);
        Ok((files, report))
    })
    .await?;
    let settings = files
        .get("course.toml")
        .and_then(|b| files::read_course(&String::from_utf8_lossy(b)))
        .map(|(_, s)| s)
        .unwrap_or_default();
    let lessons = files
        .iter()
        .filter_map(|(path, bytes)| {
            let file = path.strip_prefix("lessons/")?;
            let (_, slug) = files::lesson_name(file)?;
            let doc = files::read_lesson(&String::from_utf8_lossy(bytes));
            Some(LessonRow {
                file: file.to_owned(),
                id: slug.to_owned(),
                title: doc.map(|d| d.title).unwrap_or_default(),
            })
        })
        .collect();
    let questions = report
        .catalog
        .as_ref()
        .and_then(|c| c.course(&row.course_id))
        .map_or(0, |c| c.bank.len());
    let media = files
        .keys()
        .filter_map(|p| p.strip_prefix("media/").map(str::to_owned))
        .collect();
    let published = state.catalog().course(&row.course_id).is_some();
    Ok(DraftView {
        course_id: row.course_id,
        revision: row.revision,
        status: row.status,
        review_comment: row.review_comment,
        message: row.message,
        published,
        rights,
        files,
        settings,
        lessons,
        questions,
        media,
        problems: report.problems,
        warnings: report.warnings,
    })
}

/// Creates a course from the template (one lesson, no bank): an instructor becomes its author.
pub async fn create(state: &AppState, user: &User, id: &str, title: &str) -> Result<DraftView> {
    require_studio(user)?;
    if !hocvuso_course::ids::is_valid_id(id) || id.len() > 60 {
        return Err(Refusal::at("id", "studio_invalid_id"));
    }
    if title.trim().is_empty() || title.chars().count() > 200 {
        return Err(Refusal::at("title", "studio_title_required"));
    }
    let catalog = state.catalog();
    if catalog.course(id).is_some()
        || state
            .store
            .studio_draft(id)
            .await
            .map_err(store_error)?
            .is_some()
    {
        return Err(Refusal::at("id", "studio_duplicate_id"));
    }
    let group = catalog
        .groups
        .first()
        .map(|g| g.id.clone())
        .unwrap_or_else(|| "citizen".into());
    let competence = catalog
        .framework
        .competences()
        .next()
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let template: Files = files::template(title.trim(), &group, &competence)
        .into_iter()
        .collect();
    let _turn = WRITES.lock().await;
    let paths = paths(state);
    let (me, at, course) = (person(user), now_seconds(state), id.to_owned());
    let (head, report) = blocking(move || {
        let head = head_of(&paths, &me, at)?;
        let staging = workspace::Staging::new(&paths, &course, &template).map_err(io_error)?;
        let report = check::run(&staging.root, &course);
        if report.problems.is_empty() {
            workspace::write_folder(&paths.draft(&course), &template).map_err(io_error)?;
        }
        Ok((head, report))
    })
    .await?;
    if !report.problems.is_empty() {
        return Err(Refusal::Problems(report.problems));
    }
    let row = match state
        .store
        .create_studio_draft(id, &head, user.id, state.clock.now())
        .await
    {
        Ok(row) => row,
        Err(hocvuso_store::StoreError::Conflict(_)) => {
            return Err(Refusal::at("id", "studio_duplicate_id"))
        }
        Err(e) => return Err(store_error(e).into()),
    };
    if !user.has_role(ROLE_ADMIN) {
        state
            .store
            .set_studio_author(id, user.id, ROLE_AUTHOR)
            .await
            .map_err(store_error)?;
    }
    let rights = rights(state, user, id).await?;
    view(state, row, rights).await
}

/// What a save gives back: the new revision and the item-writing findings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub revision: i64,
    pub warnings: Vec<FieldProblem>,
}

/// Saves a change made on `revision`: refused when the draft moved on (with the other
/// editor's text), or when the course would not load (with the problems); nothing is written
/// then.
pub async fn save(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    change: Change,
) -> Result<Saved> {
    if !rights(state, user, course).await?.edit {
        return Err(AppError::forbidden().into());
    }
    if change.iter().any(|(path, _)| !workspace::safe_path(path)) {
        return Err(AppError::unprocessable("studio_invalid_path").into());
    }
    let _turn = WRITES.lock().await;
    let row = state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
        .ok_or_else(AppError::not_found)?;
    let paths = paths(state);
    if row.revision != revision {
        return Err(conflict(&paths, course, &row, &change).await?);
    }
    let (id, staged_change) = (course.to_owned(), change.clone());
    let check_paths = paths.clone();
    let report = blocking(move || {
        let mut files = workspace::read_files(&check_paths.draft(&id)).map_err(io_error)?;
        for (path, bytes) in &staged_change {
            match bytes {
                Some(b) => {
                    files.insert(path.clone(), b.clone());
                }
                None => {
                    files.remove(path);
                }
            }
        }
        let staging = workspace::Staging::new(&check_paths, &id, &files).map_err(io_error)?;
        Ok(check::run(&staging.root, &id))
    })
    .await?;
    if !report.problems.is_empty() {
        return Err(Refusal::Problems(report.problems));
    }
    if !state
        .store
        .save_studio_draft(course, revision, user.id, state.clock.now())
        .await
        .map_err(store_error)?
    {
        let row = state
            .store
            .studio_draft(course)
            .await
            .map_err(store_error)?
            .ok_or_else(AppError::not_found)?;
        return Err(conflict(&paths, course, &row, &change).await?);
    }
    let id = course.to_owned();
    blocking(move || workspace::apply(&paths.draft(&id), &change).map_err(io_error)).await?;
    Ok(Saved {
        revision: revision + 1,
        warnings: report.warnings,
    })
}

async fn conflict(
    paths: &Paths,
    course: &str,
    row: &StudioDraft,
    change: &Change,
) -> std::result::Result<Refusal, AppError> {
    let dir = paths.draft(course);
    let wanted: Vec<String> = change.iter().map(|(p, _)| p.clone()).collect();
    let theirs = blocking(move || {
        Ok(wanted
            .into_iter()
            .filter(|p| p.ends_with(".md") || p.ends_with(".toml") || p.ends_with(".gift"))
            .map(|p| {
                let text = std::fs::read_to_string(dir.join(&p)).unwrap_or_default();
                (p, text)
            })
            .collect())
    })
    .await?;
    Ok(Refusal::Conflict {
        revision: row.revision,
        theirs,
    })
}

fn known_competences(catalog: &Catalog, codes: &[String], field: &str) -> Result<()> {
    if codes
        .iter()
        .any(|c| catalog.framework.competence(c).is_none())
    {
        return Err(Refusal::at(field, "studio_unknown_competence"));
    }
    Ok(())
}

/// The course form: checks the fields against the framework and the catalog, then saves
/// `course.toml` with every key it does not know kept.
pub async fn save_settings(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    settings: files::CourseSettings,
) -> Result<Saved> {
    let catalog = state.catalog();
    if settings.title.trim().is_empty() {
        return Err(Refusal::at("title", "studio_title_required"));
    }
    known_competences(&catalog, &settings.competences, "competences")?;
    if settings.groups.is_empty() || settings.groups.iter().any(|g| catalog.group(g).is_none()) {
        return Err(Refusal::at("groups", "studio_unknown_group"));
    }
    if settings
        .prerequisites
        .iter()
        .any(|p| p == course || catalog.course(p).is_none())
    {
        return Err(Refusal::at("prerequisites", "studio_unknown_course"));
    }
    if settings
        .prerequisites
        .iter()
        .any(|p| requires(&catalog, p, course))
    {
        return Err(Refusal::at("prerequisites", "studio_prerequisite_cycle"));
    }
    if !(1..=8).contains(&settings.level) {
        return Err(Refusal::at("level", "studio_bad_number"));
    }
    if !(1..=6000).contains(&settings.minutes) {
        return Err(Refusal::at("minutes", "studio_bad_number"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for q in &settings.quizzes {
        if !hocvuso_course::ids::is_valid_id(&q.id) || !seen.insert(q.id.clone()) {
            return Err(Refusal::at("quiz", "studio_duplicate_id"));
        }
        if !(1..=200).contains(&q.questions)
            || !(1..=100).contains(&q.pass_percent)
            || !(0..=100).contains(&q.max_attempts)
        {
            return Err(Refusal::at("quiz", "studio_bad_number"));
        }
    }
    let current = read_draft_file(state, course, "course.toml").await?;
    let table = current
        .as_deref()
        .and_then(files::read_course)
        .map(|(t, _)| t)
        .unwrap_or_default();
    let text = files::write_course(table, &settings);
    save(
        state,
        user,
        course,
        revision,
        vec![("course.toml".into(), Some(text.into_bytes()))],
    )
    .await
}

/// Whether course `from` needs `target` first, directly or through its own prerequisites
/// (making `target` need `from` would be a loop).
pub fn requires(catalog: &Catalog, from: &str, target: &str) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(id) = todo.pop() {
        if id == target {
            return true;
        }
        if seen.insert(id.clone()) {
            if let Some(c) = catalog.course(&id) {
                todo.extend(c.prerequisites.iter().cloned());
            }
        }
    }
    false
}

async fn read_draft_file(
    state: &AppState,
    course: &str,
    rel: &str,
) -> std::result::Result<Option<String>, AppError> {
    if !workspace::safe_path(rel) {
        return Ok(None);
    }
    let path = paths(state).draft(course).join(rel);
    blocking(move || Ok(std::fs::read_to_string(path).ok())).await
}

/// A lesson file of the draft, read for the lesson form.
pub async fn lesson(
    state: &AppState,
    user: &User,
    course: &str,
    file: &str,
) -> Result<files::LessonDoc> {
    let r = rights(state, user, course).await?;
    if !r.edit && !r.review {
        return Err(AppError::forbidden().into());
    }
    files::lesson_name(file).ok_or_else(AppError::not_found)?;
    let text = read_draft_file(state, course, &format!("lessons/{file}"))
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(files::read_lesson(&text).unwrap_or(files::LessonDoc {
        body: text,
        ..Default::default()
    }))
}

/// Checks a lesson's fields before it is written: no raw HTML or script links in the body,
/// known competences.
pub fn check_lesson(catalog: &Catalog, doc: &files::LessonDoc) -> Result<()> {
    if doc.title.trim().is_empty() {
        return Err(Refusal::at("title", "studio_title_required"));
    }
    if !(1..=600).contains(&doc.minutes) {
        return Err(Refusal::at("minutes", "studio_bad_number"));
    }
    known_competences(catalog, &doc.competences, "competences")?;
    if let Some(issue) = markdown_issues(&doc.body).first() {
        let key = match issue {
            MarkdownIssue::RawHtml { .. } => "studio_raw_html",
            MarkdownIssue::ScriptLink { .. } => "studio_script_link",
        };
        return Err(Refusal::Error {
            error: AppError::unprocessable(key).with_detail(format!("(dòng {})", issue.line())),
            field: Some("body".into()),
        });
    }
    Ok(())
}

/// Saves a lesson: `file` names an existing one, or None for a new lesson `slug` at the end.
pub async fn save_lesson(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    file: Option<&str>,
    slug: &str,
    doc: &files::LessonDoc,
) -> Result<(Saved, String)> {
    check_lesson(&state.catalog(), doc)?;
    let draft = draft(state, user, course).await?;
    let name = match file {
        Some(f) => {
            if !draft.lessons.iter().any(|l| l.file == f) {
                return Err(AppError::not_found().into());
            }
            f.to_owned()
        }
        None => {
            if !hocvuso_course::ids::is_valid_id(slug) || slug.len() > 60 {
                return Err(Refusal::at("slug", "studio_invalid_id"));
            }
            if draft.lessons.iter().any(|l| l.id == slug) {
                return Err(Refusal::at("slug", "studio_duplicate_id"));
            }
            let next = draft
                .lessons
                .iter()
                .filter_map(|l| files::lesson_name(&l.file).map(|(n, _)| n))
                .max()
                .unwrap_or(0)
                + 1;
            format!("{next:02}-{slug}.md")
        }
    };
    let saved = save(
        state,
        user,
        course,
        revision,
        vec![(
            format!("lessons/{name}"),
            Some(files::write_lesson(doc).into_bytes()),
        )],
    )
    .await?;
    Ok((saved, name))
}

/// Puts the lessons in the given order (their files renumbered; ids stay, so learners'
/// records still point at them).
pub async fn reorder(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    order: &[String],
) -> Result<Saved> {
    let draft = draft(state, user, course).await?;
    let mut current: Vec<&str> = draft.lessons.iter().map(|l| l.file.as_str()).collect();
    let mut wanted: Vec<&str> = order.iter().map(String::as_str).collect();
    current.sort_unstable();
    wanted.sort_unstable();
    if current != wanted {
        return Err(Refusal::at("order", "studio_bad_order"));
    }
    let mut change: Change = Vec::new();
    let mut writes = Vec::new();
    for (i, file) in order.iter().enumerate() {
        let (_, slug) = files::lesson_name(file).ok_or_else(AppError::not_found)?;
        let name = format!("{:02}-{slug}.md", i + 1);
        if &name != file {
            let bytes = draft
                .files
                .get(&format!("lessons/{file}"))
                .cloned()
                .ok_or_else(AppError::not_found)?;
            change.push((format!("lessons/{file}"), None));
            writes.push((format!("lessons/{name}"), Some(bytes)));
        }
    }
    if change.is_empty() {
        return Ok(Saved {
            revision,
            warnings: draft.warnings,
        });
    }
    // Removals first, so a file renamed onto another's old name is written after it went.
    change.retain(|(p, _)| !writes.iter().any(|(w, _)| w == p));
    change.extend(writes);
    save(state, user, course, revision, change).await
}

/// Removes a lesson from the draft.
pub async fn remove_lesson(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    file: &str,
) -> Result<Saved> {
    files::lesson_name(file).ok_or_else(AppError::not_found)?;
    save(
        state,
        user,
        course,
        revision,
        vec![(format!("lessons/{file}"), None)],
    )
    .await
}

/// What an import added to the bank.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub saved: Saved,
    pub questions: Vec<String>,
    pub media: Vec<String>,
}

/// Reads a pasted or uploaded bank (GIFT, Moodle XML, QTI) and appends its questions to the
/// course's `questions.gift` (and embedded Moodle media to `media/`), in one save. Questions
/// without an id get one from the course's id; ids already in the bank, competences the
/// framework does not have and types GIFT cannot hold are refused, and nothing is written.
pub async fn import_questions(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    format: &str,
    text: &str,
) -> Result<Imported> {
    let from: Format = format
        .parse()
        .map_err(|_| Refusal::at("format", "unknown_format"))?;
    if from == Format::Toml || from == Format::Json {
        return Err(Refusal::at("format", "unknown_format"));
    }
    let mut bank = interchange::read_bank(text, from).map_err(|e| Refusal::Error {
        error: AppError::unprocessable("studio_bank_unreadable")
            .with_detail(e.to_string().lines().take(5).collect::<Vec<_>>().join(" ")),
        field: Some("text".into()),
    })?;
    if bank.questions.is_empty() {
        return Err(Refusal::at("text", "studio_bank_empty"));
    }
    let catalog = state.catalog();
    let draft = draft(state, user, course).await?;
    let existing: std::collections::BTreeSet<String> = draft
        .files
        .get("questions.gift")
        .and_then(|b| hocvuso_assessment::gift::parse(&String::from_utf8_lossy(b)).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|q| q.id)
        .collect();
    let mut taken = existing.clone();
    let mut counter = existing.len();
    for q in &mut bank.questions {
        match &q.id {
            Some(id) => {
                if !taken.insert(id.clone()) {
                    return Err(Refusal::Error {
                        error: AppError::unprocessable("studio_duplicate_question")
                            .with_detail(id.clone()),
                        field: Some("text".into()),
                    });
                }
            }
            None => loop {
                counter += 1;
                let id = format!("{course}-{counter:03}");
                if taken.insert(id.clone()) {
                    q.id = Some(id);
                    break;
                }
            },
        }
        for tag in &q.tags {
            if let Some(code) = tag.strip_prefix("competence-") {
                if catalog.framework.competence(code).is_none() {
                    return Err(Refusal::Error {
                        error: AppError::unprocessable("studio_unknown_competence")
                            .with_detail(code.to_owned()),
                        field: Some("text".into()),
                    });
                }
            }
        }
    }
    let gift = interchange::write_bank(&bank, Format::Gift).map_err(|e| Refusal::Error {
        error: AppError::unprocessable("studio_question_type_unsupported")
            .with_detail(e.to_string().lines().take(3).collect::<Vec<_>>().join(" ")),
        field: Some("text".into()),
    })?;
    let mut media_names = Vec::new();
    let mut change: Change = Vec::new();
    for file in &bank.media {
        media::judge(&file.bytes).map_err(|error| Refusal::Error {
            error,
            field: Some("text".into()),
        })?;
        media_names.push(file.path());
        change.push((file.path(), Some(file.bytes.clone())));
    }
    let old = draft.text("questions.gift").unwrap_or_default();
    let joined = if old.trim().is_empty() {
        gift
    } else {
        format!("{}\n\n{}", old.trim_end(), gift)
    };
    change.push(("questions.gift".into(), Some(joined.into_bytes())));
    let added = bank.questions.iter().filter_map(|q| q.id.clone()).collect();
    let saved = save(state, user, course, revision, change).await?;
    Ok(Imported {
        saved,
        questions: added,
        media: media_names,
    })
}

/// An uploaded media file with its required text, put into a lesson: an image with its alt
/// text where the lesson's summary starts, an audio file as the lesson's narration with its
/// transcript in the lesson.
/// An uploaded file with the lesson it goes into and its alt text or transcript.
pub struct MediaUpload<'a> {
    pub lesson: &'a str,
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub text: &'a str,
}

pub async fn upload_media(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    upload: MediaUpload<'_>,
) -> Result<(Saved, String)> {
    let MediaUpload {
        lesson: lesson_file,
        name,
        bytes,
        text,
    } = upload;
    let kind = media::judge(bytes).map_err(|error| Refusal::Error {
        error,
        field: Some("file".into()),
    })?;
    let stored =
        media::stored_name(name, kind).ok_or_else(|| Refusal::at("file", "studio_media_type"))?;
    let text = text.trim();
    let mut doc = lesson(state, user, course, lesson_file).await?;
    let path = format!("media/{stored}");
    match kind {
        media::Upload::Image(_) => {
            if text.is_empty() || text.contains(['[', ']', '\n']) || text.chars().count() > 300 {
                return Err(Refusal::at("text", "studio_alt_required"));
            }
            doc.body = files::insert_before_summary(&doc.body, &format!("![{text}]({path})"));
        }
        media::Upload::Audio(_) => {
            if text.chars().count() < 10 {
                return Err(Refusal::at("text", "studio_transcript_required"));
            }
            doc.audio = path.clone();
            let block = format!("### Lời thoại\n\n{text}");
            doc.body = files::insert_before_summary(&doc.body, &block);
        }
    }
    check_lesson(&state.catalog(), &doc).map_err(|r| match r {
        Refusal::Error { error, .. } => Refusal::Error {
            error,
            field: Some("text".into()),
        },
        other => other,
    })?;
    let saved = save(
        state,
        user,
        course,
        revision,
        vec![
            (path.clone(), Some(bytes.to_vec())),
            (
                format!("lessons/{lesson_file}"),
                Some(files::write_lesson(&doc).into_bytes()),
            ),
        ],
    )
    .await?;
    Ok((saved, path))
}

fn clean_message(text: &str, field: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Refusal::at(field, "studio_message_required"));
    }
    Ok(text.to_owned())
}

async fn step(state: &AppState, course: &str, revision: i64, step: DraftStep<'_>) -> Result<()> {
    let done = state
        .store
        .step_studio_draft(course, revision, step, state.clock.now())
        .await
        .map_err(store_error)?;
    if done {
        Ok(())
    } else {
        Err(AppError::conflict("studio_draft_changed").into())
    }
}

/// The author hands the draft to review with the message the publish will carry.
pub async fn submit(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    message: &str,
) -> Result<()> {
    if !rights(state, user, course).await?.edit {
        return Err(AppError::forbidden().into());
    }
    let message = clean_message(message, "message")?;
    let view = draft(state, user, course).await?;
    if !view.problems.is_empty() {
        return Err(Refusal::Problems(view.problems));
    }
    step(
        state,
        course,
        revision,
        DraftStep {
            from: &[EDITING, RETURNED],
            to: SUBMITTED,
            actor: user.id,
            submit_message: Some(&message),
            review: None,
        },
    )
    .await
}

/// A reviewer approves a submitted draft (not their own, unless an administrator).
pub async fn approve(state: &AppState, user: &User, course: &str, revision: i64) -> Result<()> {
    let r = rights(state, user, course).await?;
    if !r.review {
        return Err(AppError::forbidden().into());
    }
    let row = state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
        .ok_or_else(AppError::not_found)?;
    if row.submitted_by == Some(user.id) && !r.admin {
        return Err(AppError::forbidden().into());
    }
    step(
        state,
        course,
        revision,
        DraftStep {
            from: &[SUBMITTED],
            to: APPROVED,
            actor: user.id,
            submit_message: None,
            review: Some(None),
        },
    )
    .await
}

/// A reviewer returns a submitted (or approved) draft with a comment.
pub async fn send_back(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    comment: &str,
) -> Result<()> {
    if !rights(state, user, course).await?.review {
        return Err(AppError::forbidden().into());
    }
    let comment = clean_message(comment, "comment")?;
    step(
        state,
        course,
        revision,
        DraftStep {
            from: &[SUBMITTED, APPROVED],
            to: RETURNED,
            actor: user.id,
            submit_message: None,
            review: Some(Some(&comment)),
        },
    )
    .await
}

/// What a publish made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub commit: String,
    pub catalog_version: String,
}

/// Publishes an approved draft: checked again (problems and item-writing findings block it),
/// committed on top of the head it was checked against, swapped into the content folder, and
/// the catalog reloaded and replaced in one step.
pub async fn publish(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
) -> Result<Published> {
    if !rights(state, user, course).await?.review {
        return Err(AppError::forbidden().into());
    }
    let _turn = WRITES.lock().await;
    let row = state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
        .ok_or_else(AppError::not_found)?;
    if row.revision != revision {
        return Err(AppError::conflict("studio_draft_changed").into());
    }
    if row.status != APPROVED {
        return Err(AppError::conflict("studio_not_approved").into());
    }
    let author = match row.submitted_by {
        Some(id) => state.store.user_by_id(id).await.map_err(store_error)?,
        None => None,
    }
    .unwrap_or_else(|| user.clone());
    let message = format!(
        "{}\n\nReviewed-by: {}\nCourse: {course}\n",
        row.message.clone().unwrap_or_else(|| course.to_owned()),
        user.display_name
    );
    let paths = paths(state);
    let files = {
        let dir = paths.draft(course);
        blocking(move || workspace::read_files(&dir).map_err(io_error)).await?
    };
    let committed = commit_course(
        state,
        course,
        files,
        person(&author),
        person(user),
        message,
        Some(row.base_commit.clone()),
    )
    .await?;
    state
        .store
        .rebase_studio_draft(course, &committed.commit, user.id, state.clock.now())
        .await
        .map_err(store_error)?;
    Ok(committed)
}

/// The shared half of publish and roll back: check, commit, swap the folder, reload.
/// `base`: the commit the files were written against; the publish is refused when the course
/// changed in the repository since (another publish won).
async fn commit_course(
    state: &AppState,
    course: &str,
    files: Files,
    author: repo::Person,
    committer: repo::Person,
    message: String,
    base: Option<String>,
) -> Result<Published> {
    let paths = paths(state);
    let (id, at) = (course.to_owned(), now_seconds(state));
    let outcome = blocking(move || {
        let staging = workspace::Staging::new(&paths, &id, &files).map_err(io_error)?;
        let report = check::run(&staging.root, &id);
        drop(staging);
        if !report.problems.is_empty() || !report.warnings.is_empty() {
            let mut all = report.problems;
            all.extend(report.warnings);
            return Ok(Err(all));
        }
        let repo = repo::open_or_init(&paths.content, &committer, at).map_err(repo_error)?;
        let head = repo::head(&repo).map_err(repo_error)?;
        let folder = format!("courses/{id}");
        if let (Some(base), Some(head)) = (base.as_deref(), head) {
            let base = repo::commit_id(&repo, base);
            let then = match base {
                Some(b) => repo::subtree(&repo, b, &folder).map_err(repo_error)?,
                None => None,
            };
            let now = repo::subtree(&repo, head, &folder).map_err(repo_error)?;
            if then != now {
                return Err(AppError::conflict("studio_publish_raced"));
            }
        }
        let tree = repo::write_files(&repo, &files).map_err(repo_error)?;
        let head = head.ok_or_else(|| AppError::internal_because("studio", "no head"))?;
        if repo::subtree(&repo, head, &folder).map_err(repo_error)? == Some(tree) {
            return Err(AppError::conflict("studio_nothing_to_publish"));
        }
        let root = repo::with_course(&repo, head, &id, tree).map_err(repo_error)?;
        let commit = repo::commit(&repo, &author, &committer, &message, root, Some(head), at)
            .map_err(repo_error)?;
        workspace::replace_course(&paths.content, &id, &files).map_err(io_error)?;
        let catalog = hocvuso_course::load(&paths.content)
            .map_err(|p| AppError::internal_because("the published content does not load", p))?;
        Ok(Ok((commit.to_string(), catalog)))
    })
    .await?;
    let (commit, catalog) = outcome.map_err(Refusal::Problems)?;
    let catalog_version = catalog.version.clone();
    state.catalogs.replace(catalog);
    tracing::info!(course = course, commit = %commit, "studio published a course");
    Ok(Published {
        commit,
        catalog_version,
    })
}

/// A version of the history, for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub commit: String,
    pub short: String,
    pub author: String,
    pub committer: String,
    pub reviewer: Option<String>,
    pub time: i64,
    pub summary: String,
}

/// The published versions of a course, newest first.
pub async fn history(state: &AppState, user: &User, course: &str) -> Result<Vec<VersionView>> {
    let r = rights(state, user, course).await?;
    if !r.edit && !r.review {
        return Err(AppError::forbidden().into());
    }
    let paths = paths(state);
    let (me, at, id) = (person(user), now_seconds(state), course.to_owned());
    let versions = blocking(move || {
        let repo = repo::open_or_init(&paths.content, &me, at).map_err(repo_error)?;
        repo::history(&repo, &id, 200).map_err(repo_error)
    })
    .await?;
    Ok(versions
        .into_iter()
        .map(|v| VersionView {
            short: v.commit.chars().take(10).collect(),
            commit: v.commit,
            author: v.author,
            committer: v.committer,
            reviewer: v.reviewer,
            time: v.time,
            summary: v.summary,
        })
        .collect())
}

/// What changed between two versions (`to` = "draft" for the draft against the published
/// version it started from).
pub async fn compare(
    state: &AppState,
    user: &User,
    course: &str,
    from: &str,
    to: &str,
) -> Result<diff::CourseDiff> {
    let r = rights(state, user, course).await?;
    if !r.edit && !r.review {
        return Err(AppError::forbidden().into());
    }
    let paths = paths(state);
    let (me, at, id, from, to) = (
        person(user),
        now_seconds(state),
        course.to_owned(),
        from.to_owned(),
        to.to_owned(),
    );
    let d = blocking(move || {
        let repo = repo::open_or_init(&paths.content, &me, at).map_err(repo_error)?;
        let folder = format!("courses/{id}");
        let at_commit = |hex: &str| -> std::result::Result<Files, AppError> {
            if hex == "draft" {
                return workspace::read_files(&paths.draft(&id)).map_err(io_error);
            }
            if hex == "published" {
                return match repo::head(&repo).map_err(repo_error)? {
                    Some(h) => repo::files_at(&repo, h, &folder).map_err(repo_error),
                    None => Ok(Files::new()),
                };
            }
            let c = repo::commit_id(&repo, hex).ok_or_else(AppError::not_found)?;
            repo::files_at(&repo, c, &folder).map_err(repo_error)
        };
        Ok(diff::course_diff(&at_commit(&from)?, &at_commit(&to)?))
    })
    .await?;
    Ok(d)
}

/// Rolls a course back to an earlier version: a new commit whose course folder is that
/// version's (checked like any publish), then served. A draft with no unpublished work
/// follows; one with work in progress keeps it.
pub async fn roll_back(
    state: &AppState,
    user: &User,
    course: &str,
    commit: &str,
) -> Result<Published> {
    if !rights(state, user, course).await?.review {
        return Err(AppError::forbidden().into());
    }
    let _turn = WRITES.lock().await;
    let paths = paths(state);
    let (me, at, id, hex) = (
        person(user),
        now_seconds(state),
        course.to_owned(),
        commit.to_owned(),
    );
    let read_paths = paths.clone();
    let (files, current) = blocking(move || {
        let repo = repo::open_or_init(&read_paths.content, &me, at).map_err(repo_error)?;
        let c = repo::commit_id(&repo, &hex).ok_or_else(AppError::not_found)?;
        let folder = format!("courses/{id}");
        let files = repo::files_at(&repo, c, &folder).map_err(repo_error)?;
        let current = match repo::head(&repo).map_err(repo_error)? {
            Some(h) => repo::files_at(&repo, h, &folder).map_err(repo_error)?,
            None => Files::new(),
        };
        Ok((files, current))
    })
    .await?;
    if files.is_empty() {
        return Err(AppError::not_found().into());
    }
    let short: String = commit.chars().take(10).collect();
    let message = format!("Khôi phục phiên bản {short}\n\nRestores: {commit}\nCourse: {course}\n");
    let published = commit_course(
        state,
        course,
        files.clone(),
        person(user),
        person(user),
        message,
        None,
    )
    .await?;
    if let Some(row) = state
        .store
        .studio_draft(course)
        .await
        .map_err(store_error)?
    {
        let dir = paths.draft(course);
        let follow = blocking(move || {
            let draft = workspace::read_files(&dir).map_err(io_error)?;
            if draft == current {
                workspace::write_folder(&dir, &files).map_err(io_error)?;
                return Ok(true);
            }
            Ok(false)
        })
        .await?;
        tracing::debug!(
            course = course,
            follow,
            revision = row.revision,
            "draft after roll back"
        );
        state
            .store
            .rebase_studio_draft(course, &published.commit, user.id, state.clock.now())
            .await
            .map_err(store_error)?;
    }
    Ok(published)
}

/// Someone named on a course.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorView {
    pub user_id: i64,
    pub display_name: String,
    pub role: String,
}

pub async fn authors(state: &AppState, user: &User, course: &str) -> Result<Vec<AuthorView>> {
    require_studio(user)?;
    let mut out = Vec::new();
    for a in state
        .store
        .studio_authors(course)
        .await
        .map_err(store_error)?
    {
        let name = state
            .store
            .user_by_id(a.user_id)
            .await
            .map_err(store_error)?
            .map(|u| u.display_name)
            .unwrap_or_default();
        out.push(AuthorView {
            user_id: a.user_id,
            display_name: name,
            role: a.role,
        });
    }
    Ok(out)
}

/// An administrator names an instructor (by username) as author or reviewer of a course, or
/// takes them off it (`role` = "none").
pub async fn assign(
    state: &AppState,
    user: &User,
    course: &str,
    username: &str,
    role: &str,
) -> Result<()> {
    if !user.has_role(ROLE_ADMIN) {
        return Err(AppError::forbidden().into());
    }
    let exists = state.catalog().course(course).is_some()
        || state
            .store
            .studio_draft(course)
            .await
            .map_err(store_error)?
            .is_some();
    if !exists {
        return Err(AppError::not_found().into());
    }
    let person = state
        .store
        .user_by_username(username.trim())
        .await
        .map_err(store_error)?
        .filter(|u| u.has_role(ROLE_INSTRUCTOR) || u.has_role(ROLE_ADMIN))
        .ok_or_else(|| Refusal::at("username", "studio_not_instructor"))?;
    match role {
        ROLE_AUTHOR | ROLE_REVIEWER => state
            .store
            .set_studio_author(course, person.id, role)
            .await
            .map_err(store_error)?,
        "none" => {
            state
                .store
                .remove_studio_author(course, person.id)
                .await
                .map_err(store_error)?;
        }
        _ => return Err(Refusal::at("role", "studio_bad_role")),
    }
    Ok(())
}

/// A media file of a draft, for the lesson preview (only under `media/`).
pub async fn draft_media(
    state: &AppState,
    user: &User,
    course: &str,
    rel: &str,
) -> Result<(Vec<u8>, media::Upload)> {
    let r = rights(state, user, course).await?;
    if !r.edit && !r.review {
        return Err(AppError::forbidden().into());
    }
    let path = format!("media/{rel}");
    if !workspace::safe_path(&path) {
        return Err(AppError::not_found().into());
    }
    let file = paths(state).draft(course).join(path);
    let bytes = blocking(move || std::fs::read(file).map_err(|_| AppError::not_found())).await?;
    let kind = media::judge(&bytes)?;
    Ok((bytes, kind))
}

/// How long a course first published in the studio shows "mới" in the learners' catalog.
pub const NEW_FOR_DAYS: i64 = 14;

/// The courses first published in the last `NEW_FOR_DAYS` days (the learners' catalog marks
/// them "mới"), from the content repository's history; remembered with the catalog being served
/// (`page_cache::LessonCache::new_courses`), which a publish replaces, for up to an hour (a
/// course stops being new with time), so a catalog page does no git work. A content folder
/// that is not a repository (nothing was ever published from the studio) has none. Never opens
/// or makes a repository otherwise.
pub async fn new_courses(state: &AppState) -> Vec<String> {
    let catalog = state.catalog();
    let cache = state.catalogs.lessons(&catalog);
    let now = now_seconds(state);
    if let Some(list) = cache.new_courses(now) {
        return list;
    }
    let dir = state.settings.content_dir.clone();
    let since = now - NEW_FOR_DAYS * 86_400;
    let found = blocking(move || {
        let Ok(repo) = gix::open(&dir) else {
            return Ok(Vec::new());
        };
        if repo::head(&repo).ok().flatten().is_none() {
            return Ok(Vec::new());
        }
        Ok(repo::added_since(&repo, since).unwrap_or_default())
    })
    .await;
    match found {
        Ok(list) => {
            cache.remember_new_courses(now, list.clone());
            list
        }
        // Asked again at the next page.
        Err(_) => Vec::new(),
    }
}

/// Other instances serving the same content folder (a shared volume) pick a publish up by
/// polling the repository's head: when it moved, the catalog is loaded anew and swapped in.
pub fn spawn_content_poll(state: AppState, every: std::time::Duration) {
    let content = state.settings.content_dir.clone();
    actix_web::rt::spawn(async move {
        let head = |dir: std::path::PathBuf| async move {
            actix_web::web::block(move || {
                gix::open(&dir)
                    .ok()
                    .and_then(|r| repo::head(&r).ok().flatten())
                    .map(|h| h.to_string())
            })
            .await
            .ok()
            .flatten()
        };
        let mut seen = head(content.clone()).await;
        loop {
            actix_web::rt::time::sleep(every).await;
            let now = head(content.clone()).await;
            if now.is_some() && now != seen {
                let dir = content.clone();
                match actix_web::web::block(move || hocvuso_course::load(&dir)).await {
                    Ok(Ok(catalog)) => {
                        tracing::info!(head = ?now, "content changed on disk; catalog reloaded");
                        state.catalogs.replace(catalog);
                        seen = now;
                    }
                    Ok(Err(problems)) => {
                        tracing::warn!(
                            problems = problems.len(),
                            "content changed on disk but does not load; keeping the served catalog"
                        );
                        seen = now;
                    }
                    Err(e) => tracing::warn!(error = %e, "content reload task failed"),
                }
            }
        }
    });
}
