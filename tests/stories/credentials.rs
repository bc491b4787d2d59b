//! Credentials, the ledger and revocation: what an employer, an auditor and an admin do with
//! a learner's certificate.

use std::collections::HashSet;

use actix_web::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hocvuso_credentials::ledger::{self, BreakKind};
use hocvuso_stories::{t, workspace_root, TestApp, TestResult};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::evidence::complete;

pub(crate) fn schema_validator() -> Result<jsonschema::Validator, hocvuso_stories::Error> {
    let path = workspace_root()
        .join("tests/fixtures/openbadges3/ob_v3p0_achievementcredential_schema.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(path)?)?;
    Ok(jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .should_validate_formats(true)
        .build(&schema)?)
}

#[actix_web::test]
async fn a_credential_issued_on_completion_verifies_with_an_independent_jose_library() -> TestResult
{
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;

    let jwt = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await;
    assert_eq!(jwt.status, StatusCode::OK);
    let jwt = jwt.text();
    let jwks = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, StatusCode::OK);
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&jwks.body)?;
    let header = jsonwebtoken::decode_header(&jwt)?;
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwk = jwks
        .find(header.kid.as_deref().ok_or("kid")?)
        .ok_or("the JWKS has the signing key")?;
    let key = DecodingKey::from_jwk(jwk)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims = HashSet::from(["iss".to_owned(), "sub".to_owned()]);
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<Value>(&jwt, &key, &validation)?;
    let credential = data.claims;
    let errors: Vec<String> = schema_validator()?
        .iter_errors(&credential)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(credential["issuer"]["name"], "UBND phường Thử Nghiệm");
    let text = credential.to_string();
    assert!(!text.contains("ba.lan"), "no username in a credential");
    assert!(text.contains(&cert));

    // Our own verifier agrees; a tampered copy fails.
    let ok = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
        .await
        .json();
    assert_eq!(ok, json!({"valid": true, "reason": null}));
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1])?)?;
    payload["credentialSubject"]["achievement"]["name"] = json!("Thạc sĩ an ninh mạng");
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload)?);
    let forged = parts.join(".");
    assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());
    let bad = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": forged}))
        .await
        .json();
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["reason"], "bad_signature");
    Ok(())
}

/// The text of a PDF, as `pdftotext` reads it.
pub(crate) fn pdf_text(pdf: &[u8], name: &str) -> Result<String, hocvuso_stories::Error> {
    let file = std::env::temp_dir().join(format!("hvs-text-{name}.pdf"));
    std::fs::write(&file, pdf)?;
    let text = poppler("pdftotext", &[file.as_os_str(), "-".as_ref()]);
    std::fs::remove_file(&file)?;
    Ok(String::from_utf8(text?.stdout)?)
}

/// Runs one of poppler's tools (the independent PDF reader these stories check with); when it
/// is missing, says which package to install instead of a bare "No such file or directory".
pub(crate) fn poppler(
    tool: &str,
    args: &[&std::ffi::OsStr],
) -> Result<std::process::Output, hocvuso_stories::Error> {
    std::process::Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "`{tool}` is not installed: these stories read the PDF with poppler \
                 (Debian/Ubuntu: apt-get install poppler-utils; see README, \"Test it\")"
            )
            .into(),
            _ => e.into(),
        })
}

