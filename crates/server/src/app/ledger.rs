//! The completion ledger as the platform publishes and checks it: its head (sequence number
//! and hash), printed on `/issuer` and in every export so that a ledger cut short shows
//! against any earlier copy, and the audit behind `hocvuso ledger verify`, which checks the
//! chain *and* compares every certificate the database holds with it
//! (`hocvuso_credentials::audit`).

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use hocvuso_credentials::audit::{Audit, Finding, Held};
use hocvuso_credentials::ledger::{self, ChainBreak, ChainHead};
use hocvuso_credentials::{AchievementKind, KeyRing};
use hocvuso_store::{Store, StoreError};

/// Certificates read per page while auditing.
const PAGE: u64 = 10_000;

/// The ledger's newest record: how many records, and the hash that commits to all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// The head as it is now (sequence 0 and the genesis hash for an empty ledger).
pub async fn head(store: &Store) -> Result<Head, StoreError> {
    Ok(match store.ledger_head().await? {
        Some(r) => Head {
            seq: r.seq,
            hash: r.hash,
        },
        None => Head {
            seq: 0,
            hash: ledger::GENESIS.to_owned(),
        },
    })
}

/// What `ledger verify` found.
pub struct Report {
    /// The chain's head, or its first break.
    pub chain: Result<ChainHead, ChainBreak>,
    /// Every disagreement between the database and the ledger, in words.
    pub findings: Vec<Finding>,
    pub course_completions: u64,
    pub path_certificates: u64,
    /// Stored credentials were checked against the key ring (false without a ring).
    pub credentials_checked: bool,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.chain.is_ok() && self.findings.is_empty()
    }
}

/// Checks the chain, then every course completion and path certificate (and its stored
/// credential, when `ring` is given) against the ledger, page by page.
pub async fn verify(
    store: &Store,
    ring: Option<&KeyRing>,
    now: OffsetDateTime,
) -> Result<Report, StoreError> {
    let records = store.ledger_records().await?;
    let chain = ledger::verify_chain(&records);
    let mut audit = Audit::new(&records);
    let mut findings = Vec::new();
    let mut counts = [0u64; 2];
    for (i, kind) in [AchievementKind::Course, AchievementKind::Path]
        .into_iter()
        .enumerate()
    {
        let mut after = 0;
        loop {
            let page = store.held_certificates(kind, after, PAGE).await?;
            let Some((last, _, _)) = page.last() else {
                break;
            };
            after = *last;
            for (_, c, learner_ref) in &page {
                let held = Held {
                    kind: c.kind,
                    certificate_id: &c.certificate_id,
                    user_id: c.user_id,
                    achievement_id: &c.achievement_id,
                    content_version: &c.content_version,
                    completed_at: c.completed_at,
                    score_percent: c.score_percent,
                    revoked_at: c.revoked_at,
                    kid: c.kid.as_deref(),
                    credential: c.credential.as_deref(),
                    learner_ref: learner_ref.as_deref(),
                };
                findings.extend(audit.check(&held, ring, now));
            }
            counts[i] += page.len() as u64;
        }
    }
    findings.extend(audit.finish());
    Ok(Report {
        chain,
        findings,
        course_completions: counts[0],
        path_certificates: counts[1],
        credentials_checked: ring.is_some(),
    })
}
