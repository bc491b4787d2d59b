//! The secret that signs session tokens and keys throttling hashes. Generated on first start into
//! the data folder (never in the repository), readable by the owner only.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use rand::RngCore;

#[derive(Clone)]
pub struct SessionKeys {
    secret: Arc<[u8]>,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(…)")
    }
}

const FILE: &str = "session.key";

impl SessionKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            secret: Arc::from(secret),
        }
    }

    pub fn random() -> Self {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        Self::from_secret(&secret)
    }

    /// Reads `data_dir/session.key`, creating it with a fresh random secret if absent.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{}: {e}", path.display()),
                    )
                })?;
                if bytes.len() < 32 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} holds fewer than 32 bytes", path.display()),
                    ));
                }
                Ok(Self::from_secret(&bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)?;
                let mut secret = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut secret);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(&path)?;
                f.write_all(hex::encode(secret).as_bytes())?;
                tracing::info!(path = %path.display(), "created a new session key");
                Ok(Self::from_secret(&secret))
            }
            Err(e) => Err(e),
        }
    }

    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// A keyed hash, for recognising a value (a username, an address) without storing it.
    pub fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(&self.secret);
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        hex::encode(h.finalize())
    }
}
