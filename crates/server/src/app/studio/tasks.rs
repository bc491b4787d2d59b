//! Practice tasks (`tasks/NN-slug.toml`, `docs/content-format.md`) as a form: the task's
//! fields, and per step the prompt, the screen's widgets top to bottom, what the learner must
//! do and the feedback. The loader checks the rest on save (ids on the screen, an order that
//! is not already alphabetical, …), with the file's lines, like any other file of the course.

use serde::{Deserialize, Serialize};

use hocvuso_store::User;

use super::{Refusal, Result, Saved};
use crate::error::AppError;
use crate::state::AppState;

/// The widget kinds a screen may have.
pub const WIDGETS: [&str; 8] = [
    "title", "text", "field", "button", "item", "bubble", "payee", "link",
];
/// What a step may ask.
pub const ASKS: [&str; 4] = ["tap", "type", "choose", "order"];

/// A widget row of a screen; an empty row (no text, no label) is left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct WidgetRow {
    pub widget: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub detail: String,
}

/// A step as the form shows it. `answer` depends on `ask`: `tap`, the widget ids (commas);
/// `type`, the accepted answers (one a line) typed into the widget `field`; `choose`, one
/// option a line, the right one starting with `*`, an option's own feedback after ` | `;
/// `order`, the items in the right order, one a line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct StepForm {
    pub prompt: String,
    pub screen: Vec<WidgetRow>,
    pub ask: String,
    #[serde(default)]
    pub field: String,
    pub answer: String,
    #[serde(default)]
    pub feedback: String,
    #[serde(default)]
    pub explain: String,
}

/// A practice task as the form shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TaskForm {
    /// The task's id: the slug of its file name (for a new task, the one to use).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub app: String,
    /// Competence codes, separated by spaces or commas.
    #[serde(default)]
    pub competences: String,
    #[serde(default)]
    pub pass_percent: i64,
    pub steps: Vec<StepForm>,
}

/// A task of the draft's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskRow {
    pub file: String,
    pub id: String,
    pub title: String,
}

use super::files::string as s;

/// The strings of an array value (a list of ids, of accepted answers).
fn strings(value: Option<&toml::Value>) -> Vec<String> {
    let mut t = toml::Table::new();
    if let Some(v) = value {
        t.insert("v".into(), v.clone());
    }
    super::files::strings(&t, "v")
}

/// The task file's name parts (`01-slug.toml` → 1, `slug`).
pub fn task_name(file: &str) -> Option<(u32, &str)> {
    let stem = file.strip_suffix(".toml")?;
    let (n, slug) = stem.split_once('-')?;
    Some((n.parse().ok()?, slug)).filter(|(_, s)| hocvuso_course::ids::is_valid_id(s))
}

/// The practice tasks of the draft, in file order.
pub fn rows(draft: &super::DraftView) -> Vec<TaskRow> {
    draft
        .files
        .iter()
        .filter_map(|(path, bytes)| {
            let file = path.strip_prefix("tasks/")?;
            let (_, id) = task_name(file)?;
            let table: toml::Table = toml::from_str(&String::from_utf8_lossy(bytes)).ok()?;
            Some(TaskRow {
                file: file.to_owned(),
                id: id.to_owned(),
                title: s(&table, "title"),
            })
        })
        .collect()
}

impl TaskForm {
    /// Reads a task file (its unknown keys are kept by `write`).
    pub fn read(file: &str, text: &str) -> Option<(toml::Table, Self)> {
        let table: toml::Table = toml::from_str(text).ok()?;
        let steps = table
            .get("step")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_table)
                    .map(step_form)
                    .collect()
            })
            .unwrap_or_default();
        let form = TaskForm {
            id: task_name(file)
                .map(|(_, s)| s.to_owned())
                .unwrap_or_default(),
            title: s(&table, "title"),
            summary: s(&table, "summary"),
            app: s(&table, "app"),
            competences: strings(table.get("competences")).join(" "),
            pass_percent: table
                .get("pass_percent")
                .and_then(toml::Value::as_integer)
                .unwrap_or(i64::from(hocvuso_course::task::DEFAULT_PASS_PERCENT)),
            steps,
        };
        Some((table, form))
    }

    /// The steps that have anything in them: a step left blank is no step.
    fn filled_steps(&self) -> impl Iterator<Item = &StepForm> {
        self.steps.iter().filter(|st| {
            !st.prompt.trim().is_empty()
                || !st.answer.trim().is_empty()
                || st.screen.iter().any(|w| !w.text.trim().is_empty())
        })
    }

    /// Writes the form over `table` (the file as it was), keeping the keys it does not edit.
    pub fn write(&self, mut table: toml::Table) -> Result<String> {
        use toml::Value;
        if self.title.trim().is_empty() {
            return Err(Refusal::at("title", "studio_title_required"));
        }
        let mut steps = Vec::new();
        for st in self.filled_steps() {
            steps.push(Value::Table(step_table(st)?));
        }
        if steps.is_empty() {
            return Err(Refusal::at("steps", "studio_task_step"));
        }
        let put = |t: &mut toml::Table, k: &str, v: &str| {
            if v.trim().is_empty() {
                t.remove(k);
            } else {
                t.insert(k.into(), Value::String(v.trim().to_owned()));
            }
        };
        put(&mut table, "title", &self.title);
        put(&mut table, "summary", &self.summary);
        put(&mut table, "app", &self.app);
        let codes: Vec<Value> = self
            .competences
            .split([' ', ','])
            .filter(|c| !c.is_empty())
            .map(|c| Value::String(c.to_owned()))
            .collect();
        if codes.is_empty() {
            table.remove("competences");
        } else {
            table.insert("competences".into(), Value::Array(codes));
        }
        if !(1..=100).contains(&self.pass_percent) {
            return Err(Refusal::at("pass_percent", "studio_bad_number"));
        }
        table.insert("pass_percent".into(), Value::Integer(self.pass_percent));
        table.insert("step".into(), Value::Array(steps));
        toml::to_string(&table).map_err(|e| AppError::internal_because("studio task", e).into())
    }
}

