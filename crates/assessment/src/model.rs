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
    /// Moodle's question category path (`$course$/top/Default for X/Week 1`), from GIFT's
    /// `$CATEGORY:` or Moodle XML's `<question type="category">`, kept verbatim so that it
    /// survives every conversion. Courses are this platform's categories; this is only carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
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
        /// Full marks only for exactly the right options, otherwise nothing (QTI's
        /// `match_correct`, Moodle's "all-or-nothing multiple choice" `multichoiceset`). Off by
        /// default: Moodle's multichoice adds up the chosen options' fractions.
        #[serde(default, skip_serializing_if = "is_false")]
        all_or_nothing: bool,
    },
    ShortAnswer {
        answers: Vec<TextAnswer>,
        /// Moodle's "case sensitivity": off by default (GIFT cannot say it; `questions.toml` and
        /// Moodle XML's `usecase` can).
        #[serde(default, skip_serializing_if = "is_false")]
        case_sensitive: bool,
        /// Compare without Vietnamese (and other) diacritics, so that "dang ky" matches "đăng ký":
        /// combining marks are dropped after NFD and `đ`/`Đ` read as `d`/`D`. Off by default; set
        /// in `questions.toml` (see `FORMAT.md`).
        #[serde(default, skip_serializing_if = "is_false")]
        ignore_diacritics: bool,
    },
    Numerical {
        answers: Vec<NumericAnswer>,
    },
    Matching {
        /// Pairs with an empty `left` are distractors: extra right-hand answers to choose from.
        pairs: Vec<MatchPair>,
    },
    /// Put the items in order. The key is the order the author wrote them in; the learner sees them
    /// shuffled. Not expressible in GIFT: authored in `questions.toml`, exchanged as Moodle's
    /// `ordering` question type in Moodle XML.
    Ordering {
        items: Vec<Text>,
        /// How a partly right order is marked (Moodle's `gradingtype`).
        #[serde(default)]
        grading: OrderingGrading,
    },
    /// Tap the right place on an image ("where do you tap to scan a QR code?"). Any tap inside any
    /// region is right. Not expressible in GIFT or Moodle XML: authored in `questions.toml`.
    Hotspot {
        /// Path of the image inside the course folder, like `media/zalo.png`.
        image: String,
        /// The image's size in pixels; regions and taps are in these coordinates.
        width: u32,
        height: u32,
        /// What the image shows, for screen readers and for learners who cannot see it.
        alt: String,
        regions: Vec<Region>,
        /// Named places on the image a learner may choose instead of tapping: the way to answer
        /// with a keyboard or a screen reader. Each is a point graded as a tap there, so the
        /// places must include wrong ones (a list of right places would give the answer away).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        places: Vec<Place>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Moodle's ordering grading types (`qtype_ordering_question::GRADING_*`), marked as Moodle marks
/// them. The default is [`OrderingGrading::RelativeToCorrect`]: partial credit that falls off with
/// the distance between where an item is and where it belongs, which is fair to a learner who
/// swapped two neighbours and still gives nothing for a reversed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderingGrading {
    /// Full marks for the exact order, otherwise nothing.
    AllOrNothing,
    /// The share of items in their right position.
    AbsolutePosition,
    /// Each item earns `n - 1 - |distance from its place|` (at least 0) out of `n - 1`.
    #[default]
    RelativeToCorrect,
    /// The share of right "next item" pairs, the last item not counted.
    RelativeNextExcludeLast,
    /// The share of right "next item" pairs, the last item counted (nothing must follow it).
    RelativeNextIncludeLast,
    /// Each item's one previous and one next neighbour compared with the key.
    RelativeOnePreviousAndNext,
    /// Each item's sets of all previous and all next items compared with the key.
    RelativeAllPreviousAndNext,
    /// The longest run of items in the right relative order (Moodle's search), as a share.
    LongestOrderedSubset,
    /// The longest run of items with consecutive right positions, as a share.
    LongestContiguousSubset,
}

impl OrderingGrading {
    pub const ALL: [OrderingGrading; 9] = [
        OrderingGrading::AllOrNothing,
        OrderingGrading::AbsolutePosition,
        OrderingGrading::RelativeToCorrect,
        OrderingGrading::RelativeNextExcludeLast,
        OrderingGrading::RelativeNextIncludeLast,
        OrderingGrading::RelativeOnePreviousAndNext,
        OrderingGrading::RelativeAllPreviousAndNext,
        OrderingGrading::LongestOrderedSubset,
        OrderingGrading::LongestContiguousSubset,
    ];

    /// The name in `questions.toml` and JSON (`relative_to_correct`).
    pub fn name(self) -> &'static str {
        match self {
            OrderingGrading::AllOrNothing => "all_or_nothing",
            OrderingGrading::AbsolutePosition => "absolute_position",
            OrderingGrading::RelativeToCorrect => "relative_to_correct",
            OrderingGrading::RelativeNextExcludeLast => "relative_next_exclude_last",
            OrderingGrading::RelativeNextIncludeLast => "relative_next_include_last",
            OrderingGrading::RelativeOnePreviousAndNext => "relative_one_previous_and_next",
            OrderingGrading::RelativeAllPreviousAndNext => "relative_all_previous_and_next",
            OrderingGrading::LongestOrderedSubset => "longest_ordered_subset",
            OrderingGrading::LongestContiguousSubset => "longest_contiguous_subset",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Moodle's XML spelling (`RELATIVE_TO_CORRECT`).
    pub fn moodle_name(self) -> String {
        self.name().to_uppercase()
    }

    /// Moodle's XML spelling, with the aliases Moodle's importer accepts (`ABS`, `REL`, ...).
    pub fn from_moodle_name(name: &str) -> Option<Self> {
        match name.trim().to_uppercase().as_str() {
            "ABS" | "ABSOLUTE" => Some(OrderingGrading::AbsolutePosition),
            "REL" | "RELATIVE" => Some(OrderingGrading::RelativeNextExcludeLast),
            other => Self::from_name(&other.to_lowercase()),
        }
    }
}

/// An area of a hotspot image, in the image's pixel coordinates (origin top left). Edges count as
/// inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Region {
    Rect { x: u32, y: u32, w: u32, h: u32 },
    Circle { cx: u32, cy: u32, r: u32 },
}

