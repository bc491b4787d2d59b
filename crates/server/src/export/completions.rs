//! The completions export, streamed. A million completions must leave in seconds with memory
//! that does not grow with the export, so three parts run side by side:
//!
//! - a reader on the async runtime takes keyset pages of a few thousand rows from the store
//!   (and, for xAPI, gives learners without an opaque reference one);
//! - a writer on a blocking thread turns each page into CSV, JSON Lines, xAPI statements or
//!   XLSX rows (rust_xlsxwriter's constant-memory worksheets spill rows to a temporary file,
//!   and the finished workbook is zipped straight into the response);
//! - actix sends the writer's chunks as a chunked HTTP body.
//!
//! Bounded channels between them give back-pressure: a slow client slows the writer, which
//! slows the reader. If anything fails half-way, the body ends with an error, so the client
//! sees a broken download rather than a file that looks whole and is not.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

use actix_web::web::{self, Bytes};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::mpsc;

use hocvuso_course::Catalog;
use hocvuso_credentials::xapi::{self, Activity, StatementInput, Verb};
use hocvuso_credentials::LearnerRef;
use hocvuso_store::{CompletionFilter, ExportRow};

use super::{neutralise, parse_bound, Format};
use crate::app::ledger::Head;
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::rfc3339;

/// Rows per page read from the store.
const PAGE: u64 = 10_000;
/// Bytes per chunk handed to actix.
const CHUNK: usize = 64 * 1024;
/// Data rows per XLSX worksheet: Excel's limit is 1,048,576 rows including the header.
const XLSX_ROWS_PER_SHEET: u32 = 1_048_575;

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

/// The export's query parameters, as received.
pub struct Params<'a> {
    pub group: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub course: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Checks the parameters and narrows them to what the caller may see: an administrator
/// exports everything or one unit's subtree; a unit manager exports only their subtrees (a
/// unit outside them answers 404, like every other scoped endpoint).
pub fn filter(
    state: &AppState,
    scope: &Scope,
    p: &Params<'_>,
) -> Result<CompletionFilter, AppError> {
    let given = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let bound = |s: Option<&str>, end: bool| -> Result<_, AppError> {
        match given(s) {
            None => Ok(None),
            Some(s) => parse_bound(&s, end)
                .map(Some)
                .ok_or_else(|| AppError::bad_request("invalid_date")),
        }
    };
    let group = given(p.group);
    if group
        .as_deref()
        .is_some_and(|g| state.catalog().group(g).is_none())
    {
        return Err(AppError::bad_request("unknown_group"));
    }
    let course = given(p.course);
    if course
        .as_deref()
        .is_some_and(|c| state.catalog().course(c).is_none())
    {
        return Err(AppError::bad_request("unknown_course"));
    }
    let units = match given(p.unit) {
        Some(u) => {
            let id = u.parse::<i64>().map_err(|_| AppError::not_found())?;
            Some(scope.subtree(id)?)
        }
        None if scope.admin => None,
        None => Some(scope.visible_ids()),
    };
    Ok(CompletionFilter {
        group,
        units,
        course,
        from: bound(p.from, false)?,
        to: bound(p.to, true)?,
    })
}

/// The filter as JSON text, for the export audit log. `unit` names the units asked for (or, for
/// a manager who named none, the units the export was limited to), not their members.
pub fn describe(f: &CompletionFilter, unit: serde_json::Value) -> String {
    serde_json::json!({
        "group": f.group,
        "unit": unit,
        "course": f.course,
        "from": f.from.map(rfc3339),
        "to": f.to.map(rfc3339),
    })
    .to_string()
}

/// An export of completions as the handler starts it.
pub struct Export {
    pub state: web::Data<AppState>,
    pub format: Format,
    pub filter: CompletionFilter,
    /// A byte order mark before CSV (for spreadsheet programs that want one).
    pub bom: bool,
    /// The export's record in the audit log; its row count is filled in when the export ends.
    pub audit: i64,
    pub head: Head,
}

impl Export {
    /// Starts the export and returns the response body.
    pub fn stream(self) -> impl Stream<Item = Result<Bytes, io::Error>> {
        let (chunks, body) = mpsc::channel::<Result<Bytes, io::Error>>(4);
        actix_web::rt::spawn(self.run(chunks));
        futures_util::stream::unfold(body, |mut body| async move {
            body.recv().await.map(|chunk| (chunk, body))
        })
    }

