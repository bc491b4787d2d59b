//! The course engine: reads a content folder (see `content-format.md`), validates all of it and
//! reports every problem with its file and line, then answers questions about the catalog:
//! which courses a group sees, in which order, and when a learner has completed a course.
//!
//! Plain Rust: no web framework, no database, no clock. The server asks; this crate answers.

pub mod authoring;
pub mod catalog;
pub mod completion;
pub mod course;
pub mod framework;
pub mod groups;
pub mod ids;
pub mod item_rules;
mod lesson;
mod load;
pub mod markdown;
pub mod milestones;
pub mod narration;
pub mod placement;
pub mod problems;
mod source;
pub mod stats;
pub mod task;
pub mod translation;

pub use catalog::Catalog;
pub use completion::{CourseStatus, LearnerRecord};
pub use course::{Course, Lesson, OnTimeout, Quiz, QuizMode};
pub use framework::{Competence, Domain, Framework, Level};
pub use groups::{Group, CITIZEN_GROUP};
pub use load::load;
pub use milestones::Milestones;
pub use problems::{Problem, Problems};
pub use task::Task;
pub use translation::LessonText;
