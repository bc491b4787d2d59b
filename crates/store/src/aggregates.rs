//! The counters behind the dashboard. Counting a ward's million learners on every request would
//! be far too slow, so the store keeps, per unit **including everything below it**, how many
//! people of each group belong there, how many completed their path or were certified, how many
//! households it has and how many are digital families, how many mentors and how many met the
//! bar — and the same path and certification counts per week for the trend.
//!
//! Every write that changes one of those facts updates the counters in its own transaction by a
//! delta (`apply`): a person's *contribution* (what they add to each unit they count in) is
//! added to the units that gain them and removed from the units that lose them. Counting "units
//! including everything below" per person (the union of the ancestors of all their memberships)
//! means someone who lives in a tổ dân phố and works in an agency of the same ward counts once
//! for the ward. `Store::rebuild_aggregates` recomputes everything from the base tables: after a
//! bulk load, and in tests that check the deltas against it.

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Statement,
};
use time::{Date, OffsetDateTime};

use crate::entity::{
    household, household_member, learner_status, mentor_link, unit, unit_member, unit_stat,
    unit_weekly, user_role,
};
use crate::{Result, Store, StoreError};

pub const MEMBERS: &str = "members";
pub const PATH_COMPLETED: &str = "path_completed";
pub const CERTIFIED: &str = "certified";
pub const HOUSEHOLDS: &str = "households";
pub const DIGITAL_HOUSEHOLDS: &str = "digital_households";
pub const MENTORS: &str = "mentors";
pub const MENTORS_AT_BAR: &str = "mentors_at_bar";
/// The group key of metrics that are not per learner group.
pub const ALL_GROUPS: &str = "*";
/// The plan's bar for a mentor ("Đại sứ số"): at least 5 mentees who completed (IV.7.1).
pub const MENTOR_BAR: u64 = 5;
pub const ROLE_MENTOR: &str = "mentor";

/// Monday 5 January 1970: week 0.
const WEEK_ZERO: Date = time::macros::date!(1970 - 01 - 05);

/// The week (counted from 5 January 1970) an instant falls in, in Vietnam's time (UTC+7).
pub fn week_of(t: OffsetDateTime) -> i32 {
    let d = t.to_offset(time::macros::offset!(+7)).date();
    (d.to_julian_day() - WEEK_ZERO.to_julian_day()).div_euclid(7)
}

/// The Monday a week starts on.
pub fn week_start(week: i32) -> Date {
    Date::from_julian_day(WEEK_ZERO.to_julian_day() + week * 7).unwrap_or(WEEK_ZERO)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Delta {
    group: String,
    metric: &'static str,
    week: Option<i32>,
    value: i64,
}

impl Delta {
    fn total(group: &str, metric: &'static str) -> Self {
        Self {
            group: group.to_owned(),
            metric,
            week: None,
            value: 1,
        }
    }
    fn weekly(group: &str, metric: &'static str, week: i32) -> Self {
        Self {
            group: group.to_owned(),
            metric,
            week: Some(week),
            value: 1,
        }
    }
}

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("statement: {e}"))
}

/// Every unit's parent.
pub(crate) async fn parents<C: ConnectionTrait>(c: &C) -> Result<HashMap<i64, Option<i64>>> {
    Ok(unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::ParentId)
        .into_tuple::<(i64, Option<i64>)>()
        .all(c)
        .await?
        .into_iter()
        .collect())
}

/// The units and all their ancestors.
pub(crate) fn ancestors(
    parents: &HashMap<i64, Option<i64>>,
    units: impl IntoIterator<Item = i64>,
) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for u in units {
        let mut cur = Some(u);
        // The depth bound guards against a cycle a hand-edited database might hold.
        let mut depth = 0;
        while let Some(id) = cur {
            if !out.insert(id) || depth > 64 {
                break;
            }
            depth += 1;
            cur = parents.get(&id).copied().flatten();
        }
    }
    out
}

