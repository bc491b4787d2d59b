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
mod privacy;
mod question_search;
mod recovery;
pub mod search;
mod studio;
mod two_factor;
pub mod units;

use actix_web::{error::JsonPayloadError, web, HttpRequest, HttpResponse};

use crate::error::AppError;

pub use openapi::{document, ApiDoc};

const JSON_LIMIT: usize = 64 * 1024;

/// Every path is one resource with all its methods, so a method a path does not take answers
/// 405 with `Allow` (reshaped into the contract's JSON by `error::contract_errors`), not 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(healthz))
        .service(web::resource("/readyz").get(readyz))
        .service(web::resource("/.well-known/jwks.json").get(evidence::jwks))
        .service(web::resource("/keys/{thumbprint}").get(evidence::key))
        .service(web::resource("/issuer").get(evidence::issuer))
        .service(web::resource("/credentials/status/{n}").get(evidence::status_list))
        .service(web::resource("/api/openapi.json").get(openapi::serve))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/auth/register").post(accounts::register))
                .service(web::resource("/auth/login").post(accounts::login))
                .service(web::resource("/auth/logout").post(accounts::logout))
                .service(web::resource("/auth/logout-everywhere").post(accounts::logout_everywhere))
                .service(web::resource("/me").get(accounts::me))
                .service(web::resource("/me/password").put(accounts::change_password))
                .service(
                    web::resource("/me/totp")
                        .get(two_factor::status)
                        .post(two_factor::start),
                )
                .service(web::resource("/me/totp/confirm").post(two_factor::confirm))
                .service(web::resource("/me/totp/recovery-codes").post(two_factor::renew_codes))
                .service(web::resource("/me/totp/disable").post(two_factor::disable))
                .service(web::resource("/me/data").get(privacy::my_data))
                .service(web::resource("/me/delete").post(privacy::delete_me))
                .service(
                    web::resource("/me/consents/{purpose}/withdraw")
                        .post(privacy::withdraw_consent),
                )
                .service(web::resource("/admin/audit").get(privacy::audit))
                .service(web::resource("/me/sessions").get(recovery::sessions))
                .service(web::resource("/auth/password-reset/request").post(recovery::request_code))
                .service(web::resource("/auth/password-reset").post(recovery::reset))
                .service(web::resource("/people/{id}/reset-code").post(recovery::issue_code))
                .service(web::resource("/me/progress").get(learning::progress))
                .service(web::resource("/me/mastery").get(learning::mastery))
                .service(web::resource("/me/next").get(search::next))
                .service(
                    web::resource("/me/goal")
                        .get(search::goal)
                        .put(search::set_goal)
                        .delete(search::clear_goal),
                )
                .service(web::resource("/me/certificates").get(evidence::my_certificates))
                .service(web::resource("/me/certificates/details").put(evidence::verify_details))
                .service(web::resource("/search").get(search::search))
                .service(web::resource("/assistant").post(search::ask))
                .service(web::resource("/courses").get(learning::courses))
                .service(web::resource("/courses/{course_id}").get(learning::course))
                .service(web::resource("/courses/{course_id}/tasks").get(practice::tasks))
                .service(
                    web::resource("/courses/{course_id}/tasks/{task_id}/attempts")
                        .post(practice::start),
                )
                .service(web::resource("/task-attempts/{attempt_id}").get(practice::get_attempt))
                .service(
                    web::resource("/task-attempts/{attempt_id}/answers").post(practice::answer),
                )
                .service(
                    web::resource("/courses/{course_id}/lessons/{lesson_id}").get(learning::lesson),
                )
                .service(
                    web::resource("/courses/{course_id}/lessons/{lesson_id}/complete")
                        .post(learning::complete_lesson),
                )
                .service(
                    web::resource("/courses/{course_id}/quizzes/{quiz_id}/attempts")
                        .post(learning::start_attempt),
                )
                .service(web::resource("/attempts/{attempt_id}").get(learning::get_attempt))
                .service(web::resource("/attempts/{attempt_id}/submit").post(learning::submit))
                .service(
                    web::resource("/attempts/{attempt_id}/answers").post(learning::save_answers),
                )
                .service(web::resource("/attempts/{attempt_id}/check").post(learning::check))
                .service(web::resource("/certificates/{id}").get(evidence::certificate))
                .service(web::resource("/certificates/{id}/credential").get(evidence::credential))
                .service(web::resource("/certificates/{id}/pdf").get(evidence::pdf))
                .service(web::resource("/credentials/verify").post(evidence::verify_credential))
                .service(web::resource("/admin/completions").get(admin::completions))
                .service(
                    web::resource("/instructor/courses/{course_id}/quizzes/{quiz_id}/statistics")
                        .get(instructor::statistics),
                )
                .service(web::resource("/instructor/essays").get(instructor::essays))
                .service(web::resource("/instructor/questions/search").get(question_search::search))
                .service(
                    web::resource("/instructor/attempts/{attempt_id}/grade")
                        .post(instructor::grade),
                )
                .service(web::resource("/units").get(units::list).post(units::create))
                .service(web::resource("/units/{id}").get(units::get))
                .service(web::resource("/units/{id}/people").get(units::people))
                .service(web::resource("/units/{id}/members").post(units::add_member))
                .service(web::resource("/units/{id}/managers").post(units::add_manager))
                .service(web::resource("/units/{id}/eligible").put(units::set_eligible))
                .service(
                    web::resource("/units/{id}/targets")
                        .get(units::unit_targets)
                        .put(units::set_unit_targets),
                )
                .service(web::resource("/me/invitations").get(units::my_invitations))
                .service(
                    web::resource("/me/invitations/{id}/accept").post(units::accept_invitation),
                )
                .service(
                    web::resource("/me/invitations/{id}/decline").post(units::decline_invitation),
                )
                .service(web::resource("/people/{id}").get(units::person))
                .service(web::resource("/people/{id}/mentor").post(units::make_mentor))
                .service(web::resource("/people/{id}/activate").post(units::activate))
                .service(web::resource("/households").post(units::create_household))
                .service(web::resource("/households/{id}/members").post(units::household_member))
                // Read by the handler itself, up to `import::MAX_FILE`, once the caller is
                // known to be a manager.
                .service(web::resource("/import").post(import::import_people))
                .service(web::resource("/dashboard").get(units::get_dashboard))
                .service(
                    web::resource("/targets")
                        .get(units::targets)
                        .put(units::set_targets),
                )
                .service(web::resource("/mentor/mentees").get(community::mentees))
                .service(web::resource("/mentor/registrations").post(community::register))
                .service(web::resource("/me/mentor").put(community::choose_mentor))
                .service(
                    web::resource("/me/email")
                        .get(community::my_email)
                        .put(community::set_my_email),
                )
                .service(web::resource("/me/attendance-code").get(community::my_code))
                .service(
                    web::resource("/classes")
                        .get(community::classes)
                        .post(community::create_class),
                )
                .service(web::resource("/classes/{id}").get(community::class))
                .service(web::resource("/classes/{id}/attendance").post(community::attend))
                .service(
                    web::resource("/assignments")
                        .get(assignments::list)
                        .post(assignments::create),
                )
                .service(web::resource("/assignments/{id}/overdue").get(assignments::overdue))
                .service(web::resource("/assignments/{id}/remind").post(assignments::remind))
                .service(web::resource("/me/assignments").get(assignments::mine))
                .service(web::resource("/me/notifications").get(assignments::notifications))
                .service(
                    web::resource("/me/notifications/read").post(assignments::read_notifications),
                )
                .service(
                    web::resource("/studio/courses")
                        .get(studio::courses)
                        .post(studio::create),
                )
                .service(web::resource("/studio/courses/{course_id}").get(studio::draft))
                .service(
                    web::resource("/studio/courses/{course_id}/settings").put(studio::settings),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/lessons").post(studio::add_lesson),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/lessons/{file}")
                        .get(studio::lesson)
                        .put(studio::save_lesson)
                        .delete(studio::remove_lesson),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/lesson-order").put(studio::order),
                )
                // Read by the handlers themselves (up to 28 MB: audio as base64) once the
                // caller is known to be an instructor.
                .service(
                    web::resource("/studio/courses/{course_id}/questions").post(studio::questions),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/questions/{question_id}")
                        .get(studio::question)
                        .put(studio::save_question)
                        .delete(studio::remove_question),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/tasks/{task_id}")
                        .get(studio::task)
                        .put(studio::save_task)
                        .delete(studio::remove_task),
                )
                .service(web::resource("/studio/courses/{course_id}/media").post(studio::media))
                .service(web::resource("/studio/courses/{course_id}/history").get(studio::history))
                .service(web::resource("/studio/courses/{course_id}/compare").get(studio::compare))
                .service(
                    web::resource("/studio/courses/{course_id}/rollback").post(studio::roll_back),
                )
                .service(
                    web::resource("/studio/courses/{course_id}/authors")
                        .get(studio::authors)
                        .put(studio::assign),
                )
                .service(
                    web::resource(
                        "/studio/courses/{course_id}/{action:submit|approve|return|publish}",
                    )
                    .post(studio::step),
                )
                .service(web::resource("/admin/certificates/{id}/revoke").post(admin::revoke))
                .service(web::resource("/admin/exports").get(admin::exports))
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> HttpResponse {
    crate::error::json_error(&AppError::not_found())
}

/// 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The database answers"), (status = 503, description = "It does not")))]
async fn healthz(state: web::Data<crate::AppState>) -> HttpResponse {
    if state.store.known_unavailable() {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "unavailable"}));
    }
    match crate::health::quick_ping(&state).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database does not answer");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

/// 200 when this instance should be sent requests: the database answers and the instance is
/// not shutting down. A load balancer polls it; `/healthz` stays the liveness check.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "Ready for requests"), (status = 503, description = "Shutting down, or the database does not answer")))]
async fn readyz(req: HttpRequest, state: web::Data<crate::AppState>) -> HttpResponse {
    let draining = req
        .app_data::<web::Data<crate::Lifecycle>>()
        .is_some_and(|l| l.is_draining());
    if draining {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "draining"}));
    }
    if state.store.known_unavailable() {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "unavailable"}));
    }
    match crate::health::quick_ping(&state).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            tracing::error!(error = %e, "readiness: database does not answer");
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
