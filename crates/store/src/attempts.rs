//! What quiz attempts (`quiz_attempts`, `attempt_steps`) and practice-task attempts
//! (`task_attempts`, `task_steps`) share, written once: finding a learner's attempts at an
//! activity, starting one with its `start` step, the append-only steps, and the conditional state
//! change that lets exactly one of two racing requests close an attempt. Generic over the two
//! pairs of tables through `AttemptTable` and `StepTable`, as `CertificateTable` is over the two
//! certificate tables (`evidence.rs`).

use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityName,
    EntityTrait, IdenStatic, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, Statement,
};
use time::OffsetDateTime;

use crate::entity::{attempt_step, quiz_attempt, task_attempt, task_step};
use crate::turn::WriteTx;
use crate::{Result, Store, StoreError, STATE_IN_PROGRESS};

/// The columns both attempt tables have (`Activity`: the quiz or the task attempted).
#[derive(Clone, Copy)]
pub enum ACol {
    Id,
    UserId,
    CourseId,
    Activity,
    State,
    StartedAt,
}

/// An attempt table, with the table of its steps.
pub trait AttemptTable: EntityTrait<Model: Send + Sync> {
    type Steps: StepTable;
    fn col(c: ACol) -> Self::Column;
}

/// The columns both step tables have.
#[derive(Clone, Copy)]
pub enum SCol {
    AttemptId,
    Seq,
    Kind,
    Data,
    At,
}

/// A table of append-only attempt steps: `(attempt_id, seq)` is unique.
pub trait StepTable: EntityTrait<Model: Send + Sync> {
    fn col(c: SCol) -> Self::Column;
}

/// Implements `AttemptTable` for an attempt entity whose activity column is `$activity`, and
/// `StepTable` for its steps.
macro_rules! attempt_table {
    ($attempt:ident, $activity:ident, $steps:ident) => {
        impl AttemptTable for $attempt::Entity {
            type Steps = $steps::Entity;
            fn col(c: ACol) -> Self::Column {
                use $attempt::Column as C;
                match c {
                    ACol::Id => C::Id,
                    ACol::UserId => C::UserId,
                    ACol::CourseId => C::CourseId,
                    ACol::Activity => C::$activity,
                    ACol::State => C::State,
                    ACol::StartedAt => C::StartedAt,
                }
            }
        }
        impl StepTable for $steps::Entity {
            fn col(c: SCol) -> Self::Column {
                use $steps::Column as C;
                match c {
                    SCol::AttemptId => C::AttemptId,
                    SCol::Seq => C::Seq,
                    SCol::Kind => C::Kind,
                    SCol::Data => C::Data,
                    SCol::At => C::At,
                }
            }
        }
    };
}

attempt_table!(quiz_attempt, QuizId, attempt_step);
attempt_table!(task_attempt, TaskId, task_step);

/// A learner's attempts at one activity (quiz or task) of a course.
fn at_activity<T: AttemptTable>(user_id: i64, course_id: &str, activity: &str) -> Select<T>
where
    T::Model: Send + Sync,
{
    T::find()
        .filter(T::col(ACol::UserId).eq(user_id))
        .filter(T::col(ACol::CourseId).eq(course_id))
        .filter(T::col(ACol::Activity).eq(activity))
}

/// An attempt as the store hands it out: a quiz attempt (`Attempt`) or a practice-task attempt
/// (`TaskAttempt`). The queries below serve both: `store.attempts::<TaskAttempt>(…)`.
pub trait AttemptKind: Sized {
    #[doc(hidden)]
    type Table: AttemptTable;
    #[doc(hidden)]
    fn from_row(m: <Self::Table as EntityTrait>::Model) -> Result<Self>;
}

impl AttemptKind for crate::Attempt {
    type Table = quiz_attempt::Entity;
    fn from_row(m: quiz_attempt::Model) -> Result<Self> {
        m.try_into()
    }
}

impl AttemptKind for crate::TaskAttempt {
    type Table = task_attempt::Entity;
    fn from_row(m: task_attempt::Model) -> Result<Self> {
        m.try_into()
    }
}

impl Store {
    /// The learner's open attempt at an activity (at most one: a unique index says so).
    pub async fn open_attempt<K: AttemptKind>(
        &self,
        user_id: i64,
        course_id: &str,
        activity: &str,
    ) -> Result<Option<K>> {
        let open = at_activity::<K::Table>(user_id, course_id, activity)
            .filter(K::Table::col(ACol::State).eq(STATE_IN_PROGRESS))
            .order_by_desc(K::Table::col(ACol::StartedAt));
        open.one(&self.db).await?.map(K::from_row).transpose()
    }

    /// The learner's attempts at an activity, newest first.
    pub async fn attempts<K: AttemptKind>(
        &self,
        user_id: i64,
        course_id: &str,
        activity: &str,
    ) -> Result<Vec<K>> {
        let all = at_activity::<K::Table>(user_id, course_id, activity)
            .order_by_desc(K::Table::col(ACol::StartedAt));
        all.all(&self.db)
            .await?
            .into_iter()
            .map(K::from_row)
            .collect()
    }

