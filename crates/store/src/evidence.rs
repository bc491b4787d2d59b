//! Evidence records: learner references, the completion ledger (append-only, hash-chained),
//! revocations, and the export audit log.

use hocvuso_credentials::ledger::{self, Entry, Issue, Record, Revoke};
use hocvuso_credentials::{status_list, AchievementKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::aggregates::{take_back_milestones, Milestones};
use crate::entity::{
    course_completion, export_audit, learner_status, ledger_entry, path_certificate, user,
};
use crate::learning::{NewPathCertificate, PassedFinal};
use crate::status_lists::set_revoked_bit;
use crate::turn::WriteTx;
use crate::{Result, Store, StoreError};

/// A certificate of either kind (a completed course, a passed path), as verification,
/// revocation, re-issue and the learner's list see it: everything that works by certificate id
/// goes through this one type.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub certificate_id: String,
    pub kind: AchievementKind,
    pub user_id: i64,
    /// The course id (course certificates) or the group id (path certificates).
    pub achievement_id: String,
    /// The course itself, or for a path the course holding the final quiz that was passed.
    pub course_id: String,
    pub content_version: String,
    /// When the course was completed or the final quiz passed.
    pub completed_at: OffsetDateTime,
    pub score_percent: Option<f64>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_reason: Option<String>,
    /// The key that signed the stored credential.
    pub kid: Option<String>,
    /// The compact VC-JWT.
    pub credential: Option<String>,
}

/// A column both certificate tables have.
#[derive(Clone, Copy)]
enum Col {
    Id,
    CertificateId,
    UserId,
    Kid,
    Credential,
    RevokedAt,
    RevokedReason,
}

/// One of the two tables holding certificates (`course_completions`, `path_certificates`):
/// every query by certificate id, learner or key is written once over this, and run on both.
trait CertificateTable: EntityTrait
where
    Self::Model: Into<Certificate> + Send + Sync,
{
    fn col(c: Col) -> Self::Column;
    fn row_id(m: &Self::Model) -> i64;
}

/// Implements `CertificateTable` for a certificate entity (both have the same columns), and
/// reads its rows as `Certificate`s of `$kind`, whose achievement is the column `$achievement`
/// (the course for a course completion, the group for a path certificate).
macro_rules! certificate_table {
    ($table:ident, $kind:ident, $achievement:ident) => {
        impl From<$table::Model> for Certificate {
            fn from(m: $table::Model) -> Self {
                Self {
                    certificate_id: m.certificate_id,
                    kind: AchievementKind::$kind,
                    user_id: m.user_id,
                    achievement_id: m.$achievement.clone(),
                    course_id: m.course_id,
                    content_version: m.content_version,
                    completed_at: m.completed_at,
                    score_percent: m.score_percent,
                    revoked_at: m.revoked_at,
                    revoked_reason: m.revoked_reason,
                    kid: m.kid,
                    credential: m.credential,
                }
            }
        }

        impl CertificateTable for $table::Entity {
            fn col(c: Col) -> Self::Column {
                use $table::Column as C;
                match c {
                    Col::Id => C::Id,
                    Col::CertificateId => C::CertificateId,
                    Col::UserId => C::UserId,
                    Col::Kid => C::Kid,
                    Col::Credential => C::Credential,
                    Col::RevokedAt => C::RevokedAt,
                    Col::RevokedReason => C::RevokedReason,
                }
            }
            fn row_id(m: &Self::Model) -> i64 {
                m.id
            }
        }
    };
}

certificate_table!(course_completion, Course, course_id);
certificate_table!(path_certificate, Path, group_id);

