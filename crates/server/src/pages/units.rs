//! The pages of unit managers and administrators: the dashboard (SVG charts with their data
//! tables, no script), a unit's people, targets, assignments; and the learner's "what is due".

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::app::assignments::{self as assign, AssignmentForm};
use crate::app::dashboard::{self, Dashboard};
use crate::app::paging::Paging;
use crate::app::units as app_units;
use crate::auth::{csrf, PageUser, Scoped};
use crate::error::AppError;
use crate::present::course_title;
use crate::state::AppState;
use crate::views::date_vi;

use super::form::FormFields;
use super::signed_in::CsrfChecked;
use super::{redirect, url_encode, Page, PageResult};

#[derive(Deserialize)]
pub struct DashboardQuery {
    unit: Option<i64>,
    year: Option<i32>,
}

/// Points of the trend line, in the SVG's own coordinates (0–300 × 0–120).
#[derive(Serialize)]
struct TrendChart {
    points: String,
    max: i64,
    dots: Vec<(f64, f64)>,
}

fn trend_chart(d: &Dashboard) -> TrendChart {
    let max = d
        .trend
        .iter()
        .map(|w| w.path_completed)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = d.trend.len().max(2) as f64 - 1.0;
    let dots: Vec<(f64, f64)> = d
        .trend
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let x = (i as f64 * 300.0 / n * 10.0).round() / 10.0;
            let y = (120.0 - w.path_completed as f64 * 110.0 / max as f64 * 10.0 / 10.0).round();
            (x, y)
        })
        .collect();
    TrendChart {
        points: dots
            .iter()
            .map(|(x, y)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        max,
        dots,
    }
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    q: web::Query<DashboardQuery>,
) -> PageResult {
    scope.require_manager()?;
    let unit = match q.unit {
        Some(u) => u,
        None => dashboard::default_unit(&scope)?,
    };
    let d = dashboard::dashboard(&state, &scope, unit, q.year).await?;
    let chart = trend_chart(&d);
    Page::new(&req, &state, Some(&scope.user))
        .with("d", &d)
        .with("trend", &chart)
        .with("tops", &scope.tops())
        .render("dashboard.html")
}

#[derive(Deserialize)]
pub struct PeopleQuery {
    page: Option<u64>,
    group: Option<String>,
    done: Option<String>,
    /// A name (with or without diacritics) or the start of a username.
    q: Option<String>,
}

#[derive(Serialize)]
struct PersonLine {
    id: i64,
    username: String,
    display_name: String,
    group: String,
    household: String,
    path_completed_on: Option<String>,
    certified_on: Option<String>,
    active: bool,
    is_mentor: bool,
}

pub async fn people(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    q: web::Query<PeopleQuery>,
) -> PageResult {
    let catalog = state.catalog();
    let unit = scope.unit(*path)?.clone();
    let paging = Paging::new(q.page, None, app_units::PAGE_SIZE, app_units::PAGE_SIZE);
    let page = paging.page;
    let query = q.q.as_deref().map(str::trim).unwrap_or("");
    let mut search_error = None;
    let (rows, total) = if query.is_empty() {
        app_units::people(&state, &scope, unit.id, q.group.as_deref(), paging).await?
    } else {
        match app_units::search_people(&state, &scope, unit.id, query).await {
            Ok(rows) => {
                let n = rows.len() as u64;
                (rows, n)
            }
            Err(e) if e.status.as_u16() == 422 => {
                search_error = Some(e);
                (Vec::new(), 0)
            }
            Err(e) => return Err(e.into()),
        }
    };
    crate::app::privacy::audit(
        &state,
        &scope.user,
        crate::app::privacy::ACTION_PEOPLE_LIST,
        None,
        Some(unit.id),
        // Never the query: it is a person's name.
        &if query.is_empty() {
            format!("page {page} {}", rows.len())
        } else {
            format!("search {}", rows.len())
        },
    )
    .await?;
    let lines: Vec<PersonLine> = rows
        .iter()
        .map(|p| PersonLine {
            id: p.id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            group: p
                .group
                .as_deref()
                .and_then(|g| catalog.group(g))
                .map(|g| g.title.clone())
                .unwrap_or_default(),
            household: p.household.clone().unwrap_or_default(),
            path_completed_on: p.path_completed_at.map(date_vi),
            certified_on: p.certified_at.map(date_vi),
            active: p.active,
            is_mentor: p.is_mentor,
        })
        .collect();
    let households: Vec<(i64, String, String)> = state
        .store
        .households_in(&[unit.id])
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|h| (h.id, h.code, h.name))
        .collect();
    let pages = if query.is_empty() {
        paging.pages(total)
    } else {
        1
    };
    let mut page_view = Page::new(&req, &state, Some(&scope.user));
    if let Some(e) = &search_error {
        page_view = page_view.error(e);
    }
    page_view
        .with("unit", &unit)
        .with("q", query)
        .with("searched", &!query.is_empty())
        .with("people", &lines)
        .with("total", &total)
        .with("page", &page)
        .with("pages", &pages)
        .with("group", &q.group.clone().unwrap_or_default())
        .with("groups", &catalog.groups)
        .with("households", &households)
        .with("children", &scope.tree.children(unit.id))
        .with("is_admin", &scope.admin)
        .with("done", &q.done.clone().unwrap_or_default())
        .render("people.html")
}

