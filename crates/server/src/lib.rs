//! The web server: routes, authentication, CSRF, pages (tera) and the JSON API (with its
//! OpenAPI description). Handlers parse and authorise, call the application services in `app`,
//! and render; domain rules live in the `course`, `assessment` and `credentials` crates.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod error;
pub mod export;
pub mod i18n;
pub mod issuer;
pub mod mail;
pub mod pages;
pub mod render;
pub mod seed;
pub mod settings;
pub mod state;
pub mod views;

use std::sync::OnceLock;

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
            .configure(api::routes)
            .configure(pages::routes)
            .default_service(web::to(pages::not_found));
    }
}

/// Security headers for every response: no framing, no sniffing, no third-party anything.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; \
             script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'self'",
        ))
}

/// Runs the HTTP server until it is stopped.
pub async fn serve(state: AppState, bind: &str) -> std::io::Result<()> {
    let state = web::Data::new(state);
    tracing::info!(%bind, "listening");
    HttpServer::new(move || {
        App::new()
            .wrap(security_headers())
            .wrap(Compress::default())
            .wrap(actix_web::middleware::Logger::new("%r %s %b %Dms").exclude("/healthz"))
            .configure(configure(state.clone()))
    })
    .bind(bind)?
    .run()
    .await
}