pub(crate) async fn user_units<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<Vec<i64>> {
    Ok(unit_member::Entity::find()
        .select_only()
        .column(unit_member::Column::UnitId)
        .filter(unit_member::Column::UserId.eq(user_id))
        .into_tuple::<i64>()
        .all(c)
        .await?)
}

/// The units a person counts in: their memberships and everything above them.
pub(crate) async fn counted_in<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<BTreeSet<i64>> {
    let units = user_units(c, user_id).await?;
    if units.is_empty() {
        return Ok(BTreeSet::new());
    }
    Ok(ancestors(&parents(c).await?, units))
}

pub(crate) async fn has_role<C: ConnectionTrait>(c: &C, user_id: i64, role: &str) -> Result<bool> {
    Ok(user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .filter(user_role::Column::Role.eq(role))
        .count(c)
        .await?
        > 0)
}

/// How many of a mentor's mentees have completed their path.
pub(crate) async fn completed_mentees<C: ConnectionTrait>(c: &C, mentor_id: i64) -> Result<u64> {
    Ok(learner_status::Entity::find()
        .filter(
            learner_status::Column::UserId.in_subquery(
                Query::select()
                    .column(mentor_link::Column::MenteeId)
                    .from(mentor_link::Entity)
                    .and_where(Expr::col(mentor_link::Column::MentorId).eq(mentor_id))
                    .to_owned(),
            ),
        )
        .filter(learner_status::Column::PathCompletedAt.is_not_null())
        .count(c)
        .await?)
}

/// Whether a household has a member (other than `except`) who completed the citizen path: a
/// digital family (see `hocvuso_course::CITIZEN_GROUP` for why that path).
pub(crate) async fn household_digital<C: ConnectionTrait>(
    c: &C,
    household_id: i64,
    except: Option<i64>,
) -> Result<bool> {
    let mut q = learner_status::Entity::find()
        .filter(
            learner_status::Column::UserId.in_subquery(
                Query::select()
                    .column(household_member::Column::UserId)
                    .from(household_member::Entity)
                    .and_where(Expr::col(household_member::Column::HouseholdId).eq(household_id))
                    .to_owned(),
            ),
        )
        .filter(learner_status::Column::CitizenPathAt.is_not_null());
    if let Some(u) = except {
        q = q.filter(learner_status::Column::UserId.ne(u));
    }
    Ok(q.count(c).await? > 0)
}

/// What one person adds to every unit they count in.
pub(crate) async fn contribution<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    if let Some(s) = learner_status::Entity::find_by_id(user_id).one(c).await? {
        if let Some(g) = s.group_id.as_deref() {
            out.push(Delta::total(g, MEMBERS));
            if let Some(w) = s.path_week {
                out.push(Delta::total(g, PATH_COMPLETED));
                out.push(Delta::weekly(g, PATH_COMPLETED, w));
            }
            if let Some(w) = s.certified_week {
                out.push(Delta::total(g, CERTIFIED));
                out.push(Delta::weekly(g, CERTIFIED, w));
            }
        }
    }
    out.extend(mentor_contribution(c, user_id).await?);
    Ok(out)
}

async fn mentor_contribution<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    if has_role(c, user_id, ROLE_MENTOR).await? {
        out.push(Delta::total(ALL_GROUPS, MENTORS));
        if completed_mentees(c, user_id).await? >= MENTOR_BAR {
            out.push(Delta::total(ALL_GROUPS, MENTORS_AT_BAR));
        }
    }
    Ok(out)
}

