//! Cross-checking what the database holds against the ledger. The hash chain alone proves the
//! ledger was not edited in its middle; it says nothing about the live tables, where a revoked
//! certificate can be un-revoked, a score edited or a completion inserted, and it cannot see
//! its own newest records deleted. So every certificate the database holds (a course
//! completion or a path certificate, with its stored credential) is compared with the ledger
//! entries about it, field by field, and every ledger entry must be held:
//!
//! * held, but never issued in the ledger → inserted behind the platform's back;
//! * a field (learner, achievement, content version, date, score) differs → edited;
//! * revoked in the ledger but not in the database → the revocation was cleared;
//! * revoked in the database but not in the ledger → the revocation entry was deleted (the
//!   newest rows of a chain can go without breaking it);
//! * issued in the ledger but not held → deleted;
//! * the stored credential does not verify, or names another certificate, learner, achievement,
//!   date or content version than the row → replaced or edited.
//!
//! Truncating the ledger's newest records leaves a consistent, shorter chain; that shows only
//! against a head (sequence number and hash) kept elsewhere, which is why the server publishes
//! the head on `/issuer` and in every export.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::ledger::{Entry, Issue, Record, Revoke};
use crate::{vc_jwt, AchievementKind, KeyRing, LearnerRef, PublicUrl, Reason};

/// A certificate as a database row holds it.
#[derive(Debug, Clone)]
pub struct Held<'a> {
    pub kind: AchievementKind,
    pub certificate_id: &'a str,
    pub user_id: i64,
    /// The course id, or the group id of a path certificate.
    pub achievement_id: &'a str,
    pub content_version: &'a str,
    pub completed_at: OffsetDateTime,
    pub score_percent: Option<f64>,
    pub revoked_at: Option<OffsetDateTime>,
    /// The signing key's thumbprint as stored beside the credential.
    pub kid: Option<&'a str>,
    /// The stored compact VC-JWT.
    pub credential: Option<&'a str>,
    /// The learner's opaque reference (the credential's subject).
    pub learner_ref: Option<&'a str>,
}

/// One disagreement, said in words by its `Display`.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// The database holds a certificate the ledger never issued.
    NotIssued { certificate_id: String },
    /// A recorded field differs between the row and the ledger's issue entry.
    Differs {
        certificate_id: String,
        seq: u64,
        field: &'static str,
        held: String,
        ledger: String,
    },
    /// The ledger revoked it; the database says it is valid.
    RevocationCleared {
        certificate_id: String,
        seq: u64,
        at: OffsetDateTime,
    },
    /// The database says revoked; the ledger has no revocation.
    RevocationNotInLedger { certificate_id: String },
    /// The ledger issued it; the database no longer holds it.
    NotHeld {
        certificate_id: String,
        seq: u64,
        achievement_id: String,
    },
    /// The same certificate id is held more than once.
    HeldTwice { certificate_id: String },
    /// The ledger revokes a certificate it never issued.
    RevokedNeverIssued { certificate_id: String, seq: u64 },
    /// The stored credential does not verify against the key ring.
    CredentialInvalid {
        certificate_id: String,
        reason: Reason,
    },
    /// The stored credential verifies but says something else than the row.
    CredentialDiffers {
        certificate_id: String,
        field: &'static str,
    },
}

impl Finding {
    pub fn certificate_id(&self) -> &str {
        match self {
            Self::NotIssued { certificate_id }
            | Self::Differs { certificate_id, .. }
            | Self::RevocationCleared { certificate_id, .. }
            | Self::RevocationNotInLedger { certificate_id }
            | Self::NotHeld { certificate_id, .. }
            | Self::HeldTwice { certificate_id }
            | Self::RevokedNeverIssued { certificate_id, .. }
            | Self::CredentialInvalid { certificate_id, .. }
            | Self::CredentialDiffers { certificate_id, .. } => certificate_id,
        }
    }
}

