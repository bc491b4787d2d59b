//! Units (a tree: province → ward → tổ dân phố; agencies, schools, enterprises and cooperatives
//! under the ward), who belongs to them, who manages them, how many people are eligible in them
//! (the dashboard's denominators), and the year's targets.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::aggregates::with_membership_change;
use crate::entity::{
    household, household_member, learner_status, target, unit, unit_eligible, unit_manager,
    unit_member, unit_target, user, user_role,
};
use crate::{fold_name, Result, Store, StoreError};

pub const UNIT_KINDS: [&str; 7] = [
    "province",
    "ward",
    "neighbourhood",
    "agency",
    "school",
    "enterprise",
    "cooperative",
];
pub const ROLE_MANAGER: &str = "manager";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
}

impl From<unit::Model> for Unit {
    fn from(m: unit::Model) -> Self {
        Self {
            id: m.id,
            parent_id: m.parent_id,
            code: m.code,
            name: m.name,
            kind: m.kind,
        }
    }
}

pub struct NewUnit {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// One person in a unit's list, with their milestones.
#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub group: Option<String>,
    pub birth_year: Option<i32>,
    pub path_completed_at: Option<OffsetDateTime>,
    pub certified_at: Option<OffsetDateTime>,
    pub household: Option<String>,
    /// False for an imported account nobody has signed in with yet (no password).
    pub active: bool,
    /// Already a mentor ("Đại sứ số"): not offered the role again.
    pub is_mentor: bool,
}

/// A unit's own target for a group and a year: how many people it plans to bring through
/// their path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTarget {
    pub unit_id: i64,
    pub year: i32,
    pub group_id: String,
    pub people: i64,
}

