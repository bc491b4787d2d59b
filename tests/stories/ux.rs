//! Journeys on a cheap phone without JavaScript (issue 18): a placement check that speaks as one
//! and ends with what may be skipped; forms that keep what was typed and show the error at the
//! field; a confirmation before submitting with questions left; results that teach; hotspot
//! questions answerable from a list of places; graded essays that say so; the course list open
//! to visitors; error pages and a folding menu for the signed-in. Hooks are ids and data
//! attributes, not wording.

use actix_web::http::StatusCode;
use hocvuso_stories::{TestApp, TestResult};
use serde_json::{json, Value};

/// A learner signed in to the API (the token) and the pages (cookies).
async fn signed_in(app: &TestApp, username: &str) -> Result<(String, i64), hocvuso_stories::Error> {
    let token = app.learner(username).await?;
    let me = app.user_id(&token).await?;
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[("username", username), ("password", "mat-khau-dai")],
    )
    .await;
    Ok((token, me))
}

/// Starts attempts at the final quiz (4 of the fixture's 8 questions, no attempt limit) until
/// one has a question of `kind`; the others are submitted empty. Returns the attempt (as the
/// API shows it) and that question's id.
async fn attempt_with(
    app: &TestApp,
    token: &str,
    kind: &str,
) -> Result<(Value, String), hocvuso_stories::Error> {
    for _ in 0..20 {
        let attempt = app
            .post(
                "/api/v1/courses/on-tap/quizzes/cuoi-lo-trinh/attempts",
                Some(token),
                json!({}),
            )
            .await
            .json();
        let id = attempt["attempt_id"]
            .as_str()
            .ok_or("attempt id")?
            .to_owned();
        let found = attempt["questions"]
            .as_array()
            .ok_or("questions")?
            .iter()
            .find(|q| q["type"] == kind)
            .and_then(|q| q["id"].as_str())
            .map(str::to_owned);
        if let Some(q) = found {
            return Ok((attempt, q));
        }
        app.post(
            &format!("/api/v1/attempts/{id}/submit"),
            Some(token),
            json!({"answers": {}}),
        )
        .await;
    }
    Err(format!("no paper with a {kind} question").into())
}

fn attempt_id(attempt: &Value) -> Result<String, hocvuso_stories::Error> {
    Ok(attempt["attempt_id"]
        .as_str()
        .ok_or("attempt id")?
        .to_owned())
}

#[actix_web::test]
async fn a_placement_check_speaks_as_one_and_ends_with_the_lessons_to_skip() -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, me) = signed_in(&app, "ba.lan").await?;
    let started = app
        .submit_form("/courses/on-tap/quizzes/dau-vao/start", &[])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let location = started.location().ok_or("redirect")?;
    let id = location.trim_start_matches("/attempts/").to_owned();
    let form = app.page(&location).await.text();
    assert!(form.contains("data-mode=\"placement\""), "{form}");
    assert!(!form.contains("data-mode=\"practice\""));
    assert!(
        !form.contains("/check?q="),
        "no per-question check the server would refuse"
    );

    // Every answer right, sent through the form as a browser would.
    let key = app.key_for(&id, me).await?;
    let shown = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    let mut fields: Vec<(String, String)> = vec![("confirm".into(), "yes".into())];
    for q in shown["questions"].as_array().ok_or("questions")? {
        let qid = q["id"].as_str().ok_or("question id")?;
        let name = format!("a:{qid}");
        match (q["type"].as_str().unwrap_or(""), &key[qid]) {
            ("ordering", Value::Array(items)) => {
                for (rank, item) in items.iter().enumerate() {
                    let item = item.as_str().unwrap_or("");
                    fields.push((format!("{name}:{item}"), (rank + 1).to_string()));
                }
            }
            (_, Value::Array(options)) => {
                for o in options {
                    fields.push((name.clone(), o.as_str().unwrap_or("").to_owned()));
                }
            }
            ("hotspot", Value::Object(map)) => {
                fields.push((format!("{name}:place"), map["place"].to_string()));
            }
            (_, Value::Object(map)) => {
                for (left, option) in map {
                    let option = option.as_str().unwrap_or("").to_owned();
                    fields.push((format!("{name}:{left}"), option));
                }
            }
            (_, Value::Bool(b)) => fields.push((name, b.to_string())),
            (_, Value::String(text)) => fields.push((name, text.clone())),
            (_, Value::Number(n)) => fields.push((name, n.to_string())),
            _ => {}
        }
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sent = app
        .submit_form(&format!("/attempts/{id}/submit"), &borrowed)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let result = app.page(&format!("/attempts/{id}")).await.text();
    assert!(result.contains("id=\"placement-result\""), "{result}");
    assert!(
        !result.contains("id=\"result-summary\""),
        "no pass or fail for a placement check"
    );
    // Competence 4.1 was asked three times, all right: its lesson may be skipped.
    assert!(result.contains("data-lesson=\"ma-otp\""), "{result}");
    assert!(!result.contains("data-lesson=\"mat-khau\""), "{result}");
    Ok(())
}

