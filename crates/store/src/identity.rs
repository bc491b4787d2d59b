//! Two-factor sign-in (TOTP factors and recovery codes), guardians of learners under 16, and
//! accounts linked to an identity provider (OpenID Connect). Every check that must happen once
//! (a TOTP step, a recovery code, a sign-in state) is one conditional UPDATE, so two requests at
//! the same moment cannot both pass.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use time::OffsetDateTime;

use crate::entity::{
    consent, guardian, oidc_identity, oidc_login, totp_factor, totp_recovery_code,
};
use crate::people::{insert_user, NewConsent, NewUser, User};
use crate::turn::WriteTx;
use crate::{Result, Store, StoreError};

pub use crate::entity::guardian::Model as Guardian;
pub use crate::entity::totp_factor::Model as TotpFactor;

/// The guardian of a learner under 16: a contact, and the hash of the code they use.
pub struct NewGuardian {
    pub contact: String,
    pub code_hash: String,
}

/// A sign-in with the identity provider in progress.
pub struct PendingOidc {
    pub nonce: String,
    pub verifier: String,
}

impl Store {
    // ---- TOTP ----

    /// The account's TOTP factor, confirmed or not.
    pub async fn totp_factor(&self, user_id: i64) -> Result<Option<TotpFactor>> {
        Ok(totp_factor::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?)
    }

