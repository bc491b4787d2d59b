use actix_web::{web, HttpRequest, HttpResponse};
use hocvuso_course::Catalog;
use serde::{Deserialize, Serialize};

use crate::app::accounts::{self, LoggedIn, Origin, Registration, PRIVACY_NOTICE_VERSION};
use crate::auth::session::{authenticate, clear_session_cookie, session_cookie};
use crate::auth::{csrf, device, MaybeUser, PageUser};
use crate::state::AppState;

use super::{redirect, safe_next, Page, PageResult};

#[derive(Serialize)]
struct GroupOption<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
}

fn groups(catalog: &Catalog) -> Vec<GroupOption<'_>> {
    catalog
        .groups
        .iter()
        .map(|g| GroupOption {
            id: &g.id,
            title: &g.title,
            description: &g.description,
        })
        .collect()
}

pub async fn home(req: HttpRequest, state: web::Data<AppState>, user: MaybeUser) -> PageResult {
    if user.0.is_some() {
        return Ok(redirect("/courses"));
    }
    Page::new(&req, &state, None)
        .with("groups", &groups(&state.catalog()))
        .render("home.html")
}

#[derive(Deserialize, Serialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    guardian_consent: Option<String>,
}

pub async fn register_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
) -> PageResult {
    if user.0.is_some() {
        return Ok(redirect("/courses"));
    }
    Page::new(&req, &state, None)
        .with("groups", &groups(&state.catalog()))
        .with("form", &RegisterForm::default())
        .with("notice_version", PRIVACY_NOTICE_VERSION)
        .render("register.html")
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let form = form.into_inner();
    let birth_year = match form.birth_year.trim() {
        "" => Ok(None),
        y => y
            .parse::<i32>()
            .map(Some)
            .map_err(|_| crate::AppError::unprocessable("invalid_birth_year")),
    };
    let result = match birth_year {
        Ok(birth_year) => {
            accounts::register(
                &state,
                Registration {
                    username: form.username.trim().to_owned(),
                    password: form.password.clone(),
                    display_name: form.display_name.clone(),
                    group: form.group.clone(),
                    birth_year,
                    // Only a box the person ticked on this page counts as consent.
                    consent_method: form
                        .consent
                        .as_deref()
                        .filter(|v| *v == "yes")
                        .map(|_| "form"),
                    guardian_consent: form.guardian_consent.as_deref() == Some("yes"),
                },
                crate::auth::client::address(&req, &state.settings),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            // Straight in: a new learner should not have to type the password twice.
            let username = form.username.trim();
            let origin = Origin::of(&req, &state, username);
            match accounts::login(&state, username, &form.password, &origin).await {
                Ok(done) => Ok(signed_in(&req, &state, done, "/courses")),
                Err(_) => Ok(redirect("/login")),
            }
        }
        Err(e) => Page::new(&req, &state, None)
            .with("groups", &groups(&state.catalog()))
            .with("form", &form)
            .with("notice_version", PRIVACY_NOTICE_VERSION)
            .error(&e)
            .render("register.html"),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// `done` after a password was reset with a code.
    reset: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
    user: MaybeUser,
) -> PageResult {
    if user.0.is_some() {
        return Ok(redirect(safe_next(q.next.as_deref())));
    }
    Page::new(&req, &state, None)
        .with("next", safe_next(q.next.as_deref()))
        .with("username", "")
        .with("reset_done", &(q.reset.as_deref() == Some("done")))
        .render("login.html")
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let next = safe_next(form.next.as_deref()).to_owned();
    let username = form.username.trim();
    let origin = Origin::of(&req, &state, username);
    match accounts::login(&state, username, &form.password, &origin).await {
        Ok(done) => {
            // Staff land where their work is, unless they were on their way somewhere.
            let asked = form
                .next
                .as_deref()
                .is_some_and(|n| n != "/courses" && !n.is_empty());
            let next = if !asked && is_manager(&done.user) {
                "/dashboard".to_owned()
            } else {
                next
            };
            let user_id = done.user.id;
            let mut resp = signed_in(&req, &state, done, &next);
            // The learner's saved reading settings and language follow them to this browser.
            if let Ok(Some(saved)) = state.store.reading_preferences(user_id).await {
                let prefs = crate::preferences::Prefs::from_profile(&saved);
                let _ = resp.add_cookie(&prefs.cookie(state.settings.secure_cookies));
            }
            Ok(resp)
        }
        Err(e) => Page::new(&req, &state, None)
            .with("next", &next)
            .with("username", form.username.trim())
            .error(&e)
            .render("login.html"),
    }
}

fn is_manager(u: &hocvuso_store::User) -> bool {
    u.has_role(crate::auth::ROLE_MANAGER)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The response to a successful sign-in: the session cookie, the device cookie (so a stranger's
/// failures do not hold this browser back next time), and on to `next`.
fn signed_in(req: &HttpRequest, state: &AppState, done: LoggedIn, next: &str) -> HttpResponse {
    let mut resp = HttpResponse::SeeOther();
    resp.cookie(session_cookie(
        done.token.token,
        state.settings.secure_cookies,
        state.settings.session_minutes,
    ));
    if let Some(c) = device::cookie_after_sign_in(
        req,
        &state.keys,
        &done.user.username,
        state.settings.secure_cookies,
    ) {
        resp.cookie(c);
    }
    resp.insert_header((actix_web::http::header::LOCATION, next.to_owned()))
        .finish()
}

fn signed_out(state: &AppState, location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(clear_session_cookie(state.settings.secure_cookies))
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .finish()
}

/// Signs out: the session ends on the server, so the cookie is worthless even if kept.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    if let Some(s) = authenticate(&req, true).await? {
        accounts::logout(&state, &s.id, s.user.id).await?;
    }
    Ok(signed_out(&state, "/"))
}

/// Signs out on every device, this one included.
pub async fn logout_everywhere(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    accounts::logout_everywhere(&state, user.0.id).await?;
    Ok(signed_out(&state, "/login"))
}

/// The account page: change the password, sign out everywhere.
pub async fn account(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let sessions = super::recovery::session_lines(&req, &state, user.0.id).await?;
    Page::new(&req, &state, Some(&user.0))
        .with("done", &q.done.as_deref().unwrap_or(""))
        .with("sessions", &sessions)
        .render("account.html")
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the password; every other session of the account ends.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<PasswordForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let Some(session) = authenticate(&req, true).await? else {
        return Ok(redirect("/login?next=/account"));
    };
    let origin = Origin::of(&req, &state, &user.0.username);
    match accounts::change_password(
        &state,
        &user.0,
        &session.id,
        &form.current_password,
        &form.new_password,
        &origin,
    )
    .await
    {
        Ok(()) => Ok(redirect("/account?done=password")),
        Err(e) => {
            let sessions = super::recovery::session_lines(&req, &state, user.0.id).await?;
            Page::new(&req, &state, Some(&user.0))
                .with("done", "")
                .with("sessions", &sessions)
                .error(&e)
                .render("account.html")
        }
    }
}

pub async fn privacy(req: HttpRequest, state: web::Data<AppState>, user: MaybeUser) -> PageResult {
    Page::new(&req, &state, user.0.as_ref())
        .with("notice_version", PRIVACY_NOTICE_VERSION)
        .render("privacy.html")
}
