//! Moodle GIFT, read and written the way Moodle's own importer (`question/format/gift/format.php`)
//! understands it.
//!
//! Why Moodle's reading and not a grammar of our own: the content format promises that question
//! banks move both ways between this platform and Moodle, so a file must mean here what it means
//! there. The reader therefore follows Moodle's rules:
//!
//! * Questions are separated by blank lines. Lines starting with `//` are comments; Moodle reads
//!   `[id:...]` and `[tag:...]` from the comments of the question's own block (a blank line
//!   between the comment and the question detaches it, as in Moodle).
//! * A `$CATEGORY:` block puts the questions after it in that category ([`Question::category`]);
//!   the writer writes one before the first question of each category.
//! * `::title::`, then the stem, then one `{...}` answer block. Text after the block makes an
//!   embedded ("missing word") question; its stem gets `_____` where the block was.
//! * `####` starts the general feedback (the last one in the block, like Moodle's `strrpos`).
//! * The type is decided in Moodle's order: no block → description; empty → essay; starts with
//!   `#` → numerical; any `~` → multiple choice (checkboxes when no answer uses `=`); `=` with
//!   `->` → matching; `T`/`TRUE`/`F`/`FALSE` → true/false; anything else → short answer.
//! * Escapes `\\ \: \# \= \{ \} \~` give the character, `\n` a line break; any other backslash is
//!   kept as it is.
//! * `[moodle]`, `[html]`, `[plain]`, `[markdown]` set a text's format; answers and feedback
//!   default to the stem's format.
//!
//! Where Moodle would silently import something an author surely did not mean (an unclosed `{`,
//! text before the first `~`/`=`, a weight like `%5O%`, a `$CATEGORY:` line swallowing the question
//! under it, a second answer block), the reader reports an error instead, with the line, and goes
//! on to report the problems of the other questions too. That is what a content check needs.
//!
//! Line breaks typed inside a `[moodle]` or `[plain]` text are source wrapping and read as one
//! space (as gift-pegjs does); `\n` is a real line break. Moodle's exporter never writes a raw line
//! break inside a text (it writes `\n`), so files exchanged with Moodle mean the same on both sides.
//! `[html]` and `[markdown]` texts keep their lines as written, because markdown needs them.

mod read;
mod write;

use std::fmt;

use crate::model::Question;

/// A problem in a GIFT file, at a 1-based line. The caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftError {
    pub line: usize,
    pub message: String,
}

impl GiftError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for GiftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for GiftError {}

/// Reads a whole GIFT file. Either every question, or every problem found (each with its line),
/// so that an author fixes a file in one round.
pub fn parse(src: &str) -> Result<Vec<Question>, Vec<GiftError>> {
    read::parse(src)
}

/// Writes questions as GIFT that Moodle imports and that [`parse`] reads back to the same
/// questions (apart from `line`). Each question gets a `// [id:...] [tag:...]` comment line when it
/// has an id or tags.
///
/// A few models cannot be expressed in GIFT at all and are written as closely as possible: a
/// short answer containing `->` (Moodle would read a matching question), text with leading or
/// trailing spaces (GIFT trims), and a single-choice question without any 100% option, which
/// is written with `=%50%`-style weights that gift-pegjs and this reader understand but Moodle reads
/// as 100%.
pub fn write(questions: &[Question]) -> String {
    write::write(questions)
}

/// Whether GIFT can hold `question`: every type but ordering and hotspot, which live in
/// `questions.toml`. [`write`] puts a comment in place of the others.
pub fn expressible(question: &Question) -> bool {
    write::expressible(question)
}
