//! Completion exports: CSV (UTF-8, header row, optional BOM for Excel, formula-looking cells
//! neutralised), XLSX and JSON Lines. Columns are the same in every format.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use hocvuso_store::{CompletionFilter, CompletionRow};

use crate::error::AppError;
use crate::state::AppState;
use crate::views::rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Jsonl,
    /// xAPI statements, one per line (`completed`, actor = the learner's opaque reference).
    Xapi,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "jsonl" => Some(Self::Jsonl),
            "xapi" => Some(Self::Xapi),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Jsonl => "jsonl",
            Self::Xapi => "xapi.jsonl",
        }
    }

    /// The name in the `format` query parameter and in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Jsonl => "jsonl",
            Self::Xapi => "xapi",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Jsonl | Self::Xapi => "application/x-ndjson; charset=utf-8",
        }
    }
}

pub const COLUMNS: [&str; 9] = [
    "certificate_id",
    "username",
    "display_name",
    "group",
    "course_id",
    "course_title",
    "completed_at",
    "score_percent",
    "revoked",
];

#[derive(Serialize)]
struct Row<'a> {
    certificate_id: &'a str,
    username: &'a str,
    display_name: &'a str,
    group: &'a str,
    course_id: &'a str,
    course_title: &'a str,
    completed_at: String,
    score_percent: Option<f64>,
    revoked: bool,
}

impl Row<'_> {
    fn cells(&self) -> [String; 9] {
        [
            self.certificate_id.to_owned(),
            self.username.to_owned(),
            self.display_name.to_owned(),
            self.group.to_owned(),
            self.course_id.to_owned(),
            self.course_title.to_owned(),
            self.completed_at.clone(),
            self.score_percent
                .map(|s| s.to_string())
                .unwrap_or_default(),
            self.revoked.to_string(),
        ]
    }
}

fn parse_bound(s: &str, end_of_day: bool) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let d = Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let d = if end_of_day { d.next_day()? } else { d };
    Some(d.with_time(Time::MIDNIGHT).assume_utc())
}

pub fn filter(
    group: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<CompletionFilter, AppError> {
    let bound = |s: Option<&str>, end: bool| -> Result<Option<OffsetDateTime>, AppError> {
        match s.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_bound(s, end)
                .map(Some)
                .ok_or_else(|| AppError::bad_request("invalid_date")),
        }
    };
    Ok(CompletionFilter {
        group: group.filter(|g| !g.is_empty()).map(str::to_owned),
        from: bound(from, false)?,
        to: bound(to, true)?,
    })
}

/// The filter as JSON text, for the export audit log.
pub fn describe(f: &CompletionFilter) -> String {
    serde_json::json!({
        "group": f.group,
        "from": f.from.map(rfc3339),
        "to": f.to.map(rfc3339),
    })
    .to_string()
}

/// A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe
/// makes it text (OWASP's advice against CSV injection).
fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

pub fn render(
    state: &AppState,
    format: Format,
    rows: &[CompletionRow],
    bom: bool,
) -> Result<Vec<u8>, AppError> {
    if format == Format::Xapi {
        return xapi_lines(state, rows);
    }
    let rows: Vec<Row<'_>> = rows
        .iter()
        .map(|r| Row {
            certificate_id: &r.completion.certificate_id,
            username: &r.username,
            display_name: &r.display_name,
            group: r.group.as_deref().unwrap_or(""),
            course_id: &r.completion.course_id,
            course_title: state
                .catalog
                .course(&r.completion.course_id)
                .map(|c| c.title.as_str())
                .unwrap_or(""),
            completed_at: rfc3339(r.completion.completed_at),
            score_percent: r.completion.score_percent,
            revoked: r.completion.revoked_at.is_some(),
        })
        .collect();
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "export failed");
        AppError::internal()
    };
    match format {
        Format::Csv => {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice("\u{feff}".as_bytes());
            }
            let mut w = csv::Writer::from_writer(out);
            w.write_record(COLUMNS).map_err(|e| failed(&e))?;
            for r in &rows {
                let cells = r.cells();
                w.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
                    .map_err(|e| failed(&e))?;
            }
            w.into_inner().map_err(|e| failed(&e))
        }
        Format::Xapi => xapi_lines(state, &[]),
        Format::Jsonl => {
            let mut out = Vec::new();
            for r in &rows {
                serde_json::to_writer(&mut out, r).map_err(|e| failed(&e))?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Xlsx => {
            use rust_xlsxwriter::{Format as XFormat, Workbook};
            let mut wb = Workbook::new();
            let sheet = wb.add_worksheet();
            sheet.set_name("completions").map_err(|e| failed(&e))?;
            let bold = XFormat::new().set_bold();
            for (c, name) in COLUMNS.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, *name, &bold)
                    .map_err(|e| failed(&e))?;
            }
            for (i, r) in rows.iter().enumerate() {
                let row = (i + 1) as u32;
                for (c, cell) in r.cells().iter().enumerate() {
                    if c == 7 {
                        if let Some(s) = r.score_percent {
                            sheet
                                .write_number(row, c as u16, s)
                                .map_err(|e| failed(&e))?;
                        }
                        continue;
                    }
                    sheet
                        .write_string(row, c as u16, cell)
                        .map_err(|e| failed(&e))?;
                }
            }
            wb.save_to_buffer().map_err(|e| failed(&e))
        }
    }
}

