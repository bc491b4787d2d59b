//! The search measured against the learner questions fixture, without the server: what
//! `scripts/bench-search.sh` runs (`cargo run --release -p hocvuso-search --example bench`).
//! Arguments: content folder, fixture, rounds (defaults: the repository's, 20).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let content = args.next().unwrap_or_else(|| "content".into());
    let fixture = args
        .next()
        .unwrap_or_else(|| "tests/fixtures/assistant-questions.toml".into());
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(20);
    let content = std::path::Path::new(&content);
    let catalog = hocvuso_course::load(content).map_err(|p| p.to_string())?;
    let extra = hocvuso_search::content::load(content, &catalog).map_err(|p| p.to_string())?;
    let started = Instant::now();
    let index = hocvuso_search::SearchIndex::build(&catalog, &extra)?;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let report = hocvuso_search::eval::run(&index, &std::fs::read_to_string(&fixture)?, rounds)?;
    for m in &report.misses {
        println!(
            "not in top 3: {} (expected {})",
            m.question,
            m.expected.join(", ")
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
