use std::collections::{BTreeMap, BTreeSet};

use actix_web::{web, HttpRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use hocvuso_assessment::paper::PresentedQuestion;
use hocvuso_course::{Catalog, Course, QuizMode};

use crate::app::learning as app;
use crate::auth::csrf;
use crate::auth::session::MaybeUser;
use crate::error::AppError;
use crate::present::learning::{
    answer_lines, question_views, stored_result, QuestionView, SubmitResponse,
};
use crate::present::{feedback_html, media_url};
use crate::state::AppState;
use crate::views::{date_vi, time_vi};

use super::form::FormFields;
use super::signed_in::{CsrfChecked, SignedIn, SignedInLesson};
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
    /// Nothing done yet: the card says "Bắt đầu học", not how far along it is.
    started: bool,
    in_path: bool,
    /// Assigned with a due date (and not completed): the date and the days left.
    due_on: Option<String>,
    days_left: Option<i64>,
}

fn band(catalog: &Catalog, level: u8) -> &str {
    catalog
        .framework
        .level(level)
        .map(|l| l.band.as_str())
        .unwrap_or("")
}

/// The course list: open to anyone (a visitor sees what there is to learn before signing up);
/// a signed-in learner sees their group's path, their progress and what is assigned when.
pub async fn catalog(req: HttpRequest, state: web::Data<AppState>, user: MaybeUser) -> PageResult {
    let catalog = state.catalog();
    let Some(user) = user.0 else {
        let cards: Vec<CourseCard<'_>> = catalog
            .all_courses()
            .into_iter()
            .map(|c| CourseCard {
                id: &c.id,
                title: &c.title,
                summary: &c.summary,
                minutes: c.minutes,
                level: c.level,
                band: band(&catalog, c.level),
                lessons_total: c.lessons.len(),
                lessons_completed: 0,
                percent: 0,
                completed: false,
                started: false,
                in_path: false,
                due_on: None,
                days_left: None,
            })
            .collect();
        return Page::new(&req, &state, None)
            .with(
                "new_courses",
                &crate::app::studio::new_courses(&state).await,
            )
            .with("courses", &cards)
            .with("anonymous", &true)
            .render("courses.html");
    };
    let group_id = user.group.clone().unwrap_or_default();
    let group = catalog.group(&group_id);
    // The learner's records, mastery and assignments, read once for the cards, the placement
    // offer and the next step together.
    let records = state
        .store
        .learner_records(user.id)
        .await
        .map_err(AppError::from)?;
    let mastery = crate::app::mastery::summary(&state, &user).await?;
    let due = crate::app::assignments::due_for(&state, &user).await?;
    let next = crate::app::next::next_from(&state, &user, &records, &mastery, &due).await?;
    let courses: Vec<&Course> = if group.is_some() {
        catalog.courses_for_group(&group_id)
    } else {
        catalog.all_courses()
    };
    let now = state.clock.now();
    let default_record = Default::default();
    let lang = crate::preferences::current().lang;
    let cards: Vec<CourseCard<'_>> = courses
        .iter()
        .map(|c| {
            let record = records.get(&c.id).unwrap_or(&default_record);
            let s = c.status(record);
            let total = s.lessons_total + s.quizzes_total + s.tasks_total;
            let done = s.lessons_completed + s.quizzes_passed + s.tasks_passed;
            // The soonest open assignment of this course.
            let assigned = due
                .iter()
                .filter(|d| d.assignment.course_id == c.id && d.completed_at.is_none())
                .min_by_key(|d| d.assignment.due_at);
            CourseCard {
                id: &c.id,
                title: c.title_in(&lang),
                summary: c.summary_in(&lang),
                minutes: c.minutes,
                level: c.level,
                band: band(&catalog, c.level),
                lessons_total: s.lessons_total,
                lessons_completed: s.lessons_completed,
                percent: (done * 100).checked_div(total).unwrap_or(0),
                completed: s.completed,
                started: records.contains_key(&c.id),
                in_path: group.is_some_and(|g| g.path.contains(&c.id)),
                due_on: assigned.map(|d| date_vi(d.assignment.due_at - time::Duration::seconds(1))),
                days_left: assigned.map(|d| d.days_left(now)),
            }
        })
        .collect();
    // Offer the group's placement check until it has been taken.
    let placement = group
        .and_then(|g| g.placement.as_ref())
        .filter(|_| !mastery.placement_taken)
        .map(|p| (p.course.clone(), p.quiz.clone()));
    Page::new(&req, &state, Some(&user))
        .with("group_title", &group.map(|g| g.title.as_str()))
        .with("placement", &placement)
        .with("courses", &cards)
        .with(
            "new_courses",
            &crate::app::studio::new_courses(&state).await,
        )
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

pub async fn course(cx: SignedIn, path: web::Path<String>) -> PageResult {
    let SignedIn { req, state, user } = cx;
    let catalog = state.catalog();
    let course = app::course(&catalog, &path)?;
    let (status, record) = app::status(&state, &user, course).await?;
    let mut quizzes = Vec::new();
    for q in &course.quizzes {
        let attempts = state
            .store
            .attempts::<hocvuso_store::Attempt>(user.id, &course.id, &q.id)
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
    let certificate_id = app::certificate_id(&state, &user, &course.id).await?;
    let mastery = crate::app::mastery::summary(&state, &user).await?;
    let lang = crate::preferences::current().lang;
    let lessons: Vec<LessonRow<'_>> = course
        .lessons
        .iter()
        .enumerate()
        .map(|(i, l)| LessonRow {
            id: &l.id,
            number: i + 1,
            title: l.title_in(&lang),
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
    let started = !record.lessons_completed.is_empty()
        || !record.quizzes_passed.is_empty()
        || quizzes
            .iter()
            .any(|q| q.best_score.is_some() || q.in_progress.is_some());
    Page::new(&req, &state, Some(&user))
        .with("started", &started)
        .with("tasks", &tasks)
        .with("next_lesson", &next_lesson)
        .with("course", &CourseHeading::from(course))
        .with("course_title", course.title_in(&lang))
        .with("course_summary", course.summary_in(&lang))
        .with("band", band(&catalog, course.level))
        .with("lessons", &lessons)
        .with("quizzes", &quizzes)
        .with("status", &status)
        .with("certificate_id", &certificate_id)
        .render("course.html")
}

/// What a page shows of a course around something else (its heading and links): not its
/// lessons, whose HTML would otherwise be copied into the template's context on every request.
#[derive(Serialize)]
struct CourseHeading<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    level: u8,
    minutes: u32,
    tasks_required: bool,
}

impl<'a> From<&'a Course> for CourseHeading<'a> {
    fn from(c: &'a Course) -> Self {
        Self {
            id: &c.id,
            title: &c.title,
            summary: &c.summary,
            level: c.level,
            minutes: c.minutes,
            tasks_required: c.tasks_required,
        }
    }
}

/// A neighbouring lesson, as the pager links it.
#[derive(Serialize)]
struct LessonLink<'a> {
    id: &'a str,
    title: &'a str,
}

impl<'a> From<&'a hocvuso_course::Lesson> for LessonLink<'a> {
    fn from(l: &'a hocvuso_course::Lesson) -> Self {
        Self {
            id: &l.id,
            title: &l.title,
        }
    }
}

