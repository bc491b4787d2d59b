//! Numbers about a catalog that authors, reviewers and wards want: which competences each group's
//! courses teach, how many questions of each type and level the banks hold, how long each
//! course takes to read, and how each bank fares against the item-writing rules. Rendered as
//! Markdown so `docs/curriculum.md` can be made from it.
//!
//! Review courses (`Course::is_review`: no bank, quizzes that draw from other courses) recap
//! what other courses teach, so they are left out of the coverage matrix and the question
//! counts, and listed on their own with what their quizzes draw.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::item_rules::{self, BankQuality};
use crate::Catalog;

/// Reading speed used for estimates. Vietnamese words are counted as whitespace-separated
/// syllables; about 200 a minute is an unhurried reading pace for the learners we serve.
pub const SYLLABLES_PER_MINUTE: usize = 200;

#[derive(Debug, Serialize)]
pub struct CourseStats {
    pub id: String,
    pub title: String,
    pub groups: Vec<String>,
    pub lessons: usize,
    pub words: usize,
    pub reading_minutes: usize,
    pub declared_minutes: u32,
    pub questions: usize,
    pub questions_by_type: BTreeMap<String, usize>,
}

/// A review course and what its quizzes draw.
#[derive(Debug, Serialize)]
pub struct ReviewStats {
    pub id: String,
    pub title: String,
    pub groups: Vec<String>,
    pub lessons: usize,
    pub quizzes: Vec<ReviewQuiz>,
}

#[derive(Debug, Serialize)]
pub struct ReviewQuiz {
    pub id: String,
    pub mode: crate::QuizMode,
    /// Questions per attempt (for a quiz drawn per competence: the sum over competences).
    pub questions: usize,
    /// Questions per competence, when drawn per competence.
    pub per_competence: usize,
    /// Courses drawn from, and the questions their banks hold.
    pub courses: usize,
    pub pool: usize,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub groups: Vec<String>,
    /// competence code → group id → lessons teaching it in courses for that group.
    pub coverage: BTreeMap<String, BTreeMap<String, usize>>,
    pub competence_titles: BTreeMap<String, String>,
    pub questions_by_type: BTreeMap<String, usize>,
    /// `level-N` tag → questions.
    pub questions_by_level: BTreeMap<String, usize>,
    pub courses: Vec<CourseStats>,
    /// Competences no lesson teaches, for any group.
    pub uncovered: Vec<String>,
    /// Questions without a `level-N` tag (counted once, not in `questions_by_level`).
    pub questions_without_level: usize,
    pub review_courses: Vec<ReviewStats>,
    /// Each bank against the item-writing rules (`item_rules`).
    pub quality: Vec<BankQuality>,
}

pub fn stats(catalog: &Catalog) -> Stats {
    let groups: Vec<String> = catalog.groups.iter().map(|g| g.id.clone()).collect();
    let mut coverage: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut competence_titles = BTreeMap::new();
    for c in catalog.framework.competences() {
        competence_titles.insert(c.code.clone(), c.title.clone());
        coverage.insert(
            c.code.clone(),
            groups.iter().map(|g| (g.clone(), 0)).collect(),
        );
    }
    let mut by_type = BTreeMap::new();
    let mut by_level = BTreeMap::new();
    let mut without_level = 0;
    let mut courses = Vec::new();
    let mut review_courses = Vec::new();
    for course in catalog.courses.values() {
        if course.is_review() {
            review_courses.push(review_stats(course));
            continue;
        }
        for lesson in &course.lessons {
            for code in &lesson.competences {
                if let Some(row) = coverage.get_mut(code) {
                    for g in &course.groups {
                        *row.entry(g.clone()).or_default() += 1;
                    }
                }
            }
        }
        let mut course_types = BTreeMap::new();
        for q in &course.bank {
            *course_types.entry(q.type_key().to_owned()).or_default() += 1;
            *by_type.entry(q.type_key().to_owned()).or_default() += 1;
            // Once per question, even if it carries two level tags.
            match q.tags.iter().find(|t| t.starts_with("level-")) {
                Some(t) => *by_level.entry(t.clone()).or_default() += 1,
                None => without_level += 1,
            }
        }
        let words: usize = course.lessons.iter().map(|l| l.words).sum();
        courses.push(CourseStats {
            id: course.id.clone(),
            title: course.title.clone(),
            groups: course.groups.clone(),
            lessons: course.lessons.len(),
            words,
            reading_minutes: words.div_ceil(SYLLABLES_PER_MINUTE),
            declared_minutes: course.minutes,
            questions: course.bank.len(),
            questions_by_type: course_types,
        });
    }
    let uncovered = coverage
        .iter()
        .filter(|(_, row)| row.values().all(|n| *n == 0))
        .map(|(code, _)| code.clone())
        .collect();
    Stats {
        groups,
        coverage,
        competence_titles,
        questions_by_type: by_type,
        questions_by_level: by_level,
        courses,
        uncovered,
        questions_without_level: without_level,
        review_courses,
        quality: item_rules::check(catalog).banks,
    }
}

