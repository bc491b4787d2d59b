//! Loading a content folder: parse every file, check every cross-reference, collect every
//! problem. Either the whole folder is accepted (a `Catalog`) or the caller gets all problems.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use hocvuso_assessment::model::QuestionKind;
use hocvuso_assessment::{gift, paper, toml_bank};

use crate::groups::QuizRef;
use crate::ids::is_valid_id;
use crate::item_rules::{self, QuestionSource};
use crate::lesson::{self, FrontMatter};
use crate::markdown;
use crate::source::{self, Source};
use crate::task::{self, Task};
use crate::translation;
use crate::{Catalog, Course, Framework, Group, Lesson, Problems, Quiz};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroups {
    #[serde(default, rename = "group")]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    path: Vec<Spanned<String>>,
    #[serde(default)]
    final_quiz: Option<Spanned<String>>,
    #[serde(default)]
    placement: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourse {
    title: String,
    summary: String,
    groups: Vec<Spanned<String>>,
    #[serde(default)]
    competences: Vec<Spanned<String>>,
    level: Spanned<u8>,
    minutes: u32,
    #[serde(default)]
    prerequisites: Vec<Spanned<String>>,
    #[serde(default, rename = "quiz")]
    quizzes: Vec<RawQuiz>,
    /// Extension: every practice task of the course must be passed to complete it.
    #[serde(default)]
    tasks_required: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    after: Option<Spanned<String>>,
    questions: Spanned<usize>,
    #[serde(default)]
    draw: Vec<Spanned<String>>,
    #[serde(default = "default_pass_percent")]
    pass_percent: Spanned<u8>,
    #[serde(default)]
    max_attempts: u32,
    #[serde(default = "default_true")]
    shuffle: bool,
    #[serde(default)]
    draw_courses: Vec<Spanned<String>>,
    #[serde(default)]
    mode: crate::QuizMode,
    #[serde(default)]
    time_limit_minutes: u32,
    #[serde(default)]
    on_timeout: crate::OnTimeout,
    #[serde(default)]
    cooldown_minutes: u32,
    #[serde(default)]
    per_competence: usize,
    #[serde(default)]
    essays: bool,
    #[serde(default)]
    draw_counts: BTreeMap<String, Spanned<usize>>,
}

fn default_pass_percent() -> Spanned<u8> {
    Spanned::new(0..0, 70)
}

fn default_true() -> bool {
    true
}

/// What a file-level check needs: where problems go and how to turn spans into lines.
struct FileCtx<'a> {
    rel: PathBuf,
    src: &'a Source,
    /// Offset of the parsed text within the file (front matter of lessons).
    base: usize,
}

impl FileCtx<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> Option<usize> {
        let span = s.span();
        (span.end > 0).then(|| self.src.line_of(self.base + span.start))
    }

    fn at<T>(&self, problems: &mut Problems, s: &Spanned<T>, msg: impl Into<String>) {
        problems.push(&self.rel, self.line(s), msg);
    }
}

fn parse_toml<T: DeserializeOwned>(
    text: &str,
    ctx: &FileCtx<'_>,
    problems: &mut Problems,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.span().map(|s| ctx.src.line_of(ctx.base + s.start));
            problems.push(&ctx.rel, line, e.message().to_owned());
            None
        }
    }
}

/// Reads and validates a content folder.
pub fn load(root: &Path) -> Result<Catalog, Problems> {
    let mut problems = Problems::default();
    let mut hasher = Sha256::new();

    let framework = load_framework(root, &mut problems, &mut hasher);
    let (groups, group_refs) = load_groups(root, &mut problems, &mut hasher);

    let mut courses = BTreeMap::new();
    let mut course_refs = BTreeMap::new();
    let courses_dir = root.join("courses");
    match sorted_entries(&courses_dir) {
        Ok(entries) => {
            for (name, path) in entries {
                let rel = PathBuf::from("courses").join(&name);
                if !path.is_dir() {
                    continue;
                }
                if !is_valid_id(&name) {
                    problems.push(
                        &rel,
                        None,
                        "course folder name must be a lower-case id (a-z, 0-9, '-')",
                    );
                    continue;
                }
                if let Some((course, refs)) = load_course(root, &name, &mut problems) {
                    hasher.update(course.id.as_bytes());
                    hasher.update(course.version.as_bytes());
                    course_refs.insert(name.clone(), refs);
                    courses.insert(name, course);
                }
            }
        }
        Err(e) => problems.push(
            Path::new("courses"),
            None,
            format!("cannot read folder: {e}"),
        ),
    }

    link_quiz_banks(&mut courses, &course_refs, &mut problems);

    if let Some(framework) = &framework {
        check_references(
            &framework.0,
            &groups,
            &group_refs,
            &courses,
            &course_refs,
            &mut problems,
        );
    }

    match framework {
        Some((framework, _)) if problems.is_empty() => Ok(Catalog {
            framework,
            groups,
            courses,
            version: hex::encode(&hasher.finalize()[..8]),
        }),
        _ => Err(problems),
    }
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        out.push((name, entry.path()));
    }
    out.sort();
    Ok(out)
}

