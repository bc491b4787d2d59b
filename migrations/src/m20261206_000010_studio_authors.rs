//! Who may work on a course in the studio: an administrator names authors (who edit its draft
//! and submit it) and reviewers (who approve or return it). Administrators may do both anyway.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StudioAuthors {
    Table,
    CourseId,
    UserId,
    Role,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StudioAuthors::Table)
                .col(
                    ColumnDef::new(StudioAuthors::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioAuthors::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StudioAuthors::Role)
                        .string_len(16)
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(StudioAuthors::CourseId)
                        .col(StudioAuthors::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StudioAuthors::Table, StudioAuthors::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_studio_authors_user")
                .table(StudioAuthors::Table)
                .col(StudioAuthors::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StudioAuthors::Table).to_owned())
            .await
    }
}
