//! Units, their people, households, the dashboard and targets. Every handler derives the
//! caller's `Scope` and lets it decide: anything outside it is 404.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use hocvuso_store::{PersonRow, Unit};

use crate::app::dashboard::{self, Dashboard};
use crate::app::paging::Paging;
use crate::app::{community, privacy, units};
use crate::auth::{ApiUser, Scoped};
use crate::error::AppError;
use crate::export::{self, Cell, Format, Sheet};
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    /// province, ward, neighbourhood, agency, school, enterprise or cooperative.
    pub kind: String,
}

impl From<&Unit> for UnitView {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id,
            parent_id: u.parent_id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub group: Option<String>,
    pub birth_year: Option<i32>,
    pub household: Option<String>,
    /// RFC 3339, when the person completed their group's path.
    pub path_completed_at: Option<String>,
    pub certified_at: Option<String>,
    /// False for an imported account that has not had its first sign-in yet.
    pub active: bool,
}

impl From<&PersonRow> for PersonView {
    fn from(p: &PersonRow) -> Self {
        Self {
            id: p.id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            group: p.group.clone(),
            birth_year: p.birth_year,
            household: p.household.clone(),
            path_completed_at: p.path_completed_at.map(rfc3339),
            certified_at: p.certified_at.map(rfc3339),
            active: p.active,
        }
    }
}