fn load_framework(
    root: &Path,
    problems: &mut Problems,
    hasher: &mut Sha256,
) -> Option<(Framework, ())> {
    let rel = PathBuf::from("framework.toml");
    let src = source::read(root, &rel, problems)?;
    hasher.update(src.text.as_bytes());
    let ctx = FileCtx {
        rel: rel.clone(),
        src: &src,
        base: 0,
    };
    let framework: Framework = parse_toml(&src.text, &ctx, problems)?;
    for msg in framework.check() {
        problems.push(&rel, None, msg);
    }
    Some((framework, ()))
}

/// References from groups.toml, kept with their lines for the cross-checks.
struct GroupRefs {
    rel: PathBuf,
    src: Source,
    raw: Vec<RawGroup>,
}

fn load_groups(
    root: &Path,
    problems: &mut Problems,
    hasher: &mut Sha256,
) -> (Vec<Group>, Option<GroupRefs>) {
    let rel = PathBuf::from("groups.toml");
    let Some(src) = source::read(root, &rel, problems) else {
        return (Vec::new(), None);
    };
    hasher.update(src.text.as_bytes());
    let ctx = FileCtx {
        rel: rel.clone(),
        src: &src,
        base: 0,
    };
    let Some(raw) = parse_toml::<RawGroups>(&src.text, &ctx, problems) else {
        return (Vec::new(), None);
    };
    let mut seen = BTreeSet::new();
    let mut groups = Vec::new();
    for g in &raw.groups {
        if !is_valid_id(g.id.get_ref()) {
            ctx.at(
                problems,
                &g.id,
                format!("group id \"{}\" is not a valid id", g.id.get_ref()),
            );
        }
        if !seen.insert(g.id.get_ref().clone()) {
            ctx.at(
                problems,
                &g.id,
                format!("group \"{}\" is defined twice", g.id.get_ref()),
            );
        }
        let final_quiz = g.final_quiz.as_ref().and_then(|f| {
            let parsed = QuizRef::parse(f.get_ref());
            if parsed.is_none() {
                ctx.at(
                    problems,
                    f,
                    "final_quiz must be written <course-id>/<quiz-id>",
                );
            }
            parsed
        });
        let placement = g.placement.as_ref().and_then(|f| {
            let parsed = QuizRef::parse(f.get_ref());
            if parsed.is_none() {
                ctx.at(
                    problems,
                    f,
                    "placement must be written <course-id>/<quiz-id>",
                );
            }
            parsed
        });
        groups.push(Group {
            placement,
            id: g.id.get_ref().clone(),
            title: g.title.clone(),
            description: g.description.clone(),
            path: g.path.iter().map(|p| p.get_ref().clone()).collect(),
            final_quiz,
        });
    }
    if groups.is_empty() {
        problems.push(&rel, None, "no [[group]] is defined");
    }
    (
        groups,
        Some(GroupRefs {
            rel,
            src,
            raw: raw.groups,
        }),
    )
}

/// References from a course.toml, kept with their lines for the cross-checks.
struct CourseRefs {
    rel: PathBuf,
    src: Source,
    raw: RawCourse,
    /// (lesson file, competence code with its span, front matter offset)
    lesson_competences: Vec<(PathBuf, Source, usize, Vec<Spanned<String>>)>,
    /// (question tag, file, line)
    question_tags: Vec<(String, PathBuf, usize)>,
}