    /// Starts (or restarts) an enrolment with a new secret. Refused with
    /// `Conflict("totp_already_enabled")` once a factor is confirmed.
    pub async fn start_totp(&self, user_id: i64, secret: &str, at: OffsetDateTime) -> Result<()> {
        let tx = self.begin_write().await?;
        match totp_factor::Entity::find_by_id(user_id).one(&tx).await? {
            Some(f) if f.confirmed_at.is_some() => {
                return Err(StoreError::Conflict("totp_already_enabled"))
            }
            Some(_) => {
                totp_factor::Entity::update_many()
                    .col_expr(totp_factor::Column::Secret, Expr::value(secret))
                    .col_expr(totp_factor::Column::CreatedAt, Expr::value(at))
                    .filter(totp_factor::Column::UserId.eq(user_id))
                    .filter(totp_factor::Column::ConfirmedAt.is_null())
                    .exec(&tx)
                    .await?;
            }
            None => {
                totp_factor::ActiveModel {
                    user_id: Set(user_id),
                    secret: Set(secret.to_owned()),
                    created_at: Set(at),
                    confirmed_at: Set(None),
                    last_step: Set(None),
                }
                .insert(&tx)
                .await
                .map_err(|e| StoreError::unique_or_db(e, "totp_already_enabled"))?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Confirms an enrolment with the step of the first code typed, replacing any recovery
    /// codes with these (hashes). False when there was no enrolment waiting.
    pub async fn confirm_totp(
        &self,
        user_id: i64,
        step: i64,
        recovery_hashes: &[String],
        at: OffsetDateTime,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let r = totp_factor::Entity::update_many()
            .col_expr(totp_factor::Column::ConfirmedAt, Expr::value(at))
            .col_expr(totp_factor::Column::LastStep, Expr::value(step))
            .filter(totp_factor::Column::UserId.eq(user_id))
            .filter(totp_factor::Column::ConfirmedAt.is_null())
            .exec(&tx)
            .await?;
        if r.rows_affected != 1 {
            return Ok(false);
        }
        replace_recovery_codes(&tx, user_id, recovery_hashes, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces a confirmed factor's recovery codes with these (hashes): the earlier ones, used
    /// or not, stop working. False when the account has no confirmed factor.
    pub async fn renew_recovery_codes(
        &self,
        user_id: i64,
        recovery_hashes: &[String],
        at: OffsetDateTime,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let confirmed = totp_factor::Entity::find_by_id(user_id)
            .one(&tx)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some());
        if !confirmed {
            return Ok(false);
        }
        replace_recovery_codes(&tx, user_id, recovery_hashes, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces the stored secret `old` with `new` (the same secret sealed), unless the row
    /// changed meanwhile (a new enrolment): false then, and the new enrolment stands.
    pub async fn reseal_totp(&self, user_id: i64, old: &str, new: &str) -> Result<bool> {
        let _turn = self.turn().await;
        let r = totp_factor::Entity::update_many()
            .col_expr(totp_factor::Column::Secret, Expr::value(new))
            .filter(totp_factor::Column::UserId.eq(user_id))
            .filter(totp_factor::Column::Secret.eq(old))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Factors whose stored secret does not start with `sealed_prefix` (written before secrets
    /// were sealed): account and stored value.
    pub async fn totp_secrets_not_sealed(&self, sealed_prefix: &str) -> Result<Vec<(i64, String)>> {
        Ok(totp_factor::Entity::find()
            .filter(totp_factor::Column::Secret.not_like(format!("{sealed_prefix}%")))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| (f.user_id, f.secret))
            .collect())
    }

    /// Accepts a code's time step if it is later than the last one accepted (a code works
    /// once). False: replayed, or no confirmed factor.
    pub async fn accept_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let r = totp_factor::Entity::update_many()
            .col_expr(totp_factor::Column::LastStep, Expr::value(step))
            .filter(totp_factor::Column::UserId.eq(user_id))
            .filter(totp_factor::Column::ConfirmedAt.is_not_null())
            .filter(
                totp_factor::Column::LastStep
                    .is_null()
                    .or(totp_factor::Column::LastStep.lt(step)),
            )
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Spends a recovery code (by hash). False: unknown or already used.
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let r = totp_recovery_code::Entity::update_many()
            .col_expr(totp_recovery_code::Column::UsedAt, Expr::value(at))
            .filter(totp_recovery_code::Column::UserId.eq(user_id))
            .filter(totp_recovery_code::Column::CodeHash.eq(code_hash))
            .filter(totp_recovery_code::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Recovery codes not used yet.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<u64> {
        Ok(totp_recovery_code::Entity::find()
            .filter(totp_recovery_code::Column::UserId.eq(user_id))
            .filter(totp_recovery_code::Column::UsedAt.is_null())
            .count(&self.db)
            .await?)
    }

    /// Removes the factor and its recovery codes.
    pub async fn remove_totp(&self, user_id: i64) -> Result<()> {
        let tx = self.begin_write().await?;
        totp_recovery_code::Entity::delete_many()
            .filter(totp_recovery_code::Column::UserId.eq(user_id))
            .exec(&tx)
            .await?;
        totp_factor::Entity::delete_by_id(user_id).exec(&tx).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- Guardians ----

    /// Creates an account with its consents and, for a learner under 16, the guardian's
    /// record, in one transaction.
    pub async fn create_user_with_guardian(
        &self,
        new: NewUser,
        consents: Vec<NewConsent>,
        guardian: Option<NewGuardian>,
    ) -> Result<User> {
        let at = new.created_at;
        let tx = self.begin_write().await?;
        let user = insert_user(&tx, new, consents).await?;
        if let Some(g) = guardian {
            guardian::ActiveModel {
                user_id: Set(user.id),
                contact: Set(g.contact),
                code_hash: Set(g.code_hash),
                created_at: Set(at),
            }
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// The guardian's record of a learner under 16, if any.
    pub async fn guardian(&self, user_id: i64) -> Result<Option<Guardian>> {
        Ok(guardian::Entity::find_by_id(user_id).one(&self.db).await?)
    }

    /// Whether a consent for `purpose` is in force (granted and not withdrawn).
    pub async fn consent_in_force(&self, user_id: i64, purpose: &str) -> Result<bool> {
        Ok(consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(purpose))
            .filter(consent::Column::WithdrawnAt.is_null())
            .count(&self.db)
            .await?
            > 0)
    }

    /// Records a consent given again after a withdrawal (a new row: the old one stays as the
    /// record of the withdrawal). False when one is already in force.
    pub async fn grant_consent(
        &self,
        user_id: i64,
        c: NewConsent,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let in_force = consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .filter(consent::Column::Purpose.eq(c.purpose.as_str()))
            .filter(consent::Column::WithdrawnAt.is_null())
            .order_by_asc(consent::Column::Id)
            .count(&tx)
            .await?;
        if in_force > 0 {
            return Ok(false);
        }
        consent::ActiveModel {
            user_id: Set(user_id),
            purpose: Set(c.purpose),
            notice_version: Set(c.notice_version),
            method: Set(c.method),
            granted_at: Set(at),
            withdrawn_at: Set(None),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // ---- OpenID Connect ----

    /// Records a sign-in started with the provider (the state only as its hash).
    pub async fn begin_oidc_login(
        &self,
        state_hash: &str,
        pending: PendingOidc,
        at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        oidc_login::ActiveModel {
            state_hash: Set(state_hash.to_owned()),
            nonce: Set(pending.nonce),
            verifier: Set(pending.verifier),
            created_at: Set(at),
            used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Takes a sign-in in progress by its state, once: started after `since` and not used
    /// before. Sign-ins started before `since` are forgotten.
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
        since: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Option<PendingOidc>> {
        let _turn = self.turn().await;
        oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::CreatedAt.lt(since))
            .exec(&self.db)
            .await?;
        let r = oidc_login::Entity::update_many()
            .col_expr(oidc_login::Column::UsedAt, Expr::value(at))
            .filter(oidc_login::Column::StateHash.eq(state_hash))
            .filter(oidc_login::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?;
        if r.rows_affected != 1 {
            return Ok(None);
        }
        Ok(oidc_login::Entity::find_by_id(state_hash.to_owned())
            .one(&self.db)
            .await?
            .map(|m| PendingOidc {
                nonce: m.nonce,
                verifier: m.verifier,
            }))
    }

    /// Creates an account linked to a provider's subject, in one transaction;
    /// `Conflict("oidc_already_linked")` when that subject already names an account.
    pub async fn create_user_linked(
        &self,
        new: NewUser,
        consents: Vec<NewConsent>,
        issuer: &str,
        subject: &str,
    ) -> Result<User> {
        let at = new.created_at;
        let tx = self.begin_write().await?;
        let user = insert_user(&tx, new, consents).await?;
        oidc_identity::ActiveModel {
            user_id: Set(user.id),
            issuer: Set(issuer.to_owned()),
            subject: Set(subject.to_owned()),
            linked_at: Set(at),
            ..Default::default()
        }
        .insert(&tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "oidc_already_linked"))?;
        tx.commit().await?;
        Ok(user)
    }

    /// The account a provider's subject is linked to.
    pub async fn user_by_oidc(&self, issuer: &str, subject: &str) -> Result<Option<i64>> {
        Ok(oidc_identity::Entity::find()
            .filter(oidc_identity::Column::Issuer.eq(issuer))
            .filter(oidc_identity::Column::Subject.eq(subject))
            .one(&self.db)
            .await?
            .map(|m| m.user_id))
    }

    /// Links a provider's subject to an account; `Conflict("oidc_already_linked")` when that
    /// subject already names an account.
    pub async fn link_oidc(
        &self,
        user_id: i64,
        issuer: &str,
        subject: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        oidc_identity::ActiveModel {
            user_id: Set(user_id),
            issuer: Set(issuer.to_owned()),
            subject: Set(subject.to_owned()),
            linked_at: Set(at),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "oidc_already_linked"))?;
        Ok(())
    }
}

/// Deletes an account's recovery codes and inserts these (hashes), inside the caller's
/// transaction.
async fn replace_recovery_codes(
    tx: &WriteTx,
    user_id: i64,
    recovery_hashes: &[String],
    at: OffsetDateTime,
) -> Result<()> {
    totp_recovery_code::Entity::delete_many()
        .filter(totp_recovery_code::Column::UserId.eq(user_id))
        .exec(tx)
        .await?;
    for h in recovery_hashes {
        totp_recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(h.clone()),
            created_at: Set(at),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}
