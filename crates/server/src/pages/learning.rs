use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use hocvuso_assessment::paper::PresentedQuestion;
use hocvuso_course::Course;

use crate::app::learning as app;
use crate::auth::{csrf, PageUser};
use crate::error::AppError;
use crate::present::learning::{question_views, stored_result, QuestionView, SubmitResponse};
use crate::present::{feedback_html, media_url};
use crate::state::AppState;
use crate::views::{date_vi, time_vi};

use super::form::FormFields;
use super::{redirect, Page, PageError, PageResult};

#[derive(Serialize)]
struct CourseCard<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    minutes: u32,
    level: u8,
    band: &'a str,
    lessons_total: usize,
    lessons_completed: usize,
    percent: usize,
    completed: bool,
    in_path: bool,
}

fn band(state: &AppState, level: u8) -> &str {
    state
        .catalog
        .framework
        .level(level)
        .map(|l| l.band.as_str())
        .unwrap_or("")
}

pub async fn catalog(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let user = user.0;
    let group_id = user.group.clone().unwrap_or_default();
    let group = state.catalog.group(&group_id);
    let records = state
        .store
        .learner_records(user.id)
        .await
        .map_err(AppError::from)?;
    let next = crate::app::next::next_for(&state, &user).await?;
    let courses: Vec<&Course> = if group.is_some() {
        state.catalog.courses_for_group(&group_id)
    } else {
        state.catalog.all_courses()
    };
    let default_record = Default::default();
    let cards: Vec<CourseCard<'_>> = courses
        .iter()
        .map(|c| {
            let s = c.status(records.get(&c.id).unwrap_or(&default_record));
            let total = s.lessons_total + s.quizzes_total + s.tasks_total;
            let done = s.lessons_completed + s.quizzes_passed + s.tasks_passed;
            CourseCard {
                id: &c.id,
                title: &c.title,
                summary: &c.summary,
                minutes: c.minutes,
                level: c.level,
                band: band(&state, c.level),
                lessons_total: s.lessons_total,
                lessons_completed: s.lessons_completed,
                percent: (done * 100).checked_div(total).unwrap_or(0),
                completed: s.completed,
                in_path: group.is_some_and(|g| g.path.contains(&c.id)),
            }
        })
        .collect();
    let mastery = crate::app::mastery::summary(&state, &user).await?;
    // Offer the group's placement check until it has been taken.
    let placement = group
        .and_then(|g| g.placement.as_ref())
        .filter(|_| !mastery.placement_taken)
        .map(|p| (p.course.clone(), p.quiz.clone()));
    Page::new(&req, &state, Some(&user))
        .with("group_title", &group.map(|g| g.title.as_str()))
        .with("placement", &placement)
        .with("courses", &cards)
        .with("next", &next)
        .render("courses.html")
}

#[derive(Serialize)]
struct LessonRow<'a> {
    id: &'a str,
    number: usize,
    title: &'a str,
    minutes: u32,
    completed: bool,
    /// Its competences are mastered (placement or practice): the learner may skip it.
    can_skip: bool,
}

#[derive(Serialize)]
struct QuizRow<'a> {
    id: &'a str,
    title: &'a str,
    questions: usize,
    pass_percent: u8,
    passed: bool,
    best_score: Option<f64>,
    in_progress: Option<String>,
    attempts_left: Option<u64>,
}

