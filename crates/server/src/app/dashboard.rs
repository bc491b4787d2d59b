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

/// The most people a unit's target may name.
pub const MAX_TARGET_PEOPLE: i64 = 100_000_000;

/// One group's target in people for a unit, as typed: `None` clears the unit's own figure.
#[derive(Debug, Clone)]
pub struct NewUnitTarget {
    pub group: String,
    pub people: Option<i64>,
}

/// Reads the typed figure of a group: empty clears it; digits (spaces and the thousands
/// separators "." and "," allowed, as people write 1.200) up to `MAX_TARGET_PEOPLE`.
pub fn parse_target_people(typed: &str) -> Result<Option<i64>, &'static str> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | ',' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("invalid_target_people");
    }
    match digits.parse::<i64>() {
        Ok(n) if n <= MAX_TARGET_PEOPLE => Ok(Some(n)),
        _ => Err("target_people_too_large"),
    }
}

/// Sets a unit's targets in people for a year: the caller must manage the unit (or an
/// ancestor of it) or be an administrator; 404 otherwise. Every figure is checked first and
/// all are written in one transaction, so a form with one bad figure changes nothing.
pub async fn set_unit_targets(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    year: i32,
    targets: &[NewUnitTarget],
) -> Result<(), AppError> {
    scope.require_manager()?;
    scope.unit(unit_id)?;
    plan_year(year)?;
    let catalog = state.catalog();
    for t in targets {
        if catalog.group(&t.group).is_none() {
            return Err(AppError::unprocessable("unknown_group").with_detail(t.group.clone()));
        }
        match t.people {
            Some(n) if n < 0 => {
                return Err(
                    AppError::unprocessable("invalid_target_people").with_detail(t.group.clone())
                )
            }
            Some(n) if n > MAX_TARGET_PEOPLE => {
                return Err(
                    AppError::unprocessable("target_people_too_large").with_detail(t.group.clone())
                )
            }
            _ => {}
        }
    }
    let rows: Vec<(String, Option<i64>)> = targets
        .iter()
        .map(|t| (t.group.clone(), t.people))
        .collect();
    state
        .store
        .set_unit_targets(unit_id, year, &rows, scope.user.id, state.clock.now())
        .await?;
    tracing::info!(by = scope.user.id, unit = unit_id, year, "unit targets set");
    Ok(())
}

/// A unit's targets for a year, group by group: its own figure (if set) and the one the
/// dashboard uses (own, from the units below, or from the year's percentage target).
#[derive(Serialize, ToSchema, Clone)]
pub struct UnitTargetLine {
    pub group: String,
    pub title: String,
    /// The unit's own figure; null when none is set.
    pub own: Option<i64>,
    /// What the dashboard counts against (own, else set below, else from the plan's percent).
    pub effective: Option<PeopleTarget>,
    /// The unit's denominator for the group.
    pub eligible: i64,
}

pub async fn unit_targets(
    state: &AppState,
    scope: &Scope,
    unit_id: i64,
    year: i32,
) -> Result<Vec<UnitTargetLine>, AppError> {
    scope.require_manager()?;
    scope.unit(unit_id)?;
    plan_year(year)?;
    let d = dashboard(state, scope, unit_id, Some(year)).await?;
    let own = state.store.unit_targets(year).await?;
    Ok(d.groups
        .into_iter()
        .map(|g| UnitTargetLine {
            own: own.get(&(unit_id, g.group.clone())).copied(),
            group: g.group,
            title: g.title,
            effective: g.target,
            eligible: g.eligible,
        })
        .collect())
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

/// Progress against a unit's target in people: the ward plan's figure for the unit.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct PeopleTarget {
    /// How many people the unit plans to bring through their path this year.
    pub people: i64,
    /// How many have completed it.
    pub reached: i64,
    /// reached / people × 100, one decimal (null when the target is 0).
    pub percent: Option<f64>,
    /// `unit`: the unit's own figure; `below`: the sum of the figures set for the units below;
    /// `plan`: the year's percentage target applied to the unit's denominator.
    pub source: String,
}

impl PeopleTarget {
    fn new(people: i64, reached: i64, source: &str) -> Self {
        Self {
            people,
            reached,
            percent: (people > 0).then(|| (reached as f64 * 1000.0 / people as f64).round() / 10.0),
            source: source.to_owned(),
        }
    }
}

