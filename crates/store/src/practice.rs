//! Practice task attempts and their append-only steps (`task_attempts`, `task_steps`).
//!
//! The store records; the course crate decides. Grading an answer and what a list of grades
//! means (next step, first tries, passed) are `hocvuso_course::task` functions the server calls
//! before it asks the store to write.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use time::OffsetDateTime;

use crate::entity::{task_attempt, task_step};

use crate::{Result, Store, StoreError, STATE_GRADED, STATE_IN_PROGRESS};

#[derive(Debug, Clone)]
pub struct TaskAttempt {
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub task_id: String,
    pub content_version: String,
    pub state: String,
    pub started_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

impl TaskAttempt {
    pub fn is_finished(&self) -> bool {
        self.state != STATE_IN_PROGRESS
    }
}

impl From<task_attempt::Model> for TaskAttempt {
    fn from(m: task_attempt::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            course_id: m.course_id,
            task_id: m.task_id,
            content_version: m.content_version,
            state: m.state,
            started_at: m.started_at,
            finished_at: m.finished_at,
            score_percent: m.score_percent,
            passed: m.passed,
        }
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
        let tx = self.db.begin().await?;
        let model = task_attempt::ActiveModel {
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
        }
        .insert(&tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "open_attempt"))?;
        append_step(&tx, &new.id, 0, "start", "{}", new.at).await?;
        tx.commit().await?;
        Ok(model.into())
    }

    pub async fn open_task_attempt(
        &self,
        user_id: i64,
        course_id: &str,
        task_id: &str,
    ) -> Result<Option<TaskAttempt>> {
        Ok(task_attempt::Entity::find()
            .filter(task_attempt::Column::UserId.eq(user_id))
            .filter(task_attempt::Column::CourseId.eq(course_id))
            .filter(task_attempt::Column::TaskId.eq(task_id))
            .filter(task_attempt::Column::State.eq(STATE_IN_PROGRESS))
            .one(&self.db)
            .await?
            .map(TaskAttempt::from))
    }

    /// The learner's attempts at one task, newest first.
    pub async fn task_attempts(
        &self,
        user_id: i64,
        course_id: &str,
        task_id: &str,
    ) -> Result<Vec<TaskAttempt>> {
        Ok(task_attempt::Entity::find()
            .filter(task_attempt::Column::UserId.eq(user_id))
            .filter(task_attempt::Column::CourseId.eq(course_id))
            .filter(task_attempt::Column::TaskId.eq(task_id))
            .order_by_desc(task_attempt::Column::StartedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(TaskAttempt::from)
            .collect())
    }

    /// An attempt, only if it belongs to `user_id`: someone else's attempt does not exist.
    pub async fn task_attempt(&self, id: &str, user_id: i64) -> Result<Option<TaskAttempt>> {
        Ok(task_attempt::Entity::find_by_id(id.to_owned())
            .filter(task_attempt::Column::UserId.eq(user_id))
            .one(&self.db)
            .await?
            .map(TaskAttempt::from))
    }

    /// The steps of an attempt, in order: (kind, data).
    pub async fn task_steps(&self, attempt_id: &str) -> Result<Vec<(String, String)>> {
        Ok(task_step::Entity::find()
            .filter(task_step::Column::AttemptId.eq(attempt_id))
            .order_by_asc(task_step::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.kind, s.data))
            .collect())
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
    tx: &DatabaseTransaction,
    answer: &TaskAnswer,
    at: OffsetDateTime,
) -> Result<bool> {
    let attempt = &answer.attempt;
    let open = task_attempt::Entity::find_by_id(attempt.id.clone())
        .filter(task_attempt::Column::State.eq(STATE_IN_PROGRESS))
        .one(tx)
        .await?;
    if open.is_none() {
        return Err(StoreError::AlreadySubmitted);
    }
    let seq = task_step::Entity::find()
        .filter(task_step::Column::AttemptId.eq(attempt.id.clone()))
        .count(tx)
        .await? as usize;
    if seq != answer.expected_seq {
        return Err(StoreError::Conflict("step"));
    }
    append_step(tx, &attempt.id, seq as i32, "answer", &answer.data, at)
        .await
        .map_err(|e| match e {
            StoreError::Db(db) => StoreError::unique_or_db(db, "step"),
            other => other,
        })?;
    let Some(finish) = &answer.finish else {
        return Ok(false);
    };
    let updated = task_attempt::Entity::update_many()
        .col_expr(task_attempt::Column::State, STATE_GRADED.into())
        .col_expr(task_attempt::Column::FinishedAt, at.into())
        .col_expr(
            task_attempt::Column::ScorePercent,
            finish.score_percent.into(),
        )
        .col_expr(task_attempt::Column::Passed, finish.passed.into())
        .filter(task_attempt::Column::Id.eq(attempt.id.clone()))
        .filter(task_attempt::Column::State.eq(STATE_IN_PROGRESS))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::AlreadySubmitted);
    }
    Ok(finish.passed)
}

async fn append_step(
    tx: &DatabaseTransaction,
    attempt_id: &str,
    seq: i32,
    kind: &str,
    data: &str,
    at: OffsetDateTime,
) -> Result<()> {
    task_step::ActiveModel {
        attempt_id: Set(attempt_id.to_owned()),
        seq: Set(seq),
        kind: Set(kind.to_owned()),
        data: Set(data.to_owned()),
        at: Set(at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}
