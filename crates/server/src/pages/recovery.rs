//! "Quên mật khẩu": asking for a code by e-mail, setting a new password with a code, a mentor's
//! or manager's code for someone they help (a printable slip), the sessions list and the
//! consent to codes by e-mail. The rules are in `app::recovery`.

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::app::accounts::Origin;
use crate::app::recovery;
use crate::auth::{csrf, PageUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{date_vi, time_vi};

use super::signed_in::CsrfChecked;
use super::{redirect, Page, PageResult};

pub async fn forgot_form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    Page::new(&req, &state, None)
        .with("sent", &false)
        .with("mail_on", &state.settings.mail.is_some())
        .render("forgot.html")
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
}

/// Always the same answer, whether or not a code went out (no account enumeration).
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    recovery::request_by_email(&state, &form.username).await?;
    Page::new(&req, &state, None)
        .with("sent", &true)
        .with("mail_on", &state.settings.mail.is_some())
        .render("forgot.html")
}

pub async fn reset_form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    Page::new(&req, &state, None)
        .with("username", "")
        .with("code", "")
        .render("reset.html")
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    new_password: String,
}

/// Sets the new password; on a mistake the form comes back with the username and code kept
/// (never the password).
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ResetForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let origin = Origin::of(&req, &state, form.username.trim());
    match recovery::reset_with_code(
        &state,
        &form.username,
        &form.code,
        &form.new_password,
        &origin,
    )
    .await
    {
        Ok(()) => Ok(redirect("/login?reset=done")),
        Err(e) => Page::new(&req, &state, None)
            .with("username", form.username.trim())
            .with("code", form.code.trim())
            .error(&e)
            .render("reset.html"),
    }
}

#[derive(Serialize)]
struct Slip {
    display_name: String,
    username: String,
    code: String,
    expires: String,
}

/// A mentor or manager issues a code for someone they help, shown once on a slip to print or
/// read out.
pub async fn issue_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<i64>,
    _: CsrfChecked,
) -> PageResult {
    let issued = recovery::issue_code(&state, &user.0, path.into_inner()).await?;
    let slip = Slip {
        display_name: issued.person.display_name.clone(),
        username: issued.person.username.clone(),
        code: issued.code,
        expires: format!(
            "{} {}",
            time_vi(issued.expires_at),
            date_vi(issued.expires_at)
        ),
    };
    Page::new(&req, &state, Some(&user.0))
        .with("slip", &slip)
        .with("hours", &recovery::HANDED_CODE_HOURS)
        .render("reset_slip.html")
}

#[derive(Deserialize)]
pub struct ResetEmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

/// The consent to receive reset codes at the reminder address, on /profile.
pub async fn reset_by_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<ResetEmailForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    recovery::set_reset_by_email(&state, &user.0, form.on == "yes", "form").await?;
    Ok(redirect("/profile#reset-email"))
}

#[derive(Serialize)]
pub struct SessionLine {
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

/// The account's live sessions, for the account page: when each began and was last used.
pub async fn session_lines(
    req: &HttpRequest,
    state: &AppState,
    user_id: i64,
) -> Result<Vec<SessionLine>, AppError> {
    use actix_web::HttpMessage;
    let current = req
        .extensions()
        .get::<crate::auth::session::Session>()
        .map(|s| s.id.clone());
    Ok(state
        .store
        .active_sessions(user_id, state.clock.now())
        .await?
        .into_iter()
        .map(|s| SessionLine {
            started: format!("{} {}", time_vi(s.created_at), date_vi(s.created_at)),
            last_seen: format!("{} {}", time_vi(s.last_seen_at), date_vi(s.last_seen_at)),
            current: current.as_deref() == Some(s.id.as_str()),
        })
        .collect())
}