fn when(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| t.unix_timestamp().to_string())
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotIssued { certificate_id } => write!(
                f,
                "certificate {certificate_id}: held in the database, but no ledger entry issued it \
                 (inserted behind the platform's back, or recorded before the ledger existed)"
            ),
            Self::Differs {
                certificate_id,
                seq,
                field,
                held,
                ledger,
            } => write!(
                f,
                "certificate {certificate_id}: its {field} is {held} in the database but {ledger} \
                 in ledger record {seq} (edited)"
            ),
            Self::RevocationCleared {
                certificate_id,
                seq,
                at,
            } => write!(
                f,
                "certificate {certificate_id}: revoked on {} by ledger record {seq}, but valid in \
                 the database (the revocation was cleared)",
                when(*at)
            ),
            Self::RevocationNotInLedger { certificate_id } => write!(
                f,
                "certificate {certificate_id}: revoked in the database, but the ledger has no \
                 revocation (the revocation entry was deleted, or the row was changed behind \
                 the ledger's back)"
            ),
            Self::NotHeld {
                certificate_id,
                seq,
                achievement_id,
            } => write!(
                f,
                "certificate {certificate_id}: issued for {achievement_id} by ledger record {seq}, \
                 but the database no longer holds it (deleted)"
            ),
            Self::HeldTwice { certificate_id } => write!(
                f,
                "certificate {certificate_id}: held more than once in the database"
            ),
            Self::RevokedNeverIssued {
                certificate_id,
                seq,
            } => write!(
                f,
                "certificate {certificate_id}: ledger record {seq} revokes it, but the ledger \
                 never issued it"
            ),
            Self::CredentialInvalid {
                certificate_id,
                reason,
            } => write!(
                f,
                "certificate {certificate_id}: its stored credential does not verify ({})",
                reason.key()
            ),
            Self::CredentialDiffers {
                certificate_id,
                field,
            } => write!(
                f,
                "certificate {certificate_id}: its stored credential names another {field} than \
                 the database (replaced or edited)"
            ),
        }
    }
}

/// The ledger's word on each certificate, and which of them the database was seen to hold.
pub struct Audit<'r> {
    issues: HashMap<&'r str, (u64, &'r Issue)>,
    revokes: HashMap<&'r str, (u64, &'r Revoke)>,
    held: HashSet<String>,
    /// Certificates the ledger revokes without having issued them.
    orphans: Vec<(u64, &'r str)>,
}

impl<'r> Audit<'r> {
    /// Indexes the ledger (every record, in order). The first issue and the first revocation
    /// of a certificate count, as on the verification page.
    pub fn new(records: &'r [Record]) -> Self {
        let mut issues = HashMap::new();
        let mut revokes = HashMap::new();
        let mut orphans = Vec::new();
        for r in records {
            match &r.entry {
                Entry::Issue(i) => {
                    issues
                        .entry(i.certificate_id.as_str())
                        .or_insert((r.seq, i));
                }
                Entry::Revoke(v) => {
                    if !issues.contains_key(v.certificate_id.as_str()) {
                        orphans.push((r.seq, v.certificate_id.as_str()));
                    }
                    revokes
                        .entry(v.certificate_id.as_str())
                        .or_insert((r.seq, v));
                }
            }
        }
        Self {
            issues,
            revokes,
            held: HashSet::new(),
            orphans,
        }
    }

    /// Compares one held certificate with the ledger and, when there is one, its credential
    /// with the key ring (at `now`). A credential signed with a retired key is genuine and is
    /// not a finding here: `hocvuso keys reissue` is its remedy.
    pub fn check(
        &mut self,
        held: &Held<'_>,
        ring: Option<&KeyRing>,
        now: OffsetDateTime,
    ) -> Vec<Finding> {
        let id = held.certificate_id.to_owned();
        let mut out = Vec::new();
        if !self.held.insert(id.clone()) {
            out.push(Finding::HeldTwice { certificate_id: id });
            return out;
        }
        let Some(&(seq, issue)) = self.issues.get(held.certificate_id) else {
            out.push(Finding::NotIssued { certificate_id: id });
            return out;
        };
        let differs = |field, held: String, ledger: String| Finding::Differs {
            certificate_id: id.clone(),
            seq,
            field,
            held,
            ledger,
        };
        if held.user_id != issue.user_id {
            out.push(differs(
                "learner (user id)",
                held.user_id.to_string(),
                issue.user_id.to_string(),
            ));
        }
        if held.kind != issue.kind || held.achievement_id != issue.achievement_id {
            out.push(differs(
                "achievement",
                achievement(held.kind, held.achievement_id),
                achievement(issue.kind, &issue.achievement_id),
            ));
        }
        if held.content_version != issue.content_version {
            out.push(differs(
                "content version",
                held.content_version.to_owned(),
                issue.content_version.clone(),
            ));
        }
        // The ledger keeps whole seconds (a database may drop the rest).
        if held.completed_at.unix_timestamp() != issue.completed_at.unix_timestamp() {
            out.push(differs(
                "completion time",
                when(held.completed_at),
                when(issue.completed_at),
            ));
        }
        if held.score_percent.map(f64::to_bits) != issue.score_percent.map(f64::to_bits) {
            let show = |s: Option<f64>| s.map_or_else(|| "none".to_owned(), |s| s.to_string());
            out.push(differs(
                "score",
                show(held.score_percent),
                show(issue.score_percent),
            ));
        }
        match (held.revoked_at, self.revokes.get(held.certificate_id)) {
            (None, Some(&(rseq, r))) => out.push(Finding::RevocationCleared {
                certificate_id: id.clone(),
                seq: rseq,
                at: r.at,
            }),
            (Some(_), None) => out.push(Finding::RevocationNotInLedger {
                certificate_id: id.clone(),
            }),
            _ => {}
        }
        if let (Some(jwt), Some(ring)) = (held.credential, ring) {
            out.extend(check_credential(held, jwt, ring, now));
        }
        out
    }