pub async fn lesson(page: SignedInLesson, path: web::Path<(String, String)>) -> PageResult {
    let SignedInLesson { cx, completed } = page;
    let SignedIn { req, state, user } = cx;
    let (course_id, lesson_id) = path.into_inner();
    let catalog = state.catalog();
    let course = app::course(&catalog, &course_id)?;
    let index = course
        .lessons
        .iter()
        .position(|l| l.id == lesson_id)
        .ok_or_else(AppError::not_found)?;
    let lesson = &course.lessons[index];
    // Read with the session (`SignedInLesson`), unless the session was known before.
    let completed = match completed {
        Some(done) => done,
        None => state
            .store
            .lesson_completed(user.id, &course.id, &lesson.id)
            .await
            .map_err(AppError::from)?,
    };
    // The lesson in the learner's language when it is translated, else in Vietnamese.
    let lang = crate::preferences::current().lang;
    let (text, text_lang) = lesson.text(&lang);
    // What every learner's page shares, made once per catalog (`page_cache`).
    let cache = state.catalogs.lessons(&catalog);
    let audio = match cache.narration(&state.settings.data_dir, course, lesson, &lang) {
        crate::narration::Narration::Recorded(path) => Some(media_url(&course.id, &path)),
        crate::narration::Narration::Generated(name) => {
            Some(format!("/audio/{}/{name}", course.id))
        }
        crate::narration::Narration::Unavailable => None,
    };
    // Everyone who sees this page the same way gets the same frame, made once.
    let frame = crate::compression::accepts_gzip(&req)
        .then(|| super::frame_shape(&req, &user))
        .flatten()
        .map(|shape| crate::page_cache::frame_key(&shape, text_lang, audio.as_deref(), completed));
    if let Some(made) = frame.as_deref().and_then(|key| cache.frame(key)) {
        return crate::page_cache::send_frame(&req, &state, &made);
    }
    // A video with its captions and poster, all from the course's media folder.
    let video = text.video.as_ref().map(|v| {
        serde_json::json!({
            "src": media_url(&course.id, v),
            "captions": text.captions.as_ref().map(|c| media_url(&course.id, c)),
            "poster": text.poster.as_ref().map(|p| media_url(&course.id, p)),
        })
    });
    let page = Page::new(&req, &state, Some(&user))
        .with("course", &CourseHeading::from(course))
        .with("lesson", &crate::page_cache::LessonHead::from(lesson))
        .with("video", &video)
        .with("text", &serde_json::json!({ "title": text.title }))
        .with("course_title", course.title_in(&lang))
        .with("text_lang", text_lang)
        .with("number", &(index + 1))
        .with("total", &course.lessons.len())
        .with("audio", &audio)
        .with("completed", &completed)
        .with(
            "previous",
            &index
                .checked_sub(1)
                .map(|i| LessonLink::from(&course.lessons[i])),
        )
        .with("next", &course.lessons.get(index + 1).map(LessonLink::from));
    crate::page_cache::render_lesson(
        page,
        &cache,
        frame,
        &course.id,
        &lesson.id,
        text_lang,
        || scrolling_tables(&text.html),
    )
}

