//! Backups and restores (`hocvuso backup DEST`, `hocvuso restore SRC`).
//!
//! SQLite: `VACUUM INTO` writes a consistent copy of the database as of one read transaction,
//! while the server goes on serving (readers do not block writers under WAL); the copy is then
//! checked (`PRAGMA integrity_check`). A restore checks the file first (the header, its length
//! against the page count the header declares, `integrity_check`, and that it is a Học Vụ Số
//! database whose migrations this program knows) and writes nothing when any check fails; a good
//! file is copied beside the target and renamed over it, so the target is never half-written.
//!
//! PostgreSQL: `pg_dump --format=custom` and `pg_restore --single-transaction --exit-on-error`
//! (the client tools must be installed); a damaged archive fails inside the one transaction,
//! which then leaves the database as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, JsonValue, Statement};

use crate::{Result, Store, StoreError};

/// Why a backup or a restore could not be done, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Every table of the schema (the migrations' bookkeeping included), sorted.
pub async fn table_names<C: ConnectionTrait>(c: &C) -> Result<Vec<String>> {
    let backend = c.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let mut names = Vec::new();
    for row in c.query_all(Statement::from_string(backend, sql)).await? {
        names.push(row.try_get::<String>("", "name")?);
    }
    names.sort();
    Ok(names)
}

/// Every row of every table, each table's rows in a stable order (by every column), as JSON:
/// what a round trip must keep.
pub async fn all_rows<C: ConnectionTrait>(c: &C) -> Result<BTreeMap<String, Vec<JsonValue>>> {
    let backend = c.get_database_backend();
    let mut out = BTreeMap::new();
    for t in table_names(c).await? {
        let sql = format!("SELECT * FROM \"{t}\"");
        let mut rows = JsonValue::find_by_statement(Statement::from_string(backend, sql))
            .all(c)
            .await?;
        rows.sort_by_key(|r| r.to_string());
        out.insert(t, rows);
    }
    Ok(out)
}

/// How many rows each table holds.
pub async fn row_counts<C: ConnectionTrait>(c: &C) -> Result<Vec<(String, i64)>> {
    let backend = c.get_database_backend();
    let mut out = Vec::new();
    for t in table_names(c).await? {
        let sql = format!("SELECT COUNT(*) AS n FROM \"{t}\"");
        let n = match c.query_one(Statement::from_string(backend, sql)).await? {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        };
        out.push((t, n));
    }
    Ok(out)
}

impl Store {
    /// Writes a consistent copy of an SQLite database to `dest` (which must not exist) while
    /// the server may go on writing, then checks the copy.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<(), BackupError> {
        if self.backend() != DbBackend::Sqlite {
            return Err(BackupError::Refused(
                "this database is PostgreSQL: back it up with pg_dump (hocvuso backup does that \
                 when given a postgres:// URL)"
                    .into(),
            ));
        }
        if dest.exists() {
            return Err(BackupError::Refused(format!(
                "{} exists already; choose a new file name (a backup never overwrites)",
                dest.display()
            )));
        }
        let target = dest.to_str().ok_or_else(|| {
            BackupError::Refused(format!("{} is not a UTF-8 path", dest.display()))
        })?;
        // A literal, quoted: SQLite does not take a bound parameter here through the driver.
        let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
        self.db
            .execute_unprepared(&sql)
            .await
            .map_err(StoreError::from)?;
        check_sqlite_file(dest).await
    }
}

/// The SQLite file's header: what a truncated or foreign file gets wrong first.
fn sqlite_header_problem(path: &Path) -> Result<Option<String>, BackupError> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    let mut header = [0u8; 100];
    let mut f = std::fs::File::open(path)?;
    if meta.len() < 100 || f.read_exact(&mut header).is_err() {
        return Ok(Some(format!(
            "{} is {} bytes long: too short to be an SQLite database (truncated?)",
            path.display(),
            meta.len()
        )));
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Ok(Some(format!(
            "{} is not an SQLite database",
            path.display()
        )));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let expected = page_size * pages;
    if page_size < 512 || meta.len() % page_size != 0 || (pages > 0 && meta.len() < expected) {
        return Ok(Some(format!(
            "{} is {} bytes but its header declares {pages} pages of {page_size} bytes \
             ({expected} bytes): the file is truncated or damaged",
            path.display(),
            meta.len()
        )));
    }
    Ok(None)
}

