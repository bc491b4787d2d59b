//! Scope, data and evidence under attack (issue #10; `docs/security.md`, "Scope, data and
//! evidence"): each story reproduces one flaw as an attacker or a careless user would, and
//! shows it closed.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use hocvuso_stories::{t, t_with, workspace_root, Error, Reply, TestApp, TestResult};
use serde_json::json;

use crate::units::{manager_of, member, ward};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str) -> Reply {
    let req = TestRequest::post()
        .uri("/api/v1/import?dry_run=true")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", content_type.to_owned()))
        .set_payload(body);
    app.send(req).await
}

fn hostile(name: &str) -> Result<Vec<u8>, Error> {
    Ok(std::fs::read(
        workspace_root().join("tests/fixtures/import").join(name),
    )?)
}

#[actix_web::test]
async fn a_tiny_xlsx_with_cells_a1_and_xfd1048576_is_refused_without_allocating_the_rectangle(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    // 1.6 KB: two cells, 17 billion between them. Before the bounded reader, this aborted the
    // process ("memory allocation of 549755813888 bytes failed").
    let file = hostile("a1-xfd1048576.xlsx")?;
    assert!(file.len() < 2048);
    let r = import(&app, &w.admin, file, XLSX).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["error"], "sheet_too_large");
    assert_eq!(
        r.json()["problems"][0]["message"],
        t("errors.sheet_too_large")
    );
    // A zip bomb: 257 KB that would decompress to 256 MiB of one shared string.
    let r = import(&app, &w.admin, hostile("shared-strings-bomb.xlsx")?, XLSX).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["error"], "sheet_too_large");
    // The server still answers.
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    // A learner's file is not read at all.
    let learner = app.learner("hoc.vien").await?;
    let r = import(&app, &learner, hostile("a1-xfd1048576.xlsx")?, XLSX).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn a_sheet_with_far_away_empty_cells_still_imports_and_rows_keep_their_numbers() -> TestResult
{
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in ["name", "username", "group", "unit"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    // Row 2 empty, then a person on row 3, and formatting (no value) far away.
    for (c, v) in ["Người Thứ Ba", "nguoi.thu.ba", "citizen", "khong-co"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *v)?;
    }
    let bold = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_blank(1_048_575, 16_383, &bold)?;
    let r = import(&app, &w.admin, wb.save_to_buffer()?, XLSX).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["line"], 3);
    assert_eq!(r.json()["problems"][0]["error"], "unknown_unit");
    // Too many columns in a CSV: refused as too large, with its row.
    let wide = format!("name,username,group,unit\n{}\n", vec!["x"; 40].join(","));
    let r = import(&app, &w.admin, wide.into_bytes(), "text/csv").await;
    assert_eq!(r.json()["problems"][0]["error"], "sheet_too_large");
    assert_eq!(r.json()["problems"][0]["line"], 2);
    Ok(())
}

/// The completions export a caller gets, as CSV text.
async fn completions_csv(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/admin/completions?format=csv", Some(token))
        .await
        .text()
}

#[actix_web::test]
async fn a_manager_who_names_someone_outside_their_units_only_invites_them_and_they_decide(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (hv28, t28) = app.account("hv28", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to2, "hv28").await?;
    let certificate = app.complete_fixture_course(&t28).await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    let person = format!("/api/v1/people/{hv28}");
    assert_eq!(
        app.get(&person, Some(&m1)).await.status,
        StatusCode::NOT_FOUND
    );

    // Before: 200, and hv28's record and completions were the manager's to read.
    let add = |username: &'static str| {
        let (app, m1, to1) = (&app, m1.clone(), w.to1);
        async move {
            app.post(
                &format!("/api/v1/units/{to1}/members"),
                Some(&m1),
                json!({ "username": username }),
            )
            .await
        }
    };
    let r = add("hv28").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json(), json!({"status": "invited"}));
    assert_eq!(
        app.get(&person, Some(&m1)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!completions_csv(&app, &m1).await.contains(&certificate));
    // The administrator, and a username nobody has: the same answer, nothing learned.
    for username in ["quan.tri", "khong.ai.co.ten.nay"] {
        let r = add(username).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{username}: {}", r.text());
        assert_eq!(r.json(), json!({"status": "invited"}));
    }
    let admin_id = app.user_id(&w.admin).await?;
    assert_eq!(
        app.get(&format!("/api/v1/people/{admin_id}"), Some(&m1))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!app.store.is_member_of_any(admin_id, &[w.to1]).await?);

    // hv28 sees the invitation on their own page and in the API, and accepts.
    let list = app.get("/api/v1/me/invitations", Some(&t28)).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["unit_id"], w.to1);
    let invitation = list[0]["id"].as_i64().ok_or("invitation id")?;
    // Nobody else can answer it.
    let (_, other) = app
        .account("nguoi.khac", Some("citizen"), &["learner"])
        .await?;
    let r = app
        .post(
            &format!("/api/v1/me/invitations/{invitation}/accept"),
            Some(&other),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            &format!("/api/v1/me/invitations/{invitation}/accept"),
            Some(&t28),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(app.get(&person, Some(&m1)).await.status, StatusCode::OK);
    assert!(completions_csv(&app, &m1).await.contains(&certificate));
    assert_eq!(
        app.get("/api/v1/me/invitations", Some(&t28)).await.json(),
        json!([])
    );
    // Someone already in the manager's units is added at once.
    let r = add("hv28").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "added");
    // The counters followed the accepted membership.
    let live = counters(&app).await?;
    assert!(
        live.contains(&(w.to1, "citizen".into(), "members".into(), 1)),
        "{live:?}"
    );
    app.store.rebuild_aggregates().await?;
    assert_eq!(counters(&app).await?, live);
    Ok(())
}