/// `%` and `_` taken literally in a LIKE pattern (escaped with `\`).
fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Every unit's own targets for a year, by (unit, group).
    pub async fn unit_targets(&self, year: i32) -> Result<HashMap<(i64, String), i64>> {
        Ok(unit_target::Entity::find()
            .filter(unit_target::Column::Year.eq(year))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| ((t.unit_id, t.group_id), t.people))
            .collect())
    }

    /// Sets (`Some`) or clears (`None`) a unit's targets for a year, group by group, all in one
    /// transaction.
    pub async fn set_unit_targets(
        &self,
        unit_id: i64,
        year: i32,
        targets: &[(String, Option<i64>)],
        by: i64,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        for (group, people) in targets {
            match people {
                Some(n) => {
                    unit_target::Entity::insert(unit_target::ActiveModel {
                        unit_id: Set(unit_id),
                        year: Set(year),
                        group_id: Set(group.clone()),
                        people: Set(*n),
                        set_by: Set(Some(by)),
                        set_at: Set(at),
                    })
                    .on_conflict(
                        OnConflict::columns([
                            unit_target::Column::UnitId,
                            unit_target::Column::Year,
                            unit_target::Column::GroupId,
                        ])
                        .update_columns([
                            unit_target::Column::People,
                            unit_target::Column::SetBy,
                            unit_target::Column::SetAt,
                        ])
                        .to_owned(),
                    )
                    .exec(&tx)
                    .await?;
                }
                None => {
                    unit_target::Entity::delete_many()
                        .filter(unit_target::Column::UnitId.eq(unit_id))
                        .filter(unit_target::Column::Year.eq(year))
                        .filter(unit_target::Column::GroupId.eq(group.as_str()))
                        .exec(&tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// People of some units whose name, folded (`fold_name`), contains the folded `query`, or
    /// whose username starts with it; by name, at most `limit`. The units' memberships narrow
    /// the search first (an index), then the folded names (`idx_users_name_fold`).
    pub async fn search_people_in(
        &self,
        unit_ids: &[i64],
        query: &str,
        limit: u64,
    ) -> Result<Vec<PersonRow>> {
        let folded = fold_name(query);
        if folded.is_empty() || unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let members = Query::select()
            .column(unit_member::Column::UserId)
            .from(unit_member::Entity)
            .and_where(Expr::col(unit_member::Column::UnitId).is_in(unit_ids.to_vec()))
            .to_owned();
        let name_like = format!("%{}%", like_literal(&folded));
        let user_like = format!(
            "{}%",
            like_literal(&crate::people::username_key(query.trim()))
        );
        let ids: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.in_subquery(members))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        Expr::col(user::Column::NameFold)
                            .like(sea_orm::sea_query::LikeExpr::new(name_like).escape('\\')),
                    )
                    .add(
                        Expr::col(user::Column::UsernameKey)
                            .like(sea_orm::sea_query::LikeExpr::new(user_like).escape('\\')),
                    ),
            )
            .order_by_asc(user::Column::NameFold)
            .order_by_asc(user::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut rows = self.people_by_ids(&ids).await?;
        let order: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }

    pub async fn create_unit(&self, new: NewUnit, at: OffsetDateTime) -> Result<Unit> {
        if let Some(p) = new.parent_id {
            if unit::Entity::find_by_id(p).one(&self.db).await?.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        let _turn = self.turn().await;
        let m = unit::ActiveModel {
            parent_id: Set(new.parent_id),
            code: Set(new.code),
            name: Set(new.name),
            kind: Set(new.kind),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "unit_code"))?;
        Ok(m.into())
    }

    /// Every unit, in creation order. Units are few (hundreds), so the tree is walked in memory.
    pub async fn units(&self) -> Result<Vec<Unit>> {
        Ok(unit::Entity::find()
            .order_by_asc(unit::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Unit::from)
            .collect())
    }

    /// The units a person belongs to directly.
    pub async fn user_units(&self, user_id: i64) -> Result<Vec<i64>> {
        crate::aggregates::user_units(&self.db, user_id).await
    }

    /// Adds a person to a unit (idempotent: false when they were already in it).
    pub async fn add_member(&self, user_id: i64, unit_id: i64) -> Result<bool> {
        let tx = self.begin_write().await?;
        let added = add_member_in(&tx, user_id, unit_id).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn remove_member(&self, user_id: i64, unit_id: i64) -> Result<bool> {
        let tx = self.begin_write().await?;
        let removed = with_membership_change(&tx, user_id, || async {
            let r = unit_member::Entity::delete_many()
                .filter(unit_member::Column::UserId.eq(user_id))
                .filter(unit_member::Column::UnitId.eq(unit_id))
                .exec(&tx)
                .await?;
            Ok(r.rows_affected > 0)
        })
        .await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The units a person manages (each with everything below it).
    pub async fn managed_units(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(unit_manager::Entity::find()
            .select_only()
            .column(unit_manager::Column::UnitId)
            .filter(unit_manager::Column::UserId.eq(user_id))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?)
    }

    /// Makes a person a manager of a unit (and gives them the manager role), in one transaction.
    pub async fn add_manager(&self, user_id: i64, unit_id: i64) -> Result<()> {
        let tx = self.begin_write().await?;
        unit_manager::Entity::insert(unit_manager::ActiveModel {
            user_id: Set(user_id),
            unit_id: Set(unit_id),
        })
        .on_conflict(
            OnConflict::columns([unit_manager::Column::UserId, unit_manager::Column::UnitId])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(&tx)
        .await?;
        user_role::Entity::insert(user_role::ActiveModel {
            user_id: Set(user_id),
            role: Set(ROLE_MANAGER.to_owned()),
        })
        .on_conflict(
            OnConflict::columns([user_role::Column::UserId, user_role::Column::Role])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(&tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets how many people of a group are eligible in a unit (the dashboard's denominator).
    pub async fn set_eligible(&self, unit_id: i64, group: &str, eligible: i64) -> Result<()> {
        let _turn = self.turn().await;
        unit_eligible::Entity::insert(unit_eligible::ActiveModel {
            unit_id: Set(unit_id),
            group_id: Set(group.to_owned()),
            eligible: Set(eligible),
        })
        .on_conflict(
            OnConflict::columns([
                unit_eligible::Column::UnitId,
                unit_eligible::Column::GroupId,
            ])
            .update_column(unit_eligible::Column::Eligible)
            .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Every declared denominator, by unit and group.
    pub async fn eligible(&self) -> Result<HashMap<(i64, String), i64>> {
        Ok(unit_eligible::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| ((e.unit_id, e.group_id), e.eligible))
            .collect())
    }

    /// Whether a person belongs to any of `unit_ids`.
    pub async fn is_member_of_any(&self, user_id: i64, unit_ids: &[i64]) -> Result<bool> {
        Ok(unit_member::Entity::find()
            .filter(unit_member::Column::UserId.eq(user_id))
            .filter(unit_member::Column::UnitId.is_in(unit_ids.to_vec()))
            .count(&self.db)
            .await?
            > 0)
    }

    /// The distinct people of some units who belong to a learner group, by id, a page at a
    /// time. Their number is the units' `members` counter, so it is not counted here.
    pub async fn people_in(
        &self,
        unit_ids: &[i64],
        group: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<PersonRow>> {
        let members = Query::select()
            .column(unit_member::Column::UserId)
            .from(unit_member::Entity)
            .and_where(Expr::col(unit_member::Column::UnitId).is_in(unit_ids.to_vec()))
            .to_owned();
        let mut q = learner_status::Entity::find()
            .filter(learner_status::Column::UserId.in_subquery(members))
            .filter(learner_status::Column::GroupId.is_not_null());
        if let Some(g) = group {
            q = q.filter(learner_status::Column::GroupId.eq(g));
        }
        let statuses = q
            .order_by_asc(learner_status::Column::UserId)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = statuses.iter().map(|s| s.user_id).collect();
        self.person_rows(statuses, &ids).await
    }

    /// People by id, with their milestones.
    pub async fn people_by_ids(&self, ids: &[i64]) -> Result<Vec<PersonRow>> {
        let mut statuses = Vec::new();
        for chunk in ids.chunks(500) {
            statuses.extend(
                learner_status::Entity::find()
                    .filter(learner_status::Column::UserId.is_in(chunk.to_vec()))
                    .order_by_asc(learner_status::Column::UserId)
                    .all(&self.db)
                    .await?,
            );
        }
        self.person_rows(statuses, ids).await
    }

    pub(crate) async fn person_rows(
        &self,
        statuses: Vec<learner_status::Model>,
        ids: &[i64],
    ) -> Result<Vec<PersonRow>> {
        let users: HashMap<i64, crate::User> = self
            .users_by_ids(ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut households: HashMap<i64, String> = HashMap::new();
        for chunk in ids.chunks(500) {
            let links = household_member::Entity::find()
                .filter(household_member::Column::UserId.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?;
            let hids: Vec<i64> = links.iter().map(|l| l.household_id).collect();
            let codes: HashMap<i64, String> = household::Entity::find()
                .filter(household::Column::Id.is_in(hids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|h| (h.id, h.code))
                .collect();
            for l in links {
                if let Some(c) = codes.get(&l.household_id) {
                    households.insert(l.user_id, c.clone());
                }
            }
        }
        Ok(statuses
            .into_iter()
            .filter_map(|s| {
                let u = users.get(&s.user_id)?;
                Some(PersonRow {
                    id: u.id,
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    group: u.group.clone(),
                    birth_year: u.birth_year,
                    path_completed_at: s.path_completed_at,
                    certified_at: s.certified_at,
                    household: households.get(&u.id).cloned(),
                    active: u.password_hash != crate::people::NO_PASSWORD,
                    is_mentor: u.has_role(crate::aggregates::ROLE_MENTOR),
                })
            })
            .collect())
    }

    /// The targets set for a year: (group or "*", metric) → percent.
    pub async fn targets(&self, year: i32) -> Result<BTreeMap<(String, String), f64>> {
        Ok(target::Entity::find()
            .filter(target::Column::Year.eq(year))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| ((t.group_id, t.metric), t.percent))
            .collect())
    }

    /// Sets targets `(year, group or "*", metric, percent)`, all or none: one transaction.
    pub async fn set_targets(&self, targets: &[(i32, &str, &str, f64)]) -> Result<()> {
        let tx = self.begin_write().await?;
        for &(year, group, metric, percent) in targets {
            target::Entity::insert(target::ActiveModel {
                year: Set(year),
                group_id: Set(group.to_owned()),
                metric: Set(metric.to_owned()),
                percent: Set(percent),
            })
            .on_conflict(
                OnConflict::columns([
                    target::Column::Year,
                    target::Column::GroupId,
                    target::Column::Metric,
                ])
                .update_column(target::Column::Percent)
                .to_owned(),
            )
            .exec(&tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn add_member_in<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: i64,
    unit_id: i64,
) -> Result<bool> {
    with_membership_change(c, user_id, || async {
        let r = unit_member::Entity::insert(unit_member::ActiveModel {
            user_id: Set(user_id),
            unit_id: Set(unit_id),
        })
        .on_conflict(
            OnConflict::columns([unit_member::Column::UserId, unit_member::Column::UnitId])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(c)
        .await?;
        Ok(matches!(r, sea_orm::TryInsertResult::Inserted(_)))
    })
    .await
}
