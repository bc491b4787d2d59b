//! Practice task pages, without JavaScript: each step is one form post. A tap is a button per
//! widget of the mock screen (so keyboards and screen readers can "tap"), typing is a text
//! field, choosing radio buttons, ordering one position select per item.

use actix_web::web;
use serde::Serialize;

use hocvuso_course::task::{Answer, Ask};

use crate::app::practice as app;
use crate::auth::csrf;
use crate::error::AppError;
use crate::present::practice::{step_view, StepView};
use crate::views::date_vi;

use super::form::FormFields;
use super::signed_in::{CsrfChecked, SignedIn};
use super::{redirect, Page, PageResult};

#[derive(Serialize)]
struct PastAttempt {
    date: String,
    score_percent: Option<f64>,
    passed: Option<bool>,
}

/// A task's page: what it is, the pass rule, past attempts and the button to start or resume.
pub async fn task(cx: SignedIn, path: web::Path<(String, String)>) -> PageResult {
    let SignedIn { req, state, user } = cx;
    let (course_id, task_id) = path.into_inner();
    let catalog = state.catalog();
    let course = crate::app::learning::course(&catalog, &course_id)?;
    let task = app::task(course, &task_id)?;
    let attempts = state
        .store
        .attempts::<hocvuso_store::TaskAttempt>(user.id, &course.id, &task.id)
        .await
        .map_err(AppError::from)?;
    let open = attempts.iter().find(|a| !a.is_finished()).map(|a| &a.id);
    let past: Vec<PastAttempt> = attempts
        .iter()
        .filter(|a| a.is_finished())
        .map(|a| PastAttempt {
            date: date_vi(a.finished_at.unwrap_or(a.started_at)),
            score_percent: a.score_percent,
            passed: a.passed,
        })
        .collect();
    Page::new(&req, &state, Some(&user))
        .with("course", course)
        .with("task", task)
        .with("steps", &task.steps.len())
        .with("open", &open)
        .with("past", &past)
        .render("task.html")
}

pub async fn start(cx: SignedIn, _: CsrfChecked, path: web::Path<(String, String)>) -> PageResult {
    let (course_id, task_id) = path.into_inner();
    let attempt = app::start(&cx.state, &cx.user, &course_id, &task_id).await?;
    Ok(redirect(&format!("/task-attempts/{}", attempt.id)))
}

/// What the step page shows about the latest answer.
#[derive(Serialize)]
struct Feedback {
    correct: bool,
    text: String,
}

/// An item to order: its shown position and text.
#[derive(Serialize)]
struct OrderItem {
    position: usize,
    text: String,
}

pub async fn attempt(cx: SignedIn, path: web::Path<String>) -> PageResult {
    let SignedIn { req, state, user } = cx;
    let catalog = state.catalog();
    let s = app::load(&state, &catalog, &user, &path).await?;
    let feedback = s.last.as_ref().map(|g| Feedback {
        correct: g.correct,
        text: g.feedback.clone(),
    });
    let page = Page::new(&req, &state, Some(&user))
        .with("course", s.course)
        .with("task", s.task)
        .with("attempt_id", &s.attempt.id)
        .with("feedback", &feedback)
        .with("first_try", &s.progress.first_try);
    let Some(step): Option<StepView> = step_view(&s) else {
        let certificate_id =
            crate::app::learning::certificate_id(&state, &user, &s.course.id).await?;
        let right = s
            .progress
            .first_try
            .iter()
            .filter(|t| **t == Some(true))
            .count();
        return page
            .with("passed", &s.attempt.passed.unwrap_or(false))
            .with("score_percent", &s.attempt.score_percent.unwrap_or(0.0))
            .with("right", &right)
            .with("steps", &s.task.steps.len())
            .with("certificate_id", &certificate_id)
            .render("task_result.html");
    };
    let order: Vec<OrderItem> = match step.ask.kind.as_str() {
        "order" => step
            .ask
            .options
            .iter()
            .enumerate()
            .map(|(position, text)| OrderItem {
                position,
                text: text.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let ranks: Vec<usize> = (1..=order.len()).collect();
    page.with("number", &(step.index + 1))
        .with("steps", &s.task.steps.len())
        .with("step", &step)
        .with("order", &order)
        .with("ranks", &ranks)
        .render("task_step.html")
}

/// Turns the step form into an answer of the step's kind. A form that does not give one (no
/// option chosen, positions missing or repeated) is refused as the API refuses it.
fn answer_from_form(ask: &Ask, form: &FormFields) -> Result<Answer, AppError> {
    let number = |name: &str| {
        form.first(name)
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    let invalid = || AppError::unprocessable("invalid_answer");
    match ask {
        Ask::Tap => number("tap").map(Answer::Tap).ok_or_else(invalid),
        Ask::Type { .. } => form
            .first("text")
            .map(|t| Answer::Text(t.to_owned()))
            .ok_or_else(invalid),
        Ask::Choose { .. } => number("choice").map(Answer::Choice).ok_or_else(invalid),
        Ask::Order { items } => {
            // Each shown item has a rank select; the answer lists shown positions by rank.
            let mut ranked: Vec<(usize, usize)> = Vec::with_capacity(items.len());
            for position in 0..items.len() {
                let rank = number(&format!("rank:{position}")).ok_or_else(invalid)?;
                ranked.push((rank, position));
            }
            ranked.sort_unstable();
            if ranked.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(AppError::unprocessable("order_ranks_repeated"));
            }
            Ok(Answer::Order(ranked.into_iter().map(|(_, p)| p).collect()))
        }
    }
}

pub async fn answer(cx: SignedIn, path: web::Path<String>, body: web::Bytes) -> PageResult {
    let SignedIn { req, state, user } = cx;
    let form = FormFields::parse(&body, 64)?;
    csrf::verify(&req, form.csrf())?;
    let catalog = state.catalog();
    let s = app::load(&state, &catalog, &user, &path).await?;
    let step = form
        .first("step")
        .and_then(|v| v.parse::<usize>().ok())
        .ok_or_else(|| AppError::unprocessable("invalid_answer"))?;
    let ask = s
        .task
        .steps
        .get(step)
        .map(|st| st.ask())
        .ok_or_else(|| AppError::conflict("not_current_step"))?;
    let answer = answer_from_form(&ask, &form)?;
    app::answer(&state, &catalog, &user, &s.attempt.id, step, answer).await?;
    Ok(redirect(&format!("/task-attempts/{}#step", s.attempt.id)))
}
