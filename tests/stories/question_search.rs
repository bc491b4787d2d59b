//! Instructors find questions by text or tag across banks (issue #13, section 4), over the
//! bundled curriculum: typed without diacritics, results from several courses with their bank,
//! id, type and a marked snippet, a link into the studio only for courses the instructor
//! writes; a whole tag finds the questions carrying it; learners are refused; bad input gets a
//! clear Vietnamese message and is never reflected unescaped; the page works without script.

use actix_web::http::StatusCode;
use hocvuso_stories::{form_encode, needs_no_script, TestApp, TestResult};
use serde_json::Value;

fn api(q: &str) -> String {
    format!(
        "/api/v1/instructor/questions/search?{}",
        form_encode(&[("q", q)])
    )
}

fn page(q: &str) -> String {
    format!("/instructor/tim-cau-hoi?{}", form_encode(&[("q", q)]))
}

fn results(v: &Value) -> Vec<Value> {
    v["results"].as_array().cloned().unwrap_or_default()
}

#[actix_web::test]
async fn an_instructor_finds_questions_across_banks_typing_without_diacritics() -> TestResult {
    let app = TestApp::spawn_bundled().await?;
    let (id, token) = app
        .account("co-lan", None, &["learner", "instructor"])
        .await?;
    app.store
        .set_studio_author("an-toan-tren-mang", id, "author")
        .await?;

    let bare = app.get(&api("ma otp"), Some(&token)).await;
    assert_eq!(bare.status, StatusCode::OK, "{}", bare.text());
    let bare = bare.json();
    let marked = app.get(&api("mã OTP"), Some(&token)).await.json();
    assert_eq!(bare["total"], marked["total"], "diacritics are optional");
    let found = results(&bare);
    assert!(found.len() >= 3, "{bare}");
    let courses: std::collections::BTreeSet<&str> = found
        .iter()
        .filter_map(|r| r["course_id"].as_str())
        .collect();
    assert!(courses.len() >= 2, "across banks: {courses:?}");
    for r in &found {
        for field in ["course_title", "bank", "question_id", "kind", "snippet"] {
            assert!(
                !r[field].as_str().unwrap_or_default().is_empty(),
                "{field}: {r}"
            );
        }
        assert!(r["bank"]
            .as_str()
            .unwrap_or_default()
            .starts_with("questions."));
        let course = r["course_id"].as_str().unwrap_or_default();
        let expected = (course == "an-toan-tren-mang").then(|| {
            format!(
                "/studio/courses/{course}/questions/{}",
                r["question_id"].as_str().unwrap_or_default()
            )
        });
        assert_eq!(r["url"].as_str().map(str::to_owned), expected, "{r}");
    }
    assert!(found.iter().any(|r| r["snippet_html"]
        .as_str()
        .unwrap_or_default()
        .contains("<mark>OTP</mark>")));

    // A whole tag finds exactly the questions that carry it.
    let tagged = app.get(&api("competence-4.1"), Some(&token)).await.json();
    assert!(
        tagged["total"].as_u64().unwrap_or_default() >= 20,
        "{tagged}"
    );
    for r in results(&tagged) {
        assert!(r["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "competence-4.1")));
        assert_eq!(r["matched_tags"], serde_json::json!(["competence-4.1"]));
    }
    let nothing = app.get(&api("xyzzy khong co"), Some(&token)).await.json();
    assert_eq!(nothing["total"], 0);

    // The page, without script.
    app.sign_in_browser("co-lan").await?;
    let home = app.page("/instructor").await.text();
    assert!(home.contains("href=\"/instructor/tim-cau-hoi\""));
    let form = app.page("/instructor/tim-cau-hoi").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.text().contains("id=\"question-results\""));
    let shown = app.page(&page("ma otp")).await;
    assert_eq!(shown.status, StatusCode::OK);
    let html = shown.text();
    assert!(html.contains("id=\"question-results\"") && html.contains("<mark>"));
    // The template escapes `/` in attributes as `&#x2F;`.
    if let Some(url) = found.iter().find_map(|r| r["url"].as_str()) {
        assert!(html.contains(&url.replace('/', "&#x2F;")) || html.contains(url));
    }
    assert!(html.contains("id=\"question-search-unlinked\""));
    assert!(needs_no_script(&html), "no script on the page");

    // Learners may not search the banks.
    let learner = app.learner("hoc-vien").await?;
    let refused = app.get(&api("otp"), Some(&learner)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.sign_in_browser("hoc-vien").await?;
    assert_eq!(app.page(&page("otp")).await.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[actix_web::test]
async fn bad_question_searches_get_a_clear_message_and_nothing_comes_back_unescaped() -> TestResult
{
    let app = TestApp::spawn_bundled().await?;
    let (_, token) = app.account("thay-minh", None, &["instructor"]).await?;
    let long = "mật khẩu ".repeat(60);
    for (q, key) in [
        ("", "query_empty"),
        ("  ", "query_empty"),
        (long.as_str(), "query_too_long"),
        ("<b>otp</b>", "query_markup"),
        ("🙂🙏", "query_no_words"),
    ] {
        let r = app.get(&api(q), Some(&token)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(r.json()["error"], key, "{q}");
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(
            message.chars().any(|c| "ạảãáàâêôơưđ".contains(c)),
            "{message}"
        );
    }
    app.sign_in_browser("thay-minh").await?;
    let shown = app.page(&page("<script>alert(1)</script>")).await;
    assert_eq!(shown.status, StatusCode::BAD_REQUEST);
    let html = shown.text();
    assert!(html.contains("id=\"form-error\""));
    assert!(!html.contains("<script>alert(1)"));
    let empty = app.page(&page("")).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.text().contains("id=\"form-error\""));
    Ok(())
}
