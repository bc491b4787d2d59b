//! Reading an uploaded table (CSV or XLSX) into rows of text cells, with bounds that hold
//! whatever the file claims: an import must never let a small file take the process down.
//!
//! - An XLSX is a zip: every part is decompressed with a budget (`MAX_UNZIPPED` in all), so a
//!   zip bomb ends as "too large" instead of filling memory. The budget counts the bytes
//!   actually decompressed, not the sizes the archive declares, which a forger chooses.
//! - Cells are read one by one (calamine's cell reader), never as the rectangle between the
//!   first and the last cell: a sheet with cells A1 and XFD1048576 is two cells, not 17 billion.
//!   A non-empty cell beyond `MAX_ROWS` or `MAX_COLUMNS` refuses the file before anything is
//!   allocated for it; empty cells (formatting) are skipped wherever they are.
//! - A CSV has the same row and column bounds.

use std::io::{Cursor, Read, Write};

use unicode_normalization::UnicodeNormalization;

/// Rows of an import, the header included: a ward's people fit many times over.
pub const MAX_ROWS: u32 = 100_001;
/// Columns of an import: six are known; a few more are reported as unknown.
pub const MAX_COLUMNS: u32 = 32;
/// Bytes an XLSX may decompress to, all parts together.
pub const MAX_UNZIPPED: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// From a content type or a file name.
    pub fn detect(content_type: &str, file_name: &str) -> Option<Self> {
        let name = file_name.to_lowercase();
        if content_type.contains("spreadsheetml") || name.ends_with(".xlsx") {
            Some(Self::Xlsx)
        } else if content_type.starts_with("text/csv")
            || content_type.starts_with("text/plain")
            || name.ends_with(".csv")
        {
            Some(Self::Csv)
        } else {
            None
        }
    }
}

/// Why a file could not be read: a stable key (`errors.<key>`) and the row it happened on
/// (as a spreadsheet numbers rows, from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub line: usize,
    pub key: &'static str,
}

fn unreadable(line: usize, key: &'static str) -> Unreadable {
    Unreadable { line, key }
}

/// The file as rows of text cells (NFC), the header first. Rows keep their place: an empty row
/// in the sheet is an empty row here, so row numbers in reports match the spreadsheet.
pub fn rows(bytes: &[u8], kind: FileKind) -> Result<Vec<Vec<String>>, Unreadable> {
    match kind {
        FileKind::Csv => csv_rows(bytes),
        FileKind::Xlsx => xlsx_rows(bytes),
    }
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, Unreadable> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        unreadable(line, "invalid_encoding")
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let mut out = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            unreadable(line, "invalid_csv")
        })?;
        let line = out.len() + 1;
        if line > MAX_ROWS as usize || record.len() > MAX_COLUMNS as usize {
            return Err(unreadable(line, "sheet_too_large"));
        }
        out.push(record.iter().map(|c| c.nfc().collect()).collect());
    }
    Ok(out)
}

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, Unreadable> {
    use calamine::{Data, Reader, Xlsx};
    let archive = unzip_bounded(bytes)?;
    let invalid = || unreadable(1, "invalid_xlsx");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(archive)).map_err(|_| invalid())?;
    let first = wb.sheet_names().first().cloned().ok_or_else(invalid)?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(|_| invalid())?;
    let mut out: Vec<Vec<String>> = Vec::new();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(invalid()),
        };
        let text = match calamine::Data::from(cell.get_value().clone()) {
            Data::Empty => continue,
            Data::String(s) if s.trim().is_empty() => continue,
            Data::String(s) => s.nfc().collect(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Data::Int(i) => i.to_string(),
            other => other.to_string(),
        };
        let (row, column) = cell.get_position();
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(unreadable(
                usize::try_from(row.min(MAX_ROWS)).unwrap_or(0) + 1,
                "sheet_too_large",
            ));
        }
        // Both bounds checked above: at most MAX_ROWS rows of at most MAX_COLUMNS cells.
        let (row, column) = (row as usize, column as usize);
        if out.len() <= row {
            out.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut out[row];
        if cells_of_row.len() <= column {
            cells_of_row.resize(column + 1, String::new());
        }
        cells_of_row[column] = text;
    }
    Ok(out)
}

/// The XLSX archive rewritten with its parts decompressed under one budget and stored (not
/// compressed), so what calamine then reads is exactly what was measured here.
fn unzip_bounded(bytes: &[u8]) -> Result<Vec<u8>, Unreadable> {
    let invalid = || unreadable(1, "invalid_xlsx");
    let too_large = || unreadable(1, "sheet_too_large");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| invalid())?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let mut budget = MAX_UNZIPPED;
    let mut part = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| invalid())?;
        if entry.is_dir() {
            continue;
        }
        if entry.size() > budget {
            return Err(too_large());
        }
        let name = entry.name().to_owned();
        part.clear();
        // One byte over the budget is enough to know it is too large.
        let read = (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut part)
            .map_err(|_| invalid())? as u64;
        if read > budget {
            return Err(too_large());
        }
        budget -= read;
        out.start_file(name, stored).map_err(|_| invalid())?;
        out.write_all(&part).map_err(|_| invalid())?;
    }
    Ok(out.finish().map_err(|_| invalid())?.into_inner())
}
