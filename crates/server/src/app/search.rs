//! Search and the assistant ("Hỏi đáp") for a signed-in learner: the index of the catalog
//! being served (rebuilt when a new catalog is published), only the courses the learner may
//! see, their progress on each hit, and the unanswered questions kept for authors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use hocvuso_course::{Catalog, LearnerRecord};
use hocvuso_search::{assistant, Hit, Kind, Query, QueryError, SearchContent, SearchIndex};
use hocvuso_store::User;
use serde::Serialize;
use time::Duration;

use crate::auth::throttle::{self, Rate};
use crate::error::AppError;
use crate::state::AppState;

/// Hits a search page or response shows.
pub const MAX_RESULTS: usize = 10;

/// Questions one learner may ask the assistant: a burst of 10, then one every 20 seconds.
pub const ASSISTANT_RATE: Rate = Rate {
    burst: 10,
    interval: Duration::seconds(20),
};

/// The index of the catalog being served. A request asks `for_catalog` with its catalog
/// snapshot; when a publish changed the catalog, the first such request builds the new index
/// (a tenth of a second) and swaps it in, so search follows every publish without a restart.
/// The server starts without one (`lazy`): the first search builds it, so an instance nobody
/// searches on does not hold it (docs/performance.md, "Memory").
#[derive(Clone)]
pub struct SearchHandle {
    content: Arc<SearchContent>,
    current: Arc<RwLock<Option<Arc<SearchIndex>>>>,
    building: Arc<Mutex<()>>,
}

impl SearchHandle {
    pub fn new(
        catalog: &Catalog,
        content: SearchContent,
    ) -> Result<Self, hocvuso_search::BuildError> {
        let index = SearchIndex::build(catalog, &content)?;
        let handle = Self::lazy(content);
        *handle
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(index));
        Ok(handle)
    }

    /// A handle whose index is built by the first search.
    pub fn lazy(content: SearchContent) -> Self {
        Self {
            content: Arc::new(content),
            current: Arc::new(RwLock::new(None)),
            building: Arc::new(Mutex::new(())),
        }
    }

    /// The index for `catalog`, built now if the current one is of another catalog.
    pub fn for_catalog(&self, catalog: &Catalog) -> Result<Arc<SearchIndex>, AppError> {
        let fresh = || {
            self.current()
                .filter(|current| current.catalog_version() == catalog.version)
        };
        if let Some(current) = fresh() {
            return Ok(current);
        }
        // One build at a time; whoever waited finds it done.
        let _guard = self
            .building
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(current) = fresh() {
            return Ok(current);
        }
        self.rebuild(catalog)
            .map_err(|e| AppError::internal_because("search index", e))
    }

    /// Builds the index of a new catalog and makes it current (also what a publish may call
    /// at once, so the first search after it does not wait).
    pub fn rebuild(
        &self,
        catalog: &Catalog,
    ) -> Result<Arc<SearchIndex>, hocvuso_search::BuildError> {
        let next = Arc::new(SearchIndex::build(catalog, &self.content)?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&next));
        Ok(next)
    }

    fn current(&self) -> Option<Arc<SearchIndex>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// One hit as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    /// `lesson`, `task`, `feedback` or `faq`.
    pub kind: String,
    pub title: String,
    /// The lesson section the hit is in.
    pub section: Option<String>,
    pub course_id: String,
    pub course_title: String,
    /// The page to open (with the section's anchor).
    pub url: String,
    /// The matching sentence, plain.
    pub snippet: String,
    /// The matching sentence as HTML: every character escaped, the query's words in `<mark>`.
    pub snippet_html: String,
    /// The learner's progress on what the hit opens: `done`, `todo`, or none (FAQ, feedback).
    pub progress: Option<String>,
}

/// The assistant's reply.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssistantView {
    /// Whether passages were found that answer the question.
    pub answered: bool,
    /// Up to three passages, best first (empty when not answered).
    pub passages: Vec<ResultView>,
    /// The learner's mentor (Đại sứ số), named when there is no answer and the learner has one.
    pub mentor: Option<String>,
}

/// Turns a query error into the API's and the pages' error.
pub fn query_error(e: QueryError) -> AppError {
    AppError::bad_request(e.key())
}

