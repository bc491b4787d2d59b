//! Item statistics against a hand-computed example, and mastery.

use std::collections::BTreeMap;

use hocvuso_assessment::gift;
use hocvuso_assessment::grading;
use hocvuso_assessment::mastery::{self, Answer, MasteryRule};
use hocvuso_assessment::paper::{self, DrawRule};
use hocvuso_assessment::statistics::{
    self, AttemptRecord, Flag, QuestionRecord, Response, Thresholds,
};
use serde_json::json;

use crate::support::rng;

const BANK: &str = "\
// [id:q1]
Q1?{=A ~B ~C}

// [id:q2]
Q2?{=A ~B ~C}

// [id:q3]
Q3?{=A ~B ~C}

// [id:q4]
Q4?{=A ~B ~C}
";

/// Five attempts. Marks (1 = option A, right; 0 = the option in brackets):
///
/// | attempt | q1 | q2 | q3 | q4 | total |
/// |---|---|---|---|---|---|
/// | a1 | 1 | 1 | 1 | 1 | 4 |
/// | a2 | 1 | 0 (B) | 1 | 1 | 3 |
/// | a3 | 0 (B) | 1 | 0 (C) | 1 | 2 |
/// | a4 | 0 (C) | — | 0 (B) | 1 | 1 |
/// | a5 | 1 | 0 (B) | 0 (B) | 1 | 2 |
fn attempts() -> Vec<AttemptRecord> {
    let r = |id: &str, fraction: f64, chosen: Option<usize>| QuestionRecord {
        id: id.into(),
        fraction,
        response: chosen.map_or(Response::None, |k| Response::Options(vec![k])),
    };
    let rows = [
        [
            (1.0, Some(0)),
            (1.0, Some(0)),
            (1.0, Some(0)),
            (1.0, Some(0)),
        ],
        [
            (1.0, Some(0)),
            (0.0, Some(1)),
            (1.0, Some(0)),
            (1.0, Some(0)),
        ],
        [
            (0.0, Some(1)),
            (1.0, Some(0)),
            (0.0, Some(2)),
            (1.0, Some(0)),
        ],
        [(0.0, Some(2)), (0.0, None), (0.0, Some(1)), (1.0, Some(0))],
        [
            (1.0, Some(0)),
            (0.0, Some(1)),
            (0.0, Some(1)),
            (1.0, Some(0)),
        ],
    ];
    rows.iter()
        .map(|row| AttemptRecord {
            questions: row
                .iter()
                .enumerate()
                .map(|(k, &(fraction, chosen))| r(&format!("q{}", k + 1), fraction, chosen))
                .collect(),
        })
        .collect()
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap();
    assert!((actual - expected).abs() < 0.01, "{actual} ≠ {expected}");
}

