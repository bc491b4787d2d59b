//! sea-orm entities, one module per table. They mirror `migrations/`; queries live in the
//! parent module's repositories, never in handlers.

pub mod attempt_step;
pub mod consent;
pub mod course_completion;
pub mod export_audit;
pub mod ledger_entry;
pub mod lesson_completion;
pub mod login_failure;
pub mod quiz_attempt;
pub mod user;
pub mod user_role;
