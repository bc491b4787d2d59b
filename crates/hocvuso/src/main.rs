//! `hocvuso`: the one binary. `serve` (the default) runs the platform; the other commands check
//! content and manage accounts. Configuration comes from flags, `HOCVUSO_*` variables and an
//! optional settings file, layered in `hocvuso_server::settings`.

mod commands;

/// See the note in Cargo.toml: measured in docs/performance.md (the completions export, the
/// load benchmark's resident memory).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hocvuso",
    version,
    about = "Học Vụ Số — a digital-skills learning platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    common: commands::CommonFlags,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP (the default).
    Serve(commands::serve::Args),
    /// Check or describe a content folder.
    #[command(subcommand)]
    Content(commands::content::Command),
    /// The curriculum search: measure it against learner questions.
    #[command(subcommand)]
    Search(commands::search::Command),
    /// Manage accounts.
    #[command(subcommand)]
    User(commands::user::Command),
    /// Question banks: convert between GIFT, Moodle XML, QTI and JSON.
    #[command(subcommand)]
    Questions(commands::questions::Command),
    /// Credential signing keys: list, rotate, retire.
    #[command(subcommand)]
    Keys(commands::keys::Command),
    /// The completion ledger: verify its hash chain.
    #[command(subcommand)]
    Ledger(commands::ledger::Command),
    /// Apply database migrations (serve does this on start) or revert them.
    Migrate(commands::migrate::Args),
    /// Tools for developers: realistic data for trying pages and measuring speed.
    #[command(subcommand)]
    Dev(commands::dev::Command),
    /// Write a consistent copy of the database to a new file, while the server runs.
    Backup(commands::backup::BackupArgs),
    /// Replace the database with a backup (stop the server first); a damaged file is refused.
    Restore(commands::backup::RestoreArgs),
    /// The dashboard's pre-aggregated counters.
    #[command(subcommand)]
    Dashboard(commands::dev::DashboardCommand),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOCVUSO_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    // The server's flags, where the command takes them, go into the settings with the rest.
    let serve_flags = match &cli.command {
        Some(Command::Serve(a))
        | Some(Command::Keys(commands::keys::Command::Reissue { server: a, .. })) => a.flags(),
        _ => Vec::new(),
    };
    let common = commands::Common::resolve(cli.common, serve_flags)?;
    match cli.command {
        Some(Command::Content(c)) => commands::content::run(&common, c),
        Some(Command::Questions(c)) => commands::questions::run(c),
        Some(Command::Search(c)) => commands::search::run(c),
        Some(Command::User(c)) => runtime()?.block_on(commands::user::run(&common, c)),
        Some(Command::Keys(c)) => runtime()?.block_on(commands::keys::run(&common, c)),
        Some(Command::Ledger(c)) => runtime()?.block_on(commands::ledger::run(&common, c)),
        Some(Command::Migrate(a)) => runtime()?.block_on(commands::migrate::run(&common, a)),
        Some(Command::Dev(c)) => runtime()?.block_on(commands::dev::run(&common, c)),
        Some(Command::Dashboard(c)) => runtime()?.block_on(commands::dev::dashboard(&common, c)),
        Some(Command::Backup(a)) => runtime()?.block_on(commands::backup::backup(&common, a)),
        Some(Command::Restore(a)) => runtime()?.block_on(commands::backup::restore(&common, a)),
        Some(Command::Serve(_)) | None => commands::serve::run(&common),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
