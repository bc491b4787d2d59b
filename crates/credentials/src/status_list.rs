//! Revocation a verifier can see without asking us about one credential: W3C Bitstring Status
//! List v1.0.
//!
//! Every credential carries a `credentialStatus` ([`entry`]): a `BitstringStatusListEntry` with
//! `statusPurpose: revocation`, the URL of a status list credential and the credential's
//! position in it. The status list credential ([`list_credential`]) is a
//! `BitstringStatusListCredential` whose `encodedList` is a bitstring of [`LIST_SIZE`] bits
//! (16 KB, the spec's minimum for herd privacy), GZIP-compressed and base64url-encoded with the
//! multibase prefix `u`. Bit *i* is 1 when the credential at position *i* is revoked; position 0
//! is the left-most (most significant) bit of the first byte.
//!
//! Positions are handed out as one global index per signed credential: index *g* is position
//! `g % LIST_SIZE` of list `g / LIST_SIZE + 1` ([`StatusIndex`]). A verifier fetching a list
//! learns only that someone among its 131,072 credentials is being checked.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::openbadges::{issuer_profile, rfc3339_seconds, VC_CONTEXT};
use crate::{Error, PublicUrl};

/// Bits in one status list: 131,072 = 16 KB, the minimum the spec asks for.
pub const LIST_SIZE: u64 = 131_072;

/// The only status purpose we publish.
pub const PURPOSE: &str = "revocation";

/// Where one credential's status lives: list `list` (1, 2, …), bit `position` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusIndex {
    pub list: u32,
    pub position: u32,
}

impl StatusIndex {
    /// The list and position of global index `g`; None past the last list a `u32` can number.
    pub fn from_global(g: u64) -> Option<Self> {
        let list = u32::try_from(g / LIST_SIZE + 1).ok()?;
        let position = u32::try_from(g % LIST_SIZE).ok()?;
        Some(Self { list, position })
    }

    /// The global index: what the store's counter hands out.
    pub fn global(self) -> u64 {
        (u64::from(self.list) - 1) * LIST_SIZE + u64::from(self.position)
    }
}

/// The `credentialStatus` of a credential whose index is `index`.
pub fn entry(base: &PublicUrl, index: StatusIndex) -> Value {
    let list_url = base.status_list_url(index.list);
    json!({
        "id": format!("{list_url}#{}", index.position),
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": index.position.to_string(),
        "statusListCredential": list_url,
    })
}

/// The revocation index a credential (the JSON, or a JWT payload) names in its
/// `credentialStatus`, if it has one of ours of any base URL.
pub fn index_of(credential: &Value) -> Option<StatusIndex> {
    let statuses: Vec<&Value> = match credential.get("credentialStatus")? {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    statuses.into_iter().find_map(|s| {
        if s.get("type")?.as_str()? != "BitstringStatusListEntry"
            || s.get("statusPurpose")?.as_str()? != PURPOSE
        {
            return None;
        }
        let list = PublicUrl::status_list_in(s.get("statusListCredential")?.as_str()?)?;
        let position: u32 = s.get("statusListIndex")?.as_str()?.parse().ok()?;
        (u64::from(position) < LIST_SIZE).then_some(StatusIndex { list, position })
    })
}

/// The revocation index named in a compact JWT's payload, *without verifying it*: for the
/// issuer's own stored credentials, to find the bit a revocation flips.
pub fn index_in_jwt(jwt: &str) -> Option<StatusIndex> {
    index_of(&crate::vc_jwt::payload_of(jwt)?)
}

/// The `encodedList` for a list whose revoked positions are `revoked` (any order, duplicates
/// allowed; positions past the list are ignored): GZIP, then multibase base64url (`u…`).
pub fn encode(revoked: impl IntoIterator<Item = u32>) -> Result<String, Error> {
    let mut bits = vec![0u8; (LIST_SIZE / 8) as usize];
    for p in revoked {
        if let Some(byte) = bits.get_mut((p / 8) as usize) {
            *byte |= 0x80 >> (p % 8);
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&bits)
        .map_err(|_| Error::Credential("status list compression"))?;
    let compressed = gz
        .finish()
        .map_err(|_| Error::Credential("status list compression"))?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(compressed)))
}

/// The bitstring inside an `encodedList` (for tests and for checking a published list); None
/// when it is not multibase base64url GZIP or decompresses to more than 16 MB.
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    let compressed = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .take(16 << 20)
        .read_to_end(&mut bits)
        .ok()?;
    Some(bits)
}

/// Whether bit `position` of a decoded bitstring is set.
pub fn is_set(bits: &[u8], position: u32) -> bool {
    bits.get((position / 8) as usize)
        .is_some_and(|b| b & (0x80 >> (position % 8)) != 0)
}

/// The unsigned `BitstringStatusListCredential` of list `list`, valid from `valid_from` (when
/// its bits last changed), issued by the same `Profile` as the credentials.
pub fn list_credential(
    base: &PublicUrl,
    issuer_name: &str,
    list: u32,
    revoked: impl IntoIterator<Item = u32>,
    valid_from: OffsetDateTime,
) -> Result<Value, Error> {
    let url = base.status_list_url(list);
    Ok(json!({
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(base, issuer_name),
        "validFrom": rfc3339_seconds(valid_from)?,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked)?,
        },
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn global_indexes_map_to_lists_and_back() {
        for g in [0, 1, LIST_SIZE - 1, LIST_SIZE, 5 * LIST_SIZE + 17] {
            assert_eq!(StatusIndex::from_global(g).unwrap().global(), g);
        }
        assert_eq!(
            StatusIndex::from_global(LIST_SIZE + 3),
            Some(StatusIndex {
                list: 2,
                position: 3
            })
        );
    }

    #[test]
    fn bits_are_numbered_from_the_left_of_the_first_byte() {
        let bits =
            decode(&encode([0, 9, LIST_SIZE as u32 - 1, LIST_SIZE as u32]).unwrap()).unwrap();
        assert_eq!(bits.len() as u64, LIST_SIZE / 8);
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits[1], 0x40);
        assert_eq!(bits[bits.len() - 1], 0x01);
        assert!(is_set(&bits, 9) && !is_set(&bits, 8));
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    }

    #[test]
    fn an_entry_is_read_back_from_the_credential_it_is_in() {
        let base = PublicUrl::parse("https://x.vn/sub").unwrap();
        let index = StatusIndex {
            list: 3,
            position: 4711,
        };
        let credential = json!({ "credentialStatus": entry(&base, index) });
        assert_eq!(index_of(&credential), Some(index));
        assert_eq!(
            credential["credentialStatus"]["statusListCredential"],
            "https://x.vn/sub/credentials/status/3"
        );
        assert_eq!(index_of(&json!({})), None);
        let mut other = credential.clone();
        other["credentialStatus"]["statusPurpose"] = json!("suspension");
        assert_eq!(index_of(&other), None);
    }
}
