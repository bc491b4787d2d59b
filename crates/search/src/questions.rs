//! Finding questions for instructors ("tìm câu hỏi"): every question of every bank whose text,
//! feedback or tags hold all the query's words, compared folded (without diacritics, `đ` → `d`)
//! by the same analyzer as the learners' search.
//!
//! Not through the tantivy index: an instructor looks for a question they half remember, so
//! every word must be there (no ranking by rarity, no synonyms, no typo corrections), and the
//! banks are small (the bundled curriculum has under a thousand questions). A `QuestionCorpus`
//! holds each question's words once per catalog, and a query is a scan over it
//! (`docs/performance.md` has the figures).

use std::collections::HashSet;

use hocvuso_assessment::model::{Question, QuestionKind, Text, TextFormat};
use hocvuso_course::{Catalog, Course};

use crate::analyzer::{fold, is_stopword, nfc, words};
use crate::highlight::{snippet, Fragment};
use crate::passages::html_to_text;
use crate::query::Query;

/// Where in a question the query's words were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The stem and what the learner chooses from (options, pairs, items, places).
    Text,
    /// General feedback and every option's feedback.
    Feedback,
    Tag,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Feedback => "feedback",
            Field::Tag => "tag",
        }
    }
}

/// One question's searchable words, prepared once per catalog.
struct Entry {
    course: String,
    index: usize,
    text: String,
    feedback: String,
    text_words: Words,
    feedback_words: Words,
    tag_words: Words,
    /// The tags whole, folded, for a query that names one.
    tags: Vec<String>,
}

/// A field's words, folded and exact.
#[derive(Default)]
struct Words {
    folded: HashSet<String>,
    exact: HashSet<String>,
}

impl Words {
    fn of(text: &str) -> Self {
        let mut out = Words::default();
        for w in words(text) {
            out.folded.insert(w.folded);
            out.exact.insert(w.exact);
        }
        out
    }
}

/// Every question of a catalog, ready to be searched.
pub struct QuestionCorpus {
    version: String,
    entries: Vec<Entry>,
}

/// A question that holds every word of the query.
#[derive(Debug, Clone)]
pub struct QuestionHit<'a> {
    pub course: &'a Course,
    pub question: &'a Question,
    /// The bank's file, relative to the course folder (`questions.gift`, `questions.toml`).
    pub bank: String,
    /// Where the words were found, text first.
    pub fields: Vec<Field>,
    /// The best sentence of the text (or of the feedback when the text has none of the
    /// words), the query's words marked.
    pub snippet: Vec<Fragment>,
    /// The question's tags, each with whether it holds a word of the query.
    pub tags: Vec<(String, bool)>,
}

/// The words a query asks for: its meaningful words, folded, or every word when it has only
/// stopwords.
fn terms(query: &Query) -> Vec<(String, String)> {
    let meaningful: Vec<_> = query.words.iter().filter(|w| !is_stopword(w)).collect();
    let chosen = if meaningful.is_empty() {
        query.words.iter().collect()
    } else {
        meaningful
    };
    let mut seen = HashSet::new();
    chosen
        .into_iter()
        .filter(|w| seen.insert(w.folded.clone()))
        .map(|w| (w.folded.clone(), w.exact.clone()))
        .collect()
}

/// A text as plain words: HTML tags dropped and entities decoded (Moodle and HTML formats),
/// Markdown rendered first.
fn plain(text: &Text) -> String {
    let html = match text.format {
        TextFormat::Markdown => hocvuso_course::markdown::markdown_to_html(&text.text),
        _ => text.text.clone(),
    };
    nfc(&html_to_text(&html))
}

/// The stem and what is chosen from, and the feedback, each as lines of plain text.
fn texts(q: &Question) -> (Vec<String>, Vec<String>) {
    let mut text = vec![plain(&q.text)];
    if let Some(title) = &q.title {
        text.push(nfc(title));
    }
    let mut feedback: Vec<String> = q.general_feedback.iter().map(plain).collect();
    let mut fb = |t: &Option<Text>| feedback.extend(t.iter().map(plain));
    match &q.kind {
        QuestionKind::Description | QuestionKind::Essay => {}
        QuestionKind::TrueFalse {
            feedback_wrong,
            feedback_right,
            ..
        } => {
            fb(feedback_wrong);
            fb(feedback_right);
        }
        QuestionKind::Choice { options, .. } => {
            for o in options {
                text.push(plain(&o.text));
                fb(&o.feedback);
            }
        }
        QuestionKind::ShortAnswer { answers, .. } => {
            for a in answers {
                text.push(nfc(&a.text));
                fb(&a.feedback);
            }
        }
        QuestionKind::Numerical { answers } => answers.iter().for_each(|a| fb(&a.feedback)),
        QuestionKind::Matching { pairs } => {
            for p in pairs {
                text.push(format!("{} → {}", plain(&p.left), nfc(&p.right)));
            }
        }
        QuestionKind::Ordering { items, .. } => text.extend(items.iter().map(plain)),
        QuestionKind::Hotspot { alt, places, .. } => {
            text.push(nfc(alt));
            text.extend(places.iter().map(|p| nfc(&p.label)));
        }
    }
    (text, feedback)
}

impl QuestionCorpus {
    pub fn build(catalog: &Catalog) -> Self {
        let mut entries = Vec::new();
        for course in catalog.courses.values() {
            for (index, q) in course.bank.iter().enumerate() {
                let (text, feedback) = texts(q);
                let (text, feedback) = (text.join("\n"), feedback.join("\n"));
                let tags = nfc(&q.tags.join(" "));
                entries.push(Entry {
                    course: course.id.clone(),
                    index,
                    text_words: Words::of(&text),
                    feedback_words: Words::of(&feedback),
                    tag_words: Words::of(&tags),
                    tags: q.tags.iter().map(|t| fold(&nfc(t))).collect(),
                    text,
                    feedback,
                });
            }
        }
        Self {
            version: catalog.version.clone(),
            entries,
        }
    }

