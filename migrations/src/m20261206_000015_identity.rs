//! Two-factor sign-in and guardians.
//!
//! `totp_factors`: one per account that enrolled an authenticator app (RFC 6238). The shared
//! secret (base32) is needed to check codes, so it is kept; it is never shown again after
//! enrolment and never given out in a download. `confirmed_at` is set once the person typed a
//! first code; `last_step` is the last 30-second step accepted, so a code works once.
//!
//! `totp_recovery_codes`: single-use codes for a lost phone, kept as SHA-256 only.
//!
//! `guardians`: for a learner under 16 (Law 91/2025/QH15, Decree 147/2024/NĐ-CP), the guardian's
//! contact (a phone number or e-mail address, nothing else about them) and the hash of the code
//! the guardian uses to see the account and withdraw consent. The consent itself is a `consents`
//! row with purpose `guardian`, as every other consent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TotpFactors {
    Table,
    UserId,
    Secret,
    CreatedAt,
    ConfirmedAt,
    LastStep,
}

#[derive(DeriveIden)]
enum TotpRecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Guardians {
    Table,
    UserId,
    Contact,
    CodeHash,
    CreatedAt,
}

fn user_fk(
    from: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TotpFactors::Table)
                .col(
                    ColumnDef::new(TotpFactors::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TotpFactors::Secret)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TotpFactors::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(TotpFactors::ConfirmedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(TotpFactors::LastStep).big_integer())
                .foreign_key(&mut user_fk(TotpFactors::Table, TotpFactors::UserId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TotpRecoveryCodes::Table)
                .col(
                    ColumnDef::new(TotpRecoveryCodes::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TotpRecoveryCodes::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TotpRecoveryCodes::CodeHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TotpRecoveryCodes::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(TotpRecoveryCodes::UsedAt).timestamp_with_time_zone())
                .foreign_key(&mut user_fk(
                    TotpRecoveryCodes::Table,
                    TotpRecoveryCodes::UserId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_totp_recovery_codes_user")
                .table(TotpRecoveryCodes::Table)
                .col(TotpRecoveryCodes::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Guardians::Table)
                .col(
                    ColumnDef::new(Guardians::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Guardians::Contact)
                        .string_len(254)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Guardians::CodeHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Guardians::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(&mut user_fk(Guardians::Table, Guardians::UserId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Guardians::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TotpRecoveryCodes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TotpFactors::Table).to_owned())
            .await
    }
}
