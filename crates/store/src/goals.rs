//! A learner's weekly goal (`weekly_goals`): lessons or minutes per week. The store keeps the
//! kind and the target as given; what counts towards them (and the week's bounds) is the
//! server's to decide. Progress is counted from `lesson_completions`, never stored.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use time::OffsetDateTime;

use crate::entity::{lesson_completion, weekly_goal};
use crate::instant::utc;
use crate::{Result, Store};

/// What a learner set: `kind` is `lessons` or `minutes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyGoal {
    pub kind: String,
    pub target: i32,
}

impl Store {
    /// The learner's weekly goal, if they set one.
    pub async fn weekly_goal(&self, user_id: i64) -> Result<Option<WeeklyGoal>> {
        Ok(weekly_goal::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|m| WeeklyGoal {
                kind: m.kind,
                target: m.target,
            }))
    }

    /// Sets (or replaces) the learner's weekly goal: one statement, never half-written.
    pub async fn set_weekly_goal(
        &self,
        user_id: i64,
        goal: &WeeklyGoal,
        at: OffsetDateTime,
    ) -> Result<()> {
        use weekly_goal::Column as C;
        let _turn = self.turn().await;
        weekly_goal::Entity::insert(weekly_goal::ActiveModel {
            user_id: Set(user_id),
            kind: Set(goal.kind.clone()),
            target: Set(goal.target),
            updated_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(C::UserId)
                .update_columns([C::Kind, C::Target, C::UpdatedAt])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Removes the learner's weekly goal (nothing happens when there is none).
    pub async fn clear_weekly_goal(&self, user_id: i64) -> Result<()> {
        let _turn = self.turn().await;
        weekly_goal::Entity::delete_by_id(user_id)
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The lessons (course, lesson) the learner read for the first time in `[from, to)`.
    pub async fn lessons_completed_between(
        &self,
        user_id: i64,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, String)>> {
        use lesson_completion::Column as C;
        // A week starts at midnight in Vietnam (+07:00): see `instant` for why bounds are UTC.
        let (from, to) = (utc(from), utc(to));
        Ok(lesson_completion::Entity::find()
            .select_only()
            .column(C::CourseId)
            .column(C::LessonId)
            .filter(C::UserId.eq(user_id))
            .filter(C::CompletedAt.gte(from))
            .filter(C::CompletedAt.lt(to))
            .into_tuple::<(String, String)>()
            .all(&self.db)
            .await?)
    }
}
