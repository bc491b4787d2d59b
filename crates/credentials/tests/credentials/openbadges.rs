//! The credential against 1EdTech's OB 3.0 JSON schema (draft 2019-09).

use hocvuso_credentials::openbadges::{achievement_credential, issuer_profile, name_identity_hash};
use hocvuso_credentials::{vc_jwt, AchievementKind};
use serde_json::Value;

use crate::support::{base, read_json, request, ring};

fn validator() -> jsonschema::Validator {
    let schema = read_json("openbadges3/ob_v3p0_achievementcredential_schema.json");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_schema_accepts_the_specs_examples_and_refuses_its_broken_ones() {
    // The validator itself, checked on 1EdTech's fixtures before it judges ours.
    let v = validator();
    for ok in [
        "openbadges3/full_ex.json",
        "openbadges3/minimal_valid_obv3.json",
    ] {
        assert_eq!(errors(&v, &read_json(ok)), Vec::<String>::new(), "{ok}");
    }
    for bad in [
        "simple-err-type.json",
        "simple-err-issuer-type.json",
        "simple-err-credential-subject-type.json",
    ] {
        let instance = read_json(&format!("openbadges3/validator-tests/{bad}"));
        assert!(!v.is_valid(&instance), "{bad} should fail the schema");
    }
}

#[test]
fn our_credential_validates_against_the_ob3_schema() {
    let credential = achievement_credential(&base(), &request()).unwrap();
    assert_eq!(errors(&validator(), &credential), Vec::<String>::new());
}

#[test]
fn practice_tasks_done_are_listed_as_evidence_and_still_validate() {
    let mut req = request();
    assert!(achievement_credential(&base(), &req).unwrap()["evidence"].is_null());
    req.evidence = vec![hocvuso_credentials::openbadges::EvidenceItem {
        name: "Thanh toán bằng mã QR".into(),
        narrative: "Thực hành trên màn hình mô phỏng: kiểm tra tên người nhận trước khi xác nhận."
            .into(),
    }];
    let credential = achievement_credential(&base(), &req).unwrap();
    assert_eq!(errors(&validator(), &credential), Vec::<String>::new());
    assert_eq!(credential["evidence"][0]["type"][0], "Evidence");
    assert_eq!(credential["evidence"][0]["name"], "Thanh toán bằng mã QR");
}

#[test]
fn a_path_credential_without_level_validates_too() {
    let mut req = request();
    req.achievement.kind = AchievementKind::Path;
    req.achievement.id = "citizen".into();
    req.level = None;
    req.content_version = None;
    let credential = achievement_credential(&base(), &req).unwrap();
    assert_eq!(errors(&validator(), &credential), Vec::<String>::new());
    let a = &credential["credentialSubject"]["achievement"];
    assert_eq!(a["achievementType"], "LearningProgram");
    assert_eq!(a["id"], "https://hocvuso.benthanh.example.vn/paths/citizen");
    assert_eq!(a["alignment"].as_array().unwrap().len(), 2);
}

#[test]
fn the_signed_payload_validates_as_well() {
    // What a wallet decodes out of the JWT: the credential plus iss/jti/sub/nbf/iat.
    let jwt = vc_jwt::issue(&ring(), &base(), &request()).unwrap().jwt;
    let v = vc_jwt::verify(&jwt, &ring(), crate::support::LATER);
    assert_eq!(
        errors(&validator(), &v.credential.unwrap()),
        Vec::<String>::new()
    );
}

#[test]
fn competences_and_level_are_alignments() {
    let credential = achievement_credential(&base(), &request()).unwrap();
    let alignment = credential["credentialSubject"]["achievement"]["alignment"]
        .as_array()
        .unwrap();
    let codes: Vec<&str> = alignment
        .iter()
        .map(|a| a["targetCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["4.1", "4.2", "2"]);
    assert_eq!(
        alignment[1]["targetName"],
        "Bảo vệ dữ liệu cá nhân và quyền riêng tư"
    );
    assert_eq!(alignment[1]["targetType"], "ceasn:Competency");
    assert_eq!(
        alignment[1]["targetUrl"],
        "https://hocvuso.benthanh.example.vn/framework/competences/4.2"
    );
    assert_eq!(
        alignment[1]["targetFramework"],
        "Khung năng lực số (Thông tư 02/2025/TT-BGDĐT)"
    );
    assert_eq!(alignment[2]["targetName"], "Bậc 2 – Cơ bản");
    assert_eq!(alignment[2]["targetType"], "ext:ProficiencyLevel");
}

#[test]
fn the_learner_is_named_only_by_an_opaque_id_and_a_salted_hash() {
    let req = request();
    let credential = achievement_credential(&base(), &req).unwrap();
    let text = credential.to_string();
    assert!(
        !text.contains("Nguyễn"),
        "the name is not in the credential"
    );
    let subject = &credential["credentialSubject"];
    assert_eq!(
        subject["id"],
        "urn:uuid:3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
    );
    let identity = &subject["identifier"][0];
    assert_eq!(identity["identityType"], "name");
    assert_eq!(identity["hashed"], true);
    assert_eq!(identity["salt"], "7K3M9Q2XH4TB6WRV0ZCD");
    // Whoever reads the name on the paper certificate can check it; spacing and Unicode form
    // (NFD from some keyboards) do not matter.
    let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Lan ";
    assert_eq!(
        identity["identityHash"],
        name_identity_hash(nfd, "7K3M9Q2XH4TB6WRV0ZCD")
    );
    assert!(identity["identityHash"]
        .as_str()
        .unwrap()
        .starts_with("sha256$"));
    assert_ne!(
        name_identity_hash("Nguyễn Thị Lan", "salt-a"),
        name_identity_hash("Nguyễn Thị Lan", "salt-b")
    );
}

#[test]
fn dates_are_whole_utc_seconds_and_the_award_date_is_kept() {
    let credential = achievement_credential(&base(), &request()).unwrap();
    assert_eq!(credential["validFrom"], "2025-11-20T03:15:42Z");
    assert_eq!(credential["awardedDate"], "2025-11-20T03:10:00Z");
}

#[test]
fn the_issuer_is_the_configured_unit_under_the_public_url() {
    let credential = achievement_credential(&base(), &request()).unwrap();
    assert_eq!(
        credential["issuer"],
        issuer_profile(&base(), "UBND phường Bến Thành")
    );
    assert_eq!(
        credential["issuer"]["id"],
        "https://hocvuso.benthanh.example.vn/issuer"
    );
    assert_eq!(credential["issuer"]["name"], "UBND phường Bến Thành");
    assert_eq!(
        credential["@context"],
        serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
}