/// A lesson's tables each scroll inside their own box (a focusable, labelled region), so at
/// 360 px or 200% text a wide table never makes the whole page scroll sideways (WCAG 1.4.10).
/// The body is sanitised HTML, whose tables open exactly as `<table>`.
fn scrolling_tables(html: &str) -> String {
    let label = crate::i18n_global().get("site.table");
    html.replace(
        "<table>",
        &format!(
            r#"<div class="table-wrap" tabindex="0" role="region" aria-label="{label}"><table>"#
        ),
    )
    .replace("</table>", "</table></div>")
}

#[derive(Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    csrf: String,
    /// Set by the service worker when it sends a completion made offline: the same key is
    /// sent again until an answer arrives, and counts once.
    replay_key: Option<String>,
}

/// An offline action's idempotency key: 16–64 letters, digits and dashes (a UUID).
fn valid_replay_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub async fn complete_lesson(
    cx: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<CompleteForm>,
) -> PageResult {
    let SignedIn { req, state, user } = cx;
    csrf::verify(&req, &form.csrf)?;
    let (course_id, lesson_id) = path.into_inner();
    let mut claimed = None;
    if let Some(key) = form.replay_key.as_deref().filter(|k| !k.is_empty()) {
        if !valid_replay_key(key) {
            return Err(AppError::bad_request("invalid_form").into());
        }
        let action = format!("lesson:{course_id}/{lesson_id}");
        let first = state
            .store
            .claim_offline_replay(user.id, key, &action, state.clock.now())
            .await
            .map_err(AppError::from)?;
        if !first {
            // Already replayed: answered as done, counted nothing.
            return Ok(redirect(&format!("/courses/{course_id}")));
        }
        claimed = Some(key);
    }
    if let Err(e) = app::complete_lesson(&state, &user, &course_id, &lesson_id).await {
        if let Some(key) = claimed {
            // The action failed: the phone may send it again.
            let _ = state.store.release_offline_replay(user.id, key).await;
        }
        return Err(e.into());
    }
    let catalog = state.catalog();
    let course = app::course(&catalog, &course_id)?;
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
    cx: SignedIn,
    _: CsrfChecked,
    path: web::Path<(String, String)>,
) -> PageResult {
    let (course_id, quiz_id) = path.into_inner();
    let started = app::start_attempt(&cx.state, &cx.user, &course_id, &quiz_id).await?;
    Ok(redirect(&format!("/attempts/{}", started.attempt.id)))
}

