//! The HTTP contract as others check it (issue #19, item 2): methods a path does not take, and
//! the OpenAPI document that generators, validators and fuzzers read. `scripts/api-fuzz.sh`
//! validates the document and fuzzes the running server; these stories keep the rules the
//! fuzzer relies on from regressing in the ordinary test run.

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::TestRequest;
use hocvuso_stories::{Reply, TestApp, TestResult};

fn allow(r: &Reply) -> Vec<String> {
    let mut methods: Vec<String> = r
        .headers
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    methods.sort();
    methods
}

#[actix_web::test]
async fn a_method_an_api_path_does_not_take_is_405_with_allow_and_the_contracts_error() -> TestResult
{
    let app = TestApp::spawn().await?;
    let token = app.learner("an.api").await?;
    for (method, path, allowed) in [
        (Method::DELETE, "/api/v1/me", vec!["GET", "HEAD"]),
        (Method::TRACE, "/api/v1/units", vec!["GET", "HEAD", "POST"]),
        (
            Method::PATCH,
            "/api/v1/me/email",
            vec!["GET", "HEAD", "PUT"],
        ),
        (Method::GET, "/api/v1/auth/login", vec!["POST"]),
        (Method::PUT, "/api/v1/people/1", vec!["GET", "HEAD"]),
        (Method::TRACE, "/healthz", vec!["GET", "HEAD"]),
        (Method::POST, "/api/openapi.json", vec!["GET", "HEAD"]),
    ] {
        let r = app.api(method.clone(), path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(allow(&r), allowed, "{method} {path}");
        assert_eq!(r.json()["error"], "method_not_allowed", "{method} {path}");
        assert!(
            !r.json()["message"].as_str().unwrap_or("x").is_ascii(),
            "{method} {path}: {}",
            r.text()
        );
    }
    // A path nobody serves is still 404, whatever the method.
    let r = app.api(Method::TRACE, "/api/v1/nowhere", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    Ok(())
}

#[actix_web::test]
async fn a_method_a_page_does_not_take_is_405_with_allow_and_the_error_page() -> TestResult {
    let app = TestApp::spawn().await?;
    for (method, path, allowed) in [
        (Method::DELETE, "/login", vec!["GET", "HEAD", "POST"]),
        (Method::TRACE, "/", vec!["GET", "HEAD"]),
        (Method::PUT, "/courses", vec!["GET", "HEAD"]),
        (Method::GET, "/logout", vec!["POST"]),
    ] {
        let r = app
            .send(TestRequest::default().method(method.clone()).uri(path))
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(allow(&r), allowed, "{method} {path}");
        let ct = r
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(ct.starts_with("text/html"), "{method} {path}: {ct}");
        assert!(r.text().contains("data-error="), "{}", r.text());
    }
    let r = app
        .send(TestRequest::default().method(Method::TRACE).uri("/nowhere"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[actix_web::test]
async fn the_openapi_document_names_each_operation_once_and_declares_the_pipelines_errors(
) -> TestResult {
    let app = TestApp::spawn().await?;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    let paths = doc["paths"].as_object().ok_or("no paths")?;
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().ok_or("path item")? {
            let id = op["operationId"].as_str().ok_or("no operationId")?;
            if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operation id {id} used by {other} and {method} {path}");
            }
            let responses = op["responses"].as_object().ok_or("responses")?;
            let declares = |status: &str| responses.contains_key(status);
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert!(declares("401"), "{method} {path} does not declare 401");
            }
            if op.get("requestBody").is_some() && path != "/api/v1/import" {
                for status in ["400", "413", "415"] {
                    assert!(
                        declares(status),
                        "{method} {path} does not declare {status}"
                    );
                }
            }
            if path.contains('{') {
                assert!(declares("404"), "{method} {path} does not declare 404");
            }
        }
    }
    // The duplicate the validator refused: two operations called `register`.
    assert_eq!(ids["register"], "post /api/v1/auth/register");
    assert_eq!(
        ids["register_assisted"],
        "post /api/v1/mentor/registrations"
    );
    // Export endpoints declare the files they send besides JSON.
    let people = &paths["/api/v1/units/{id}/people"]["get"]["responses"]["200"]["content"];
    for ct in [
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ] {
        assert!(
            people.get(ct).is_some(),
            "people export lacks {ct}: {people}"
        );
    }
    // Closed lists come from what the server checks against: the content's groups.
    let group = &doc["components"]["schemas"]["RegisterRequest"]["properties"]["group"]["enum"];
    let groups: Vec<&str> = group
        .as_array()
        .ok_or("no group enum")?
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    assert!(groups.contains(&"citizen"), "{groups:?}");
    Ok(())
}

/// Found by the fuzzer: `GET /api/v1/targets?year=2147483646` answered 200 with targets for a
/// year no target can be set for (setting takes 2000–2100), breaking the document's schema.
#[actix_web::test]
async fn targets_and_dashboards_are_asked_for_the_years_targets_can_be_set_for() -> TestResult {
    let app = TestApp::spawn().await?;
    let admin = app.admin("quan.tri.contract").await?;
    for year in ["1999", "2101", "2147483646", "-5"] {
        for path in ["/api/v1/targets", "/api/v1/dashboard"] {
            let r = app.get(&format!("{path}?year={year}"), Some(&admin)).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {year}: {}",
                r.text()
            );
            assert_eq!(r.json()["error"], "invalid_year", "{path} {year}");
        }
    }
    let r = app.get("/api/v1/targets?year=2030", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r
        .json()
        .as_array()
        .is_some_and(|t| t.iter().all(|t| t["year"] == 2030)));
    Ok(())
}
