//! The question bank as the rest of the platform sees it.
//!
//! The shapes follow what Moodle stores after a GIFT import, because the content format promises
//! that banks move both ways between this platform and Moodle: a fraction is Moodle's fraction
//! (`%50%` is `0.5`), a text carries its Moodle text format, and true/false feedback is "what to say
//! to a learner who answered wrongly / rightly", exactly as Moodle's importer splits it.
//!
//! Nothing here knows about HTTP, storage or rendering; everything derives serde so that the server
//! can cache a parsed bank or snapshot a question with an attempt.

use serde::{Deserialize, Serialize};

/// One question of a bank, as read from GIFT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id from a `// [id:xyz]` comment in the question's block (Moodle's "ID number").
    /// Learner records point at it, so it is never derived from the title or the position.
    pub id: Option<String>,
    /// Tags from `[tag:...]` in the question's comments (Moodle's convention), in file order.
    pub tags: Vec<String>,
    /// `::title::`, Moodle's question name.
    pub title: Option<String>,
    /// The stem. For an embedded answer (`Grant is {~buried =entombed} in Grant's tomb.`) the
    /// answer block is replaced by `_____` the way gift-pegjs does it.
    pub text: Text,
    /// `####general feedback`, shown after grading whatever the learner answered.
    pub general_feedback: Option<Text>,
    /// What is asked and how it is graded.
    pub kind: QuestionKind,
    /// 1-based line where the question starts in the source (its title or stem, after comments),
    /// so that authors can be pointed at it.
    pub line: usize,
}

/// A piece of author text and the Moodle format it is written in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub format: TextFormat,
    /// The text with GIFT escapes already removed (`\:` is `:`, `\n` is a line break).
    pub text: String,
}

impl Text {
    pub fn new(format: TextFormat, text: impl Into<String>) -> Self {
        Self {
            format,
            text: text.into(),
        }
    }

    /// Text in Moodle's default format, the one GIFT assumes when none is given.
    pub fn moodle(text: impl Into<String>) -> Self {
        Self::new(TextFormat::Moodle, text)
    }
}

/// Moodle's text formats, as named in GIFT's `[moodle]`, `[html]`, `[plain]` and `[markdown]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    /// Moodle's "auto-format"; the GIFT default.
    #[default]
    Moodle,
    Html,
    Plain,
    Markdown,
}

impl TextFormat {
    /// The name used between brackets in GIFT.
    pub fn name(self) -> &'static str {
        match self {
            TextFormat::Moodle => "moodle",
            TextFormat::Html => "html",
            TextFormat::Plain => "plain",
            TextFormat::Markdown => "markdown",
        }
    }

    /// The format called `name` in GIFT (case-sensitive, as in Moodle).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "moodle" => Some(TextFormat::Moodle),
            "html" => Some(TextFormat::Html),
            "plain" => Some(TextFormat::Plain),
            "markdown" => Some(TextFormat::Markdown),
            _ => None,
        }
    }
}

/// The question types Moodle's GIFT importer knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Text without an answer block; never graded, never drawn.
    Description,
    /// `{}`: free text marked by a person, so never drawn for an automatic quiz.
    Essay,
    TrueFalse {
        answer: bool,
        /// Shown to a learner who answered wrongly (the first `#` in GIFT).
        feedback_wrong: Option<Text>,
        /// Shown to a learner who answered rightly (the second `#` in GIFT).
        feedback_right: Option<Text>,
    },
    /// `~` / `=` answers. `multiple` is Moodle's "multiple answers allowed": GIFT makes a question
    /// a checkbox question exactly when no answer is marked with `=`.
    Choice {
        multiple: bool,
        options: Vec<ChoiceOption>,
    },
    ShortAnswer {
        answers: Vec<TextAnswer>,
    },
    Numerical {
        answers: Vec<NumericAnswer>,
    },
    Matching {
        /// Pairs with an empty `left` are distractors: extra right-hand answers to choose from.
        pairs: Vec<MatchPair>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub text: Text,
    /// Moodle's fraction, -1.0..=1.0: `=` is 1.0, `~` is 0.0, `~%50%` is 0.5.
    pub fraction: f64,
    pub feedback: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAnswer {
    /// What the learner must type; `*` is Moodle's wildcard (`\*` a literal star).
    pub text: String,
    pub fraction: f64,
    pub feedback: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericAnswer {
    pub value: NumericValue,
    pub fraction: f64,
    pub feedback: Option<Text>,
}

/// The numbers a numerical answer accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NumericValue {
    /// `#1822` or `#3.1415:0.0005`: the number give or take an absolute tolerance.
    Exact { number: f64, tolerance: f64 },
    /// `#1..5`: anything from `min` to `max` inclusive.
    Range { min: f64, max: f64 },
    /// Moodle's `*` answer, which matches any number. GIFT writes it as `~#feedback` ("feedback
    /// for any other answer"); it needs its own case because no finite range means "anything".
    Any,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPair {
    /// The item to match; empty for a distractor.
    pub left: Text,
    /// The answer it matches. Moodle keeps right-hand sides as plain strings.
    pub right: String,
}

impl Question {
    /// The question type as the HTTP API and the database name it.
    pub fn type_key(&self) -> &'static str {
        match &self.kind {
            QuestionKind::Description => "description",
            QuestionKind::Essay => "essay",
            QuestionKind::TrueFalse { .. } => "true_false",
            QuestionKind::Choice {
                multiple: false, ..
            } => "single_choice",
            QuestionKind::Choice { multiple: true, .. } => "multiple_choice",
            QuestionKind::ShortAnswer { .. } => "short_answer",
            QuestionKind::Numerical { .. } => "numerical",
            QuestionKind::Matching { .. } => "matching",
        }
    }

    /// Whether the platform can mark this question without a person: everything except
    /// descriptions and essays.
    pub fn is_auto_graded(&self) -> bool {
        !matches!(self.kind, QuestionKind::Description | QuestionKind::Essay)
    }
}
