//! `hocvuso keys list|rotate|retire|reissue`: the credential signing keys in `<data_dir>/keys/`. A
//! running server picks the change up by itself (it re-reads the key index when it changes).

use anyhow::{Context, Result};
use clap::Subcommand;
use hocvuso_credentials::{AchievementKind, KeyStatus, KeyStore};
use time::OffsetDateTime;

use hocvuso_server::issuer::keys_dir;

#[derive(Subcommand)]
pub enum Command {
    /// List every key: active, earlier (still verifying) and retired.
    List,
    /// Make a new active key; credentials signed earlier keep verifying. Its algorithm is
    /// --algorithm, else HOCVUSO_CREDENTIAL_ALGORITHM, else the active key's.
    Rotate {
        /// EdDSA or RS256: switching is a rotation (the JWKS then carries both kinds of key).
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Retire a lost or leaked key: everything it signed stops verifying and is listed.
    Retire {
        /// The key's id (thumbprint) or its URL.
        #[arg(long)]
        kid: String,
        /// Why (kept in the key index).
        #[arg(long)]
        reason: String,
    },
    /// Re-sign, with the active key, every credential a retired key signed (same certificate
    /// ids and award dates). Use the same HOCVUSO_PUBLIC_URL and HOCVUSO_ISSUER_NAME as the
    /// server, since the credentials name them.
    Reissue {
        /// The retired key's id (thumbprint) or its URL.
        #[arg(long)]
        kid: String,
        #[command(flatten)]
        server: super::serve::Args,
    },
}

fn kind(k: AchievementKind) -> &'static str {
    match k {
        AchievementKind::Course => "course",
        AchievementKind::Path => "path",
    }
}

fn status(s: &KeyStatus) -> String {
    match s {
        KeyStatus::Active => "active".into(),
        KeyStatus::Earlier { rotated_at } => format!("earlier (rotated {rotated_at})"),
        KeyStatus::Retired { at, reason } => format!("retired {at}: {reason}"),
    }
}

pub async fn run(common: &super::Common, cmd: Command) -> Result<()> {
    let dir = keys_dir(&common.data_dir);
    let now = OffsetDateTime::now_utc();
    match cmd {
        Command::List => {
            let ring = KeyStore::open(&dir).context("opening the key ring")?;
            for k in ring.keys() {
                println!(
                    "{}\t{}\t{}\t{}",
                    k.kid,
                    k.algorithm,
                    k.created_at,
                    status(&k.status)
                );
            }
        }
        Command::Rotate { algorithm } => {
            let algorithm = match algorithm {
                Some(a) => Some(super::parse_algorithm(&a)?),
                None => common.settings.credential_algorithm,
            };
            let ring = match algorithm {
                Some(a) => KeyStore::rotate_to(&dir, a, &mut rand::rngs::OsRng, now),
                None => KeyStore::rotate(&dir, &mut rand::rngs::OsRng, now),
            }
            .context("rotating the signing key")?;
            if let Some(active) = ring.active() {
                println!("new active key: {} ({})", active.kid, active.algorithm);
            }
        }
        Command::Retire { kid, reason } => {
            let (ring, retired) =
                KeyStore::retire(&dir, &kid, &reason, &mut rand::rngs::OsRng, now)
                    .context("retiring the key")?;
            println!("retired key: {}", retired.kid);
            if let Some(active) = ring.active() {
                println!("active key: {}", active.kid);
            }
            let store = common.store().await?;
            let signed = store
                .certificates_signed_by(&retired.kid)
                .await
                .context("listing what the key signed")?;
            println!(
                "{} credential(s) signed by this key no longer verify:",
                signed.len()
            );
            for c in &signed {
                println!(
                    "{}\tuser {}\t{}\t{}\t{}",
                    c.certificate_id,
                    c.user_id,
                    kind(c.kind),
                    c.achievement_id,
                    c.completed_at
                );
            }
            if !signed.is_empty() {
                println!(
                    "re-issue them with: hocvuso keys reissue --kid {}",
                    retired.kid
                );
            }
        }
        // The server flags were layered into `common.settings` (`Common::resolve`).
        Command::Reissue { kid, .. } => {
            let state = super::serve::prepare(common)?.state(common).await?;
            let done = hocvuso_server::app::evidence::reissue_signed_by(&state, &kid)
                .await
                .map_err(|e| anyhow::anyhow!("cannot re-issue: {}", e.key))?;
            println!(
                "{} credential(s) re-issued with the active key:",
                done.len()
            );
            for c in done {
                println!(
                    "{}\t{}\t{}",
                    c.certificate_id,
                    kind(c.kind),
                    c.achievement_id
                );
            }
        }
    }
    Ok(())
}
