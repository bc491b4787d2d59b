//! The content check of a draft: the course loader over the published folder with the draft in
//! place of its course (problems block a save), then the item-writing rules (problems are shown
//! as warnings on the draft and block a publish, as `hocvuso content check` blocks CI).

use std::path::Path;

use serde::Serialize;

use hocvuso_course::{item_rules, Catalog};

/// A problem of the check, pinned to a file of the course (`lessons/01-x.md`, `course.toml`,
/// `questions.gift`) when it is about one, so a form can show it next to the field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldProblem {
    /// Relative to the course folder; a path outside it (`groups.toml`) starts with `../`.
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// What the check says of a draft.
pub struct Report {
    pub problems: Vec<FieldProblem>,
    pub warnings: Vec<FieldProblem>,
    /// The catalog as it would be served, when the draft loads.
    pub catalog: Option<Catalog>,
}

fn pin(course: &str, problem: &hocvuso_course::Problem) -> FieldProblem {
    let path = problem.file.to_string_lossy().replace('\\', "/");
    let prefix = format!("courses/{course}/");
    let file = match path.strip_prefix(&prefix) {
        Some(rest) => rest.to_owned(),
        None if path == format!("courses/{course}") => String::new(),
        None => format!("../{path}"),
    };
    FieldProblem {
        file,
        line: problem.line,
        message: problem.message.clone(),
    }
}

/// Loads the staged content folder at `root` and checks `course`'s questions.
pub fn run(root: &Path, course: &str) -> Report {
    match hocvuso_course::load(root) {
        Ok(catalog) => {
            let rules = item_rules::check(&catalog);
            let warnings = rules
                .problems
                .iter()
                .map(|p| pin(course, p))
                .filter(|p| !p.file.starts_with("../"))
                .collect();
            Report {
                problems: Vec::new(),
                warnings,
                catalog: Some(catalog),
            }
        }
        Err(problems) => Report {
            problems: problems.iter().map(|p| pin(course, p)).collect(),
            warnings: Vec::new(),
            catalog: None,
        },
    }
}
