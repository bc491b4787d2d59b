//! Completions for exports, read in keyset pages so that an export of a million rows holds only
//! one page in memory. Pages follow the completion id (the primary key), which is the order the
//! completions were recorded in; an export first takes the last id and never reads past it, so
//! completions recorded while it runs are left for the next export and its row count is exact.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;

use crate::entity::{course_completion, unit_member, user};
use crate::instant::utc;
use crate::{Result, Store};

/// Which completions an export holds. Every part is optional; together they narrow.
#[derive(Debug, Default, Clone)]
pub struct CompletionFilter {
    /// The learners' group.
    pub group: Option<String>,
    /// Learners belonging to at least one of these units (a unit and its subtree, resolved by
    /// the caller, who also knows what the requester may see).
    pub units: Option<Vec<i64>>,
    pub course: Option<String>,
    /// Completed at or after.
    pub from: Option<OffsetDateTime>,
    /// Completed before.
    pub to: Option<OffsetDateTime>,
}

/// One completion with the learner fields an export shows.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub id: i64,
    pub certificate_id: String,
    pub user_id: i64,
    pub course_id: String,
    pub content_version: String,
    pub completed_at: OffsetDateTime,
    pub score_percent: Option<f64>,
    pub revoked_at: Option<OffsetDateTime>,
    pub username: String,
    pub display_name: String,
    pub group_id: Option<String>,
    /// The learner's opaque reference (None until their first credential).
    pub learner_ref: Option<String>,
}

impl Store {
    /// The id of the newest completion (0 when there is none): where an export stops.
    pub async fn last_completion_id(&self) -> Result<i64> {
        let last = course_completion::Entity::find()
            .select_only()
            .column(course_completion::Column::Id)
            .order_by_desc(course_completion::Column::Id)
            .limit(1)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?;
        Ok(last.unwrap_or(0))
    }

    /// Up to `limit` completions matching `filter` with `after < id <= upto`, by id.
    pub async fn completions_page(
        &self,
        filter: &CompletionFilter,
        after: i64,
        upto: i64,
        limit: u64,
    ) -> Result<Vec<ExportRow>> {
        use course_completion::Column as C;
        let mut q = course_completion::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::CertificateId,
                C::UserId,
                C::CourseId,
                C::ContentVersion,
                C::CompletedAt,
                C::ScorePercent,
                C::RevokedAt,
            ])
            .column(user::Column::Username)
            .column(user::Column::DisplayName)
            .column(user::Column::GroupId)
            .column(user::Column::LearnerRef)
            .join(
                JoinType::InnerJoin,
                course_completion::Entity::belongs_to(user::Entity)
                    .from(C::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .filter(C::Id.gt(after))
            .filter(C::Id.lte(upto));
        if let Some(g) = &filter.group {
            q = q.filter(user::Column::GroupId.eq(g.as_str()));
        }
        if let Some(c) = &filter.course {
            q = q.filter(C::CourseId.eq(c.as_str()));
        }
        if let Some(from) = filter.from {
            q = q.filter(C::CompletedAt.gte(utc(from)));
        }
        if let Some(to) = filter.to {
            q = q.filter(C::CompletedAt.lt(utc(to)));
        }
        if let Some(units) = &filter.units {
            // EXISTS rather than a join: a learner in two of the units is still one row, and
            // the membership's primary key (user_id, unit_id) answers it by index.
            q = q.filter(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(unit_member::Entity)
                    .and_where(
                        Expr::col((unit_member::Entity, unit_member::Column::UserId))
                            .equals((course_completion::Entity, C::UserId)),
                    )
                    .and_where(unit_member::Column::UnitId.is_in(units.iter().copied()))
                    .to_owned(),
            ));
        }
        // Read by position into a tuple: a million rows by column name would look every name up
        // (and build it) a million times.
        type Tuple = (
            i64,
            String,
            i64,
            String,
            String,
            OffsetDateTime,
            Option<f64>,
            Option<OffsetDateTime>,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows = q
            .order_by_asc(C::Id)
            .limit(limit)
            .into_tuple::<Tuple>()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|t| ExportRow {
                id: t.0,
                certificate_id: t.1,
                user_id: t.2,
                course_id: t.3,
                content_version: t.4,
                completed_at: t.5,
                score_percent: t.6,
                revoked_at: t.7,
                username: t.8,
                display_name: t.9,
                group_id: t.10,
                learner_ref: t.11,
            })
            .collect())
    }
}
