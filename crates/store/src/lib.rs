//! The store: sea-orm entities and the queries the application needs, on SQLite and PostgreSQL
//! through one code path. Every write that belongs together happens in one transaction here, so
//! no caller can leave half-written records.

pub mod aggregates;
mod assignments;
mod attempts;
pub mod backup;
mod bulk;
mod community;
mod contact;
pub mod entity;
mod error;
mod evidence;
mod exports;
mod goals;
mod identity;
mod import;
mod instant;
mod invitations;
mod learning;
mod password_resets;
mod people;
mod practice;
mod preferences;
mod privacy;
mod sessions;
mod status_lists;
mod studio;
mod throttle;
mod turn;
mod unanswered;
mod units;

use std::time::Duration;

use hocvuso_migration::MigratorTrait;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

pub use assignments::{AssignedPerson, Assignment, NewAssignment, Notification};
pub use attempts::AttemptKind;
pub use community::{Assist, Attendee, ClassSession, Household, NewClass};
pub use contact::REMINDER_EMAIL_PURPOSE;
pub use error::StoreError;
pub use evidence::{Certificate, ExportAudit, NewExportAudit};
pub use exports::{CompletionFilter, ExportRow};
pub use goals::WeeklyGoal;
pub use hocvuso_migration::fold_name;
pub use identity::{Guardian, NewGuardian, PendingOidc, TotpFactor};
pub use import::{ImportOutcome, PendingImport, PlannedHousehold, PlannedPerson, PlannedRow};
pub use invitations::Invitation;
pub use learning::{
    Attempt, AttemptState, Evidence, GradedBy, GradedResult, Grading, NewAttempt, NewCompletion,
    NewPathCertificate, Recorded, STATE_EXPIRED, STATE_GRADED, STATE_IN_PROGRESS, STATE_SUBMITTED,
};
pub use password_resets::{NewPasswordReset, RESET_EMAIL_PURPOSE};
pub use people::{NewConsent, NewUser, User, NO_PASSWORD};
pub use practice::{NewTaskAttempt, TaskAnswer, TaskAttempt, TaskFinish};
pub use preferences::ReadingPreferences;
pub use privacy::{
    AuditEvent, AuditFilter, Erasure, Forgotten, Held, NewAuditEvent, RetentionCut, HELD,
    PERSON_COLUMNS,
};
pub use sessions::{Session, SessionExtras, SessionRead};
pub use status_lists::StatusListVersion;
pub use studio::{DraftStep, StudioAuthor, StudioDraft};
pub use throttle::Counter;
pub use unanswered::UnansweredQuestion;
pub use units::{NewUnit, PersonRow, Unit, UnitTarget, ROLE_MANAGER, UNIT_KINDS};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database connection pool's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open now.
    pub size: u32,
    /// Of those, not lent to a query.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Whether the database was last seen unreachable (`mark_unavailable`): requests then fail
    /// at once instead of each waiting the pool's acquire timeout, until a probe succeeds.
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// SQLite takes one writer at a time; this process's writers take turns here, in arrival
    /// order (`turn.rs`: `Store::begin_write`, `Store::turn`).
    turns: turn::Turns,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_pool(url, None).await
    }

    /// Connects with at most `pool` connections (None: sqlx's default, 10). On PostgreSQL more
    /// connections let more commits share one flush of the log; `:memory:` keeps one.
    pub async fn connect_pool(url: &str, pool: Option<u32>) -> Result<Self> {
        let mut opts = ConnectOptions::new(url.to_owned());
        if let Some(n) = pool {
            opts.max_connections(n);
        }
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        if url.starts_with("sqlite:") {
            // One writer at a time is SQLite's rule; waiting a little beats failing with
            // "database is locked" when two learners submit at once. WAL lets readers go on.
            opts.map_sqlx_sqlite_opts(|o| {
                o.busy_timeout(Duration::from_secs(10))
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    // Rows cross from SQLite's worker thread to the async task through a
                    // channel; a deeper buffer lets a large read (an export's pages) go without
                    // a thread wake-up per row.
                    .row_buffer_size(1024)
            });
            if url.contains(":memory:") || url.contains("mode=memory") {
                // Every pooled connection to :memory: would be a separate empty database; a
                // named shared-cache one (the stories') keeps one connection all the same.
                opts.max_connections(1).min_connections(1);
            }
        }
        let db = Database::connect(opts).await?;
        Ok(Self {
            db,
            down: Default::default(),
            turns: Default::default(),
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<()> {
        hocvuso_migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Reverts every migration (used by the up → down → up check).
    pub async fn migrate_down_all(&self) -> Result<()> {
        hocvuso_migration::Migrator::down(&self.db, None).await?;
        Ok(())
    }

    /// The connection pool's size and how many of its connections are idle (for `/metrics`).
    pub fn pool_stats(&self) -> PoolStats {
        use sea_orm::DatabaseConnection as C;
        let (size, idle, max) = match &self.db {
            C::SqlxSqlitePoolConnection(_) => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            C::SqlxPostgresPoolConnection(_) => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            _ => (0, 0, 0),
        };
        PoolStats {
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        }
    }

    /// Answers when the database answers: the health check.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await?;
        Ok(())
    }

    /// Notes that the database did not answer. True if it was thought up until now (the
    /// caller then starts probing it).
    pub fn mark_unavailable(&self) -> bool {
        !self.down.swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// Notes that the database answers again.
    pub fn mark_available(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the database was last seen unreachable.
    pub fn known_unavailable(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Inserts `row` unless a row with the same `unique` columns exists (then writes nothing, and
/// no error even on PostgreSQL inside a transaction): whether it inserted.
pub(crate) async fn insert_once<A, C>(
    db: &C,
    row: A,
    unique: impl IntoIterator<Item = <A::Entity as sea_orm::EntityTrait>::Column>,
) -> std::result::Result<bool, sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    use sea_orm::sea_query::OnConflict;
    let inserted = <A::Entity as sea_orm::EntityTrait>::insert(row)
        .on_conflict(OnConflict::columns(unique).do_nothing().to_owned())
        .do_nothing()
        .exec(db)
        .await?;
    Ok(!matches!(inserted, sea_orm::TryInsertResult::Conflicted))
}
