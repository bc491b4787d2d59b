//! People: accounts, roles, consent records, passwords.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use crate::entity::{consent, learner_status, user, user_role};
use crate::turn::WriteTx;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub group: Option<String>,
    pub birth_year: Option<i32>,
    pub roles: Vec<String>,
    pub created_at: OffsetDateTime,
    /// The opaque reference credentials carry instead of the username (set on first issue).
    pub learner_ref: Option<String>,
    /// Whether the public verification page may show the username, birth year and group.
    pub verify_shows_details: bool,
}

impl User {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub group: Option<String>,
    pub birth_year: Option<i32>,
    pub roles: Vec<String>,
    pub created_at: OffsetDateTime,
}

/// Proof of consent: which notice, which version, how it was given, when.
pub struct NewConsent {
    pub purpose: String,
    pub notice_version: String,
    pub method: String,
}

/// The password hash of an account that has no password yet (an imported person): no
/// argon2 hash looks like this, so no password matches it.
pub const NO_PASSWORD: &str = "!";

pub(crate) fn username_key(username: &str) -> String {
    username.to_lowercase()
}

pub(crate) fn user_from(model: user::Model, roles: Vec<String>) -> User {
    User {
        id: model.id,
        username: model.username,
        display_name: model.display_name,
        password_hash: model.password_hash,
        group: model.group_id,
        birth_year: model.birth_year,
        roles,
        created_at: model.created_at,
        learner_ref: model.learner_ref,
        verify_shows_details: model.verify_shows_details,
    }
}

/// Inserts an account with its roles, consent records and (empty) learner status, inside the
/// caller's transaction.
pub(crate) async fn insert_user(
    tx: &WriteTx,
    new: NewUser,
    consents: Vec<NewConsent>,
) -> Result<User> {
    let model = user::ActiveModel {
        username: Set(new.username.clone()),
        username_key: Set(username_key(&new.username)),
        display_name: Set(new.display_name.clone()),
        name_fold: Set(hocvuso_migration::fold_name(&new.display_name)),
        password_hash: Set(new.password_hash.clone()),
        group_id: Set(new.group.clone()),
        birth_year: Set(new.birth_year),
        created_at: Set(new.created_at),
        ..Default::default()
    }
    .insert(tx)
    .await
    .map_err(|e| StoreError::unique_or_db(e, "username"))?;
    for role in &new.roles {
        user_role::ActiveModel {
            user_id: Set(model.id),
            role: Set(role.clone()),
        }
        .insert(tx)
        .await?;
    }
    for c in consents {
        consent::ActiveModel {
            user_id: Set(model.id),
            purpose: Set(c.purpose),
            notice_version: Set(c.notice_version),
            method: Set(c.method),
            granted_at: Set(new.created_at),
            withdrawn_at: Set(None),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    learner_status::ActiveModel {
        user_id: Set(model.id),
        group_id: Set(new.group.clone()),
        path_completed_at: Set(None),
        path_week: Set(None),
        certified_at: Set(None),
        certified_week: Set(None),
        citizen_path_at: Set(None),
    }
    .insert(tx)
    .await?;
    Ok(user_from(model, new.roles))
}

impl Store {
    /// Creates an account with its roles and consent records in one transaction.
    pub async fn create_user(&self, new: NewUser, consents: Vec<NewConsent>) -> Result<User> {
        let tx = self.begin_write().await?;
        let user = insert_user(&tx, new, consents).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Grants a role (idempotent); a new mentor starts counting on the dashboard.
    pub async fn grant_role(&self, user_id: i64, role: &str) -> Result<()> {
        let tx = self.begin_write().await?;
        let r = user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(user_id),
            role: Set(role.to_owned()),
        })
        .on_conflict(
            OnConflict::columns([user_role::Column::UserId, user_role::Column::Role])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(&tx)
        .await?;
        if matches!(r, sea_orm::TryInsertResult::Inserted(_)) {
            crate::aggregates::role_granted(&tx, user_id, role).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Gives an imported account (no password yet) its first password, with the person's
    /// consent given on the helper's screen and a note of who helped, in one transaction.
    /// False when the account already had a password.
    pub async fn activate(
        &self,
        user_id: i64,
        password_hash: &str,
        consents: Vec<NewConsent>,
        helper_id: i64,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let tx = self.begin_write().await?;
        let r = user::Entity::update_many()
            .col_expr(
                user::Column::PasswordHash,
                sea_orm::sea_query::Expr::value(password_hash),
            )
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::PasswordHash.eq(NO_PASSWORD))
            .exec(&tx)
            .await?;
        if r.rows_affected != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for c in consents {
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
        }
        crate::entity::assisted_registration::Entity::insert(
            crate::entity::assisted_registration::ActiveModel {
                user_id: Set(user_id),
                helper_id: Set(helper_id),
                at: Set(at),
            },
        )
        .on_conflict(
            OnConflict::column(crate::entity::assisted_registration::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(&tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Accounts by id (missing ids are left out), in id order.
    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<User>> {
        let mut models = Vec::new();
        for chunk in ids.chunks(500) {
            models.extend(
                user::Entity::find()
                    .filter(user::Column::Id.is_in(chunk.to_vec()))
                    .order_by_asc(user::Column::Id)
                    .all(&self.db)
                    .await?,
            );
        }
        let mut roles: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for chunk in ids.chunks(500) {
            for r in user_role::Entity::find()
                .filter(user_role::Column::UserId.is_in(chunk.to_vec()))
                .order_by_asc(user_role::Column::Role)
                .all(&self.db)
                .await?
            {
                roles.entry(r.user_id).or_default().push(r.role);
            }
        }
        Ok(models
            .into_iter()
            .map(|m| {
                let roles = roles.remove(&m.id).unwrap_or_default();
                user_from(m, roles)
            })
            .collect())
    }

    pub(crate) async fn with_roles(&self, model: user::Model) -> Result<User> {
        let roles = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(model.id))
            .order_by_asc(user_role::Column::Role)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect();
        Ok(user_from(model, roles))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let found = user::Entity::find()
            .filter(user::Column::UsernameKey.eq(username_key(username)))
            .one(&self.db)
            .await?;
        match found {
            Some(m) => Ok(Some(self.with_roles(m).await?)),
            None => Ok(None),
        }
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        match user::Entity::find_by_id(id).one(&self.db).await? {
            Some(m) => Ok(Some(self.with_roles(m).await?)),
            None => Ok(None),
        }
    }

    /// The consent records of a user, newest first.
    pub async fn consents(&self, user_id: i64) -> Result<Vec<consent::Model>> {
        Ok(consent::Entity::find()
            .filter(consent::Column::UserId.eq(user_id))
            .order_by_desc(consent::Column::GrantedAt)
            .all(&self.db)
            .await?)
    }

    /// Sets a new password and ends every other session of the account, in one transaction:
    /// whoever knew the old password is signed out everywhere but here.
    pub async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        user::Entity::update_many()
            .col_expr(
                user::Column::PasswordHash,
                sea_orm::sea_query::Expr::value(password_hash),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(&tx)
            .await?;
        let mut q = crate::entity::session::Entity::update_many()
            .col_expr(
                crate::entity::session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(crate::entity::session::Column::UserId.eq(user_id))
            .filter(crate::entity::session::Column::RevokedAt.is_null());
        if let Some(keep) = keep_session {
            q = q.filter(crate::entity::session::Column::Id.ne(keep));
        }
        q.exec(&tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
