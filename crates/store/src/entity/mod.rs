//! sea-orm entities, one module per table. They mirror `migrations/`; queries live in the
//! parent module's repositories, never in handlers.

/// An append-only steps table (`attempt_steps`, `task_steps`): one row per thing that happened
/// to an attempt, in order (`seq`), never updated or deleted. Both tables have the same
/// columns, which `attempts.rs` reads and writes through one `StepTable`.
macro_rules! step_table {
    ($table:literal) => {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = $table)]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub attempt_id: String,
            pub seq: i32,
            pub kind: String,
            #[sea_orm(column_type = "Text")]
            pub data: String,
            pub at: TimeDateTimeWithTimeZone,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod account_deletion;
pub mod assignment;
pub mod assisted_registration;
pub mod attempt_step;
pub mod attendance_code;
pub mod audit_event;
pub mod class_attendance;
pub mod class_session;
pub mod consent;
pub mod contact_email;
pub mod course_completion;
pub mod export_audit;
pub mod guardian;
pub mod household;
pub mod household_member;
pub mod import_origin;
pub mod learner_status;
pub mod ledger_entry;
pub mod lesson_completion;
pub mod mentor_link;
pub mod notification;
pub mod offline_replay;
pub mod oidc_identity;
pub mod oidc_login;
pub mod password_reset;
pub mod path_certificate;
pub mod pending_import;
pub mod quiz_attempt;
pub mod reading_preference;
pub mod session;
pub mod status_list;
pub mod status_list_allocator;
pub mod status_list_revocation;
pub mod studio_author;
pub mod studio_draft;
pub mod target;
pub mod task_attempt;
pub mod task_step;
pub mod throttle_counter;
pub mod totp_factor;
pub mod totp_recovery_code;
pub mod unanswered_question;
pub mod unit;
pub mod unit_eligible;
pub mod unit_invitation;
pub mod unit_manager;
pub mod unit_member;
pub mod unit_stat;
pub mod unit_target;
pub mod unit_weekly;
pub mod user;
pub mod user_role;
pub mod weekly_goal;
