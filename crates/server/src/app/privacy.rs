//! A person's rights over their data (Law 91/2025/QH15, Decree 13/2023/NĐ-CP): see and download
//! everything held about them, withdraw consents, delete the account; the audit trail of staff
//! reading other people's data; and the retention periods, enforced by a background task.
//! `docs/security.md` ("Personal data") states the rules and the periods.

use std::time::Duration as StdDuration;

use actix_web::http::StatusCode;
use serde_json::{json, Map, Value};
use time::Duration;

use hocvuso_store::{
    AuditEvent, AuditFilter, Erasure, Forgotten, NewAuditEvent, RetentionCut, StoreError, User,
    REMINDER_EMAIL_PURPOSE,
};

use crate::app::accounts::Origin;
use crate::error::AppError;
use crate::state::AppState;

/// How long each kind of record is kept (declared in `docs/security.md`).
pub struct Retention {
    /// Sign-in and registration counters after their last change.
    pub throttle: Duration,
    /// Notifications after they were created.
    pub notifications: Duration,
    /// Sessions after they expired (signed-out ones too, by their expiry).
    pub sessions: Duration,
    /// Audit entries (staff reads, exports, deletions) after they were written.
    pub audit: Duration,
}

pub const RETENTION: Retention = Retention {
    throttle: Duration::hours(25),
    notifications: Duration::days(180),
    sessions: Duration::days(30),
    audit: Duration::days(730),
};

/// How often the retention task runs.
pub const RETENTION_EVERY: StdDuration = StdDuration::from_secs(3600);

/// Audit actions (`audit_events.action`), a closed list the admin page filters by.
pub const AUDIT_ACTIONS: &[&str] = &[
    ACTION_PEOPLE_LIST,
    ACTION_PERSON_READ,
    ACTION_EXPORT,
    ACTION_DATA_DOWNLOAD,
    ACTION_ACCOUNT_DELETED,
    ACTION_AUDIT_EXPORT,
];
pub const ACTION_PEOPLE_LIST: &str = "people_list";
pub const ACTION_PERSON_READ: &str = "person_read";
pub const ACTION_EXPORT: &str = "export";
pub const ACTION_DATA_DOWNLOAD: &str = "data_download";
pub const ACTION_ACCOUNT_DELETED: &str = "account_deleted";
pub const ACTION_AUDIT_EXPORT: &str = "audit_export";

/// Consent purposes a person may withdraw here. Withdrawing consent to the privacy notice
/// itself means no longer using the service: that is deleting the account.
pub const WITHDRAWABLE: &[&str] = &[REMINDER_EMAIL_PURPOSE];

/// Everything held about `user`, as one JSON document: each kind of record with its rows,
/// credentials as they were issued (the VC-JWT in each certificate's `credential`). The
/// download itself is audited.
pub async fn my_data(state: &AppState, user: &User) -> Result<Value, AppError> {
    let now = state.clock.now();
    let kinds = state.store.personal_data(user.id).await?;
    let mut held = Map::new();
    for (kind, rows) in kinds {
        held.insert(kind.to_owned(), Value::Array(rows));
    }
    audit(state, user, ACTION_DATA_DOWNLOAD, Some(user.id), None, "").await?;
    crate::metrics::export("personal_data");
    Ok(json!({
        "generated_at": crate::views::rfc3339(now),
        "controller": state.settings.issuer_name,
        "privacy_notice_version": crate::app::accounts::PRIVACY_NOTICE_VERSION,
        "data": Value::Object(held),
    }))
}

/// Deletes the caller's account after checking their password (counted like a sign-in, so a
/// borrowed session cannot delete by guessing): see `Store::erase_person` for what goes and
/// what stays. A second request answers `account_already_deleted`.
pub async fn delete_account(
    state: &AppState,
    user: &User,
    password: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    crate::app::accounts::confirm_current_password(state, user, password, origin).await?;
    let t = crate::i18n_global();
    let erased = state
        .store
        .erase_person(Erasure {
            user_id: user.id,
            pseudonym: pseudonym(),
            display_name: t.get("data_rights.deleted_name").to_owned(),
            at: state.clock.now(),
        })
        .await;
    match erased {
        Ok(()) => {
            tracing::info!(user_id = user.id, "account deleted at its owner's request");
            Ok(())
        }
        Err(StoreError::Conflict("account_already_deleted")) => Err(already_deleted()),
        Err(e) => Err(e.into()),
    }
}

