//! `groups.toml`: the learner groups and their recommended paths.

use serde::{Deserialize, Serialize};

/// The group whose path makes a household a digital family ("Gia đình số", ward plan IV.7.2):
/// its path teaches the five basic digital skills of everyday life (CV 3240/BTTTT-CĐSQG) that
/// the plan wants one member of every household to have and pass on. Completing another
/// group's path (a civil servant's, a student's) does not count: those teach work and school
/// skills. Anyone may complete the citizen path too, and then counts, whatever their group.
pub const CITIZEN_GROUP: &str = "citizen";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Recommended course order.
    pub path: Vec<String>,
    /// `<course-id>/<quiz-id>` of the group's final quiz, if any.
    pub final_quiz: Option<QuizRef>,
    /// Extension: `<course-id>/<quiz-id>` of a placement check taken at the start of the path.
    pub placement: Option<QuizRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizRef {
    pub course: String,
    pub quiz: String,
}

impl QuizRef {
    pub fn parse(s: &str) -> Option<Self> {
        let (course, quiz) = s.split_once('/')?;
        Some(Self {
            course: course.to_owned(),
            quiz: quiz.to_owned(),
        })
    }
}

impl Group {
    /// A learner has completed their group's path when every course on it is complete. An empty
    /// path is never complete: there is nothing to have learnt.
    pub fn path_completed(&self, completed_courses: &std::collections::BTreeSet<String>) -> bool {
        !self.path.is_empty() && self.path.iter().all(|c| completed_courses.contains(c))
    }

    /// The course holding the group's final test: completing it is what the dashboard counts as
    /// "certified" (the evidence behind the plan's "xác nhận đạt phổ cập").
    pub fn certifying_course(&self) -> Option<&str> {
        self.final_quiz.as_ref().map(|q| q.course.as_str())
    }

    /// Whether revoking the completion of `revoked` takes back the path milestone: the course is
    /// on the path and the completions that remain (`remaining`, without it) no longer complete
    /// it. A revoked course off the path leaves the milestone alone, even when the path has
    /// changed since it was reached.
    pub fn path_lost_by_revoking(
        &self,
        revoked: &str,
        remaining: &std::collections::BTreeSet<String>,
    ) -> bool {
        self.path.iter().any(|c| c == revoked) && !self.path_completed(remaining)
    }

    /// Whether revoking the completion of `revoked` takes back the "certified" milestone.
    pub fn certified_lost_by_revoking(&self, revoked: &str) -> bool {
        self.certifying_course() == Some(revoked)
    }
}
