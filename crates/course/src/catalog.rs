//! The whole accepted content: what the server serves.

use std::collections::BTreeMap;

use crate::{Course, Framework, Group};

#[derive(Debug, Clone)]
pub struct Catalog {
    pub framework: Framework,
    pub groups: Vec<Group>,
    pub courses: BTreeMap<String, Course>,
    /// Hash over every course version and the framework and groups files.
    pub version: String,
}

impl Catalog {
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.get(id)
    }

    /// The languages some lesson is translated into, sorted (Vietnamese, the original, is not
    /// listed).
    pub fn languages(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .courses
            .values()
            .flat_map(|c| c.lessons.iter())
            .flat_map(|l| l.translations.keys().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The courses a group sees: its path first, in path order, then the other courses written
    /// for the group, by id.
    pub fn courses_for_group(&self, group: &str) -> Vec<&Course> {
        let mut out: Vec<&Course> = Vec::new();
        if let Some(g) = self.group(group) {
            out.extend(g.path.iter().filter_map(|id| self.courses.get(id)));
        }
        for c in self.courses.values() {
            if c.groups.iter().any(|g| g == group) && !out.iter().any(|o| o.id == c.id) {
                out.push(c);
            }
        }
        out
    }

    pub fn all_courses(&self) -> Vec<&Course> {
        self.courses.values().collect()
    }
}
