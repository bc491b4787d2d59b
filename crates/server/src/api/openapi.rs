//! The OpenAPI document: generated from the handlers' `#[utoipa::path]` annotations and the
//! request and response types, then completed by `ContractResponses` with the answers every
//! operation of a kind can give (the contract's error shapes), so that no status the server
//! sends is missing from it. `scripts/api-fuzz.sh` validates it and fuzzes the server with it.

use actix_web::{web, HttpResponse};
use hocvuso_course::Catalog;
use hocvuso_store::UNIT_KINDS;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::app::accounts::PRIVACY_NOTICE_VERSION;
use crate::app::dashboard::TARGET_METRICS;
use crate::state::AppState;

use super::{
    accounts, admin, assignments, community, evidence, import, instructor, learning, practice,
    privacy, question_search, recovery, search, studio, two_factor, units,
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

/// The answers that come from the request pipeline rather than from one handler, declared on
/// every operation they can reach: 401 where a token is required (missing, expired, signed out),
/// 400/413/415 where a JSON body is read (`api::json_config`), 400 where a query string is
/// parsed (`api::query_config`), 404 where the path names something (`api::path_config` and
/// the handlers' lookups), and 503 everywhere the database is asked (`error::AppError::from`).
struct ContractResponses;

/// (status, component name, description, with `Retry-After`)
const SHARED: [(&str, &str, &str, bool); 6] = [
    (
        "400",
        "BadRequest",
        "invalid_json, invalid_json_fields or invalid_query: the body or the query string does not parse",
        false,
    ),
    (
        "401",
        "Unauthorized",
        "unauthorized: no token, or one that expired or was signed out",
        false,
    ),
    (
        "404",
        "NotFound",
        "not_found: nothing by that id, or nothing the caller may see",
        false,
    ),
    (
        "413",
        "PayloadTooLarge",
        "payload_too_large: the body is over the limit",
        false,
    ),
    (
        "415",
        "UnsupportedMediaType",
        "unsupported_media_type: the body is not sent as the declared type",
        false,
    ),
    (
        "503",
        "Unavailable",
        "database_unavailable or server_busy; see Retry-After",
        true,
    ),
];

/// Operations that answer without asking the database.
const NO_DATABASE: [&str; 3] = ["jwks", "key", "openapi"];

fn error_response(description: &str, retry_after: bool) -> Response {
    let mut r = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if retry_after {
        r = r.header(
            "Retry-After",
            utoipa::openapi::header::HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                )
                .description(Some("Seconds after which trying again may succeed"))
                .build(),
        );
    }
    r.build()
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn declare(op: &mut Operation, status: &str) {
    let name = SHARED
        .iter()
        .find(|(s, ..)| *s == status)
        .map(|(_, name, ..)| *name)
        .unwrap_or("BadRequest");
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
}

impl Modify for ContractResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (_, name, description, retry_after) in SHARED {
            components.responses.insert(
                name.to_owned(),
                RefOr::T(error_response(description, retry_after)),
            );
        }
        for item in openapi.paths.paths.values_mut() {
            for op in operations(item) {
                let params = op.parameters.as_deref().unwrap_or_default();
                let has = |place: ParameterIn| {
                    params.iter().any(|p| {
                        std::mem::discriminant(&p.parameter_in) == std::mem::discriminant(&place)
                    })
                };
                let (in_path, in_query) = (has(ParameterIn::Path), has(ParameterIn::Query));
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    declare(op, "401");
                }
                if op.request_body.is_some() {
                    for status in ["400", "413", "415"] {
                        declare(op, status);
                    }
                }
                if in_query {
                    declare(op, "400");
                }
                if in_path {
                    declare(op, "404");
                }
                let id = op.operation_id.as_deref().unwrap_or_default();
                if !NO_DATABASE.contains(&id) {
                    declare(op, "503");
                }
            }
        }
    }
}

/// The API description, generated from the handlers' annotations and the response types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Học Vụ Số API", version = "1", description = "HTTP contract version 1. Errors are {\"error\": key, \"message\": text}. A method a path does not take answers 405 with Allow."),
    paths(
        super::healthz, super::readyz, serve, crate::metrics::serve,
        accounts::register, accounts::login, accounts::logout, accounts::logout_everywhere,
        accounts::change_password, accounts::me,
        two_factor::status, two_factor::start, two_factor::confirm, two_factor::renew_codes,
        two_factor::disable,
        recovery::request_code, recovery::reset, recovery::issue_code, recovery::sessions,
        learning::courses, learning::course, learning::lesson, learning::complete_lesson,
        learning::start_attempt, learning::get_attempt, learning::submit, learning::save_answers, learning::check, learning::progress, learning::mastery,
        practice::tasks, practice::start, practice::get_attempt, practice::answer,
        search::search, search::ask, search::next,
        search::goal, search::set_goal, search::clear_goal,
        evidence::my_certificates, evidence::verify_details, evidence::certificate,
        admin::completions,
        instructor::statistics, instructor::essays, instructor::grade, question_search::search,
        units::list, units::create, units::get, units::people, units::add_member,
        units::add_manager, units::set_eligible, units::person, units::make_mentor, units::activate,
        units::my_invitations, units::accept_invitation, units::decline_invitation,
        units::create_household, units::household_member, units::get_dashboard,
        units::targets, units::set_targets, import::import_people,
        units::unit_targets, units::set_unit_targets,
        community::mentees, community::register, community::choose_mentor, community::my_email, community::set_my_email, community::my_code,
        community::classes, community::create_class, community::class, community::attend,
        assignments::list, assignments::create, assignments::overdue, assignments::remind,
        assignments::mine, assignments::notifications, assignments::read_notifications,
        evidence::jwks, evidence::key, evidence::issuer, evidence::credential, evidence::pdf,
        evidence::verify_credential, evidence::status_list,
        admin::revoke, admin::exports,
        studio::courses, studio::create, studio::draft, studio::settings, studio::add_lesson,
        studio::lesson, studio::save_lesson, studio::remove_lesson, studio::order,
        studio::questions, studio::media, studio::step, studio::history, studio::compare,
        studio::roll_back, studio::authors, studio::assign,
        studio::question, studio::save_question, studio::remove_question,
        studio::task, studio::save_task, studio::remove_task,
        privacy::my_data, privacy::delete_me, privacy::withdraw_consent, privacy::audit,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth, &ContractResponses)
)]
pub struct ApiDoc;

