//! Failing fast while the database is down. The first request that finds it unreachable waits
//! the pool's acquire timeout and answers 503 `database_unavailable`; from then on the store is
//! marked unavailable, every request that needs it answers the same 503 at once (the
//! Vietnamese page, or the contract's JSON), and a probe pings the database twice a second
//! until it answers, when serving resumes by itself.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::{error_response_for, AppError};
use crate::state::AppState;

/// Seconds a client is asked to wait (as the 503 from a failed query says).
const RETRY_SECONDS: u64 = 10;
const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Forms shown without the database (the sign-in page must open during an outage).
const FORMS: &[&str] = &[
    "/",
    "/login",
    "/register",
    "/privacy",
    "/forgot",
    "/guardian",
];

/// Requests that never touch the database, or answer for its state themselves.
fn exempt(req: &ServiceRequest) -> bool {
    let path = req.path();
    (req.method() == actix_web::http::Method::GET && FORMS.contains(&path))
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path.starts_with("/static/")
        || path == "/offline"
        || path == "/sw.js"
}

fn is_database_unavailable(res: &ServiceResponse<impl MessageBody>) -> bool {
    if res.status() != StatusCode::SERVICE_UNAVAILABLE {
        return false;
    }
    let Some(err) = res.response().error() else {
        return false;
    };
    err.as_error::<AppError>()
        .map(|e| e.key)
        .or_else(|| err.as_error::<crate::pages::PageError>().map(|e| e.0.key))
        == Some("database_unavailable")
}

/// Pings until the database answers, then marks it available.
async fn probe(state: web::Data<AppState>) {
    loop {
        actix_web::rt::time::sleep(PROBE_EVERY).await;
        if let Ok(Ok(())) = actix_web::rt::time::timeout(PROBE_TIMEOUT, state.store.ping()).await {
            state.store.mark_available();
            tracing::warn!("database answers again; serving");
            return;
        }
    }
}

/// Notes that the database did not answer, and starts the probe if it was thought up.
pub fn noticed_down(state: &web::Data<AppState>) {
    if state.store.mark_unavailable() {
        tracing::warn!("database unreachable: answering 503 at once until it answers again");
        actix_web::rt::spawn(probe(state.clone()));
    }
}

/// A ping that gives up after `PING_TIMEOUT` (the health checks: a load balancer polling
/// `/readyz` learns within that time, and from then on every request fails fast).
pub async fn quick_ping(state: &web::Data<AppState>) -> Result<(), String> {
    match actix_web::rt::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            if e.is_unavailable() {
                noticed_down(state);
            }
            Err(e.to_string())
        }
        Err(_) => {
            noticed_down(state);
            Err(format!("no answer within {} s", PING_TIMEOUT.as_secs()))
        }
    }
}

/// The middleware: 503 at once while the database is known to be down; notices when it goes.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if state.store.known_unavailable() && !exempt(&req) {
        let resp = error_response_for(
            req.path(),
            &AppError::unavailable("database_unavailable", RETRY_SECONDS),
        );
        return Ok(req.into_response(resp).map_into_right_body());
    }
    let res = next.call(req).await?;
    if is_database_unavailable(&res) {
        noticed_down(&state);
    }
    Ok(res.map_into_left_body())
}
