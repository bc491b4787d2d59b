//! Evidence records: learner references, the completion ledger (append-only, hash-chained),
//! revocations, and the export audit log.

use hocvuso_credentials::ledger::{self, Entry, Issue, Record, Revoke};
use hocvuso_credentials::AchievementKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use time::OffsetDateTime;

use crate::aggregates::{take_back_milestones, Milestones};
use crate::entity::{course_completion, export_audit, learner_status, ledger_entry, user};
use crate::learning::Completion;
use crate::{Result, Store, StoreError};

/// One row of the export audit log: who exported what, when, and how many rows.
#[derive(Debug, Clone)]
pub struct ExportAudit {
    pub id: i64,
    pub user_id: i64,
    pub username: Option<String>,
    pub format: String,
    /// The filter as JSON text.
    pub filter: String,
    pub rows: i64,
    pub at: OffsetDateTime,
}

pub struct NewExportAudit {
    pub user_id: i64,
    pub format: String,
    pub filter: String,
    pub rows: i64,
    pub at: OffsetDateTime,
}

const ISSUE: &str = "issue";
const REVOKE: &str = "revoke";

fn kind_name(k: AchievementKind) -> &'static str {
    match k {
        AchievementKind::Course => "course",
        AchievementKind::Path => "path",
    }
}

/// Appends `entry` to the ledger inside the caller's transaction: `seq` is the last one + 1 and
/// is the primary key, so a concurrent append of the same number fails instead of forking.
pub(crate) async fn append_ledger(tx: &DatabaseTransaction, entry: Entry) -> Result<()> {
    let last = ledger_entry::Entity::find()
        .order_by_desc(ledger_entry::Column::Seq)
        .limit(1)
        .one(tx)
        .await?;
    let (seq, prev_hash) = match last {
        Some(r) => (
            u64::try_from(r.seq).map_err(|_| StoreError::Corrupt("negative ledger seq".into()))?
                + 1,
            r.hash,
        ),
        None => (1, ledger::GENESIS.to_owned()),
    };
    let hash = ledger::entry_hash(seq, &prev_hash, &entry);
    let seq = i64::try_from(seq).map_err(|_| StoreError::Corrupt("ledger seq overflow".into()))?;
    let mut row = ledger_entry::ActiveModel {
        seq: Set(seq),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
        certificate_id: Set(entry.certificate_id().to_owned()),
        user_id: Set(None),
        achievement_kind: Set(None),
        achievement_id: Set(None),
        content_version: Set(None),
        score_percent: Set(None),
        reason: Set(None),
        actor: Set(None),
        ..Default::default()
    };
    match entry {
        Entry::Issue(i) => {
            row.entry_type = Set(ISSUE.to_owned());
            row.user_id = Set(Some(i.user_id));
            row.achievement_kind = Set(Some(kind_name(i.kind).to_owned()));
            row.achievement_id = Set(Some(i.achievement_id));
            row.content_version = Set(Some(i.content_version));
            row.score_percent = Set(i.score_percent);
            row.at = Set(i.completed_at);
        }
        Entry::Revoke(r) => {
            row.entry_type = Set(REVOKE.to_owned());
            row.reason = Set(Some(r.reason));
            row.actor = Set(Some(r.actor));
            row.at = Set(r.at);
        }
    }
    row.insert(tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "ledger"))?;
    Ok(())
}

/// A stored row as the ledger's record. A row whose fields cannot form an entry (an edited
/// type, a missing field) becomes an entry that cannot hash to the stored value, so the chain
/// check names it rather than this function failing.
fn record_of(m: ledger_entry::Model) -> Record {
    let seq = u64::try_from(m.seq).unwrap_or(0);
    let entry = match m.entry_type.as_str() {
        ISSUE => Entry::Issue(Issue {
            certificate_id: m.certificate_id,
            user_id: m.user_id.unwrap_or(-1),
            kind: if m.achievement_kind.as_deref() == Some("path") {
                AchievementKind::Path
            } else {
                AchievementKind::Course
            },
            achievement_id: m.achievement_id.unwrap_or_default(),
            content_version: m.content_version.unwrap_or_default(),
            completed_at: m.at,
            score_percent: m.score_percent,
        }),
        other => Entry::Revoke(Revoke {
            certificate_id: m.certificate_id,
            reason: m.reason.unwrap_or_default(),
            actor: if other == REVOKE {
                m.actor.unwrap_or_default()
            } else {
                format!("?{other}")
            },
            at: m.at,
        }),
    };
    Record {
        seq,
        prev_hash: m.prev_hash,
        hash: m.hash,
        entry,
    }
}

