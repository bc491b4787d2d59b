use std::path::PathBuf;

/// What can go wrong while issuing, storing keys or rendering. A credential that fails to verify
/// is not an error: it is a [`crate::Verification`] with a reason.
///
/// No variant ever carries key material: paths and key ids only.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid public URL {0:?}: it must start with http:// or https:// and have no query or fragment")]
    PublicUrl(String),
    #[error("key store {}: {source}", path.display())]
    KeyStoreIo {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key store index {} is invalid: {reason}", path.display())]
    KeyIndex { path: PathBuf, reason: String },
    #[error("private key file {} is not a PKCS#8 key (Ed25519 or RSA) matching the index", path.display())]
    KeyFile { path: PathBuf },
    #[error("private key file {} can be read by other users (mode {mode:o}); run `chmod 600` on it", path.display())]
    KeyPermissions { path: PathBuf, mode: u32 },
    #[error("no key with id {0}")]
    UnknownKey(String),
    #[error("key {0} is already retired")]
    AlreadyRetired(String),
    #[error("the key ring has no active signing key")]
    NoActiveKey,
    #[error("a key ring needs a non-empty reason to retire a key")]
    EmptyReason,
    #[error("not a credential this crate can sign: {0}")]
    Credential(&'static str),
    #[error("credential JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("time outside the range a credential can carry")]
    Time,
    #[error("PDF: {0}")]
    Pdf(String),
}