/// Adds `sign` × each delta to each unit's counters, in two multi-row upserts.
pub(crate) async fn apply<C: ConnectionTrait>(
    c: &C,
    units: &BTreeSet<i64>,
    deltas: &[Delta],
    sign: i64,
) -> Result<()> {
    if units.is_empty() || deltas.is_empty() {
        return Ok(());
    }
    let mut totals: HashMap<(i64, &str, &str), i64> = HashMap::new();
    let mut weekly: HashMap<(i64, &str, &str, i32), i64> = HashMap::new();
    for &u in units {
        for d in deltas {
            match d.week {
                None => *totals.entry((u, &d.group, d.metric)).or_default() += d.value * sign,
                Some(w) => *weekly.entry((u, &d.group, d.metric, w)).or_default() += d.value * sign,
            }
        }
    }
    add_totals(
        c,
        totals
            .into_iter()
            .map(|((u, g, m), v)| (u, g.to_owned(), m.to_owned(), v)),
    )
    .await?;
    add_weekly(
        c,
        weekly
            .into_iter()
            .map(|((u, g, m, w), v)| (u, g.to_owned(), m.to_owned(), w, v)),
    )
    .await
}

/// Upserts counter rows, adding to what is there.
pub(crate) async fn add_totals<C: ConnectionTrait>(
    c: &C,
    rows: impl Iterator<Item = (i64, String, String, i64)>,
) -> Result<()> {
    use unit_stat::Column as S;
    let rows = rows.map(|(u, g, m, v)| vec![u.into(), g.into(), m.into(), v.into()]);
    let key = [S::UnitId, S::GroupId, S::Metric];
    add_counts(c, unit_stat::Entity, &key, S::Value, rows.collect()).await
}

pub(crate) async fn add_weekly<C: ConnectionTrait>(
    c: &C,
    rows: impl Iterator<Item = (i64, String, String, i32, i64)>,
) -> Result<()> {
    use unit_weekly::Column as W;
    let rows = rows.map(|(u, g, m, w, v)| vec![u.into(), g.into(), m.into(), w.into(), v.into()]);
    let key = [W::UnitId, W::GroupId, W::Metric, W::Week];
    add_counts(c, unit_weekly::Entity, &key, W::Value, rows.collect()).await
}

/// Upserts rows of a counter table (`key` columns, then `value`), adding each row's value to
/// what the row with the same key holds. Rows go in statements of at most about 2,000 bound
/// values, well under what either database takes in one statement.
async fn add_counts<C: ConnectionTrait, E: EntityTrait>(
    c: &C,
    table: E,
    key: &[E::Column],
    value: E::Column,
    rows: Vec<Vec<sea_orm::Value>>,
) -> Result<()> {
    for chunk in rows.chunks(2000 / (key.len() + 1)) {
        let mut q = Query::insert();
        q.into_table(table)
            .columns(key.iter().copied().chain([value]));
        for row in chunk {
            q.values(row.iter().cloned().map(Into::into))
                .map_err(build_err)?;
        }
        q.on_conflict(
            OnConflict::columns(key.iter().copied())
                .value(
                    value,
                    Expr::col((table, value)).add(Expr::cust("excluded.value")),
                )
                .to_owned(),
        );
        c.execute(c.get_database_backend().build(&q)).await?;
    }
    Ok(())
}

/// Row locks for the before/after pattern below. Each `with_*_change` reads a state (a
/// household is digital, a mentor is at the bar, a person counts in these units), lets the
/// write happen, reads it again and moves the counters by the difference. Under PostgreSQL's
/// READ COMMITTED, two transactions doing that for the same household at once both read
/// "before" without the other's change and both add 1: the counter drifted above
/// `dashboard rebuild`. Locking the row the decision is about first (`SELECT … FOR UPDATE`)
/// makes them take turns, and the second then reads what the first committed. SQLite runs one
/// writer at a time, and sea-query leaves `FOR UPDATE` out of its SQL.
///
/// Lock order, everywhere: the household, then the mentor, then the person.
pub(crate) async fn lock_household<C: ConnectionTrait>(
    c: &C,
    household_id: i64,
) -> Result<Option<household::Model>> {
    Ok(household::Entity::find_by_id(household_id)
        .lock_exclusive()
        .one(c)
        .await?)
}

/// Locks a person's `learner_status` row (every account has one): the mentor's, for their
/// at-bar state; the member's, for the units they count in.
pub(crate) async fn lock_person<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<()> {
    learner_status::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(c)
        .await?;
    Ok(())
}

