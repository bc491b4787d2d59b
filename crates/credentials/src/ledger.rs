//! The completion ledger: an append-only hash chain of issue and revocation entries.
//!
//! Each record commits to its sequence number, the previous record's hash and its entry:
//!
//! ```text
//! hash(n) = hex(SHA-256( "hocvuso-ledger/v1\n" ‖ seq ‖ prev_hash ‖ entry ))      prev_hash(1) = GENESIS
//! ```
//!
//! so nobody can edit, delete or reorder rows in the database without the chain showing where.
//! A revocation is a new entry (with reason and actor), never an update. The store keeps the
//! rows (`seq`, `prev_hash`, `hash`, the entry's fields) and appends with [`append`] inside the
//! transaction that records the completion; `seq` must be assigned there as last + 1 (not by a
//! database sequence, which may skip numbers), under a unique constraint.
//!
//! The byte encoding is versioned (`v1`) and canonical: strings are length-prefixed UTF-8,
//! integers big-endian, times whole UTC seconds (so a database that drops sub-seconds or
//! returns another offset does not look like tampering), scores the IEEE-754 bits. Changing it
//! means a `v2` tag for new records, never rewriting old ones.
//!
//! [`verify_chain`] names the first broken record and how it broke. Deleting the *last* records
//! leaves a shorter chain that is still consistent: compare the [`ChainHead`] it returns with
//! one kept elsewhere (a log line, a backup, a printed report) to catch that too.

use std::fmt;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::AchievementKind;

/// `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"hocvuso-ledger/v1\n";

/// A learner completed a course, or passed a group's final quiz (`kind: Path`).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub certificate_id: String,
    pub user_id: i64,
    pub kind: AchievementKind,
    /// The course id, or the group id for a path.
    pub achievement_id: String,
    /// The content version (hash) the learner completed.
    pub content_version: String,
    pub completed_at: OffsetDateTime,
    pub score_percent: Option<f64>,
}

/// A certificate is withdrawn. The issue entry stays; this one is added after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revoke {
    pub certificate_id: String,
    /// Shown on the public verification page.
    pub reason: String,
    /// Who revoked it (e.g. `user:42` or `cli`), for the audit trail.
    pub actor: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Issue(Issue),
    Revoke(Revoke),
}

impl Entry {
    pub fn certificate_id(&self) -> &str {
        match self {
            Entry::Issue(i) => &i.certificate_id,
            Entry::Revoke(r) => &r.certificate_id,
        }
    }
}

/// One ledger row as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub seq: u64,
    pub prev_hash: String,
    pub hash: String,
    pub entry: Entry,
}

/// The hash of a record: lowercase hex SHA-256 over the v1 encoding.
pub fn entry_hash(seq: u64, prev_hash: &str, entry: &Entry) -> String {
    let mut e = Encoder(Sha256::new());
    e.bytes(DOMAIN);
    e.u64(seq);
    e.str(prev_hash);
    match entry {
        Entry::Issue(i) => {
            e.bytes(b"I");
            e.str(&i.certificate_id);
            e.bytes(&i.user_id.to_be_bytes());
            e.bytes(match i.kind {
                AchievementKind::Course => b"C",
                AchievementKind::Path => b"P",
            });
            e.str(&i.achievement_id);
            e.str(&i.content_version);
            e.time(i.completed_at);
            match i.score_percent {
                None => e.bytes(&[0]),
                Some(s) => {
                    e.bytes(&[1]);
                    e.u64(s.to_bits());
                }
            }
        }
        Entry::Revoke(r) => {
            e.bytes(b"R");
            e.str(&r.certificate_id);
            e.str(&r.reason);
            e.str(&r.actor);
            e.time(r.at);
        }
    }
    hex::encode(e.0.finalize())
}

struct Encoder(Sha256);

impl Encoder {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update(b);
    }
    fn u64(&mut self, n: u64) {
        self.0.update(n.to_be_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.update(s.as_bytes());
    }
    fn time(&mut self, t: OffsetDateTime) {
        self.0.update(t.unix_timestamp().to_be_bytes());
    }
}

/// The record that follows `last` (None for the first record).
pub fn append(last: Option<&Record>, entry: Entry) -> Record {
    let (seq, prev_hash) = match last {
        Some(r) => (r.seq + 1, r.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let hash = entry_hash(seq, &prev_hash, &entry);
    Record {
        seq,
        prev_hash,
        hash,
        entry,
    }
}

/// The end of a verified chain: the number of records and the last hash (`GENESIS` when
/// empty). Kept outside the database, it also catches deleted *last* records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The record at `seq` is not what was written there (its fields, hash or links changed).
    Edited,
    /// The record at `seq` is gone.
    Missing,
    /// The record at `seq` is intact but was written at another place in the chain.
    Reordered,
}

/// The first record where the chain breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: u64,
    pub kind: BreakKind,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            BreakKind::Edited => "was edited",
            BreakKind::Missing => "is missing (deleted)",
            BreakKind::Reordered => "was moved (reordered)",
        };
        write!(f, "ledger record {} {what}", self.seq)
    }
}

