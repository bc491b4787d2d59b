use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

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
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
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
