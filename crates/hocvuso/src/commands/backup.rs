//! `hocvuso backup DEST` and `hocvuso restore SRC`: a consistent copy of the database while the
//! server runs, and putting one back (the server stopped). See `docs/operations.md` for the
//! drill, and remember the data folder's `keys/`: a database without its signing keys restores
//! certificates nobody can re-sign.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;

use hocvuso_store::backup::{self, BackupError};

#[derive(ClapArgs)]
pub struct BackupArgs {
    /// The file to write (must not exist): an SQLite database, or a pg_dump archive.
    dest: PathBuf,
}

#[derive(ClapArgs)]
pub struct RestoreArgs {
    /// A file `hocvuso backup` wrote.
    src: PathBuf,
    /// Overwrite the existing database (stop the server first).
    #[arg(long)]
    replace: bool,
}

fn refused(e: BackupError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub async fn backup(common: &super::Common, args: BackupArgs) -> Result<()> {
    if is_postgres(&common.database_url) {
        backup::backup_postgres(&common.database_url, &args.dest).map_err(refused)?;
    } else {
        let store = common.store().await?;
        store.backup_sqlite(&args.dest).await.map_err(refused)?;
    }
    println!("backup written to {}", args.dest.display());
    Ok(())
}

pub async fn restore(common: &super::Common, args: RestoreArgs) -> Result<()> {
    if is_postgres(&common.database_url) {
        backup::restore_postgres(&args.src, &common.database_url).map_err(refused)?;
    } else {
        let target = super::sqlite_path(&common.database_url).context(
            "the database URL names no SQLite file to restore into (give --database-url)",
        )?;
        backup::restore_sqlite(&args.src, &target, args.replace)
            .await
            .map_err(refused)?;
    }
    // Opening it applies any migration the backup predates, and shows what came back.
    let store = common.store().await?;
    for (table, rows) in backup::row_counts(store.connection()).await? {
        println!("{table:32} {rows}");
    }
    match store.ledger_head().await? {
        Some(h) => println!(
            "restored; ledger head {} {}: compare it with the head you kept, then run `hocvuso ledger verify`",
            h.seq, h.hash
        ),
        None => println!("restored; the ledger is empty"),
    }
    Ok(())
}
