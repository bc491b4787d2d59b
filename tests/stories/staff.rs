//! The ward's staff tools on a cheap phone: per-unit targets in people, finding a person by a
//! name typed without diacritics, exports that open in Excel in Vietnamese, an import that
//! shows its problems at the row and column, and a mentor registering a neighbour who never
//! has to tell anyone a password.

use actix_web::http::StatusCode;
use hocvuso_stories::{html_escaped, t, Error, TestApp, TestResult};
use serde_json::{json, Value};

use crate::units::{browser_login, manager_of, member, ward};

/// An account with a real Vietnamese name; returns its id and a token.
async fn person(
    app: &TestApp,
    username: &str,
    name: &str,
    group: &str,
) -> Result<(i64, String), Error> {
    let hash = app
        .state
        .hasher
        .hash("mat-khau-dai")
        .map_err(|e| e.to_string())?;
    let user = app
        .store
        .create_user(
            hocvuso_store::NewUser {
                username: username.into(),
                display_name: name.into(),
                password_hash: hash,
                group: Some(group.into()),
                birth_year: None,
                roles: vec!["learner".into()],
                created_at: app.state.clock.now(),
            },
            Vec::new(),
        )
        .await?;
    Ok((user.id, app.login(username, "mat-khau-dai").await?))
}

/// The columns of a unit's people export, as `export.<column>` keys of the locale file.
const PEOPLE_COLUMNS: [&str; 7] = [
    "username",
    "display_name",
    "group",
    "birth_year",
    "household",
    "path_completed",
    "certified",
];

fn this_year(app: &TestApp) -> i32 {
    app.state.clock.now().year()
}

fn target_line<'a>(lines: &'a Value, group: &str) -> Result<&'a Value, Error> {
    lines
        .as_array()
        .ok_or("lines")?
        .iter()
        .find(|l| l["group"] == group)
        .ok_or_else(|| format!("no line for {group}: {lines}").into())
}

fn dashboard_group<'a>(d: &'a Value, group: &str) -> Result<&'a Value, Error> {
    d["groups"]
        .as_array()
        .ok_or("groups")?
        .iter()
        .find(|g| g["group"] == group)
        .ok_or_else(|| format!("no group {group}").into())
}

fn dashboard_child(d: &Value, unit: i64) -> Result<&Value, Error> {
    d["children"]
        .as_array()
        .ok_or("children")?
        .iter()
        .find(|c| c["unit"]["id"] == unit)
        .ok_or_else(|| format!("no child {unit}").into())
}

