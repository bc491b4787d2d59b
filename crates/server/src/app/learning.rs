//! Studying: courses, lessons, quiz attempts and progress.

use std::collections::BTreeMap;

use hocvuso_assessment::grading::{self, AttemptResult, GradeError, QuestionResult};
use hocvuso_assessment::paper::{self, PresentedQuestion};
use hocvuso_course::{Catalog, Course, CourseStatus, LearnerRecord, OnTimeout, Quiz, QuizMode};
use hocvuso_store::{Attempt, Certificate, GradedBy, NewAttempt, StoreError, User};
use rand::Rng;
use serde_json::Value;

use crate::app::evidence::{record_outcome, Assessed, GradedAttempt, Outcome};
use crate::error::AppError;
use crate::state::AppState;

/// A course the caller may see, or 404. Learners see every published course (a group's catalog
/// is a recommendation, not a wall), so this only checks existence.
pub fn course<'a>(catalog: &'a Catalog, course_id: &str) -> Result<&'a Course, AppError> {
    catalog.course(course_id).ok_or_else(AppError::not_found)
}

/// The certificate id of the learner's completion of a course (revoked or not), if any.
pub async fn certificate_id(
    state: &AppState,
    user: &User,
    course_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(state
        .store
        .course_certificate_id(user.id, course_id)
        .await?)
}

pub async fn status(
    state: &AppState,
    user: &User,
    course: &Course,
) -> Result<(CourseStatus, LearnerRecord), AppError> {
    let record = state.store.learner_record(user.id, &course.id).await?;
    Ok((course.status(&record), record))
}

/// Marks a lesson complete (idempotent). Returns the course completion it caused, if any.
pub async fn complete_lesson(
    state: &AppState,
    user: &User,
    course_id: &str,
    lesson_id: &str,
) -> Result<Option<Certificate>, AppError> {
    crate::app::accounts::may_learn(state, user).await?;
    let catalog = state.catalog();
    let course = course(&catalog, course_id)?;
    course.lesson(lesson_id).ok_or_else(AppError::not_found)?;
    let recorded = record_outcome(state, user, course, Outcome::Lesson { lesson_id }).await?;
    Ok(recorded.completion)
}

/// Attempts a learner may start in an hour, across retries.
const ATTEMPTS_PER_HOUR: usize = 30;
/// Network and clock slack allowed after a time limit.
const TIME_LIMIT_GRACE: time::Duration = time::Duration::seconds(60);

/// When an attempt must be submitted by, if its quiz has a time limit.
pub fn deadline(attempt: &Attempt, quiz: &Quiz) -> Option<time::OffsetDateTime> {
    (quiz.time_limit_minutes > 0)
        .then(|| attempt.started_at + time::Duration::minutes(i64::from(quiz.time_limit_minutes)))
}

/// Whether the attempt's time is up (its deadline and the grace both passed).
fn past_deadline(state: &AppState, attempt: &Attempt, quiz: &Quiz) -> bool {
    deadline(attempt, quiz).is_some_and(|d| state.clock.now() > d + TIME_LIMIT_GRACE)
}

/// Saving or checking answers after the deadline is refused: with `on_timeout =
/// "grade_saved"`, whatever is saved is what gets graded, so a late save would be a late
/// answer counted.
fn refuse_late(state: &AppState, attempt: &Attempt, quiz: &Quiz) -> Result<(), AppError> {
    if past_deadline(state, attempt, quiz) {
        return Err(AppError::conflict("answers_too_late"));
    }
    Ok(())
}

/// The answers saved so far (the latest `save` step), or none.
pub async fn saved_answers(
    state: &AppState,
    attempt: &Attempt,
) -> Result<BTreeMap<String, Value>, AppError> {
    let steps = state.store.attempt_steps::<Attempt>(&attempt.id).await?;
    Ok(steps
        .iter()
        .rev()
        .find(|(kind, _)| kind == "save")
        .and_then(|(_, data)| serde_json::from_str(data).ok())
        .unwrap_or_default())
}

