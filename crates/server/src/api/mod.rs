//! The JSON API, version 1 (`docs/api.md`), and its OpenAPI description generated from
//! these handlers and types.

pub mod accounts;
mod admin;
pub mod assignments;
pub mod community;
mod evidence;
pub mod import;
mod instructor;
pub mod learning;
mod openapi;
pub mod practice;
pub mod units;

use actix_web::{error::JsonPayloadError, web, HttpRequest, HttpResponse};

use crate::error::AppError;

pub use openapi::ApiDoc;

const JSON_LIMIT: usize = 64 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/.well-known/jwks.json", web::get().to(evidence::jwks))
        .route("/keys/{thumbprint}", web::get().to(evidence::key))
        .route("/issuer", web::get().to(evidence::issuer))
        .route("/api/openapi.json", web::get().to(openapi::serve))
        .service(
            web::scope("/api/v1")
                .route("/auth/register", web::post().to(accounts::register))
                .route("/auth/login", web::post().to(accounts::login))
                .route("/auth/logout", web::post().to(accounts::logout))
                .route(
                    "/auth/logout-everywhere",
                    web::post().to(accounts::logout_everywhere),
                )
                .route("/me/password", web::put().to(accounts::change_password))
                .route("/me", web::get().to(accounts::me))
                .route("/me/progress", web::get().to(learning::progress))
                .route("/me/mastery", web::get().to(learning::mastery))
                .route("/me/certificates", web::get().to(evidence::my_certificates))
                .route("/courses", web::get().to(learning::courses))
                .route("/courses/{course_id}", web::get().to(learning::course))
                .route(
                    "/courses/{course_id}/lessons/{lesson_id}",
                    web::get().to(learning::lesson),
                )
                .route(
                    "/courses/{course_id}/lessons/{lesson_id}/complete",
                    web::post().to(learning::complete_lesson),
                )
                .route(
                    "/courses/{course_id}/quizzes/{quiz_id}/attempts",
                    web::post().to(learning::start_attempt),
                )
                .route("/courses/{course_id}/tasks", web::get().to(practice::tasks))
                .route(
                    "/courses/{course_id}/tasks/{task_id}/attempts",
                    web::post().to(practice::start),
                )
                .route(
                    "/task-attempts/{attempt_id}",
                    web::get().to(practice::get_attempt),
                )
                .route(
                    "/task-attempts/{attempt_id}/answers",
                    web::post().to(practice::answer),
                )
                .route(
                    "/attempts/{attempt_id}",
                    web::get().to(learning::get_attempt),
                )
                .route(
                    "/attempts/{attempt_id}/submit",
                    web::post().to(learning::submit),
                )
                .route(
                    "/attempts/{attempt_id}/answers",
                    web::post().to(learning::save_answers),
                )
                .route(
                    "/attempts/{attempt_id}/check",
                    web::post().to(learning::check),
                )
                .route("/certificates/{id}", web::get().to(evidence::certificate))
                .route(
                    "/certificates/{id}/credential",
                    web::get().to(evidence::credential),
                )
                .route("/certificates/{id}/pdf", web::get().to(evidence::pdf))
                .route(
                    "/credentials/verify",
                    web::post().to(evidence::verify_credential),
                )
                .route("/admin/completions", web::get().to(admin::completions))
                .route(
                    "/instructor/courses/{course_id}/quizzes/{quiz_id}/statistics",
                    web::get().to(instructor::statistics),
                )
                .route("/instructor/essays", web::get().to(instructor::essays))
                .route(
                    "/instructor/attempts/{attempt_id}/grade",
                    web::post().to(instructor::grade),
                )
                .route("/units", web::get().to(units::list))
                .route("/units", web::post().to(units::create))
                .route("/units/{id}", web::get().to(units::get))
                .route("/units/{id}/people", web::get().to(units::people))
                .route("/units/{id}/members", web::post().to(units::add_member))
                .route("/units/{id}/managers", web::post().to(units::add_manager))
                .route("/units/{id}/eligible", web::put().to(units::set_eligible))
                .route("/me/invitations", web::get().to(units::my_invitations))
                .route(
                    "/me/invitations/{id}/accept",
                    web::post().to(units::accept_invitation),
                )
                .route(
                    "/me/invitations/{id}/decline",
                    web::post().to(units::decline_invitation),
                )
                .route("/people/{id}", web::get().to(units::person))
                .route("/people/{id}/mentor", web::post().to(units::make_mentor))
                .route("/people/{id}/activate", web::post().to(units::activate))
                .route("/households", web::post().to(units::create_household))
                .route(
                    "/households/{id}/members",
                    web::post().to(units::household_member),
                )
                // Read by the handler itself, up to `import::MAX_FILE`, once the caller is
                // known to be a manager.
                .route("/import", web::post().to(import::import_people))
                .route("/dashboard", web::get().to(units::get_dashboard))
                .route("/targets", web::get().to(units::targets))
                .route("/targets", web::put().to(units::set_targets))
                .route("/mentor/mentees", web::get().to(community::mentees))
                .route("/mentor/registrations", web::post().to(community::register))
                .route("/me/mentor", web::put().to(community::choose_mentor))
                .route("/me/email", web::get().to(community::my_email))
                .route("/me/email", web::put().to(community::set_my_email))
                .route("/me/attendance-code", web::get().to(community::my_code))
                .route("/classes", web::get().to(community::classes))
                .route("/classes", web::post().to(community::create_class))
                .route("/classes/{id}", web::get().to(community::class))
                .route(
                    "/classes/{id}/attendance",
                    web::post().to(community::attend),
                )
                .route("/assignments", web::get().to(assignments::list))
                .route("/assignments", web::post().to(assignments::create))
                .route(
                    "/assignments/{id}/overdue",
                    web::get().to(assignments::overdue),
                )
                .route(
                    "/assignments/{id}/remind",
                    web::post().to(assignments::remind),
                )
                .route("/me/assignments", web::get().to(assignments::mine))
                .route(
                    "/me/notifications",
                    web::get().to(assignments::notifications),
                )
                .route(
                    "/me/notifications/read",
                    web::post().to(assignments::read_notifications),
                )
                .route(
                    "/admin/certificates/{id}/revoke",
                    web::post().to(admin::revoke),
                )
                .route("/admin/exports", web::get().to(admin::exports))
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> HttpResponse {
    crate::error::json_error(&AppError::not_found())
}

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The database answers"), (status = 503, description = "It does not")))]
async fn healthz(state: web::Data<crate::AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database does not answer");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, req: &HttpRequest| {
            let e = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => AppError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                ),
                JsonPayloadError::ContentType => AppError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                ),
                JsonPayloadError::Deserialize(d) if d.is_data() => {
                    AppError::bad_request("invalid_json_fields")
                }
                _ => AppError::bad_request("invalid_json"),
            };
            tracing::debug!(error = %err, "rejected JSON body");
            crate::error::error_for(req.path(), e)
        })
}

/// A query string that does not parse: 400, as JSON for the API and as a page for the pages.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, req| {
        tracing::debug!(error = %err, "rejected query string");
        crate::error::error_for(req.path(), AppError::bad_request("invalid_query"))
    })
}

/// A path segment that does not parse (a letter where an id goes) names nothing: 404, as JSON
/// for the API and as a page for the pages.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        tracing::debug!(error = %err, "rejected path");
        crate::error::error_for(req.path(), AppError::not_found())
    })
}
