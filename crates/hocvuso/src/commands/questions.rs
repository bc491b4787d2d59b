use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use hocvuso_assessment::interchange::{self, Format};

#[derive(Subcommand)]
pub enum Command {
    /// Convert a question bank between formats and print it.
    Convert {
        /// The bank to read (`-` for standard input).
        input: PathBuf,
        /// gift, moodle-xml, qti, json or toml.
        #[arg(long)]
        from: Format,
        /// gift, moodle-xml or json.
        #[arg(long)]
        to: Format,
    },
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Convert { input, from, to } => {
            let text = if input.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                    .context("reading standard input")?;
                s
            } else {
                std::fs::read_to_string(&input)
                    .with_context(|| format!("reading {}", input.display()))?
            };
            match interchange::convert(&text, from, to) {
                Ok(out) => {
                    print!("{out}");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("{}: cannot convert:\n{e}", input.display());
                    std::process::exit(1);
                }
            }
        }
    }
}
