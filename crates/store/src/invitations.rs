//! Joining a unit by invitation. A manager may add to their units only people already in their
//! scope; anyone else is invited, and becomes a member (and visible to the unit's managers)
//! only by accepting on their own page. An invitation is one row per unit and person; accepting
//! removes it and adds the membership, with the dashboard's counters, in one transaction.
//!
//! Also here: where an imported account came from (`import_origins`), which decides who may
//! give it its first password.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use crate::entity::{import_origin, unit, unit_invitation};
use crate::units::add_member_in;
use crate::{Result, Store};

/// An invitation as the invited person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub created_at: OffsetDateTime,
}

impl Store {
    /// Invites a person into a unit (idempotent: false when already invited).
    pub async fn invite(
        &self,
        user_id: i64,
        unit_id: i64,
        invited_by: i64,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let r = unit_invitation::Entity::insert(unit_invitation::ActiveModel {
            unit_id: Set(unit_id),
            user_id: Set(user_id),
            invited_by: Set(invited_by),
            created_at: Set(at),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                unit_invitation::Column::UnitId,
                unit_invitation::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .do_nothing()
        .exec(&self.db)
        .await?;
        Ok(matches!(r, sea_orm::TryInsertResult::Inserted(_)))
    }

    /// A person's pending invitations, oldest first.
    pub async fn invitations_for(&self, user_id: i64) -> Result<Vec<Invitation>> {
        let invitations = unit_invitation::Entity::find()
            .filter(unit_invitation::Column::UserId.eq(user_id))
            .order_by_asc(unit_invitation::Column::Id)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = invitations.iter().map(|i| i.unit_id).collect();
        let names: HashMap<i64, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(invitations
            .into_iter()
            .map(|i| Invitation {
                id: i.id,
                unit_id: i.unit_id,
                unit_name: names.get(&i.unit_id).cloned().unwrap_or_default(),
                created_at: i.created_at,
            })
            .collect())
    }

    /// Accepts one of the person's invitations: the membership is added and the invitation
    /// removed together. None when there is no such invitation for this person.
    pub async fn accept_invitation(&self, id: i64, user_id: i64) -> Result<Option<i64>> {
        let tx = self.begin_write().await?;
        let Some(inv) = unit_invitation::Entity::find_by_id(id)
            .filter(unit_invitation::Column::UserId.eq(user_id))
            .one(&tx)
            .await?
        else {
            return Ok(None);
        };
        let removed = unit_invitation::Entity::delete_by_id(inv.id)
            .exec(&tx)
            .await?;
        if removed.rows_affected != 1 {
            // Accepted or declined a moment ago by another request.
            return Ok(None);
        }
        add_member_in(&tx, user_id, inv.unit_id).await?;
        tx.commit().await?;
        Ok(Some(inv.unit_id))
    }

    /// Declines one of the person's invitations. False when there is none.
    pub async fn decline_invitation(&self, id: i64, user_id: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let r = unit_invitation::Entity::delete_many()
            .filter(unit_invitation::Column::Id.eq(id))
            .filter(unit_invitation::Column::UserId.eq(user_id))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// The unit whose import created an account, if one did.
    pub async fn import_origin(&self, user_id: i64) -> Result<Option<i64>> {
        Ok(import_origin::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|o| o.unit_id))
    }
}

/// Records that an import into `unit_id` created the account, inside the import's transaction.
pub(crate) async fn record_origin<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: i64,
    unit_id: i64,
    imported_by: i64,
    at: OffsetDateTime,
) -> Result<()> {
    import_origin::Entity::insert(import_origin::ActiveModel {
        user_id: Set(user_id),
        unit_id: Set(unit_id),
        imported_by: Set(Some(imported_by)),
        at: Set(at),
    })
    .exec(c)
    .await?;
    Ok(())
}