#[actix_web::test]
async fn managers_set_targets_in_people_per_unit_and_the_dashboard_counts_against_them(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let year = this_year(&app);
    let ward_boss = manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    let to1_boss = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;
    let (lan, lan_token) = person(&app, "ba.lan", "Nguyễn Thị Lan", "citizen").await?;
    person(&app, "ong.ba", "Trần Văn Ba", "citizen").await?;
    member(&app, &w.admin, w.to1, "ba.lan").await?;
    member(&app, &w.admin, w.to1, "ong.ba").await?;
    app.complete_course(&lan_token, lan, "thu-nghiem").await?;

    // The tổ's manager sets the tổ's figure from the ward's plan.
    let set = |token: &str, unit: i64, body: Value| {
        let app = &app;
        let token = token.to_owned();
        async move {
            app.api(
                actix_web::http::Method::PUT,
                &format!("/api/v1/units/{unit}/targets"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let r = set(
        &to1_boss,
        w.to1,
        json!({"year": year, "targets": [{"group": "citizen", "people": 4}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let citizen = target_line(&r.json(), "citizen")?.clone();
    assert_eq!(citizen["own"], 4);
    assert_eq!(citizen["effective"]["people"], 4);
    assert_eq!(citizen["effective"]["reached"], 1);
    assert_eq!(citizen["effective"]["percent"], 25.0);
    assert_eq!(citizen["effective"]["source"], "unit");

    // Scope: not the neighbouring tổ, not the ward above; a learner not at all.
    for unit in [w.to2, w.ward, w.agency] {
        let r = set(
            &to1_boss,
            unit,
            json!({"year": year, "targets": [{"group": "citizen", "people": 1}]}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "unit {unit}: {}", r.text());
        let r = app
            .get(&format!("/api/v1/units/{unit}/targets"), Some(&to1_boss))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = set(
        &lan_token,
        w.to1,
        json!({"year": year, "targets": [{"group": "citizen", "people": 1}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Bad input: a clear Vietnamese error and nothing changed, even for the good figures of
    // the same request.
    for (body, key) in [
        (
            json!({"year": year, "targets": [{"group": "worker", "people": 9}, {"group": "citizen", "people": -3}]}),
            "invalid_target_people",
        ),
        (
            json!({"year": year, "targets": [{"group": "worker", "people": 9}, {"group": "citizen", "people": 100_000_001}]}),
            "target_people_too_large",
        ),
        (
            json!({"year": year, "targets": [{"group": "martians", "people": 9}]}),
            "unknown_group",
        ),
        (
            json!({"year": 1999, "targets": [{"group": "citizen", "people": 9}]}),
            "invalid_year",
        ),
    ] {
        let r = set(&to1_boss, w.to1, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"], key);
        let message = r.json()["message"].as_str().unwrap_or("").to_owned();
        assert!(
            message
                .chars()
                .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c)),
            "a Vietnamese message: {message}"
        );
    }
    let lines = app
        .get(
            &format!("/api/v1/units/{}/targets?year={year}", w.to1),
            Some(&to1_boss),
        )
        .await
        .json();
    assert_eq!(target_line(&lines, "citizen")?["own"], 4);
    assert!(target_line(&lines, "worker")?["own"].is_null());

    // The ward has no figure of its own: the tổ's figures add up to it.
    let d = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&ward_boss),
        )
        .await
        .json();
    let g = dashboard_group(&d, "citizen")?;
    assert_eq!(g["target"]["people"], 4);
    assert_eq!(g["target"]["reached"], 1);
    assert_eq!(g["target"]["source"], "below");
    assert_eq!(dashboard_child(&d, w.to1)?["target"]["people"], 4);
    assert_eq!(dashboard_child(&d, w.to1)?["target"]["source"], "unit");
    // The agency has nobody and no figure: no target to show.
    assert!(dashboard_child(&d, w.agency)?["target"].is_null());

    // The ward's manager sets the ward's own figure, and clears the tổ's.
    let r = set(
        &ward_boss,
        w.ward,
        json!({"year": year, "targets": [{"group": "citizen", "people": 10}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = set(
        &ward_boss,
        w.to1,
        json!({"year": year, "targets": [{"group": "citizen", "people": null}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let citizen = target_line(&r.json(), "citizen")?.clone();
    assert!(citizen["own"].is_null());
    // Without its own figure the tổ falls back to the year's percentage of its denominator
    // (citizens: 2 registered, 100 % in the plan from 2026 on, 90 % before).
    assert_eq!(citizen["effective"]["source"], "plan");
    assert_eq!(citizen["effective"]["people"], 2);
    let d = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&ward_boss),
        )
        .await
        .json();
    let g = dashboard_group(&d, "citizen")?;
    assert_eq!(g["target"]["people"], 10);
    assert_eq!(g["target"]["reached"], 1);
    assert_eq!(g["target"]["percent"], 10.0);
    assert_eq!(g["target"]["source"], "unit");
    assert_eq!(d["total"]["target"]["people"], 10);

    // The pages: the form keeps what was typed and says what is wrong beside the field.
    browser_login(&app, "can.bo.phuong").await?;
    let to1_path = format!("/units/{}/targets", w.to1);
    let form = app.page(&format!("{to1_path}?year={year}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    assert!(hocvuso_stories::needs_no_script(&form.text()));
    let year_s = year.to_string();
    let refused = app
        .submit_form(
            &to1_path,
            &[
                ("year", &year_s),
                ("p:citizen", "12 người"),
                ("p:worker", "30"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("data-field-error=\"citizen\""), "{html}");
    assert!(html.contains(r#"data-error="targets_not_saved""#), "{html}");
    assert!(
        html.contains(&html_escaped(&t("errors.invalid_target_people"))),
        "the field says why: {html}"
    );
    assert!(
        html.contains("value=\"12 người\""),
        "the typed value is kept: {html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    let lines = app
        .get(
            &format!("/api/v1/units/{}/targets?year={year}", w.to1),
            Some(&ward_boss),
        )
        .await
        .json();
    assert!(
        target_line(&lines, "worker")?["own"].is_null(),
        "nothing saved from a refused form"
    );
    let ok = app
        .submit_form(
            &to1_path,
            &[("year", &year_s), ("p:citizen", "1.200"), ("p:worker", "")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let lines = app
        .get(
            &format!("/api/v1/units/{}/targets?year={year}", w.to1),
            Some(&ward_boss),
        )
        .await
        .json();
    assert_eq!(target_line(&lines, "citizen")?["own"], 1200);
    let page = app
        .page(&format!("/dashboard?unit={}", w.ward))
        .await
        .text();
    assert!(
        page.contains(&html_escaped(&t("dashboard.target_people"))),
        "{page}"
    );
    assert!(page.contains("data-target=\"citizen\""));
    assert!(page.contains(&format!("data-target-unit=\"{}\"", w.to1)));
    assert!(page.contains(&format!("/units/{}/targets", w.ward)));
    // /targets takes the manager to their unit's figures.
    let r = app.page("/targets").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    Ok(())
}

#[actix_web::test]
async fn a_manager_finds_people_by_a_name_typed_without_diacritics_in_their_units_only(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let to1_boss = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;
    let ward_boss = manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    for (u, name, unit) in [
        ("an.nguyen", "Nguyễn Văn An", w.to1),
        ("dao.dang", "Đặng Thị Đào", w.to1),
        ("phan.tram", "Phan Thị 100% Trâm", w.to1),
        ("anh.nguyen", "Nguyễn Văn Anh", w.to2),
        ("0905123456", "Lê Thị Hoa", w.to1),
    ] {
        person(&app, u, name, "citizen").await?;
        member(&app, &w.admin, unit, u).await?;
    }
    let search = |token: &str, unit: i64, q: &str| {
        let app = &app;
        let path = format!(
            "/api/v1/units/{unit}/people?q={}",
            hocvuso_stories::form_encode(&[("", q)]).trim_start_matches('=')
        );
        let token = token.to_owned();
        async move { app.get(&path, Some(&token)).await }
    };
    let names = |r: &hocvuso_stories::Reply| -> Vec<String> {
        r.json()["people"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["display_name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };

    let r = search(&to1_boss, w.to1, "nguyen van an").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        names(&r),
        vec!["Nguyễn Văn An"],
        "tổ 2's Anh is not the tổ's to see"
    );
    let r = search(&ward_boss, w.ward, "nguyen van an").await;
    assert_eq!(names(&r), vec!["Nguyễn Văn An", "Nguyễn Văn Anh"]);
    // đ is d; case and extra spaces do not matter; diacritics typed are fine too.
    for q in ["dang thi dao", "DANG  THI  DAO", "Đặng Thị Đào", "dao"] {
        let r = search(&to1_boss, w.to1, q).await;
        assert_eq!(names(&r), vec!["Đặng Thị Đào"], "query {q}");
    }
    // A phone number finds its person by the start of the username.
    let r = search(&to1_boss, w.to1, "0905").await;
    assert_eq!(names(&r), vec!["Lê Thị Hoa"]);
    // % and _ are letters, not patterns.
    let r = search(&to1_boss, w.to1, "%").await;
    assert_eq!(names(&r), vec!["Phan Thị 100% Trâm"]);
    let r = search(&to1_boss, w.to1, "_").await;
    assert_eq!(names(&r), Vec::<String>::new());
    // Outside the manager's units: 404, as for nothing.
    let r = search(&to1_boss, w.to2, "nguyen").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Too long: a Vietnamese error.
    let r = search(&to1_boss, w.to1, &"a".repeat(101)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "search_query_too_long");

    // The staff page: the search box on the dashboard and on the people page, no script.
    browser_login(&app, "can.bo.phuong").await?;
    let d = app.page("/dashboard").await.text();
    assert!(d.contains("name=\"q\"") && d.contains(&format!("/units/{}/people", w.ward)));
    let page = app
        .page(&format!("/units/{}/people?q=nguyen+van+an", w.ward))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("data-search-results=\"2\""), "{html}");
    assert!(html.contains("Nguyễn Văn An") && html.contains("Nguyễn Văn Anh"));
    assert!(!html.contains("Đặng Thị Đào"));
    assert!(
        html.contains("value=\"nguyen van an\""),
        "the query is kept"
    );
    assert!(hocvuso_stories::needs_no_script(&html));
    let none = app
        .page(&format!("/units/{}/people?q=khong+co+ai", w.ward))
        .await
        .text();
    assert!(none.contains("data-search-results=\"0\""));

    // The audit log records the search, never the name searched for.
    let events = app
        .store
        .audit_events(&hocvuso_store::AuditFilter::default(), 100)
        .await?;
    let details: Vec<&str> = events.iter().map(|e| e.detail.as_str()).collect();
    assert!(
        details.iter().any(|d| d.starts_with("search ")),
        "{details:?}"
    );
    assert!(!details.iter().any(|d| d.contains("nguyen")), "{details:?}");
    Ok(())
}

/// Reads an XLSX body with calamine, an implementation independent of the writer: each sheet's
/// name and cells.
/// A sheet's name and its rows of cells.
type SheetCells = (String, Vec<Vec<calamine::Data>>);

fn xlsx(body: &[u8]) -> Result<Vec<SheetCells>, Error> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(body.to_vec()))?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name)?;
        out.push((name, range.rows().map(<[_]>::to_vec).collect()));
    }
    Ok(out)
}

fn text(c: &calamine::Data) -> String {
    c.to_string()
}

fn disposition(r: &hocvuso_stories::Reply) -> String {
    r.headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn exports_open_in_excel_in_vietnamese_with_real_dates_and_meaningful_names() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let boss = manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    let (lan, token) = person(&app, "ba.lan", "Nguyễn Thị Lan", "citizen").await?;
    member(&app, &w.admin, w.to1, "ba.lan").await?;
    app.complete_course(&token, lan, "thu-nghiem").await?;
    let today = hocvuso_server::views::in_vietnam(app.state.clock.now()).date();
    let iso = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let vi_date = format!(
        "{:02}/{:02}/{}",
        today.day(),
        u8::from(today.month()),
        today.year()
    );

    // People, XLSX: Vietnamese sheet and headers, the group's name, a real date.
    let r = app
        .get(
            &format!("/api/v1/units/{}/people?format=xlsx", w.to1),
            Some(&boss),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        disposition(&r).contains(&format!("nguoi-hoc_tdp-1_{iso}.xlsx")),
        "{}",
        disposition(&r)
    );
    let book = xlsx(&r.body)?;
    let sheet_names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        sheet_names,
        vec![t("export.sheet_people"), t("export.sheet_ledger")]
    );
    let rows = &book[0].1;
    let head: Vec<String> = rows[0].iter().map(text).collect();
    let people_head: Vec<String> = PEOPLE_COLUMNS
        .iter()
        .map(|c| t(&format!("export.{c}")))
        .collect();
    assert_eq!(head, people_head);
    assert_eq!(text(&rows[1][0]), "ba.lan");
    assert_eq!(text(&rows[1][1]), "Nguyễn Thị Lan");
    assert_eq!(
        text(&rows[1][2]),
        "Người dân",
        "the group's name, not its code"
    );
    match &rows[1][5] {
        calamine::Data::DateTime(d) => {
            // Excel counts days from 1899-12-30.
            let epoch = time::macros::date!(1899 - 12 - 30);
            let serial = i64::from(today.to_julian_day() - epoch.to_julian_day());
            assert_eq!(d.as_f64().floor() as i64, serial, "the day, {vi_date}");
        }
        other => return Err(format!("a real date, not {other:?}").into()),
    }

    // People, CSV: a BOM for Excel, Vietnamese headers, dd/mm/yyyy.
    let r = app
        .get(
            &format!("/api/v1/units/{}/people?format=csv", w.to1),
            Some(&boss),
        )
        .await;
    assert!(r.body.starts_with("\u{feff}".as_bytes()));
    assert!(disposition(&r).contains(&format!("nguoi-hoc_tdp-1_{iso}.csv")));
    let body = r.text();
    let mut lines = hocvuso_stories::without_ledger_head(&body).lines();
    assert_eq!(lines.next(), Some(people_head.join(",").as_str()));
    let row = lines.next().ok_or("row")?;
    assert!(
        row.starts_with("ba.lan,Nguyễn Thị Lan,Người dân,,,") && row.contains(&vi_date),
        "{row}"
    );

    // The dashboard report: Vietnamese sheets, the targets in people, the unit and the year in
    // the file's name, weeks as dates.
    let year = today.year();
    let r = app
        .get(
            &format!("/api/v1/dashboard?unit={}&format=xlsx", w.ward),
            Some(&boss),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        disposition(&r).contains(&format!("bao-cao-{year}_hoai-nhon-tay_{iso}.xlsx")),
        "{}",
        disposition(&r)
    );
    let book = xlsx(&r.body)?;
    let sheet_names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    let dashboard_sheets: Vec<String> = ["groups", "units", "neighbourhoods", "trend", "ledger"]
        .iter()
        .map(|s| t(&format!("export.sheet_{s}")))
        .collect();
    assert_eq!(sheet_names, dashboard_sheets);
    let groups = &book[0].1;
    let head: Vec<String> = groups[0].iter().map(text).collect();
    assert_eq!(head[0], t("dashboard.group"));
    assert!(
        head.contains(&t("dashboard.target_people_figure")),
        "{head:?}"
    );
    assert!(groups
        .iter()
        .any(|r| text(&r[0]) == "Người dân" && text(&r[3]) == "1"));
    let trend = &book[3].1;
    assert_eq!(text(&trend[0][0]), t("dashboard.week"));
    assert!(
        matches!(trend[1][0], calamine::Data::DateTime(_)),
        "{:?}",
        trend[1][0]
    );

    // The completions export: a BOM unless a program asks for none; Vietnamese headers in XLSX.
    let r = app
        .get("/api/v1/admin/completions?format=csv", Some(&boss))
        .await;
    assert!(r.body.starts_with("\u{feff}".as_bytes()));
    let r = app
        .get(
            "/api/v1/admin/completions?format=csv&bom=false",
            Some(&boss),
        )
        .await;
    assert!(!r.body.starts_with("\u{feff}".as_bytes()));
    let r = app
        .get("/api/v1/admin/completions?format=xlsx", Some(&boss))
        .await;
    let book = xlsx(&r.body)?;
    let data = &book[1].1;
    assert_eq!(text(&data[0][0]), t("export.col_certificate_id"));
    assert_eq!(text(&data[1][3]), "Người dân");
    assert!(matches!(data[1][6], calamine::Data::DateTime(_)));
    Ok(())
}

fn multipart(app: &TestApp, csv: &str, dry_run: bool) -> (String, Vec<u8>) {
    let boundary = "StaffBoundary7";
    let dry = if dry_run {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\nyes\r\n")
    } else {
        String::new()
    };
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n{dry}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ds.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
        app.csrf()
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

#[actix_web::test]
async fn the_import_page_shows_each_problem_at_its_row_and_column_and_writes_nothing() -> TestResult
{
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    browser_login(&app, "can.bo.phuong").await?;
    app.page("/import").await;
    // Vietnamese headers; units by name (as people write them) or by code.
    let bad = "Họ và tên,Tên đăng nhập,Nhóm,Đơn vị,Năm sinh\n\
               Nguyễn Văn Tốt,0905111222,Người dân,đơn vị  TDP-1,1960\n\
               Trần Thị Sai,tran.sai,người ngoài hành tinh,tdp-2,1970\n\
               Lê Văn Năm,le.nam,citizen,tdp-2,năm 1950\n";
    let (ct, body) = multipart(&app, bad, false);
    let r = app.post_raw_with_cookies("/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains("data-import-problems"), "{html}");
    assert!(
        html.contains("data-line=\"3\" data-column=\"group\""),
        "{html}"
    );
    assert!(
        html.contains("data-line=\"4\" data-column=\"birth_year\""),
        "{html}"
    );
    assert!(!html.contains("data-line=\"2\""), "row 2 is fine: {html}");
    assert!(html.contains(&t("import.col_birth_year")) && html.contains(&t("import.col_group")));
    // The report comes before the long instructions.
    let report_at = html.find("id=\"report\"").ok_or("report")?;
    let columns_at = html.find("import-columns").ok_or("columns")?;
    assert!(report_at < columns_at);
    for u in ["0905111222", "tran.sai", "le.nam"] {
        assert!(
            app.store.user_by_username(u).await?.is_none(),
            "nothing is half-imported"
        );
    }

    let good = "Họ và tên,Tên đăng nhập,Nhóm,Đơn vị,Năm sinh\n\
                Nguyễn Văn Tốt,0905 111 222,Người dân,đơn vị  TDP-1,1960\n\
                Trần Thị Đúng,tran.dung,citizen,tdp-2,1970\n";
    let (ct, body) = multipart(&app, good, true);
    let r = app.post_raw_with_cookies("/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains(r#"id="report" data-status="checked""#),
        "{html}"
    );
    assert!(
        !html.contains("name=\"dry_run\" value=\"yes\" checked"),
        "after a clean check the next upload imports"
    );
    assert!(app.store.user_by_username("0905111222").await?.is_none());
    // One button imports the file just checked: no need to choose it again.
    let marker = "name=\"pending\" value=\"";
    let start = html.find(marker).ok_or("pending")? + marker.len();
    let pending = html[start..].split('"').next().ok_or("token")?.to_owned();
    let boundary = "StaffBoundary8";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"pending\"\r\n\r\n{pending}\r\n--{boundary}--\r\n",
        app.csrf()
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = app
        .post_raw_with_cookies("/import", &ct, body.clone().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("data-activation-note"), "{html}");
    let tot = app
        .store
        .user_by_username("0905111222")
        .await?
        .ok_or("imported")?;
    assert_eq!(
        app.store.user_units(tot.id).await?,
        vec![w.to1],
        "the unit by its name"
    );
    // The token worked once.
    let again = app
        .post_raw_with_cookies("/import", &ct, body.into_bytes())
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains(r#"data-error="pending_import_gone""#));
    Ok(())
}

fn slip_code(html: &str) -> Result<String, Error> {
    let start = html.find("data-code>").ok_or("no code on the slip")? + "data-code>".len();
    let end = html[start..].find('<').ok_or("code end")? + start;
    Ok(html[start..end].trim().to_owned())
}

#[actix_web::test]
async fn a_mentor_registers_a_neighbour_who_chooses_their_own_password_from_a_slip() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (mentor_id, _) = app
        .account("dai.su", Some("citizen"), &["learner", "mentor"])
        .await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    browser_login(&app, "dai.su").await?;
    let form = app.page("/mentor/register").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let html = form.text();
    assert!(
        !html.contains("type=\"password\""),
        "the mentor never types a password"
    );
    assert!(
        html.contains("Đơn vị tdp-1"),
        "the mentor's own unit: {html}"
    );
    assert!(hocvuso_stories::needs_no_script(&html));

    // Every problem at once, each beside its field, what was typed kept.
    let refused = app
        .submit_form(
            "/mentor/register",
            &[
                ("display_name", "Cụ Phạm Thị Tư"),
                ("username", "cụ tư"),
                ("group", "citizen"),
                ("birth_year", "năm 45"),
                ("household", "new"),
                ("new_household", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    for field in ["username", "birth_year", "consent"] {
        assert!(
            html.contains(&format!("data-field-error=\"{field}\"")),
            "{field}: {html}"
        );
    }
    assert!(html.contains("value=\"Cụ Phạm Thị Tư\""));
    assert!(
        !html.contains(&html_escaped(&t("errors.consent_required"))),
        "not “Bạn” about the neighbour"
    );
    assert!(app.store.user_by_username("cu.tu").await?.is_none());

    let ok = app
        .submit_form(
            "/mentor/register",
            &[
                ("display_name", "Cụ Phạm Thị Tư"),
                ("username", "cu.tu"),
                ("group", "citizen"),
                ("birth_year", "1945"),
                ("household", "new"),
                ("new_household", "Hộ bà Phạm Thị Tư"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let html = ok.text();
    assert!(html.contains("data-code>") && html.contains("cu.tu"));
    let code = slip_code(&html)?;
    let tu = app
        .store
        .user_by_username("cu.tu")
        .await?
        .ok_or("registered")?;
    assert_eq!(
        tu.password_hash,
        hocvuso_store::NO_PASSWORD,
        "no password anyone knows"
    );
    assert_eq!(app.store.user_units(tu.id).await?, vec![w.to1]);
    let household = app.store.household_of(tu.id).await?.ok_or("household")?;
    assert_eq!(household.unit_id, w.to1);
    assert_eq!(household.name, "Hộ bà Phạm Thị Tư");
    assert_eq!(app.store.assisted_by(tu.id).await?, Some(mentor_id));
    let consents = app.store.consents(tu.id).await?;
    assert!(consents
        .iter()
        .any(|c| c.purpose == "privacy_notice" && c.method == "assisted"));
    assert_eq!(app.store.mentor_of(tu.id).await?, Some(mentor_id));

    // The neighbour chooses their own password with the slip's code, once.
    assert!(app.login("cu.tu", "mat-khau-dai").await.is_err());
    let reset = |code: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/password-reset",
                None,
                json!({"username": "cu.tu", "code": code, "new_password": "hoa-sen-no-ven-ho"}),
            )
            .await
        }
    };
    let r = reset(code.clone()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    app.login("cu.tu", "hoa-sen-no-ven-ho").await?;
    let again = reset(code).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The API: the same rules; the first problem is named.
    let (_, token) = app
        .account("dai.su.hai", Some("citizen"), &["learner", "mentor"])
        .await?;
    member(&app, &w.admin, w.to2, "dai.su.hai").await?;
    let notice = hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION;
    let r = app
        .post(
            "/api/v1/mentor/registrations",
            Some(&token),
            json!({"username": "ong.sau", "display_name": "Ông Sáu", "group": "citizen", "consent": true, "privacy_notice_version": notice, "household_id": household.id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"],
        "unknown_household",
        "tổ 1's household is not tổ 2's"
    );
    let r = app
        .post(
            "/api/v1/mentor/registrations",
            Some(&token),
            json!({"username": "ong.sau", "display_name": "Ông Sáu", "group": "citizen", "consent": true, "privacy_notice_version": notice}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["unit_id"], w.to2, "the mentor's only unit");
    assert!(v["sign_in_code"].as_str().is_some_and(|c| c.len() == 11));
    assert!(v.get("password").is_none());
    Ok(())
}
