//! A person's rights over their data (Law 91/2025/QH15, Decree 13/2023/NĐ-CP): everything held
//! about them, read table by table for the download; erasure in one transaction; the audit
//! trail of who read whose data; and retention, which forgets what is no longer needed.
//!
//! What is held is declared once, in `HELD`: every table and column that names a person. The
//! download reads exactly that list, and a story compares it with the live schema, so a new
//! table that names people and is not declared here fails the build's tests.

use sea_orm::sea_query::{Alias, Asterisk, Expr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JsonValue,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::aggregates::{with_household_change, with_membership_change, with_mentor_change};
use crate::entity::{
    account_deletion, assisted_registration, attendance_code, audit_event, class_attendance,
    consent, contact_email, guardian, household_member, import_origin, mentor_link, notification,
    offline_replay, oidc_identity, password_reset, reading_preference, session, studio_author,
    throttle_counter, totp_factor, totp_recovery_code, unit_invitation, unit_manager, unit_member,
    user, user_role, weekly_goal,
};
use crate::instant::utc;
use crate::people::username_key;
use crate::{Result, Store, StoreError, NO_PASSWORD};

/// One kind of data held about a person: the rows of `table` whose `column` names them (or,
/// with `through`, the rows whose `column` names one of their rows in that other table).
pub struct Held {
    /// The name of this kind in the download.
    pub kind: &'static str,
    pub table: &'static str,
    pub column: &'static str,
    /// The columns given out; empty for all. Secrets (a password hash, a drawn paper with its
    /// key, a session's id) are left out.
    pub columns: &'static [&'static str],
    /// `Some(parent)`: `column` holds ids of the person's rows in `parent` (by its `user_id`).
    pub through: Option<&'static str>,
}

const fn held(kind: &'static str, table: &'static str, column: &'static str) -> Held {
    Held {
        kind,
        table,
        column,
        columns: &[],
        through: None,
    }
}

/// Everything the database holds that names a person, in the download's order.
pub const HELD: &[Held] = &[
    Held {
        columns: &[
            "id",
            "username",
            "display_name",
            "group_id",
            "birth_year",
            "created_at",
            "learner_ref",
            "verify_shows_details",
        ],
        ..held("account", "users", "id")
    },
    held("roles", "user_roles", "user_id"),
    held("consents", "consents", "user_id"),
    held("contact_email", "contact_emails", "user_id"),
    Held {
        columns: &["created_at", "last_seen_at", "expires_at", "revoked_at"],
        ..held("sessions", "sessions", "user_id")
    },
    held("units", "unit_members", "user_id"),
    held("units_managed", "unit_managers", "user_id"),
    held("unit_invitations", "unit_invitations", "user_id"),
    held("unit_invitations_sent", "unit_invitations", "invited_by"),
    held("import_origin", "import_origins", "user_id"),
    held("imports_made", "import_origins", "imported_by"),
    held("household", "household_members", "user_id"),
    held("mentor", "mentor_links", "mentee_id"),
    held("mentees", "mentor_links", "mentor_id"),
    held("assisted_registration", "assisted_registrations", "user_id"),
    held(
        "registrations_assisted",
        "assisted_registrations",
        "helper_id",
    ),
    held("attendance_code", "attendance_codes", "user_id"),
    held("class_attendance", "class_attendance", "user_id"),
    held("attendance_recorded", "class_attendance", "recorded_by"),
    held("classes_organised", "class_sessions", "organiser_id"),
    held("assignments_made", "assignments", "assigned_by"),
    held("milestones", "learner_status", "user_id"),
    held("lesson_completions", "lesson_completions", "user_id"),
    Held {
        // Not `paper`: an open attempt's paper holds its answer key.
        columns: &[
            "id",
            "course_id",
            "quiz_id",
            "content_version",
            "state",
            "started_at",
            "submitted_at",
            "score_percent",
            "passed",
            "result",
        ],
        ..held("quiz_attempts", "quiz_attempts", "user_id")
    },
    Held {
        through: Some("quiz_attempts"),
        ..held("quiz_attempt_steps", "attempt_steps", "attempt_id")
    },
    held("task_attempts", "task_attempts", "user_id"),
    Held {
        through: Some("task_attempts"),
        ..held("task_attempt_steps", "task_steps", "attempt_id")
    },
    held("course_certificates", "course_completions", "user_id"),
    held("path_certificates", "path_certificates", "user_id"),
    held("ledger_entries", "ledger_entries", "user_id"),
    held("notifications", "notifications", "user_id"),
    held("exports_made", "export_audits", "user_id"),
    held("audit_about_me", "audit_events", "subject_id"),
    held("audit_by_me", "audit_events", "actor_id"),
    held("account_deletion", "account_deletions", "user_id"),
    Held {
        // Never `code_hash`: it is a secret, even hashed.
        columns: &[
            "id",
            "channel",
            "issued_by",
            "created_at",
            "expires_at",
            "used_at",
        ],
        ..held("password_resets", "password_resets", "user_id")
    },
    Held {
        columns: &["id", "user_id", "channel", "created_at", "used_at"],
        ..held("resets_issued", "password_resets", "issued_by")
    },
    held("reading_preferences", "reading_preferences", "user_id"),
    held("offline_replays", "offline_replays", "user_id"),
    held("weekly_goal", "weekly_goals", "user_id"),
    held("studio_roles", "studio_authors", "user_id"),
    Held {
        // Never `secret`: it would let anyone compute the codes.
        columns: &["user_id", "created_at", "confirmed_at"],
        ..held("two_factor", "totp_factors", "user_id")
    },
    Held {
        columns: &["id", "created_at", "used_at"],
        ..held("recovery_codes", "totp_recovery_codes", "user_id")
    },
    Held {
        columns: &["user_id", "contact", "created_at"],
        ..held("guardian", "guardians", "user_id")
    },
    held("identity_provider", "oidc_identities", "user_id"),
    held("unit_targets_set", "unit_targets", "set_by"),
    Held {
        // Not `bytes` (the file holds other people's records) nor `token_hash`.
        columns: &["id", "kind", "created_at"],
        ..held("pending_imports", "pending_imports", "user_id")
    },
];