    /// How many attempts the learner made at an activity.
    pub async fn count_attempts<K: AttemptKind>(
        &self,
        user_id: i64,
        course_id: &str,
        activity: &str,
    ) -> Result<u64> {
        let all = at_activity::<K::Table>(user_id, course_id, activity);
        Ok(all.count(&self.db).await?)
    }

    /// An attempt, only if it belongs to `user_id`: someone else's attempt does not exist.
    pub async fn attempt<K: AttemptKind>(&self, id: &str, user_id: i64) -> Result<Option<K>> {
        let found = K::Table::find()
            .filter(K::Table::col(ACol::Id).eq(id))
            .filter(K::Table::col(ACol::UserId).eq(user_id));
        found.one(&self.db).await?.map(K::from_row).transpose()
    }

    /// The steps of an attempt, in order: (kind, data).
    pub async fn attempt_steps<K: AttemptKind>(
        &self,
        attempt_id: &str,
    ) -> Result<Vec<(String, String)>> {
        steps::<<K::Table as AttemptTable>::Steps, _>(&self.db, attempt_id).await
    }
}

/// Starts an attempt: its row and its `start` step, together. One open attempt per learner and
/// activity: losing that race is `Conflict("open_attempt")`.
pub(crate) async fn start<T: AttemptTable, A>(
    store: &crate::Store,
    row: A,
    id: &str,
    at: OffsetDateTime,
) -> Result<T::Model>
where
    T::Model: Send + Sync + IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = T> + ActiveModelBehavior + Send,
    <T::Steps as EntityTrait>::Model: Send + Sync + IntoActiveModel<StepModel<T>>,
    StepModel<T>: ActiveModelTrait<Entity = T::Steps> + ActiveModelBehavior + Send,
{
    let tx = store.begin_write().await?;
    let model = row
        .insert(&tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "open_attempt"))?;
    step_row::<T::Steps>(id, 0, "start", "{}", at)
        .insert(&tx)
        .await?;
    tx.commit().await?;
    Ok(model)
}

type StepModel<T> = <<T as AttemptTable>::Steps as EntityTrait>::ActiveModel;

/// The steps of an attempt, in order: (kind, data).
pub(crate) async fn steps<S: StepTable, C: ConnectionTrait>(
    db: &C,
    attempt_id: &str,
) -> Result<Vec<(String, String)>> {
    Ok(S::find()
        .select_only()
        .column(S::col(SCol::Kind))
        .column(S::col(SCol::Data))
        .filter(S::col(SCol::AttemptId).eq(attempt_id))
        .order_by_asc(S::col(SCol::Seq))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?)
}

/// A new step row.
fn step_row<S: StepTable>(
    attempt_id: &str,
    seq: i32,
    kind: &str,
    data: &str,
    at: OffsetDateTime,
) -> S::ActiveModel {
    let mut row = <S::ActiveModel as ActiveModelTrait>::default();
    row.set(S::col(SCol::AttemptId), attempt_id.into());
    row.set(S::col(SCol::Seq), seq.into());
    row.set(S::col(SCol::Kind), kind.into());
    row.set(S::col(SCol::Data), data.into());
    row.set(S::col(SCol::At), at.into());
    row
}

/// Fails with `AlreadySubmitted` unless the attempt is still in progress.
pub(crate) async fn ensure_open<T: AttemptTable>(tx: &WriteTx, id: &str) -> Result<()>
where
    T::Model: Send + Sync,
{
    let open = T::find()
        .filter(T::col(ACol::Id).eq(id))
        .filter(T::col(ACol::State).eq(STATE_IN_PROGRESS))
        .one(tx)
        .await?;
    match open {
        Some(_) => Ok(()),
        None => Err(StoreError::AlreadySubmitted),
    }
}

/// Appends the attempt's next step, numbered by its steps so far, in one statement
/// (`INSERT … SELECT COUNT(*)`) and without reading the row back: counting first and inserting
/// after were two round trips inside the caller's transaction, and the insert's read-back
/// (SQLite) a third. Another request that took the same number first is `Conflict("step")`
/// (`uq_*_steps_seq`).
pub(crate) async fn append_next<S: StepTable, C: ConnectionTrait>(
    c: &C,
    attempt_id: &str,
    kind: &str,
    data: &str,
    at: OffsetDateTime,
) -> Result<()> {
    let mut count = Query::select();
    count
        .expr(Expr::val(attempt_id))
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::val(kind))
        .expr(Expr::val(data))
        .expr(Expr::val(at))
        .from(S::default())
        .and_where(Expr::col(S::col(SCol::AttemptId)).eq(attempt_id));
    let mut insert = Query::insert();
    insert
        .into_table(S::default())
        .columns(step_columns::<S>())
        .select_from(count)
        .map_err(|e| StoreError::Corrupt(format!("step insert: {e}")))?;
    c.execute(c.get_database_backend().build(&insert))
        .await
        .map_err(|e| StoreError::unique_or_db(e, "step"))?;
    Ok(())
}

