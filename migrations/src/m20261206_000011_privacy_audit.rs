//! A person's rights over their data and the staff audit trail (issue #15).
//!
//! - `audit_events`: who read or changed whose data, when: a staff member listing a unit's
//!   people, opening a person's record or exporting; a person downloading or deleting their
//!   own data. Rows name people by id only (no names, no usernames), so the trail itself holds
//!   nothing to leak beyond who looked at whom; kept for the declared retention period.
//! - `account_deletions`: one row per account whose personal fields were erased. The `users`
//!   row stays, pseudonymised, because completions, credentials and the ledger point at its
//!   id; this row is what says "deleted" (and answers a second request), without a column
//!   added to `users`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Action,
    SubjectId,
    UnitId,
    Detail,
}

#[derive(DeriveIden)]
enum AccountDeletions {
    Table,
    UserId,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(
                    ColumnDef::new(AuditEvents::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AuditEvents::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                // No foreign keys: an audit entry outlives the accounts it names (a deleted
                // account keeps its id) and must never block or cascade a deletion.
                .col(
                    ColumnDef::new(AuditEvents::ActorId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditEvents::Action)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(AuditEvents::SubjectId).big_integer().null())
                .col(ColumnDef::new(AuditEvents::UnitId).big_integer().null())
                .col(
                    ColumnDef::new(AuditEvents::Detail)
                        .string_len(200)
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_events_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_events_subject")
                .table(AuditEvents::Table)
                .col(AuditEvents::SubjectId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AccountDeletions::Table)
                .col(
                    ColumnDef::new(AccountDeletions::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AccountDeletions::DeletedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(AccountDeletions::Table, AccountDeletions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AccountDeletions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
