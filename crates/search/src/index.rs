//! The index: the passages of one catalog in an in-memory tantivy index, and the search over
//! them.
//!
//! Fields (every text is analysed by `analyzer` before tantivy sees it, so indexing and
//! querying cut words the same way, and tantivy only splits at spaces):
//! - `title_folded`, `body_folded`: words without diacritics, what finds;
//! - `title_exact`, `body_exact`: words with diacritics, which rank a passage written with the
//!   learner's diacritics above one that only folds to them ("mát khẩu" below "mật khẩu");
//! - `title_pairs`, `body_pairs`: neighbouring syllables (`mat_khau`), which rank whole
//!   Vietnamese words above scattered syllables;
//! - `entry`: the passage's position in `SearchIndex::passages`.
//!
//! A query asks for each meaningful word (stopwords only pair), in the title more than the
//! body; an unknown word also for the index's words one typo away from it; and every
//! synonym group one of whose terms the query contains brings in the group's other terms.

use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use hocvuso_course::Catalog;

use crate::analyzer::{has_diacritics, is_stopword, nfc, pair, words, Word};
use crate::content::SearchContent;
use crate::highlight::{snippet, Fragment};
use crate::passages::{passages, Passage};
use crate::query::Query;

const TOKENIZER: &str = "hvs_words";
/// Passages read from tantivy before visibility and one-per-item are applied.
const CANDIDATES: usize = 60;