impl Store {
    /// The learner's opaque reference, setting `candidate` if they have none yet. Idempotent
    /// under concurrency: the update only fills an empty column, then the stored value is read.
    pub async fn ensure_learner_ref(&self, user_id: i64, candidate: &str) -> Result<String> {
        user::Entity::update_many()
            .col_expr(user::Column::LearnerRef, candidate.to_owned().into())
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::LearnerRef.is_null())
            .exec(&self.db)
            .await
            .map_err(|e| StoreError::unique_or_db(e, "learner_ref"))?;
        user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .and_then(|u| u.learner_ref)
            .ok_or(StoreError::NotFound)
    }

    /// The learner's choice to show their username, birth year and group on the public
    /// verification page.
    pub async fn set_verify_shows_details(&self, user_id: i64, show: bool) -> Result<()> {
        user::Entity::update_many()
            .col_expr(user::Column::VerifyShowsDetails, show.into())
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Every ledger record, in order.
    /// The ledger's newest record, the one the next entry chains to.
    pub async fn ledger_head(&self) -> Result<Option<Record>> {
        Ok(ledger_entry::Entity::find()
            .order_by_desc(ledger_entry::Column::Seq)
            .limit(1)
            .one(&self.db)
            .await?
            .map(record_of))
    }

    pub async fn ledger_records(&self) -> Result<Vec<Record>> {
        Ok(ledger_entry::Entity::find()
            .order_by_asc(ledger_entry::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(record_of)
            .collect())
    }

    /// Revokes a certificate: marks the completion, appends a revocation entry, and takes back
    /// the milestones the completion was needed for (by `groups`' rules: the learner's own path
    /// and final test, the citizen path) with every dashboard counter that counted them, all in
    /// one transaction. `NotFound` for an unknown certificate, `Conflict("revoked")` for one
    /// already revoked.
    pub async fn revoke_certificate(
        &self,
        certificate_id: &str,
        reason: &str,
        actor: &str,
        at: OffsetDateTime,
        groups: &[hocvuso_course::Group],
    ) -> Result<Completion> {
        let tx = self.db.begin().await?;
        let Some(existing) = course_completion::Entity::find()
            .filter(course_completion::Column::CertificateId.eq(certificate_id))
            .one(&tx)
            .await?
        else {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        };
        let updated = course_completion::Entity::update_many()
            .col_expr(course_completion::Column::RevokedAt, Some(at).into())
            .col_expr(
                course_completion::Column::RevokedReason,
                Some(reason.to_owned()).into(),
            )
            .filter(course_completion::Column::Id.eq(existing.id))
            .filter(course_completion::Column::RevokedAt.is_null())
            .exec(&tx)
            .await?;
        if updated.rows_affected != 1 {
            tx.rollback().await?;
            return Err(StoreError::Conflict("revoked"));
        }
        let remaining: std::collections::BTreeSet<String> = course_completion::Entity::find()
            .select_only()
            .column(course_completion::Column::CourseId)
            .filter(course_completion::Column::UserId.eq(existing.user_id))
            .filter(course_completion::Column::RevokedAt.is_null())
            .into_tuple::<String>()
            .all(&tx)
            .await?
            .into_iter()
            .collect();
        let group_id = learner_status::Entity::find_by_id(existing.user_id)
            .one(&tx)
            .await?
            .and_then(|s| s.group_id);
        let find = |id: &str| groups.iter().find(|g| g.id == id);
        let own = group_id.as_deref().and_then(find);
        let course = existing.course_id.as_str();
        let lost = Milestones {
            path: own.is_some_and(|g| g.path_lost_by_revoking(course, &remaining)),
            certified: own.is_some_and(|g| g.certified_lost_by_revoking(course)),
            citizen_path: find(hocvuso_course::CITIZEN_GROUP)
                .is_some_and(|g| g.path_lost_by_revoking(course, &remaining)),
        };
        if lost.any() {
            take_back_milestones(&tx, existing.user_id, lost).await?;
        }
        append_ledger(
            &tx,
            Entry::Revoke(Revoke {
                certificate_id: certificate_id.to_owned(),
                reason: reason.to_owned(),
                actor: actor.to_owned(),
                at,
            }),
        )
        .await?;
        let done = course_completion::Entity::find_by_id(existing.id)
            .one(&tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(done.into())
    }

    /// Every completion whose credential `kid` signed (to report when a key is retired).
    pub async fn completions_signed_by(&self, kid: &str) -> Result<Vec<Completion>> {
        Ok(course_completion::Entity::find()
            .filter(course_completion::Column::Kid.eq(kid))
            .order_by_asc(course_completion::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Completion::from)
            .collect())
    }

    /// Records an export as it starts (so an export that dies half-way is still on record) and
    /// returns the record's id for `finish_export`.
    pub async fn record_export(&self, new: NewExportAudit) -> Result<i64> {
        let row = export_audit::ActiveModel {
            user_id: Set(new.user_id),
            format: Set(new.format),
            filter: Set(new.filter),
            rows: Set(new.rows),
            at: Set(new.at),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// The number of rows an export recorded by `record_export` finally held.
    pub async fn finish_export(&self, id: i64, rows: i64) -> Result<()> {
        export_audit::Entity::update_many()
            .col_expr(export_audit::Column::Rows, Expr::value(rows))
            .filter(export_audit::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The newest `limit` export audit records, newest first, with the exporter's username.
    pub async fn export_audits(&self, limit: u64) -> Result<Vec<ExportAudit>> {
        let rows = export_audit::Entity::find()
            .order_by_desc(export_audit::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let username = user::Entity::find_by_id(r.user_id)
                .one(&self.db)
                .await?
                .map(|u| u.username);
            out.push(ExportAudit {
                id: r.id,
                user_id: r.user_id,
                username,
                format: r.format,
                filter: r.filter,
                rows: r.rows,
                at: r.at,
            });
        }
        Ok(out)
    }

    /// Runs raw SQL on the store's connection. For tests that tamper with the database behind
    /// the platform's back, and for operations scripts; never called by the application.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(self.db.execute_unprepared(sql).await?.rows_affected())
    }
}
