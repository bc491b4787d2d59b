//! Reminder e-mail: a learner gives an address on their profile, the manager's assignment and
//! reminder reach it through a real SMTP conversation (a fake server in the harness), and a
//! mail server that is down fails nobody's request.

use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use base64::Engine;
use hocvuso_server::clock::Clock;
use hocvuso_server::mail::MailSettings;
use hocvuso_stories::{
    fixture_content, html_escaped, t, t_with, FakeSmtp, SentMail, TestApp, TestResult,
};
use serde_json::json;

const FROM: &str = "Học Vụ Số <nhac-nho@hocvuso.test>";

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) the way a mail reader does:
/// whitespace between two encoded words is dropped, other whitespace is one space.
fn decode_header(raw: &str) -> String {
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut last_was_word = false;
    for token in raw.split_whitespace() {
        let word = token
            .strip_prefix("=?")
            .and_then(|t| t.strip_suffix("?="))
            .and_then(|t| {
                let mut parts = t.splitn(3, '?');
                Some((parts.next()?, parts.next()?, parts.next()?))
            });
        let Some((_charset, enc, text)) = word else {
            out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut bytes)));
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
            last_was_word = false;
            continue;
        };
        if !last_was_word && !out.is_empty() {
            out.push(' ');
        }
        if enc.eq_ignore_ascii_case("b") {
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default(),
            );
        } else {
            let t = text.replace('_', " ");
            let mut it = t.bytes();
            while let Some(b) = it.next() {
                if b == b'=' {
                    let h: String = it.by_ref().take(2).map(char::from).collect();
                    bytes.push(u8::from_str_radix(&h, 16).unwrap_or(b'?'));
                } else {
                    bytes.push(b);
                }
            }
        }
        last_was_word = true;
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

