//! Settings, read in one place: the defaults below, then an optional TOML file (`--config` or
//! `HOCVUSO_CONFIG`), then `HOCVUSO_*` environment variables, then flags, each over the one
//! before, layered by `figment` (`Settings::load`). Nothing else in the program reads a
//! `HOCVUSO_*` variable (`HOCVUSO_LOG`, the log filter, is read by the log set-up before the
//! settings, so their problems can be logged). A variable that names no setting is warned
//! about, since it is most often a misspelt one. `docs/operations.md` lists every key.
//! Secrets are never printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::Deserialize;

#[derive(Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    /// The most database connections this process opens (`HOCVUSO_DATABASE_POOL`); none:
    /// sqlx's default (10). A SQLite file still has one writer at a time whatever the pool.
    pub database_pool: Option<u32>,
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
    /// Speak missing lesson narration in the background at start (`HOCVUSO_NARRATION`: `off`
    /// leaves it to `hocvuso content audio`, for measurements and busy machines).
    pub narration_in_background: bool,
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
            database_pool: None,
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
            narration_in_background: true,
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
            .field("database_pool", &self.database_pool)
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

/// Every key an operator may set: in the file as written here, as a variable `HOCVUSO_` and
/// the key in capitals (`bind` is `HOCVUSO_BIND`), as a flag `--` and the key with dashes
/// where the command has one.
pub const KEYS: [&str; 21] = [
    "database_url",
    "database_pool",
    "data_dir",
    "content_dir",
    "bind",
    "public_url",
    "secure_cookies",
    "issuer_name",
    "trusted_proxies",
    "registrations_per_hour",
    "sign_ins_per_hour",
    "smtp_url",
    "mail_from",
    "metrics_token",
    "credential_algorithm",
    "require_totp_for_admins",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_label",
    "narration",
];

/// Variables of this name that are not settings, so never warned about: the log filter, the
/// file's own name, and what the tests and scripts read (`HOCVUSO_TEST_*`, `HOCVUSO_BENCH_*`,
/// `HOCVUSO_BIN`, `HOCVUSO_REQUIRE_*`).
const NOT_SETTINGS: [&str; 3] = ["HOCVUSO_LOG", "HOCVUSO_CONFIG", "HOCVUSO_BIN"];
const NOT_SETTINGS_PREFIXES: [&str; 3] = ["HOCVUSO_TEST_", "HOCVUSO_BENCH_", "HOCVUSO_REQUIRE_"];

/// One value as the file, a variable or a flag wrote it. A variable and a flag are text; a
/// TOML file may write a number, a true/false or a list (of proxies) as itself.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(untagged)]
enum Raw {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl Raw {
    fn text(&self) -> String {
        match self {
            Raw::Bool(b) => b.to_string(),
            Raw::Int(n) => n.to_string(),
            Raw::Text(t) => t.trim().to_owned(),
            Raw::List(l) => l.join(","),
        }
    }
}

/// What `Settings::load` read, before it is checked.
struct Layers(BTreeMap<String, Raw>);

impl Layers {
    fn name(key: &str) -> String {
        format!("HOCVUSO_{}", key.to_uppercase())
    }

    /// The value, trimmed; an empty value counts as unset (as `HOCVUSO_X=` in a unit file).
    fn text(&self, key: &str) -> Option<String> {
        self.0.get(key).map(Raw::text).filter(|t| !t.is_empty())
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, String> {
        match self.text(key).as_deref() {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(other) => Err(format!(
                "{}: {other} is neither true nor false",
                Self::name(key)
            )),
        }
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, String> {
        self.text(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("{}: {v} is not a whole number", Self::name(key)))
            })
            .transpose()
    }

