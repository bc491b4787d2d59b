//! Search and the assistant (issue #13), over the bundled curriculum: a learner finds the
//! section of a lesson typing without diacritics, sees their progress on it, and only courses
//! they may see; bad queries get a clear message and nothing comes back unescaped; the
//! assistant quotes lessons or names the learner's mentor, keeps unanswered questions without
//! identity for instructors, and is rate-limited; a new catalog gets a new index; and the
//! fixture of learner questions stays above its floor.

use actix_web::http::{header, StatusCode};
use hocvuso_stories::{form_encode, workspace_root, TestApp, TestResult};
use serde_json::{json, Value};

fn search_path(q: &str) -> String {
    format!("/api/v1/search?{}", form_encode(&[("q", q)]))
}

#[actix_web::test]
async fn a_learner_finds_the_section_typing_without_diacritics_and_sees_their_progress(
) -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("ba-lan").await?;
    let r = app
        .get(&search_path("lay lai mat khau vneid"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let hits = r.json();
    let hits = hits.as_array().ok_or("a list")?;
    assert!(!hits.is_empty() && hits.len() <= 10);
    assert!(
        hits.iter()
            .any(|h| h["url"].as_str().is_some_and(|u| u.contains("#muc-"))),
        "a hit lands on a section: {hits:?}"
    );
    assert!(hits.iter().all(|h| h["snippet_html"]
        .as_str()
        .is_some_and(|s| s.contains("<mark>"))));
    // Read the first lesson hit; the same search shows it done.
    let lesson = hits
        .iter()
        .find(|h| h["kind"] == "lesson")
        .ok_or("a lesson hit")?;
    assert_eq!(lesson["progress"], "todo");
    let url = lesson["url"].as_str().ok_or("url")?;
    let page_path = url.split('#').next().ok_or("path")?;
    app.sign_in_browser("ba-lan").await?;
    let lesson_page = app.page(page_path).await;
    let anchor = url.split('#').nth(1).ok_or("anchor")?;
    assert!(
        lesson_page.text().contains(&format!("id=\"{anchor}\"")),
        "the lesson page has the anchor {anchor}"
    );
    let api_lesson = page_path.replacen("/courses/", "/api/v1/courses/", 1);
    let done = app
        .post(&format!("{api_lesson}/complete"), Some(&token), json!({}))
        .await;
    assert!(done.status.is_success(), "{}", done.text());
    let again = app
        .get(&search_path("lay lai mat khau vneid"), Some(&token))
        .await
        .json();
    let same = again
        .as_array()
        .ok_or("a list")?
        .iter()
        .find(|h| h["url"] == lesson["url"])
        .ok_or("the same hit")?;
    assert_eq!(same["progress"], "done");
    // Searching needs an account.
    assert_eq!(
        app.get(&search_path("otp"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[actix_web::test]
async fn only_courses_the_learner_may_see_are_found() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("chi-hoa").await?;
    let mine: Vec<String> = app
        .get("/api/v1/courses", Some(&token))
        .await
        .json()
        .as_array()
        .ok_or("courses")?
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    // Words of the civil servants' courses, which a citizen's list does not have.
    for q in [
        "chữ ký số chuyên dùng công vụ",
        "phân loại thông tin trong cơ quan",
        "mật khẩu",
    ] {
        let hits = app.get(&search_path(q), Some(&token)).await.json();
        for h in hits.as_array().ok_or("a list")? {
            let course = h["course_id"].as_str().ok_or("course")?;
            assert!(
                mine.iter().any(|m| m == course),
                "{q}: {course} is not the learner's"
            );
        }
    }
    Ok(())
}

#[actix_web::test]
async fn bad_queries_get_a_clear_message_and_nothing_comes_back_unescaped() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("anh-tu").await?;
    let long = "a".repeat(501);
    for (q, key) in [
        ("", "query_empty"),
        ("   ", "query_empty"),
        (long.as_str(), "query_too_long"),
        ("🙂🙏🎉", "query_no_words"),
        ("<script>alert(1)</script>", "query_markup"),
    ] {
        let r = app.get(&search_path(q), Some(&token)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(r.json()["error"], key);
        assert!(!r.json()["message"].as_str().unwrap_or_default().is_empty());
        let a = app
            .post("/api/v1/assistant", Some(&token), json!({"question": q}))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(a.json()["error"], key);
    }
    app.sign_in_browser("anh-tu").await?;
    let page = app
        .page(&format!(
            "/tim-kiem?{}",
            form_encode(&[("q", "<script>alert(1)</script>")])
        ))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let html = page.text();
    assert!(html.contains("id=\"form-error\""));
    assert!(
        !html.contains("<script>alert(1)"),
        "the query is never reflected raw"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;")
    );
    // A query that finds things but carries markup-like text is escaped in the header.
    let ok = app
        .page(&format!(
            "/tim-kiem?{}",
            form_encode(&[("q", "mã OTP & \"mật khẩu\"")])
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("id=\"search-results\""));
    assert!(!ok.text().contains("\"mật khẩu\"\u{201d}"));
    Ok(())
}

#[actix_web::test]
async fn search_and_assistant_work_as_pages_without_javascript() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    app.learner("bac-tam").await?;
    app.sign_in_browser("bac-tam").await?;
    let home = app.page("/courses").await.text();
    assert!(home.contains("href=\"/tim-kiem\"") && home.contains("href=\"/hoi-dap\""));
    let form = app.page("/tim-kiem").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text().contains("id=\"search-form\"")
            && !form.text().contains("id=\"search-results\"")
    );
    let found = app
        .page(&format!(
            "/tim-kiem?{}",
            form_encode(&[("q", "quet ma qr tra tien")])
        ))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    let html = found.text();
    assert!(html.contains("id=\"search-results\"") && html.contains("<mark>"));
    assert!(html.contains("data-progress=\"todo\""));
    assert!(
        hocvuso_stories::needs_no_script(&html),
        "no script on the page"
    );
    let asked = app
        .submit_form(
            "/hoi-dap",
            &[("question", "bị lừa chuyển tiền thì báo ở đâu")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    assert!(asked.text().contains("data-answered=\"true\""));
    assert!(asked.text().contains("<blockquote>"));
    let missing_csrf = app.post_form_raw("/hoi-dap", &[("question", "otp")]).await;
    assert!(missing_csrf.status.is_client_error());
    Ok(())
}

#[actix_web::test]
async fn the_assistant_quotes_lessons_or_names_the_mentor_and_keeps_the_question_without_identity(
) -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("co-nam").await?;
    let r = app
        .post(
            "/api/v1/assistant",
            Some(&token),
            json!({"question": "cai app cong an dung de lam gi"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reply = r.json();
    assert_eq!(reply["answered"], true);
    let passages = reply["passages"].as_array().ok_or("passages")?;
    assert!((1..=3).contains(&passages.len()));
    assert!(passages.iter().all(|p| p["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("/courses/"))));
    // Nothing in the curriculum answers this: no invented answer, and no mentor yet.
    let question = "giá vàng hôm nay bao nhiêu, gọi 0912345678";
    let none = app
        .post(
            "/api/v1/assistant",
            Some(&token),
            json!({"question": question}),
        )
        .await
        .json();
    assert_eq!(none["answered"], false);
    assert_eq!(none["passages"], json!([]));
    assert_eq!(none["mentor"], Value::Null);
    // With a mentor, the mentor is named.
    app.account("dai-su-ha", Some("citizen"), &["learner", "mentor"])
        .await?;
    let chose = app
        .api(
            actix_web::http::Method::PUT,
            "/api/v1/me/mentor",
            Some(&token),
            Some(json!({"mentor": "dai-su-ha"})),
        )
        .await;
    assert!(chose.status.is_success(), "{}", chose.text());
    let named = app
        .post(
            "/api/v1/assistant",
            Some(&token),
            json!({"question": "giá vàng hôm nay bao nhiêu"}),
        )
        .await
        .json();
    assert_eq!(named["answered"], false);
    assert_eq!(named["mentor"], "Người dai-su-ha");
    // Instructors see the question, without who asked it and without the phone number.
    app.account("thay-binh", None, &["learner", "instructor"])
        .await?;
    app.sign_in_browser("thay-binh").await?;
    let list = app.page("/instructor/questions").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("id=\"unanswered\""));
    assert!(html.contains("giá vàng hôm nay bao nhiêu"));
    assert!(!html.contains("0912345678"), "long digit runs are not kept");
    assert!(!html.contains("co-nam") && !html.contains("Người co-nam"));
    // A learner cannot read the list.
    app.account("hoc-vien", Some("citizen"), &["learner"])
        .await?;
    app.sign_in_browser("hoc-vien").await?;
    assert_eq!(
        app.page("/instructor/questions").await.status,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[actix_web::test]
async fn the_assistant_is_rate_limited_per_learner() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("ong-ba").await?;
    let other = app.learner("ba-tu").await?;
    let burst = hocvuso_server::app::search::ASSISTANT_RATE.burst;
    for _ in 0..burst {
        let r = app
            .post(
                "/api/v1/assistant",
                Some(&token),
                json!({"question": "otp la gi"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let refused = app
        .post(
            "/api/v1/assistant",
            Some(&token),
            json!({"question": "otp la gi"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.json()["error"], "too_many_questions");
    assert!(refused.headers.get(header::RETRY_AFTER).is_some());
    // Another learner is not held back.
    let r = app
        .post(
            "/api/v1/assistant",
            Some(&other),
            json!({"question": "otp la gi"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    Ok(())
}

#[actix_web::test]
async fn a_published_catalog_gets_its_own_index() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let token = app.learner("chu-ba").await?;
    let before = app
        .get(&search_path("ma qr dan de"), Some(&token))
        .await
        .json();
    assert!(before
        .as_array()
        .ok_or("list")?
        .iter()
        .any(|h| h["course_id"] == "thanh-toan-truc-tuyen"));
    let mut next = (*app.state.catalog()).clone();
    next.courses.remove("thanh-toan-truc-tuyen");
    next.version = format!("{}-next", next.version);
    let index = app
        .state
        .search
        .for_catalog(&next)
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(index.catalog_version(), next.version);
    let query = hocvuso_search::Query::parse("ma qr dan de").map_err(|e| e.to_string())?;
    let hits = index.search(&query, &|_| true, 10);
    assert!(hits
        .iter()
        .all(|h| h.passage.course_id != "thanh-toan-truc-tuyen"));
    Ok(())
}

#[actix_web::test]
async fn the_learner_questions_fixture_stays_above_its_floor() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let index = app
        .state
        .search
        .for_catalog(&app.state.catalog())
        .map_err(|e| format!("{e:?}"))?;
    let fixture =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/assistant-questions.toml"))?;
    let report = hocvuso_search::eval::run(&index, &fixture, 1)?;
    assert!(report.questions >= 60);
    assert!(
        report.top3 >= 0.85,
        "top-3 {:.3}: {:?}",
        report.top3,
        report.misses
    );
    assert!(report.top1 >= 0.60, "top-1 {:.3}", report.top1);
    Ok(())
}

/// A citizen with an assignment, a placement result and a half-done path: the next step is the
/// assigned course, then the path in order, skipping lessons the placement showed they know.
#[actix_web::test]
async fn the_next_step_follows_assignment_then_path_and_skips_what_placement_showed() -> TestResult
{
    let app = TestApp::spawn_bundled().await?;
    let admin = app.admin("quan-tri").await?;
    let token = app.learner("ba-hai").await?;
    let me = app.user_id(&token).await?;
    // Nothing done yet: the first lesson of the path.
    let first = app.get("/api/v1/me/next", Some(&token)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let first = first.json();
    assert_eq!(first["next"]["because"], "path");
    assert_eq!(first["next"]["course_id"], "lam-quen-dien-thoai");
    assert_eq!(first["next"]["kind"], "lesson");
    // The placement check, all right.
    let attempt = app
        .post(
            "/api/v1/courses/on-tap-nguoi-dan/quizzes/dau-vao/attempts",
            Some(&token),
            json!({}),
        )
        .await;
    assert!(attempt.status.is_success(), "{}", attempt.text());
    let id = attempt.json()["attempt_id"]
        .as_str()
        .ok_or("attempt")?
        .to_owned();
    let key = app.key_for(&id, me).await?;
    let graded = app
        .post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(&token),
            json!({"answers": key}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let mastered: Vec<String> = app
        .get("/api/v1/me/mastery", Some(&token))
        .await
        .json()
        .as_array()
        .ok_or("mastery")?
        .iter()
        .filter(|m| m["mastered"] == true)
        .filter_map(|m| m["competence"].as_str().map(str::to_owned))
        .collect();
    assert!(!mastered.is_empty());
    // Half of the first path course read.
    let course = app
        .get("/api/v1/courses/lam-quen-dien-thoai", Some(&token))
        .await
        .json();
    let lessons: Vec<String> = course["lessons"]
        .as_array()
        .ok_or("lessons")?
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    for l in &lessons[..lessons.len() / 2] {
        let r = app
            .post(
                &format!("/api/v1/courses/lam-quen-dien-thoai/lessons/{l}/complete"),
                Some(&token),
                json!({}),
            )
            .await;
        assert!(r.status.is_success());
    }
    // An assignment of a later course of the path, due in ten days.
    let unit = app
        .post("/api/v1/units", Some(&admin), json!({"parent_id": null, "code": "tdp-9", "name": "Tổ dân phố 9", "kind": "neighbourhood"}))
        .await;
    assert_eq!(unit.status, StatusCode::CREATED, "{}", unit.text());
    let unit = unit.json()["id"].as_i64().ok_or("unit")?;
    let added = app
        .post(
            &format!("/api/v1/units/{unit}/members"),
            Some(&admin),
            json!({"username": "ba-hai"}),
        )
        .await;
    assert!(added.status.is_success(), "{}", added.text());
    let due = (app.state.clock.now() + time::Duration::days(10)).date();
    let assigned = app
        .post(
            "/api/v1/assignments",
            Some(&admin),
            json!({"course_id": "thanh-toan-truc-tuyen", "unit_id": unit, "due_on": due.to_string()}),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{}", assigned.text());

    let next = app.get("/api/v1/me/next", Some(&token)).await.json();
    assert_eq!(next["next"]["because"], "assigned", "{next}");
    assert_eq!(next["next"]["course_id"], "thanh-toan-truc-tuyen");
    let more = next["more"].as_array().ok_or("more")?;
    assert_eq!(more[0]["because"], "path");
    assert_eq!(
        more[0]["course_id"], "lam-quen-dien-thoai",
        "the half-done course comes first"
    );
    assert!(!lessons[..lessons.len() / 2]
        .iter()
        .any(|l| more[0]["item_id"] == l.as_str()));
    // Every lesson suggested teaches something the learner has not shown they know.
    let catalog = app.state.catalog();
    for step in std::iter::once(&next["next"]).chain(more.iter()) {
        if step["kind"] == "lesson" {
            let lesson = catalog
                .course(step["course_id"].as_str().ok_or("course")?)
                .and_then(|c| c.lesson(step["item_id"].as_str().unwrap_or_default()))
                .ok_or("lesson")?;
            assert!(
                lesson.competences.iter().any(|c| !mastered.contains(c)),
                "{} is skippable",
                lesson.id
            );
        }
    }
    // The same card heads the learner's course list.
    app.sign_in_browser("ba-hai").await?;
    let page = app.page("/courses").await.text();
    assert!(page.contains("id=\"next-step\"") && page.contains("data-because=\"assigned\""));
    Ok(())
}
