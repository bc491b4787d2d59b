use actix_web::http::{header, StatusCode};
use hocvuso_stories::{t, without_ledger_head, TestApp, TestResult};
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
    let mut lines = without_ledger_head(&text).lines();
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
    let rows: Vec<serde_json::Value> = without_ledger_head(&jsonl.text())
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
    assert_eq!(without_ledger_head(&none.text()), "");
    let future = app
        .get(
            "/api/v1/admin/completions?format=jsonl&from=2999-01-01",
            Some(&admin),
        )
        .await;
    assert_eq!(without_ledger_head(&future.text()), "");
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

/// A worksheet's name and its cells as text.
type Sheet = (String, Vec<Vec<String>>);

/// Reads an XLSX body with calamine, an implementation independent of the writer.
fn xlsx_sheets(body: &[u8]) -> Result<Vec<Sheet>, hocvuso_stories::Error> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(body.to_vec()))?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name)?;
        let rows = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        out.push((name, rows));
    }
    Ok(out)
}

#[actix_web::test]
async fn exports_filter_by_unit_and_course_stay_in_a_managers_units_and_are_audited() -> TestResult
{
    let app = TestApp::spawn().await?;
    let w = crate::units::ward(&app).await?;
    let lan = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let hoa = complete(&app, "chi.hoa", "Trần Thị Hoa").await?;
    crate::units::member(&app, &w.admin, w.to1, "ba.lan").await?;
    crate::units::member(&app, &w.admin, w.to2, "chi.hoa").await?;
    let jsonl = |rows: &str| -> Vec<String> {
        rows.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["certificate_id"].as_str().map(str::to_owned))
            .collect()
    };

    // An administrator: a unit means that unit and everything below it.
    let r = app
        .get(
            &format!("/api/v1/admin/completions?format=jsonl&unit={}", w.to1),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(jsonl(&r.text()), vec![lan.clone()]);
    let r = app
        .get(
            &format!("/api/v1/admin/completions?format=jsonl&unit={}", w.ward),
            Some(&w.admin),
        )
        .await;
    assert_eq!(jsonl(&r.text()), vec![lan.clone(), hoa.clone()]);
    let r = app
        .get(
            "/api/v1/admin/completions?format=jsonl&course=thu-nghiem",
            Some(&w.admin),
        )
        .await;
    assert_eq!(jsonl(&r.text()).len(), 2);
    let r = app
        .get(
            "/api/v1/admin/completions?format=jsonl&course=on-tap",
            Some(&w.admin),
        )
        .await;
    assert_eq!(without_ledger_head(&r.text()), "");
    let r = app
        .get("/api/v1/admin/completions?course=khong-co", Some(&w.admin))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "unknown_course");
    let r = app
        .get("/api/v1/admin/completions?group=khong-co", Some(&w.admin))
        .await;
    assert_eq!(r.json()["error"], "unknown_group");

    // A tổ's manager: only their tổ, with or without naming it; another unit does not exist.
    let manager = crate::units::manager_of(&app, &w.admin, w.to1, "to.truong").await?;
    let r = app
        .get("/api/v1/admin/completions?format=jsonl", Some(&manager))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(jsonl(&r.text()), vec![lan.clone()]);
    for unit in [w.to2, w.ward, 999_999] {
        let r = app
            .get(
                &format!("/api/v1/admin/completions?unit={unit}"),
                Some(&manager),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "unit {unit}");
    }
    let r = app
        .get("/api/v1/admin/completions?unit=abc", Some(&manager))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // XLSX: a summary sheet per group first, then the completions; read back independently.
    let r = app
        .get("/api/v1/admin/completions?format=xlsx", Some(&w.admin))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sheets = xlsx_sheets(&r.body)?;
    assert_eq!(
        sheets.len(),
        3,
        "summary, completions, and the ledger's head"
    );
    assert_eq!(sheets[2].0, t("export.ledger_sheet"));
    let (summary_name, summary) = &sheets[0];
    assert_eq!(summary_name, &t("export.summary_sheet"));
    assert_eq!(summary[0][0], t("export.summary_group"));
    assert_eq!(summary[1][0], "Người dân");
    assert_eq!(summary[1][1], "2", "learners");
    assert_eq!(summary[1][2], "2", "completions");
    assert!(
        summary
            .iter()
            .any(|r| r.first().map(String::as_str) == Some("Người dân")
                && r.get(1).map(String::as_str) == Some("Khóa học thử nghiệm")
                && r.get(2).map(String::as_str) == Some("2")),
        "per-course counts: {summary:?}"
    );
    let (data_name, data) = &sheets[1];
    assert_eq!(data_name, &t("export.completions_sheet"));
    assert_eq!(data[0][0], t("export.col_certificate_id"));
    assert_eq!(data.len(), 3);
    assert_eq!(data[1][0], lan);
    assert_eq!(data[1][2], "Nguyễn Thị Lan");
    assert_eq!(data[1][5], "Khóa học thử nghiệm");

    // Every export is on record with its filter and, once finished, its row count.
    let audits = app
        .get("/api/v1/admin/exports", Some(&w.admin))
        .await
        .json();
    let audits = audits.as_array().ok_or("audits")?;
    let newest = &audits[0];
    assert_eq!(newest["format"], "xlsx");
    assert_eq!(newest["rows"], 2);
    assert!(
        !audits.iter().any(|a| a["filter"]
            .as_str()
            .is_some_and(|f| f.contains(&format!("\"unit\":{}", w.to2)))),
        "a refused export is not on record"
    );
    assert!(
        audits.iter().any(|a| a["format"] == "jsonl"
            && a["rows"] == 1
            && a["filter"]
                .as_str()
                .is_some_and(|f| f.contains(&format!("\"unit\":[{}]", w.to1)))),
        "a manager's export names the units it was limited to"
    );
    Ok(())
}

#[actix_web::test]
async fn the_verify_page_says_valid_or_unknown_in_vietnamese() -> TestResult {
    let app = TestApp::spawn().await?;
    let cert = complete(&app, "ba.lan", "Nguyễn Thị Lan").await?;
    let page = app.page(&format!("/verify/{cert}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("data-status=\"valid\""), "{html}");
    assert!(html.contains("Nguyễn Thị Lan"));
    assert!(!html.contains("ba.lan"), "the username must not be shown");
    // Typed by a person: lower case, with O for 0.
    let typed = app.page(&format!("/verify/{}", cert.to_lowercase())).await;
    assert_eq!(typed.status, StatusCode::OK);
    let unknown = app.page("/verify/AAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("data-status=\"unknown\""));
    Ok(())
}
