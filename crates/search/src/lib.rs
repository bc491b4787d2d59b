//! Search over the curriculum, in Vietnamese: lessons by section, practice tasks, question
//! explanations and the authors' FAQ, in an in-memory tantivy index built from a `Catalog`,
//! and the assistant's rule for when a passage answers a question.
//!
//! Plain Rust like the content engine: no web framework, no database, no clock. The server
//! builds a `SearchIndex` for each catalog it serves and asks it.

pub mod analyzer;
pub mod assistant;
pub mod content;
pub mod eval;
pub mod highlight;
pub mod index;
pub mod passages;
pub mod query;
pub mod questions;

pub use content::{FaqEntry, SearchContent, SynonymGroup};
pub use highlight::Fragment;
pub use index::{BuildError, Hit, SearchIndex};
pub use passages::{Kind, Passage};
pub use query::{Query, QueryError, MAX_QUERY_CHARS};
pub use questions::{QuestionCorpus, QuestionHit};