/// Column names that hold a person's id, wherever they appear (for the schema check).
pub const PERSON_COLUMNS: &[&str] = &[
    "user_id",
    "mentee_id",
    "mentor_id",
    "helper_id",
    "organiser_id",
    "assigned_by",
    "recorded_by",
    "imported_by",
    "invited_by",
    "actor_id",
    "subject_id",
    "issued_by",
    "set_by",
];

fn held_query(h: &Held, user_id: i64) -> SelectStatement {
    let mut q = Query::select();
    if h.columns.is_empty() {
        q.column(Asterisk);
    } else {
        q.columns(h.columns.iter().map(|c| Alias::new(*c)));
    }
    q.from(Alias::new(h.table));
    match h.through {
        None => {
            q.and_where(Expr::col(Alias::new(h.column)).eq(user_id));
        }
        Some(parent) => {
            q.and_where(
                Expr::col(Alias::new(h.column)).in_subquery(
                    Query::select()
                        .column(Alias::new("id"))
                        .from(Alias::new(parent))
                        .and_where(Expr::col(Alias::new("user_id")).eq(user_id))
                        .to_owned(),
                ),
            );
        }
    }
    q
}

/// What erasing an account writes in its place.
pub struct Erasure {
    pub user_id: i64,
    /// The new username: unique, meaningless (the caller draws it).
    pub pseudonym: String,
    /// What is shown where the name was (from the translations).
    pub display_name: String,
    pub at: OffsetDateTime,
}

/// Something staff (or the person) did with a person's data.
pub struct NewAuditEvent {
    pub actor_id: i64,
    pub action: &'static str,
    pub subject_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// Short, without personal data: a count, a format, a route.
    pub detail: String,
    pub at: OffsetDateTime,
}

pub use crate::entity::audit_event::Model as AuditEvent;

/// Which audit entries to list; every field optional.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Entries older than this id (keyset paging, newest first).
    pub before_id: Option<i64>,
}

/// The instants before which each kind of record is forgotten.
pub struct RetentionCut {
    pub throttle: OffsetDateTime,
    pub notifications: OffsetDateTime,
    pub sessions: OffsetDateTime,
    pub audit: OffsetDateTime,
}

/// How many rows each kind of retention removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    pub throttle: u64,
    pub notifications: u64,
    pub sessions: u64,
    pub audit: u64,
}