    /// What the ledger issued or revoked that was never seen held: call after every held
    /// certificate went through [`check`](Self::check).
    pub fn finish(self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .orphans
            .iter()
            .map(|&(seq, id)| Finding::RevokedNeverIssued {
                certificate_id: id.to_owned(),
                seq,
            })
            .collect();
        let mut missing: Vec<(u64, &Issue)> = self
            .issues
            .values()
            .filter(|(_, i)| !self.held.contains(&i.certificate_id))
            .map(|&(seq, i)| (seq, i))
            .collect();
        missing.sort_by_key(|(seq, _)| *seq);
        out.extend(missing.into_iter().map(|(seq, i)| Finding::NotHeld {
            certificate_id: i.certificate_id.clone(),
            seq,
            achievement_id: achievement(i.kind, &i.achievement_id),
        }));
        out
    }
}

fn achievement(kind: AchievementKind, id: &str) -> String {
    match kind {
        AchievementKind::Course => format!("course {id}"),
        AchievementKind::Path => format!("path {id}"),
    }
}

/// The credential verifies (or was genuinely signed by a key retired since) and says what the
/// row says: certificate, learner, achievement, award date, content version, signing key.
fn check_credential(
    held: &Held<'_>,
    jwt: &str,
    ring: &KeyRing,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let id = || held.certificate_id.to_owned();
    let v = vc_jwt::verify(jwt, ring, now);
    if let Some(reason) = v.reason.filter(|r| *r != Reason::KeyRetired) {
        return vec![Finding::CredentialInvalid {
            certificate_id: id(),
            reason,
        }];
    }
    // The signature is genuine (checked just above), so its payload can be read as ours.
    let Some(payload) = v.credential.or_else(|| vc_jwt::payload_of(jwt)) else {
        return vec![Finding::CredentialInvalid {
            certificate_id: id(),
            reason: Reason::Malformed,
        }];
    };
    let at = |path: &[&str]| -> Option<&str> {
        path.iter()
            .try_fold(&payload, |v, k| v.get(k))
            .and_then(Value::as_str)
    };
    let mut out = Vec::new();
    let mut differs = |field| {
        out.push(Finding::CredentialDiffers {
            certificate_id: id(),
            field,
        })
    };
    let named = at(&["id"]).and_then(PublicUrl::certificate_id_in);
    if named.as_ref().map(|c| c.as_str()) != Some(held.certificate_id) {
        differs("certificate");
    }
    let subject = held
        .learner_ref
        .and_then(LearnerRef::parse)
        .map(|r| r.subject_id());
    if subject.is_none() || at(&["credentialSubject", "id"]) != subject.as_deref() {
        differs("learner");
    }
    let segment = match held.kind {
        AchievementKind::Course => "courses",
        AchievementKind::Path => "paths",
    };
    let achievement_ok = at(&["credentialSubject", "achievement", "id"])
        .and_then(|url| url.rsplit_once('/'))
        .is_some_and(|(base, last)| {
            last == held.achievement_id && base.ends_with(&format!("/{segment}"))
        });
    if !achievement_ok {
        differs("achievement");
    }
    let awarded = at(&["awardedDate"])
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .map(|t| t.unix_timestamp());
    if awarded != Some(held.completed_at.unix_timestamp()) {
        differs("award date");
    }
    if let Some(version) = at(&["credentialSubject", "achievement", "version"]) {
        if version != held.content_version {
            differs("content version");
        }
    }
    if held.kid.is_some() && held.kid.map(str::to_owned) != vc_jwt::kid_of(jwt) {
        differs("signing key");
    }
    out
}