    async fn run(self, chunks: mpsc::Sender<Result<Bytes, io::Error>>) {
        let Export {
            state,
            format,
            filter,
            bom,
            audit,
            head,
        } = self;
        let (pages, page_rx) = mpsc::channel::<Vec<ExportRow>>(2);
        let writer = {
            let state = state.clone();
            let out = ChunkWriter::new(chunks.clone());
            tokio::task::spawn_blocking(move || write_all(&state, format, bom, &head, page_rx, out))
        };
        let read = read_pages(&state, format, &filter, pages).await;
        let written = writer.await;
        let outcome = match (read, written) {
            (Ok(()), Ok(Ok(rows))) => Ok(rows),
            (Err(e), _) => Err(format!("reading failed: {e}")),
            (_, Ok(Err(e))) => Err(format!("writing failed: {e}")),
            (_, Err(e)) => Err(format!("writer panicked: {e}")),
        };
        let rows = match outcome {
            Ok(rows) => {
                tracing::info!(audit, rows, format = format.name(), "completions exported");
                rows
            }
            Err(why) => {
                // The client closing the download early also lands here (as a broken pipe).
                tracing::warn!(
                    audit,
                    format = format.name(),
                    "completions export ended early: {why}"
                );
                let _ = chunks
                    .send(Err(io::Error::other("export ended early")))
                    .await;
                -1
            }
        };
        if let Err(e) = state.store.finish_export(audit, rows).await {
            tracing::error!(audit, error = %e, "cannot record the export's row count");
        }
    }
}

/// Reads the matching completions page by page and hands them to the writer. Stops early,
/// without error, when the writer has gone (it failed or the client left).
async fn read_pages(
    state: &AppState,
    format: Format,
    filter: &CompletionFilter,
    pages: mpsc::Sender<Vec<ExportRow>>,
) -> Result<(), AppError> {
    let upto = state.store.last_completion_id().await?;
    let mut after = 0;
    loop {
        let mut page = state
            .store
            .completions_page(filter, after, upto, PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id;
        if format == Format::Xapi {
            // Completions recorded before credentials existed have learners without a reference.
            for r in page.iter_mut().filter(|r| r.learner_ref.is_none()) {
                let candidate = LearnerRef::generate(&mut rand::rngs::OsRng);
                r.learner_ref = Some(
                    state
                        .store
                        .ensure_learner_ref(r.user_id, candidate.as_str())
                        .await?,
                );
            }
        }
        if pages.send(page).await.is_err() {
            return Ok(());
        }
    }
}

/// Runs on a blocking thread: renders every page, then the format's ending. Returns the number
/// of rows written.
fn write_all(
    state: &AppState,
    format: Format,
    bom: bool,
    head: &Head,
    mut pages: mpsc::Receiver<Vec<ExportRow>>,
    out: ChunkWriter,
) -> Result<i64, io::Error> {
    let catalog = state.catalog();
    let mut sink: Box<dyn Sink + '_> = match format {
        Format::Csv => Box::new(Csv::new(out, bom, head)?),
        Format::Jsonl => Box::new(Jsonl {
            out: json_lines(out, head)?,
        }),
        Format::Xapi => Box::new(Xapi::new(json_lines(out, head)?)),
        Format::Xlsx => Box::new(Xlsx::new(out, head.clone()).map_err(xlsx_error)?),
    };
    let mut rows = 0i64;
    while let Some(page) = pages.blocking_recv() {
        for r in &page {
            sink.row(state, &catalog, r)?;
        }
        rows += page.len() as i64;
    }
    sink.finish(state, &catalog)?;
    Ok(rows)
}

/// One export format: takes rows, then finishes the file.
trait Sink {
    fn row(&mut self, state: &AppState, catalog: &Catalog, r: &ExportRow) -> io::Result<()>;
    fn finish(self: Box<Self>, state: &AppState, catalog: &Catalog) -> io::Result<()>;
}

/// The columns of one completion as the flat formats show them.
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

impl<'a> Row<'a> {
    fn of(catalog: &'a Catalog, r: &'a ExportRow) -> Self {
        Row {
            certificate_id: &r.certificate_id,
            username: &r.username,
            display_name: &r.display_name,
            group: r.group_id.as_deref().unwrap_or(""),
            course_id: &r.course_id,
            course_title: course_title(catalog, &r.course_id).unwrap_or(""),
            completed_at: rfc3339(r.completed_at),
            score_percent: r.score_percent,
            revoked: r.revoked_at.is_some(),
        }
    }

