//! Importing people from CSV or XLSX: name, username or phone, group, unit, household, birth
//! year. A dry run reports every problem with its row number; a real run writes everything in
//! one transaction or, if any row has a problem, nothing. Importing the same file twice
//! changes nothing: a person already in the caller's units with the same name and group is
//! matched, not created again. A username taken outside the caller's units is reported as
//! taken and nothing more (whose it is, or whether name and group match, is not the caller's
//! to learn); such a person joins only by accepting an invitation. Files are read by
//! `app::spreadsheet`, with bounds.
//!
//! Imported accounts have no password (nobody can sign in with them yet) and no consent
//! record: the unit imports its own records of people for its task. The person's first
//! sign-in is with a manager, on the manager's screen, where they agree to the privacy notice
//! and choose a password (`app::units::activate`).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use hocvuso_store::{ImportOutcome, NewUser, PlannedHousehold, PlannedPerson, PlannedRow};

use crate::auth::{Scope, ROLE_LEARNER};
use crate::error::AppError;
use crate::state::AppState;

/// The largest file accepted: a ward's list of people fits many times over.
pub const MAX_FILE: usize = 20 * 1024 * 1024;

pub use crate::app::spreadsheet::FileKind;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// The row number as a spreadsheet shows it (the header is row 1).
    pub line: usize,
    /// The column the problem is in (`name`, `username`, `group`, `unit`, `household`,
    /// `birth_year`), or null for the row or the file as a whole.
    pub column: Option<String>,
    /// The column's header as the page shows it (Vietnamese), or null.
    pub column_label: Option<String>,
    /// Stable key.
    pub error: String,
    /// Vietnamese text.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct Report {
    /// Rows after the header.
    pub rows: usize,
    pub problems: Vec<Problem>,
    pub new_people: usize,
    pub existing_people: usize,
    pub new_households: usize,
    /// True when the import was written (never for a dry run or a file with problems).
    pub written: bool,
}

fn problem(line: usize, key: &'static str, detail: &str) -> Problem {
    let t = crate::i18n_global();
    let base = t.error(key);
    Problem {
        line,
        column: None,
        column_label: None,
        error: key.to_owned(),
        message: if detail.is_empty() {
            base
        } else {
            format!("{base} ({detail})")
        },
    }
}

/// A problem in one cell: its row and its column.
fn at(line: usize, column: Column, key: &'static str, detail: &str) -> Problem {
    let mut p = problem(line, key, detail);
    p.column = Some(column.name().to_owned());
    p.column_label = Some(
        crate::i18n_global()
            .get(&format!("import.col_{}", column.name()))
            .to_owned(),
    );
    p
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Column {
    Name,
    Username,
    Group,
    Unit,
    Household,
    BirthYear,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Username => "username",
            Column::Group => "group",
            Column::Unit => "unit",
            Column::Household => "household",
            Column::BirthYear => "birth_year",
        }
    }
}

fn column(header: &str) -> Option<Column> {
    let h: String = header.trim().to_lowercase().nfc().collect();
    Some(match h.as_str() {
        "name" | "display_name" | "họ và tên" | "họ tên" | "ho_ten" => Column::Name,
        "username" | "phone" | "tên đăng nhập" | "số điện thoại" | "so_dien_thoai" => {
            Column::Username
        }
        "group" | "nhóm" | "nhom" => Column::Group,
        "unit" | "đơn vị" | "don_vi" => Column::Unit,
        "household" | "hộ gia đình" | "ho_gia_dinh" => Column::Household,
        "birth_year" | "năm sinh" | "nam_sinh" => Column::BirthYear,
        _ => return None,
    })
}