/// The units' own targets in people, and how a unit without its own figure gets one.
pub struct PeopleTargets {
    own: HashMap<(i64, String), i64>,
}

impl PeopleTargets {
    pub fn new(own: HashMap<(i64, String), i64>) -> Self {
        Self { own }
    }

    /// The unit's own figure for a group, else the sum of the figures set below it (each
    /// child counted by the same rule), else none.
    fn set_at_or_below(
        &self,
        tree: &crate::app::units::Tree,
        unit: i64,
        group: &str,
    ) -> Option<(i64, &'static str)> {
        if let Some(n) = self.own.get(&(unit, group.to_owned())) {
            return Some((*n, "unit"));
        }
        let below: Vec<i64> = tree
            .children(unit)
            .iter()
            .filter_map(|c| self.set_at_or_below(tree, c.id, group).map(|t| t.0))
            .collect();
        (!below.is_empty()).then(|| (below.iter().sum(), "below"))
    }

    /// The target of a unit for a group: set at or below it, or else the year's percentage
    /// target of the group applied to the unit's denominator (rounded up).
    fn of(
        &self,
        tree: &crate::app::units::Tree,
        unit: i64,
        group: &str,
        plan_percent: Option<f64>,
        eligible: i64,
    ) -> Option<(i64, &'static str)> {
        self.set_at_or_below(tree, unit, group).or_else(|| {
            let p = plan_percent?;
            (eligible > 0).then(|| ((eligible as f64 * p / 100.0).ceil() as i64, "plan"))
        })
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
    /// Completed paths against the unit's target in people for the group.
    pub target: Option<PeopleTarget>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct UnitFigures {
    pub unit: UnitRef,
    pub members: i64,
    pub eligible: i64,
    /// Completed paths against the unit's targets in people, every group with a target
    /// together.
    pub target: Option<PeopleTarget>,
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

/// A unit's target in people, every group with a target together; the source is the
/// unit's own when any group's figure is its own.
fn unit_target(
    c: &Counters,
    tree: &crate::app::units::Tree,
    unit: i64,
    targets: &BTreeMap<(String, String), f64>,
    people: &PeopleTargets,
) -> Option<PeopleTarget> {
    let mut total: Option<(i64, i64, &'static str)> = None;
    for g in &c.groups {
        let plan = targets
            .get(&(g.clone(), PATH_COMPLETED.to_owned()))
            .copied();
        if let Some((n, source)) = people.of(tree, unit, g, plan, c.eligible(tree, unit, g)) {
            let reached = c.get(unit, g, PATH_COMPLETED);
            let t = total.get_or_insert((0, 0, source));
            t.0 += n;
            t.1 += reached;
            if source == "unit" || (source == "below" && t.2 == "plan") {
                t.2 = source;
            }
        }
    }
    total.map(|(n, r, s)| PeopleTarget::new(n, r, s))
}

fn unit_figures(
    c: &Counters,
    tree: &crate::app::units::Tree,
    unit: &Unit,
    targets: &BTreeMap<(String, String), f64>,
    people: &PeopleTargets,
) -> UnitFigures {
    let eligible: i64 = c.groups.iter().map(|g| c.eligible(tree, unit.id, g)).sum();
    let all = |m: &str| targets.get(&(ALL_GROUPS.to_owned(), m.to_owned())).copied();
    UnitFigures {
        unit: unit.into(),
        members: c.sum(unit.id, MEMBERS),
        eligible,
        target: unit_target(c, tree, unit.id, targets, people),
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
    let people = PeopleTargets::new(state.store.unit_targets(year).await?);
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
                target: people
                    .of(tree, unit.id, &g.id, t(PATH_COMPLETED), eligible)
                    .map(|(n, source)| {
                        PeopleTarget::new(n, c.get(unit.id, &g.id, PATH_COMPLETED), source)
                    }),
            }
        })
        .collect();
    let children = tree
        .children(unit.id)
        .into_iter()
        .map(|u| unit_figures(&c, tree, u, &targets, &people))
        .collect();
    let mut ranking: Vec<UnitFigures> = tree
        .of_kind_below(unit.id, NEIGHBOURHOOD)
        .into_iter()
        .map(|u| unit_figures(&c, tree, u, &targets, &people))
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
    let total = unit_figures(&c, tree, &unit, &targets, &people);
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
