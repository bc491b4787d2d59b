//! The ward's dashboard: per unit (with drill-down) and per group, actual against target, a
//! weekly trend and the ranking of tổ dân phố. Every figure comes from the store's
//! pre-aggregated counters (see `hocvuso_store::aggregates`), so the cost does not grow with
//! the number of learners.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use hocvuso_store::aggregates::{
    self, week_of, week_start, ALL_GROUPS, CERTIFIED, DIGITAL_HOUSEHOLDS, HOUSEHOLDS, MEMBERS,
    MENTORS, MENTORS_AT_BAR, PATH_COMPLETED,
};
use hocvuso_store::Unit;

use crate::auth::Scope;
use crate::error::AppError;
use crate::state::AppState;

/// The metrics a target can be set for.
pub const TARGET_METRICS: [&str; 4] = [
    PATH_COMPLETED,
    CERTIFIED,
    DIGITAL_HOUSEHOLDS,
    MENTORS_AT_BAR,
];
pub const TREND_WEEKS: i32 = 12;
pub const NEIGHBOURHOOD: &str = "neighbourhood";

/// The plan's section III figures (and IV.7.1–7.2 for households and mentors), used when an
/// administrator has set nothing for the year: (group, metric, percent).
pub fn default_targets(year: i32) -> Vec<(&'static str, &'static str, f64)> {
    if year <= 2025 {
        vec![
            ("civil-servant", PATH_COMPLETED, 100.0),
            ("student", PATH_COMPLETED, 100.0),
            ("citizen", PATH_COMPLETED, 90.0),
            ("citizen", CERTIFIED, 65.0),
            ("worker", PATH_COMPLETED, 80.0),
            (ALL_GROUPS, DIGITAL_HOUSEHOLDS, 100.0),
            (ALL_GROUPS, MENTORS_AT_BAR, 100.0),
        ]
    } else {
        vec![
            ("civil-servant", PATH_COMPLETED, 100.0),
            ("student", PATH_COMPLETED, 100.0),
            ("citizen", PATH_COMPLETED, 100.0),
            ("citizen", CERTIFIED, 80.0),
            ("worker", PATH_COMPLETED, 100.0),
            (ALL_GROUPS, DIGITAL_HOUSEHOLDS, 100.0),
            (ALL_GROUPS, MENTORS_AT_BAR, 100.0),
        ]
    }
}

/// The year's targets: the administrator's, over the plan's defaults.
pub async fn targets(
    state: &AppState,
    year: i32,
) -> Result<BTreeMap<(String, String), f64>, AppError> {
    let mut out: BTreeMap<(String, String), f64> = default_targets(year)
        .into_iter()
        .map(|(g, m, p)| ((g.to_owned(), m.to_owned()), p))
        .collect();
    out.extend(state.store.targets(year).await?);
    Ok(out)
}

/// One target to set: year, group (or "*"), metric, percent.
pub struct NewTarget {
    pub year: i32,
    pub group: String,
    pub metric: String,
    pub percent: f64,
}

/// The years targets and dashboards are kept for.
pub const PLAN_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// `year` when targets can exist for it; 422 `invalid_year` otherwise.
pub fn plan_year(year: i32) -> Result<i32, AppError> {
    if PLAN_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(AppError::unprocessable("invalid_year"))
    }
}

fn check_target(state: &AppState, t: &NewTarget) -> Result<(), AppError> {
    if !PLAN_YEARS.contains(&t.year) {
        return Err(AppError::unprocessable("invalid_year"));
    }
    if !TARGET_METRICS.contains(&t.metric.as_str()) {
        return Err(AppError::unprocessable("unknown_metric"));
    }
    let per_group = matches!(t.metric.as_str(), PATH_COMPLETED | CERTIFIED);
    if per_group && state.catalog().group(&t.group).is_none() || !per_group && t.group != ALL_GROUPS
    {
        return Err(AppError::unprocessable("unknown_group"));
    }
    if !(0.0..=100.0).contains(&t.percent) || t.percent.is_nan() {
        return Err(AppError::unprocessable("invalid_percent"));
    }
    Ok(())
}

/// Sets several targets: every one is checked first, then all are written in one transaction,
/// so a batch with one bad target changes nothing (a half-saved year of targets would report
/// against figures nobody decided).
pub async fn set_targets(
    state: &AppState,
    scope: &Scope,
    targets: &[NewTarget],
) -> Result<(), AppError> {
    scope.require_admin()?;
    for t in targets {
        check_target(state, t)?;
    }
    let rows: Vec<(i32, &str, &str, f64)> = targets
        .iter()
        .map(|t| (t.year, t.group.as_str(), t.metric.as_str(), t.percent))
        .collect();
    state.store.set_targets(&rows).await?;
    tracing::info!(by = scope.user.id, count = rows.len(), "targets set");
    Ok(())
}

