//! A learner's third milestone: when they completed the citizen path, whatever their own group.
//! A household is a digital family when one of its members has it (ward plan IV.7.2, with the
//! five basic skills of the citizen path as the measure). Citizens who completed their path
//! already have it; learners of other groups who also completed the citizen courses get it from
//! `hocvuso dashboard rebuild`, which reads their completions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LearnerStatus {
    Table,
    GroupId,
    PathCompletedAt,
    CitizenPathAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LearnerStatus::Table)
                .add_column(
                    ColumnDef::new(LearnerStatus::CitizenPathAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table(LearnerStatus::Table)
                .value(
                    LearnerStatus::CitizenPathAt,
                    Expr::col(LearnerStatus::PathCompletedAt),
                )
                .and_where(Expr::col(LearnerStatus::GroupId).eq("citizen"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LearnerStatus::Table)
                .drop_column(LearnerStatus::CitizenPathAt)
                .to_owned(),
        )
        .await
    }
}
