//! Who may see what, decided in one place. A `Scope` is derived once per request from the
//! caller's roles and units, and every handler that touches units, people or figures asks it:
//!
//! - an administrator sees every unit and every person;
//! - a unit manager sees the units they manage and everything below them, and the people who
//!   belong to those units;
//! - a mentor sees their own mentees;
//! - everyone sees themselves.
//!
//! Anything outside the scope answers 404, exactly as if it did not exist, so a manager cannot
//! learn that another unit's record is there.
//!
//! Handlers get their scope from the `Scoped` extractor (`Scoped<ApiUser>` for the API,
//! `Scoped<PageUser>` for the pages), never by building one: the scope is the one door to
//! other people's records, and `scripts/check-layers.sh` refuses `Scope::of` in `api/` and
//! `pages/`.

use std::collections::BTreeSet;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use hocvuso_store::{Unit, User};

use crate::app::units::Tree;
use crate::auth::{ApiUser, PageUser, ROLE_ADMIN, ROLE_INSTRUCTOR, ROLE_MENTOR};
use crate::error::AppError;
use crate::state::AppState;

pub struct Scope {
    pub user: User,
    pub admin: bool,
    pub mentor: bool,
    pub instructor: bool,
    pub tree: Tree,
    /// The units managed directly (tops of the visible subtrees).
    managed: Vec<i64>,
    /// Every unit the caller may see.
    visible: BTreeSet<i64>,
}

impl Scope {
    /// The scope of `user`. Handlers take `Scoped` instead; this is for the extractor and for
    /// services that act for someone other than the request's caller.
    pub(crate) async fn of(state: &AppState, user: &User) -> Result<Self, AppError> {
        let tree = Tree::new(state.store.units().await?);
        let admin = user.has_role(ROLE_ADMIN);
        let managed = if admin {
            tree.roots()
        } else {
            state.store.managed_units(user.id).await?
        };
        let visible = if admin {
            tree.all_ids()
        } else {
            managed
                .iter()
                .flat_map(|u| tree.subtree(*u))
                .collect::<BTreeSet<i64>>()
        };
        Ok(Self {
            admin,
            mentor: user.has_role(ROLE_MENTOR),
            instructor: user.has_role(ROLE_INSTRUCTOR),
            user: user.clone(),
            tree,
            managed,
            visible,
        })
    }

    /// Manages at least one unit. Administrators manage them all, even before the first unit
    /// exists (an import is how the first people and units often arrive).
    pub fn is_manager(&self) -> bool {
        self.admin || !self.visible.is_empty()
    }

    /// 403 for callers who manage nothing: the page or endpoint is not for them.
    pub fn require_manager(&self) -> Result<(), AppError> {
        if self.is_manager() {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.admin {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn sees_unit(&self, id: i64) -> bool {
        self.visible.contains(&id)
    }

    /// A unit the caller may see, or 404.
    pub fn unit(&self, id: i64) -> Result<&Unit, AppError> {
        if !self.sees_unit(id) {
            return Err(AppError::not_found());
        }
        self.tree.get(id).ok_or_else(AppError::not_found)
    }

    /// The unit and everything below it, if visible; 404 otherwise.
    pub fn subtree(&self, id: i64) -> Result<Vec<i64>, AppError> {
        self.unit(id)?;
        Ok(self.tree.subtree(id))
    }

    /// The tops of what the caller sees, outermost first (for a dashboard's default unit).
    pub fn tops(&self) -> Vec<&Unit> {
        let mut tops: Vec<&Unit> = self
            .managed
            .iter()
            .filter(|u| {
                // Leave out a managed unit that sits inside another managed one.
                !self
                    .tree
                    .ancestors(**u)
                    .iter()
                    .skip(1)
                    .any(|a| self.managed.contains(a))
            })
            .filter_map(|u| self.tree.get(*u))
            .collect();
        tops.sort_by_key(|u| u.id);
        tops.dedup_by_key(|u| u.id);
        tops
    }

    pub fn visible_units(&self) -> Vec<&Unit> {
        self.visible
            .iter()
            .filter_map(|u| self.tree.get(*u))
            .collect()
    }

    /// Every visible unit id.
    pub fn visible_ids(&self) -> Vec<i64> {
        self.visible.iter().copied().collect()
    }

    /// Whether the caller may see this person's records: themselves, their mentees, the people
    /// of the units they manage, anyone for an administrator.
    pub async fn sees_person(&self, state: &AppState, person_id: i64) -> Result<bool, AppError> {
        if self.admin || person_id == self.user.id {
            return Ok(true);
        }
        if self.mentor && state.store.mentor_of(person_id).await? == Some(self.user.id) {
            return Ok(true);
        }
        if self.visible.is_empty() {
            return Ok(false);
        }
        Ok(state
            .store
            .is_member_of_any(person_id, &self.visible_ids())
            .await?)
    }

    /// A person the caller may see, or 404.
    pub async fn person(&self, state: &AppState, person_id: i64) -> Result<User, AppError> {
        if !self.sees_person(state, person_id).await? {
            return Err(AppError::not_found());
        }
        state
            .store
            .user_by_id(person_id)
            .await?
            .ok_or_else(AppError::not_found)
    }
}

/// A signed-in caller as an extractor knows them: who `Scoped` derives its scope from.
pub trait Caller: FromRequest<Error = actix_web::Error, Future: 'static> {
    fn into_user(self) -> User;
}

impl Caller for ApiUser {
    fn into_user(self) -> User {
        self.0
    }
}

impl Caller for PageUser {
    fn into_user(self) -> User {
        self.0
    }
}

/// The caller's `Scope`, derived once per request: `Scoped<ApiUser>` answers 401 JSON to a
/// stranger, `Scoped<PageUser>` sends them to the login page. The signed-in person is
/// `scope.user`.
pub struct Scoped<C>(Scope, PhantomData<C>);

impl<C> Deref for Scoped<C> {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.0
    }
}

impl<C: Caller> FromRequest for Scoped<C> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let caller = C::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = caller.await?.into_user();
            let scope = match req.app_data::<web::Data<AppState>>() {
                Some(state) => Scope::of(state, &user).await,
                None => Err(AppError::internal_because("scope", "no application state")),
            };
            match scope {
                Ok(scope) => Ok(Scoped(scope, PhantomData)),
                Err(e) => Err(crate::error::error_for(req.path(), e)),
            }
        })
    }
}