fn step_form(t: &toml::Table) -> StepForm {
    let screen = t
        .get("screen")
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(toml::Value::as_table)
                .map(|w| WidgetRow {
                    widget: s(w, "widget"),
                    id: s(w, "id"),
                    label: s(w, "label"),
                    text: s(w, "text"),
                    detail: s(w, "detail"),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut form = StepForm {
        prompt: s(t, "prompt"),
        screen,
        feedback: s(t, "feedback"),
        explain: s(t, "explain"),
        ..Default::default()
    };
    if let Some(tap) = t.get("tap") {
        form.ask = "tap".into();
        form.answer = strings(Some(tap)).join(", ");
    } else if let Some(typed) = t.get("type").and_then(toml::Value::as_table) {
        form.ask = "type".into();
        form.field = s(typed, "field");
        form.answer = strings(typed.get("accepted")).join("\n");
    } else if let Some(options) = t.get("choose").and_then(toml::Value::as_array) {
        form.ask = "choose".into();
        form.answer = options
            .iter()
            .filter_map(toml::Value::as_table)
            .map(|o| {
                let right = o.get("correct").and_then(toml::Value::as_bool) == Some(true);
                let feedback = s(o, "feedback");
                format!(
                    "{}{}{}",
                    if right { "* " } else { "" },
                    s(o, "text"),
                    if feedback.is_empty() {
                        String::new()
                    } else {
                        format!(" | {feedback}")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
    } else if let Some(order) = t.get("order") {
        form.ask = "order".into();
        form.answer = strings(Some(order)).join("\n");
    }
    form
}

fn lines(s: &str) -> impl Iterator<Item = &str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn step_table(st: &StepForm) -> Result<toml::Table> {
    use toml::Value;
    let screen: Vec<Value> = st
        .screen
        .iter()
        .filter(|w| !w.text.trim().is_empty() || !w.label.trim().is_empty())
        .map(|w| {
            let mut t = toml::Table::new();
            t.insert("widget".into(), Value::String(w.widget.clone()));
            for (k, v) in [
                ("id", &w.id),
                ("label", &w.label),
                ("text", &w.text),
                ("detail", &w.detail),
            ] {
                if !v.trim().is_empty() {
                    t.insert(k.into(), Value::String(v.trim().to_owned()));
                }
            }
            Value::Table(t)
        })
        .collect();
    if st.prompt.trim().is_empty() || screen.is_empty() || st.answer.trim().is_empty() {
        return Err(Refusal::at("steps", "studio_task_step"));
    }
    let mut t = toml::Table::new();
    t.insert("prompt".into(), Value::String(st.prompt.trim().to_owned()));
    t.insert("screen".into(), Value::Array(screen));
    let list = |items: Vec<&str>| Value::Array(items.into_iter().map(|i| i.into()).collect());
    match st.ask.as_str() {
        "tap" => {
            let ids = st.answer.split([',', ' ']).filter(|i| !i.is_empty());
            t.insert("tap".into(), list(ids.collect()));
        }
        "type" => {
            let mut typed = toml::Table::new();
            typed.insert("field".into(), Value::String(st.field.trim().to_owned()));
            typed.insert("accepted".into(), list(lines(&st.answer).collect()));
            t.insert("type".into(), Value::Table(typed));
        }
        "choose" => {
            let options = lines(&st.answer)
                .map(|l| {
                    let (right, l) = match l.strip_prefix('*') {
                        Some(rest) => (true, rest.trim()),
                        None => (false, l),
                    };
                    let (text, feedback) = l.split_once(" | ").unwrap_or((l, ""));
                    let mut o = toml::Table::new();
                    o.insert("text".into(), Value::String(text.trim().to_owned()));
                    if right {
                        o.insert("correct".into(), Value::Boolean(true));
                    }
                    if !feedback.trim().is_empty() {
                        o.insert("feedback".into(), Value::String(feedback.trim().to_owned()));
                    }
                    Value::Table(o)
                })
                .collect();
            t.insert("choose".into(), Value::Array(options));
        }
        "order" => {
            t.insert("order".into(), list(lines(&st.answer).collect()));
        }
        _ => return Err(Refusal::at("steps", "studio_task_step")),
    }
    t.insert(
        "feedback".into(),
        Value::String(st.feedback.trim().to_owned()),
    );
    if !st.explain.trim().is_empty() {
        t.insert(
            "explain".into(),
            Value::String(st.explain.trim().to_owned()),
        );
    }
    Ok(t)
}

/// The task `file` of the draft, as a form.
pub async fn task(state: &AppState, user: &User, course: &str, file: &str) -> Result<TaskForm> {
    let draft = super::draft(state, user, course).await?;
    let text = draft
        .text(&format!("tasks/{file}"))
        .ok_or_else(AppError::not_found)?;
    let (_, form) = TaskForm::read(file, &text).ok_or_else(AppError::not_found)?;
    Ok(form)
}

/// Saves the form as task `file` (None: a new task after the others, named by `form.id`), or
/// removes it when `form` is None. Checked like every save: the loader reads the task.
pub async fn save_task(
    state: &AppState,
    user: &User,
    course: &str,
    revision: i64,
    file: Option<&str>,
    form: Option<&TaskForm>,
) -> Result<(Saved, String)> {
    let draft = super::draft(state, user, course).await?;
    if !draft.rights.edit {
        return Err(AppError::forbidden().into());
    }
    let tasks = rows(&draft);
    let name = match file {
        Some(f) => {
            if !tasks.iter().any(|t| t.file == f) {
                return Err(AppError::not_found().into());
            }
            f.to_owned()
        }
        None => {
            let id = form.map(|f| f.id.trim()).unwrap_or_default();
            if !hocvuso_course::ids::is_valid_id(id) || id.len() > 60 {
                return Err(Refusal::at("id", "studio_invalid_id"));
            }
            let quiz = draft.settings.quizzes.iter().any(|q| q.id == id);
            if quiz || tasks.iter().any(|t| t.id == id) {
                return Err(Refusal::at("id", "studio_duplicate_id"));
            }
            let next = tasks
                .iter()
                .filter_map(|t| task_name(&t.file).map(|(n, _)| n))
                .max()
                .unwrap_or(0)
                + 1;
            format!("{next:02}-{id}.toml")
        }
    };
    let path = format!("tasks/{name}");
    let bytes = match form {
        Some(form) => {
            let table = draft
                .text(&path)
                .and_then(|t| TaskForm::read(&name, &t))
                .map(|(t, _)| t)
                .unwrap_or_default();
            Some(form.write(table)?.into_bytes())
        }
        None => None,
    };
    let saved = super::save(state, user, course, revision, vec![(path, bytes)]).await?;
    Ok((saved, name))
}

/// A new task's form: one step to fill in.
pub fn blank() -> TaskForm {
    TaskForm {
        pass_percent: i64::from(hocvuso_course::task::DEFAULT_PASS_PERCENT),
        steps: vec![StepForm {
            ask: "tap".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = r#"title = "Trả tiền"
app = "Ngân hàng Sông Hồng"
competences = ["4.2"]
pass_percent = 75
extra = "giữ lại"

[[step]]
prompt = "Chạm vào chỗ quét mã."
screen = [
  { widget = "title", text = "Ngân hàng" },
  { widget = "button", id = "quet-qr", text = "Quét mã QR" },
]
tap = ["quet-qr"]
feedback = "Tìm nút quét."

[[step]]
prompt = "Bạn làm gì?"
screen = [{ widget = "payee", label = "Người nhận", text = "TRAN VAN HUNG" }]
choose = [
  { text = "Cứ xác nhận", feedback = "Dừng lại." },
  { text = "Hỏi lại", correct = true },
]
feedback = "Dừng lại."
"#;

    #[test]
    fn a_task_round_trips_through_its_form() {
        let (table, form) = TaskForm::read("01-tra-tien.toml", TASK).expect("in the test");
        assert_eq!(form.id, "tra-tien");
        assert_eq!(form.steps[1].answer, "Cứ xác nhận | Dừng lại.\n* Hỏi lại");
        let written = form.write(table).expect("in the test");
        let (again_table, again) =
            TaskForm::read("01-tra-tien.toml", &written).expect("in the test");
        assert_eq!(again, form);
        assert_eq!(s(&again_table, "extra"), "giữ lại");
    }
}
