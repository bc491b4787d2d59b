//! Questions the assistant could not answer, without who asked them: authors read them to
//! write FAQ entries.

use sea_orm::{EntityTrait, QueryOrder, QuerySelect, Set};
use time::OffsetDateTime;

use crate::entity::unanswered_question;
use crate::{Result, Store};

/// The same question (by key), how often and when last it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredQuestion {
    /// The wording of the latest time it was asked.
    pub question: String,
    pub times: usize,
    pub last_asked: OffsetDateTime,
}

/// How many recent questions the authors' list is made from.
const RECENT: u64 = 5000;

impl Store {
    /// Keeps a question the assistant had no answer for. `key` groups wordings that are the
    /// same question (the caller's normalised form).
    pub async fn record_unanswered(
        &self,
        question: &str,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let _turn = self.turn().await;
        unanswered_question::Entity::insert(unanswered_question::ActiveModel {
            question: Set(question.to_owned()),
            question_key: Set(key.to_owned()),
            asked_at: Set(at),
            ..Default::default()
        })
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// The unanswered questions of the most recent ones, grouped by key, most asked first
    /// (then most recent); at most `limit`.
    pub async fn unanswered_questions(&self, limit: usize) -> Result<Vec<UnansweredQuestion>> {
        let rows = unanswered_question::Entity::find()
            .order_by_desc(unanswered_question::Column::AskedAt)
            .order_by_desc(unanswered_question::Column::Id)
            .limit(RECENT)
            .all(&self.db)
            .await?;
        // Newest first, so a group keeps its latest wording and time.
        let mut groups: std::collections::HashMap<String, UnansweredQuestion> =
            std::collections::HashMap::new();
        for row in rows {
            groups
                .entry(row.question_key)
                .and_modify(|g| g.times += 1)
                .or_insert(UnansweredQuestion {
                    question: row.question,
                    times: 1,
                    last_asked: row.asked_at,
                });
        }
        let mut out: Vec<UnansweredQuestion> = groups.into_values().collect();
        out.sort_by(|a, b| {
            b.times
                .cmp(&a.times)
                .then(b.last_asked.cmp(&a.last_asked))
                .then(a.question.cmp(&b.question))
        });
        out.truncate(limit);
        Ok(out)
    }
}
