use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use hocvuso_server::app::studio::export::{self, Shape};

#[derive(Subcommand)]
pub enum Command {
    /// Validate a content folder, then check its question banks against the item-writing rules
    /// (docs/item-writing.md); print every problem with file and line; exit non-zero on any.
    Check {
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    /// Print the coverage matrix (competences × groups), question counts by type and level,
    /// reading time per course and each bank against the item-writing rules.
    Stats {
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// markdown or json.
        #[arg(long, default_value = "markdown", value_parser = ["markdown", "json"])]
        format: String,
    },
    /// Narrate lessons: one Opus file per lesson and language, made with espeak-ng and opusenc
    /// into the data folder's cache (audio/<course>/), only where the text changed or no file
    /// exists. Lessons with a human recording are left alone.
    Audio {
        /// Only this course (default: every course).
        course: Option<String>,
    },
    /// Write a course (default: every course) for another instance: its folder as files
    /// (`--to folder`, into OUT/courses/<id>/) or one zip file (`--to zip`), or its question
    /// bank for Moodle (`--to gift` or `--to moodle-xml`, OUT/<id>.gift or .xml).
    Export {
        /// The course's id (default: every course).
        course: Option<String>,
        /// folder, zip, gift or moodle-xml.
        #[arg(long, default_value = "folder")]
        to: Shape,
        /// Where to write: a folder (folder, gift, moodle-xml; default `export`) or the zip
        /// file (default `<course>.zip`, or `courses.zip`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn audio(common: &super::Common, course: Option<&str>) -> Result<()> {
    let catalog = hocvuso_course::load(&common.content_dir).map_err(|p| {
        anyhow::anyhow!(
            "content in {} is invalid:\n{p}",
            common.content_dir.display()
        )
    })?;
    if let Some(id) = course {
        anyhow::ensure!(catalog.course(id).is_some(), "no course \"{id}\"");
    }
    let Some(engine) = hocvuso_server::narration::Engine::detect() else {
        anyhow::bail!(
            "the speech engine is not installed: narration needs espeak-ng and opusenc \
             (Debian: apt-get install espeak-ng opus-tools)"
        );
    };
    let report = hocvuso_server::narration::fill(&engine, &common.data_dir, &catalog, course);
    println!(
        "narration: {} generated, {} already up to date, {} human recordings",
        report.generated, report.cached, report.recorded
    );
    for f in &report.failed {
        eprintln!("failed: {f}");
    }
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} lesson(s) could not be narrated",
        report.failed.len()
    );
    Ok(())
}

pub fn run(common: &super::Common, cmd: Command) -> Result<()> {
    match cmd {
        Command::Audio { course } => audio(common, course.as_deref()),
        Command::Export { course, to, out } => {
            for line in export::export(&common.content_dir, course.as_deref(), to, out)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Stats { dir, format } => {
            let catalog = hocvuso_course::load(&dir)
                .map_err(|p| anyhow::anyhow!("content in {} is invalid:\n{p}", dir.display()))?;
            let stats = hocvuso_course::stats::stats(&catalog);
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", stats.to_markdown(&catalog));
            }
            Ok(())
        }
        Command::Check { dir } => match hocvuso_course::load(&dir) {
            Ok(catalog) => {
                // The folder loads (the server would serve it); now the rules for good items.
                let report = hocvuso_course::item_rules::check(&catalog);
                if !report.problems.is_empty() {
                    for p in report.problems.iter() {
                        println!("{}", with_dir(&dir, p));
                    }
                    let per_course: Vec<String> = report
                        .per_course()
                        .iter()
                        .map(|(course, n)| format!("{course} {n}"))
                        .collect();
                    eprintln!(
                        "{} item-writing problem(s) in {} (docs/item-writing.md); per course: {}",
                        report.problems.len(),
                        dir.display(),
                        per_course.join(", ")
                    );
                    std::process::exit(1);
                }
                // The search's synonyms and FAQ, checked against the catalog they point into.
                let search = match hocvuso_search::content::load(&dir, &catalog) {
                    Ok(search) => search,
                    Err(problems) => {
                        for p in problems.iter() {
                            println!("{}", with_dir(&dir, p));
                        }
                        eprintln!(
                            "{} problem(s) in the synonyms or FAQ of {} (docs/content-format.md)",
                            problems.len(),
                            dir.display()
                        );
                        std::process::exit(1);
                    }
                };
                let lessons: usize = catalog.courses.values().map(|c| c.lessons.len()).sum();
                let questions: usize = catalog.courses.values().map(|c| c.bank.len()).sum();
                println!(
                    "{}: ok — {} groups, {} courses, {} lessons, {} questions, {} synonym groups, {} FAQ entries (version {})",
                    dir.display(),
                    catalog.groups.len(),
                    catalog.courses.len(),
                    lessons,
                    questions,
                    search.synonyms.len(),
                    search.faq.len(),
                    catalog.version
                );
                Ok(())
            }
            Err(problems) => {
                for p in problems.iter() {
                    println!("{}", with_dir(&dir, p));
                }
                eprintln!("{} problem(s) in {}", problems.len(), dir.display());
                std::process::exit(1);
            }
        },
    }
}

fn with_dir(dir: &std::path::Path, p: &hocvuso_course::Problem) -> String {
    let file = dir.join(&p.file);
    match p.line {
        Some(l) => format!("{}:{}: {}", file.display(), l, p.message),
        None => format!("{}: {}", file.display(), p.message),
    }
}
