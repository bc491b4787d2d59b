//! Database migrations. Timestamped, each with a real `down`; CI runs up → down → up on SQLite
//! and PostgreSQL. Never edit a migration that has shipped: add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_initial;
mod m20261128_000001_evidence;
mod m20261201_000001_units;
mod m20261202_000001_path_certificates;
mod m20261205_000001_contact;
mod m20261205_000002_citizen_path;
mod m20261206_000001_sessions;
mod m20261206_000002_scope_and_integrity;
mod m20261206_000006_status_list;
mod m20261206_000007_practice_tasks;
mod m20261206_000008_assistant_questions;
mod m20261206_000009_studio_drafts;
mod m20261206_000010_studio_authors;
mod m20261206_000011_privacy_audit;
mod m20261206_000012_reading_preferences;
mod m20261206_000013_password_resets;
mod m20261206_000014_unit_targets;
mod m20261206_000015_identity;
mod m20261206_000016_oidc;
mod m20261206_000017_weekly_goals;
mod m20261206_000018_name_search;
mod m20261206_000021_totp_sealed;
mod m20261206_000025_instants_in_utc;

pub use m20261206_000018_name_search::fold_name;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_initial::Migration),
            Box::new(m20261128_000001_evidence::Migration),
            Box::new(m20261201_000001_units::Migration),
            Box::new(m20261202_000001_path_certificates::Migration),
            Box::new(m20261205_000001_contact::Migration),
            Box::new(m20261205_000002_citizen_path::Migration),
            Box::new(m20261206_000001_sessions::Migration),
            Box::new(m20261206_000002_scope_and_integrity::Migration),
            Box::new(m20261206_000006_status_list::Migration),
            Box::new(m20261206_000007_practice_tasks::Migration),
            Box::new(m20261206_000008_assistant_questions::Migration),
            Box::new(m20261206_000009_studio_drafts::Migration),
            Box::new(m20261206_000010_studio_authors::Migration),
            Box::new(m20261206_000011_privacy_audit::Migration),
            Box::new(m20261206_000012_reading_preferences::Migration),
            Box::new(m20261206_000013_password_resets::Migration),
            Box::new(m20261206_000014_unit_targets::Migration),
            Box::new(m20261206_000015_identity::Migration),
            Box::new(m20261206_000016_oidc::Migration),
            Box::new(m20261206_000017_weekly_goals::Migration),
            Box::new(m20261206_000018_name_search::Migration),
            Box::new(m20261206_000021_totp_sealed::Migration),
            Box::new(m20261206_000025_instants_in_utc::Migration),
        ]
    }
}
