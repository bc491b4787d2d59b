//! Units: the tree in memory (units are few), and what managers and administrators do with
//! units and their people.

use std::collections::{BTreeSet, HashMap};

use hocvuso_store::{Invitation, NewUnit, PersonRow, Unit, User, UNIT_KINDS};

use crate::app::paging::Paging;
use crate::auth::Scope;
use crate::error::AppError;
use crate::state::AppState;

/// The unit tree.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    units: Vec<Unit>,
    index: HashMap<i64, usize>,
    children: HashMap<i64, Vec<i64>>,
}

impl Tree {
    pub fn new(units: Vec<Unit>) -> Self {
        let index = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for u in &units {
            if let Some(p) = u.parent_id {
                children.entry(p).or_default().push(u.id);
            }
        }
        Self {
            units,
            index,
            children,
        }
    }

    pub fn get(&self, id: i64) -> Option<&Unit> {
        self.index.get(&id).map(|&i| &self.units[i])
    }

    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn all_ids(&self) -> BTreeSet<i64> {
        self.units.iter().map(|u| u.id).collect()
    }

    pub fn roots(&self) -> Vec<i64> {
        self.units
            .iter()
            .filter(|u| u.parent_id.is_none())
            .map(|u| u.id)
            .collect()
    }

    pub fn children(&self, id: i64) -> Vec<&Unit> {
        self.children
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|c| self.get(*c))
            .collect()
    }

    /// The unit and everything below it.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(u) = stack.pop() {
            if out.contains(&u) || self.get(u).is_none() {
                continue;
            }
            out.push(u);
            stack.extend(self.children.get(&u).into_iter().flatten().copied());
        }
        out
    }

    /// The unit, its parent, … up to the root.
    pub fn ancestors(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(u) = cur {
            if out.contains(&u) {
                break;
            }
            out.push(u);
            cur = self.get(u).and_then(|x| x.parent_id);
        }
        out
    }

    /// Units of one kind in a subtree (the tổ dân phố of a ward, for the ranking).
    pub fn of_kind_below(&self, id: i64, kind: &str) -> Vec<&Unit> {
        self.subtree(id)
            .into_iter()
            .filter_map(|u| self.get(u))
            .filter(|u| u.kind == kind && u.id != id)
            .collect()
    }

    pub fn by_code(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }
}

pub fn valid_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub struct UnitForm {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// Creates a unit (administrators only; a manager may add units under their own).
pub async fn create(state: &AppState, scope: &Scope, f: UnitForm) -> Result<Unit, AppError> {
    match f.parent_id {
        Some(p) => {
            scope.unit(p)?;
        }
        None => scope.require_admin()?,
    }
    if !valid_code(f.code.trim()) {
        return Err(AppError::unprocessable("invalid_unit_code"));
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::unprocessable("invalid_unit_name"));
    }
    if !UNIT_KINDS.contains(&f.kind.as_str()) {
        return Err(AppError::unprocessable("unknown_unit_kind"));
    }
    let unit = state
        .store
        .create_unit(
            NewUnit {
                parent_id: f.parent_id,
                code: f.code.trim().to_owned(),
                name: name.to_owned(),
                kind: f.kind,
            },
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            hocvuso_store::StoreError::Conflict(_) => AppError::conflict("unit_code_taken"),
            other => other.into(),
        })?;
    tracing::info!(by = scope.user.id, unit = unit.id, "unit created");
    Ok(unit)
}

/// Whether the caller may act on a person (add them to a unit, make them a mentor or a
/// manager, put them in a household, activate them): themselves; anyone, for an
/// administrator; the people of the units they manage. Not mentees: a mentor sees a mentee's
/// progress because the mentee chose them, which is no consent to anything else.
pub async fn may_act_on(state: &AppState, scope: &Scope, person_id: i64) -> Result<bool, AppError> {
    if scope.admin || person_id == scope.user.id {
        return Ok(true);
    }
    if !scope.is_manager() {
        return Ok(false);
    }
    Ok(state
        .store
        .is_member_of_any(person_id, &scope.visible_ids())
        .await?)
}

