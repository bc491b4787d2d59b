//! Assignments, what is due for a learner, and notifications.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use hocvuso_store::{Assignment, Notification};

use crate::api::units::{file, PersonView};
use crate::app::assignments::{self as app, AssignmentForm};
use crate::auth::{ApiUser, Scoped};
use crate::error::AppError;
use crate::export::{Cell, Format};
use crate::present::course_title;
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub course_id: String,
    pub course_title: String,
    pub unit_id: i64,
    pub group: Option<String>,
    /// RFC 3339: the end of the due day in Vietnam.
    pub due_at: String,
}

pub fn view(state: &AppState, a: &Assignment) -> AssignmentView {
    AssignmentView {
        id: a.id,
        course_title: course_title(&state.catalog(), &a.course_id),
        course_id: a.course_id.clone(),
        unit_id: a.unit_id,
        group: a.group_id.clone(),
        due_at: rfc3339(a.due_at),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewAssignmentRequest {
    pub course_id: String,
    pub unit_id: i64,
    pub group: Option<String>,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub due_on: String,
}

/// Assigns a course to a unit the caller manages (or one group in it), with a due date; every
/// assigned learner gets a notification.
#[utoipa::path(post, path = "/api/v1/assignments", tag = "assignments", operation_id = "create_assignment", security(("bearer" = [])), request_body = NewAssignmentRequest,
    responses((status = 201, body = AssignmentView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    body: web::Json<NewAssignmentRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let (a, _) = app::create(
        &state,
        &scope,
        AssignmentForm {
            course_id: b.course_id,
            unit_id: b.unit_id,
            group: b.group,
            due_on: b.due_on,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(view(&state, &a)))
}

/// The assignments of the units the caller manages.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "assignments", operation_id = "list_assignments", security(("bearer" = [])),
    responses((status = 200, body = [AssignmentView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
) -> Result<HttpResponse, AppError> {
    let list = app::list(&state, &scope).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(|a| view(&state, a)).collect::<Vec<_>>()))
}

#[derive(Deserialize, IntoParams)]
pub struct OverdueQuery {
    /// json (default), csv or xlsx.
    pub format: Option<String>,
}

/// Who is overdue on an assignment (personal data: managers of its unit only).
#[utoipa::path(get, path = "/api/v1/assignments/{id}/overdue", tag = "assignments", security(("bearer" = [])), params(OverdueQuery),
    responses((status = 200, description = "The overdue people (JSON), or with format=csv or xlsx a file", content((Vec<PersonView> = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 404, body = crate::error::ErrorBody)))]
pub async fn overdue(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
    q: web::Query<OverdueQuery>,
) -> Result<HttpResponse, AppError> {
    let a = app::get(&state, &scope, *path).await?;
    let late: Vec<_> = app::people(&state, &scope, &a)
        .await?
        .into_iter()
        .filter(|p| p.overdue)
        .map(|p| p.person)
        .collect();
    match q.format.as_deref() {
        None | Some("json") => {
            crate::app::privacy::audit(
                &state,
                &scope.user,
                crate::app::privacy::ACTION_PEOPLE_LIST,
                None,
                Some(a.unit_id),
                &format!("overdue {}", late.len()),
            )
            .await?;
            Ok(HttpResponse::Ok().json(late.iter().map(PersonView::from).collect::<Vec<_>>()))
        }
        Some(f) => {
            let format = Format::parse(f).ok_or_else(|| AppError::bad_request("unknown_format"))?;
            let t = crate::i18n_global();
            let course = course_title(&state.catalog(), &a.course_id);
            let head = [
                "export.username",
                "export.display_name",
                "export.group",
                "export.course",
                "export.due",
            ]
            .iter()
            .map(|k| t.get(k).to_owned())
            .collect();
            let rows = late
                .iter()
                .map(|p| {
                    vec![
                        Cell::from(p.username.clone()),
                        p.display_name.clone().into(),
                        p.group.clone().unwrap_or_default().into(),
                        course.clone().into(),
                        crate::views::date_vi(a.due_at - time::Duration::seconds(1)).into(),
                    ]
                })
                .collect();
            crate::app::privacy::audit(
                &state,
                &scope.user,
                crate::app::privacy::ACTION_EXPORT,
                None,
                Some(a.unit_id),
                &format!("overdue {} {}", format.name(), late.len()),
            )
            .await?;
            crate::metrics::export("overdue");
            tracing::info!(
                by = scope.user.id,
                assignment = a.id,
                rows = late.len(),
                "overdue list exported"
            );
            file(&state, format, "qua-han", &[("overdue", head, rows)]).await
        }
    }
}

/// Reminds everyone who has not completed the assignment (a notification each).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/remind", tag = "assignments", security(("bearer" = [])),
    responses((status = 200, description = "Sent"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remind(
    state: web::Data<AppState>,
    scope: Scoped<ApiUser>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let n = app::remind(&state, &scope, *path).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"reminded": n})))
}

#[derive(Serialize, ToSchema)]
pub struct DueView {
    #[serde(flatten)]
    pub assignment: AssignmentView,
    pub completed_at: Option<String>,
    pub overdue: bool,
}

/// What is due for the caller.
#[utoipa::path(get, path = "/api/v1/me/assignments", tag = "assignments", security(("bearer" = [])),
    responses((status = 200, body = [DueView])))]
pub async fn mine(state: web::Data<AppState>, user: ApiUser) -> Result<HttpResponse, AppError> {
    let due = app::due_for(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(
        due.iter()
            .map(|d| DueView {
                assignment: view(&state, &d.assignment),
                completed_at: d.completed_at.map(rfc3339),
                overdue: d.overdue,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// assigned, reminder, or graded (an instructor graded the learner's essays in the course).
    pub kind: String,
    pub course_id: Option<String>,
    pub due_at: Option<String>,
    pub created_at: String,
    pub read: bool,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind.clone(),
            course_id: n.course_id.clone(),
            due_at: n.due_at.map(rfc3339),
            created_at: rfc3339(n.created_at),
            read: n.read_at.is_some(),
        }
    }
}

/// The caller's latest notifications.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "assignments", security(("bearer" = [])),
    responses((status = 200, body = [NotificationView])))]
pub async fn notifications(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    let list = app::notifications(&state, &user.0).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(NotificationView::from).collect::<Vec<_>>()))
}

/// Marks every notification read.
#[utoipa::path(post, path = "/api/v1/me/notifications/read", tag = "assignments", security(("bearer" = [])),
    responses((status = 200, description = "Done")))]
pub async fn read_notifications(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, AppError> {
    state
        .store
        .mark_notifications_read(user.0.id, state.clock.now())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
