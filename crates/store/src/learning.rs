//! What learners did: completed lessons, quiz attempts with their append-only steps, and course
//! completions (with their certificate ids).

use std::collections::{BTreeMap, HashMap};

use hocvuso_assessment::paper::Paper;
use hocvuso_course::LearnerRecord;
use hocvuso_credentials::ledger::{Entry, Issue};
use hocvuso_credentials::AchievementKind;
use sea_orm::sea_query::{Expr, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use time::OffsetDateTime;

use crate::attempts;
use crate::entity::{
    attempt_step, course_completion, lesson_completion, quiz_attempt, task_attempt,
};
use crate::turn::WriteTx;
use crate::{Result, Store, StoreError};

pub const STATE_IN_PROGRESS: &str = "in_progress";
pub const STATE_GRADED: &str = "graded";
/// Closed without a grade: submitted after its time limit under the `refuse` rule.
pub const STATE_EXPIRED: &str = "expired";

/// Where an attempt (at a quiz or a practice task) is: its `state` column, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Open: answers may still be saved, checked or given.
    InProgress,
    /// Submitted, waiting for an instructor's grade (essays).
    Submitted,
    /// Graded (by the machine or an instructor): `passed` says how.
    Graded,
    /// Closed without a grade (time limit passed under the `refuse` rule).
    Expired,
}

impl AttemptState {
    /// The column's value, also what the API shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => STATE_IN_PROGRESS,
            Self::Submitted => STATE_SUBMITTED,
            Self::Graded => STATE_GRADED,
            Self::Expired => STATE_EXPIRED,
        }
    }

    /// Reads the column; a value the code never writes is a corrupt row.
    pub(crate) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            STATE_IN_PROGRESS => Self::InProgress,
            STATE_SUBMITTED => Self::Submitted,
            STATE_GRADED => Self::Graded,
            STATE_EXPIRED => Self::Expired,
            other => return Err(StoreError::Corrupt(format!("attempt state {other:?}"))),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub quiz_id: String,
    pub content_version: String,
    pub state: AttemptState,
    /// The questions drawn for it, read from the stored JSON once, here: a paper that does
    /// not parse is `StoreError::Corrupt` like an unknown state.
    pub paper: Paper,
    pub started_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    pub result: Option<String>,
}

impl Attempt {
    pub fn is_submitted(&self) -> bool {
        self.state != AttemptState::InProgress
    }
}

impl TryFrom<quiz_attempt::Model> for Attempt {
    type Error = StoreError;
    fn try_from(m: quiz_attempt::Model) -> Result<Self> {
        let paper = serde_json::from_str(&m.paper)
            .map_err(|e| StoreError::Corrupt(format!("paper of attempt {}: {e}", m.id)))?;
        Ok(Self {
            id: m.id,
            user_id: m.user_id,
            course_id: m.course_id,
            quiz_id: m.quiz_id,
            content_version: m.content_version,
            state: AttemptState::parse(&m.state)?,
            paper,
            started_at: m.started_at,
            submitted_at: m.submitted_at,
            score_percent: m.score_percent,
            passed: m.passed,
            result: m.result,
        })
    }
}

pub struct NewAttempt {
    pub id: String,
    pub user_id: i64,
    pub course_id: String,
    pub quiz_id: String,
    pub content_version: String,
    pub paper: Paper,
    pub at: OffsetDateTime,
}

/// What a learner's action adds to their record: `Store::record_evidence` writes it, and any
/// course completion and path certificate it brings, in one transaction.
#[derive(Clone)]
pub enum Evidence {
    /// A lesson read to the end (recorded once; reading it again adds nothing).
    Lesson {
        lesson_id: String,
        content_version: String,
    },
    /// An attempt graded: by the machine when it is submitted, or by an instructor later.
    Graded(Grading),
    /// An answer to a practice task's current step; its last answer finishes the attempt.
    TaskAnswer(crate::practice::TaskAnswer),
}

/// Who graded an attempt, which decides its state change and the step that records it.
#[derive(Clone)]
pub enum GradedBy {
    /// The learner submitted it (`in_progress` → `graded`, or `submitted` while a person must
    /// grade it): a `submit` step holding the answers (JSON).
    Submission { answers: String },
    /// An instructor graded what waited for them (`submitted` → `graded`): a `grade` step
    /// holding the grader and the grades (JSON).
    Instructor { step: String },
}

