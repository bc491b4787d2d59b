//! Forms whose fields are not known in advance (answers, essay grades, targets, attendance),
//! read by hand instead of by an extractor, so that:
//!
//! - the handler checks who is calling (role, ownership) *before* the body is read: an
//!   extractor would read and parse it first, for anyone signed in;
//! - the body has a byte limit and a field limit, checked while reading;
//! - the fields are indexed once, so looking one up is constant time. Searching the list for
//!   each field's twin (`c:<id>` for every `f:<id>`) was quadratic: two 253 KB forms of 23,000
//!   fields kept the server from answering for a minute.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;

use crate::error::AppError;

/// A form body, in order, with an index by name.
pub struct FormFields {
    pairs: Vec<(String, String)>,
    index: HashMap<String, Vec<usize>>,
}

fn too_large() -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
}

/// Reads a request body of at most `max_bytes` (413 `payload_too_large` beyond), for handlers
/// that check the caller before reading anything.
pub async fn read_limited(
    mut payload: web::Payload,
    max_bytes: usize,
) -> Result<web::BytesMut, AppError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::bad_request("invalid_form"))?;
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl FormFields {
    /// Reads a urlencoded body of at most `max_bytes` and `max_fields` fields.
    pub async fn read(
        payload: web::Payload,
        max_bytes: usize,
        max_fields: usize,
    ) -> Result<Self, AppError> {
        Self::parse(&read_limited(payload, max_bytes).await?, max_fields)
    }

    /// Parses a urlencoded body of at most `max_fields` fields.
    pub fn parse(body: &[u8], max_fields: usize) -> Result<Self, AppError> {
        let mut pairs = Vec::new();
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            if pairs.len() == max_fields {
                return Err(AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_many_fields",
                ));
            }
            index.entry(k.to_string()).or_default().push(pairs.len());
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Self { pairs, index })
    }

    /// The first value of a field.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.index
            .get(name)
            .and_then(|i| i.first())
            .map(|&i| self.pairs[i].1.as_str())
    }

    /// Every value of a field, in order.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.index
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| self.pairs[i].1.as_str())
    }

    /// Every field, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The CSRF field (empty when missing, which the check refuses).
    pub fn csrf(&self) -> &str {
        self.first("csrf").unwrap_or("")
    }
}
