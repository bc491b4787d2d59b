//! Revocation status lists (W3C Bitstring Status List v1.0, issue #19).
//!
//! - `status_list_allocator`: one row, the next global status index to hand out. Servers take
//!   blocks of indexes from it (compare-and-swap on `next_index`) and give one to every
//!   credential they sign; the index is written into the credential's `credentialStatus`, so
//!   the stored credential is where a certificate's index is kept.
//! - `status_lists`: one row per list (131,072 indexes each) that indexes were handed out from:
//!   `version` goes up, and `changed_at` moves, in the transaction of every revocation that
//!   flips one of its bits. Servers cache the signed list by version.
//! - `status_list_revocations`: the set bits, `(list, position)`, with the certificate whose
//!   bit it is. Written in the revocation's transaction, never updated or deleted.
//!
//! Certificates issued before this migration have credentials without `credentialStatus`;
//! the server re-signs such a credential with an index the first time it serves it (and sets
//! its bit if it was revoked). `down` drops the three tables; credentials that already carry a
//! status entry keep it (it then points at a list that answers 404).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatusListAllocator {
    Table,
    Id,
    NextIndex,
}

#[derive(DeriveIden)]
enum StatusLists {
    Table,
    List,
    Version,
    ChangedAt,
}

#[derive(DeriveIden)]
enum StatusListRevocations {
    Table,
    List,
    Position,
    CertificateId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StatusListAllocator::Table)
                .col(
                    ColumnDef::new(StatusListAllocator::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(StatusListAllocator::NextIndex)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(StatusListAllocator::Table)
                .columns([StatusListAllocator::Id, StatusListAllocator::NextIndex])
                .values([1.into(), 0i64.into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StatusLists::Table)
                .col(
                    ColumnDef::new(StatusLists::List)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(StatusLists::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StatusLists::ChangedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StatusListRevocations::Table)
                .col(
                    ColumnDef::new(StatusListRevocations::List)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StatusListRevocations::Position)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StatusListRevocations::CertificateId)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StatusListRevocations::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(StatusListRevocations::List)
                        .col(StatusListRevocations::Position),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StatusListRevocations::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(StatusLists::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(StatusListAllocator::Table).to_owned())
            .await
    }
}