/// The certificates of one table whose `col` equals `value`.
async fn find_in<T, C>(db: &C, col: Col, value: sea_orm::Value) -> Result<Vec<Certificate>>
where
    T: CertificateTable,
    T::Model: Into<Certificate> + Send + Sync,
    C: ConnectionTrait,
{
    Ok(T::find()
        .filter(T::col(col).eq(value))
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A learner's course completions, oldest first (`Store::completions_for_user`).
pub(crate) async fn course_certificates_of<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
) -> Result<Vec<Certificate>> {
    let mut out = find_in::<course_completion::Entity, _>(db, Col::UserId, user_id.into()).await?;
    out.sort_by_key(|c| c.completed_at);
    Ok(out)
}

/// The certificates of both kinds whose `col` equals `value`: course completions first.
async fn find_both<C: ConnectionTrait>(
    db: &C,
    col: Col,
    value: sea_orm::Value,
) -> Result<Vec<Certificate>> {
    let mut out = find_in::<course_completion::Entity, _>(db, col, value.clone()).await?;
    out.extend(find_in::<path_certificate::Entity, _>(db, col, value).await?);
    Ok(out)
}

/// Marks a certificate of table `T` revoked: None when `T` has no such certificate,
/// `Conflict("revoked")` when it is revoked already.
async fn revoke_in<T>(
    tx: &WriteTx,
    certificate_id: &str,
    reason: &str,
    at: OffsetDateTime,
) -> Result<Option<Certificate>>
where
    T: CertificateTable,
    T::Model: Into<Certificate> + Send + Sync,
{
    let Some(existing) = T::find()
        .filter(T::col(Col::CertificateId).eq(certificate_id))
        .one(tx)
        .await?
    else {
        return Ok(None);
    };
    let updated = T::update_many()
        .col_expr(T::col(Col::RevokedAt), Expr::value(Some(at)))
        .col_expr(
            T::col(Col::RevokedReason),
            Expr::value(Some(reason.to_owned())),
        )
        .filter(T::col(Col::CertificateId).eq(certificate_id))
        .filter(T::col(Col::RevokedAt).is_null())
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict("revoked"));
    }
    Ok(Some(existing.into()))
}

/// Replaces the credential `old_kid` signed on a certificate of table `T`; whether it did.
async fn replace_in<T, C>(
    db: &C,
    certificate_id: &str,
    old_kid: &str,
    new_kid: &str,
    jwt: &str,
) -> Result<bool>
where
    T: CertificateTable,
    T::Model: Into<Certificate> + Send + Sync,
    C: ConnectionTrait,
{
    let updated = T::update_many()
        .col_expr(T::col(Col::Kid), Expr::value(Some(new_kid.to_owned())))
        .col_expr(T::col(Col::Credential), Expr::value(Some(jwt.to_owned())))
        .filter(T::col(Col::CertificateId).eq(certificate_id))
        .filter(T::col(Col::Kid).eq(old_kid))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// A page of table `T`'s certificates after row id `after`, in id order, with their row ids.
async fn page_of<T, C>(db: &C, after: i64, limit: u64) -> Result<Vec<(i64, Certificate)>>
where
    T: CertificateTable,
    T::Model: Into<Certificate> + Send + Sync,
    C: ConnectionTrait,
{
    Ok(T::find()
        .filter(T::col(Col::Id).gt(after))
        .order_by_asc(T::col(Col::Id))
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (T::row_id(&m), m.into()))
        .collect())
}

/// Issues a path certificate inside the grading transaction, unless the learner already has one
/// for this group (then nothing is written: one path certificate per learner and group). The
/// insert does nothing on a conflict, so two final attempts graded at once cannot both issue.
pub(crate) async fn award_path_if(
    tx: &WriteTx,
    passed: PassedFinal<'_>,
    new: NewPathCertificate,
) -> Result<Option<Certificate>> {
    let existing = path_certificate::Entity::find()
        .filter(path_certificate::Column::UserId.eq(passed.user_id))
        .filter(path_certificate::Column::GroupId.eq(new.group_id.clone()))
        .one(tx)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    let (kid, credential) = new.credential.unzip();
    let row = path_certificate::ActiveModel {
        certificate_id: Set(new.certificate_id.clone()),
        user_id: Set(passed.user_id),
        group_id: Set(new.group_id.clone()),
        course_id: Set(passed.course_id.to_owned()),
        quiz_id: Set(passed.quiz_id.to_owned()),
        attempt_id: Set(passed.attempt_id.to_owned()),
        content_version: Set(new.content_version.clone()),
        completed_at: Set(passed.at),
        score_percent: Set(Some(passed.score_percent)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        kid: Set(kid),
        credential: Set(credential),
        ..Default::default()
    };
    let unique = [
        path_certificate::Column::UserId,
        path_certificate::Column::GroupId,
    ];
    let inserted = crate::insert_once(tx, row, unique)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "path_certificate"))?;
    if !inserted {
        return Ok(None);
    }
    let Some(row) = path_certificate::Entity::find()
        .filter(path_certificate::Column::CertificateId.eq(new.certificate_id.clone()))
        .one(tx)
        .await?
    else {
        return Ok(None);
    };
    append_ledger(
        tx,
        Entry::Issue(Issue {
            certificate_id: new.certificate_id,
            user_id: passed.user_id,
            kind: AchievementKind::Path,
            achievement_id: new.group_id,
            content_version: new.content_version,
            completed_at: passed.at,
            score_percent: Some(passed.score_percent),
        }),
    )
    .await?;
    Ok(Some(row.into()))
}