pub async fn course(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let user = user.0;
    let course = app::course(&state, &path)?;
    let (status, record) = app::status(&state, &user, course).await?;
    let mut quizzes = Vec::new();
    for q in &course.quizzes {
        let attempts = state
            .store
            .attempts(user.id, &course.id, &q.id)
            .await
            .map_err(AppError::from)?;
        quizzes.push(QuizRow {
            id: &q.id,
            title: &q.title,
            questions: q.questions,
            pass_percent: q.pass_percent,
            passed: record.quizzes_passed.contains(&q.id),
            best_score: attempts
                .iter()
                .filter_map(|a| a.score_percent)
                .reduce(f64::max),
            in_progress: attempts
                .iter()
                .find(|a| !a.is_submitted())
                .map(|a| a.id.clone()),
            attempts_left: (q.max_attempts > 0)
                .then(|| u64::from(q.max_attempts).saturating_sub(attempts.len() as u64)),
        });
    }
    let completion = state
        .store
        .completions_for_user(user.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .find(|c| c.course_id == course.id);
    let mastery = crate::app::mastery::summary(&state, &user).await?;
    let lessons: Vec<LessonRow<'_>> = course
        .lessons
        .iter()
        .enumerate()
        .map(|(i, l)| LessonRow {
            id: &l.id,
            number: i + 1,
            title: &l.title,
            minutes: l.minutes,
            completed: record.lessons_completed.contains(&l.id),
            can_skip: mastery.can_skip(&l.competences),
        })
        .collect();
    let next_lesson = crate::app::mastery::next_lesson(course, &record.lessons_completed, &mastery);
    let tasks: Vec<crate::present::practice::TaskItem> =
        crate::app::practice::tasks_of(&state, &user, course, &record)
            .await?
            .iter()
            .map(Into::into)
            .collect();
    Page::new(&req, &state, Some(&user))
        .with("tasks", &tasks)
        .with("next_lesson", &next_lesson)
        .with("course", course)
        .with("band", band(&state, course.level))
        .with("lessons", &lessons)
        .with("quizzes", &quizzes)
        .with("status", &status)
        .with("certificate_id", &completion.map(|c| c.certificate_id))
        .render("course.html")
}

pub async fn lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> PageResult {
    let user = user.0;
    let (course_id, lesson_id) = path.into_inner();
    let course = app::course(&state, &course_id)?;
    let index = course
        .lessons
        .iter()
        .position(|l| l.id == lesson_id)
        .ok_or_else(AppError::not_found)?;
    let lesson = &course.lessons[index];
    let record = state
        .store
        .learner_record(user.id, &course.id)
        .await
        .map_err(AppError::from)?;
    let audio = lesson.audio.as_ref().map(|a| media_url(&course.id, a));
    Page::new(&req, &state, Some(&user))
        .with("course", course)
        .with("lesson", lesson)
        .with("number", &(index + 1))
        .with("total", &course.lessons.len())
        .with("audio", &audio)
        .with("completed", &record.lessons_completed.contains(&lesson.id))
        .with(
            "previous",
            &index.checked_sub(1).map(|i| &course.lessons[i]),
        )
        .with("next", &course.lessons.get(index + 1))
        .render("lesson.html")
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub async fn complete_lesson(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let (course_id, lesson_id) = path.into_inner();
    app::complete_lesson(&state, &user.0, &course_id, &lesson_id).await?;
    let course = app::course(&state, &course_id)?;
    // Go on to the next lesson, or back to the course when this was the last.
    let next = course
        .lessons
        .iter()
        .skip_while(|l| l.id != lesson_id)
        .nth(1);
    Ok(match next {
        Some(n) => redirect(&format!("/courses/{}/lessons/{}", course.id, n.id)),
        None => redirect(&format!("/courses/{}#quizzes", course.id)),
    })
}

pub async fn start_attempt(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> PageResult {
    csrf::verify(&req, &form.csrf)?;
    let (course_id, quiz_id) = path.into_inner();
    let started = app::start_attempt(&state, &user.0, &course_id, &quiz_id).await?;
    Ok(redirect(&format!("/attempts/{}", started.attempt.id)))
}

#[derive(Serialize)]
struct ResultRow {
    number: usize,
    question: QuestionView,
    correct: bool,
    feedback: Option<String>,
}

fn result_rows(
    course_id: &str,
    questions: &[PresentedQuestion],
    result: &SubmitResponse,
) -> Vec<ResultRow> {
    question_views(course_id, questions)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let r = result.questions.iter().find(|r| r.id == q.id);
            ResultRow {
                number: i + 1,
                correct: r.is_some_and(|r| r.correct),
                feedback: r.and_then(|r| r.feedback.clone()),
                question: q,
            }
        })
        .collect()
}

pub async fn attempt(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
) -> PageResult {
    let user = user.0;
    let (attempt, questions) = app::attempt(&state, &user, &path).await?;
    let course = app::course(&state, &attempt.course_id)?;
    let quiz = course
        .quiz(&attempt.quiz_id)
        .ok_or_else(AppError::not_found)?;
    let page = Page::new(&req, &state, Some(&user))
        .with("course", course)
        .with("quiz", quiz)
        .with("attempt_id", &attempt.id);
    if let Some(result) = stored_result(&attempt)? {
        let certificate_id = state
            .store
            .completions_for_user(user.id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .find(|c| c.course_id == course.id)
            .map(|c| c.certificate_id);
        return page
            .with("result", &result)
            .with(
                "rows",
                &result_rows(&attempt.course_id, &questions, &result),
            )
            .with("certificate_id", &certificate_id)
            .with("submitted_on", &attempt.submitted_at.map(date_vi))
            .render("result.html");
    }
    if attempt.is_submitted() {
        // Closed without a grade (time limit passed).
        return Err(AppError::conflict("time_limit_exceeded").into());
    }
    let saved = app::saved_answers(&state, &attempt).await?;
    let checked = app::checked_questions(&state, &attempt).await?;
    let items: Vec<AttemptItem> = question_views(&attempt.course_id, &questions)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            AttemptItem::new(
                i + 1,
                q,
                saved.get(&questions[i].id),
                checked.get(&questions[i].id),
            )
        })
        .collect();
    page.with("questions", &items)
        .with("practice", &!quiz.counts())
        .with("deadline", &app::deadline(&attempt, quiz).map(time_vi))
        .render("attempt.html")
}

