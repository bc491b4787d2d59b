//! Practice tasks ("Thực hành"): a sequence of screens of a made-up app, each with one thing the
//! learner must do (tap a widget, type into a field, choose an option, put steps in order).
//!
//! This module is the model and the rules, as plain functions: how a task file reads
//! (`tasks/NN-slug.toml`, `docs/content-format.md`), what is wrong with one (with lines), what a
//! learner is shown (never the answer), how one answer is graded, and what a list of graded
//! answers means (which step is next, which were right at the first try, passed or not).

use serde::{Deserialize, Serialize};
use toml::Spanned;

use hocvuso_assessment::grading::strip_diacritics;
use unicode_normalization::UnicodeNormalization;

use crate::ids::is_valid_id;

/// The share of steps that must be right at the first try when a task does not say.
pub const DEFAULT_PASS_PERCENT: u8 = 60;

/// Longest typed answer accepted (bytes): a field on a phone, not an essay.
pub const MAX_TYPED_BYTES: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// The slug of `NN-slug.toml`, stable forever (attempts point at it).
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The made-up app the screens belong to ("Ứng dụng Định danh").
    pub app: String,
    pub competences: Vec<String>,
    /// Percentage of steps that must be right at the first try (every step must be done).
    pub pass_percent: u8,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What the learner is asked to do on this screen.
    pub prompt: String,
    pub screen: Vec<Widget>,
    #[serde(skip)]
    pub action: Action,
    /// Shown after a wrong answer (a choice option may have its own).
    #[serde(skip)]
    pub feedback: String,
    /// Shown once the step is done: why this was right.
    #[serde(skip)]
    pub explain: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    /// The app's title bar.
    Title,
    Text,
    /// A text field: `label` above it, `text` its placeholder or current value.
    Field,
    Button,
    /// A list item: `text`, with `detail` on a second line.
    Item,
    /// A message bubble: `label` the sender, `text` the message, `detail` the time.
    Bubble,
    /// A payee or QR card: `label` the heading, `text` the name, `detail` account and bank.
    Payee,
    Link,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Widget {
    pub widget: WidgetKind,
    /// Authors name the widgets a step refers to; learners never see ids.
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a step asks, with its key. Never sent to a learner.
#[derive(Debug, Clone, Default)]
pub enum Action {
    /// Tap one of these widgets (positions in the screen).
    Tap(Vec<usize>),
    /// Type into the field at this position; any of `accepted` (compared normalised) is right.
    Type {
        field: usize,
        accepted: Vec<String>,
    },
    Choose(Vec<ChoiceOption>),
    /// Put these items in this order; they are shown in `shown_order`.
    Order(Vec<String>),
    #[default]
    Nothing,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    /// Feedback for choosing this option (when wrong: instead of the step's).
    #[serde(default)]
    pub feedback: Option<String>,
}

/// What the learner is asked, as they see it: kind and what to choose from, no key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ask {
    /// Every widget of the screen is a target: answer with its position.
    Tap,
    /// Type into the widget at `field`.
    Type { field: usize },
    /// Answer with an option's position.
    Choose { options: Vec<String> },
    /// Answer with the positions of `items`, in the order they should happen.
    Order { items: Vec<String> },
}

/// One answer to the current step. Positions are those of what the learner was shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Tap(usize),
    Text(String),
    Choice(usize),
    Order(Vec<usize>),
}

/// The grade of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepGrade {
    pub step: usize,
    pub correct: bool,
    /// What to read next: why it was wrong (and how to retry), or why it was right.
    pub feedback: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer does not fit the step")]
    WrongKind,
    #[error("the answer names nothing on the screen")]
    OutOfRange,
}

impl Step {
    /// What the learner sees of this step's question.
    pub fn ask(&self) -> Ask {
        match &self.action {
            Action::Tap(_) | Action::Nothing => Ask::Tap,
            Action::Type { field, .. } => Ask::Type { field: *field },
            Action::Choose(options) => Ask::Choose {
                options: options.iter().map(|o| o.text.clone()).collect(),
            },
            Action::Order(items) => Ask::Order {
                items: shown_order(items)
                    .into_iter()
                    .map(|i| items[i].clone())
                    .collect(),
            },
        }
    }

