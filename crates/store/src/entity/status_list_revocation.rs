use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "status_list_revocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub list: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i64,
    pub certificate_id: String,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
