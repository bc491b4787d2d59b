//! The search over the bundled curriculum: the content files check, the index builds, and the
//! fixture of learner questions is answered well enough (the floor under the figures in
//! docs/performance.md; `hocvuso search bench` prints them).

use std::path::PathBuf;

use hocvuso_search::{assistant, eval, Query, SearchIndex};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn index() -> SearchIndex {
    let dir = root().join("content");
    let catalog = hocvuso_course::load(&dir).expect("content loads");
    let content = hocvuso_search::content::load(&dir, &catalog).expect("search content checks");
    SearchIndex::build(&catalog, &content).expect("index builds")
}

#[test]
fn the_fixture_questions_find_their_lessons() {
    let index = index();
    let fixture = std::fs::read_to_string(root().join("tests/fixtures/assistant-questions.toml"))
        .expect("fixture");
    let report = eval::run(&index, &fixture, 1).expect("fixture runs");
    for m in &report.misses {
        eprintln!(
            "miss: {} → {:?} (expected {:?})",
            m.question, m.got, m.expected
        );
    }
    eprintln!(
        "questions {} top1 {:.3} top3 {:.3} answered {:.3}",
        report.questions, report.top1, report.top3, report.answered
    );
    assert!(report.questions >= 60);
    assert!(
        report.top3 >= 0.85,
        "top-3 {:.3} fell below the floor",
        report.top3
    );
    assert!(
        report.top1 >= 0.6,
        "top-1 {:.3} fell below the floor",
        report.top1
    );
}

#[test]
fn diacritics_are_optional_but_exact_ones_rank_first() {
    let index = index();
    let all = |_: &str| true;
    let with = index.search(&Query::parse("mật khẩu").expect("query"), &all, 5);
    let without = index.search(&Query::parse("mat khau").expect("query"), &all, 5);
    assert!(!with.is_empty() && !without.is_empty());
    assert!(without
        .iter()
        .any(|h| h.passage.text.contains("mật khẩu") || h.passage.title.contains("Mật khẩu")));
    let wrong = index.search(&Query::parse("mát khẩu").expect("query"), &all, 5);
    assert!(!wrong.is_empty(), "a wrong tone still finds");
}

#[test]
fn the_assistant_answers_only_when_a_passage_covers_the_question() {
    let index = index();
    let all = |_: &str| true;
    let answered = assistant::answer(
        &index,
        &Query::parse("bị lừa chuyển tiền thì báo ở đâu").expect("q"),
        &all,
    );
    assert!(!answered.is_empty() && answered.len() <= assistant::MAX_PASSAGES);
    for nonsense in [
        "giá vàng hôm nay bao nhiêu",
        "cách nấu phở bò ngon",
        "xyzzy qwerty",
    ] {
        let none = assistant::answer(&index, &Query::parse(nonsense).expect("q"), &all);
        assert!(
            none.is_empty(),
            "{nonsense}: {:?}",
            none.iter()
                .map(|h| (&h.passage.title, h.coverage))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn hidden_courses_are_never_found() {
    let index = index();
    let only = |c: &str| c == "lam-quen-dien-thoai";
    let hits = index.search(&Query::parse("mã OTP ngân hàng").expect("q"), &only, 10);
    assert!(hits.iter().all(|h| h
        .passage
        .lessons
        .iter()
        .any(|(c, _)| c == "lam-quen-dien-thoai")));
}

/// Instructors' question search over the bundled banks: found without diacritics, and fast
/// enough to scan on every request (the figures in docs/performance.md come from this test's
/// output with `--nocapture` on a release build).
#[test]
fn questions_are_found_across_banks_quickly() {
    let catalog = hocvuso_course::load(&root().join("content")).expect("content loads");
    let started = std::time::Instant::now();
    let corpus = hocvuso_search::QuestionCorpus::build(&catalog);
    let build = started.elapsed();
    let queries = [
        "mat khau",
        "OTP",
        "vneid",
        "lừa đảo",
        "chuyen khoan ngan hang",
        "competence-4.1",
        "level-2",
        "ma QR",
        "dich vu cong",
        "chu ky so",
        "khong co tu nay xyzzy",
        "email",
    ];
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..20 {
        for q in queries {
            let query = Query::parse(q).expect("a query");
            let t = std::time::Instant::now();
            let (hits, total) = corpus.find(&catalog, &query, &|_| true, 50);
            times.push(t.elapsed());
            found += usize::from(total > 0);
            assert!(hits.len() <= 50);
        }
    }
    times.sort();
    let p95 = times[times.len() * 95 / 100];
    eprintln!(
        "questions {} corpus build {:?} query p50 {:?} p95 {:?}",
        corpus.len(),
        build,
        times[times.len() / 2],
        p95
    );
    assert!(corpus.len() > 500);
    assert!(found >= 20 * 10, "most queries find questions");
    let (vi, _) = corpus.find(
        &catalog,
        &Query::parse("mật khẩu").expect("q"),
        &|_| true,
        5,
    );
    let (bare, _) = corpus.find(
        &catalog,
        &Query::parse("mat khau").expect("q"),
        &|_| true,
        5,
    );
    assert!(!vi.is_empty() && vi.len() == bare.len());
}