#[derive(Deserialize)]
pub struct PeopleAction {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    person_id: Option<i64>,
    #[serde(default)]
    household_id: Option<i64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    eligible: String,
}

/// Everything a manager does on a unit's page, one form each: add a member, make someone a
/// mentor or a manager, create a household or a unit below, set a denominator.
pub async fn people_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    form: web::Form<PeopleAction>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let unit = *path;
    scope.unit(unit)?;
    let f = form.into_inner();
    let mut done = f.action.clone();
    let result: Result<(), AppError> = match f.action.as_str() {
        "member" => match app_units::add_member(&state, &scope, unit, &f.username).await {
            Ok(app_units::Joined::Invited) => {
                done = "invited".into();
                Ok(())
            }
            Ok(app_units::Joined::Added(_)) => Ok(()),
            Err(e) => Err(e),
        },
        "manager" => app_units::add_manager(&state, &scope, unit, &f.username).await,
        "mentor" => match f.person_id {
            Some(p) => app_units::make_mentor(&state, &scope, p).await,
            None => Err(AppError::unprocessable("unknown_person")),
        },
        "household" => {
            crate::app::community::create_household(&state, &scope, unit, &f.code, &f.name)
                .await
                .map(|_| ())
        }
        "household_member" => {
            let person = app_units::person_named(&state, &scope, &f.username).await?;
            crate::app::community::set_household(
                &state,
                &scope,
                f.household_id.unwrap_or_default(),
                person.id,
            )
            .await
        }
        "unit" => app_units::create(
            &state,
            &scope,
            app_units::UnitForm {
                parent_id: Some(unit),
                code: f.code,
                name: f.name,
                kind: f.kind,
            },
        )
        .await
        .map(|_| ()),
        "eligible" => {
            let n = f
                .eligible
                .trim()
                .parse::<i64>()
                .map_err(|_| AppError::unprocessable("invalid_number"))?;
            app_units::set_eligible(&state, &scope, unit, &f.group, n).await
        }
        _ => Err(AppError::bad_request("invalid_form")),
    };
    result?;
    Ok(redirect(&format!(
        "/units/{unit}/people?done={}",
        url_encode(&done)
    )))
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    saved: Option<String>,
}

#[derive(Serialize)]
struct TargetLine {
    group: String,
    title: String,
    metric: String,
    percent: f64,
}

async fn target_lines(state: &AppState, year: i32) -> Result<Vec<TargetLine>, AppError> {
    let set = dashboard::targets(state, year).await?;
    let t = crate::i18n_global();
    let mut out = Vec::new();
    for g in &state.catalog().groups {
        for m in [
            hocvuso_store::aggregates::PATH_COMPLETED,
            hocvuso_store::aggregates::CERTIFIED,
        ] {
            out.push(TargetLine {
                group: g.id.clone(),
                title: g.title.clone(),
                metric: m.to_owned(),
                percent: set
                    .get(&(g.id.clone(), m.to_owned()))
                    .copied()
                    .unwrap_or(0.0),
            });
        }
    }
    for m in [
        hocvuso_store::aggregates::DIGITAL_HOUSEHOLDS,
        hocvuso_store::aggregates::MENTORS_AT_BAR,
    ] {
        out.push(TargetLine {
            group: hocvuso_store::aggregates::ALL_GROUPS.to_owned(),
            title: t.get("targets.everyone").to_owned(),
            metric: m.to_owned(),
            percent: set
                .get(&(
                    hocvuso_store::aggregates::ALL_GROUPS.to_owned(),
                    m.to_owned(),
                ))
                .copied()
                .unwrap_or(0.0),
        });
    }
    Ok(out)
}

