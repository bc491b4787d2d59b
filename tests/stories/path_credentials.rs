//! Path credentials: passing one's group's final quiz earns an Open Badges 3.0 credential for
//! the whole path, once, and it works everywhere a course certificate does. And what a retired
//! signing key does to the certificates it signed, until they are re-issued.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use hocvuso_credentials::ledger::{self, Entry};
use hocvuso_credentials::{AchievementKind, KeyStore};
use hocvuso_stories::{copy_tree, fixture_content, html_escaped, t, t_with, TestApp, TestResult};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::credentials::schema_validator;

/// The path title the fixture's citizen group gets (`certificate.path_title`).
fn path_title() -> String {
    t_with("certificate.path_title", &[("group", "Người dân")])
}

/// Decodes a VC-JWT with an independent JOSE library against the published JWKS.
pub(crate) async fn decode_with_jwks(
    app: &TestApp,
    jwt: &str,
) -> Result<Value, hocvuso_stories::Error> {
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_slice(&app.get("/.well-known/jwks.json", None).await.body)?;
    let header = jsonwebtoken::decode_header(jwt)?;
    let jwk = jwks
        .find(header.kid.as_deref().ok_or("kid")?)
        .ok_or("the JWKS has the signing key")?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims = HashSet::from(["iss".to_owned(), "sub".to_owned()]);
    validation.validate_exp = false;
    Ok(jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk)?, &validation)?.claims)
}

/// Takes the fixture course's test (the citizen group's final quiz) again with the key.
async fn pass_final_again(app: &TestApp, token: &str) -> Result<Value, hocvuso_stories::Error> {
    let me = app.user_id(token).await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"]
        .as_str()
        .ok_or("attempt id")?
        .to_owned();
    let key = app.key_for(&id, me).await?;
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(token),
            json!({"answers": key}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(r.json())
}

/// The learner's path certificate id, from their list.
async fn path_certificate(app: &TestApp, token: &str) -> Result<String, hocvuso_stories::Error> {
    let mine = app.get("/api/v1/me/certificates", Some(token)).await.json();
    let paths: Vec<&Value> = mine
        .as_array()
        .ok_or("a list")?
        .iter()
        .filter(|c| c["kind"] == "path")
        .collect();
    assert_eq!(paths.len(), 1, "{mine}");
    Ok(paths[0]["id"].as_str().ok_or("id")?.to_owned())
}

#[actix_web::test]
async fn passing_the_groups_final_quiz_issues_one_path_credential_that_verifies_everywhere(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let course_cert = app.complete_fixture_course(&token).await?;

    // The learner's list holds the course and the path, the path named for their group.
    let mine = app
        .get("/api/v1/me/certificates", Some(&token))
        .await
        .json();
    assert_eq!(mine.as_array().map(Vec::len), Some(2), "{mine}");
    let path_cert = path_certificate(&app, &token).await?;
    assert_ne!(path_cert, course_cert);
    let listed = mine
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == path_cert.as_str()))
        .ok_or("listed")?;
    assert_eq!(listed["group_id"], "citizen");
    assert_eq!(listed["title"], path_title());
    assert_eq!(listed["course_id"], "thu-nghiem");

    // The credential: OB 3.0 schema-valid, a LearningProgram named for the path, aligned to
    // the path's competences and level.
    let jwt = app
        .get(
            &format!("/api/v1/certificates/{path_cert}/credential"),
            None,
        )
        .await;
    assert_eq!(jwt.status, StatusCode::OK);
    let jwt = jwt.text();
    let credential = decode_with_jwks(&app, &jwt).await?;
    let errors: Vec<String> = schema_validator()?
        .iter_errors(&credential)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let achievement = &credential["credentialSubject"]["achievement"];
    assert_eq!(achievement["achievementType"], "LearningProgram");
    assert_eq!(achievement["name"], path_title());
    assert_eq!(achievement["id"], "http://hocvuso.test/paths/citizen");
    let aligned: Vec<(&str, &str)> = achievement["alignment"]
        .as_array()
        .ok_or("alignments")?
        .iter()
        .filter_map(|a| Some((a["targetType"].as_str()?, a["targetCode"].as_str()?)))
        .collect();
    assert_eq!(
        aligned,
        vec![
            ("ceasn:Competency", "4.1"),
            ("ceasn:Competency", "4.2"),
            ("ext:ProficiencyLevel", "1"),
        ]
    );
    assert!(!credential.to_string().contains("ba.lan"));
    let ok = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
        .await
        .json();
    assert_eq!(ok, json!({"valid": true, "reason": null}));

    // The public check, the page a QR code opens, and the PDF.
    let check = app
        .get(&format!("/api/v1/certificates/{path_cert}"), None)
        .await
        .json();
    assert_eq!(check["valid"], true);
    assert_eq!(check["kind"], "path");
    assert_eq!(check["course"], path_title());
    assert_eq!(check["group_id"], "citizen");
    let html = app.page(&format!("/verify/{path_cert}")).await.text();
    assert!(
        html.contains(r#"data-status="valid" data-kind="path""#),
        "{html}"
    );
    assert!(html.contains(&path_title()));
    let pdf = app
        .get(&format!("/api/v1/certificates/{path_cert}/pdf"), None)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = crate::credentials::pdf_text(&pdf.body, &path_cert)?;
    assert!(text.contains(&path_title()), "{text}");
    assert!(text.contains(&t("certificate.completed_path")), "{text}");
    assert!(!text.contains(&t("certificate.completed")), "{text}");
    assert!(text.contains(&path_cert), "{text}");

    // Passing the final quiz again issues nothing more.
    let again = pass_final_again(&app, &token).await?;
    assert_eq!(again["passed"], true);
    assert!(again.get("path_certificate_id").is_none(), "{again}");
    path_certificate(&app, &token).await?;

    // The ledger: the course's issue, then the path's, and the chain holds.
    let records = app.store.ledger_records().await?;
    let kinds: Vec<(AchievementKind, String)> = records
        .iter()
        .filter_map(|r| match &r.entry {
            Entry::Issue(i) => Some((i.kind, i.achievement_id.clone())),
            Entry::Revoke(_) => None,
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (AchievementKind::Course, "thu-nghiem".to_owned()),
            (AchievementKind::Path, "citizen".to_owned()),
        ]
    );
    assert!(ledger::verify_chain(&records).is_ok());

    // The learner sees it on their certificates page.
    app.page_login("ba.lan", "mat-khau-dai").await;
    let page = app.page("/certificates").await.text();
    assert!(page.contains(&path_title()), "{page}");
    assert!(page.contains(&path_cert));
    Ok(())
}