/// A grade to record, decided (and any path credential signed) before the transaction.
#[derive(Clone)]
pub struct Grading {
    pub attempt_id: String,
    /// The quiz (or other graded activity) the attempt is at.
    pub quiz_id: String,
    pub by: GradedBy,
    /// The result (JSON).
    pub result: String,
    pub score_percent: f64,
    /// None while the attempt waits for a person to grade it: it then neither passes nor
    /// completes anything.
    pub passed: Option<bool>,
    /// The path certificate this attempt earns if it is graded as passed: the caller sets it
    /// only for a test-mode attempt at the learner's group's final quiz. The store issues it
    /// once per learner and group, in the grading transaction.
    pub path: Option<NewPathCertificate>,
}

/// A path certificate to issue, decided (and its credential signed) before the transaction.
#[derive(Clone)]
pub struct NewPathCertificate {
    pub certificate_id: String,
    pub group_id: String,
    pub content_version: String,
    /// The signed credential and the key that signed it: `(kid, jwt)`.
    pub credential: Option<(String, String)>,
}

/// What recording evidence brought besides itself.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The course completion it caused (a `Certificate` of kind `Course`).
    pub completion: Option<crate::Certificate>,
    /// The path certificate it earned (None when the learner already had theirs).
    pub path_certificate: Option<crate::Certificate>,
}

/// Waiting for an instructor's grade (essays).
pub const STATE_SUBMITTED: &str = "submitted";

/// What the domain decides after a learner action: record a course completion or not.
pub struct NewCompletion {
    pub certificate_id: String,
    pub content_version: String,
    pub score_percent: Option<f64>,
    /// The learner's group, whose path and final test decide the milestones the dashboard
    /// counts (path completed, certified); recorded in the same transaction.
    pub group: Option<hocvuso_course::Group>,
    /// The citizen group, whose path (taken by anyone) makes the learner's household a digital
    /// family; recorded in the same transaction.
    pub citizen: Option<hocvuso_course::Group>,
    /// The signed credential (signed before the transaction) and the key that signed it.
    pub credential: Option<(String, String)>,
}

/// A passed attempt at a group's final quiz, as the store saw it graded.
pub(crate) struct PassedFinal<'a> {
    pub user_id: i64,
    pub course_id: &'a str,
    pub quiz_id: &'a str,
    pub attempt_id: &'a str,
    pub score_percent: f64,
    pub at: OffsetDateTime,
}

impl Store {
    /// Whether the learner has completed one lesson: what a lesson page needs of their record,
    /// in one indexed lookup instead of the whole record (three queries).
    pub async fn lesson_completed(
        &self,
        user_id: i64,
        course_id: &str,
        lesson_id: &str,
    ) -> Result<bool> {
        Ok(lesson_completion::Entity::find()
            .select_only()
            .column(lesson_completion::Column::UserId)
            .filter(lesson_completion::Column::UserId.eq(user_id))
            .filter(lesson_completion::Column::CourseId.eq(course_id))
            .filter(lesson_completion::Column::LessonId.eq(lesson_id))
            .into_tuple::<i64>()
            .one(&self.db)
            .await?
            .is_some())
    }

    /// The learner's record in one course (completed lessons, passed quizzes).
    pub async fn learner_record(&self, user_id: i64, course_id: &str) -> Result<LearnerRecord> {
        record_in(&self.db, user_id, Some(course_id), false)
            .await
            .map(|(mut m, _)| m.remove(course_id).unwrap_or_default())
    }

    /// The learner's records in every course they touched.
    pub async fn learner_records(&self, user_id: i64) -> Result<BTreeMap<String, LearnerRecord>> {
        Ok(record_in(&self.db, user_id, None, false).await?.0)
    }

