//! sea-orm entities, one module per table. They mirror `migrations/`; queries live in the
//! parent module's repositories, never in handlers.

pub mod assignment;
pub mod assisted_registration;
pub mod attempt_step;
pub mod attendance_code;
pub mod class_attendance;
pub mod class_session;
pub mod consent;
pub mod contact_email;
pub mod course_completion;
pub mod export_audit;
pub mod household;
pub mod household_member;
pub mod import_origin;
pub mod learner_status;
pub mod ledger_entry;
pub mod lesson_completion;
pub mod mentor_link;
pub mod notification;
pub mod path_certificate;
pub mod quiz_attempt;
pub mod session;
pub mod target;
pub mod task_attempt;
pub mod task_step;
pub mod throttle_counter;
pub mod unit;
pub mod unit_eligible;
pub mod unit_invitation;
pub mod unit_manager;
pub mod unit_member;
pub mod unit_stat;
pub mod unit_weekly;
pub mod user;
pub mod user_role;
