pub mod backup;
pub mod content;
pub mod dev;
pub mod keys;
pub mod ledger;
pub mod migrate;
pub mod questions;
pub mod search;
pub mod serve;
pub mod user;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

/// Settings every command shares.
#[derive(Args, Clone)]
pub struct Common {
    /// Database URL: sqlite://path?mode=rwc or postgres://…
    #[arg(
        long,
        global = true,
        env = "HOCVUSO_DATABASE_URL",
        default_value = "sqlite://data/hocvuso.db?mode=rwc",
        hide_env_values = true
    )]
    pub database_url: String,
    /// Runtime files (keys, uploads, the default SQLite database).
    #[arg(long, global = true, env = "HOCVUSO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The content folder.
    #[arg(
        long,
        global = true,
        env = "HOCVUSO_CONTENT_DIR",
        default_value = "content"
    )]
    pub content_dir: PathBuf,
}

impl Common {
    /// Connects to the database, creating the data folder first for the default SQLite file.
    pub async fn store(&self) -> Result<hocvuso_store::Store> {
        if self.database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&self.data_dir)
                .with_context(|| format!("creating {}", self.data_dir.display()))?;
            if let Some(path) = sqlite_path(&self.database_url) {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
            }
        }
        let store = hocvuso_store::Store::connect(&self.database_url)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("applying migrations")?;
        Ok(store)
    }
}

pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The address to listen on: the flag, `HOCVUSO_BIND`, or 127.0.0.1:8080.
pub fn bind(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("HOCVUSO_BIND").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".into())
}

/// The public base URL credentials and QR codes name: the flag, `HOCVUSO_PUBLIC_URL`, or the
/// listening address. `dev seed` uses it too, so seeded credentials match the server's.
pub fn public_url(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("HOCVUSO_PUBLIC_URL").ok())
        .unwrap_or_else(|| format!("http://{}", bind(None)))
}

/// The algorithm of new credential signing keys: `HOCVUSO_CREDENTIAL_ALGORITHM` (`EdDSA` or
/// `RS256`, case as written), or None when it is not set.
pub fn credential_algorithm() -> Result<Option<hocvuso_credentials::Algorithm>> {
    match std::env::var("HOCVUSO_CREDENTIAL_ALGORITHM") {
        Ok(v) if !v.trim().is_empty() => parse_algorithm(&v).map(Some),
        _ => Ok(None),
    }
}

/// `EdDSA` or `RS256` (any case), for the variable and `keys rotate --algorithm`.
pub fn parse_algorithm(v: &str) -> Result<hocvuso_credentials::Algorithm> {
    use hocvuso_credentials::Algorithm;
    [Algorithm::EdDSA, Algorithm::RS256]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(v.trim()))
        .with_context(|| format!("HOCVUSO_CREDENTIAL_ALGORITHM: {v} is neither EdDSA nor RS256"))
}

/// The issuing unit named on certificates: the flag, `HOCVUSO_ISSUER_NAME`, or the default.
pub fn issuer_name(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("HOCVUSO_ISSUER_NAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| hocvuso_server::Settings::default().issuer_name)
}
