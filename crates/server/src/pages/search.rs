//! The search page (`/tim-kiem`, a GET form), the assistant page (`/hoi-dap`) and the
//! instructors' list of unanswered questions. The same service as the API (`app::search`).

use actix_web::{web, HttpRequest};
use serde::Deserialize;

use crate::app::instructor::require_instructor;
use crate::app::search as app;
use crate::auth::{csrf, PageUser};
use crate::state::AppState;

use super::{Page, PageResult};

/// `?q=` of a search form (the learners' search and the instructors' question search).
#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub(super) q: Option<String>,
}

/// The form, and the hits when a query was sent. A refused query shows why above the form,
/// with the query back in the field (escaped by the template like every value).
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<SearchParams>,
) -> PageResult {
    let page = Page::new(&req, &state, Some(&user.0));
    let Some(q) = params.q.as_deref() else {
        return page.with("q", "").render("search.html");
    };
    let page = page.with("q", q);
    match app::search(&state, &user.0, q).await {
        Ok(hits) => page.with("results", &hits).render("search.html"),
        Err(e) if e.status.is_client_error() => page.error(&e).render("search.html"),
        Err(e) => Err(e.into()),
    }
}

pub async fn assistant_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    Page::new(&req, &state, Some(&user.0))
        .with("question", "")
        .render("assistant.html")
}

#[derive(Deserialize)]
pub struct AskForm {
    csrf: String,
    #[serde(default)]
    question: String,
}

pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<AskForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let page = Page::new(&req, &state, Some(&user.0)).with("question", &form.question);
    match app::ask(&state, &user.0, &form.question).await {
        Ok(reply) => page.with("reply", &reply).render("assistant.html"),
        Err(e) if e.status.is_client_error() => page.error(&e).render("assistant.html"),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Serialize)]
struct UnansweredRow {
    question: String,
    times: usize,
    last_asked: String,
}

/// What learners asked that the assistant could not answer, for authors.
pub async fn unanswered(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    require_instructor(&user.0)?;
    let rows: Vec<UnansweredRow> = state
        .store
        .unanswered_questions(200)
        .await
        .map_err(crate::error::AppError::from)?
        .into_iter()
        .map(|q| UnansweredRow {
            question: q.question,
            times: q.times,
            last_asked: q.last_asked.date().to_string(),
        })
        .collect();
    Page::new(&req, &state, Some(&user.0))
        .with("rows", &rows)
        .render("unanswered.html")
}