#[test]
fn statistics_match_the_hand_computed_example() {
    let bank = gift::parse(BANK).unwrap();
    let stats = statistics::item_statistics(&bank, &attempts(), &Thresholds::default());
    let ids: Vec<&str> = stats.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["q1", "q2", "q3", "q4"]);

    // q1: x = 1 1 0 0 1, mean 0.6; rest y = total − x = 3 2 2 1 1, mean 1.8.
    // dx = .4 .4 −.6 −.6 .4 → Σdx² = 1.2, var x = 1.2/4 = 0.3, SD = √0.3 = 54.77%.
    // dy = 1.2 .2 .2 −.8 −.8 → Σdy² = 2.8, var y = 0.7.
    // Σdx·dy = .48 + .08 − .12 + .48 − .32 = 0.6, cov = 0.15.
    // D = 100 · 0.15 / √(0.3 · 0.7) = 15 / 0.45826 = 32.73.
    // Sorted: x 0 0 1 1 1 (dx −.6 −.6 .4 .4 .4), y 1 1 2 2 3 (dy −.8 −.8 .2 .2 1.2):
    // Σ = .48 + .48 + .08 + .08 + .48 = 1.6, cov_max = 0.4, DE = 100 · 0.15 / 0.4 = 37.5.
    let q1 = &stats[0];
    assert_eq!(q1.attempts, 5);
    assert!((q1.facility - 60.0).abs() < 1e-9);
    close(q1.standard_deviation, 54.77);
    close(q1.discrimination_index, 32.73);
    close(q1.discriminative_efficiency, 37.5);
    assert!(q1.flags.is_empty(), "{:?}", q1.flags);
    let counts: Vec<usize> = q1.options.iter().map(|o| o.count).collect();
    assert_eq!(counts, [3, 1, 1]);
    assert_eq!(q1.options[1].percent, 20.0);

    // q2: x = 1 0 1 0 0, mean 0.4; y = 3 3 1 1 2, mean 2.
    // dx = .6 −.4 .6 −.4 −.4, dy = 1 1 −1 −1 0: Σdx·dy = .6 − .4 − .6 + .4 + 0 = 0.
    // D = 0 and DE = 0: it tells strong learners from weak ones not at all.
    let q2 = &stats[1];
    assert!((q2.facility - 40.0).abs() < 1e-9);
    close(q2.discrimination_index, 0.0);
    close(q2.discriminative_efficiency, 0.0);
    assert_eq!(q2.flags, [Flag::WeakDiscrimination, Flag::LowEfficiency]);
    assert_eq!(q2.unanswered, 1);
    let counts: Vec<usize> = q2.options.iter().map(|o| o.count).collect();
    assert_eq!(counts, [2, 2, 0]);

    // q3: x = 1 1 0 0 0, mean 0.4; y = 3 2 2 1 2, mean 2.
    // dx = .6 .6 −.4 −.4 −.4, dy = 1 0 0 −1 0: Σdx·dy = .6 + .4 = 1, Σdx² = 1.2, Σdy² = 2.
    // D = 100 · 1 / √(1.2 · 2) = 64.55. Sorted y 1 2 2 2 3 against sorted x 0 0 0 1 1:
    // Σ = (−.4)(−1) + 0 + 0 + 0 + (.6)(1) = 1 = Σdx·dy, so DE = 100.
    let q3 = &stats[2];
    close(q3.discrimination_index, 64.55);
    close(q3.discriminative_efficiency, 100.0);
    assert!(q3.flags.is_empty());

    // q4: everyone right. Facility 100, no variation: D and DE cannot be computed.
    let q4 = &stats[3];
    assert_eq!(q4.facility, 100.0);
    assert_eq!(q4.discrimination_index, None);
    assert_eq!(q4.discriminative_efficiency, None);
    close(q4.standard_deviation, 0.0);
    assert_eq!(q4.flags, [Flag::TooEasy]);
}

#[test]
fn a_question_the_weaker_learners_get_right_is_flagged_negative() {
    let bank = gift::parse(BANK).unwrap();
    // q1 right exactly for those who got q2 and q3 wrong.
    let attempt = |q1: f64, rest: f64| AttemptRecord {
        questions: vec![
            QuestionRecord {
                id: "q1".into(),
                fraction: q1,
                response: Response::None,
            },
            QuestionRecord {
                id: "q2".into(),
                fraction: rest,
                response: Response::None,
            },
            QuestionRecord {
                id: "q3".into(),
                fraction: rest,
                response: Response::None,
            },
        ],
    };
    let attempts: Vec<_> = (0..6)
        .map(|k| attempt(f64::from(k % 2), f64::from(1 - k % 2)))
        .collect();
    let stats = statistics::item_statistics(&bank, &attempts, &Thresholds::default());
    close(stats[0].discrimination_index, -100.0);
    assert!(stats[0].flags.contains(&Flag::NegativeDiscrimination));
    let few = statistics::item_statistics(&bank, &attempts[..2], &Thresholds::default());
    assert_eq!(few[0].flags, [Flag::FewAttempts]);
}