/// One xAPI `completed` statement per completion. The actor is the learner's opaque reference
/// (rows without one are skipped: the caller assigns references before rendering).
fn xapi_lines(state: &AppState, rows: &[CompletionRow]) -> Result<Vec<u8>, AppError> {
    use hocvuso_credentials::xapi::{self, Activity, StatementInput, Verb};
    use hocvuso_credentials::LearnerRef;
    let base = &state.issuer.base;
    let platform = crate::i18n_global().get("site.name").to_owned();
    let mut out = Vec::new();
    for r in rows {
        let Some(learner) = r.learner_ref.as_deref().and_then(LearnerRef::parse) else {
            continue;
        };
        let title = state
            .catalog
            .course(&r.completion.course_id)
            .map(|c| c.title.as_str())
            .unwrap_or(r.completion.course_id.as_str());
        let statement = xapi::statement(
            base,
            &StatementInput {
                verb: Verb::Completed,
                learner,
                activity: Activity::course(base, &r.completion.course_id, title),
                key: r.completion.certificate_id.clone(),
                score_percent: r.completion.score_percent,
                success: None,
                completion: true,
                timestamp: r.completion.completed_at,
                platform: Some(platform.clone()),
                content_version: Some(r.completion.content_version.clone()),
            },
        )
        .map_err(|e| {
            tracing::error!(error = %e, "xAPI statement failed");
            AppError::internal()
        })?;
        serde_json::to_writer(&mut out, &statement).map_err(|_| AppError::internal())?;
        out.push(b'\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("Nguyễn Văn A"), "Nguyễn Văn A");
    }

    #[test]
    fn dates_bound_whole_days() {
        let f = filter(None, Some("2026-01-01"), Some("2026-01-31")).expect("valid");
        assert_eq!(f.from.map(rfc3339).as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(f.to.map(rfc3339).as_deref(), Some("2026-02-01T00:00:00Z"));
        assert!(filter(None, Some("hôm qua"), None).is_err());
    }
}

/// A named sheet: its name, its header row, its rows.
pub type Sheet = (&'static str, Vec<String>, Vec<Vec<Cell>>);

/// Any table as CSV (UTF-8 with a BOM so Excel reads Vietnamese, formula cells neutralised) or
/// XLSX: for the lists managers export (people, overdue learners) and the dashboard.
pub fn table(format: Format, sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "export failed");
        AppError::internal()
    };
    match format {
        // Tables have no JSON Lines or xAPI form; those formats fall back to CSV.
        Format::Csv | Format::Jsonl | Format::Xapi => {
            // CSV holds one table: the first sheet.
            let mut out = "\u{feff}".as_bytes().to_vec();
            if let Some((_, head, rows)) = sheets.first() {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(head).map_err(|e| failed(&e))?;
                for r in rows {
                    w.write_record(r.iter().map(|c| neutralise(&c.text()).into_owned()))
                        .map_err(|e| failed(&e))?;
                }
                w.flush().map_err(|e| failed(&e))?;
            }
            Ok(out)
        }
        Format::Xlsx => {
            use rust_xlsxwriter::{Format as XFormat, Workbook};
            let mut wb = Workbook::new();
            let bold = XFormat::new().set_bold();
            for (name, head, rows) in sheets {
                let sheet = wb.add_worksheet();
                sheet.set_name(*name).map_err(|e| failed(&e))?;
                for (c, h) in head.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, c as u16, h, &bold)
                        .map_err(|e| failed(&e))?;
                }
                for (i, r) in rows.iter().enumerate() {
                    let row = (i + 1) as u32;
                    for (c, cell) in r.iter().enumerate() {
                        match cell {
                            Cell::Text(t) => sheet.write_string(row, c as u16, t),
                            Cell::Number(n) => sheet.write_number(row, c as u16, *n),
                            Cell::Empty => continue,
                        }
                        .map_err(|e| failed(&e))?;
                    }
                }
            }
            wb.save_to_buffer().map_err(|e| failed(&e))
        }
    }
}

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Self {
        n.map(Cell::Number).unwrap_or(Cell::Empty)
    }
}
