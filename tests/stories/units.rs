//! Units, scope, households, mentors, classes, assignments and the dashboard: the ward's staff's
//! stories, and the proof that a manager sees only their own part of the tree.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use actix_web::http::StatusCode;
use hocvuso_server::clock::Clock;
use hocvuso_stories::{fixture_content, Error, TestApp, TestResult};
use serde_json::{json, Value};
use time::OffsetDateTime;

pub(crate) struct Ward {
    pub(crate) admin: String,
    pub(crate) ward: i64,
    pub(crate) to1: i64,
    pub(crate) to2: i64,
    pub(crate) agency: i64,
}

/// A class's start for the stories: tomorrow at 08:00 in Vietnam (classes are scheduled
/// within two years of today), as RFC 3339 and as the form's date.
pub(crate) fn class_day(app: &TestApp) -> (String, String) {
    let day = (app.state.clock.now() + time::Duration::days(1))
        .to_offset(time::macros::offset!(+7))
        .date();
    let date = format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    (format!("{date}T08:00:00+07:00"), date)
}

pub(crate) async fn unit(
    app: &TestApp,
    token: &str,
    parent: Option<i64>,
    code: &str,
    kind: &str,
) -> Result<i64, Error> {
    let r = app
        .post(
            "/api/v1/units",
            Some(token),
            json!({"parent_id": parent, "code": code, "name": format!("Đơn vị {code}"), "kind": kind}),
        )
        .await;
    if r.status != StatusCode::CREATED {
        return Err(format!("unit {code}: {} {}", r.status, r.text()).into());
    }
    r.json()["id"].as_i64().ok_or_else(|| "no id".into())
}

pub(crate) async fn ward(app: &TestApp) -> Result<Ward, Error> {
    let admin = app.admin("quan.tri").await?;
    let province = unit(app, &admin, None, "gia-lai", "province").await?;
    let ward = unit(app, &admin, Some(province), "hoai-nhon-tay", "ward").await?;
    let to1 = unit(app, &admin, Some(ward), "tdp-1", "neighbourhood").await?;
    let to2 = unit(app, &admin, Some(ward), "tdp-2", "neighbourhood").await?;
    let agency = unit(app, &admin, Some(ward), "ubnd", "agency").await?;
    Ok(Ward {
        admin,
        ward,
        to1,
        to2,
        agency,
    })
}

