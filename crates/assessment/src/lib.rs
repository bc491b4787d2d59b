//! Question banks and quiz attempts for Học Vụ Số.
//!
//! * [`gift`] reads and writes Moodle GIFT, the format of `questions.gift`, the way Moodle does, so
//!   that banks move both ways between this platform and Moodle.
//! * [`model`] is the bank as the rest of the platform sees it.
//! * [`paper`] draws an attempt's questions and shows them without the key.
//! * [`grading`] marks an attempt with Moodle's semantics.
//! * [`toml_bank`] reads `questions.toml`, the extension file for what GIFT cannot say (ordering
//!   and hotspot questions, short-answer options); the format is documented in `FORMAT.md`.
//! * [`moodle_xml`] and [`qti`] read (and for Moodle XML write) the other exchange formats;
//!   [`interchange`] is the JSON shape and the `convert` behind `hocvuso questions convert`.
//! * [`media`] is the images and narration a bank carries (Moodle XML's `<file>` elements), checked
//!   before they may go into a course's `media/` folder.
//! * [`statistics`] is Moodle's item analysis for instructors; [`mastery`] is "m of the last n"
//!   per competence.
//!
//! Invariants: this crate knows nothing of HTTP, storage, templates or async runtimes (no actix,
//! sea-orm, tera or tokio), and never reads the clock or the environment. Randomness comes in as
//! an `rng` argument, so attempts are reproducible in tests and the server picks the source.

mod decimal;
pub mod gift;
pub mod grading;
pub mod interchange;
pub mod mastery;
pub mod media;
pub mod model;
pub mod moodle_xml;
pub mod paper;
pub mod qti;
pub mod statistics;
pub mod toml_bank;