#[test]
fn records_built_from_attempts_count_options_across_shuffles() {
    let bank = gift::parse("// [id:c]\nPick{=right ~wrong}\n\n// [id:s]\nName?{=VNeID}").unwrap();
    let rule = DrawRule {
        count: 2,
        tags: vec![],
        shuffle: true,
    };
    let mut records = Vec::new();
    for seed in 0..6 {
        let paper = paper::draw(&bank, &rule, &mut rng(seed)).unwrap();
        let shown = paper::present(&paper, &bank);
        let c = shown.iter().find(|q| q.id == "c").unwrap();
        let wrong = c.options.iter().find(|o| o.text.text == "wrong").unwrap();
        let answers: BTreeMap<String, serde_json::Value> = BTreeMap::from([
            ("c".to_owned(), json!([wrong.id])),
            (
                "s".to_owned(),
                json!(if seed % 2 == 0 { "vneid" } else { " VNeID " }),
            ),
        ]);
        let result = grading::grade(&paper, &bank, &answers).unwrap();
        records.push(statistics::record(&paper, &bank, &answers, &result));
    }
    let stats = statistics::item_statistics(&bank, &records, &Thresholds::default());
    assert_eq!(stats[0].options[1].count, 6);
    assert_eq!(stats[0].options[0].count, 0);
    assert_eq!(stats[0].facility, 0.0);
    let responses: Vec<(&str, usize)> = stats[1]
        .responses
        .iter()
        .map(|r| (r.response.as_str(), r.count))
        .collect();
    assert_eq!(responses, [("VNeID", 3), ("vneid", 3)]);
    assert_eq!(stats[1].facility, 100.0);
}

fn answer(competences: &[&str], correct: bool) -> Answer {
    Answer {
        competences: competences.iter().map(|c| (*c).to_owned()).collect(),
        correct,
    }
}

#[test]
fn mastery_is_m_of_the_last_n_per_competence() {
    let answers = [
        answer(&["4.2"], false),
        answer(&["4.2"], true),
        answer(&["4.2", "1.1"], true),
        answer(&["4.2"], true),
        answer(&["4.2"], false),
        answer(&["4.2"], true),
    ];
    let result = mastery::mastery(&answers, MasteryRule::default());
    assert_eq!(result.len(), 2);
    let (basic, safety) = (&result[0], &result[1]);
    assert_eq!(safety.competence, "4.2");
    // The last five: ✓ ✓ ✓ ✗ ✓ = 4 of 5.
    assert_eq!(
        (safety.answered, safety.window, safety.correct_in_window),
        (6, 5, 4)
    );
    assert!(safety.mastered);
    assert_eq!(basic.competence, "1.1");
    assert_eq!(
        (basic.answered, basic.correct_in_window, basic.mastered),
        (1, 1, false)
    );

    // One more wrong answer slides the first ✓ out: 3 of 5.
    let mut more = answers.to_vec();
    more.push(answer(&["4.2"], false));
    let safety = &mastery::mastery(&more, MasteryRule::default())[1];
    assert!(!safety.mastered);

    // Kolibri's "2 of 3" and "5 in a row" work the same way.
    let rule = MasteryRule::new(2, 3).unwrap();
    assert!(mastery::mastery(&answers[..3], rule)[1].mastered);
    let streak = MasteryRule::new(5, 5).unwrap();
    assert!(!mastery::mastery(&answers, streak)[1].mastered);
    assert!(MasteryRule::new(6, 5).is_err() && MasteryRule::new(0, 5).is_err());
}

#[test]
fn competence_codes_come_from_competence_tags() {
    let tags = ["competence-4.2", "level-1", "competence-1.1", "competence-"].map(String::from);
    assert_eq!(mastery::competences(&tags), ["4.2", "1.1"]);
    let twice = answer(&["4.2", "4.2"], true);
    assert_eq!(
        mastery::mastery(&[twice], MasteryRule::default())[0].answered,
        1
    );
}