/// A named point of a hotspot image ("Biểu tượng Cài đặt"), in its pixels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    pub label: String,
    pub x: u32,
    pub y: u32,
}

impl Region {
    /// Whether a tap at (`x`, `y`) falls inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        match *self {
            Region::Rect {
                x: left,
                y: top,
                w,
                h,
            } => {
                let (left, top) = (f64::from(left), f64::from(top));
                x >= left && y >= top && x <= left + f64::from(w) && y <= top + f64::from(h)
            }
            Region::Circle { cx, cy, r } => {
                let (dx, dy) = (x - f64::from(cx), y - f64::from(cy));
                dx * dx + dy * dy <= f64::from(r) * f64::from(r)
            }
        }
    }

    /// A point inside the region (its centre).
    pub fn centre(&self) -> (f64, f64) {
        match *self {
            Region::Rect { x, y, w, h } => (
                f64::from(x) + f64::from(w) / 2.0,
                f64::from(y) + f64::from(h) / 2.0,
            ),
            Region::Circle { cx, cy, .. } => (f64::from(cx), f64::from(cy)),
        }
    }
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
    /// The share of the question's marks this pair earns when matched rightly (QTI's `mapping`
    /// weights, like 1, 0.5, 0.5, 1 scaled to 1/3, 1/6, 1/6, 1/3). `None`: every item weighs the
    /// same, as in Moodle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

impl QuestionKind {
    /// Whether a matching question weighs its items unequally, which GIFT and Moodle cannot say.
    pub fn has_unequal_match_weights(&self) -> bool {
        let QuestionKind::Matching { pairs } = self else {
            return false;
        };
        let mut weights = pairs
            .iter()
            .filter(|p| !p.left.text.is_empty())
            .map(|p| p.weight);
        let Some(first) = weights.next() else {
            return false;
        };
        weights.any(|w| match (w, first) {
            (Some(a), Some(b)) => (a - b).abs() > 1e-9,
            (a, b) => a != b,
        })
    }
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
            QuestionKind::Ordering { .. } => "ordering",
            QuestionKind::Hotspot { .. } => "hotspot",
        }
    }

    /// Every value [`Question::type_key`] can return, in the order the content format lists them.
    pub const TYPE_KEYS: [&'static str; 10] = [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numerical",
        "matching",
        "ordering",
        "essay",
        "description",
        "hotspot",
    ];

    /// Whether the platform can mark this question without a person: everything except
    /// descriptions and essays.
    pub fn is_auto_graded(&self) -> bool {
        !matches!(self.kind, QuestionKind::Description | QuestionKind::Essay)
    }
}

/// Moodle's allowed grades, `question_bank::fraction_options_full()`: 0, ±1 and ± these. Moodle's
/// importers (GIFT and XML alike) refuse any other answer fraction unless told to round it.
const MOODLE_GRADES: [f64; 19] = [
    0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
    0.1428571, 0.125, 0.1111111, 0.1, 0.05,
];

/// Whether `fraction` is one of Moodle's allowed grades (`question_bank::fraction_options_full()`,
/// compared within 0.00001 as Moodle's `match_grade_options` does).
pub fn is_moodle_fraction(fraction: f64) -> bool {
    let close = |allowed: f64| (fraction - allowed).abs() < 0.00001;
    close(0.0) || close(1.0) || close(-1.0) || MOODLE_GRADES.iter().any(|&g| close(g) || close(-g))
}

/// Moodle's allowed grades as percentages, for error messages.
pub fn moodle_fraction_list() -> String {
    let mut all: Vec<f64> = vec![1.0];
    all.extend(MOODLE_GRADES);
    all.push(0.0);
    all.extend(MOODLE_GRADES.iter().rev().map(|g| -g));
    all.push(-1.0);
    all.iter()
        .map(|f| format!("{}", (f * 100.0 * 1e5).round() / 1e5))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The order in which a file that switches categories (GIFT's `$CATEGORY:`, Moodle XML's category
/// entries) lists a bank, with each question's 0-based position in the bank: the questions without
/// a category first, because such a file cannot switch back to "no category", then the others in
/// their order, so that a bank read from such a file is written back in the same order.
pub(crate) fn category_file_order(questions: &[Question]) -> Vec<(usize, &Question)> {
    let (mut order, categorised): (Vec<_>, Vec<_>) = questions
        .iter()
        .enumerate()
        .partition(|(_, q)| q.category.is_none());
    order.extend(categorised);
    order
}

/// A category path on one line, as GIFT and Moodle XML hold it.
pub(crate) fn category_line(path: &str) -> String {
    path.split_whitespace().collect::<Vec<_>>().join(" ")
}
