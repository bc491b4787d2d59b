//! The pages of mentors and class organisers, and the learner's profile (attendance QR code,
//! choosing a mentor).

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, Time};

use crate::app::accounts::PRIVACY_NOTICE_VERSION;
use crate::app::community::{self as app, AssistedRegistration, ClassForm};
use crate::auth::{csrf, PageUser, Scope, Scoped};
use crate::error::AppError;
use crate::present::{check_in_url, course_title};
use crate::state::AppState;
use crate::views::date_vi;

use super::form::FormFields;
use super::{redirect, Page, PageResult};

#[derive(Serialize)]
struct MenteeLine {
    id: i64,
    display_name: String,
    username: String,
    path_completed_on: Option<String>,
    certified_on: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn mentor(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let rows = app::mentees(&state, &scope).await?;
    let lines: Vec<MenteeLine> = rows
        .iter()
        .map(|p| MenteeLine {
            id: p.id,
            display_name: p.display_name.clone(),
            username: p.username.clone(),
            path_completed_on: p.path_completed_at.map(date_vi),
            certified_on: p.certified_at.map(date_vi),
        })
        .collect();
    let completed = lines
        .iter()
        .filter(|l| l.path_completed_on.is_some())
        .count();
    Page::new(&req, &state, Some(&scope.user))
        .with("mentees", &lines)
        .with("completed", &completed)
        .with("bar", &hocvuso_store::aggregates::MENTOR_BAR)
        .with(
            "at_bar",
            &(completed as u64 >= hocvuso_store::aggregates::MENTOR_BAR),
        )
        .with("registered", &q.done.clone())
        .render("mentor.html")
}

#[derive(Deserialize, Serialize, Default)]
pub struct AssistedForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    unit_id: String,
    /// An existing household's id, `new` for a new one, or empty.
    #[serde(default)]
    household: String,
    #[serde(default)]
    new_household: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    guardian_consent: Option<String>,
}

#[derive(Serialize)]
struct HouseholdChoice {
    id: i64,
    name: String,
    unit_name: String,
}

async fn assisted_page(
    req: &HttpRequest,
    state: &AppState,
    scope: &Scope,
    form: &AssistedForm,
    problems: &[app::FieldProblem],
) -> PageResult {
    let mine = app::mentor_units(state, scope).await?;
    let units: Vec<_> = mine.iter().filter_map(|u| scope.tree.get(*u)).collect();
    let households: Vec<HouseholdChoice> = state
        .store
        .households_in(&mine)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|h| HouseholdChoice {
            id: h.id,
            unit_name: scope
                .tree
                .get(h.unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            name: h.name,
        })
        .collect();
    let t = crate::i18n::current();
    // Said to the mentor about the neighbour: not "Bạn cần …".
    let errors: std::collections::HashMap<&str, String> = problems
        .iter()
        .map(|p| {
            let key = match p.key {
                "consent_required" => "assisted_consent_required",
                "guardian_consent_required" => "assisted_guardian_consent_required",
                k => k,
            };
            (p.field, t.error(key))
        })
        .collect();
    let mut page = Page::new(req, state, Some(&scope.user))
        .with("form", form)
        .with("groups", &state.catalog().groups)
        .with("units", &units)
        .with("households", &households)
        .with("errors", &errors)
        .with("notice_version", PRIVACY_NOTICE_VERSION);
    if !problems.is_empty() {
        page = page.error(&AppError::unprocessable("form_has_problems"));
    }
    page.render("assisted.html")
}

pub async fn assisted_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
) -> PageResult {
    if !scope.mentor {
        return Err(AppError::forbidden().into());
    }
    let form = AssistedForm {
        group: "citizen".into(),
        ..Default::default()
    };
    assisted_page(&req, &state, &scope, &form, &[]).await
}

#[derive(Serialize)]
struct FirstSignInSlip {
    display_name: String,
    username: String,
    code: String,
    expires: String,
    unit_name: Option<String>,
}

