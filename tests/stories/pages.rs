//! The pages, driven as a browser without JavaScript would: cookies, forms, redirects.

use actix_web::http::StatusCode;
use hocvuso_stories::{html_escaped, t, TestApp, TestResult};

async fn register_in_browser(app: &TestApp) -> TestResult {
    let form = app.page("/register").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        app.has_cookie("hvs_csrf"),
        "the form page sets the CSRF cookie"
    );
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
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location().as_deref(), Some("/courses"));
    assert!(app.has_cookie("hvs_session"));
    Ok(())
}

#[actix_web::test]
async fn registration_needs_the_consent_box_ticked() -> TestResult {
    let app = TestApp::spawn().await?;
    let page = app.page("/register").await.text();
    assert!(page.contains("lang=\"vi\""));
    assert!(page.contains("name=\"consent\""));
    assert!(!page.contains("checked"), "no box may be ticked in advance");
    let r = app
        .submit_form(
            "/register",
            &[
                ("display_name", "Trần Văn Tư"),
                ("username", "ong.tu"),
                ("password", "mat-khau-dai"),
                ("group", "citizen"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains(r#"data-error="consent_required""#), "{html}");
    assert!(html.contains("value=\"ong.tu\""), "what was typed is kept");
    assert!(
        !html.contains("mat-khau-dai"),
        "the password is never sent back"
    );
    assert!(!app.has_cookie("hvs_session"));
    register_in_browser(&app).await?;
    Ok(())
}

#[actix_web::test]
async fn a_form_without_the_csrf_token_is_refused() -> TestResult {
    let app = TestApp::spawn().await?;
    app.page("/login").await;
    let r = app
        .post_form_raw("/login", &[("username", "a"), ("password", "b")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains(r#"data-error="csrf_failed""#));
    let r = app
        .post_form_raw(
            "/login",
            &[("csrf", "0000"), ("username", "a"), ("password", "b")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[actix_web::test]
async fn a_learner_studies_and_passes_a_quiz_in_the_pages() -> TestResult {
    let app = TestApp::spawn().await?;
    register_in_browser(&app).await?;
    let catalog = app.page("/courses").await;
    assert_eq!(catalog.status, StatusCode::OK);
    assert!(catalog.text().contains("Khóa học thử nghiệm"));

    let course = app.page("/courses/thu-nghiem").await.text();
    assert!(course.contains("Mật khẩu an toàn"));

    let lesson = app.page("/courses/thu-nghiem/lessons/mat-khau").await;
    let html = lesson.text();
    assert!(html.contains("<strong>câu dài</strong>"), "{html}");
    let r = app
        .submit_form("/courses/thu-nghiem/lessons/mat-khau/complete", &[])
        .await;
    assert_eq!(
        r.location().as_deref(),
        Some("/courses/thu-nghiem/lessons/ma-otp")
    );
    assert!(
        !html.contains("lesson-sources"),
        "a lesson without sources has no sources section"
    );
    let lesson2 = app.page("/courses/thu-nghiem/lessons/ma-otp").await.text();
    assert!(
        !lesson2.contains("<script>alert"),
        "raw HTML in lessons is sanitised"
    );
    // The lesson's sources close the page, under their heading, as text (escaped).
    let sources = lesson2
        .split("id=\"lesson-sources\"")
        .nth(1)
        .ok_or("a sources section")?
        // Tera escapes "/" too; the rest of the escaping is what this checks.
        .replace("&#x2F;", "/");
    assert!(
        sources.contains("<li>Nghị định 91/2020/NĐ-CP ngày 14/8/2020 về chống tin nhắn rác, thư điện tử rác, cuộc gọi rác &lt;b&gt;</li>"),
        "{sources}"
    );
    assert!(sources.contains("<li>Thông tư 22/2021/TT-BTTTT ngày 13/12/2021</li>"));
    app.submit_form("/courses/thu-nghiem/lessons/ma-otp/complete", &[])
        .await;

    let start = app
        .submit_form("/courses/thu-nghiem/quizzes/kiem-tra/start", &[])
        .await;
    let attempt_path = start.location().ok_or("redirect to the attempt")?;
    let attempt_id = attempt_path.trim_start_matches("/attempts/").to_owned();
    let form = app.page(&attempt_path).await.text();
    assert!(form.contains(&format!("action=\"{attempt_path}/submit\"")));

    // Fill in the form from the key, the way a learner who studied would.
    let user = app.store.user_by_username("ong.tu").await?.ok_or("user")?;
    let key = app.key_for(&attempt_id, user.id).await?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for (qid, answer) in &key {
        match answer {
            // Ordering: the form numbers each item.
            serde_json::Value::Array(ids)
                if ids
                    .first()
                    .and_then(|i| i.as_str())
                    .is_some_and(|i| form.contains(&format!("name=\"a:{qid}:{i}\""))) =>
            {
                for (pos, id) in ids.iter().enumerate() {
                    fields.push((
                        format!("a:{qid}:{}", id.as_str().unwrap_or("")),
                        (pos + 1).to_string(),
                    ));
                }
            }
            serde_json::Value::Array(ids) => {
                for id in ids {
                    fields.push((format!("a:{qid}"), id.as_str().unwrap_or("").to_owned()));
                }
            }
            serde_json::Value::Bool(b) => fields.push((format!("a:{qid}"), b.to_string())),
            // Hotspot with named places: the radio button of the right place.
            serde_json::Value::Object(map) if map.contains_key("place") => {
                fields.push((format!("a:{qid}:place"), map["place"].to_string()));
            }
            // Hotspot: an image input posts the tap as name.x and name.y.
            serde_json::Value::Object(map) if map.contains_key("x") && map.contains_key("y") => {
                fields.push((format!("a:{qid}.x"), map["x"].to_string()));
                fields.push((format!("a:{qid}.y"), map["y"].to_string()));
            }
            serde_json::Value::Object(map) => {
                for (left, right) in map {
                    fields.push((
                        format!("a:{qid}:{left}"),
                        right.as_str().unwrap_or("").to_owned(),
                    ));
                }
            }
            serde_json::Value::Number(n) => fields.push((format!("a:{qid}"), n.to_string())),
            serde_json::Value::String(s) => fields.push((format!("a:{qid}"), s.clone())),
            serde_json::Value::Null => {}
        }
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let submitted = app
        .submit_form(&format!("{attempt_path}/submit"), &borrowed)
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    let result = app.page(&attempt_path).await.text();
    assert!(
        result.contains(r#"data-result="passed" data-score="100"#),
        "{result}"
    );
    assert!(
        result.contains("href=\"/verify/"),
        "the course completed: {result}"
    );

    let certificates = app.page("/certificates").await.text();
    assert!(certificates.contains("Khóa học thử nghiệm"));
    assert!(certificates.contains("/pdf\" download>"));
    assert!(result.contains("/pdf\" download>"));
    let progress = app.page("/progress").await.text();
    assert!(progress.contains("2/2"));
    Ok(())
}

#[actix_web::test]
async fn pages_that_need_a_login_send_visitors_to_it() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.page("/courses/thu-nghiem").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location().as_deref(),
        Some("/login?next=%2Fcourses%2Fthu-nghiem")
    );
    Ok(())
}

#[actix_web::test]
async fn login_and_logout_in_the_browser() -> TestResult {
    let app = TestApp::spawn().await?;
    app.learner("ba.lan").await?;
    app.page("/login").await;
    let wrong = app
        .submit_form(
            "/login",
            &[
                ("username", "ba.lan"),
                ("password", "sai-mat-khau"),
                ("next", "/progress"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains(r#"data-error="invalid_credentials""#));
    let ok = app
        .submit_form(
            "/login",
            &[
                ("username", "ba.lan"),
                ("password", "mat-khau-dai"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(
        ok.location().as_deref(),
        Some("/courses"),
        "no open redirect"
    );
    assert!(app.has_cookie("hvs_session"));
    let out = app.submit_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!app.has_cookie("hvs_session"));
    Ok(())
}

#[actix_web::test]
async fn public_pages_render_in_vietnamese() -> TestResult {
    let app = TestApp::spawn().await?;
    for (path, key) in [
        ("/", "home.title"),
        ("/login", "login.title"),
        ("/register", "register.title"),
        ("/privacy", "privacy.title"),
        ("/verify", "verify.title"),
    ] {
        let text = html_escaped(&t(key));
        let r = app.page(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text().contains(&text), "{path} lacks {text}");
        assert!(
            r.headers.get("content-security-policy").is_some(),
            "{path} has no CSP"
        );
    }
    let missing = app.page("/khong-co-trang-nay").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains(r#"data-error="not_found""#));
    let css = app.page("/static/site.css").await;
    assert_eq!(css.status, StatusCode::OK);
    Ok(())
}

#[actix_web::test]
async fn the_admin_page_is_for_admins() -> TestResult {
    let app = TestApp::spawn().await?;
    register_in_browser(&app).await?;
    let r = app.page("/admin").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[actix_web::test]
async fn media_is_served_only_from_a_course_media_folder() -> TestResult {
    let app = TestApp::spawn().await?;
    for path in [
        "/media/thu-nghiem/../course.toml",
        "/media/thu-nghiem/%2e%2e/course.toml",
        "/media/khong-co/a.svg",
        "/media/thu-nghiem/",
    ] {
        let r = app.page(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    Ok(())
}