#[actix_web::test]
async fn a_number_typed_with_words_keeps_every_answer_and_shows_the_error_at_the_field(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, _) = signed_in(&app, "ba.lan").await?;
    let (attempt, number) = attempt_with(&app, &token, "numerical").await?;
    let id = attempt_id(&attempt)?;
    let other = attempt["questions"]
        .as_array()
        .ok_or("questions")?
        .iter()
        .find(|q| q["type"] == "single_choice" || q["type"] == "short_answer")
        .cloned();
    let mut fields = vec![(format!("a:{number}"), "12 số".to_owned())];
    if let Some(q) = &other {
        let value = if q["type"] == "short_answer" {
            "VNeID".to_owned()
        } else {
            q["options"][0]["id"].as_str().unwrap_or("").to_owned()
        };
        fields.push((format!("a:{}", q["id"].as_str().unwrap_or("")), value));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app
        .submit_form(&format!("/attempts/{id}/submit"), &borrowed)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("id=\"form-error\""), "{html}");
    assert!(html.contains(&format!("id=\"err-{number}\"")), "{html}");
    assert!(html.contains("value=\"12 số\""), "what was typed is kept");
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("<form"), "the form, not an error page");
    // The answer that fitted was saved: it is there on the next visit too.
    if let Some(q) = &other {
        let again = app.page(&format!("/attempts/{id}")).await.text();
        let shown = if q["type"] == "short_answer" {
            "value=\"VNeID\"".to_owned()
        } else {
            format!(
                "value=\"{}\" checked",
                q["options"][0]["id"].as_str().unwrap_or("")
            )
        };
        assert!(again.contains(&shown), "{again}");
    }
    // A comma decimal is a number.
    let r = app
        .submit_form(
            &format!("/attempts/{id}/save"),
            &[(&format!("a:{number}"), "113")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    Ok(())
}

#[actix_web::test]
async fn submitting_with_questions_left_asks_once_more_and_then_submits() -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, _) = signed_in(&app, "ba.lan").await?;
    let (attempt, _) = attempt_with(&app, &token, "true_false").await?;
    let id = attempt_id(&attempt)?;
    let tf = attempt["questions"]
        .as_array()
        .ok_or("questions")?
        .iter()
        .find(|q| q["type"] == "true_false")
        .and_then(|q| q["id"].as_str())
        .ok_or("tf")?
        .to_owned();
    let r = app
        .submit_form(
            &format!("/attempts/{id}/submit"),
            &[(&format!("a:{tf}"), "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "the form again, with a question");
    let html = r.text();
    assert!(html.contains("id=\"unanswered\""), "{html}");
    assert!(html.contains("id=\"confirm-submit\""));
    assert_eq!(html.matches("data-unanswered").count(), 3, "{html}");
    let state = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    assert_eq!(state["state"], "in_progress", "not submitted yet");
    let r = app
        .submit_form(&format!("/attempts/{id}/submit"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let result = app.page(&format!("/attempts/{id}")).await.text();
    assert!(result.contains("id=\"result-summary\""), "{result}");
    Ok(())
}

#[actix_web::test]
async fn the_result_shows_each_answer_the_right_one_and_what_to_read_again() -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, me) = signed_in(&app, "ba.lan").await?;
    let (attempt, matching) = attempt_with(&app, &token, "matching").await?;
    let id = attempt_id(&attempt)?;
    let key = app.key_for(&id, me).await?;
    // The matching question answered backwards; every other question left out.
    let mut wrong = serde_json::Map::new();
    let pairs = key[&matching].as_object().ok_or("pairs")?;
    let lefts: Vec<&String> = pairs.keys().collect();
    let rights: Vec<&Value> = pairs.values().collect();
    for (i, left) in lefts.iter().enumerate() {
        wrong.insert((*left).clone(), rights[(i + 1) % rights.len()].clone());
    }
    app.post(
        &format!("/api/v1/attempts/{id}/submit"),
        Some(&token),
        json!({"answers": {matching.clone(): wrong}}),
    )
    .await;
    let page = app.page(&format!("/attempts/{id}")).await.text();
    let row_start = page
        .find(&format!("id=\"r-{matching}\""))
        .ok_or("matching row")?;
    let row = &page[row_start..];
    let row = &row[..row.find("</li>\n").unwrap_or(row.len())];
    assert!(row.contains("data-correct=\"false\""), "{row}");
    assert!(row.contains("data-given") && row.contains("→"), "{row}");
    assert!(
        row.contains("data-right"),
        "the right pairs are shown: {row}"
    );
    assert!(
        row.contains("/courses/thu-nghiem/lessons/ma-otp"),
        "the lesson on its competence: {row}"
    );
    assert!(page.contains("id=\"retake\""), "Làm lại");
    Ok(())
}

#[actix_web::test]
async fn a_hotspot_is_answered_from_the_list_of_places_and_enter_on_the_image_saves_nothing(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, me) = signed_in(&app, "ba.lan").await?;
    let (attempt, hotspot) = attempt_with(&app, &token, "hotspot").await?;
    let id = attempt_id(&attempt)?;
    let image = &attempt["questions"]
        .as_array()
        .ok_or("questions")?
        .iter()
        .find(|q| q["id"] == hotspot.as_str())
        .ok_or("hotspot")?["image"];
    assert_eq!(image["places"].as_array().map(Vec::len), Some(2));
    assert!(
        !image["alt"]
            .as_str()
            .unwrap_or("")
            .contains("Quét QR ở dưới"),
        "the alt text does not give the answer away"
    );
    let form = app.page(&format!("/attempts/{id}")).await.text();
    assert!(form.contains(&format!("id=\"places-{hotspot}\"")), "{form}");
    assert!(form.contains(&format!("name=\"a:{hotspot}:place\"")));

    // Enter on the image posts (0, 0): no tap is saved, and the page comes back to the question.
    let x = format!("a:{hotspot}.x");
    let y = format!("a:{hotspot}.y");
    let r = app
        .submit_form(&format!("/attempts/{id}/save"), &[(&x, "0"), (&y, "0")])
        .await;
    assert_eq!(
        r.location(),
        Some(format!("/attempts/{id}#q-{hotspot}")),
        "back at the question, not the top of the page"
    );
    let page = app.page(&format!("/attempts/{id}")).await.text();
    assert!(!page.contains("class=\"tap-mark\""), "nothing was saved");

    // The keyboard's way: choose the place from the list, then submit.
    let right = app.key_for(&id, me).await?[&hotspot]["place"].to_string();
    let place = format!("a:{hotspot}:place");
    app.submit_form(&format!("/attempts/{id}/save"), &[(&place, &right)])
        .await;
    let page = app.page(&format!("/attempts/{id}")).await.text();
    assert!(
        page.contains(&format!("value=\"{right}\" checked")),
        "the choice is kept"
    );
    app.submit_form(&format!("/attempts/{id}/submit"), &[("confirm", "yes")])
        .await;
    let result = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&token))
        .await
        .json();
    let graded = result["result"]["questions"]
        .as_array()
        .or_else(|| result["questions"].as_array())
        .ok_or("graded questions")?
        .iter()
        .find(|q| q["id"] == hotspot.as_str())
        .cloned()
        .ok_or("hotspot result")?;
    assert_eq!(graded["correct"], true, "{result}");

    // A real tap is saved and marked on the image.
    let (attempt, hotspot) = attempt_with(&app, &token, "hotspot").await?;
    let id = attempt_id(&attempt)?;
    let x = format!("a:{hotspot}.x");
    let y = format!("a:{hotspot}.y");
    app.submit_form(&format!("/attempts/{id}/save"), &[(&x, "100"), (&y, "200")])
        .await;
    let page = app.page(&format!("/attempts/{id}")).await.text();
    assert!(page.contains("class=\"tap-mark\""), "{page}");
    Ok(())
}