fn load_course(root: &Path, id: &str, problems: &mut Problems) -> Option<(Course, CourseRefs)> {
    let dir = PathBuf::from("courses").join(id);
    let rel = dir.join("course.toml");
    let mut hasher = Sha256::new();
    let src = source::read(root, &rel, problems)?;
    hasher.update(src.text.as_bytes());
    let ctx = FileCtx {
        rel: rel.clone(),
        src: &src,
        base: 0,
    };
    let raw: RawCourse = parse_toml(&src.text, &ctx, problems)?;
    if raw.title.trim().is_empty() {
        problems.push(&rel, None, "title is empty");
    }

    // Lessons, in file-name order.
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut lesson_competences = Vec::new();
    let lessons_dir = dir.join("lessons");
    // Translations (`NN-slug.lang.md`) are read after the lessons they translate.
    let mut translations: Vec<(String, String, String)> = Vec::new();
    match sorted_entries(&root.join(&lessons_dir)) {
        Ok(entries) => {
            for (name, _) in entries {
                if let Some((original, lang)) = translation::parse_file_name(&name) {
                    translations.push((name.clone(), original, lang.to_owned()));
                    continue;
                }
                let lrel = lessons_dir.join(&name);
                let Some((_, slug)) = lesson::parse_file_name(&name) else {
                    problems.push(
                        &lrel,
                        None,
                        "lesson file names are NN-slug.md (e.g. 01-lua-dao.md)",
                    );
                    continue;
                };
                if !is_valid_id(slug) {
                    problems.push(
                        &lrel,
                        None,
                        format!("lesson id \"{slug}\" is not a valid id"),
                    );
                    continue;
                }
                if lessons.iter().any(|l| l.id == slug) {
                    problems.push(&lrel, None, format!("lesson id \"{slug}\" is used twice"));
                    continue;
                }
                let Some(lsrc) = source::read(root, &lrel, problems) else {
                    continue;
                };
                hasher.update(lrel.to_string_lossy().as_bytes());
                hasher.update(lsrc.text.as_bytes());
                if let Some((lesson, comps, front_offset)) =
                    load_lesson(root, id, &dir, &lrel, slug, &lsrc, problems)
                {
                    lessons.push(lesson);
                    lesson_competences.push((lrel, lsrc, front_offset, comps));
                }
            }
        }
        Err(e) => problems.push(&lessons_dir, None, format!("cannot read folder: {e}")),
    }
    if lessons.is_empty() {
        problems.push(&dir, None, "the course has no lessons (lessons/NN-slug.md)");
    }
    for (name, original, lang) in translations {
        let lrel = lessons_dir.join(&name);
        if !translation::is_language_code(&lang) || lang == "vi" {
            problems.push(
                &lrel,
                None,
                format!("\"{lang}\" is not a language code for a translation (2-8 lowercase letters, not vi)"),
            );
            continue;
        }
        let Some(lesson) = lesson::parse_file_name(&original)
            .and_then(|(_, slug)| lessons.iter_mut().find(|l| l.id == slug))
        else {
            problems.push(
                &lrel,
                None,
                format!("translation of a lesson that does not exist ({original})"),
            );
            continue;
        };
        let Some(lsrc) = source::read(root, &lrel, problems) else {
            continue;
        };
        hasher.update(lrel.to_string_lossy().as_bytes());
        hasher.update(lsrc.text.as_bytes());
        if let Some(text) = load_translation(root, id, &dir, &lrel, &lsrc, problems) {
            lesson.translations.insert(lang, text);
        }
    }

    // Question bank: questions.gift, then the questions.toml extension (ordering, hotspot,
    // short-answer options; see crates/assessment/FORMAT.md).
    let gift_rel = dir.join("questions.gift");
    let toml_rel = dir.join("questions.toml");
    let mut gift_questions = Vec::new();
    let mut bank_ok = true;
    let mut gift_text = None;
    if root.join(&gift_rel).exists() {
        if let Some(gsrc) = source::read(root, &gift_rel, problems) {
            hasher.update(gsrc.text.as_bytes());
            gift_text = Some(gsrc.text.clone());
            match gift::parse(&gsrc.text) {
                Ok(questions) => gift_questions = questions,
                Err(errors) => {
                    bank_ok = false;
                    for e in errors {
                        problems.push(&gift_rel, Some(e.line), e.message);
                    }
                }
            }
        }
    }
    let gift_count = gift_questions.len();
    let mut bank = gift_questions;
    let mut toml_text = None;
    if root.join(&toml_rel).exists() {
        if let Some(tsrc) = source::read(root, &toml_rel, problems) {
            hasher.update(tsrc.text.as_bytes());
            toml_text = Some(tsrc.text.clone());
            match toml_bank::parse_bank(&tsrc.text).and_then(|b| b.apply(std::mem::take(&mut bank)))
            {
                Ok(all) => bank = all,
                Err(errors) => {
                    bank_ok = false;
                    for e in errors {
                        problems.push(&toml_rel, Some(e.line), e.message);
                    }
                }
            }
        }
    }
    // Where each question is written and its waiver marks, for the item-writing rules.
    let sources: Vec<QuestionSource> = bank
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let (file, waivers) = if i < gift_count {
                let marks = gift_text
                    .as_deref()
                    .map(|t| item_rules::gift_waiver_marks(t, q.line));
                (&gift_rel, marks)
            } else {
                let marks = toml_text
                    .as_deref()
                    .map(|t| item_rules::toml_waiver_marks(t, q.line));
                (&toml_rel, marks)
            };
            QuestionSource {
                file: file.clone(),
                line: q.line,
                waivers: waivers.unwrap_or_default(),
            }
        })
        .collect();
    let bank_translations = load_bank_translations(root, &dir, &bank, &mut hasher, problems);
    let course_texts = load_course_texts(root, &dir, &mut hasher, problems);
    let mut question_tags = Vec::new();
    if bank_ok {
        let mut ids = BTreeSet::new();
        for (i, q) in bank.iter().enumerate() {
            let file = if i < gift_count { &gift_rel } else { &toml_rel };
            match &q.id {
                None => problems.push(
                    file,
                    Some(q.line),
                    "question has no id: precede it with a comment line // [id:…]",
                ),
                Some(qid) if !is_valid_id(qid) => problems.push(
                    file,
                    Some(q.line),
                    format!("question id \"{qid}\" is not a valid id"),
                ),
                Some(qid) if !ids.insert(qid.clone()) => problems.push(
                    file,
                    Some(q.line),
                    format!("question id \"{qid}\" is used twice"),
                ),
                Some(_) => {}
            }
            if let QuestionKind::Hotspot { image, .. } = &q.kind {
                check_media_path(root, &dir, image, problems, file, Some(q.line));
            }
            for t in &q.tags {
                question_tags.push((t.clone(), file.clone(), q.line));
            }
        }
    }

    // Quizzes.
    let mut quizzes: Vec<Quiz> = Vec::new();
    for q in &raw.quizzes {
        let qid = q.id.get_ref();
        if !is_valid_id(qid) {
            ctx.at(
                problems,
                &q.id,
                format!("quiz id \"{qid}\" is not a valid id"),
            );
        }
        if quizzes.iter().any(|o| &o.id == qid) {
            ctx.at(problems, &q.id, format!("quiz id \"{qid}\" is used twice"));
        }
        if let Some(after) = &q.after {
            if !lessons.iter().any(|l| &l.id == after.get_ref()) {
                ctx.at(
                    problems,
                    after,
                    format!("quiz follows unknown lesson \"{}\"", after.get_ref()),
                );
            }
        }
        if *q.pass_percent.get_ref() > 100 {
            ctx.at(
                problems,
                &q.pass_percent,
                "pass_percent must be between 0 and 100",
            );
        }
        let draw: Vec<String> = q.draw.iter().map(|t| t.get_ref().clone()).collect();
        if q.draw_courses.is_empty() {
            for (tag, n) in &q.draw_counts {
                let have = paper::eligible(&bank, std::slice::from_ref(tag)).len();
                if have < *n.get_ref() {
                    ctx.at(problems, n, format!("draw_counts asks {} questions tagged \"{tag}\" but the bank has {have}", n.get_ref()));
                }
            }
        }
        for t in q.draw.iter().filter(|_| q.draw_courses.is_empty()) {
            if !bank.iter().any(|b| b.tags.contains(t.get_ref())) {
                ctx.at(
                    problems,
                    t,
                    format!(
                        "no question in questions.gift has the tag \"{}\"",
                        t.get_ref()
                    ),
                );
            }
        }
        let wanted = *q.questions.get_ref();
        // Quizzes drawing from other courses are checked once every course is loaded. A quiz
        // that takes essays draws them too (as the server does), so they count.
        let available = if !q.draw_courses.is_empty() {
            wanted
        } else if q.essays {
            paper::eligible_with_essays(&bank, &draw).len()
        } else {
            paper::eligible(&bank, &draw).len()
        };
        if wanted == 0 {
            ctx.at(
                problems,
                &q.questions,
                "a quiz must draw at least one question",
            );
        } else if available < wanted {
            ctx.at(
                problems,
                &q.questions,
                format!("quiz draws {wanted} questions but the bank has only {available} that fit (with an id, gradable, carrying a drawn tag)"),
            );
        }
        quizzes.push(Quiz {
            id: qid.clone(),
            line: ctx.line(&q.id).unwrap_or(1),
            title: q.title.clone(),
            after: q.after.as_ref().map(|a| a.get_ref().clone()),
            questions: wanted,
            draw,
            pass_percent: *q.pass_percent.get_ref(),
            max_attempts: q.max_attempts,
            shuffle: q.shuffle,
            draw_courses: q.draw_courses.iter().map(|c| c.get_ref().clone()).collect(),
            bank: Vec::new(),
            mode: q.mode,
            time_limit_minutes: q.time_limit_minutes,
            on_timeout: q.on_timeout,
            cooldown_minutes: q.cooldown_minutes,
            per_competence: q.per_competence,
            essays: q.essays,
            draw_counts: q
                .draw_counts
                .iter()
                .map(|(t, n)| (t.clone(), *n.get_ref()))
                .collect(),
        });
    }
    let tasks = load_tasks(root, &dir, &raw, &mut hasher, problems);
    let tasks_required = raw.tasks_required.as_ref().is_some_and(|r| *r.get_ref());
    if let Some(flag) = raw
        .tasks_required
        .as_ref()
        .filter(|_| tasks_required && tasks.is_empty())
    {
        ctx.at(
            problems,
            flag,
            "tasks_required is set but the course has no tasks (tasks/NN-slug.toml)",
        );
    }
    let course = Course {
        id: id.to_owned(),
        tasks,
        tasks_required,
        title: raw.title.clone(),
        summary: raw.summary.clone(),
        groups: raw.groups.iter().map(|g| g.get_ref().clone()).collect(),
        competences: raw
            .competences
            .iter()
            .map(|c| c.get_ref().clone())
            .collect(),
        level: *raw.level.get_ref(),
        minutes: raw.minutes,
        prerequisites: raw
            .prerequisites
            .iter()
            .map(|p| p.get_ref().clone())
            .collect(),
        lessons,
        quizzes,
        bank,
        sources,
        bank_translations,
        translations: course_texts,
        version: hex::encode(&hasher.finalize()[..8]),
    };
    Some((
        course,
        CourseRefs {
            rel,
            src,
            raw,
            lesson_competences,
            question_tags,
        },
    ))
}

