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

/// A multipart form's parts (name, file name, bytes), read within a byte limit in all and at
/// most 16 parts, its CSRF field checked.
pub struct Parts(Vec<(String, String, Vec<u8>)>);

impl Parts {
    /// Reads the parts; a body over `max_bytes` is refused with 413 `too_large` (the key the
    /// form shows at its file field).
    pub async fn read(
        req: &actix_web::HttpRequest,
        mut body: actix_multipart::Multipart,
        max_bytes: usize,
        too_large: &'static str,
    ) -> Result<Self, AppError> {
        let mut parts = Vec::new();
        let mut total = 0usize;
        while let Some(field) = body.next().await {
            let mut field = field.map_err(|_| AppError::bad_request("invalid_form"))?;
            let name = field.name().unwrap_or("").to_owned();
            let disposition = field.content_disposition();
            let file_name = disposition.and_then(|d| d.get_filename());
            let file_name = file_name.unwrap_or("").to_owned();
            let mut data = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|_| AppError::bad_request("invalid_form"))?;
                total += chunk.len();
                if total > max_bytes {
                    return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, too_large));
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
        crate::auth::csrf::verify(req, &parts.text("csrf"))?;
        Ok(parts)
    }

    /// A text field (empty when absent).
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, d)| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default()
    }

    /// A file field that was filled in: its file name and bytes.
    pub fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.0
            .iter()
            .find(|(n, f, d)| n == name && !f.is_empty() && !d.is_empty())
            .map(|(_, f, d)| (f.as_str(), d.as_slice()))
    }

    /// The `revision` field of a studio form (-1 when missing, which no draft has).
    pub fn revision(&self) -> i64 {
        self.text("revision").trim().parse().unwrap_or(-1)
    }
}