/// Questions checked in practice mode, with their results (latest check per question).
pub async fn checked_questions(
    state: &AppState,
    attempt: &Attempt,
) -> Result<BTreeMap<String, QuestionResult>, AppError> {
    let mut out = BTreeMap::new();
    for (kind, data) in state.store.attempt_steps::<Attempt>(&attempt.id).await? {
        if kind == "check" {
            if let Ok(r) = serde_json::from_str::<QuestionResult>(&data) {
                out.insert(r.id.clone(), r);
            }
        }
    }
    Ok(out)
}

/// Saves answers without submitting (autosave; resumable on another device). New answers are
/// laid over the saved ones, question by question; they are checked for shape first.
pub async fn save(
    state: &AppState,
    user: &User,
    attempt_id: &str,
    answers: BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, AppError> {
    let (attempt, _) = attempt(state, user, attempt_id).await?;
    if attempt.is_submitted() {
        return Err(AppError::conflict("already_submitted"));
    }
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, &attempt)?;
    refuse_late(state, &attempt, quiz)?;
    let paper = &attempt.paper;
    grading::grade(paper, course.quiz_bank(quiz), &answers).map_err(grade_error)?;
    let mut merged = saved_answers(state, &attempt).await?;
    merged.extend(answers);
    let data = serde_json::to_string(&merged)
        .map_err(|e| AppError::internal_because("cannot serialise saved answers", e))?;
    state
        .store
        .append_attempt_step(&attempt, "save", &data, state.clock.now())
        .await?;
    Ok(merged)
}

/// Practice mode: grades one question at once and records that it was checked.
pub async fn check(
    state: &AppState,
    user: &User,
    attempt_id: &str,
    question_id: &str,
    answer: Value,
) -> Result<QuestionResult, AppError> {
    let (attempt, _) = attempt(state, user, attempt_id).await?;
    if attempt.is_submitted() {
        return Err(AppError::conflict("already_submitted"));
    }
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, &attempt)?;
    if quiz.mode != QuizMode::Practice {
        return Err(AppError::conflict("not_practice"));
    }
    refuse_late(state, &attempt, quiz)?;
    let paper = &attempt.paper;
    let one = BTreeMap::from([(question_id.to_owned(), answer)]);
    let result = grading::grade(paper, course.quiz_bank(quiz), &one).map_err(grade_error)?;
    let r = result
        .questions
        .into_iter()
        .find(|q| q.id == question_id)
        .ok_or_else(|| AppError::unprocessable("unknown_question"))?;
    let data = serde_json::to_string(&r)
        .map_err(|e| AppError::internal_because("cannot serialise a checked answer", e))?;
    state
        .store
        .append_attempt_step(&attempt, "check", &data, state.clock.now())
        .await?;
    Ok(r)
}

pub struct Started {
    pub attempt: Attempt,
    pub questions: Vec<PresentedQuestion>,
}

fn quiz<'a>(course: &'a Course, quiz_id: &str) -> Result<&'a Quiz, AppError> {
    course.quiz(quiz_id).ok_or_else(AppError::not_found)
}

/// The course and the quiz an attempt is at (404 when the served content no longer has them).
pub fn course_and_quiz<'a>(
    catalog: &'a Catalog,
    attempt: &Attempt,
) -> Result<(&'a Course, &'a Quiz), AppError> {
    let course = course(catalog, &attempt.course_id)?;
    Ok((course, quiz(course, &attempt.quiz_id)?))
}

