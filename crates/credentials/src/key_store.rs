//! The key ring on disk: the only module of this crate that touches files. It is handed a
//! directory (the server passes `<HOCVUSO_DATA_DIR>/keys`), never finds one by itself.
//!
//! ```text
//! keys/                      0700
//!   keys.json                the index: every key's thumbprint, algorithm, public key, dates,
//!                            status
//!   <thumbprint>.pem         the ACTIVE key's secret, PKCS#8 PEM, 0600 (Ed25519 or RSA)
//! ```
//!
//! An index written before RS256 existed has no `alg`: its keys are Ed25519.
//!
//! Only the active key's secret is kept: an earlier or retired key never signs again, so its
//! secret is deleted when it stops being active (its public key stays in the index, which is
//! all verification needs). The index is written to a temporary file and renamed, so a crash
//! leaves the old ring or the new one, never half of each. A key file that group or others can
//! read is refused, as ssh does. Several server instances must share this directory (or a copy
//! of it made after each rotation); a running server reloads it with [`KeyStore::open`].
//! Rotation and retirement are operator commands: run one at a time (there is no file lock).

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::keys::{
    rsa_public, thumbprint, Algorithm, KeyEntry, KeyInfo, KeyRing, KeyStatus, PublicKey, RsaSecret,
    Secret,
};
use crate::Error;

const INDEX: &str = "keys.json";
const FORMAT: u32 = 1;

/// Reads and writes a [`KeyRing`] in a directory.
pub struct KeyStore;

#[derive(Serialize, Deserialize)]
struct Index {
    format: u32,
    keys: Vec<IndexKey>,
}

#[derive(Serialize, Deserialize)]
struct IndexKey {
    kid: String,
    /// `EdDSA` or `RS256`; absent (an index from before RS256): `EdDSA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    /// Ed25519: the public key, base64url (the JWK's `x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    /// RSA: the modulus and the public exponent, base64url (the JWK's `n` and `e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    status: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    rotated_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    retired_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired_reason: Option<String>,
}