#[actix_web::test]
async fn a_graded_essay_shows_its_grade_and_the_learner_is_told() -> TestResult {
    let app = TestApp::spawn().await?;
    let (token, _) = signed_in(&app, "ba.lan").await?;
    // A blank essay waits for nobody: it is graded at once.
    let blank = start_essay(&app, &token).await;
    let blank_id = attempt_id(&blank)?;
    let r = app
        .post(
            &format!("/api/v1/attempts/{blank_id}/submit"),
            Some(&token),
            json!({"answers": {"q-essay": "   "}}),
        )
        .await
        .json();
    assert_eq!(r["pending_grading"], false, "{r}");
    let admin = app.admin("giang.vien").await?;
    let queue = app
        .get("/api/v1/instructor/essays", Some(&admin))
        .await
        .json();
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "{queue}");

    let written = start_essay(&app, &token).await;
    let id = attempt_id(&written)?;
    app.post(
        &format!("/api/v1/attempts/{id}/submit"),
        Some(&token),
        json!({"answers": {"q-essay": "Tôi dùng một câu dài làm mật khẩu."}}),
    )
    .await;
    let waiting = app.page(&format!("/attempts/{id}")).await.text();
    assert!(waiting.contains("id=\"r-q-essay\""), "{waiting}");
    let graded = app
        .post(
            &format!("/api/v1/instructor/attempts/{id}/grade"),
            Some(&admin),
            json!({"grades": {"q-essay": {"fraction": 0.9, "comment": "Khá tốt."}}}),
        )
        .await;
    assert_eq!(graded.status, StatusCode::OK, "{}", graded.text());
    let page = app.page(&format!("/attempts/{id}")).await.text();
    let row_start = page.find("id=\"r-q-essay\"").ok_or("essay row")?;
    let row = &page[row_start - 40..];
    let row = &row[..row.find("</li>").unwrap_or(row.len())];
    assert!(
        row.contains("class=\"partial\""),
        "90 points is not wrong: {row}"
    );
    assert!(row.contains("90"), "{row}");
    let notes = app.get("/api/v1/me/notifications", Some(&token)).await;
    assert_eq!(notes.status, StatusCode::OK);
    assert!(notes.text().contains("graded"), "{}", notes.text());
    let menu = app.page("/progress").await.text();
    assert!(
        menu.contains("data-unread=\"1\""),
        "the badge counts it: {menu}"
    );
    Ok(())
}