impl Store {
    /// Everything held about a person, kind by kind (`HELD`'s order), each a list of rows.
    pub async fn personal_data(&self, user_id: i64) -> Result<Vec<(&'static str, Vec<JsonValue>)>> {
        let backend = self.db.get_database_backend();
        let mut out = Vec::with_capacity(HELD.len());
        for h in HELD {
            let stmt = backend.build(&held_query(h, user_id));
            let rows = JsonValue::find_by_statement(stmt).all(&self.db).await?;
            out.push((h.kind, rows));
        }
        Ok(out)
    }

    /// When the account was deleted, if it was.
    pub async fn account_deleted_at(&self, user_id: i64) -> Result<Option<OffsetDateTime>> {
        Ok(account_deletion::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|d| d.deleted_at))
    }

    /// Erases a person in one transaction: their links to other people and units go (the
    /// dashboard's counters follow by the same deltas as any other change), contact details,
    /// sessions, notifications, invitations and codes are deleted, consents are marked
    /// withdrawn, and the account row keeps only its id, a pseudonym, the learner group and the
    /// opaque `learner_ref`, so completions, issued credentials and the ledger still agree.
    /// A second request is `Conflict("account_already_deleted")`.
    pub async fn erase_person(&self, e: Erasure) -> Result<()> {
        let tx = self.begin_write().await?;
        let uid = e.user_id;
        // The deletion's own row first: of two requests at once, the second stops here.
        account_deletion::ActiveModel {
            user_id: Set(uid),
            deleted_at: Set(e.at),
        }
        .insert(&tx)
        .await
        .map_err(|err| StoreError::unique_or_db(err, "account_already_deleted"))?;
        // Lock order as everywhere: the household, then the mentor, then the person.
        if let Some(h) = household_member::Entity::find_by_id(uid).one(&tx).await? {
            with_household_change(&tx, h.household_id, || async {
                household_member::Entity::delete_by_id(uid)
                    .exec(&tx)
                    .await?;
                Ok(())
            })
            .await?;
        }
        if let Some(link) = mentor_link::Entity::find_by_id(uid).one(&tx).await? {
            with_mentor_change(&tx, link.mentor_id, || async {
                mentor_link::Entity::delete_by_id(uid).exec(&tx).await?;
                Ok(())
            })
            .await?;
        }
        // Their own mentees and roles: as a mentor they stop counting.
        with_mentor_change(&tx, uid, || async {
            mentor_link::Entity::delete_many()
                .filter(mentor_link::Column::MentorId.eq(uid))
                .exec(&tx)
                .await?;
            user_role::Entity::delete_many()
                .filter(user_role::Column::UserId.eq(uid))
                .exec(&tx)
                .await?;
            Ok(())
        })
        .await?;
        with_membership_change(&tx, uid, || async {
            unit_member::Entity::delete_many()
                .filter(unit_member::Column::UserId.eq(uid))
                .exec(&tx)
                .await?;
            Ok(true)
        })
        .await?;
        unit_manager::Entity::delete_many()
            .filter(unit_manager::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        unit_invitation::Entity::delete_many()
            .filter(unit_invitation::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        contact_email::Entity::delete_many()
            .filter(contact_email::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        password_reset::Entity::delete_many()
            .filter(password_reset::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        reading_preference::Entity::delete_many()
            .filter(reading_preference::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        offline_replay::Entity::delete_many()
            .filter(offline_replay::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        weekly_goal::Entity::delete_many()
            .filter(weekly_goal::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        studio_author::Entity::delete_many()
            .filter(studio_author::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        notification::Entity::delete_many()
            .filter(notification::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        attendance_code::Entity::delete_many()
            .filter(attendance_code::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        class_attendance::Entity::delete_many()
            .filter(class_attendance::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        import_origin::Entity::delete_many()
            .filter(import_origin::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        assisted_registration::Entity::delete_many()
            .filter(assisted_registration::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        // Two-factor secrets, the guardian's contact and the provider's link go with the person.
        totp_recovery_code::Entity::delete_many()
            .filter(totp_recovery_code::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        totp_factor::Entity::delete_many()
            .filter(totp_factor::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        guardian::Entity::delete_many()
            .filter(guardian::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        oidc_identity::Entity::delete_many()
            .filter(oidc_identity::Column::UserId.eq(uid))
            .exec(&tx)
            .await?;
        consent::Entity::update_many()
            .col_expr(consent::Column::WithdrawnAt, Expr::value(e.at))
            .filter(consent::Column::UserId.eq(uid))
            .filter(consent::Column::WithdrawnAt.is_null())
            .exec(&tx)
            .await?;
        let r = user::Entity::update_many()
            .col_expr(user::Column::Username, Expr::value(e.pseudonym.clone()))
            .col_expr(
                user::Column::UsernameKey,
                Expr::value(username_key(&e.pseudonym)),
            )
            .col_expr(
                user::Column::NameFold,
                Expr::value(hocvuso_migration::fold_name(&e.display_name)),
            )
            .col_expr(user::Column::DisplayName, Expr::value(e.display_name))
            .col_expr(user::Column::PasswordHash, Expr::value(NO_PASSWORD))
            .col_expr(user::Column::BirthYear, Expr::value(Option::<i32>::None))
            .col_expr(user::Column::VerifyShowsDetails, Expr::value(false))
            .filter(user::Column::Id.eq(uid))
            .exec(&tx)
            .await?;
        if r.rows_affected != 1 {
            return Err(StoreError::NotFound);
        }
        insert_audit(
            &tx,
            NewAuditEvent {
                actor_id: uid,
                action: "account_deleted",
                subject_id: Some(uid),
                unit_id: None,
                detail: String::new(),
                at: e.at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws one of a person's consents (by purpose). False when none was in force.
    pub async fn withdraw_consent(
        &self,
        user_id: i64,
        purpose: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let r = consent::Entity::update_many()
            .col_expr(consent::Column::WithdrawnAt, Expr::value(at))
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(purpose))
            .filter(consent::Column::WithdrawnAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Writes one audit entry.
    pub async fn record_audit(&self, e: NewAuditEvent) -> Result<()> {
        let _turn = self.turn().await;
        insert_audit(&self.db, e).await
    }

    /// Audit entries matching `f`, newest first, at most `limit`.
    pub async fn audit_events(&self, f: &AuditFilter, limit: u64) -> Result<Vec<AuditEvent>> {
        let mut q = audit_event::Entity::find();
        if let Some(a) = f.actor_id {
            q = q.filter(audit_event::Column::ActorId.eq(a));
        }
        if let Some(s) = f.subject_id {
            q = q.filter(audit_event::Column::SubjectId.eq(s));
        }
        if let Some(a) = &f.action {
            q = q.filter(audit_event::Column::Action.eq(a.as_str()));
        }
        if let Some(t) = f.from {
            q = q.filter(audit_event::Column::At.gte(utc(t)));
        }
        if let Some(t) = f.to {
            q = q.filter(audit_event::Column::At.lt(utc(t)));
        }
        if let Some(b) = f.before_id {
            q = q.filter(audit_event::Column::Id.lt(b));
        }
        Ok(q.order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Deletes what the retention periods no longer allow keeping: throttling counters nobody
    /// touched, notifications, ended sessions and audit entries older than their cut.
    pub async fn forget_expired(&self, cut: &RetentionCut) -> Result<Forgotten> {
        let _turn = self.turn().await;
        let throttle = throttle_counter::Entity::delete_many()
            .filter(throttle_counter::Column::UpdatedAt.lt(cut.throttle))
            .exec(&self.db)
            .await?
            .rows_affected;
        let notifications = notification::Entity::delete_many()
            .filter(notification::Column::CreatedAt.lt(cut.notifications))
            .exec(&self.db)
            .await?
            .rows_affected;
        let sessions = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(cut.sessions))
            .exec(&self.db)
            .await?
            .rows_affected;
        let audit = audit_event::Entity::delete_many()
            .filter(audit_event::Column::At.lt(cut.audit))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(Forgotten {
            throttle,
            notifications,
            sessions,
            audit,
        })
    }
}

async fn insert_audit<C: ConnectionTrait>(c: &C, e: NewAuditEvent) -> Result<()> {
    audit_event::ActiveModel {
        at: Set(e.at),
        actor_id: Set(e.actor_id),
        action: Set(e.action.to_owned()),
        subject_id: Set(e.subject_id),
        unit_id: Set(e.unit_id),
        detail: Set(e.detail),
        ..Default::default()
    }
    .insert(c)
    .await?;
    Ok(())
}