/// A person the caller may act on, by id; 404 otherwise, exactly as for nobody.
pub async fn person_to_act_on(
    state: &AppState,
    scope: &Scope,
    person_id: i64,
) -> Result<User, AppError> {
    if !may_act_on(state, scope, person_id).await? {
        return Err(AppError::not_found());
    }
    state
        .store
        .user_by_id(person_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A person the caller may act on, by username; `unknown_person` otherwise, exactly as for a
/// username nobody has.
pub async fn person_named(
    state: &AppState,
    scope: &Scope,
    username: &str,
) -> Result<User, AppError> {
    let unknown = || AppError::unprocessable("unknown_person");
    let person = state
        .store
        .user_by_username(username.trim())
        .await?
        .ok_or_else(unknown)?;
    if may_act_on(state, scope, person.id).await? {
        Ok(person)
    } else {
        Err(unknown())
    }
}

/// What adding someone to a unit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// They were in the caller's scope already: now a member (their id).
    Added(i64),
    /// Anyone else: invited if the account exists (they join by accepting on their own page);
    /// the answer is the same when it does not, so the caller learns nothing outside their
    /// scope.
    Invited,
}

/// Adds a person (by username) to a unit the caller manages, or invites them.
pub async fn add_member(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    username: &str,
) -> Result<Joined, AppError> {
    scope.unit(unit_id)?;
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 254 {
        return Err(AppError::unprocessable("unknown_person"));
    }
    let Some(person) = state.store.user_by_username(username).await? else {
        tracing::info!(by = scope.user.id, unit = unit_id, "invitation to nobody");
        return Ok(Joined::Invited);
    };
    if !may_act_on(state, scope, person.id).await? {
        state
            .store
            .invite(person.id, unit_id, scope.user.id, state.clock.now())
            .await?;
        tracing::info!(
            by = scope.user.id,
            person = person.id,
            unit = unit_id,
            "invited to a unit"
        );
        return Ok(Joined::Invited);
    }
    state.store.add_member(person.id, unit_id).await?;
    tracing::info!(
        by = scope.user.id,
        person = person.id,
        unit = unit_id,
        "member added"
    );
    Ok(Joined::Added(person.id))
}

/// The caller's pending invitations.
pub async fn invitations(state: &AppState, user: &User) -> Result<Vec<Invitation>, AppError> {
    Ok(state.store.invitations_for(user.id).await?)
}

/// The invited person accepts (joins the unit) or declines; 404 for an invitation that is not
/// theirs or no longer pending.
pub async fn answer_invitation(
    state: &AppState,
    user: &User,
    invitation_id: i64,
    accept: bool,
) -> Result<(), AppError> {
    let done = if accept {
        state
            .store
            .accept_invitation(invitation_id, user.id)
            .await?
            .is_some()
    } else {
        state
            .store
            .decline_invitation(invitation_id, user.id)
            .await?
    };
    if !done {
        return Err(AppError::not_found());
    }
    tracing::info!(
        user = user.id,
        invitation = invitation_id,
        accept,
        "invitation answered"
    );
    Ok(())
}

/// Makes a person a manager of a unit. Administrators, or a manager for a unit below theirs.
pub async fn add_manager(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    username: &str,
) -> Result<(), AppError> {
    scope.unit(unit_id)?;
    // Only someone already in the caller's scope: invite them into the unit first.
    let person = person_named(state, scope, username).await?;
    state.store.add_manager(person.id, unit_id).await?;
    tracing::info!(
        by = scope.user.id,
        person = person.id,
        unit = unit_id,
        "manager added"
    );
    Ok(())
}

/// Gives a person the mentor role: the person must be in the caller's scope.
pub async fn make_mentor(state: &AppState, scope: &Scope, person_id: i64) -> Result<(), AppError> {
    scope.require_manager()?;
    person_to_act_on(state, scope, person_id).await?;
    state
        .store
        .grant_role(person_id, crate::auth::ROLE_MENTOR)
        .await?;
    tracing::info!(
        by = scope.user.id,
        person = person_id,
        "mentor role granted"
    );
    Ok(())
}

pub async fn set_eligible(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    group: &str,
    eligible: i64,
) -> Result<(), AppError> {
    scope.unit(unit_id)?;
    if state.catalog().group(group).is_none() {
        return Err(AppError::unprocessable("unknown_group"));
    }
    if !(0..=100_000_000).contains(&eligible) {
        return Err(AppError::unprocessable("invalid_number"));
    }
    state.store.set_eligible(unit_id, group, eligible).await?;
    Ok(())
}

/// People per page of a unit's list.
pub const PAGE_SIZE: u64 = 50;
/// The most people one request returns: a whole list exported as a file.
pub const EXPORT_MAX: u64 = 100_000;

/// A page of the people of a unit and everything below it, and how many there are (from the
/// unit's counters: counting a ward's million people per page view would be slow).
pub async fn people(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    group: Option<&str>,
    paging: Paging,
) -> Result<(Vec<PersonRow>, u64), AppError> {
    let units = scope.subtree(unit_id)?;
    let group = group.filter(|g| !g.is_empty());
    let total: i64 = state
        .store
        .unit_stats(&[unit_id])
        .await?
        .into_iter()
        .filter(|s| s.metric == hocvuso_store::aggregates::MEMBERS)
        .filter(|s| group.is_none_or(|g| s.group_id == g))
        .map(|s| s.value)
        .sum();
    let rows = state
        .store
        .people_in(&units, group, paging.offset(), paging.per_page)
        .await?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// The most people a search returns (a name typed in full finds a handful).
pub const SEARCH_MAX: u64 = 50;
/// The longest query a search takes, in characters.
pub const SEARCH_QUERY_MAX: usize = 100;

/// People of a unit and everything below it whose name contains the query, diacritics or not
/// ("nguyen van a" finds "Nguyễn Văn A"; "đ" and "d" are one letter), or whose username starts
/// with it; by name, at most `SEARCH_MAX`.
pub async fn search_people(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    query: &str,
) -> Result<Vec<PersonRow>, AppError> {
    let units = scope.subtree(unit_id)?;
    let query = query.trim();
    if query.chars().count() > SEARCH_QUERY_MAX {
        return Err(AppError::unprocessable("search_query_too_long"));
    }
    if hocvuso_store::fold_name(query).is_empty() {
        return Err(AppError::unprocessable("search_query_empty"));
    }
    Ok(state
        .store
        .search_people_in(&units, query, SEARCH_MAX)
        .await?)
}

/// Whether the caller may give an imported account its first password: the person is in
/// their units *and* an import into their scope created the account (`import_origins`), so
/// nobody can pull someone else's imported person into their unit and take the account over.
/// Accounts without a known origin (imported before origins were kept, then in several units)
/// are for an administrator.
pub async fn may_activate(
    state: &AppState,
    scope: &Scope,
    person_id: i64,
) -> Result<User, AppError> {
    let person = person_to_act_on(state, scope, person_id).await?;
    match state.store.import_origin(person_id).await? {
        Some(unit) if scope.sees_unit(unit) => Ok(person),
        None if scope.admin => Ok(person),
        _ => Err(AppError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "activation_elsewhere",
        )),
    }
}

/// An imported person's first sign-in, on a manager's (or administrator's) screen: the person
/// reads the privacy notice, ticks the box and chooses a password; the record notes who helped.
pub async fn activate(
    state: &AppState,
    scope: &Scope,
    person_id: i64,
    password: &str,
    consent: bool,
) -> Result<(), AppError> {
    scope.require_manager()?;
    let person = may_activate(state, scope, person_id).await?;
    if !consent {
        return Err(AppError::unprocessable("consent_required"));
    }
    // The same policy as every other password: a manager choosing it on the person's behalf
    // must not pick "12345678" or the username.
    crate::auth::policy::check_password(password, &person.username)?;
    let hash = crate::app::accounts::hash_password(state, password).await?;
    let done = state
        .store
        .activate(
            person_id,
            &hash,
            vec![hocvuso_store::NewConsent {
                purpose: "privacy_notice".into(),
                notice_version: crate::app::accounts::PRIVACY_NOTICE_VERSION.into(),
                method: "assisted".into(),
            }],
            scope.user.id,
            state.clock.now(),
        )
        .await?;
    if !done {
        return Err(AppError::conflict("already_active"));
    }
    tracing::info!(
        by = scope.user.id,
        person = person_id,
        "imported account activated"
    );
    Ok(())
}