fn review_stats(course: &crate::Course) -> ReviewStats {
    let quizzes = course
        .quizzes
        .iter()
        .map(|q| {
            let questions = course
                .tag_counts(q)
                .map_or(q.questions, |counts| counts.iter().map(|(_, n)| n).sum());
            ReviewQuiz {
                id: q.id.clone(),
                mode: q.mode,
                questions,
                per_competence: q.per_competence,
                courses: q.draw_courses.len(),
                pool: course.quiz_bank(q).len(),
            }
        })
        .collect();
    ReviewStats {
        id: course.id.clone(),
        title: course.title.clone(),
        groups: course.groups.clone(),
        lessons: course.lessons.len(),
        quizzes,
    }
}

/// "83%" or "—" when there is nothing to count.
fn share(p: Option<f64>) -> String {
    p.map_or("—".to_owned(), |p| format!("{p:.0}%"))
}

fn mode_name(mode: crate::QuizMode) -> &'static str {
    match mode {
        crate::QuizMode::Test => "test",
        crate::QuizMode::Practice => "practice",
        crate::QuizMode::Placement => "placement",
    }
}

/// Competence codes sort as numbers ("1.10" after "1.9").
fn code_key(code: &str) -> Vec<u32> {
    code.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

impl Stats {
    pub fn to_markdown(&self, catalog: &Catalog) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### Coverage: lessons per competence and group\n\nTeaching courses only: the review courses' recap lessons are not counted.\n"
        );
        let _ = write!(out, "| competence |");
        for g in &self.groups {
            let _ = write!(out, " {g} |");
        }
        let _ = write!(out, "\n|---|");
        for _ in &self.groups {
            let _ = write!(out, "---:|");
        }
        out.push('\n');
        let mut codes: Vec<&String> = self.coverage.keys().collect();
        codes.sort_by_key(|c| code_key(c));
        for code in codes {
            let title = self
                .competence_titles
                .get(code)
                .map(String::as_str)
                .unwrap_or("");
            let _ = write!(out, "| {code} {title} |");
            for g in &self.groups {
                let n = self.coverage[code].get(g).copied().unwrap_or(0);
                let _ = write!(
                    out,
                    " {} |",
                    if n == 0 {
                        "·".to_owned()
                    } else {
                        n.to_string()
                    }
                );
            }
            out.push('\n');
        }
        if self.uncovered.is_empty() {
            let _ = writeln!(out, "\nEvery competence is taught by at least one lesson.");
        } else {
            let _ = writeln!(
                out,
                "\nNot taught by any lesson: {}.",
                self.uncovered.join(", ")
            );
        }

        let _ = writeln!(
            out,
            "\n### Questions by type\n\n| type | questions |\n|---|---:|"
        );
        for (t, n) in &self.questions_by_type {
            let _ = writeln!(out, "| {t} | {n} |");
        }
        let total: usize = self.questions_by_type.values().sum();
        let _ = writeln!(out, "| **all** | **{total}** |");
        let _ = writeln!(
            out,
            "\nCounted once each, in the banks of the teaching courses; the review courses' quizzes draw from those banks and add none."
        );
        let _ = writeln!(
            out,
            "\n### Questions by level\n\n| level | questions |\n|---|---:|"
        );
        let mut levels: Vec<(&String, &usize)> = self.questions_by_level.iter().collect();
        levels.sort_by_key(|(l, _)| {
            l.trim_start_matches("level-")
                .parse::<u32>()
                .unwrap_or(u32::MAX)
        });
        for (l, n) in levels {
            let _ = writeln!(out, "| {} | {n} |", l.trim_start_matches("level-"));
        }
        if self.questions_without_level > 0 {
            let _ = writeln!(out, "| no level tag | {} |", self.questions_without_level);
        }

        let _ = writeln!(
            out,
            "\n### Courses\n\nReading time is estimated at {SYLLABLES_PER_MINUTE} words a minute; \"declared\" is the course's own estimate, quiz included.\n\n| course | groups | lessons | words | reading (min) | declared (min) | questions |\n|---|---|---:|---:|---:|---:|---:|"
        );
        for c in &self.courses {
            let _ = writeln!(
                out,
                "| `{}` {} | {} | {} | {} | {} | {} | {} |",
                c.id,
                c.title,
                c.groups.join(", "),
                c.lessons,
                c.words,
                c.reading_minutes,
                c.declared_minutes,
                c.questions
            );
        }

        if !self.review_courses.is_empty() {
            let _ = writeln!(
                out,
                "\n### Review courses\n\nNo bank of their own: their quizzes draw from the banks of the courses of a path.\n\n| course | groups | lessons | quiz | mode | questions per attempt | drawn from |\n|---|---|---:|---|---|---:|---|"
            );
            for r in &self.review_courses {
                for q in &r.quizzes {
                    let per = if q.per_competence > 0 {
                        format!("{} ({} per competence)", q.questions, q.per_competence)
                    } else {
                        q.questions.to_string()
                    };
                    let _ = writeln!(
                        out,
                        "| `{}` {} | {} | {} | `{}` | {} | {per} | {} questions of {} courses |",
                        r.id,
                        r.title,
                        r.groups.join(", "),
                        r.lessons,
                        q.id,
                        mode_name(q.mode),
                        q.pool,
                        q.courses
                    );
                }
            }
        }

        let _ = writeln!(
            out,
            "\n### Item quality\n\nEach bank against the item-writing rules (`docs/item-writing.md`): how often the correct option of a single-choice question is the strictly longest (at most 35%), the share of true/false questions that are true (40–60%), how often the correct set of a multiple-answer question is the longer half of its options (at most 35%), the waivers used and the problems `hocvuso content check` reports. Waived questions are left out of the share they were waived from.\n\n| course | single choice | correct is longest | true/false | true | multiple answer | longer set | waivers | problems |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for q in &self.quality {
            let waivers = if q.waivers.is_empty() {
                "0".to_owned()
            } else {
                q.waivers
                    .iter()
                    .map(|(t, n)| format!("{n} {}", t.trim_start_matches("waive-")))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} | {waivers} | {} |",
                q.course,
                q.single_choice,
                share(q.longest_percent()),
                q.true_false,
                share(q.true_percent()),
                q.multiple_answer,
                share(q.longer_set_percent()),
                q.problems
            );
        }

        let _ = writeln!(
            out,
            "\n### Practice tasks\n\nHands-on tasks on mock screens of made-up apps (`tasks/` of a course, \"Practice tasks\" in `docs/content-format.md`), with the groups whose path holds their course. \"required\": the course needs them passed to be complete.\n\n| course | task | steps | pass (first try) | groups (path) | required |\n|---|---|---:|---:|---|---|"
        );
        for c in catalog.courses.values() {
            let groups: Vec<&str> = catalog
                .groups
                .iter()
                .filter(|g| g.path.contains(&c.id))
                .map(|g| g.id.as_str())
                .collect();
            for t in &c.tasks {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {}% | {} | {} |",
                    c.id,
                    t.title,
                    t.steps.len(),
                    t.pass_percent,
                    groups.join(", "),
                    if c.tasks_required { "yes" } else { "no" }
                );
            }
        }

        let _ = writeln!(out, "\n### Paths\n");
        for g in &catalog.groups {
            let _ = writeln!(
                out,
                "- **{}** (`{}`): {}",
                g.title,
                g.id,
                if g.path.is_empty() {
                    "—".to_owned()
                } else {
                    g.path
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(" → ")
                }
            );
            let on_path: Vec<&crate::Course> =
                g.path.iter().filter_map(|id| catalog.course(id)).collect();
            if !on_path.is_empty() {
                let lessons: usize = on_path.iter().map(|c| c.lessons.len()).sum();
                let minutes: u32 = on_path.iter().map(|c| c.minutes).sum();
                let _ = writeln!(
                    out,
                    "  {} courses, {lessons} lessons, {} h {} min declared",
                    on_path.len(),
                    minutes / 60,
                    minutes % 60
                );
            }
            if let Some(f) = &g.final_quiz {
                let _ = writeln!(out, "  final quiz: `{}/{}`", f.course, f.quiz);
            }
        }
        out
    }
}