/// One question of the attempt form, with what the learner saved so far filled in.
#[derive(Serialize)]
struct AttemptItem {
    number: usize,
    q: QuestionView,
    /// Option ids chosen (choice), or "true"/"false".
    selected: Vec<String>,
    /// Typed answer (short answer, numerical).
    value: String,
    /// Matching: left id → chosen option id.
    matches: BTreeMap<String, String>,
    /// Ordering: item id → position (1-based).
    positions: BTreeMap<String, usize>,
    /// Hotspot: a tap was saved.
    tapped: bool,
    /// Practice mode: the result of checking this question.
    check: Option<CheckView>,
    /// 1..=number of options, for ordering selects.
    choices: Vec<usize>,
}

#[derive(Serialize)]
struct CheckView {
    correct: bool,
    feedback: Option<String>,
}

impl AttemptItem {
    fn new(
        number: usize,
        q: QuestionView,
        saved: Option<&Value>,
        check: Option<&hocvuso_assessment::grading::QuestionResult>,
    ) -> Self {
        let mut item = AttemptItem {
            number,
            selected: Vec::new(),
            value: String::new(),
            matches: BTreeMap::new(),
            positions: BTreeMap::new(),
            tapped: false,
            check: check.map(|r| CheckView {
                correct: r.correct,
                feedback: feedback_html(&r.feedback),
            }),
            choices: (1..=q.options.len()).collect(),
            q,
        };
        match (item.q.kind.as_str(), saved) {
            ("ordering", Some(Value::Array(ids))) => {
                for (i, id) in ids.iter().enumerate() {
                    if let Some(id) = id.as_str() {
                        item.positions.insert(id.to_owned(), i + 1);
                    }
                }
            }
            (_, Some(Value::Array(ids))) => {
                item.selected = ids
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            }
            (_, Some(Value::Bool(b))) => item.selected = vec![b.to_string()],
            (_, Some(Value::String(v))) => item.value = v.clone(),
            (_, Some(Value::Number(n))) => item.value = n.to_string(),
            ("hotspot", Some(Value::Object(_))) => item.tapped = true,
            (_, Some(Value::Object(map))) => {
                item.matches = map
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            }
            _ => {}
        }
        item
    }
}

/// Turns the form's fields into the API's answer map, question by question: the form has no
/// types, the questions do.
fn answers_from_form(
    questions: &[PresentedQuestion],
    form: &FormFields,
) -> BTreeMap<String, Value> {
    let values = |name: &str| -> Vec<&str> { form.all(name).collect() };
    let mut answers = BTreeMap::new();
    for q in questions {
        let name = format!("a:{}", q.id);
        let answer = match q.r#type {
            "single_choice" | "multiple_choice" => {
                let chosen: Vec<Value> = values(&name)
                    .into_iter()
                    .map(|v| Value::String(v.to_owned()))
                    .collect();
                (!chosen.is_empty()).then_some(Value::Array(chosen))
            }
            "true_false" => match values(&name).first().copied() {
                Some("true") => Some(Value::Bool(true)),
                Some("false") => Some(Value::Bool(false)),
                _ => None,
            },
            "ordering" => {
                let mut placed: Vec<(usize, &str)> = q
                    .options
                    .iter()
                    .filter_map(|item| {
                        let pos = values(&format!("{name}:{}", item.id))
                            .first()?
                            .parse::<usize>()
                            .ok()?;
                        Some((pos, item.id.as_str()))
                    })
                    .collect();
                placed.sort();
                (!placed.is_empty()).then(|| {
                    Value::Array(
                        placed
                            .into_iter()
                            .map(|(_, id)| Value::String(id.to_owned()))
                            .collect(),
                    )
                })
            }
            "hotspot" => {
                let x = values(&format!("{name}.x"))
                    .first()
                    .and_then(|v| v.parse::<f64>().ok());
                let y = values(&format!("{name}.y"))
                    .first()
                    .and_then(|v| v.parse::<f64>().ok());
                match (x, y) {
                    (Some(x), Some(y)) => Some(serde_json::json!({"x": x, "y": y})),
                    _ => None,
                }
            }
            "matching" => {
                let mut map = serde_json::Map::new();
                for left in &q.left {
                    if let Some(v) = values(&format!("{name}:{}", left.id))
                        .first()
                        .filter(|v| !v.is_empty())
                    {
                        map.insert(left.id.clone(), Value::String((*v).to_owned()));
                    }
                }
                (!map.is_empty()).then_some(Value::Object(map))
            }
            _ => values(&name)
                .first()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_owned())),
        };
        if let Some(a) = answer {
            answers.insert(q.id.clone(), a);
        }
    }
    answers
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    body: web::Payload,
) -> PageResult {
    let (attempt, answers) = form_answers(&req, &state, &user.0, &path, body).await?;
    if attempt.is_submitted() {
        return Ok(redirect(&format!("/attempts/{}", attempt.id)));
    }
    app::submit(&state, &user.0, &attempt.id, answers).await?;
    Ok(redirect(&format!("/attempts/{}", attempt.id)))
}

