use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub username_key: String,
    pub display_name: String,
    pub password_hash: String,
    pub group_id: Option<String>,
    pub birth_year: Option<i32>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub learner_ref: Option<String>,
    pub verify_shows_details: bool,
    /// The display name folded for search (`hocvuso_migration::fold_name`).
    pub name_fold: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
