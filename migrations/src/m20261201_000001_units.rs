//! Units (a tree), memberships and managers, households, mentors, community classes with their
//! attendance, assignments and notifications, targets, and the pre-aggregated counters behind the
//! dashboard (`learner_status`, `unit_stats`, `unit_weekly`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    GroupId,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    ParentId,
    Code,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnitMembers {
    Table,
    UserId,
    UnitId,
}

#[derive(DeriveIden)]
enum UnitManagers {
    Table,
    UserId,
    UnitId,
}

#[derive(DeriveIden)]
enum UnitEligible {
    Table,
    UnitId,
    GroupId,
    Eligible,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    UnitId,
    Code,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HouseholdMembers {
    Table,
    UserId,
    HouseholdId,
}

#[derive(DeriveIden)]
enum MentorLinks {
    Table,
    MenteeId,
    MentorId,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssistedRegistrations {
    Table,
    UserId,
    HelperId,
    At,
}

#[derive(DeriveIden)]
enum LearnerStatus {
    Table,
    UserId,
    GroupId,
    PathCompletedAt,
    PathWeek,
    CertifiedAt,
    CertifiedWeek,
}

#[derive(DeriveIden)]
enum UnitStats {
    Table,
    UnitId,
    GroupId,
    Metric,
    Value,
}

#[derive(DeriveIden)]
enum UnitWeekly {
    Table,
    UnitId,
    GroupId,
    Metric,
    Week,
    Value,
}

#[derive(DeriveIden)]
enum ClassSessions {
    Table,
    Id,
    UnitId,
    CourseId,
    Place,
    StartsAt,
    OrganiserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ClassAttendance {
    Table,
    SessionId,
    UserId,
    Method,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum AttendanceCodes {
    Table,
    UserId,
    Code,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    CourseId,
    UnitId,
    GroupId,
    DueAt,
    AssignedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    AssignmentId,
    CourseId,
    DueAt,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Targets {
    Table,
    Year,
    GroupId,
    Metric,
    Percent,
}

fn fk(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(c);
    }
    if unique {
        i.unique();
    }
    m.create_index(i).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Units::Table)
                .col(id(Units::Id))
                .col(ColumnDef::new(Units::ParentId).big_integer().null())
                // A stable code people type in import files ("tdp-3").
                .col(text(Units::Code, 64).unique_key().to_owned())
                .col(text(Units::Name, 200))
                // province, ward, neighbourhood, agency, school, enterprise, cooperative.
                .col(text(Units::Kind, 32))
                .col(at(Units::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Units::Table, Units::ParentId)
                        .to(Units::Table, Units::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_units_parent",
            Units::Table,
            vec![Units::ParentId.into_iden()],
            false,
        )
        .await?;

        for (table, user, unit) in [
            (
                UnitMembers::Table.into_iden(),
                UnitMembers::UserId.into_iden(),
                UnitMembers::UnitId.into_iden(),
            ),
            (
                UnitManagers::Table.into_iden(),
                UnitManagers::UserId.into_iden(),
                UnitManagers::UnitId.into_iden(),
            ),
        ] {
            m.create_table(
                Table::create()
                    .table(table.clone())
                    .col(big(user.clone()))
                    .col(big(unit.clone()))
                    .primary_key(Index::create().col(user.clone()).col(unit.clone()))
                    .foreign_key(&mut fk((table.clone(), user), (Users::Table, Users::Id)))
                    .foreign_key(&mut fk(
                        (table.clone(), unit.clone()),
                        (Units::Table, Units::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        }
        // Listing a unit's people.
        index(
            m,
            "idx_unit_members_unit",
            UnitMembers::Table,
            vec![
                UnitMembers::UnitId.into_iden(),
                UnitMembers::UserId.into_iden(),
            ],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnitEligible::Table)
                .col(big(UnitEligible::UnitId))
                .col(text(UnitEligible::GroupId, 64))
                .col(big(UnitEligible::Eligible))
                .primary_key(
                    Index::create()
                        .col(UnitEligible::UnitId)
                        .col(UnitEligible::GroupId),
                )
                .foreign_key(&mut fk(
                    (UnitEligible::Table, UnitEligible::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Households::Table)
                .col(id(Households::Id))
                .col(big(Households::UnitId))
                .col(text(Households::Code, 64).unique_key().to_owned())
                .col(text(Households::Name, 200))
                .col(at(Households::CreatedAt))
                .foreign_key(&mut fk(
                    (Households::Table, Households::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_households_unit",
            Households::Table,
            vec![Households::UnitId.into_iden()],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HouseholdMembers::Table)
                .col(
                    ColumnDef::new(HouseholdMembers::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(big(HouseholdMembers::HouseholdId))
                .foreign_key(&mut fk(
                    (HouseholdMembers::Table, HouseholdMembers::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (HouseholdMembers::Table, HouseholdMembers::HouseholdId),
                    (Households::Table, Households::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_household_members_household",
            HouseholdMembers::Table,
            vec![HouseholdMembers::HouseholdId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MentorLinks::Table)
                .col(
                    ColumnDef::new(MentorLinks::MenteeId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(big(MentorLinks::MentorId))
                // assisted (registered on the mentor's phone) or chosen (the mentee picked them).
                .col(text(MentorLinks::Source, 16))
                .col(at(MentorLinks::CreatedAt))
                .foreign_key(&mut fk(
                    (MentorLinks::Table, MentorLinks::MenteeId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (MentorLinks::Table, MentorLinks::MentorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_mentor_links_mentor",
            MentorLinks::Table,
            vec![MentorLinks::MentorId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AssistedRegistrations::Table)
                .col(
                    ColumnDef::new(AssistedRegistrations::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(big(AssistedRegistrations::HelperId))
                .col(at(AssistedRegistrations::At))
                .foreign_key(&mut fk(
                    (AssistedRegistrations::Table, AssistedRegistrations::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LearnerStatus::Table)
                .col(
                    ColumnDef::new(LearnerStatus::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LearnerStatus::GroupId).string_len(64).null())
                .col(at_null(LearnerStatus::PathCompletedAt))
                .col(ColumnDef::new(LearnerStatus::PathWeek).integer().null())
                .col(at_null(LearnerStatus::CertifiedAt))
                .col(
                    ColumnDef::new(LearnerStatus::CertifiedWeek)
                        .integer()
                        .null(),
                )
                .foreign_key(&mut fk(
                    (LearnerStatus::Table, LearnerStatus::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        // Every existing account gets its status row; milestones are filled in by
        // `hocvuso dashboard rebuild`, which knows the paths.
        m.exec_stmt(
            Query::insert()
                .into_table(LearnerStatus::Table)
                .columns([LearnerStatus::UserId, LearnerStatus::GroupId])
                .select_from(
                    Query::select()
                        .columns([Users::Id, Users::GroupId])
                        .from(Users::Table)
                        .to_owned(),
                )
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UnitStats::Table)
                .col(big(UnitStats::UnitId))
                .col(text(UnitStats::GroupId, 64))
                .col(text(UnitStats::Metric, 32))
                .col(big(UnitStats::Value))
                .primary_key(
                    Index::create()
                        .col(UnitStats::UnitId)
                        .col(UnitStats::GroupId)
                        .col(UnitStats::Metric),
                )
                .foreign_key(&mut fk(
                    (UnitStats::Table, UnitStats::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UnitWeekly::Table)
                .col(big(UnitWeekly::UnitId))
                .col(text(UnitWeekly::GroupId, 64))
                .col(text(UnitWeekly::Metric, 32))
                .col(ColumnDef::new(UnitWeekly::Week).integer().not_null())
                .col(big(UnitWeekly::Value))
                .primary_key(
                    Index::create()
                        .col(UnitWeekly::UnitId)
                        .col(UnitWeekly::GroupId)
                        .col(UnitWeekly::Metric)
                        .col(UnitWeekly::Week),
                )
                .foreign_key(&mut fk(
                    (UnitWeekly::Table, UnitWeekly::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ClassSessions::Table)
                .col(id(ClassSessions::Id))
                .col(big(ClassSessions::UnitId))
                .col(text(ClassSessions::CourseId, 64))
                .col(text(ClassSessions::Place, 200))
                .col(at(ClassSessions::StartsAt))
                .col(big(ClassSessions::OrganiserId))
                .col(at(ClassSessions::CreatedAt))
                .foreign_key(&mut fk(
                    (ClassSessions::Table, ClassSessions::UnitId),
                    (Units::Table, Units::Id),
                ))
                .foreign_key(&mut fk(
                    (ClassSessions::Table, ClassSessions::OrganiserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_class_sessions_unit",
            ClassSessions::Table,
            vec![ClassSessions::UnitId.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "idx_class_sessions_organiser",
            ClassSessions::Table,
            vec![ClassSessions::OrganiserId.into_iden()],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ClassAttendance::Table)
                .col(big(ClassAttendance::SessionId))
                .col(big(ClassAttendance::UserId))
                // list (ticked by the organiser) or code (the learner's code or QR).
                .col(text(ClassAttendance::Method, 8))
                .col(big(ClassAttendance::RecordedBy))
                .col(at(ClassAttendance::RecordedAt))
                .primary_key(
                    Index::create()
                        .col(ClassAttendance::SessionId)
                        .col(ClassAttendance::UserId),
                )
                .foreign_key(&mut fk(
                    (ClassAttendance::Table, ClassAttendance::SessionId),
                    (ClassSessions::Table, ClassSessions::Id),
                ))
                .foreign_key(&mut fk(
                    (ClassAttendance::Table, ClassAttendance::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AttendanceCodes::Table)
                .col(
                    ColumnDef::new(AttendanceCodes::UserId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(text(AttendanceCodes::Code, 16).unique_key().to_owned())
                .foreign_key(&mut fk(
                    (AttendanceCodes::Table, AttendanceCodes::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Assignments::Table)
                .col(id(Assignments::Id))
                .col(text(Assignments::CourseId, 64))
                .col(big(Assignments::UnitId))
                .col(ColumnDef::new(Assignments::GroupId).string_len(64).null())
                .col(at(Assignments::DueAt))
                .col(big(Assignments::AssignedBy))
                .col(at(Assignments::CreatedAt))
                .foreign_key(&mut fk(
                    (Assignments::Table, Assignments::UnitId),
                    (Units::Table, Units::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_assignments_unit",
            Assignments::Table,
            vec![Assignments::UnitId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(id(Notifications::Id))
                .col(big(Notifications::UserId))
                // assigned, reminder.
                .col(text(Notifications::Kind, 32))
                .col(
                    ColumnDef::new(Notifications::AssignmentId)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(Notifications::CourseId)
                        .string_len(64)
                        .null(),
                )
                .col(at_null(Notifications::DueAt))
                .col(at(Notifications::CreatedAt))
                .col(at_null(Notifications::ReadAt))
                .foreign_key(&mut fk(
                    (Notifications::Table, Notifications::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (Notifications::Table, Notifications::AssignmentId),
                    (Assignments::Table, Assignments::Id),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_notifications_user",
            Notifications::Table,
            vec![
                Notifications::UserId.into_iden(),
                Notifications::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Targets::Table)
                .col(ColumnDef::new(Targets::Year).integer().not_null())
                // A group id, or "*" for metrics that count households or mentors.
                .col(text(Targets::GroupId, 64))
                .col(text(Targets::Metric, 32))
                .col(ColumnDef::new(Targets::Percent).double().not_null())
                .primary_key(
                    Index::create()
                        .col(Targets::Year)
                        .col(Targets::GroupId)
                        .col(Targets::Metric),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Targets::Table.into_iden(),
            Notifications::Table.into_iden(),
            Assignments::Table.into_iden(),
            AttendanceCodes::Table.into_iden(),
            ClassAttendance::Table.into_iden(),
            ClassSessions::Table.into_iden(),
            UnitWeekly::Table.into_iden(),
            UnitStats::Table.into_iden(),
            LearnerStatus::Table.into_iden(),
            AssistedRegistrations::Table.into_iden(),
            MentorLinks::Table.into_iden(),
            HouseholdMembers::Table.into_iden(),
            Households::Table.into_iden(),
            UnitEligible::Table.into_iden(),
            UnitManagers::Table.into_iden(),
            UnitMembers::Table.into_iden(),
            Units::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
