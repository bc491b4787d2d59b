use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "studio_drafts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_id: String,
    pub revision: i64,
    pub status: String,
    pub base_commit: String,
    pub submitted_by: Option<i64>,
    pub reviewer_id: Option<i64>,
    pub review_comment: Option<String>,
    pub message: Option<String>,
    pub updated_by: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