#[derive(Serialize)]
struct ResultRow {
    number: usize,
    question: QuestionView,
    correct: bool,
    /// 0–100: partly right answers and graded essays show their share.
    percent: f64,
    /// An essay still waiting for the instructor's grade.
    pending: bool,
    feedback: Option<String>,
    /// What the learner answered, as lines of HTML (empty: no answer).
    given: Vec<String>,
    /// The right answer, as lines of HTML (empty for essays and hotspot taps).
    right: Vec<String>,
    /// Lessons of the course about this question's competences, to read again.
    lessons: Vec<LessonToReread>,
}

/// A lesson a result row points back to (it may be in another course the quiz draws from).
#[derive(Serialize)]
struct LessonToReread {
    course_id: String,
    id: String,
    title: String,
}

/// `lessons_of`: the courses a quiz's questions come from (its own, then those it draws from).
fn result_rows(
    course: &Course,
    lessons_of: &[&Course],
    questions: &[PresentedQuestion],
    result: &SubmitResponse,
    review: &app::Review,
) -> Vec<ResultRow> {
    let t = crate::i18n_global();
    let yes_no = (t.get("attempt.true"), t.get("attempt.false"));
    question_views(&course.id, questions)
        .into_iter()
        .zip(questions)
        .enumerate()
        .map(|(i, (q, presented))| {
            let r = result.questions.iter().find(|r| r.id == q.id);
            let correct = r.is_some_and(|r| r.correct);
            let given = answer_lines(presented, review.given.get(&q.id), yes_no);
            let competences = review.competences.get(&q.id);
            let lessons = if correct {
                Vec::new()
            } else {
                lessons_of
                    .iter()
                    .flat_map(|c| c.lessons.iter().map(move |l| (c, l)))
                    .filter(|(_, l)| {
                        competences.is_some_and(|c| l.competences.iter().any(|lc| c.contains(lc)))
                    })
                    .map(|(c, l)| LessonToReread {
                        course_id: c.id.clone(),
                        id: l.id.clone(),
                        title: l.title.clone(),
                    })
                    .collect()
            };
            ResultRow {
                number: i + 1,
                correct,
                percent: r.map_or(0.0, |r| (r.fraction * 100.0).round()),
                pending: result.pending_grading && q.kind == "essay" && !given.is_empty(),
                feedback: r.and_then(|r| r.feedback.clone()),
                right: answer_lines(presented, review.key.get(&q.id), yes_no),
                given,
                lessons,
                question: q,
            }
        })
        .collect()
}

/// The words a quiz is shown with: a placement check is neither a test nor practice.
fn mode_key(quiz: &hocvuso_course::Quiz) -> &'static str {
    match quiz.mode {
        QuizMode::Test => "test",
        QuizMode::Practice => "practice",
        QuizMode::Placement => "placement",
    }
}

/// What is wrong with a form the learner sent, shown on the form itself.
#[derive(Default)]
struct FormProblems {
    /// Answers that do not fit their question (question ids).
    invalid: BTreeSet<String>,
    /// Questions left unanswered when the learner pressed "Nộp bài": (number, id).
    unanswered: Vec<(usize, String)>,
}

