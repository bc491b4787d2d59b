//! A learner's reading comfort and language (issue #14): text size, high contrast, line
//! spacing and the interface language, kept with the account so they follow the learner to a
//! new phone. A table of its own (one row per account that chose something), not columns of
//! `users`: an account that never changed a setting has no row, and the defaults stay in code.
//!
//! `offline_replays`: the idempotency keys of actions a learner took offline (a lesson marked
//! read in a course downloaded to the phone) and the service worker sent when the network came
//! back. The primary key (learner, key) makes a replayed action count exactly once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReadingPreferences {
    Table,
    UserId,
    TextSize,
    HighContrast,
    WideSpacing,
    Language,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OfflineReplays {
    Table,
    UserId,
    Key,
    Action,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReadingPreferences::Table)
                .col(
                    ColumnDef::new(ReadingPreferences::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ReadingPreferences::TextSize)
                        .small_integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(ReadingPreferences::HighContrast)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(ReadingPreferences::WideSpacing)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(ReadingPreferences::Language).string_len(16))
                .col(
                    ColumnDef::new(ReadingPreferences::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ReadingPreferences::Table, ReadingPreferences::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OfflineReplays::Table)
                .col(
                    ColumnDef::new(OfflineReplays::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OfflineReplays::Key)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OfflineReplays::Action)
                        .string_len(200)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OfflineReplays::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(OfflineReplays::UserId)
                        .col(OfflineReplays::Key),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OfflineReplays::Table, OfflineReplays::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OfflineReplays::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ReadingPreferences::Table).to_owned())
            .await
    }
}
