//! Instants that came from people were stored at the offset they were given in: due dates and
//! class starts at Vietnam's +07:00 (from the forms), class starts at whatever offset an API
//! client sent. PostgreSQL keeps `timestamptz` as an instant, so nothing changes there; SQLite
//! keeps RFC 3339 text and orders it as text, so a class sent as `…T01:00:00Z` sorted after one
//! at `…T07:00:00+07:00` that starts an hour later. The store now writes every instant in UTC
//! (`crates/store/src/instant.rs`); this rewrites the rows written before, on SQLite, in the
//! form the driver writes (`2026-12-07T01:00:00Z`, fractional seconds kept when there are any).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The (table, column) pairs that held instants with an offset other than UTC.
const COLUMNS: [(&str, &str); 3] = [
    ("assignments", "due_at"),
    ("notifications", "due_at"),
    ("class_sessions", "starts_at"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        let db = m.get_connection();
        for (table, column) in COLUMNS {
            // SQLite's date functions read the `+07:00` suffix and answer in UTC; a value they
            // cannot read (NULL, or not a date) is left alone rather than lost.
            db.execute_unprepared(&format!(
                "UPDATE {table} SET {column} = CASE WHEN {column} LIKE '%.%' \
                   THEN strftime('%Y-%m-%dT%H:%M:%fZ', {column}) \
                   ELSE strftime('%Y-%m-%dT%H:%M:%SZ', {column}) END \
                 WHERE {column} IS NOT NULL AND {column} NOT LIKE '%Z' \
                   AND strftime('%s', {column}) IS NOT NULL"
            ))
            .await?;
        }
        Ok(())
    }

    /// Nothing to undo: the same instants, written in UTC, read back the same.
    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