/// A person was added to or removed from units: the units they now count in gain their
/// contribution, the ones they no longer count in lose it. `change` does the write.
pub(crate) async fn with_membership_change<C, F, Fut>(
    c: &C,
    user_id: i64,
    change: F,
) -> Result<bool>
where
    C: ConnectionTrait,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    lock_person(c, user_id).await?;
    let before = counted_in(c, user_id).await?;
    if !change().await? {
        return Ok(false);
    }
    let after = counted_in(c, user_id).await?;
    let gained: BTreeSet<i64> = after.difference(&before).copied().collect();
    let lost: BTreeSet<i64> = before.difference(&after).copied().collect();
    if !gained.is_empty() || !lost.is_empty() {
        let deltas = contribution(c, user_id).await?;
        apply(c, &gained, &deltas, 1).await?;
        apply(c, &lost, &deltas, -1).await?;
    }
    Ok(true)
}

/// A mentor's at-bar state may change when `change` runs (a link added or removed, a mentee's
/// completion): the mentor's units follow.
pub(crate) async fn with_mentor_change<C, F, Fut, T>(c: &C, mentor_id: i64, change: F) -> Result<T>
where
    C: ConnectionTrait,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    lock_person(c, mentor_id).await?;
    let before = mentor_contribution(c, mentor_id).await?;
    let out = change().await?;
    let after = mentor_contribution(c, mentor_id).await?;
    if before != after {
        let units = counted_in(c, mentor_id).await?;
        apply(c, &units, &before, -1).await?;
        apply(c, &units, &after, 1).await?;
    }
    Ok(out)
}

/// A household's digital state may change when `change` runs.
pub(crate) async fn with_household_change<C, F, Fut, T>(
    c: &C,
    household_id: i64,
    change: F,
) -> Result<T>
where
    C: ConnectionTrait,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let household = lock_household(c, household_id).await?;
    let before = household_digital(c, household_id, None).await?;
    let out = change().await?;
    let after = household_digital(c, household_id, None).await?;
    if before != after {
        if let Some(h) = household {
            let units = ancestors(&parents(c).await?, [h.unit_id]);
            let sign = if after { 1 } else { -1 };
            apply(
                c,
                &units,
                &[Delta::total(ALL_GROUPS, DIGITAL_HOUSEHOLDS)],
                sign,
            )
            .await?;
        }
    }
    Ok(out)
}

pub(crate) async fn household_created<C: ConnectionTrait>(c: &C, unit_id: i64) -> Result<()> {
    let units = ancestors(&parents(c).await?, [unit_id]);
    apply(c, &units, &[Delta::total(ALL_GROUPS, HOUSEHOLDS)], 1).await
}

/// A role was granted: a new mentor counts as one in their units.
pub(crate) async fn role_granted<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    role: &str,
) -> Result<()> {
    if role != ROLE_MENTOR {
        return Ok(());
    }
    let units = counted_in(c, user_id).await?;
    apply(c, &units, &mentor_contribution(c, user_id).await?, 1).await
}

/// A learner's milestones: the course crate's rules decide them, the functions below record
/// them and take them back with the counters that count them.
pub use hocvuso_course::Milestones;

/// Runs `change` inside the mentor's and the household's before/after checks, when the learner
/// has them: whatever `change` does to the learner's milestones, the mentor's at-bar count and
/// the household's digital state follow.
async fn with_learner_change<C, F, Fut>(c: &C, user_id: i64, change: F) -> Result<()>
where
    C: ConnectionTrait,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let household = household_member::Entity::find_by_id(user_id).one(c).await?;
    let mentor = mentor_link::Entity::find_by_id(user_id).one(c).await?;
    // The household outside, the mentor inside: the lock order (see `lock_household`).
    let then_mentor = || async {
        match &mentor {
            Some(m) => with_mentor_change(c, m.mentor_id, change).await,
            None => change().await,
        }
    };
    match &household {
        Some(h) => with_household_change(c, h.household_id, then_mentor).await,
        None => then_mentor().await,
    }
}

