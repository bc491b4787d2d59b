use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the string names what was taken.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("the attempt was already submitted")]
    AlreadySubmitted,
    /// Recording evidence would complete a course whose credential the caller has not signed
    /// yet (it signs only when a completion is due): nothing was written; sign, then record
    /// again.
    #[error("the completion's credential must be signed first")]
    SignFirst,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, anything else to `Db`.
    pub(crate) fn unique_or_db(e: DbErr, what: &'static str) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(what),
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    /// Whether the database could not be reached (down, restarting, out of connections), as
    /// opposed to refusing or failing a statement: the caller should answer "try again soon".
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Db(e) => db_unavailable(e),
            _ => false,
        }
    }
}

impl StoreError {
    /// Whether the statement lost a race the database resolves by aborting one side (a
    /// PostgreSQL deadlock, `40P01`, or serialization failure, `40001`): the whole transaction
    /// may simply be run again.
    pub fn is_transient(&self) -> bool {
        use sea_orm::RuntimeErr;
        match self {
            StoreError::Db(DbErr::Exec(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Database(
                db,
            ))))
            | StoreError::Db(DbErr::Query(RuntimeErr::SqlxError(
                sea_orm::sqlx::Error::Database(db),
            ))) => matches!(db.code().as_deref(), Some("40P01") | Some("40001")),
            _ => false,
        }
    }
}

fn db_unavailable(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            sqlx_unavailable(s)
        }
        _ => false,
    }
}

fn sqlx_unavailable(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match e {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        // PostgreSQL: class 08 (connection exception), 57P01–57P03 (shutting down, starting
        // up), 53300 (too many connections). SQLite: 5 and 6 (busy, locked) after the busy
        // timeout has already waited.
        Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08") || c.starts_with("57P") || c == "53300" || c == "5" || c == "6"
        }),
        _ => false,
    }
}
