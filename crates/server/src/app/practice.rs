//! Practice tasks: starting an attempt, answering its steps one by one, and what the learner
//! sees of it. The grading and the pass rule are the course crate's (`hocvuso_course::task`);
//! this service checks the caller and the step, and records through the store.

use hocvuso_course::task::{Answer, AnswerError, StepGrade, TaskProgress};
use hocvuso_course::{Catalog, Course, LearnerRecord, Task};
use hocvuso_store::{
    Certificate, NewTaskAttempt, StoreError, TaskAnswer, TaskAttempt, TaskFinish, User,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::app::evidence::{record_outcome, Outcome};
use crate::app::learning::course;
use crate::error::AppError;
use crate::state::AppState;

/// Attempts a learner may start at one task in an hour.
const ATTEMPTS_PER_HOUR: usize = 30;

pub fn task<'a>(course: &'a Course, task_id: &str) -> Result<&'a Task, AppError> {
    course.task(task_id).ok_or_else(AppError::not_found)
}

/// One recorded answer (a `task_steps` row of kind `answer`): the grade and what was answered.
#[derive(Serialize, Deserialize)]
struct AnswerRecord {
    #[serde(flatten)]
    grade: StepGrade,
    answer: Answer,
}

/// An attempt with where the learner is in it.
pub struct TaskState<'a> {
    pub attempt: TaskAttempt,
    pub course: &'a Course,
    pub task: &'a Task,
    pub progress: TaskProgress,
    /// The latest answer's grade, for the feedback shown above the next screen.
    pub last: Option<StepGrade>,
    grades: Vec<StepGrade>,
}

/// Starts an attempt at a task, or resumes the open one.
pub async fn start(
    state: &AppState,
    user: &User,
    course_id: &str,
    task_id: &str,
) -> Result<TaskAttempt, AppError> {
    crate::app::accounts::may_learn(state, user).await?;
    let catalog = state.catalog();
    let course = course(&catalog, course_id)?;
    let task = task(course, task_id)?;
    if let Some(open) = state
        .store
        .open_attempt::<TaskAttempt>(user.id, &course.id, &task.id)
        .await?
    {
        return Ok(open);
    }
    let now = state.clock.now();
    let recent = state
        .store
        .attempts::<TaskAttempt>(user.id, &course.id, &task.id)
        .await?
        .iter()
        .filter(|a| now - a.started_at < time::Duration::HOUR)
        .count();
    if recent >= ATTEMPTS_PER_HOUR {
        return Err(AppError::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts_started",
        ));
    }
    let id: String = {
        let mut rng = rand::thread_rng();
        (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
            .collect()
    };
    let created = state
        .store
        .create_task_attempt(NewTaskAttempt {
            id,
            user_id: user.id,
            course_id: course.id.clone(),
            task_id: task.id.clone(),
            content_version: course.version.clone(),
            at: now,
        })
        .await;
    match created {
        Ok(a) => Ok(a),
        // A parallel start opened one a moment ago: resume it.
        Err(StoreError::Conflict("open_attempt")) => state
            .store
            .open_attempt::<TaskAttempt>(user.id, &course.id, &task.id)
            .await?
            .ok_or_else(|| AppError::conflict("conflict")),
        Err(e) => Err(e.into()),
    }
}

/// The caller's attempt (someone else's does not exist) and where they are in it.
pub async fn load<'a>(
    state: &AppState,
    catalog: &'a Catalog,
    user: &User,
    attempt_id: &str,
) -> Result<TaskState<'a>, AppError> {
    let attempt = state
        .store
        .attempt::<TaskAttempt>(attempt_id, user.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let course = course(catalog, &attempt.course_id)?;
    let task = task(course, &attempt.task_id)?;
    let grades: Vec<StepGrade> = state
        .store
        .attempt_steps::<TaskAttempt>(&attempt.id)
        .await?
        .into_iter()
        .filter(|(kind, _)| kind == "answer")
        .filter_map(|(_, data)| serde_json::from_str::<AnswerRecord>(&data).ok())
        .map(|r| r.grade)
        .collect();
    Ok(TaskState {
        progress: task.progress(&grades),
        last: grades.last().cloned(),
        attempt,
        course,
        task,
        grades,
    })
}

