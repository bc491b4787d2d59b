//! Per-unit targets: how many people of a group a unit (ward, tổ dân phố, agency…) plans to
//! bring through their path in a year — the figures of the ward's plan, set by the unit's
//! managers. A unit without its own figure for a group falls back to the figures set below it,
//! or to the year's percentage target applied to its denominator (see `app::dashboard`).
//!
//! `pending_imports`: a file that passed an import's check, kept for an hour so the manager
//! imports it with one button instead of choosing it again (only a hash of the token that
//! names it is kept; the row goes when it is used or replaced, or when it is an hour old).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PendingImports {
    Table,
    Id,
    UserId,
    TokenHash,
    Kind,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnitTargets {
    Table,
    UnitId,
    Year,
    GroupId,
    People,
    SetBy,
    SetAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UnitTargets::Table)
                .col(ColumnDef::new(UnitTargets::UnitId).big_integer().not_null())
                .col(ColumnDef::new(UnitTargets::Year).integer().not_null())
                .col(
                    ColumnDef::new(UnitTargets::GroupId)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(UnitTargets::People).big_integer().not_null())
                .col(ColumnDef::new(UnitTargets::SetBy).big_integer())
                .col(
                    ColumnDef::new(UnitTargets::SetAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(UnitTargets::UnitId)
                        .col(UnitTargets::Year)
                        .col(UnitTargets::GroupId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitTargets::Table, UnitTargets::UnitId)
                        .to(Units::Table, Units::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitTargets::Table, UnitTargets::SetBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PendingImports::Table)
                .col(
                    ColumnDef::new(PendingImports::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PendingImports::UserId)
                        .big_integer()
                        .not_null(),
                )
                // SHA-256 of the token, hex.
                .col(
                    ColumnDef::new(PendingImports::TokenHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                // csv or xlsx.
                .col(
                    ColumnDef::new(PendingImports::Kind)
                        .string_len(8)
                        .not_null(),
                )
                .col(ColumnDef::new(PendingImports::Bytes).blob().not_null())
                .col(
                    ColumnDef::new(PendingImports::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PendingImports::Table, PendingImports::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PendingImports::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UnitTargets::Table).to_owned())
            .await
    }
}