/// The course's practice tasks, `tasks/NN-slug.toml` in file-name order (the folder is optional).
fn load_tasks(
    root: &Path,
    dir: &Path,
    raw: &RawCourse,
    hasher: &mut Sha256,
    problems: &mut Problems,
) -> Vec<Task> {
    let tasks_dir = dir.join("tasks");
    if !root.join(&tasks_dir).is_dir() {
        return Vec::new();
    }
    let entries = match sorted_entries(&root.join(&tasks_dir)) {
        Ok(e) => e,
        Err(e) => {
            problems.push(&tasks_dir, None, format!("cannot read folder: {e}"));
            return Vec::new();
        }
    };
    let competences: Vec<String> = raw
        .competences
        .iter()
        .map(|c| c.get_ref().clone())
        .collect();
    let quiz_ids: BTreeSet<&String> = raw.quizzes.iter().map(|q| q.id.get_ref()).collect();
    let mut tasks: Vec<Task> = Vec::new();
    for (name, _) in entries {
        let trel = tasks_dir.join(&name);
        let slug = name
            .strip_suffix(".toml")
            .and_then(|stem| stem.split_once('-'))
            .filter(|(nn, _)| !nn.is_empty() && nn.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, slug)| slug);
        let Some(slug) = slug.filter(|s| is_valid_id(s)) else {
            problems.push(
                &trel,
                None,
                "task file names are NN-slug.toml (e.g. 01-kich-hoat.toml)",
            );
            continue;
        };
        if tasks.iter().any(|t| t.id == slug) || quiz_ids.contains(&slug.to_owned()) {
            problems.push(
                &trel,
                None,
                format!("task id \"{slug}\" is already used in this course"),
            );
            continue;
        }
        let Some(tsrc) = source::read(root, &trel, problems) else {
            continue;
        };
        hasher.update(trel.to_string_lossy().as_bytes());
        hasher.update(tsrc.text.as_bytes());
        let ctx = FileCtx {
            rel: trel.clone(),
            src: &tsrc,
            base: 0,
        };
        let Some(raw_task) = parse_toml::<task::RawTask>(&tsrc.text, &ctx, problems) else {
            continue;
        };
        match task::build(slug, raw_task, &competences) {
            Ok(t) => tasks.push(t),
            Err(found) => {
                for (span, msg) in found {
                    let line = span.map(|s| tsrc.line_of(s.start));
                    problems.push(&trel, line, msg);
                }
            }
        }
    }
    tasks
}

