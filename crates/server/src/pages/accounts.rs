use actix_web::{web, HttpRequest, HttpResponse};
use hocvuso_course::Catalog;
use serde::{Deserialize, Serialize};

use crate::app::accounts::{
    self, LoggedIn, Origin, Registration, SignInStep, PRIVACY_NOTICE_VERSION,
};
use crate::app::two_factor;
use crate::auth::session::{authenticate, clear_session_cookie, session_cookie};
use crate::auth::{csrf, device, MaybeUser, PageUser};
use crate::state::AppState;

use super::signed_in::CsrfChecked;
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
    #[serde(default)]
    under_16: Option<String>,
    #[serde(default)]
    guardian_contact: String,
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
                    under_16: form.under_16.as_deref() == Some("yes"),
                    guardian_contact: Some(form.guardian_contact.clone()),
                },
                crate::auth::client::address(&req, &state.settings),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(registered) => {
            // Straight in: a new learner should not have to type the password twice.
            let username = form.username.trim();
            let origin = Origin::of(&req, &state, username);
            match accounts::login(&state, username, &form.password, &origin).await {
                Ok(SignInStep::Done(done)) => match registered.guardian_code {
                    // A child: the guardian's code is shown once, then on to the courses.
                    Some(code) => {
                        let user = done.user.clone();
                        let mut resp = Page::new(&req, &state, Some(&user))
                            .with("code", &code)
                            .render("guardian_code.html")?;
                        let _ = resp.add_cookie(&session_cookie(
                            done.token.token,
                            state.settings.secure_cookies,
                            state.settings.session_minutes,
                        ));
                        Ok(resp)
                    }
                    None => Ok(signed_in(&req, &state, done, "/courses")),
                },
                _ => Ok(redirect("/login")),
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
        .with("oidc_label", &oidc_label(&state))
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
        Ok(step) => sign_in_step(&req, &state, step, form.next.as_deref()).await,
        Err(e) => Page::new(&req, &state, None)
            .with("next", &next)
            .with("username", form.username.trim())
            .with("oidc_label", &oidc_label(&state))
            .error(&e)
            .render("login.html"),
    }
}

/// Where a signed-in person goes: staff land where their work is, unless they were on their
/// way somewhere; the learner's saved reading settings and language follow them.
async fn after_sign_in(
    req: &HttpRequest,
    state: &AppState,
    done: LoggedIn,
    asked_next: Option<&str>,
) -> HttpResponse {
    let next = safe_next(asked_next).to_owned();
    let asked = asked_next.is_some_and(|n| n != "/courses" && !n.is_empty());
    let next = if !asked && is_manager(&done.user) {
        "/dashboard".to_owned()
    } else {
        next
    };
    let user_id = done.user.id;
    let mut resp = signed_in(req, state, done, &next);
    if let Ok(Some(saved)) = state.store.reading_preferences(user_id).await {
        let prefs = crate::preferences::Prefs::from_profile(&saved);
        let _ = resp.add_cookie(&prefs.cookie(state.settings.secure_cookies));
    }
    resp
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: Option<String>,
}

/// The second step of a sign-in: the authenticator app's code or a recovery code.
pub async fn login_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    match two_factor::second_factor(&state, &form.ticket, &form.code).await {
        Ok(done) => Ok(after_sign_in(&req, &state, done, form.next.as_deref()).await),
        Err(e) if e.key == "sign_in_expired" => Page::new(&req, &state, None)
            .with("next", safe_next(form.next.as_deref()))
            .with("username", "")
            .error(&e)
            .render("login.html"),
        Err(e) => Page::new(&req, &state, None)
            .with("ticket", &form.ticket)
            .with("next", safe_next(form.next.as_deref()))
            .error(&e)
            .render("login_code.html"),
    }
}

