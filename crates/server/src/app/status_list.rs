//! Revocation that verifiers see without asking about one credential: the status index every
//! signed credential gets, and the signed Bitstring Status List credentials that publish the
//! revoked ones (`GET /credentials/status/{n}`).
//!
//! * Indexes come from the database's allocator in blocks of [`BLOCK`], handed out here one per
//!   signature. A credential signed for a completion that does not happen leaves its index
//!   unused: a bit that stays 0, never given to another certificate.
//! * A list is derived from the database (`status_list_revocations`), signed with the active
//!   key and cached per instance by the list's version, which the revocation's transaction
//!   bumps. Every request reads the version (one primary-key lookup), so a revocation shows on
//!   every instance at once; the bits are read and signed only when the version or the key
//!   changed.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use hocvuso_credentials::status_list::{self, StatusIndex};
use hocvuso_credentials::vc_jwt;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// Indexes reserved from the database at once: one write per this many signatures.
pub const BLOCK: u64 = 64;

/// This instance's share of the status lists: the block of indexes it hands out and the
/// signed lists it serves.
#[derive(Default)]
pub struct StatusLists {
    block: tokio::sync::Mutex<Range<u64>>,
    served: Mutex<HashMap<u32, Arc<SignedList>>>,
}

/// One list as served: the compact JWT and its entity tag, for the version and key it was
/// signed for.
#[derive(Debug)]
pub struct SignedList {
    pub version: i64,
    kid: String,
    pub jwt: String,
    /// A strong entity tag (quoted): a digest of the JWT, the same on every instance that
    /// signs the same version with the same key.
    pub etag: String,
}

/// A new status index for a credential about to be signed.
pub async fn next_index(state: &AppState) -> Result<StatusIndex, AppError> {
    let lists = &state.issuer.status_lists;
    let mut block = lists.block.lock().await;
    if block.is_empty() {
        let first = state
            .store
            .reserve_status_indexes(BLOCK, state.clock.now())
            .await?;
        *block = first..first + BLOCK;
    }
    let g = block.start;
    block.start += 1;
    StatusIndex::from_global(g).ok_or_else(|| {
        tracing::error!(index = g, "status index beyond the last list");
        AppError::internal()
    })
}

/// List `list`, signed, as of its current version; None for a list no index was handed out
/// from.
pub async fn signed_list(state: &AppState, list: u32) -> Result<Option<Arc<SignedList>>, AppError> {
    let Some(version) = state.store.status_list_version(list).await? else {
        return Ok(None);
    };
    let ring = state.issuer.ring();
    let kid = ring
        .active()
        .map(|k| k.kid.clone())
        .ok_or_else(AppError::internal)?;
    let cached = state
        .issuer
        .status_lists
        .served
        .lock()
        .ok()
        .and_then(|m| m.get(&list).cloned());
    if let Some(c) = cached {
        if c.version == version.version && c.kid == kid {
            return Ok(Some(c));
        }
    }
    let revoked = state.store.status_list_revoked(list).await?;
    let signed = status_list::list_credential(
        &state.issuer.base,
        &state.issuer.name,
        list,
        revoked,
        version.changed_at,
    )
    .and_then(|credential| vc_jwt::sign(&ring, &state.issuer.base, credential))
    .map_err(|e| {
        tracing::error!(error = %e, list, "cannot sign a status list");
        AppError::internal()
    })?;
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(signed.jwt.as_bytes()))[..32]
    );
    let fresh = Arc::new(SignedList {
        version: version.version,
        kid: signed.kid,
        jwt: signed.jwt,
        etag,
    });
    if let Ok(mut m) = state.issuer.status_lists.served.lock() {
        // A slower request must not put back an older version than one already cached.
        let newer = m.get(&list).is_some_and(|c| c.version > fresh.version);
        if !newer {
            m.insert(list, fresh.clone());
        }
    }
    Ok(Some(fresh))
}

/// Whether an `If-None-Match` header names `etag` (or is `*`); weak tags compare weakly.
pub fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

#[cfg(test)]
mod tests {
    use super::matches_etag;

    #[test]
    fn if_none_match_names_the_tag_among_others_or_any() {
        assert!(matches_etag("\"abc\"", "\"abc\""));
        assert!(matches_etag("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches_etag("*", "\"abc\""));
        assert!(!matches_etag("\"abcd\"", "\"abc\""));
        assert!(!matches_etag("", "\"abc\""));
    }
}