type LoadedLesson = (Lesson, Vec<Spanned<String>>, usize);

fn load_lesson(
    root: &Path,
    course_id: &str,
    course_dir: &Path,
    rel: &Path,
    slug: &str,
    src: &Source,
    problems: &mut Problems,
) -> Option<LoadedLesson> {
    let Some(split) = lesson::split(&src.text) else {
        problems.push(
            rel,
            Some(1),
            "a lesson starts with TOML front matter between +++ lines",
        );
        return None;
    };
    let ctx = FileCtx {
        rel: rel.to_path_buf(),
        src,
        base: split.front_offset,
    };
    let front: FrontMatter = parse_toml(split.front, &ctx, problems)?;
    if front.title.trim().is_empty() {
        problems.push(rel, Some(2), "title is empty");
    }
    let media_file = |field: &Option<Spanned<String>>, problems: &mut Problems| {
        if let Some(f) = field {
            check_media_path(root, course_dir, f.get_ref(), problems, rel, ctx.line(f));
        }
        field.as_ref().map(|f| f.get_ref().clone())
    };
    let audio = media_file(&front.audio, problems);
    let video = media_file(&front.video, problems);
    let captions = media_file(&front.captions, problems);
    let poster = media_file(&front.poster, problems);
    if let Some(c) = &captions {
        check_captions(root, course_dir, c, rel, problems);
    }
    for (i, msg) in lesson::source_problems(&front.sources) {
        ctx.at(problems, &front.sources[i], msg);
    }
    if video.is_some() && captions.is_none() {
        problems.push(
            rel,
            Some(2),
            "a lesson with a video needs captions (a .vtt file)",
        );
    }

    let rendered = markdown::render_lesson(split.body, &format!("/media/{course_id}"));
    for (offset, msg) in &rendered.problems {
        problems.push(
            rel,
            Some(src.line_of(split.body_offset + offset)),
            msg.clone(),
        );
    }
    for (path, offset) in &rendered.media {
        let line = src.line_of(split.body_offset + offset);
        check_media_path(root, course_dir, path, problems, rel, Some(line));
    }
    Some((
        Lesson {
            id: slug.to_owned(),
            title: front.title,
            minutes: front.minutes,
            competences: front
                .competences
                .iter()
                .map(|c| c.get_ref().clone())
                .collect(),
            audio,
            video,
            captions,
            poster,
            sources: front
                .sources
                .iter()
                .map(|s| s.get_ref().trim().to_owned())
                .collect(),
            html: rendered.html,
            words: rendered.words,
            translations: BTreeMap::new(),
        },
        front.competences,
        split.front_offset,
    ))
}