pub async fn attempt(cx: SignedIn, path: web::Path<String>) -> PageResult {
    let (state, user) = (&cx.state, &cx.user);
    let (attempt, questions) = app::attempt(state, user, &path).await?;
    if let Some(result) = stored_result(&attempt)? {
        return result_page(&cx, &attempt, &questions, &result).await;
    }
    if attempt.is_submitted() {
        // Closed without a grade (time limit passed).
        return Err(AppError::conflict("time_limit_exceeded").into());
    }
    let saved = app::saved_answers(state, &attempt).await?;
    attempt_form(&cx, &attempt, &questions, &saved, &FormProblems::default()).await
}

async fn result_page(
    cx: &SignedIn,
    attempt: &hocvuso_store::Attempt,
    questions: &[PresentedQuestion],
    result: &SubmitResponse,
) -> PageResult {
    let (req, state, user) = (&cx.req, &**cx.state, &cx.user);
    let catalog = state.catalog();
    let (course, quiz) = app::course_and_quiz(&catalog, attempt)?;
    let review = app::review(state, attempt).await?;
    let lessons_of: Vec<&Course> = std::iter::once(course)
        .chain(quiz.draw_courses.iter().filter_map(|id| catalog.course(id)))
        .collect();
    let rows = result_rows(course, &lessons_of, questions, result, &review);
    let certificate_id = app::certificate_id(state, user, &course.id).await?;
    let mut page = Page::new(req, state, Some(user))
        .with("course", course)
        .with("quiz", quiz)
        .with("mode", mode_key(quiz))
        .with("attempt_id", &attempt.id)
        .with("result", result)
        .with("right_count", &rows.iter().filter(|r| r.correct).count())
        .with("total", &rows.len())
        .with("rows", &rows)
        .with("certificate_id", &certificate_id)
        .with("submitted_on", &attempt.submitted_at.map(date_vi));
    if quiz.mode == QuizMode::Placement {
        let mastery = crate::app::mastery::summary(state, user).await?;
        let skippable = crate::app::mastery::skippable(state, &catalog, user, &mastery).await?;
        page = page.with("skippable", &skippable);
    } else {
        let attempts = state
            .store
            .attempts::<hocvuso_store::Attempt>(user.id, &course.id, &quiz.id)
            .await
            .map_err(AppError::from)?;
        let may_retake = quiz.max_attempts == 0
            || quiz.mode != QuizMode::Test
            || (attempts.len() as u64) < u64::from(quiz.max_attempts);
        page = page.with("may_retake", &may_retake);
    }
    page.render("result.html")
}

