//! TOTP secrets sealed at rest (`auth/totp_seal.rs` in the server): a sealed secret (`v1:` and
//! base64url of nonce, ciphertext and tag, 83 characters) does not fit the 64 characters
//! `totp_factors.secret` had. The migration only widens the column; the server seals the
//! secrets written before, with the key in its data folder (which a migration does not have),
//! at start and whenever it reads one. SQLite does not enforce `varchar` lengths, so only
//! PostgreSQL's column changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TotpFactors {
    Table,
    Secret,
}

async fn resize(m: &SchemaManager<'_>, len: u32) -> Result<(), DbErr> {
    if m.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    m.alter_table(
        Table::alter()
            .table(TotpFactors::Table)
            .modify_column(
                ColumnDef::new(TotpFactors::Secret)
                    .string_len(len)
                    .not_null(),
            )
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        resize(m, 255).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The earlier code cannot read a sealed secret, and cutting one short would lose it:
        // refuse, and say what to do, rather than break those accounts' sign-in.
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let count = Query::select()
            .expr(Expr::col(TotpFactors::Secret).count())
            .from(TotpFactors::Table)
            .and_where(Expr::col(TotpFactors::Secret).like("v1:%"))
            .to_owned();
        let sealed: i64 = match db.query_one(backend.build(&count)).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        if sealed > 0 {
            return Err(DbErr::Migration(format!(
                "{sealed} two-factor secrets are sealed: the earlier version cannot read them; \
                 those people turn two-factor sign-in off first, or stay on this version"
            )));
        }
        resize(m, 64).await
    }
}
