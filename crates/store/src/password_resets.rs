//! One-time password-reset codes, kept as hashes, and spending one: the code is marked used,
//! the password set and every session of the account ended, in one transaction, so a code works
//! once even when two tabs send it at the same moment. Rows stay as the record of who issued a
//! code for whom, how, when, and when it was used.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::entity::{consent, password_reset, session, user};
use crate::{Result, Store};

/// The consent purpose of sending reset codes to the reminder address (asked for apart from
/// reminders: the address was given for reminders only).
pub const RESET_EMAIL_PURPOSE: &str = "password_reset_email";

/// A code to record: its hash, how it travels, who issued it (none for e-mail), its life.
pub struct NewPasswordReset<'a> {
    pub user_id: i64,
    pub code_hash: &'a str,
    /// `email`, `mentor` or `manager`.
    pub channel: &'a str,
    pub issued_by: Option<i64>,
    pub at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// Records a new code. Codes issued earlier stay valid until they expire or one is used.
    pub async fn create_password_reset(&self, new: NewPasswordReset<'_>) -> Result<()> {
        let _turn = self.turn().await;
        password_reset::ActiveModel {
            user_id: Set(new.user_id),
            code_hash: Set(new.code_hash.to_owned()),
            channel: Set(new.channel.to_owned()),
            issued_by: Set(new.issued_by),
            created_at: Set(new.at),
            expires_at: Set(new.expires_at),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// How many codes were issued for a person since `since` (to limit them).
    pub async fn password_resets_since(&self, user_id: i64, since: OffsetDateTime) -> Result<u64> {
        Ok(password_reset::Entity::find()
            .filter(password_reset::Column::UserId.eq(user_id))
            .filter(password_reset::Column::CreatedAt.gt(since))
            .count(&self.db)
            .await?)
    }

    /// Spends a live code of the person's and sets their new password, ending every session.
    /// Returns false, changing nothing, when no unused, unexpired code has this hash.
    pub async fn reset_password(
        &self,
        user_id: i64,
        code_hash: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let spent = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(now))
            .filter(password_reset::Column::UserId.eq(user_id))
            .filter(password_reset::Column::CodeHash.eq(code_hash))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .exec(&tx)
            .await?
            .rows_affected;
        if spent == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .filter(user::Column::Id.eq(user_id))
            .exec(&tx)
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether a person's consent for `purpose` is in force (given and not withdrawn).
    pub async fn has_consent(&self, user_id: i64, purpose: &str) -> Result<bool> {
        Ok(consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(purpose))
            .filter(consent::Column::WithdrawnAt.is_null())
            .count(&self.db)
            .await?
            > 0)
    }

    /// Gives (`Some`) or withdraws (`None`) a consent for a purpose; giving it twice keeps one.
    pub async fn set_consent(
        &self,
        user_id: i64,
        purpose: &str,
        given: Option<(&str, &str)>,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        consent::Entity::update_many()
            .col_expr(consent::Column::WithdrawnAt, Expr::value(at))
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(purpose))
            .filter(consent::Column::WithdrawnAt.is_null())
            .exec(&tx)
            .await?;
        if let Some((notice_version, method)) = given {
            consent::ActiveModel {
                user_id: Set(user_id),
                purpose: Set(purpose.to_owned()),
                notice_version: Set(notice_version.to_owned()),
                method: Set(method.to_owned()),
                granted_at: Set(at),
                withdrawn_at: Set(None),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