async fn start_essay(app: &TestApp, token: &str) -> Value {
    app.post(
        "/api/v1/courses/on-tap/quizzes/tu-luan/attempts",
        Some(token),
        json!({}),
    )
    .await
    .json()
}

#[actix_web::test]
async fn visitors_see_the_courses_and_a_new_learner_is_invited_to_start() -> TestResult {
    let app = TestApp::spawn().await?;
    let open = app.page("/courses").await;
    assert_eq!(open.status, StatusCode::OK, "no redirect to the login page");
    let html = open.text();
    assert!(html.contains("id=\"sign-in-hint\""));
    assert!(html.contains("href=\"/courses/thu-nghiem\""));
    signed_in(&app, "ba.lan").await?;
    let html = app.page("/courses").await.text();
    assert!(
        html.contains("data-start"),
        "an untouched course says start"
    );
    let course = app.page("/courses/thu-nghiem").await.text();
    assert!(!course.contains("id=\"sign-in-hint\""));
    Ok(())
}

#[actix_web::test]
async fn a_signed_in_person_keeps_their_menu_on_an_error_page_and_it_folds_on_phones() -> TestResult
{
    let app = TestApp::spawn().await?;
    signed_in(&app, "ba.lan").await?;
    let missing = app.page("/courses/khong-co").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let html = missing.text();
    assert!(html.contains("id=\"menu\""), "{html}");
    assert!(html.contains("action=\"/logout\""), "the signed-in menu");
    assert!(!html.contains("href=\"/register\""), "{html}");
    let page = app.page("/progress").await.text();
    assert!(page.contains("<details class=\"nav-phone\" id=\"menu\">"));
    assert!(
        !page.contains("id=\"staff-p\""),
        "a learner has no staff tools"
    );
    assert!(page.contains("id=\"progress-courses\"") || page.contains("progress.empty"));

    let staff = TestApp::spawn().await?;
    staff
        .account("to.truong", None, &["manager", "learner"])
        .await?;
    staff.page("/login").await;
    staff
        .submit_form(
            "/login",
            &[("username", "to.truong"), ("password", "mat-khau-dai")],
        )
        .await;
    let html = staff.page("/courses").await.text();
    assert!(html.contains("id=\"staff-p\"") && html.contains("id=\"staff-w\""));
    Ok(())
}