/// Enrolment that the sign-in required: the first code confirms it, the recovery codes are
/// shown once, and the person is signed in.
pub async fn login_enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let next = safe_next(form.next.as_deref()).to_owned();
    match two_factor::enrol_at_sign_in(&state, &form.ticket, &form.code).await {
        Ok((done, codes)) => {
            let user = done.user.clone();
            let mut resp = Page::new(&req, &state, Some(&user))
                .with("codes", &codes)
                .with("next", &next)
                .render("totp_codes.html")?;
            let _ = resp.add_cookie(&session_cookie(
                done.token.token,
                state.settings.secure_cookies,
                state.settings.session_minutes,
            ));
            Ok(resp)
        }
        Err(e) if e.key == "sign_in_expired" => Page::new(&req, &state, None)
            .with("next", &next)
            .with("username", "")
            .error(&e)
            .render("login.html"),
        Err(e) => {
            // A wrong first code: the same secret stays (the app already holds it).
            let user = two_factor::enrolling_user(&state, &form.ticket).await?;
            let enrolment = two_factor::pending_enrolment(&state, &user).await?;
            let at = EnrolAt::SignIn {
                ticket: &form.ticket,
                next: &next,
            };
            enrol_page(&req, &state, None, &enrolment, at)
                .error(&e)
                .render("totp_enrol.html")
        }
    }
}

fn is_manager(u: &hocvuso_store::User) -> bool {
    u.has_role(crate::auth::ROLE_MANAGER)
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
pub async fn logout(req: HttpRequest, state: web::Data<AppState>, _: CsrfChecked) -> PageResult {
    if let Some(s) = authenticate(&req, true).await? {
        accounts::logout(&state, &s.id, s.user.id).await?;
    }
    Ok(signed_out(&state, "/"))
}

/// Signs out on every device, this one included.
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    user: PageUser,
    _: CsrfChecked,
) -> PageResult {
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
    account_page(&req, &state, &user.0, q.done.as_deref().unwrap_or(""))
        .await?
        .render("account.html")
}

/// The account page's content: sessions, two-factor sign-in, and what was just `done`.
async fn account_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a hocvuso_store::User,
    done: &str,
) -> Result<Page<'a>, crate::AppError> {
    let sessions = super::recovery::session_lines(req, state, user.id).await?;
    let totp = two_factor::status(state, user).await?;
    Ok(Page::new(req, state, Some(user))
        .with("done", done)
        .with("sessions", &sessions)
        .with("totp_on", &totp.enabled)
        .with("codes_left", &totp.recovery_codes_left)
        .with("totp_required", &totp.required))
}

#[derive(Deserialize)]
pub struct AccountCodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Starts two-factor enrolment from the account page: the secret and its QR code, shown once.
pub async fn totp_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    _: CsrfChecked,
) -> PageResult {
    let enrolment = two_factor::start_enrolment(&state, &user.0).await?;
    enrol_page(&req, &state, Some(&user.0), &enrolment, EnrolAt::Account).render("totp_enrol.html")
}

/// Confirms enrolment with a first code; shows the recovery codes once.
pub async fn totp_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<AccountCodeForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    match two_factor::confirm_enrolment(&state, &user.0, &form.code).await {
        Ok(codes) => Page::new(&req, &state, Some(&user.0))
            .with("codes", &codes)
            .with("next", "/account")
            .render("totp_codes.html"),
        Err(e) if e.key == "totp_not_started" => Ok(redirect("/account")),
        Err(e) => {
            let enrolment = two_factor::pending_enrolment(&state, &user.0).await?;
            enrol_page(&req, &state, Some(&user.0), &enrolment, EnrolAt::Account)
                .error(&e)
                .render("totp_enrol.html")
        }
    }
}

/// Turns two-factor sign-in off with a current code or a recovery code.
pub async fn totp_disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<AccountCodeForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    match two_factor::disable_totp(&state, &user.0, &form.code).await {
        Ok(()) => Ok(redirect("/account?done=totp_off")),
        Err(e) => account_page(&req, &state, &user.0, "")
            .await?
            .error(&e)
            .render("account.html"),
    }
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
        Err(e) => account_page(&req, &state, &user.0, "")
            .await?
            .error(&e)
            .render("account.html"),
    }
}

