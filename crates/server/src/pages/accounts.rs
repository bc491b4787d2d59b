use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::accounts::{self, Registration, PRIVACY_NOTICE_VERSION};
use crate::auth::session::{clear_session_cookie, session_cookie};
use crate::auth::{csrf, MaybeUser};
use crate::state::AppState;

use super::{redirect, safe_next, Page, PageResult};

#[derive(Serialize)]
struct GroupOption<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
}

fn groups(state: &AppState) -> Vec<GroupOption<'_>> {
    state
        .catalog
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
        .with("groups", &groups(&state))
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
        .with("groups", &groups(&state))
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
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            // Straight in: a new learner should not have to type the password twice.
            let address = req.peer_addr().map(|a| a.ip().to_string());
            match accounts::login(&state, &form.username, &form.password, address.as_deref()).await
            {
                Ok(done) => Ok(HttpResponse::SeeOther()
                    .cookie(session_cookie(
                        done.token.token,
                        state.settings.secure_cookies,
                        state.settings.session_minutes,
                    ))
                    .insert_header((actix_web::http::header::LOCATION, "/courses"))
                    .finish()),
                Err(_) => Ok(redirect("/login")),
            }
        }
        Err(e) => Page::new(&req, &state, None)
            .with("groups", &groups(&state))
            .with("form", &form)
            .with("notice_version", PRIVACY_NOTICE_VERSION)
            .error(&e)
            .render("register.html"),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
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
        .render("login.html")
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let next = safe_next(form.next.as_deref()).to_owned();
    match accounts::login(
        &state,
        form.username.trim(),
        &form.password,
        address.as_deref(),
    )
    .await
    {
        Ok(done) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(
                done.token.token,
                state.settings.secure_cookies,
                state.settings.session_minutes,
            ))
            .insert_header((actix_web::http::header::LOCATION, next))
            .finish()),
        Err(e) => Page::new(&req, &state, None)
            .with("next", &next)
            .with("username", form.username.trim())
            .error(&e)
            .render("login.html"),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    Ok(HttpResponse::SeeOther()
        .cookie(clear_session_cookie(state.settings.secure_cookies))
        .insert_header((actix_web::http::header::LOCATION, "/"))
        .finish())
}

pub async fn privacy(req: HttpRequest, state: web::Data<AppState>, user: MaybeUser) -> PageResult {
    Page::new(&req, &state, user.0.as_ref())
        .with("notice_version", PRIVACY_NOTICE_VERSION)
        .render("privacy.html")
}
