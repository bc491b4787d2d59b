use sea_orm::entity::prelude::*;

/// A learner's attempt at a practice task (`migrations/…_practice_tasks.rs`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "task_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub task_id: String,
    pub content_version: String,
    /// `in_progress` until every step is done, then `graded`.
    pub state: String,
    pub started_at: TimeDateTimeWithTimeZone,
    pub finished_at: Option<TimeDateTimeWithTimeZone>,
    /// Steps right at the first try, in percent.
    #[sea_orm(column_type = "Double", nullable)]
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