/// The attempt's form with `shown` filled in (what was saved, or what the learner just sent)
/// and the problems of the last send beside their questions.
async fn attempt_form(
    cx: &SignedIn,
    attempt: &hocvuso_store::Attempt,
    questions: &[PresentedQuestion],
    shown: &BTreeMap<String, Value>,
    problems: &FormProblems,
) -> PageResult {
    let (req, state, user) = (&cx.req, &**cx.state, &cx.user);
    let catalog = state.catalog();
    let (course, quiz) = app::course_and_quiz(&catalog, attempt)?;
    let checked = app::checked_questions(state, attempt).await?;
    let items: Vec<AttemptItem> = question_views(&attempt.course_id, questions)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let id = &questions[i].id;
            let mut item = AttemptItem::new(i + 1, q, shown.get(id), checked.get(id));
            item.invalid = problems.invalid.contains(id);
            item.unanswered = problems.unanswered.iter().any(|(_, u)| u == id);
            item
        })
        .collect();
    let status = if problems.invalid.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let unanswered: Vec<(usize, &str)> = problems
        .unanswered
        .iter()
        .map(|(n, id)| (*n, id.as_str()))
        .collect();
    Page::new(req, state, Some(user))
        .with("course", course)
        .with("quiz", quiz)
        .with("attempt_id", &attempt.id)
        .with("questions", &items)
        .with("mode", mode_key(quiz))
        .with("practice", &(quiz.mode == QuizMode::Practice))
        .with("invalid_count", &problems.invalid.len())
        .with("unanswered", &unanswered)
        .with("deadline", &app::deadline(attempt, quiz).map(time_vi))
        .status(status)
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
    /// Hotspot: a tap was saved (at `tap`, in the image's pixels).
    tapped: bool,
    tap: Option<(f64, f64)>,
    /// Hotspot: the named place chosen from the list.
    place: Option<u64>,
    /// Practice mode: the result of checking this question.
    check: Option<CheckView>,
    /// The answer sent does not fit the question (shown beside it, as typed).
    invalid: bool,
    /// Left unanswered when the learner pressed "Nộp bài".
    unanswered: bool,
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
            tap: None,
            place: None,
            check: check.map(|r| CheckView {
                correct: r.correct,
                feedback: feedback_html(&r.feedback),
            }),
            choices: (1..=q.options.len()).collect(),
            invalid: false,
            unanswered: false,
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
            ("hotspot", Some(Value::Object(map))) => {
                if let Some(i) = map.get("place").and_then(Value::as_u64) {
                    item.place = Some(i);
                } else {
                    item.tapped = true;
                    let pixel = |key: &str| {
                        map.get(key).and_then(|v| {
                            v.as_f64()
                                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        })
                    };
                    item.tap = pixel("x").zip(pixel("y"));
                }
            }
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
                let place = values(&format!("{name}:place"))
                    .first()
                    .and_then(|v| v.parse::<u64>().ok());
                match (x, y, place) {
                    // A browser sends (0, 0) when the image is pressed with Enter, not tapped:
                    // that is no tap (the list of places is the keyboard's way).
                    (Some(x), Some(y), _) if x != 0.0 || y != 0.0 => {
                        Some(serde_json::json!({"x": x, "y": y}))
                    }
                    (_, _, Some(i)) => Some(serde_json::json!({ "place": i })),
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

/// A form as sent: the attempt, its questions, the fields and the answers they hold.
struct SentForm {
    attempt: hocvuso_store::Attempt,
    questions: Vec<PresentedQuestion>,
    fields: FormFields,
    answers: BTreeMap<String, Value>,
}

impl SentForm {
    /// The question whose image was tapped, if the form was sent by a tap.
    fn tapped(&self) -> Option<&str> {
        self.questions
            .iter()
            .find(|q| {
                q.r#type == "hotspot" && self.fields.first(&format!("a:{}.x", q.id)).is_some()
            })
            .map(|q| q.id.as_str())
    }
}

/// Saves what fits and shows the form again, as sent, when an answer does not fit its question:
/// `Ok(None)` when every answer fits.
async fn refuse_invalid(
    cx: &SignedIn,
    sent: &SentForm,
) -> Result<Option<actix_web::HttpResponse>, PageError> {
    let (state, user) = (&**cx.state, &cx.user);
    let invalid = app::invalid_answers(state, &sent.attempt, &sent.answers).await?;
    if invalid.is_empty() {
        return Ok(None);
    }
    let valid: BTreeMap<String, Value> = sent
        .answers
        .iter()
        .filter(|(id, _)| !invalid.contains(*id))
        .map(|(id, a)| (id.clone(), a.clone()))
        .collect();
    let mut shown = app::save(state, user, &sent.attempt.id, valid).await?;
    shown.extend(sent.answers.clone());
    let problems = FormProblems {
        invalid,
        ..Default::default()
    };
    attempt_form(cx, &sent.attempt, &sent.questions, &shown, &problems)
        .await
        .map(Some)
}

pub async fn submit(cx: SignedIn, path: web::Path<String>, body: web::Payload) -> PageResult {
    let (state, user) = (&cx.state, &cx.user);
    let sent = form_answers(&cx, &path, body).await?;
    if sent.attempt.is_submitted() {
        return Ok(redirect(&format!("/attempts/{}", sent.attempt.id)));
    }
    if let Some(page) = refuse_invalid(&cx, &sent).await? {
        return Ok(page);
    }
    // Unanswered questions: save, and ask once more (no script needed for the warning).
    if sent.fields.first("confirm") != Some("yes") {
        let mut all = app::saved_answers(state, &sent.attempt).await?;
        all.extend(sent.answers.clone());
        let unanswered: Vec<(usize, String)> = sent
            .questions
            .iter()
            .enumerate()
            .filter(|(_, q)| q.r#type != "description" && !all.contains_key(&q.id))
            .map(|(i, q)| (i + 1, q.id.clone()))
            .collect();
        if !unanswered.is_empty() {
            let shown = app::save(state, user, &sent.attempt.id, sent.answers.clone()).await?;
            let problems = FormProblems {
                unanswered,
                ..Default::default()
            };
            return attempt_form(&cx, &sent.attempt, &sent.questions, &shown, &problems).await;
        }
    }
    app::submit(state, user, &sent.attempt.id, sent.answers).await?;
    Ok(redirect(&format!("/attempts/{}", sent.attempt.id)))
}

/// Saves the form without submitting: the "Lưu bài" button, and every tap on a hotspot image
/// (which comes back to that question, not to the top of the page).
pub async fn save(cx: SignedIn, path: web::Path<String>, body: web::Payload) -> PageResult {
    let (state, user) = (&cx.state, &cx.user);
    let sent = form_answers(&cx, &path, body).await?;
    if let Some(page) = refuse_invalid(&cx, &sent).await? {
        return Ok(page);
    }
    app::save(state, user, &sent.attempt.id, sent.answers.clone()).await?;
    let anchor = match sent.tapped() {
        Some(q) => format!("q-{q}"),
        None => "saved".to_owned(),
    };
    Ok(redirect(&format!("/attempts/{}#{anchor}", sent.attempt.id)))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    q: String,
}

/// Practice mode: saves the form, then checks one question and shows its feedback.
pub async fn check(
    cx: SignedIn,
    path: web::Path<String>,
    query: web::Query<CheckQuery>,
    body: web::Payload,
) -> PageResult {
    let (state, user) = (&cx.state, &cx.user);
    let sent = form_answers(&cx, &path, body).await?;
    if let Some(page) = refuse_invalid(&cx, &sent).await? {
        return Ok(page);
    }
    let saved = app::save(state, user, &sent.attempt.id, sent.answers).await?;
    let answer = saved.get(&query.q).cloned().unwrap_or(Value::Null);
    app::check(state, user, &sent.attempt.id, &query.q, answer).await?;
    Ok(redirect(&format!(
        "/attempts/{}#q-{}",
        sent.attempt.id, query.q
    )))
}

/// An answer form's limits: a paper's questions, an ordering question's items each a field.
const ANSWER_FORM_BYTES: usize = 64 * 1024;
const ANSWER_FORM_FIELDS: usize = 2_000;

/// Reads an attempt form: the attempt must be the caller's before the body is read; then the
/// size and field limits, CSRF, and the answers by question type.
async fn form_answers(
    cx: &SignedIn,
    attempt_id: &str,
    body: web::Payload,
) -> Result<SentForm, PageError> {
    let (req, state, user) = (&cx.req, &**cx.state, &cx.user);
    let (attempt, questions) = app::attempt(state, user, attempt_id).await?;
    let fields = FormFields::read(body, ANSWER_FORM_BYTES, ANSWER_FORM_FIELDS).await?;
    csrf::verify(req, fields.csrf())?;
    let answers = answers_from_form(&questions, &fields);
    Ok(SentForm {
        attempt,
        questions,
        fields,
        answers,
    })
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

pub async fn progress(cx: SignedIn) -> PageResult {
    let SignedIn { req, state, user } = cx;
    let catalog = state.catalog();
    let rows = app::progress(&state, &catalog, &user).await?;
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