/// Checks an SQLite backup: its header, `PRAGMA integrity_check`, and that it is a Học Vụ Số
/// database (its migrations are ones this program knows).
pub async fn check_sqlite_file(path: &Path) -> Result<(), BackupError> {
    if let Some(problem) = sqlite_header_problem(path)? {
        return Err(BackupError::Refused(problem));
    }
    // Read-only and immutable: checking a backup never changes it (no WAL, no journal mode).
    let mut opts = sea_orm::ConnectOptions::new(format!("sqlite://{}", path.display()));
    opts.sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(|o| o.read_only(true).immutable(true));
    let db = &sea_orm::Database::connect(opts)
        .await
        .map_err(|e| BackupError::Refused(format!("{} cannot be opened: {e}", path.display())))?;
    let problem =
        |e: sea_orm::DbErr| BackupError::Refused(format!("{} is damaged: {e}", path.display()));
    let rows = db
        .query_all(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .map_err(problem)?;
    let verdict: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    if verdict != ["ok"] {
        return Err(BackupError::Refused(format!(
            "{} is damaged: {}",
            path.display(),
            verdict.join("; ")
        )));
    }
    check_migrations(db, path).await?;
    db.clone().close().await.map_err(problem)?;
    Ok(())
}

/// A backup holds the migrations table, and only migrations this program knows.
async fn check_migrations<C: ConnectionTrait>(c: &C, path: &Path) -> Result<(), BackupError> {
    use hocvuso_migration::MigratorTrait;
    let backend = c.get_database_backend();
    let applied = c
        .query_all(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .map_err(|_| {
            BackupError::Refused(format!(
                "{} is not a Học Vụ Số database (it has no migrations table)",
                path.display()
            ))
        })?;
    let known: Vec<String> = hocvuso_migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for row in applied {
        let v: String = row.try_get("", "version").map_err(StoreError::from)?;
        if !known.contains(&v) {
            return Err(BackupError::Refused(format!(
                "{} was made by a newer version of Học Vụ Số (migration {v}); restore it with \
                 that version",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Replaces the SQLite database at `target` with the backup `src`, after checking it. The
/// server must be stopped. Nothing is written when the backup fails a check; `replace` must be
/// true to overwrite an existing database.
pub async fn restore_sqlite(src: &Path, target: &Path, replace: bool) -> Result<(), BackupError> {
    if !src.is_file() {
        return Err(BackupError::Refused(format!(
            "{} is not a file",
            src.display()
        )));
    }
    check_sqlite_file(src).await?;
    if target.exists() && !replace {
        return Err(BackupError::Refused(format!(
            "{} exists: stop the server, then run again with --replace to overwrite it",
            target.display()
        )));
    }
    let staging = sibling(target, "restoring");
    std::fs::copy(src, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    // The old database's write-ahead log must not be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(side)?;
        }
    }
    std::fs::rename(&staging, target)?;
    Ok(())
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    PathBuf::from(format!("{}.{tag}", path.display()))
}

/// `pg_dump --format=custom` of the database at `url` into `dest` (which must not exist).
pub fn backup_postgres(url: &str, dest: &Path) -> Result<(), BackupError> {
    if dest.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists already; choose a new file name (a backup never overwrites)",
            dest.display()
        )));
    }
    let partial = sibling(dest, "partial");
    run(Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(&partial)
        .arg("--dbname")
        .arg(url))?;
    // pg_restore --list reads the whole table of contents: a dump cut short fails here.
    run(Command::new("pg_restore").arg("--list").arg(&partial))?;
    std::fs::rename(partial, dest)?;
    Ok(())
}

/// Restores a `pg_dump --format=custom` archive into the database at `url`, replacing what is
/// there, in one transaction: a damaged archive leaves the database unchanged.
pub fn restore_postgres(src: &Path, url: &str) -> Result<(), BackupError> {
    if !src.is_file() {
        return Err(BackupError::Refused(format!(
            "{} is not a file",
            src.display()
        )));
    }
    run(Command::new("pg_restore").arg("--list").arg(src)).map_err(|e| {
        BackupError::Refused(format!(
            "{} is not a readable pg_dump archive (truncated?): {e}",
            src.display()
        ))
    })?;
    run(Command::new("pg_restore")
        .arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--clean")
        .arg("--if-exists")
        .arg("--no-owner")
        .arg("--dbname")
        .arg(url)
        .arg(src))
}

fn run(cmd: &mut Command) -> Result<(), BackupError> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|e| {
        BackupError::Refused(format!(
            "{name} could not be started ({e}): install PostgreSQL's client tools"
        ))
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The URL may carry a password; the tools do not print it, but keep the message short.
    Err(BackupError::Refused(format!(
        "{name} failed: {}",
        stderr
            .trim()
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join(" / ")
    )))
}
