use actix_web::http::{header, StatusCode};
use hocvuso_stories::{TestApp, TestResult};
use serde_json::json;

/// Completes the fixture course for a new learner and returns their certificate id.
pub(crate) async fn complete(
    app: &TestApp,
    username: &str,
    display_name: &str,
) -> Result<String, hocvuso_stories::Error> {
    let r = app.post("/api/v1/auth/register", None, json!({"username": username, "password": "mat-khau-dai", "display_name": display_name, "group": "citizen"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let token = app.login(username, "mat-khau-dai").await?;
    app.complete_fixture_course(&token).await
}

#[actix_web::test]
async fn completions_export_as_csv_xlsx_and_json_lines_for_admins_only() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    complete(&app, "ke.gian", "=HYPERLINK(\"http://x\")").await?;
    let learner = app.login("ba.lan", "mat-khau-dai").await?;
    assert_eq!(
        app.get("/api/v1/admin/completions", Some(&learner))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/admin/completions", None).await.status,
        StatusCode::UNAUTHORIZED
    );

    let admin = app.admin("quan.tri").await?;
    let csv = app
        .get("/api/v1/admin/completions?format=csv", Some(&admin))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv")));
    let text = csv.text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("certificate_id,username,display_name,group,course_id,course_title,completed_at,score_percent,revoked"));
    let row = lines.next().ok_or("row")?;
    assert!(
        row.starts_with(&format!(
            "{cert},ba.lan,Nguyễn Thị Lan,citizen,thu-nghiem,Khóa học thử nghiệm,"
        )),
        "{row}"
    );
    assert!(
        text.contains("'=HYPERLINK"),
        "a formula cell was not neutralised: {text}"
    );

    let bom = app
        .get(
            "/api/v1/admin/completions?format=csv&bom=true",
            Some(&admin),
        )
        .await;
    assert!(bom.body.starts_with("\u{feff}".as_bytes()));

    let xlsx = app
        .get(
            "/api/v1/admin/completions?format=xlsx&group=citizen",
            Some(&admin),
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.body.starts_with(b"PK"),
        "an XLSX file is a zip archive"
    );

    let jsonl = app
        .get("/api/v1/admin/completions?format=jsonl", Some(&admin))
        .await;
    let rows: Vec<serde_json::Value> = jsonl
        .text()
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["certificate_id"], cert.as_str());
    assert_eq!(rows[0]["score_percent"], 100.0);

    let none = app
        .get(
            "/api/v1/admin/completions?format=jsonl&group=worker",
            Some(&admin),
        )
        .await;
    assert_eq!(none.text(), "");
    let future = app
        .get(
            "/api/v1/admin/completions?format=jsonl&from=2999-01-01",
            Some(&admin),
        )
        .await;
    assert_eq!(future.text(), "");
    let bad = app
        .get("/api/v1/admin/completions?format=pdf", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"], "unknown_format");
    let bad = app
        .get("/api/v1/admin/completions?from=hom-qua", Some(&admin))
        .await;
    assert_eq!(bad.json()["error"], "invalid_date");
    Ok(())
}

#[actix_web::test]
async fn the_verify_page_says_valid_or_unknown_in_vietnamese() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let page = app.page(&format!("/verify/{cert}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Chứng nhận hợp lệ"), "{html}");
    assert!(html.contains("Nguyễn Thị Lan"));
    assert!(!html.contains("ba.lan"), "the username must not be shown");
    // Typed by a person: lower case, with O for 0.
    let typed = app.page(&format!("/verify/{}", cert.to_lowercase())).await;
    assert_eq!(typed.status, StatusCode::OK);
    let unknown = app.page("/verify/AAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("Không tìm thấy chứng nhận"));
    Ok(())
}