#[derive(Serialize, ToSchema, Clone)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
}

impl From<&Unit> for UnitRef {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
        }
    }
}

/// One figure: how many, out of how many, the share, and the target.
#[derive(Serialize, ToSchema, Clone, Default)]
pub struct Figure {
    pub actual: i64,
    pub denominator: i64,
    /// actual / denominator × 100, one decimal; null when the denominator is 0.
    pub percent: Option<f64>,
    pub target: Option<f64>,
    /// Whether the share reaches the target (null without a target or a denominator).
    pub met: Option<bool>,
}

impl Figure {
    fn new(actual: i64, denominator: i64, target: Option<f64>) -> Self {
        let percent =
            (denominator > 0).then(|| (actual as f64 * 1000.0 / denominator as f64).round() / 10.0);
        Self {
            actual,
            denominator,
            percent,
            target,
            met: percent.zip(target).map(|(p, t)| p >= t),
        }
    }
}

#[derive(Serialize, ToSchema, Clone)]
pub struct GroupFigures {
    pub group: String,
    pub title: String,
    /// Registered people of the group in the unit.
    pub members: i64,
    /// People of the group the unit counts (declared, or the registered people).
    pub eligible: i64,
    pub path_completed: Figure,
    pub certified: Figure,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct UnitFigures {
    pub unit: UnitRef,
    pub members: i64,
    pub eligible: i64,
    pub path_completed: Figure,
    pub certified: Figure,
    pub digital_households: Figure,
    pub mentors_at_bar: Figure,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct WeekPoint {
    /// The Monday the week starts on (YYYY-MM-DD).
    pub week: String,
    /// People who had completed their path by the end of the week (cumulative).
    pub path_completed: i64,
    pub certified: i64,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Dashboard {
    pub year: i32,
    pub unit: UnitRef,
    /// From the outermost visible unit down to this one's parent.
    pub parents: Vec<UnitRef>,
    /// The whole unit (every group together; households and mentors).
    pub total: UnitFigures,
    pub groups: Vec<GroupFigures>,
    /// The units directly below, for drill-down.
    pub children: Vec<UnitFigures>,
    /// The tổ dân phố below the unit, best share of completed paths first.
    pub ranking: Vec<UnitFigures>,
    pub trend: Vec<WeekPoint>,
}

struct Counters {
    stats: HashMap<(i64, String, String), i64>,
    declared: HashMap<(i64, String), i64>,
    groups: Vec<String>,
}

impl Counters {
    fn get(&self, unit: i64, group: &str, metric: &str) -> i64 {
        self.stats
            .get(&(unit, group.to_owned(), metric.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    fn sum(&self, unit: i64, metric: &str) -> i64 {
        self.groups.iter().map(|g| self.get(unit, g, metric)).sum()
    }

    /// The denominator: what was declared for the unit; else, when something was declared
    /// below it, the larger of its registered people and the sum of its children's
    /// denominators; else its registered people (each counted once, even when they belong to
    /// two units below).
    fn eligible(&self, tree: &crate::app::units::Tree, unit: i64, group: &str) -> i64 {
        if let Some(n) = self.declared.get(&(unit, group.to_owned())) {
            return *n;
        }
        let members = self.get(unit, group, MEMBERS);
        let declared_below = tree
            .subtree(unit)
            .iter()
            .any(|u| *u != unit && self.declared.contains_key(&(*u, group.to_owned())));
        if !declared_below {
            return members;
        }
        let below: i64 = tree
            .children(unit)
            .iter()
            .map(|c| self.eligible(tree, c.id, group))
            .sum();
        below.max(members)
    }
}

fn unit_figures(
    c: &Counters,
    tree: &crate::app::units::Tree,
    unit: &Unit,
    targets: &BTreeMap<(String, String), f64>,
) -> UnitFigures {
    let eligible: i64 = c.groups.iter().map(|g| c.eligible(tree, unit.id, g)).sum();
    let all = |m: &str| targets.get(&(ALL_GROUPS.to_owned(), m.to_owned())).copied();
    UnitFigures {
        unit: unit.into(),
        members: c.sum(unit.id, MEMBERS),
        eligible,
        path_completed: Figure::new(c.sum(unit.id, PATH_COMPLETED), eligible, None),
        certified: Figure::new(c.sum(unit.id, CERTIFIED), eligible, None),
        digital_households: Figure::new(
            c.get(unit.id, ALL_GROUPS, DIGITAL_HOUSEHOLDS),
            c.get(unit.id, ALL_GROUPS, HOUSEHOLDS),
            all(DIGITAL_HOUSEHOLDS),
        ),
        mentors_at_bar: Figure::new(
            c.get(unit.id, ALL_GROUPS, MENTORS_AT_BAR),
            c.get(unit.id, ALL_GROUPS, MENTORS),
            all(MENTORS_AT_BAR),
        ),
    }
}

/// The dashboard of a unit the caller may see (404 otherwise), for a year.
pub async fn dashboard(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    year: Option<i32>,
) -> Result<Dashboard, AppError> {
    scope.require_manager()?;
    let unit = scope.unit(unit_id)?.clone();
    let now = state.clock.now();
    let year = year.unwrap_or(now.year());
    let tree = &scope.tree;
    let subtree = tree.subtree(unit.id);
    let stats = state
        .store
        .unit_stats(&subtree)
        .await?
        .into_iter()
        .map(|s| ((s.unit_id, s.group_id, s.metric), s.value))
        .collect();
    let c = Counters {
        stats,
        declared: state.store.eligible().await?,
        groups: state
            .catalog()
            .groups
            .iter()
            .map(|g| g.id.clone())
            .collect(),
    };
    let targets = targets(state, year).await?;
    let groups = state
        .catalog()
        .groups
        .iter()
        .map(|g| {
            let t = |m: &str| targets.get(&(g.id.clone(), m.to_owned())).copied();
            let eligible = c.eligible(tree, unit.id, &g.id);
            GroupFigures {
                group: g.id.clone(),
                title: g.title.clone(),
                members: c.get(unit.id, &g.id, MEMBERS),
                eligible,
                path_completed: Figure::new(
                    c.get(unit.id, &g.id, PATH_COMPLETED),
                    eligible,
                    t(PATH_COMPLETED),
                ),
                certified: Figure::new(c.get(unit.id, &g.id, CERTIFIED), eligible, t(CERTIFIED)),
            }
        })
        .collect();
    let children = tree
        .children(unit.id)
        .into_iter()
        .map(|u| unit_figures(&c, tree, u, &targets))
        .collect();
    let mut ranking: Vec<UnitFigures> = tree
        .of_kind_below(unit.id, NEIGHBOURHOOD)
        .into_iter()
        .map(|u| unit_figures(&c, tree, u, &targets))
        .collect();
    ranking.sort_by(|a, b| {
        b.path_completed
            .percent
            .unwrap_or(-1.0)
            .total_cmp(&a.path_completed.percent.unwrap_or(-1.0))
            .then(a.unit.name.cmp(&b.unit.name))
    });
    let this_week = week_of(now);
    let first = this_week - TREND_WEEKS + 1;
    let mut per_week: BTreeMap<i32, (i64, i64)> =
        (first..=this_week).map(|w| (w, (0, 0))).collect();
    for w in state.store.unit_weekly(unit.id, first).await? {
        if let Some(e) = per_week.get_mut(&w.week) {
            match w.metric.as_str() {
                aggregates::PATH_COMPLETED => e.0 += w.value,
                aggregates::CERTIFIED => e.1 += w.value,
                _ => {}
            }
        }
    }
    let total = unit_figures(&c, tree, &unit, &targets);
    let in_window: (i64, i64) = per_week
        .values()
        .fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    let (mut path, mut cert) = (
        total.path_completed.actual - in_window.0,
        total.certified.actual - in_window.1,
    );
    let trend = per_week
        .into_iter()
        .map(|(w, (p, c))| {
            path += p;
            cert += c;
            WeekPoint {
                week: week_start(w).to_string(),
                path_completed: path,
                certified: cert,
            }
        })
        .collect();
    let visible_parents: Vec<UnitRef> = tree
        .ancestors(unit.id)
        .into_iter()
        .skip(1)
        .filter(|a| scope.sees_unit(*a))
        .filter_map(|a| tree.get(a))
        .map(UnitRef::from)
        .rev()
        .collect();
    Ok(Dashboard {
        year,
        unit: (&unit).into(),
        parents: visible_parents,
        total,
        groups,
        children,
        ranking,
        trend,
    })
}

/// The unit a dashboard opens on when none is named: the caller's outermost one.
pub fn default_unit(scope: &Scope) -> Result<i64, AppError> {
    scope
        .tops()
        .first()
        .map(|u| u.id)
        .ok_or_else(AppError::not_found)
}