/// `questions.<lang>.gift` and `questions.<lang>.toml`: the course's questions in another
/// language, under the same ids, split between the two files as the original bank is (the TOML
/// file holds what GIFT cannot write: ordering, hotspot). Each must translate a question of the
/// bank and have its shape (same type, same number of options, pairs or items, in the same
/// order; a hotspot's same regions), because an attempt's paper points at options by position:
/// the translation only changes what the learner reads, never the key.
fn load_bank_translations(
    root: &Path,
    dir: &Path,
    bank: &[hocvuso_assessment::model::Question],
    hasher: &mut Sha256,
    problems: &mut Problems,
) -> BTreeMap<String, Vec<hocvuso_assessment::model::Question>> {
    let mut out: BTreeMap<String, Vec<hocvuso_assessment::model::Question>> = BTreeMap::new();
    let Ok(entries) = sorted_entries(&root.join(dir)) else {
        return out;
    };
    for (name, _) in entries {
        let Some((lang, is_toml)) = name.strip_prefix("questions.").and_then(|n| {
            n.strip_suffix(".gift")
                .map(|l| (l, false))
                .or_else(|| n.strip_suffix(".toml").map(|l| (l, true)))
        }) else {
            continue;
        };
        let rel = dir.join(&name);
        if !translation::is_language_code(lang) || lang == "vi" {
            problems.push(&rel, None, format!("\"{lang}\" is not a language code for a translation (2-8 lowercase letters, not vi)"));
            continue;
        }
        let Some(src) = source::read(root, &rel, problems) else {
            continue;
        };
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(src.text.as_bytes());
        let parsed = if is_toml {
            // Sorted entries put questions.<lang>.gift before questions.<lang>.toml, so the
            // TOML file's `[options.<id>]` tables apply to the translated GIFT questions too.
            let gift = out.remove(lang).unwrap_or_default();
            let gift_count = gift.len();
            toml_bank::parse_bank(&src.text)
                .and_then(|b| b.apply(gift))
                .map(|all| (all, gift_count))
                .map_err(|errors| errors.into_iter().map(|e| (e.line, e.message)).collect())
        } else {
            gift::parse(&src.text)
                .map(|q| (q, 0))
                .map_err(|errors| errors.into_iter().map(|e| (e.line, e.message)).collect())
        };
        let (questions, checked) = match parsed {
            Ok(q) => q,
            Err(errors) => {
                let errors: Vec<(usize, String)> = errors;
                for (line, message) in errors {
                    problems.push(&rel, Some(line), message);
                }
                continue;
            }
        };
        // Questions already checked with their own file (the GIFT part) are not checked again.
        for q in &questions[checked..] {
            let original =
                q.id.as_deref()
                    .and_then(|id| bank.iter().find(|b| b.id.as_deref() == Some(id)));
            match original {
                None => problems.push(
                    &rel,
                    Some(q.line),
                    "a translated question needs the id of a question of the course's bank",
                ),
                Some(o) if !translation::same_shape(o, q) => problems.push(
                    &rel,
                    Some(q.line),
                    format!(
                        "the translation of question \"{}\" must have its type and its options in the same order",
                        o.id.as_deref().unwrap_or_default()
                    ),
                ),
                Some(_) => {}
            }
        }
        out.insert(lang.to_owned(), questions);
    }
    out
}

/// `course.<lang>.toml`: the course's title and summary in another language.
fn load_course_texts(
    root: &Path,
    dir: &Path,
    hasher: &mut Sha256,
    problems: &mut Problems,
) -> BTreeMap<String, translation::CourseText> {
    let mut out = BTreeMap::new();
    let Ok(entries) = sorted_entries(&root.join(dir)) else {
        return out;
    };
    for (name, _) in entries {
        let Some(lang) = name
            .strip_prefix("course.")
            .and_then(|n| n.strip_suffix(".toml"))
        else {
            continue;
        };
        let rel = dir.join(&name);
        if !translation::is_language_code(lang) || lang == "vi" {
            problems.push(&rel, None, format!("\"{lang}\" is not a language code for a translation (2-8 lowercase letters, not vi)"));
            continue;
        }
        let Some(src) = source::read(root, &rel, problems) else {
            continue;
        };
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(src.text.as_bytes());
        let ctx = FileCtx {
            rel: rel.clone(),
            src: &src,
            base: 0,
        };
        if let Some(text) = parse_toml::<translation::CourseText>(&src.text, &ctx, problems) {
            if text.title.trim().is_empty() {
                problems.push(&rel, None, "title is empty");
            }
            out.insert(lang.to_owned(), text);
        }
    }
    out
}

