//! Assignments: a manager assigns a course to a unit (or one group in it) with a due date;
//! learners see what is due; managers see who is overdue, export the list and send reminders,
//! which reach the learner as notifications, and by e-mail when an SMTP server is configured
//! and the learner gave an address for reminders (`crate::mail`, in the background).

use std::collections::BTreeSet;

use time::{Date, OffsetDateTime, Time};

use hocvuso_store::{Assignment, NewAssignment, Notification, PersonRow, User};

use crate::auth::Scope;
use crate::error::AppError;
use crate::state::AppState;

pub struct AssignmentForm {
    pub course_id: String,
    pub unit_id: i64,
    pub group: Option<String>,
    pub due_on: String,
}

/// The end of a due day in Vietnam (UTC+7): due on 31/12 means done by midnight that day.
pub fn due_at(day: &str) -> Result<OffsetDateTime, AppError> {
    let d = Date::parse(
        day.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::unprocessable("invalid_date"))?;
    let next = d
        .next_day()
        .ok_or_else(|| AppError::unprocessable("invalid_date"))?;
    Ok(next
        .with_time(Time::MIDNIGHT)
        .assume_offset(time::macros::offset!(+7)))
}

pub async fn create(
    state: &AppState,
    scope: &Scope,
    f: AssignmentForm,
) -> Result<(Assignment, usize), AppError> {
    let units = scope.subtree(f.unit_id)?;
    if state.catalog().course(&f.course_id).is_none() {
        return Err(AppError::unprocessable("unknown_course"));
    }
    let group = f.group.filter(|g| !g.is_empty());
    if let Some(g) = &group {
        if state.catalog().group(g).is_none() {
            return Err(AppError::unprocessable("unknown_group"));
        }
    }
    let due = due_at(&f.due_on)?;
    if due <= state.clock.now() {
        return Err(AppError::unprocessable("due_in_past"));
    }
    let (a, people) = state
        .store
        .create_assignment(
            NewAssignment {
                course_id: f.course_id,
                unit_id: f.unit_id,
                group,
                due_at: due,
                assigned_by: scope.user.id,
            },
            &units,
            state.clock.now(),
        )
        .await?;
    tracing::info!(
        by = scope.user.id,
        assignment = a.id,
        people = people.len(),
        "assignment created"
    );
    let n = people.len();
    crate::mail::send_in_background(state, crate::mail::Kind::Assigned, &a, people);
    Ok((a, n))
}

/// Assignments of the units the caller manages.
pub async fn list(state: &AppState, scope: &Scope) -> Result<Vec<Assignment>, AppError> {
    scope.require_manager()?;
    Ok(state
        .store
        .assignments_for_units(&scope.visible_ids())
        .await?)
}

/// An assignment made to a unit the caller manages; 404 otherwise.
pub async fn get(state: &AppState, scope: &Scope, id: i64) -> Result<Assignment, AppError> {
    let a = state
        .store
        .assignment(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    scope.unit(a.unit_id)?;
    Ok(a)
}

/// One assigned person's state.
pub struct Assigned {
    pub person: PersonRow,
    pub completed_at: Option<OffsetDateTime>,
    pub overdue: bool,
}

/// Everyone an assignment covers, in the part of its unit the caller sees, with who is overdue.
pub async fn people(
    state: &AppState,
    scope: &Scope,
    a: &Assignment,
) -> Result<Vec<Assigned>, AppError> {
    let units = scope.subtree(a.unit_id)?;
    let now = state.clock.now();
    let assigned = state.store.assigned_people(a, &units).await?;
    let ids: Vec<i64> = assigned.iter().map(|p| p.user_id).collect();
    let rows = state.store.people_by_ids(&ids).await?;
    let by_id: std::collections::HashMap<i64, PersonRow> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(assigned
        .into_iter()
        .filter_map(|p| {
            let person = by_id.get(&p.user_id)?.clone();
            Some(Assigned {
                overdue: p.completed_at.is_none() && now > a.due_at,
                completed_at: p.completed_at,
                person,
            })
        })
        .collect())
}

/// Sends a reminder to everyone who has not completed the assignment yet.
pub async fn remind(state: &AppState, scope: &Scope, id: i64) -> Result<usize, AppError> {
    let a = get(state, scope, id).await?;
    let pending: Vec<i64> = people(state, scope, &a)
        .await?
        .into_iter()
        .filter(|p| p.completed_at.is_none())
        .map(|p| p.person.id)
        .collect();
    state.store.remind(&a, &pending, state.clock.now()).await?;
    tracing::info!(
        by = scope.user.id,
        assignment = a.id,
        people = pending.len(),
        "reminders sent"
    );
    let n = pending.len();
    crate::mail::send_in_background(state, crate::mail::Kind::Reminder, &a, pending);
    Ok(n)
}

/// One assignment as its learner sees it.
pub struct Due {
    pub assignment: Assignment,
    pub completed_at: Option<OffsetDateTime>,
    pub overdue: bool,
}

impl Due {
    /// Whole days until it is due (the due day itself counts as 1; 0 or less once past).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        let seconds = (self.assignment.due_at - now).whole_seconds();
        seconds.div_euclid(86_400) + i64::from(seconds.rem_euclid(86_400) > 0)
    }
}

/// What is due for a learner: assignments made to their units or any unit above them.
pub async fn due_for(state: &AppState, user: &User) -> Result<Vec<Due>, AppError> {
    let tree = crate::app::units::Tree::new(state.store.units().await?);
    let units: BTreeSet<i64> = state
        .store
        .user_units(user.id)
        .await?
        .into_iter()
        .flat_map(|u| tree.ancestors(u))
        .collect();
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let assignments = state
        .store
        .assignments_reaching(&units, user.group.as_deref())
        .await?;
    let completions = state.store.completions_for_user(user.id).await?;
    let now = state.clock.now();
    Ok(assignments
        .into_iter()
        .map(|a| {
            let completed_at = completions
                .iter()
                .find(|c| c.course_id == a.course_id)
                .map(|c| c.completed_at);
            Due {
                overdue: completed_at.is_none() && now > a.due_at,
                completed_at,
                assignment: a,
            }
        })
        .collect())
}

pub async fn notifications(state: &AppState, user: &User) -> Result<Vec<Notification>, AppError> {
    Ok(state.store.notifications(user.id, 50).await?)
}