#[actix_web::test]
async fn an_invitation_is_declined_on_the_profile_page_and_the_person_stays_out() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (hv28, _) = app.account("hv28", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to2, "hv28").await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    app.post(
        &format!("/api/v1/units/{}/members", w.to1),
        Some(&m1),
        json!({"username": "hv28"}),
    )
    .await;
    crate::units::browser_login(&app, "hv28").await?;
    let page = app.page("/profile").await.text();
    assert!(
        page.contains("Đơn vị tdp-1") && page.contains(r#"action="/profile/invitations/"#),
        "{page}"
    );
    let invitation = app.store.invitations_for(hv28).await?[0].id;
    let r = app
        .submit_form(
            &format!("/profile/invitations/{invitation}"),
            &[("answer", "decline")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app.store.invitations_for(hv28).await?.is_empty());
    assert!(!app.store.is_member_of_any(hv28, &[w.to1]).await?);
    assert_eq!(
        app.get(&format!("/api/v1/people/{hv28}"), Some(&m1))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    Ok(())
}

fn activation(password: &str) -> serde_json::Value {
    json!({"password": password, "consent": true, "privacy_notice_version": hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION})
}

#[actix_web::test]
async fn nobody_takes_over_an_account_another_unit_imported_by_choosing_its_first_password(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    let m2 = manager_of(&app, &w.admin, w.to2, "to.truong.2").await?;
    let ward_manager = manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    let r = import(
        &app,
        &m2,
        "name,username,group,unit\nCụ Lê Thị Chín,0905000999,citizen,tdp-2\n"
            .as_bytes()
            .to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/import")
                .insert_header(("Authorization", format!("Bearer {m2}")))
                .insert_header(("Content-Type", "text/csv"))
                .set_payload("name,username,group,unit\nCụ Lê Thị Chín,0905000999,citizen,tdp-2\n"),
        )
        .await;
    assert_eq!(r.json()["written"], true, "{}", r.text());
    let id = app
        .store
        .user_by_username("0905000999")
        .await?
        .ok_or("imported")?
        .id;
    // Tổ 1's manager names them: an invitation an account without a password cannot accept.
    let r = app
        .post(
            &format!("/api/v1/units/{}/members", w.to1),
            Some(&m1),
            json!({"username": "0905000999"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let activate = format!("/api/v1/people/{id}/activate");
    let r = app
        .post(&activate, Some(&m1), activation("mat-khau-cua-ke-gian"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    // Even once the person is in tổ 1 too (the ward's manager put them there), only the
    // unit that imported them gives the first password.
    let r = app
        .post(
            &format!("/api/v1/units/{}/members", w.to1),
            Some(&ward_manager),
            json!({"username": "0905000999"}),
        )
        .await;
    assert_eq!(r.json()["status"], "added", "{}", r.text());
    let r = app
        .post(&activate, Some(&m1), activation("mat-khau-cua-ke-gian"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["error"], "activation_elsewhere");
    browser_page_refuses_activation(&app, id).await?;
    assert!(app
        .login("0905000999", "mat-khau-cua-ke-gian")
        .await
        .is_err());
    // Tổ 2's manager (whose import created the account) and the ward's manager may.
    let r = app
        .post(&activate, Some(&m2), activation("mat-khau-cua-cu"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app.login("0905000999", "mat-khau-cua-cu").await?;
    Ok(())
}

async fn browser_page_refuses_activation(app: &TestApp, id: i64) -> TestResult {
    crate::units::browser_login(app, "to.truong.1").await?;
    let r = app.page(&format!("/people/{id}/activate")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains(r#"data-error="activation_elsewhere""#),
        "{}",
        r.text()
    );
    Ok(())
}

#[actix_web::test]
async fn an_import_confirms_nothing_about_people_and_households_of_other_units() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    app.account("hv28", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to2, "hv28").await?;
    let hh = app
        .post(
            "/api/v1/households",
            Some(&w.admin),
            json!({"unit_id": w.to2, "code": "ho-tdp2-07", "name": "Hộ bà Bảy"}),
        )
        .await;
    assert_eq!(hh.status, StatusCode::CREATED, "{}", hh.text());
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    let problems = |csv: &'static str| {
        let (app, m1) = (&app, m1.clone());
        async move {
            let r = import(app, &m1, csv.as_bytes().to_vec(), "text/csv").await;
            r.json()["problems"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|p| p["error"].as_str().unwrap_or("").to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Matching name and group, or not: the same word, which says only that the username is
    // taken (as registering would), never whose it is or whether the name matches.
    assert_eq!(
        problems("name,username,group,unit\nNgười hv28,hv28,citizen,tdp-1\n").await,
        vec!["username_unavailable"]
    );
    assert_eq!(
        problems("name,username,group,unit\nTên Khác,hv28,worker,tdp-1\n").await,
        vec!["username_unavailable"]
    );
    // Another unit's household code: taken, as creating a household would say; not "it
    // belongs to another unit".
    assert_eq!(
        problems(
            "name,username,group,unit,household\nNgười Mới,nguoi.moi,citizen,tdp-1,ho-tdp2-07\n"
        )
        .await,
        vec!["household_code_taken"]
    );
    // A real run with such a row writes nothing, and hv28 is not in tổ 1.
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/import")
                .insert_header(("Authorization", format!("Bearer {m1}")))
                .insert_header(("Content-Type", "text/csv"))
                .set_payload("name,username,group,unit\nNgười hv28,hv28,citizen,tdp-1\n"),
        )
        .await;
    assert_eq!(r.json()["written"], false);
    let hv28 = app.store.user_by_username("hv28").await?.ok_or("hv28")?.id;
    assert!(!app.store.is_member_of_any(hv28, &[w.to1]).await?);
    Ok(())
}

#[actix_web::test]
async fn every_other_write_that_names_a_person_outside_the_scope_is_refused_alike() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (hv28, _) = app.account("hv28", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to2, "hv28").await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    let hh = app
        .post(
            "/api/v1/households",
            Some(&m1),
            json!({"unit_id": w.to1, "code": "ho-tdp1-01", "name": "Hộ ông Một"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .ok_or("household")?;
    // Households, mentors, managers: 404 or unknown_person, exactly as for nobody.
    for person in [hv28, 999_999] {
        let r = app
            .post(
                &format!("/api/v1/households/{hh}/members"),
                Some(&m1),
                json!({ "person_id": person }),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{person}: {}", r.text());
        let r = app
            .post(
                &format!("/api/v1/people/{person}/mentor"),
                Some(&m1),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{person}: {}", r.text());
    }
    for username in ["hv28", "khong.ai.co.ten.nay"] {
        let r = app
            .post(
                &format!("/api/v1/units/{}/managers", w.to1),
                Some(&m1),
                json!({ "username": username }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
        assert_eq!(r.json()["error"], "unknown_person");
    }
    // The same forms on the unit's page.
    crate::units::browser_login(&app, "to.truong.1").await?;
    let hh_id = hh.to_string();
    for username in ["hv28", "khong.ai.co.ten.nay"] {
        let r = app
            .submit_form(
                &format!("/units/{}/people", w.to1),
                &[
                    ("action", "household_member"),
                    ("household_id", &hh_id),
                    ("username", username),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
    }
    let hv28_user = app.store.user_by_id(hv28).await?.ok_or("hv28")?;
    assert!(!hv28_user.has_role("manager") && !hv28_user.has_role("mentor"));
    assert!(app.store.household_of(hv28).await?.is_none());
    Ok(())
}

/// A grading form of `n` essays: `f:qN` grades and `c:qN` comments, 253 KB for 23,000 fields.
fn huge_grade_form(csrf: &str, n: usize) -> String {
    let mut body = format!("csrf={csrf}");
    for i in 0..n / 2 {
        body.push_str(&format!("&f:q{i:05}=50&c:q{i:05}=ok"));
    }
    body
}

async fn post_form(app: &TestApp, path: &str, body: String) -> Reply {
    let req = TestRequest::post()
        .uri(path)
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(body);
    app.send_with_cookies(req).await
}

#[actix_web::test]
async fn a_learner_posting_a_huge_grading_form_is_refused_before_it_is_read() -> TestResult {
    let app = TestApp::spawn().await?;
    app.account("hoc.vien", Some("citizen"), &["learner"])
        .await?;
    crate::units::browser_login(&app, "hoc.vien").await?;
    let body = huge_grade_form(&app.csrf(), 23_000);
    assert!(body.len() > 250_000);
    let started = std::time::Instant::now();
    let r = post_form(&app, "/instructor/attempts/abc/grade", body.clone()).await;
    // Before: the form was parsed (quadratically) before the role was checked.
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // An instructor's form is read, but only so far.
    app.account("giang.vien", None, &["learner", "instructor"])
        .await?;
    crate::units::browser_login(&app, "giang.vien").await?;
    let started = std::time::Instant::now();
    let r = post_form(&app, "/instructor/attempts/abc/grade", body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // Within the limits, the comments are found by name: 200 essays' form is quick.
    let body = huge_grade_form(&app.csrf(), 400);
    let started = std::time::Instant::now();
    let r = post_form(&app, "/instructor/attempts/abc/grade", body).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    Ok(())
}

#[actix_web::test]
async fn answer_and_attendance_forms_have_field_limits_and_check_ownership_first() -> TestResult {
    let app = TestApp::spawn().await?;
    let (_, token) = app
        .account("hoc.vien", Some("citizen"), &["learner"])
        .await?;
    let attempt = app
        .post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json()["attempt_id"]
        .as_str()
        .ok_or("attempt")?
        .to_owned();
    crate::units::browser_login(&app, "hoc.vien").await?;
    let mut body = format!("csrf={}", app.csrf());
    for i in 0..3_000 {
        body.push_str(&format!("&a:x{i}=1"));
    }
    let r = post_form(&app, &format!("/attempts/{attempt}/save"), body.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    // Someone else's attempt: 404 before the body is looked at.
    app.account("nguoi.khac", Some("citizen"), &["learner"])
        .await?;
    crate::units::browser_login(&app, "nguoi.khac").await?;
    let r = post_form(&app, &format!("/attempts/{attempt}/save"), body).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn a_page_number_past_any_list_is_clamped_and_never_panics() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    app.account("hv1", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "hv1").await?;
    let r = app
        .get(
            &format!("/api/v1/units/{}/people?page=184467440737095517", w.to1),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["people"], json!([]));
    assert_eq!(r.json()["page"], 1_000_000);
    assert_eq!(r.json()["total"], 1);
    // Beyond u64: a bad query string, not a panic.
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/people?page=99999999999999999999999",
                w.to1
            ),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "invalid_query");
    // The page.
    app.page_login("quan.tri", "mat-khau-quan-tri").await;
    let r = app
        .page(&format!("/units/{}/people?page=184467440737095517", w.to1))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn attendance_for_an_id_nobody_has_is_a_422_and_records_nobody() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (hv1, _) = app.account("hv1", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "hv1").await?;
    let class = app
        .post(
            "/api/v1/classes",
            Some(&w.admin),
            json!({"unit_id": w.to1, "course_id": "thu-nghiem", "place": "Nhà văn hóa", "starts_at": crate::units::class_day(&app).0}),
        )
        .await;
    assert_eq!(class.status, StatusCode::CREATED, "{}", class.text());
    let class = class.json()["id"].as_i64().ok_or("class")?;
    let r = app
        .post(
            &format!("/api/v1/classes/{class}/attendance"),
            Some(&w.admin),
            json!({"people": [hv1, 999_999]}),
        )
        .await;
    // Before: 500 (a foreign key refused the row).
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"], "unknown_person");
    let list = app
        .get(&format!("/api/v1/classes/{class}"), Some(&w.admin))
        .await
        .json();
    assert_eq!(list["attendance"], json!([]), "{list}");
    Ok(())
}

#[actix_web::test]
async fn a_class_dated_in_year_9999_is_refused_and_one_already_stored_does_not_break_pages(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    for starts_at in ["9999-12-31T20:00:00Z", "1900-01-01T08:00:00+07:00"] {
        let r = app
            .post(
                "/api/v1/classes",
                Some(&w.admin),
                json!({"unit_id": w.to1, "course_id": "thu-nghiem", "place": "Nhà văn hóa", "starts_at": starts_at}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["error"], "class_date_out_of_range");
    }
    // One stored before the check (or by another path): every page that shows it still works.
    let admin = app.user_id(&w.admin).await?;
    let stored = app
        .store
        .create_class(
            hocvuso_store::NewClass {
                unit_id: w.to1,
                course_id: "thu-nghiem".into(),
                place: "Nhà văn hóa".into(),
                starts_at: time::macros::datetime!(9999-12-31 20:00 UTC),
                organiser_id: admin,
            },
            app.state.clock.now(),
        )
        .await?;
    let (_, learner) = app.account("hv1", Some("citizen"), &["learner"]).await?;
    let code = app
        .get("/api/v1/me/attendance-code", Some(&learner))
        .await
        .json()["code"]
        .as_str()
        .ok_or("code")?
        .to_owned();
    app.page_login("quan.tri", "mat-khau-quan-tri").await;
    for page in [
        "/classes".to_owned(),
        format!("/classes/{}", stored.id),
        format!("/check-in/{code}"),
    ] {
        let r = app.page(&page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.text());
    }
    // The class form keeps what was typed when it refuses a date.
    let r = app
        .submit_form(
            "/classes",
            &[
                ("unit_id", &w.to1.to_string()),
                ("course_id", "thu-nghiem"),
                ("place", "Sân nhà văn hóa tổ 1"),
                ("date", "9999-12-31"),
                ("time", "19:30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let text = r.text();
    assert!(text.contains("value=\"Sân nhà văn hóa tổ 1\""), "{text}");
    assert!(text.contains("value=\"9999-12-31\"") && text.contains("value=\"19:30\""));
    assert!(text.contains(r#"data-error="class_date_out_of_range""#));
    Ok(())
}

#[actix_web::test]
async fn answers_saved_after_the_deadline_are_refused_and_never_graded() -> TestResult {
    let (clock, hand) =
        hocvuso_server::clock::Clock::settable(time::macros::datetime!(2026-11-27 08:00 UTC));
    let app = TestApp::spawn_with(hocvuso_stories::fixture_content(), clock).await?;
    let token = app.learner("tre.gio").await?;
    let me = app.user_id(&token).await?;
    let a = app
        .post(
            "/api/v1/courses/on-tap/quizzes/co-gio/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let id = a["attempt_id"].as_str().ok_or("id")?.to_owned();
    let key = app.key_for(&id, me).await?;
    // Ten minutes and the grace go by; then every answer, from the key.
    hand.advance(time::Duration::minutes(12));
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/answers"),
            Some(&token),
            json!({ "answers": key }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["error"], "answers_too_late");
    assert_eq!(r.json()["message"], t("errors.answers_too_late"));
    // Before: the late save was graded under on_timeout = "grade_saved" (100%).
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({ "answers": {} }),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    assert_eq!(graded.json()["score_percent"], 0.0);
    // Within the grace a save still counts (a slow network at the last second).
    let b = app
        .post(
            "/api/v1/courses/on-tap/quizzes/co-gio-nghiem/attempts",
            Some(&token),
            json!({}),
        )
        .await
        .json();
    let bid = b["attempt_id"].as_str().ok_or("id")?.to_owned();
    let bkey = app.key_for(&bid, me).await?;
    hand.advance(time::Duration::seconds(10 * 60 + 30));
    let r = app
        .post(
            &format!("/api/v1/attempts/{bid}/answers"),
            Some(&token),
            json!({ "answers": bkey }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}

/// Every counter of every unit, in a stable order.
async fn counters(app: &TestApp) -> Result<Vec<(i64, String, String, i64)>, Error> {
    let units: Vec<i64> = app.store.units().await?.iter().map(|u| u.id).collect();
    let mut all: Vec<_> = app
        .store
        .unit_stats(&units)
        .await?
        .into_iter()
        .map(|s| (s.unit_id, s.group_id, s.metric, s.value))
        .filter(|s| s.3 != 0)
        .collect();
    all.sort();
    Ok(all)
}

#[actix_web::test]
async fn two_members_of_a_household_finishing_at_once_count_it_once() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    // Several households, two members each, so the race has many chances to show.
    let mut learners = Vec::new();
    for h in 0..6 {
        let code = format!("ho-{h}");
        let hh = app
            .post(
                "/api/v1/households",
                Some(&w.admin),
                json!({"unit_id": w.to1, "code": code, "name": format!("Hộ {h}")}),
            )
            .await
            .json()["id"]
            .as_i64()
            .ok_or("household")?;
        for m in 0..2 {
            let name = format!("ho{h}.nguoi{m}");
            let (id, token) = app.account(&name, Some("citizen"), &["learner"]).await?;
            member(&app, &w.admin, w.to1, &name).await?;
            let r = app
                .post(
                    &format!("/api/v1/households/{hh}/members"),
                    Some(&w.admin),
                    json!({ "person_id": id }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            learners.push((id, token));
        }
    }
    // Everything but the last step: lessons done, the final quiz open, its key at hand.
    let mut submissions = Vec::new();
    for (id, token) in &learners {
        for l in ["mat-khau", "ma-otp"] {
            app.post(
                &format!("/api/v1/courses/thu-nghiem/lessons/{l}/complete"),
                Some(token),
                json!({}),
            )
            .await;
        }
        let a = app
            .post(
                "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
                Some(token),
                json!({}),
            )
            .await
            .json();
        let attempt = a["attempt_id"].as_str().ok_or("attempt")?.to_owned();
        let key = app.key_for(&attempt, *id).await?;
        submissions.push((token.clone(), attempt, key));
    }
    // All of them finish at once.
    let paths: Vec<String> = submissions
        .iter()
        .map(|(_, attempt, _)| format!("/api/v1/attempts/{attempt}/submit"))
        .collect();
    let replies = futures_util::future::join_all(
        submissions
            .iter()
            .zip(&paths)
            .map(|((token, _, key), path)| app.post(path, Some(token), json!({ "answers": key }))),
    )
    .await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let d = app
        .get(&format!("/api/v1/dashboard?unit={}", w.to1), Some(&w.admin))
        .await
        .json();
    assert_eq!(d["total"]["digital_households"]["actual"], 6, "{d}");
    let live = counters(&app).await?;
    app.store.rebuild_aggregates().await?;
    assert_eq!(live, counters(&app).await?, "the counters equal a rebuild");
    Ok(())
}

#[actix_web::test]
async fn twenty_parallel_starts_of_one_quiz_open_one_attempt() -> TestResult {
    let app = TestApp::spawn().await?;
    let (me, token) = app.account("vo.van", Some("citizen"), &["learner"]).await?;
    let replies = futures_util::future::join_all((0..20).map(|_| {
        app.post(
            "/api/v1/courses/thu-nghiem/quizzes/kiem-tra/attempts",
            Some(&token),
            json!({}),
        )
    }))
    .await;
    let mut ids = std::collections::BTreeSet::new();
    for r in &replies {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.insert(r.json()["attempt_id"].as_str().unwrap_or("").to_owned());
    }
    // Before: 16 attempts on PostgreSQL, each with its own paper, each submittable.
    assert_eq!(ids.len(), 1, "{ids:?}");
    let open = app
        .store
        .attempts::<hocvuso_store::Attempt>(me, "thu-nghiem", "kiem-tra")
        .await?
        .into_iter()
        .filter(|a| a.state == hocvuso_store::AttemptState::InProgress)
        .count();
    assert_eq!(open, 1);
    Ok(())
}

/// `hocvuso ledger verify`'s findings, each in words.
async fn ledger_findings(app: &TestApp) -> Result<(bool, Vec<String>), Error> {
    let ring = app.state.issuer.ring();
    let report =
        hocvuso_server::app::ledger::verify(&app.store, Some(&ring), app.state.clock.now()).await?;
    Ok((
        report.chain.is_ok(),
        report.findings.iter().map(ToString::to_string).collect(),
    ))
}

async fn published_head(app: &TestApp) -> Result<(u64, String), Error> {
    let issuer = app.get("/issuer", None).await.json();
    Ok((
        issuer["ledgerHead"]["seq"].as_u64().ok_or("seq")?,
        issuer["ledgerHead"]["hash"]
            .as_str()
            .ok_or("hash")?
            .to_owned(),
    ))
}

#[actix_web::test]
async fn ledger_verify_compares_every_certificate_with_the_ledger_and_names_each_change(
) -> TestResult {
    let app = TestApp::spawn().await?;
    app.tampered(
        "the story changes certificates behind the ledger to show verify names each change",
    );
    let admin = app.admin("quan.tri").await?;
    let t1 = app.learner("ba.lan").await?;
    let t2 = app.learner("ong.ba").await?;
    let revoked = app.complete_fixture_course(&t1).await?;
    let other = app.complete_fixture_course(&t2).await?;
    let r = app
        .post(
            &format!("/api/v1/admin/certificates/{revoked}/revoke"),
            Some(&admin),
            json!({"reason": "Gian lận khi làm bài"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(ledger_findings(&app).await?, (true, vec![]));
    // Someone keeps the published head (a report, an export, the /issuer page).
    let kept = published_head(&app).await?;
    assert_eq!(kept.0, 5, "two courses, two paths, one revocation");
    let page = app
        .send(
            TestRequest::get()
                .uri("/issuer")
                .insert_header(("Accept", "text/html")),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&kept.1), "the page shows the head too");

    // 1. The revocation cleared in the live table: before, the certificate verified as valid.
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET revoked_at = NULL, revoked_reason = NULL WHERE certificate_id = '{revoked}'"
        ))
        .await?;
    let (chain_ok, findings) = ledger_findings(&app).await?;
    assert!(chain_ok);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("the revocation was cleared"),
        "{findings:?}"
    );
    // The ledger has the last word wherever the certificate is checked.
    let check = app
        .get(&format!("/api/v1/certificates/{revoked}"), None)
        .await
        .json();
    assert_eq!(check["revoked"], true, "{check}");
    assert_eq!(check["valid"], false);
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET revoked_at = completed_at, revoked_reason = 'x' WHERE certificate_id = '{revoked}'"
        ))
        .await?;

    // 2. A score edited.
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET score_percent = 55 WHERE certificate_id = '{other}'"
        ))
        .await?;
    let (_, findings) = ledger_findings(&app).await?;
    assert!(
        findings
            .iter()
            .any(|f| f.contains(&other) && f.contains("score is 55")),
        "{findings:?}"
    );

    // 3. A completion inserted with no ledger entry.
    let me = app.user_id(&t1).await?;
    app.store
        .execute_raw(&format!(
            "INSERT INTO course_completions (certificate_id, user_id, course_id, content_version, completed_at, score_percent) \
             VALUES ('ZZZZZZZZZZZZZZZZZZZZ', {me}, 'on-tap', 'v1', '2026-12-01 00:00:00+00:00', 100)"
        ))
        .await?;
    let (_, findings) = ledger_findings(&app).await?;
    assert!(
        findings
            .iter()
            .any(|f| f.contains("ZZZZZZZZZZZZZZZZZZZZ") && f.contains("no ledger entry issued it")),
        "{findings:?}"
    );

    // 4. The newest ledger row (the only revocation) deleted: the chain is still whole, but the
    //    revoked row has no revocation, and the head is behind the one kept.
    app.store
        .execute_raw("DELETE FROM ledger_entries WHERE seq = (SELECT MAX(seq) FROM ledger_entries)")
        .await?;
    let (chain_ok, findings) = ledger_findings(&app).await?;
    assert!(
        chain_ok,
        "deleting the newest rows keeps a consistent chain"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains(&revoked) && f.contains("the ledger has no revocation")),
        "{findings:?}"
    );
    let now = published_head(&app).await?;
    assert!(
        now.0 < kept.0 && now.1 != kept.1,
        "truncation shows against the kept head"
    );

    // 5. A certificate deleted, and a stored credential swapped for another learner's.
    app.store
        .execute_raw(&format!(
            "DELETE FROM path_certificates WHERE user_id = {}",
            app.user_id(&t2).await?
        ))
        .await?;
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET credential = (SELECT credential FROM course_completions WHERE certificate_id = '{revoked}') WHERE certificate_id = '{other}'"
        ))
        .await?;
    let (_, findings) = ledger_findings(&app).await?;
    assert!(
        findings.iter().any(|f| f.contains("no longer holds it")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(
            |f| f.contains(&other) && f.contains("stored credential names another certificate")
        ),
        "{findings:?}"
    );
    Ok(())
}

#[actix_web::test]
async fn every_export_carries_the_ledger_head() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let t = app.learner("ba.lan").await?;
    app.complete_fixture_course(&t).await?;
    let (seq, hash) = published_head(&app).await?;
    let line = format!("# ledger_head seq={seq} hash={hash}");
    for format in ["csv", "jsonl", "xapi", "xlsx"] {
        let r = app
            .get(
                &format!("/api/v1/admin/completions?format={format}"),
                Some(&w.admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{format}");
        assert_eq!(
            r.headers
                .get("Hocvuso-Ledger-Head")
                .and_then(|v| v.to_str().ok()),
            Some(format!("{seq} {hash}").as_str()),
            "{format}"
        );
        match format {
            // After the byte-order mark Excel needs (on by default).
            "csv" => assert_eq!(
                r.text()
                    .strip_prefix('\u{feff}')
                    .and_then(|t| t.lines().next()),
                Some(line.as_str())
            ),
            "jsonl" | "xapi" => {
                let first: serde_json::Value =
                    serde_json::from_str(r.text().lines().next().unwrap_or(""))?;
                assert_eq!(first, json!({"ledger_head": {"seq": seq, "hash": hash}}));
            }
            _ => {
                use calamine::Reader;
                let mut wb: calamine::Xlsx<_> =
                    calamine::Xlsx::new(std::io::Cursor::new(r.body.clone()))?;
                let last = wb.sheet_names().last().cloned().ok_or("sheets")?;
                assert_eq!(last, "Sổ cái");
                let range = wb.worksheet_range(&last)?;
                assert_eq!(
                    range.get_value((1, 1)).map(|c| c.to_string()),
                    Some(hash.clone())
                );
            }
        }
    }
    // The small exports too: a unit's people, the dashboard.
    let r = app
        .get(
            &format!("/api/v1/units/{}/people?format=csv", w.ward),
            Some(&w.admin),
        )
        .await;
    assert!(r.text().trim_start_matches('\u{feff}').starts_with(&line));
    let r = app
        .get(
            &format!("/api/v1/dashboard?unit={}&format=xlsx", w.ward),
            Some(&w.admin),
        )
        .await;
    assert!(r.headers.contains_key("Hocvuso-Ledger-Head"));
    Ok(())
}

#[actix_web::test]
async fn a_revoked_certificate_downloads_stamped_as_revoked_with_its_date() -> TestResult {
    let app = TestApp::spawn().await?;
    let admin = app.admin("quan.tri").await?;
    let t = app.learner("ba.lan").await?;
    let cert = app.complete_fixture_course(&t).await?;
    let pdf = format!("/api/v1/certificates/{cert}/pdf");
    let clean = app.get(&pdf, None).await;
    app.post(
        &format!("/api/v1/admin/certificates/{cert}/revoke"),
        Some(&admin),
        json!({"reason": "Gian lận khi làm bài"}),
    )
    .await;
    let stamped = app.get(&pdf, None).await;
    assert_eq!(stamped.status, StatusCode::OK);
    assert_ne!(clean.body, stamped.body, "before: the same clean PDF");
    assert!(stamped
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d.contains("da-thu-hoi")));
    // Read back as a PDF viewer would, when poppler's pdftotext is installed (CI has it).
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
    {
        let dir = std::env::temp_dir().join(format!("hvs-revoked-{cert}"));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("c.pdf");
        std::fs::write(&file, &stamped.body)?;
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()?;
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&out.stdout);
        let today = hocvuso_server::views::date_vi(app.state.clock.now());
        assert!(
            text.contains(&hocvuso_stories::t("certificate.revoked_stamp")),
            "{text}"
        );
        // The note up to its date (the rest may wrap onto another line of the PDF).
        let note = t_with("certificate.revoked_note", &[("date", &today)]);
        let dated = note.find(&today).map_or(0, |at| at + today.len());
        assert!(text.contains(&note[..dated]), "{text}");
    }
    Ok(())
}

#[actix_web::test]
async fn the_import_page_keeps_the_dry_run_choice_and_says_why_a_file_is_refused() -> TestResult {
    let app = TestApp::spawn().await?;
    ward(&app).await?;
    app.page_login("quan.tri", "mat-khau-quan-tri").await;
    app.page("/import").await;
    let boundary = "XyZbOuNdArY";
    // No dry run, a file that is neither CSV nor XLSX.
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ds.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--{boundary}--\r\n",
        app.csrf()
    );
    let r = app
        .post_raw_with_cookies(
            "/import",
            &format!("multipart/form-data; boundary={boundary}"),
            body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let text = r.text();
    assert!(text.contains(r#"data-error="unsupported_file""#), "{text}");
    assert!(
        !text.contains("value=\"yes\" checked"),
        "the dry run stays unticked as it was sent"
    );
    Ok(())
}

#[actix_web::test]
async fn imported_names_and_first_passwords_follow_the_same_policy_as_registration() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.1").await?;
    // A right-to-left override in a name would reverse what a certificate prints.
    let r = import(
        &app,
        &m1,
        "name,username,group,unit\nNguyễn\u{202E}Văn An,0905000111,citizen,tdp-1\n"
            .as_bytes()
            .to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["problems"][0]["error"], "display_name_invisible");
    // A decomposed name is stored composed (NFC), as registration stores it.
    let csv = "name,username,group,unit\nNgo\u{0302}\u{0301} Va\u{0306}n  Bình,0905000222,citizen,tdp-1\n";
    let r = app
        .send(
            TestRequest::post()
                .uri("/api/v1/import")
                .insert_header(("Authorization", format!("Bearer {m1}")))
                .insert_header(("Content-Type", "text/csv"))
                .set_payload(csv),
        )
        .await;
    assert_eq!(r.json()["written"], true, "{}", r.text());
    let person = app
        .store
        .user_by_username("0905000222")
        .await?
        .ok_or("imported")?;
    assert_eq!(person.display_name, "Ngố Văn Bình");
    // The manager choosing a first password cannot pick a common one or the username.
    let activate = format!("/api/v1/people/{}/activate", person.id);
    for weak in ["12345678", "0905000222", "matkhau123"] {
        let r = app.post(&activate, Some(&m1), activation(weak)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{weak}: {}",
            r.text()
        );
    }
    let r = app
        .post(&activate, Some(&m1), activation("cay-bang-truoc-ngo"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}
