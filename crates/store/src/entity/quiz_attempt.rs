use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub quiz_id: String,
    pub content_version: String,
    /// `in_progress` or `graded` (auto-graded on submission).
    pub state: String,
    /// The drawn paper (JSON of `hocvuso_assessment::paper::Paper`).
    #[sea_orm(column_type = "Text")]
    pub paper: String,
    pub started_at: TimeDateTimeWithTimeZone,
    pub submitted_at: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "Double", nullable)]
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    /// The graded result (JSON), shown again when the learner revisits the attempt.
    #[sea_orm(column_type = "Text", nullable)]
    pub result: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