    /// Grades one answer to this step (`index` is the step's position in the task).
    pub fn grade(&self, index: usize, answer: &Answer) -> Result<StepGrade, AnswerError> {
        let wrong_feedback = |own: Option<&String>| own.unwrap_or(&self.feedback).clone();
        let (correct, own_feedback) = match (&self.action, answer) {
            (Action::Tap(targets), Answer::Tap(i)) => {
                if *i >= self.screen.len() {
                    return Err(AnswerError::OutOfRange);
                }
                (targets.contains(i), None)
            }
            (Action::Type { accepted, .. }, Answer::Text(text)) => {
                if text.len() > MAX_TYPED_BYTES {
                    return Err(AnswerError::OutOfRange);
                }
                let typed = normalise_typed(text);
                (accepted.iter().any(|a| normalise_typed(a) == typed), None)
            }
            (Action::Choose(options), Answer::Choice(i)) => {
                let option = options.get(*i).ok_or(AnswerError::OutOfRange)?;
                (option.correct, option.feedback.as_ref())
            }
            (Action::Order(items), Answer::Order(positions)) => {
                let shown = shown_order(items);
                let mut seen = vec![false; items.len()];
                if positions.len() != items.len() {
                    return Err(AnswerError::OutOfRange);
                }
                for &p in positions {
                    if p >= items.len() || std::mem::replace(&mut seen[p], true) {
                        return Err(AnswerError::OutOfRange);
                    }
                }
                let correct = positions
                    .iter()
                    .enumerate()
                    .all(|(rank, &p)| shown[p] == rank);
                (correct, None)
            }
            _ => return Err(AnswerError::WrongKind),
        };
        Ok(StepGrade {
            step: index,
            correct,
            feedback: if correct {
                self.explain.clone()
            } else {
                wrong_feedback(own_feedback)
            },
        })
    }
}

/// The order `items` (written in the right order) are shown in: alphabetical, so the file's order
/// never shows. The loader refuses a step whose alphabetical order is already the right one.
pub fn shown_order(items: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].cmp(&items[b]).then(a.cmp(&b)));
    order
}

/// How a typed answer is compared: NFC, no case, no diacritics (typed without an input method),
/// and blanks, dots and dashes ignored ("0912 345 678" = "0912.345.678").
pub fn normalise_typed(s: &str) -> String {
    let folded: String = s.nfc().collect::<String>().to_lowercase();
    strip_diacritics(&folded)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | ','))
        .collect()
}

/// Where a learner is in a task, from their graded answers in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskProgress {
    /// The step to do next; None when every step is done.
    pub current: Option<usize>,
    /// Per step: right at the first try (None: not answered yet).
    pub first_try: Vec<Option<bool>>,
    /// Answers given per step, right or wrong.
    pub tries: Vec<u32>,
    pub finished: bool,
    /// Steps right at the first try, as a percentage of all steps.
    pub first_try_percent: f64,
    /// Finished, and at least `pass_percent` of the steps right at the first try.
    pub passed: bool,
}

impl Task {
    /// Progress from the grades recorded so far, oldest first. A step is done when it has a
    /// right answer; steps are done in order, so grades of other steps than the current one
    /// (which the server refuses to record) are ignored.
    pub fn progress(&self, grades: &[StepGrade]) -> TaskProgress {
        let n = self.steps.len();
        let mut first_try = vec![None; n];
        let mut tries = vec![0u32; n];
        let mut current = 0;
        for g in grades {
            if current >= n || g.step != current {
                continue;
            }
            tries[current] += 1;
            if first_try[current].is_none() {
                first_try[current] = Some(g.correct);
            }
            if g.correct {
                current += 1;
            }
        }
        let finished = current >= n;
        let right = first_try.iter().filter(|t| **t == Some(true)).count();
        let first_try_percent = if n == 0 {
            0.0
        } else {
            (right as f64 * 1000.0 / n as f64).round() / 10.0
        };
        TaskProgress {
            current: (!finished).then_some(current),
            first_try,
            tries,
            finished,
            first_try_percent,
            passed: finished && first_try_percent >= f64::from(self.pass_percent),
        }
    }
}

// ---- The file format -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTask {
    pub title: Spanned<String>,
    #[serde(default)]
    pub summary: String,
    pub app: Spanned<String>,
    #[serde(default)]
    pub competences: Vec<Spanned<String>>,
    #[serde(default)]
    pub pass_percent: Option<Spanned<u8>>,
    #[serde(default, rename = "step")]
    pub steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub prompt: Spanned<String>,
    #[serde(default)]
    pub screen: Vec<Spanned<Widget>>,
    #[serde(default)]
    pub tap: Option<Spanned<Vec<String>>>,
    #[serde(default, rename = "type")]
    pub typed: Option<Spanned<RawType>>,
    #[serde(default)]
    pub choose: Option<Spanned<Vec<ChoiceOption>>>,
    #[serde(default)]
    pub order: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub feedback: Option<Spanned<String>>,
    #[serde(default)]
    pub explain: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawType {
    pub field: String,
    pub accepted: Vec<String>,
}

