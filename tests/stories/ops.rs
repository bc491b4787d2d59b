//! Accounts, privacy and operations (issue #15): a person sees, downloads and deletes their
//! data; staff reads are audited; retention forgets; metrics; backup and restore.

use actix_web::http::{Method, StatusCode};
use hocvuso_stories::{database_kind, t, Error, TestApp, TestResult};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::units::{manager_of, member, ward};

/// Every counter of every unit, in a stable order (zeros left out: a rebuild drops them).
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

/// `hocvuso ledger verify`: the chain holds and no certificate disagrees with it.
async fn ledger_verifies(app: &TestApp) -> TestResult {
    let ring = app.state.issuer.ring();
    let report =
        hocvuso_server::app::ledger::verify(&app.store, Some(&ring), app.state.clock.now()).await?;
    assert!(report.chain.is_ok(), "the ledger's chain breaks");
    let findings: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "ledger verify: {findings:?}");
    Ok(())
}

/// Every (table, column) of the live schema.
async fn schema_columns(app: &TestApp) -> Result<Vec<(String, String)>, Error> {
    let db = app.store.connection();
    let backend = db.get_database_backend();
    let sql = if database_kind() == "postgres" {
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
         WHERE table_schema = current_schema()"
    } else {
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table'"
    };
    let rows = db.query_all(Statement::from_string(backend, sql)).await?;
    let mut out = Vec::new();
    for r in rows {
        out.push((r.try_get::<String>("", "t")?, r.try_get::<String>("", "c")?));
    }
    Ok(out)
}

#[actix_web::test]
async fn every_table_that_names_a_person_is_in_the_download() -> TestResult {
    let app = TestApp::spawn().await?;
    let declared: Vec<(&str, &str)> = hocvuso_store::HELD
        .iter()
        .map(|h| (h.table, h.column))
        .collect();
    let mut missing = Vec::new();
    for (table, column) in schema_columns(&app).await? {
        if hocvuso_store::PERSON_COLUMNS.contains(&column.as_str())
            && !declared.contains(&(table.as_str(), column.as_str()))
        {
            missing.push(format!("{table}.{column}"));
        }
    }
    // The people themselves.
    assert!(declared.contains(&("users", "id")));
    assert!(
        missing.is_empty(),
        "columns that name a person but are not in store::HELD: {missing:?}"
    );
    Ok(())
}