/// The units the caller may see (all of them for an administrator).
#[utoipa::path(get, path = "/api/v1/units", tag = "units", operation_id = "list_units", security(("bearer" = [])),
    responses((status = 200, body = [UnitView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(scope: Scoped<ApiUser>) -> Result<HttpResponse, AppError> {
    let units: Vec<UnitView> = scope
        .visible_units()
        .into_iter()
        .map(UnitView::from)
        .collect();
    Ok(HttpResponse::Ok().json(units))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUnitRequest {
    pub parent_id: Option<i64>,
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    pub kind: String,
}

/// Creates a unit: a top unit (administrators) or one under a unit the caller manages.
#[utoipa::path(post, path = "/api/v1/units", tag = "units", operation_id = "create_unit", security(("bearer" = [])), request_body = NewUnitRequest,
    responses((status = 403, body = crate::error::ErrorBody, description = "a top unit, and not an administrator"), (status = 201, body = UnitView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<NewUnitRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let unit = units::create(
        &state,
        &scope,
        units::UnitForm {
            parent_id: b.parent_id,
            code: b.code,
            name: b.name,
            kind: b.kind,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(UnitView::from(&unit)))
}

#[derive(Serialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: UnitView,
    pub children: Vec<UnitView>,
}

/// One unit the caller may see, with the units directly below it.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", operation_id = "get_unit", security(("bearer" = [])),
    responses((status = 200, body = UnitDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(scope: Scoped<ApiUser>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let unit = scope.unit(*path)?;
    Ok(HttpResponse::Ok().json(UnitDetail {
        unit: unit.into(),
        children: scope
            .tree
            .children(unit.id)
            .into_iter()
            .map(UnitView::from)
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    pub group: Option<String>,
    /// Search: a name, with or without diacritics ("nguyen van a" finds "Nguyễn Văn A"), or the
    /// start of a username; at most 100 characters. The answer is one page of at most 50
    /// people, by name (`group` and `page` are not used with it).
    pub q: Option<String>,
    /// From 0 (at most 1,000,000; larger numbers are read as the largest).
    pub page: Option<u64>,
    /// json (default), csv or xlsx (the whole list).
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub total: u64,
    pub page: u64,
    pub people: Vec<PersonView>,
}

/// The people of a unit and everything below it (personal data: managers of the unit only).
#[utoipa::path(get, path = "/api/v1/units/{id}/people", tag = "units", security(("bearer" = [])), params(PeopleQuery),
    responses((status = 200, description = "A page of people (JSON); with format=csv or xlsx, the whole list as a file", content((PeoplePage = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 404, body = crate::error::ErrorBody)))]
pub async fn people(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    q: web::Query<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    let format = match q.format.as_deref() {
        None | Some("json") => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| AppError::bad_request("unknown_format"))?),
    };
    let paging = Paging::new(q.page, None, units::PAGE_SIZE, units::PAGE_SIZE);
    if let Some(format) = format {
        let whole = Paging::new(None, None, units::EXPORT_MAX, units::EXPORT_MAX);
        let (rows, _) = units::people(&state, &scope, *path, q.group.as_deref(), whole).await?;
        privacy::audit(
            &state,
            &scope.user,
            privacy::ACTION_EXPORT,
            None,
            Some(*path),
            &format!("people {} {}", format.name(), rows.len()),
        )
        .await?;
        crate::metrics::export("people");
        tracing::info!(
            by = scope.user.id,
            unit = *path,
            rows = rows.len(),
            "people exported"
        );
        let code = scope.unit(*path)?.code.clone();
        return file_in(
            &state,
            format,
            "nguoi-hoc",
            Some(&code),
            &people_sheet(&state, &rows),
        )
        .await;
    }
    if let Some(query) = q.q.as_deref().filter(|s| !s.trim().is_empty()) {
        let rows = units::search_people(&state, &scope, *path, query).await?;
        privacy::audit(
            &state,
            &scope.user,
            privacy::ACTION_PEOPLE_LIST,
            None,
            Some(*path),
            // Never the query: it is a person's name.
            &format!("search {}", rows.len()),
        )
        .await?;
        return Ok(HttpResponse::Ok().json(PeoplePage {
            total: rows.len() as u64,
            page: 0,
            people: rows.iter().map(PersonView::from).collect(),
        }));
    }
    let (rows, total) = units::people(&state, &scope, *path, q.group.as_deref(), paging).await?;
    privacy::audit(
        &state,
        &scope.user,
        privacy::ACTION_PEOPLE_LIST,
        None,
        Some(*path),
        &format!("page {} {}", paging.page, rows.len()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(PeoplePage {
        total,
        page: paging.page,
        people: rows.iter().map(PersonView::from).collect(),
    }))
}

/// The people list as a sheet: Vietnamese headers, the group's name (not its code), real dates.
pub fn people_sheet(state: &AppState, rows: &[PersonRow]) -> Vec<Sheet> {
    let t = crate::i18n_global();
    let catalog = state.catalog();
    let head = [
        "export.username",
        "export.display_name",
        "export.group",
        "export.birth_year",
        "export.household",
        "export.path_completed",
        "export.certified",
    ]
    .iter()
    .map(|k| t.get(k).to_owned())
    .collect();
    let body = rows
        .iter()
        .map(|p| {
            vec![
                p.username.clone().into(),
                p.display_name.clone().into(),
                p.group
                    .as_deref()
                    .map(|g| {
                        catalog
                            .group(g)
                            .map(|x| x.title.clone())
                            .unwrap_or_else(|| g.to_owned())
                    })
                    .unwrap_or_default()
                    .into(),
                p.birth_year
                    .map(|y| Cell::Number(f64::from(y)))
                    .unwrap_or(Cell::Empty),
                p.household.clone().unwrap_or_default().into(),
                p.path_completed_at
                    .map(Cell::day_in_vietnam)
                    .unwrap_or(Cell::Empty),
                p.certified_at
                    .map(Cell::day_in_vietnam)
                    .unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    vec![("people", head, body)]
}

/// A small export as a file download, with the completion ledger's head in it (and in a
/// header, `Hocvuso-Ledger-Head: <seq> <hash>`).
pub async fn file(
    state: &AppState,
    format: Format,
    name: &str,
    sheets: &[Sheet],
) -> Result<HttpResponse, AppError> {
    file_in(state, format, name, None, sheets).await
}

/// A small export as a file download named for what it is, the unit (its code) and the day
/// (`nguoi-hoc_tdp-1_2026-12-06.xlsx`).
pub async fn file_in(
    state: &AppState,
    format: Format,
    what: &str,
    unit_code: Option<&str>,
    sheets: &[Sheet],
) -> Result<HttpResponse, AppError> {
    let head = crate::app::ledger::head(&state.store).await?;
    let body = export::table(format, sheets, &head)?;
    let ext = if format == Format::Xlsx {
        "xlsx"
    } else {
        "csv"
    };
    let ctype = if format == Format::Xlsx {
        Format::Xlsx.content_type()
    } else {
        Format::Csv.content_type()
    };
    let today = crate::views::in_vietnam(state.clock.now()).date();
    let name = export::file_name(what, unit_code, today, ext);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, ctype))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(export::ledger_header(&head))
        .body(body))
}

#[derive(Deserialize, ToSchema)]
pub struct UsernameRequest {
    pub username: String,
}

/// Adds a person to a unit the caller manages, if they are in the caller's scope already
/// (200, `{"status": "added", "id"}`). Anyone else is invited (202, `{"status": "invited"}`):
/// they join when they accept on their own page. A username nobody has gets the same 202, so
/// the answer says nothing about people outside the caller's scope.
#[utoipa::path(post, path = "/api/v1/units/{id}/members", tag = "units", security(("bearer" = [])), request_body = UsernameRequest,
    responses((status = 200, description = "Added (or already there)"), (status = 202, description = "Invited, if the account exists"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_member(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<UsernameRequest>,
) -> Result<HttpResponse, AppError> {
    Ok(
        match units::add_member(&state, &scope, *path, &body.username).await? {
            units::Joined::Added(id) => {
                HttpResponse::Ok().json(serde_json::json!({"status": "added", "id": id}))
            }
            units::Joined::Invited => {
                HttpResponse::Accepted().json(serde_json::json!({"status": "invited"}))
            }
        },
    )
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// RFC 3339.
    pub invited_at: String,
}

/// The caller's pending invitations to join units.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "units", security(("bearer" = [])),
    responses((status = 200, body = [InvitationView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_invitations(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    let list: Vec<InvitationView> = units::invitations(&state, &user.0)
        .await?
        .into_iter()
        .map(|i| InvitationView {
            id: i.id,
            unit_id: i.unit_id,
            unit_name: i.unit_name,
            invited_at: rfc3339(i.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Accepts an invitation: the caller joins the unit, whose managers then see their progress.
#[utoipa::path(post, path = "/api/v1/me/invitations/{id}/accept", tag = "units", security(("bearer" = [])),
    responses((status = 200, description = "Joined"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    units::answer_invitation(&state, &user.0, *path, true).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// Declines an invitation.
#[utoipa::path(post, path = "/api/v1/me/invitations/{id}/decline", tag = "units", security(("bearer" = [])),
    responses((status = 200, description = "Declined"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn decline_invitation(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    units::answer_invitation(&state, &user.0, *path, false).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// Makes a person a manager of a unit (the caller must manage it, or be an administrator).
#[utoipa::path(post, path = "/api/v1/units/{id}/managers", tag = "units", security(("bearer" = [])), request_body = UsernameRequest,
    responses((status = 422, body = crate::error::ErrorBody, description = "unknown_person"), (status = 200, description = "Done"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn add_manager(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<UsernameRequest>,
) -> Result<HttpResponse, AppError> {
    units::add_manager(&state, &scope, *path, &body.username).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize, ToSchema)]
pub struct EligibleRequest {
    pub group: String,
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub eligible: i64,
}

/// Sets the number of eligible people of a group in a unit (the dashboard's denominator).
#[utoipa::path(put, path = "/api/v1/units/{id}/eligible", tag = "units", security(("bearer" = [])), request_body = EligibleRequest,
    responses((status = 200, description = "Done"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_eligible(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<EligibleRequest>,
) -> Result<HttpResponse, AppError> {
    units::set_eligible(&state, &scope, *path, &body.group, body.eligible).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// One person the caller may see, with their milestones.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "units", security(("bearer" = [])),
    responses((status = 200, body = PersonView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn person(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    scope.person(&state, *path).await?;
    let rows = state.store.people_by_ids(&[*path]).await?;
    let p = rows.first().ok_or_else(AppError::not_found)?;
    privacy::audit(
        &state,
        &scope.user,
        privacy::ACTION_PERSON_READ,
        Some(p.id),
        None,
        "",
    )
    .await?;
    Ok(HttpResponse::Ok().json(PersonView::from(p)))
}

/// Gives a person in the caller's units the mentor role.
#[utoipa::path(post, path = "/api/v1/people/{id}/mentor", tag = "units", security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody, description = "not a manager"), (status = 200, description = "Done"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn make_mentor(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    units::make_mentor(&state, &scope, *path).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize, ToSchema)]
pub struct ActivateRequest {
    /// The password the person chose.
    #[schema(min_length = 8, max_length = 1024, pattern = "\\S")]
    pub password: String,
    /// The person read the privacy notice on the manager's screen and agreed.
    pub consent: bool,
    pub privacy_notice_version: String,
}

/// An imported person's first sign-in, on a manager's screen: their consent and password.
#[utoipa::path(post, path = "/api/v1/people/{id}/activate", tag = "units", security(("bearer" = [])), request_body = ActivateRequest,
    responses((status = 403, body = crate::error::ErrorBody, description = "activation_elsewhere, or not a manager"), (status = 200, description = "Done"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn activate(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<ActivateRequest>,
) -> Result<HttpResponse, AppError> {
    if body.privacy_notice_version != crate::app::accounts::PRIVACY_NOTICE_VERSION {
        return Err(AppError::unprocessable("stale_privacy_notice"));
    }
    units::activate(&state, &scope, *path, &body.password, body.consent).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize, ToSchema)]
pub struct NewHouseholdRequest {
    pub unit_id: i64,
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    pub unit_id: i64,
    pub code: String,
    pub name: String,
}

/// Creates a household in a unit the caller manages.
#[utoipa::path(post, path = "/api/v1/households", tag = "units", security(("bearer" = [])), request_body = NewHouseholdRequest,
    responses((status = 422, body = crate::error::ErrorBody, description = "invalid_household_code or invalid_household_name"), (status = 201, body = HouseholdView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_household(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<NewHouseholdRequest>,
) -> Result<HttpResponse, AppError> {
    let h =
        community::create_household(&state, &scope, body.unit_id, &body.code, &body.name).await?;
    Ok(HttpResponse::Created().json(HouseholdView {
        id: h.id,
        unit_id: h.unit_id,
        code: h.code,
        name: h.name,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct HouseholdMemberRequest {
    pub person_id: i64,
}

/// Puts a person into a household.
#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "units", security(("bearer" = [])), request_body = HouseholdMemberRequest,
    responses((status = 200, description = "Done"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn household_member(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<HouseholdMemberRequest>,
) -> Result<HttpResponse, AppError> {
    community::set_household(&state, &scope, *path, body.person_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize, IntoParams)]
pub struct DashboardQuery {
    /// A unit id; default: the caller's outermost unit.
    pub unit: Option<i64>,
    /// Default: this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// json (default) or xlsx, for the report to the province.
    pub format: Option<String>,
}

/// The dashboard of a unit: actual against target per group, households and mentors, the
/// units below, the ranking of tổ dân phố and a 12-week trend.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "units", security(("bearer" = [])), params(DashboardQuery),
    responses((status = 200, description = "The dashboard (JSON), or with format=xlsx the report as a file", content((Dashboard = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "invalid_year")))]
pub async fn get_dashboard(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    scope.require_manager()?;
    let year = q.year.map(dashboard::plan_year).transpose()?;
    let unit = match q.unit {
        Some(u) => u,
        None => dashboard::default_unit(&scope)?,
    };
    let d = dashboard::dashboard(&state, &scope, unit, year).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(d)),
        Some("xlsx") => {
            file_in(
                &state,
                Format::Xlsx,
                &format!("bao-cao-{}", d.year),
                Some(&d.unit.code),
                &dashboard_sheets(&d),
            )
            .await
        }
        Some(_) => Err(AppError::bad_request("unknown_format")),
    }
}

fn unit_rows(rows: &[dashboard::UnitFigures]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|u| {
            vec![
                u.unit.name.clone().into(),
                u.unit.code.clone().into(),
                u.members.into(),
                u.eligible.into(),
                u.path_completed.actual.into(),
                u.path_completed.percent.into(),
                u.certified.actual.into(),
                u.certified.percent.into(),
                u.digital_households.actual.into(),
                u.digital_households.denominator.into(),
                u.mentors_at_bar.actual.into(),
                u.mentors_at_bar.denominator.into(),
                u.target.as_ref().map(|t| t.people).into(),
                u.target.as_ref().and_then(|t| t.percent).into(),
            ]
        })
        .collect()
}

pub fn dashboard_sheets(d: &Dashboard) -> Vec<Sheet> {
    let t = crate::i18n_global();
    let head = |keys: &[&str]| {
        keys.iter()
            .map(|k| t.get(&format!("dashboard.{k}")).to_owned())
            .collect::<Vec<_>>()
    };
    let groups = d
        .groups
        .iter()
        .map(|g| {
            vec![
                g.title.clone().into(),
                g.members.into(),
                g.eligible.into(),
                g.path_completed.actual.into(),
                g.path_completed.percent.into(),
                g.path_completed.target.into(),
                g.certified.actual.into(),
                g.certified.percent.into(),
                g.certified.target.into(),
                g.target.as_ref().map(|t| t.people).into(),
                g.target.as_ref().and_then(|t| t.percent).into(),
            ]
        })
        .collect();
    let unit_head = head(&[
        "unit",
        "code",
        "members",
        "eligible",
        "path_completed",
        "path_percent",
        "certified",
        "certified_percent",
        "digital_households",
        "households",
        "mentors_at_bar",
        "mentors",
        "target_people_figure",
        "target_people_percent",
    ]);
    let mut units = vec![d.total.clone()];
    units.extend(d.children.iter().cloned());
    vec![
        (
            "groups",
            head(&[
                "group",
                "members",
                "eligible",
                "path_completed",
                "path_percent",
                "path_target",
                "certified",
                "certified_percent",
                "certified_target",
                "target_people_figure",
                "target_people_percent",
            ]),
            groups,
        ),
        ("units", unit_head.clone(), unit_rows(&units)),
        ("neighbourhoods", unit_head, unit_rows(&d.ranking)),
        (
            "trend",
            head(&["week", "path_completed", "certified"]),
            d.trend
                .iter()
                .map(|w| {
                    vec![
                        time::Date::parse(
                            &w.week,
                            time::macros::format_description!("[year]-[month]-[day]"),
                        )
                        .map(Cell::Date)
                        .unwrap_or_else(|_| w.week.clone().into()),
                        w.path_completed.into(),
                        w.certified.into(),
                    ]
                })
                .collect(),
        ),
    ]
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// Default: this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct TargetView {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// A group id, or "*" for digital_households and mentors_at_bar.
    pub group: String,
    /// path_completed, certified, digital_households or mentors_at_bar.
    pub metric: String,
    #[schema(minimum = 0, maximum = 100)]
    pub percent: f64,
}

/// The year's targets (the plan's section III figures unless an administrator changed them).
#[utoipa::path(get, path = "/api/v1/targets", tag = "units", security(("bearer" = [])), params(YearQuery),
    responses((status = 403, body = crate::error::ErrorBody, description = "not a manager"), (status = 200, body = [TargetView]), (status = 422, body = crate::error::ErrorBody, description = "invalid_year")))]
pub async fn targets(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    scope.require_manager()?;
    let year = dashboard::plan_year(q.year.unwrap_or(state.clock.now().year()))?;
    let list: Vec<TargetView> = dashboard::targets(&state, year)
        .await?
        .into_iter()
        .map(|((group, metric), percent)| TargetView {
            year,
            group,
            metric,
            percent,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Sets targets (administrators): all of them, or none when one is invalid.
#[utoipa::path(put, path = "/api/v1/targets", tag = "units", security(("bearer" = [])), request_body = [TargetView],
    responses((status = 200, description = "Done"), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_targets(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<Vec<TargetView>>,
) -> Result<HttpResponse, AppError> {
    scope.require_admin()?;
    let targets: Vec<dashboard::NewTarget> = body
        .into_inner()
        .into_iter()
        .map(|t| dashboard::NewTarget {
            year: t.year,
            group: t.group,
            metric: t.metric,
            percent: t.percent,
        })
        .collect();
    dashboard::set_targets(&state, &scope, &targets).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Deserialize, ToSchema)]
pub struct UnitTargetItem {
    /// A learner group id.
    pub group: String,
    /// How many people of the group the unit plans to bring through their path; null removes
    /// the unit's own figure (the dashboard then uses the units below, or the year's percent).
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub people: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct UnitTargetsRequest {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub targets: Vec<UnitTargetItem>,
}

/// A unit's targets in people for a year, group by group: its own figure and the one its
/// dashboard counts against (managers of the unit or above it).
#[utoipa::path(get, path = "/api/v1/units/{id}/targets", tag = "units", security(("bearer" = [])), params(YearQuery),
    responses((status = 200, body = [dashboard::UnitTargetLine]), (status = 403, body = crate::error::ErrorBody, description = "not a manager"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "invalid_year")))]
pub async fn unit_targets(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = dashboard::plan_year(q.year.unwrap_or(state.clock.now().year()))?;
    let lines = dashboard::unit_targets(&state, &scope, *path, year).await?;
    Ok(HttpResponse::Ok().json(lines))
}

/// Sets a unit's targets in people for a year: all of them, or none when one is invalid
/// (the error names the group).
#[utoipa::path(put, path = "/api/v1/units/{id}/targets", tag = "units", security(("bearer" = [])), request_body = UnitTargetsRequest,
    responses((status = 200, body = [dashboard::UnitTargetLine]), (status = 403, body = crate::error::ErrorBody, description = "not a manager"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody, description = "invalid_year, unknown_group, invalid_target_people or target_people_too_large")))]
pub async fn set_unit_targets(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<UnitTargetsRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let targets: Vec<dashboard::NewUnitTarget> = b
        .targets
        .into_iter()
        .map(|t| dashboard::NewUnitTarget {
            group: t.group,
            people: t.people,
        })
        .collect();
    dashboard::set_unit_targets(&state, &scope, *path, b.year, &targets).await?;
    let lines = dashboard::unit_targets(&state, &scope, *path, b.year).await?;
    Ok(HttpResponse::Ok().json(lines))
}
