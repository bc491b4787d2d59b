//! Questions as an attempt shows them, and results as a learner reads them.

use serde::Serialize;
use utoipa::ToSchema;

use hocvuso_assessment::grading::{AttemptResult, QuestionResult};
use hocvuso_assessment::paper::{PresentedOption, PresentedQuestion};
use hocvuso_store::Attempt;

use super::{feedback_html, media_url};
use crate::error::AppError;
use crate::render::{question_html, text_html};

#[derive(Serialize, ToSchema)]
pub struct OptionView {
    /// The attempt's own id for this option.
    pub id: String,
    /// Sanitised HTML.
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionView {
    /// The question's id in the bank.
    pub id: String,
    /// single_choice, multiple_choice, true_false, short_answer, numerical, matching.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    /// Sanitised HTML.
    pub text: String,
    /// Choices, or for matching the right-hand items.
    pub options: Vec<OptionView>,
    /// Matching only: the left-hand items; answer with a map left id → option id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<OptionView>,
    /// Hotspot only: the image to tap; answer with `{"x": n, "y": n}` in its pixels, or
    /// `{"place": index}` of one of its named places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageView>,
}

#[derive(Serialize, ToSchema)]
pub struct ImageView {
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    /// Named places to choose from instead of tapping (keyboard, screen reader): answer with
    /// `{"place": index}`. Empty when the question has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
}

/// Ordering questions list their items in `options`; answer with the item ids in order.
pub fn question_views(course_id: &str, questions: &[PresentedQuestion]) -> Vec<QuestionView> {
    let opt = |o: &PresentedOption| OptionView {
        id: o.id.clone(),
        text: question_html(&o.text, course_id),
    };
    questions
        .iter()
        .map(|q| QuestionView {
            id: q.id.clone(),
            kind: q.r#type.to_owned(),
            title: q.title.clone(),
            text: question_html(&q.text, course_id),
            options: q.options.iter().map(opt).collect(),
            left: q.left.iter().map(opt).collect(),
            image: q.image.as_ref().map(|i| ImageView {
                src: media_url(course_id, &i.src),
                width: i.width,
                height: i.height,
                alt: i.alt.clone(),
                places: i.places.clone(),
            }),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct QuestionResultView {
    pub id: String,
    pub correct: bool,
    /// 0–1.
    pub fraction: f64,
    /// Sanitised HTML, or null.
    pub feedback: Option<String>,
}

impl From<&QuestionResult> for QuestionResultView {
    fn from(q: &QuestionResult) -> Self {
        Self {
            id: q.id.clone(),
            correct: q.correct,
            fraction: q.fraction,
            feedback: feedback_html(&q.feedback),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubmitResponse {
    pub score_percent: f64,
    pub passed: bool,
    pub questions: Vec<QuestionResultView>,
    /// True while essays wait for an instructor's grade: the score is provisional and the
    /// attempt neither passes nor fails yet.
    pub pending_grading: bool,
    /// Set when this submission completed the course.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// Set when this submission passed the learner's group's final quiz for the first time: the
    /// path certificate it earned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_certificate_id: Option<String>,
}

pub fn submit_response(
    r: &AttemptResult,
    passed: bool,
    certificate_id: Option<String>,
) -> SubmitResponse {
    SubmitResponse {
        score_percent: r.score_percent,
        passed,
        questions: r.questions.iter().map(QuestionResultView::from).collect(),
        certificate_id,
        path_certificate_id: None,
        pending_grading: false,
    }
}

/// The stored result of a submitted attempt, as the learner reads it (None before it is
/// submitted, or when it closed without a grade).
pub fn stored_result(attempt: &Attempt) -> Result<Option<SubmitResponse>, AppError> {
    let Some(stored) = &attempt.result else {
        return Ok(None);
    };
    let parsed: AttemptResult = serde_json::from_str(stored).map_err(|e| {
        tracing::error!(attempt = %attempt.id, error = %e, "stored result is unreadable");
        AppError::internal()
    })?;
    let mut view = submit_response(&parsed, attempt.passed.unwrap_or(false), None);
    view.pending_grading = attempt.passed.is_none();
    Ok(Some(view))
}

/// An answer as the result page shows it: lines of sanitised HTML (the options chosen, the
/// pairs matched, the items in order, the text typed), or none when nothing was given.
pub fn answer_lines(
    q: &PresentedQuestion,
    answer: Option<&serde_json::Value>,
    yes_no: (&str, &str),
) -> Vec<String> {
    use hocvuso_course::markdown::escape_text;
    use serde_json::Value;
    let option = |id: &str| {
        q.options
            .iter()
            .find(|o| o.id == id)
            .map(|o| text_html(&o.text))
    };
    let Some(answer) = answer else {
        return Vec::new();
    };
    match (q.r#type, answer) {
        ("true_false", Value::Bool(b)) => vec![(if *b { yes_no.0 } else { yes_no.1 }).to_owned()],
        ("true_false", Value::String(s)) if s == "true" || s == "false" => {
            vec![(if s == "true" { yes_no.0 } else { yes_no.1 }).to_owned()]
        }
        ("ordering", Value::Array(ids)) => ids
            .iter()
            .filter_map(Value::as_str)
            .filter_map(option)
            .enumerate()
            .map(|(i, text)| format!("{}. {text}", i + 1))
            .collect(),
        (_, Value::Array(ids)) => ids
            .iter()
            .filter_map(Value::as_str)
            .filter_map(option)
            .collect(),
        ("matching", Value::Object(map)) => q
            .left
            .iter()
            .filter_map(|l| {
                let chosen = map.get(&l.id)?.as_str().and_then(option)?;
                Some(format!("{} → {chosen}", text_html(&l.text)))
            })
            .collect(),
        // A named place has its name; a tap has no words (the result says if it was right).
        ("hotspot", Value::Object(map)) => map
            .get("place")
            .and_then(Value::as_u64)
            .and_then(|i| q.image.as_ref()?.places.get(usize::try_from(i).ok()?))
            .map(|label| vec![escape_text(label)])
            .unwrap_or_default(),
        ("hotspot", _) => Vec::new(),
        (_, Value::String(s)) if !s.trim().is_empty() => {
            vec![escape_text(s.trim()).replace('\n', "<br>")]
        }
        (_, Value::Number(n)) => vec![match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
            _ => n.to_string().replace('.', ","),
        }],
        _ => Vec::new(),
    }
}
