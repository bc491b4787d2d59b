//! Path certificates: the credential a learner earns by passing their group's final quiz, one per
//! learner and group. Kept apart from `course_completions` because a path is not a course: it has
//! no lessons, does not count in course exports, and its unit of idempotency is (learner, group).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PathCertificates {
    Table,
    Id,
    CertificateId,
    UserId,
    GroupId,
    CourseId,
    QuizId,
    AttemptId,
    ContentVersion,
    CompletedAt,
    ScorePercent,
    RevokedAt,
    RevokedReason,
    Kid,
    Credential,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PathCertificates::Table)
                .col(
                    ColumnDef::new(PathCertificates::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(PathCertificates::CertificateId)
                        .string_len(32)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(PathCertificates::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::GroupId)
                        .string_len(64)
                        .not_null(),
                )
                // The final quiz that was passed, and the attempt that passed it.
                .col(
                    ColumnDef::new(PathCertificates::CourseId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::QuizId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::AttemptId)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::ContentVersion)
                        .string_len(32)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::CompletedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::ScorePercent)
                        .double()
                        .null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::RevokedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(PathCertificates::RevokedReason)
                        .string()
                        .null(),
                )
                .col(ColumnDef::new(PathCertificates::Kid).string_len(64).null())
                .col(ColumnDef::new(PathCertificates::Credential).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(PathCertificates::Table, PathCertificates::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // One path certificate per learner and group: a second pass finds this and issues nothing.
        m.create_index(
            Index::create()
                .name("uq_path_certificates_user_group")
                .table(PathCertificates::Table)
                .col(PathCertificates::UserId)
                .col(PathCertificates::GroupId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_path_certificates_kid")
                .table(PathCertificates::Table)
                .col(PathCertificates::Kid)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PathCertificates::Table).to_owned())
            .await?;
        Ok(())
    }
}