pub fn already_deleted() -> AppError {
    AppError::new(StatusCode::CONFLICT, "account_already_deleted")
}

/// Whether the request carries a genuine session token of an account that was deleted: a
/// second deletion request (or a page opened after it) gets a clear answer, not "sign in".
pub async fn caller_was_deleted(
    state: &AppState,
    req: &actix_web::HttpRequest,
) -> Result<bool, AppError> {
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned())
        .or_else(|| {
            req.cookie(crate::auth::session::SESSION_COOKIE)
                .map(|c| c.value().to_owned())
        });
    let Some(token) = token else { return Ok(false) };
    let Some((user_id, _)) = crate::auth::token::verify(&state.keys, &token, state.clock.now())
    else {
        return Ok(false);
    };
    Ok(state.store.account_deleted_at(user_id).await?.is_some())
}

/// A new username for an erased account: random, so it says nothing about the person.
fn pseudonym() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("da-xoa-{tail}")
}

/// Withdraws one consent. For the reminder address this removes the address too (nothing is
/// sent without consent); the privacy notice's consent cannot be withdrawn while the account
/// exists (422 `consent_needs_deletion`: delete the account instead).
pub async fn withdraw_consent(
    state: &AppState,
    user: &User,
    purpose: &str,
) -> Result<(), AppError> {
    if purpose == REMINDER_EMAIL_PURPOSE {
        crate::app::accounts::set_reminder_email(state, user, None, "form").await?;
        state
            .store
            .withdraw_consent(user.id, purpose, state.clock.now())
            .await?;
        return Ok(());
    }
    if purpose == "privacy_notice" || purpose == "guardian" {
        return Err(AppError::unprocessable("consent_needs_deletion"));
    }
    Err(AppError::not_found())
}

/// Records that `actor` read or exported personal data. Reads of one's own data are not staff
/// reads and are not recorded (except downloads and deletions, which callers name).
pub async fn audit(
    state: &AppState,
    actor: &User,
    action: &'static str,
    subject: Option<i64>,
    unit: Option<i64>,
    detail: &str,
) -> Result<(), AppError> {
    let own = subject == Some(actor.id);
    if own && action != ACTION_DATA_DOWNLOAD {
        return Ok(());
    }
    state
        .store
        .record_audit(NewAuditEvent {
            actor_id: actor.id,
            action,
            subject_id: subject,
            unit_id: unit,
            detail: detail.chars().take(200).collect(),
            at: state.clock.now(),
        })
        .await?;
    Ok(())
}

/// The audit log for an administrator (404 for anyone else, as for any admin page).
pub async fn audit_log(
    state: &AppState,
    caller: &User,
    filter: &AuditFilter,
    limit: u64,
) -> Result<Vec<AuditEvent>, AppError> {
    if !caller.has_role(crate::auth::ROLE_ADMIN) {
        return Err(AppError::not_found());
    }
    if let Some(a) = &filter.action {
        if !AUDIT_ACTIONS.contains(&a.as_str()) {
            return Err(AppError::bad_request("unknown_audit_action"));
        }
    }
    Ok(state.store.audit_events(filter, limit).await?)
}

/// Deletes what the retention periods no longer allow keeping.
pub async fn enforce_retention(state: &AppState) -> Result<Forgotten, AppError> {
    let now = state.clock.now();
    let forgotten = state
        .store
        .forget_expired(&RetentionCut {
            throttle: now - RETENTION.throttle,
            notifications: now - RETENTION.notifications,
            sessions: now - RETENTION.sessions,
            audit: now - RETENTION.audit,
        })
        .await?;
    tracing::info!(
        counters = forgotten.throttle,
        notifications = forgotten.notifications,
        sessions = forgotten.sessions,
        audit = forgotten.audit,
        "retention enforced"
    );
    Ok(forgotten)
}

/// Runs `enforce_retention` now and then every `RETENTION_EVERY`, for as long as the server
/// runs. A failure (the database restarting) is logged and tried again at the next tick.
pub fn spawn_retention(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(RETENTION_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = enforce_retention(&state).await {
                tracing::warn!(error = %e, "retention task failed; trying again later");
            }
        }
    });
}