/// A problem in a task file: the byte span it is about (None: the file) and the message.
pub(crate) type TaskProblem = (Option<std::ops::Range<usize>>, String);

/// Turns a parsed task file into a task, or says everything that is wrong with it.
pub(crate) fn build(
    id: &str,
    raw: RawTask,
    course_competences: &[String],
) -> Result<Task, Vec<TaskProblem>> {
    let mut problems: Vec<TaskProblem> = Vec::new();
    let mut at = |span: std::ops::Range<usize>, msg: String| problems.push((Some(span), msg));
    if raw.title.get_ref().trim().is_empty() {
        at(raw.title.span(), "title is empty".into());
    }
    if raw.app.get_ref().trim().is_empty() {
        at(
            raw.app.span(),
            "app (the made-up app's name) is empty".into(),
        );
    }
    for c in &raw.competences {
        if !course_competences.contains(c.get_ref()) {
            at(
                c.span(),
                format!(
                    "competence \"{}\" is not one of the course's competences",
                    c.get_ref()
                ),
            );
        }
    }
    let pass_percent = match &raw.pass_percent {
        Some(p) if *p.get_ref() > 100 => {
            at(p.span(), "pass_percent must be between 0 and 100".into());
            DEFAULT_PASS_PERCENT
        }
        Some(p) => *p.get_ref(),
        None => DEFAULT_PASS_PERCENT,
    };
    let mut steps = Vec::new();
    for raw_step in &raw.steps {
        let span = raw_step.span();
        let s = raw_step.get_ref();
        steps.push(build_step(s, span, &mut at));
    }
    if steps.is_empty() {
        problems.push((None, "a task has at least one [[step]]".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Task {
        id: id.to_owned(),
        title: raw.title.into_inner(),
        summary: raw.summary,
        app: raw.app.into_inner(),
        competences: raw
            .competences
            .into_iter()
            .map(|c| c.into_inner())
            .collect(),
        pass_percent,
        steps,
    })
}

fn build_step(
    s: &RawStep,
    span: std::ops::Range<usize>,
    at: &mut impl FnMut(std::ops::Range<usize>, String),
) -> Step {
    if s.prompt.get_ref().trim().is_empty() {
        at(s.prompt.span(), "a step's prompt is empty".into());
    }
    let mut ids: Vec<&str> = Vec::new();
    for w in &s.screen {
        let widget = w.get_ref();
        if let Some(id) = &widget.id {
            if !is_valid_id(id) {
                at(w.span(), format!("widget id \"{id}\" is not a valid id"));
            } else if ids.contains(&id.as_str()) {
                at(
                    w.span(),
                    format!("widget id \"{id}\" is used twice on this screen"),
                );
            }
            ids.push(id);
        }
        if widget.text.trim().is_empty() && widget.widget != WidgetKind::Field {
            at(w.span(), "a widget needs its text".into());
        }
    }
    if s.screen.is_empty() {
        at(
            span.clone(),
            "a step needs a screen (one widget at least)".into(),
        );
    }
    let position = |id: &str| {
        s.screen
            .iter()
            .position(|w| w.get_ref().id.as_deref() == Some(id))
    };
    let actions = [
        s.tap.is_some(),
        s.typed.is_some(),
        s.choose.is_some(),
        s.order.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if actions != 1 {
        at(
            span.clone(),
            "a step asks exactly one thing: tap, type, choose or order".into(),
        );
    }
    let mut action = Action::Nothing;
    if let Some(tap) = &s.tap {
        let mut targets = Vec::new();
        for id in tap.get_ref() {
            match position(id) {
                Some(p) => targets.push(p),
                None => at(
                    tap.span(),
                    format!("tap names \"{id}\", which is not a widget id of this screen"),
                ),
            }
        }
        if tap.get_ref().is_empty() {
            at(tap.span(), "tap names no widget".into());
        }
        action = Action::Tap(targets);
    }
    if let Some(typed) = &s.typed {
        let t = typed.get_ref();
        match position(&t.field) {
            Some(p) if s.screen[p].get_ref().widget == WidgetKind::Field => {
                action = Action::Type {
                    field: p,
                    accepted: t.accepted.clone(),
                }
            }
            _ => at(
                typed.span(),
                format!(
                    "type.field \"{}\" is not a field widget of this screen",
                    t.field
                ),
            ),
        }
        if t.accepted.iter().all(|a| normalise_typed(a).is_empty()) {
            at(
                typed.span(),
                "type.accepted lists no answer that could be typed".into(),
            );
        }
    }
    if let Some(choose) = &s.choose {
        let options = choose.get_ref();
        if options.len() < 2 {
            at(choose.span(), "choose needs two options at least".into());
        }
        if !options.iter().any(|o| o.correct) {
            at(
                choose.span(),
                "choose has no option with correct = true".into(),
            );
        }
        if options.iter().any(|o| o.text.trim().is_empty()) {
            at(choose.span(), "a choose option is empty".into());
        }
        action = Action::Choose(options.clone());
    }
    if let Some(order) = &s.order {
        let items = order.get_ref();
        if items.len() < 2 {
            at(order.span(), "order needs two items at least".into());
        } else if items
            .iter()
            .enumerate()
            .any(|(i, x)| items[..i].contains(x))
        {
            at(order.span(), "order lists the same item twice".into());
        } else if shown_order(items).iter().enumerate().all(|(i, &p)| i == p) {
            at(
                order.span(),
                "order's items are already in alphabetical order, the order they are shown in: \
                 the right answer would be on the screen"
                    .into(),
            );
        }
        action = Action::Order(items.clone());
    }
    let feedback = s
        .feedback
        .as_ref()
        .map(|f| f.get_ref().trim().to_owned())
        .unwrap_or_default();
    if feedback.is_empty() {
        at(
            s.feedback.as_ref().map(|f| f.span()).unwrap_or(span),
            "a step needs feedback for a wrong answer".into(),
        );
    }
    Step {
        prompt: s.prompt.get_ref().clone(),
        screen: s.screen.iter().map(|w| w.get_ref().clone()).collect(),
        action,
        feedback,
        explain: s.explain.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(text: &str) -> Result<Task, Vec<TaskProblem>> {
        let raw: RawTask = toml::from_str(text).expect("parses");
        build("thu", raw, &["2.3".to_owned()])
    }

    const GOOD: &str = r#"
title = "Thử"
app = "Ứng dụng Định danh"
pass_percent = 50

[[step]]
prompt = "Chạm nút đăng nhập."
screen = [
  { widget = "title", text = "Ứng dụng Định danh" },
  { widget = "button", id = "dang-nhap", text = "Đăng nhập" },
]
tap = ["dang-nhap"]
feedback = "Tìm nút Đăng nhập."

[[step]]
prompt = "Nhập số điện thoại."
screen = [{ widget = "field", id = "sdt", label = "Số điện thoại" }]
type = { field = "sdt", accepted = ["0912 345 678"] }
feedback = "Nhập đúng số."

[[step]]
prompt = "Có nên đọc mã OTP cho người gọi điện không?"
screen = [{ widget = "text", text = "Mã OTP: 123456" }]
choose = [
  { text = "Có", feedback = "Không bao giờ." },
  { text = "Không", correct = true },
]
feedback = "Sai."

[[step]]
prompt = "Sắp xếp."
screen = [{ widget = "text", text = "Các bước" }]
order = ["Mở ứng dụng", "Đăng nhập", "Chọn dịch vụ"]
feedback = "Thứ tự chưa đúng."
"#;

    #[test]
    fn a_well_written_task_loads_with_its_steps() {
        let t = task(GOOD).expect("loads");
        assert_eq!(t.steps.len(), 4);
        assert_eq!(t.pass_percent, 50);
        assert_eq!(t.steps[0].ask(), Ask::Tap);
        assert_eq!(t.steps[1].ask(), Ask::Type { field: 0 });
    }

    #[test]
    fn taps_are_graded_by_the_position_of_the_widget() {
        let t = task(GOOD).expect("loads");
        assert!(
            t.steps[0]
                .grade(0, &Answer::Tap(1))
                .expect("graded")
                .correct
        );
        let wrong = t.steps[0].grade(0, &Answer::Tap(0)).expect("graded");
        assert!(!wrong.correct);
        assert_eq!(wrong.feedback, "Tìm nút Đăng nhập.");
        assert_eq!(
            t.steps[0].grade(0, &Answer::Tap(9)),
            Err(AnswerError::OutOfRange)
        );
        assert_eq!(
            t.steps[0].grade(0, &Answer::Choice(0)),
            Err(AnswerError::WrongKind)
        );
    }

    #[test]
    fn typed_answers_ignore_case_blanks_dots_and_diacritics() {
        let t = task(GOOD).expect("loads");
        for typed in ["0912345678", " 0912.345.678 ", "0912-345-678"] {
            assert!(
                t.steps[1]
                    .grade(1, &Answer::Text(typed.into()))
                    .expect("graded")
                    .correct
            );
        }
        assert!(
            !t.steps[1]
                .grade(1, &Answer::Text("0912345679".into()))
                .expect("graded")
                .correct
        );
        assert_eq!(normalise_typed("Nguyễn Văn Đức"), "nguyenvanduc");
    }

    #[test]
    fn a_wrong_choice_gets_its_own_feedback() {
        let t = task(GOOD).expect("loads");
        let g = t.steps[2].grade(2, &Answer::Choice(0)).expect("graded");
        assert!(!g.correct);
        assert_eq!(g.feedback, "Không bao giờ.");
        assert!(
            t.steps[2]
                .grade(2, &Answer::Choice(1))
                .expect("graded")
                .correct
        );
    }

    #[test]
    fn order_is_shown_alphabetically_and_graded_by_shown_positions() {
        let t = task(GOOD).expect("loads");
        let Ask::Order { items } = t.steps[3].ask() else {
            panic!("an order step")
        };
        assert_eq!(items, ["Chọn dịch vụ", "Mở ứng dụng", "Đăng nhập"]);
        // Right order: Mở ứng dụng (shown 1), Đăng nhập (shown 2), Chọn dịch vụ (shown 0).
        assert!(
            t.steps[3]
                .grade(3, &Answer::Order(vec![1, 2, 0]))
                .expect("graded")
                .correct
        );
        assert!(
            !t.steps[3]
                .grade(3, &Answer::Order(vec![0, 1, 2]))
                .expect("graded")
                .correct
        );
        assert_eq!(
            t.steps[3].grade(3, &Answer::Order(vec![1, 1, 0])),
            Err(AnswerError::OutOfRange)
        );
    }

    #[test]
    fn progress_counts_first_tries_and_passes_on_the_pass_rule() {
        let t = task(GOOD).expect("loads");
        let g = |step, correct| StepGrade {
            step,
            correct,
            feedback: String::new(),
        };
        let half = [
            g(0, true),
            g(1, false),
            g(1, true),
            g(2, true),
            g(3, false),
            g(3, true),
        ];
        let p = t.progress(&half);
        assert!(p.finished);
        assert_eq!(p.first_try_percent, 50.0);
        assert!(p.passed);
        assert_eq!(p.tries, [1, 2, 1, 2]);

        let p = t.progress(&half[..3]);
        assert_eq!(p.current, Some(2));
        assert!(!p.finished && !p.passed);

        let mostly_wrong = [
            g(0, false),
            g(0, true),
            g(1, false),
            g(1, true),
            g(2, true),
            g(3, false),
            g(3, true),
        ];
        let p = t.progress(&mostly_wrong);
        assert!(p.finished);
        assert!(!p.passed, "{p:?}");
    }

    #[test]
    fn a_step_that_asks_nothing_or_names_a_missing_widget_is_refused() {
        let bad = r#"
title = "Thử"
app = "Ứng dụng"
competences = ["9.9"]
[[step]]
prompt = "Chạm."
screen = [{ widget = "button", id = "a", text = "A" }]
tap = ["b"]
[[step]]
prompt = "Sắp xếp."
screen = [{ widget = "text", text = "x" }]
order = ["A", "B"]
feedback = "Sai."
"#;
        let problems = task(bad).expect_err("refused");
        let text: Vec<&str> = problems.iter().map(|(_, m)| m.as_str()).collect();
        assert!(text.iter().any(|m| m.contains("\"b\"")), "{text:?}");
        assert!(text.iter().any(|m| m.contains("feedback")), "{text:?}");
        assert!(text.iter().any(|m| m.contains("9.9")), "{text:?}");
        assert!(text.iter().any(|m| m.contains("alphabetical")), "{text:?}");
        assert!(problems.iter().all(|(span, _)| span.is_some()));
    }
}
