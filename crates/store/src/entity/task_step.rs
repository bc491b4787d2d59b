use sea_orm::entity::prelude::*;

/// Append-only history of a task attempt: `start`, then one `answer` per answer with its grade.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "task_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub attempt_id: String,
    pub seq: i32,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
