use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::app::evidence::{lookup, set_verify_shows_details};
use crate::auth::{MaybeUser, PageUser};
use crate::error::AppError;
use crate::present::evidence::{my_certificate_views, VerifiedView};
use crate::state::AppState;
use crate::views::date_vi;

use super::{redirect, url_encode, Page, PageResult};

pub async fn my_certificates(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> PageResult {
    let user = user.0;
    let rows = my_certificate_views(&state, &user).await?;
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

/// The page a certificate's QR code opens: valid, revoked or unknown. It shows the learner's
/// display name and nothing else about them.
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    path: web::Path<String>,
) -> PageResult {
    let found = lookup(&state, &path).await?;
    let view = found.map(|v| VerifiedView::of(&state, v));
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
    set_verify_shows_details(&state, &user.0, form.show.as_deref() == Some("yes")).await?;
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