/// Starts an attempt, or resumes the one in progress: starting again must not let a learner
/// draw fresh papers until they see questions they like.
pub async fn start_attempt(
    state: &AppState,
    user: &User,
    course_id: &str,
    quiz_id: &str,
) -> Result<Started, AppError> {
    crate::app::accounts::may_learn(state, user).await?;
    let catalog = state.catalog();
    let course = course(&catalog, course_id)?;
    let quiz = quiz(course, quiz_id)?;
    if let Some(started) = resume(state, user, course, quiz).await? {
        return Ok(started);
    }
    let earlier = state
        .store
        .attempts::<Attempt>(user.id, &course.id, &quiz.id)
        .await?;
    let now = state.clock.now();
    // Integrity: a learner cannot draw paper after paper to harvest a bank.
    if earlier
        .iter()
        .filter(|a| now - a.started_at < time::Duration::HOUR)
        .count()
        >= ATTEMPTS_PER_HOUR
    {
        return Err(AppError::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts_started",
        ));
    }
    if quiz.cooldown_minutes > 0 {
        if let Some(last) = earlier.iter().filter_map(|a| a.submitted_at).max() {
            let ready = last + time::Duration::minutes(i64::from(quiz.cooldown_minutes));
            if ready > now {
                let wait = ((ready - now).whole_seconds() + 59) / 60;
                return Err(
                    AppError::conflict("cooldown_active").with_detail(format!("({wait} phút)"))
                );
            }
        }
    }
    if quiz.mode == QuizMode::Test
        && quiz.max_attempts > 0
        && earlier.len() as u64 >= u64::from(quiz.max_attempts)
    {
        return Err(AppError::conflict("attempt_limit_reached"));
    }
    let (paper, id) = {
        let mut rng = rand::thread_rng();
        let mut draw_rng = paper_rng(state, user.id, course, quiz, earlier.len());
        let drawn = if let Some(counts) = course.tag_counts(quiz) {
            paper::draw_per_tag(course.quiz_bank(quiz), &counts, quiz.shuffle, &mut draw_rng)
        } else if quiz.essays {
            paper::draw_with_essays(
                course.quiz_bank(quiz),
                &course.draw_rule(quiz),
                &mut draw_rng,
            )
        } else {
            paper::draw(
                course.quiz_bank(quiz),
                &course.draw_rule(quiz),
                &mut draw_rng,
            )
        };
        let paper = drawn.map_err(|e| {
            // The content check guarantees enough questions; this means content changed badly.
            tracing::error!(course = %course.id, quiz = %quiz.id, error = %e, "cannot draw a paper");
            AppError::internal()
        })?;
        let id: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
            .collect();
        (paper, id)
    };
    let questions = paper::present(&paper, &shown_bank(state, course, quiz));
    let created = state
        .store
        .create_attempt(NewAttempt {
            id,
            user_id: user.id,
            course_id: course.id.clone(),
            quiz_id: quiz.id.clone(),
            content_version: course.version.clone(),
            paper,
            at: state.clock.now(),
        })
        .await;
    match created {
        Ok(attempt) => Ok(Started { attempt, questions }),
        // A parallel start opened one a moment ago: resume it, never a second paper.
        Err(StoreError::Conflict("open_attempt")) => resume(state, user, course, quiz)
            .await?
            .ok_or_else(|| AppError::conflict("conflict")),
        Err(e) => Err(e.into()),
    }
}

/// The learner's open attempt at a quiz, with its questions, if there is one.
async fn resume(
    state: &AppState,
    user: &User,
    course: &Course,
    quiz: &Quiz,
) -> Result<Option<Started>, AppError> {
    let Some(open) = state
        .store
        .open_attempt::<Attempt>(user.id, &course.id, &quiz.id)
        .await?
    else {
        return Ok(None);
    };
    let paper = &open.paper;
    let questions = paper::present(paper, &shown_bank(state, course, quiz));
    Ok(Some(Started {
        attempt: open,
        questions,
    }))
}

/// The generator a new paper is drawn with: fresh randomness, or in stories
/// (`Settings::paper_seed`) one seeded with the seed, the learner, the quiz and how many attempts
/// came before, so the same story draws the same papers every time.
fn paper_rng(
    state: &AppState,
    user_id: i64,
    course: &Course,
    quiz: &Quiz,
    earlier: usize,
) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    match state.settings.paper_seed {
        None => rand::rngs::StdRng::from_entropy(),
        Some(seed) => {
            // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            let parts = [
                seed.to_le_bytes().to_vec(),
                user_id.to_le_bytes().to_vec(),
                course.id.as_bytes().to_vec(),
                vec![0],
                quiz.id.as_bytes().to_vec(),
                (earlier as u64).to_le_bytes().to_vec(),
            ];
            for byte in parts.iter().flatten() {
                h = (h ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
            }
            rand::rngs::StdRng::seed_from_u64(h)
        }
    }
}

