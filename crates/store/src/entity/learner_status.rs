use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "learner_status")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub group_id: Option<String>,
    pub path_completed_at: Option<TimeDateTimeWithTimeZone>,
    pub path_week: Option<i32>,
    pub certified_at: Option<TimeDateTimeWithTimeZone>,
    pub certified_week: Option<i32>,
    /// When the learner completed the citizen path, whatever their group: what makes their
    /// household a digital family.
    pub citizen_path_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