/// Takes back the milestones a revoked course completion was needed for (by `groups`' rules:
/// the learner's own path and final test, the citizen path) with every dashboard counter that
/// counted them, inside the revocation's transaction.
async fn take_back_for(
    tx: &WriteTx,
    existing: &Certificate,
    groups: &[hocvuso_course::Group],
) -> Result<()> {
    let remaining = crate::learning::unrevoked_completions(tx, existing.user_id).await?;
    let group_id = learner_status::Entity::find_by_id(existing.user_id)
        .one(tx)
        .await?
        .and_then(|s| s.group_id);
    let find = |id: &str| groups.iter().find(|g| g.id == id);
    let own = group_id.as_deref().and_then(find);
    let lost = Milestones::lost_by_revoking(
        own,
        find(hocvuso_course::CITIZEN_GROUP),
        &existing.course_id,
        &remaining,
    );
    if lost.any() {
        take_back_milestones(tx, existing.user_id, lost).await?;
    }
    Ok(())
}

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
pub(crate) async fn append_ledger(tx: &WriteTx, entry: Entry) -> Result<()> {
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
    // No read-back: nothing of the row is needed after it is written.
    ledger_entry::Entity::insert(row)
        .exec_without_returning(tx)
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
        let _turn = self.turn().await;
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
        let _turn = self.turn().await;
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

    /// A certificate of either kind and its learner, by certificate id (the public
    /// verification, the credential, the PDF, revocation checks).
    pub async fn certificate(
        &self,
        certificate_id: &str,
    ) -> Result<Option<(Certificate, crate::User)>> {
        let found = find_both(&self.db, Col::CertificateId, certificate_id.into())
            .await?
            .into_iter()
            .next();
        let Some(mut c) = found else {
            return Ok(None);
        };
        if c.revoked_at.is_none() {
            // The ledger has the last word: a revocation cleared in the live table behind the
            // platform's back still counts everywhere the certificate is checked.
            if let Some((at, reason)) = self.ledger_revocation(certificate_id).await? {
                c.revoked_at = Some(at);
                c.revoked_reason = Some(reason);
            }
        }
        let user = self.user_by_id(c.user_id).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("certificate {} has no user", c.certificate_id))
        })?;
        Ok(Some((c, user)))
    }

    /// The first revocation the ledger records for a certificate: when, and why.
    pub async fn ledger_revocation(
        &self,
        certificate_id: &str,
    ) -> Result<Option<(OffsetDateTime, String)>> {
        Ok(ledger_entry::Entity::find()
            .filter(ledger_entry::Column::CertificateId.eq(certificate_id))
            .filter(ledger_entry::Column::EntryType.eq(REVOKE))
            .order_by_asc(ledger_entry::Column::Seq)
            .one(&self.db)
            .await?
            .map(|e| (e.at, e.reason.unwrap_or_default())))
    }

    /// Certificates of one kind after row id `after`, in id order, at most `limit`, each with
    /// its row id and the learner's opaque reference: what `ledger verify` compares with the
    /// ledger, a page at a time.
    pub async fn held_certificates(
        &self,
        kind: AchievementKind,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, Certificate, Option<String>)>> {
        let rows = match kind {
            AchievementKind::Course => {
                page_of::<course_completion::Entity, _>(&self.db, after, limit).await?
            }
            AchievementKind::Path => {
                page_of::<path_certificate::Entity, _>(&self.db, after, limit).await?
            }
        };
        let mut users: Vec<i64> = rows.iter().map(|(_, c)| c.user_id).collect();
        users.sort_unstable();
        users.dedup();
        let mut refs = std::collections::HashMap::new();
        for chunk in users.chunks(500) {
            for (id, r) in user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::LearnerRef)
                .filter(user::Column::Id.is_in(chunk.to_vec()))
                .into_tuple::<(i64, Option<String>)>()
                .all(&self.db)
                .await?
            {
                refs.insert(id, r);
            }
        }
        Ok(rows
            .into_iter()
            .map(|(id, c)| {
                let r = refs.get(&c.user_id).cloned().flatten();
                (id, c, r)
            })
            .collect())
    }

    /// Every certificate of a learner, both kinds, oldest first.
    pub async fn certificates_for_user(&self, user_id: i64) -> Result<Vec<Certificate>> {
        let mut out = find_both(&self.db, Col::UserId, user_id.into()).await?;
        out.sort_by_key(|c| c.completed_at);
        Ok(out)
    }

    /// Revokes a certificate of either kind: marks it, appends a revocation entry and, for a
    /// course completion, takes back the milestones it was needed for with every dashboard
    /// counter that counted them, and sets the bit its credential's `credentialStatus` names,
    /// all in one transaction. `NotFound` for an unknown
    /// certificate, `Conflict("revoked")` for one already revoked.
    pub async fn revoke_certificate(
        &self,
        certificate_id: &str,
        reason: &str,
        actor: &str,
        at: OffsetDateTime,
        groups: &[hocvuso_course::Group],
    ) -> Result<Certificate> {
        let tx = self.begin_write().await?;
        let revoked =
            match revoke_in::<course_completion::Entity>(&tx, certificate_id, reason, at).await? {
                Some(c) => c,
                None => revoke_in::<path_certificate::Entity>(&tx, certificate_id, reason, at)
                    .await?
                    .ok_or(StoreError::NotFound)?,
            };
        // A revoked course completion may take back milestones the dashboard counts; a revoked
        // path certificate changes no completion, so no milestone.
        if revoked.kind == AchievementKind::Course {
            take_back_for(&tx, &revoked, groups).await?;
        }
        // The credential's bit in its status list, so verifiers that follow `credentialStatus`
        // see the revocation from the moment it commits.
        if let Some(index) = revoked
            .credential
            .as_deref()
            .and_then(status_list::index_in_jwt)
        {
            set_revoked_bit(&tx, index, certificate_id, at).await?;
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
        tx.commit().await?;
        let (done, _) = self
            .certificate(certificate_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(done)
    }

    /// Every certificate, of either kind, whose stored credential `kid` signed (to report and
    /// re-issue when a key is retired), oldest first.
    pub async fn certificates_signed_by(&self, kid: &str) -> Result<Vec<Certificate>> {
        let mut out = find_both(&self.db, Col::Kid, kid.into()).await?;
        out.sort_by_key(|c| c.completed_at);
        Ok(out)
    }

    /// Replaces a certificate's stored credential with one signed by another key (re-issue
    /// after a key was retired). Only if it is still the one `old_kid` signed, so two re-issues
    /// at once write one credential; returns whether this call replaced it. The ledger is not
    /// touched: it records what was achieved, which a new signature does not change.
    pub async fn replace_credential(
        &self,
        certificate_id: &str,
        old_kid: &str,
        new_kid: &str,
        jwt: &str,
    ) -> Result<bool> {
        Ok(replace_in::<course_completion::Entity, _>(
            &self.db,
            certificate_id,
            old_kid,
            new_kid,
            jwt,
        )
        .await?
            || replace_in::<path_certificate::Entity, _>(
                &self.db,
                certificate_id,
                old_kid,
                new_kid,
                jwt,
            )
            .await?)
    }

    /// Records an export as it starts (so an export that dies half-way is still on record) and
    /// returns the record's id for `finish_export`.
    pub async fn record_export(&self, new: NewExportAudit) -> Result<i64> {
        let _turn = self.turn().await;
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
        let _turn = self.turn().await;
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
        let _turn = self.turn().await;
        Ok(self.db.execute_unprepared(sql).await?.rows_affected())
    }
}
