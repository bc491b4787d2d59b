//! `/metrics`, in Prometheus's text format: requests and their latency per route pattern (never
//! a raw path, which would carry ids and codes), the database pool, and what the platform did
//! (lesson completions, quiz submissions, credentials issued, exports, sign-in failures).
//!
//! The metrics are process-wide (one registry per process, like the translations), so any
//! layer can count without the state being threaded through. Per request the cost is one
//! `Instant`, the route's pattern (which the access log computes too) and two lookups in
//! label maps guarded by read locks.
//!
//! Access: from the machine itself (a loopback peer, with no proxy header, so a reverse proxy
//! on the same machine does not make every visitor "local"), or with
//! `Authorization: Bearer <HOCVUSO_METRICS_TOKEN>`. Anyone else gets 404.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

use crate::state::AppState;

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    /// `kind`: lesson, quiz, task.
    pub evidence: IntCounterVec,
    /// `kind`: course, path.
    pub credentials: IntCounterVec,
    /// `what`: completions, people, overdue, audit, personal_data.
    pub exports: IntCounterVec,
    pub login_failures: IntCounter,
}

/// The latency buckets, in seconds: a page is expected well under 100 ms; exports and password
/// hashing take longer.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Metrics {
    fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("hocvuso".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route pattern",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request (until the response starts), by route pattern",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let pool_size = IntGauge::new("db_pool_connections", "Database connections open")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Open connections not in use")?;
        let pool_max = IntGauge::new("db_pool_max_connections", "The pool's limit")?;
        let evidence = IntCounterVec::new(
            Opts::new(
                "evidence_recorded_total",
                "Learning evidence recorded: lessons completed, quizzes graded, task answers",
            ),
            &["kind"],
        )?;
        let credentials = IntCounterVec::new(
            Opts::new("credentials_issued_total", "Certificates issued, by kind"),
            &["kind"],
        )?;
        let exports = IntCounterVec::new(
            Opts::new("exports_total", "Exports of personal data, by list"),
            &["what"],
        )?;
        let login_failures = IntCounter::new(
            "login_failures_total",
            "Sign-in attempts refused for a wrong username or password",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_size.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(evidence.clone()))?;
        registry.register(Box::new(credentials.clone()))?;
        registry.register(Box::new(exports.clone()))?;
        registry.register(Box::new(login_failures.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_idle,
            pool_max,
            evidence,
            credentials,
            exports,
            login_failures,
        })
    }
}

static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();

/// The process's metrics; None only if the registry refused them (a build defect, logged once),
/// in which case nothing is counted and the server goes on.
pub fn global() -> Option<&'static Metrics> {
    METRICS
        .get_or_init(|| match Metrics::new() {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!(error = %e, "metrics could not be registered; /metrics is empty");
                None
            }
        })
        .as_ref()
}

/// Counts one piece of evidence (`lesson`, `quiz`, `task`).
pub fn evidence(kind: &str) {
    if let Some(m) = global() {
        m.evidence.with_label_values(&[kind]).inc();
    }
}

/// Counts one certificate issued (`course`, `path`).
pub fn credential(kind: &str) {
    if let Some(m) = global() {
        m.credentials.with_label_values(&[kind]).inc();
    }
}

/// Counts one export of personal data.
pub fn export(what: &str) {
    if let Some(m) = global() {
        m.exports.with_label_values(&[what]).inc();
    }
}

/// Counts one refused sign-in.
pub fn login_failure() {
    if let Some(m) = global() {
        m.login_failures.inc();
    }
}

/// The route a request matched, as its pattern; `unmatched` otherwise (never the raw path).
fn route_of(req: &HttpRequest) -> String {
    req.match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned())
}

/// The middleware that counts and times every request.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(m) = global() {
        let route = route_of(res.request());
        let method = res.request().method().as_str();
        m.requests
            .with_label_values(&[method, &route, res.status().as_str()])
            .inc();
        m.latency
            .with_label_values(&[method, &route])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}

/// Whether the caller may read the metrics: a loopback peer that came through no proxy, or the
/// configured bearer token.
fn allowed(req: &HttpRequest, state: &AppState) -> bool {
    if let Some(expected) = state.settings.metrics_token.as_deref() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        if let Some(given) = given {
            return constant_time_eq(given.as_bytes(), expected.as_bytes());
        }
    }
    let proxied = req.headers().contains_key("x-forwarded-for")
        || req.headers().contains_key(header::FORWARDED);
    !proxied && req.peer_addr().is_some_and(|a| a.ip().is_loopback())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The metrics in Prometheus's text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"), (status = 404, body = crate::error::ErrorBody, description = "Not from this machine and no valid token")))]
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !allowed(&req, &state) {
        return crate::error::json_error(&crate::error::AppError::not_found());
    }
    let Some(m) = global() else {
        return HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .finish();
    };
    let pool = state.store.pool_stats();
    m.pool_size.set(i64::from(pool.size));
    m.pool_idle.set(i64::from(pool.idle));
    m.pool_max.set(i64::from(pool.max));
    let mut out = Vec::with_capacity(16 * 1024);
    if let Err(e) = TextEncoder::new().encode(&m.registry.gather(), &mut out) {
        tracing::error!(error = %e, "metrics could not be encoded");
        return crate::error::json_error(&crate::error::AppError::internal());
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").get(serve));
}
