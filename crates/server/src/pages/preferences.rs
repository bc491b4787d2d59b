//! Reading comfort and language (issue #14): the settings page (text size, contrast, line
//! spacing, language) and the language switch every page carries. Both work without
//! JavaScript: a form and a link. The choice goes into the `hv_prefs` cookie and, for a
//! signed-in learner, into the profile, from which sign-in restores it on another phone.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::{MaybeUser, PageUser};
use crate::error::AppError;
use crate::preferences::{is_language_code, Prefs, MAX_TEXT_SIZE};
use crate::state::AppState;

use super::{safe_next, Page, PageResult};

#[derive(Deserialize)]
pub struct SettingsQuery {
    saved: Option<String>,
    next: Option<String>,
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    q: web::Query<SettingsQuery>,
) -> PageResult {
    Page::new(&req, &state, user.0.as_ref())
        .with("saved", &q.saved.is_some())
        .with("next", safe_next(q.next.as_deref()))
        .render("settings.html")
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text_size: String,
    contrast: Option<String>,
    spacing: Option<String>,
    #[serde(default)]
    lang: String,
    next: Option<String>,
}

/// Saves the settings: the cookie always, the profile when signed in. Bad values are refused
/// with the form shown again, nothing saved.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    form: web::Form<SettingsForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let text_size = match form.text_size.parse::<u8>() {
        Ok(n) if n <= MAX_TEXT_SIZE => n,
        _ => return invalid(&req, &state, &user),
    };
    let current = crate::preferences::current();
    let (lang, chosen) = if form.lang.is_empty() {
        (current.lang.clone(), current.chosen)
    } else if offered(&state, &form.lang) {
        (form.lang.clone(), true)
    } else {
        return invalid(&req, &state, &user);
    };
    let prefs = Prefs {
        text_size,
        high_contrast: form.contrast.is_some(),
        wide_spacing: form.spacing.is_some(),
        lang,
        chosen,
    };
    remember(&state, &user, &prefs).await?;
    let next = safe_next(form.next.as_deref());
    let location = format!("/settings?saved=1&next={}", super::url_encode(next));
    Ok(HttpResponse::SeeOther()
        .cookie(prefs.cookie(state.settings.secure_cookies))
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish())
}

fn invalid(req: &HttpRequest, state: &AppState, user: &MaybeUser) -> PageResult {
    Page::new(req, state, user.0.as_ref())
        .with("saved", &false)
        .with("next", "/")
        .error(&AppError::bad_request("invalid_form"))
        .render("settings.html")
}

#[derive(Deserialize)]
pub struct LanguageQuery {
    next: Option<String>,
}

/// The language switch: a plain link (`/language/en?next=…`), so it works on every page without
/// JavaScript or a form. Keeps the other settings; back to the page it was followed from.
pub async fn switch(
    state: web::Data<AppState>,
    user: MaybeUser,
    code: web::Path<String>,
    q: web::Query<LanguageQuery>,
) -> PageResult {
    let code = code.into_inner();
    if !offered(&state, &code) {
        return Err(AppError::not_found().into());
    }
    let prefs = Prefs {
        lang: code,
        chosen: true,
        ..crate::preferences::current()
    };
    remember(&state, &user, &prefs).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(prefs.cookie(state.settings.secure_cookies))
        .insert_header((
            actix_web::http::header::LOCATION,
            safe_next(q.next.as_deref()).to_owned(),
        ))
        .finish())
}

/// Whether a language is one the switch offers: an interface language or one the content is
/// translated into.
fn offered(state: &AppState, code: &str) -> bool {
    is_language_code(code)
        && (crate::i18n::interface_language(code).is_some()
            || super::content_languages(state).iter().any(|c| c == code))
}

async fn remember(state: &AppState, user: &MaybeUser, prefs: &Prefs) -> Result<(), AppError> {
    if let Some(u) = &user.0 {
        state
            .store
            .set_reading_preferences(u.id, &prefs.to_profile(), state.clock.now())
            .await?;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct GoalQuery {
    saved: Option<String>,
}

/// The weekly goal form (`/muc-tieu`): lessons or minutes per week, and this week's progress.
pub async fn goal_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    q: web::Query<GoalQuery>,
) -> PageResult {
    let goal = crate::app::next::goal_for(&state, &user.0).await?;
    goal_page(&req, &state, &user, goal.as_ref())
        .with("saved", &q.saved.is_some())
        .render("goal.html")
}

fn goal_page<'a>(
    req: &'a HttpRequest,
    state: &'a AppState,
    user: &'a PageUser,
    goal: Option<&crate::app::next::GoalView>,
) -> Page<'a> {
    use crate::app::next::{GOAL_LESSONS, GOAL_MINUTES};
    Page::new(req, state, Some(&user.0))
        .with("goal", &goal)
        .with("kind", goal.map_or("lessons", |g| g.kind.as_str()))
        .with(
            "target",
            &goal.map(|g| g.target.to_string()).unwrap_or_default(),
        )
        .with("lessons_bounds", &GOAL_LESSONS)
        .with("minutes_bounds", &GOAL_MINUTES)
        .with("saved", &false)
}

#[derive(Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    /// Present when the learner removes the goal.
    remove: Option<String>,
}

/// Saves or removes the weekly goal, then shows the form again with the progress. A bad value
/// is refused with the form shown again, what was typed kept, nothing saved.
pub async fn save_goal(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<GoalForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    if form.remove.is_some() {
        crate::app::next::clear_goal(&state, &user.0).await?;
    } else {
        let target = form.target.trim().parse::<i32>().unwrap_or(0);
        if let Err(e) = crate::app::next::set_goal(&state, &user.0, &form.kind, target).await {
            if !e.status.is_client_error() {
                return Err(e.into());
            }
            let goal = crate::app::next::goal_for(&state, &user.0).await?;
            return goal_page(&req, &state, &user, goal.as_ref())
                .with("kind", &form.kind)
                .with("target", &form.target)
                .error(&e)
                .render("goal.html");
        }
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/muc-tieu?saved=1"))
        .finish())
}