pub async fn targets_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    q: web::Query<YearQuery>,
) -> PageResult {
    if !scope.admin && scope.is_manager() {
        // The year's percentages are one national set (administrators); a unit's managers set
        // their own unit's figures in people.
        let unit = dashboard::default_unit(&scope)?;
        let year = q.year.unwrap_or(state.clock.now().year());
        return Ok(redirect(&format!("/units/{unit}/targets?year={year}")));
    }
    scope.require_admin()?;
    let year = q.year.unwrap_or(state.clock.now().year());
    Page::new(&req, &state, Some(&scope.user))
        .with("year", &year)
        .with("lines", &target_lines(&state, year).await?)
        .with("saved", &q.saved.is_some())
        .render("targets.html")
}

pub async fn targets_save(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    body: web::Payload,
) -> PageResult {
    scope.require_admin()?;
    // Groups × metrics, a few dozen fields.
    let form = FormFields::read(body, 16 * 1024, 200).await?;
    csrf::verify(&req, form.csrf())?;
    let year: i32 = form
        .first("year")
        .unwrap_or("")
        .parse()
        .map_err(|_| AppError::unprocessable("invalid_year"))?;
    let mut targets = Vec::new();
    for (name, value) in form.pairs() {
        // Fields are named t:<group>:<metric>.
        let Some(rest) = name.strip_prefix("t:") else {
            continue;
        };
        let Some((group, metric)) = rest.split_once(':') else {
            continue;
        };
        let percent: f64 = value
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| AppError::unprocessable("invalid_percent"))?;
        targets.push(dashboard::NewTarget {
            year,
            group: group.to_owned(),
            metric: metric.to_owned(),
            percent,
        });
    }
    dashboard::set_targets(&state, &scope, &targets).await?;
    Ok(redirect(&format!("/targets?year={year}&saved=1")))
}

#[derive(Serialize)]
struct AssignmentLine {
    id: i64,
    course_title: String,
    unit_name: String,
    group: String,
    due_on: String,
}

fn due_on(a: &hocvuso_store::Assignment) -> String {
    // The due instant is the midnight ending the due day.
    date_vi(a.due_at - time::Duration::seconds(1))
}

pub async fn assignments(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
) -> PageResult {
    let catalog = state.catalog();
    let list = assign::list(&state, &scope).await?;
    let lines: Vec<AssignmentLine> = list
        .iter()
        .map(|a| AssignmentLine {
            id: a.id,
            course_title: course_title(&catalog, &a.course_id),
            unit_name: scope
                .tree
                .get(a.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            group: a
                .group_id
                .as_deref()
                .and_then(|g| catalog.group(g))
                .map(|g| g.title.clone())
                .unwrap_or_default(),
            due_on: due_on(a),
        })
        .collect();
    Page::new(&req, &state, Some(&scope.user))
        .with("assignments", &lines)
        .with("units", &scope.visible_units())
        .with(
            "courses",
            &catalog
                .all_courses()
                .iter()
                .map(|c| (&c.id, &c.title))
                .collect::<Vec<_>>(),
        )
        .with("groups", &catalog.groups)
        .render("assignments.html")
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    course_id: String,
    unit_id: i64,
    #[serde(default)]
    group: String,
    due_on: String,
}

pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    form: web::Form<AssignForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let f = form.into_inner();
    let (a, _) = assign::create(
        &state,
        &scope,
        AssignmentForm {
            course_id: f.course_id,
            unit_id: f.unit_id,
            group: Some(f.group),
            due_on: f.due_on,
        },
    )
    .await?;
    Ok(redirect(&format!("/assignments/{}", a.id)))
}

#[derive(Serialize)]
struct AssignedLine {
    display_name: String,
    username: String,
    completed_on: Option<String>,
    overdue: bool,
}

#[derive(Deserialize)]
pub struct RemindedQuery {
    reminded: Option<usize>,
}

