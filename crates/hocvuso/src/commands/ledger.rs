//! `hocvuso ledger verify`: checks the whole completion ledger and names the first record that
//! was edited, deleted or reordered behind the platform's back.

use anyhow::{Context, Result};
use clap::Subcommand;
use hocvuso_credentials::ledger;

#[derive(Subcommand)]
pub enum Command {
    /// Check the hash chain; exit non-zero at the first break.
    Verify,
}

pub async fn run(common: &super::Common, cmd: Command) -> Result<()> {
    match cmd {
        Command::Verify => {
            let store = common.store().await?;
            let records = store.ledger_records().await.context("reading the ledger")?;
            match ledger::verify_chain(&records) {
                Ok(head) => {
                    // Keep this line somewhere else too: it also catches deleted *last* records.
                    println!("ledger ok: {} records, head {}", head.seq, head.hash);
                    Ok(())
                }
                Err(broken) => Err(anyhow::anyhow!("{broken}")),
            }
        }
    }
}
