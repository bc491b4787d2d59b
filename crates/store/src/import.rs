//! Writing an import: every row of a checked file, in one transaction, or nothing.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::community::{create_household_in, set_household_in};
use crate::invitations::record_origin;
use crate::people::insert_user;
use crate::units::add_member_in;
use crate::{NewUser, Result, Store};

pub enum PlannedPerson {
    Existing(i64),
    New(NewUser),
}

pub enum PlannedHousehold {
    Existing(i64),
    /// Created once per code, in the row's unit.
    New {
        code: String,
        name: String,
    },
}

pub struct PlannedRow {
    pub person: PlannedPerson,
    pub unit_id: i64,
    pub household: Option<PlannedHousehold>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub people_created: usize,
    pub memberships_added: usize,
    pub households_created: usize,
}

impl Store {
    /// Applies a checked import in one transaction: accounts (with the unit that created them,
    /// `import_origins`), memberships, households. Rows that change nothing (the same file
    /// imported again) write nothing.
    pub async fn apply_import(
        &self,
        rows: Vec<PlannedRow>,
        imported_by: i64,
        at: OffsetDateTime,
    ) -> Result<ImportOutcome> {
        let tx = self.begin_write().await?;
        let mut out = ImportOutcome::default();
        let mut households: HashMap<String, i64> = HashMap::new();
        for row in rows {
            let user_id = match row.person {
                PlannedPerson::Existing(id) => id,
                PlannedPerson::New(new) => {
                    out.people_created += 1;
                    let id = insert_user(&tx, new, Vec::new()).await?.id;
                    record_origin(&tx, id, row.unit_id, imported_by, at).await?;
                    id
                }
            };
            let household = match row.household {
                None => None,
                Some(PlannedHousehold::Existing(id)) => Some(id),
                Some(PlannedHousehold::New { code, name }) => match households.get(&code) {
                    Some(id) => Some(*id),
                    None => {
                        let h = create_household_in(&tx, row.unit_id, &code, &name, at).await?;
                        out.households_created += 1;
                        households.insert(code, h.id);
                        Some(h.id)
                    }
                },
            };
            // The household before the membership: the counters' lock order is household,
            // then mentor, then person (`aggregates::lock_household`).
            if let Some(h) = household {
                set_household_in(&tx, user_id, h).await?;
            }
            if add_member_in(&tx, user_id, row.unit_id).await? {
                out.memberships_added += 1;
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// A checked import file kept for its manager, for [`Store::take_pending_import`].
pub struct PendingImport {
    pub kind: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// Keeps a checked file for `user_id` under the hash of a token (replacing their earlier
    /// one), and forgets every kept file older than `older_than`.
    pub async fn keep_pending_import(
        &self,
        user_id: i64,
        token_hash: &str,
        kind: &str,
        bytes: Vec<u8>,
        at: time::OffsetDateTime,
        older_than: time::OffsetDateTime,
    ) -> Result<()> {
        use crate::entity::pending_import;
        use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
        let tx = self.begin_write().await?;
        pending_import::Entity::delete_many()
            .filter(
                sea_orm::Condition::any()
                    .add(pending_import::Column::UserId.eq(user_id))
                    .add(pending_import::Column::CreatedAt.lt(older_than)),
            )
            .exec(&tx)
            .await?;
        pending_import::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(token_hash.to_owned()),
            kind: Set(kind.to_owned()),
            bytes: Set(bytes),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The file kept for `user_id` under this token's hash, if it is newer than `newer_than`;
    /// it is removed as it is taken (a token works once).
    pub async fn take_pending_import(
        &self,
        user_id: i64,
        token_hash: &str,
        newer_than: time::OffsetDateTime,
    ) -> Result<Option<PendingImport>> {
        use crate::entity::pending_import;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let tx = self.begin_write().await?;
        let found = pending_import::Entity::find()
            .filter(pending_import::Column::UserId.eq(user_id))
            .filter(pending_import::Column::TokenHash.eq(token_hash))
            .one(&tx)
            .await?;
        let Some(row) = found else {
            tx.commit().await?;
            return Ok(None);
        };
        let gone = pending_import::Entity::delete_by_id(row.id)
            .exec(&tx)
            .await?
            .rows_affected;
        tx.commit().await?;
        Ok(
            (gone == 1 && row.created_at > newer_than).then_some(PendingImport {
                kind: row.kind,
                bytes: row.bytes,
            }),
        )
    }
}