    fn score_text(&self) -> String {
        self.score_percent
            .map(|s| s.to_string())
            .unwrap_or_default()
    }
}

fn course_title<'a>(catalog: &'a Catalog, course: &str) -> Option<&'a str> {
    catalog.course(course).map(|c| c.title.as_str())
}

struct Csv {
    w: csv::Writer<ChunkWriter>,
}

impl Csv {
    fn new(mut out: ChunkWriter, bom: bool, head: &Head) -> io::Result<Self> {
        if bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        out.write_all(super::ledger_line(head).as_bytes())?;
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS)?;
        Ok(Self { w })
    }
}

impl Sink for Csv {
    fn row(&mut self, _state: &AppState, catalog: &Catalog, r: &ExportRow) -> io::Result<()> {
        let row = Row::of(catalog, r);
        let score = row.score_text();
        let revoked = if row.revoked { "true" } else { "false" };
        let cells = [
            row.certificate_id,
            row.username,
            row.display_name,
            row.group,
            row.course_id,
            row.course_title,
            row.completed_at.as_str(),
            score.as_str(),
            revoked,
        ];
        for c in cells {
            self.w.write_field(neutralise(c).as_bytes())?;
        }
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(self: Box<Self>, _state: &AppState, _catalog: &Catalog) -> io::Result<()> {
        let out = self.w.into_inner().map_err(|e| e.into_error())?;
        out.close()
    }
}

/// JSON Lines (plain or xAPI) start with one line of metadata, `{"ledger_head": {seq, hash}}`:
/// the completion ledger's head when the export was made. Every other line is a record.
fn json_lines(mut out: ChunkWriter, head: &Head) -> io::Result<ChunkWriter> {
    serde_json::to_writer(&mut out, &serde_json::json!({ "ledger_head": head }))?;
    out.write_all(b"\n")?;
    Ok(out)
}

struct Jsonl {
    out: ChunkWriter,
}

impl Sink for Jsonl {
    fn row(&mut self, _state: &AppState, catalog: &Catalog, r: &ExportRow) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &Row::of(catalog, r))?;
        self.out.write_all(b"\n")
    }

    fn finish(self: Box<Self>, _state: &AppState, _catalog: &Catalog) -> io::Result<()> {
        self.out.close()
    }
}

/// One xAPI `completed` statement per completion; the actor is the learner's opaque reference.
struct Xapi {
    out: ChunkWriter,
    platform: String,
}

impl Xapi {
    fn new(out: ChunkWriter) -> Self {
        Self {
            out,
            platform: crate::i18n_global().get("site.name").to_owned(),
        }
    }
}

impl Sink for Xapi {
    fn row(&mut self, state: &AppState, catalog: &Catalog, r: &ExportRow) -> io::Result<()> {
        // The reader gave every learner a reference; a malformed stored one is skipped, logged.
        let Some(learner) = r.learner_ref.as_deref().and_then(LearnerRef::parse) else {
            tracing::warn!(
                user = r.user_id,
                "learner reference malformed, statement skipped"
            );
            return Ok(());
        };
        let base = &state.issuer.base;
        let title = course_title(catalog, &r.course_id).unwrap_or(r.course_id.as_str());
        let statement = xapi::statement(
            base,
            &StatementInput {
                verb: Verb::Completed,
                learner,
                activity: Activity::course(base, &r.course_id, title),
                key: r.certificate_id.clone(),
                score_percent: r.score_percent,
                success: None,
                completion: true,
                timestamp: r.completed_at,
                platform: Some(self.platform.clone()),
                content_version: Some(r.content_version.clone()),
            },
        )
        .map_err(io::Error::other)?;
        serde_json::to_writer(&mut self.out, &statement)?;
        self.out.write_all(b"\n")
    }

    fn finish(self: Box<Self>, _state: &AppState, _catalog: &Catalog) -> io::Result<()> {
        self.out.close()
    }
}

/// What the summary sheet counts for one group.
#[derive(Default)]
struct GroupTally {
    learners: HashSet<i64>,
    completions: u64,
    revoked: u64,
    score_sum: f64,
    scored: u64,
    per_course: BTreeMap<String, u64>,
}

