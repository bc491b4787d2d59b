use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;

use hocvuso_server::auth::keys::SessionKeys;
use hocvuso_server::auth::password::Hasher;
use hocvuso_server::clock::Clock;
use hocvuso_server::{AppState, Settings};

/// The server's own flags. Each has a variable and a settings-file key of the same name
/// (`docs/operations.md`), which `Common::resolve` layers under the flag.
#[derive(ClapArgs, Default)]
pub struct Args {
    /// Address to listen on [env: HOCVUSO_BIND] [default: 127.0.0.1:8080]
    #[arg(long)]
    bind: Option<String>,
    /// Public base URL (for verification links) [env: HOCVUSO_PUBLIC_URL]
    #[arg(long)]
    public_url: Option<String>,
    /// Mark cookies Secure (set when served over HTTPS) [env: HOCVUSO_SECURE_COOKIES]
    #[arg(long)]
    secure_cookies: bool,
    /// The issuing unit named on certificates, e.g. "UBND phường Bến Thành"
    /// [env: HOCVUSO_ISSUER_NAME]
    #[arg(long)]
    issuer_name: Option<String>,
    /// Reverse proxies (comma-separated IP addresses) whose X-Forwarded-For is believed
    /// [env: HOCVUSO_TRUSTED_PROXIES]
    #[arg(long)]
    trusted_proxies: Option<String>,
    /// Self-registrations one address may make per hour [env: HOCVUSO_REGISTRATIONS_PER_HOUR]
    #[arg(long)]
    registrations_per_hour: Option<u32>,
    /// Sign-in attempts per hour from one address, by browsers new to it
    /// [env: HOCVUSO_SIGN_INS_PER_HOUR]
    #[arg(long)]
    sign_ins_per_hour: Option<u32>,
}

impl Args {
    /// The flags given, as settings keys (secrets have no flag: a command line is seen by
    /// every user of the machine).
    pub fn flags(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("bind", self.bind.clone()),
            ("public_url", self.public_url.clone()),
            ("secure_cookies", self.secure_cookies.then(|| "true".into())),
            ("issuer_name", self.issuer_name.clone()),
            ("trusted_proxies", self.trusted_proxies.clone()),
            (
                "registrations_per_hour",
                self.registrations_per_hour.map(|n| n.to_string()),
            ),
            (
                "sign_ins_per_hour",
                self.sign_ins_per_hour.map(|n| n.to_string()),
            ),
        ]
    }
}

/// What a server (or a command acting as one, like `keys reissue`) needs besides the database,
/// read from flags and the environment, with content and keys checked.
pub struct Prepared {
    pub bind: String,
    pub settings: Settings,
    pub catalog: hocvuso_course::Catalog,
    pub search: hocvuso_server::app::search::SearchHandle,
    pub keys: SessionKeys,
    pub issuer: hocvuso_server::issuer::Issuer,
    pub hasher: Hasher,
}

/// The server's flags are in `common.settings` already (`Common::resolve` layered them).
pub fn prepare(common: &super::Common) -> Result<Prepared> {
    let settings = common.settings.clone();
    let bind = settings.bind.clone();

    // Content first: invalid content is refused before anything else starts.
    let catalog = hocvuso_course::load(&common.content_dir).map_err(|problems| {
        anyhow::anyhow!(
            "content in {} is invalid; fix these and start again:\n{problems}",
            common.content_dir.display()
        )
    })?;
    tracing::info!(courses = catalog.courses.len(), version = %catalog.version, "content loaded");
    let search_content =
        hocvuso_search::content::load(&common.content_dir, &catalog).map_err(|problems| {
            anyhow::anyhow!(
                "synonyms or FAQ in {} are invalid; fix these and start again:\n{problems}",
                common.content_dir.display()
            )
        })?;
    // The index is built by the first search, not here: an instance nobody searches on does
    // not hold it (docs/performance.md, "Memory").
    let search = hocvuso_server::app::search::SearchHandle::lazy(search_content);

    let keys =
        SessionKeys::load_or_create(&settings.data_dir).context("loading the session key")?;
    let issuer = hocvuso_server::issuer::Issuer::open_with(
        &settings.data_dir,
        &settings.public_url,
        &settings.issuer_name,
        settings.credential_algorithm,
        Clock::system().now(),
    )
    .context("opening the credential signing keys")?;
    let hasher = Hasher::new().map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Prepared {
        bind,
        settings,
        catalog,
        search,
        keys,
        issuer,
        hasher,
    })
}

impl Prepared {
    /// Connects to the database and assembles the application state.
    pub async fn state(self, common: &super::Common) -> Result<AppState> {
        let store = common.store().await?;
        Ok(AppState {
            store,
            catalogs: hocvuso_server::state::CatalogHandle::new(self.catalog),
            keys: self.keys,
            hasher: self.hasher,
            clock: Clock::system(),
            settings: Arc::new(self.settings),
            issuer: Arc::new(self.issuer),
            search: self.search,
        })
    }
}

pub fn run(common: &super::Common) -> Result<()> {
    let prepared = prepare(common)?;
    tracing::info!(settings = ?prepared.settings, "starting");
    if let Some(active) = prepared.issuer.ring().active() {
        tracing::info!(kid = %active.kid, alg = %active.algorithm, "credential signing key");
    }
    // Templates and translations are checked before the first request.
    hocvuso_server::views::Views::new().context("templates")?;
    hocvuso_server::i18n_global();
    let bind = prepared.bind.clone();
    actix_web::rt::System::new().block_on(async move {
        let state = prepared.state(common).await?;
        // Two-factor secrets written before they were sealed at rest are sealed now, before
        // the first request (`docs/sign-in.md`).
        hocvuso_server::app::two_factor::seal_stored_secrets(&state)
            .await
            .map_err(|e| anyhow::anyhow!("sealing two-factor secrets: {}", e.key))?;
        // Lessons whose narration is missing are spoken in the background, when the engine is
        // installed; the server answers meanwhile. HOCVUSO_NARRATION=off leaves it to
        // `hocvuso content audio` (measurements, busy machines).
        if state.settings.narration_in_background {
            hocvuso_server::narration::fill_in_background(
                state.settings.data_dir.clone(),
                state.catalog(),
            );
        }
        hocvuso_server::serve(state, &bind)
            .await
            .context("HTTP server")
    })
}
