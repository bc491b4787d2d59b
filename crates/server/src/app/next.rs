//! The learner's next step ("Học tiếp"): one thing to do now and a few more, each with the
//! reason in words. In order: what was assigned to them and is due soonest, then their path's
//! courses in path order, then competences their answers show they have not mastered; lessons
//! whose competences the placement check (or their answers) showed they know are skipped.

use std::collections::{BTreeMap, BTreeSet};

use hocvuso_course::{Course, LearnerRecord};
use hocvuso_store::User;
use serde::Serialize;

use crate::app::mastery::{self, Summary};
use crate::error::AppError;
use crate::state::AppState;

/// Suggestions shown besides the next step.
const MORE: usize = 3;

/// One thing to do, with why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `lesson`, `task` or `quiz`.
    pub kind: String,
    pub course_id: String,
    pub course_title: String,
    /// The lesson, task or quiz.
    pub item_id: String,
    pub title: String,
    pub url: String,
    /// Why this, in words ("Được giao, hạn 20/12/2026").
    pub reason: String,
    /// `assigned`, `path` or `weak`.
    pub because: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NextView {
    /// The one step that matters most; none when everything is done.
    pub next: Option<Step>,
    /// A few more, in the same order.
    pub more: Vec<Step>,
}

/// The next thing to do in a course: the next lesson worth reading (skipping what the learner
/// showed they know), else a practice task not passed, else a counted quiz not passed.
fn step_in(
    course: &Course,
    record: &LearnerRecord,
    summary: &Summary,
) -> Option<(String, String, String, String)> {
    if let Some(id) = mastery::next_lesson(course, &record.lessons_completed, summary) {
        let lesson = course.lesson(id)?;
        if !summary.can_skip(&lesson.competences) {
            return Some((
                "lesson".into(),
                lesson.id.clone(),
                lesson.title.clone(),
                format!("/courses/{}/lessons/{}", course.id, lesson.id),
            ));
        }
    }
    if let Some(task) = course
        .tasks
        .iter()
        .find(|t| !record.tasks_passed.contains(&t.id))
    {
        return Some((
            "task".into(),
            task.id.clone(),
            task.title.clone(),
            format!("/courses/{}/tasks/{}", course.id, task.id),
        ));
    }
    let quiz = course
        .quizzes
        .iter()
        .find(|q| q.counts() && !record.quizzes_passed.contains(&q.id))?;
    Some((
        "quiz".into(),
        quiz.id.clone(),
        quiz.title.clone(),
        format!("/courses/{}", course.id),
    ))
}

struct Builder<'a> {
    records: &'a BTreeMap<String, LearnerRecord>,
    summary: &'a Summary,
    steps: Vec<Step>,
}

impl Builder<'_> {
    fn push(&mut self, course: &Course, because: &str, reason: String) {
        let empty = LearnerRecord::default();
        let record = self.records.get(&course.id).unwrap_or(&empty);
        if course.status(record).completed {
            return;
        }
        let Some((kind, item_id, title, url)) = step_in(course, record, self.summary) else {
            return;
        };
        if self.steps.iter().any(|s| s.course_id == course.id) {
            return;
        }
        self.steps.push(Step {
            kind,
            course_id: course.id.clone(),
            course_title: course.title.clone(),
            item_id,
            title,
            url,
            reason,
            because: because.into(),
        });
    }
}

pub async fn next_for(state: &AppState, user: &User) -> Result<NextView, AppError> {
    let catalog = state.catalog();
    let t = crate::i18n_global();
    let summary = mastery::summary(state, user).await?;
    let records = state.store.learner_records(user.id).await?;
    let mut b = Builder {
        records: &records,
        summary: &summary,
        steps: Vec::new(),
    };
    // 1. Assigned, not completed, soonest due first.
    let mut due: Vec<_> = crate::app::assignments::due_for(state, user)
        .await?
        .into_iter()
        .filter(|d| d.completed_at.is_none())
        .collect();
    due.sort_by_key(|d| d.assignment.due_at);
    for d in &due {
        if let Some(course) = catalog.course(&d.assignment.course_id) {
            let date = d.assignment.due_at.date();
            let when = format!(
                "{:02}/{:02}/{}",
                date.day(),
                u8::from(date.month()),
                date.year()
            );
            b.push(
                course,
                "assigned",
                t.get("next.reason_assigned").replace("{date}", &when),
            );
        }
    }
    // 2. The learner's path, in order.
    let group = user.group.clone().unwrap_or_default();
    if let Some(g) = catalog.group(&group) {
        for id in &g.path {
            if let Some(course) = catalog.course(id) {
                b.push(
                    course,
                    "path",
                    t.get("next.reason_path").replace("{path}", &g.title),
                );
            }
        }
    }
    // 3. Competences answered but not mastered: a course of the learner's that teaches them.
    let visible: Vec<&Course> = if catalog.group(&group).is_some() {
        catalog.courses_for_group(&group)
    } else {
        catalog.all_courses()
    };
    let weak: BTreeSet<(String, String)> = summary
        .competences
        .iter()
        .filter(|c| c.answered > 0 && !c.mastered)
        .map(|c| (c.competence.clone(), c.title.clone()))
        .collect();
    for (code, title) in &weak {
        if let Some(course) = visible
            .iter()
            .find(|c| c.competences.iter().any(|k| k == code))
        {
            b.push(
                course,
                "weak",
                t.get("next.reason_weak").replace("{competence}", title),
            );
        }
    }
    let mut steps = b.steps.into_iter();
    let next = steps.next();
    Ok(NextView {
        next,
        more: steps.take(MORE).collect(),
    })
}