pub async fn privacy(req: HttpRequest, state: web::Data<AppState>, user: MaybeUser) -> PageResult {
    Page::new(&req, &state, user.0.as_ref())
        .with("notice_version", PRIVACY_NOTICE_VERSION)
        .render("privacy.html")
}

#[derive(Deserialize)]
pub struct GuardianForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    code: String,
    /// `withdraw` or `give`; none: only look.
    #[serde(default)]
    action: Option<String>,
}

/// The guardian's page: the child's username and the guardian's code open it.
pub async fn guardian_form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    Page::new(&req, &state, None)
        .with("username", "")
        .render("guardian.html")
}

/// What is held about the child and whether consent is in force; withdraw or give it again.
pub async fn guardian(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<GuardianForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let address = crate::auth::client::address(&req, &state.settings);
    let ward = match accounts::guardian_access(&state, &form.username, &form.code, address).await {
        Ok(w) => w,
        Err(e) => {
            return Page::new(&req, &state, None)
                .with("username", form.username.trim())
                .error(&e)
                .render("guardian.html")
        }
    };
    let done = match form.action.as_deref() {
        Some("withdraw") if ward.consent_in_force => {
            accounts::guardian_consent(&state, &ward, false).await?;
            "withdrawn"
        }
        Some("give") if !ward.consent_in_force => {
            accounts::guardian_consent(&state, &ward, true).await?;
            "given"
        }
        _ => "",
    };
    let in_force = match done {
        "withdrawn" => false,
        "given" => true,
        _ => ward.consent_in_force,
    };
    let held = crate::present::privacy::held_summary(&state, ward.user.id).await?;
    Page::new(&req, &state, None)
        .with("ward_name", &ward.user.display_name)
        .with("username", &ward.user.username)
        .with("code", form.code.trim())
        .with("contact", &ward.contact)
        .with("in_force", &in_force)
        .with("done", done)
        .with("held", &held)
        .render("guardian_ward.html")
}

/// The cookie that binds a sign-in with the provider to the browser that started it.
const OIDC_STATE_COOKIE: &str = "hvs_oidc_state";

fn oidc_label(state: &AppState) -> Option<String> {
    state.settings.oidc.as_ref().map(|o| o.label.clone())
}

/// Starts a sign-in with the identity provider: the state goes into a short cookie for this
/// browser, and the browser to the provider.
pub async fn oidc_start(state: web::Data<AppState>, _: CsrfChecked) -> PageResult {
    let (url, oidc_state) = accounts::oidc_start(&state).await?;
    let cookie = actix_web::cookie::Cookie::build(OIDC_STATE_COOKIE, oidc_state)
        .path("/login/oidc")
        .http_only(true)
        .secure(state.settings.secure_cookies)
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(time::Duration::minutes(accounts::OIDC_LOGIN_MINUTES))
        .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((actix_web::http::header::LOCATION, url))
        .finish())
}

#[derive(Deserialize)]
pub struct OidcReturn {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// The provider's own error (the person cancelled, …).
    #[serde(default)]
    error: Option<String>,
}

fn clear_oidc_cookie(resp: &mut HttpResponse, secure: bool) {
    let mut c = actix_web::cookie::Cookie::build(OIDC_STATE_COOKIE, "")
        .path("/login/oidc")
        .http_only(true)
        .secure(secure)
        .finish();
    c.make_removal();
    let _ = resp.add_cookie(&c);
}

/// The provider sends the browser back here.
pub async fn oidc_callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<OidcReturn>,
) -> PageResult {
    let bound = req.cookie(OIDC_STATE_COOKIE).map(|c| c.value().to_owned());
    let outcome = if q.error.is_some() {
        Err(crate::AppError::new(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "oidc_cancelled",
        ))
    } else {
        accounts::oidc_finish(&state, &q.state, bound.as_deref(), &q.code).await
    };
    let mut resp = match outcome {
        Ok(accounts::OidcOutcome::Step(step)) => sign_in_step(&req, &state, step, None).await?,
        Ok(accounts::OidcOutcome::Unlinked { ticket, identity }) => Page::new(&req, &state, None)
            .with("ticket", &ticket)
            .with("name", &identity.name.clone().unwrap_or_default())
            .with("label", &oidc_label(&state).unwrap_or_default())
            .with("groups", &groups(&state.catalog()))
            .with("notice_version", PRIVACY_NOTICE_VERSION)
            .with("username", "")
            .render("oidc_link.html")?,
        Err(e) => Page::new(&req, &state, None)
            .with("next", "/courses")
            .with("username", "")
            .with("oidc_label", &oidc_label(&state))
            .error(&e)
            .render("login.html")?,
    };
    clear_oidc_cookie(&mut resp, state.settings.secure_cookies);
    Ok(resp)
}

