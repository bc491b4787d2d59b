//! Questions the assistant ("Hỏi đáp") could not answer, kept for authors so the FAQ grows.
//! No column names the learner: the row is the question (with long digit runs, which could be
//! a phone or an ID number, already blanked out), a key to group the same question typed
//! differently, and when it was asked.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UnansweredQuestions {
    Table,
    Id,
    Question,
    QuestionKey,
    AskedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UnansweredQuestions::Table)
                .col(
                    ColumnDef::new(UnansweredQuestions::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(UnansweredQuestions::Question)
                        .string_len(2000)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnansweredQuestions::QuestionKey)
                        .string_len(2000)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(UnansweredQuestions::AskedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_unanswered_questions_asked_at")
                .table(UnansweredQuestions::Table)
                .col(UnansweredQuestions::AskedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UnansweredQuestions::Table).to_owned())
            .await
    }
}
