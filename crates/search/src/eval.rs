//! Measuring the search against questions learners ask: a fixture of questions, each with the
//! lessons that answer it, and the share answered by the first hit and by the first three,
//! with the latency of each search. `hocvuso search bench` prints it, a story keeps a floor
//! under it (`docs/performance.md`).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::index::SearchIndex;
use crate::passages::Kind;
use crate::query::Query;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    question: Vec<FixtureQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureQuestion {
    q: String,
    /// `course-id/lesson-id` of each lesson that answers it.
    lessons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub questions: usize,
    /// Share whose first hit is one of its lessons.
    pub top1: f64,
    /// Share with one of its lessons among the first three hits.
    pub top3: f64,
    /// Share the assistant answers (quotes a passage for) rather than sending to a mentor.
    pub answered: f64,
    /// Latency of one search, in milliseconds, over `rounds` passes of every question.
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub rounds: usize,
    /// Questions whose lessons were not among the first three hits, with what came first.
    pub misses: Vec<Miss>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub question: String,
    pub expected: Vec<String>,
    pub got: Vec<String>,
}

/// Runs every question of a fixture (`tests/fixtures/assistant-questions.toml`) `rounds` times.
pub fn run(index: &SearchIndex, fixture: &str, rounds: usize) -> Result<Report, String> {
    let fixture: Fixture = toml::from_str(fixture).map_err(|e| format!("fixture: {e}"))?;
    for q in &fixture.question {
        for l in &q.lessons {
            let known = l.split_once('/').is_some_and(|(c, id)| {
                index
                    .passages()
                    .iter()
                    .any(|p| p.kind == Kind::Lesson && p.course_id == c && p.item_id == id)
            });
            if !known {
                return Err(format!(
                    "fixture: \"{}\" names {l}, which is no lesson",
                    q.q
                ));
            }
        }
    }
    let all = |_: &str| true;
    let mut top1 = 0;
    let mut top3 = 0;
    let mut answered = 0;
    let mut misses = Vec::new();
    let mut times = Vec::new();
    for round in 0..rounds.max(1) {
        for q in &fixture.question {
            let started = Instant::now();
            let hits = match Query::parse(&q.q) {
                Ok(query) => index.search(&query, &all, 3),
                Err(_) => Vec::new(),
            };
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            if round > 0 {
                continue;
            }
            if let Ok(query) = Query::parse(&q.q) {
                if !crate::assistant::answer(index, &query, &all).is_empty() {
                    answered += 1;
                }
            }
            // A hit stands for its first lesson: the lesson itself, the lesson a task or an
            // explanation points at, the first lesson a FAQ entry names.
            let got: Vec<String> = hits
                .iter()
                .map(|h| match h.passage.kind {
                    Kind::Faq => h
                        .passage
                        .lessons
                        .iter()
                        .map(|(c, l)| format!("{c}/{l}"))
                        .collect::<Vec<_>>()
                        .join("|"),
                    _ => h
                        .passage
                        .lessons
                        .first()
                        .map(|(c, l)| format!("{c}/{l}"))
                        .unwrap_or_default(),
                })
                .collect();
            let answers = |g: &String| g.split('|').any(|one| q.lessons.iter().any(|l| l == one));
            if got.first().is_some_and(answers) {
                top1 += 1;
            }
            if got.iter().take(3).any(answers) {
                top3 += 1;
            } else {
                misses.push(Miss {
                    question: q.q.clone(),
                    expected: q.lessons.clone(),
                    got,
                });
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |share: f64| {
        let i = ((times.len() as f64 * share).ceil() as usize).saturating_sub(1);
        times.get(i).copied().unwrap_or(0.0)
    };
    let n = fixture.question.len().max(1) as f64;
    Ok(Report {
        questions: fixture.question.len(),
        top1: top1 as f64 / n,
        top3: top3 as f64 / n,
        answered: answered as f64 / n,
        p50_ms: at(0.5),
        p95_ms: at(0.95),
        max_ms: times.last().copied().unwrap_or(0.0),
        rounds: rounds.max(1),
        misses,
    })
}
