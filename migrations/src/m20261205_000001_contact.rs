//! An optional e-mail address a learner gives for reminders, and nothing else. Kept in a table
//! of its own (not a column of `users`) so that removing it removes the row: nothing of the
//! address stays behind, and an account without one has no row at all.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ContactEmails {
    Table,
    UserId,
    Email,
    SetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ContactEmails::Table)
                .col(
                    ColumnDef::new(ContactEmails::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ContactEmails::Email)
                        .string_len(254)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ContactEmails::SetAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ContactEmails::Table, ContactEmails::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ContactEmails::Table).to_owned())
            .await
    }
}