pub(crate) async fn member(app: &TestApp, admin: &str, unit: i64, username: &str) -> TestResult {
    let r = app
        .post(
            &format!("/api/v1/units/{unit}/members"),
            Some(admin),
            json!({"username": username}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(())
}

pub(crate) async fn manager_of(
    app: &TestApp,
    admin: &str,
    unit: i64,
    username: &str,
) -> Result<String, Error> {
    let (_, token) = app.account(username, None, &["learner"]).await?;
    let r = app
        .post(
            &format!("/api/v1/units/{unit}/managers"),
            Some(admin),
            json!({"username": username}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    Ok(token)
}

#[actix_web::test]
async fn a_manager_sees_only_their_subtree_and_gets_404_for_every_other_units_data() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (l1, t1) = app
        .account("nguoi.mot", Some("citizen"), &["learner"])
        .await?;
    let (l2, _) = app
        .account("nguoi.hai", Some("citizen"), &["learner"])
        .await?;
    member(&app, &w.admin, w.to1, "nguoi.mot").await?;
    member(&app, &w.admin, w.to2, "nguoi.hai").await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;

    // Things in tổ 2 that tổ 1's manager must not reach.
    let a2 = app
        .post(
            "/api/v1/assignments",
            Some(&w.admin),
            json!({"course_id": "thu-nghiem", "unit_id": w.to2, "due_on": "2999-12-31"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .ok_or("assignment")?;
    let (_, instr) = app
        .account("giang.vien", None, &["learner", "instructor"])
        .await?;
    let c2 = app
        .post("/api/v1/classes", Some(&instr), json!({"unit_id": w.to2, "course_id": "thu-nghiem", "place": "Nhà văn hóa tổ 2", "starts_at": class_day(&app).0}))
        .await;
    assert_eq!(c2.status, StatusCode::CREATED, "{}", c2.text());
    let c2 = c2.json()["id"].as_i64().ok_or("class")?;

    let units = app.get("/api/v1/units", Some(&m1)).await.json();
    let ids: Vec<i64> = units
        .as_array()
        .ok_or("units")?
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![w.to1]);

    // Every endpoint that returns personal data or figures, for another unit: 404, no hint.
    for path in [
        format!("/api/v1/units/{}", w.to2),
        format!("/api/v1/units/{}/people", w.to2),
        format!("/api/v1/units/{}/people?format=csv", w.to2),
        format!("/api/v1/units/{}/people?format=xlsx", w.to2),
        format!("/api/v1/units/{}", w.ward),
        format!("/api/v1/people/{l2}"),
        format!("/api/v1/dashboard?unit={}", w.to2),
        format!("/api/v1/dashboard?unit={}&format=xlsx", w.ward),
        format!("/api/v1/assignments/{a2}/overdue"),
        format!("/api/v1/assignments/{a2}/overdue?format=csv"),
        format!("/api/v1/classes/{c2}"),
        "/api/v1/units/999999/people".to_owned(),
    ] {
        let r = app.get(&path, Some(&m1)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
        assert_eq!(r.json()["error"], "not_found", "{path}");
        assert!(!r.text().contains("nguoi.hai"), "{path} leaked a name");
    }
    for (path, body) in [
        (
            format!("/api/v1/units/{}/members", w.to2),
            json!({"username": "nguoi.mot"}),
        ),
        (
            format!("/api/v1/units/{}/managers", w.to2),
            json!({"username": "nguoi.mot"}),
        ),
        (
            "/api/v1/assignments".to_owned(),
            json!({"course_id": "thu-nghiem", "unit_id": w.to2, "due_on": "2999-12-31"}),
        ),
        (
            "/api/v1/households".to_owned(),
            json!({"unit_id": w.to2, "code": "ho-x", "name": "Hộ X"}),
        ),
        (format!("/api/v1/assignments/{a2}/remind"), json!({})),
        (format!("/api/v1/people/{l2}/mentor"), json!({})),
        (
            format!("/api/v1/classes/{c2}/attendance"),
            json!({"people": [l1]}),
        ),
    ] {
        let r = app.post(&path, Some(&m1), body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
    }
    let r = app
        .api(
            actix_web::http::Method::PUT,
            &format!("/api/v1/units/{}/eligible", w.to2),
            Some(&m1),
            Some(json!({"group": "citizen", "eligible": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Their own unit works.
    let people = app
        .get(&format!("/api/v1/units/{}/people", w.to1), Some(&m1))
        .await;
    assert_eq!(people.status, StatusCode::OK);
    assert_eq!(people.json()["total"], 1);
    assert_eq!(people.json()["people"][0]["username"], "nguoi.mot");
    let csv = app
        .get(
            &format!("/api/v1/units/{}/people?format=csv", w.to1),
            Some(&m1),
        )
        .await;
    assert!(csv.text().contains("nguoi.mot") && !csv.text().contains("nguoi.hai"));
    assert_eq!(
        app.get(&format!("/api/v1/people/{l1}"), Some(&m1))
            .await
            .status,
        StatusCode::OK
    );
    let d = app
        .get(&format!("/api/v1/dashboard?unit={}", w.to1), Some(&m1))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    assert_eq!(
        app.get("/api/v1/dashboard", Some(&m1)).await.json()["unit"]["id"],
        w.to1
    );

    // A learner manages nothing: the manager's endpoints are not for them, and other people
    // do not exist for them.
    assert_eq!(
        app.get("/api/v1/dashboard", Some(&t1)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/v1/people/{l2}"), Some(&t1))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/people/{l1}"), Some(&t1))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.get("/api/v1/units", Some(&t1)).await.json(), json!([]));

    // The ward's manager sees both tổ and the agency below.
    let wm = manager_of(&app, &w.admin, w.ward, "can.bo.phuong").await?;
    let ids: Vec<i64> = app
        .get("/api/v1/units", Some(&wm))
        .await
        .json()
        .as_array()
        .ok_or("units")?
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![w.ward, w.to1, w.to2, w.agency]);
    assert_eq!(
        app.get(&format!("/api/v1/people/{l2}"), Some(&wm))
            .await
            .status,
        StatusCode::OK
    );
    Ok(())
}

fn figure(d: &Value, path: &[&str]) -> i64 {
    let mut v = d;
    for p in path {
        v = &v[*p];
    }
    v.as_i64().unwrap_or(-1)
}

fn group<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|x| x["group"] == id))
        .unwrap_or(&Value::Null)
}

#[actix_web::test]
async fn the_dashboard_matches_counts_computed_independently_and_a_rebuild() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    // People: citizens in tổ 1 and tổ 2, workers in the agency, one citizen in tổ 1 who also
    // works at the agency (counted once for the ward).
    let mut citizens = Vec::new();
    for i in 0..7 {
        let name = format!("dan.{i}");
        let (id, token) = app.account(&name, Some("citizen"), &["learner"]).await?;
        member(&app, &w.admin, if i < 4 { w.to1 } else { w.to2 }, &name).await?;
        citizens.push((id, token, name));
    }
    member(&app, &w.admin, w.agency, "dan.0").await?;
    let mut workers = Vec::new();
    for i in 0..3 {
        let name = format!("tho.{i}");
        workers.push(app.account(&name, Some("worker"), &["learner"]).await?);
        member(&app, &w.admin, w.agency, &name).await?;
    }
    // Households: dan.0 and dan.1 together in tổ 1, dan.4 alone in tổ 2, and tho.0 (a worker)
    // alone in tổ 2.
    let mut households = Vec::new();
    for (code, unit) in [("ho-1", w.to1), ("ho-2", w.to2), ("ho-3", w.to2)] {
        let r = app
            .post(
                "/api/v1/households",
                Some(&w.admin),
                json!({"unit_id": unit, "code": code, "name": format!("Hộ {code}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        households.push(r.json()["id"].as_i64().ok_or("household")?);
    }
    let (tho0, tho0_token) = workers[0].clone();
    for (h, person) in [
        (households[0], citizens[0].0),
        (households[0], citizens[1].0),
        (households[1], citizens[4].0),
        (households[2], tho0),
    ] {
        let r = app
            .post(
                &format!("/api/v1/households/{h}/members"),
                Some(&w.admin),
                json!({"person_id": person}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // Declared denominator for tổ 2's citizens.
    app.api(
        actix_web::http::Method::PUT,
        &format!("/api/v1/units/{}/eligible", w.to2),
        Some(&w.admin),
        Some(json!({"group": "citizen", "eligible": 10})),
    )
    .await;

    // dan.1 (tổ 1, household 1), dan.4 (tổ 2, household 2) and dan.5 complete the citizen path.
    for who in [1, 4, 5] {
        let (id, token, _) = &citizens[who];
        app.complete_course(token, *id, "thu-nghiem").await?;
    }
    // tho.0, a worker, completes the citizen path's course too: not their group's path (and no
    // worker milestone), but their household is a digital family ("Gia đình số" counts the
    // citizen path, whoever completes it).
    app.complete_course(&tho0_token, tho0, "thu-nghiem").await?;
    // dan.0 joins tổ 2 later, already without a completion: moves between units are counted.
    member(&app, &w.admin, w.to2, "dan.0").await?;

    let d = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let d = d.json();
    // Independently: 7 citizens (dan.0 once), 3 workers; 3 citizens completed and certified.
    assert_eq!(figure(group(&d, "citizen"), &["members"]), 7);
    assert_eq!(figure(group(&d, "worker"), &["members"]), 3);
    assert_eq!(
        figure(group(&d, "citizen"), &["path_completed", "actual"]),
        3
    );
    assert_eq!(figure(group(&d, "citizen"), &["certified", "actual"]), 3);
    assert_eq!(
        figure(group(&d, "worker"), &["path_completed", "actual"]),
        0
    );
    assert_eq!(figure(&d, &["total", "members"]), 10);
    // Digital families, independently: ho-1 (dan.1), ho-2 (dan.4), ho-3 (tho.0's citizen path).
    assert_eq!(figure(&d, &["total", "digital_households", "actual"]), 3);
    assert_eq!(
        figure(&d, &["total", "digital_households", "denominator"]),
        3
    );
    // Denominator of the ward's citizens: tổ 1 has 4 registered (dan.0..3), tổ 2 declared 10,
    // the agency 1 citizen (dan.0): 4 + 10 + 1 = 15, and more than the 7 registered.
    assert_eq!(figure(group(&d, "citizen"), &["eligible"]), 15);
    assert_eq!(group(&d, "citizen")["path_completed"]["percent"], 20.0);
    assert_eq!(
        group(&d, "citizen")["path_completed"]["target"],
        json!(if app.state.clock.now().year() <= 2025 {
            90.0
        } else {
            100.0
        })
    );
    // The ranking of tổ dân phố: tổ 1 has 1 of 4 (25%), tổ 2 has 2 of 10 citizens (20%).
    let ranking: Vec<&str> = d["ranking"]
        .as_array()
        .ok_or("ranking")?
        .iter()
        .filter_map(|r| r["unit"]["code"].as_str())
        .collect();
    assert_eq!(ranking, ["tdp-1", "tdp-2"]);
    let to2 = &d["children"]
        .as_array()
        .ok_or("children")?
        .iter()
        .find(|c| c["unit"]["id"] == w.to2)
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        figure(to2, &["members"]),
        4,
        "dan.4, dan.5, dan.6 and dan.0 who moved in"
    );
    assert_eq!(figure(to2, &["path_completed", "actual"]), 2);
    let trend = d["trend"].as_array().ok_or("trend")?;
    assert_eq!(trend.len(), 12);
    assert_eq!(
        trend.last().map(|p| p["path_completed"].clone()),
        Some(json!(3))
    );

    // The deltas kept on each write equal a rebuild from the base tables.
    app.store.rebuild_aggregates().await?;
    let again = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(again, d);
    let xlsx = app
        .get(
            &format!("/api/v1/dashboard?unit={}&format=xlsx", w.ward),
            Some(&w.admin),
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    Ok(())
}

#[actix_web::test]
async fn a_mentor_registers_neighbours_on_their_phone_and_meets_the_bar_at_five() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (mentor_id, mentor) = app.account("dai.su", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    // Only a mentor may register others.
    let body = |n: usize, consent: bool| json!({"username": format!("hang.xom.{n}"), "display_name": format!("Bà hàng xóm {n}"), "group": "citizen", "birth_year": 1950, "consent": consent, "privacy_notice_version": hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION, "unit_id": w.to1});
    assert_eq!(
        app.post("/api/v1/mentor/registrations", Some(&mentor), body(0, true))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(
            &format!("/api/v1/people/{mentor_id}/mentor"),
            Some(&w.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let refused = app
        .post(
            "/api/v1/mentor/registrations",
            Some(&mentor),
            body(0, false),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["error"], "consent_required");
    let elsewhere = app.post("/api/v1/mentor/registrations", Some(&mentor), json!({"username": "xa.la", "display_name": "Người lạ", "group": "citizen", "consent": true, "privacy_notice_version": hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION, "unit_id": w.to2})).await;
    assert_eq!(
        elsewhere.json()["error"],
        "unknown_unit",
        "only the mentor's own units"
    );

    for n in 0..5 {
        let r = app
            .post("/api/v1/mentor/registrations", Some(&mentor), body(n, true))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_i64().ok_or("id")?;
        assert_eq!(
            app.store.assisted_by(id).await?,
            Some(mentor_id),
            "the record notes who helped"
        );
        let consents = app.store.consents(id).await?;
        assert_eq!(consents[0].method, "assisted");
        let mentees = app
            .get("/api/v1/mentor/mentees", Some(&mentor))
            .await
            .json();
        assert_eq!(mentees.as_array().map(Vec::len), Some(n + 1));
        let d = app
            .get(&format!("/api/v1/dashboard?unit={}", w.to1), Some(&w.admin))
            .await
            .json();
        assert_eq!(d["total"]["mentors_at_bar"]["actual"], 0);
        // No password was set: the neighbour chooses one with the slip's first sign-in code.
        let code = r.json()["sign_in_code"]
            .as_str()
            .ok_or("sign_in_code")?
            .to_owned();
        assert!(app
            .login(&format!("hang.xom.{n}"), "mat-khau-dai")
            .await
            .is_err());
        let reset = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({"username": format!("hang.xom.{n}"), "code": code, "new_password": "mat-khau-dai"}),
            )
            .await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text());
        let token = app.login(&format!("hang.xom.{n}"), "mat-khau-dai").await?;
        app.complete_course(&token, id, "thu-nghiem").await?;
    }
    let mentees = app
        .get("/api/v1/mentor/mentees", Some(&mentor))
        .await
        .json();
    assert!(mentees
        .as_array()
        .ok_or("mentees")?
        .iter()
        .all(|m| m["path_completed_at"].is_string()));
    let d = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(d["total"]["mentors_at_bar"]["actual"], 1);
    assert_eq!(d["total"]["mentors_at_bar"]["denominator"], 1);
    assert_eq!(
        figure(group(&d, "citizen"), &["path_completed", "actual"]),
        5
    );
    // The mentor sees their mentees' records, not anyone else's.
    let (other, _) = app
        .account("nguoi.khac", Some("citizen"), &["learner"])
        .await?;
    assert_eq!(
        app.get(&format!("/api/v1/people/{other}"), Some(&mentor))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let first = mentees[0]["id"].as_i64().ok_or("id")?;
    assert_eq!(
        app.get(&format!("/api/v1/people/{first}"), Some(&mentor))
            .await
            .status,
        StatusCode::OK
    );
    app.store.rebuild_aggregates().await?;
    let again = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(again, d);
    Ok(())
}

#[actix_web::test]
async fn a_class_keeps_attendance_ticked_or_by_the_learners_code() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (mentor_id, mentor) = app
        .account("dai.su", Some("citizen"), &["learner", "mentor"])
        .await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    let (mentee, mentee_token) = app
        .account("hoc.vien", Some("citizen"), &["learner"])
        .await?;
    assert_eq!(
        app.api(
            actix_web::http::Method::PUT,
            "/api/v1/me/mentor",
            Some(&mentee_token),
            Some(json!({"mentor": "dai.su"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(app.store.mentor_of(mentee).await?, Some(mentor_id));
    let (walk_in, walk_in_token) = app.account("khach", Some("citizen"), &["learner"]).await?;
    let (stranger, _) = app
        .account("nguoi.la", Some("citizen"), &["learner"])
        .await?;

    let c = app.post("/api/v1/classes", Some(&mentor), json!({"unit_id": w.to1, "course_id": "thu-nghiem", "place": "Nhà văn hóa tổ 1", "starts_at": class_day(&app).0})).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let c = c.json()["id"].as_i64().ok_or("class")?;
    // Ticking someone the mentor does not know is refused.
    let r = app
        .post(
            &format!("/api/v1/classes/{c}/attendance"),
            Some(&mentor),
            json!({"people": [stranger]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &format!("/api/v1/classes/{c}/attendance"),
            Some(&mentor),
            json!({"people": [mentee]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let code = app
        .get("/api/v1/me/attendance-code", Some(&walk_in_token))
        .await
        .json();
    let code = code["code"].as_str().ok_or("code")?.to_lowercase();
    let r = app
        .post(
            &format!("/api/v1/classes/{c}/attendance"),
            Some(&mentor),
            json!({"code": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Twice changes nothing.
    app.post(
        &format!("/api/v1/classes/{c}/attendance"),
        Some(&mentor),
        json!({"people": [mentee]}),
    )
    .await;
    let detail = app
        .get(&format!("/api/v1/classes/{c}"), Some(&mentor))
        .await
        .json();
    let list: Vec<(i64, String)> = detail["attendance"]
        .as_array()
        .ok_or("attendance")?
        .iter()
        .map(|a| {
            (
                a["user_id"].as_i64().unwrap_or(0),
                a["method"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        list,
        vec![(mentee, "list".to_owned()), (walk_in, "code".to_owned())]
    );
    // The manager of tổ 1 sees the class; tổ 2's manager does not.
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;
    let m2 = manager_of(&app, &w.admin, w.to2, "to.truong.hai").await?;
    assert_eq!(
        app.get(&format!("/api/v1/classes/{c}"), Some(&m1))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/classes/{c}"), Some(&m2))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[actix_web::test]
async fn civil_servants_see_what_is_due_and_their_manager_sees_who_is_overdue() -> TestResult {
    let now = Arc::new(AtomicI64::new(
        time::macros::datetime!(2026-12-01 09:00 +7).unix_timestamp(),
    ));
    let t = now.clone();
    let clock = Clock::from_fn(move || {
        OffsetDateTime::from_unix_timestamp(t.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    });
    let app = TestApp::spawn_with(fixture_content(), clock).await?;
    let w = ward(&app).await?;
    let boss = manager_of(&app, &w.admin, w.agency, "chanh.van.phong").await?;
    let (a_id, a) = app
        .account("cong.chuc.a", Some("citizen"), &["learner"])
        .await?;
    let (_, b) = app
        .account("cong.chuc.b", Some("citizen"), &["learner"])
        .await?;
    member(&app, &w.admin, w.agency, "cong.chuc.a").await?;
    member(&app, &w.admin, w.agency, "cong.chuc.b").await?;

    let past = app
        .post(
            "/api/v1/assignments",
            Some(&boss),
            json!({"course_id": "thu-nghiem", "unit_id": w.agency, "due_on": "2026-11-30"}),
        )
        .await;
    assert_eq!(past.json()["error"], "due_in_past");
    let r = app
        .post(
            "/api/v1/assignments",
            Some(&boss),
            json!({"course_id": "thu-nghiem", "unit_id": w.agency, "due_on": "2026-12-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().ok_or("id")?;

    let due = app.get("/api/v1/me/assignments", Some(&b)).await.json();
    assert_eq!(due[0]["course_id"], "thu-nghiem");
    assert_eq!(due[0]["overdue"], false);
    let notes = app.get("/api/v1/me/notifications", Some(&b)).await.json();
    assert_eq!(notes[0]["kind"], "assigned");

    app.complete_course(&a, a_id, "thu-nghiem").await?;
    assert_eq!(
        app.get(&format!("/api/v1/assignments/{id}/overdue"), Some(&boss))
            .await
            .json(),
        json!([])
    );
    // The due day passes.
    now.store(
        time::macros::datetime!(2026-12-16 00:30 +7).unix_timestamp(),
        Ordering::SeqCst,
    );
    // Sessions have expired meanwhile: everyone signs in again.
    let boss = app.login("chanh.van.phong", "mat-khau-dai").await?;
    let b = app.login("cong.chuc.b", "mat-khau-dai").await?;
    let a = app.login("cong.chuc.a", "mat-khau-dai").await?;
    let late = app
        .get(&format!("/api/v1/assignments/{id}/overdue"), Some(&boss))
        .await
        .json();
    let names: Vec<&str> = late
        .as_array()
        .ok_or("late")?
        .iter()
        .filter_map(|p| p["username"].as_str())
        .collect();
    assert_eq!(names, ["cong.chuc.b"]);
    let csv = app
        .get(
            &format!("/api/v1/assignments/{id}/overdue?format=csv"),
            Some(&boss),
        )
        .await;
    assert!(
        csv.text().contains("cong.chuc.b") && csv.text().contains("15/12/2026"),
        "{}",
        csv.text()
    );
    let xlsx = app
        .get(
            &format!("/api/v1/assignments/{id}/overdue?format=xlsx"),
            Some(&boss),
        )
        .await;
    assert!(xlsx.body.starts_with(b"PK"));
    let due = app.get("/api/v1/me/assignments", Some(&b)).await.json();
    assert_eq!(due[0]["overdue"], true);

    let r = app
        .post(
            &format!("/api/v1/assignments/{id}/remind"),
            Some(&boss),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["reminded"], 1);
    let notes = app.get("/api/v1/me/notifications", Some(&b)).await.json();
    assert_eq!(notes[0]["kind"], "reminder");
    assert_eq!(notes[0]["read"], false);
    app.post("/api/v1/me/notifications/read", Some(&b), json!({}))
        .await;
    assert_eq!(
        app.get("/api/v1/me/notifications", Some(&b)).await.json()[0]["read"],
        true
    );
    let a_notes = app.get("/api/v1/me/notifications", Some(&a)).await.json();
    assert_eq!(
        a_notes.as_array().map(Vec::len),
        Some(1),
        "no reminder for who finished"
    );
    Ok(())
}

/// Signs a browser in (cookies), as the pages are used.
pub(crate) async fn browser_login(app: &TestApp, username: &str) -> TestResult {
    app.page("/login").await;
    let r = app
        .submit_form(
            "/login",
            &[("username", username), ("password", "mat-khau-dai")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    Ok(())
}

#[actix_web::test]
async fn the_staff_pages_work_without_javascript_in_vietnamese() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let (mentor_id, _) = app
        .account("dai.su", Some("citizen"), &["learner", "mentor"])
        .await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    manager_of(&app, &w.admin, w.ward, "can.bo").await?;
    app.account("nguoi.hoc", Some("citizen"), &["learner"])
        .await?;
    member(&app, &w.admin, w.to1, "nguoi.hoc").await?;

    // The ward's officer: dashboard with charts and tables, drill-down, people, assignments.
    browser_login(&app, "can.bo").await?;
    let d = app.page("/dashboard").await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text());
    let html = d.text();
    assert!(
        html.contains("<svg") && html.contains("<table") && hocvuso_stories::needs_no_script(&html)
    );
    assert!(html.contains(r#"id="ranking""#) && html.contains("Đơn vị tdp-1"));
    assert_eq!(
        app.page(&format!("/dashboard?unit={}", w.to1)).await.status,
        StatusCode::OK
    );
    let people = app.page(&format!("/units/{}/people", w.to1)).await;
    assert!(people.text().contains("nguoi.hoc"), "{}", people.text());
    let r = app
        .submit_form(
            &format!("/units/{}/people", w.to1),
            &[
                ("action", "household"),
                ("code", "ho-7"),
                ("name", "Hộ bà Bảy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .submit_form(
            "/assignments",
            &[
                ("course_id", "thu-nghiem"),
                ("unit_id", &w.to1.to_string()),
                ("group", ""),
                ("due_on", "2999-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let a = app.page(&r.location().ok_or("assignment")?).await;
    assert!(a.text().contains("/remind\""), "the reminder button");
    assert_eq!(app.page("/assignments").await.status, StatusCode::OK);
    // The year's percentages are the administrator's; a manager lands on their own unit's
    // targets in people.
    let targets = app.page("/targets").await;
    assert_eq!(targets.status, StatusCode::SEE_OTHER);
    assert!(targets
        .location()
        .is_some_and(|l| l.starts_with(&format!("/units/{}/targets", w.ward))));

    // The mentor: registers a neighbour on their phone, then sees them.
    app.submit_form("/logout", &[]).await;
    browser_login(&app, "dai.su").await?;
    let form = app.page("/mentor/register").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.text().contains(" checked>") || form.text().contains("value=\"citizen\" checked")
    );
    let fields = [
        ("display_name", "Cụ Nguyễn Văn Tám"),
        ("username", "cu.tam"),
        ("group", "citizen"),
        ("birth_year", "1948"),
        ("household", ""),
    ];
    let refused = app.submit_form("/mentor/register", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains(r#"data-field-error="consent""#));
    let mut with_consent = fields.to_vec();
    with_consent.push(("consent", "yes"));
    let unit = w.to1.to_string();
    with_consent.push(("unit_id", &unit));
    let ok = app.submit_form("/mentor/register", &with_consent).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert!(
        ok.text().contains("data-code>"),
        "the first sign-in slip: {}",
        ok.text()
    );
    let mentor_page = app.page("/mentor").await.text();
    assert!(
        mentor_page.contains("Cụ Nguyễn Văn Tám") && mentor_page.contains("0&#x2F;1"),
        "{mentor_page}"
    );
    assert!(app.page("/dashboard").await.status == StatusCode::FORBIDDEN);
    let classes = app.page("/classes").await;
    assert_eq!(classes.status, StatusCode::OK);
    let r = app
        .submit_form(
            "/classes",
            &[
                ("unit_id", &unit),
                ("course_id", "thu-nghiem"),
                ("place", "Nhà văn hóa"),
                ("date", &class_day(&app).1),
                ("time", "08:00"),
            ],
        )
        .await;
    let class_path = r.location().ok_or("class")?;
    let tam = app.store.user_by_username("cu.tam").await?.ok_or("tam")?;
    let r = app
        .submit_form(
            &format!("{class_path}/attendance"),
            &[("p", &tam.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app
        .page(&class_path)
        .await
        .text()
        .contains(r#"id="present" data-count="1""#));
    let _ = mentor_id;

    // A learner: what is due, notifications, the profile with the attendance QR code.
    app.submit_form("/logout", &[]).await;
    browser_login(&app, "nguoi.hoc").await?;
    let due = app.page("/due").await.text();
    assert!(
        due.contains("Khóa học thử nghiệm") && due.contains(r#"<li data-kind="assigned">"#),
        "{due}"
    );
    let profile = app.page("/profile").await.text();
    assert!(profile.contains("<svg") && profile.contains(r#"id="code-title""#));
    assert_eq!(app.page("/dashboard").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.page(&format!("/units/{}/people", w.to1)).await.status,
        StatusCode::NOT_FOUND
    );

    // The learner's QR code opens the check-in page on the organiser's phone.
    let learner = app
        .store
        .user_by_username("nguoi.hoc")
        .await?
        .ok_or("learner")?;
    let code = app
        .store
        .attendance_code(learner.id, "UNUSED".into())
        .await?;
    assert!(profile.contains(&code));
    app.submit_form("/logout", &[]).await;
    browser_login(&app, "dai.su").await?;
    let check_in = app
        .page(&format!("/check-in/{}", code.to_lowercase()))
        .await;
    assert_eq!(check_in.status, StatusCode::OK, "{}", check_in.text());
    assert!(check_in.text().contains("Người nguoi.hoc"));
    let class_id = class_path.trim_start_matches("/classes/");
    let r = app
        .submit_form(
            &format!("/classes/{class_id}/attendance"),
            &[("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(app
        .page(&class_path)
        .await
        .text()
        .contains(r#"id="present" data-count="2""#));
    assert_eq!(
        app.page("/check-in/KHONGCOMA00").await.status,
        StatusCode::NOT_FOUND
    );

    // The administrator sets a target.
    app.submit_form("/logout", &[]).await;
    let hash = app
        .state
        .hasher
        .hash("mat-khau-dai")
        .map_err(|e| e.to_string())?;
    app.store
        .create_user(
            hocvuso_store::NewUser {
                username: "admin2".into(),
                display_name: "Quản trị".into(),
                password_hash: hash,
                group: None,
                birth_year: None,
                roles: vec!["admin".into(), "learner".into()],
                created_at: app.state.clock.now(),
            },
            Vec::new(),
        )
        .await?;
    browser_login(&app, "admin2").await?;
    assert_eq!(app.page("/targets").await.status, StatusCode::OK);
    let r = app
        .submit_form(
            "/targets",
            &[("year", "2026"), ("t:citizen:path_completed", "95,5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let targets = app.page("/targets?year=2026").await.text();
    assert!(targets.contains("value=\"95.5\""), "{targets}");
    Ok(())
}

async fn count(app: &TestApp, sql: &str) -> Result<i64, Error> {
    use sea_orm::ConnectionTrait;
    let c = app.store.connection();
    let row = c
        .query_one(sea_orm::Statement::from_string(
            c.get_database_backend(),
            sql.to_owned(),
        ))
        .await?
        .ok_or("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

#[actix_web::test]
async fn the_dashboard_on_seeded_data_matches_counts_taken_from_the_base_tables() -> TestResult {
    let app = TestApp::spawn().await?;
    let catalog = app.state.catalog();
    let citizen = catalog
        .group(hocvuso_course::CITIZEN_GROUP)
        .ok_or("no citizen group")?;
    let citizen_path = citizen
        .path
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",");
    let citizen_len = citizen.path.len();
    let hash = app
        .state
        .hasher
        .hash("mat-khau-dai")
        .map_err(|e| e.to_string())?;
    let seeded = hocvuso_server::seed::seed(
        &app.store,
        &app.state.catalog(),
        &hash,
        hocvuso_server::seed::Options {
            learners: 1_200,
            seed: 42,
            today: app.state.clock.now(),
            issuer: Some(app.state.issuer.as_ref()),
        },
        |_| {},
    )
    .await?;
    assert!(seeded.progress_records > 0);
    // Every seeded completion carries a real credential and its ledger entry.
    let completions = count(&app, "select count(*) from course_completions").await?;
    assert!(completions > 0);
    assert_eq!(seeded.credentials, completions as u64);
    let head = hocvuso_credentials::ledger::verify_chain(&app.store.ledger_records().await?)
        .map_err(|b| format!("the seeded ledger breaks at {}", b.seq))?;
    assert_eq!(head.seq, completions as u64);
    let jwt: String = {
        use sea_orm::ConnectionTrait;
        let row = app
            .store
            .connection()
            .query_one(sea_orm::Statement::from_string(
                app.store.backend(),
                "select credential from course_completions order by id desc limit 1",
            ))
            .await?
            .ok_or("no completion")?;
        row.try_get_by_index(0)?
    };
    let v = app
        .post("/api/v1/credentials/verify", None, json!({ "jwt": jwt }))
        .await
        .json();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(
        count(&app, "select count(*) from users").await?,
        count(&app, "select count(*) from learner_status").await?,
        "every account has its status row"
    );
    let admin = app.login("quan.tri", "mat-khau-dai").await?;
    let units = app.get("/api/v1/units", Some(&admin)).await.json();
    let units = units.as_array().ok_or("units")?;
    let id_of = |code: &str| {
        units
            .iter()
            .find(|u| u["code"] == code)
            .and_then(|u| u["id"].as_i64())
    };
    let ward = id_of("hoai-nhon-tay").ok_or("ward")?;
    let mut checked = vec![(
        ward,
        units
            .iter()
            .filter(|u| u["parent_id"] == ward || u["id"] == ward)
            .filter_map(|u| u["id"].as_i64())
            .collect::<Vec<i64>>(),
    )];
    for code in ["tdp-1", "tdp-7", "ubnd", "thcs-hoai-nhon-tay"] {
        let id = id_of(code).ok_or("unit")?;
        checked.push((id, vec![id]));
    }
    for (unit, subtree) in checked {
        let ids = subtree
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let people = format!("select distinct user_id from unit_members where unit_id in ({ids})");
        let d = app
            .get(&format!("/api/v1/dashboard?unit={unit}"), Some(&admin))
            .await
            .json();
        let t = &d["total"];
        assert_eq!(
            t["members"].as_i64(),
            Some(count(&app, &format!("select count(*) from learner_status where group_id is not null and user_id in ({people})")).await?),
            "members of {unit}"
        );
        assert_eq!(
            t["path_completed"]["actual"].as_i64(),
            Some(count(&app, &format!("select count(*) from learner_status where path_completed_at is not null and user_id in ({people})")).await?),
            "completed paths in {unit}"
        );
        assert_eq!(
            t["certified"]["actual"].as_i64(),
            Some(count(&app, &format!("select count(*) from learner_status where certified_at is not null and user_id in ({people})")).await?),
            "certified in {unit}"
        );
        assert_eq!(
            t["digital_households"]["denominator"].as_i64(),
            Some(
                count(
                    &app,
                    &format!("select count(*) from households where unit_id in ({ids})")
                )
                .await?
            ),
            "households in {unit}"
        );
        assert_eq!(
            t["digital_households"]["actual"].as_i64(),
            // A member with an unrevoked completion of every course on the citizen path,
            // counted from the completions themselves.
            Some(count(&app, &format!("select count(distinct h.id) from households h join household_members hm on hm.household_id = h.id where h.unit_id in ({ids}) and (select count(distinct c.course_id) from course_completions c where c.user_id = hm.user_id and c.revoked_at is null and c.course_id in ({citizen_path})) = {citizen_len}")).await?),
            "digital households in {unit}"
        );
        let mentors = format!("select r.user_id from user_roles r where r.role = 'mentor' and r.user_id in ({people})");
        assert_eq!(
            t["mentors_at_bar"]["denominator"].as_i64(),
            Some(count(&app, &format!("select count(*) from ({mentors}) m")).await?),
            "mentors in {unit}"
        );
        assert_eq!(
            t["mentors_at_bar"]["actual"].as_i64(),
            Some(count(&app, &format!("select count(*) from ({mentors}) m where (select count(*) from mentor_links l join learner_status s on s.user_id = l.mentee_id where l.mentor_id = m.user_id and s.path_completed_at is not null) >= 5")).await?),
            "mentors at the bar in {unit}"
        );
        let per_group: i64 = d["groups"]
            .as_array()
            .ok_or("groups")?
            .iter()
            .filter_map(|g| g["path_completed"]["actual"].as_i64())
            .sum();
        assert_eq!(Some(per_group), t["path_completed"]["actual"].as_i64());
    }
    // Seeding the same database twice is refused.
    let again = hocvuso_server::seed::seed(
        &app.store,
        &app.state.catalog(),
        &hash,
        hocvuso_server::seed::Options {
            learners: 10,
            seed: 42,
            today: app.state.clock.now(),
            issuer: Some(app.state.issuer.as_ref()),
        },
        |_| {},
    )
    .await;
    assert!(again.is_err());
    Ok(())
}

async fn snapshot(app: &TestApp) -> Result<(i64, i64, i64, i64, i64), Error> {
    Ok((
        count(app, "select count(*) from users").await?,
        count(app, "select count(*) from unit_members").await?,
        count(app, "select count(*) from households").await?,
        count(app, "select count(*) from household_members").await?,
        count(
            app,
            "select cast(coalesce(sum(value), 0) as bigint) from unit_stats",
        )
        .await?,
    ))
}

async fn import(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    content_type: &str,
    dry_run: bool,
) -> hocvuso_stories::Reply {
    use actix_web::test::TestRequest;
    let req = TestRequest::post()
        .uri(&format!("/api/v1/import?dry_run={dry_run}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", content_type.to_owned()))
        .set_payload(body);
    app.send(req).await
}

#[actix_web::test]
async fn people_import_from_csv_and_xlsx_with_a_dry_run_and_twice_changes_nothing() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let csv = "name,username,group,unit,household,birth_year\n\
               Nguyễn Văn Một,0905 123 456,citizen,tdp-1,ho-tdp1-01,1960\n\
               Trần Thị Hai,+84 905.123.457,Người dân,tdp-1,ho-tdp1-01,1962\n\
               Lê Văn Ba,le.van.ba,worker,ubnd,,\n";
    let users_before = count(&app, "select count(*) from users").await?;
    let dry = import(&app, &w.admin, csv.as_bytes().to_vec(), "text/csv", true).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text());
    assert_eq!(dry.json()["new_people"], 3);
    assert_eq!(dry.json()["new_households"], 1);
    assert_eq!(dry.json()["written"], false);
    assert_eq!(
        count(&app, "select count(*) from users").await?,
        users_before,
        "a dry run writes nothing"
    );

    let done = import(&app, &w.admin, csv.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(done.json()["written"], true, "{}", done.text());
    let phone = app
        .store
        .user_by_username("0905123457")
        .await?
        .ok_or("phone as username")?;
    assert_eq!(phone.display_name, "Trần Thị Hai");
    assert_eq!(
        app.store.household_of(phone.id).await?.map(|h| h.code),
        Some("ho-tdp1-01".into())
    );
    let after_first = snapshot(&app).await?;
    let again = import(&app, &w.admin, csv.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["new_people"], 0);
    assert_eq!(again.json()["existing_people"], 3);
    assert_eq!(
        snapshot(&app).await?,
        after_first,
        "importing the same file twice changes nothing"
    );
    let d = app
        .get(
            &format!("/api/v1/dashboard?unit={}", w.ward),
            Some(&w.admin),
        )
        .await
        .json();
    assert_eq!(d["total"]["members"], 3);
    assert_eq!(d["total"]["digital_households"]["denominator"], 1);

    // XLSX, the same columns.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in ["Họ và tên", "Số điện thoại", "Nhóm", "Đơn vị", "Năm sinh"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h)?;
    }
    sheet.write_string(1, 0, "Phạm Thị Bốn")?;
    sheet.write_number(1, 1, 912345678.0)?;
    sheet.write_string(1, 2, "citizen")?;
    sheet.write_string(1, 3, "tdp-2")?;
    sheet.write_number(1, 4, 1970.0)?;
    let x = import(
        &app,
        &w.admin,
        wb.save_to_buffer()?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        false,
    )
    .await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.text());
    assert!(app.store.user_by_username("912345678").await?.is_some());

    // Bad input: row-numbered problems, nothing written.
    let before = snapshot(&app).await?;
    let wrong_columns = import(
        &app,
        &w.admin,
        b"name,email,group\nA,a@b,citizen\n".to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(wrong_columns.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = wrong_columns.json()["problems"].clone();
    assert!(problems
        .as_array()
        .ok_or("problems")?
        .iter()
        .all(|p| p["line"] == 1));
    assert!(
        problems.to_string().contains("unknown_column")
            && problems.to_string().contains("missing_column")
    );
    let bad = "name,username,group,unit\n\
               Người Tốt,nguoi.tot,citizen,tdp-1\n\
               Người Lạ,nguoi.la,citizen,khong-co\n\
               Trùng Tên,nguoi.tot,citizen,tdp-1\n\
               ,trong.ten,citizen,tdp-1\n\
               Sai Nhóm,sai.nhom,farmer,tdp-1\n\
               Lê Văn Ba Khác,le.van.ba,worker,ubnd\n";
    let r = import(&app, &w.admin, bad.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let lines: Vec<(i64, String)> = r.json()["problems"]
        .as_array()
        .ok_or("problems")?
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().unwrap_or(0),
                p["error"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (3, "unknown_unit".to_owned()),
            (4, "duplicate_person".to_owned()),
            (5, "invalid_display_name".to_owned()),
            (6, "unknown_group".to_owned()),
            (7, "person_mismatch".to_owned()),
        ]
    );
    let mut latin1 = b"name,username,group,unit\nA B,a.b,citizen,tdp-1\n".to_vec();
    latin1.extend_from_slice(b"Nguy\xe9n,c.d,citizen,tdp-1\n");
    let r = import(&app, &w.admin, latin1, "text/csv", false).await;
    assert_eq!(r.json()["problems"][0]["line"], 3);
    assert_eq!(r.json()["problems"][0]["error"], "invalid_encoding");
    assert_eq!(
        snapshot(&app).await?,
        before,
        "a file with problems writes nothing"
    );

    // A manager cannot import into another unit, and learns nothing about it.
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;
    let r = import(
        &app,
        &m1,
        b"name,username,group,unit\nX Y,x.y,citizen,tdp-2\n".to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(r.json()["problems"][0]["error"], "unknown_unit");
    let r = import(
        &app,
        &m1,
        b"name,username,group,unit\nX Y,x.y,citizen,khong-co\n".to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(r.json()["problems"][0]["error"], "unknown_unit");
    Ok(())
}

#[actix_web::test]
async fn the_import_page_takes_a_file_and_shows_problems_by_row() -> TestResult {
    let app = TestApp::spawn().await?;
    ward(&app).await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[("username", "quan.tri"), ("password", "mat-khau-quan-tri")],
    )
    .await;
    let form = app.page("/import").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    assert!(form.text().contains("multipart/form-data"));
    let boundary = "XyZbOuNdArY";
    let csv = "name,username,group,unit\nNgười Tốt,nguoi.tot,citizen,tdp-1\nNgười Lạ,nguoi.la,citizen,khong-co\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\nyes\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ds.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
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
    assert!(r.text().contains(r#"data-line="3""#), "{}", r.text());
    assert!(app.store.user_by_username("nguoi.tot").await?.is_none());
    Ok(())
}

#[actix_web::test]
async fn an_imported_person_signs_in_for_the_first_time_with_their_manager() -> TestResult {
    let app = TestApp::spawn().await?;
    let w = ward(&app).await?;
    let m1 = manager_of(&app, &w.admin, w.to1, "to.truong.mot").await?;
    let r = import(
        &app,
        &m1,
        "name,username,group,unit\nCụ Lê Thị Chín,0905000999,citizen,tdp-1\n"
            .as_bytes()
            .to_vec(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(r.json()["written"], true, "{}", r.text());
    let id = app
        .store
        .user_by_username("0905000999")
        .await?
        .ok_or("imported")?
        .id;
    assert!(
        app.login("0905000999", "!").await.is_err(),
        "no password works before activation"
    );
    let people = app
        .get(&format!("/api/v1/units/{}/people", w.to1), Some(&m1))
        .await
        .json();
    assert_eq!(people["people"][0]["active"], false);
    // The page, as the manager's phone shows it.
    browser_login(&app, "to.truong.mot").await?;
    let people_page = app.page(&format!("/units/{}/people", w.to1)).await.text();
    assert!(people_page.contains(&format!("/people/{id}/activate")));
    let form = app.page(&format!("/people/{id}/activate")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    assert!(form.text().contains("Cụ Lê Thị Chín"));
    let refused = app
        .submit_form(
            &format!("/people/{id}/activate"),
            &[("password", "mot mat khau dai")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = |consent: bool| json!({"password": "mot mat khau dai", "consent": consent, "privacy_notice_version": hocvuso_server::app::accounts::PRIVACY_NOTICE_VERSION});
    let r = app
        .post(
            &format!("/api/v1/people/{id}/activate"),
            Some(&m1),
            body(false),
        )
        .await;
    assert_eq!(r.json()["error"], "consent_required");
    // Another tổ's manager cannot reach them.
    let m2 = manager_of(&app, &w.admin, w.to2, "to.truong.hai").await?;
    assert_eq!(
        app.post(
            &format!("/api/v1/people/{id}/activate"),
            Some(&m2),
            body(true)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            &format!("/api/v1/people/{id}/activate"),
            Some(&m1),
            body(true),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(app.store.consents(id).await?[0].method, "assisted");
    assert!(app.store.assisted_by(id).await?.is_some());
    app.login("0905000999", "mot mat khau dai").await?;
    let again = app
        .post(
            &format!("/api/v1/people/{id}/activate"),
            Some(&m1),
            body(true),
        )
        .await;
    assert_eq!(again.json()["error"], "already_active");
    Ok(())
}

async fn ward_dashboard(app: &TestApp, admin: &str, ward: i64) -> Result<Value, Error> {
    let d = app
        .get(&format!("/api/v1/dashboard?unit={ward}"), Some(admin))
        .await;
    if d.status != StatusCode::OK {
        return Err(format!("dashboard: {} {}", d.status, d.text()).into());
    }
    Ok(d.json())
}

#[actix_web::test]
async fn a_revoked_certificate_lowers_every_dashboard_figure_it_counted_in_and_a_rebuild_agrees(
) -> TestResult {
    let app = TestApp::spawn().await?;
    app.tampered(
        "the story writes a revocation in SQL, behind the ledger, for the rebuild to take back",
    );
    let w = ward(&app).await?;
    let (mentor_id, _) = app.account("dai.su", Some("citizen"), &["learner"]).await?;
    member(&app, &w.admin, w.to1, "dai.su").await?;
    let r = app
        .post(
            &format!("/api/v1/people/{mentor_id}/mentor"),
            Some(&w.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Five neighbours in tổ 1, all mentored by dai.su; dan.0 is the only one of household ho-1
    // who studies.
    let r = app
        .post(
            "/api/v1/households",
            Some(&w.admin),
            json!({"unit_id": w.to1, "code": "ho-1", "name": "Hộ ho-1"}),
        )
        .await;
    let household = r.json()["id"].as_i64().ok_or("household")?;
    let mut certs = Vec::new();
    for i in 0..5 {
        let name = format!("dan.{i}");
        let (id, token) = app.account(&name, Some("citizen"), &["learner"]).await?;
        member(&app, &w.admin, w.to1, &name).await?;
        let r = app
            .api(
                actix_web::http::Method::PUT,
                "/api/v1/me/mentor",
                Some(&token),
                Some(json!({"mentor": "dai.su"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        if i == 0 {
            let r = app
                .post(
                    &format!("/api/v1/households/{household}/members"),
                    Some(&w.admin),
                    json!({"person_id": id}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        certs.push((id, app.complete_fixture_course(&token).await?));
    }
    let figures = |d: &Value| {
        (
            figure(group(d, "citizen"), &["path_completed", "actual"]),
            figure(group(d, "citizen"), &["certified", "actual"]),
            figure(d, &["total", "digital_households", "actual"]),
            figure(d, &["total", "mentors_at_bar", "actual"]),
            d["trend"]
                .as_array()
                .and_then(|t| t.last())
                .map(|p| (p["path_completed"].clone(), p["certified"].clone())),
        )
    };
    let before = ward_dashboard(&app, &w.admin, w.ward).await?;
    assert_eq!(figures(&before), (5, 5, 1, 1, Some((json!(5), json!(5)))));

    // The administrator revokes dan.0's certificate: dan.0 no longer completed the path nor
    // passed the final test, ho-1 is no longer a digital family, dai.su has 4 mentees who
    // completed: below the bar.
    let (dan0, cert) = &certs[0];
    let r = app
        .post(
            &format!("/api/v1/admin/certificates/{cert}/revoke"),
            Some(&w.admin),
            json!({"reason": "Bài kiểm tra do người khác làm hộ"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = ward_dashboard(&app, &w.admin, w.ward).await?;
    assert_eq!(figures(&after), (4, 4, 0, 0, Some((json!(4), json!(4)))));
    let status = app.store.learner_status(*dan0).await?.ok_or("status")?;
    assert_eq!(
        (
            status.path_completed_at,
            status.certified_at,
            status.citizen_path_at
        ),
        (None, None, None)
    );
    // Tổ 1's own figures went down too.
    let to1 = ward_dashboard(&app, &w.admin, w.to1).await?;
    assert_eq!(
        figure(group(&to1, "citizen"), &["path_completed", "actual"]),
        4
    );

    // A rebuild from scratch finds the same: revoked completions count for nothing.
    assert_eq!(
        app.store
            .rebuild_milestones(&app.state.catalog().groups)
            .await?,
        0
    );
    app.store.rebuild_aggregates().await?;
    assert_eq!(ward_dashboard(&app, &w.admin, w.ward).await?, after);

    // A revocation the counters never saw (written behind the platform's back, as one made
    // before revocations lowered the counters): the rebuild takes dan.1's milestones back.
    let (_, cert1) = &certs[1];
    app.store
        .execute_raw(&format!(
            "UPDATE course_completions SET revoked_at = completed_at WHERE certificate_id = '{cert1}'"
        ))
        .await?;
    assert_eq!(
        app.store
            .rebuild_milestones(&app.state.catalog().groups)
            .await?,
        1
    );
    app.store.rebuild_aggregates().await?;
    let rebuilt = ward_dashboard(&app, &w.admin, w.ward).await?;
    assert_eq!(figures(&rebuilt), (3, 3, 0, 0, Some((json!(3), json!(3)))));
    Ok(())
}

#[actix_web::test]
async fn a_batch_of_targets_with_one_bad_target_changes_none_of_them() -> TestResult {
    let app = TestApp::spawn().await?;
    let admin = app.admin("quan.tri").await?;
    async fn targets(app: &TestApp, admin: String) -> Value {
        app.get("/api/v1/targets?year=2027", Some(&admin))
            .await
            .json()
    }
    let (app_ref, admin_ref) = (&app, admin.as_str());
    let put = move |body: Value| {
        app_ref.api(
            actix_web::http::Method::PUT,
            "/api/v1/targets",
            Some(admin_ref),
            Some(body),
        )
    };
    let r = put(json!([
        {"year": 2027, "group": "citizen", "metric": "path_completed", "percent": 70.0},
        {"year": 2027, "group": "*", "metric": "digital_households", "percent": 60.0},
    ]))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let saved = targets(&app, admin.clone()).await;

    // Two good targets, then one for a group that does not exist: nothing is written.
    let r = put(json!([
        {"year": 2027, "group": "citizen", "metric": "path_completed", "percent": 95.0},
        {"year": 2027, "group": "citizen", "metric": "certified", "percent": 85.0},
        {"year": 2027, "group": "khong-co", "metric": "path_completed", "percent": 50.0},
    ]))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "unknown_group");
    assert_eq!(targets(&app, admin.clone()).await, saved);
    // A bad percent last: the same.
    let r = put(json!([
        {"year": 2027, "group": "*", "metric": "digital_households", "percent": 90.0},
        {"year": 2027, "group": "citizen", "metric": "certified", "percent": 101.0},
    ]))
    .await;
    assert_eq!(r.json()["error"], "invalid_percent");
    assert_eq!(targets(&app, admin.clone()).await, saved);

    // The page's form: a value that is not a number after a good one changes nothing either.
    app.page("/login").await;
    let r = app
        .submit_form(
            "/login",
            &[("username", "quan.tri"), ("password", "mat-khau-quan-tri")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    app.page("/targets?year=2027").await;
    let r = app
        .submit_form(
            "/targets",
            &[
                ("year", "2027"),
                ("t:citizen:path_completed", "99"),
                ("t:citizen:certified", "nhiều"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(targets(&app, admin.clone()).await, saved);
    Ok(())
}
