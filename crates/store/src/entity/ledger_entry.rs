use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub entry_type: String,
    pub certificate_id: String,
    pub user_id: Option<i64>,
    pub achievement_kind: Option<String>,
    pub achievement_id: Option<String>,
    pub content_version: Option<String>,
    #[sea_orm(column_type = "Double", nullable)]
    pub score_percent: Option<f64>,
    pub reason: Option<String>,
    pub actor: Option<String>,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
