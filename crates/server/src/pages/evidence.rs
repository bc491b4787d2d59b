use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::app::evidence::{lookup, verify_url};
use crate::auth::{MaybeUser, PageUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::date_vi;

use super::{redirect, url_encode, Page, PageResult};

#[derive(Serialize)]
struct CertificateRow {
    id: String,
    course_title: String,
    issued_on: String,
    verify_url: String,
    revoked: bool,
}

pub async fn my_certificates(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    let user = user.0;
    let rows: Vec<CertificateRow> = state
        .store
        .completions_for_user(user.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|c| CertificateRow {
            verify_url: verify_url(&state, &c.certificate_id),
            course_title: state
                .catalog
                .course(&c.course_id)
                .map(|x| x.title.clone())
                .unwrap_or_else(|| c.course_id.clone()),
            issued_on: date_vi(c.completed_at),
            revoked: c.revoked_at.is_some(),
            id: c.certificate_id,
        })
        .collect();
    Page::new(&req, &state, Some(&user))
        .with("show_details", &user.verify_shows_details)
        .with("certificates", &rows)
        .render("certificates.html")
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    id: Option<String>,
}

pub async fn verify_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    q: web::Query<VerifyQuery>,
) -> PageResult {
    if let Some(id) = q.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(redirect(&format!("/verify/{}", url_encode(id))));
    }
    Page::new(&req, &state, user.0.as_ref())
        .with("checked", &false)
        .render("verify.html")
}

#[derive(Serialize)]
struct VerifiedView {
    learner: String,
    course_title: String,
    issued_on: String,
    revoked: bool,
    revoked_on: Option<String>,
    revoked_reason: Option<String>,
    /// Shown only when the learner chose to (off by default).
    details: Option<Details>,
}

#[derive(Serialize)]
struct Details {
    username: String,
    birth_year: Option<i32>,
    group: Option<String>,
}

/// The page a certificate's QR code opens: valid, revoked or unknown. It shows the learner's
/// display name and nothing else about them.
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    path: web::Path<String>,
) -> PageResult {
    let found = lookup(&state, &path).await?;
    let view = found.map(|v| VerifiedView {
        learner: v.learner.display_name.clone(),
        course_title: v.course_title,
        issued_on: date_vi(v.completion.completed_at),
        revoked: v.completion.revoked_at.is_some(),
        revoked_on: v.completion.revoked_at.map(date_vi),
        revoked_reason: v.completion.revoked_reason,
        details: v.learner.verify_shows_details.then(|| Details {
            group: v
                .learner
                .group
                .as_deref()
                .and_then(|g| state.catalog.group(g))
                .map(|g| g.title.clone()),
            username: v.learner.username,
            birth_year: v.learner.birth_year,
        }),
    });
    let status = if view.is_some() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::NOT_FOUND
    };
    Page::new(&req, &state, user.0.as_ref())
        .with("checked", &true)
        .with("certificate_id", path.as_str())
        .with("certificate", &view)
        .status(status)
        .render("verify.html")
}

#[derive(Deserialize)]
pub struct DetailsForm {
    csrf: String,
    #[serde(default)]
    show: Option<String>,
}

/// The learner's choice to show their username, birth year and group on the verification page.
pub async fn verify_details(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<DetailsForm>,
) -> PageResult {
    crate::auth::csrf::verify(&req, &form.csrf)?;
    state
        .store
        .set_verify_shows_details(user.0.id, form.show.as_deref() == Some("yes"))
        .await
        .map_err(AppError::from)?;
    Ok(redirect("/certificates"))
}