impl KeyStore {
    /// Opens the ring in `dir`, or creates the directory and a ring with one fresh key when
    /// there is none yet (first start).
    pub fn open_or_create(
        dir: &Path,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<KeyRing, Error> {
        Self::open_or_create_with(dir, Algorithm::EdDSA, rng, now)
    }

    /// As [`open_or_create`](Self::open_or_create), with a first key of `algorithm`. An
    /// existing ring is opened as it is, whatever its active key's algorithm.
    pub fn open_or_create_with(
        dir: &Path,
        algorithm: Algorithm,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<KeyRing, Error> {
        match fs::metadata(dir.join(INDEX)) {
            Ok(_) => Self::open(dir),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let ring = KeyRing::generate_with(algorithm, rng, now)?;
                Self::save(dir, &ring)?;
                Ok(ring)
            }
            Err(source) => Err(Error::KeyStoreIo {
                path: dir.join(INDEX),
                source,
            }),
        }
    }

    /// Opens an existing ring; an error when there is none.
    pub fn open(dir: &Path) -> Result<KeyRing, Error> {
        let index_path = dir.join(INDEX);
        let text = fs::read_to_string(&index_path).map_err(|source| Error::KeyStoreIo {
            path: index_path.clone(),
            source,
        })?;
        let bad = |reason: String| Error::KeyIndex {
            path: index_path.clone(),
            reason,
        };
        let index: Index = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if index.format != FORMAT {
            return Err(bad(format!("unknown format {}", index.format)));
        }
        let mut entries = Vec::with_capacity(index.keys.len());
        for k in index.keys {
            let algorithm = match k.alg.as_deref() {
                None => Algorithm::EdDSA,
                Some(a) => Algorithm::parse(a)
                    .ok_or_else(|| bad(format!("key {} has algorithm {a:?}", k.kid)))?,
            };
            let decode =
                |v: &Option<String>| v.as_deref().and_then(|v| URL_SAFE_NO_PAD.decode(v).ok());
            let public = match algorithm {
                Algorithm::EdDSA => decode(&k.x)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                    .map(PublicKey::Ed25519),
                Algorithm::RS256 => match (decode(&k.n), decode(&k.e)) {
                    (Some(n), Some(e)) if !n.is_empty() && !e.is_empty() => {
                        Some(PublicKey::Rsa { n, e })
                    }
                    _ => None,
                },
            }
            .ok_or_else(|| bad(format!("key {} has an invalid public key", k.kid)))?;
            if thumbprint(&public) != k.kid {
                return Err(bad(format!(
                    "key {} does not match its public key's thumbprint",
                    k.kid
                )));
            }
            let status = match (k.status.as_str(), k.rotated_at, k.retired_at) {
                ("active", _, _) => KeyStatus::Active,
                ("earlier", Some(rotated_at), _) => KeyStatus::Earlier { rotated_at },
                ("retired", _, Some(at)) => KeyStatus::Retired {
                    at,
                    reason: k.retired_reason.unwrap_or_default(),
                },
                (other, _, _) => {
                    return Err(bad(format!("key {} has status {other:?}", k.kid)));
                }
            };
            entries.push(KeyEntry {
                info: KeyInfo {
                    kid: k.kid,
                    algorithm,
                    created_at: k.created_at,
                    status,
                },
                public,
            });
        }
        let mut active = entries
            .iter()
            .filter(|e| e.info.status == KeyStatus::Active);
        let (Some(active), None) = (active.next(), active.next()) else {
            return Err(bad("there must be exactly one active key".into()));
        };
        let signing = read_secret(&key_path(dir, &active.info.kid), &active.public)?;
        Ok(KeyRing::from_parts(entries, Some(signing)))
    }

    /// Writes the ring: the active key's secret (once, 0600), then the index (atomically), then
    /// removes the secrets of keys that are no longer active.
    pub fn save(dir: &Path, ring: &KeyRing) -> Result<(), Error> {
        create_private_dir(dir)?;
        let active = ring.active().ok_or(Error::NoActiveKey)?;
        let signing = ring.secret().ok_or(Error::NoActiveKey)?;
        let secret_path = key_path(dir, &active.kid);
        if !secret_path.exists() {
            write_secret(&secret_path, signing)?;
        }
        let index = Index {
            format: FORMAT,
            keys: ring.entries().iter().map(index_key).collect(),
        };
        let json = serde_json::to_vec_pretty(&index)?;
        write_atomically(&dir.join(INDEX), &json)?;
        remove_other_secrets(dir, &active.kid)
    }

    /// `hocvuso keys rotate`: a new active key of the active key's algorithm; the old one keeps
    /// verifying. Returns the new ring (the server reloads it with [`open`](Self::open)).
    pub fn rotate(
        dir: &Path,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<KeyRing, Error> {
        let mut ring = Self::open(dir)?;
        ring.rotate(rng, now)?;
        Self::save(dir, &ring)?;
        Ok(ring)
    }

    /// `hocvuso keys rotate --algorithm A`: a new active key of `algorithm` (how an operator
    /// switches between EdDSA and RS256); the old one keeps verifying.
    pub fn rotate_to(
        dir: &Path,
        algorithm: Algorithm,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<KeyRing, Error> {
        let mut ring = Self::open(dir)?;
        ring.rotate_to(algorithm, rng, now)?;
        Self::save(dir, &ring)?;
        Ok(ring)
    }

    /// `hocvuso keys retire KID --reason …`: see [`KeyRing::retire`]. Returns the new ring and
    /// the retired key, whose `kid` the server uses to list what it signed.
    pub fn retire(
        dir: &Path,
        kid: &str,
        reason: &str,
        rng: &mut (impl RngCore + CryptoRng),
        now: OffsetDateTime,
    ) -> Result<(KeyRing, KeyInfo), Error> {
        let mut ring = Self::open(dir)?;
        let retired = ring.retire(kid, reason, rng, now)?;
        Self::save(dir, &ring)?;
        Ok((ring, retired))
    }
}

fn index_key(e: &KeyEntry) -> IndexKey {
    let (status, rotated_at, retired_at, retired_reason) = match &e.info.status {
        KeyStatus::Active => ("active", None, None, None),
        KeyStatus::Earlier { rotated_at } => ("earlier", Some(*rotated_at), None, None),
        KeyStatus::Retired { at, reason } => ("retired", None, Some(*at), Some(reason.clone())),
    };
    let (x, n, e_) = match &e.public {
        PublicKey::Ed25519(key) => (Some(URL_SAFE_NO_PAD.encode(key.as_bytes())), None, None),
        PublicKey::Rsa { n, e } => (
            None,
            Some(URL_SAFE_NO_PAD.encode(n)),
            Some(URL_SAFE_NO_PAD.encode(e)),
        ),
    };
    IndexKey {
        kid: e.info.kid.clone(),
        alg: Some(e.info.algorithm.as_str().to_owned()),
        x,
        n,
        e: e_,
        created_at: e.info.created_at,
        status: status.to_owned(),
        rotated_at,
        retired_at,
        retired_reason,
    }
}

/// Thumbprints are base64url, so they are safe file names; anything else in an index is refused
/// before it can name a path.
fn key_path(dir: &Path, kid: &str) -> PathBuf {
    let safe: String = kid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    dir.join(format!("{safe}.pem"))
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::KeyStoreIo {
        path: path.to_owned(),
        source,
    }
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_error(dir))
}

fn write_secret(path: &Path, key: &Secret) -> Result<(), Error> {
    let bad = || Error::KeyFile {
        path: path.to_owned(),
    };
    let pem = match key {
        Secret::Ed25519(key) => key.to_pkcs8_pem(LineEnding::LF).map_err(|_| bad())?,
        Secret::Rsa(secret) => {
            use rsa::pkcs8::DecodePrivateKey as _;
            let key = rsa::RsaPrivateKey::from_pkcs8_der(secret.pkcs8_der()).map_err(|_| bad())?;
            rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, LineEnding::LF).map_err(|_| bad())?
        }
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(pem.as_bytes()).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

fn read_secret(path: &Path, expected: &PublicKey) -> Result<Secret, Error> {
    let metadata = fs::metadata(path).map_err(io_error(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyPermissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = metadata;
    let pem = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(io_error(path))?);
    let bad = || Error::KeyFile {
        path: path.to_owned(),
    };
    let secret = match expected {
        PublicKey::Ed25519(_) => {
            Secret::Ed25519(SigningKey::from_pkcs8_pem(&pem).map_err(|_| bad())?)
        }
        PublicKey::Rsa { .. } => {
            use rsa::pkcs8::DecodePrivateKey as _;
            let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|_| bad())?;
            if rsa_public(&key.to_public_key()) != *expected {
                return Err(bad());
            }
            Secret::Rsa(Box::new(RsaSecret::new(&key).ok_or_else(bad)?))
        }
    };
    if secret.public() != *expected {
        return Err(bad());
    }
    Ok(secret)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("json.tmp");
    {
        let mut file = fs::File::create(&tmp).map_err(io_error(&tmp))?;
        file.write_all(bytes).map_err(io_error(&tmp))?;
        file.sync_all().map_err(io_error(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_error(path))
}

/// Removes every `<thumbprint>.pem` but the active key's: rotated and retired secrets, and any
/// left by a crash between writing a new secret and the index.
fn remove_other_secrets(dir: &Path, active_kid: &str) -> Result<(), Error> {
    let keep = key_path(dir, active_kid);
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        let is_key_file = path.extension().is_some_and(|e| e == "pem")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.len() == 43 && URL_SAFE_NO_PAD.decode(s).is_ok());
        if is_key_file && path != keep {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(source) => return Err(Error::KeyStoreIo { path, source }),
            }
        }
    }
    Ok(())
}
