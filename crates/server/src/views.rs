//! Server-rendered pages: tera templates embedded in the binary (one small binary to deploy),
//! with a `t(key=…)` function that reads the translation file.

use std::collections::HashMap;
use std::sync::OnceLock;

use tera::{Tera, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::AppError;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../web/templates/", $name)))),*]
    };
}

/// Every template, by name. A test renders each of them.
pub const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "macros.html",
    "nav.html",
    "forgot.html",
    "reset.html",
    "reset_slip.html",
    "home.html",
    "register.html",
    "login.html",
    "courses.html",
    "course.html",
    "lesson.html",
    "attempt.html",
    "result.html",
    "task.html",
    "task_step.html",
    "task_result.html",
    "progress.html",
    "certificates.html",
    "verify.html",
    "privacy.html",
    "admin.html",
    "instructor.html",
    "statistics.html",
    "bank_import.html",
    "essays.html",
    "error.html",
    "dashboard.html",
    "people.html",
    "targets.html",
    "assignments.html",
    "assignment.html",
    "due.html",
    "mentor.html",
    "assisted.html",
    "assisted_slip.html",
    "unit_targets.html",
    "profile.html",
    "account.html",
    "classes.html",
    "class.html",
    "check_in.html",
    "import.html",
    "activate.html",
    "issuer.html",
    "studio_macros.html",
    "studio.html",
    "studio_course.html",
    "studio_lesson.html",
    "studio_questions.html",
    "studio_media.html",
    "studio_review.html",
    "studio_history.html",
    "studio_compare.html",
    "studio_question.html",
    "studio_task.html",
    "my_data.html",
    "account_deleted.html",
    "audit.html",
    "settings.html",
    "offline.html",
    "search.html",
    "assistant.html",
    "unanswered.html",
    "login_code.html",
    "totp_enrol.html",
    "totp_codes.html",
    "guardian.html",
    "guardian_code.html",
    "guardian_ward.html",
    "oidc_link.html",
    "goal.html",
    "question_search.html",
);

pub const STYLESHEET: &str = include_str!("../../../web/static/site.css");

/// The lesson player's speed choice (progressive enhancement).
pub const NARRATION_SCRIPT: &str = include_str!("../../../web/static/narration.js");

pub struct Views {
    tera: Tera,
}

impl Views {
    pub fn new() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        tera.register_function("t", translate);
        tera.register_filter("number_vi", number_vi);
        tera.autoescape_on(vec![".html"]);
        Ok(Self { tera })
    }

    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, AppError> {
        self.tera.render(name, ctx).map_err(|e| {
            // Tera's error chain names the template and the missing variable.
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            tracing::error!(template = name, error = %msg, "template rendering failed");
            AppError::internal()
        })
    }
}

static VIEWS: OnceLock<Views> = OnceLock::new();

/// The process-wide templates (embedded, immutable; also used to render error pages, which have
/// no access to the application state).
pub fn global() -> &'static Views {
    VIEWS.get_or_init(|| match Views::new() {
        Ok(v) => v,
        // Templates are compiled into the binary and every one is rendered by a test.
        Err(e) => panic!("templates are invalid: {e:?}"),
    })
}

fn translate(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let key = args
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| tera::Error::msg("t() needs key=\"…\""))?;
    let mut text = crate::i18n::current().get(key).to_owned();
    // Placeholders: t(key="x", n=3) replaces {n}.
    for (k, v) in args {
        if k != "key" {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text = text.replace(&format!("{{{k}}}"), &v);
        }
    }
    Ok(Value::String(text))
}

/// A number as written in Vietnamese: decimal comma, no needless ".0" (87,5 and 100).
fn number_vi(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let n = value
        .as_f64()
        .ok_or_else(|| tera::Error::msg("number_vi needs a number"))?;
    Ok(Value::String(format_number_vi(n)))
}

pub fn format_number_vi(n: f64) -> String {
    let rounded = (n * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}").replace('.', ",")
    }
}

/// An instant in Vietnam's time (UTC+7 all year). Never panics: an instant whose local time
/// would fall outside the years the `time` crate can hold (a class dated 9999-12-31T20:00Z) is
/// shown as it is stored rather than taking the page down.
pub fn in_vietnam(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(time::macros::offset!(+7)).unwrap_or(t)
}

/// A time of day and date in Vietnam: 14:05 ngày 27/11/2026.
pub fn time_vi(t: OffsetDateTime) -> String {
    let v = in_vietnam(t);
    format!("{:02}:{:02} {}", v.hour(), v.minute(), date_vi(t))
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A date and time in Vietnam: 27/11/2026 14:05.
pub fn datetime_vi(t: OffsetDateTime) -> String {
    let t = in_vietnam(t);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// A date as people in Vietnam write it: 27/11/2026.
pub fn date_vi(t: OffsetDateTime) -> String {
    let t = in_vietnam(t);
    format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year())
}
