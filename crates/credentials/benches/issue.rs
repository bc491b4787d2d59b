//! `cargo bench -p hocvuso-credentials`: server time to issue one credential (build the OB 3.0
//! JSON, serialise, sign with Ed25519), to verify one, and to render one certificate PDF.
//! The issue asks for issuing under 5 ms; a plain `Instant` loop keeps criterion's build cost
//! off a two-core machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use hocvuso_credentials::openbadges::CredentialRequest;
use hocvuso_credentials::pdf::{render_certificate, CertificateDoc, CertificateLabels};
use hocvuso_credentials::{
    vc_jwt, AchievementKind, AchievementRef, CertificateId, Competence, KeyRing, LearnerRef, Level,
    PublicUrl,
};
use rand::SeedableRng;
use time::macros::{date, datetime};

fn per_op(name: &str, runs: u32, mut f: impl FnMut()) {
    for _ in 0..runs / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    let each = start.elapsed() / runs;
    println!("{name:<40} {:>10.1} µs", each.as_secs_f64() * 1e6);
}

fn main() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let ring = KeyRing::generate(&mut rng, datetime!(2025-01-01 0:00 UTC));
    let base = PublicUrl::parse("https://hocvuso.example.vn").unwrap();
    let id = CertificateId::generate(&mut rng);
    let competences = vec![
        Competence {
            code: "4.1".into(),
            title: "Bảo vệ thiết bị".into(),
        },
        Competence {
            code: "4.2".into(),
            title: "Bảo vệ dữ liệu cá nhân và quyền riêng tư".into(),
        },
    ];
    let level = Level {
        number: 2,
        name: "Bậc 2 – Cơ bản".into(),
    };
    let req = CredentialRequest {
        certificate_id: id.clone(),
        issuer_name: "UBND phường Bến Thành".into(),
        learner: LearnerRef::generate(&mut rng),
        learner_name: "Nguyễn Thị Lan".into(),
        achievement: AchievementRef {
            kind: AchievementKind::Course,
            id: "an-toan-tren-mang".into(),
            title: "An toàn trên mạng".into(),
        },
        description: "Nhận biết lừa đảo trực tuyến, đặt mật khẩu mạnh và bảo vệ dữ liệu cá nhân."
            .into(),
        criteria: "Hoàn thành mọi bài học và đạt bài kiểm tra của khóa học.".into(),
        framework: "Khung năng lực số (Thông tư 02/2025/TT-BGDĐT)".into(),
        competences: competences.clone(),
        level: Some(level.clone()),
        content_version: Some("b1946ac92492d2347c6235b4d2611184".into()),
        awarded_at: datetime!(2025-11-20 03:10 UTC),
        issued_at: datetime!(2025-11-20 03:10 UTC),
        evidence: Vec::new(),
        status: None,
    };
    let now = datetime!(2026-01-01 0:00 UTC);

    println!("per operation (mean):");
    per_op("issue (build + sign) a credential", 5_000, || {
        black_box(vc_jwt::issue(&ring, &base, black_box(&req)).unwrap());
    });
    let jwt = vc_jwt::issue(&ring, &base, &req).unwrap().jwt;
    per_op("verify a credential", 5_000, || {
        black_box(vc_jwt::verify(black_box(&jwt), &ring, now));
    });
    let doc = CertificateDoc {
        learner_name: "Nguyễn Thị Lan".into(),
        achievement_title: "An toàn trên mạng".into(),
        competences,
        level: Some(level),
        date: date!(2025 - 11 - 20),
        issuer_name: "UBND phường Bến Thành".into(),
        verify_url: base.verify_url(&id),
        certificate_id: id,
        labels: CertificateLabels {
            title: "Chứng nhận hoàn thành".into(),
            awarded_to: "Chứng nhận Ông/Bà".into(),
            completed: "đã hoàn thành khóa học".into(),
            competences: "Năng lực số".into(),
            level: "Mức độ".into(),
            date: "Ngày cấp".into(),
            certificate_id: "Mã chứng nhận".into(),
            verify: "Quét mã QR hoặc mở địa chỉ sau để kiểm tra chứng nhận:".into(),
        },
        revoked: None,
    };
    per_op("render a certificate PDF", 50, || {
        black_box(render_certificate(black_box(&doc)).unwrap());
    });
    println!("JWT size: {} bytes", jwt.len());
    println!(
        "PDF size: {} bytes",
        render_certificate(&doc).unwrap().len()
    );
}
