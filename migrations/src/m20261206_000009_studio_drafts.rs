//! The studio's drafts: one row per course being edited in the browser. The files themselves
//! live in the server's data folder (a working copy of the course folder); the row is what
//! several editors and reviewers agree on: a revision number every save must name (optimistic
//! concurrency: a save naming an older revision is refused, nobody's change is lost), the
//! review state, and the content commit the draft started from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StudioDrafts {
    Table,
    CourseId,
    Revision,
    Status,
    BaseCommit,
    SubmittedBy,
    ReviewerId,
    ReviewComment,
    Message,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StudioDrafts::Table)
                .col(
                    ColumnDef::new(StudioDrafts::CourseId)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::Revision)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::Status)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::BaseCommit)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::SubmittedBy)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::ReviewerId)
                        .big_integer()
                        .null(),
                )
                .col(ColumnDef::new(StudioDrafts::ReviewComment).text().null())
                .col(ColumnDef::new(StudioDrafts::Message).text().null())
                .col(
                    ColumnDef::new(StudioDrafts::UpdatedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioDrafts::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StudioDrafts::Table).to_owned())
            .await
    }
}