pub async fn assignment(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    q: web::Query<RemindedQuery>,
) -> PageResult {
    let a = assign::get(&state, &scope, *path).await?;
    let people = assign::people(&state, &scope, &a).await?;
    let lines: Vec<AssignedLine> = people
        .iter()
        .map(|p| AssignedLine {
            display_name: p.person.display_name.clone(),
            username: p.person.username.clone(),
            completed_on: p.completed_at.map(date_vi),
            overdue: p.overdue,
        })
        .collect();
    let overdue = lines.iter().filter(|l| l.overdue).count();
    let done = lines.iter().filter(|l| l.completed_on.is_some()).count();
    Page::new(&req, &state, Some(&scope.user))
        .with("assignment_id", &a.id)
        .with("due_on", &due_on(&a))
        .with(
            "course_title",
            &state
                .catalog()
                .course(&a.course_id)
                .map(|c| c.title.clone()),
        )
        .with("unit", &scope.tree.get(a.unit_id))
        .with("people", &lines)
        .with("overdue", &overdue)
        .with("done", &done)
        .with("reminded", &q.reminded)
        .render("assignment.html")
}

pub async fn remind(
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    _: CsrfChecked,
) -> PageResult {
    let n = assign::remind(&state, &scope, *path).await?;
    Ok(redirect(&format!("/assignments/{}?reminded={n}", *path)))
}

#[derive(Serialize)]
struct DueLine {
    course_id: String,
    course_title: String,
    due_on: String,
    completed_on: Option<String>,
    overdue: bool,
    /// How far along the course is (lessons, quizzes and tasks done), 0–100.
    percent: usize,
    days_left: i64,
}

#[derive(Serialize)]
struct NoticeLine {
    kind: String,
    course_id: String,
    course_title: String,
    due_on: String,
    on: String,
    read: bool,
}

/// What is due, and the learner's notifications (read when this page is opened).
pub async fn due(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let due = assign::due_for(&state, &user.0).await?;
    let title = |id: &str| course_title(&state.catalog(), id);
    let records = state
        .store
        .learner_records(user.0.id)
        .await
        .map_err(AppError::from)?;
    let now = state.clock.now();
    let catalog = state.catalog();
    let percent = |course_id: &str| {
        let Some(course) = catalog.course(course_id) else {
            return 0;
        };
        let s = course.status(records.get(course_id).unwrap_or(&Default::default()));
        let total = s.lessons_total + s.quizzes_total + s.tasks_total;
        let done = s.lessons_completed + s.quizzes_passed + s.tasks_passed;
        (done * 100).checked_div(total).unwrap_or(0)
    };
    let lines: Vec<DueLine> = due
        .iter()
        .map(|d| DueLine {
            course_id: d.assignment.course_id.clone(),
            course_title: title(&d.assignment.course_id),
            due_on: due_on(&d.assignment),
            completed_on: d.completed_at.map(date_vi),
            overdue: d.overdue,
            percent: if d.completed_at.is_some() {
                100
            } else {
                percent(&d.assignment.course_id)
            },
            days_left: d.days_left(now),
        })
        .collect();
    let notes: Vec<NoticeLine> = assign::notifications(&state, &user.0)
        .await?
        .iter()
        .map(|n| NoticeLine {
            kind: n.kind.clone(),
            course_id: n.course_id.clone().unwrap_or_default(),
            course_title: title(n.course_id.as_deref().unwrap_or("")),
            due_on: n
                .due_at
                .map(|d| date_vi(d - time::Duration::seconds(1)))
                .unwrap_or_default(),
            on: date_vi(n.created_at),
            read: n.read_at.is_some(),
        })
        .collect();
    // Shown, so read; a HEAD shows nothing (crate::head).
    if !crate::head::is_head(&req) {
        state
            .store
            .mark_notifications_read(user.0.id, state.clock.now())
            .await
            .map_err(AppError::from)?;
    }
    Page::new(&req, &state, Some(&user.0))
        .with("due", &lines)
        .with("notes", &notes)
        .render("due.html")
}

#[derive(Deserialize)]
pub struct ActivateQuery {
    done: Option<String>,
}

pub async fn activate_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    q: web::Query<ActivateQuery>,
) -> PageResult {
    scope.require_manager()?;
    let person = app_units::may_activate(&state, &scope, *path).await?;
    Page::new(&req, &state, Some(&scope.user))
        .with("person_id", &person.id)
        .with("name", &person.display_name)
        .with("username", &person.username)
        .with(
            "notice_version",
            crate::app::accounts::PRIVACY_NOTICE_VERSION,
        )
        .with("done", &q.done.is_some())
        .render("activate.html")
}

