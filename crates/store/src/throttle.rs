//! Throttling counters, one row per key (a keyed hash the server computes; never a username or
//! an address). The store knows nothing of the policy: it reads counters and writes them by
//! compare-and-swap on `version`, so of two requests that read the same counter only one can
//! write its successor and the other must read again. That is what makes a sign-in attempt
//! counted *before* its password is checked, however many arrive at once.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::entity::throttle_counter;
use crate::{Result, Store};

/// A counter's state. `until` means what the policy says (blocked until, or a rate's
/// theoretical arrival time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub count: i64,
    pub until: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl Store {
    /// The current state of each key that has a counter.
    pub async fn counters(&self, keys: &[String]) -> Result<HashMap<String, Counter>> {
        Ok(throttle_counter::Entity::find()
            .filter(throttle_counter::Column::KeyHash.is_in(keys.to_vec()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                (
                    m.key_hash,
                    Counter {
                        count: m.count,
                        until: m.until,
                        updated_at: m.updated_at,
                        version: m.version,
                    },
                )
            })
            .collect())
    }

    /// Writes `count` and `until` under `key` if the counter is still at `expected` (its
    /// version; None: no counter yet). True when written; false when another request changed
    /// it first (read again and decide again).
    pub async fn swap_counter(
        &self,
        key: &str,
        expected: Option<i64>,
        count: i64,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        match expected {
            None => {
                let r = throttle_counter::Entity::insert(throttle_counter::ActiveModel {
                    key_hash: Set(key.to_owned()),
                    count: Set(count),
                    until: Set(until),
                    updated_at: Set(now),
                    version: Set(1),
                })
                .on_conflict(
                    OnConflict::column(throttle_counter::Column::KeyHash)
                        .do_nothing()
                        .to_owned(),
                )
                .do_nothing()
                .exec(&self.db)
                .await?;
                Ok(matches!(r, sea_orm::TryInsertResult::Inserted(_)))
            }
            Some(version) => {
                let r = throttle_counter::Entity::update_many()
                    .col_expr(throttle_counter::Column::Count, Expr::value(count))
                    .col_expr(throttle_counter::Column::Until, Expr::value(until))
                    .col_expr(throttle_counter::Column::UpdatedAt, Expr::value(now))
                    .col_expr(throttle_counter::Column::Version, Expr::value(version + 1))
                    .filter(throttle_counter::Column::KeyHash.eq(key))
                    .filter(throttle_counter::Column::Version.eq(version))
                    .exec(&self.db)
                    .await?;
                Ok(r.rows_affected == 1)
            }
        }
    }

    /// Forgets a counter (a successful sign-in clears its own failures).
    pub async fn delete_counter(&self, key: &str) -> Result<()> {
        let _turn = self.turn().await;
        throttle_counter::Entity::delete_many()
            .filter(throttle_counter::Column::KeyHash.eq(key))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes counters nobody touched since `before`, so the table holds only recent activity.
    pub async fn forget_counters(&self, before: OffsetDateTime) -> Result<()> {
        let _turn = self.turn().await;
        throttle_counter::Entity::delete_many()
            .filter(throttle_counter::Column::UpdatedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
