//! The assistant ("Hỏi đáp"): the passages that answer a question, or none. It never writes
//! an answer of its own; it quotes the curriculum and the FAQ, or says it has no answer, and
//! the server then points the learner at their mentor.

use crate::index::{Hit, SearchIndex};
use crate::query::Query;

/// Passages quoted at most.
pub const MAX_PASSAGES: usize = 3;

/// The least share of a question's meanings a passage must contain to be quoted as an
/// answer. Below it the passage shares a word or two with the question, which is how an
/// unrelated passage looks too.
pub const MIN_COVERAGE: f32 = 0.6;

/// A passage further down is quoted only if it scores at least this share of the best one.
const MIN_SHARE_OF_BEST: f32 = 0.35;

/// The passages that answer `query` (best first, at most three), or none.
pub fn answer<'a>(
    index: &'a SearchIndex,
    query: &Query,
    visible: &dyn Fn(&str) -> bool,
) -> Vec<Hit<'a>> {
    let hits = index.search(query, visible, MAX_PASSAGES * 3);
    let Some(best) = hits.first() else {
        return Vec::new();
    };
    let answers = |h: &Hit<'_>| h.coverage >= MIN_COVERAGE && h.anchored;
    if !answers(best) {
        return Vec::new();
    }
    let floor = best.score * MIN_SHARE_OF_BEST;
    hits.into_iter()
        .filter(|h| answers(h) && h.score >= floor)
        .take(MAX_PASSAGES)
        .collect()
}