/// A lesson's translation: its front matter (title, the language's own media) and its body,
/// checked as a lesson is.
fn load_translation(
    root: &Path,
    course_id: &str,
    course_dir: &Path,
    rel: &Path,
    src: &Source,
    problems: &mut Problems,
) -> Option<translation::LessonText> {
    let Some(split) = lesson::split(&src.text) else {
        problems.push(
            rel,
            Some(1),
            "a translation starts with TOML front matter between +++ lines",
        );
        return None;
    };
    let ctx = FileCtx {
        rel: rel.to_path_buf(),
        src,
        base: split.front_offset,
    };
    let front: translation::TranslationFront = parse_toml(split.front, &ctx, problems)?;
    if front.title.trim().is_empty() {
        problems.push(rel, Some(2), "title is empty");
    }
    let media_file = |field: &Option<Spanned<String>>, problems: &mut Problems| {
        if let Some(f) = field {
            check_media_path(root, course_dir, f.get_ref(), problems, rel, ctx.line(f));
        }
        field.as_ref().map(|f| f.get_ref().clone())
    };
    let audio = media_file(&front.audio, problems);
    let video = media_file(&front.video, problems);
    let captions = media_file(&front.captions, problems);
    let poster = media_file(&front.poster, problems);
    if let Some(c) = &captions {
        check_captions(root, course_dir, c, rel, problems);
    }
    if video.is_some() && captions.is_none() {
        problems.push(
            rel,
            Some(2),
            "a lesson with a video needs captions (a .vtt file)",
        );
    }
    let rendered = markdown::render_lesson(split.body, &format!("/media/{course_id}"));
    for (offset, msg) in &rendered.problems {
        problems.push(
            rel,
            Some(src.line_of(split.body_offset + offset)),
            msg.clone(),
        );
    }
    for (path, offset) in &rendered.media {
        let line = src.line_of(split.body_offset + offset);
        check_media_path(root, course_dir, path, problems, rel, Some(line));
    }
    Some(translation::LessonText {
        title: front.title,
        html: rendered.html,
        words: rendered.words,
        audio,
        video,
        captions,
        poster,
    })
}

/// Captions are WebVTT: a `.vtt` file starting with `WEBVTT`, so every browser shows them.
fn check_captions(root: &Path, course_dir: &Path, path: &str, rel: &Path, problems: &mut Problems) {
    let file = root.join(course_dir).join(path);
    if !path.ends_with(".vtt") {
        problems.push(
            rel,
            Some(2),
            format!("captions {path} must be a WebVTT file (.vtt)"),
        );
    } else if let Ok(text) = std::fs::read_to_string(&file) {
        if !text.trim_start_matches('\u{feff}').starts_with("WEBVTT") {
            problems.push(
                rel,
                Some(2),
                format!("captions {path} do not start with WEBVTT"),
            );
        }
    }
}

fn check_media_path(
    root: &Path,
    course_dir: &Path,
    path: &str,
    problems: &mut Problems,
    rel: &Path,
    line: Option<usize>,
) {
    let inside = path.starts_with("media/") && !path.split('/').any(|s| s == ".." || s.is_empty());
    if !inside {
        problems.push(
            rel,
            line,
            format!("media file {path} must be inside the course's media/ folder"),
        );
    } else if !root.join(course_dir).join(path).is_file() {
        problems.push(rel, line, format!("media file {path} does not exist"));
    }
}

fn check_references(
    framework: &Framework,
    groups: &[Group],
    group_refs: &Option<GroupRefs>,
    courses: &BTreeMap<String, Course>,
    course_refs: &BTreeMap<String, CourseRefs>,
    problems: &mut Problems,
) {
    if let Some(refs) = group_refs {
        let ctx = FileCtx {
            rel: refs.rel.clone(),
            src: &refs.src,
            base: 0,
        };
        for g in &refs.raw {
            let gid = g.id.get_ref();
            for p in &g.path {
                match courses.get(p.get_ref()) {
                    None => ctx.at(problems, p, format!("path names unknown course \"{}\"", p.get_ref())),
                    Some(c) if !c.groups.contains(gid) => ctx.at(
                        problems,
                        p,
                        format!("course \"{}\" is in the path of \"{gid}\" but does not list that group in its groups", c.id),
                    ),
                    Some(_) => {}
                }
            }
            for f in g.final_quiz.iter().chain(g.placement.iter()) {
                if let Some(r) = QuizRef::parse(f.get_ref()) {
                    let exists = courses
                        .get(&r.course)
                        .is_some_and(|c| c.quiz(&r.quiz).is_some());
                    if !exists {
                        ctx.at(
                            problems,
                            f,
                            format!("names unknown quiz \"{}\"", f.get_ref()),
                        );
                    }
                }
            }
        }
    }

    let competence_known = |code: &str| framework.competence(code).is_some();
    for (id, refs) in course_refs {
        let ctx = FileCtx {
            rel: refs.rel.clone(),
            src: &refs.src,
            base: 0,
        };
        for g in &refs.raw.groups {
            if !groups.iter().any(|x| &x.id == g.get_ref()) {
                ctx.at(
                    problems,
                    g,
                    format!("unknown group \"{}\" (see groups.toml)", g.get_ref()),
                );
            }
        }
        for c in &refs.raw.competences {
            if !competence_known(c.get_ref()) {
                ctx.at(
                    problems,
                    c,
                    format!(
                        "unknown competence \"{}\" (see framework.toml)",
                        c.get_ref()
                    ),
                );
            }
        }
        if framework.level(*refs.raw.level.get_ref()).is_none() {
            ctx.at(
                problems,
                &refs.raw.level,
                format!("unknown level {}", refs.raw.level.get_ref()),
            );
        }
        for p in &refs.raw.prerequisites {
            if !courses.contains_key(p.get_ref()) {
                ctx.at(
                    problems,
                    p,
                    format!("unknown prerequisite course \"{}\"", p.get_ref()),
                );
            } else if p.get_ref() == id || reaches(courses, p.get_ref(), id) {
                ctx.at(
                    problems,
                    p,
                    format!("prerequisite \"{}\" makes a cycle", p.get_ref()),
                );
            }
        }
        for (lrel, lsrc, front_offset, comps) in &refs.lesson_competences {
            let lctx = FileCtx {
                rel: lrel.clone(),
                src: lsrc,
                base: *front_offset,
            };
            for c in comps {
                if !competence_known(c.get_ref()) {
                    lctx.at(
                        problems,
                        c,
                        format!(
                            "unknown competence \"{}\" (see framework.toml)",
                            c.get_ref()
                        ),
                    );
                }
            }
        }
        for (tag, file, line) in &refs.question_tags {
            if let Some(code) = tag.strip_prefix("competence-") {
                if !competence_known(code) {
                    problems.push(
                        file,
                        Some(*line),
                        format!("tag {tag} names an unknown competence"),
                    );
                }
            } else if let Some(n) = tag.strip_prefix("level-") {
                if n.parse::<u8>()
                    .ok()
                    .and_then(|n| framework.level(n))
                    .is_none()
                {
                    problems.push(
                        file,
                        Some(*line),
                        format!("tag {tag} names an unknown level"),
                    );
                }
            }
        }
    }
}

