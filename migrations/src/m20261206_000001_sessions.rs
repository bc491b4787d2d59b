//! Server-side sessions and sign-in throttling counters.
//!
//! `sessions`: one row per sign-in. The session token names its row (`sid`); a request is
//! accepted only while the row is neither revoked nor expired, so signing out, changing the
//! password and "sign out everywhere" end sessions at once. Rows carry what a later "your
//! active sessions" page needs (created, last seen, expiry) and nothing about the device.
//!
//! `throttle_counters`: one row per throttling key (a keyed hash, never a username or an
//! address), replacing `login_failures`' row per failure. Updated by compare-and-swap on
//! `version`, so parallel sign-in attempts are each counted before any password is checked.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ThrottleCounters {
    Table,
    KeyHash,
    Count,
    Until,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    KeyHash,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                // 128 random bits, hex.
                .col(
                    ColumnDef::new(Sessions::Id)
                        .string_len(32)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                .col(
                    ColumnDef::new(Sessions::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Sessions::LastSeenAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Sessions::ExpiresAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Sessions::RevokedAt).timestamp_with_time_zone())
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_expires")
                .table(Sessions::Table)
                .col(Sessions::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ThrottleCounters::Table)
                .col(
                    ColumnDef::new(ThrottleCounters::KeyHash)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ThrottleCounters::Count)
                        .big_integer()
                        .not_null(),
                )
                // Failures: blocked until. Rates: the theoretical arrival time (GCRA).
                .col(
                    ColumnDef::new(ThrottleCounters::Until)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ThrottleCounters::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ThrottleCounters::Version)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_throttle_counters_updated")
                .table(ThrottleCounters::Table)
                .col(ThrottleCounters::UpdatedAt)
                .to_owned(),
        )
        .await?;

        m.drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LoginFailures::Table)
                .col(
                    ColumnDef::new(LoginFailures::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(LoginFailures::KeyHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LoginFailures::FailedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_failures_key_at")
                .table(LoginFailures::Table)
                .col(LoginFailures::KeyHash)
                .col(LoginFailures::FailedAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(ThrottleCounters::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await
    }
}