    /// Records a learner's evidence (a lesson read, an attempt graded); then, in the same
    /// transaction, asks `decide` (the course's completion rule) whether the course is now
    /// complete and records the completion if so, and issues the path certificate a passed
    /// final quiz earns. The one write behind every certificate. `decide` may refuse with an
    /// error (`StoreError::SignFirst`: the course is complete but its credential was not signed
    /// yet): the transaction is then rolled back and the error returned, so the caller can sign
    /// and record again.
    pub async fn record_evidence<F>(
        &self,
        user_id: i64,
        course_id: &str,
        at: OffsetDateTime,
        evidence: Evidence,
        decide: F,
    ) -> Result<Recorded>
    where
        F: FnOnce(&LearnerRecord) -> Result<Option<NewCompletion>>,
    {
        if let Evidence::Graded(grading) = &evidence {
            if grading.passed != Some(true) && self.backend() == DbBackend::Postgres {
                // A grade that can complete nothing (a fail, or one waiting for a person) is
                // one statement on PostgreSQL (`attempts::close_with_step`), atomic by itself:
                // no transaction, one round trip.
                close_graded(&self.db, user_id, at, grading).await?;
                return Ok(Recorded::default());
            }
        }
        let tx = self.begin_write().await?;
        let recorded: Result<Recorded> = async {
            Ok(match evidence {
                Evidence::Lesson {
                    lesson_id,
                    content_version,
                } => {
                    record_lesson(&tx, user_id, course_id, &lesson_id, &content_version, at)
                        .await?;
                    Recorded {
                        completion: complete_course_if(&tx, user_id, course_id, at, decide).await?,
                        path_certificate: None,
                    }
                }
                Evidence::Graded(grading) => {
                    finish_grading(&tx, user_id, course_id, at, grading, decide).await?
                }
                Evidence::TaskAnswer(answer) => {
                    let passed = crate::practice::record_task_answer(&tx, &answer, at).await?;
                    Recorded {
                        completion: if passed {
                            complete_course_if(&tx, user_id, course_id, at, decide).await?
                        } else {
                            None
                        },
                        path_certificate: None,
                    }
                }
            })
        }
        .await;
        match recorded {
            Ok(recorded) => {
                tx.commit().await?;
                Ok(recorded)
            }
            // Rolled back here, before the turn passes on (`SignFirst` comes back once per
            // completed course): a dropped transaction's rollback would only be queued, and the
            // next writer would meet the still-held lock.
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    /// An attempt, only if it belongs to `user_id`, with the answers it last saved (its latest
    /// `save` step's data), in one statement: what a submission needs before grading.
    pub async fn attempt_to_submit(
        &self,
        id: &str,
        user_id: i64,
    ) -> Result<Option<(Attempt, Option<String>)>> {
        use sea_orm::sea_query::{Order, Query, SimpleExpr};
        let saved = Query::select()
            .column((attempt_step::Entity, attempt_step::Column::Data))
            .from(attempt_step::Entity)
            .and_where(
                Expr::col((attempt_step::Entity, attempt_step::Column::AttemptId))
                    .equals((quiz_attempt::Entity, quiz_attempt::Column::Id)),
            )
            .and_where(Expr::col((attempt_step::Entity, attempt_step::Column::Kind)).eq("save"))
            .order_by(
                (attempt_step::Entity, attempt_step::Column::Seq),
                Order::Desc,
            )
            .limit(1)
            .to_owned();
        let query = quiz_attempt::Entity::find()
            .expr_as(
                SimpleExpr::SubQuery(None, Box::new(saved.into_sub_query_statement())),
                "saved",
            )
            .filter(quiz_attempt::Column::Id.eq(id))
            .filter(quiz_attempt::Column::UserId.eq(user_id))
            .build(self.backend());
        let Some(row) = self.db.query_one(query).await? else {
            return Ok(None);
        };
        let saved: Option<String> = row.try_get("", "saved")?;
        let attempt = quiz_attempt::Model::from_query_result(&row, "")?;
        Ok(Some((attempt.try_into()?, saved)))
    }

    /// Starts an attempt: the attempt row and its first step, together. A learner has at most
    /// one open attempt per quiz (`uq_quiz_attempts_open`): when another request opened one
    /// first, this fails with `Conflict("open_attempt")` and the caller resumes that one.
    pub async fn create_attempt(&self, new: NewAttempt) -> Result<Attempt> {
        let paper = serde_json::to_string(&new.paper)
            .map_err(|e| StoreError::Corrupt(format!("paper not serialisable: {e}")))?;
        let row = quiz_attempt::ActiveModel {
            id: Set(new.id.clone()),
            user_id: Set(new.user_id),
            course_id: Set(new.course_id),
            quiz_id: Set(new.quiz_id),
            content_version: Set(new.content_version),
            state: Set(STATE_IN_PROGRESS.to_owned()),
            paper: Set(paper),
            started_at: Set(new.at),
            submitted_at: Set(None),
            score_percent: Set(None),
            passed: Set(None),
            result: Set(None),
        };
        let started = attempts::start::<quiz_attempt::Entity, _>(self, row, &new.id, new.at);
        started.await?.try_into()
    }

    /// Every graded attempt at a quiz, oldest first, with the answers that were graded (the
    /// `submit` step's data). For item statistics.
    pub async fn graded_attempts(
        &self,
        course_id: &str,
        quiz_id: &str,
    ) -> Result<Vec<(Attempt, String)>> {
        let attempts = quiz_attempt::Entity::find()
            .filter(quiz_attempt::Column::CourseId.eq(course_id))
            .filter(quiz_attempt::Column::QuizId.eq(quiz_id))
            .filter(quiz_attempt::Column::State.eq(STATE_GRADED))
            .order_by_asc(quiz_attempt::Column::StartedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(attempts.len());
        for chunk in attempts.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|a| a.id.clone()).collect();
            let steps: HashMap<String, String> = attempt_step::Entity::find()
                .filter(attempt_step::Column::AttemptId.is_in(ids))
                .filter(attempt_step::Column::Kind.eq("submit"))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|s| (s.attempt_id, s.data))
                .collect();
            for a in chunk {
                let answers = steps.get(&a.id).cloned().unwrap_or_else(|| "{}".into());
                out.push((Attempt::try_from(a.clone())?, answers));
            }
        }
        Ok(out)
    }

