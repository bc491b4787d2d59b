use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use hocvuso_credentials::AchievementKind;

use crate::app::evidence::{certificate_title, lookup, signed_with_retired_key, verify_url};
use crate::auth::{MaybeUser, PageUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::date_vi;

use super::{redirect, url_encode, Page, PageResult};

#[derive(Serialize)]
struct CertificateRow {
    id: String,
    /// The course title, or the path title.
    title: String,
    /// A path certificate (passed the group's final quiz) rather than a course's.
    path: bool,
    issued_on: String,
    verify_url: String,
    revoked: bool,
    /// Signed with a key since withdrawn: not valid until re-issued.
    key_retired: bool,
}

pub async fn my_certificates(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    let user = user.0;
    let rows: Vec<CertificateRow> = state
        .store
        .certificates_for_user(user.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|c| CertificateRow {
            verify_url: verify_url(&state, &c.certificate_id),
            title: certificate_title(&state, &c),
            path: c.kind == AchievementKind::Path,
            issued_on: date_vi(c.completed_at),
            revoked: c.revoked_at.is_some(),
            key_retired: signed_with_retired_key(&state, &c),
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
    /// A path certificate: the text says the learner passed the path's final quiz.
    path: bool,
    /// Signed with a key since withdrawn: not valid evidence until re-issued. The page says
    /// so without naming the key or why it was withdrawn.
    key_retired: bool,
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
        path: v.is_path(),
        key_retired: v.key_retired,
        course_title: v.title,
        issued_on: date_vi(v.certificate.completed_at),
        revoked: v.certificate.revoked_at.is_some(),
        revoked_on: v.certificate.revoked_at.map(date_vi),
        revoked_reason: v.certificate.revoked_reason,
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

#[derive(Serialize)]
struct KeyLine {
    kid: String,
    status: &'static str,
    created_on: String,
}

/// `/issuer` for people: who issues the certificates, the keys that sign them, and the
/// ledger's head, to note down and compare later (a ledger cut short shows against it).
pub async fn issuer_page(
    req: &HttpRequest,
    state: &AppState,
    user: Option<&hocvuso_store::User>,
) -> PageResult {
    let head = crate::app::ledger::head(&state.store)
        .await
        .map_err(AppError::from)?;
    let ring = state.issuer.ring();
    let keys: Vec<KeyLine> = ring
        .keys()
        .map(|k| KeyLine {
            kid: k.kid.clone(),
            status: match k.status {
                hocvuso_credentials::KeyStatus::Active => "active",
                hocvuso_credentials::KeyStatus::Earlier { .. } => "earlier",
                hocvuso_credentials::KeyStatus::Retired { .. } => "retired",
            },
            created_on: date_vi(k.created_at),
        })
        .collect();
    Page::new(req, state, user)
        .with("issuer_name", &state.issuer.name)
        .with("issuer_url", state.issuer.base.as_str())
        .with("head", &head)
        .with("keys", &keys)
        .render("issuer.html")
}