/// The neighbour's registration, on the mentor's phone. On success the page is the neighbour's
/// first sign-in slip (their username and a one-time code) to print or copy by hand; the mentor
/// stays signed in as themselves and never learns a password. With problems, the form again
/// with every problem beside its field and what was typed kept.
pub async fn assisted(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    form: web::Form<AssistedForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    if !scope.mentor {
        return Err(AppError::forbidden().into());
    }
    let f = form.into_inner();
    let household = f.household.trim();
    let result = app::register_assisted(
        &state,
        &scope,
        AssistedRegistration {
            username: f.username.trim().to_owned(),
            display_name: f.display_name.clone(),
            group: f.group.clone(),
            birth_year: f.birth_year.clone(),
            consent: f.consent.as_deref() == Some("yes"),
            guardian_consent: f.guardian_consent.as_deref() == Some("yes"),
            unit_id: f.unit_id.trim().parse().ok(),
            household_id: household.parse().ok(),
            household_code: None,
            new_household: (household == "new").then(|| f.new_household.clone()),
        },
    )
    .await;
    match result {
        Ok(Ok(done)) => {
            let slip = FirstSignInSlip {
                display_name: done.user.display_name.clone(),
                username: done.user.username.clone(),
                code: done.code,
                expires: format!(
                    "{} {}",
                    crate::views::time_vi(done.expires_at),
                    date_vi(done.expires_at)
                ),
                unit_name: done.unit_name,
            };
            Page::new(&req, &state, Some(&scope.user))
                .with("slip", &slip)
                .with("hours", &crate::app::recovery::HANDED_CODE_HOURS)
                .render("assisted_slip.html")
        }
        Ok(Err(problems)) => assisted_page(&req, &state, &scope, &f, &problems).await,
        Err(e) if e.key == "username_taken" => {
            let problems = [app::FieldProblem {
                field: "username",
                key: "username_taken",
            }];
            assisted_page(&req, &state, &scope, &f, &problems).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    saved: Option<String>,
    joined: Option<String>,
}

#[derive(Serialize)]
struct InvitationLine {
    id: i64,
    unit_name: String,
    on: String,
}

#[derive(Deserialize)]
pub struct InvitationForm {
    #[serde(default)]
    csrf: String,
    /// `accept` or `decline`.
    #[serde(default)]
    answer: String,
}

/// The learner accepts or declines an invitation to join a unit (from their profile).
pub async fn answer_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    form: web::Form<InvitationForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::bad_request("invalid_form").into()),
    };
    crate::app::units::answer_invitation(&state, &user.0, *path, accept).await?;
    Ok(redirect(if accept {
        "/profile?joined=1"
    } else {
        "/profile?saved=1"
    }))
}

/// The learner's profile: their attendance code with its QR code, and their mentor.
pub async fn profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    q: web::Query<ProfileQuery>,
) -> PageResult {
    let code = app::my_code(&state, &user.0).await?;
    let url = check_in_url(&state, &code);
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .map_err(|e| AppError::internal_because("cannot draw an attendance QR code", e))?;
    let mentor = match state
        .store
        .mentor_of(user.0.id)
        .await
        .map_err(AppError::from)?
    {
        Some(m) => state
            .store
            .user_by_id(m)
            .await
            .map_err(AppError::from)?
            .map(|u| u.display_name),
        None => None,
    };
    let email = state
        .store
        .reminder_email(user.0.id)
        .await
        .map_err(AppError::from)?;
    let reset_by_email = state
        .store
        .has_consent(user.0.id, hocvuso_store::RESET_EMAIL_PURPOSE)
        .await
        .map_err(AppError::from)?;
    let invitations: Vec<InvitationLine> = crate::app::units::invitations(&state, &user.0)
        .await?
        .into_iter()
        .map(|i| InvitationLine {
            id: i.id,
            unit_name: i.unit_name,
            on: date_vi(i.created_at),
        })
        .collect();
    Page::new(&req, &state, Some(&user.0))
        .with("code", &code)
        .with("invitations", &invitations)
        .with("joined", &q.joined.is_some())
        .with("email_value", &email.clone().unwrap_or_default())
        .with("email", &email)
        .with("reset_by_email", &reset_by_email)
        .with("mail_on", &state.settings.mail.is_some())
        .with(
            "qr",
            &qr.replace("<?xml version=\"1.0\" standalone=\"yes\"?>", ""),
        )
        .with("mentor", &mentor)
        .with("saved", &q.saved.is_some())
        .render("profile.html")
}

