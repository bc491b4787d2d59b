//! Writing an import: every row of a checked file, in one transaction, or nothing.

use std::collections::HashMap;

use sea_orm::TransactionTrait;
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
        let tx = self.db.begin().await?;
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