/// Saves the form without submitting: the "Lưu bài" button, and every tap on a hotspot image.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    body: web::Payload,
) -> PageResult {
    let (attempt, answers) = form_answers(&req, &state, &user.0, &path, body).await?;
    app::save(&state, &user.0, &attempt.id, answers).await?;
    Ok(redirect(&format!("/attempts/{}#saved", attempt.id)))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    q: String,
}

/// Practice mode: saves the form, then checks one question and shows its feedback.
pub async fn check(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<String>,
    query: web::Query<CheckQuery>,
    body: web::Payload,
) -> PageResult {
    let (attempt, answers) = form_answers(&req, &state, &user.0, &path, body).await?;
    let saved = app::save(&state, &user.0, &attempt.id, answers).await?;
    let answer = saved.get(&query.q).cloned().unwrap_or(Value::Null);
    app::check(&state, &user.0, &attempt.id, &query.q, answer).await?;
    Ok(redirect(&format!("/attempts/{}#q-{}", attempt.id, query.q)))
}

/// An answer form's limits: a paper's questions, an ordering question's items each a field.
const ANSWER_FORM_BYTES: usize = 64 * 1024;
const ANSWER_FORM_FIELDS: usize = 2_000;

/// Reads an attempt form: the attempt must be the caller's before the body is read; then the
/// size and field limits, CSRF, and the answers by question type.
async fn form_answers(
    req: &HttpRequest,
    state: &AppState,
    user: &hocvuso_store::User,
    attempt_id: &str,
    body: web::Payload,
) -> Result<(hocvuso_store::Attempt, BTreeMap<String, Value>), PageError> {
    let (attempt, questions) = app::attempt(state, user, attempt_id).await?;
    let form = FormFields::read(body, ANSWER_FORM_BYTES, ANSWER_FORM_FIELDS).await?;
    csrf::verify(req, form.csrf())?;
    let answers = answers_from_form(&questions, &form);
    Ok((attempt, answers))
}

#[derive(Serialize)]
struct ProgressRow<'a> {
    course_id: &'a str,
    title: &'a str,
    lessons_completed: usize,
    lessons_total: usize,
    quizzes_passed: usize,
    quizzes_total: usize,
    completed_on: Option<String>,
    certificate_id: Option<String>,
}

pub async fn progress(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    let user = user.0;
    let rows = app::progress(&state, &user).await?;
    let view: Vec<ProgressRow<'_>> = rows
        .iter()
        .map(|p| ProgressRow {
            course_id: &p.course.id,
            title: &p.course.title,
            lessons_completed: p.status.lessons_completed,
            lessons_total: p.status.lessons_total,
            quizzes_passed: p.status.quizzes_passed,
            quizzes_total: p.status.quizzes_total,
            completed_on: p.completion.as_ref().map(|c| date_vi(c.completed_at)),
            certificate_id: p.completion.as_ref().map(|c| c.certificate_id.clone()),
        })
        .collect();
    let mastery = crate::app::mastery::summary(&state, &user).await?;
    Page::new(&req, &state, Some(&user))
        .with("rows", &view)
        .with("mastery", &mastery.competences)
        .render("progress.html")
}