#[derive(Deserialize)]
pub struct MentorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mentor: String,
}

pub async fn choose_mentor(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<MentorForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    app::choose_mentor(&state, &user.0, &form.mentor).await?;
    Ok(redirect("/profile?saved=1"))
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// `remove` removes the address; anything else saves what was typed.
    #[serde(default)]
    action: String,
}

/// The learner gives, changes or removes their address for reminder e-mail. The address goes
/// in the form body, never in the URL.
pub async fn set_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<EmailForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let input = (form.action != "remove").then_some(form.email.as_str());
    crate::app::accounts::set_reminder_email(&state, &user.0, input, "form").await?;
    Ok(redirect("/profile?saved=1"))
}

#[derive(Serialize)]
struct ClassLine {
    id: i64,
    course_title: String,
    unit_name: String,
    place: String,
    on: String,
}

fn class_line(state: &AppState, scope: &Scope, c: &hocvuso_store::ClassSession) -> ClassLine {
    let local = crate::views::in_vietnam(c.starts_at);
    ClassLine {
        id: c.id,
        course_title: course_title(&state.catalog(), &c.course_id),
        unit_name: scope
            .tree
            .get(c.unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        place: c.place.clone(),
        on: format!(
            "{} {:02}:{:02}",
            date_vi(c.starts_at),
            local.hour(),
            local.minute()
        ),
    }
}

pub async fn classes(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
) -> PageResult {
    let form = NewClassForm {
        time: "08:00".into(),
        ..Default::default()
    };
    classes_page(&req, &state, &scope, &form, None).await
}

/// The list of classes and the form for a new one, with what was typed and the error when the
/// form was refused.
async fn classes_page(
    req: &HttpRequest,
    state: &AppState,
    scope: &Scope,
    form: &NewClassForm,
    error: Option<&AppError>,
) -> PageResult {
    let list = app::classes(state, scope).await?;
    let lines: Vec<ClassLine> = list.iter().map(|c| class_line(state, scope, c)).collect();
    let units: Vec<_> = if scope.instructor {
        scope.tree.all().iter().collect()
    } else {
        let mine = state
            .store
            .user_units(scope.user.id)
            .await
            .map_err(AppError::from)?;
        let mut v: Vec<_> = scope.visible_units();
        for u in mine.iter().filter_map(|u| scope.tree.get(*u)) {
            if !v.iter().any(|x| x.id == u.id) {
                v.push(u);
            }
        }
        v
    };
    let mut page = Page::new(req, state, Some(&scope.user))
        .with("classes", &lines)
        .with("units", &units)
        .with("form", form)
        .with(
            "courses",
            &state
                .catalog()
                .all_courses()
                .iter()
                .map(|c| (&c.id, &c.title))
                .collect::<Vec<_>>(),
        );
    if let Some(e) = error {
        page = page.error(e);
    }
    page.render("classes.html")
}

#[derive(Deserialize, Serialize, Default)]
pub struct NewClassForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    course_id: String,
    #[serde(default)]
    place: String,
    /// YYYY-MM-DD
    #[serde(default)]
    date: String,
    /// HH:MM
    #[serde(default)]
    time: String,
}

