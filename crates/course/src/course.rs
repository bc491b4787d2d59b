//! A course as the engine accepted it: metadata, lessons in order, quizzes and the question bank.

use serde::Serialize;

use hocvuso_assessment::model::Question;

use crate::item_rules::QuestionSource;
use crate::task::Task;

#[derive(Debug, Clone, Serialize)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub groups: Vec<String>,
    pub competences: Vec<String>,
    pub level: u8,
    pub minutes: u32,
    pub prerequisites: Vec<String>,
    pub lessons: Vec<Lesson>,
    pub quizzes: Vec<Quiz>,
    /// Practice tasks (`tasks/NN-slug.toml`), in file-name order.
    pub tasks: Vec<Task>,
    /// Whether passing every task is needed to complete the course (`tasks_required`).
    pub tasks_required: bool,
    #[serde(skip)]
    pub bank: Vec<Question>,
    /// Where each question of `bank` is written (same order), with its waiver marks.
    #[serde(skip)]
    pub sources: Vec<QuestionSource>,
    /// The bank's questions in other languages (`questions.<lang>.gift` and `.toml`), by language: same
    /// ids and shapes as in `bank`, so only what the learner reads changes.
    #[serde(skip)]
    pub bank_translations: std::collections::BTreeMap<String, Vec<Question>>,
    /// The course's title and summary in other languages (`course.<lang>.toml`).
    #[serde(skip)]
    pub translations: std::collections::BTreeMap<String, crate::translation::CourseText>,
    /// Hash of every file of the course: learner records carry it, so a record says which
    /// version of the content it was made against.
    pub version: String,
}

impl Course {
    /// The question with this id as a learner reading `lang` sees it: its translation when
    /// there is one, else the original.
    pub fn question_in<'a>(&'a self, lang: &str, original: &'a Question) -> &'a Question {
        original
            .id
            .as_deref()
            .and_then(|id| {
                self.bank_translations
                    .get(lang)?
                    .iter()
                    .find(|q| q.id.as_deref() == Some(id))
            })
            .unwrap_or(original)
    }

    /// The course's title in `lang`, or the Vietnamese one.
    pub fn title_in(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .map_or(self.title.as_str(), |t| t.title.as_str())
    }