/// An attempt of the caller's, with its questions (404 for anyone else's).
pub async fn attempt(
    state: &AppState,
    user: &User,
    attempt_id: &str,
) -> Result<(Attempt, Vec<PresentedQuestion>), AppError> {
    if attempt_id.len() > 64 {
        return Err(AppError::not_found());
    }
    let attempt = state
        .store
        .attempt::<Attempt>(attempt_id, user.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, &attempt)?;
    let paper = &attempt.paper;
    let questions = paper::present(paper, &shown_bank(state, course, quiz));
    Ok((attempt, questions))
}

pub struct Graded {
    /// Waiting for an instructor to grade its essays.
    pub pending: bool,
    pub attempt_id: String,
    pub course_id: String,
    pub quiz_id: String,
    pub result: AttemptResult,
    pub passed: bool,
    pub completion: Option<Certificate>,
    /// The path certificate this pass of the group's final quiz earned, if any.
    pub path_certificate: Option<Certificate>,
}

fn grade_error(e: GradeError) -> AppError {
    match e {
        GradeError::UnknownQuestion(q) => {
            AppError::unprocessable("unknown_question").with_detail(format!("({q})"))
        }
        GradeError::BadAnswer { question, .. } => {
            AppError::unprocessable("invalid_answer").with_detail(format!("({question})"))
        }
        GradeError::UnknownOption { question, .. } => {
            AppError::unprocessable("unknown_option").with_detail(format!("({question})"))
        }
    }
}

/// Grades and records a submission, exactly once.
pub async fn submit(
    state: &AppState,
    user: &User,
    attempt_id: &str,
    answers: BTreeMap<String, Value>,
) -> Result<Graded, AppError> {
    crate::app::accounts::may_learn(state, user).await?;
    if attempt_id.len() > 64 {
        return Err(AppError::not_found());
    }
    // The attempt and its saved answers in one read; nothing is presented.
    let (attempt, saved) = state
        .store
        .attempt_to_submit(attempt_id, user.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if attempt.is_submitted() {
        return Err(AppError::conflict("already_submitted"));
    }
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, &attempt)?;
    let paper = &attempt.paper;
    let mut all: BTreeMap<String, Value> = saved
        .and_then(|data| serde_json::from_str(&data).ok())
        .unwrap_or_default();
    let late = past_deadline(state, &attempt, quiz);
    if late {
        match quiz.on_timeout {
            OnTimeout::Refuse => {
                state
                    .store
                    .expire_attempt(&attempt, state.clock.now())
                    .await?;
                return Err(AppError::conflict("time_limit_exceeded"));
            }
            // What was saved in time is graded; what came late is not.
            OnTimeout::GradeSaved => {}
        }
    } else {
        all.extend(answers);
    }
    let answers = all;
    let result = grading::grade(paper, course.quiz_bank(quiz), &answers).map_err(grade_error)?;
    // Only essays with something written wait for an instructor; a blank one scores 0 now.
    let pending = !grading::awaiting_grade(paper, course.quiz_bank(quiz), &answers).is_empty();
    let answers = serde_json::to_string(&answers)
        .map_err(|e| AppError::internal_because("cannot serialise answers", e))?;
    let recorded = record_outcome(
        state,
        user,
        course,
        Outcome::Graded(GradedAttempt {
            attempt: &attempt,
            assessed: Assessed::Quiz(quiz),
            by: GradedBy::Submission { answers },
            result,
            pending,
        }),
    )
    .await?;
    let result = recorded.result.ok_or_else(|| {
        AppError::internal_because("a graded outcome came back without its result", &attempt.id)
    })?;
    Ok(Graded {
        pending,
        attempt_id: attempt.id,
        course_id: course.id.clone(),
        quiz_id: quiz.id.clone(),
        result,
        passed: recorded.passed == Some(true),
        completion: recorded.completion,
        path_certificate: recorded.path_certificate,
    })
}

/// One row of a learner's progress.
pub struct Progress<'a> {
    pub course: &'a Course,
    pub status: CourseStatus,
    pub completion: Option<Certificate>,
}

