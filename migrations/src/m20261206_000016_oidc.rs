//! Sign-in with an identity provider (OpenID Connect).
//!
//! `oidc_identities`: which account a provider's subject signs in to. The pair (issuer, subject)
//! is the provider's stable name for the person and is unique; names and e-mail addresses are
//! never used to link. `oidc_logins`: a sign-in in progress (state, nonce and PKCE verifier),
//! kept for ten minutes and used once, so a replayed or forged state is refused.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OidcIdentities {
    Table,
    Id,
    UserId,
    Issuer,
    Subject,
    LinkedAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    StateHash,
    Nonce,
    Verifier,
    CreatedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OidcIdentities::Table)
                .col(
                    ColumnDef::new(OidcIdentities::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(OidcIdentities::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OidcIdentities::Issuer)
                        .string_len(512)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OidcIdentities::Subject)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OidcIdentities::LinkedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OidcIdentities::Table, OidcIdentities::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_oidc_identities_issuer_subject")
                .table(OidcIdentities::Table)
                .col(OidcIdentities::Issuer)
                .col(OidcIdentities::Subject)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcLogins::Table)
                .col(
                    ColumnDef::new(OidcLogins::StateHash)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(OidcLogins::Nonce).string_len(64).not_null())
                .col(
                    ColumnDef::new(OidcLogins::Verifier)
                        .string_len(128)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OidcLogins::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(OidcLogins::UsedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OidcLogins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OidcIdentities::Table).to_owned())
            .await
    }
}
