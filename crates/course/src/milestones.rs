//! The milestones the dashboard counts for a learner, as rules over their valid (unrevoked)
//! course completions: their own group's path, their own group's final test ("certified"), and
//! the citizen path whatever their group (what makes a household a digital family, see
//! [`crate::CITIZEN_GROUP`]). The store records and takes them back inside its transactions;
//! the rules live here so they are written once.

use std::collections::BTreeSet;

use crate::Group;

/// A learner's milestones, as reached by their completions or lost by a revocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Milestones {
    /// Their own group's path.
    pub path: bool,
    /// Their own group's final test.
    pub certified: bool,
    /// The citizen path, whatever their group: what makes their household a digital family.
    pub citizen_path: bool,
}

impl Milestones {
    pub fn any(&self) -> bool {
        self.path || self.certified || self.citizen_path
    }

    /// The milestones `completed` (the learner's valid course completions) reaches, for a
    /// learner of group `own` (None: no group, or one the content no longer has); `citizen` is
    /// the citizen group, if the content has it.
    pub fn reached(
        own: Option<&Group>,
        citizen: Option<&Group>,
        completed: &BTreeSet<String>,
    ) -> Self {
        Self {
            path: own.is_some_and(|g| g.path_completed(completed)),
            certified: own
                .and_then(Group::certifying_course)
                .is_some_and(|c| completed.contains(c)),
            citizen_path: citizen.is_some_and(|g| g.path_completed(completed)),
        }
    }

    /// The milestones revoking the completion of course `revoked` takes back, `remaining` being
    /// the valid completions left without it: a path whose course it was and that the rest no
    /// longer completes; "certified" when it held the final test.
    pub fn lost_by_revoking(
        own: Option<&Group>,
        citizen: Option<&Group>,
        revoked: &str,
        remaining: &BTreeSet<String>,
    ) -> Self {
        Self {
            path: own.is_some_and(|g| g.path_lost_by_revoking(revoked, remaining)),
            certified: own.is_some_and(|g| g.certified_lost_by_revoking(revoked)),
            citizen_path: citizen.is_some_and(|g| g.path_lost_by_revoking(revoked, remaining)),
        }
    }

    /// Both sets together.
    pub fn or(self, other: Self) -> Self {
        Self {
            path: self.path || other.path,
            certified: self.certified || other.certified,
            citizen_path: self.citizen_path || other.citizen_path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::QuizRef;

    fn group(id: &str, path: &[&str], final_course: Option<&str>) -> Group {
        Group {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            path: path.iter().map(|c| (*c).to_owned()).collect(),
            final_quiz: final_course.map(|c| QuizRef {
                course: c.into(),
                quiz: "cuoi".into(),
            }),
            placement: None,
        }
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_learner_reaches_their_path_only_when_every_course_on_it_is_complete() {
        let own = group("cong-chuc", &["a", "b"], Some("b"));
        assert_eq!(
            Milestones::reached(Some(&own), None, &set(&["a"])),
            Milestones::default()
        );
        let both = Milestones::reached(Some(&own), None, &set(&["a", "b"]));
        assert!(both.path && both.certified && !both.citizen_path);
    }

    #[test]
    fn the_final_test_certifies_even_before_the_path_is_complete() {
        let own = group("cong-chuc", &["a", "b"], Some("b"));
        let m = Milestones::reached(Some(&own), None, &set(&["b"]));
        assert!(m.certified && !m.path);
    }

    #[test]
    fn anyone_who_completes_the_citizen_path_reaches_it_whatever_their_group() {
        let own = group("hoc-sinh", &["x"], None);
        let citizen = group(crate::CITIZEN_GROUP, &["a", "c"], None);
        let m = Milestones::reached(Some(&own), Some(&citizen), &set(&["a", "c"]));
        assert_eq!(
            m,
            Milestones {
                path: false,
                certified: false,
                citizen_path: true
            }
        );
        assert!(!Milestones::reached(None, Some(&citizen), &set(&["a"])).any());
    }

    #[test]
    fn a_learner_without_a_group_reaches_no_group_milestone() {
        let m = Milestones::reached(None, None, &set(&["a", "b"]));
        assert!(!m.any());
    }

    #[test]
    fn revoking_a_course_on_the_path_takes_back_the_path_and_the_citizen_path() {
        let citizen = group(crate::CITIZEN_GROUP, &["a", "c"], Some("c"));
        let lost = Milestones::lost_by_revoking(Some(&citizen), Some(&citizen), "a", &set(&["c"]));
        assert_eq!(
            lost,
            Milestones {
                path: true,
                certified: false,
                citizen_path: true
            }
        );
    }

    #[test]
    fn revoking_the_final_test_takes_back_certified() {
        let own = group("cong-chuc", &["a", "b"], Some("b"));
        let lost = Milestones::lost_by_revoking(Some(&own), None, "b", &set(&["a"]));
        assert!(lost.certified && lost.path && !lost.citizen_path);
    }

    #[test]
    fn revoking_a_course_off_the_path_takes_nothing_back() {
        let own = group("cong-chuc", &["a", "b"], Some("b"));
        let citizen = group(crate::CITIZEN_GROUP, &["c"], None);
        let lost =
            Milestones::lost_by_revoking(Some(&own), Some(&citizen), "z", &set(&["a", "b", "c"]));
        assert!(!lost.any());
    }

    #[test]
    fn milestones_combine_by_either() {
        let a = Milestones {
            path: true,
            ..Milestones::default()
        };
        let b = Milestones {
            citizen_path: true,
            ..Milestones::default()
        };
        assert_eq!(
            a.or(b),
            Milestones {
                path: true,
                certified: false,
                citizen_path: true
            }
        );
    }
}
