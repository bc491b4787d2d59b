//! What a practice task looks like to the learner: the views both the pages and the API render.

use serde::Serialize;
use utoipa::ToSchema;

use hocvuso_course::task::{Ask, StepGrade, WidgetKind};

use crate::app::practice::{TaskRow, TaskState};

#[derive(Serialize, ToSchema)]
pub struct TaskItem {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The made-up app the task's screens show.
    pub app: String,
    pub steps: usize,
    /// Percentage of steps that must be right at the first try.
    pub pass_percent: u8,
    /// Passing it is needed to complete the course.
    pub required: bool,
    pub passed: bool,
    /// The open attempt, to resume.
    pub in_progress: Option<String>,
}

impl From<&TaskRow<'_>> for TaskItem {
    fn from(r: &TaskRow<'_>) -> Self {
        Self {
            id: r.task.id.clone(),
            title: r.task.title.clone(),
            summary: r.task.summary.clone(),
            app: r.task.app.clone(),
            steps: r.task.steps.len(),
            pass_percent: r.task.pass_percent,
            required: r.required,
            passed: r.passed,
            in_progress: r.in_progress.clone(),
        }
    }
}

/// One widget of a screen, in screen order; `position` is what a tap answers with.
#[derive(Serialize, ToSchema)]
pub struct WidgetView {
    pub position: usize,
    /// title, text, field, button, item, bubble, payee, link.
    pub widget: String,
    pub text: String,
    pub label: Option<String>,
    pub detail: Option<String>,
}

/// What the current step asks.
#[derive(Serialize, ToSchema)]
pub struct AskView {
    /// `tap`: answer `{"tap": position}` of any widget. `type`: `{"text": "…"}` into the widget
    /// at `field`. `choose`: `{"choice": i}` of `options`. `order`: `{"order": [i, …]}`, the
    /// positions of `options` in the order they should happen.
    pub kind: String,
    pub field: Option<usize>,
    pub options: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    /// 0-based.
    pub index: usize,
    pub prompt: String,
    pub screen: Vec<WidgetView>,
    pub ask: AskView,
}

#[derive(Serialize, ToSchema)]
pub struct GradeView {
    pub step: usize,
    pub correct: bool,
    /// Why it was wrong and what to look at (retry the same step), or why it was right.
    pub feedback: String,
}

impl From<&StepGrade> for GradeView {
    fn from(g: &StepGrade) -> Self {
        Self {
            step: g.step,
            correct: g.correct,
            feedback: g.feedback.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskAttemptView {
    pub attempt_id: String,
    pub course_id: String,
    pub task_id: String,
    pub title: String,
    pub app: String,
    /// in_progress or graded.
    pub state: String,
    pub steps_total: usize,
    pub pass_percent: u8,
    /// The step to do now; absent when the attempt is finished.
    pub step: Option<StepView>,
    /// Per step: right at the first try (null: not answered yet).
    pub first_try: Vec<Option<bool>>,
    /// Steps right at the first try, in percent (once finished).
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    /// The latest answer's grade.
    pub last: Option<GradeView>,
}

pub fn widget_name(kind: WidgetKind) -> &'static str {
    match kind {
        WidgetKind::Title => "title",
        WidgetKind::Text => "text",
        WidgetKind::Field => "field",
        WidgetKind::Button => "button",
        WidgetKind::Item => "item",
        WidgetKind::Bubble => "bubble",
        WidgetKind::Payee => "payee",
        WidgetKind::Link => "link",
    }
}

pub fn step_view(s: &TaskState<'_>) -> Option<StepView> {
    let index = s.progress.current?;
    let step = s.task.steps.get(index)?;
    let ask = match step.ask() {
        Ask::Tap => AskView {
            kind: "tap".into(),
            field: None,
            options: Vec::new(),
        },
        Ask::Type { field } => AskView {
            kind: "type".into(),
            field: Some(field),
            options: Vec::new(),
        },
        Ask::Choose { options } => AskView {
            kind: "choose".into(),
            field: None,
            options,
        },
        Ask::Order { items } => AskView {
            kind: "order".into(),
            field: None,
            options: items,
        },
    };
    Some(StepView {
        index,
        prompt: step.prompt.clone(),
        screen: step
            .screen
            .iter()
            .enumerate()
            .map(|(position, w)| WidgetView {
                position,
                widget: widget_name(w.widget).into(),
                text: w.text.clone(),
                label: w.label.clone(),
                detail: w.detail.clone(),
            })
            .collect(),
        ask,
    })
}

pub fn attempt_view(s: &TaskState<'_>) -> TaskAttemptView {
    TaskAttemptView {
        attempt_id: s.attempt.id.clone(),
        course_id: s.course.id.clone(),
        task_id: s.task.id.clone(),
        title: s.task.title.clone(),
        app: s.task.app.clone(),
        state: s.attempt.state.as_str().to_owned(),
        steps_total: s.task.steps.len(),
        pass_percent: s.task.pass_percent,
        step: step_view(s),
        first_try: s.progress.first_try.clone(),
        score_percent: s.attempt.score_percent,
        passed: s.attempt.passed,
        last: s.last.as_ref().map(GradeView::from),
    }
}