/// XLSX: a summary sheet first (per group: learners, completions, revoked, average score, and
/// completions per course), then the completions on constant-memory sheets of at most Excel's
/// row limit each. The summary is small and kept in memory; it is filled in at the end.
struct Xlsx {
    wb: rust_xlsxwriter::Workbook,
    out: ChunkWriter,
    bold: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
    /// Index of the sheet being written and the next row on it.
    sheet: usize,
    next_row: u32,
    tally: BTreeMap<String, GroupTally>,
    head: Head,
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e)
}

impl Xlsx {
    fn new(out: ChunkWriter, head: Head) -> Result<Self, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        wb.add_worksheet().set_name(tr("export.summary_sheet"))?;
        let mut x = Self {
            wb,
            out,
            bold: XFormat::new().set_bold(),
            date: XFormat::new().set_num_format("dd/mm/yyyy hh:mm"),
            sheet: 0,
            next_row: 0,
            tally: BTreeMap::new(),
            head,
        };
        x.new_data_sheet()?;
        Ok(x)
    }

    fn new_data_sheet(&mut self) -> Result<(), rust_xlsxwriter::XlsxError> {
        let n = self.wb.worksheets().len();
        let name = if n == 1 {
            tr("export.completions_sheet")
        } else {
            format!("{} {n}", tr("export.completions_sheet"))
        };
        let sheet = self.wb.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        // People read the spreadsheet: Vietnamese headers (`export.col_<column>`); the CSV and
        // JSON Lines keep the column names programs read.
        for (c, h) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(
                0,
                c as u16,
                tr(&format!("export.col_{h}")),
                &self.bold,
            )?;
        }
        sheet.set_column_width(0, 24)?;
        sheet.set_column_width(1, 16)?;
        sheet.set_column_width(2, 24)?;
        sheet.set_column_width(3, 18)?;
        sheet.set_column_width(4, 16)?;
        sheet.set_column_width(5, 36)?;
        sheet.set_column_width(6, 18)?;
        sheet.set_freeze_panes(1, 0)?;
        self.sheet = n;
        self.next_row = 1;
        Ok(())
    }

    fn write_row(
        &mut self,
        catalog: &Catalog,
        r: &ExportRow,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        if self.next_row > XLSX_ROWS_PER_SHEET {
            self.new_data_sheet()?;
        }
        let row = self.next_row;
        self.next_row += 1;
        let group = r.group_id.as_deref().unwrap_or("");
        let revoked = r.revoked_at.is_some();
        let sheet = self.wb.worksheet_from_index(self.sheet)?;
        // Strings go in as strings: Excel never evaluates them, so no neutralising is needed.
        // The date goes in as a date, so no RFC 3339 text is built for it.
        sheet.write_string(row, 0, &r.certificate_id)?;
        sheet.write_string(row, 1, &r.username)?;
        sheet.write_string(row, 2, &r.display_name)?;
        sheet.write_string(
            row,
            3,
            catalog
                .group(group)
                .map(|g| g.title.as_str())
                .unwrap_or(group),
        )?;
        sheet.write_string(row, 4, &r.course_id)?;
        sheet.write_string(row, 5, course_title(catalog, &r.course_id).unwrap_or(""))?;
        sheet.write_number_with_format(row, 6, excel_date(r.completed_at), &self.date)?;
        if let Some(s) = r.score_percent {
            sheet.write_number(row, 7, s)?;
        }
        sheet.write_boolean(row, 8, revoked)?;

        // Keys are allocated once per group and course, not once per row.
        if !self.tally.contains_key(group) {
            self.tally.insert(group.to_owned(), GroupTally::default());
        }
        let Some(t) = self.tally.get_mut(group) else {
            return Ok(());
        };
        t.learners.insert(r.user_id);
        t.completions += 1;
        if revoked {
            t.revoked += 1;
        }
        if let Some(s) = r.score_percent {
            t.score_sum += s;
            t.scored += 1;
        }
        match t.per_course.get_mut(&r.course_id) {
            Some(n) => *n += 1,
            None => {
                t.per_course.insert(r.course_id.clone(), 1);
            }
        }
        Ok(())
    }

    fn write_summary(&mut self, catalog: &Catalog) -> Result<(), rust_xlsxwriter::XlsxError> {
        let bold = self.bold.clone();
        let tally = std::mem::take(&mut self.tally);
        let sheet = self.wb.worksheet_from_index(0)?;
        let head = [
            "export.summary_group",
            "export.summary_learners",
            "export.summary_completions",
            "export.summary_revoked",
            "export.summary_average",
        ];
        for (c, k) in head.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, tr(k), &bold)?;
        }
        sheet.set_column_width(0, 40)?;
        sheet.set_column_width(1, 16)?;
        sheet.set_column_width(2, 16)?;
        sheet.set_column_width(3, 16)?;
        sheet.set_column_width(4, 16)?;
        let group_title = |g: &str| -> String {
            catalog
                .group(g)
                .map(|g| g.title.clone())
                .unwrap_or_else(|| {
                    if g.is_empty() {
                        tr("export.no_group")
                    } else {
                        g.to_owned()
                    }
                })
        };
        let mut row = 1;
        for (g, t) in &tally {
            sheet.write_string(row, 0, group_title(g))?;
            sheet.write_number(row, 1, t.learners.len() as f64)?;
            sheet.write_number(row, 2, t.completions as f64)?;
            sheet.write_number(row, 3, t.revoked as f64)?;
            if t.scored > 0 {
                sheet.write_number(
                    row,
                    4,
                    (t.score_sum / t.scored as f64 * 10.0).round() / 10.0,
                )?;
            }
            row += 1;
        }
        // Then, per group, how many completed each course.
        row += 1;
        let head = [
            "export.summary_group",
            "export.course",
            "export.summary_completions",
        ];
        for (c, k) in head.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, tr(k), &bold)?;
        }
        row += 1;
        for (g, t) in &tally {
            for (course, n) in &t.per_course {
                sheet.write_string(row, 0, group_title(g))?;
                sheet.write_string(row, 1, course_title(catalog, course).unwrap_or(course))?;
                sheet.write_number(row, 2, *n as f64)?;
                row += 1;
            }
        }
        Ok(())
    }
}

