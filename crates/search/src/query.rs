//! A learner's query, checked: what is refused (with a reason the server words in Vietnamese)
//! and what is searched for.

use crate::analyzer::{nfc, words, Word};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// Why a query is not searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty")]
    Empty,
    #[error("the query is longer than {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("the query looks like HTML")]
    Markup,
    #[error("the query has no letters or digits")]
    NoWords,
}

impl QueryError {
    /// A stable key for messages and API errors.
    pub fn key(self) -> &'static str {
        match self {
            QueryError::Empty => "query_empty",
            QueryError::TooLong => "query_too_long",
            QueryError::Markup => "query_markup",
            QueryError::NoWords => "query_no_words",
        }
    }
}

/// A query that can be searched: NFC text and its words.
#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    pub words: Vec<Word>,
}

impl Query {
    pub fn parse(raw: &str) -> Result<Query, QueryError> {
        let text = nfc(raw.trim());
        if text.is_empty() {
            return Err(QueryError::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        if looks_like_markup(&text) {
            return Err(QueryError::Markup);
        }
        let words = words(&text);
        if words.is_empty() {
            return Err(QueryError::NoWords);
        }
        Ok(Query { text, words })
    }
}

/// `<` followed by a letter, `/`, `!` or `?`: the start of a tag, which no learner's question
/// needs and every injection attempt has.
fn looks_like_markup(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_queries_are_refused_with_their_reason() {
        assert_eq!(Query::parse("  ").expect_err("refused"), QueryError::Empty);
        assert_eq!(
            Query::parse(&"a".repeat(501)).expect_err("refused"),
            QueryError::TooLong
        );
        assert_eq!(
            Query::parse("<script>alert(1)</script>").expect_err("refused"),
            QueryError::Markup
        );
        assert_eq!(
            Query::parse("🙂🎉").expect_err("refused"),
            QueryError::NoWords
        );
        assert!(Query::parse("mật khẩu < 8 ký tự").is_ok());
        assert_eq!(
            Query::parse(&"á".repeat(500)).map(|q| q.words.len()).ok(),
            Some(1)
        );
    }
}
