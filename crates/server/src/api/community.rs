//! Mentors and their mentees, assisted registration, community classes and attendance.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

use hocvuso_store::ClassSession;

use crate::api::accounts::UserView;
use crate::api::units::PersonView;
use crate::app::accounts::PRIVACY_NOTICE_VERSION;
use crate::app::community::{self, AssistedRegistration, ClassForm};
use crate::auth::{ApiUser, Scoped};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::rfc3339;

/// A mentor's mentees with their progress.
#[utoipa::path(get, path = "/api/v1/mentor/mentees", tag = "community", security(("bearer" = [])),
    responses((status = 200, body = [PersonView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn mentees(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
) -> Result<HttpResponse, AppError> {
    let rows = community::mentees(&state, &scope).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(PersonView::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct AssistedRequest {
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 120, pattern = "\\S")]
    pub display_name: String,
    pub group: String,
    #[schema(minimum = 1900)]
    pub birth_year: Option<i32>,
    /// The neighbour read the notice on the mentor's screen and agreed.
    pub consent: bool,
    /// The notice version shown; must be the one in force.
    pub privacy_notice_version: String,
    #[serde(default)]
    pub guardian_consent: bool,
    /// One of the mentor's own units; default: the mentor's unit when they have exactly one.
    pub unit_id: Option<i64>,
    /// An existing household of that unit, by id.
    pub household_id: Option<i64>,
    /// An existing household of that unit, by code.
    pub household: Option<String>,
    /// A new household to create in that unit, by name.
    #[schema(max_length = 200)]
    pub new_household: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssistedView {
    #[serde(flatten)]
    pub user: UserView,
    /// The unit the neighbour joined, if any.
    pub unit_id: Option<i64>,
    /// The one-time first sign-in code to hand over (printed on a slip): the neighbour chooses
    /// their own password with it on `/reset` (or `POST /api/v1/auth/reset`). Shown once.
    pub sign_in_code: String,
    /// RFC 3339.
    pub sign_in_code_expires_at: String,
}

/// A mentor registers a neighbour on the mentor's own phone; the record notes who helped. No
/// password is set: the answer carries a one-time first sign-in code for the neighbour. With
/// problems, 422 names the first problem's field in its message (nothing is written).
#[utoipa::path(post, path = "/api/v1/mentor/registrations", tag = "community", operation_id = "register_assisted", security(("bearer" = [])), request_body = AssistedRequest,
    responses((status = 201, body = AssistedView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<AssistedRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    if b.privacy_notice_version != PRIVACY_NOTICE_VERSION {
        return Err(AppError::unprocessable("stale_privacy_notice"));
    }
    let unit_asked = b.unit_id;
    let outcome = community::register_assisted(
        &state,
        &scope,
        AssistedRegistration {
            username: b.username,
            display_name: b.display_name,
            group: b.group,
            birth_year: b.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            consent: b.consent,
            guardian_consent: b.guardian_consent,
            unit_id: b.unit_id,
            household_id: b.household_id,
            household_code: b.household,
            new_household: b.new_household,
        },
    )
    .await?;
    match outcome {
        Ok(done) => {
            let unit_id = match unit_asked {
                Some(u) => Some(u),
                None => {
                    let mine = state.store.user_units(done.user.id).await?;
                    mine.first().copied()
                }
            };
            Ok(HttpResponse::Created()
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .json(AssistedView {
                    user: UserView::from(&done.user),
                    unit_id,
                    sign_in_code: done.code,
                    sign_in_code_expires_at: rfc3339(done.expires_at),
                }))
        }
        Err(problems) => Err(match problems.first() {
            Some(p) => AppError::unprocessable(p.key).with_detail(p.field),
            None => AppError::unprocessable("form_has_problems"),
        }),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ChooseMentorRequest {
    /// The mentor's username.
    pub mentor: String,
}

/// A learner chooses their mentor, agreeing that the mentor sees their progress.
#[utoipa::path(put, path = "/api/v1/me/mentor", tag = "community", security(("bearer" = [])), request_body = ChooseMentorRequest,
    responses((status = 200, description = "Done"), (status = 422, body = crate::error::ErrorBody)))]
pub async fn choose_mentor(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<ChooseMentorRequest>,
) -> Result<HttpResponse, AppError> {
    community::choose_mentor(&state, &user.0, &body.mentor).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReminderEmail {
    /// The address reminders are sent to; null (or empty, when setting) for none. Used for
    /// nothing else; removing it withdraws the consent given with it.
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// The caller's address for reminder e-mail, if they gave one.
#[utoipa::path(get, path = "/api/v1/me/email", tag = "community", security(("bearer" = [])),
    responses((status = 200, body = ReminderEmail)))]
pub async fn my_email(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let email = state.store.reminder_email(user.0.id).await?;
    Ok(HttpResponse::Ok().json(ReminderEmail { email }))
}

/// Sets the caller's address for reminder e-mail (the client shows the purpose first: only
/// reminders, removable at any time); null or empty removes it.
#[utoipa::path(put, path = "/api/v1/me/email", tag = "community", security(("bearer" = [])), request_body = ReminderEmail,
    responses((status = 200, body = ReminderEmail), (status = 422, body = crate::error::ErrorBody, description = "invalid_email")))]
pub async fn set_my_email(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<ReminderEmail>,
) -> Result<HttpResponse, AppError> {
    let email =
        crate::app::accounts::set_reminder_email(&state, &user.0, body.email.as_deref(), "api")
            .await?;
    Ok(HttpResponse::Ok().json(ReminderEmail { email }))
}

#[derive(Serialize, ToSchema)]
pub struct CodeView {
    /// Shown with a QR code; an organiser types or scans it to record attendance.
    pub code: String,
    pub check_in_url: String,
}

/// The caller's attendance code for community classes.
#[utoipa::path(get, path = "/api/v1/me/attendance-code", tag = "community", security(("bearer" = [])),
    responses((status = 200, body = CodeView)))]
pub async fn my_code(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let code = community::my_code(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(CodeView {
        check_in_url: check_in_url(&state, &code),
        code,
    }))
}

pub use crate::present::check_in_url;

#[derive(Serialize, ToSchema)]
pub struct ClassView {
    pub id: i64,
    pub unit_id: i64,
    pub course_id: String,
    pub place: String,
    pub starts_at: String,
    pub organiser_id: i64,
}

impl From<&ClassSession> for ClassView {
    fn from(c: &ClassSession) -> Self {
        Self {
            id: c.id,
            unit_id: c.unit_id,
            course_id: c.course_id.clone(),
            place: c.place.clone(),
            starts_at: rfc3339(c.starts_at),
            organiser_id: c.organiser_id,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewClassRequest {
    pub unit_id: i64,
    pub course_id: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub place: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub starts_at: String,
}

/// Schedules a community class (instructors, mentors, managers).
#[utoipa::path(post, path = "/api/v1/classes", tag = "community", security(("bearer" = [])), request_body = NewClassRequest,
    responses((status = 201, body = ClassView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_class(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<NewClassRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let starts_at = OffsetDateTime::parse(&b.starts_at, &Rfc3339)
        .map_err(|_| AppError::unprocessable("invalid_date"))?;
    let c = community::create_class(
        &state,
        &scope,
        ClassForm {
            unit_id: b.unit_id,
            course_id: b.course_id,
            place: b.place,
            starts_at,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(ClassView::from(&c)))
}

/// The classes the caller organised or that were held in units they manage.
#[utoipa::path(get, path = "/api/v1/classes", tag = "community", security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody, description = "not an instructor, mentor or manager"), (status = 200, body = [ClassView])))]
pub async fn classes(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
) -> Result<HttpResponse, AppError> {
    let list = community::classes(&state, &scope).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(ClassView::from).collect::<Vec<_>>()))
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeView {
    pub user_id: i64,
    pub display_name: String,
    /// list (ticked) or code (the learner's code or QR).
    pub method: String,
    pub recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClassDetail {
    #[serde(flatten)]
    pub class: ClassView,
    pub attendance: Vec<AttendeeView>,
}

/// A class with its attendance (the evidence).
#[utoipa::path(get, path = "/api/v1/classes/{id}", tag = "community", security(("bearer" = [])),
    responses((status = 200, body = ClassDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn class(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (c, list) = community::attendance(&state, &scope, *path).await?;
    Ok(HttpResponse::Ok().json(ClassDetail {
        class: (&c).into(),
        attendance: list
            .into_iter()
            .map(|a| AttendeeView {
                user_id: a.user_id,
                display_name: a.display_name,
                method: a.method,
                recorded_at: rfc3339(a.recorded_at),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceRequest {
    /// People ticked on the list.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub people: Vec<i64>,
    /// Or a learner's attendance code.
    pub code: Option<String>,
}

/// Records attendance: ticked people, or a learner's code.
#[utoipa::path(post, path = "/api/v1/classes/{id}/attendance", tag = "community", security(("bearer" = [])), request_body = AttendanceRequest,
    responses((status = 200, description = "Recorded"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn attend(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    body: web::Json<AttendanceRequest>,
) -> Result<HttpResponse, AppError> {
    let mut added = community::tick(&state, &scope, *path, &body.people).await?;
    if let Some(code) = body.code.as_deref().filter(|c| !c.trim().is_empty()) {
        community::check_in(&state, &scope, *path, code).await?;
        added += 1;
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"recorded": added})))
}