/// The instant a class starts, from the form's local date and time (Vietnam, UTC+7).
fn class_start(f: &NewClassForm) -> Result<OffsetDateTime, AppError> {
    let date = Date::parse(
        f.date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::unprocessable("invalid_date"))?;
    let t = Time::parse(
        f.time.trim(),
        time::macros::format_description!("[hour]:[minute]"),
    )
    .map_err(|_| AppError::unprocessable("invalid_date"))?;
    Ok(date.with_time(t).assume_offset(time::macros::offset!(+7)))
}

pub async fn create_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    form: web::Form<NewClassForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let f = form.into_inner();
    let created = match class_start(&f) {
        Ok(starts_at) => {
            app::create_class(
                &state,
                &scope,
                ClassForm {
                    unit_id: f.unit_id,
                    course_id: f.course_id.clone(),
                    place: f.place.clone(),
                    starts_at,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(c) => Ok(redirect(&format!("/classes/{}", c.id))),
        Err(e) if e.status == actix_web::http::StatusCode::UNPROCESSABLE_ENTITY => {
            classes_page(&req, &state, &scope, &f, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct Candidate {
    id: i64,
    display_name: String,
    username: String,
    present: bool,
}

#[derive(Deserialize)]
pub struct ClassQuery {
    recorded: Option<String>,
}

pub async fn class(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    q: web::Query<ClassQuery>,
) -> PageResult {
    let (c, attendance) = app::attendance(&state, &scope, *path).await?;
    let candidates: Vec<Candidate> = app::candidates(&state, &scope, &c)
        .await?
        .into_iter()
        .map(|p| Candidate {
            present: attendance.iter().any(|a| a.user_id == p.id),
            id: p.id,
            display_name: p.display_name,
            username: p.username,
        })
        .collect();
    #[derive(Serialize)]
    struct Present {
        display_name: String,
        method: String,
        at: String,
    }
    let present: Vec<Present> = attendance
        .iter()
        .map(|a| Present {
            display_name: a.display_name.clone(),
            method: a.method.clone(),
            at: date_vi(a.recorded_at),
        })
        .collect();
    Page::new(&req, &state, Some(&scope.user))
        .with("c", &class_line(&state, &scope, &c))
        .with("candidates", &candidates)
        .with("present", &present)
        .with("recorded", &q.recorded.is_some())
        .render("class.html")
}

/// The attendance form: ticked boxes (`p` repeated) and/or a code.
pub async fn attend(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<i64>,
    body: web::Payload,
) -> PageResult {
    // The class must be the caller's before its form is read.
    app::class(&state, &scope, *path).await?;
    let form = FormFields::read(body, 16 * 1024, app::MAX_TICKED + 2).await?;
    csrf::verify(&req, form.csrf())?;
    let people: Vec<i64> = form.all("p").filter_map(|v| v.parse().ok()).collect();
    app::tick(&state, &scope, *path, &people).await?;
    if let Some(code) = form.all("code").find(|v| !v.trim().is_empty()) {
        app::check_in(&state, &scope, *path, code).await?;
    }
    Ok(redirect(&format!("/classes/{}?recorded=1", *path)))
}

/// Where a learner's QR code leads: the organiser picks one of their classes to record them.
pub async fn check_in_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    scope: Scoped<PageUser>,
    path: web::Path<String>,
) -> PageResult {
    let list = app::classes(&state, &scope).await?;
    let code = app::normalise_code(&path);
    let person = state
        .store
        .user_by_attendance_code(&code)
        .await
        .map_err(AppError::from)?
        .ok_or_else(AppError::not_found)?;
    let name = state
        .store
        .user_by_id(person)
        .await
        .map_err(AppError::from)?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let lines: Vec<ClassLine> = list.iter().map(|c| class_line(&state, &scope, c)).collect();
    let email = state
        .store
        .reminder_email(scope.user.id)
        .await
        .map_err(AppError::from)?;
    Page::new(&req, &state, Some(&scope.user))
        .with("code", &code)
        .with("email_value", &email.clone().unwrap_or_default())
        .with("email", &email)
        .with("mail_on", &state.settings.mail.is_some())
        .with("name", &name)
        .with("classes", &lines)
        .render("check_in.html")
}
