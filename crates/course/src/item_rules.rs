//! Item-writing rules: what makes a question bank passable by guessing, found before learners
//! find it. `docs/item-writing.md` explains each rule, why the cue works and how to waive it.
//!
//! A learner who knows nothing but always picks the longest option, ticks the longer half of a
//! multiple-answer question and answers "false" passed about half of all test attempts on the
//! first bundled banks (issue #11). These rules measure exactly those cues per bank, plus the
//! options that give the answer away ("Tất cả các ý trên", jokes) and questions asked twice.
//!
//! The rules are separate from loading (`load.rs`): a bank that breaks them is still served (a
//! running ward keeps working while authors fix it), but `hocvuso content check` refuses it, so
//! CI does. Everything here is a pure function over the loaded catalog; where a question is
//! written and what its waiver comments say come from [`QuestionSource`], filled by the loader.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use hocvuso_assessment::model::{ChoiceOption, Question, QuestionKind};

use crate::{placement, Catalog, Course, Problems, Quiz, QuizMode};

/// At most this share of a bank's single-choice questions may have the correct option as the
/// strictly longest (chance is 1/k, so 25–33% for 3–4 options; the first banks had 86%).
pub const MAX_LONGEST_SHARE: f64 = 0.35;
/// At most this share of a bank's multiple-answer questions may have the ⌈k/2⌉ longest options as
/// their correct set.
pub const MAX_LONGER_SET_SHARE: f64 = 0.35;
/// The share of true/false questions answered "true" must lie in this range.
pub const TRUE_SHARE_MIN: f64 = 0.40;
pub const TRUE_SHARE_MAX: f64 = 0.60;
/// With fewer true/false questions than this, no count meets 40–60% (1 of 3 is 33%, 2 of 3 is
/// 67%); such a bank only needs both answers to occur (when it has two or three).
pub const MIN_TRUE_FALSE_FOR_SHARE: usize = 4;
/// A waiver's reason must have at least this many words: a reason, not "ok".
pub const MIN_REASON_WORDS: usize = 3;
/// A bank needs this many multiple-answer questions before "the number of correct options
/// varies" is checked.
pub const MIN_MULTIPLE_FOR_VARIETY: usize = 3;

/// The rules a question may be excused from, one question at a time, with a tag and a reason on
/// the same comment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Waiver {
    Longest,
    LongerSet,
    AllOfTheAbove,
    DuplicateStem,
}

impl Waiver {
    pub const ALL: [Waiver; 4] = [
        Waiver::Longest,
        Waiver::LongerSet,
        Waiver::AllOfTheAbove,
        Waiver::DuplicateStem,
    ];

    /// The tag as written in a bank: `[tag:waive-longest]`.
    pub fn tag(self) -> &'static str {
        match self {
            Waiver::Longest => "waive-longest",
            Waiver::LongerSet => "waive-longer-set",
            Waiver::AllOfTheAbove => "waive-all-of-the-above",
            Waiver::DuplicateStem => "waive-duplicate-stem",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.tag() == tag)
    }
}

/// A `waive-…` tag as written, with the words on its line that are not tags (the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverMark {
    pub tag: String,
    pub line: usize,
    pub reason: String,
}

/// Where a bank question is written, for problems with file and line, and its waiver marks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct QuestionSource {
    /// Relative to the content folder (`courses/x/questions.gift`).
    pub file: PathBuf,
    pub line: usize,
    pub waivers: Vec<WaiverMark>,
}

impl QuestionSource {
    fn waives(&self, waiver: Waiver) -> bool {
        self.waivers.iter().any(|m| m.tag == waiver.tag())
    }
}

// ---- Reading waiver marks from the source text ----

/// The waiver marks in the comment lines right above a GIFT question starting at
/// `question_line` (its block's comments, up to the blank line before them).
pub fn gift_waiver_marks(src: &str, question_line: usize) -> Vec<WaiverMark> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut k = question_line.saturating_sub(1);
    while k > 0 {
        let line = lines.get(k - 1).copied().unwrap_or("");
        let trimmed = line.trim();
        if trimmed.is_empty() {
            break;
        }
        if let Some(comment) = trimmed.strip_prefix("//") {
            out.extend(marks_on_line(comment, k));
        }
        k -= 1;
    }
    out.sort_by_key(|m| m.line);
    out
}

/// The waiver marks of a `questions.toml` question whose `[[question]]` table starts at
/// `question_line`: a `"waive-…"` string in its `tags`, the reason in a `#` comment on the same
/// line (`tags = ["competence-1.2", "waive-duplicate-stem"]  # same steps asked as ordering`).
pub fn toml_waiver_marks(src: &str, question_line: usize) -> Vec<WaiverMark> {
    let mut out = Vec::new();
    for (i, line) in src.lines().enumerate().skip(question_line) {
        let number = i + 1;
        let trimmed = line.trim_start();
        if trimmed.starts_with("[[question]]") || trimmed.starts_with("[options.") {
            break;
        }
        let mut from = 0;
        while let Some(found) = line[from..].find("\"waive-") {
            let start = from + found + 1;
            let Some(len) = line[start..].find('"') else {
                break;
            };
            let tag = line[start..start + len].to_owned();
            let reason = line[start + len..]
                .split_once('#')
                .map(|(_, r)| r.trim().to_owned())
                .unwrap_or_default();
            out.push(WaiverMark {
                tag,
                line: number,
                reason,
            });
            from = start + len;
        }
    }
    out
}

