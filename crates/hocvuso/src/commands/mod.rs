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

/// The flags every command shares. Each has a variable and a settings-file key of the same
/// name (`docs/operations.md`); `Common::resolve` layers them.
#[derive(Args, Clone)]
pub struct CommonFlags {
    /// A TOML settings file (its keys: docs/operations.md) [env: HOCVUSO_CONFIG]
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://path?mode=rwc or postgres://… [env: HOCVUSO_DATABASE_URL]
    /// [default: sqlite://data/hocvuso.db?mode=rwc]
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Runtime files (keys, uploads, the default SQLite database) [env: HOCVUSO_DATA_DIR]
    /// [default: data]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The content folder [env: HOCVUSO_CONTENT_DIR] [default: content]
    #[arg(long, global = true)]
    content_dir: Option<PathBuf>,
}

/// What every command starts from: the settings, read once from the defaults, the settings
/// file, the environment and the flags (`Settings::from_environment`), with the three every
/// command uses at hand.
pub struct Common {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub content_dir: PathBuf,
    pub settings: hocvuso_server::Settings,
}

impl Common {
    /// Layers the settings; `serve` holds the server's own flags when the command is `serve`.
    /// Warnings (a `HOCVUSO_*` variable that names no setting) are logged here, once.
    pub fn resolve(flags: CommonFlags, serve: Vec<(&'static str, Option<String>)>) -> Result<Self> {
        let path = |p: Option<PathBuf>| p.map(|p| p.display().to_string());
        let mut given = vec![
            ("database_url", flags.database_url),
            ("data_dir", path(flags.data_dir)),
            ("content_dir", path(flags.content_dir)),
        ];
        given.extend(serve);
        let loaded = hocvuso_server::Settings::from_environment(flags.config.as_deref(), &given)
            .map_err(anyhow::Error::msg)?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        let settings = loaded.settings;
        Ok(Self {
            database_url: settings.database_url.clone(),
            data_dir: settings.data_dir.clone(),
            content_dir: settings.content_dir.clone(),
            settings,
        })
    }

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
        let store =
            hocvuso_store::Store::connect_pool(&self.database_url, self.settings.database_pool)
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

/// `EdDSA` or `RS256` (any case), for `keys rotate --algorithm`.
pub fn parse_algorithm(v: &str) -> Result<hocvuso_credentials::Algorithm> {
    hocvuso_server::settings::parse_algorithm(v).map_err(anyhow::Error::msg)
}
