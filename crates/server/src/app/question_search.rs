//! Instructors find questions by text or tag across banks (issue #13, section 4): the same
//! service for the page (`/instructor/tim-cau-hoi`) and the API
//! (`GET /api/v1/instructor/questions/search`).
//!
//! Every published course's bank is searched: an instructor may already read every bank's
//! statistics (`app::instructor`), so the banks they may see are all of them. The words are
//! matched folded, over the corpus the search index keeps for the catalog being served
//! (`hocvuso_search::questions`), so the results follow a publish like the learners' search.

use hocvuso_search::highlight::{to_html, to_text};
use hocvuso_search::Query;
use hocvuso_store::User;
use serde::Serialize;

use crate::app::instructor::require_instructor;
use crate::app::search::query_error;
use crate::auth::ROLE_ADMIN;
use crate::error::AppError;
use crate::state::AppState;

/// Questions a page or response shows (the total says how many more there were).
pub const MAX_QUESTIONS: usize = 50;

/// One question found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub course_id: String,
    pub course_title: String,
    /// The bank's file in the course folder (`questions.gift` or `questions.toml`).
    pub bank: String,
    pub question_id: String,
    /// The question type, as `Question::type_key` names it (`single_choice`, `essay`, …).
    pub kind: String,
    /// Where the query's words were found: `text`, `feedback`, `tag`.
    pub matched: Vec<String>,
    pub tags: Vec<String>,
    /// The tags that hold a word of the query.
    pub matched_tags: Vec<String>,
    /// The best sentence of the question (or of its feedback), plain.
    pub snippet: String,
    /// The same sentence as HTML: every character escaped, the query's words in `<mark>`.
    pub snippet_html: String,
    /// The question in the studio, for someone who may edit the course there; none otherwise.
    pub url: Option<String>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResults {
    /// How many questions hold every word (only the first `MAX_QUESTIONS` are listed).
    pub total: usize,
    pub results: Vec<QuestionResult>,
}

/// The questions of every bank that hold every word of `raw`, best first. Only for
/// instructors and administrators; a refused query is a 400 with its reason.
pub async fn find(state: &AppState, user: &User, raw: &str) -> Result<QuestionResults, AppError> {
    require_instructor(user)?;
    let query = Query::parse(raw).map_err(query_error)?;
    let catalog = state.catalog();
    let index = state.search.for_catalog(&catalog)?;
    let authored: Vec<String> = state
        .store
        .studio_roles_of(user.id)
        .await?
        .into_iter()
        .filter(|a| a.role == crate::app::studio::ROLE_AUTHOR)
        .map(|a| a.course_id)
        .collect();
    let may_edit = |course: &str| user.has_role(ROLE_ADMIN) || authored.iter().any(|c| c == course);
    let (hits, total) = index
        .questions()
        .find(&catalog, &query, &|_| true, MAX_QUESTIONS);
    let results = hits
        .into_iter()
        .map(|h| {
            let id = h.question.id.clone().unwrap_or_default();
            QuestionResult {
                url: (may_edit(&h.course.id) && !id.is_empty())
                    .then(|| format!("/studio/courses/{}/questions/{}", h.course.id, id)),
                course_id: h.course.id.clone(),
                course_title: h.course.title.clone(),
                bank: h.bank,
                question_id: id,
                kind: h.question.type_key().to_owned(),
                matched: h.fields.iter().map(|f| f.key().to_owned()).collect(),
                matched_tags: h
                    .tags
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(t, _)| t.clone())
                    .collect(),
                tags: h.tags.into_iter().map(|(t, _)| t).collect(),
                snippet: to_text(&h.snippet),
                snippet_html: to_html(&h.snippet),
            }
        })
        .collect();
    Ok(QuestionResults { total, results })
}
