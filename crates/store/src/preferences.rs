//! A learner's reading comfort and interface language (`reading_preferences`), one row per
//! account that chose something; and the idempotency keys of actions replayed from a phone that
//! was offline (`offline_replays`). The store keeps the values as given; what they mean (three
//! text sizes, which languages exist) is the server's to decide.

use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};
use time::OffsetDateTime;

use crate::entity::{offline_replay, reading_preference};
use crate::{Result, Store};

/// What a learner chose. `text_size` is a step (0 = normal); `language` a language code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadingPreferences {
    pub text_size: i16,
    pub high_contrast: bool,
    pub wide_spacing: bool,
    pub language: Option<String>,
}

impl Store {
    /// The learner's saved preferences, if they ever saved any.
    pub async fn reading_preferences(&self, user_id: i64) -> Result<Option<ReadingPreferences>> {
        Ok(reading_preference::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map(|m| ReadingPreferences {
                text_size: m.text_size,
                high_contrast: m.high_contrast,
                wide_spacing: m.wide_spacing,
                language: m.language,
            }))
    }

    /// Saves (or replaces) the learner's preferences: one statement, so never half-written.
    pub async fn set_reading_preferences(
        &self,
        user_id: i64,
        prefs: &ReadingPreferences,
        at: OffsetDateTime,
    ) -> Result<()> {
        use reading_preference::Column as C;
        let _turn = self.turn().await;
        reading_preference::Entity::insert(reading_preference::ActiveModel {
            user_id: Set(user_id),
            text_size: Set(prefs.text_size),
            high_contrast: Set(prefs.high_contrast),
            wide_spacing: Set(prefs.wide_spacing),
            language: Set(prefs.language.clone()),
            updated_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(C::UserId)
                .update_columns([
                    C::TextSize,
                    C::HighContrast,
                    C::WideSpacing,
                    C::Language,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Claims an offline action's idempotency key for the learner: true the first time, false
    /// when the key was already used (the action was already replayed and must not count again).
    pub async fn claim_offline_replay(
        &self,
        user_id: i64,
        key: &str,
        action: &str,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let _turn = self.turn().await;
        let inserted = offline_replay::Entity::insert(offline_replay::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.to_owned()),
            action: Set(action.to_owned()),
            at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([offline_replay::Column::UserId, offline_replay::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(inserted == 1)
    }

    /// Gives a claimed key back when the action it guarded failed, so the phone may try again.
    pub async fn release_offline_replay(&self, user_id: i64, key: &str) -> Result<()> {
        let _turn = self.turn().await;
        offline_replay::Entity::delete_by_id((user_id, key.to_owned()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
