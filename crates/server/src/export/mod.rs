//! Exports: the formats, the completions export's filter, and small tables (people, overdue
//! learners, the dashboard) as CSV or XLSX. The completions export itself, which can be a
//! million rows, streams: see `completions`.

pub mod completions;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use crate::app::ledger::Head;
use crate::error::AppError;

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

/// A date (`YYYY-MM-DD`, the whole day; `end_of_day` gives the next midnight, so the day is
/// included) or an RFC 3339 instant.
pub(crate) fn parse_bound(s: &str, end_of_day: bool) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let d = Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let d = if end_of_day { d.next_day()? } else { d };
    Some(d.with_time(Time::MIDNIGHT).assume_utc())
}

/// A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe
/// makes it text (OWASP's advice against CSV injection).
pub(crate) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
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
        use crate::views::rfc3339;
        let from = parse_bound("2026-01-01", false).map(rfc3339);
        let to = parse_bound("2026-01-31", true).map(rfc3339);
        assert_eq!(from.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(to.as_deref(), Some("2026-02-01T00:00:00Z"));
        assert!(parse_bound("hôm qua", false).is_none());
    }
}

/// A named sheet: its name, its header row, its rows.
pub type Sheet = (&'static str, Vec<String>, Vec<Vec<Cell>>);

/// The line every CSV export starts with (after the byte-order mark): the completion ledger's
/// head when the export was made, so that a ledger later cut short shows against any export
/// kept (`docs/security.md`). Spreadsheets show it as the first row; CSV readers skip it as a
/// comment (`#`).
pub fn ledger_line(head: &Head) -> String {
    format!("# ledger_head seq={} hash={}\n", head.seq, head.hash)
}

/// The ledger's head as a response header of every export: `Hocvuso-Ledger-Head: <seq> <hash>`.
pub fn ledger_header(head: &Head) -> (&'static str, String) {
    ("Hocvuso-Ledger-Head", format!("{} {}", head.seq, head.hash))
}

/// The ledger's head as the last sheet of every XLSX export.
pub fn ledger_sheet(head: &Head) -> Sheet {
    let t = crate::i18n_global();
    (
        "ledger",
        vec![
            t.get("export.ledger_seq").to_owned(),
            t.get("export.ledger_hash").to_owned(),
        ],
        vec![vec![
            Cell::Number(head.seq as f64),
            head.hash.clone().into(),
        ]],
    )
}

/// A sheet's name as the file shows it: its Vietnamese name (`export.sheet_<name>`) when there
/// is one, cut to Excel's 31 characters.
pub fn sheet_title(name: &str) -> String {
    let t = crate::i18n_global();
    let key = format!("export.sheet_{name}");
    let title = if t.contains(&key) { t.get(&key) } else { name };
    title.chars().take(31).collect()
}

/// A column's width in characters for its longest cell (the header included), within bounds
/// so one long note does not make a sheet unreadable.
fn column_width(header: &str, rows: &[Vec<Cell>], c: usize) -> f64 {
    let longest = rows
        .iter()
        .filter_map(|r| r.get(c))
        .map(|cell| match cell {
            Cell::Date(_) => 10,
            other => other.text().chars().count(),
        })
        .chain(std::iter::once(header.chars().count()))
        .max()
        .unwrap_or(8);
    (longest as f64 + 2.0).clamp(8.0, 60.0)
}

/// A download's file name: what it is, the unit's code and the day it was made
/// (`nguoi-hoc_tdp-1_2026-12-06.xlsx`). Unit codes are ASCII (`units::valid_code`); anything
/// else is dropped so the header stays plain.
pub fn file_name(what: &str, unit_code: Option<&str>, day: Date, ext: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect()
    };
    let mut name = clean(what);
    if let Some(code) = unit_code.map(clean).filter(|c| !c.is_empty()) {
        name.push('_');
        name.push_str(&code);
    }
    format!(
        "{name}_{:04}-{:02}-{:02}.{ext}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Any table as CSV (UTF-8 with a BOM so Excel reads Vietnamese, formula cells neutralised,
/// dates as dd/mm/yyyy) or XLSX (Vietnamese sheet names, a bold frozen header row, columns
/// sized to their contents, dates as real dates shown dd/mm/yyyy): for the lists managers
/// export (people, overdue learners) and the dashboard. Both carry the ledger's head: the
/// CSV's first line, the XLSX's last sheet.
pub fn table(format: Format, sheets: &[Sheet], head: &Head) -> Result<Vec<u8>, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "export failed");
        AppError::internal()
    };
    match format {
        // Tables have no JSON Lines or xAPI form; those formats fall back to CSV.
        Format::Csv | Format::Jsonl | Format::Xapi => {
            // CSV holds one table: the first sheet.
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.extend_from_slice(ledger_line(head).as_bytes());
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
            use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
            let mut wb = Workbook::new();
            let bold = XFormat::new().set_bold();
            let date = XFormat::new().set_num_format("dd/mm/yyyy");
            let ledger = ledger_sheet(head);
            for (name, head, rows) in sheets.iter().chain(std::iter::once(&ledger)) {
                let sheet = wb.add_worksheet();
                sheet.set_name(sheet_title(name)).map_err(|e| failed(&e))?;
                for (c, h) in head.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, c as u16, h, &bold)
                        .map_err(|e| failed(&e))?;
                    sheet
                        .set_column_width(c as u16, column_width(h, rows, c))
                        .map_err(|e| failed(&e))?;
                }
                sheet.set_freeze_panes(1, 0).map_err(|e| failed(&e))?;
                for (i, r) in rows.iter().enumerate() {
                    let row = (i + 1) as u32;
                    for (c, cell) in r.iter().enumerate() {
                        match cell {
                            Cell::Text(t) => sheet.write_string(row, c as u16, t),
                            Cell::Number(n) => sheet.write_number(row, c as u16, *n),
                            Cell::Date(d) => {
                                let x = ExcelDateTime::from_ymd(
                                    d.year() as u16,
                                    u8::from(d.month()),
                                    d.day(),
                                )
                                .map_err(|e| failed(&e))?;
                                sheet.write_datetime_with_format(row, c as u16, &x, &date)
                            }
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
    /// A day: a real date in XLSX (shown dd/mm/yyyy), dd/mm/yyyy in CSV.
    Date(Date),
    Empty,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
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

impl Cell {
    /// The day an instant falls on in Vietnam, as a date cell.
    pub fn day_in_vietnam(t: OffsetDateTime) -> Self {
        Cell::Date(crate::views::in_vietnam(t).date())
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Self {
        n.map(|n| Cell::Number(n as f64)).unwrap_or(Cell::Empty)
    }
}