/// The one unit the caller sees whose name is `name` (NFC, case and spaces aside).
fn unit_by_name<'a>(scope: &'a Scope, name: &str) -> Option<&'a hocvuso_store::Unit> {
    let key = |s: &str| -> String {
        s.nfc()
            .flat_map(char::to_lowercase)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let wanted = key(name);
    if wanted.is_empty() {
        return None;
    }
    let mut found = scope
        .tree
        .all()
        .iter()
        .filter(|u| scope.sees_unit(u.id) && key(&u.name) == wanted);
    match (found.next(), found.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

/// Phone numbers as people write them (0905 123 456, +84 905.123.456) become one username.
pub fn normalise_username(s: &str) -> String {
    let t = s.trim();
    let digits_only = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '+'));
    if digits_only && t.chars().filter(char::is_ascii_digit).count() >= 9 {
        let d: String = t.chars().filter(char::is_ascii_digit).collect();
        match d.strip_prefix("84") {
            Some(rest) if t.starts_with('+') => format!("0{rest}"),
            _ => d,
        }
    } else {
        t.to_owned()
    }
}

/// Checks a file and, unless it is a dry run or has problems, writes it.
pub async fn import(
    state: &AppState,
    scope: &Scope,
    bytes: &[u8],
    kind: FileKind,
    dry_run: bool,
) -> Result<Report, AppError> {
    let catalog = state.catalog();
    scope.require_manager()?;
    let mut report = Report::default();
    // Reading a large sheet is seconds of CPU: off the async workers, which serve everyone.
    let bytes = bytes.to_vec();
    let read = actix_web::web::block(move || crate::app::spreadsheet::rows(&bytes, kind))
        .await
        .map_err(|e| AppError::internal_because("the spreadsheet reader stopped", e))?;
    let table = match read {
        Ok(t) => t,
        Err(e) => {
            report.problems.push(problem(e.line, e.key, ""));
            return Ok(report);
        }
    };
    let Some(header) = table.first() else {
        report.problems.push(problem(1, "missing_column", "name"));
        return Ok(report);
    };
    let mut columns: HashMap<Column, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        match column(h) {
            Some(c) if !columns.contains_key(&c) => {
                columns.insert(c, i);
            }
            _ => report.problems.push(problem(1, "unknown_column", h.trim())),
        }
    }
    for (c, name) in [
        (Column::Name, "name"),
        (Column::Username, "username"),
        (Column::Group, "group"),
        (Column::Unit, "unit"),
    ] {
        if !columns.contains_key(&c) {
            report.problems.push(at(1, c, "missing_column", name));
        }
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    let get = |row: &[String], c: Column| -> String {
        columns
            .get(&c)
            .and_then(|&i| row.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let year = state.clock.now().year();
    let mut seen: HashSet<String> = HashSet::new();
    let mut new_households: HashMap<String, i64> = HashMap::new();
    let mut plan = Vec::new();
    for (index, row) in table.iter().enumerate().skip(1) {
        let line = index + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        let before = report.problems.len();
        // The name is printed on certificates: the same policy as registration (NFC, no
        // control, bidirectional or invisible characters).
        let name = match crate::auth::policy::display_name(&get(row, Column::Name)) {
            Ok(name) => name,
            Err(e) => {
                report.problems.push(at(line, Column::Name, e.key, ""));
                String::new()
            }
        };
        let username = normalise_username(&get(row, Column::Username));
        if !crate::app::accounts::valid_username(&username) {
            report
                .problems
                .push(at(line, Column::Username, "invalid_username", &username));
        } else if !seen.insert(username.to_lowercase()) {
            report
                .problems
                .push(at(line, Column::Username, "duplicate_person", &username));
        }
        let group_text = get(row, Column::Group);
        let group = catalog
            .groups
            .iter()
            .find(|g| g.id == group_text || g.title.to_lowercase() == group_text.to_lowercase());
        if group.is_none() {
            report
                .problems
                .push(at(line, Column::Group, "unknown_group", &group_text));
        }
        let unit_code = get(row, Column::Unit);
        // Units outside the caller's scope are as unknown as units that do not exist.
        // A unit by its code, or by its name as people write it (case and Unicode form
        // aside), when exactly one unit the caller sees has that name.
        let unit = scope
            .tree
            .by_code(&unit_code)
            .filter(|u| scope.sees_unit(u.id))
            .or_else(|| unit_by_name(scope, &unit_code));
        if unit.is_none() {
            report
                .problems
                .push(at(line, Column::Unit, "unknown_unit", &unit_code));
        }
        let birth_year = match get(row, Column::BirthYear).as_str() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) if (1900..=year).contains(&y) => Some(y),
                _ => {
                    report
                        .problems
                        .push(at(line, Column::BirthYear, "invalid_birth_year", y));
                    None
                }
            },
        };
        let household_code = get(row, Column::Household);
        let mut household = None;
        if let (Some(u), false) = (unit, household_code.is_empty()) {
            if !crate::app::units::valid_code(&household_code) {
                report.problems.push(at(
                    line,
                    Column::Household,
                    "invalid_household_code",
                    &household_code,
                ));
            } else if let Some(h) = state.store.household_by_code(&household_code).await? {
                if h.unit_id == u.id {
                    household = Some(PlannedHousehold::Existing(h.id));
                } else if scope.sees_unit(h.unit_id) {
                    report.problems.push(at(
                        line,
                        Column::Household,
                        "household_elsewhere",
                        &household_code,
                    ));
                } else {
                    // Another unit's household: the code is taken (as creating a household
                    // would say), and nothing more about it.
                    report.problems.push(at(
                        line,
                        Column::Household,
                        "household_code_taken",
                        &household_code,
                    ));
                }
            } else {
                match new_households.get(&household_code) {
                    Some(&hu) if hu != u.id => report.problems.push(at(
                        line,
                        Column::Household,
                        "household_elsewhere",
                        &household_code,
                    )),
                    Some(_) => {}
                    None => {
                        new_households.insert(household_code.clone(), u.id);
                    }
                }
                household = Some(PlannedHousehold::New {
                    code: household_code.clone(),
                    name: crate::i18n_global()
                        .get("import.household_name")
                        .replace("{code}", &household_code),
                });
            }
        }
        if report.problems.len() > before {
            continue;
        }
        let (Some(unit), Some(group)) = (unit, group) else {
            continue;
        };
        let existing = state.store.user_by_username(&username).await?;
        let person = match existing {
            // Someone outside the caller's scope: the username is taken (as registering would
            // say), and nothing more; whether name and group match is not the caller's to
            // learn, and such a person joins only by accepting an invitation.
            Some(u) if !crate::app::units::may_act_on(state, scope, u.id).await? => {
                report.problems.push(at(
                    line,
                    Column::Username,
                    "username_unavailable",
                    &username,
                ));
                continue;
            }
            Some(u) if u.display_name == name && u.group.as_deref() == Some(group.id.as_str()) => {
                report.existing_people += 1;
                PlannedPerson::Existing(u.id)
            }
            Some(_) => {
                report
                    .problems
                    .push(at(line, Column::Username, "person_mismatch", &username));
                continue;
            }
            None => {
                report.new_people += 1;
                PlannedPerson::New(NewUser {
                    username: username.clone(),
                    display_name: name.clone(),
                    // No password yet: the person gets one at their first sign-in with a
                    // manager (app::units::activate).
                    password_hash: hocvuso_store::NO_PASSWORD.into(),
                    group: Some(group.id.clone()),
                    birth_year,
                    roles: vec![ROLE_LEARNER.into()],
                    created_at: state.clock.now(),
                })
            }
        };
        plan.push(PlannedRow {
            person,
            unit_id: unit.id,
            household,
        });
    }
    report.new_households = new_households.len();
    if dry_run || !report.problems.is_empty() {
        return Ok(report);
    }
    let outcome: ImportOutcome = state
        .store
        .apply_import(plan, scope.user.id, state.clock.now())
        .await
        .map_err(|e| match e {
            hocvuso_store::StoreError::Conflict(_) => AppError::conflict("import_conflict"),
            other => other.into(),
        })?;
    tracing::info!(
        by = scope.user.id,
        created = outcome.people_created,
        memberships = outcome.memberships_added,
        "people imported"
    );
    report.written = true;
    Ok(report)
}
