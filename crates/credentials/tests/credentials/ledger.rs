//! The completion ledger's hash chain, tampered with the way someone with database access would.

use hocvuso_credentials::ledger::{
    append, certificate_status, entry_hash, verify_chain, BreakKind, CertificateStatus, ChainBreak,
    Entry, Issue, Record, Revoke, GENESIS,
};
use hocvuso_credentials::AchievementKind;
use time::macros::datetime;
use time::Duration;

fn issue(n: i64) -> Entry {
    Entry::Issue(Issue {
        certificate_id: format!("CERT{n:016}"),
        user_id: n,
        kind: AchievementKind::Course,
        achievement_id: "an-toan-tren-mang".into(),
        content_version: "b1946ac9".into(),
        completed_at: datetime!(2025-11-20 03:10 UTC) + Duration::minutes(n),
        score_percent: Some(80.0 + n as f64 / 10.0),
    })
}

fn revoke(n: i64) -> Entry {
    Entry::Revoke(Revoke {
        certificate_id: format!("CERT{n:016}"),
        reason: "Gian lận khi làm bài kiểm tra".into(),
        actor: "user:1".into(),
        at: datetime!(2025-12-01 09:00 UTC),
    })
}

/// Ten records: nine issues and a revocation of the fourth.
fn chain() -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    for n in 1..=9 {
        records.push(append(records.last(), issue(n)));
    }
    records.push(append(records.last(), revoke(4)));
    records
}

fn broken_at(seq: u64, kind: BreakKind) -> Result<(), ChainBreak> {
    Err(ChainBreak { seq, kind })
}

fn check(records: &[Record]) -> Result<(), ChainBreak> {
    verify_chain(records).map(|_| ())
}

#[test]
fn an_untouched_chain_verifies_and_gives_its_head() {
    let records = chain();
    let head = verify_chain(&records).unwrap();
    assert_eq!(head.seq, 10);
    assert_eq!(head.hash, records[9].hash);
    assert_eq!(records[0].prev_hash, GENESIS);
    assert_eq!(verify_chain(&[]).unwrap().hash, GENESIS);
}

#[test]
fn hashes_are_stable_across_versions_of_this_code() {
    // The v1 encoding is a format: if this changes, old ledgers stop verifying.
    let r = append(None, issue(1));
    assert_eq!(r.hash, entry_hash(1, GENESIS, &issue(1)));
    assert_eq!(
        r.hash, "c2c6bf2e9fa04fb5b350adb9794064903f7fe2035dfe292ec40c6d0137d1c1cf",
        "update only together with a new encoding version"
    );
}

#[test]
fn sub_second_digits_and_offsets_do_not_count() {
    // A database may drop sub-seconds or hand times back in another offset.
    let mut a = issue(1);
    let mut b = issue(1);
    if let (Entry::Issue(a), Entry::Issue(b)) = (&mut a, &mut b) {
        a.completed_at += Duration::milliseconds(345);
        b.completed_at = b.completed_at.to_offset(time::macros::offset!(+7));
    }
    assert_eq!(
        entry_hash(1, GENESIS, &a),
        entry_hash(1, GENESIS, &issue(1))
    );
    assert_eq!(
        entry_hash(1, GENESIS, &b),
        entry_hash(1, GENESIS, &issue(1))
    );
}

#[test]
fn an_edited_score_is_named() {
    let mut records = chain();
    if let Entry::Issue(i) = &mut records[4].entry {
        i.score_percent = Some(100.0);
    }
    assert_eq!(check(&records), broken_at(5, BreakKind::Edited));
}

#[test]
fn an_edited_revocation_reason_is_named() {
    let mut records = chain();
    if let Entry::Revoke(r) = &mut records[9].entry {
        r.reason = "Nhầm".into();
    }
    assert_eq!(check(&records), broken_at(10, BreakKind::Edited));
}

#[test]
fn an_edit_with_a_recomputed_hash_is_still_named() {
    let mut records = chain();
    if let Entry::Issue(i) = &mut records[2].entry {
        i.user_id = 999;
    }
    records[2].hash = entry_hash(3, &records[2].prev_hash, &records[2].entry);
    assert_eq!(check(&records), broken_at(3, BreakKind::Edited));
}

#[test]
fn a_deleted_record_is_named() {
    let mut records = chain();
    records.remove(5);
    assert_eq!(check(&records), broken_at(6, BreakKind::Missing));
    let mut first_gone = chain();
    first_gone.remove(0);
    assert_eq!(check(&first_gone), broken_at(1, BreakKind::Missing));
}

#[test]
fn a_deletion_hidden_by_renumbering_is_named() {
    let mut records = chain();
    records.remove(5);
    for r in &mut records[5..] {
        r.seq -= 1;
    }
    assert_eq!(check(&records), broken_at(6, BreakKind::Missing));
}

#[test]
fn swapped_records_are_named() {
    // Swap the contents of seq 3 and 4 (or, the same, swap their seq numbers and re-sort).
    let mut records = chain();
    records.swap(2, 3);
    records[2].seq = 3;
    records[3].seq = 4;
    assert_eq!(check(&records), broken_at(3, BreakKind::Reordered));
}

#[test]
fn a_record_moved_to_the_end_is_named() {
    let mut records = chain();
    let mut moved = records.remove(1);
    moved.seq = 11;
    records.push(moved);
    assert_eq!(check(&records), broken_at(2, BreakKind::Reordered));
}

#[test]
fn the_revocation_cannot_be_moved_before_the_issue() {
    let mut records = chain();
    let revocation = records.pop().unwrap();
    records.insert(2, revocation);
    for (i, r) in records.iter_mut().enumerate() {
        r.seq = i as u64 + 1;
    }
    assert!(check(&records).is_err());
    assert_eq!(check(&records).unwrap_err().seq, 3);
}

#[test]
fn break_reports_read_as_sentences() {
    let e = ChainBreak {
        seq: 7,
        kind: BreakKind::Missing,
    };
    assert_eq!(e.to_string(), "ledger record 7 is missing (deleted)");
}

#[test]
fn a_certificate_status_follows_its_entries() {
    let records = chain();
    let entries: Vec<&Entry> = records.iter().map(|r| &r.entry).collect();
    let status = certificate_status(entries.iter().copied(), "CERT0000000000000004");
    let CertificateStatus::Revoked(issue, revoke) = status else {
        panic!("{status:?}");
    };
    assert_eq!(issue.user_id, 4);
    assert_eq!(revoke.reason, "Gian lận khi làm bài kiểm tra");
    assert!(matches!(
        certificate_status(entries.iter().copied(), "CERT0000000000000005"),
        CertificateStatus::Valid(i) if i.user_id == 5
    ));
    assert_eq!(
        certificate_status(entries.iter().copied(), "NOPE"),
        CertificateStatus::Unknown
    );
}
