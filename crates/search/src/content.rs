//! The search's own content files, written by authors beside the courses:
//! `content/synonyms.toml` (words learners use for the words lessons use) and `content/faq.toml`
//! (short answers to questions learners ask, each pointing at lessons). Both are optional; when
//! present they are checked like the rest of the folder, with file and line for every problem.

use std::path::Path;

use hocvuso_course::{Catalog, Problems};
use serde::Deserialize;
use toml::Spanned;

use crate::analyzer::{nfc, words};

pub const SYNONYMS_FILE: &str = "synonyms.toml";
pub const FAQ_FILE: &str = "faq.toml";

/// Longest synonym (characters): a term, not a sentence.
const TERM_MAX_CHARS: usize = 60;
/// Longest FAQ question variant and answer (characters).
const QUESTION_MAX_CHARS: usize = 200;
const ANSWER_MAX_CHARS: usize = 1200;

/// Everything the search reads besides the catalog.
#[derive(Debug, Clone, Default)]
pub struct SearchContent {
    pub synonyms: Vec<SynonymGroup>,
    pub faq: Vec<FaqEntry>,
}

/// Terms that mean the same to a learner, in NFC ("căn cước", "CCCD", "thẻ căn cước").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
}

/// One FAQ entry: the ways learners ask it, the short answer, the lessons that teach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqEntry {
    pub id: String,
    pub questions: Vec<String>,
    pub answer: String,
    /// (course id, lesson id), each checked against the catalog.
    pub lessons: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    synonyms: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    terms: Spanned<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqFile {
    #[serde(default)]
    faq: Vec<RawFaq>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaq {
    id: Spanned<String>,
    questions: Spanned<Vec<Spanned<String>>>,
    answer: Spanned<String>,
    lessons: Spanned<Vec<Spanned<String>>>,
}

/// Reads and checks `synonyms.toml` and `faq.toml` of a content folder against its catalog.
/// Missing files are empty lists; every problem is reported, not only the first.
pub fn load(dir: &Path, catalog: &Catalog) -> Result<SearchContent, Problems> {
    let mut problems = Problems::default();
    let synonyms = match read(dir, SYNONYMS_FILE, &mut problems) {
        Some(text) => parse_synonyms(&text, &mut problems),
        None => Vec::new(),
    };
    let faq = match read(dir, FAQ_FILE, &mut problems) {
        Some(text) => parse_faq(&text, catalog, &mut problems),
        None => Vec::new(),
    };
    if problems.is_empty() {
        Ok(SearchContent { synonyms, faq })
    } else {
        Err(problems)
    }
}

fn read(dir: &Path, name: &str, problems: &mut Problems) -> Option<String> {
    let path = dir.join(name);
    if !path.exists() {
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            problems.push(Path::new(name), None, format!("cannot read: {e}"));
            None
        }
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_problem(name: &str, text: &str, e: &toml::de::Error, problems: &mut Problems) {
    let line = e.span().map(|s| line_of(text, s.start));
    problems.push(Path::new(name), line, e.message().to_owned());
}

/// Checks one author-written text: not empty, one line, in NFC, not too long, has words.
fn text_problem(text: &str, max: usize) -> Option<String> {
    if text.trim().is_empty() {
        Some("is empty".into())
    } else if nfc(text) != text {
        Some(format!(
            "\"{text}\" is not in Unicode NFC: save the file as NFC"
        ))
    } else if text.chars().count() > max {
        Some(format!("\"{text}\" is longer than {max} characters"))
    } else if words(text).is_empty() {
        Some(format!("\"{text}\" has no letters or digits"))
    } else {
        None
    }
}

fn parse_synonyms(text: &str, problems: &mut Problems) -> Vec<SynonymGroup> {
    let file = Path::new(SYNONYMS_FILE);
    let parsed: SynonymsFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            toml_problem(SYNONYMS_FILE, text, &e, problems);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    // Every term once in the whole file: a term in two groups would join them silently.
    let mut seen: Vec<(String, usize)> = Vec::new();
    for group in parsed.synonyms {
        let line = line_of(text, group.terms.span().start);
        let terms = group.terms.into_inner();
        if terms.len() < 2 {
            problems.push(file, Some(line), "a synonym group needs at least two terms");
        }
        let mut kept = Vec::new();
        for term in terms {
            let at = line_of(text, term.span().start);
            let term = term.into_inner();
            if let Some(p) = text_problem(&term, TERM_MAX_CHARS) {
                problems.push(file, Some(at), format!("synonym {p}"));
                continue;
            }
            let key = key(&term);
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                problems.push(
                    file,
                    Some(at),
                    format!("synonym \"{term}\" is already listed on line {first}"),
                );
                continue;
            }
            seen.push((key, at));
            kept.push(term);
        }
        if kept.len() >= 2 {
            out.push(SynonymGroup { terms: kept });
        }
    }
    out
}

/// The folded words of a term, which is what the search compares.
fn key(term: &str) -> String {
    words(&nfc(term))
        .into_iter()
        .map(|w| w.folded)
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_faq(text: &str, catalog: &Catalog, problems: &mut Problems) -> Vec<FaqEntry> {
    let file = Path::new(FAQ_FILE);
    let parsed: FaqFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            toml_problem(FAQ_FILE, text, &e, problems);
            return Vec::new();
        }
    };
    let mut out: Vec<FaqEntry> = Vec::new();
    for raw in parsed.faq {
        let before = problems.len();
        let id_line = line_of(text, raw.id.span().start);
        let id = raw.id.into_inner();
        if !hocvuso_course::ids::is_valid_id(&id) {
            problems.push(
                file,
                Some(id_line),
                format!("faq id \"{id}\" must be lower-case letters, digits and -"),
            );
        } else if out.iter().any(|e| e.id == id) {
            problems.push(
                file,
                Some(id_line),
                format!("faq id \"{id}\" is used twice"),
            );
        }
        let q_line = line_of(text, raw.questions.span().start);
        let questions = raw.questions.into_inner();
        if questions.is_empty() {
            problems.push(
                file,
                Some(q_line),
                "a faq entry needs at least one question",
            );
        }
        let mut kept = Vec::new();
        for q in questions {
            let at = line_of(text, q.span().start);
            let q = q.into_inner();
            match text_problem(&q, QUESTION_MAX_CHARS) {
                Some(p) => problems.push(file, Some(at), format!("question {p}")),
                None => kept.push(q),
            }
        }
        let a_line = line_of(text, raw.answer.span().start);
        let answer = raw.answer.into_inner().trim().to_owned();
        if let Some(p) = text_problem(&answer.replace('\n', " "), ANSWER_MAX_CHARS) {
            problems.push(file, Some(a_line), format!("answer {p}"));
        }
        let l_line = line_of(text, raw.lessons.span().start);
        let refs = raw.lessons.into_inner();
        if refs.is_empty() {
            problems.push(
                file,
                Some(l_line),
                "a faq entry names at least one lesson that teaches its answer",
            );
        }
        let mut lessons = Vec::new();
        for r in refs {
            let at = line_of(text, r.span().start);
            let r = r.into_inner();
            let found = r.split_once('/').filter(|(c, l)| {
                catalog
                    .course(c)
                    .is_some_and(|course| course.lesson(l).is_some())
            });
            match found {
                Some((c, l)) => lessons.push((c.to_owned(), l.to_owned())),
                None => problems.push(
                    file,
                    Some(at),
                    format!(
                        "lesson \"{r}\" is not a lesson of the catalog (write course-id/lesson-id)"
                    ),
                ),
            }
        }
        if problems.len() == before {
            out.push(FaqEntry {
                id,
                questions: kept,
                answer,
                lessons,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synonyms(text: &str) -> (Vec<SynonymGroup>, Vec<String>) {
        let mut problems = Problems::default();
        let groups = parse_synonyms(text, &mut problems);
        (groups, problems.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn synonym_groups_are_read() {
        let (groups, problems) =
            synonyms("[[synonyms]]\nterms = [\"căn cước\", \"CCCD\", \"thẻ căn cước\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(groups[0].terms.len(), 3);
    }

    #[test]
    fn a_term_in_two_groups_a_lonely_term_and_an_empty_one_are_problems_with_lines() {
        let (_, problems) = synonyms(
            "[[synonyms]]\nterms = [\"OTP\", \"mã xác thực\"]\n\n[[synonyms]]\nterms = [\"otp\"]\n\n[[synonyms]]\nterms = [\"a\", \" \"]\n",
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("synonyms.toml:5:"), "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("already listed on line 2")));
        assert!(problems.iter().any(|p| p.contains("synonym is empty")));
    }

    #[test]
    fn broken_toml_is_a_problem_with_its_line() {
        let (_, problems) = synonyms("[[synonyms]]\nterms = [\"a\",\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("synonyms.toml:"), "{problems:?}");
    }
}