/// Where a closed list of values goes: a property of a request schema, or a query parameter
/// of an operation.
enum Place {
    Property(&'static str, &'static str),
    Query(&'static str, &'static str),
}

/// The closed lists the server checks strings against, which the Rust types (plain strings)
/// cannot tell the generator: the content's groups and courses, the unit kinds, the target
/// metrics, the privacy notice in force and the export formats. Filled in from the same
/// constants and catalog the handlers check against, so the document cannot drift from them.
fn closed_lists(catalog: &Catalog) -> Vec<(Place, Vec<String>)> {
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let groups: Vec<String> = catalog.groups.iter().map(|g| g.id.clone()).collect();
    let courses: Vec<String> = catalog.courses.keys().cloned().collect();
    let mut course_groups = groups.clone();
    course_groups.push("all".to_owned());
    let notice = vec![PRIVACY_NOTICE_VERSION.to_owned()];
    use Place::{Property, Query};
    vec![
        (Property("RegisterRequest", "group"), groups.clone()),
        (
            Property("RegisterRequest", "privacy_notice_version"),
            notice.clone(),
        ),
        (Property("AssistedRequest", "group"), groups.clone()),
        (
            Property("AssistedRequest", "privacy_notice_version"),
            notice.clone(),
        ),
        (
            Property("ActivateRequest", "privacy_notice_version"),
            notice,
        ),
        (Property("EligibleRequest", "group"), groups.clone()),
        (Property("UnitTargetItem", "group"), groups.clone()),
        (Property("NewAssignmentRequest", "group"), groups.clone()),
        (
            Property("NewAssignmentRequest", "course_id"),
            courses.clone(),
        ),
        (Property("NewClassRequest", "course_id"), courses),
        (Property("NewUnitRequest", "kind"), owned(&UNIT_KINDS)),
        // Not `TargetView.group`: the same schema lists the plan's targets, which name groups
        // this content may not have.
        (Property("TargetView", "metric"), owned(&TARGET_METRICS)),
        (Query("courses", "group"), course_groups),
        (Query("people", "group"), groups.clone()),
        (Query("completions", "group"), groups),
        (Query("people", "format"), owned(&["json", "csv", "xlsx"])),
        (Query("overdue", "format"), owned(&["json", "csv", "xlsx"])),
        (Query("get_dashboard", "format"), owned(&["json", "xlsx"])),
        (Query("statistics", "format"), owned(&["json", "csv"])),
        (
            Query("completions", "format"),
            owned(&["csv", "xlsx", "jsonl", "xapi"]),
        ),
        (Query("audit", "format"), owned(&["json", "csv", "xlsx"])),
        (
            Query("audit", "action"),
            owned(crate::app::privacy::AUDIT_ACTIONS),
        ),
        (
            Query("withdraw_consent", "purpose"),
            owned(&["reminder_email", "privacy_notice", "guardian"]),
        ),
        (
            Property("GoalRequest", "kind"),
            owned(&crate::app::next::GOAL_KINDS),
        ),
    ]
}

/// Sets `values` as the enum of the schema at `place` (a plain or a nullable string).
fn restrict(doc: &mut utoipa::openapi::OpenApi, place: &Place, values: Vec<String>) {
    let schema = match *place {
        Place::Property(name, property) => doc
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut(name))
            .and_then(|s| match s {
                RefOr::T(Schema::Object(o)) => o.properties.get_mut(property),
                _ => None,
            }),
        Place::Query(operation, parameter) => doc
            .paths
            .paths
            .values_mut()
            .flat_map(operations)
            .find(|op| op.operation_id.as_deref() == Some(operation))
            .and_then(|op| op.parameters.as_mut())
            .and_then(|ps| ps.iter_mut().find(|p| p.name == parameter))
            .and_then(|p| p.schema.as_mut()),
    };
    match schema {
        Some(RefOr::T(Schema::Object(o))) => {
            o.enum_values = Some(values.into_iter().map(serde_json::Value::from).collect());
        }
        // A renamed field or operation: the document would silently lose the list.
        _ => tracing::error!("openapi: no string schema at {}", place.describe()),
    }
}

impl Place {
    fn describe(&self) -> String {
        match self {
            Place::Property(s, p) => format!("{s}.{p}"),
            Place::Query(o, p) => format!("{o}?{p}"),
        }
    }
}

/// The document for the content this server serves.
pub fn document(catalog: &Catalog) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for (place, values) in closed_lists(catalog) {
        restrict(&mut doc, &place, values);
    }
    doc
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
pub async fn serve(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(document(&state.catalog()))
}
