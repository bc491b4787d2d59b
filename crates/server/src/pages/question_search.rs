//! Instructors' question search (`/instructor/tim-cau-hoi`, a GET form): the same service as
//! the API (`app::question_search`).

use actix_web::{web, HttpRequest};

use crate::app::instructor::require_instructor;
use crate::app::question_search as app;
use crate::auth::PageUser;
use crate::state::AppState;

use super::search::SearchParams;
use super::{Page, PageResult};

/// The form, and the questions found when a query was sent. A refused query shows why above
/// the form, with the query back in the field (escaped by the template like every value).
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<SearchParams>,
) -> PageResult {
    require_instructor(&user.0)?;
    let page = Page::new(&req, &state, Some(&user.0));
    let Some(q) = params.q.as_deref() else {
        return page.with("q", "").render("question_search.html");
    };
    let page = page.with("q", q);
    match app::find(&state, &user.0, q).await {
        Ok(found) => {
            let unlinked = found.results.iter().any(|r| r.url.is_none());
            page.with("found", &found)
                .with("unlinked", &unlinked)
                .render("question_search.html")
        }
        Err(e) if e.status.is_client_error() => page.error(&e).render("question_search.html"),
        Err(e) => Err(e.into()),
    }
}