async fn ward_with_learners(
    app: &TestApp,
) -> Result<(String, i64, String, String), hocvuso_stories::Error> {
    let admin = app.admin("quan.tri").await?;
    let r = app
        .post(
            "/api/v1/units",
            Some(&admin),
            json!({"parent_id": null, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "neighbourhood"}),
        )
        .await;
    let unit = r.json()["id"].as_i64().ok_or("unit")?;
    let (_, lan) = app.account("ba.lan", Some("citizen"), &["learner"]).await?;
    let (_, binh) = app
        .account("ong.binh", Some("citizen"), &["learner"])
        .await?;
    for who in ["ba.lan", "ong.binh"] {
        let r = app
            .post(
                &format!("/api/v1/units/{unit}/members"),
                Some(&admin),
                json!({"username": who}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    Ok((admin, unit, lan, binh))
}

fn clock() -> Clock {
    Clock::from_fn(|| time::macros::datetime!(2026-12-01 09:00 +7))
}

#[actix_web::test]
async fn an_assignment_and_a_reminder_reach_the_learner_who_gave_an_address_by_email() -> TestResult
{
    let mut smtp = FakeSmtp::start().await?;
    let url = smtp.url.clone();
    let app = TestApp::spawn_configured(fixture_content(), clock(), |s| {
        s.mail = Some(MailSettings {
            smtp_url: url,
            from: FROM.into(),
        })
    })
    .await?;
    let (admin, unit, lan, binh) = ward_with_learners(&app).await?;

    // Bà Lan gives an address (after a mistyped one); ông Bình gives none.
    let bad = app
        .api(
            Method::PUT,
            "/api/v1/me/email",
            Some(&lan),
            Some(json!({"email": "lan at example"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"], "invalid_email");
    assert_eq!(bad.json()["message"], t("errors.invalid_email"));
    let ok = app
        .api(
            Method::PUT,
            "/api/v1/me/email",
            Some(&lan),
            Some(json!({"email": "  ba.lan@example.test "})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["email"], "ba.lan@example.test");
    assert_eq!(
        app.get("/api/v1/me/email", Some(&binh)).await.json()["email"],
        serde_json::Value::Null
    );
    let lan_id = app.user_id(&lan).await?;
    let consents = app.store.consents(lan_id).await?;
    assert_eq!(
        consents[0].purpose, "reminder_email",
        "the consent is recorded"
    );
    assert_eq!(
        consents[0].notice_version,
        hocvuso_server::app::accounts::EMAIL_NOTICE_VERSION
    );

    let r = app
        .post(
            "/api/v1/assignments",
            Some(&admin),
            json!({"course_id": "thu-nghiem", "unit_id": unit, "due_on": "2026-12-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().ok_or("id")?;
    let title = app
        .state
        .catalog()
        .course("thu-nghiem")
        .ok_or("course")?
        .title
        .clone();

    let check = |m: &SentMail, subject: &str| {
        assert_eq!(m.to, ["ba.lan@example.test"], "the envelope names only her");
        assert_eq!(m.from, "nhac-nho@hocvuso.test");
        let raw = m.header("Subject").unwrap_or_default();
        assert!(raw.is_ascii(), "a header on the wire is ASCII: {raw}");
        assert_eq!(decode_header(&raw), subject, "raw subject: {raw}");
        assert!(m
            .header("To")
            .is_some_and(|t| t.contains("ba.lan@example.test")));
        assert!(m
            .header("Content-Type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("charset=utf-8")));
    };
    let assigned = smtp
        .next(Duration::from_secs(10))
        .await
        .ok_or("no e-mail for the new assignment")?;
    check(
        &assigned,
        &t_with("mail.subject_assigned", &[("course", &title)]),
    );

    let r = app
        .post(
            &format!("/api/v1/assignments/{id}/remind"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reminder = smtp
        .next(Duration::from_secs(10))
        .await
        .ok_or("no reminder e-mail")?;
    check(
        &reminder,
        &t_with("mail.subject_reminder", &[("course", &title)]),
    );
    // The notifications are there as before, for both.
    for token in [&lan, &binh] {
        let notes = app
            .get("/api/v1/me/notifications", Some(token))
            .await
            .json();
        assert_eq!(notes.as_array().map(Vec::len), Some(2));
    }
    assert!(
        smtp.next(Duration::from_millis(300)).await.is_none(),
        "ông Bình gave no address and gets no e-mail"
    );

    // She removes the address on her profile page: no more e-mail, the consent is withdrawn.
    app.sign_in_browser("ba.lan").await?;
    let profile = app.page("/profile").await.text();
    assert!(
        profile.contains(&html_escaped(&t("profile.email_purpose"))),
        "the purpose is shown"
    );
    assert!(profile.contains("ba.lan@example.test"));
    let r = app
        .submit_form("/profile/email", &[("email", ""), ("action", "remove")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.store.reminder_email(lan_id).await?, None);
    assert!(app.store.consents(lan_id).await?[0].withdrawn_at.is_some());
    app.post(
        &format!("/api/v1/assignments/{id}/remind"),
        Some(&admin),
        json!({}),
    )
    .await;
    assert!(smtp.next(Duration::from_millis(500)).await.is_none());

    // And gives it again through the form.
    let r = app
        .submit_form(
            "/profile/email",
            &[("email", "lan.moi@example.test"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/me/email", Some(&lan)).await.json()["email"],
        "lan.moi@example.test"
    );
    Ok(())
}

#[actix_web::test]
async fn a_mail_server_that_is_down_fails_no_request() -> TestResult {
    // A port nobody listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let app = TestApp::spawn_configured(fixture_content(), clock(), |s| {
        s.mail = Some(MailSettings {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: FROM.into(),
        })
    })
    .await?;
    let (admin, unit, lan, _) = ward_with_learners(&app).await?;
    app.api(
        Method::PUT,
        "/api/v1/me/email",
        Some(&lan),
        Some(json!({"email": "ba.lan@example.test"})),
    )
    .await;
    let r = app
        .post(
            "/api/v1/assignments",
            Some(&admin),
            json!({"course_id": "thu-nghiem", "unit_id": unit, "due_on": "2026-12-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().ok_or("id")?;
    let r = app
        .post(
            &format!("/api/v1/assignments/{id}/remind"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["reminded"], 2, "{}", r.text());
    // Let the background sends fail before the test ends.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}