#[actix_web::test]
async fn a_learner_of_a_group_without_that_final_quiz_gets_no_path_credential() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.register("tho.may", "worker").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = app.login("tho.may", "mat-khau-dai").await?;
    app.complete_fixture_course(&token).await?;
    let mine = app
        .get("/api/v1/me/certificates", Some(&token))
        .await
        .json();
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["kind"], "course");
    Ok(())
}

#[actix_web::test]
async fn an_admin_revokes_a_path_certificate_like_any_other() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    app.complete_fixture_course(&token).await?;
    let cert = path_certificate(&app, &token).await?;
    let jwt = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await
        .text();
    let admin = app.admin("quan.tri").await?;
    let done = app
        .post(
            &format!("/api/v1/admin/certificates/{cert}/revoke"),
            Some(&admin),
            json!({"reason": "Thi hộ"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.json()["id"], cert.as_str());
    let html = app.page(&format!("/verify/{cert}")).await.text();
    assert!(
        html.contains(r#"data-status="revoked""#) && html.contains("Thi hộ"),
        "{html}"
    );
    let v = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
        .await
        .json();
    assert_eq!(v["reason"], "revoked");
    let records = app.store.ledger_records().await?;
    assert!(
        matches!(records.last().map(|r| &r.entry), Some(Entry::Revoke(r)) if r.certificate_id == cert)
    );
    assert!(ledger::verify_chain(&records).is_ok());
    Ok(())
}

/// Copies a folder tree (the fixture content, to change one file of it).
#[actix_web::test]
async fn a_final_quiz_passed_when_the_instructor_grades_its_essay_issues_the_path_credential_then(
) -> TestResult {
    // Content whose citizen path ends with an essay quiz, which an instructor grades later.
    let content = std::env::temp_dir().join(format!("hvs-content-{:016x}", rand::random::<u64>()));
    copy_tree(&fixture_content(), &content)?;
    let groups = std::fs::read_to_string(content.join("groups.toml"))?.replace(
        "final_quiz = \"thu-nghiem/kiem-tra\"",
        "final_quiz = \"on-tap/tu-luan\"",
    );
    std::fs::write(content.join("groups.toml"), groups)?;
    let app = TestApp::spawn_with(content.clone(), hocvuso_server::clock::Clock::system()).await;
    std::fs::remove_dir_all(&content)?;
    let app = app?;

    let token = app.learner("ba.lan").await?;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/tu-luan/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = attempt["attempt_id"].as_str().ok_or("id")?.to_owned();
    let submitted = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": {"q-essay": "Tôi dùng một câu dài làm mật khẩu và bật xác thực hai bước."}}),
        )
        .await
        .json();
    assert_eq!(submitted["pending_grading"], true);
    assert!(submitted.get("path_certificate_id").is_none());
    let none = app
        .get("/api/v1/me/certificates", Some(&token))
        .await
        .json();
    assert_eq!(none, json!([]), "nothing before the grade");

    let instructor = app.admin("giang.vien").await?;
    let graded = app
        .post(
            &format!("/api/v1/instructor/attempts/{id}/grade"),
            Some(&instructor),
            json!({"grades": {"q-essay": {"fraction": 0.9}}}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let cert = path_certificate(&app, &token).await?;
    let jwt = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await
        .text();
    let v = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
        .await
        .json();
    assert_eq!(v["valid"], true, "{v}");
    let records = app.store.ledger_records().await?;
    assert!(records.iter().any(|r| matches!(&r.entry, Entry::Issue(i)
        if i.kind == AchievementKind::Path && i.certificate_id == cert && i.score_percent == Some(90.0))));
    assert!(ledger::verify_chain(&records).is_ok());
    Ok(())
}

#[actix_web::test]
async fn an_essay_grade_racing_course_completions_for_the_ledger_is_retried_never_refused(
) -> TestResult {
    // The citizen path ends with the essay quiz, so the grade issues a path certificate: it
    // needs the ledger's next number as much as the completions racing it do.
    let content = std::env::temp_dir().join(format!("hvs-content-{:016x}", rand::random::<u64>()));
    copy_tree(&fixture_content(), &content)?;
    let groups = std::fs::read_to_string(content.join("groups.toml"))?.replace(
        "final_quiz = \"thu-nghiem/kiem-tra\"",
        "final_quiz = \"on-tap/tu-luan\"",
    );
    std::fs::write(content.join("groups.toml"), groups)?;
    let app = TestApp::spawn_with(content.clone(), hocvuso_server::clock::Clock::system()).await;
    std::fs::remove_dir_all(&content)?;
    let app = app?;

    let writer = app.learner("ba.lan").await?;
    let attempt = app
        .post(
            "/api/v1/courses/on-tap/quizzes/tu-luan/attempts",
            Some(&writer),
            json!({}),
        )
        .await
        .json();
    let essay = attempt["attempt_id"].as_str().ok_or("id")?.to_owned();
    let submitted = app
        .post(
            &format!("/api/v1/attempts/{essay}/submit"),
            Some(&writer),
            json!({"answers": {"q-essay": "Tôi dùng một câu dài làm mật khẩu."}}),
        )
        .await;
    assert_eq!(submitted.json()["pending_grading"], true);
    // Learners one lesson short of completing the course: their last lesson completes it.
    let mut racers = Vec::new();
    for name in ["hv.mot", "hv.hai", "hv.ba", "hv.bon"] {
        let token = app.learner(name).await?;
        let me = app.user_id(&token).await?;
        app.post(
            "/api/v1/courses/thu-nghiem/lessons/mat-khau/complete",
            Some(&token),
            json!({}),
        )
        .await;
        let attempt = app
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(&token),
                json!({}),
            )
            .await
            .json();
        let id = attempt["attempt_id"].as_str().ok_or("id")?.to_owned();
        let key = app.key_for(&id, me).await?;
        let passed = app
            .post(
                &format!("/api/v1/attempts/{id}/submit"),
                Some(&token),
                json!({"answers": key}),
            )
            .await
            .json();
        assert_eq!(passed["passed"], true, "{passed}");
        assert!(passed.get("certificate_id").is_none(), "a lesson is left");
        racers.push(token);
    }
    let instructor = app.admin("giang.vien").await?;
    let grade_path = format!("/api/v1/instructor/attempts/{essay}/grade");
    let lesson_path = "/api/v1/courses/thu-nghiem/lessons/ma-otp/complete";
    let grade_body = json!({"grades": {"q-essay": {"fraction": 1.0}}});
    let requests = std::iter::once((grade_path.as_str(), &instructor, grade_body))
        .chain(racers.iter().map(|token| (lesson_path, token, json!({}))));
    let replies = crate::credentials::futures_join_all(
        requests.map(|(path, token, body)| app.post(path, Some(token), body)),
    )
    .await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    for r in &replies[1..] {
        assert_eq!(r.json()["course_completed"], true, "{}", r.text());
    }
    let records = app.store.ledger_records().await?;
    let head = ledger::verify_chain(&records).map_err(|e| e.to_string())?;
    assert_eq!(
        head.seq, 5,
        "four course completions and one path certificate"
    );
    assert_eq!(
        records
            .iter()
            .filter(|r| matches!(&r.entry, Entry::Issue(i) if i.kind == AchievementKind::Path))
            .count(),
        1
    );
    Ok(())
}

#[actix_web::test]
async fn certificates_signed_with_a_retired_key_are_not_evidence_until_re_issued() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ba.lan").await?;
    let course_cert = app.complete_fixture_course(&token).await?;
    let path_cert = path_certificate(&app, &token).await?;
    let old_jwt = app
        .get(
            &format!("/api/v1/certificates/{course_cert}/credential"),
            None,
        )
        .await
        .text();
    let kid = app
        .state
        .issuer
        .ring()
        .active()
        .ok_or("active key")?
        .kid
        .clone();

    // Re-issuing while the key is still in use is refused: nothing is wrong with it.
    let early = hocvuso_server::app::evidence::reissue_signed_by(&app.state, &kid).await;
    assert_eq!(early.err().map(|e| e.key), Some("key_not_retired"));

    // The operator retires the key (as `hocvuso keys retire` does).
    let dir = hocvuso_server::issuer::keys_dir(&app.state.settings.data_dir);
    KeyStore::retire(
        &dir,
        &kid,
        "Máy chủ cũ bị lộ khóa",
        &mut rand::rngs::OsRng,
        app.state.clock.now(),
    )?;
    app.state.issuer.refresh();

    for cert in [&course_cert, &path_cert] {
        let html = app.page(&format!("/verify/{cert}")).await.text();
        assert!(html.contains(r#"data-status="key_retired""#), "{html}");
        assert!(
            html.contains(&html_escaped(&t("verify.key_retired_text"))),
            "{html}"
        );
        assert!(!html.contains(r#"data-status="valid""#), "{html}");
        assert!(
            !html.contains(&kid) && !html.contains("bị lộ"),
            "no details leak: {html}"
        );
        let check = app
            .get(&format!("/api/v1/certificates/{cert}"), None)
            .await
            .json();
        assert_eq!(check["valid"], false);
        assert_eq!(check["key_retired"], true);
        assert_eq!(check["revoked"], false);
    }
    let v = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": old_jwt}))
        .await
        .json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"], "key_retired");
    assert_eq!(v["message"], t("verify_reason.key_retired"));
    assert!(!v.to_string().contains("bị lộ"));

    // The admin re-issues: same ids, signed with the new key, valid again everywhere.
    let done = hocvuso_server::app::evidence::reissue_signed_by(&app.state, &kid)
        .await
        .map_err(|e| e.key)?;
    let mut ids: Vec<&str> = done.iter().map(|c| c.certificate_id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = vec![course_cert.as_str(), path_cert.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    for cert in [&course_cert, &path_cert] {
        let html = app.page(&format!("/verify/{cert}")).await.text();
        assert!(html.contains(r#"data-status="valid""#), "{html}");
        let jwt = app
            .get(&format!("/api/v1/certificates/{cert}/credential"), None)
            .await
            .text();
        let credential = decode_with_jwks(&app, &jwt).await?;
        assert!(credential.to_string().contains(cert.as_str()));
        let v = app
            .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
            .await
            .json();
        assert_eq!(v, json!({"valid": true, "reason": null}));
    }
    // The old copy stays withdrawn; a second re-issue finds nothing left to do.
    let v = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": old_jwt}))
        .await
        .json();
    assert_eq!(v["reason"], "key_retired");
    let again = hocvuso_server::app::evidence::reissue_signed_by(&app.state, &kid)
        .await
        .map_err(|e| e.key)?;
    assert!(again.is_empty());
    // Re-signing records no new achievement: the ledger still has the two issues.
    assert_eq!(app.store.ledger_records().await?.len(), 2);
    Ok(())
}
