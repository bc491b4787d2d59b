//! The learner's next step ("Học tiếp"): one thing to do now and a few more, each with the
//! reason in words. In order: what was assigned to them and is due soonest, then their path's
//! courses in path order, then competences their answers show they have not mastered; lessons
//! whose competences the placement check (or their answers) showed they know are skipped.
//!
//! The weekly goal is here too: a learner may set one (lessons or minutes of lessons per week,
//! Monday to Sunday in Vietnam's time), shown with its progress beside the next step. No
//! streaks, nothing carried over: each week starts afresh.

use std::collections::{BTreeMap, BTreeSet};

use hocvuso_course::{Course, LearnerRecord};
use hocvuso_store::User;
use serde::Serialize;
use time::OffsetDateTime;

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
    /// The learner's weekly goal and this week's progress; none when they set no goal.
    pub goal: Option<GoalView>,
}

/// What a weekly goal counts: lessons read, or the minutes those lessons take.
pub const GOAL_KINDS: [&str; 2] = ["lessons", "minutes"];
/// The targets a goal may have, by kind (inclusive).
pub const GOAL_LESSONS: (i32, i32) = (1, 50);
pub const GOAL_MINUTES: (i32, i32) = (5, 1200);

/// A weekly goal and how far the learner is this week.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GoalView {
    /// `lessons` or `minutes`.
    pub kind: String,
    /// Lessons, or minutes, per week.
    pub target: i32,
    /// This week so far: lessons read for the first time, or the minutes those lessons take.
    pub done: i32,
    /// `done` of `target` in percent, at most 100.
    pub percent: u8,
    /// The target is reached this week.
    pub reached: bool,
    /// The week counted, Monday to Sunday in Vietnam's time (dates, `YYYY-MM-DD`).
    pub week_start: String,
    pub week_end: String,
    /// In words, in the caller's language ("2 / 5 bài học tuần này").
    pub summary: String,
}

/// The current week's bounds: Monday 00:00 to the next Monday 00:00, in Vietnam's time.
fn week_of(now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let local = crate::views::in_vietnam(now);
    let monday =
        local.date() - time::Duration::days(i64::from(local.weekday().number_days_from_monday()));
    let start = monday.midnight().assume_offset(time::macros::offset!(+7));
    (start, start + time::Duration::days(7))
}

/// Checks a goal as a learner sent it: a known kind and a target within its bounds.
pub fn valid_goal(kind: &str, target: i32) -> Result<(), AppError> {
    let (min, max) = match kind {
        "lessons" => GOAL_LESSONS,
        "minutes" => GOAL_MINUTES,
        _ => return Err(AppError::bad_request("goal_invalid")),
    };
    if !(min..=max).contains(&target) {
        return Err(AppError::bad_request("goal_invalid"));
    }
    Ok(())
}

/// The learner's weekly goal with this week's progress, if they set one.
pub async fn goal_for(state: &AppState, user: &User) -> Result<Option<GoalView>, AppError> {
    let Some(goal) = state.store.weekly_goal(user.id).await? else {
        return Ok(None);
    };
    let (start, end) = week_of(state.clock.now());
    let read = state
        .store
        .lessons_completed_between(user.id, start, end)
        .await?;
    let done = if goal.kind == "minutes" {
        let catalog = state.catalog();
        read.iter()
            .filter_map(|(c, l)| catalog.course(c).and_then(|c| c.lesson(l)))
            .map(|l| i32::try_from(l.minutes).unwrap_or(i32::MAX))
            .fold(0i32, i32::saturating_add)
    } else {
        i32::try_from(read.len()).unwrap_or(i32::MAX)
    };
    let target = goal.target.max(1);
    let percent = (i64::from(done.min(target)) * 100 / i64::from(target)) as u8;
    let t = crate::i18n::current();
    let summary = t
        .get(if goal.kind == "minutes" {
            "goal.summary_minutes"
        } else {
            "goal.summary_lessons"
        })
        .replace("{done}", &done.to_string())
        .replace("{target}", &goal.target.to_string());
    Ok(Some(GoalView {
        kind: goal.kind,
        target: goal.target,
        done,
        percent,
        reached: done >= goal.target,
        week_start: start.date().to_string(),
        week_end: (end - time::Duration::days(1)).date().to_string(),
        summary,
    }))
}

/// Sets (or replaces) the learner's weekly goal; refused, nothing saved, when it is not valid.
pub async fn set_goal(
    state: &AppState,
    user: &User,
    kind: &str,
    target: i32,
) -> Result<GoalView, AppError> {
    valid_goal(kind, target)?;
    state
        .store
        .set_weekly_goal(
            user.id,
            &hocvuso_store::WeeklyGoal {
                kind: kind.to_owned(),
                target,
            },
            state.clock.now(),
        )
        .await?;
    goal_for(state, user).await?.ok_or_else(AppError::internal)
}

/// Removes the learner's weekly goal.
pub async fn clear_goal(state: &AppState, user: &User) -> Result<(), AppError> {
    Ok(state.store.clear_weekly_goal(user.id).await?)
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
    let summary = mastery::summary(state, user).await?;
    let records = state.store.learner_records(user.id).await?;
    let due = crate::app::assignments::due_for(state, user).await?;
    next_from(state, user, &records, &summary, &due).await
}

/// `next_for` from what the caller already read (the catalog page reads the learner's records,
/// mastery and assignments once for its cards and this).
pub async fn next_from(
    state: &AppState,
    user: &User,
    records: &BTreeMap<String, LearnerRecord>,
    summary: &Summary,
    due: &[crate::app::assignments::Due],
) -> Result<NextView, AppError> {
    let catalog = state.catalog();
    let t = crate::i18n_global();
    let mut b = Builder {
        records,
        summary,
        steps: Vec::new(),
    };
    // 1. Assigned, not completed, soonest due first.
    let mut due: Vec<_> = due.iter().filter(|d| d.completed_at.is_none()).collect();
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
        goal: goal_for(state, user).await?,
    })
}
