//! People, consent, login throttling, learning records and completions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    DisplayName,
    PasswordHash,
    GroupId,
    BirthYear,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    UserId,
    Purpose,
    NoticeVersion,
    Method,
    GrantedAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    KeyHash,
    FailedAt,
}

#[derive(DeriveIden)]
enum LessonCompletions {
    Table,
    Id,
    UserId,
    CourseId,
    LessonId,
    ContentVersion,
    CompletedAt,
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    Id,
    UserId,
    CourseId,
    QuizId,
    ContentVersion,
    State,
    Paper,
    StartedAt,
    SubmittedAt,
    ScorePercent,
    Passed,
    Result,
}

#[derive(DeriveIden)]
enum AttemptSteps {
    Table,
    Id,
    AttemptId,
    Seq,
    Kind,
    Data,
    At,
}

#[derive(DeriveIden)]
enum CourseCompletions {
    Table,
    Id,
    CertificateId,
    UserId,
    CourseId,
    ContentVersion,
    CompletedAt,
    ScorePercent,
    RevokedAt,
    RevokedReason,
}

fn user_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(
                    ColumnDef::new(Users::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Users::Username).string_len(64).not_null())
                // Lower-cased username: uniqueness must not depend on letter case.
                .col(
                    ColumnDef::new(Users::UsernameKey)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(Users::DisplayName)
                        .string_len(120)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::PasswordHash).string().not_null())
                .col(ColumnDef::new(Users::GroupId).string_len(64).null())
                .col(ColumnDef::new(Users::BirthYear).integer().null())
                .col(
                    ColumnDef::new(Users::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .col(ColumnDef::new(UserRoles::UserId).big_integer().not_null())
                .col(ColumnDef::new(UserRoles::Role).string_len(32).not_null())
                .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                .foreign_key(&mut user_fk(UserRoles::Table, UserRoles::UserId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(
                    ColumnDef::new(Consents::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Consents::UserId).big_integer().not_null())
                .col(ColumnDef::new(Consents::Purpose).string_len(64).not_null())
                .col(
                    ColumnDef::new(Consents::NoticeVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(Consents::Method).string_len(32).not_null())
                .col(
                    ColumnDef::new(Consents::GrantedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Consents::WithdrawnAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut user_fk(Consents::Table, Consents::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_consents_user")
                .table(Consents::Table)
                .col(Consents::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginFailures::Table)
                .col(
                    ColumnDef::new(LoginFailures::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                // A keyed hash of the username or client address: throttling needs to recognise
                // them, not to store them.
                .col(
                    ColumnDef::new(LoginFailures::KeyHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LoginFailures::FailedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_failures_key_at")
                .table(LoginFailures::Table)
                .col(LoginFailures::KeyHash)
                .col(LoginFailures::FailedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LessonCompletions::Table)
                .col(
                    ColumnDef::new(LessonCompletions::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(LessonCompletions::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LessonCompletions::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LessonCompletions::LessonId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LessonCompletions::ContentVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LessonCompletions::CompletedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(&mut user_fk(
                    LessonCompletions::Table,
                    LessonCompletions::UserId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_lesson_completions")
                .table(LessonCompletions::Table)
                .col(LessonCompletions::UserId)
                .col(LessonCompletions::CourseId)
                .col(LessonCompletions::LessonId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(QuizAttempts::Table)
                .col(
                    ColumnDef::new(QuizAttempts::Id)
                        .string_len(32)
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::QuizId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::ContentVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::State)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(QuizAttempts::Paper).text().not_null())
                .col(
                    ColumnDef::new(QuizAttempts::StartedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(QuizAttempts::SubmittedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(QuizAttempts::ScorePercent).double().null())
                .col(ColumnDef::new(QuizAttempts::Passed).boolean().null())
                .col(ColumnDef::new(QuizAttempts::Result).text().null())
                .foreign_key(&mut user_fk(QuizAttempts::Table, QuizAttempts::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_quiz_attempts_user_quiz")
                .table(QuizAttempts::Table)
                .col(QuizAttempts::UserId)
                .col(QuizAttempts::CourseId)
                .col(QuizAttempts::QuizId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AttemptSteps::Table)
                .col(
                    ColumnDef::new(AttemptSteps::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AttemptSteps::AttemptId)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(AttemptSteps::Seq).integer().not_null())
                .col(ColumnDef::new(AttemptSteps::Kind).string_len(16).not_null())
                .col(ColumnDef::new(AttemptSteps::Data).text().not_null())
                .col(
                    ColumnDef::new(AttemptSteps::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(AttemptSteps::Table, AttemptSteps::AttemptId)
                        .to(QuizAttempts::Table, QuizAttempts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_attempt_steps_seq")
                .table(AttemptSteps::Table)
                .col(AttemptSteps::AttemptId)
                .col(AttemptSteps::Seq)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CourseCompletions::Table)
                .col(
                    ColumnDef::new(CourseCompletions::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::CertificateId)
                        .string_len(32)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::ContentVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::CompletedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::ScorePercent)
                        .double()
                        .null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::RevokedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(CourseCompletions::RevokedReason)
                        .string()
                        .null(),
                )
                .foreign_key(&mut user_fk(
                    CourseCompletions::Table,
                    CourseCompletions::UserId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_course_completions_user_course")
                .table(CourseCompletions::Table)
                .col(CourseCompletions::UserId)
                .col(CourseCompletions::CourseId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_course_completions_completed_at")
                .table(CourseCompletions::Table)
                .col(CourseCompletions::CompletedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CourseCompletions::Table.into_iden(),
            AttemptSteps::Table.into_iden(),
            QuizAttempts::Table.into_iden(),
            LessonCompletions::Table.into_iden(),
            LoginFailures::Table.into_iden(),
            Consents::Table.into_iden(),
            UserRoles::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
