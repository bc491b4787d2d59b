//! Courses assigned to a unit (and optionally one group in it) with a due date, and the
//! learner's notifications (new assignments, reminders).

use std::collections::{BTreeSet, HashMap};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::entity::{assignment, course_completion, learner_status, notification, unit_member};
use crate::instant::utc;
use crate::{Result, Store, StoreError};

pub use crate::entity::assignment::Model as Assignment;
pub use crate::entity::notification::Model as Notification;

pub struct NewAssignment {
    pub course_id: String,
    pub unit_id: i64,
    pub group: Option<String>,
    pub due_at: OffsetDateTime,
    pub assigned_by: i64,
}

/// One assigned person and whether (when) they completed the course.
#[derive(Debug, Clone)]
pub struct AssignedPerson {
    pub user_id: i64,
    pub completed_at: Option<OffsetDateTime>,
}

async fn assigned_ids<C: ConnectionTrait>(
    c: &C,
    unit_ids: &[i64],
    group: Option<&str>,
) -> Result<Vec<i64>> {
    let members = Query::select()
        .column(unit_member::Column::UserId)
        .from(unit_member::Entity)
        .and_where(Expr::col(unit_member::Column::UnitId).is_in(unit_ids.to_vec()))
        .to_owned();
    let mut q = learner_status::Entity::find()
        .select_only()
        .column(learner_status::Column::UserId)
        .filter(learner_status::Column::UserId.in_subquery(members));
    if let Some(g) = group {
        q = q.filter(learner_status::Column::GroupId.eq(g));
    }
    Ok(q.order_by_asc(learner_status::Column::UserId)
        .into_tuple::<i64>()
        .all(c)
        .await?)
}

async fn notify_in<C: ConnectionTrait>(
    c: &C,
    user_ids: &[i64],
    kind: &str,
    a: &Assignment,
    at: OffsetDateTime,
) -> Result<()> {
    for chunk in user_ids.chunks(500) {
        let mut q = Query::insert();
        q.into_table(notification::Entity).columns([
            notification::Column::UserId,
            notification::Column::Kind,
            notification::Column::AssignmentId,
            notification::Column::CourseId,
            notification::Column::DueAt,
            notification::Column::CreatedAt,
        ]);
        for u in chunk {
            q.values([
                (*u).into(),
                kind.into(),
                a.id.into(),
                a.course_id.clone().into(),
                a.due_at.into(),
                at.into(),
            ])
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        c.execute(c.get_database_backend().build(&q)).await?;
    }
    Ok(())
}

impl Store {
    /// Creates an assignment for the people of `unit_ids` (the unit and everything below it,
    /// computed by the caller from the tree) and tells each of them, in one transaction. Returns
    /// the assignment and the people it reached.
    pub async fn create_assignment(
        &self,
        new: NewAssignment,
        unit_ids: &[i64],
        at: OffsetDateTime,
    ) -> Result<(Assignment, Vec<i64>)> {
        let tx = self.begin_write().await?;
        let a = assignment::ActiveModel {
            course_id: Set(new.course_id),
            unit_id: Set(new.unit_id),
            group_id: Set(new.group.clone()),
            due_at: Set(utc(new.due_at)),
            assigned_by: Set(new.assigned_by),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let people = assigned_ids(&tx, unit_ids, new.group.as_deref()).await?;
        notify_in(&tx, &people, "assigned", &a, at).await?;
        tx.commit().await?;
        Ok((a, people))
    }

    pub async fn assignment(&self, id: i64) -> Result<Option<Assignment>> {
        Ok(assignment::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Assignments made to any of `unit_ids`, soonest due first.
    pub async fn assignments_for_units(&self, unit_ids: &[i64]) -> Result<Vec<Assignment>> {
        Ok(assignment::Entity::find()
            .filter(assignment::Column::UnitId.is_in(unit_ids.to_vec()))
            .order_by_asc(assignment::Column::DueAt)
            .all(&self.db)
            .await?)
    }

    /// Everyone an assignment covers (the people of `unit_ids`, of its group if it has one),
    /// with their completion of the course.
    pub async fn assigned_people(
        &self,
        a: &Assignment,
        unit_ids: &[i64],
    ) -> Result<Vec<AssignedPerson>> {
        let ids = assigned_ids(&self.db, unit_ids, a.group_id.as_deref()).await?;
        let mut done: HashMap<i64, OffsetDateTime> = HashMap::new();
        for chunk in ids.chunks(500) {
            for c in course_completion::Entity::find()
                .filter(course_completion::Column::CourseId.eq(a.course_id.clone()))
                .filter(course_completion::Column::UserId.is_in(chunk.to_vec()))
                .all(&self.db)
                .await?
            {
                done.insert(c.user_id, c.completed_at);
            }
        }
        Ok(ids
            .into_iter()
            .map(|id| AssignedPerson {
                user_id: id,
                completed_at: done.get(&id).copied(),
            })
            .collect())
    }

    /// Assignments that reach a person: made to one of `unit_ids` (their units and everything
    /// above them), for everyone or for their group.
    pub async fn assignments_reaching(
        &self,
        unit_ids: &BTreeSet<i64>,
        group: Option<&str>,
    ) -> Result<Vec<Assignment>> {
        let all = self
            .assignments_for_units(&unit_ids.iter().copied().collect::<Vec<_>>())
            .await?;
        Ok(all
            .into_iter()
            .filter(|a| a.group_id.is_none() || a.group_id.as_deref() == group)
            .collect())
    }

    /// Sends a reminder about an assignment to some people, in one transaction.
    pub async fn remind(&self, a: &Assignment, user_ids: &[i64], at: OffsetDateTime) -> Result<()> {
        let tx = self.begin_write().await?;
        notify_in(&tx, user_ids, "reminder", a, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's latest notifications, newest first.
    pub async fn notifications(&self, user_id: i64, limit: u64) -> Result<Vec<Notification>> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::CreatedAt)
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Tells a learner an instructor graded their essays in a course.
    pub async fn notify_graded(
        &self,
        user_id: i64,
        course_id: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        notification::ActiveModel {
            user_id: Set(user_id),
            kind: Set("graded".to_owned()),
            assignment_id: Set(None),
            course_id: Set(Some(course_id.to_owned())),
            due_at: Set(None),
            created_at: Set(at),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<u64> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(&self.db)
            .await?)
    }

    pub async fn mark_notifications_read(&self, user_id: i64, at: OffsetDateTime) -> Result<()> {
        let _turn = self.turn().await;
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(at))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
