//! The web server: routes, authentication, CSRF, pages (tera) and the JSON API (with its
//! OpenAPI description). Handlers parse and authorise, call the application services in `app`,
//! and render; domain rules live in the `course`, `assessment` and `credentials` crates.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod compression;
pub mod error;
pub mod export;
pub mod head;
pub mod health;
pub mod i18n;
pub mod issuer;
pub mod mail;
pub mod metrics;
pub mod narration;
pub mod page_cache;
pub mod pages;
pub mod preferences;
pub mod present;
pub mod render;
pub mod seed;
pub mod settings;
pub mod state;
pub mod views;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{web, App, HttpServer};

pub use error::AppError;
pub use settings::Settings;
pub use state::AppState;

static I18N: OnceLock<i18n::Translations> = OnceLock::new();

/// The process-wide translations (embedded in the binary, immutable).
pub fn i18n_global() -> &'static i18n::Translations {
    I18N.get_or_init(|| match i18n::Translations::vietnamese() {
        Ok(t) => t,
        // The file is embedded at compile time and tested; failing here is a build defect.
        Err(e) => panic!("web/locales/vi.toml is invalid: {e}"),
    })
}

/// Registers every route. Used by `serve` and by the tests, so both run the same application.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(state)
            .app_data(api::json_config())
            .app_data(api::query_config())
            .app_data(api::path_config())
            .app_data(pages::form_config())
            .configure(metrics::routes)
            .configure(api::routes)
            .configure(pages::routes)
            .default_service(web::to(pages::not_found));
    }
}

/// Security headers for every response: no framing, no sniffing, no third-party anything,
/// except that a form may lead to `form_action` (the identity provider's origin: the sign-in
/// button posts here and is redirected there, and browsers check form-action on redirects).
pub fn security_headers(form_action: Option<&str>) -> DefaultHeaders {
    let csp = format!(
        "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; \
         script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'{}",
        form_action.map(|o| format!(" {o}")).unwrap_or_default()
    );
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Content-Security-Policy", csp))
}

/// The application as it serves: the routes, and around them (innermost first) the contract's
/// shape for every error, the security headers, compression and the access log. `serve` and
/// the stories both use it, so the stories test what runs.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        // Innermost: a database known to be down answers 503 at once (`health`).
        .wrap(actix_web::middleware::from_fn(health::gate))
        .wrap(error::contract_errors())
        // Outside the error shaping, so error pages are in the request's language too.
        .wrap_fn(|req, srv| {
            let prefs = preferences::attach(&req);
            preferences::with(prefs, srv.call(req))
        })
        .wrap(security_headers(
            auth::oidc::provider_origin(&state.settings).as_deref(),
        ))
        .wrap(actix_web::middleware::from_fn(
            compression::gzip_complete_bodies,
        ))
        .wrap(Compress::default())
        // HEAD as GET without the content, outside the compression (same headers as GET) and
        // inside the access log (which records HEAD).
        .wrap(actix_web::middleware::from_fn(head::answer_head))
        .wrap(actix_web::middleware::from_fn(access_log))
        .wrap(actix_web::middleware::from_fn(metrics::measure))
        .configure(configure(state))
}

/// Where the access log goes (a `log` target, as actix-web's `Logger` used).
pub const ACCESS_LOG: &str = "hocvuso::access_logger";

/// The access log: method, route, status, size, time (to the response's head). Never the query
/// string or the path's variable parts, which can carry certificate ids and attendance codes
/// (`logged_request`). Not actix-web's `Logger`, which clones its format and runs its exclusion
/// regex set on every request even when nothing is logged (docs/performance.md, "Fifth
/// round"): this does nothing unless the log is on.
pub async fn access_log(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !log::log_enabled!(target: ACCESS_LOG, log::Level::Info) || req.path() == "/healthz" {
        return next.call(req).await;
    }
    let started = std::time::Instant::now();
    let request = logged_request(&req);
    let res = next.call(req).await?;
    let size = match res.response().body().size() {
        actix_web::body::BodySize::Sized(n) => n.to_string(),
        actix_web::body::BodySize::None => "0".to_owned(),
        actix_web::body::BodySize::Stream => "-".to_owned(),
    };
    log::info!(
        target: ACCESS_LOG,
        "{request} {} {size} {:.6}ms",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(res)
}

/// What the access log records of a request: its method and the route it matched
/// (`GET /verify/{id}`), or, when no route matched, its path without the query string.
pub fn logged_request(req: &ServiceRequest) -> String {
    let target = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    format!("{} {target}", req.method())
}

/// How long a stopping instance waits for the requests in flight before it exits anyway.
pub const SHUTDOWN_GRACE_SECONDS: u64 = 30;

/// Where this instance is in its life, for readiness (`/readyz`): once told to stop it answers
/// 503 there, so a load balancer sends new requests elsewhere while the ones in flight finish.
#[derive(Default)]
pub struct Lifecycle {
    draining: AtomicBool,
}

impl Lifecycle {
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }
}

/// Runs the HTTP server until SIGTERM or SIGINT, then stops gracefully: no new connections,
/// readiness answers 503, requests in flight finish (up to `SHUTDOWN_GRACE_SECONDS`), and only
/// then does this return. A write a client saw acknowledged is committed before its response,
/// so stopping (or killing) an instance never loses one.
pub async fn serve(state: AppState, bind: &str) -> std::io::Result<()> {
    // A publish by another instance sharing the content folder is picked up from its git head.
    app::studio::spawn_content_poll(state.clone(), std::time::Duration::from_secs(15));
    app::privacy::spawn_retention(state.clone());
    let state = web::Data::new(state);
    let lifecycle = web::Data::new(Lifecycle::default());
    tracing::info!(%bind, "listening");
    let for_workers = lifecycle.clone();
    let server = HttpServer::new(move || app(state.clone()).app_data(for_workers.clone()))
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
        .bind(bind)?
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        stop_signal().await;
        lifecycle.start_draining();
        tracing::info!("stopping: finishing the requests in flight");
        handle.stop(true).await;
    });
    server.await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves at the first SIGTERM (what service managers and orchestrators send) or SIGINT.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stopping on SIGINT only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