/// Waiver marks on one GIFT comment line; the reason is the line without `[id:…]`/`[tag:…]`.
fn marks_on_line(comment: &str, line: usize) -> Vec<WaiverMark> {
    let reason = strip_tokens(comment);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = comment[from..].find("[tag:") {
        let start = from + found + "[tag:".len();
        let Some(len) = comment[start..].find(']') else {
            break;
        };
        let tag = comment[start..start + len].trim();
        if tag.starts_with("waive-") {
            out.push(WaiverMark {
                tag: tag.to_owned(),
                line,
                reason: reason.clone(),
            });
        }
        from = start + len;
    }
    out
}

/// A comment line without its `[key:…]` tokens, trimmed.
fn strip_tokens(comment: &str) -> String {
    let mut out = String::new();
    let mut rest = comment;
    while let Some(open) = rest.find('[') {
        let token = &rest[open..];
        let is_token = token.starts_with("[tag:") || token.starts_with("[id:");
        match (is_token, token.find(']')) {
            (true, Some(close)) => {
                out.push_str(&rest[..open]);
                out.push(' ');
                rest = &token[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words of a reason: runs of letters (so "—" or "..." are not words).
fn reason_words(reason: &str) -> usize {
    reason
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
}

// ---- Measuring one question ----

/// An option's length as the learner sees it: characters of its text (NFC, blanks folded),
/// without its feedback.
pub fn option_len(option: &ChoiceOption) -> usize {
    let folded: String = option
        .text
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    folded.nfc().count()
}

fn is_correct(option: &ChoiceOption, best: f64) -> bool {
    best > 0.0 && option.fraction >= best - 1e-6
}

/// Single choice: whether an option with full marks is strictly longer than every other option,
/// so that "pick the longest" finds it.
pub fn correct_is_strictly_longest(options: &[ChoiceOption]) -> bool {
    let best = options.iter().map(|o| o.fraction).fold(f64::MIN, f64::max);
    let lens: Vec<usize> = options.iter().map(option_len).collect();
    let Some(&max) = lens.iter().max() else {
        return false;
    };
    let longest: Vec<usize> = (0..options.len()).filter(|&i| lens[i] == max).collect();
    longest.len() == 1 && is_correct(&options[longest[0]], best)
}

/// Multiple answer: whether the correct set (options with a positive weight) is the ⌈k/2⌉
/// longest options. Ties count against the bank: when a correct option is exactly as long as a
/// wrong one, a guesser who picks by length gets the set with good odds, so only a correct set
/// strictly apart from the wrong options by length, or of another size, is safe.
pub fn correct_set_is_longer_half(options: &[ChoiceOption]) -> bool {
    let half = options.len().div_ceil(2);
    let (right, wrong): (Vec<&ChoiceOption>, Vec<&ChoiceOption>) =
        options.iter().partition(|o| o.fraction > 0.0);
    if right.len() != half || wrong.is_empty() {
        return false;
    }
    let shortest_right = right.iter().map(|o| option_len(o)).min().unwrap_or(0);
    let longest_wrong = wrong.iter().map(|o| option_len(o)).max().unwrap_or(0);
    shortest_right >= longest_wrong
}

/// Text folded for comparison: NFC, lower case, punctuation as blanks, blanks folded.
pub fn normalise(text: &str) -> String {
    let lowered: String = text.nfc().flat_map(char::to_lowercase).collect();
    let spaced: String = lowered
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why an option text is not allowed, if it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Banned {
    /// "Tất cả các ý trên", "Cả A và B", "Không có ý nào đúng", "Tất cả đều đúng".
    AllOrNone,
    /// A joke or an absurd option nobody would choose ("cái búa").
    Absurd,
}

/// Words an option uses to point at other options ("các *ý* trên", "không có *đáp án* nào").
const REFERENTS: [&str; 10] = [
    "ý",
    "đáp án",
    "phương án",
    "câu trả lời",
    "câu",
    "lựa chọn",
    "cách",
    "điều",
    "việc",
    "trường hợp",
];

/// Phrases that mark a joke option. Deliberately short and specific: a distractor must be
/// something a real person might do, and these are not; broader words ("mèo", "búa", "xem bói")
/// occur in honest options (a password "ConMeo…", an online fortune-telling scam).
const ABSURD: [&str; 5] = [
    "cái búa",
    "hỏi con mèo",
    "hỏi con chó",
    "tắt điện cả nhà",
    "ném điện thoại",
];

/// Whether an option's text is one of the banned kinds.
pub fn banned_option(text: &str) -> Option<Banned> {
    let s = normalise(text);
    if s.is_empty() {
        return None;
    }
    let padded = format!(" {s} ");
    if ABSURD.iter().any(|p| padded.contains(&format!(" {p} "))) {
        return Some(Banned::Absurd);
    }
    let words: Vec<&str> = s.split(' ').collect();
    let ends_with = |tail: &[&str]| words.ends_with(tail);
    // "… ý trên", "… các đáp án ở trên", "… cách trên đều đúng": pointing at the options above.
    for r in REFERENTS {
        for above in [format!(" {r} trên "), format!(" {r} ở trên ")] {
            if let Some(at) = padded.find(&above) {
                let after = padded[at + above.len()..].trim();
                if after.is_empty() || after.starts_with("đều") {
                    return Some(Banned::AllOrNone);
                }
            }
        }
        // "Không có ý nào đúng", "không đáp án nào đúng".
        for none in [format!(" không có {r} nào "), format!(" không {r} nào ")] {
            if padded.contains(&none) && (ends_with(&["đúng"]) || ends_with(&["sai"])) {
                return Some(Banned::AllOrNone);
            }
        }
    }
    // "Tất cả đều đúng", "Tất cả đúng", "Tất cả đều sai".
    if matches!(
        words.as_slice(),
        ["tất", "cả", "đều", "đúng" | "sai"] | ["tất", "cả", "đúng" | "sai"]
    ) {
        return Some(Banned::AllOrNone);
    }
    // "Cả hai đều đúng", "Cả A và B đều đúng", "Cả ba cách đều sai".
    if words.first() == Some(&"cả") && (ends_with(&["đều", "đúng"]) || ends_with(&["đều", "sai"]))
    {
        return Some(Banned::AllOrNone);
    }
    // "Cả A và B", "A, B và C", "Cả ý A và ý B đều đúng": options named by their letters.
    let mut core: &[&str] = &words;
    if core.first() == Some(&"cả") {
        core = &core[1..];
    }
    if core.ends_with(&["đều", "đúng"]) || core.ends_with(&["đều", "sai"]) {
        core = &core[..core.len() - 2];
    }
    let is_letter = |w: &str| matches!(w, "a" | "b" | "c" | "d" | "e");
    if core.iter().filter(|w| is_letter(w)).count() >= 2
        && core.contains(&"và")
        && core
            .iter()
            .all(|w| is_letter(w) || matches!(*w, "và" | "ý" | "đáp" | "án" | "phương" | "câu"))
    {
        return Some(Banned::AllOrNone);
    }
    // English, from imported banks.
    for p in ["all of the above", "none of the above", "both a and b"] {
        if padded.contains(&format!(" {p} ")) {
            return Some(Banned::AllOrNone);
        }
    }
    None
}

/// Whether a multiple-answer stem tells the learner to tick every right option
/// ("(Chọn tất cả ý đúng)", "(Chọn các đáp án đúng)", "(Chọn tất cả dấu hiệu đúng)"): "chọn",
/// then within five words a quantifier ("tất cả", "các", "những", "mọi") and "đúng".
pub fn asks_for_all_right(stem: &str) -> bool {
    let s = normalise(stem);
    let words: Vec<&str> = s.split(' ').collect();
    words.iter().enumerate().any(|(i, w)| {
        if *w != "chọn" {
            return false;
        }
        let after = &words[i + 1..words.len().min(i + 7)];
        let quantified = after
            .first()
            .is_some_and(|q| matches!(*q, "các" | "những" | "mọi"))
            || after.starts_with(&["tất", "cả"]);
        quantified && after.contains(&"đúng")
    })
}

// ---- Checking a catalog ----

/// What `hocvuso content stats` shows per course bank: the guessing cues measured, and the
/// waivers used. Waived questions are left out of the share they were waived from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BankQuality {
    pub course: String,
    /// Single-choice questions counted (not waived from the longest rule).
    pub single_choice: usize,
    /// Of those, whose correct option is the strictly longest.
    pub correct_longest: usize,
    pub true_false: usize,
    pub true_answers: usize,
    /// Multiple-answer questions counted (not waived from the longer-set rule).
    pub multiple_answer: usize,
    /// Of those, whose correct set is the ⌈k/2⌉ longest options.
    pub longer_set: usize,
    /// Waiver tag → questions carrying it.
    pub waivers: BTreeMap<String, usize>,
    /// Problems found in this course's bank and quizzes.
    pub problems: usize,
}

/// `n` of `d` as a percentage, or None when there is nothing to count.
pub fn percent(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 * 100.0 / d as f64)
}

impl BankQuality {
    pub fn longest_percent(&self) -> Option<f64> {
        percent(self.correct_longest, self.single_choice)
    }
    pub fn true_percent(&self) -> Option<f64> {
        percent(self.true_answers, self.true_false)
    }
    pub fn longer_set_percent(&self) -> Option<f64> {
        percent(self.longer_set, self.multiple_answer)
    }
    pub fn waivers_used(&self) -> usize {
        self.waivers.values().sum()
    }
}

/// Every rule's findings over a catalog.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Problems,
    /// One per course with a bank of its own, by course id.
    pub banks: Vec<BankQuality>,
}

/// Checks every bank and quiz of a catalog against the item-writing rules.
pub fn check(catalog: &Catalog) -> Report {
    let mut report = Report::default();
    let mut stems: Vec<StemRef<'_>> = Vec::new();
    for course in catalog.courses.values() {
        let mut quality = BankQuality {
            course: course.id.clone(),
            ..BankQuality::default()
        };
        check_bank(course, &mut quality, &mut report.problems);
        check_essays_are_drawn(catalog, course, &mut report.problems);
        for quiz in &course.quizzes {
            check_quiz(course, quiz, &mut report.problems);
        }
        for (question, source) in course.bank.iter().zip(&course.sources) {
            if !matches!(question.kind, QuestionKind::Description) {
                stems.push(StemRef {
                    question,
                    source,
                    stem: normalise(&question.text.text),
                });
            }
        }
        if !course.bank.is_empty() {
            report.banks.push(quality);
        }
    }
    duplicate_stems(&stems, &mut report.problems);
    let per_course = report.per_course();
    for bank in &mut report.banks {
        bank.problems = per_course.get(&bank.course).copied().unwrap_or(0);
    }
    report
}

impl Report {
    /// Problems per course id (from the problem's file, `courses/<id>/…`), for every course
    /// with at least one.
    pub fn per_course(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for p in self.problems.iter() {
            *out.entry(course_of(&p.file)).or_default() += 1;
        }
        out
    }
}

fn check_bank(course: &Course, quality: &mut BankQuality, problems: &mut Problems) {
    let mut longest: Vec<(&Question, &QuestionSource)> = Vec::new();
    let mut longer: Vec<(&Question, &QuestionSource)> = Vec::new();
    let mut truths: Vec<(&Question, &QuestionSource, bool)> = Vec::new();
    let mut correct_counts: Vec<usize> = Vec::new();
    let mut bank_file: Option<&Path> = None;
    for (question, source) in course.bank.iter().zip(&course.sources) {
        bank_file.get_or_insert(&source.file);
        let at = |problems: &mut Problems, msg: String| {
            problems.push(&source.file, Some(source.line), msg);
        };
        for mark in &source.waivers {
            match Waiver::from_tag(&mark.tag) {
                None => problems.push(
                    &source.file,
                    Some(mark.line),
                    format!(
                        "[waiver] unknown waiver tag \"{}\" (known: {})",
                        mark.tag,
                        Waiver::ALL.map(Waiver::tag).join(", ")
                    ),
                ),
                Some(_) if reason_words(&mark.reason) < MIN_REASON_WORDS => problems.push(
                    &source.file,
                    Some(mark.line),
                    format!(
                        "[waiver] {} needs a reason in words on the same comment line (at least {MIN_REASON_WORDS} words): why can this question not meet the rule?",
                        mark.tag
                    ),
                ),
                Some(_) => *quality.waivers.entry(mark.tag.clone()).or_default() += 1,
            }
        }
        let unneeded = |waiver: Waiver, problems: &mut Problems, why: &str| {
            if source.waives(waiver) {
                problems.push(
                    &source.file,
                    Some(source.line),
                    format!(
                        "[waiver] {} is not needed: {why}; remove the tag",
                        waiver.tag()
                    ),
                );
            }
        };
        let mut has_banned = false;
        if let QuestionKind::Choice {
            multiple, options, ..
        } = &question.kind
        {
            for option in options {
                match banned_option(&option.text.text) {
                    Some(_) if source.waives(Waiver::AllOfTheAbove) => has_banned = true,
                    Some(Banned::AllOrNone) => at(
                        problems,
                        format!(
                            "[banned-option] \"{}\": no \"all/none of the above\" or \"both A and B\" options; write a plausible wrong answer instead",
                            option.text.text
                        ),
                    ),
                    Some(Banned::Absurd) => at(
                        problems,
                        format!(
                            "[absurd-option] \"{}\": a joke option is never chosen, which leaves fewer real choices; write a misconception a real person might hold",
                            option.text.text
                        ),
                    ),
                    None => {}
                }
            }
            if *multiple {
                let right = options.iter().filter(|o| o.fraction > 0.0).count();
                correct_counts.push(right);
                if right == options.len() {
                    at(problems, "[all-correct] every option is correct: ticking everything must not score; make at least one option wrong".into());
                }
                if !options.iter().any(|o| o.fraction < 0.0) {
                    at(problems, "[negative-weight] no wrong option has a negative weight (~%-50%…): ticking every box must score 0 or less".into());
                }
                if !asks_for_all_right(&question.text.text) {
                    at(problems, "[stem-marker] a multiple-answer stem says \"(Chọn tất cả ý đúng)\" so the learner knows to tick every right option".into());
                }
                if source.waives(Waiver::LongerSet) {
                    if !correct_set_is_longer_half(options) {
                        unneeded(
                            Waiver::LongerSet,
                            problems,
                            "the correct set is not the longer half of the options",
                        );
                    }
                } else {
                    quality.multiple_answer += 1;
                    if correct_set_is_longer_half(options) {
                        quality.longer_set += 1;
                        longer.push((question, source));
                    }
                }
                unneeded(
                    Waiver::Longest,
                    problems,
                    "the rule is for single-choice questions",
                );
            } else {
                if source.waives(Waiver::Longest) {
                    if !correct_is_strictly_longest(options) {
                        unneeded(
                            Waiver::Longest,
                            problems,
                            "the correct option is not the strictly longest",
                        );
                    }
                } else {
                    quality.single_choice += 1;
                    if correct_is_strictly_longest(options) {
                        quality.correct_longest += 1;
                        longest.push((question, source));
                    }
                }
                unneeded(
                    Waiver::LongerSet,
                    problems,
                    "the rule is for multiple-answer questions",
                );
            }
        } else {
            unneeded(
                Waiver::Longest,
                problems,
                "the rule is for single-choice questions",
            );
            unneeded(
                Waiver::LongerSet,
                problems,
                "the rule is for multiple-answer questions",
            );
        }
        if !has_banned {
            unneeded(
                Waiver::AllOfTheAbove,
                problems,
                "no option of this question is an \"all/none of the above\" option",
            );
        }
        if let QuestionKind::TrueFalse { answer, .. } = question.kind {
            quality.true_false += 1;
            quality.true_answers += usize::from(answer);
            truths.push((question, source, answer));
        }
    }
    let Some(file) = bank_file else {
        return;
    };
    if quality.single_choice > 0
        && quality.correct_longest as f64 > MAX_LONGEST_SHARE * quality.single_choice as f64
    {
        problems.push(
            file,
            None,
            format!(
                "[longest] the correct option is the strictly longest in {} of {} single-choice questions ({:.0}%, at most {:.0}%): a guesser who picks the longest option gets them; make a wrong option the longest in some of: {}",
                quality.correct_longest,
                quality.single_choice,
                percent(quality.correct_longest, quality.single_choice).unwrap_or(0.0),
                MAX_LONGEST_SHARE * 100.0,
                list(&longest)
            ),
        );
    }
    if quality.multiple_answer > 0
        && quality.longer_set as f64 > MAX_LONGER_SET_SHARE * quality.multiple_answer as f64
    {
        problems.push(
            file,
            None,
            format!(
                "[longer-set] the correct options are the longer half of the options in {} of {} multiple-answer questions ({:.0}%, at most {:.0}%): {}",
                quality.longer_set,
                quality.multiple_answer,
                percent(quality.longer_set, quality.multiple_answer).unwrap_or(0.0),
                MAX_LONGER_SET_SHARE * 100.0,
                list(&longer)
            ),
        );
    }
    if let Some(msg) = true_share_problem(quality.true_answers, quality.true_false) {
        let majority: Vec<(&Question, &QuestionSource)> = truths
            .iter()
            .filter(|(_, _, a)| *a == (quality.true_answers * 2 > quality.true_false))
            .map(|(q, s, _)| (*q, *s))
            .collect();
        problems.push(
            file,
            None,
            format!("[true-share] {msg}; change some of: {}", list(&majority)),
        );
    }
    if correct_counts.len() >= MIN_MULTIPLE_FOR_VARIETY
        && correct_counts.iter().all(|&n| n == correct_counts[0])
    {
        problems.push(
            file,
            None,
            format!(
                "[correct-count] all {} multiple-answer questions have {} correct options: vary it (1, 2 or 3) so the count gives nothing away",
                correct_counts.len(),
                correct_counts[0]
            ),
        );
    }
}

/// An essay is drawn only by a quiz that sets `essays = true` (and draws by `questions`, not per
/// tag); an essay no such quiz reaches would silently never be asked.
fn check_essays_are_drawn(catalog: &Catalog, course: &Course, problems: &mut Problems) {
    for (question, source) in course.bank.iter().zip(&course.sources) {
        if !matches!(question.kind, QuestionKind::Essay) {
            continue;
        }
        let drawn = catalog.courses.values().any(|c| {
            c.quizzes.iter().any(|q| {
                q.essays
                    && c.tag_counts(q).is_none()
                    && (c.id == course.id || q.draw_courses.contains(&course.id))
                    && (q.draw.is_empty() || question.tags.iter().any(|t| q.draw.contains(t)))
            })
        });
        if !drawn {
            problems.push(
                &source.file,
                Some(source.line),
                "[essay] no quiz draws this essay: only a quiz with essays = true (drawing by questions, not per competence) asks essays; set it on a quiz or remove the essay",
            );
        }
    }
}

/// The true/false rule for a bank with `trues` of `total` answered "true".
pub fn true_share_problem(trues: usize, total: usize) -> Option<String> {
    if total >= MIN_TRUE_FALSE_FOR_SHARE {
        let share = trues as f64 / total as f64;
        (!(TRUE_SHARE_MIN - 1e-9..=TRUE_SHARE_MAX + 1e-9).contains(&share)).then(|| {
            format!(
                "{trues} of {total} true/false questions are true ({:.0}%, must be {:.0}–{:.0}%): a guesser who always answers \"{}\" gets the rest",
                share * 100.0,
                TRUE_SHARE_MIN * 100.0,
                TRUE_SHARE_MAX * 100.0,
                if share < TRUE_SHARE_MIN { "Sai" } else { "Đúng" }
            )
        })
    } else if total >= 2 && (trues == 0 || trues == total) {
        Some(format!(
            "all {total} true/false questions are {}: with 2 or 3 of them, have at least one of each",
            if trues == 0 { "false" } else { "true" }
        ))
    } else {
        None
    }
}

/// "id (line 12), id (line 30)" for a problem's list of questions.
fn list(questions: &[(&Question, &QuestionSource)]) -> String {
    questions
        .iter()
        .map(|(q, s)| format!("{} (line {})", q.id.as_deref().unwrap_or("?"), s.line))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_quiz(course: &Course, quiz: &Quiz, problems: &mut Problems) {
    let file = PathBuf::from("courses")
        .join(&course.id)
        .join("course.toml");
    if quiz.mode != QuizMode::Practice && !quiz.shuffle {
        problems.push(
            &file,
            Some(quiz.line),
            format!(
                "[shuffle] quiz \"{}\" sets shuffle = false: its options would show in the order written, so the key's position becomes a cue; only practice quizzes may keep the written order",
                quiz.id
            ),
        );
    }
    if quiz.mode == QuizMode::Placement {
        for msg in placement::evidence_problems(course, quiz) {
            problems.push(&file, Some(quiz.line), format!("[placement] {msg}"));
        }
    }
}

struct StemRef<'a> {
    question: &'a Question,
    source: &'a QuestionSource,
    stem: String,
}

/// Reports every question whose normalised stem another question (in any bank) shares, unless it
/// is waived.
fn duplicate_stems(stems: &[StemRef<'_>], problems: &mut Problems) {
    let mut groups: BTreeMap<&str, Vec<&StemRef<'_>>> = BTreeMap::new();
    for s in stems.iter().filter(|s| !s.stem.is_empty()) {
        groups.entry(s.stem.as_str()).or_default().push(s);
    }
    for s in stems {
        if !s.source.waives(Waiver::DuplicateStem) {
            continue;
        }
        let shared = groups.get(s.stem.as_str()).map_or(0, Vec::len) > 1;
        if !shared {
            problems.push(
                &s.source.file,
                Some(s.source.line),
                "[waiver] waive-duplicate-stem is not needed: no other question has this stem; remove the tag",
            );
        }
    }
    for group in groups.values() {
        let counted: Vec<&&StemRef<'_>> = group
            .iter()
            .filter(|s| !s.source.waives(Waiver::DuplicateStem))
            .collect();
        if counted.len() < 2 {
            continue;
        }
        for s in &counted {
            let others: Vec<String> = counted
                .iter()
                .filter(|o| !std::ptr::eq(**o, *s))
                .map(|o| {
                    format!(
                        "{}:{} ({})",
                        o.source.file.display(),
                        o.source.line,
                        o.question.id.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            problems.push(
                &s.source.file,
                Some(s.source.line),
                format!(
                    "[duplicate-stem] the same question is asked at {}: ask about a different situation",
                    others.join(", ")
                ),
            );
        }
    }
}

/// `courses/<id>/…` → `<id>`.
fn course_of(file: &Path) -> String {
    file.components()
        .nth(1)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hocvuso_assessment::gift;

    fn one(src: &str) -> Question {
        gift::parse(src)
            .expect("valid GIFT")
            .into_iter()
            .next()
            .expect("a question")
    }

    fn options(src: &str) -> Vec<ChoiceOption> {
        match one(src).kind {
            QuestionKind::Choice { options, .. } => options,
            other => panic!("not a choice question: {other:?}"),
        }
    }

    /// A course whose bank is `gift`, as the loader would give it.
    fn course(id: &str, gift_src: &str) -> Course {
        let bank = gift::parse(gift_src).expect("valid GIFT");
        let file = PathBuf::from("courses").join(id).join("questions.gift");
        let sources = bank
            .iter()
            .map(|q| QuestionSource {
                file: file.clone(),
                line: q.line,
                waivers: gift_waiver_marks(gift_src, q.line),
            })
            .collect();
        Course {
            id: id.into(),
            title: id.into(),
            summary: String::new(),
            groups: vec![],
            competences: vec![],
            level: 1,
            minutes: 10,
            prerequisites: vec![],
            lessons: vec![],
            quizzes: vec![],
            tasks: vec![],
            tasks_required: false,
            bank,
            sources,
            bank_translations: Default::default(),
            translations: Default::default(),
            version: String::new(),
        }
    }

    fn bank_problems(c: &Course) -> (BankQuality, Vec<String>) {
        let mut q = BankQuality::default();
        let mut p = Problems::default();
        check_bank(c, &mut q, &mut p);
        (q, p.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn length_is_the_option_text_without_its_feedback() {
        let o = options("Q{=ngắn#một phản hồi rất rất dài ~dài hơn một chút}");
        assert_eq!(option_len(&o[0]), 4);
        assert!(!correct_is_strictly_longest(&o));
    }

    #[test]
    fn the_correct_option_counts_as_longest_only_when_strictly_longest() {
        assert!(correct_is_strictly_longest(&options(
            "Q{=dài nhất ở đây ~ngắn ~ngắn nữa}"
        )));
        // A tie with a wrong option: a guesser picks between them.
        assert!(!correct_is_strictly_longest(&options("Q{=abcd ~efgh ~ij}")));
        assert!(!correct_is_strictly_longest(&options(
            "Q{=ngắn ~một lựa chọn sai dài}"
        )));
    }

    #[test]
    fn the_longer_half_is_the_ceil_k_over_2_longest_with_ties_counted() {
        let longer = options("Q{~%50%dài dài dài ~%50%dài dài nữa ~%-100%ngắn ~%-100%ngắn2}");
        assert!(correct_set_is_longer_half(&longer));
        // Five options: the three longest.
        let five =
            options("Q{~%33.33333%aaaaaa ~%33.33333%bbbbbb ~%33.33334%cccccc ~%-100%dd ~%-100%ee}");
        assert!(correct_set_is_longer_half(&five));
        // A tie between the shortest correct and the longest wrong option still counts.
        let tie = options("Q{~%50%aaaa ~%50%bbbbbb ~%-100%cccc ~%-100%d}");
        assert!(correct_set_is_longer_half(&tie));
        // One correct of four, or a short correct option: not the longer half.
        let one_right = options("Q{~%100%aaaaaaa ~%-50%bb ~%-50%cc ~%-50%dd}");
        assert!(!correct_set_is_longer_half(&one_right));
        let short_right = options("Q{~%50%a ~%50%bbbbbb ~%-100%cccc ~%-100%d}");
        assert!(!correct_set_is_longer_half(&short_right));
    }

    #[test]
    fn all_or_none_of_the_above_options_are_found_in_their_usual_spellings() {
        for text in [
            "Tất cả các ý trên",
            "Tất cả các đáp án trên.",
            "tất cả các phương án ở trên",
            "Cả ba ý trên đều đúng",
            "Các cách trên đều đúng",
            "Tất cả đều đúng",
            "Tất cả đều sai",
            "Cả hai đều đúng",
            "Cả A và B",
            "Cả A, B và C",
            "A và C đều đúng",
            "Cả ý A và ý B",
            "Không có ý nào đúng",
            "Không có đáp án nào đúng",
            "Không đáp án nào đúng",
            "All of the above",
            "None of the above.",
        ] {
            assert_eq!(banned_option(text), Some(Banned::AllOrNone), "{text}");
        }
    }

    #[test]
    fn jokes_are_found_and_honest_options_are_left_alone() {
        for text in [
            "Lấy cái búa đập điện thoại",
            "Hỏi con mèo trong nhà",
            "Tắt điện cả nhà cho an toàn",
        ] {
            assert_eq!(banned_option(text), Some(Banned::Absurd), "{text}");
        }
        for text in [
            "Tất cả các tin nhắn có đường link lạ",
            "Tất cả mọi người trong nhóm",
            "Cả hai vợ chồng cùng kiểm tra lại số tài khoản",
            "Cả nhà cùng học cách nhận biết lừa đảo",
            "ConMeo-AnCom-TrenMai-38",
            "Hỏi ý kiến người thân trước khi chuyển tiền",
            "Làm theo hướng dẫn trên màn hình",
            "Không có cách nào lấy lại tiền đã chuyển",
            "Xem lại các bước trên mạng",
            "Ý kiến trên mạng xã hội",
            "Vitamin A và B",
            "Đọc kỹ điều khoản trên trang web",
            "Gọi bà Lan và anh Tùng",
            "Không có gì sai khi chia sẻ",
            "Búa, kìm và tua vít",
        ] {
            assert_eq!(banned_option(text), None, "{text}");
        }
    }

    #[test]
    fn stems_compare_without_case_punctuation_and_spacing() {
        assert_eq!(
            normalise("Mã  OTP là gì?"),
            normalise("mã OTP là gì"),
            "case, punctuation, blanks"
        );
        // NFD input folds to the same NFC text.
        let nfd: String = "Mã OTP".nfd().collect();
        assert_eq!(normalise(&nfd), normalise("Mã OTP"));
        assert_ne!(
            normalise("Mã OTP"),
            normalise("Ma OTP"),
            "diacritics matter"
        );
    }

    #[test]
    fn the_true_share_is_40_to_60_percent_from_four_questions_on() {
        assert!(true_share_problem(2, 4).is_none());
        assert!(true_share_problem(2, 5).is_none());
        assert!(true_share_problem(3, 5).is_none());
        assert!(true_share_problem(1, 4).is_some());
        assert!(true_share_problem(4, 6).is_some(), "67%");
        assert!(true_share_problem(1, 6).is_some());
        // Two or three: one of each is enough; one alone is not checked.
        assert!(true_share_problem(1, 3).is_none());
        assert!(true_share_problem(0, 3).is_some());
        assert!(true_share_problem(2, 2).is_some());
        assert!(true_share_problem(0, 1).is_none());
        assert!(true_share_problem(0, 0).is_none());
    }

    #[test]
    fn a_multiple_answer_stem_must_ask_for_every_right_option() {
        assert!(asks_for_all_right(
            "Những việc nào an toàn? (Chọn tất cả ý đúng)"
        ));
        assert!(asks_for_all_right(
            "Dấu hiệu nào? (Chọn tất cả các đáp án đúng)"
        ));
        assert!(asks_for_all_right(
            "Việc nào phù hợp? (Chọn các đáp án đúng)"
        ));
        assert!(asks_for_all_right("Cách nào? (Chọn tất cả dấu hiệu đúng)"));
        assert!(!asks_for_all_right("Việc nào phù hợp?"));
        assert!(!asks_for_all_right("Chọn một đáp án đúng"));
    }

    #[test]
    fn a_waiver_reads_its_reason_from_its_own_comment_line() {
        let src = "// [id:a-01] [tag:competence-4.2]\n// [tag:waive-longest] đáp án phải nêu đủ hai bước\n::T::Câu hỏi?{=x ~y}\n";
        let marks = gift_waiver_marks(src, 3);
        assert_eq!(
            marks,
            vec![WaiverMark {
                tag: "waive-longest".into(),
                line: 2,
                reason: "đáp án phải nêu đủ hai bước".into()
            }]
        );
        let bare = "// [id:a-01] [tag:waive-longest]\nCâu hỏi?{=x ~y}\n";
        assert_eq!(gift_waiver_marks(bare, 2)[0].reason, "");
        // Comments of the question before (across the blank line) are not this question's.
        let two = "// [tag:waive-longest] lý do ở câu trước\nA?{=x ~y}\n\n// [id:b]\nB?{=x ~y}\n";
        assert!(gift_waiver_marks(two, 5).is_empty());
    }

    #[test]
    fn a_toml_waiver_takes_its_reason_from_the_comment_on_its_line() {
        let src = "[[question]]\nid = \"o-1\"\ntags = [\"competence-1.2\", \"waive-duplicate-stem\"]  # cùng các bước, hỏi dạng sắp xếp\ntype = \"ordering\"\n\n[[question]]\nid = \"o-2\"\ntags = [\"waive-longest\"]\n";
        let marks = toml_waiver_marks(src, 1);
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].line, 3);
        assert_eq!(marks[0].reason, "cùng các bước, hỏi dạng sắp xếp");
        let second = toml_waiver_marks(src, 6);
        assert_eq!((second[0].line, second[0].reason.as_str()), (8, ""));
    }

    #[test]
    fn a_bank_where_the_longest_option_wins_is_refused_with_its_questions_listed() {
        let src = "// [id:x-01]\nA?{=đáp án đúng dài nhất ~sai ~sai nữa}\n\n// [id:x-02]\nB?{=đáp án đúng dài nhất ~sai ~sai nữa}\n\n// [id:x-03]\nC?{=ngắn ~một lựa chọn sai dài hơn ~sai}\n";
        let (q, p) = bank_problems(&course("x", src));
        assert_eq!((q.single_choice, q.correct_longest), (3, 2));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("courses/x/questions.gift: [longest]"),
            "{p:?}"
        );
        assert!(p[0].contains("x-01 (line 2), x-02 (line 5)"), "{p:?}");
    }

    #[test]
    fn a_waived_question_leaves_the_share_and_a_waiver_needs_a_reason() {
        let src = "// [id:x-01] [tag:waive-longest] phải nêu đủ hai bước\nA?{=đáp án đúng dài nhất ~sai ~sai nữa}\n\n// [id:x-02]\nB?{=ngắn ~một lựa chọn sai dài hơn ~sai}\n\n// [id:x-03] [tag:waive-longest]\nC?{=ngắn ~một lựa chọn sai dài hơn ~sai}\n";
        let (q, p) = bank_problems(&course("x", src));
        assert_eq!((q.single_choice, q.correct_longest), (1, 0));
        assert_eq!(q.waivers.get("waive-longest"), Some(&1));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("courses/x/questions.gift:7: [waiver] waive-longest needs a reason")
        );
        assert!(
            p[1].starts_with("courses/x/questions.gift:8: [waiver] waive-longest is not needed")
        );
    }

    /// "file:line: [rule]" of each problem.
    fn rules(problems: &[String]) -> Vec<String> {
        problems
            .iter()
            .map(|p| {
                p.split_once("] ")
                    .map_or(p.clone(), |(head, _)| format!("{head}]"))
            })
            .collect()
    }

    #[test]
    fn multiple_answer_questions_need_a_wrong_option_a_penalty_and_the_marker() {
        let src = "// [id:m-01]\nChọn?{~%50%một ~%50%hai}\n\n// [id:m-02]\nChọn đi (Chọn tất cả ý đúng){~%100%một ~không}\n\n// [id:m-03]\nChọn nữa (Chọn tất cả ý đúng){~%100%một ~%-100%không}\n";
        let (_, p) = bank_problems(&course("m", src));
        assert_eq!(
            rules(&p),
            [
                "courses/m/questions.gift:2: [all-correct]",
                "courses/m/questions.gift:2: [negative-weight]",
                "courses/m/questions.gift:2: [stem-marker]",
                "courses/m/questions.gift:5: [negative-weight]",
            ],
            "{p:?}"
        );
        // Three questions with one correct option each: the count gives it away.
        let same = "// [id:m-01]\nA (Chọn tất cả ý đúng){~%100%một ~%-100%hai ba bốn}\n\n// [id:m-02]\nB (Chọn tất cả ý đúng){~%100%một ~%-100%hai ba bốn}\n\n// [id:m-03]\nC (Chọn tất cả ý đúng){~%100%một ~%-100%hai ba bốn}\n";
        let (_, p) = bank_problems(&course("m", same));
        assert_eq!(
            rules(&p),
            ["courses/m/questions.gift: [correct-count]"],
            "{p:?}"
        );
    }

    #[test]
    fn banned_options_are_reported_at_their_question_unless_waived() {
        let src = "// [id:b-01]\nA?{=Gọi tổng đài ~Tất cả các ý trên ~Hỏi con mèo}\n\n// [id:b-02] [tag:waive-all-of-the-above] câu hỏi về chính cách viết này\nB?{=Tất cả các ý trên ~Một ý khác dài hơn hẳn}\n";
        let (_, p) = bank_problems(&course("b", src));
        assert_eq!(
            rules(&p),
            [
                "courses/b/questions.gift:2: [banned-option]",
                "courses/b/questions.gift:2: [absurd-option]",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn true_false_balance_lists_the_majority_answers() {
        let src = "// [id:t-01]\nA.{F}\n\n// [id:t-02]\nB.{F}\n\n// [id:t-03]\nC.{F}\n\n// [id:t-04]\nD.{T}\n";
        let (q, p) = bank_problems(&course("t", src));
        assert_eq!((q.true_false, q.true_answers), (4, 1));
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("courses/t/questions.gift: [true-share] 1 of 4"),
            "{p:?}"
        );
        assert!(
            p[0].contains("t-01 (line 2), t-02 (line 5), t-03 (line 8)"),
            "{p:?}"
        );
    }
}