/// Whether `from` reaches `target` through prerequisites.
fn reaches(courses: &BTreeMap<String, Course>, from: &str, target: &str) -> bool {
    let mut stack = vec![from.to_owned()];
    let mut seen = BTreeSet::new();
    while let Some(c) = stack.pop() {
        if c == target {
            return true;
        }
        if !seen.insert(c.clone()) {
            continue;
        }
        if let Some(course) = courses.get(&c) {
            stack.extend(course.prerequisites.iter().cloned());
        }
    }
    false
}

/// Builds the bank of every quiz that draws from other courses (its own questions first, then
/// each listed course's), checking that the courses exist, that ids stay unique across them and
/// that enough questions fit.
fn link_quiz_banks(
    courses: &mut BTreeMap<String, Course>,
    course_refs: &BTreeMap<String, CourseRefs>,
    problems: &mut Problems,
) {
    let mut banks: Vec<(String, usize, Vec<hocvuso_assessment::model::Question>)> = Vec::new();
    for (id, refs) in course_refs {
        let ctx = FileCtx {
            rel: refs.rel.clone(),
            src: &refs.src,
            base: 0,
        };
        for (qi, raw) in refs.raw.quizzes.iter().enumerate() {
            if raw.draw_courses.is_empty() {
                continue;
            }
            let mut bank = courses.get(id).map(|c| c.bank.clone()).unwrap_or_default();
            let mut owner: BTreeMap<String, String> = bank
                .iter()
                .filter_map(|q| q.id.clone().map(|qid| (qid, id.clone())))
                .collect();
            for dc in &raw.draw_courses {
                let Some(other) = courses.get(dc.get_ref()) else {
                    ctx.at(
                        problems,
                        dc,
                        format!("draw_courses names unknown course \"{}\"", dc.get_ref()),
                    );
                    continue;
                };
                for q in &other.bank {
                    if let Some(qid) = &q.id {
                        if let Some(first) = owner.insert(qid.clone(), other.id.clone()) {
                            ctx.at(problems, dc, format!("question id \"{qid}\" is in both {first} and {}: ids must be unique across the courses a quiz draws from", other.id));
                        }
                    }
                    bank.push(q.clone());
                }
            }
            let draw: Vec<String> = raw.draw.iter().map(|t| t.get_ref().clone()).collect();
            for t in &raw.draw {
                if !bank.iter().any(|b| b.tags.contains(t.get_ref())) {
                    ctx.at(
                        problems,
                        t,
                        format!(
                            "no question of the drawn courses has the tag \"{}\"",
                            t.get_ref()
                        ),
                    );
                }
            }
            let available = if raw.essays {
                paper::eligible_with_essays(&bank, &draw).len()
            } else {
                paper::eligible(&bank, &draw).len()
            };
            let wanted = *raw.questions.get_ref();
            if available < wanted {
                ctx.at(
                    problems,
                    &raw.questions,
                    format!("quiz draws {wanted} questions but the drawn courses have only {available} that fit"),
                );
            }
            banks.push((id.clone(), qi, bank));
        }
    }
    for (id, qi, bank) in banks {
        if let Some(quiz) = courses.get_mut(&id).and_then(|c| c.quizzes.get_mut(qi)) {
            quiz.bank = bank;
        }
    }
}