#[derive(Debug, thiserror::Error)]
#[error("building the search index: {0}")]
pub struct BuildError(#[from] tantivy::TantivyError);

struct Fields {
    title_folded: Field,
    title_exact: Field,
    title_pairs: Field,
    body_folded: Field,
    body_exact: Field,
    body_pairs: Field,
}

/// One catalog's passages, indexed. Immutable: a new catalog gets a new index.
pub struct SearchIndex {
    catalog_version: String,
    passages: Vec<Passage>,
    /// Every word form of the index (folded and exact), numbered: the sets below hold numbers,
    /// not strings, which keeps the index a few megabytes instead of tens
    /// (docs/performance.md, "Memory").
    terms: Terms,
    /// The words of each passage (title, section and text), folded and exact, for coverage:
    /// term numbers, sorted.
    passage_words: Vec<Box<[u32]>>,
    /// The pairs of neighbouring words of each passage (folded): `pair_key`s, sorted.
    passage_pairs: Vec<Box<[u64]>>,
    /// Every folded word of the index in alphabetical order, for typo correction.
    vocabulary: Box<[u32]>,
    /// Synonym groups as lists of terms, each term its words.
    synonyms: Vec<Vec<Vec<Word>>>,
    fields: Fields,
    reader: IndexReader,
    /// Every bank's questions for instructors' question search, made with the index so it
    /// follows the same catalog (`questions.rs`).
    questions: crate::questions::QuestionCorpus,
}

/// Word forms by number, and in how many passages each occurs (for weighing meanings).
#[derive(Default)]
struct Terms {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    doc_freq: Vec<u32>,
}

impl Terms {
    fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.id(word) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(word.into(), id);
        self.names.push(word.into());
        self.doc_freq.push(0);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// In how many passages a word occurs (0 for a word the index does not have).
    fn doc_freq(&self, word: &str) -> Option<usize> {
        self.id(word).map(|id| self.doc_freq[id as usize] as usize)
    }

    /// The key of a pair of neighbouring folded words, if the index has both.
    fn pair_key(&self, a: &str, b: &str) -> Option<u64> {
        Some((u64::from(self.id(a)?) << 32) | u64::from(self.id(b)?))
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Box<[T]> {
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// A passage found for a query.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub passage: &'a Passage,
    /// Relevance, comparable only within one query.
    pub score: f32,
    /// Share of the query's meanings (words, or synonym groups) the passage contains, 0 to 1.
    pub coverage: f32,
    /// The passage's best sentence, with the query's words marked.
    pub snippet: Vec<Fragment>,
    /// Whether the passage has the query's rarest word next to the same neighbour as in the
    /// query (always true for a one-word query or when a synonym carries the rarest word).
    pub anchored: bool,
}

/// What one query asks for, after synonyms and typo correction.
struct Plan {
    /// Each meaning: the alternatives (as folded word lists) any of which satisfies it.
    meanings: Vec<Vec<Vec<String>>>,
    /// Folded words to mark in snippets.
    marks: HashSet<String>,
    /// The pairs around the query's rarest word (folded words); a passage with none of them is
    /// not anchored.
    anchor_pairs: Vec<(String, String)>,
    query: BooleanQuery,
}

fn text_options() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn joined(words: &[Word], form: impl Fn(&Word) -> &str) -> String {
    words.iter().map(form).collect::<Vec<_>>().join(" ")
}

fn pairs(words: &[Word]) -> String {
    words
        .windows(2)
        .map(|w| pair(&w[0].folded, &w[1].folded))
        .collect::<Vec<_>>()
        .join(" ")
}

impl SearchIndex {
    /// Indexes a catalog and the search content. About a tenth of a second for the bundled
    /// curriculum (`docs/performance.md`).
    pub fn build(catalog: &Catalog, content: &SearchContent) -> Result<SearchIndex, BuildError> {
        let mut schema = Schema::builder();
        let fields = Fields {
            title_folded: schema.add_text_field("title_folded", text_options()),
            title_exact: schema.add_text_field("title_exact", text_options()),
            title_pairs: schema.add_text_field("title_pairs", text_options()),
            body_folded: schema.add_text_field("body_folded", text_options()),
            body_exact: schema.add_text_field("body_exact", text_options()),
            body_pairs: schema.add_text_field("body_pairs", text_options()),
        };
        let entry = schema.add_u64_field("entry", FAST);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let passages = passages(catalog, content);
        let mut terms = Terms::default();
        let mut passage_words = Vec::with_capacity(passages.len());
        let mut vocabulary = Vec::new();
        let mut passage_pairs = Vec::with_capacity(passages.len());
        // One thread and one commit: the index is small, and one segment keeps it simple.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for (i, p) in passages.iter().enumerate() {
            let title_text = match &p.section {
                Some(s) => format!("{} \n {}", p.title, s),
                None => p.title.clone(),
            };
            let title = words(&nfc(&title_text));
            let body = words(&nfc(&p.text));
            let mut set = Vec::new();
            for w in title.iter().chain(&body) {
                let folded = terms.intern(&w.folded);
                set.push(folded);
                set.push(terms.intern(&w.exact));
                vocabulary.push(folded);
            }
            let set = sorted(set);
            for &id in set.iter() {
                terms.doc_freq[id as usize] += 1;
            }
            passage_pairs.push(sorted(
                [&title, &body]
                    .iter()
                    .flat_map(|ws| ws.windows(2))
                    .filter_map(|p| terms.pair_key(&p[0].folded, &p[1].folded))
                    .collect(),
            ));
            passage_words.push(set);
            writer.add_document(doc!(
                fields.title_folded => joined(&title, |w| &w.folded),
                fields.title_exact => joined(&title, |w| &w.exact),
                fields.title_pairs => pairs(&title),
                fields.body_folded => joined(&body, |w| &w.folded),
                fields.body_exact => joined(&body, |w| &w.exact),
                fields.body_pairs => pairs(&body),
                entry => i as u64,
            ))?;
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let synonyms = content
            .synonyms
            .iter()
            .map(|g| g.terms.iter().map(|t| words(&nfc(t))).collect())
            .collect();
        let mut vocabulary = sorted(vocabulary).into_vec();
        vocabulary.sort_unstable_by(|a, b| terms.name(*a).cmp(terms.name(*b)));
        terms.ids.shrink_to_fit();
        terms.names.shrink_to_fit();
        terms.doc_freq.shrink_to_fit();
        Ok(SearchIndex {
            catalog_version: catalog.version.clone(),
            passages,
            terms,
            passage_words,
            passage_pairs,
            vocabulary: vocabulary.into_boxed_slice(),
            synonyms,
            fields,
            reader,
            questions: crate::questions::QuestionCorpus::build(catalog),
        })
    }

    /// The version of the catalog this index was built from.
    pub fn catalog_version(&self) -> &str {
        &self.catalog_version
    }

    /// The questions of the catalog's banks, for instructors' question search.
    pub fn questions(&self) -> &crate::questions::QuestionCorpus {
        &self.questions
    }

    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }

    /// The best passages for a query, one per lesson, task or FAQ entry, among the courses
    /// `visible` accepts; at most `limit`.
    pub fn search(
        &self,
        query: &Query,
        visible: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Vec<Hit<'_>> {
        let plan = self.plan(query);
        if plan.meanings.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&plan.query, &TopDocs::with_limit(CANDIDATES)) else {
            return Vec::new();
        };
        let mut hits: Vec<Hit<'_>> = Vec::new();
        for (score, address) in top {
            let Some(i) = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("entry")
                .ok()
                .and_then(|column| column.first(address.doc_id))
            else {
                continue;
            };
            let Some(passage) = self.passages.get(i as usize) else {
                continue;
            };
            let courses_ok = match passage.kind {
                crate::passages::Kind::Faq => passage.lessons.iter().any(|(c, _)| visible(c)),
                _ => visible(&passage.course_id),
            };
            if !courses_ok {
                continue;
            }
            let coverage = self.coverage(&plan.meanings, &self.passage_words[i as usize]);
            let pairs = &self.passage_pairs[i as usize];
            let anchored = plan.anchor_pairs.is_empty()
                || plan.anchor_pairs.iter().any(|(a, b)| {
                    self.terms
                        .pair_key(a, b)
                        .is_some_and(|k| pairs.binary_search(&k).is_ok())
                });
            hits.push(Hit {
                anchored,
                passage,
                // A passage with every meaning of the question beats one that repeats one
                // word often.
                score: score * (0.3 + coverage),
                coverage,
                snippet: Vec::new(),
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen: Vec<(crate::passages::Kind, &str, &str)> = Vec::new();
        hits.retain(|h| {
            let key = (
                h.passage.kind,
                h.passage.course_id.as_str(),
                h.passage.item_id.as_str(),
            );
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        });
        hits.truncate(limit);
        for h in &mut hits {
            h.snippet = snippet(&h.passage.text, &plan.marks);
        }
        hits
    }

    /// Share of the query's meanings the passage has (one alternative with all its words),
    /// each meaning weighed by how rare its words are: a passage that shares "hôm nay" and
    /// "bao nhiêu" with a question about the price of gold does not answer it.
    fn coverage(&self, meanings: &[Vec<Vec<String>>], words: &[u32]) -> f32 {
        let n = self.passages.len().max(1) as f32;
        let idf = |w: &String| {
            let df = self.terms.doc_freq(w).unwrap_or(0) as f32;
            (1.0 + n / (1.0 + df)).ln()
        };
        let has = |w: &String| {
            self.terms
                .id(w)
                .is_some_and(|id| words.binary_search(&id).is_ok())
        };
        let mut total = 0.0;
        let mut met = 0.0;
        for alternatives in meanings {
            let weight = alternatives
                .iter()
                .flat_map(|alt| alt.iter().map(idf))
                .fold(0.0_f32, f32::max);
            total += weight;
            if alternatives
                .iter()
                .any(|alt| !alt.is_empty() && alt.iter().all(has))
            {
                met += weight;
            }
        }
        if total > 0.0 {
            met / total
        } else {
            0.0
        }
    }

    /// Index words one typo (an edit or a swap of neighbours) away from an unknown word.
    fn corrections(&self, word: &str) -> Vec<String> {
        let known = self
            .vocabulary
            .binary_search_by(|id| self.terms.name(*id).cmp(word))
            .is_ok();
        if word.chars().count() < 3 || known {
            return Vec::new();
        }
        self.vocabulary
            .iter()
            .map(|id| self.terms.name(*id))
            .filter(|v| one_typo_apart(word, v))
            .take(8)
            .map(str::to_owned)
            .collect()
    }

    fn plan(&self, query: &Query) -> Plan {
        let q = &query.words;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        let mut meanings: Vec<Vec<Vec<String>>> = Vec::new();
        let mut marks: HashSet<String> = HashSet::new();
        let mut in_group = vec![false; q.len()];
        // Synonym groups one of whose terms the query contains.
        for group in &self.synonyms {
            let mut matched = false;
            for term in group {
                if term.is_empty() || term.len() > q.len() {
                    continue;
                }
                for start in 0..=q.len() - term.len() {
                    if q[start..start + term.len()]
                        .iter()
                        .zip(term)
                        .all(|(a, b)| same_word(a, b))
                    {
                        matched = true;
                        in_group[start..start + term.len()].fill(true);
                    }
                }
            }
            if !matched {
                continue;
            }
            meanings.push(
                group
                    .iter()
                    .map(|t| t.iter().map(|w| w.folded.clone()).collect())
                    .collect(),
            );
            for term in group {
                let content: Vec<&Word> = term.iter().filter(|w| !is_stopword(w)).collect();
                let weight = 1.0 / content.len().max(1) as f32;
                for w in &content {
                    marks.insert(w.folded.clone());
                    self.word_clauses(&mut clauses, &w.folded, None, 0.9 * weight);
                }
                for p in term.windows(2) {
                    self.pair_clauses(&mut clauses, &pair(&p[0].folded, &p[1].folded), 1.2);
                }
            }
        }
        // The other meaningful words, with typo corrections for unknown ones.
        let mut corrected: Vec<Option<String>> = vec![None; q.len()];
        for (i, w) in q.iter().enumerate() {
            if is_stopword(w) {
                continue;
            }
            let fixes = self.corrections(&w.folded);
            corrected[i] = fixes.first().cloned();
            // Written with diacritics, the word means that word ("vàng" is not "vắng").
            let own = if has_diacritics(w) {
                &w.exact
            } else {
                &w.folded
            };
            let mut alternatives = vec![vec![own.clone()]];
            alternatives.extend(fixes.iter().map(|f| vec![f.clone()]));
            marks.insert(w.folded.clone());
            marks.extend(fixes.iter().cloned());
            self.word_clauses(
                &mut clauses,
                &w.folded,
                has_diacritics(w).then_some(&w.exact),
                1.0,
            );
            for f in &fixes {
                self.word_clauses(&mut clauses, f, None, 0.6);
            }
            if !in_group[i] && !meanings.contains(&alternatives) {
                meanings.push(alternatives);
            }
        }
        for (i, p) in q.windows(2).enumerate() {
            if is_stopword(&p[0]) && is_stopword(&p[1]) {
                continue;
            }
            let a = corrected[i].as_deref().unwrap_or(&p[0].folded);
            let b = corrected[i + 1].as_deref().unwrap_or(&p[1].folded);
            self.pair_clauses(&mut clauses, &pair(a, b), 1.5);
        }
        // The rarest meaningful word the index knows, unless a synonym group carries it.
        let rarest = (0..q.len())
            .filter(|&i| !is_stopword(&q[i]))
            .filter_map(|i| {
                let w = corrected[i].as_deref().unwrap_or(&q[i].folded);
                self.terms.doc_freq(w).map(|df| (i, df))
            })
            .min_by_key(|(_, df)| *df)
            .map(|(i, _)| i);
        let content_words = q.iter().filter(|w| !is_stopword(w)).count();
        let mut anchor_pairs = Vec::new();
        if let Some(r) = rarest.filter(|&r| content_words >= 2 && !in_group[r]) {
            let at = |i: usize| corrected[i].clone().unwrap_or_else(|| q[i].folded.clone());
            if r > 0 {
                anchor_pairs.push((at(r - 1), at(r)));
            }
            if r + 1 < q.len() {
                anchor_pairs.push((at(r), at(r + 1)));
            }
        }
        Plan {
            meanings,
            marks,
            anchor_pairs,
            query: BooleanQuery::new(clauses),
        }
    }

    fn word_clauses(
        &self,
        clauses: &mut Vec<(Occur, Box<dyn TantivyQuery>)>,
        folded: &str,
        exact: Option<&String>,
        weight: f32,
    ) {
        let f = &self.fields;
        clauses.push(term(f.title_folded, folded, 2.0 * weight));
        clauses.push(term(f.body_folded, folded, weight));
        if let Some(exact) = exact {
            clauses.push(term(f.title_exact, exact, 1.0 * weight));
            clauses.push(term(f.body_exact, exact, 0.5 * weight));
        }
    }

    fn pair_clauses(
        &self,
        clauses: &mut Vec<(Occur, Box<dyn TantivyQuery>)>,
        key: &str,
        weight: f32,
    ) {
        clauses.push(term(self.fields.title_pairs, key, 1.5 * weight));
        clauses.push(term(self.fields.body_pairs, key, weight));
    }
}

fn term(field: Field, text: &str, boost: f32) -> (Occur, Box<dyn TantivyQuery>) {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
}

/// Whether a query word is a synonym term's word: the same without diacritics, and the same
/// with them when the learner typed them ("mã" is not "má").
fn same_word(query: &Word, term: &Word) -> bool {
    query.folded == term.folded && (!has_diacritics(query) || query.exact == term.exact)
}

/// Optimal-string-alignment distance of at most one: one letter added, removed, changed, or
/// two neighbours swapped.
fn one_typo_apart(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 || a == b {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Greater => ra[1..] == *rb,
        std::cmp::Ordering::Less => *ra == rb[1..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_typo_is_an_edit_or_a_swap() {
        assert!(one_typo_apart("khua", "khau"));
        assert!(one_typo_apart("matkhau", "matkhaua"));
        assert!(one_typo_apart("vneid", "vnied"));
        assert!(one_typo_apart("otp", "op"));
        assert!(!one_typo_apart("khau", "khau"));
        assert!(!one_typo_apart("abcd", "badc"));
    }
}