    fn per_hour(&self, key: &str, default: u32) -> Result<u32, String> {
        let value = self.number(key)?.unwrap_or(default);
        if value == 0 {
            return Err(format!("{} must be at least 1", Self::name(key)));
        }
        Ok(value)
    }
}

/// The settings and what the operator should hear about them (logged by the caller, once
/// logging is set up).
pub struct Loaded {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

impl Settings {
    /// Reads the settings from the layers, weakest first: defaults, the TOML file `file` (or
    /// `HOCVUSO_CONFIG`'s; a named file must exist), the `HOCVUSO_*` variables of `env`, then
    /// `flags` (key, value). The file may hold only known keys; an unknown variable is a warning.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(&str, Option<String>)],
    ) -> Result<Loaded, String> {
        let mut warnings = Vec::new();
        let mut vars = BTreeMap::new();
        let mut file_from_env = None;
        for (name, value) in env {
            let Some(key) = name.strip_prefix("HOCVUSO_") else {
                continue;
            };
            let key = key.to_lowercase();
            if KEYS.contains(&key.as_str()) {
                vars.insert(key, value);
            } else if name == "HOCVUSO_CONFIG" {
                file_from_env = Some(PathBuf::from(value));
            } else if !NOT_SETTINGS.contains(&name.as_str())
                && !NOT_SETTINGS_PREFIXES.iter().any(|p| name.starts_with(p))
            {
                warnings.push(format!(
                    "{name} is set but names no setting (misspelt?); it is ignored"
                ));
            }
        }
        let mut figment = Figment::new();
        if let Some(path) = file.map(Path::to_path_buf).or(file_from_env) {
            if !path.is_file() {
                return Err(format!(
                    "the settings file {} does not exist",
                    path.display()
                ));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let flags: BTreeMap<&str, String> = flags
            .iter()
            .filter_map(|(k, v)| Some((*k, v.clone()?)))
            .collect();
        let layers: BTreeMap<String, Raw> = figment
            .merge(Serialized::defaults(vars))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| format!("settings: {e}"))?;
        if let Some(unknown) = layers.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "the settings file has an unknown key {unknown:?}; the keys are: {}",
                KEYS.join(", ")
            ));
        }
        let settings = Layers(layers).settings()?;
        Ok(Loaded { settings, warnings })
    }
}

impl Settings {
    /// `load` over this process's environment: the one place the program reads it.
    pub fn from_environment(
        file: Option<&Path>,
        flags: &[(&str, Option<String>)],
    ) -> Result<Loaded, String> {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::load(file, env, flags)
    }
}

impl Layers {
    fn settings(&self) -> Result<Settings, String> {
        let d = Settings::default();
        let bind = self.text("bind").unwrap_or(d.bind);
        let trusted_proxies = self
            .text("trusted_proxies")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<std::net::IpAddr>()
                    .map_err(|_| format!("HOCVUSO_TRUSTED_PROXIES: {s} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            database_url: self.text("database_url").unwrap_or(d.database_url),
            database_pool: match self.number::<u32>("database_pool")? {
                Some(0) => return Err("HOCVUSO_DATABASE_POOL must be at least 1".into()),
                n => n,
            },
            data_dir: self.text("data_dir").map_or(d.data_dir, PathBuf::from),
            content_dir: self
                .text("content_dir")
                .map_or(d.content_dir, PathBuf::from),
            public_url: self
                .text("public_url")
                .unwrap_or_else(|| format!("http://{bind}")),
            bind,
            session_minutes: d.session_minutes,
            secure_cookies: self.flag("secure_cookies")?.unwrap_or(d.secure_cookies),
            issuer_name: self.text("issuer_name").unwrap_or(d.issuer_name),
            mail: self.mail()?,
            paper_seed: None,
            trusted_proxies,
            registrations_per_hour: self
                .per_hour("registrations_per_hour", d.registrations_per_hour)?,
            sign_ins_per_hour: self.per_hour("sign_ins_per_hour", d.sign_ins_per_hour)?,
            metrics_token: self.text("metrics_token"),
            credential_algorithm: self
                .text("credential_algorithm")
                .map(|v| parse_algorithm(&v))
                .transpose()?,
            require_totp_for_admins: self.flag("require_totp_for_admins")?.unwrap_or(false),
            oidc: self.oidc()?,
            narration_in_background: self.text("narration").as_deref() != Some("off"),
        })
    }

    /// Reminder e-mail: both the server and the sender, or neither.
    fn mail(&self) -> Result<Option<crate::mail::MailSettings>, String> {
        let Some(smtp_url) = self.text("smtp_url") else {
            return Ok(None);
        };
        let from = self.text("mail_from").ok_or(
            "HOCVUSO_SMTP_URL is set but HOCVUSO_MAIL_FROM is not: whom do reminders come from?",
        )?;
        let mail = crate::mail::MailSettings { smtp_url, from };
        crate::mail::Mailer::new(&mail)?;
        Ok(Some(mail))
    }

