//! Bulk loading for `hocvuso dev seed` (and benchmarks): multi-row inserts, a batch per
//! transaction, with explicit ids so related rows can be written without reading ids back.
//! Not for application writes: it bypasses the dashboard's deltas, so a bulk load ends with
//! `Store::rebuild_aggregates`.

use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::{Result, Store, StoreError};

/// Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

impl Store {
    /// Inserts rows into a table, in one transaction, as few multi-row statements as the
    /// parameter limits allow.
    pub async fn insert_rows(
        &self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Value>>,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
        let tx = self.begin_write().await?;
        for chunk in rows.chunks(per_statement) {
            let mut q = Query::insert();
            q.into_table(Alias::new(table))
                .columns(columns.iter().map(|c| Alias::new(*c)));
            for row in chunk {
                q.values(row.iter().cloned().map(SimpleExpr::Value))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
            tx.execute(self.backend().build(&q)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The largest id in a table (0 when empty).
    pub async fn max_id(&self, table: &str) -> Result<i64> {
        let q = Query::select()
            .expr(Expr::col(Alias::new("id")).max())
            .from(Alias::new(table))
            .to_owned();
        let row = self.db.query_one(self.backend().build(&q)).await?;
        Ok(row
            .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten())
            .unwrap_or(0))
    }

    /// After inserting explicit ids, PostgreSQL's sequences must move past them.
    pub async fn reset_sequences(&self, tables: &[&str]) -> Result<()> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        for t in tables {
            // Table names come from the caller's constant list, never from input.
            self.db
                .execute(Statement::from_string(
                    DbBackend::Postgres,
                    format!(
                        "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
                    ),
                ))
                .await?;
        }
        Ok(())
    }

    /// Updates the planner's statistics after a bulk load.
    pub async fn analyze(&self) -> Result<()> {
        let _turn = self.turn().await;
        self.db
            .execute(Statement::from_string(self.backend(), "ANALYZE".to_owned()))
            .await?;
        Ok(())
    }
}
