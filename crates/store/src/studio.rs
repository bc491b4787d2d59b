//! The studio's rows: a draft's revision and review state per course, and who may author or
//! review which course. Every change of a draft is a conditional update on its revision (and,
//! for review steps, its state), so of two editors the second is refused, never overwrites.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::OffsetDateTime;

use crate::entity::{studio_author, studio_draft};
use crate::{Result, Store, StoreError};

/// A course's draft in the studio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudioDraft {
    pub course_id: String,
    /// Goes up by one with every save and review step; a change names the revision it was
    /// made on.
    pub revision: i64,
    /// `editing`, `submitted`, `returned` or `approved`.
    pub status: String,
    /// The content commit the draft was opened from (or last published as).
    pub base_commit: String,
    pub submitted_by: Option<i64>,
    pub reviewer_id: Option<i64>,
    pub review_comment: Option<String>,
    /// The message the author submitted with, for the publishing commit.
    pub message: Option<String>,
    pub updated_by: i64,
    pub updated_at: OffsetDateTime,
}

impl From<studio_draft::Model> for StudioDraft {
    fn from(m: studio_draft::Model) -> Self {
        Self {
            course_id: m.course_id,
            revision: m.revision,
            status: m.status,
            base_commit: m.base_commit,
            submitted_by: m.submitted_by,
            reviewer_id: m.reviewer_id,
            review_comment: m.review_comment,
            message: m.message,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
        }
    }
}

/// Someone named on a course: `author` or `reviewer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudioAuthor {
    pub course_id: String,
    pub user_id: i64,
    pub role: String,
}

/// A review step: the states it may start from, the state it leaves, what it records.
pub struct DraftStep<'a> {
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub actor: i64,
    /// Set `submitted_by` to the actor and `message` to this (submitting).
    pub submit_message: Option<&'a str>,
    /// Set `reviewer_id` to the actor and the comment (approving, returning).
    pub review: Option<Option<&'a str>>,
}