/// The code on a slip or in an e-mail: five characters, a dash, five more (Crockford base32).
fn find_code(text: &str) -> Option<String> {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let chars: Vec<char> = text.chars().collect();
    chars.windows(11).find_map(|w| {
        let ok = w[5] == '-'
            && w.iter()
                .enumerate()
                .all(|(i, c)| i == 5 || ALPHABET.contains(*c));
        ok.then(|| w.iter().collect())
    })
}

#[actix_web::test]
async fn a_mentor_hands_over_a_code_that_sets_a_new_password_once() -> TestResult {
    let app = TestApp::spawn().await?;
    let (mentor_id, _) = app.account("dai.su", None, &["mentor", "learner"]).await?;
    let neighbour = app.learner("ba.lan").await?;
    let neighbour_id = app.user_id(&neighbour).await?;
    let chose = app
        .api(
            actix_web::http::Method::PUT,
            "/api/v1/me/mentor",
            Some(&neighbour),
            Some(json!({"mentor": "dai.su"})),
        )
        .await;
    assert_eq!(chose.status, StatusCode::OK, "{}", chose.text());

    // Someone who is neither her mentor nor a manager gets nothing.
    let stranger = app.learner("ong.hung").await?;
    let refused = app
        .post(
            &format!("/api/v1/people/{neighbour_id}/reset-code"),
            Some(&stranger),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // Her mentor issues one on the mentees page: a slip with the code, shown once.
    app.page("/login").await;
    app.submit_form(
        "/login",
        &[("username", "dai.su"), ("password", "mat-khau-dai")],
    )
    .await;
    let mentees = app.page("/mentor").await.text();
    assert!(
        mentees.contains(&format!("data-reset-code=\"{neighbour_id}\"")),
        "{mentees}"
    );
    let slip = app
        .submit_form(&format!("/people/{neighbour_id}/reset-code"), &[])
        .await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.text());
    let html = slip.text();
    assert!(html.contains("id=\"reset-slip\""));
    let code = find_code(&html).ok_or("a code on the slip")?;
    assert_eq!(
        app.store
            .password_resets_since(neighbour_id, time::OffsetDateTime::UNIX_EPOCH)
            .await?,
        1,
        "recorded"
    );
    let _ = mentor_id;

    // A wrong code, then hers typed loosely: the password is set and every session ends.
    let reset = |code: String, password: &'static str| json!({"username": "ba.lan", "code": code, "new_password": password});
    let wrong = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            reset("ABCDE-FGHJK".into(), "mot cau moi rat dai"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["error"], "invalid_reset_code");
    let typed = code.to_lowercase().replace('-', " ");
    let done = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            reset(typed.clone(), "mot cau moi rat dai"),
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    assert_eq!(
        app.get("/api/v1/me", Some(&neighbour)).await.status,
        StatusCode::UNAUTHORIZED,
        "her old sessions ended"
    );
    app.login("ba.lan", "mot cau moi rat dai").await?;
    let again = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            reset(typed, "mot cau khac cung dai"),
        )
        .await;
    assert_eq!(again.json()["error"], "invalid_reset_code", "once only");
    Ok(())
}

