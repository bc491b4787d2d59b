//! Serving many learners (issue "Speed and scale"): the readiness check a load balancer polls,
//! and responses compressed whole where they are made (not on a thread pool, not chunked).
//! `scripts/bench-load.sh` measures the speed; `scripts/two-instances.sh` runs two instances.

use std::io::Read;

use actix_web::http::{header, StatusCode};
use actix_web::test::TestRequest;
use hocvuso_stories::{TestApp, TestResult};

fn gunzip(body: &[u8]) -> std::io::Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(body).read_to_string(&mut text)?;
    Ok(text)
}

#[actix_web::test]
async fn readiness_answers_when_the_database_does() -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ready");
    Ok(())
}

#[actix_web::test]
async fn a_lesson_page_asked_for_with_gzip_comes_compressed_whole() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("nen.trang").await?;
    let path = "/courses/thu-nghiem/lessons/mat-khau";
    let cookie = format!("hvs_session={token}");

    let plain = app
        .send(
            TestRequest::get()
                .uri(path)
                .insert_header((header::COOKIE, cookie.clone())),
        )
        .await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());

    let r = app
        .send(
            TestRequest::get()
                .uri(path)
                .insert_header((header::COOKIE, cookie.clone()))
                .insert_header((header::ACCEPT_ENCODING, "gzip, deflate, br")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let vary = r
        .headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    assert!(
        vary.to_ascii_lowercase().contains("accept-encoding"),
        "{vary}"
    );
    assert!(
        r.body.len() < plain.body.len(),
        "{} of {}",
        r.body.len(),
        plain.body.len()
    );
    let html = gunzip(&r.body)?;
    // The same page (up to its per-request CSRF token), security headers kept.
    assert!(html.contains("id=\"lesson-text\""), "{html}");
    assert_eq!(html.len(), plain.body.len());
    assert!(r.headers.get("content-security-policy").is_some());

    // The lesson as JSON, compressed too.
    let r = app
        .send(
            TestRequest::get()
                .uri("/api/v1/courses/thu-nghiem/lessons/mat-khau")
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
                .insert_header((header::ACCEPT_ENCODING, "gzip")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let lesson: serde_json::Value = serde_json::from_str(&gunzip(&r.body)?)?;
    assert_eq!(lesson["id"], "mat-khau");
    assert_eq!(lesson["completed"], false);

    // gzip refused by the client: not compressed.
    let r = app
        .send(
            TestRequest::get()
                .uri(path)
                .insert_header((header::COOKIE, cookie))
                .insert_header((header::ACCEPT_ENCODING, "gzip;q=0, identity")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get(header::CONTENT_ENCODING).is_none());
    Ok(())
}

#[actix_web::test]
async fn a_completed_lesson_shows_as_completed_on_its_page_and_in_the_api() -> TestResult {
    let app = TestApp::spawn().await?;
    let token = app.learner("da.doc").await?;
    let r = app
        .post(
            "/api/v1/courses/thu-nghiem/lessons/mat-khau/complete",
            Some(&token),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .get("/api/v1/courses/thu-nghiem/lessons/mat-khau", Some(&token))
        .await;
    assert_eq!(r.json()["completed"], true);
    let r = app
        .get("/api/v1/courses/thu-nghiem/lessons/ma-otp", Some(&token))
        .await;
    assert_eq!(r.json()["completed"], false);
    Ok(())
}

/// The lesson's text is compressed once and shared (`page_cache`); what is personal around it
/// (the signed-in menu, the completion state, the CSRF token) is each learner's own, and the
/// shared text decodes to exactly what an uncompressed page holds.
#[actix_web::test]
async fn learners_share_a_lesson_pages_compressed_text_and_keep_their_own_completion_state(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let first = app.learner("hoc.truoc").await?;
    let second = app.learner("hoc.sau").await?;
    let path = "/courses/thu-nghiem/lessons/mat-khau";
    let r = app
        .post(
            "/api/v1/courses/thu-nghiem/lessons/mat-khau/complete",
            Some(&first),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = |token: &str, encoding: &'static str| {
        TestRequest::get()
            .uri(path)
            .insert_header((header::COOKIE, format!("hvs_session={token}")))
            .insert_header((header::ACCEPT_ENCODING, encoding))
    };
    let article = |html: &str| -> String {
        let start = html.find("<article").unwrap_or(0);
        let end = html.find("</article>").unwrap_or(html.len());
        html[start..end].to_owned()
    };
    let plain = app.send(page(&second, "identity")).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    let plain = plain.text();

    let mut texts = Vec::new();
    // Each learner twice: the first request may make the shared part, the second reuses it.
    for (token, completed) in [
        (&first, true),
        (&second, false),
        (&first, true),
        (&second, false),
    ] {
        let r = app.send(page(token, "gzip")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"gzip"[..])
        );
        let html = gunzip(&r.body)?;
        // Signed in (the menu signs out), whoever asked.
        assert!(html.contains("action=\"/logout\""), "{html}");
        // The completion form (with a CSRF token) only for the one who has not completed it.
        assert_eq!(
            html.contains("/lessons/mat-khau/complete\""),
            !completed,
            "{html}"
        );
        assert!(
            html.ends_with("</html>\n") || html.ends_with("</html>"),
            "{html}"
        );
        texts.push(article(&html));
    }
    assert!(texts[0].contains("id=\"lesson-text\""), "{}", texts[0]);
    for t in &texts {
        assert_eq!(t, &article(&plain));
    }
    Ok(())
}

/// The page around a lesson's text is made once for everyone who sees it the same way
/// (`page_cache::Frame`): each learner still gets their own CSRF token, their own menu (the
/// staff entries for staff, the unread badge for whoever has news) and completion state, and
/// the compressed page says exactly what the uncompressed one says, the first time and from
/// the shared frame.
#[actix_web::test]
async fn a_shared_lesson_frame_keeps_each_learners_token_menu_and_badge() -> TestResult {
    let app = TestApp::spawn().await?;
    let plain_learner = app.learner("khung.mot").await?;
    let with_news = app.learner("khung.hai").await?;
    let staff = app.admin("khung.quan.tri").await?;
    let news_id = app.user_id(&with_news).await?;
    app.store
        .notify_graded(news_id, "thu-nghiem", time::OffsetDateTime::now_utc())
        .await?;
    let path = "/courses/thu-nghiem/lessons/mat-khau";
    let page = |token: &str, csrf: &str, encoding: &'static str| {
        TestRequest::get()
            .uri(path)
            .insert_header((
                header::COOKIE,
                format!("hvs_session={token}; hvs_csrf={csrf}"),
            ))
            .insert_header((header::ACCEPT_ENCODING, encoding))
    };
    let mut seen = Vec::new();
    for (who, token) in [
        ("learner", &plain_learner),
        ("news", &with_news),
        ("staff", &staff),
        ("learner again", &plain_learner),
    ] {
        // Each request its own token (a second browser of the same learner, say).
        let csrf = format!("{:064x}", seen.len() + 1);
        let plain = app.send(page(token, &csrf, "identity")).await;
        assert_eq!(plain.status, StatusCode::OK);
        let plain = plain.text();
        assert!(
            plain.contains(&format!("value=\"{csrf}\"")),
            "{who}: {plain}"
        );
        for _ in 0..2 {
            let r = app.send(page(token, &csrf, "gzip")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(gunzip(&r.body)?, plain, "{who}: from the frame");
        }
        seen.push((who, plain));
    }
    let has = |who: &str, what: &str| seen.iter().any(|(w, p)| *w == who && p.contains(what));
    assert!(has("news", "data-unread=\"1\""));
    assert!(!has("learner", "data-unread="));
    assert!(has("staff", "href=\"/admin\""));
    assert!(!has("learner", "href=\"/admin\""));
    assert!(!has("news", "href=\"/admin\""));

    // Completing the lesson changes the learner's page, not the others'.
    let r = app
        .post(
            "/api/v1/courses/thu-nghiem/lessons/mat-khau/complete",
            Some(&plain_learner),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let csrf = format!("{:064x}", 99);
    let done = gunzip(&app.send(page(&plain_learner, &csrf, "gzip")).await.body)?;
    assert!(!done.contains("/lessons/mat-khau/complete\""), "{done}");
    let other = gunzip(&app.send(page(&with_news, &csrf, "gzip")).await.body)?;
    assert!(other.contains("/lessons/mat-khau/complete\""), "{other}");
    Ok(())
}

/// On an SQLite file every writer of the process takes its turn (`Store::begin_write` for a
/// transaction, `Store::turn` for a single statement): submissions that complete a course,
/// lesson completions, weekly goals and new attempts sent at once all succeed. Without the
/// turn, a transaction that has read before another connection commits cannot take SQLite's
/// write lock ("database is locked" at once, whatever the busy timeout).
#[actix_web::test]
async fn writers_of_every_kind_sent_at_once_all_succeed() -> TestResult {
    use actix_web::http::Method;
    use serde_json::json;
    type Pending<'a> =
        std::pin::Pin<Box<dyn std::future::Future<Output = hocvuso_stories::Reply> + 'a>>;
    let app = TestApp::spawn_on_disk().await?;
    let mut ready = Vec::new();
    for i in 0..6 {
        ready.push(crate::credentials::ready_to_submit(&app, &format!("hv.cung.luc{i}")).await?);
    }
    let app = &app;
    let submits: Vec<String> = ready
        .iter()
        .map(|(_, id, _)| format!("/api/v1/attempts/{id}/submit"))
        .collect();
    let mut writes: Vec<Pending<'_>> = Vec::new();
    for ((token, _, key), submit) in ready.iter().zip(&submits) {
        writes.push(Box::pin(app.post(
            submit,
            Some(token),
            json!({"answers": key}),
        )));
        writes.push(Box::pin(app.api(
            Method::PUT,
            "/api/v1/me/goal",
            Some(token),
            Some(json!({"kind": "lessons", "target": 3})),
        )));
        writes.push(Box::pin(app.post(
            "/api/v1/courses/on-tap/quizzes/luyen-tap/attempts",
            Some(token),
            json!({}),
        )));
        writes.push(Box::pin(app.post(
            "/api/v1/courses/thu-nghiem/lessons/mat-khau/complete",
            Some(token),
            json!({}),
        )));
    }
    let replies = crate::credentials::futures_join_all(writes.into_iter()).await;
    for r in &replies {
        assert!(r.status.is_success(), "{}: {}", r.status, r.text());
    }
    for (token, _, _) in &ready {
        let mine = app.get("/api/v1/me/certificates", Some(token)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
        let earned = mine.json();
        let earned = earned.as_array().ok_or("a list")?;
        assert!(
            earned.iter().any(|c| c["course_id"] == "thu-nghiem"),
            "{}",
            mine.text()
        );
    }
    Ok(())
}