/// What answering a step did.
pub struct Answered<'a> {
    pub grade: StepGrade,
    pub state: TaskState<'a>,
    /// The course completion passing the task caused, if any.
    pub completion: Option<Certificate>,
}

/// Grades one answer to the current step and records it; the answer that does the last step
/// finishes the attempt (passed or not, by the task's rule) in the same transaction.
pub async fn answer<'a>(
    state: &AppState,
    catalog: &'a Catalog,
    user: &User,
    attempt_id: &str,
    step: usize,
    answer: Answer,
) -> Result<Answered<'a>, AppError> {
    let mut current = load(state, catalog, user, attempt_id).await?;
    if current.attempt.is_finished() {
        return Err(AppError::conflict("task_finished"));
    }
    if current.progress.current != Some(step) {
        return Err(AppError::conflict("not_current_step"));
    }
    let grade = current.task.steps[step]
        .grade(step, &answer)
        .map_err(|e| match e {
            AnswerError::WrongKind => AppError::unprocessable("invalid_answer"),
            AnswerError::OutOfRange => AppError::unprocessable("unknown_option"),
        })?;
    let mut grades = current.grades.clone();
    grades.push(grade.clone());
    let progress = current.task.progress(&grades);
    let finish = progress.finished.then_some(TaskFinish {
        score_percent: progress.first_try_percent,
        passed: progress.passed,
    });
    let data = serde_json::to_string(&AnswerRecord {
        grade: grade.clone(),
        answer,
    })
    .map_err(|e| AppError::internal_because("encoding a task answer", e))?;
    // `start` is step 0 of the history; each earlier answer one more.
    let expected_seq = 1 + current.grades.len();
    let now = state.clock.now();
    let (course, task) = (current.course, current.task);
    let answered = TaskAnswer {
        attempt: current.attempt.clone(),
        expected_seq,
        data,
        finish,
    };
    let recorded = record_outcome(
        state,
        user,
        course,
        Outcome::TaskAnswer {
            task,
            answer: answered,
        },
    )
    .await
    .map_err(|e| match e.key {
        // Another tab answered this step, or finished the attempt, first.
        "conflict" => AppError::conflict("not_current_step"),
        "already_submitted" => AppError::conflict("task_finished"),
        _ => e,
    })?;
    let completion = recorded.completion;
    if let Some(f) = finish {
        current.attempt.state = hocvuso_store::AttemptState::Graded;
        current.attempt.score_percent = Some(f.score_percent);
        current.attempt.passed = Some(f.passed);
        current.attempt.finished_at = Some(now);
    }
    current.progress = progress;
    current.last = Some(grade.clone());
    current.grades = grades;
    Ok(Answered {
        grade,
        state: current,
        completion,
    })
}

/// A task of a course with the caller's standing in it.
pub struct TaskRow<'a> {
    pub task: &'a Task,
    pub passed: bool,
    pub required: bool,
    /// The open attempt, to resume.
    pub in_progress: Option<String>,
}

/// The course's tasks with the caller's standing, in course order.
pub async fn tasks_of<'a>(
    state: &AppState,
    user: &User,
    course: &'a Course,
    record: &LearnerRecord,
) -> Result<Vec<TaskRow<'a>>, AppError> {
    let mut out = Vec::with_capacity(course.tasks.len());
    for t in &course.tasks {
        let open = state
            .store
            .open_attempt::<TaskAttempt>(user.id, &course.id, &t.id)
            .await?;
        out.push(TaskRow {
            task: t,
            passed: record.tasks_passed.contains(&t.id),
            required: course.tasks_required,
            in_progress: open.map(|a| a.id),
        });
    }
    Ok(out)
}