/// Records the milestones `reached` that the learner does not have yet, at `at` (each once), and
/// updates every counter that depends on them: their units', their household's, their mentor's.
pub(crate) async fn record_milestones<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    reached: Milestones,
    at: OffsetDateTime,
) -> Result<()> {
    let Some(status) = learner_status::Entity::find_by_id(user_id).one(c).await? else {
        return Ok(());
    };
    let group = status.group_id.clone().unwrap_or_default();
    let week = week_of(at);
    let new_path = reached.path && status.path_completed_at.is_none();
    let new_cert = reached.certified && status.certified_at.is_none();
    let new_citizen = reached.citizen_path && status.citizen_path_at.is_none();
    if !(new_path || new_cert || new_citizen) {
        return Ok(());
    }
    let mut update =
        learner_status::Entity::update_many().filter(learner_status::Column::UserId.eq(user_id));
    if new_path {
        update = update
            .col_expr(learner_status::Column::PathCompletedAt, Expr::value(at))
            .col_expr(learner_status::Column::PathWeek, Expr::value(week));
    }
    if new_cert {
        update = update
            .col_expr(learner_status::Column::CertifiedAt, Expr::value(at))
            .col_expr(learner_status::Column::CertifiedWeek, Expr::value(week));
    }
    if new_citizen {
        update = update.col_expr(learner_status::Column::CitizenPathAt, Expr::value(at));
    }
    // The completion's transaction holds the learner's row (their completion was just
    // inserted), so the status read above is still the one this update changes.
    with_learner_change(c, user_id, || async {
        update.exec(c).await?;
        Ok(())
    })
    .await?;
    let mut deltas = Vec::new();
    if !group.is_empty() {
        if new_path {
            deltas.push(Delta::total(&group, PATH_COMPLETED));
            deltas.push(Delta::weekly(&group, PATH_COMPLETED, week));
        }
        if new_cert {
            deltas.push(Delta::total(&group, CERTIFIED));
            deltas.push(Delta::weekly(&group, CERTIFIED, week));
        }
    }
    if !deltas.is_empty() {
        let units = counted_in(c, user_id).await?;
        apply(c, &units, &deltas, 1).await?;
    }
    Ok(())
}

/// Takes back the milestones `lost` (a revoked completion was needed for them) that the learner
/// has, and removes them from every counter that counted them, in the weeks they were counted.
pub(crate) async fn take_back_milestones<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    lost: Milestones,
) -> Result<()> {
    let Some(status) = learner_status::Entity::find_by_id(user_id).one(c).await? else {
        return Ok(());
    };
    let group = status.group_id.clone().unwrap_or_default();
    let path_week = status
        .path_week
        .filter(|_| lost.path && status.path_completed_at.is_some());
    let cert_week = status
        .certified_week
        .filter(|_| lost.certified && status.certified_at.is_some());
    let citizen = lost.citizen_path && status.citizen_path_at.is_some();
    let mut update =
        learner_status::Entity::update_many().filter(learner_status::Column::UserId.eq(user_id));
    let mut any = citizen;
    // Each milestone lost is cleared with the week it was counted in.
    for (clear, at, week) in [
        (
            lost.path && status.path_completed_at.is_some(),
            learner_status::Column::PathCompletedAt,
            learner_status::Column::PathWeek,
        ),
        (
            lost.certified && status.certified_at.is_some(),
            learner_status::Column::CertifiedAt,
            learner_status::Column::CertifiedWeek,
        ),
    ] {
        if clear {
            update = update
                .col_expr(at, Expr::value(Option::<OffsetDateTime>::None))
                .col_expr(week, Expr::value(Option::<i32>::None));
            any = true;
        }
    }
    if citizen {
        update = update.col_expr(
            learner_status::Column::CitizenPathAt,
            Expr::value(Option::<OffsetDateTime>::None),
        );
    }
    if !any {
        return Ok(());
    }
    with_learner_change(c, user_id, || async {
        update.exec(c).await?;
        Ok(())
    })
    .await?;
    let mut deltas = Vec::new();
    if !group.is_empty() {
        if let Some(w) = path_week {
            deltas.push(Delta::total(&group, PATH_COMPLETED));
            deltas.push(Delta::weekly(&group, PATH_COMPLETED, w));
        }
        if let Some(w) = cert_week {
            deltas.push(Delta::total(&group, CERTIFIED));
            deltas.push(Delta::weekly(&group, CERTIFIED, w));
        }
    }
    if !deltas.is_empty() {
        let units = counted_in(c, user_id).await?;
        apply(c, &units, &deltas, -1).await?;
    }
    Ok(())
}