    /// The course's summary in `lang`, or the Vietnamese one.
    pub fn summary_in(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .filter(|t| !t.summary.is_empty())
            .map_or(self.summary.as_str(), |t| t.summary.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub competences: Vec<String>,
    pub audio: Option<String>,
    pub video: Option<String>,
    pub captions: Option<String>,
    /// The picture shown before the video plays.
    pub poster: Option<String>,
    /// Extension: the dated documents (laws, decrees, official guidance) the lesson's facts rest
    /// on, shown under "Nguồn" at the end of the lesson.
    pub sources: Vec<String>,
    /// Rendered and sanitised HTML, with media links pointing at the server's media route.
    pub html: String,
    /// Words in the lesson body, for reading-time statistics.
    pub words: usize,
    /// The lesson in other languages, by language code (`NN-slug.<lang>.md`).
    pub translations: std::collections::BTreeMap<String, crate::translation::LessonText>,
}

impl Lesson {
    /// The lesson's text in `lang`: its translation, or the Vietnamese original (the fallback
    /// is per lesson, so a half-translated course still reads). The second value is the
    /// language the text is really in.
    pub fn text(&self, lang: &str) -> (crate::translation::LessonText, &str) {
        match self.translations.get_key_value(lang) {
            Some((code, t)) => (t.clone(), code.as_str()),
            None => (
                crate::translation::LessonText {
                    title: self.title.clone(),
                    html: self.html.clone(),
                    words: self.words,
                    audio: self.audio.clone(),
                    video: self.video.clone(),
                    captions: self.captions.clone(),
                    poster: self.poster.clone(),
                },
                "vi",
            ),
        }
    }

    /// The lesson's title in `lang`, or the Vietnamese one.
    pub fn title_in(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .map_or(self.title.as_str(), |t| t.title.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Quiz {
    pub id: String,
    /// Line of the quiz's `id` in `course.toml`, for problems.
    #[serde(skip)]
    pub line: usize,
    pub title: String,
    pub after: Option<String>,
    pub questions: usize,
    pub draw: Vec<String>,
    pub pass_percent: u8,
    pub max_attempts: u32,
    pub shuffle: bool,
    /// `test` (feedback after submission; counts for completion) or `practice` (feedback per
    /// question at once, unlimited, not counted).
    pub mode: QuizMode,
    /// 0: no time limit.
    pub time_limit_minutes: u32,
    /// What a submission after the time limit gets.
    pub on_timeout: OnTimeout,
    /// Minutes to wait after a submitted attempt before the next one (0: none).
    pub cooldown_minutes: u32,
    /// Extension: draw this many questions per competence of the course (tag
    /// `competence-<code>`) instead of `questions` from the whole bank. 0: off.
    pub per_competence: usize,
    /// Extension: how many questions to draw per bank tag (`[quiz.draw_counts]`), instead of
    /// `questions` from the whole bank.
    pub draw_counts: Vec<(String, usize)>,
    /// Extension: essays may be drawn; attempts with essays wait in the instructors' grading
    /// queue before they are graded.
    pub essays: bool,
    /// Extension: courses whose banks this quiz draws from (a group's final quiz draws across
    /// its whole path). Empty: the course's own bank.
    pub draw_courses: Vec<String>,
    /// The combined bank when `draw_courses` is set (filled by the loader).
    #[serde(skip)]
    pub bank: Vec<Question>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QuizMode {
    #[default]
    Test,
    Practice,
    /// A placement check at the start of a group's path: graded like a test, never counted;
    /// competences it shows mastered let the learner skip their lessons.
    Placement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnTimeout {
    /// The late submission is refused and the attempt closed without a grade.
    #[default]
    Refuse,
    /// The answers saved before the limit are graded.
    GradeSaved,
}

impl Quiz {
    /// Whether passing this quiz is needed to complete the course.
    pub fn counts(&self) -> bool {
        self.mode == QuizMode::Test
    }
}

impl Course {
    /// A review course (`on-tap-*`): no bank of its own, and every quiz draws from other
    /// courses. Its lessons recap; they are not teaching, so coverage tables leave them out.
    pub fn is_review(&self) -> bool {
        self.bank.is_empty()
            && !self.quizzes.is_empty()
            && self.quizzes.iter().all(|q| !q.draw_courses.is_empty())
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }

    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub fn quiz(&self, id: &str) -> Option<&Quiz> {
        self.quizzes.iter().find(|q| q.id == id)
    }

    /// Per-tag counts when a quiz draws by tags: `draw_counts`, or `per_competence` questions for
    /// each of the course's competences. None: the quiz draws `questions` from the bank.
    pub fn tag_counts(&self, quiz: &Quiz) -> Option<Vec<(String, usize)>> {
        if !quiz.draw_counts.is_empty() {
            Some(quiz.draw_counts.clone())
        } else if quiz.per_competence > 0 {
            Some(
                self.competences
                    .iter()
                    .map(|c| (format!("competence-{c}"), quiz.per_competence))
                    .collect(),
            )
        } else {
            None
        }
    }

    /// The questions a quiz draws from.
    pub fn quiz_bank<'a>(&'a self, quiz: &'a Quiz) -> &'a [Question] {
        if quiz.draw_courses.is_empty() {
            &self.bank
        } else {
            &quiz.bank
        }
    }

    pub fn draw_rule(&self, quiz: &Quiz) -> hocvuso_assessment::paper::DrawRule {
        hocvuso_assessment::paper::DrawRule {
            count: quiz.questions,
            tags: quiz.draw.clone(),
            shuffle: quiz.shuffle,
        }
    }
}
