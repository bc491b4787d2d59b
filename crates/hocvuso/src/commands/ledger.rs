//! `hocvuso ledger verify`: checks the completion ledger's hash chain, then compares every
//! course completion, path certificate and stored credential with it, and names each
//! disagreement (an edited, inserted or deleted row; a revocation cleared or deleted).

use anyhow::{Context, Result};
use clap::Subcommand;
use hocvuso_credentials::KeyStore;
use time::OffsetDateTime;

use hocvuso_server::app::ledger;
use hocvuso_server::issuer::keys_dir;

#[derive(Subcommand)]
pub enum Command {
    /// Check the hash chain and every certificate against it; exit non-zero on any problem.
    Verify,
}

pub async fn run(common: &super::Common, cmd: Command) -> Result<()> {
    match cmd {
        Command::Verify => {
            let store = common.store().await?;
            let dir = keys_dir(&common.data_dir);
            let ring = if dir.join("keys.json").exists() {
                Some(KeyStore::open(&dir).context("opening the key ring")?)
            } else {
                eprintln!(
                    "no key ring in {}: stored credentials are not checked (give --data-dir)",
                    dir.display()
                );
                None
            };
            let report = ledger::verify(&store, ring.as_ref(), OffsetDateTime::now_utc())
                .await
                .context("reading the ledger and the certificates")?;
            for finding in &report.findings {
                println!("{finding}");
            }
            let held = format!(
                "{} course completions and {} path certificates ({})",
                report.course_completions,
                report.path_certificates,
                if report.credentials_checked {
                    "with their credentials"
                } else {
                    "credentials not checked: no key ring"
                }
            );
            match (&report.chain, report.findings.len()) {
                (Ok(head), 0) => {
                    // Keep this line somewhere else too (a report, a backup): a ledger cut
                    // short only shows against a head seen earlier. The server also publishes
                    // it on /issuer and in every export.
                    println!(
                        "ledger ok: {} records, head {} {}; {held} agree with it",
                        head.seq, head.seq, head.hash
                    );
                    Ok(())
                }
                (Ok(head), n) => Err(anyhow::anyhow!(
                    "ledger chain intact ({} records, head {} {}), but {n} disagreement(s) with the database above; checked {held}",
                    head.seq,
                    head.seq,
                    head.hash
                )),
                (Err(broken), n) => Err(anyhow::anyhow!(
                    "{broken}; and {n} disagreement(s) with the database above; checked {held}"
                )),
            }
        }
    }
}