    /// The identity provider: all of issuer, client id and secret, or none.
    fn oidc(&self) -> Result<Option<OidcSettings>, String> {
        match (
            self.text("oidc_issuer"),
            self.text("oidc_client_id"),
            self.text("oidc_client_secret"),
        ) {
            (None, None, None) => Ok(None),
            (Some(issuer), Some(client_id), Some(client_secret)) => Ok(Some(OidcSettings {
                issuer,
                client_id,
                client_secret,
                label: self.text("oidc_label").unwrap_or_else(|| "VNeID".into()),
            })),
            _ => Err("HOCVUSO_OIDC_ISSUER, HOCVUSO_OIDC_CLIENT_ID and HOCVUSO_OIDC_CLIENT_SECRET go together: set all three or none".into()),
        }
    }
}

/// `EdDSA` or `RS256` (any case), for `HOCVUSO_CREDENTIAL_ALGORITHM` and
/// `keys rotate --algorithm`.
pub fn parse_algorithm(v: &str) -> Result<hocvuso_credentials::Algorithm, String> {
    use hocvuso_credentials::Algorithm;
    [Algorithm::EdDSA, Algorithm::RS256]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(v.trim()))
        .ok_or_else(|| format!("HOCVUSO_CREDENTIAL_ALGORITHM: {v} is neither EdDSA nor RS256"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        vars.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn flags_win_over_variables_which_win_over_the_file_which_wins_over_defaults(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("hocvuso-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("hocvuso.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\nissuer_name = \"UBND phường A\"\nsign_ins_per_hour = 50\n\
             secure_cookies = true\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n",
        )?;
        let loaded = Settings::load(
            Some(&file),
            env(&[
                ("HOCVUSO_ISSUER_NAME", "UBND phường B"),
                ("HOCVUSO_BIND", "0.0.0.0:9001"),
            ]),
            &[
                ("bind", Some("127.0.0.1:9002".into())),
                ("public_url", None),
            ],
        )?;
        let s = loaded.settings;
        assert_eq!(s.bind, "127.0.0.1:9002");
        assert_eq!(s.public_url, "http://127.0.0.1:9002");
        assert_eq!(s.issuer_name, "UBND phường B");
        assert_eq!(s.sign_ins_per_hour, 50);
        assert!(s.secure_cookies);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(
            s.registrations_per_hour,
            Settings::default().registrations_per_hour
        );
        assert!(loaded.warnings.is_empty());
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn a_variable_that_names_no_setting_is_warned_about_and_digits_stay_text(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let loaded = Settings::load(
            None,
            env(&[
                ("HOCVUSO_SECURE_COOKIE", "true"),
                ("HOCVUSO_METRICS_TOKEN", "0123456789"),
                ("HOCVUSO_LOG", "debug"),
                ("HOCVUSO_TEST_DATABASE_URL", "postgres://x"),
                ("PATH", "/bin"),
            ]),
            &[],
        )?;
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
        assert!(loaded.warnings[0].starts_with("HOCVUSO_SECURE_COOKIE "));
        assert!(!loaded.settings.secure_cookies);
        assert_eq!(loaded.settings.metrics_token.as_deref(), Some("0123456789"));
        Ok(())
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let bad = |k: &str, v: &str| {
            Settings::load(None, env(&[(k, v)]), &[])
                .err()
                .unwrap_or_default()
        };
        assert!(bad("HOCVUSO_SIGN_INS_PER_HOUR", "many").starts_with("HOCVUSO_SIGN_INS_PER_HOUR"));
        assert!(bad("HOCVUSO_SIGN_INS_PER_HOUR", "0").contains("at least 1"));
        assert!(bad("HOCVUSO_SECURE_COOKIES", "maybe").contains("neither true nor false"));
        assert!(bad("HOCVUSO_TRUSTED_PROXIES", "proxy").contains("not an IP address"));
        assert!(bad("HOCVUSO_CREDENTIAL_ALGORITHM", "HS256").contains("neither EdDSA"));
        assert!(bad("HOCVUSO_OIDC_ISSUER", "https://id.example").contains("go together"));
        assert!(bad("HOCVUSO_SMTP_URL", "smtp://localhost").contains("HOCVUSO_MAIL_FROM"));
    }

    #[test]
    fn a_file_with_an_unknown_key_or_a_missing_file_is_refused(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("hocvuso-settings-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("hocvuso.toml");
        std::fs::write(&file, "bindd = \"0.0.0.0:9000\"\n")?;
        let e = Settings::load(Some(&file), [], &[])
            .err()
            .unwrap_or_default();
        assert!(e.contains("\"bindd\""), "{e}");
        let e = Settings::load(Some(&dir.join("none.toml")), [], &[])
            .err()
            .unwrap_or_default();
        assert!(e.contains("does not exist"), "{e}");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
