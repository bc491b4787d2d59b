//! The certificate PDF, read back with poppler's tools as a person's PDF viewer would.
//!
//! `pdftotext` and `pdffonts` come from Debian's `poppler-utils`; CI installs it. Without them
//! these tests say so and check only what can be checked in Rust.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use hocvuso_credentials::pdf::{
    render_certificate, CertificateDoc, CertificateLabels, RevokedStamp,
};
use hocvuso_credentials::{Competence, Level};
use time::macros::date;
use unicode_normalization::UnicodeNormalization;

use crate::support::{base, certificate_id};

pub fn doc() -> CertificateDoc {
    CertificateDoc {
        learner_name: "Nguyễn Thị Lan".into(),
        achievement_title: "An toàn trên mạng".into(),
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
        date: date!(2025 - 11 - 20),
        issuer_name: "UBND phường Bến Thành".into(),
        certificate_id: certificate_id(),
        verify_url: base().verify_url(&certificate_id()),
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
    }
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        // Written to the process's stderr directly, past the test harness's output capture.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED part of a PDF test: `{name}` is not installed (apt-get install poppler-utils)"
        );
    }
    found
}

fn write(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join("certificate.pdf");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_pdf_is_small_deterministic_a4_landscape() {
    let bytes = render_certificate(&doc()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() < 80_000, "{} bytes", bytes.len());
    assert_eq!(render_certificate(&doc()).unwrap(), bytes);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/MediaBox [0 0 841.89 595.28]"));
}

#[test]
fn the_text_extracts_as_the_exact_vietnamese() {
    if !tool("pdftotext") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pdf = write(tmp.path(), &render_certificate(&doc()).unwrap());
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert_eq!(
        text.nfc().collect::<String>(),
        text,
        "extracted text is NFC"
    );
    for expected in [
        "Nguyễn Thị Lan",
        "Chứng nhận hoàn thành",
        "UBND phường Bến Thành",
        "An toàn trên mạng",
        "đã hoàn thành khóa học",
        "4.1 Bảo vệ thiết bị",
        "4.2 Bảo vệ dữ liệu cá nhân và quyền riêng tư",
        "Mức độ: Bậc 2 – Cơ bản",
        "Ngày cấp: 20/11/2025",
        "Mã chứng nhận: 7K3M9Q2XH4TB6WRV0ZCD",
        "https://hocvuso.benthanh.example.vn/verify/7K3M9Q2XH4TB6WRV0ZCD",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn a_revoked_certificate_is_stamped_across_the_page_with_its_date() {
    let mut revoked = doc();
    revoked.revoked = Some(RevokedStamp {
        stamp: "ĐÃ THU HỒI".into(),
        note: "Thu hồi ngày 05/12/2026 – chứng nhận này không còn giá trị".into(),
    });
    let clean = render_certificate(&doc()).unwrap();
    let stamped = render_certificate(&revoked).unwrap();
    assert_ne!(clean, stamped);
    if !tool("pdftotext") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let text = |bytes: &[u8]| {
        let pdf = write(tmp.path(), bytes);
        run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"])
    };
    let stamped = text(&stamped);
    // The band at the top reads in one line; the diagonal stamp is there too (text extraction
    // gives turned text letter by letter, so its letters are counted).
    assert!(
        stamped.contains("ĐÃ THU HỒI – Thu hồi ngày 05/12/2026 – chứng nhận này không còn giá trị"),
        "{stamped}"
    );
    assert!(stamped.matches('Ồ').count() >= 2, "{stamped}");
    assert!(
        stamped.contains("Nguyễn Thị Lan"),
        "the rest is still there"
    );
    assert!(!text(&clean).contains("THU HỒI"));
}

#[test]
fn text_typed_in_decomposed_form_comes_out_composed() {
    if !tool("pdftotext") {
        return;
    }
    let mut d = doc();
    d.learner_name = "Tra\u{302}\u{300}n Va\u{306}n Đư\u{301}c".into(); // NFD, as some keyboards send it
    let tmp = tempfile::tempdir().unwrap();
    let pdf = write(tmp.path(), &render_certificate(&d).unwrap());
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(text.contains("Trần Văn Đức"), "{text}");
}

#[test]
fn the_font_is_embedded_as_a_subset_with_a_unicode_map() {
    if !tool("pdffonts") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pdf = write(tmp.path(), &render_certificate(&doc()).unwrap());
    let listing = run("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{listing}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object ID
        assert!(
            cols[0].ends_with("+NotoSerif-Regular") || cols[0].ends_with("+NotoSerif-Bold"),
            "{row}"
        );
        assert_eq!(cols[1..4], ["CID", "TrueType", "Identity-H"], "{row}");
        assert_eq!(
            cols[4..7],
            ["yes", "yes", "yes"],
            "embedded, subset, unicode: {row}"
        );
    }
}

#[test]
fn many_competences_and_long_titles_still_fit_on_one_page() {
    if !tool("pdftotext") {
        return;
    }
    let mut d = doc();
    d.achievement_title = "Ứng dụng trí tuệ nhân tạo trong công việc hằng ngày của cán bộ, công chức, viên chức cấp xã, phường".into();
    d.competences = (1..=12)
        .map(|i| Competence {
            code: format!("{}.{}", i / 4 + 1, i % 4 + 1),
            title: "Xác định nhu cầu và giải pháp công nghệ, sử dụng sáng tạo công nghệ số".into(),
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let pdf = write(tmp.path(), &render_certificate(&d).unwrap());
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert_eq!(text.matches('\u{c}').count(), 1, "one page");
    assert!(text.contains("viên chức cấp xã, phường"), "{text}");
    std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("certificate-long.pdf"),
        render_certificate(&d).unwrap(),
    )
    .unwrap();
    assert!(text.contains("Mã chứng nhận: 7K3M9Q2XH4TB6WRV0ZCD"));
}

/// Writes `target/tmp/certificate-sample.pdf` and `certificate-revoked-sample.pdf` (and PNGs
/// when pdftoppm is there) to look at.
#[test]
fn a_sample_is_written_for_people_to_look_at() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut revoked = doc();
    revoked.revoked = Some(RevokedStamp {
        stamp: "ĐÃ THU HỒI".into(),
        note: "Thu hồi ngày 05/12/2026 – chứng nhận này không còn giá trị".into(),
    });
    for (name, d) in [
        ("certificate-sample", doc()),
        ("certificate-revoked-sample", revoked),
    ] {
        let pdf = out.join(format!("{name}.pdf"));
        std::fs::write(&pdf, render_certificate(&d).unwrap()).unwrap();
        if tool("pdftoppm") {
            run(
                "pdftoppm",
                &[
                    "-png",
                    "-r",
                    "80",
                    "-singlefile",
                    pdf.to_str().unwrap(),
                    out.join(name).to_str().unwrap(),
                ],
            );
        }
    }
}
