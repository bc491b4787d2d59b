//! The audit log and the personal-data summary as the admin page, the profile's data page and
//! the API show them, computed once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use hocvuso_store::{AuditEvent, AuditFilter};

use crate::app::privacy as app;
use crate::error::AppError;
use crate::export::{Cell, Format, Sheet};
use crate::state::AppState;

/// How many audit entries one page of the API or the admin page holds.
pub const AUDIT_PAGE: u64 = 200;
/// How many entries a file export of the audit log holds at most.
pub const AUDIT_EXPORT_MAX: u64 = 100_000;

/// One audit entry with the people it names by username (ids only when an account is gone).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditLine {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub actor_id: i64,
    pub actor: String,
    /// `people_list`, `person_read`, `export`, `data_download`, `account_deleted`,
    /// `audit_export`.
    pub action: String,
    pub subject_id: Option<i64>,
    pub subject: Option<String>,
    pub unit_id: Option<i64>,
    pub detail: String,
}

/// The audit filter as a query string gives it (the admin page's form and the API).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The staff member's account id (digits; empty for anyone).
    #[param(pattern = "^[0-9]*$")]
    pub actor: Option<String>,
    /// The account id of the person whose data was read (digits; empty for anyone).
    #[param(pattern = "^[0-9]*$")]
    pub subject: Option<String>,
    pub action: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub to: Option<String>,
    /// Entries older than this id (the next page).
    pub before: Option<i64>,
    /// `csv` or `xlsx` for a file; JSON otherwise.
    pub format: Option<String>,
}

/// A day (`YYYY-MM-DD`, as the completions export reads them) or an RFC 3339 instant.
fn day(s: &str, end: bool) -> Result<OffsetDateTime, AppError> {
    crate::export::parse_bound(s.trim(), end).ok_or_else(|| AppError::bad_request("invalid_date"))
}

/// A form field's text, or None when empty.
fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An account id from a form field: empty is none, anything but digits is refused.
fn id(s: &Option<String>) -> Result<Option<i64>, AppError> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::bad_request("invalid_query")),
    }
}

impl AuditQuery {
    pub fn filter(&self) -> Result<AuditFilter, AppError> {
        Ok(AuditFilter {
            actor_id: id(&self.actor)?,
            subject_id: id(&self.subject)?,
            action: blank(&self.action).map(str::to_owned),
            from: blank(&self.from).map(|s| day(s, false)).transpose()?,
            to: blank(&self.to).map(|s| day(s, true)).transpose()?,
            before_id: self.before,
        })
    }
}

/// The entries with usernames looked up in one query.
pub async fn audit_lines(
    state: &AppState,
    events: Vec<AuditEvent>,
) -> Result<Vec<AuditLine>, AppError> {
    let mut ids: Vec<i64> = events
        .iter()
        .flat_map(|e| std::iter::once(e.actor_id).chain(e.subject_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = state
        .store
        .users_by_ids(&ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    Ok(events
        .into_iter()
        .map(|e| AuditLine {
            id: e.id,
            at: crate::views::rfc3339(e.at),
            actor_id: e.actor_id,
            actor: name(e.actor_id),
            action: e.action,
            subject_id: e.subject_id,
            subject: e.subject_id.map(name),
            unit_id: e.unit_id,
            detail: e.detail,
        })
        .collect())
}

/// The audit log as a sheet for CSV or XLSX.
pub fn audit_sheet(lines: &[AuditLine]) -> Vec<Sheet> {
    let t = crate::i18n_global();
    let head = [
        "audit.at",
        "audit.actor",
        "audit.action",
        "audit.subject",
        "audit.unit",
        "audit.detail",
    ]
    .iter()
    .map(|k| t.get(k).to_owned())
    .collect();
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.at.clone()),
                Cell::Text(l.actor.clone()),
                Cell::Text(l.action.clone()),
                Cell::Text(l.subject.clone().unwrap_or_default()),
                l.unit_id
                    .map(|u| Cell::Number(u as f64))
                    .unwrap_or(Cell::Empty),
                Cell::Text(l.detail.clone()),
            ]
        })
        .collect();
    vec![("audit", head, rows)]
}

/// One kind of data held about the person, for the data page: its label and how many records.
#[derive(Serialize)]
pub struct HeldLine {
    pub kind: &'static str,
    pub label: String,
    pub count: usize,
}

/// What the data page lists: every kind held (`store::HELD`), with a count, in Vietnamese.
pub async fn held_summary(state: &AppState, user_id: i64) -> Result<Vec<HeldLine>, AppError> {
    let t = crate::i18n_global();
    Ok(state
        .store
        .personal_data(user_id)
        .await?
        .into_iter()
        .map(|(kind, rows)| HeldLine {
            kind,
            label: t.get(&format!("data_rights.kind_{kind}")).to_owned(),
            count: rows.len(),
        })
        .collect())
}

/// The audit entries a query asks for, and the file format if it asks for a file (then the
/// export is recorded too).
pub async fn audit_request(
    state: &AppState,
    user: &hocvuso_store::User,
    q: &AuditQuery,
) -> Result<(Vec<AuditLine>, Option<Format>), AppError> {
    let format = match q.format.as_deref() {
        None | Some("") | Some("json") => None,
        Some(f) => Some(Format::parse(f).ok_or_else(|| AppError::bad_request("unknown_format"))?),
    };
    let filter = q.filter()?;
    let limit = if format.is_some() {
        AUDIT_EXPORT_MAX
    } else {
        AUDIT_PAGE
    };
    let events = app::audit_log(state, user, &filter, limit).await?;
    if let Some(f) = format {
        app::audit(
            state,
            user,
            app::ACTION_AUDIT_EXPORT,
            None,
            None,
            &format!("{} {}", f.name(), events.len()),
        )
        .await?;
        crate::metrics::export("audit");
    }
    Ok((audit_lines(state, events).await?, format))
}