impl Store {
    pub async fn studio_draft(&self, course_id: &str) -> Result<Option<StudioDraft>> {
        Ok(studio_draft::Entity::find_by_id(course_id.to_owned())
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    pub async fn studio_drafts(&self) -> Result<Vec<StudioDraft>> {
        Ok(studio_draft::Entity::find()
            .order_by_asc(studio_draft::Column::CourseId)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Opens a draft at revision 1. `Conflict` when the course already has one.
    pub async fn create_studio_draft(
        &self,
        course_id: &str,
        base_commit: &str,
        actor: i64,
        at: OffsetDateTime,
    ) -> Result<StudioDraft> {
        let model = studio_draft::ActiveModel {
            course_id: Set(course_id.to_owned()),
            revision: Set(1),
            status: Set("editing".into()),
            base_commit: Set(base_commit.to_owned()),
            submitted_by: Set(None),
            reviewer_id: Set(None),
            review_comment: Set(None),
            message: Set(None),
            updated_by: Set(actor),
            updated_at: Set(at),
        };
        let _turn = self.turn().await;
        studio_draft::Entity::insert(model)
            .exec(&self.db)
            .await
            .map_err(|e| StoreError::unique_or_db(e, "studio_draft"))?;
        self.studio_draft(course_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Records a save made on `revision`: the revision goes up and the draft is back to
    /// `editing` (an approval or a submission was of the text before this change). False when
    /// the draft has moved on since `revision` (someone else saved first): nothing changes.
    pub async fn save_studio_draft(
        &self,
        course_id: &str,
        revision: i64,
        actor: i64,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let done = studio_draft::Entity::update_many()
            .col_expr(
                studio_draft::Column::Revision,
                Expr::col(studio_draft::Column::Revision).add(1),
            )
            .col_expr(studio_draft::Column::Status, Expr::value("editing"))
            .col_expr(studio_draft::Column::UpdatedBy, Expr::value(actor))
            .col_expr(studio_draft::Column::UpdatedAt, Expr::value(at))
            .filter(studio_draft::Column::CourseId.eq(course_id))
            .filter(studio_draft::Column::Revision.eq(revision))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// A review step (submit, approve, return, publish) made on `revision` from one of
    /// `step.from`. False when the draft is at another revision or in another state.
    pub async fn step_studio_draft(
        &self,
        course_id: &str,
        revision: i64,
        step: DraftStep<'_>,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let mut update = studio_draft::Entity::update_many()
            .col_expr(
                studio_draft::Column::Revision,
                Expr::col(studio_draft::Column::Revision).add(1),
            )
            .col_expr(studio_draft::Column::Status, Expr::value(step.to))
            .col_expr(studio_draft::Column::UpdatedBy, Expr::value(step.actor))
            .col_expr(studio_draft::Column::UpdatedAt, Expr::value(at));
        if let Some(message) = step.submit_message {
            update = update
                .col_expr(
                    studio_draft::Column::SubmittedBy,
                    Expr::value(Some(step.actor)),
                )
                .col_expr(
                    studio_draft::Column::Message,
                    Expr::value(Some(message.to_owned())),
                );
        }
        if let Some(comment) = step.review {
            update = update
                .col_expr(
                    studio_draft::Column::ReviewerId,
                    Expr::value(Some(step.actor)),
                )
                .col_expr(
                    studio_draft::Column::ReviewComment,
                    Expr::value(comment.map(str::to_owned)),
                );
        }
        let done = update
            .filter(studio_draft::Column::CourseId.eq(course_id))
            .filter(studio_draft::Column::Revision.eq(revision))
            .filter(studio_draft::Column::Status.is_in(step.from.iter().copied()))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// After a publish: the draft starts over from the new commit.
    pub async fn rebase_studio_draft(
        &self,
        course_id: &str,
        base_commit: &str,
        actor: i64,
        at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        studio_draft::Entity::update_many()
            .col_expr(
                studio_draft::Column::Revision,
                Expr::col(studio_draft::Column::Revision).add(1),
            )
            .col_expr(studio_draft::Column::Status, Expr::value("editing"))
            .col_expr(studio_draft::Column::BaseCommit, Expr::value(base_commit))
            .col_expr(
                studio_draft::Column::SubmittedBy,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(studio_draft::Column::UpdatedBy, Expr::value(actor))
            .col_expr(studio_draft::Column::UpdatedAt, Expr::value(at))
            .filter(studio_draft::Column::CourseId.eq(course_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The people named on a course.
    pub async fn studio_authors(&self, course_id: &str) -> Result<Vec<StudioAuthor>> {
        Ok(studio_author::Entity::find()
            .filter(studio_author::Column::CourseId.eq(course_id))
            .order_by_asc(studio_author::Column::UserId)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| StudioAuthor {
                course_id: m.course_id,
                user_id: m.user_id,
                role: m.role,
            })
            .collect())
    }

    /// The courses a person is named on, with their role.
    pub async fn studio_roles_of(&self, user_id: i64) -> Result<Vec<StudioAuthor>> {
        Ok(studio_author::Entity::find()
            .filter(studio_author::Column::UserId.eq(user_id))
            .order_by_asc(studio_author::Column::CourseId)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| StudioAuthor {
                course_id: m.course_id,
                user_id: m.user_id,
                role: m.role,
            })
            .collect())
    }

    /// Names someone on a course as `author` or `reviewer` (replacing their earlier role).
    pub async fn set_studio_author(&self, course_id: &str, user_id: i64, role: &str) -> Result<()> {
        let _turn = self.turn().await;
        studio_author::Entity::insert(studio_author::ActiveModel {
            course_id: Set(course_id.to_owned()),
            user_id: Set(user_id),
            role: Set(role.to_owned()),
        })
        .on_conflict(
            OnConflict::columns([
                studio_author::Column::CourseId,
                studio_author::Column::UserId,
            ])
            .update_column(studio_author::Column::Role)
            .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Takes someone off a course. Returns whether they were on it.
    pub async fn remove_studio_author(&self, course_id: &str, user_id: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let done = studio_author::Entity::delete_many()
            .filter(studio_author::Column::CourseId.eq(course_id))
            .filter(studio_author::Column::UserId.eq(user_id))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }
}