fn step_columns<S: StepTable>() -> [S::Column; 5] {
    [
        S::col(SCol::AttemptId),
        S::col(SCol::Seq),
        S::col(SCol::Kind),
        S::col(SCol::Data),
        S::col(SCol::At),
    ]
}

/// Moves an attempt of `user_id` from state `from` (setting `sets`) and appends its next step,
/// atomically: exactly one of two racing requests gets to, the other fails with
/// `AlreadySubmitted`. On PostgreSQL it is one statement (the update in a `WITH`, the step
/// inserted from what it returned), atomic by itself, so a caller with nothing else to write
/// needs no transaction: one round trip where `BEGIN`, the update, the count, the insert and
/// `COMMIT` were five. SQLite has no data-modifying `WITH`: there it is the update, then
/// `append_next`, and the caller must hold a transaction (`c` is one).
pub(crate) async fn close_with_step<T: AttemptTable, C: ConnectionTrait>(
    c: &C,
    id: &str,
    user_id: i64,
    from: &str,
    sets: Vec<(T::Column, SimpleExpr)>,
    step: (&str, &str),
    at: OffsetDateTime,
) -> Result<()>
where
    T::Model: Send + Sync,
{
    let (kind, data) = step;
    if c.get_database_backend() != DbBackend::Postgres {
        transition::<T, _>(c, id, Some(user_id), from, sets).await?;
        return append_next::<T::Steps, _>(c, id, kind, data, at).await;
    }
    let mut update = T::update_many();
    for (col, value) in sets {
        update = update.col_expr(col, value);
    }
    let mut update = update
        .filter(T::col(ACol::Id).eq(id))
        .filter(T::col(ACol::State).eq(from))
        .filter(T::col(ACol::UserId).eq(user_id))
        .into_query();
    update.returning_col(T::col(ACol::Id));
    let update = DbBackend::Postgres.build(&update);
    let mut values = update.values.map(|v| v.0).unwrap_or_default();
    let update = update.sql;
    let n = values.len();
    let steps = T::Steps::default().table_name().to_owned();
    let [attempt_col, seq, kind_col, data_col, at_col] =
        step_columns::<T::Steps>().map(|col| col.as_str().to_owned());
    let moved_id = T::col(ACol::Id).as_str().to_owned();
    let sql = format!(
        "WITH moved AS ({update}) \
         INSERT INTO \"{steps}\" (\"{attempt_col}\", \"{seq}\", \"{kind_col}\", \"{data_col}\", \"{at_col}\") \
         SELECT moved.\"{moved_id}\", \
         (SELECT COUNT(*) FROM \"{steps}\" s WHERE s.\"{attempt_col}\" = moved.\"{moved_id}\"), \
         ${}, ${}, ${} FROM moved",
        n + 1,
        n + 2,
        n + 3
    );
    values.extend([kind.into(), data.into(), at.into()]);
    let done = c
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .map_err(|e| StoreError::unique_or_db(e, "step"))?;
    if done.rows_affected() != 1 {
        return Err(StoreError::AlreadySubmitted);
    }
    Ok(())
}

/// The number the attempt's next step takes (its steps so far).
pub(crate) async fn next_seq<S: StepTable>(tx: &WriteTx, attempt_id: &str) -> Result<i32>
where
    S::Model: Send + Sync,
{
    Ok(S::find()
        .filter(S::col(SCol::AttemptId).eq(attempt_id))
        .count(tx)
        .await? as i32)
}

/// Appends step `seq`; another request that took that number first is `Conflict("step")`.
pub(crate) async fn append_step<S: StepTable>(
    tx: &WriteTx,
    attempt_id: &str,
    seq: i32,
    kind: &str,
    data: &str,
    at: OffsetDateTime,
) -> Result<()>
where
    S::Model: Send + Sync + IntoActiveModel<S::ActiveModel>,
    S::ActiveModel: ActiveModelBehavior + Send,
{
    step_row::<S>(attempt_id, seq, kind, data, at)
        .insert(tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "step"))?;
    Ok(())
}

/// Moves an attempt (of `user_id`, when given) from state `from`, setting `sets`; exactly one of
/// two racing requests gets to: the other fails with `AlreadySubmitted`.
pub(crate) async fn transition<T: AttemptTable, C: ConnectionTrait>(
    tx: &C,
    id: &str,
    user_id: Option<i64>,
    from: &str,
    sets: Vec<(T::Column, SimpleExpr)>,
) -> Result<()>
where
    T::Model: Send + Sync,
{
    let mut update = T::update_many();
    for (col, value) in sets {
        update = update.col_expr(col, value);
    }
    update = update
        .filter(T::col(ACol::Id).eq(id))
        .filter(T::col(ACol::State).eq(from));
    if let Some(u) = user_id {
        update = update.filter(T::col(ACol::UserId).eq(u));
    }
    if update.exec(tx).await?.rows_affected != 1 {
        return Err(StoreError::AlreadySubmitted);
    }
    Ok(())
}