/// Where a two-factor enrolment happens: at sign-in (an administrator who must enrol, carried by
/// the signed ticket) or from the account page of someone signed in.
enum EnrolAt<'a> {
    SignIn { ticket: &'a str, next: &'a str },
    Account,
}

/// The enrolment page (secret and QR code) for either place; the caller adds an error or not.
fn enrol_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: Option<&hocvuso_store::User>,
    enrolment: &two_factor::Enrolment,
    at: EnrolAt,
) -> Page<'a> {
    let page = Page::new(req, state, user).with("enrolment", enrolment);
    match at {
        EnrolAt::SignIn { ticket, next } => page
            .with("ticket", ticket)
            .with("next", next)
            .with("action", "/login/enrol"),
        EnrolAt::Account => page
            .with("ticket", "")
            .with("action", "/account/totp/confirm"),
    }
}

/// Renders the step after a first factor: signed in, the code, or enrolment.
async fn sign_in_step(
    req: &HttpRequest,
    state: &AppState,
    step: SignInStep,
    next: Option<&str>,
) -> PageResult {
    let next_page = safe_next(next).to_owned();
    match step {
        SignInStep::Done(done) => Ok(after_sign_in(req, state, done, next).await),
        SignInStep::Code { ticket, .. } => Page::new(req, state, None)
            .with("ticket", &ticket)
            .with("next", &next_page)
            .render("login_code.html"),
        SignInStep::Enrol { user, ticket } => {
            let enrolment = two_factor::start_enrolment(state, &user).await?;
            let at = EnrolAt::SignIn {
                ticket: &ticket,
                next: &next_page,
            };
            enrol_page(req, state, None, &enrolment, at).render("totp_enrol.html")
        }
    }
}

#[derive(Deserialize)]
pub struct OidcLinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    consent: Option<String>,
}

fn link_page(
    req: &HttpRequest,
    state: &AppState,
    form: &OidcLinkForm,
    e: &crate::AppError,
) -> PageResult {
    let name = accounts::check_link_ticket(state, &form.ticket)
        .ok()
        .and_then(|i| i.name)
        .unwrap_or_default();
    Page::new(req, state, None)
        .with("ticket", &form.ticket)
        .with("name", &name)
        .with("label", &oidc_label(state).unwrap_or_default())
        .with("groups", &groups(&state.catalog()))
        .with("notice_version", PRIVACY_NOTICE_VERSION)
        .with("username", form.username.trim())
        .error(e)
        .render("oidc_link.html")
}

/// Links the provider's identity to an existing account, proved by its password.
pub async fn oidc_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<OidcLinkForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let origin = Origin::of(&req, &state, form.username.trim());
    match accounts::oidc_link(
        &state,
        &form.ticket,
        form.username.trim(),
        &form.password,
        &origin,
    )
    .await
    {
        Ok(step) => sign_in_step(&req, &state, step, None).await,
        Err(e) => link_page(&req, &state, &form, &e),
    }
}

/// Creates a new account for the provider's identity.
pub async fn oidc_register(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<OidcLinkForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    match accounts::oidc_register(
        &state,
        &form.ticket,
        &form.username,
        &form.display_name,
        &form.group,
        form.consent.as_deref() == Some("yes"),
    )
    .await
    {
        Ok(done) => Ok(signed_in(&req, &state, done, "/courses")),
        Err(e) => link_page(&req, &state, &form, &e),
    }
}
