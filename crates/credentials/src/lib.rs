//! Evidence of completion: everything a certificate is made of, as plain functions over plain
//! types, with no web framework, no database and no clock.
//!
//! * [`certificate_id`]: the public, unguessable id printed on every certificate.
//! * [`ledger`]: completion records as an append-only hash chain, so an edit, a deletion or a
//!   reordering made behind the platform's back is found and named; [`audit`] compares what
//!   the database holds (completions, path certificates, their credentials) with it.
//! * [`openbadges`]: the Open Badges 3.0 `AchievementCredential` (W3C VC data model 2.0).
//! * [`status_list`]: each credential's `credentialStatus` and the signed Bitstring Status List
//!   credentials that publish revocations.
//! * [`vc_jwt`]: that credential signed as a VC-JWT (Ed25519, `alg: EdDSA`; or RSA, `alg:
//!   RS256`, when the operator chooses it) and verified.
//! * [`keys`]: the issuer's key ring (active, earlier and retired keys, JWKS);
//!   [`key_store`] is the one module that touches files, to keep the ring in a directory.
//! * [`pdf`]: the printable certificate (A4, Vietnamese, embedded font, QR code).
//! * [`xapi`]: xAPI statements for the ward's learning record store, and a statement checker.
//!
//! Time, randomness, keys and paths are always passed in: tests fix them, and the server owns
//! the only clock. URLs are built in one place, [`PublicUrl`], so the routes the server must
//! serve for these documents to resolve are listed there.

pub mod audit;
pub mod certificate_id;
pub mod key_store;
pub mod keys;
pub mod ledger;
pub mod openbadges;
pub mod pdf;
pub mod status_list;
pub mod vc_jwt;
pub mod xapi;

mod error;
mod model;

pub use certificate_id::CertificateId;
pub use error::Error;
pub use key_store::KeyStore;
pub use keys::{Algorithm, KeyInfo, KeyRing, KeyStatus};
pub use model::{AchievementKind, AchievementRef, Competence, LearnerRef, Level, PublicUrl};
pub use vc_jwt::{Reason, Verification};