impl Sink for Xlsx {
    fn row(&mut self, _state: &AppState, catalog: &Catalog, r: &ExportRow) -> io::Result<()> {
        self.write_row(catalog, r).map_err(xlsx_error)
    }

    fn finish(mut self: Box<Self>, _state: &AppState, catalog: &Catalog) -> io::Result<()> {
        self.write_summary(catalog).map_err(xlsx_error)?;
        self.write_ledger().map_err(xlsx_error)?;
        let Xlsx {
            mut wb, mut out, ..
        } = *self;
        wb.save_to_writer(&mut out).map_err(xlsx_error)?;
        out.close()
    }
}

impl Xlsx {
    /// The last sheet: the completion ledger's head when the export was made.
    fn write_ledger(&mut self) -> Result<(), rust_xlsxwriter::XlsxError> {
        let bold = self.bold.clone();
        let (seq, hash) = (self.head.seq as f64, self.head.hash.clone());
        let sheet = self.wb.add_worksheet();
        sheet.set_name(tr("export.ledger_sheet"))?;
        sheet.write_string_with_format(0, 0, tr("export.ledger_seq"), &bold)?;
        sheet.write_number(0, 1, seq)?;
        sheet.write_string_with_format(1, 0, tr("export.ledger_hash"), &bold)?;
        sheet.write_string(1, 1, hash)?;
        sheet.set_column_width(0, 28)?;
        sheet.set_column_width(1, 70)?;
        Ok(())
    }
}

/// Excel's serial date (days since 1899-12-30, UTC) for a timestamp.
fn excel_date(t: time::OffsetDateTime) -> f64 {
    let epoch = time::macros::datetime!(1899-12-30 0:00 UTC);
    (t - epoch).as_seconds_f64() / 86_400.0
}

fn tr(key: &str) -> String {
    crate::i18n_global().get(key).to_owned()
}

/// A `Write` that hands the response body to actix in chunks of `CHUNK` bytes. A send fails
/// when the client has gone; the writer then reports a broken pipe and the export stops.
pub struct ChunkWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl ChunkWriter {
    fn new(tx: mpsc::Sender<Result<Bytes, io::Error>>) -> Self {
        Self {
            buf: Vec::with_capacity(CHUNK),
            tx,
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client has gone"))
    }

    /// Sends what is left. Dropping the writer then ends the body.
    fn close(mut self) -> io::Result<()> {
        self.send()
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Chunks leave when full; flushing every small write would send tiny chunks.
        Ok(())
    }
}
