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
        let secret = secret_file(&data_dir.join(FILE), true)?.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "session key not created")
        })?;
        Ok(Self::from_secret(&secret))
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

/// A secret of at least 32 bytes kept in a file of its own (hex, readable by the owner only):
/// read if present; if absent, created with 32 random bytes when `create`, else `None`. Two
/// processes creating it at once both end up with the one that reached the disk first.
pub(crate) fn secret_file(path: &Path, create: bool) -> std::io::Result<Option<Vec<u8>>> {
    let invalid = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {why}", path.display()),
        )
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|e| invalid(e.to_string()))?;
            if bytes.len() < 32 {
                return Err(invalid("holds fewer than 32 bytes".into()));
            }
            Ok(Some(bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut secret = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut secret);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(path) {
                Ok(mut f) => {
                    f.write_all(hex::encode(secret).as_bytes())?;
                    f.sync_all()?;
                    tracing::info!(path = %path.display(), "created a new key file");
                    Ok(Some(secret.to_vec()))
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => secret_file(path, false),
                Err(e) => Err(e),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