#[derive(Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    consent: Option<String>,
}

pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    form: web::Form<ActivateForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let person = app_units::person_to_act_on(&state, &scope, *path).await?;
    match app_units::activate(
        &state,
        &scope,
        person.id,
        &form.password,
        form.consent.as_deref() == Some("yes"),
    )
    .await
    {
        Ok(()) => Ok(redirect(&format!("/people/{}/activate?done=1", person.id))),
        Err(e) if e.status.as_u16() == 422 => Page::new(&req, &state, Some(&scope.user))
            .with("person_id", &person.id)
            .with("name", &person.display_name)
            .with("username", &person.username)
            .with(
                "notice_version",
                crate::app::accounts::PRIVACY_NOTICE_VERSION,
            )
            .with("done", &false)
            .error(&e)
            .render("activate.html"),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct UnitTargetField {
    group: String,
    title: String,
    /// What the field shows: the saved figure, or what was typed when the form is refused.
    value: String,
    eligible: i64,
    effective: Option<dashboard::PeopleTarget>,
    /// The Vietnamese error beside the field, when its figure was refused.
    error: Option<String>,
}

fn unit_target_fields(
    lines: Vec<dashboard::UnitTargetLine>,
    typed: Option<&FormFields>,
    errors: &std::collections::HashMap<String, &'static str>,
) -> Vec<UnitTargetField> {
    let t = crate::i18n::current();
    lines
        .into_iter()
        .map(|l| {
            let name = format!("p:{}", l.group);
            UnitTargetField {
                value: match typed {
                    Some(f) => f.first(&name).unwrap_or("").to_owned(),
                    None => l.own.map(|n| n.to_string()).unwrap_or_default(),
                },
                error: errors.get(&l.group).map(|k| t.error(k)),
                group: l.group,
                title: l.title,
                eligible: l.eligible,
                effective: l.effective,
            }
        })
        .collect()
}

/// A unit's targets in people, per group, for a year: the ward plan's figures.
pub async fn unit_targets_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    q: web::Query<YearQuery>,
) -> PageResult {
    scope.require_manager()?;
    let unit = scope.unit(*path)?.clone();
    let year = match q.year {
        Some(y) => dashboard::plan_year(y)?,
        None => state.clock.now().year(),
    };
    let lines = dashboard::unit_targets(&state, &scope, unit.id, year).await?;
    let fields = unit_target_fields(lines, None, &Default::default());
    Page::new(&req, &state, Some(&scope.user))
        .with("unit", &unit)
        .with("year", &year)
        .with("fields", &fields)
        .with("saved", &q.saved.is_some())
        .with("is_admin", &scope.admin)
        .render("unit_targets.html")
}

pub async fn unit_targets_save(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    body: web::Payload,
) -> PageResult {
    scope.require_manager()?;
    let unit = scope.unit(*path)?.clone();
    // One field per group, a handful.
    let form = FormFields::read(body, 16 * 1024, 100).await?;
    csrf::verify(&req, form.csrf())?;
    let year = form
        .first("year")
        .unwrap_or("")
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::unprocessable("invalid_year"))
        .and_then(dashboard::plan_year)?;
    let mut errors = std::collections::HashMap::new();
    let mut targets = Vec::new();
    for g in &state.catalog().groups {
        let Some(typed) = form.first(&format!("p:{}", g.id)) else {
            continue;
        };
        match dashboard::parse_target_people(typed) {
            Ok(people) => targets.push(dashboard::NewUnitTarget {
                group: g.id.clone(),
                people,
            }),
            Err(key) => {
                errors.insert(g.id.clone(), key);
            }
        }
    }
    if errors.is_empty() {
        dashboard::set_unit_targets(&state, &scope, unit.id, year, &targets).await?;
        return Ok(redirect(&format!(
            "/units/{}/targets?year={year}&saved=1",
            unit.id
        )));
    }
    // The form again with what was typed, each refused figure marked at its field; nothing
    // was saved.
    let lines = dashboard::unit_targets(&state, &scope, unit.id, year).await?;
    let fields = unit_target_fields(lines, Some(&form), &errors);
    Page::new(&req, &state, Some(&scope.user))
        .with("unit", &unit)
        .with("year", &year)
        .with("fields", &fields)
        .with("saved", &false)
        .with("is_admin", &scope.admin)
        .error(&AppError::unprocessable("targets_not_saved"))
        .render("unit_targets.html")
}
