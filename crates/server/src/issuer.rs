//! The credential issuer: the public base URL, the issuing unit's name, and the key ring kept in
//! `<data_dir>/keys/`. The ring is re-read from disk when its index changes, so `hocvuso keys
//! rotate|retire` run next to a live server takes effect without a restart; every instance
//! sharing the data folder sees the same keys.
//!
//! The signing algorithm (`HOCVUSO_CREDENTIAL_ALGORITHM`: EdDSA, the default, or RS256) is the
//! active key's. The setting chooses the first key's algorithm, and `hocvuso keys rotate` (which
//! reads it too) switches an existing ring; a server never rotates by itself, since instances
//! sharing a data folder would each make a key.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use hocvuso_credentials::{Algorithm, Error, KeyRing, KeyStore, PublicUrl};
use time::OffsetDateTime;

pub struct Issuer {
    dir: PathBuf,
    pub base: PublicUrl,
    /// The issuing unit printed on certificates and named in credentials.
    pub name: String,
    cache: RwLock<Cached>,
    /// This instance's block of status indexes and the status lists it has signed.
    pub status_lists: crate::app::status_list::StatusLists,
}

struct Cached {
    ring: Arc<KeyRing>,
    mtime: Option<SystemTime>,
}

/// Where the key ring lives inside the data folder.
pub fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

fn index_mtime(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir.join("keys.json"))
        .and_then(|m| m.modified())
        .ok()
}

impl Issuer {
    /// Opens the ring in `<data_dir>/keys`, creating the first key (Ed25519) on first start.
    pub fn open(
        data_dir: &Path,
        public_url: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        Self::open_with(data_dir, public_url, name, None, now)
    }

    /// As [`open`](Self::open); a first key is of `algorithm` (default EdDSA). When an existing
    /// ring's active key has another algorithm than the one asked for, it keeps signing and the
    /// log says how to switch.
    pub fn open_with(
        data_dir: &Path,
        public_url: &str,
        name: &str,
        algorithm: Option<Algorithm>,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        let base = PublicUrl::parse(public_url)?;
        let dir = keys_dir(data_dir);
        let ring = KeyStore::open_or_create_with(
            &dir,
            algorithm.unwrap_or_default(),
            &mut rand::rngs::OsRng,
            now,
        )?;
        if let (Some(wanted), Some(active)) = (algorithm, ring.active()) {
            if active.algorithm != wanted {
                tracing::warn!(
                    active = %active.algorithm,
                    %wanted,
                    "the active credential signing key is not of the configured algorithm; \
                     run `hocvuso keys rotate` with HOCVUSO_CREDENTIAL_ALGORITHM set to switch"
                );
            }
        }
        Ok(Self::with_ring(dir, base, name, ring))
    }

    fn with_ring(dir: PathBuf, base: PublicUrl, name: &str, ring: KeyRing) -> Self {
        let mtime = index_mtime(&dir);
        Self {
            dir,
            base,
            name: name.to_owned(),
            cache: RwLock::new(Cached {
                ring: Arc::new(ring),
                mtime,
            }),
            status_lists: Default::default(),
        }
    }

    /// The current ring: re-read when the index file on disk changed since it was loaded (one
    /// `stat` per call). A ring that fails to load keeps the previous one, and says so in the log.
    pub fn ring(&self) -> Arc<KeyRing> {
        let on_disk = index_mtime(&self.dir);
        if let Ok(c) = self.cache.read() {
            if c.mtime == on_disk {
                return c.ring.clone();
            }
        }
        self.reload(on_disk)
    }

    /// Re-reads the ring now (e.g. after a JWT named a key this instance does not know yet).
    pub fn refresh(&self) -> Arc<KeyRing> {
        self.reload(index_mtime(&self.dir))
    }

    fn reload(&self, on_disk: Option<SystemTime>) -> Arc<KeyRing> {
        let mut c = match self.cache.write() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        match KeyStore::open(&self.dir) {
            Ok(ring) => {
                c.ring = Arc::new(ring);
                c.mtime = on_disk;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot reload the key ring; keeping the loaded one")
            }
        }
        c.ring.clone()
    }
}
