//! Settings. The binary fills them from the command line and `HOCVUSO_*` environment variables
//! over these defaults; nothing else reads the environment. Secrets are never printed.

use std::path::PathBuf;

#[derive(Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub content_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Public base URL, used in verification links and QR codes.
    pub public_url: String,
    /// Session lifetime in minutes. Tokens are re-issued while the learner is active.
    pub session_minutes: i64,
    /// Whether cookies are marked Secure (true behind HTTPS; false for local use on http).
    pub secure_cookies: bool,
    /// The issuing unit named on certificates and in credentials (`HOCVUSO_ISSUER_NAME`).
    pub issuer_name: String,
    /// Reminder e-mail (`HOCVUSO_SMTP_URL`, `HOCVUSO_MAIL_FROM`); none: notifications only.
    pub mail: Option<crate::mail::MailSettings>,
    /// Stories only, never read from the environment: draw papers from a generator seeded with
    /// this, the learner, the quiz and the attempt's number, so a story sees the same papers on
    /// every run and on both databases. None (always in a deployment): fresh randomness.
    pub paper_seed: Option<u64>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`HOCVUSO_TRUSTED_PROXIES`). Behind
    /// a proxy that is not listed, every visitor seems to come from the proxy's address, and
    /// the limits per address would then apply to everyone together.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Self-registrations one address may make per hour, all at once or spread out
    /// (`HOCVUSO_REGISTRATIONS_PER_HOUR`).
    pub registrations_per_hour: u32,
    /// Sign-in attempts one address may make per hour from browsers that have not signed in
    /// there before (`HOCVUSO_SIGN_INS_PER_HOUR`).
    pub sign_ins_per_hour: u32,
    /// A bearer token that opens `/metrics` to other machines (`HOCVUSO_METRICS_TOKEN`); without
    /// it, only requests from this machine may read the metrics.
    pub metrics_token: Option<String>,
    /// The algorithm of new credential signing keys (`HOCVUSO_CREDENTIAL_ALGORITHM`: EdDSA or
    /// RS256); None: EdDSA for a first key, an existing ring as it is (`issuer.rs`).
    pub credential_algorithm: Option<hocvuso_credentials::Algorithm>,
    /// Administrators must sign in with a second factor (`HOCVUSO_REQUIRE_TOTP_FOR_ADMINS`):
    /// one without it enrols at the next sign-in before reaching anything else.
    pub require_totp_for_admins: bool,
    /// Sign-in with an identity provider (`HOCVUSO_OIDC_ISSUER`, `HOCVUSO_OIDC_CLIENT_ID`,
    /// `HOCVUSO_OIDC_CLIENT_SECRET`, `HOCVUSO_OIDC_LABEL`); none: local accounts only.
    pub oidc: Option<OidcSettings>,
}

/// An OpenID Connect provider (`docs/sign-in.md`).
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer URL; its `/.well-known/openid-configuration` is read at start.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The button's text, e.g. `VNeID`.
    pub label: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/hocvuso.db?mode=rwc".into(),
            content_dir: PathBuf::from("content"),
            data_dir: PathBuf::from("data"),
            public_url: "http://127.0.0.1:8080".into(),
            session_minutes: 120,
            secure_cookies: false,
            issuer_name: "Học Vụ Số".into(),
            mail: None,
            paper_seed: None,
            trusted_proxies: Vec::new(),
            registrations_per_hour: 30,
            sign_ins_per_hour: 300,
            metrics_token: None,
            credential_algorithm: None,
            require_totp_for_admins: false,
            oidc: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may carry a password.
        let db = match self.database_url.split_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => self.database_url.clone(),
        };
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &db)
            .field("content_dir", &self.content_dir)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("issuer_name", &self.issuer_name)
            // The SMTP URL may carry a password: only whether mail is on is shown.
            .field("mail", &self.mail.is_some())
            .field("trusted_proxies", &self.trusted_proxies)
            .field("registrations_per_hour", &self.registrations_per_hour)
            .field("sign_ins_per_hour", &self.sign_ins_per_hour)
            // A secret: only whether it is set.
            .field("metrics_token", &self.metrics_token.is_some())
            .field(
                "credential_algorithm",
                &self.credential_algorithm.map(|a| a.as_str()),
            )
            .field("require_totp_for_admins", &self.require_totp_for_admins)
            // The client secret is never printed.
            .field(
                "oidc_issuer",
                &self.oidc.as_ref().map(|o| o.issuer.as_str()),
            )
            .finish()
    }
}
