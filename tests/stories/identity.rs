//! Identity: two-factor sign-in for staff (TOTP, RFC 6238), guardians of learners under 16,
//! and sign-in with an identity provider (OpenID Connect) started on loopback by the story.
//! TOTP codes are computed here from the secret the page shows, by an independent RFC 6238
//! implementation (HMAC-SHA-1 below), never by the server's code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, TestApp, TestResult};
use serde_json::json;

type Error = Box<dyn std::error::Error>;

// ---- helpers ----

/// RFC 6238 with HMAC-SHA-1, 6 digits, 30 s: the code for Unix time `t`.
pub(crate) fn totp(secret_b32: &str, t: i64) -> String {
    use hmac::{Hmac, Mac};
    let key = base32_decode(secret_b32);
    let counter = (t / 30) as u64;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).expect("any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[o] & 0x7f) << 24)
        | (u32::from(h[o + 1]) << 16)
        | (u32::from(h[o + 2]) << 8)
        | u32::from(h[o + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The code an authenticator app shows for `secret_b32` at the application's clock.
pub(crate) fn totp_now(app: &TestApp, secret_b32: &str) -> String {
    totp(secret_b32, app.state.clock.now().unix_timestamp())
}

fn base32_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn the_stories_totp_matches_rfc_6238() {
    // Appendix B: key "12345678901234567890", T = 59 s → 94287082 (its last six digits).
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(base32_decode(secret), b"12345678901234567890");
    assert_eq!(totp(secret, 59), "287082");
    assert_eq!(totp(secret, 1_111_111_109), "081804");
}

/// The text between `start` and the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)? + i;
    Some(&html[i..j])
}

/// The value of the hidden input `name`.
fn hidden(html: &str, name: &str) -> Option<String> {
    between(html, &format!("name=\"{name}\" value=\""), "\"").map(str::to_owned)
}

fn secret_of(html: &str) -> Option<String> {
    between(
        html,
        "<code id=\"totp-secret\" class=\"secret\">",
        "</code>",
    )
    .map(str::to_owned)
}

fn recovery_codes(html: &str) -> Vec<String> {
    let Some(list) = between(
        html,
        "<ul class=\"list codes\" id=\"recovery-codes\">",
        "</ul>",
    ) else {
        return Vec::new();
    };
    list.split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn start() -> time::OffsetDateTime {
    time::macros::datetime!(2026-12-06 08:00:10 UTC)
}

async fn staff(app: &TestApp, username: &str, roles: &[&str]) -> Result<i64, Error> {
    let hash = app
        .state
        .hasher
        .hash("mat-khau-can-bo")
        .map_err(|e| e.to_string())?;
    let user = app
        .store
        .create_user(
            hocvuso_store::NewUser {
                username: username.into(),
                display_name: "Cán bộ".into(),
                password_hash: hash,
                group: None,
                birth_year: None,
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                created_at: app.state.clock.now(),
            },
            Vec::new(),
        )
        .await?;
    Ok(user.id)
}

/// Enrols the signed-in browser's account; returns the secret and the recovery codes.
async fn enrol(app: &TestApp) -> Result<(String, Vec<String>), Error> {
    let r = app.submit_form("/account/totp", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let secret = secret_of(&r.text()).ok_or("no secret shown")?;
    assert!(r.text().contains("<svg"), "a QR code is drawn");
    // A wrong first code: refused, nothing enabled, the same secret shown again.
    let wrong = app
        .submit_form("/account/totp/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text().contains(r#"data-error="invalid_code""#),
        "{}",
        wrong.text()
    );
    assert_eq!(secret_of(&wrong.text()).as_deref(), Some(secret.as_str()));
    let ok = app
        .submit_form(
            "/account/totp/confirm",
            &[("code", &totp_now(app, &secret))],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let codes = recovery_codes(&ok.text());
    assert_eq!(codes.len(), 10, "{}", ok.text());
    Ok((secret, codes))
}

// ---- two-factor sign-in ----

#[actix_web::test]
async fn a_manager_with_two_factor_signs_in_with_a_code_that_works_once() -> TestResult {
    let (clock, hand) = Clock::settable(start());
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let id = staff(&app, "can.bo", &["instructor", "learner"]).await?;
    let r = app.page_login("can.bo", "mat-khau-can-bo").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "no second factor yet");
    let (secret, codes) = enrol(&app).await?;
    // Stored: confirmed, the secret never in the download, the codes only as hashes.
    let factor = app.store.totp_factor(id).await?.ok_or("factor")?;
    assert!(factor.confirmed_at.is_some());
    assert_eq!(app.store.recovery_codes_left(id).await?, 10);
    let data = app.store.personal_data(id).await?;
    let text = serde_json::to_string(&data)?;
    assert!(!text.contains(&secret), "the secret is never given out");
    for c in &codes {
        assert!(!text.contains(c.as_str()), "recovery codes are kept hashed");
    }
    let account = app.page("/account").await.text();
    assert!(account.contains("id=\"totp-status\" data-on"), "{account}");

    // Signing in again: the password is not enough.
    app.submit_form("/logout", &[]).await;
    let r = app.page_login("can.bo", "mat-khau-can-bo").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!app.has_cookie("hvs_session"), "no session before the code");
    let ticket = hidden(&r.text(), "ticket").ok_or("ticket")?;
    // The code used at enrolment, in the same 30 s: refused (each code works once).
    let replay = app
        .submit_form(
            "/login/code",
            &[("ticket", &ticket), ("code", &totp_now(&app, &secret))],
        )
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text());
    assert!(replay.text().contains(r#"data-error="invalid_code""#));
    // A forged ticket: back to the sign-in page.
    let forged = app
        .submit_form(
            "/login/code",
            &[
                ("ticket", &format!("{id}.9999999999.00.ff")),
                ("code", "123456"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert!(forged.text().contains(r#"data-error="sign_in_expired""#));
    // The next step's code signs in.
    hand.advance(time::Duration::seconds(30));
    let ok = app
        .submit_form(
            "/login/code",
            &[("ticket", &ticket), ("code", &totp_now(&app, &secret))],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(app.has_cookie("hvs_session"));
    assert_eq!(app.page("/account").await.status, StatusCode::OK);

    // The API: the code travels with the password.
    let api = |code: Option<&str>| json!({"username": "can.bo", "password": "mat-khau-can-bo", "totp_code": code});
    let r = app.post("/api/v1/auth/login", None, api(None)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "totp_required");
    let r = app
        .post("/api/v1/auth/login", None, api(Some("111111")))
        .await;
    assert_eq!(r.json()["error"], "invalid_code");
    // A recovery code, however typed, once.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let r = app
        .post("/api/v1/auth/login", None, api(Some(&typed)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .post("/api/v1/auth/login", None, api(Some(&codes[0])))
        .await;
    assert_eq!(r.json()["error"], "invalid_code");
    assert_eq!(app.store.recovery_codes_left(id).await?, 9);
    // A wrong password with a right code is still a wrong password.
    hand.advance(time::Duration::seconds(30));
    let r = app
        .post("/api/v1/auth/login", None, json!({"username": "can.bo", "password": "sai-mat-khau", "totp_code": totp_now(&app, &secret)}))
        .await;
    assert_eq!(r.json()["error"], "invalid_credentials");
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            api(Some(&totp_now(&app, &secret))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Turning it off needs a code; then the password is enough again.
    let r = app
        .submit_form("/account/totp/disable", &[("code", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .submit_form("/account/totp/disable", &[("code", &codes[1])])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.store.totp_factor(id).await?.is_none());
    assert_eq!(app.store.recovery_codes_left(id).await?, 0);
    let r = app.post("/api/v1/auth/login", None, api(None)).await;
    assert_eq!(r.status, StatusCode::OK);
    Ok(())
}

#[actix_web::test]
async fn codes_are_limited_per_account_and_hour() -> TestResult {
    let (clock, hand) = Clock::settable(start());
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    staff(&app, "can.bo", &["admin"]).await?;
    app.page_login("can.bo", "mat-khau-can-bo").await;
    let (secret, _) = enrol(&app).await?; // 2 codes counted (one wrong, one right)
    let body = |code: String| json!({"username": "can.bo", "password": "mat-khau-can-bo", "totp_code": code});
    for _ in 0..8 {
        let r = app
            .post("/api/v1/auth/login", None, body("000000".into()))
            .await;
        assert_eq!(r.json()["error"], "invalid_code");
    }
    hand.advance(time::Duration::seconds(30));
    // The eleventh code in the hour is refused even when right, with Retry-After.
    let r = app
        .post("/api/v1/auth/login", None, body(totp_now(&app, &secret)))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.json()["error"], "too_many_codes");
    assert!(r.headers.get("retry-after").is_some());
    hand.advance(time::Duration::minutes(10));
    let r = app
        .post("/api/v1/auth/login", None, body(totp_now(&app, &secret)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn administrators_must_enrol_when_the_setting_requires_it() -> TestResult {
    let (clock, _hand) = Clock::settable(start());
    let app = TestApp::spawn_configured(fixture_content(), clock, |s| {
        s.require_totp_for_admins = true;
    })
    .await?;
    let id = staff(&app, "quan.tri", &["admin", "learner"]).await?;
    staff(&app, "giang.vien", &["instructor"]).await?;
    // Not for other roles.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "giang.vien", "password": "mat-khau-can-bo"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The API cannot enrol: it says so.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "quan.tri", "password": "mat-khau-can-bo"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "totp_enrolment_required");
    // The web sign-in goes through enrolment before anything else.
    let r = app.page_login("quan.tri", "mat-khau-can-bo").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!app.has_cookie("hvs_session"));
    let ticket = hidden(&r.text(), "ticket").ok_or("ticket")?;
    let secret = secret_of(&r.text()).ok_or("secret")?;
    let wrong = app
        .submit_form("/login/enrol", &[("ticket", &ticket), ("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        secret_of(&wrong.text()).as_deref(),
        Some(secret.as_str()),
        "same secret again"
    );
    assert!(!app.has_cookie("hvs_session"));
    let r = app
        .submit_form(
            "/login/enrol",
            &[("ticket", &ticket), ("code", &totp_now(&app, &secret))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(recovery_codes(&r.text()).len(), 10);
    assert!(app.has_cookie("hvs_session"));
    assert!(app
        .store
        .totp_factor(id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some()));
    // It cannot be turned off while the setting requires it.
    let account = app.page("/account").await.text();
    assert!(!account.contains("/account/totp/disable"), "{account}");
    let r = app
        .submit_form(
            "/account/totp/disable",
            &[("code", &recovery_codes(&r.text())[0])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.totp_factor(id).await?.is_some());
    Ok(())
}

// ---- guardians ----

fn child_body(year: i32, contact: Option<&str>, consent: bool) -> serde_json::Value {
    json!({"username": "em.an", "password": "mat-khau-dai", "display_name": "Em An",
           "group": "citizen", "birth_year": year, "guardian_consent": consent,
           "guardian_contact": contact})
}

#[actix_web::test]
async fn a_childs_guardian_consents_sees_the_data_and_withdraws() -> TestResult {
    let app = TestApp::spawn().await?;
    let year = app.state.clock.now().year();
    // Refusals write nothing.
    for (body, key) in [
        (
            child_body(year - 10, None, true),
            "guardian_contact_required",
        ),
        (
            child_body(year - 10, Some("abc"), true),
            "invalid_guardian_contact",
        ),
        (
            child_body(year - 10, Some("0912345678"), false),
            "guardian_consent_required",
        ),
        (
            json!({"username": "em.an", "password": "mat-khau-dai", "display_name": "Em An", "group": "citizen", "under_16": true}),
            "guardian_consent_required",
        ),
    ] {
        let r = app.post("/api/v1/auth/register", None, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"], key);
        assert!(r.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(app.store.user_by_username("em.an").await?.is_none());
    // An adult gets no guardian code.
    let adult = app.register("ba.lan", "citizen").await;
    assert!(adult.json().get("guardian_code").is_none());

    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            child_body(year - 10, Some("0912 345 678"), true),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let code = r.json()["guardian_code"]
        .as_str()
        .ok_or("guardian code")?
        .to_owned();
    let id = r.json()["id"].as_i64().ok_or("id")?;
    let g = app.store.guardian(id).await?.ok_or("guardian row")?;
    assert_eq!(g.contact, "0912345678", "kept normalised, nothing else");
    assert_ne!(g.code_hash, code, "the code is kept hashed");
    assert!(app.store.consent_in_force(id, "guardian").await?);

    let token = app.login("em.an", "mat-khau-dai").await?;
    let learn = |lesson: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/courses/thu-nghiem/lessons/{lesson}/complete"),
                Some(&token),
                json!({}),
            )
            .await
        }
    };
    assert_eq!(learn("mat-khau").await.status, StatusCode::OK);

    // The guardian's page: a wrong code shows nothing.
    app.page("/guardian").await;
    let r = app
        .submit_form("/guardian", &[("username", "em.an"), ("code", "sai-ma")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!r.text().contains("Em An"));
    let r = app
        .submit_form("/guardian", &[("username", "em.an"), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("Em An") && page.contains("data-in-force"),
        "{page}"
    );
    assert!(page.contains("0912345678"));
    assert!(
        page.contains(r#"<tr data-kind="guardian">"#),
        "the kinds held are listed"
    );

    // Withdrawal stops learning at once; agreeing again opens it.
    let r = app
        .submit_form(
            "/guardian",
            &[
                ("username", "em.an"),
                ("code", &code),
                ("action", "withdraw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(r#"data-status="withdrawn""#));
    assert!(!app.store.consent_in_force(id, "guardian").await?);
    let refused = learn("ma-otp").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"], "guardian_consent_withdrawn");
    let quiz = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(quiz.status, StatusCode::FORBIDDEN);
    let r = app
        .submit_form(
            "/guardian",
            &[("username", "em.an"), ("code", &code), ("action", "give")],
        )
        .await;
    assert!(r.text().contains("data-in-force"));
    assert_eq!(learn("ma-otp").await.status, StatusCode::OK);
    let consents = app.store.consents(id).await?;
    assert_eq!(
        consents.iter().filter(|c| c.purpose == "guardian").count(),
        2,
        "the withdrawn consent stays as the record"
    );

    // The download lists the guardian's contact, never the code's hash.
    let data = app.get("/api/v1/me/data", Some(&token)).await;
    let text = data.text();
    assert!(
        text.contains("0912345678") && !text.contains(&g.code_hash),
        "{text}"
    );

    // Deleting the account erases the guardian's contact.
    let r = app
        .post(
            "/api/v1/me/delete",
            Some(&token),
            json!({"password": "mat-khau-dai"}),
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    assert!(app.store.guardian(id).await?.is_none());
    Ok(())
}

#[actix_web::test]
async fn a_child_registers_on_the_page_and_gets_the_guardians_code_once() -> TestResult {
    let app = TestApp::spawn().await?;
    app.page("/register").await;
    let fields = [
        ("display_name", "Em Bình"),
        ("username", "em.binh"),
        ("password", "mat-khau-dai"),
        ("group", "citizen"),
        ("consent", "yes"),
        ("under_16", "yes"),
    ];
    let r = app.submit_form("/register", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains(r#"data-error="guardian_consent_required""#),
        "{}",
        r.text()
    );
    let mut more = fields.to_vec();
    more.push(("guardian_consent", "yes"));
    let r = app.submit_form("/register", &more).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains(r#"data-error="guardian_contact_required""#),
        "{}",
        r.text()
    );
    more.push(("guardian_contact", "me.binh@example.vn"));
    let r = app.submit_form("/register", &more).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let code = between(
        &r.text(),
        "<code id=\"guardian-code\" class=\"secret\">",
        "</code>",
    )
    .ok_or("code shown")?
    .to_owned();
    assert!(app.has_cookie("hvs_session"), "signed in");
    let user = app.store.user_by_username("em.binh").await?.ok_or("user")?;
    assert_eq!(user.birth_year, None, "no birth year was asked for");
    app.forget_cookie("hvs_session");
    let r = app
        .submit_form("/guardian", &[("username", "em.binh"), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("me.binh@example.vn"));
    Ok(())
}

// ---- sign-in with an identity provider ----

/// A small OpenID Connect provider on loopback: discovery, JWKS, an authorization endpoint
/// that approves at once, and a token endpoint that checks the client, the code (once) and
/// PKCE, and signs an RS256 ID token. `mode` makes it misbehave as a story needs.
#[derive(Clone, Default)]
struct Provider {
    inner: Arc<Mutex<ProviderState>>,
}

#[derive(Default)]
struct ProviderState {
    base: String,
    /// code → (challenge, nonce, redirect_uri, subject)
    codes: HashMap<String, (String, String, String, String)>,
    subject: String,
    mode: &'static str,
    name: Option<String>,
    birthdate: Option<String>,
    pkce_checked: usize,
}

const CLIENT_ID: &str = "hocvuso-test";
const CLIENT_SECRET: &str = "bi-mat-cua-client";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        hocvuso_stories::workspace_root()
            .join("tests/fixtures/oidc")
            .join(name),
    )
    .expect("oidc fixture")
}

impl Provider {
    async fn start() -> Result<Self, Error> {
        use actix_web::{web, App, HttpResponse, HttpServer};
        let p = Provider::default();
        let shared = p.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(shared.clone()))
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route(
                    "/jwks",
                    web::get().to(|| async {
                        let jwk: serde_json::Value =
                            serde_json::from_slice(&fixture("provider.jwk.json")).expect("jwk");
                        HttpResponse::Ok().json(json!({"keys": [jwk]}))
                    }),
                )
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))?;
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        p.inner.lock().expect("lock").base = format!("http://{addr}");
        Ok(p)
    }

    fn base(&self) -> String {
        self.inner.lock().expect("lock").base.clone()
    }

    fn set(&self, f: impl FnOnce(&mut ProviderState)) {
        f(&mut self.inner.lock().expect("lock"));
    }
}

async fn discovery(p: actix_web::web::Data<Provider>) -> actix_web::HttpResponse {
    let base = p.base();
    actix_web::HttpResponse::Ok().json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"]
    }))
}

async fn authorize(
    p: actix_web::web::Data<Provider>,
    q: actix_web::web::Query<HashMap<String, String>>,
) -> actix_web::HttpResponse {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("nonce").is_empty()
        || get("state").is_empty()
    {
        return actix_web::HttpResponse::BadRequest().body("bad authorization request");
    }
    let code = format!("code-{}", rand::random::<u64>());
    let mut s = p.inner.lock().expect("lock");
    let subject = s.subject.clone();
    s.codes.insert(
        code.clone(),
        (
            get("code_challenge"),
            get("nonce"),
            get("redirect_uri"),
            subject,
        ),
    );
    let location = format!("{}?code={code}&state={}", get("redirect_uri"), get("state"));
    actix_web::HttpResponse::Found()
        .insert_header(("Location", location))
        .finish()
}

// The provider's tokens carry real times: the relying party checks them against its own clock.
#[allow(clippy::disallowed_methods)]
async fn token(
    p: actix_web::web::Data<Provider>,
    req: actix_web::HttpRequest,
    form: actix_web::web::Form<HashMap<String, String>>,
) -> actix_web::HttpResponse {
    use base64::Engine as _;
    use sha2::Digest as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bad = |what: &str| actix_web::HttpResponse::BadRequest().json(json!({"error": what}));
    // Client authentication: HTTP Basic with the id and secret (form-encoded, RFC 6749 2.3.1).
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    if basic.as_deref() != Some(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_str()) {
        return actix_web::HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("grant_type") != "authorization_code" {
        return bad("unsupported_grant_type");
    }
    let mut s = p.inner.lock().expect("lock");
    // A code works once.
    let Some((challenge, nonce, redirect, subject)) = s.codes.remove(&get("code")) else {
        return bad("invalid_grant");
    };
    if redirect != get("redirect_uri") {
        return bad("invalid_grant");
    }
    let computed = b64.encode(sha2::Sha256::digest(get("code_verifier").as_bytes()));
    if computed != challenge {
        return bad("invalid_grant");
    }
    s.pkce_checked += 1;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (aud, exp, key) = match s.mode {
        "wrong_audience" => ("someone-else", now + 300, "provider.der"),
        "expired" => (CLIENT_ID, now - 600, "provider.der"),
        "forged" => (CLIENT_ID, now + 300, "other.der"),
        _ => (CLIENT_ID, now + 300, "provider.der"),
    };
    let mut claims = json!({
        "iss": s.base, "sub": subject, "aud": aud, "exp": exp, "iat": now - 5, "nonce": nonce,
    });
    if let Some(n) = &s.name {
        claims["name"] = json!(n);
    }
    if let Some(b) = &s.birthdate {
        claims["birthdate"] = json!(b);
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("provider".into());
    let id_token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(&fixture(key)),
    )
    .expect("signing");
    actix_web::HttpResponse::Ok().json(json!({
        "access_token": format!("at-{}", rand::random::<u64>()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

/// A plain HTTP GET on loopback (the browser visiting the provider); returns its Location.
fn browser_get(url: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("http only")?;
    let (host, path) = rest.split_once('/').ok_or("path")?;
    let mut s = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    let location = out
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .ok_or_else(|| format!("no redirect from the provider: {out}"))?;
    Ok(location)
}

async fn provider_app(p: &Provider) -> Result<TestApp, Error> {
    let issuer = p.base();
    TestApp::spawn_configured(fixture_content(), Clock::system(), move |s| {
        s.oidc = Some(hocvuso_server::settings::OidcSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            label: "VNeID".into(),
        });
    })
    .await
}

/// Presses the provider's button and follows the browser to the provider and back; returns
/// the callback's path and query, and what our server answered there.
async fn round_trip(app: &TestApp) -> Result<(String, hocvuso_stories::Reply), Error> {
    let login = app.page("/login").await;
    assert!(
        login.text().contains(r#"action="/login/oidc""#),
        "{}",
        login.text()
    );
    let r = app.submit_form("/login/oidc", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.has_cookie("hvs_oidc_state"));
    let to_provider = r.location().ok_or("redirect to the provider")?;
    assert!(
        to_provider.contains("code_challenge_method=S256"),
        "{to_provider}"
    );
    let back = tokio::task::spawn_blocking(move || browser_get(&to_provider))
        .await
        .map_err(|e| e.to_string())??;
    let path = back
        .strip_prefix("http://hocvuso.test")
        .ok_or_else(|| format!("back to the public URL: {back}"))?
        .to_owned();
    let reply = app.page(&path).await;
    Ok((path, reply))
}

#[actix_web::test]
async fn sign_in_with_an_identity_provider_links_only_after_the_password() -> TestResult {
    let p = Provider::start().await?;
    p.set(|s| s.subject = "vneid-0123".into());
    let app = provider_app(&p).await?;
    app.learner("ba.lan").await?;
    let id = app
        .store
        .user_by_username("ba.lan")
        .await?
        .ok_or("user")?
        .id;
    // First time: nobody is linked; the provider's name matches nobody by itself.
    let (callback, r) = round_trip(&app).await?;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(!app.has_cookie("hvs_session"));
    assert!(
        !app.has_cookie("hvs_oidc_state"),
        "the state cookie is spent"
    );
    let ticket = hidden(&r.text(), "ticket").ok_or("link ticket")?;
    // The same answer again, with the browser's own state cookie (a replayed state and
    // code): refused, the state works once.
    let state = between(&format!("{callback}&"), "state=", "&")
        .ok_or("state")?
        .to_owned();
    let replay = app
        .send(
            actix_web::test::TestRequest::get()
                .uri(&callback)
                .cookie(actix_web::cookie::Cookie::new("hvs_oidc_state", state)),
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.text());
    assert!(replay.text().contains(r#"data-error="oidc_state_invalid""#));
    // Another browser's state: refused too.
    app.submit_form("/login/oidc", &[]).await; // a fresh cookie, another state
    let replay = app.page(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.text());
    // Linking needs the account's password.
    let wrong = app
        .submit_form(
            "/login/oidc/link",
            &[
                ("ticket", &ticket),
                ("username", "ba.lan"),
                ("password", "khong-dung-dau"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.store.user_by_oidc(&p.base(), "vneid-0123").await?, None);
    let forged = app
        .submit_form(
            "/login/oidc/link",
            &[
                ("ticket", &ticket.replacen('e', "f", 1)),
                ("username", "ba.lan"),
                ("password", "mat-khau-dai"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let ok = app
        .submit_form(
            "/login/oidc/link",
            &[
                ("ticket", &ticket),
                ("username", "ba.lan"),
                ("password", "mat-khau-dai"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(app.has_cookie("hvs_session"));
    assert_eq!(
        app.store.user_by_oidc(&p.base(), "vneid-0123").await?,
        Some(id)
    );

    // Next time the provider alone signs in.
    app.submit_form("/logout", &[]).await;
    let (_, r) = round_trip(&app).await?;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.has_cookie("hvs_session"));
    let me = app.page("/account").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        p.inner.lock().map_err(|e| e.to_string())?.pkce_checked >= 2,
        "PKCE was checked"
    );

    // A forged state (not this browser's): refused without asking the provider.
    app.submit_form("/logout", &[]).await;
    let r = app.page("/login/oidc/callback?code=x&state=forged").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The link is personal data: listed in the download, erased with the account.
    let data = app.store.personal_data(id).await?;
    assert!(data
        .iter()
        .any(|(k, rows)| *k == "identity_provider" && rows.len() == 1));
    Ok(())
}

#[actix_web::test]
async fn tokens_for_another_client_expired_or_badly_signed_are_refused() -> TestResult {
    let p = Provider::start().await?;
    p.set(|s| s.subject = "vneid-0456".into());
    let app = provider_app(&p).await?;
    for mode in ["wrong_audience", "expired", "forged"] {
        p.set(|s| s.mode = mode);
        let (_, r) = round_trip(&app).await?;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{mode}: {}", r.text());
        assert!(r.text().contains(r#"data-error="oidc_refused""#), "{mode}");
        assert!(!app.has_cookie("hvs_session"), "{mode}");
    }
    // The provider itself is fine again: the same browser gets through to linking.
    p.set(|s| s.mode = "");
    let (_, r) = round_trip(&app).await?;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn a_new_account_takes_the_name_and_birth_year_from_the_provider() -> TestResult {
    let p = Provider::start().await?;
    p.set(|s| {
        s.subject = "vneid-0789".into();
        s.name = Some("Nguyễn Thị Hoa".into());
        s.birthdate = Some("1980-04-02".into());
    });
    let app = provider_app(&p).await?;
    let (_, r) = round_trip(&app).await?;
    let ticket = hidden(&r.text(), "ticket").ok_or("ticket")?;
    assert!(r.text().contains("Nguyễn Thị Hoa"));
    // Without consent: refused, nothing written.
    let r = app
        .submit_form(
            "/login/oidc/register",
            &[
                ("ticket", &ticket),
                ("username", "hoa.nt"),
                ("group", "citizen"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.user_by_username("hoa.nt").await?.is_none());
    let r = app
        .submit_form(
            "/login/oidc/register",
            &[
                ("ticket", &ticket),
                ("username", "hoa.nt"),
                ("group", "citizen"),
                ("consent", "yes"),
                ("display_name", "Tên khác"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let u = app.store.user_by_username("hoa.nt").await?.ok_or("user")?;
    assert_eq!(u.display_name, "Nguyễn Thị Hoa");
    assert_eq!(u.birth_year, Some(1980));
    assert_eq!(
        app.store.user_by_oidc(&p.base(), "vneid-0789").await?,
        Some(u.id)
    );
    // No local password: signing in with one fails like any wrong password.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "hoa.nt", "password": "!"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The same subject cannot make a second account.
    let r = app
        .submit_form(
            "/login/oidc/register",
            &[
                ("ticket", &ticket),
                ("username", "hoa.nt2"),
                ("group", "citizen"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(
        app.store.user_by_username("hoa.nt2").await?.is_none(),
        "nothing half-written"
    );
    Ok(())
}