    /// The catalog version this corpus was built from.
    pub fn catalog_version(&self) -> &str {
        &self.version
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The questions of `visible` courses that hold every word of `query`, best first (words
    /// in the text before words only in the feedback or tags, the query's own diacritics
    /// before other ones, then course and bank order), and how many there were in all (only
    /// the first `limit` are returned). A query that is one whole tag (`competence-4.1`, or
    /// `tag:competence-4.1`) finds exactly the questions carrying it.
    pub fn find<'a>(
        &self,
        catalog: &'a Catalog,
        query: &Query,
        visible: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> (Vec<QuestionHit<'a>>, usize) {
        let folded = fold(&query.text);
        let whole = folded
            .strip_prefix("tag:")
            .unwrap_or(&folded)
            .trim()
            .to_owned();
        let tag = self
            .entries
            .iter()
            .any(|e| e.tags.contains(&whole))
            .then_some(whole);
        let terms = terms(query);
        let mut scored: Vec<(u32, &Entry, Vec<Field>)> = Vec::new();
        for e in &self.entries {
            if !visible(&e.course) {
                continue;
            }
            if let Some(tag) = &tag {
                if e.tags.contains(tag) {
                    scored.push((0, e, vec![Field::Tag]));
                }
                continue;
            }
            let mut score = 0;
            let mut fields = Vec::new();
            let all = terms.iter().all(|(folded, exact)| {
                let found = [
                    (Field::Text, &e.text_words, 4),
                    (Field::Feedback, &e.feedback_words, 2),
                    (Field::Tag, &e.tag_words, 1),
                ]
                .into_iter()
                .filter(|(_, w, _)| w.folded.contains(folded))
                .map(|(field, w, weight)| {
                    if !fields.contains(&field) {
                        fields.push(field);
                    }
                    weight + u32::from(w.exact.contains(exact))
                })
                .max();
                score += found.unwrap_or(0);
                found.is_some()
            });
            if all && !terms.is_empty() {
                fields.sort_by_key(|f| *f as u8);
                scored.push((score, e, fields));
            }
        }
        // Stable: equal scores keep course and bank order.
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        let total = scored.len();
        let marks: HashSet<String> = terms.iter().map(|(f, _)| f.clone()).collect();
        let hits = scored
            .into_iter()
            .take(limit)
            .filter_map(|(_, e, fields)| {
                let course = catalog.course(&e.course)?;
                let question = course.bank.get(e.index)?;
                let source = if fields.contains(&Field::Text) || !fields.contains(&Field::Feedback)
                {
                    &e.text
                } else {
                    &e.feedback
                };
                let tags = question
                    .tags
                    .iter()
                    .map(|t| {
                        let hit = match &tag {
                            Some(tag) => fold(&nfc(t)) == *tag,
                            None => words(&nfc(t)).iter().any(|w| marks.contains(&w.folded)),
                        };
                        (t.clone(), hit)
                    })
                    .collect();
                Some(QuestionHit {
                    course,
                    question,
                    bank: bank_file(course, e.index),
                    fields,
                    snippet: snippet(source, &marks),
                    tags,
                })
            })
            .collect();
        (hits, total)
    }
}

/// The file a question is written in, relative to its course folder.
fn bank_file(course: &Course, index: usize) -> String {
    course
        .sources
        .get(index)
        .and_then(|s| s.file.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "questions.gift".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::highlight::to_html;

    fn fixture() -> Catalog {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/content");
        hocvuso_course::load(std::path::Path::new(dir)).expect("the fixture loads")
    }

    fn ids(corpus: &QuestionCorpus, catalog: &Catalog, q: &str) -> Vec<String> {
        let query = Query::parse(q).expect("a query");
        let (hits, _) = corpus.find(catalog, &query, &|_| true, 50);
        hits.iter().filter_map(|h| h.question.id.clone()).collect()
    }

    #[test]
    fn questions_are_found_by_text_feedback_or_tag_without_diacritics() {
        let catalog = fixture();
        let corpus = QuestionCorpus::build(&catalog);
        assert!(ids(&corpus, &catalog, "ma OTP").contains(&"q-otp".to_owned()));
        assert_eq!(ids(&corpus, &catalog, "de doan nhat"), ["q-tf"]);
        assert_eq!(ids(&corpus, &catalog, "tu-luan"), ["q-essay"]);
        assert_eq!(ids(&corpus, &catalog, "tag:tu-luan"), ["q-essay"]);
        let tagged = ids(&corpus, &catalog, "competence-4.2");
        assert!(tagged.contains(&"q-tf".to_owned()) && !tagged.contains(&"q-otp".to_owned()));
        assert!(ids(&corpus, &catalog, "khong co tu nay xyzzy").is_empty());
    }

    #[test]
    fn the_snippet_marks_the_words_and_escapes_the_rest() {
        let catalog = fixture();
        let corpus = QuestionCorpus::build(&catalog);
        let query = Query::parse("ngan hang").expect("a query");
        let (hits, total) = corpus.find(&catalog, &query, &|_| true, 50);
        assert!(total >= 1);
        let html = to_html(&hits[0].snippet);
        assert!(
            html.contains("<mark>ngân</mark> <mark>hàng</mark>"),
            "{html}"
        );
        assert_eq!(hits[0].fields[0], Field::Text);
        let (none, total) = corpus.find(&catalog, &query, &|_| false, 50);
        assert!(none.is_empty() && total == 0, "only visible courses");
    }
}
