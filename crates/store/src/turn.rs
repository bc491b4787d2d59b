//! Turns for writers. SQLite takes one writer at a time; writers that meet at its lock wait in
//! its busy handler, which sleeps 1, 2, 5, 10 … ms while the lock is often already free, and a
//! transaction that read before another connection committed cannot take the lock at all
//! ("database is locked" at once, no waiting). So on SQLite every write in this process, a
//! transaction (`Store::begin_write`) or a single statement (`Store::turn`), first takes the
//! store's turn: a FIFO `tokio` mutex, handed to the next writer the moment the last one
//! commits. PostgreSQL lets writers of different rows run at once: there no turn is taken.
//!
//! Two rules keep the turn from deadlocking: a writer never asks for the turn while holding it
//! (a function that holds a `WriteTx` passes it down instead of calling a `Store` method that
//! writes), and the turn is taken before a pooled connection, never while holding one (with a
//! one-connection pool, the turn's holder would wait for that connection forever).
//! Read-only work takes no turn: under WAL readers go on beside the writer.

use std::sync::Arc;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::Store;

/// The store's writer queue (cloned with the store: one per database per process).
pub(crate) type Turns = Arc<Mutex<()>>;

/// A writer's turn, held until dropped (on PostgreSQL, nothing is held).
pub(crate) struct Turn(#[allow(dead_code)] Option<OwnedMutexGuard<()>>);

/// A write transaction that holds its turn until it commits or rolls back (or is dropped).
pub(crate) struct WriteTx {
    // Declared before the turn, so a transaction dropped on an error path is ended (its
    // rollback queued on its connection) before the next writer gets the turn.
    tx: DatabaseTransaction,
    _turn: Turn,
}

impl Store {
    /// Waits for this process's write turn on SQLite (first come, first served); on
    /// PostgreSQL returns at once. For a single-statement write outside a transaction.
    pub(crate) async fn turn(&self) -> Turn {
        match self.backend() {
            DbBackend::Sqlite => Turn(Some(self.turns.clone().lock_owned().await)),
            _ => Turn(None),
        }
    }

    /// Begins a write transaction, after the turn on SQLite. Every transaction that writes
    /// begins here.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, DbErr> {
        let turn = self.turn().await;
        #[allow(clippy::disallowed_methods)] // the one place a write transaction begins
        let tx = self.db.begin().await?;
        Ok(WriteTx { tx, _turn: turn })
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        self.tx.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.tx.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.tx.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.tx.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.tx.query_all(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.tx.support_returning()
    }
}
