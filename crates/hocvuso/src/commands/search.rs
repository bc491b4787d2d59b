use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Measure the search against a fixture of learner questions: top-1 and top-3 hit rates,
    /// the share the assistant answers, latency percentiles and the index build time
    /// (docs/performance.md). Build with --release for figures worth writing down.
    Bench {
        #[arg(long, default_value = "content")]
        content: PathBuf,
        #[arg(long, default_value = "tests/fixtures/assistant-questions.toml")]
        fixture: PathBuf,
        /// Passes over every question for the latency figures.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Bench {
            content,
            fixture,
            rounds,
            json,
        } => {
            let catalog = hocvuso_course::load(&content).map_err(|p| {
                anyhow::anyhow!("content in {} is invalid:\n{p}", content.display())
            })?;
            let extra = hocvuso_search::content::load(&content, &catalog).map_err(|p| {
                anyhow::anyhow!("synonyms or FAQ in {} are invalid:\n{p}", content.display())
            })?;
            let started = Instant::now();
            let index = hocvuso_search::SearchIndex::build(&catalog, &extra)?;
            let build_ms = started.elapsed().as_secs_f64() * 1000.0;
            let text = std::fs::read_to_string(&fixture)?;
            let report =
                hocvuso_search::eval::run(&index, &text, rounds).map_err(anyhow::Error::msg)?;
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["build_ms"] = serde_json::json!(build_ms);
                value["passages"] = serde_json::json!(index.passages().len());
                println!("{}", serde_json::to_string_pretty(&value)?);
                return Ok(());
            }
            for m in &report.misses {
                println!(
                    "not in top 3: {} (expected {}; got {})",
                    m.question,
                    m.expected.join(", "),
                    m.got.join(", ")
                );
            }
            println!(
                "{} questions, {} passages: top-1 {:.1}%, top-3 {:.1}%, assistant answers {:.1}%",
                report.questions,
                index.passages().len(),
                report.top1 * 100.0,
                report.top3 * 100.0,
                report.answered * 100.0
            );
            println!(
                "latency over {} rounds: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; index built in {:.0} ms",
                report.rounds, report.p50_ms, report.p95_ms, report.max_ms, build_ms
            );
            Ok(())
        }
    }
}
