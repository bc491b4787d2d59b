//! The database compared with the ledger: every kind of change `ledger verify` must name.

use hocvuso_credentials::audit::{Audit, Finding, Held};
use hocvuso_credentials::ledger::{append, Entry, Issue, Record, Revoke};
use hocvuso_credentials::{vc_jwt, AchievementKind};
use time::macros::datetime;

use crate::support::{base, certificate_id, request, ring, LATER};

const LEARNER: &str = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";

fn issue() -> Issue {
    Issue {
        certificate_id: certificate_id().to_string(),
        user_id: 7,
        kind: AchievementKind::Course,
        achievement_id: "an-toan-tren-mang".into(),
        content_version: "b1946ac92492d2347c6235b4d2611184".into(),
        completed_at: datetime!(2025-11-20 03:10:00.456 UTC),
        score_percent: Some(90.0),
    }
}

fn ledger(revoked: bool) -> Vec<Record> {
    let mut records = vec![append(None, Entry::Issue(issue()))];
    if revoked {
        records.push(append(
            records.last(),
            Entry::Revoke(Revoke {
                certificate_id: certificate_id().to_string(),
                reason: "Gian lận".into(),
                actor: "user:1".into(),
                at: datetime!(2025-12-01 09:00 UTC),
            }),
        ));
    }
    records
}

fn held<'a>(id: &'a str, jwt: Option<&'a str>, kid: Option<&'a str>) -> Held<'a> {
    Held {
        kind: AchievementKind::Course,
        certificate_id: id,
        user_id: 7,
        achievement_id: "an-toan-tren-mang",
        content_version: "b1946ac92492d2347c6235b4d2611184",
        // The database keeps microseconds; the ledger whole seconds.
        completed_at: datetime!(2025-11-20 03:10:00 UTC),
        score_percent: Some(90.0),
        revoked_at: None,
        kid,
        credential: jwt,
        learner_ref: Some(LEARNER),
    }
}

fn findings(records: &[Record], h: &Held<'_>) -> Vec<Finding> {
    let ring = ring();
    let mut audit = Audit::new(records);
    let mut out = audit.check(h, Some(&ring), LATER);
    out.extend(audit.finish());
    out
}

#[test]
fn a_certificate_that_matches_its_ledger_entry_and_credential_has_no_finding() {
    let ring = ring();
    let signed = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    let id = certificate_id().to_string();
    let h = held(&id, Some(&signed.jwt), Some(&signed.kid));
    assert_eq!(findings(&ledger(false), &h), vec![]);
}

#[test]
fn each_edit_of_a_row_is_named_in_words() {
    let id = certificate_id().to_string();
    let records = ledger(false);
    let mut h = held(&id, None, None);
    h.score_percent = Some(100.0);
    h.user_id = 8;
    let words: Vec<String> = findings(&records, &h)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(words.len(), 2, "{words:?}");
    assert!(words[0].contains("learner (user id) is 8 in the database but 7"));
    assert!(words[1].contains("score is 100 in the database but 90 in ledger record 1"));
}

#[test]
fn revocations_cleared_or_missing_inserted_and_deleted_rows_are_found() {
    let id = certificate_id().to_string();
    // Revoked in the ledger, valid in the table.
    let f = findings(&ledger(true), &held(&id, None, None));
    assert!(
        matches!(f.as_slice(), [Finding::RevocationCleared { seq: 2, .. }]),
        "{f:?}"
    );
    // Revoked in the table, no revocation in the ledger (its newest row deleted).
    let mut h = held(&id, None, None);
    h.revoked_at = Some(datetime!(2025-12-01 09:00 UTC));
    let f = findings(&ledger(false), &h);
    assert!(
        matches!(f.as_slice(), [Finding::RevocationNotInLedger { .. }]),
        "{f:?}"
    );
    // A row the ledger never issued, and the ledger's certificate gone from the table.
    let f = findings(&ledger(false), &held("ZZZZZZZZZZZZZZZZZZZZ", None, None));
    assert!(
        matches!(
            f.as_slice(),
            [Finding::NotIssued { .. }, Finding::NotHeld { seq: 1, .. }]
        ),
        "{f:?}"
    );
}

#[test]
fn a_credential_that_does_not_match_its_row_is_named() {
    let ring = ring();
    let signed = vc_jwt::issue(&ring, &base(), &request()).unwrap();
    let id = certificate_id().to_string();
    // Another learner's row holding this credential.
    let mut h = held(&id, Some(&signed.jwt), Some(&signed.kid));
    h.learner_ref = Some("00000000-0000-4000-8000-000000000000");
    let f = findings(&ledger(false), &h);
    assert_eq!(
        f,
        vec![Finding::CredentialDiffers {
            certificate_id: id.clone(),
            field: "learner"
        }]
    );
    // A credential altered after signing.
    let mut parts: Vec<String> = signed.jwt.split('.').map(str::to_owned).collect();
    parts[1].replace_range(0..4, "eyJh");
    let forged = parts.join(".");
    let f = findings(&ledger(false), &held(&id, Some(&forged), Some(&signed.kid)));
    assert!(
        matches!(f.as_slice(), [Finding::CredentialInvalid { .. }]),
        "{f:?}"
    );
}