    /// Attempts waiting for an instructor's grade, oldest first.
    pub async fn attempts_awaiting_grading(&self) -> Result<Vec<(Attempt, String)>> {
        let attempts = quiz_attempt::Entity::find()
            .filter(quiz_attempt::Column::State.eq(STATE_SUBMITTED))
            .order_by_asc(quiz_attempt::Column::SubmittedAt)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for a in attempts {
            let answers = submitted_answers(&self.db, &a.id).await?;
            out.push((Attempt::try_from(a)?, answers));
        }
        Ok(out)
    }

    /// One attempt waiting for an instructor's grade, with its submitted answers.
    pub async fn attempt_awaiting_grading(&self, id: &str) -> Result<Option<(Attempt, String)>> {
        let Some(a) = quiz_attempt::Entity::find_by_id(id.to_owned())
            .filter(quiz_attempt::Column::State.eq(STATE_SUBMITTED))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let answers = submitted_answers(&self.db, &a.id).await?;
        Ok(Some((Attempt::try_from(a)?, answers)))
    }

    /// What mastery reads of a learner's graded attempts, oldest submission first: the quiz and
    /// the stored result, without the paper (the longest column) or the steps.
    pub async fn graded_results_of(&self, user_id: i64) -> Result<Vec<GradedResult>> {
        Ok(quiz_attempt::Entity::find()
            .select_only()
            .column(quiz_attempt::Column::CourseId)
            .column(quiz_attempt::Column::QuizId)
            .column(quiz_attempt::Column::Result)
            .filter(quiz_attempt::Column::UserId.eq(user_id))
            .filter(quiz_attempt::Column::State.eq(STATE_GRADED))
            .order_by_asc(quiz_attempt::Column::SubmittedAt)
            .into_tuple::<(String, String, Option<String>)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(course_id, quiz_id, result)| GradedResult {
                course_id,
                quiz_id,
                result,
            })
            .collect())
    }

    /// Appends a step (`save`, `check`) to an attempt still in progress.
    pub async fn append_attempt_step(
        &self,
        attempt: &Attempt,
        kind: &str,
        data: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tx = self.begin_write().await?;
        attempts::ensure_open::<quiz_attempt::Entity>(&tx, &attempt.id).await?;
        attempts::append_next::<attempt_step::Entity, _>(&tx, &attempt.id, kind, data, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes an attempt without a grade (time limit passed under the `refuse` rule).
    pub async fn expire_attempt(&self, attempt: &Attempt, at: OffsetDateTime) -> Result<()> {
        let tx = self.begin_write().await?;
        use quiz_attempt::Column as C;
        let sets = vec![
            (C::State, STATE_EXPIRED.into()),
            (C::SubmittedAt, at.into()),
        ];
        attempts::transition::<quiz_attempt::Entity, _>(
            &tx,
            &attempt.id,
            None,
            STATE_IN_PROGRESS,
            sets,
        )
        .await?;
        attempts::append_next::<attempt_step::Entity, _>(&tx, &attempt.id, "expire", "{}", at)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The certificate id of the learner's completion of a course (revoked or not), if any.
    pub async fn course_certificate_id(
        &self,
        user_id: i64,
        course_id: &str,
    ) -> Result<Option<String>> {
        let id = course_completion::Entity::find()
            .select_only()
            .column(course_completion::Column::CertificateId)
            .filter(course_completion::Column::UserId.eq(user_id))
            .filter(course_completion::Column::CourseId.eq(course_id));
        Ok(id.into_tuple::<String>().one(&self.db).await?)
    }

    /// A learner's course completions (certificates of kind `Course`), oldest first.
    pub async fn completions_for_user(&self, user_id: i64) -> Result<Vec<crate::Certificate>> {
        crate::evidence::course_certificates_of(&self.db, user_id).await
    }
}

/// A graded attempt as mastery reads it (`Store::graded_results_of`).
#[derive(Debug, Clone)]
pub struct GradedResult {
    pub course_id: String,
    pub quiz_id: String,
    /// The grade as stored (`AttemptResult` in JSON).
    pub result: Option<String>,
}

/// The answers an attempt was submitted with (its `submit` step), `{}` if none.
async fn submitted_answers<C: ConnectionTrait>(db: &C, attempt_id: &str) -> Result<String> {
    Ok(attempt_step::Entity::find()
        .filter(attempt_step::Column::AttemptId.eq(attempt_id))
        .filter(attempt_step::Column::Kind.eq("submit"))
        .one(db)
        .await?
        .map(|s| s.data)
        .unwrap_or_else(|| "{}".into()))
}

/// Marks a lesson complete, once.
async fn record_lesson(
    tx: &WriteTx,
    user_id: i64,
    course_id: &str,
    lesson_id: &str,
    content_version: &str,
    at: OffsetDateTime,
) -> Result<()> {
    let row = lesson_completion::ActiveModel {
        user_id: Set(user_id),
        course_id: Set(course_id.to_owned()),
        lesson_id: Set(lesson_id.to_owned()),
        content_version: Set(content_version.to_owned()),
        completed_at: Set(at),
        ..Default::default()
    };
    use lesson_completion::Column as C;
    crate::insert_once(tx, row, [C::UserId, C::CourseId, C::LessonId]).await?;
    Ok(())
}

/// Records a grade exactly once: the state change is conditional on the attempt still waiting
/// for this grade (in progress for a submission, submitted for an instructor's), so two
/// concurrent grades cannot both succeed; the step goes with it (`attempts::close_with_step`).
/// Inside a transaction, or alone on PostgreSQL, where it is one statement.
async fn close_graded<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    at: OffsetDateTime,
    grading: &Grading,
) -> Result<()> {
    let (from, to, step_kind, step_data) = match &grading.by {
        GradedBy::Submission { answers } => (
            STATE_IN_PROGRESS,
            if grading.passed.is_some() {
                STATE_GRADED
            } else {
                STATE_SUBMITTED
            },
            "submit",
            answers,
        ),
        GradedBy::Instructor { step } => (STATE_SUBMITTED, STATE_GRADED, "grade", step),
    };
    if to == STATE_GRADED && grading.passed.is_none() {
        return Err(StoreError::Corrupt(
            "an attempt graded without a pass or fail".into(),
        ));
    }
    use quiz_attempt::Column as C;
    let mut sets = vec![
        (C::State, to.into()),
        (C::ScorePercent, grading.score_percent.into()),
        (C::Passed, grading.passed.into()),
        (C::Result, grading.result.clone().into()),
    ];
    if from == STATE_IN_PROGRESS {
        sets.push((C::SubmittedAt, at.into()));
    }
    let id = &grading.attempt_id;
    let step = (step_kind, step_data.as_str());
    attempts::close_with_step::<quiz_attempt::Entity, _>(c, id, user_id, from, sets, step, at).await
}

/// Records a grade exactly once inside the caller's transaction (`close_graded`), and, once the
/// attempt has a passing grade, the course completion `decide` asks for and the path
/// certificate a pass earns.
async fn finish_grading<F>(
    tx: &WriteTx,
    user_id: i64,
    course_id: &str,
    at: OffsetDateTime,
    grading: Grading,
    decide: F,
) -> Result<Recorded>
where
    F: FnOnce(&LearnerRecord) -> Result<Option<NewCompletion>>,
{
    close_graded(tx, user_id, at, &grading).await?;
    if grading.passed != Some(true) {
        // A failed attempt adds nothing to the learner's record (only passed quizzes count),
        // so it cannot complete the course or earn the path.
        return Ok(Recorded::default());
    }
    let mut recorded = Recorded {
        completion: complete_course_if(tx, user_id, course_id, at, decide).await?,
        path_certificate: None,
    };
    if let Some(path) = grading.path {
        recorded.path_certificate = crate::evidence::award_path_if(
            tx,
            PassedFinal {
                user_id,
                course_id,
                quiz_id: &grading.quiz_id,
                attempt_id: &grading.attempt_id,
                score_percent: grading.score_percent,
                at,
            },
            path,
        )
        .await?;
    }
    Ok(recorded)
}

/// The learner's records (in one course, or in all), and, when `completion` is asked, whether
/// the learner has a completion of `course` (revoked or not).
async fn record_in<C: ConnectionTrait>(
    db: &C,
    user_id: i64,
    course: Option<&str>,
    completion: bool,
) -> Result<(BTreeMap<String, LearnerRecord>, bool)> {
    // One statement (a UNION ALL of three narrow selects), not three, and only the ids: a
    // passed attempt's row also holds its paper and result, which a record never reads. The
    // catalog, course and progress pages and every evidence transaction read a record, so the
    // round trips count (docs/performance.md, "Requests per second"). An evidence transaction
    // also asks whether the course is already complete, as a fourth select of the same
    // statement.
    const LESSON: i32 = 0;
    const QUIZ: i32 = 1;
    const TASK: i32 = 2;
    const COMPLETION: i32 = 3;
    let mut lessons = lesson_completion::Entity::find()
        .select_only()
        .column_as(Expr::val(LESSON), "kind")
        .column(lesson_completion::Column::CourseId)
        .column_as(lesson_completion::Column::LessonId, "item")
        .filter(lesson_completion::Column::UserId.eq(user_id));
    let mut passed = quiz_attempt::Entity::find()
        .select_only()
        .column_as(Expr::val(QUIZ), "kind")
        .column(quiz_attempt::Column::CourseId)
        .column_as(quiz_attempt::Column::QuizId, "item")
        .filter(quiz_attempt::Column::UserId.eq(user_id))
        .filter(quiz_attempt::Column::Passed.eq(true));
    let mut tasks = task_attempt::Entity::find()
        .select_only()
        .column_as(Expr::val(TASK), "kind")
        .column(task_attempt::Column::CourseId)
        .column_as(task_attempt::Column::TaskId, "item")
        .filter(task_attempt::Column::UserId.eq(user_id))
        .filter(task_attempt::Column::Passed.eq(true));
    if let Some(c) = course {
        lessons = lessons.filter(lesson_completion::Column::CourseId.eq(c));
        passed = passed.filter(quiz_attempt::Column::CourseId.eq(c));
        tasks = tasks.filter(task_attempt::Column::CourseId.eq(c));
    }
    let mut query = lessons.into_query();
    query
        .union(UnionType::All, passed.into_query())
        .union(UnionType::All, tasks.into_query());
    if let (Some(c), true) = (course, completion) {
        let done = course_completion::Entity::find()
            .select_only()
            .column_as(Expr::val(COMPLETION), "kind")
            .column(course_completion::Column::CourseId)
            .column_as(course_completion::Column::CertificateId, "item")
            .filter(course_completion::Column::UserId.eq(user_id))
            .filter(course_completion::Column::CourseId.eq(c));
        query.union(UnionType::All, done.into_query());
    }
    let mut completed = false;
    let mut out: BTreeMap<String, LearnerRecord> = BTreeMap::new();
    for row in db
        .query_all(db.get_database_backend().build(&query))
        .await?
    {
        let kind: i32 = row.try_get_by_index(0)?;
        let course_id: String = row.try_get_by_index(1)?;
        let item: String = row.try_get_by_index(2)?;
        if kind == COMPLETION {
            completed = true;
            continue;
        }
        let record = out.entry(course_id).or_default();
        match kind {
            LESSON => record.lessons_completed.insert(item),
            QUIZ => record.quizzes_passed.insert(item),
            _ => record.tasks_passed.insert(item),
        };
    }
    Ok((out, completed))
}

/// The courses a learner completed whose certificates stand (not revoked): what the milestone
/// rules count, when a completion may reach one and when a revocation may take one back.
pub(crate) async fn unrevoked_completions(
    tx: &WriteTx,
    user_id: i64,
) -> Result<std::collections::BTreeSet<String>> {
    Ok(course_completion::Entity::find()
        .select_only()
        .column(course_completion::Column::CourseId)
        .filter(course_completion::Column::UserId.eq(user_id))
        .filter(course_completion::Column::RevokedAt.is_null())
        .into_tuple::<String>()
        .all(tx)
        .await?
        .into_iter()
        .collect())
}

/// Records a course completion when `decide` asks for one and none exists yet.
pub(crate) async fn complete_course_if<F>(
    tx: &WriteTx,
    user_id: i64,
    course_id: &str,
    at: OffsetDateTime,
    decide: F,
) -> Result<Option<crate::Certificate>>
where
    F: FnOnce(&LearnerRecord) -> Result<Option<NewCompletion>>,
{
    let (mut records, completed) = record_in(tx, user_id, Some(course_id), true).await?;
    if completed {
        return Ok(None);
    }
    let record = records.remove(course_id).unwrap_or_default();
    let Some(new) = decide(&record)? else {
        return Ok(None);
    };
    let (kid, credential) = new.credential.unzip();
    let completion = crate::Certificate {
        certificate_id: new.certificate_id.clone(),
        kind: AchievementKind::Course,
        user_id,
        achievement_id: course_id.to_owned(),
        course_id: course_id.to_owned(),
        content_version: new.content_version.clone(),
        completed_at: at,
        score_percent: new.score_percent,
        revoked_at: None,
        revoked_reason: None,
        kid,
        credential,
    };
    // Written without reading it back: the completion is what was written.
    let row = course_completion::ActiveModel {
        certificate_id: Set(completion.certificate_id.clone()),
        user_id: Set(user_id),
        course_id: Set(course_id.to_owned()),
        content_version: Set(completion.content_version.clone()),
        completed_at: Set(at),
        score_percent: Set(completion.score_percent),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        kid: Set(completion.kid.clone()),
        credential: Set(completion.credential.clone()),
        ..Default::default()
    };
    course_completion::Entity::insert(row)
        .exec_without_returning(tx)
        .await
        .map_err(|e| StoreError::unique_or_db(e, "completion"))?;
    if new.group.is_some() || new.citizen.is_some() {
        // Revoked completions count for nothing: a milestone a revocation took back is not
        // reached again by completing some other course.
        let completed = unrevoked_completions(tx, user_id).await?;
        let reached = hocvuso_course::Milestones::reached(
            new.group.as_ref(),
            new.citizen.as_ref(),
            &completed,
        );
        if reached.any() {
            crate::aggregates::record_milestones(tx, user_id, reached, at).await?;
        }
    }
    crate::evidence::append_ledger(
        tx,
        Entry::Issue(Issue {
            certificate_id: new.certificate_id,
            user_id,
            kind: AchievementKind::Course,
            achievement_id: course_id.to_owned(),
            content_version: new.content_version,
            completed_at: at,
            score_percent: new.score_percent,
        }),
    )
    .await?;
    Ok(Some(completion))
}
