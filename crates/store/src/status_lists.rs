//! Revocation status lists (W3C Bitstring Status List): handing out status indexes, flipping a
//! revoked certificate's bit in the revocation's transaction, and what a list is made of.
//!
//! A certificate's index lives in its stored credential (`credentialStatus`), where it was
//! signed; the tables hold only the allocator, a version per list, and the set bits.

use hocvuso_credentials::status_list::{StatusIndex, LIST_SIZE};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TryInsertResult,
};
use time::OffsetDateTime;

use crate::entity::{status_list, status_list_allocator, status_list_revocation};
use crate::{Result, Store, StoreError};

/// How often a reservation retries when another instance moved the allocator first.
const RESERVE_RETRIES: usize = 20;

/// A list's version (bumped by every bit it gains) and when it last changed: what a server
/// caches the signed list by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusListVersion {
    pub version: i64,
    pub changed_at: OffsetDateTime,
}

/// Creates the rows of the lists indexes `[first, end)` fall in, unless they exist.
async fn ensure_lists(
    db: &impl ConnectionTrait,
    first: u64,
    end: u64,
    at: OffsetDateTime,
) -> Result<()> {
    if end <= first {
        return Ok(());
    }
    for list in (first / LIST_SIZE + 1)..=((end - 1) / LIST_SIZE + 1) {
        status_list::Entity::insert(status_list::ActiveModel {
            list: Set(list as i64),
            version: Set(0),
            changed_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(status_list::Column::List)
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Sets the bit of a revoked certificate and bumps its list's version, inside the caller's
/// transaction (the revocation's). Setting a bit twice changes nothing.
pub(crate) async fn set_revoked_bit(
    db: &impl ConnectionTrait,
    index: StatusIndex,
    certificate_id: &str,
    at: OffsetDateTime,
) -> Result<()> {
    let inserted = status_list_revocation::Entity::insert(status_list_revocation::ActiveModel {
        list: Set(i64::from(index.list)),
        position: Set(i64::from(index.position)),
        certificate_id: Set(certificate_id.to_owned()),
        at: Set(at),
    })
    .on_conflict(
        OnConflict::columns([
            status_list_revocation::Column::List,
            status_list_revocation::Column::Position,
        ])
        .do_nothing()
        .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    if matches!(inserted, TryInsertResult::Conflicted) {
        return Ok(());
    }
    let bumped = status_list::Entity::update_many()
        .col_expr(
            status_list::Column::Version,
            sea_orm::sea_query::Expr::col(status_list::Column::Version).add(1),
        )
        .col_expr(status_list::Column::ChangedAt, at.into())
        .filter(status_list::Column::List.eq(i64::from(index.list)))
        .exec(db)
        .await?;
    if bumped.rows_affected == 0 {
        // An index from before the allocator knew this list (a hand-made credential): the
        // list starts here, at version 1.
        status_list::Entity::insert(status_list::ActiveModel {
            list: Set(i64::from(index.list)),
            version: Set(1),
            changed_at: Set(at),
        })
        .exec(db)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Reserves `count` consecutive global status indexes and returns the first. Several
    /// instances may reserve at once: the allocator moves by compare-and-swap, and the loser
    /// tries again. The lists the block falls in exist afterwards (version 0).
    pub async fn reserve_status_indexes(&self, count: u64, at: OffsetDateTime) -> Result<u64> {
        let count = i64::try_from(count).map_err(|_| StoreError::Conflict("status_index"))?;
        for _ in 0..RESERVE_RETRIES {
            let tx = self.begin_write().await?;
            let row = status_list_allocator::Entity::find_by_id(1)
                .one(&tx)
                .await?
                .ok_or_else(|| StoreError::Corrupt("no status list allocator row".into()))?;
            let moved = status_list_allocator::Entity::update_many()
                .col_expr(
                    status_list_allocator::Column::NextIndex,
                    (row.next_index + count).into(),
                )
                .filter(status_list_allocator::Column::Id.eq(1))
                .filter(status_list_allocator::Column::NextIndex.eq(row.next_index))
                .exec(&tx)
                .await?;
            if moved.rows_affected != 1 {
                tx.rollback().await?;
                continue;
            }
            let first = u64::try_from(row.next_index)
                .map_err(|_| StoreError::Corrupt("negative status index".into()))?;
            ensure_lists(&tx, first, first + count as u64, at).await?;
            tx.commit().await?;
            return Ok(first);
        }
        Err(StoreError::Conflict("status_index"))
    }

    /// The next status index the allocator would hand out (for `dev seed`, which numbers its
    /// credentials itself and then reserves what it used).
    pub async fn next_status_index(&self) -> Result<u64> {
        let row = status_list_allocator::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::Corrupt("no status list allocator row".into()))?;
        u64::try_from(row.next_index)
            .map_err(|_| StoreError::Corrupt("negative status index".into()))
    }

    /// A list's version and last change; None for a list no index was handed out from.
    pub async fn status_list_version(&self, list: u32) -> Result<Option<StatusListVersion>> {
        Ok(status_list::Entity::find_by_id(i64::from(list))
            .one(&self.db)
            .await?
            .map(|m| StatusListVersion {
                version: m.version,
                changed_at: m.changed_at,
            }))
    }

    /// The set bits (revoked positions) of a list, in order.
    pub async fn status_list_revoked(&self, list: u32) -> Result<Vec<u32>> {
        Ok(status_list_revocation::Entity::find()
            .select_only()
            .column(status_list_revocation::Column::Position)
            .filter(status_list_revocation::Column::List.eq(i64::from(list)))
            .order_by_asc(status_list_revocation::Column::Position)
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|p| u32::try_from(p).ok())
            .collect())
    }

    /// Sets a revoked certificate's bit outside a revocation: for a certificate revoked before
    /// its credential had a status entry, once it gets one.
    pub async fn set_status_revoked(
        &self,
        index: StatusIndex,
        certificate_id: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        set_revoked_bit(&tx, index, certificate_id, at).await?;
        tx.commit().await?;
        Ok(())
    }
}
