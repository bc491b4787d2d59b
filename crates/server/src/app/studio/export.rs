//! `hocvuso content export`: hands courses to another instance (or to Moodle).
//!
//! - `--to folder` (the default) writes `OUT/courses/<id>/…`, each course folder exactly as it
//!   is in the content folder (`course.toml`, `lessons/`, `questions.gift`, `questions.toml`,
//!   `tasks/`, `media/`): the receiving instance copies `courses/<id>` into its content folder
//!   (or into a content repository, and publishes it from there).
//! - `--to zip` writes the same tree into one zip file (`OUT`, default `<course>.zip` or
//!   `courses.zip`), with fixed timestamps, so the same content always makes the same file.
//! - `--to gift` and `--to moodle-xml` write each course's question bank (both bank files, as
//!   the platform serves it) for Moodle's question import: `OUT/<id>.gift` or `OUT/<id>.xml`;
//!   Moodle XML embeds the images the questions show.
//!
//! Only a content folder that loads is exported (the same check the server runs), so what
//! arrives is what was served. See docs/studio.md, "Handing a course to another instance".
//! It lives in the library (the command only prints its lines) so that the round-trip story
//! runs exactly what the command runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::media::{Bank, MediaFile};

use super::workspace::read_files;

/// What `content export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Folder,
    Zip,
    Gift,
    MoodleXml,
}

impl std::str::FromStr for Shape {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "folder" => Ok(Shape::Folder),
            "zip" => Ok(Shape::Zip),
            "gift" => Ok(Shape::Gift),
            "moodle-xml" => Ok(Shape::MoodleXml),
            _ => Err(format!("\"{s}\": choose folder, zip, gift or moodle-xml")),
        }
    }
}

/// Why an export wrote nothing (or stopped): said in words, for the command line.
#[derive(Debug)]
pub struct ExportError(String);

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError(e.to_string())
    }
}

impl From<zip::result::ZipError> for ExportError {
    fn from(e: zip::result::ZipError) -> Self {
        ExportError(e.to_string())
    }
}

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(ExportError(format!($($why)+)));
        }
    };
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), ExportError> {
    std::fs::write(path, bytes).map_err(|e| ExportError(format!("writing {}: {e}", path.display())))
}

/// Exports `course` (every course when None) from the content folder `content` as `to` into
/// `out` (the defaults above when None); returns a line per course for the command to print.
pub fn export(
    content: &Path,
    course: Option<&str>,
    to: Shape,
    out: Option<PathBuf>,
) -> Result<Vec<String>, ExportError> {
    let catalog = hocvuso_course::load(content)
        .map_err(|p| ExportError(format!("content in {} is invalid:\n{p}", content.display())))?;
    let ids: Vec<String> = match course {
        Some(id) => {
            ensure!(
                catalog.course(id).is_some(),
                "no course \"{id}\" in {}",
                content.display()
            );
            vec![id.to_owned()]
        }
        None => catalog.courses.keys().cloned().collect(),
    };
    let mut lines = Vec::new();
    let folder = |id: &str| content.join("courses").join(id);
    match to {
        Shape::Folder => {
            let out = out.unwrap_or_else(|| PathBuf::from("export"));
            for id in &ids {
                let files = read_files(&folder(id))?;
                let dir = out.join("courses").join(id);
                ensure!(
                    !dir.exists(),
                    "{} exists already: choose another --out",
                    dir.display()
                );
                for (rel, bytes) in &files {
                    let path = dir.join(rel);
                    std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
                    write(&path, bytes)?;
                }
                lines.push(format!("{id}: {} files → {}", files.len(), dir.display()));
            }
        }
        Shape::Zip => {
            let name = match course {
                Some(id) => format!("{id}.zip"),
                None => "courses.zip".into(),
            };
            let out = out.unwrap_or_else(|| PathBuf::from(name));
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(zip::DateTime::default());
            let mut count = 0;
            for id in &ids {
                for (rel, bytes) in read_files(&folder(id))? {
                    zip.start_file(format!("courses/{id}/{rel}"), options)?;
                    zip.write_all(&bytes)?;
                    count += 1;
                }
            }
            let bytes = zip.finish()?.into_inner();
            write(&out, bytes)?;
            lines.push(format!(
                "{} course(s), {count} files → {}",
                ids.len(),
                out.display()
            ));
        }
        Shape::Gift | Shape::MoodleXml => {
            let (format, ext) = match to {
                Shape::Gift => (Format::Gift, "gift"),
                _ => (Format::MoodleXml, "xml"),
            };
            let out = out.unwrap_or_else(|| PathBuf::from("export"));
            std::fs::create_dir_all(&out)?;
            for id in &ids {
                let Some(c) = catalog.course(id) else {
                    continue;
                };
                if c.bank.is_empty() {
                    lines.push(format!("{id}: no questions, nothing written"));
                    continue;
                }
                let media: Vec<MediaFile> = read_files(&folder(id).join("media"))?
                    .into_iter()
                    .map(|(name, bytes)| MediaFile { name, bytes })
                    .collect();
                let bank = Bank {
                    questions: c.bank.clone(),
                    media,
                };
                let text = interchange::write_bank(&bank, format).map_err(|e| {
                    ExportError(format!(
                        "{id}: the bank cannot be written as {ext}:\n{e}\n(export --to folder keeps every question type)"
                    ))
                })?;
                let path = out.join(format!("{id}.{ext}"));
                write(&path, text)?;
                lines.push(format!(
                    "{id}: {} questions → {}",
                    c.bank.len(),
                    path.display()
                ));
            }
        }
    }
    Ok(lines)
}
