//! Evidence: the learner's opaque reference (used in credentials instead of the username), the
//! signed credential of each completion with the key that signed it, the hash-chained completion
//! ledger, and the export audit log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    LearnerRef,
    VerifyShowsDetails,
}

#[derive(DeriveIden)]
enum CourseCompletions {
    Table,
    Kid,
    Credential,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Seq,
    PrevHash,
    Hash,
    EntryType,
    CertificateId,
    UserId,
    AchievementKind,
    AchievementId,
    ContentVersion,
    ScorePercent,
    Reason,
    Actor,
    At,
}

#[derive(DeriveIden)]
enum ExportAudits {
    Table,
    Id,
    UserId,
    Format,
    Filter,
    Rows,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time. Existing users get
        // their reference lazily, the first time a credential is issued to them.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(ColumnDef::new(Users::LearnerRef).string_len(36).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::VerifyShowsDetails)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_users_learner_ref")
                .table(Users::Table)
                .col(Users::LearnerRef)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CourseCompletions::Table)
                .add_column(ColumnDef::new(CourseCompletions::Kid).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(CourseCompletions::Table)
                .add_column(ColumnDef::new(CourseCompletions::Credential).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_course_completions_kid")
                .table(CourseCompletions::Table)
                .col(CourseCompletions::Kid)
                .to_owned(),
        )
        .await?;

        // `seq` is the primary key, assigned as last + 1 inside the appending transaction: two
        // concurrent appends cannot both take the same number.
        m.create_table(
            Table::create()
                .table(LedgerEntries::Table)
                .col(
                    ColumnDef::new(LedgerEntries::Seq)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::PrevHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::Hash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::EntryType)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::CertificateId)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(LedgerEntries::UserId).big_integer().null())
                .col(
                    ColumnDef::new(LedgerEntries::AchievementKind)
                        .string_len(16)
                        .null(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::AchievementId)
                        .string_len(64)
                        .null(),
                )
                .col(
                    ColumnDef::new(LedgerEntries::ContentVersion)
                        .string_len(32)
                        .null(),
                )
                .col(ColumnDef::new(LedgerEntries::ScorePercent).double().null())
                .col(ColumnDef::new(LedgerEntries::Reason).text().null())
                .col(ColumnDef::new(LedgerEntries::Actor).string_len(64).null())
                .col(
                    ColumnDef::new(LedgerEntries::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_ledger_entries_certificate")
                .table(LedgerEntries::Table)
                .col(LedgerEntries::CertificateId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ExportAudits::Table)
                .col(
                    ColumnDef::new(ExportAudits::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ExportAudits::UserId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ExportAudits::Format)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(ExportAudits::Filter).text().not_null())
                .col(ColumnDef::new(ExportAudits::Rows).big_integer().not_null())
                .col(
                    ColumnDef::new(ExportAudits::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_export_audits_at")
                .table(ExportAudits::Table)
                .col(ExportAudits::At)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ExportAudits::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(LedgerEntries::Table).to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("idx_course_completions_kid")
                .table(CourseCompletions::Table)
                .to_owned(),
        )
        .await?;
        for col in [CourseCompletions::Credential, CourseCompletions::Kid] {
            m.alter_table(
                Table::alter()
                    .table(CourseCompletions::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_index(
            Index::drop()
                .name("uq_users_learner_ref")
                .table(Users::Table)
                .to_owned(),
        )
        .await?;
        for col in [Users::VerifyShowsDetails, Users::LearnerRef] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