#[actix_web::test]
async fn a_person_downloads_everything_held_about_them_with_credentials_as_issued() -> TestResult {
    let app = TestApp::spawn().await?;
    let (me, token) = app
        .account("chi.lan", Some("citizen"), &["learner"])
        .await?;
    let cert = app.complete_fixture_course(&token).await?;
    let r = app
        .api(
            Method::PUT,
            "/api/v1/me/email",
            Some(&token),
            Some(json!({"email": "lan@vidu.vn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app.get("/api/v1/me/data", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("attachment")));
    let doc = r.json();
    let data = &doc["data"];
    assert_eq!(data["account"][0]["id"], me);
    assert_eq!(data["account"][0]["username"], "chi.lan");
    assert_eq!(data["contact_email"][0]["email"], "lan@vidu.vn");
    assert!(!data["lesson_completions"]
        .as_array()
        .ok_or("lessons")?
        .is_empty());
    assert!(!data["quiz_attempt_steps"]
        .as_array()
        .ok_or("steps")?
        .is_empty());
    assert!(!data["ledger_entries"]
        .as_array()
        .ok_or("ledger")?
        .is_empty());
    // The credential exactly as issued: the same VC-JWT the public endpoint serves.
    let issued = app
        .get(&format!("/api/v1/certificates/{cert}/credential"), None)
        .await
        .text();
    let held = data["course_certificates"][0]["credential"]
        .as_str()
        .ok_or("credential")?;
    assert!(
        issued.contains(held),
        "the download's credential is the one issued"
    );
    // Never a secret: no password hash, no drawn paper with its key, no session id.
    let text = r.text();
    assert!(!text.contains("argon2"), "no password hash");
    assert!(!text.contains("\"paper\""), "no paper");
    assert!(data["sessions"][0].get("id").is_none(), "no session id");
    // Every declared kind is there (even when empty).
    for h in hocvuso_store::HELD {
        assert!(data[h.kind].is_array(), "kind {} missing", h.kind);
    }
    // Anonymous callers get nothing.
    assert_eq!(
        app.get("/api/v1/me/data", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[actix_web::test]
async fn deleting_an_account_erases_the_person_keeps_credentials_verifiable_and_counters_true(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    // A mentor whose bar depends on mentees, a household made digital by the learner.
    let (mentor_id, _) = app
        .account("dai.su", Some("citizen"), &["learner", "mentor"])
        .await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    let (me, token) = app.account("ba.hoa", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "ba.hoa").await?;
    member(&app, &w.admin, w.agency, "ba.hoa").await?;
    let hh = app
        .post(
            "/api/v1/households",
            Some(&w.admin),
            json!({"unit_id": w.to1, "code": "ho-1", "name": "Hộ 1"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .ok_or("household")?;
    let r = app
        .post(
            &format!("/api/v1/households/{hh}/members"),
            Some(&w.admin),
            json!({ "person_id": me }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::PUT,
            "/api/v1/me/mentor",
            Some(&token),
            Some(json!({"mentor": "dai.su"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let cert = app.complete_fixture_course(&token).await?;
    let before = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(
        before["total"]["digital_households"]["actual"], 1,
        "{before}"
    );

    // A wrong password deletes nothing.
    let r = app
        .post(
            "/api/v1/me/delete",
            Some(&token),
            json!({"password": "sai-mat-khau"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"], "wrong_current_password");
    assert!(app.store.account_deleted_at(me).await?.is_none());

    let r = app
        .post(
            "/api/v1/me/delete",
            Some(&token),
            json!({"password": "mat-khau-dai"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    // Asked again with the same token: a clear answer, nothing more happens.
    let again = app
        .post(
            "/api/v1/me/delete",
            Some(&token),
            json!({"password": "mat-khau-dai"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_eq!(again.json()["error"], "account_already_deleted");
    assert_eq!(again.json()["message"], t("errors.account_already_deleted"));

    // The person is gone: no sign-in, no session, no name, no links.
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.login("ba.hoa", "mat-khau-dai").await.is_err());
    assert!(app.store.user_by_username("ba.hoa").await?.is_none());
    let row = app.store.user_by_id(me).await?.ok_or("row")?;
    assert_ne!(row.username, "ba.hoa");
    assert!(!row.display_name.contains("ba.hoa"));
    assert_eq!(row.birth_year, None);
    assert!(app.store.user_units(me).await?.is_empty());
    assert_eq!(app.store.mentor_of(me).await?, None);
    assert_eq!(app.store.reminder_email(me).await?, None);
    let consents = app.store.consents(me).await?;
    assert!(consents.iter().all(|c| c.withdrawn_at.is_some()));
    // The username is free again.
    assert_eq!(
        app.register("ba.hoa", "citizen").await.status,
        StatusCode::CREATED
    );

    // The certificate still verifies, without the name; the ledger still verifies.
    let v = app
        .get(&format!("/api/v1/certificates/{cert}"), None)
        .await
        .json();
    assert_eq!(v["valid"], true, "{v}");
    assert!(!v.to_string().contains("Người ba.hoa"), "{v}");
    let check = app
        .post(
            "/api/v1/credentials/verify",
            None,
            json!({"jwt": app
                .get(&format!("/api/v1/certificates/{cert}/credential"), None)
                .await
                .text()}),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text());
    assert_eq!(check.json()["valid"], true, "{}", check.text());
    ledger_verifies(&app).await?;

    // The ward's figures lost the person, the household its digital member, and the counters
    // equal a rebuild from the base tables.
    let after = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(after["total"]["digital_households"]["actual"], 0, "{after}");
    let live = counters(&app).await?;
    app.store.rebuild_aggregates().await?;
    assert_eq!(live, counters(&app).await?, "the counters equal a rebuild");
    let _ = mentor_id;
    // The deletion is in the audit log.
    let log = app
        .get("/api/v1/admin/audit?action=account_deleted", Some(&w.admin))
        .await
        .json();
    assert_eq!(log[0]["subject_id"], me, "{log}");
    Ok(())
}

#[actix_web::test]
async fn staff_reads_of_people_are_audited_and_an_admin_filters_and_exports_the_log() -> TestResult
{
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let manager = manager_of(&app, &w.admin, w.to1, "to.truong").await?;
    let manager_id = app.user_id(&manager).await?;
    let (person, person_token) = app.account("co.mai", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "co.mai").await?;

    let r = app
        .get(&format!("/api/v1/units/{}/people", w.to1), Some(&manager))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .get(&format!("/api/v1/people/{person}"), Some(&manager))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .get(
            &format!("/api/v1/units/{}/people?format=csv", w.to1),
            Some(&manager),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Reading one's own record is not a staff read.
    app.get("/api/v1/me", Some(&person_token)).await;

    let all = app
        .get(
            &format!("/api/v1/admin/audit?actor={manager_id}"),
            Some(&w.admin),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let actions: Vec<String> = all
        .json()
        .as_array()
        .ok_or("list")?
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        actions,
        ["export", "person_read", "people_list"],
        "newest first"
    );
    let read = app
        .get(
            &format!("/api/v1/admin/audit?subject={person}&action=person_read"),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(read.as_array().map(Vec::len), Some(1), "{read}");
    assert_eq!(read[0]["actor"], "to.truong");
    assert_eq!(read[0]["subject"], "co.mai");
    // A day range that excludes today finds nothing; a bad date or action is a 400.
    let none = app
        .get("/api/v1/admin/audit?to=2000-01-01", Some(&w.admin))
        .await
        .json();
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    for bad in ["from=hom-qua", "action=xem-trom"] {
        let r = app
            .get(&format!("/api/v1/admin/audit?{bad}"), Some(&w.admin))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
    }
    // The export, itself recorded.
    let csv = app
        .get(
            &format!("/api/v1/admin/audit?format=csv&actor={manager_id}"),
            Some(&w.admin),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(
        text.contains("to.truong") && text.contains("co.mai"),
        "{text}"
    );
    let exports = app
        .get("/api/v1/admin/audit?action=audit_export", Some(&w.admin))
        .await
        .json();
    assert_eq!(exports.as_array().map(Vec::len), Some(1));
    // Nobody else reads the log: 404, as for anything that is not there.
    assert_eq!(
        app.get("/api/v1/admin/audit", Some(&manager)).await.status,
        StatusCode::NOT_FOUND
    );
    // The person sees who read their data in their own download.
    let mine = app.get("/api/v1/me/data", Some(&person_token)).await.json();
    let about = mine["data"]["audit_about_me"].as_array().ok_or("about")?;
    assert!(
        about.iter().any(|e| e["actor_id"] == manager_id),
        "{about:?}"
    );
    Ok(())
}

#[actix_web::test]
async fn a_consent_is_withdrawn_and_the_privacy_notice_only_by_deleting() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.register("anh.tu", "citizen").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = app.login("anh.tu", "mat-khau-dai").await?;
    let me = app.user_id(&token).await?;
    app.api(
        Method::PUT,
        "/api/v1/me/email",
        Some(&token),
        Some(json!({"email": "tu@vidu.vn"})),
    )
    .await;
    let r = app
        .post(
            "/api/v1/me/consents/reminder_email/withdraw",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(app.store.reminder_email(me).await?, None);
    let consents = app.store.consents(me).await?;
    assert!(consents
        .iter()
        .filter(|c| c.purpose == "reminder_email")
        .all(|c| c.withdrawn_at.is_some()));
    let r = app
        .post(
            "/api/v1/me/consents/privacy_notice/withdraw",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "consent_needs_deletion");
    let r = app
        .post(
            "/api/v1/me/consents/anything/withdraw",
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[actix_web::test]
async fn the_data_page_lists_what_is_held_and_deletes_once_even_when_submitted_twice() -> TestResult
{
    let app = TestApp::spawn().await?;
    let r = app.register("em.ha", "citizen").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    app.sign_in_browser("em.ha").await?;
    let page = app.page("/profile/du-lieu").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    for hook in [
        "data-kind=\"account\"",
        "data-kind=\"course_certificates\"",
        "data-consent=\"privacy_notice\"",
        "id=\"download-data\"",
        "id=\"delete-account\"",
    ] {
        assert!(html.contains(hook), "{hook}");
    }
    // The download link works with the page's cookie.
    let cookie_download = app.page("/api/v1/me/data").await;
    assert_eq!(cookie_download.status, StatusCode::OK);
    // A wrong password: the page again, with the error.
    let r = app
        .submit_form("/profile/du-lieu/xoa", &[("password", "khong-dung")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"form-error\""));
    let csrf = app.csrf();
    let fields = [("csrf", csrf.as_str()), ("password", "mat-khau-dai")];
    // A double click: the second request leaves with the cookies the first one had.
    let old_cookies = app.cookie_jar();
    let first = app.post_form_raw("/profile/du-lieu/xoa", &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.location().as_deref(), Some("/profile/du-lieu/da-xoa"));
    assert!(
        !app.has_cookie("hvs_session"),
        "the session cookie is cleared"
    );
    let mut again = actix_web::test::TestRequest::post()
        .uri("/profile/du-lieu/xoa")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(hocvuso_stories::form_encode(&fields));
    for (k, v) in old_cookies {
        again = again.cookie(actix_web::cookie::Cookie::new(k, v));
    }
    let second = app.send(again).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.text());
    assert_eq!(
        second.location().as_deref(),
        Some("/profile/du-lieu/da-xoa?again=1")
    );
    let done = app.page("/profile/du-lieu/da-xoa?again=1").await;
    assert!(done.text().contains("data-again=\"1\""));
    assert!(app.store.user_by_username("em.ha").await?.is_none());
    Ok(())
}

#[actix_web::test]
async fn the_admin_audit_page_filters_without_javascript() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let manager = manager_of(&app, &w.admin, w.to1, "to.truong").await?;
    app.get(&format!("/api/v1/units/{}/people", w.to1), Some(&manager))
        .await;
    app.page_login("quan.tri", "mat-khau-quan-tri").await;
    let page = app.page("/admin/nhat-ky?action=people_list").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("data-action=\"people_list\""));
    assert!(html.contains("id=\"audit-csv\""));
    let bad = app.page("/admin/nhat-ky?from=31-12-2026").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("id=\"form-error\""));
    Ok(())
}

#[actix_web::test]
async fn retention_forgets_old_counters_notifications_sessions_and_audit_entries() -> TestResult {
    let (clock, hand) =
        hocvuso_server::clock::Clock::settable(time::macros::datetime!(2026-11-27 08:00 UTC));
    let app = TestApp::spawn_with(hocvuso_stories::fixture_content(), clock).await?;
    let w = ward(&app).await?;
    let manager = manager_of(&app, &w.admin, w.to1, "to.truong").await?;
    app.get(&format!("/api/v1/units/{}/people", w.to1), Some(&manager))
        .await;
    // A failed sign-in leaves counters.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "to.truong", "password": "sai"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let now = app.state.clock.now();
    let nothing = hocvuso_server::app::privacy::enforce_retention(&app.state)
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(
        nothing,
        hocvuso_store::Forgotten::default(),
        "nothing is old yet"
    );
    // 25 months later everything above is past its period.
    hand.advance(time::Duration::days(31 * 25));
    let gone = hocvuso_server::app::privacy::enforce_retention(&app.state)
        .await
        .map_err(|e| e.to_string())?;
    assert!(
        gone.throttle > 0 && gone.sessions > 0 && gone.audit > 0,
        "{gone:?}"
    );
    let left = app
        .store
        .audit_events(&hocvuso_store::AuditFilter::default(), 10)
        .await?;
    assert!(left.iter().all(|e| e.at > now), "{left:?}");
    Ok(())
}

/// A fresh temporary path for a backup (not created).
fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("hvs-ops-{:016x}-{name}", rand::random::<u64>()))
}

/// A small ward with completions, a revocation, a household and audit entries: every kind of
/// row a backup must keep.
async fn busy_database(app: &TestApp) -> TestResult {
    let w = ward(app).await?;
    for name in ["hv.mot", "hv.hai"] {
        let (_, token) = app.account(name, Some("citizen"), &["learner"]).await?;
        member(app, &w.admin, w.to1, name).await?;
        app.complete_fixture_course(&token).await?;
    }
    let (_, token) = app.account("hv.ba", Some("citizen"), &["learner"]).await?;
    let cert = app.complete_fixture_course(&token).await?;
    let r = app
        .post(
            &format!("/api/v1/admin/certificates/{cert}/revoke"),
            Some(&w.admin),
            json!({"reason": "Cấp nhầm"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app.get(&format!("/api/v1/units/{}/people", w.to1), Some(&w.admin))
        .await;
    Ok(())
}

#[actix_web::test]
async fn a_backup_restores_every_table_and_the_ledger_still_verifies() -> TestResult {
    use hocvuso_store::backup;
    let app = TestApp::spawn_on_disk().await?;
    busy_database(&app).await?;
    let before = backup::all_rows(app.store.connection()).await?;
    assert!(before["ledger_entries"].len() >= 4);
    let file = temp_path("backup");
    let restored_url = if database_kind() == "postgres" {
        backup::backup_postgres(&app.database_url, &file)?;
        // A second database to restore into.
        let (prefix, _) = app.database_url.rsplit_once('/').ok_or("url")?;
        let name = format!("hvs_restore_{:016x}", rand::random::<u64>());
        app.store
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let url = format!("{prefix}/{name}");
        backup::restore_postgres(&file, &url)?;
        url
    } else {
        // While the server goes on writing: the copy is one consistent moment.
        app.store.backup_sqlite(&file).await?;
        let target = temp_path("restored.db");
        backup::restore_sqlite(&file, &target, false).await?;
        format!("sqlite://{}?mode=rw", target.display())
    };
    // A backup never overwrites.
    assert!(app.store.backup_sqlite(&file).await.is_err() || database_kind() == "postgres");
    let restored = hocvuso_store::Store::connect(&restored_url).await?;
    let after = backup::all_rows(restored.connection()).await?;
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, rows) in &before {
        assert_eq!(
            rows, &after[table],
            "table {table} differs after the round trip"
        );
    }
    // The restored ledger verifies, with the same keys, to the same head.
    let ring = app.state.issuer.ring();
    let report =
        hocvuso_server::app::ledger::verify(&restored, Some(&ring), app.state.clock.now()).await?;
    assert!(report.chain.is_ok());
    assert!(report.findings.is_empty(), "{:?}", report.findings.len());
    assert_eq!(
        restored.ledger_head().await?.map(|h| h.hash),
        app.store.ledger_head().await?.map(|h| h.hash)
    );
    let _ = std::fs::remove_file(&file);
    Ok(())
}

#[actix_web::test]
async fn a_truncated_or_foreign_backup_is_refused_and_nothing_is_written() -> TestResult {
    use hocvuso_store::backup;
    let app = TestApp::spawn_on_disk().await?;
    busy_database(&app).await?;
    let file = temp_path("backup");
    if database_kind() == "postgres" {
        backup::backup_postgres(&app.database_url, &file)?;
        let bytes = std::fs::read(&file)?;
        let cut = temp_path("cut");
        std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
        let before = backup::all_rows(app.store.connection()).await?;
        let e = backup::restore_postgres(&cut, &app.database_url)
            .err()
            .ok_or("a truncated archive was restored")?;
        assert!(
            e.to_string().contains("truncated") || e.to_string().contains("failed"),
            "{e}"
        );
        assert_eq!(
            before,
            backup::all_rows(app.store.connection()).await?,
            "nothing changed"
        );
        return Ok(());
    }
    app.store.backup_sqlite(&file).await?;
    let bytes = std::fs::read(&file)?;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", bytes[..bytes.len() - 4096].to_vec()),
        ("half", bytes[..bytes.len() / 2].to_vec()),
        ("tiny", bytes[..50].to_vec()),
        ("foreign", b"not a database at all, just text".repeat(100)),
    ];
    for (name, content) in cases {
        let src = temp_path(name);
        std::fs::write(&src, content)?;
        let target = temp_path("target.db");
        let e = backup::restore_sqlite(&src, &target, true)
            .await
            .err()
            .ok_or(format!("{name}: restored"))?;
        assert!(matches!(e, backup::BackupError::Refused(_)), "{name}: {e}");
        assert!(!target.exists(), "{name}: a file was written");
        assert!(
            !std::path::PathBuf::from(format!("{}.restoring", target.display())).exists(),
            "{name}: a staging file was left"
        );
        let _ = std::fs::remove_file(&src);
    }
    // An existing database is replaced only when asked.
    let target = temp_path("existing.db");
    std::fs::write(&target, b"keep me")?;
    assert!(backup::restore_sqlite(&file, &target, false).await.is_err());
    assert_eq!(std::fs::read(&target)?, b"keep me");
    backup::restore_sqlite(&file, &target, true).await?;
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&target);
    Ok(())
}

#[actix_web::test]
async fn metrics_count_routes_not_paths_and_only_this_machine_or_the_token_reads_them() -> TestResult
{
    let app = TestApp::spawn_configured(
        hocvuso_stories::fixture_content(),
        hocvuso_server::clock::Clock::system(),
        |s| s.metrics_token = Some("bi-mat-do-luong".into()),
    )
    .await?;
    let (_, token) = app
        .account("do.luong", Some("citizen"), &["learner"])
        .await?;
    let cert = app.complete_fixture_course(&token).await?;
    app.get(&format!("/verify/{cert}"), None).await;
    let bad = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "do.luong", "password": "sai-roi"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send_from(
            "127.0.0.1:40000",
            actix_web::test::TestRequest::get().uri("/metrics"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = r.text();
    for needle in [
        "hocvuso_http_requests_total{method=\"GET\",route=\"/verify/{id}\",status=\"200\"}",
        "hocvuso_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/attempts/{attempt_id}/submit\"",
        "hocvuso_db_pool_connections",
        "hocvuso_evidence_recorded_total{kind=\"lesson\"}",
        "hocvuso_credentials_issued_total{kind=\"course\"}",
        "hocvuso_login_failures_total",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    assert!(
        !text.contains(&cert),
        "a raw path with an id leaked into the metrics"
    );
    // From elsewhere: 404 without the token, 200 with it; a proxied request is not local.
    let far = app
        .send_from(
            "203.0.113.9:40000",
            actix_web::test::TestRequest::get().uri("/metrics"),
        )
        .await;
    assert_eq!(far.status, StatusCode::NOT_FOUND);
    let proxied = app
        .send_from(
            "127.0.0.1:40000",
            actix_web::test::TestRequest::get()
                .uri("/metrics")
                .insert_header(("X-Forwarded-For", "203.0.113.9")),
        )
        .await;
    assert_eq!(proxied.status, StatusCode::NOT_FOUND);
    let wrong = app
        .send_from(
            "203.0.113.9:40000",
            actix_web::test::TestRequest::get()
                .uri("/metrics")
                .insert_header(("Authorization", "Bearer doan-bua")),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let with_token = app
        .send_from(
            "203.0.113.9:40000",
            actix_web::test::TestRequest::get()
                .uri("/metrics")
                .insert_header(("Authorization", "Bearer bi-mat-do-luong")),
        )
        .await;
    assert_eq!(with_token.status, StatusCode::OK);
    Ok(())
}
