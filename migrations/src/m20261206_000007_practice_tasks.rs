//! Practice tasks (issue #11): a learner's attempts at a course's practice tasks, with their
//! append-only steps, as quizzes have `quiz_attempts` and `attempt_steps`. Their own tables
//! because a task attempt has no drawn paper and is graded step by step: the quiz code
//! (statistics, mastery, the grading queue) never has to tell the two apart.
//!
//! - `task_attempts`: one row per attempt; `state` is `in_progress` until every step is done,
//!   then `graded` with the share of steps right at the first try and whether that passes.
//! - `task_steps`: `start`, then one `answer` per answer given, with its grade (JSON).
//! - `uq_task_attempts_open`: one open attempt per learner and task, as for quizzes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TaskAttempts {
    Table,
    Id,
    UserId,
    CourseId,
    TaskId,
    ContentVersion,
    State,
    StartedAt,
    FinishedAt,
    ScorePercent,
    Passed,
}

#[derive(DeriveIden)]
enum TaskSteps {
    Table,
    Id,
    AttemptId,
    Seq,
    Kind,
    Data,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TaskAttempts::Table)
                .col(
                    ColumnDef::new(TaskAttempts::Id)
                        .string_len(32)
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::TaskId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::ContentVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::State)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::StartedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TaskAttempts::FinishedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(TaskAttempts::ScorePercent).double().null())
                .col(ColumnDef::new(TaskAttempts::Passed).boolean().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskAttempts::Table, TaskAttempts::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_task_attempts_user_course")
                .table(TaskAttempts::Table)
                .col(TaskAttempts::UserId)
                .col(TaskAttempts::CourseId)
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_task_attempts_open ON task_attempts (user_id, course_id, task_id)
                 WHERE state = 'in_progress'",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(TaskSteps::Table)
                .col(
                    ColumnDef::new(TaskSteps::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TaskSteps::AttemptId)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(TaskSteps::Seq).integer().not_null())
                .col(ColumnDef::new(TaskSteps::Kind).string_len(16).not_null())
                .col(ColumnDef::new(TaskSteps::Data).text().not_null())
                .col(
                    ColumnDef::new(TaskSteps::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TaskSteps::Table, TaskSteps::AttemptId)
                        .to(TaskAttempts::Table, TaskAttempts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_task_steps_seq")
                .table(TaskSteps::Table)
                .col(TaskSteps::AttemptId)
                .col(TaskSteps::Seq)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TaskSteps::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TaskAttempts::Table).to_owned())
            .await
    }
}