#[actix_web::test]
async fn the_pdf_certificate_carries_the_name_with_diacritics_and_an_embedded_font() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let pdf = app
        .get(&format!("/api/v1/certificates/{cert}/pdf"), None)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF"));
    let text = pdf_text(&pdf.body, &cert)?;
    let file = std::env::temp_dir().join(format!("hvs-{cert}.pdf"));
    std::fs::write(&file, &pdf.body)?;
    let fonts = poppler("pdffonts", &[file.as_os_str()])?;
    let fonts = String::from_utf8(fonts.stdout)?;
    std::fs::remove_file(&file)?;
    assert!(text.contains("Nguyễn Thị Lan"), "{text}");
    assert!(text.contains("UBND phường Thử Nghiệm"), "{text}");
    assert!(text.contains(&t("certificate.title")), "{text}");
    assert!(text.contains(&cert), "{text}");
    let embedded = fonts
        .lines()
        .skip(2)
        .any(|l| l.split_whitespace().rev().nth(4) == Some("yes"));
    assert!(embedded, "{fonts}");
    let unknown = app
        .get("/api/v1/certificates/AAAAAAAAAAAAAAAAAAAA/pdf", None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[actix_web::test]
async fn a_revoked_certificate_says_so_everywhere_and_the_ledger_records_it() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let jwt = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await
        .text();
    let learner = app.login("ba.lan", "mat-khau-dai").await?;
    let path = format!("/api/v1/admin/certificates/{cert}/revoke");
    let denied = app
        .post(&path, Some(&learner), json!({"reason": "x"}))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let admin = app.admin("quan.tri").await?;
    let empty = app.post(&path, Some(&admin), json!({"reason": " "})).await;
    assert_eq!(empty.json()["error"], "invalid_revoke_reason");
    let done = app
        .post(
            &path,
            Some(&admin),
            json!({"reason": "Gian lận khi làm bài"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let again = app
        .post(&path, Some(&admin), json!({"reason": "lần nữa"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let html = app.page(&format!("/verify/{cert}")).await.text();
    assert!(html.contains("data-status=\"revoked\""), "{html}");
    assert!(html.contains("Gian lận khi làm bài"));
    let v = app
        .post("/api/v1/credentials/verify", None, json!({"jwt": jwt}))
        .await
        .json();
    assert_eq!(
        (&v["valid"], &v["reason"]),
        (&json!(false), &json!("revoked"))
    );
    assert_eq!(v["message"], t("verify_reason.revoked"));

    // The course's issue, the path's issue (the fixture course holds the citizen group's
    // final quiz), then the revocation.
    let records = app.store.ledger_records().await?;
    assert_eq!(records.len(), 3);
    assert!(
        matches!(records[2].entry, ledger::Entry::Revoke(ref r) if r.reason == "Gian lận khi làm bài" && r.actor.starts_with("user:"))
    );
    assert!(ledger::verify_chain(&records).is_ok());
    Ok(())
}

#[actix_web::test]
async fn the_ledger_check_names_a_record_edited_or_deleted_in_the_database() -> TestResult {
    let app = TestApp::spawn().await?;
    app.tampered("the story edits and deletes ledger records to show the check names them");
    for (u, n) in [
        ("ba.lan", "Nguyễn Thị Lan"),
        ("ong.ba", "Trần Văn Ba"),
        ("chi.tu", "Lê Thị Tư"),
    ] {
        complete(&app, u, n).await?;
    }
    // Each learner's pass issues a course and a path credential: two records each.
    let head =
        ledger::verify_chain(&app.store.ledger_records().await?).map_err(|e| e.to_string())?;
    assert_eq!(head.seq, 6);

    app.store
        .execute_raw("UPDATE ledger_entries SET score_percent = 55 WHERE seq = 2")
        .await?;
    let broken =
        ledger::verify_chain(&app.store.ledger_records().await?).expect_err("an edit is caught");
    assert_eq!((broken.seq, broken.kind), (2, BreakKind::Edited));
    app.store
        .execute_raw("UPDATE ledger_entries SET score_percent = 100 WHERE seq = 2")
        .await?;
    assert!(ledger::verify_chain(&app.store.ledger_records().await?).is_ok());

    app.store
        .execute_raw("DELETE FROM ledger_entries WHERE seq = 2")
        .await?;
    let broken =
        ledger::verify_chain(&app.store.ledger_records().await?).expect_err("a deletion is caught");
    assert_eq!((broken.seq, broken.kind), (2, BreakKind::Missing));
    Ok(())
}

#[actix_web::test]
async fn every_export_is_recorded_in_an_audit_log_admins_can_read() -> TestResult {
    let app = TestApp::spawn().await?;
    complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let admin = app.admin("quan.tri").await?;
    app.get(
        "/api/v1/admin/completions?format=csv&group=citizen&from=2026-01-01",
        Some(&admin),
    )
    .await;
    app.get("/api/v1/admin/completions?format=jsonl", Some(&admin))
        .await;
    let learner = app.login("ba.lan", "mat-khau-dai").await?;
    assert_eq!(
        app.get("/api/v1/admin/exports", Some(&learner))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let log = app.get("/api/v1/admin/exports", Some(&admin)).await.json();
    let log = log.as_array().ok_or("a list")?;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["format"], "jsonl");
    assert_eq!(log[1]["format"], "csv");
    assert_eq!(log[1]["username"], "quan.tri");
    assert_eq!(log[1]["rows"], 1);
    let filter: Value = serde_json::from_str(log[1]["filter"].as_str().ok_or("filter")?)?;
    assert_eq!(filter["group"], "citizen");
    assert_eq!(filter["from"], "2026-01-01T00:00:00Z");
    Ok(())
}

#[actix_web::test]
async fn an_admin_revokes_in_the_pages_and_reads_the_export_log_there() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let admin = app.admin("quan.tri").await?;
    app.get("/api/v1/admin/completions?format=xlsx", Some(&admin))
        .await;
    app.page("/login").await;
    let r = app
        .submit_form(
            "/login",
            &[("username", "quan.tri"), ("password", "mat-khau-quan-tri")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page("/admin").await.text();
    assert!(page.contains("<section id=\"audit\">"), "{page}");
    assert!(page.contains("xlsx"));
    assert!(page.contains("action=\"/admin/revoke\""));
    let r = app
        .submit_form(
            "/admin/revoke",
            &[("certificate_id", &cert), ("reason", "Cấp nhầm người")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = app.page(&format!("/verify/{cert}")).await.text();
    assert!(html.contains("data-status=\"revoked\""));
    assert!(html.contains("Cấp nhầm người"));
    Ok(())
}

#[actix_web::test]
async fn the_xapi_export_is_one_valid_statement_per_completion() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    complete(&app, "ong.ba", "Trần Văn Ba").await?;
    let admin = app.admin("quan.tri").await?;
    let r = app
        .get("/api/v1/admin/completions?format=xapi", Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    let lines: Vec<Value> = hocvuso_stories::without_ledger_head(&text)
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 2);
    for s in &lines {
        hocvuso_credentials::xapi::check_statement(s).map_err(|p| p.join("; "))?;
    }
    assert!(!text.contains("ba.lan"), "no usernames in xAPI");
    assert_eq!(
        lines[0]["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/completed"
    );
    assert!(text.contains("thu-nghiem"));
    let _ = cert;
    let log = app.get("/api/v1/admin/exports", Some(&admin)).await.json();
    assert_eq!(log[0]["format"], "xapi");
    assert_eq!(log[0]["rows"], 2);
    Ok(())
}

#[actix_web::test]
async fn the_verify_page_shows_more_only_when_the_learner_chose_to() -> TestResult {
    let app = TestApp::spawn().await?;
    app.page("/register").await;
    let r = app
        .submit_form(
            "/register",
            &[
                ("display_name", "Trần Văn Tư"),
                ("username", "ong.tu"),
                ("password", "mat-khau-dai"),
                ("group", "citizen"),
                ("birth_year", "1958"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let token = app.login("ong.tu", "mat-khau-dai").await?;
    let cert = app.complete_fixture_course(&token).await?;

    let before = app.page(&format!("/verify/{cert}")).await.text();
    assert!(!before.contains("ong.tu") && !before.contains("1958"));
    app.page("/certificates").await;
    let r = app
        .submit_form("/certificates/details", &[("show", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = app.page(&format!("/verify/{cert}")).await.text();
    assert!(
        after.contains("ong.tu") && after.contains("1958"),
        "{after}"
    );
    app.page("/certificates").await;
    app.submit_form("/certificates/details", &[]).await;
    let off = app.page(&format!("/verify/{cert}")).await.text();
    assert!(!off.contains("ong.tu"));
    Ok(())
}

/// Registers a learner, completes the fixture course's lessons and opens the quiz; returns the
/// token, the attempt id and its full-marks answers.
pub(crate) async fn ready_to_submit(
    app: &TestApp,
    username: &str,
) -> Result<(String, String, Value), hocvuso_stories::Error> {
    app.post("/api/v1/auth/register", None, json!({"username": username, "password": "mat-khau-dai", "display_name": "Người Học", "group": "citizen"})).await;
    let token = app.login(username, "mat-khau-dai").await?;
    let me = app.user_id(&token).await?;
    for l in ["mat-khau", "ma-otp"] {
        app.post(
            &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
            Some(&token),
            json!({}),
        )
        .await;
    }
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
    Ok((token, id, serde_json::to_value(key)?))
}

#[actix_web::test]
async fn concurrent_completions_each_get_their_own_ledger_entry() -> TestResult {
    let app = TestApp::spawn().await?;
    let mut ready = Vec::new();
    for u in ["hv.mot", "hv.hai", "hv.ba", "hv.bon"] {
        ready.push(ready_to_submit(&app, u).await?);
    }
    let paths: Vec<String> = ready
        .iter()
        .map(|(_, id, _)| format!("/api/v1/attempts/{id}/submit"))
        .collect();
    let submits = ready
        .iter()
        .zip(&paths)
        .map(|((token, _, key), path)| app.post(path, Some(token), json!({"answers": key})));
    let replies = futures_join_all(submits).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.json()["certificate_id"].is_string());
    }
    // A course and a path credential each.
    let head =
        ledger::verify_chain(&app.store.ledger_records().await?).map_err(|e| e.to_string())?;
    assert_eq!(head.seq, 8);
    Ok(())
}

/// Polls every future together on this task, so their transactions overlap.
pub(crate) async fn futures_join_all<F: std::future::Future>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = fs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[actix_web::test]
async fn a_learner_can_make_the_same_verification_choice_through_the_api() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("ong.nam").await?;
    let cert = app.complete_fixture_course(&token).await?;
    let path = "/api/v1/me/certificates/details";
    assert_eq!(
        app.api(Method::PUT, path, None, Some(json!({"show": true})))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let on = app
        .api(Method::PUT, path, Some(&token), Some(json!({"show": true})))
        .await;
    assert_eq!(on.status, StatusCode::NO_CONTENT, "{}", on.text());
    let shown = app.page(&format!("/verify/{cert}")).await.text();
    // The details list (username, group) appears only after the choice.
    assert!(shown.contains("<dl>"), "{shown}");
    app.api(
        Method::PUT,
        path,
        Some(&token),
        Some(json!({"show": false})),
    )
    .await;
    let hidden = app.page(&format!("/verify/{cert}")).await.text();
    assert!(!hidden.contains("<dl>"), "{hidden}");
    let bad = app
        .api(
            Method::PUT,
            path,
            Some(&token),
            Some(json!({"show": "yes"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
    Ok(())
}