impl std::error::Error for ChainBreak {}

/// Checks the whole chain, given every record in `seq` order, and names the first break.
///
/// At the first record that does not hash to its stored hash, link to the record before it, or
/// follow it in sequence, the diagnosis is:
/// * it does not hash under its own `seq`, but would under another → it was moved: `Reordered`,
///   or `Missing` if what it links to is gone too (rows renumbered after a deletion);
/// * it does not hash at all → `Edited` (this record);
/// * it hashes, but a number is skipped → `Missing` (the skipped number), unless the record it
///   links to sits later in the chain → `Reordered`;
/// * it hashes and follows in sequence, but links to a hash the previous record no longer has →
///   the previous record was edited and re-hashed: `Edited` (the previous record).
///
/// Diagnosing costs up to one hash per record, once; a clean chain costs one hash per record.
pub fn verify_chain(records: &[Record]) -> Result<ChainHead, ChainBreak> {
    let mut prev_hash = GENESIS;
    let mut expected_seq = 1;
    for (i, r) in records.iter().enumerate() {
        let self_consistent = entry_hash(r.seq, &r.prev_hash, &r.entry) == r.hash;
        if self_consistent && r.prev_hash == prev_hash && r.seq == expected_seq {
            prev_hash = &r.hash;
            expected_seq += 1;
            continue;
        }
        return Err(diagnose(records, i, expected_seq, self_consistent));
    }
    Ok(ChainHead {
        seq: expected_seq - 1,
        hash: prev_hash.to_owned(),
    })
}

fn diagnose(records: &[Record], i: usize, expected_seq: u64, self_consistent: bool) -> ChainBreak {
    let r = &records[i];
    let at = |seq, kind| ChainBreak { seq, kind };
    if r.seq < expected_seq {
        // Two records claim one place, or the caller's order is not `seq` order.
        return at(r.seq, BreakKind::Reordered);
    }
    let links_to_present = |hash: &str| hash == GENESIS || records.iter().any(|q| q.hash == hash);
    if !self_consistent {
        let max_seq = records.iter().map(|q| q.seq).max().unwrap_or(0) + 1;
        let written_elsewhere =
            (1..=max_seq).any(|s| s != r.seq && entry_hash(s, &r.prev_hash, &r.entry) == r.hash);
        return if !written_elsewhere {
            at(r.seq, BreakKind::Edited)
        } else if links_to_present(&r.prev_hash) {
            at(r.seq, BreakKind::Reordered)
        } else {
            at(expected_seq, BreakKind::Missing)
        };
    }
    if records[i + 1..].iter().any(|q| q.hash == r.prev_hash) {
        return at(expected_seq, BreakKind::Reordered);
    }
    if r.seq > expected_seq {
        return at(expected_seq, BreakKind::Missing);
    }
    match i.checked_sub(1) {
        Some(p) => at(records[p].seq, BreakKind::Edited),
        None => at(r.seq, BreakKind::Edited),
    }
}

/// What the ledger says about one certificate, for `/verify/{id}` and the verify API.
#[derive(Debug, Clone, PartialEq)]
pub enum CertificateStatus<'a> {
    Unknown,
    Valid(&'a Issue),
    Revoked(&'a Issue, &'a Revoke),
}

/// The status of `certificate_id` from its entries (in ledger order; other certificates'
/// entries are ignored). The first revocation counts; a revocation without an issue is
/// `Unknown`.
pub fn certificate_status<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    certificate_id: &str,
) -> CertificateStatus<'a> {
    let mut issue = None;
    let mut revoke = None;
    for e in entries {
        match e {
            Entry::Issue(i) if i.certificate_id == certificate_id && issue.is_none() => {
                issue = Some(i)
            }
            Entry::Revoke(r) if r.certificate_id == certificate_id && revoke.is_none() => {
                revoke = Some(r)
            }
            _ => {}
        }
    }
    match (issue, revoke) {
        (Some(i), Some(r)) => CertificateStatus::Revoked(i, r),
        (Some(i), None) => CertificateStatus::Valid(i),
        (None, _) => CertificateStatus::Unknown,
    }
}
