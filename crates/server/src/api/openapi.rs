use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    accounts, admin, assignments, community, evidence, import, instructor, learning, practice,
    units,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The API description, generated from the handlers' annotations and the response types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Học Vụ Số API", version = "1", description = "HTTP contract version 1. Errors are {\"error\": key, \"message\": text}."),
    paths(
        super::healthz,
        accounts::register, accounts::login, accounts::logout, accounts::logout_everywhere,
        accounts::change_password, accounts::me,
        learning::courses, learning::course, learning::lesson, learning::complete_lesson,
        learning::start_attempt, learning::get_attempt, learning::submit, learning::save_answers, learning::check, learning::progress, learning::mastery,
        practice::tasks, practice::start, practice::get_attempt, practice::answer,
        evidence::my_certificates, evidence::certificate,
        admin::completions,
        instructor::statistics, instructor::essays, instructor::grade,
        units::list, units::create, units::get, units::people, units::add_member,
        units::add_manager, units::set_eligible, units::person, units::make_mentor, units::activate,
        units::my_invitations, units::accept_invitation, units::decline_invitation,
        units::create_household, units::household_member, units::get_dashboard,
        units::targets, units::set_targets, import::import_people,
        community::mentees, community::register, community::choose_mentor, community::my_email, community::set_my_email, community::my_code,
        community::classes, community::create_class, community::class, community::attend,
        assignments::list, assignments::create, assignments::overdue, assignments::remind,
        assignments::mine, assignments::notifications, assignments::read_notifications,
        evidence::jwks, evidence::key, evidence::issuer, evidence::credential, evidence::pdf,
        evidence::verify_credential,
        admin::revoke, admin::exports,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