fn visible_courses(catalog: &Catalog, user: &User) -> Vec<String> {
    let group = user.group.clone().unwrap_or_default();
    let courses = if catalog.group(&group).is_some() {
        catalog.courses_for_group(&group)
    } else {
        catalog.all_courses()
    };
    courses.into_iter().map(|c| c.id.clone()).collect()
}

fn view(catalog: &Catalog, hit: &Hit<'_>, records: &BTreeMap<String, LearnerRecord>) -> ResultView {
    let p = hit.passage;
    let record = records.get(&p.course_id);
    let progress = match p.kind {
        Kind::Lesson => Some(record.is_some_and(|r| r.lessons_completed.contains(&p.item_id))),
        Kind::Task => Some(record.is_some_and(|r| r.tasks_passed.contains(&p.item_id))),
        Kind::Feedback | Kind::Faq => None,
    };
    ResultView {
        kind: match p.kind {
            Kind::Lesson => "lesson",
            Kind::Task => "task",
            Kind::Feedback => "feedback",
            Kind::Faq => "faq",
        }
        .to_owned(),
        title: p.title.clone(),
        section: p.section.clone(),
        course_id: p.course_id.clone(),
        course_title: catalog
            .course(&p.course_id)
            .map(|c| c.title.clone())
            .unwrap_or_default(),
        url: p.url(),
        snippet: hocvuso_search::highlight::to_text(&hit.snippet),
        snippet_html: hocvuso_search::highlight::to_html(&hit.snippet),
        progress: progress.map(|done| if done { "done" } else { "todo" }.to_owned()),
    }
}

/// The search's hits for a learner.
pub async fn search(state: &AppState, user: &User, raw: &str) -> Result<Vec<ResultView>, AppError> {
    let query = Query::parse(raw).map_err(query_error)?;
    let catalog = state.catalog();
    let index = state.search.for_catalog(&catalog)?;
    let visible = visible_courses(&catalog, user);
    let is_visible = |c: &str| visible.iter().any(|v| v == c);
    let hits = index.search(&query, &is_visible, MAX_RESULTS);
    let records = state.store.learner_records(user.id).await?;
    Ok(hits.iter().map(|h| view(&catalog, h, &records)).collect())
}

/// The assistant's reply to a learner's question. Counted per learner before anything else;
/// a question without an answer is kept (without who asked it) for the authors.
pub async fn ask(state: &AppState, user: &User, raw: &str) -> Result<AssistantView, AppError> {
    let query = Query::parse(raw).map_err(query_error)?;
    throttle::per_user(
        state,
        "assistant",
        user.id,
        ASSISTANT_RATE,
        "too_many_questions",
    )
    .await?;
    let catalog = state.catalog();
    let index = state.search.for_catalog(&catalog)?;
    let visible = visible_courses(&catalog, user);
    let is_visible = |c: &str| visible.iter().any(|v| v == c);
    let hits = assistant::answer(&index, &query, &is_visible);
    if hits.is_empty() {
        state
            .store
            .record_unanswered(
                &redacted(&query.text),
                &question_key(&query),
                state.clock.now(),
            )
            .await?;
        let mentor = match state.store.mentor_of(user.id).await? {
            Some(id) => state.store.user_by_id(id).await?.map(|m| m.display_name),
            None => None,
        };
        return Ok(AssistantView {
            answered: false,
            passages: Vec::new(),
            mentor,
        });
    }
    let records = state.store.learner_records(user.id).await?;
    Ok(AssistantView {
        answered: true,
        passages: hits.iter().map(|h| view(&catalog, h, &records)).collect(),
        mentor: None,
    })
}

/// A question as kept for authors: runs of five or more digits (a phone, an ID or account
/// number a learner typed into the question) blanked out.
fn redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 5 {
            out.push('…');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// The same question however it was typed: its words without diacritics.
fn question_key(query: &Query) -> String {
    let words: Vec<&str> = query.words.iter().map(|w| w.folded.as_str()).collect();
    redacted(&words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_runs_are_blanked_out() {
        assert_eq!(redacted("số 0912345678 bị lừa 5 lần"), "số … bị lừa 5 lần");
    }
}
