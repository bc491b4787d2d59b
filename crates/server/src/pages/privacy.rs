//! "Dữ liệu của tôi" (`/profile/du-lieu`): what is held, the download, consents, deleting the
//! account; and the administrator's audit log (`/admin/nhat-ky`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::accounts::Origin;
use crate::app::privacy as app;
use crate::auth::session::{authenticate, clear_session_cookie};
use crate::auth::{csrf, PageUser, ROLE_ADMIN};
use crate::error::AppError;
use crate::present::privacy::{audit_request, held_summary, AuditQuery};
use crate::state::AppState;
use crate::views::datetime_vi;

use super::{redirect, Page, PageResult};

#[derive(Deserialize)]
pub struct DataQuery {
    done: Option<String>,
}

#[derive(Serialize)]
struct ConsentLine {
    purpose: String,
    label: String,
    notice_version: String,
    granted_on: String,
    withdrawn_on: Option<String>,
    withdrawable: bool,
}

/// The person's data page.
pub async fn data(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    q: web::Query<DataQuery>,
) -> PageResult {
    data_page(&req, &state, &user.0, q.done.as_deref().unwrap_or(""), None).await
}

async fn data_page(
    req: &HttpRequest,
    state: &AppState,
    user: &hocvuso_store::User,
    done: &str,
    error: Option<&AppError>,
) -> PageResult {
    let t = crate::i18n_global();
    let held = held_summary(state, user.id).await?;
    let consents: Vec<ConsentLine> = state
        .store
        .consents(user.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|c| ConsentLine {
            label: t
                .get(&format!("data_rights.purpose_{}", c.purpose))
                .to_owned(),
            withdrawable: c.withdrawn_at.is_none()
                && app::WITHDRAWABLE.contains(&c.purpose.as_str()),
            purpose: c.purpose,
            notice_version: c.notice_version,
            granted_on: datetime_vi(c.granted_at),
            withdrawn_on: c.withdrawn_at.map(datetime_vi),
        })
        .collect();
    let mut page = Page::new(req, state, Some(user))
        .with("held", &held)
        .with("consents", &consents)
        .with("done", done)
        .with("username", &user.username);
    if let Some(e) = error {
        page = page.error(e);
    }
    page.render("my_data.html")
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<WithdrawForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    match app::withdraw_consent(&state, &user.0, &form.purpose).await {
        Ok(()) => Ok(redirect("/profile/du-lieu?done=withdrawn")),
        Err(e) => data_page(&req, &state, &user.0, "", Some(&e)).await,
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Deletes the account after the password. A second submission (a double click, the back
/// button) lands on the same "deleted" page, saying it was already done.
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<DeleteForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let Some(session) = authenticate(&req, true).await? else {
        if app::caller_was_deleted(&state, &req).await? {
            return Ok(deleted_redirect(&state, "/profile/du-lieu/da-xoa?again=1"));
        }
        return Ok(redirect("/login?next=/profile/du-lieu"));
    };
    let origin = Origin::of(&req, &state, &session.user.username);
    match app::delete_account(&state, &session.user, &form.password, &origin).await {
        Ok(()) => Ok(deleted_redirect(&state, "/profile/du-lieu/da-xoa")),
        Err(e) if e.key == "account_already_deleted" => {
            Ok(deleted_redirect(&state, "/profile/du-lieu/da-xoa?again=1"))
        }
        Err(e) => data_page(&req, &state, &session.user, "", Some(&e)).await,
    }
}

fn deleted_redirect(state: &AppState, to: &str) -> HttpResponse {
    let mut r = redirect(to);
    let _ = r.add_cookie(&clear_session_cookie(state.settings.secure_cookies));
    r
}

#[derive(Deserialize)]
pub struct DeletedQuery {
    again: Option<String>,
}

/// After a deletion: what went, what stays.
pub async fn deleted(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<DeletedQuery>,
) -> PageResult {
    Page::new(&req, &state, None)
        .with("again", &q.again.is_some())
        .render("account_deleted.html")
}

/// The audit log, filtered; the same filter downloads as CSV or XLSX through the API (which
/// takes the session cookie for GET).
pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    q: web::Query<AuditQuery>,
) -> PageResult {
    if !user.0.has_role(ROLE_ADMIN) {
        return Err(AppError::not_found().into());
    }
    let mut q = q.into_inner();
    // The page shows entries; files come from the API's link.
    q.format = None;
    let page = Page::new(&req, &state, Some(&user.0))
        .with("actions", app::AUDIT_ACTIONS)
        .with("q_actor", &q.actor.clone().unwrap_or_default())
        .with("q_subject", &q.subject.clone().unwrap_or_default())
        .with("q_action", &q.action.clone().unwrap_or_default())
        .with("q_from", &q.from.clone().unwrap_or_default())
        .with("q_to", &q.to.clone().unwrap_or_default())
        .with("query", &audit_query_string(&q));
    match audit_request(&state, &user.0, &q).await {
        Ok((lines, _)) => {
            let next = lines.last().map(|l| l.id);
            page.with("lines", &lines)
                .with("next", &next)
                .render("audit.html")
        }
        Err(e) => page
            .with("lines", &Vec::<()>::new())
            .with("next", &Option::<i64>::None)
            .error(&e)
            .render("audit.html"),
    }
}

/// The filter as a query string, for the download and next-page links.
fn audit_query_string(q: &AuditQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("actor", &q.actor),
        ("subject", &q.subject),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            parts.push(format!("{k}={}", crate::render::url_encode(v)));
        }
    }
    parts.join("&")
}
