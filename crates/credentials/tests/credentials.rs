//! The crate's one integration-test binary (link time is the bottleneck on two cores).
//!
//! * `keys`: the key ring on disk: first start, reopening, rotation, retirement, permissions.
//! * `openbadges`: the credential validates against 1EdTech's OB 3.0 JSON schema.
//! * `vc_jwt`: signing, an independent JOSE library verifying with our JWKS, every failure.
//! * `rs256`: RSA keys when the operator chooses RS256: stored, switched to, verified by
//!   `jsonwebtoken`.
//! * `ledger`: the hash chain names an edited, a deleted and a reordered record.
//! * `audit`: the database compared with the ledger (rows and credentials).
//! * `pdf`: the certificate's text and font, read back with poppler (`pdftotext`, `pdffonts`).
//! * `xapi`: statements, and the checker against ADL's conformance templates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "credentials/audit.rs"]
mod audit;
#[path = "credentials/keys.rs"]
mod keys;
#[path = "credentials/ledger.rs"]
mod ledger;
#[path = "credentials/openbadges.rs"]
mod openbadges;
#[path = "credentials/pdf.rs"]
mod pdf;
#[path = "credentials/rs256.rs"]
mod rs256;
#[path = "credentials/vc_jwt.rs"]
mod vc_jwt;
#[path = "credentials/xapi.rs"]
mod xapi;

/// Shared helpers: fixed times, seeded randomness, a sample credential request.
mod support {
    use std::path::PathBuf;

    use hocvuso_credentials::openbadges::CredentialRequest;
    use hocvuso_credentials::{
        AchievementKind, AchievementRef, CertificateId, Competence, KeyRing, LearnerRef, Level,
        PublicUrl,
    };
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use time::macros::datetime;
    use time::OffsetDateTime;

    /// The repository's copies of other projects' files (`tests/fixtures/SOURCES.md` names
    /// each one's origin and licence).
    pub fn fixtures() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
    }

    pub fn read_json(relative: &str) -> serde_json::Value {
        let path = fixtures().join(relative);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub const ISSUED: OffsetDateTime = datetime!(2025-11-20 03:15:42.123 UTC);
    pub const LATER: OffsetDateTime = datetime!(2026-02-01 08:00 UTC);

    pub fn rng(seed: u64) -> StdRng {
        StdRng::seed_from_u64(seed)
    }

    pub fn base() -> PublicUrl {
        PublicUrl::parse("https://hocvuso.benthanh.example.vn/").unwrap()
    }

    pub fn ring() -> KeyRing {
        KeyRing::generate(&mut rng(42), datetime!(2025-01-01 0:00 UTC))
    }

    pub fn certificate_id() -> CertificateId {
        CertificateId::parse("7K3M9Q2XH4TB6WRV0ZCD").unwrap()
    }

    pub fn request() -> CredentialRequest {
        CredentialRequest {
            certificate_id: certificate_id(),
            issuer_name: "UBND phường Bến Thành".into(),
            learner: LearnerRef::parse("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b").unwrap(),
            learner_name: "Nguyễn Thị Lan".into(),
            achievement: AchievementRef {
                kind: AchievementKind::Course,
                id: "an-toan-tren-mang".into(),
                title: "An toàn trên mạng".into(),
            },
            description:
                "Nhận biết lừa đảo trực tuyến, đặt mật khẩu mạnh và bảo vệ dữ liệu cá nhân.".into(),
            criteria: "Hoàn thành mọi bài học và đạt bài kiểm tra của khóa học.".into(),
            framework: "Khung năng lực số (Thông tư 02/2025/TT-BGDĐT)".into(),
            competences: vec![
                Competence {
                    code: "4.1".into(),
                    title: "Bảo vệ thiết bị".into(),
                },
                Competence {
                    code: "4.2".into(),
                    title: "Bảo vệ dữ liệu cá nhân và quyền riêng tư".into(),
                },
            ],
            level: Some(Level {
                number: 2,
                name: "Bậc 2 – Cơ bản".into(),
            }),
            content_version: Some("b1946ac92492d2347c6235b4d2611184".into()),
            awarded_at: datetime!(2025-11-20 03:10:00 UTC),
            issued_at: ISSUED,
            evidence: Vec::new(),
            status: Some(hocvuso_credentials::status_list::StatusIndex {
                list: 1,
                position: 4711,
            }),
        }
    }
}
