//! Numbers about a catalog that authors, reviewers and wards want: which competences each group's
//! courses teach, how many questions of each type and level the banks hold, and how long each
//! course takes to read. Rendered as Markdown so `docs/curriculum.md` can be made from it.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

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
    /// Questions in the course's own bank (`questions.gift` and `questions.toml`).
    pub questions: usize,
    pub questions_by_type: BTreeMap<String, usize>,
    /// A review course, whose quizzes draw from the path's banks: not counted as teaching.
    pub review: bool,
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub groups: Vec<String>,
    /// competence code → group id → lessons teaching it in courses for that group (review
    /// courses left out: they revisit what the path taught).
    pub coverage: BTreeMap<String, BTreeMap<String, usize>>,
    pub competence_titles: BTreeMap<String, String>,
    pub questions_by_type: BTreeMap<String, usize>,
    /// `level-N` tag → questions.
    pub questions_by_level: BTreeMap<String, usize>,
    pub courses: Vec<CourseStats>,
    /// Competences no lesson teaches, for any group.
    pub uncovered: Vec<String>,
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
    let mut courses = Vec::new();
    for course in catalog.courses.values() {
        let taught = if course.is_review() {
            &[][..]
        } else {
            &course.lessons[..]
        };
        for lesson in taught {
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
            for t in q.tags.iter().filter(|t| t.starts_with("level-")) {
                *by_level.entry(t.clone()).or_default() += 1;
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
            review: course.is_review(),
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
            "### Coverage: lessons per competence and group\n\nLessons of teaching courses only; review courses are left out.\n"
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

        let _ = writeln!(
            out,
            "\n### Courses\n\nReading time is estimated at {SYLLABLES_PER_MINUTE} words a minute; \"declared\" is the course's own estimate, quiz included. \"questions\" counts the course's own bank; a review course (marked \"review\") has none and draws its quizzes from the banks of its group's path.\n\n| course | groups | lessons | words | reading (min) | declared (min) | questions |\n|---|---|---:|---:|---:|---:|---:|"
        );
        for c in &self.courses {
            let questions = if c.review {
                "review".to_owned()
            } else {
                c.questions.to_string()
            };
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
                questions
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Catalog {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/content");
        crate::load(&dir).expect("the fixture content loads")
    }

    #[test]
    fn review_courses_are_left_out_of_the_teaching_coverage() {
        // The fixture's review course "on-tap" has a lesson on 4.1 and 4.2, like the one
        // teaching lesson on each in "thu-nghiem": only the teaching lessons count.
        let catalog = fixture();
        let stats = stats(&catalog);
        assert_eq!(stats.coverage["4.1"]["citizen"], 1);
        assert_eq!(stats.coverage["4.2"]["citizen"], 1);
        let review = stats
            .courses
            .iter()
            .find(|c| c.id == "on-tap")
            .expect("on-tap");
        assert!(review.review);
        let markdown = stats.to_markdown(&catalog);
        assert!(markdown.contains("| `on-tap` Ôn tập cuối lộ trình | citizen | 1 |"));
        assert!(markdown
            .lines()
            .any(|l| l.starts_with("| `on-tap`") && l.ends_with("| review |")));
    }

    #[test]
    fn the_banks_count_questions_of_both_files() {
        let catalog = fixture();
        let course = catalog.course("thu-nghiem").expect("thu-nghiem");
        let stats = stats(&catalog);
        let counted = stats
            .courses
            .iter()
            .find(|c| c.id == "thu-nghiem")
            .expect("row");
        assert_eq!(counted.questions, course.bank.len());
        assert!(
            counted.questions_by_type.contains_key("ordering"),
            "{:?}",
            counted.questions_by_type
        );
    }
}
