//! People: accounts, roles, consent records, login throttling.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use time::OffsetDateTime;

use crate::entity::{consent, login_failure, user, user_role};
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

fn username_key(username: &str) -> String {
    username.to_lowercase()
}

impl Store {
    /// Creates an account with its roles and consent records in one transaction.
    pub async fn create_user(&self, new: NewUser, consents: Vec<NewConsent>) -> Result<User> {
        let tx = self.db.begin().await?;
        let model = user::ActiveModel {
            username: Set(new.username.clone()),
            username_key: Set(username_key(&new.username)),
            display_name: Set(new.display_name.clone()),
            password_hash: Set(new.password_hash.clone()),
            group_id: Set(new.group.clone()),
            birth_year: Set(new.birth_year),
            created_at: Set(new.created_at),
            ..Default::default()
        }
        .insert(&tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "username"))?;
        for role in &new.roles {
            user_role::ActiveModel {
                user_id: Set(model.id),
                role: Set(role.clone()),
            }
            .insert(&tx)
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
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(User {
            id: model.id,
            username: model.username,
            display_name: model.display_name,
            password_hash: model.password_hash,
            group: model.group_id,
            birth_year: model.birth_year,
            roles: new.roles,
            created_at: model.created_at,
            learner_ref: model.learner_ref,
            verify_shows_details: model.verify_shows_details,
        })
    }

    async fn with_roles(&self, model: user::Model) -> Result<User> {
        let roles = user_role::Entity::find()
            .filter(user_role::Column::UserId.eq(model.id))
            .order_by_asc(user_role::Column::Role)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.role)
            .collect();
        Ok(User {
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
        })
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

    /// Failed logins for a throttling key since `since`.
    pub async fn login_failures_since(&self, key_hash: &str, since: OffsetDateTime) -> Result<u64> {
        Ok(login_failure::Entity::find()
            .filter(login_failure::Column::KeyHash.eq(key_hash))
            .filter(login_failure::Column::FailedAt.gt(since))
            .count(&self.db)
            .await?)
    }

    /// Records one failed login under each key, and forgets failures older than `forget_before`
    /// so the table stays small.
    pub async fn record_login_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.db.begin().await?;
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::FailedAt.lt(forget_before))
            .exec(&tx)
            .await?;
        for key in keys {
            login_failure::ActiveModel {
                key_hash: Set(key.clone()),
                failed_at: Set(at),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key_hash: &str) -> Result<()> {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::KeyHash.eq(key_hash))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
