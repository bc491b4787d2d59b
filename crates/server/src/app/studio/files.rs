//! The course files as the studio's forms see them: `course.toml` as settings, a lesson as front
//! matter fields and a Markdown body. Reading keeps every key the form does not know (a
//! hand-written `draw_courses`, a lesson's `video`), so a course edited in the studio and one
//! edited by hand stay the same kind of file.

use serde::Serialize;

/// A quiz's settings as the course form shows them.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct QuizSettings {
    pub id: String,
    pub title: String,
    pub questions: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
}

/// `course.toml`'s fields as the course form shows them.
#[derive(Debug, Clone, Serialize, PartialEq, Default, utoipa::ToSchema)]
pub struct CourseSettings {
    pub title: String,
    pub summary: String,
    pub groups: Vec<String>,
    pub competences: Vec<String>,
    pub level: i64,
    pub minutes: i64,
    pub prerequisites: Vec<String>,
    pub quizzes: Vec<QuizSettings>,
}

pub fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn string(table: &toml::Table, key: &str) -> String {
    table
        .get(key)
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn integer(table: &toml::Table, key: &str, default: i64) -> i64 {
    table
        .get(key)
        .and_then(toml::Value::as_integer)
        .unwrap_or(default)
}

fn string_array(values: &[String]) -> toml::Value {
    toml::Value::Array(
        values
            .iter()
            .map(|v| toml::Value::String(v.clone()))
            .collect(),
    )
}

/// Reads `course.toml` (None when it is not TOML).
pub fn read_course(text: &str) -> Option<(toml::Table, CourseSettings)> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let quizzes = table
        .get("quiz")
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(toml::Value::as_table)
                .map(|q| QuizSettings {
                    id: string(q, "id"),
                    title: string(q, "title"),
                    questions: integer(q, "questions", 10),
                    pass_percent: integer(q, "pass_percent", 70),
                    max_attempts: integer(q, "max_attempts", 0),
                })
                .collect()
        })
        .unwrap_or_default();
    let settings = CourseSettings {
        title: string(&table, "title"),
        summary: string(&table, "summary"),
        groups: strings(&table, "groups"),
        competences: strings(&table, "competences"),
        level: integer(&table, "level", 1),
        minutes: integer(&table, "minutes", 30),
        prerequisites: strings(&table, "prerequisites"),
        quizzes,
    };
    Some((table, settings))
}

/// Writes `settings` over `table` (the file as it was), keeping every other key.
pub fn write_course(mut table: toml::Table, settings: &CourseSettings) -> String {
    use toml::Value;
    table.insert("title".into(), Value::String(settings.title.clone()));
    table.insert("summary".into(), Value::String(settings.summary.clone()));
    table.insert("groups".into(), string_array(&settings.groups));
    table.insert("competences".into(), string_array(&settings.competences));
    table.insert("level".into(), Value::Integer(settings.level));
    table.insert("minutes".into(), Value::Integer(settings.minutes));
    table.insert(
        "prerequisites".into(),
        string_array(&settings.prerequisites),
    );
    let old: Vec<toml::Table> = table
        .get("quiz")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).cloned().collect())
        .unwrap_or_default();
    let quizzes: Vec<Value> = settings
        .quizzes
        .iter()
        .map(|q| {
            let mut t = old
                .iter()
                .find(|o| o.get("id").and_then(Value::as_str) == Some(q.id.as_str()))
                .cloned()
                .unwrap_or_default();
            t.insert("id".into(), Value::String(q.id.clone()));
            t.insert("title".into(), Value::String(q.title.clone()));
            t.insert("questions".into(), Value::Integer(q.questions));
            t.insert("pass_percent".into(), Value::Integer(q.pass_percent));
            t.insert("max_attempts".into(), Value::Integer(q.max_attempts));
            Value::Table(t)
        })
        .collect();
    if quizzes.is_empty() {
        table.remove("quiz");
    } else {
        table.insert("quiz".into(), Value::Array(quizzes));
    }
    toml::to_string(&table).unwrap_or_default()
}

/// A lesson as the lesson form shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Default, utoipa::ToSchema)]
pub struct LessonDoc {
    pub title: String,
    pub minutes: i64,
    pub competences: Vec<String>,
    pub audio: String,
    pub sources: Vec<String>,
    pub body: String,
    /// Front-matter keys the form does not edit (`video`, `captions`), kept as they are.
    #[serde(skip)]
    #[schema(ignore)]
    pub rest: toml::Table,
}

/// Reads a lesson file (None when it has no `+++` front matter or it is not TOML).
pub fn read_lesson(text: &str) -> Option<LessonDoc> {
    let after = text.strip_prefix("+++")?;
    let after = after
        .strip_prefix('\n')
        .or_else(|| after.strip_prefix("\r\n"))?;
    let end = after.find("\n+++")?;
    let front = &after[..end];
    let body = after[end + 4..]
        .strip_prefix('\n')
        .or_else(|| after[end + 4..].strip_prefix("\r\n"))
        .unwrap_or(&after[end + 4..]);
    let mut table: toml::Table = toml::from_str(front).ok()?;
    let doc = LessonDoc {
        title: string(&table, "title"),
        minutes: integer(&table, "minutes", 5),
        competences: strings(&table, "competences"),
        audio: string(&table, "audio"),
        sources: strings(&table, "sources"),
        body: body.to_owned(),
        rest: Default::default(),
    };
    for key in ["title", "minutes", "competences", "audio", "sources"] {
        table.remove(key);
    }
    Some(LessonDoc { rest: table, ..doc })
}

