//! CSRF defence for cookie-authenticated forms: a double-submit token. A random token lives in
//! an HttpOnly, SameSite=Strict cookie and in a hidden field of every form; a POST is accepted
//! only when both are present and equal. Another site can make the browser send the cookie but
//! cannot read it to fill in the field.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use rand::RngCore;

use crate::error::AppError;

pub const CSRF_COOKIE: &str = "hvs_csrf";

/// The request's CSRF token, and a cookie to set when the visitor had none yet.
pub fn token(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(CSRF_COOKIE) {
        if c.value().len() == 64 && c.value().bytes().all(|b| b.is_ascii_hexdigit()) {
            return (c.value().to_owned(), None);
        }
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let value = hex::encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    (value, Some(cookie))
}

/// Checks a submitted form's token against the cookie, in constant time.
pub fn verify(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return Err(AppError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "csrf_failed",
        ));
    };
    let a = cookie.value().as_bytes();
    let b = submitted.as_bytes();
    let equal = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if equal && !a.is_empty() {
        Ok(())
    } else {
        Err(AppError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "csrf_failed",
        ))
    }
}
