//! Standards others check (issue #19): HEAD on every GET route as RFC 9110 §9.3.2 says (the
//! same status and header fields as GET, no content, nothing changed), read off the wire from
//! a real HTTP server; and credentials signed with RS256 when the operator chooses it, verified
//! by an independent JOSE library with the published JWKS.

use std::collections::BTreeMap;

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::TestRequest;
use hocvuso_store::backup;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A path, the request's extra header fields, the status both methods must get.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);

/// A response as it came over the connection.
struct Wire {
    status: u16,
    /// Header fields by lower-case name, in order of arrival.
    headers: BTreeMap<String, Vec<String>>,
    /// What followed the header section before the server closed the connection.
    rest: Vec<u8>,
}

impl Wire {
    fn one(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// The content's length: `Content-Length`, or the chunks of a chunked body added up.
    fn content_length(&self) -> usize {
        if let Some(n) = self.one("content-length") {
            return n.parse().expect("a number");
        }
        assert_eq!(self.one("transfer-encoding"), Some("chunked"));
        let mut total = 0;
        let mut rest = &self.rest[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").expect("chunk");
            let size = usize::from_str_radix(
                std::str::from_utf8(&rest[..line_end])
                    .expect("ascii")
                    .trim(),
                16,
            )
            .expect("hex");
            if size == 0 {
                return total;
            }
            total += size;
            rest = &rest[line_end + 2 + size + 2..];
        }
    }

    /// The header fields a HEAD must share with the GET: all but `date` (the clock) and the
    /// values of `set-cookie` (a fresh CSRF token each time; the cookies' names must agree).
    fn comparable(&self) -> BTreeMap<String, Vec<String>> {
        let mut h = self.headers.clone();
        h.remove("date");
        if let Some(cookies) = h.get_mut("set-cookie") {
            for c in cookies.iter_mut() {
                *c = c.split('=').next().unwrap_or_default().to_owned();
            }
        }
        h
    }
}

/// The story's application served by a real actix HTTP server on a free local port, so what
/// actix-http writes for HEAD (the `Content-Length` of the GET, no content) is what is read.
async fn serve(app: &TestApp) -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?.to_string();
    let data = actix_web::web::Data::new(app.state.clone());
    let server = actix_web::HttpServer::new(move || hocvuso_server::app(data.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
    actix_web::rt::spawn(server);
    Ok(address)
}

async fn exchange(address: &str, method: &str, path: &str, extra: &[(&str, &str)]) -> Wire {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: hocvuso.test\r\nConnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header section");
    let head = String::from_utf8(raw[..end].to_vec()).expect("ascii headers");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header field");
        headers
            .entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(value.trim().to_owned());
    }
    Wire {
        status,
        headers,
        rest: raw[end + 4..].to_vec(),
    }
}

#[actix_web::test]
async fn head_answers_every_kind_of_get_route_with_the_gets_status_and_headers_and_no_content(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("dau.hoi").await?;
    let bearer = format!("Bearer {token}");
    let address = serve(&app).await?;
    let gzip = ("Accept-Encoding", "gzip");
    let cases: Vec<Case> = vec![
        // A page, as it is and compressed.
        ("/courses", vec![], 200),
        ("/courses", vec![gzip], 200),
        // An API resource of the signed-in learner, and the OpenAPI document.
        ("/api/v1/me", vec![("Authorization", bearer.as_str())], 200),
        ("/api/openapi.json", vec![gzip], 200),
        // A static file, a course's media file, the health check.
        ("/static/site.css", vec![], 200),
        ("/media/thu-nghiem/man-hinh.svg", vec![], 200),
        ("/healthz", vec![], 200),
        // Not found: the error page, and the contract's JSON error under /api/.
        ("/khong-co-trang-nay", vec![], 404),
        ("/api/v1/khong-co", vec![], 404),
        // Refused: the API without a token.
        ("/api/v1/me", vec![], 401),
    ];
    for (path, extra, status) in cases {
        let get = exchange(&address, "GET", path, &extra).await;
        let head = exchange(&address, "HEAD", path, &extra).await;
        let what = format!("{path} {extra:?}");
        assert_eq!(get.status, status, "GET {what}");
        assert_eq!(head.status, status, "HEAD {what}");
        assert_eq!(head.comparable(), get.comparable(), "{what}");
        assert!(head.rest.is_empty(), "HEAD {what} sent content");
        assert!(get.content_length() > 0, "GET {what} had no content");
        if let Some(n) = head.one("content-length") {
            assert_eq!(n.parse::<usize>()?, get.content_length(), "{what}");
        }
    }
    // A path that takes no GET takes no HEAD either; where GET is allowed, Allow says HEAD too.
    let r = exchange(&address, "HEAD", "/logout", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.one("allow"), Some("POST"));
    assert!(r.rest.is_empty());
    let r = exchange(
        &address,
        "DELETE",
        "/api/v1/me",
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.one("allow"), Some("GET, HEAD"));
    Ok(())
}

#[actix_web::test]
async fn head_creates_nothing_starts_no_export_and_marks_nothing_read() -> TestResult {
    let app = TestApp::spawn().await?;
    let admin = app.admin("quan.tri.dau").await?;
    let learner = app.learner("hoc.vien.dau").await?;
    app.complete_fixture_course(&learner).await?;
    let learner_id = app.user_id(&learner).await?;
    app.store
        .notify_graded(learner_id, "thu-nghiem", app.state.clock.now())
        .await?;
    // The learner's browser, signed in.
    app.page("/login").await;
    let r = app
        .submit_form(
            "/login",
            &[("username", "hoc.vien.dau"), ("password", "mat-khau-dai")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    let before = backup::all_rows(app.store.connection()).await?;
    let head = |path: &str| TestRequest::default().method(Method::HEAD).uri(path);
    let bearer = |t: &str| (header::AUTHORIZATION, format!("Bearer {t}"));
    for (req, status) in [
        // Anonymous pages (no session, no throttling counter, nothing).
        (head("/"), StatusCode::OK),
        (head("/login"), StatusCode::OK),
        (head("/register"), StatusCode::OK),
        (head("/static/site.css"), StatusCode::OK),
        (head("/khong-co-trang-nay"), StatusCode::NOT_FOUND),
        // API resources.
        (
            head("/api/v1/me").insert_header(bearer(&learner)),
            StatusCode::OK,
        ),
        (
            head("/api/v1/me/notifications").insert_header(bearer(&learner)),
            StatusCode::OK,
        ),
        // The completions export as xAPI: a GET records an export before its first byte.
        (
            head("/api/v1/admin/completions?format=xapi").insert_header(bearer(&admin)),
            StatusCode::OK,
        ),
    ] {
        let r = app.send(req).await;
        assert_eq!(r.status, status, "{}", r.text());
        assert!(r.body.is_empty(), "{}", r.text());
    }
    // The page of due work, which marks notifications read when it shows them.
    let r = app
        .send_with_cookies(TestRequest::default().method(Method::HEAD).uri("/due"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.is_empty());
    let after = backup::all_rows(app.store.connection()).await?;
    for (table, rows) in &before {
        assert_eq!(after.get(table), Some(rows), "HEAD changed table {table}");
    }
    assert_eq!(after.len(), before.len());

    // The same requests as GET do what they are for: the export is recorded, the
    // notification is read (so the comparison above could fail).
    let r = app
        .get("/api/v1/admin/completions?format=xapi", Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .text()
        .contains("http://adlnet.gov/expapi/verbs/completed"));
    assert_eq!(app.page("/due").await.status, StatusCode::OK);
    let later = backup::all_rows(app.store.connection()).await?;
    assert_ne!(later.get("export_audits"), before.get("export_audits"));
    assert_ne!(later.get("notifications"), before.get("notifications"));
    Ok(())
}

#[actix_web::test]
async fn the_export_answers_head_with_the_headers_of_its_get() -> TestResult {
    let app = TestApp::spawn().await?;
    let admin = app.admin("quan.tri.xuat").await?;
    let address = serve(&app).await?;
    let auth = format!("Bearer {admin}");
    let path = "/api/v1/admin/completions?format=xapi";
    let get = exchange(&address, "GET", path, &[("Authorization", &auth)]).await;
    let head = exchange(&address, "HEAD", path, &[("Authorization", &auth)]).await;
    assert_eq!((get.status, head.status), (200, 200));
    assert_eq!(head.comparable(), get.comparable());
    assert!(head
        .one("content-type")
        .is_some_and(|t| t.starts_with("application/x-ndjson")));
    assert!(head.one("hocvuso-ledger-head").is_some());
    assert!(head.rest.is_empty());
    Ok(())
}

fn jwt_part(jwt: &str, i: usize) -> Result<Value, hocvuso_stories::Error> {
    use base64::Engine;
    let part = jwt.split('.').nth(i).ok_or("a JWT part")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Verifies a credential as a verifier that knows only the issuer's JWKS would, with
/// `jsonwebtoken` (not this project's code): the key the header's `kid` names, its algorithm.
fn verify_with_jwks(jwt: &str, jwks: &Value) -> Result<Value, hocvuso_stories::Error> {
    let header = jwt_part(jwt, 0)?;
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(
        jwks["keys"]
            .as_array()
            .ok_or("keys")?
            .iter()
            .find(|k| k["kid"] == header["kid"])
            .ok_or("the JWKS has no key the JWT names")?
            .clone(),
    )?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk)?;
    let alg: jsonwebtoken::Algorithm = header["alg"].as_str().ok_or("alg")?.parse()?;
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    Ok(jsonwebtoken::decode::<Value>(jwt, &key, &validation)?.claims)
}

#[actix_web::test]
async fn an_issuer_that_switches_to_rs256_signs_credentials_a_jose_library_verifies() -> TestResult
{
    let app = TestApp::spawn().await?;
    let first = app.learner("hoc.vien.eddsa").await?;
    let before = app.complete_fixture_course(&first).await?;
    let credential_path = |id: &str| format!("/api/v1/certificates/{id}/credential");
    let old_jwt = app.get(&credential_path(&before), None).await.text();
    assert_eq!(jwt_part(&old_jwt, 0)?["alg"], "EdDSA");

    // What `hocvuso keys rotate --algorithm RS256` does next to the running server.
    let dir = hocvuso_server::issuer::keys_dir(&app.state.settings.data_dir);
    hocvuso_credentials::KeyStore::rotate_to(
        &dir,
        hocvuso_credentials::Algorithm::RS256,
        &mut rand::rngs::OsRng,
        app.state.clock.now(),
    )?;
    app.state.issuer.refresh();

    let second = app.learner("hoc.vien.rs256").await?;
    let after = app.complete_fixture_course(&second).await?;
    let r = app.get(&credential_path(&after), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let new_jwt = r.text();
    let header = jwt_part(&new_jwt, 0)?;
    assert_eq!(header["alg"], "RS256");

    // The JWKS publishes both keys, each with its algorithm; a kid URL dereferences to its JWK.
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let keys = jwks["keys"].as_array().ok_or("keys")?;
    let algs: Vec<&str> = keys.iter().filter_map(|k| k["alg"].as_str()).collect();
    assert_eq!(algs, ["EdDSA", "RS256"]);
    let rsa = keys.iter().find(|k| k["alg"] == "RS256").ok_or("rsa")?;
    assert_eq!(rsa["kty"], "RSA");
    assert!(rsa.get("d").is_none(), "no private part published");
    let kid = header["kid"].as_str().ok_or("kid")?;
    let path = kid.strip_prefix("http://hocvuso.test").ok_or("a key URL")?;
    assert_eq!(app.get(path, None).await.json(), *rsa);

    // An independent library verifies both credentials with the JWKS alone.
    let claims = verify_with_jwks(&new_jwt, &jwks)?;
    assert!(claims["jti"].as_str().ok_or("jti")?.ends_with(&after));
    verify_with_jwks(&old_jwt, &jwks)?;
    // The server's own check and public verification agree.
    for jwt in [&new_jwt, &old_jwt] {
        let r = app
            .post("/api/v1/credentials/verify", None, json!({ "jwt": jwt }))
            .await;
        assert_eq!(r.json()["valid"], true, "{}", r.text());
    }
    // The status list the RS256 credential names is signed with the RS256 key, and shows a
    // revocation to a verifier that follows it.
    let status_url = claims["credentialStatus"]["statusListCredential"]
        .as_str()
        .ok_or("credentialStatus")?;
    let list = app
        .get(
            status_url
                .strip_prefix("http://hocvuso.test")
                .ok_or("status URL")?,
            None,
        )
        .await
        .text();
    assert_eq!(jwt_part(&list, 0)?["alg"], "RS256");
    verify_with_jwks(&list, &jwks)?;
    Ok(())
}