/// Progress in the learner's group's courses and in any other course they touched.
pub async fn progress<'a>(
    state: &AppState,
    catalog: &'a Catalog,
    user: &User,
) -> Result<Vec<Progress<'a>>, AppError> {
    let records = state.store.learner_records(user.id).await?;
    let completions = state.store.completions_for_user(user.id).await?;
    let mut courses: Vec<&Course> = user
        .group
        .as_deref()
        .map(|g| catalog.courses_for_group(g))
        .unwrap_or_default();
    for id in records
        .keys()
        .chain(completions.iter().map(|c| &c.course_id))
    {
        if let Some(c) = catalog.course(id) {
            if !courses.iter().any(|x| x.id == c.id) {
                courses.push(c);
            }
        }
    }
    Ok(courses
        .into_iter()
        .map(|course| Progress {
            status: course.status(records.get(&course.id).unwrap_or(&LearnerRecord::default())),
            completion: completions
                .iter()
                .find(|c| c.course_id == course.id)
                .cloned(),
            course,
        })
        .collect())
}

/// The quiz's bank as the learner reads it: each question in the request's language when the
/// course it comes from translates it (`questions.<lang>.gift`, same ids and shapes), else in
/// Vietnamese. Only for showing a paper: grading always uses the original bank.
fn shown_bank<'a>(
    state: &AppState,
    course: &'a Course,
    quiz: &'a Quiz,
) -> std::borrow::Cow<'a, [hocvuso_assessment::model::Question]> {
    let lang = crate::preferences::current().lang;
    let bank = course.quiz_bank(quiz);
    if lang == crate::i18n::DEFAULT_LANG {
        return std::borrow::Cow::Borrowed(bank);
    }
    let catalog = state.catalog();
    let sources: Vec<&Course> = std::iter::once(course)
        .chain(quiz.draw_courses.iter().filter_map(|c| catalog.course(c)))
        .collect();
    std::borrow::Cow::Owned(
        bank.iter()
            .map(|q| {
                sources
                    .iter()
                    .map(|c| c.question_in(&lang, q))
                    .find(|t| !std::ptr::eq(*t, q))
                    .unwrap_or(q)
                    .clone()
            })
            .collect(),
    )
}

/// What a submitted attempt's result page teaches with: the answers the learner gave, the right
/// ones, and the competences each question is about (to point back at the lessons).
pub struct Review {
    pub given: BTreeMap<String, Value>,
    /// Never computed before the attempt is submitted.
    pub key: BTreeMap<String, Value>,
    pub competences: BTreeMap<String, Vec<String>>,
}

pub async fn review(state: &AppState, attempt: &Attempt) -> Result<Review, AppError> {
    if !attempt.is_submitted() {
        return Err(AppError::not_found());
    }
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, attempt)?;
    let bank = course.quiz_bank(quiz);
    let paper = &attempt.paper;
    let given = state
        .store
        .attempt_steps::<Attempt>(&attempt.id)
        .await?
        .into_iter()
        .rev()
        .find(|(kind, _)| kind == "submit")
        .and_then(|(_, data)| serde_json::from_str(&data).ok())
        .unwrap_or_default();
    let competences = paper
        .questions
        .iter()
        .filter_map(|pq| {
            let q = bank
                .iter()
                .find(|b| b.id.as_deref() == Some(pq.id.as_str()))?;
            Some((
                pq.id.clone(),
                hocvuso_assessment::mastery::competences(&q.tags),
            ))
        })
        .collect();
    Ok(Review {
        given,
        key: grading::answer_key(paper, bank),
        competences,
    })
}

/// The answers of a form that do not fit their question's type (a number question answered
/// "12 số", an option that is not on the paper), by question id: the form is shown again with
/// the error beside each, and nothing the learner typed is lost.
pub async fn invalid_answers(
    state: &AppState,
    attempt: &Attempt,
    answers: &BTreeMap<String, Value>,
) -> Result<std::collections::BTreeSet<String>, AppError> {
    let catalog = state.catalog();
    let (course, quiz) = course_and_quiz(&catalog, attempt)?;
    let bank = course.quiz_bank(quiz);
    let paper = &attempt.paper;
    Ok(answers
        .iter()
        .filter(|(id, answer)| {
            let one = BTreeMap::from([((*id).clone(), (*answer).clone())]);
            grading::grade(paper, bank, &one).is_err()
        })
        .map(|(id, _)| id.clone())
        .collect())
}
