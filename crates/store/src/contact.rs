//! The optional e-mail address a learner gives for reminders. Setting it records the learner's
//! consent (which notice, which version, when); removing it deletes the address and marks that
//! consent withdrawn, in one transaction each.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::entity::{consent, contact_email};
use crate::people::NewConsent;
use crate::{Result, Store};

/// The consent purpose of a reminder address.
pub const REMINDER_EMAIL_PURPOSE: &str = "reminder_email";

impl Store {
    /// The learner's reminder address, if they gave one.
    pub async fn reminder_email(&self, user_id: i64) -> Result<Option<String>> {
        Ok(contact_email::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|c| c.email))
    }

    /// The reminder addresses of those of `user_ids` who gave one.
    pub async fn reminder_emails(&self, user_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let mut out = Vec::new();
        for chunk in user_ids.chunks(500) {
            out.extend(
                contact_email::Entity::find()
                    .filter(contact_email::Column::UserId.is_in(chunk.to_vec()))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|c| (c.user_id, c.email)),
            );
        }
        Ok(out)
    }

    /// Sets (or replaces) the learner's reminder address and records their consent to it.
    /// `consent.purpose` should be `REMINDER_EMAIL_PURPOSE`.
    pub async fn set_reminder_email(
        &self,
        user_id: i64,
        email: &str,
        consent: NewConsent,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        contact_email::Entity::insert(contact_email::ActiveModel {
            user_id: Set(user_id),
            email: Set(email.to_owned()),
            set_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(contact_email::Column::UserId)
                .update_columns([contact_email::Column::Email, contact_email::Column::SetAt])
                .to_owned(),
        )
        .exec(&tx)
        .await?;
        consent::Entity::insert(consent::ActiveModel {
            user_id: Set(user_id),
            purpose: Set(consent.purpose),
            notice_version: Set(consent.notice_version),
            method: Set(consent.method),
            granted_at: Set(at),
            withdrawn_at: Set(None),
            ..Default::default()
        })
        .exec(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the learner's reminder address and withdraws the consent to it. Returns whether
    /// there was one.
    pub async fn remove_reminder_email(&self, user_id: i64, at: OffsetDateTime) -> Result<bool> {
        let tx = self.begin_write().await?;
        let removed = contact_email::Entity::delete_by_id(user_id)
            .exec(&tx)
            .await?
            .rows_affected
            > 0;
        consent::Entity::update_many()
            .col_expr(consent::Column::WithdrawnAt, Expr::value(at))
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(REMINDER_EMAIL_PURPOSE))
            .filter(consent::Column::WithdrawnAt.is_null())
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(removed)
    }
}
