//! Numbers about a catalog that authors and reviewers want: counts per course.

use serde::Serialize;

use crate::Catalog;

#[derive(Debug, Serialize)]
pub struct CourseStats {
    pub id: String,
    pub lessons: usize,
    pub words: usize,
    pub questions: usize,
}

pub fn course_stats(catalog: &Catalog) -> Vec<CourseStats> {
    catalog
        .courses
        .values()
        .map(|c| CourseStats {
            id: c.id.clone(),
            lessons: c.lessons.len(),
            words: c.lessons.iter().map(|l| l.words).sum(),
            questions: c.bank.len(),
        })
        .collect()
}
