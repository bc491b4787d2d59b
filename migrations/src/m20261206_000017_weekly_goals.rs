//! A learner's weekly goal (issue #13): lessons or minutes of lessons per week, set by the
//! learner, shown with gentle progress on the "Học tiếp" card. One row per learner who set a
//! goal; removing the goal removes the row. Progress is not stored: it is counted from
//! `lesson_completions` for the current week.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WeeklyGoals {
    Table,
    UserId,
    Kind,
    Target,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WeeklyGoals::Table)
                .col(
                    ColumnDef::new(WeeklyGoals::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(WeeklyGoals::Kind).string_len(16).not_null())
                .col(ColumnDef::new(WeeklyGoals::Target).integer().not_null())
                .col(
                    ColumnDef::new(WeeklyGoals::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(WeeklyGoals::Table, WeeklyGoals::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WeeklyGoals::Table).to_owned())
            .await
    }
}