/// Writes a lesson file: front matter, then the body (ending with one line break).
pub fn write_lesson(doc: &LessonDoc) -> String {
    use toml::Value;
    let mut table = toml::Table::new();
    table.insert("title".into(), Value::String(doc.title.clone()));
    table.insert("minutes".into(), Value::Integer(doc.minutes));
    table.insert("competences".into(), string_array(&doc.competences));
    if !doc.audio.trim().is_empty() {
        table.insert("audio".into(), Value::String(doc.audio.trim().to_owned()));
    }
    if !doc.sources.is_empty() {
        table.insert("sources".into(), string_array(&doc.sources));
    }
    for (k, v) in &doc.rest {
        table.insert(k.clone(), v.clone());
    }
    let front = toml::to_string(&table).unwrap_or_default();
    let body = doc.body.replace("\r\n", "\n");
    format!("+++\n{front}+++\n{}\n", body.trim_end())
}

/// Puts `block` (a paragraph of Markdown) before the lesson's `## Ghi nhớ` section (which ends
/// every lesson), or at the end when there is none.
pub fn insert_before_summary(body: &str, block: &str) -> String {
    match body.find("\n## Ghi nhớ") {
        Some(at) => format!(
            "{}\n\n{}\n{}",
            body[..at].trim_end(),
            block.trim(),
            &body[at..]
        ),
        None => format!("{}\n\n{}\n", body.trim_end(), block.trim()),
    }
}

/// A lesson file name `NN-slug.md` split into its number and slug.
pub fn lesson_name(file: &str) -> Option<(u32, &str)> {
    let stem = file.strip_suffix(".md")?;
    let (number, slug) = stem.split_once('-')?;
    Some((number.parse().ok()?, slug))
}

/// A template's files for a new course: one lesson, no bank yet. It passes the content check as
/// it is, so the first save starts from a course that loads.
pub fn template(title: &str, group: &str, competence: &str) -> Vec<(String, Vec<u8>)> {
    let settings = CourseSettings {
        title: title.to_owned(),
        summary: "Khóa học mới: hãy viết một câu giới thiệu khóa học cho người học.".into(),
        groups: vec![group.to_owned()],
        competences: vec![competence.to_owned()],
        level: 1,
        minutes: 30,
        prerequisites: Vec::new(),
        quizzes: Vec::new(),
    };
    let lesson = LessonDoc {
        title: "Bài mở đầu".into(),
        minutes: 5,
        competences: vec![competence.to_owned()],
        body: "Viết nội dung bài học ở đây.\n\n## Ghi nhớ\n- Điều quan trọng nhất của bài.".into(),
        ..Default::default()
    };
    vec![
        (
            "course.toml".into(),
            write_course(toml::Table::new(), &settings).into_bytes(),
        ),
        (
            "lessons/01-bai-mo-dau.md".into(),
            write_lesson(&lesson).into_bytes(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesson_reads_and_writes_back_the_same() {
        let text = "+++\ntitle = \"A\"\nminutes = 5\ncompetences = [\"1.1\"]\nvideo = \"media/v.mp4\"\n+++\nThân bài.\n\n## Ghi nhớ\n- x\n";
        let doc = read_lesson(text).expect("lesson");
        assert_eq!(doc.title, "A");
        assert_eq!(doc.body, "Thân bài.\n\n## Ghi nhớ\n- x\n");
        let again = read_lesson(&write_lesson(&doc)).expect("again");
        assert_eq!(again, doc);
    }

    #[test]
    fn course_settings_keep_unknown_keys() {
        let text = "title = \"T\"\nsummary = \"S\"\ngroups = [\"citizen\"]\nlevel = 2\nminutes = 40\ntasks_required = true\n\n[[quiz]]\nid = \"q\"\ntitle = \"Q\"\nquestions = 3\ndraw_courses = [\"x\"]\n";
        let (table, mut s) = read_course(text).expect("course");
        s.title = "Mới".into();
        s.quizzes[0].questions = 5;
        let out = write_course(table, &s);
        assert!(out.contains("tasks_required = true"), "{out}");
        assert!(out.contains("draw_courses"), "{out}");
        let (_, again) = read_course(&out).expect("again");
        assert_eq!(again, s);
    }

    #[test]
    fn blocks_go_before_the_summary() {
        let body = "Một.\n\n## Ghi nhớ\n- x\n";
        assert_eq!(
            insert_before_summary(body, "![Hình](media/a.png)"),
            "Một.\n\n![Hình](media/a.png)\n\n## Ghi nhớ\n- x\n"
        );
    }
}
