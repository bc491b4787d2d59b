use anyhow::{Context, Result};
use clap::Args as ClapArgs;

#[derive(ClapArgs)]
pub struct Args {
    /// Revert every migration instead (drops all tables and their data).
    #[arg(long)]
    down: bool,
}

pub async fn run(common: &super::Common, args: Args) -> Result<()> {
    let store = common.store().await?;
    if args.down {
        store
            .migrate_down_all()
            .await
            .context("reverting migrations")?;
        println!("all migrations reverted");
    } else {
        println!("migrations applied");
    }
    Ok(())
}
