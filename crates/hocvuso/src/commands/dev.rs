//! `hocvuso dev seed`: development data (see `hocvuso_server::seed`) for trying the pages and
//! for the dashboard benchmark (`scripts/bench-dashboard.sh`).
//!
//! `hocvuso dashboard rebuild`: recomputes the learners' milestones from their completions
//! (after a content change or an upgrade) and the dashboard's counters from the base tables.

use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use time::OffsetDateTime;

use hocvuso_server::seed::{self, DEV_PASSWORD};

#[derive(Subcommand)]
pub enum Command {
    /// Create a ward (15 tổ dân phố, agencies, schools, enterprises, a cooperative) with
    /// learners, households, mentors, classes and learning progress.
    Seed {
        /// How many learners.
        #[arg(long, default_value_t = 2_000)]
        learners: u64,
        /// The random seed: the same seed (and --today) gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The day progress is measured back from (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<String>,
        /// Leave completions without credentials and ledger entries (faster: signing a
        /// million credentials takes a minute or two in a release build).
        #[arg(long)]
        without_credentials: bool,
    },
}

#[derive(Subcommand)]
pub enum DashboardCommand {
    /// Recompute milestones and counters from the base tables.
    Rebuild,
}

pub async fn run(common: &super::Common, cmd: Command) -> Result<()> {
    let Command::Seed {
        learners,
        seed: seed_value,
        today,
        without_credentials,
    } = cmd;
    let catalog = hocvuso_course::load(&common.content_dir).map_err(|p| {
        anyhow::anyhow!(
            "content in {} is invalid:\n{p}",
            common.content_dir.display()
        )
    })?;
    let store = common.store().await?;
    let today = match today {
        Some(d) => time::Date::parse(
            &d,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .context("--today must be YYYY-MM-DD")?
        .with_time(time::macros::time!(12:00))
        .assume_utc(),
        #[allow(clippy::disallowed_methods)]
        None => OffsetDateTime::now_utc(),
    };
    let started = Instant::now();
    let hash = hocvuso_server::auth::password::Hasher::new()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .hash(DEV_PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The same keys, public URL and issuing unit the server would use, so the seeded
    // credentials verify against the running server's JWKS.
    let issuer = hocvuso_server::issuer::Issuer::open_with(
        &common.data_dir,
        &common.settings.public_url,
        &common.settings.issuer_name,
        common.settings.credential_algorithm,
        today,
    )
    .context("opening the credential signing keys")?;
    let issuer = (!without_credentials).then_some(&issuer);
    let done = seed::seed(
        &store,
        &catalog,
        &hash,
        seed::Options {
            learners,
            seed: seed_value,
            today,
            issuer,
        },
        |n| {
            if n % 100_000 == 0 || n == learners {
                eprintln!("{n} learners ({:.0?})", started.elapsed());
            }
        },
    )
    .await
    .map_err(|e| match e {
        hocvuso_store::StoreError::Conflict(_) => {
            anyhow::anyhow!("the database already has units; seed a fresh database")
        }
        other => anyhow::anyhow!(other),
    })?;
    println!(
        "seeded {} learners, {} progress records, {} credentials, in {:.1?}; sign in as quan.tri, can.bo.phuong or to.truong.1 (password {DEV_PASSWORD})",
        done.learners,
        done.progress_records,
        done.credentials,
        started.elapsed()
    );
    Ok(())
}

pub async fn dashboard(common: &super::Common, cmd: DashboardCommand) -> Result<()> {
    let DashboardCommand::Rebuild = cmd;
    let catalog = hocvuso_course::load(&common.content_dir).map_err(|p| {
        anyhow::anyhow!(
            "content in {} is invalid:\n{p}",
            common.content_dir.display()
        )
    })?;
    let store = common.store().await?;
    let started = Instant::now();
    let changed = store.rebuild_milestones(&catalog.groups).await?;
    store.rebuild_aggregates().await?;
    println!(
        "milestones updated for {changed} learners; counters rebuilt in {:.1?}",
        started.elapsed()
    );
    Ok(())
}
