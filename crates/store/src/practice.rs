//! Practice task attempts and their append-only steps (`task_attempts`, `task_steps`).
//!
//! The store records; the course crate decides. Grading an answer and what a list of grades
//! means (next step, first tries, passed) are `hocvuso_course::task` functions the server calls
//! before it asks the store to write.

use sea_orm::Set;
use time::OffsetDateTime;

use crate::attempts;
use crate::entity::{task_attempt, task_step};
use crate::turn::WriteTx;

use crate::{AttemptState, Result, Store, StoreError, STATE_GRADED, STATE_IN_PROGRESS};

#[derive(Debug, Clone)]
pub struct TaskAttempt {
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub task_id: String,
    pub content_version: String,
    pub state: AttemptState,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

impl TaskAttempt {
    pub fn is_finished(&self) -> bool {
        self.state != AttemptState::InProgress
    }
}

impl TryFrom<task_attempt::Model> for TaskAttempt {
    type Error = StoreError;
    fn try_from(m: task_attempt::Model) -> Result<Self> {
        Ok(Self {
            id: m.id,
            user_id: m.user_id,
            course_id: m.course_id,
            task_id: m.task_id,
            content_version: m.content_version,
            state: AttemptState::parse(&m.state)?,
            started_at: m.started_at,
            finished_at: m.finished_at,
            score_percent: m.score_percent,
            passed: m.passed,
        })
    }
}

pub struct NewTaskAttempt {
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub task_id: String,
    pub content_version: String,
    pub at: OffsetDateTime,
}

/// The end of an attempt, decided by the course crate from its grades.
#[derive(Debug, Clone, Copy)]
pub struct TaskFinish {
    pub score_percent: f64,
    pub passed: bool,
}

impl Store {
    /// Starts an attempt (row and `start` step together). One open attempt per learner and task
    /// (`uq_task_attempts_open`): losing that race is `Conflict("open_attempt")`.
    pub async fn create_task_attempt(&self, new: NewTaskAttempt) -> Result<TaskAttempt> {
        let row = task_attempt::ActiveModel {
            id: Set(new.id.clone()),
            user_id: Set(new.user_id),
            course_id: Set(new.course_id),
            task_id: Set(new.task_id),
            content_version: Set(new.content_version),
            state: Set(STATE_IN_PROGRESS.to_owned()),
            started_at: Set(new.at),
            finished_at: Set(None),
            score_percent: Set(None),
            passed: Set(None),
        };
        let started = attempts::start::<task_attempt::Entity, _>(self, row, &new.id, new.at);
        started.await?.try_into()
    }
}

/// An answer to the current step of a practice task, recorded by `Store::record_evidence`:
/// one `answer` step, and when it is the last, the attempt finished with its result.
#[derive(Clone)]
pub struct TaskAnswer {
    pub attempt: TaskAttempt,
    /// The step number the answer expects to be (another tab may have answered first).
    pub expected_seq: usize,
    /// The answer with its grade (JSON).
    pub data: String,
    pub finish: Option<TaskFinish>,
}

/// Records a task answer inside the evidence transaction; whether it passed the task (so the
/// course's completion rule may be asked).
pub(crate) async fn record_task_answer(
    tx: &WriteTx,
    answer: &TaskAnswer,
    at: OffsetDateTime,
) -> Result<bool> {
    let attempt = &answer.attempt;
    attempts::ensure_open::<task_attempt::Entity>(tx, &attempt.id).await?;
    let seq = attempts::next_seq::<task_step::Entity>(tx, &attempt.id).await?;
    if seq as usize != answer.expected_seq {
        return Err(StoreError::Conflict("step"));
    }
    attempts::append_step::<task_step::Entity>(tx, &attempt.id, seq, "answer", &answer.data, at)
        .await?;
    let Some(finish) = &answer.finish else {
        return Ok(false);
    };
    use task_attempt::Column as C;
    attempts::transition::<task_attempt::Entity, _>(
        tx,
        &attempt.id,
        None,
        STATE_IN_PROGRESS,
        vec![
            (C::State, STATE_GRADED.into()),
            (C::FinishedAt, at.into()),
            (C::ScorePercent, finish.score_percent.into()),
            (C::Passed, finish.passed.into()),
        ],
    )
    .await?;
    Ok(finish.passed)
}