#[actix_web::test]
async fn the_reset_page_keeps_what_was_typed_and_the_account_lists_its_sessions() -> TestResult {
    let app = TestApp::spawn().await?;
    let login = app.page("/login").await.text();
    assert!(login.contains("id=\"forgot-link\""));
    app.page("/reset").await;
    let r = app
        .submit_form(
            "/reset",
            &[
                ("username", "ai.do"),
                ("code", "ABCDE-FGHJK"),
                ("new_password", "mot cau moi rat dai"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("value=\"ai.do\"") && html.contains("value=\"ABCDE-FGHJK\""));
    assert!(!html.contains("mot cau moi rat dai"), "never the password");
    assert!(html.contains("aria-invalid=\"true\""));

    let (token, _) = signed_in(&app, "ba.lan").await?;
    let page = app.page("/account").await.text();
    assert_eq!(page.matches("data-session").count(), 2, "{page}");
    assert_eq!(page.matches("data-current").count(), 1);
    let sessions = app.get("/api/v1/me/sessions", Some(&token)).await.json();
    assert_eq!(sessions.as_array().map(Vec::len), Some(2), "{sessions}");
    assert_eq!(
        sessions
            .as_array()
            .ok_or("list")?
            .iter()
            .filter(|s| s["current"] == true)
            .count(),
        1
    );
    Ok(())
}

#[actix_web::test]
async fn a_code_goes_by_email_only_with_its_own_consent() -> TestResult {
    use hocvuso_server::mail::MailSettings;
    use hocvuso_stories::FakeSmtp;
    use std::time::Duration;
    let mut smtp = FakeSmtp::start().await?;
    let url = smtp.url.clone();
    let app = TestApp::spawn_configured(
        hocvuso_stories::fixture_content(),
        hocvuso_server::clock::Clock::system(),
        |s| {
            s.mail = Some(MailSettings {
                smtp_url: url,
                from: "Học Vụ Số <hoc-vu-so@example.test>".into(),
            })
        },
    )
    .await?;
    let (token, _) = signed_in(&app, "ba.lan").await?;
    app.api(
        actix_web::http::Method::PUT,
        "/api/v1/me/email",
        Some(&token),
        Some(json!({"email": "ba.lan@example.test"})),
    )
    .await;
    let ask = || {
        app.post(
            "/api/v1/auth/password-reset/request",
            None,
            json!({"username": "ba.lan"}),
        )
    };
    // The address was given for reminders only: no code goes there yet.
    assert_eq!(ask().await.status, StatusCode::ACCEPTED);
    assert!(smtp.next(Duration::from_millis(700)).await.is_none());
    let nobody = app
        .post(
            "/api/v1/auth/password-reset/request",
            None,
            json!({"username": "khong.ai"}),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::ACCEPTED, "the same answer");

    let profile = app.page("/profile").await.text();
    assert!(
        profile.contains("action=\"/profile/reset-email\""),
        "{profile}"
    );
    app.submit_form("/profile/reset-email", &[("on", "yes")])
        .await;
    assert!(app
        .page("/profile")
        .await
        .text()
        .contains("data-reset-email=\"on\""));
    assert_eq!(ask().await.status, StatusCode::ACCEPTED);
    let mail = smtp
        .next(Duration::from_secs(10))
        .await
        .ok_or("no e-mail with the code")?;
    assert!(mail.to.iter().any(|t| t.contains("ba.lan@example.test")));
    let body = mail
        .data
        .split("\r\n\r\n")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\r\n\r\n");
    let text = if mail
        .data
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined)?)?
    } else {
        body.replace("=\r\n", "")
    };
    let code = find_code(&text).ok_or("a code in the e-mail")?;
    let done = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"username": "ba.lan", "code": code, "new_password": "mot cau moi rat dai"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    Ok(())
}

#[actix_web::test]
async fn a_manager_lands_on_the_dashboard_and_a_learner_on_the_courses() -> TestResult {
    let app = TestApp::spawn().await?;
    app.account("to.truong", None, &["manager", "learner"])
        .await?;
    app.page("/login").await;
    let r = app
        .submit_form(
            "/login",
            &[
                ("username", "to.truong"),
                ("password", "mat-khau-dai"),
                ("next", "/courses"),
            ],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/dashboard"));
    let learner = TestApp::spawn().await?;
    learner.learner("ba.lan").await?;
    learner.page("/login").await;
    let r = learner
        .submit_form(
            "/login",
            &[("username", "ba.lan"), ("password", "mat-khau-dai")],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/courses"));
    Ok(())
}