async fn pairs<C: ConnectionTrait>(c: &C, sql: &str) -> Result<Vec<(i64, i64)>> {
    let rows = c
        .query_all(Statement::from_string(
            c.get_database_backend(),
            sql.to_owned(),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?)))
        .collect()
}

impl Store {
    /// Recomputes every dashboard counter from the base tables, in one transaction. Used after
    /// bulk loads (`hocvuso dev seed`, imports of old data) and by `hocvuso dashboard rebuild`.
    pub async fn rebuild_aggregates(&self) -> Result<()> {
        let tx = self.begin_write().await?;
        let parents = parents(&tx).await?;
        let mut closure: HashMap<i64, Vec<i64>> = HashMap::new();
        for &u in parents.keys() {
            closure.insert(u, ancestors(&parents, [u]).into_iter().collect());
        }
        let mut counted: HashMap<i64, Vec<i64>> = HashMap::new();
        for (user, unit) in pairs(&tx, "SELECT user_id, unit_id FROM unit_members").await? {
            let e = counted.entry(user).or_default();
            e.extend(closure.get(&unit).into_iter().flatten().copied());
        }
        for v in counted.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        let mut totals: HashMap<(i64, String, &'static str), i64> = HashMap::new();
        let mut weekly: HashMap<(i64, String, &'static str, i32), i64> = HashMap::new();
        let statuses = learner_status::Entity::find()
            .select_only()
            .column(learner_status::Column::UserId)
            .column(learner_status::Column::GroupId)
            .column(learner_status::Column::PathWeek)
            .column(learner_status::Column::CertifiedWeek)
            .column(learner_status::Column::CitizenPathAt)
            .into_tuple::<(
                i64,
                Option<String>,
                Option<i32>,
                Option<i32>,
                Option<OffsetDateTime>,
            )>()
            .all(&tx)
            .await?;
        let mut path_done: BTreeSet<i64> = BTreeSet::new();
        let mut citizen_done: BTreeSet<i64> = BTreeSet::new();
        for (user, group, path, cert, citizen) in statuses {
            if path.is_some() {
                path_done.insert(user);
            }
            if citizen.is_some() {
                citizen_done.insert(user);
            }
            let (Some(units), Some(g)) = (counted.get(&user), group) else {
                continue;
            };
            for &u in units {
                *totals.entry((u, g.clone(), MEMBERS)).or_default() += 1;
                if let Some(w) = path {
                    *totals.entry((u, g.clone(), PATH_COMPLETED)).or_default() += 1;
                    *weekly.entry((u, g.clone(), PATH_COMPLETED, w)).or_default() += 1;
                }
                if let Some(w) = cert {
                    *totals.entry((u, g.clone(), CERTIFIED)).or_default() += 1;
                    *weekly.entry((u, g.clone(), CERTIFIED, w)).or_default() += 1;
                }
            }
        }
        let mut completed_by_mentor: HashMap<i64, u64> = HashMap::new();
        for (mentee, mentor) in pairs(&tx, "SELECT mentee_id, mentor_id FROM mentor_links").await? {
            if path_done.contains(&mentee) {
                *completed_by_mentor.entry(mentor).or_default() += 1;
            }
        }
        let mentors = user_role::Entity::find()
            .select_only()
            .column(user_role::Column::UserId)
            .filter(user_role::Column::Role.eq(ROLE_MENTOR))
            .into_tuple::<i64>()
            .all(&tx)
            .await?;
        for m in mentors {
            let at_bar = completed_by_mentor.get(&m).copied().unwrap_or(0) >= MENTOR_BAR;
            for &u in counted.get(&m).into_iter().flatten() {
                *totals.entry((u, ALL_GROUPS.into(), MENTORS)).or_default() += 1;
                if at_bar {
                    *totals
                        .entry((u, ALL_GROUPS.into(), MENTORS_AT_BAR))
                        .or_default() += 1;
                }
            }
        }
        let mut digital: BTreeSet<i64> = BTreeSet::new();
        for (user, household) in
            pairs(&tx, "SELECT user_id, household_id FROM household_members").await?
        {
            if citizen_done.contains(&user) {
                digital.insert(household);
            }
        }
        for (h, unit) in pairs(&tx, "SELECT id, unit_id FROM households").await? {
            for &u in closure.get(&unit).into_iter().flatten() {
                *totals
                    .entry((u, ALL_GROUPS.into(), HOUSEHOLDS))
                    .or_default() += 1;
                if digital.contains(&h) {
                    *totals
                        .entry((u, ALL_GROUPS.into(), DIGITAL_HOUSEHOLDS))
                        .or_default() += 1;
                }
            }
        }
        unit_stat::Entity::delete_many().exec(&tx).await?;
        unit_weekly::Entity::delete_many().exec(&tx).await?;
        add_totals(
            &tx,
            totals
                .into_iter()
                .map(|((u, g, m), v)| (u, g, m.to_owned(), v)),
        )
        .await?;
        add_weekly(
            &tx,
            weekly
                .into_iter()
                .map(|((u, g, m, w), v)| (u, g, m.to_owned(), w, v)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The counters of some units (each including everything below it).
    pub async fn unit_stats(&self, unit_ids: &[i64]) -> Result<Vec<unit_stat::Model>> {
        let mut out = Vec::new();
        for chunk in unit_ids.chunks(500) {
            out.extend(
                unit_stat::Entity::find()
                    .filter(unit_stat::Column::UnitId.is_in(chunk.to_vec()))
                    .all(&self.db)
                    .await?,
            );
        }
        Ok(out)
    }

    /// A unit's weekly counts from `since_week` on (and the totals before it are the unit's
    /// counter minus these).
    pub async fn unit_weekly(
        &self,
        unit_id: i64,
        since_week: i32,
    ) -> Result<Vec<unit_weekly::Model>> {
        Ok(unit_weekly::Entity::find()
            .filter(unit_weekly::Column::UnitId.eq(unit_id))
            .filter(unit_weekly::Column::Week.gte(since_week))
            .all(&self.db)
            .await?)
    }

    /// A learner's milestones (path completed, certified), if any.
    pub async fn learner_status(&self, user_id: i64) -> Result<Option<learner_status::Model>> {
        Ok(learner_status::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?)
    }
}

impl Store {
    /// Brings every learner's milestones (path completed, certified, citizen path) in line with
    /// their completions: records those the completions show but the status lacks (after an
    /// upgrade, or a change of a group's path), and takes back those a revoked completion was
    /// needed for (revocations made before revocations lowered the counters). Revoked
    /// completions count for nothing. A milestone otherwise stays: it is a fact about the path
    /// as it was. The counters are not touched: `rebuild_aggregates` follows. Returns how many
    /// learners changed.
    pub async fn rebuild_milestones(&self, groups: &[hocvuso_course::Group]) -> Result<u64> {
        use crate::entity::course_completion;
        use sea_orm::QueryOrder;
        let rows = course_completion::Entity::find()
            .select_only()
            .column(course_completion::Column::UserId)
            .column(course_completion::Column::CourseId)
            .column(course_completion::Column::CompletedAt)
            .column(course_completion::Column::RevokedAt)
            .order_by_asc(course_completion::Column::UserId)
            .into_tuple::<(i64, String, OffsetDateTime, Option<OffsetDateTime>)>()
            .all(&self.db)
            .await?;
        #[derive(Default)]
        struct Done {
            valid: Vec<(String, OffsetDateTime)>,
            revoked: Vec<String>,
        }
        let mut by_user: HashMap<i64, Done> = HashMap::new();
        for (u, c, at, revoked) in rows {
            let d = by_user.entry(u).or_default();
            match revoked {
                None => d.valid.push((c, at)),
                Some(_) => d.revoked.push(c),
            }
        }
        let citizen = groups
            .iter()
            .find(|g| g.id == hocvuso_course::CITIZEN_GROUP);
        let path_at = |group: &hocvuso_course::Group, done: &Done| {
            done.valid
                .iter()
                .filter(|(c, _)| group.path.contains(c))
                .map(|(_, t)| *t)
                .max()
        };
        let mut changed = 0;
        for (user, done) in by_user {
            let Some(status) = learner_status::Entity::find_by_id(user)
                .one(&self.db)
                .await?
            else {
                continue;
            };
            let group = status
                .group_id
                .as_deref()
                .and_then(|g| groups.iter().find(|x| x.id == g));
            let set: BTreeSet<String> = done.valid.iter().map(|(c, _)| c.clone()).collect();
            let reached = Milestones::reached(group, citizen, &set);
            // What the revocations the counters may never have seen took back (a course
            // completed again since is not lost).
            let lost = done
                .revoked
                .iter()
                .filter(|r| !set.contains(*r))
                .map(|r| Milestones::lost_by_revoking(group, citizen, r, &set))
                .fold(Milestones::default(), Milestones::or);
            let none_at = Expr::value(Option::<OffsetDateTime>::None);
            let none_week = Expr::value(Option::<i32>::None);
            let mut update = learner_status::Entity::update_many()
                .filter(learner_status::Column::UserId.eq(user));
            let mut any = false;
            if status.path_completed_at.is_none() {
                if let Some(at) = group
                    .filter(|_| reached.path)
                    .and_then(|g| path_at(g, &done))
                {
                    update = update
                        .col_expr(learner_status::Column::PathCompletedAt, Expr::value(at))
                        .col_expr(learner_status::Column::PathWeek, Expr::value(week_of(at)));
                    any = true;
                }
            } else if lost.path {
                update = update
                    .col_expr(learner_status::Column::PathCompletedAt, none_at.clone())
                    .col_expr(learner_status::Column::PathWeek, none_week.clone());
                any = true;
            }
            let certifying = group.and_then(|g| g.certifying_course());
            if status.certified_at.is_none() {
                if let Some(at) = certifying
                    .and_then(|c| done.valid.iter().find(|(x, _)| x == c))
                    .map(|(_, t)| *t)
                {
                    update = update
                        .col_expr(learner_status::Column::CertifiedAt, Expr::value(at))
                        .col_expr(
                            learner_status::Column::CertifiedWeek,
                            Expr::value(week_of(at)),
                        );
                    any = true;
                }
            } else if lost.certified {
                update = update
                    .col_expr(learner_status::Column::CertifiedAt, none_at.clone())
                    .col_expr(learner_status::Column::CertifiedWeek, none_week);
                any = true;
            }
            if status.citizen_path_at.is_none() {
                if let Some(at) = citizen
                    .filter(|_| reached.citizen_path)
                    .and_then(|g| path_at(g, &done))
                {
                    update =
                        update.col_expr(learner_status::Column::CitizenPathAt, Expr::value(at));
                    any = true;
                }
            } else if lost.citizen_path {
                update = update.col_expr(learner_status::Column::CitizenPathAt, none_at);
                any = true;
            }
            if any {
                let _turn = self.turn().await;
                update.exec(&self.db).await?;
                changed += 1;
            }
        }
        Ok(changed)
    }
}
