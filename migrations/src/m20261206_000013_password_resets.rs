//! One-time password-reset codes.
//!
//! `password_resets`: one row per code issued, sent by e-mail to the address a learner gave, or
//! handed over by their mentor or a manager of their unit (`issued_by`). Only a hash of the code
//! is kept. A code expires (`expires_at`) and works once (`used_at`); rows are kept as the
//! record of who reset whose password, when, and how.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    CodeHash,
    Channel,
    IssuedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(
                    ColumnDef::new(PasswordResets::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PasswordResets::UserId)
                        .big_integer()
                        .not_null(),
                )
                // SHA-256 of the code, hex.
                .col(
                    ColumnDef::new(PasswordResets::CodeHash)
                        .string_len(64)
                        .not_null(),
                )
                // email, mentor or manager.
                .col(
                    ColumnDef::new(PasswordResets::Channel)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(PasswordResets::IssuedBy).big_integer())
                .col(
                    ColumnDef::new(PasswordResets::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PasswordResets::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(PasswordResets::UsedAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::IssuedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_password_resets_user_created")
                .table(PasswordResets::Table)
                .col(PasswordResets::UserId)
                .col(PasswordResets::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PasswordResets::Table).to_owned())
            .await
    }
}
