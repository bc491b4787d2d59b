use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;

use hocvuso_server::auth::keys::SessionKeys;
use hocvuso_server::auth::password::Hasher;
use hocvuso_server::clock::Clock;
use hocvuso_server::{AppState, Settings};

#[derive(ClapArgs, Default)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "HOCVUSO_BIND")]
    bind: Option<String>,
    /// Public base URL (for verification links).
    #[arg(long, env = "HOCVUSO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long, env = "HOCVUSO_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The issuing unit named on certificates, e.g. "UBND phường Bến Thành".
    #[arg(long, env = "HOCVUSO_ISSUER_NAME")]
    issuer_name: Option<String>,
    /// Reverse proxies (comma-separated IP addresses) whose X-Forwarded-For is believed.
    #[arg(long, env = "HOCVUSO_TRUSTED_PROXIES")]
    trusted_proxies: Option<String>,
    /// Self-registrations one address may make per hour.
    #[arg(long, env = "HOCVUSO_REGISTRATIONS_PER_HOUR")]
    registrations_per_hour: Option<u32>,
    /// Sign-in attempts per hour from one address, by browsers new to it.
    #[arg(long, env = "HOCVUSO_SIGN_INS_PER_HOUR")]
    sign_ins_per_hour: Option<u32>,
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

pub fn prepare(common: &super::Common, args: Args) -> Result<Prepared> {
    // Environment variables apply even when `serve` is implied (plain `hocvuso`).
    let bind = super::bind(args.bind);
    let public_url = super::public_url(args.public_url);
    let secure_cookies = args.secure_cookies
        || std::env::var("HOCVUSO_SECURE_COOKIES").is_ok_and(|v| v == "true" || v == "1");

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

    // Reminder e-mail: environment only (the URL may carry the SMTP password, which a command
    // line would show to every user of the machine).
    let mail = match std::env::var("HOCVUSO_SMTP_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        None => None,
        Some(smtp_url) => {
            let from = std::env::var("HOCVUSO_MAIL_FROM")
                .ok()
                .filter(|f| !f.trim().is_empty())
                .context("HOCVUSO_SMTP_URL is set but HOCVUSO_MAIL_FROM is not: whom do reminders come from?")?;
            let mail = hocvuso_server::mail::MailSettings { smtp_url, from };
            hocvuso_server::mail::Mailer::new(&mail).map_err(anyhow::Error::msg)?;
            Some(mail)
        }
    };
    let trusted_proxies = args
        .trusted_proxies
        .or_else(|| std::env::var("HOCVUSO_TRUSTED_PROXIES").ok())
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<std::net::IpAddr>()
                .with_context(|| format!("HOCVUSO_TRUSTED_PROXIES: {s} is not an IP address"))
        })
        .collect::<Result<Vec<_>>>()?;
    let per_hour = |flag: Option<u32>, var: &str, default: u32| -> Result<u32> {
        let value = match flag {
            Some(v) => v,
            None => match std::env::var(var) {
                Ok(v) => v
                    .trim()
                    .parse()
                    .with_context(|| format!("{var}: {v} is not a whole number"))?,
                Err(_) => default,
            },
        };
        anyhow::ensure!(value > 0, "{var} must be at least 1");
        Ok(value)
    };
    let defaults = Settings::default();
    let settings = Settings {
        trusted_proxies,
        registrations_per_hour: per_hour(
            args.registrations_per_hour,
            "HOCVUSO_REGISTRATIONS_PER_HOUR",
            defaults.registrations_per_hour,
        )?,
        sign_ins_per_hour: per_hour(
            args.sign_ins_per_hour,
            "HOCVUSO_SIGN_INS_PER_HOUR",
            defaults.sign_ins_per_hour,
        )?,
        mail,
        bind: bind.clone(),
        database_url: common.database_url.clone(),
        content_dir: common.content_dir.clone(),
        data_dir: common.data_dir.clone(),
        public_url,
        secure_cookies,
        issuer_name: super::issuer_name(args.issuer_name),
        // Environment only: a command line would show the token to every user of the machine.
        metrics_token: std::env::var("HOCVUSO_METRICS_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
        credential_algorithm: super::credential_algorithm()?,
        require_totp_for_admins: env_flag("HOCVUSO_REQUIRE_TOTP_FOR_ADMINS")?,
        oidc: oidc_settings()?,
        ..Settings::default()
    };
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

pub fn run(common: &super::Common, args: Args) -> Result<()> {
    let prepared = prepare(common, args)?;
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
        // Lessons whose narration is missing are spoken in the background, when the engine is
        // installed; the server answers meanwhile. HOCVUSO_NARRATION=off leaves it to
        // `hocvuso content audio` (measurements, busy machines).
        if std::env::var("HOCVUSO_NARRATION").as_deref() != Ok("off") {
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

/// A true/false setting from the environment (unset: false).
fn env_flag(var: &str) -> Result<bool> {
    match std::env::var(var).ok().as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => anyhow::bail!("{var}: {other} is neither true nor false"),
    }
}

/// The identity provider, from the environment only (the client secret must not appear on a
/// command line): all of issuer, client id and secret, or none.
fn oidc_settings() -> Result<Option<hocvuso_server::settings::OidcSettings>> {
    let get = |v: &str| {
        std::env::var(v)
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let (issuer, id, secret) = (
        get("HOCVUSO_OIDC_ISSUER"),
        get("HOCVUSO_OIDC_CLIENT_ID"),
        get("HOCVUSO_OIDC_CLIENT_SECRET"),
    );
    match (issuer, id, secret) {
        (None, None, None) => Ok(None),
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            Ok(Some(hocvuso_server::settings::OidcSettings {
                issuer,
                client_id,
                client_secret,
                label: get("HOCVUSO_OIDC_LABEL").unwrap_or_else(|| "VNeID".into()),
            }))
        }
        _ => anyhow::bail!(
            "HOCVUSO_OIDC_ISSUER, HOCVUSO_OIDC_CLIENT_ID and HOCVUSO_OIDC_CLIENT_SECRET go together: set all three or none"
        ),
    }
}
