//! TOTP shared secrets encrypted at rest. Whoever reads the database (a stolen backup, an
//! export of `totp_factors`) must not be able to compute a person's codes, so the column holds
//! `v1:` and base64url of a random 96-bit nonce followed by the secret sealed with
//! ChaCha20-Poly1305 (ring's AEAD), under a 256-bit key kept in the data folder
//! (`totp.key`, beside `session.key`; created when the first secret is sealed; back it up with
//! the data folder: without it, enrolled people sign in with a recovery code and enrol again).
//! The account id is the associated data, so a sealed value copied onto another account's row
//! does not open. A value without the prefix is a secret written before encryption: it is
//! still read, and sealed in its place (`app::accounts`), so no row stays in clear.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};

use super::keys::secret_file;

/// The key's file in the data folder.
pub const KEY_FILE: &str = "totp.key";
/// What a sealed value starts with (the format's version).
pub const SEALED_PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the TOTP key file: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0} is missing, but the database holds sealed TOTP secrets: restore it from the backup of the data folder")]
    NoKey(PathBuf),
    #[error(
        "a sealed TOTP secret does not open with this key (another key file, or a changed row)"
    )]
    Open,
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

fn key(data_dir: &Path, create: bool) -> Result<LessSafeKey, SealError> {
    let path = key_path(data_dir);
    let bytes = secret_file(&path, create)?.ok_or(SealError::NoKey(path))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes[..32]).map_err(|_| SealError::Open)?;
    Ok(LessSafeKey::new(unbound))
}

fn aad(user_id: i64) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..8].copy_from_slice(b"hvs-totp");
    a[8..].copy_from_slice(&user_id.to_be_bytes());
    a
}

/// Whether a stored value is sealed (else it is a secret from before encryption).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// Seals an account's secret for the database, creating the key on first use.
pub fn seal(data_dir: &Path, user_id: i64, secret_b32: &str) -> Result<String, SealError> {
    let key = key(data_dir, true)?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut nonce);
    let mut data = secret_b32.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad(user_id)),
        &mut data,
    )
    .map_err(|_| SealError::Open)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&data);
    Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
}

/// The secret a stored value holds: opened when sealed, as it is when written before encryption.
pub fn open(data_dir: &Path, user_id: i64, stored: &str) -> Result<String, SealError> {
    let Some(body) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(stored.to_owned());
    };
    let key = key(data_dir, false)?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| SealError::Open)?;
    if bytes.len() <= NONCE_LEN {
        return Err(SealError::Open);
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
    let mut sealed = sealed.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad(user_id)), &mut sealed)
        .map_err(|_| SealError::Open)?;
    String::from_utf8(plain.to_vec()).map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("hvs-totp-seal-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_and_key() {
        let d = dir();
        assert!(!key_path(&d).exists());
        let sealed = seal(&d, 7, "JBSWY3DPEHPK3PXP").expect("seal");
        assert!(key_path(&d).exists(), "the key is created on first use");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, seal(&d, 7, "JBSWY3DPEHPK3PXP").expect("seal"));
        assert_eq!(open(&d, 7, &sealed).expect("open"), "JBSWY3DPEHPK3PXP");
        assert!(matches!(open(&d, 8, &sealed), Err(SealError::Open)));
        let mut changed = sealed.clone();
        changed.pop();
        changed.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(open(&d, 7, &changed).is_err());
        assert_eq!(
            open(&d, 7, "JBSWY3DPEHPK3PXP").expect("clear"),
            "JBSWY3DPEHPK3PXP"
        );

        let other = dir();
        assert!(matches!(open(&other, 7, &sealed), Err(SealError::NoKey(_))));
        seal(&other, 1, "X").expect("another key");
        assert!(matches!(open(&other, 7, &sealed), Err(SealError::Open)));
        let _ = std::fs::remove_dir_all(d);
        let _ = std::fs::remove_dir_all(other);
    }
}
