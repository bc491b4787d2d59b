use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "path_certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub certificate_id: String,
    pub user_id: i64,
    pub group_id: String,
    pub course_id: String,
    pub quiz_id: String,
    pub attempt_id: String,
    pub content_version: String,
    pub completed_at: TimeDateTimeWithTimeZone,
    #[sea_orm(column_type = "Double", nullable)]
    pub score_percent: Option<f64>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_reason: Option<String>,
    pub kid: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub credential: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
