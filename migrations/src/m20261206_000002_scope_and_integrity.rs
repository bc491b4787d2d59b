//! Who may take whom into a unit, and one open attempt per learner and quiz (issue #10).
//!
//! - `unit_invitations`: a manager who names someone outside their scope no longer adds them;
//!   the person is invited and joins only by accepting on their own page.
//! - `import_origins`: the unit whose import created an account (and who imported it). Only
//!   managers of that unit (or above it) may give the account its first password. Accounts
//!   imported before this migration that are still waiting for their first sign-in get the
//!   origin only when it is certain: they belong to exactly one unit. The others (which someone
//!   may already have pulled into a second unit) are left for an administrator to activate.
//! - `uq_quiz_attempts_open`: a unique partial index on the open attempt of a learner at a quiz,
//!   so parallel starts cannot open several (PostgreSQL's READ COMMITTED let 20 parallel starts
//!   open 16). Duplicates already there are closed first, keeping the newest open one: the
//!   older ones get an `expire` step and the `expired` state, as a late submission would.
//!   `down` drops the index and the tables; closed duplicates stay closed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UnitInvitations {
    Table,
    Id,
    UnitId,
    UserId,
    InvitedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ImportOrigins {
    Table,
    UserId,
    UnitId,
    ImportedBy,
    At,
}

/// An open attempt that a newer open attempt at the same quiz by the same learner supersedes.
const SUPERSEDED: &str = "a.state = 'in_progress' AND EXISTS (
    SELECT 1 FROM quiz_attempts b
    WHERE b.user_id = a.user_id AND b.course_id = a.course_id AND b.quiz_id = a.quiz_id
      AND b.state = 'in_progress'
      AND (b.started_at > a.started_at OR (b.started_at = a.started_at AND b.id > a.id)))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UnitInvitations::Table)
                .col(
                    ColumnDef::new(UnitInvitations::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(UnitInvitations::UnitId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnitInvitations::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnitInvitations::InvitedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnitInvitations::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitInvitations::Table, UnitInvitations::UnitId)
                        .to(Units::Table, Units::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitInvitations::Table, UnitInvitations::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UnitInvitations::Table, UnitInvitations::InvitedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_unit_invitations_unit_user")
                .table(UnitInvitations::Table)
                .col(UnitInvitations::UnitId)
                .col(UnitInvitations::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_unit_invitations_user")
                .table(UnitInvitations::Table)
                .col(UnitInvitations::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ImportOrigins::Table)
                .col(
                    ColumnDef::new(ImportOrigins::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ImportOrigins::UnitId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ImportOrigins::ImportedBy)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(ImportOrigins::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportOrigins::Table, ImportOrigins::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportOrigins::Table, ImportOrigins::UnitId)
                        .to(Units::Table, Units::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImportOrigins::Table, ImportOrigins::ImportedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        // Inactive accounts (no password yet: "!") in exactly one unit came from its import.
        db.execute_unprepared(
            "INSERT INTO import_origins (user_id, unit_id, imported_by, at)
             SELECT u.id, MIN(um.unit_id), NULL, u.created_at
             FROM users u JOIN unit_members um ON um.user_id = u.id
             WHERE u.password_hash = '!'
             GROUP BY u.id, u.created_at
             HAVING COUNT(*) = 1",
        )
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO attempt_steps (attempt_id, seq, kind, data, at)
             SELECT a.id,
                    (SELECT COUNT(*) FROM attempt_steps s WHERE s.attempt_id = a.id),
                    'expire', '{{}}', a.started_at
             FROM quiz_attempts a WHERE {SUPERSEDED}"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE quiz_attempts SET state = 'expired', submitted_at = started_at
             WHERE id IN (SELECT a.id FROM quiz_attempts a WHERE {SUPERSEDED})"
        ))
        .await?;
        // Partial unique indexes: SQLite and PostgreSQL both have them, with the same syntax.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_quiz_attempts_open ON quiz_attempts (user_id, course_id, quiz_id)
             WHERE state = 'in_progress'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX uq_quiz_attempts_open")
            .await?;
        m.drop_table(Table::drop().table(ImportOrigins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UnitInvitations::Table).to_owned())
            .await
    }
}
