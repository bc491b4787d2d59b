//! Completion rules: a course is complete when every lesson is complete, every quiz passed and,
//! when the course requires them, every practice task passed.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::Course;

/// What one learner has done in one course, as the store reports it.
#[derive(Debug, Default, Clone)]
pub struct LearnerRecord {
    pub lessons_completed: BTreeSet<String>,
    pub quizzes_passed: BTreeSet<String>,
    /// Practice tasks passed.
    pub tasks_passed: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseStatus {
    pub lessons_completed: usize,
    pub lessons_total: usize,
    pub quizzes_passed: usize,
    pub quizzes_total: usize,
    /// Required practice tasks passed, and how many are required (0 unless `tasks_required`).
    pub tasks_passed: usize,
    pub tasks_total: usize,
    pub completed: bool,
    /// The next lesson to study, if any: the first not completed, in course order.
    pub next_lesson: Option<String>,
}

impl Course {
    /// Only ids of lessons and quizzes that still exist count: content may have changed since
    /// the learner's records were made.
    pub fn status(&self, record: &LearnerRecord) -> CourseStatus {
        let lessons_completed = self
            .lessons
            .iter()
            .filter(|l| record.lessons_completed.contains(&l.id))
            .count();
        // Practice quizzes are for learning, not evidence: they never block completion.
        let counted = self.quizzes.iter().filter(|q| q.counts());
        let quizzes_total = counted.clone().count();
        let quizzes_passed = counted
            .filter(|q| record.quizzes_passed.contains(&q.id))
            .count();
        let required: Vec<&str> = if self.tasks_required {
            self.tasks.iter().map(|t| t.id.as_str()).collect()
        } else {
            Vec::new()
        };
        let tasks_passed = required
            .iter()
            .filter(|t| record.tasks_passed.contains(**t))
            .count();
        CourseStatus {
            lessons_completed,
            tasks_passed,
            tasks_total: required.len(),
            lessons_total: self.lessons.len(),
            quizzes_passed,
            quizzes_total,
            completed: lessons_completed == self.lessons.len()
                && quizzes_passed == quizzes_total
                && tasks_passed == required.len(),
            next_lesson: self
                .lessons
                .iter()
                .find(|l| !record.lessons_completed.contains(&l.id))
                .map(|l| l.id.clone()),
        }
    }
}
