//! Full-text search over the guide, built once when content loads (and on every reload).
//!
//! Readers do not type the guide's words, so a query is matched on English stems
//! ("infections" finds "infection"), with stop and question words ignored, the editors'
//! synonyms added (`content/synonyms.toml`) and typos forgiven (one edit from five letters,
//! two from nine, never on the first letter; a typo match counts less than an exact one).
//! Documents are ranked with BM25F: a word in a title weighs more than in a heading, which
//! weighs more than in the text, and documents that match more of the query's words come
//! first. Each FAQ question is a document of its own. Hand-written over two small crates
//! (a Snowball stemmer and an edit distance), chosen over Tantivy by measurement: see
//! Cargo.toml and docs/PERFORMANCE.md.
mod index;
mod query;
mod snippet;
mod synonyms;
mod text;

use index::{Doc, Index, Passage};
pub use query::MAX_TERMS;
use query::Slot;
pub use synonyms::{LineProblem, Synonyms};

use super::Section;

/// BM25F: how much a match in each field (title, headings, body) counts.
const BOOST: [f32; 3] = [3.0, 2.0, 1.0];
/// BM25F: how much each field's length dampens its matches.
const LENGTH_NORM: [f32; 3] = [0.5, 0.5, 0.75];
/// BM25: how quickly repeated matches stop adding to the score.
const K1: f32 = 1.2;
/// A document whose title holds every word of the query scores this much more.
const TITLE_BONUS: f32 = 0.5;
/// Inside a section, a heading holding the word counts this many times the text.
const PASSAGE_HEADING_BOOST: f32 = 3.0;
/// Results shown at most; weaker results than this share of the best are dropped.
const MAX_HITS: usize = 10;
const MIN_SHARE_OF_BEST: f32 = 0.1;
/// Sections offered when nothing matches.
const LIKELY_SECTIONS: usize = 3;

#[derive(Debug, Default)]
pub struct SearchIndex {
    index: Index,
}

/// One search result, ready for the template.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The title of the section it is in.
    pub section: String,
    /// The heading or FAQ question it links to; `None` for the section as a whole.
    pub heading: Option<String>,
    /// Section path, with the anchor of the heading or question when there is one.
    pub url: String,
    /// Escaped HTML with matches wrapped in `<mark>`.
    pub snippet_html: String,
    pub score: f32,
}

impl SearchHit {
    /// What the result's link says: the heading or question, else the section.
    pub fn title(&self) -> &str {
        self.heading.as_deref().unwrap_or(&self.section)
    }
}

/// Everything the search page shows for one query.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Typed words matched to the guide's words as typos: (typed, found).
    pub corrections: Vec<(String, String)>,
    /// When nothing matches: the query in the guide's own words ("did you mean").
    pub suggestion: Option<String>,
    /// When nothing matches: the sections the suggestion finds.
    pub likely: Vec<SearchHit>,
    /// The query has words, but only ones search ignores ("how is it").
    pub only_common_words: bool,
}

impl SearchIndex {
    pub fn build(sections: &[Section], synonyms: Synonyms) -> Self {
        Self {
            index: Index::build(sections, synonyms),
        }
    }

    /// Synonyms whose words the guide never uses (they can never find anything), with the
    /// line they are on, for `check`.
    pub fn unused_synonyms(&self) -> Vec<LineProblem> {
        let mut out = Vec::new();
        for entry in &self.index.synonyms.entries {
            for (target, stems) in &entry.targets {
                if !stems.iter().any(|s| self.index.postings.contains_key(s)) {
                    out.push((
                        entry.line,
                        format!(
                            "the guide never uses \"{target}\", so \"{}\" finds nothing through it",
                            entry.key
                        ),
                    ));
                }
            }
        }
        out
    }

    /// Ranked results for `query`, or help when there are none.
    pub fn search(&self, query: &str) -> SearchResults {
        let slots = self.index.parse_query(query);
        let mut results = SearchResults {
            hits: self.hits(&slots),
            corrections: slots
                .iter()
                .filter_map(|s| Some((s.typed.clone(), s.correction.clone()?)))
                .collect(),
            only_common_words: slots.is_empty() && !text::words(query).is_empty(),
            ..SearchResults::default()
        };
        if results.hits.is_empty() {
            results.suggestion = self.index.suggest(&slots);
            if let Some(suggestion) = &results.suggestion {
                let slots = self.index.parse_query(suggestion);
                results.likely = self.hits(&slots);
                results.likely.truncate(LIKELY_SECTIONS);
            }
        }
        results
    }

    fn hits(&self, slots: &[Slot]) -> Vec<SearchHit> {
        if slots.iter().all(|s| s.alternatives.is_empty()) {
            return Vec::new();
        }
        let mut ranked = self.rank(slots);
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let best = ranked.first().map_or(0.0, |r| r.1);
        ranked.retain(|r| r.1 >= best * MIN_SHARE_OF_BEST);
        ranked.truncate(MAX_HITS);
        let terms = self.query_terms(slots);
        ranked
            .into_iter()
            .map(|(doc, score)| self.hit(&self.index.docs[doc], score, &terms))
            .collect()
    }

    /// Every term the query looks for, as the blocks hold them.
    fn query_terms(&self, slots: &[Slot]) -> QueryTerms {
        let mut list = Vec::new();
        for (slot, alternatives) in slots.iter().enumerate() {
            for (stem, weight) in &alternatives.alternatives {
                let (Some(&term), Some(postings)) =
                    (self.index.terms.get(stem), self.index.postings.get(stem))
                else {
                    continue;
                };
                // A term two slots share (a word and a synonym's stem) belongs to the
                // first: listed once, so every reader of the list counts it once.
                if list.iter().all(|&(listed, _, _)| listed != term) {
                    list.push((term, slot, weight * self.idf(postings.len())));
                }
            }
        }
        QueryTerms {
            list,
            slots: slots.len(),
        }
    }

    fn idf(&self, docs_with_term: usize) -> f32 {
        let n = self.index.docs.len() as f32;
        let df = docs_with_term as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25F score of every document that matches any slot. A slot's alternatives (the
    /// typed word, its synonyms, its typo matches) count as one term, as Lucene's
    /// `SynonymQuery` does: their weighted frequencies add up, with the rarest-making idf
    /// of the commonest alternative. The sum over slots is scaled by the share of slots
    /// matched, and raised when the title holds them (a question that is the query).
    fn rank(&self, slots: &[Slot]) -> Vec<(usize, f32)> {
        let index = &self.index;
        let n = slots.len();
        let mut tf = vec![0.0f32; index.docs.len()];
        let mut in_title = vec![0u32; index.docs.len()];
        let mut scores = vec![0.0f32; index.docs.len()];
        let mut matched = vec![0u32; index.docs.len()];
        for slot in slots {
            tf.iter_mut().for_each(|t| *t = 0.0);
            let mut touched = Vec::new();
            let mut df = 0;
            for (stem, weight) in &slot.alternatives {
                let Some(postings) = index.postings.get(stem) else {
                    continue;
                };
                df = df.max(postings.len());
                for posting in postings {
                    let doc = posting.doc as usize;
                    let lens = &index.docs[doc].len;
                    let weighted: f32 = (0..3)
                        .map(|f| {
                            let norm =
                                1.0 - LENGTH_NORM[f] + LENGTH_NORM[f] * lens[f] / index.avg_len[f];
                            BOOST[f] * posting.tf[f] / norm
                        })
                        .sum();
                    if tf[doc] == 0.0 {
                        touched.push(doc);
                        if posting.tf[index::TITLE] > 0.0 {
                            in_title[doc] += 1;
                        }
                    }
                    tf[doc] += weight * weighted;
                }
            }
            let idf = self.idf(df);
            for doc in touched {
                let t = tf[doc];
                scores[doc] += idf * t * (K1 + 1.0) / (K1 + t);
                matched[doc] += 1;
            }
        }
        scores
            .into_iter()
            .enumerate()
            .filter(|&(doc, _)| matched[doc] > 0)
            .map(|(doc, score)| {
                let coverage = matched[doc] as f32 / n as f32;
                let title = 1.0 + TITLE_BONUS * in_title[doc] as f32 / n as f32;
                (doc, score * coverage * title)
            })
            .collect()
    }

    fn hit(&self, doc: &Doc, score: f32, terms: &QueryTerms) -> SearchHit {
        let passage = best_passage(doc, terms);
        let anchor = doc
            .anchor
            .as_deref()
            .or(passage.and_then(|p| p.anchor.as_deref()));
        // Pushed, not format!ted: this runs for every result of every search.
        let mut url = String::with_capacity(doc.path.len() + 1 + anchor.map_or(0, str::len));
        url.push_str(&doc.path);
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(anchor);
        }
        let heading = if doc.anchor.is_some() {
            Some(doc.title.clone())
        } else {
            passage.and_then(|p| p.heading.clone())
        };
        // The passage's block with the most query words, else the summary.
        let block = passage
            .and_then(|p| {
                p.blocks
                    .iter()
                    .map(|b| (terms.matches_in(b), b))
                    .filter(|(m, _)| m.0 > 0)
                    .max_by_key(|(m, _)| *m)
                    .map(|(_, b)| b)
            })
            .unwrap_or(&doc.summary);
        SearchHit {
            section: doc.section.clone(),
            heading,
            url,
            snippet_html: snippet::snippet(block, |term| terms.get(term).is_some()),
            score,
        }
    }
}

/// The query's terms as blocks hold them: (term id, slot, weight × idf). A handful at
/// most, so a linear scan beats hashing.
struct QueryTerms {
    /// (term, slot, weight × idf), each term once.
    list: Vec<(u32, usize, f32)>,
    slots: usize,
}

impl QueryTerms {
    /// The slot a term belongs to and its weight × idf.
    fn get(&self, term: u32) -> Option<(usize, f32)> {
        self.list
            .iter()
            .find(|(t, _, _)| *t == term)
            .map(|&(_, slot, weight)| (slot, weight))
    }

    /// (slots matched, words matched) in a block.
    fn matches_in(&self, block: &index::Block) -> (usize, usize) {
        let mut slots = [false; MAX_TERMS];
        let mut words = 0;
        for &(term, slot, _) in &self.list {
            let count = block.count(term);
            if count > 0 {
                slots[slot] = true;
                words += count as usize;
            }
        }
        (slots.iter().filter(|&&s| s).count(), words)
    }
}

/// The passage that matches the query best (its heading counts more), if any matches:
/// BM25 per slot over the passage, raised when the heading holds the query's words.
/// Only the passages that hold a query term are scored: the others score nothing.
fn best_passage<'a>(doc: &'a Doc, terms: &QueryTerms) -> Option<&'a Passage> {
    // (passage, place in the term list, counts), in passage order and, within a passage,
    // in the list's order, so that the sums below add up in the same order every time.
    let mut found: Vec<(u32, usize, &index::TermCount)> = Vec::new();
    for (place, &(term, _, _)) in terms.list.iter().enumerate() {
        found.extend(
            doc.passages_with(term)
                .iter()
                .map(|t| (t.passage, place, &t.count)),
        );
    }
    found.sort_unstable_by_key(|&(passage, place, _)| (passage, place));
    let mut best: Option<(f32, &Passage)> = None;
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        let passage = &doc.passages[group[0].0 as usize];
        let mut tf = [0.0f32; MAX_TERMS];
        let mut weight = [0.0f32; MAX_TERMS];
        let mut in_heading = [false; MAX_TERMS];
        for &(_, place, count) in group {
            let (_, slot, w) = terms.list[place];
            tf[slot] += count.in_titles as f32 * PASSAGE_HEADING_BOOST + count.in_blocks as f32;
            weight[slot] = weight[slot].max(w);
            in_heading[slot] |= count.in_titles > 0;
        }
        let norm = 0.5 + 0.5 * passage.len() as f32 / doc.avg_passage_len.max(1.0);
        let mut score: f32 = (0..terms.slots.min(MAX_TERMS))
            .map(|slot| {
                let t = tf[slot] / norm;
                weight[slot] * t * (K1 + 1.0) / (K1 + t)
            })
            .sum();
        let headed = in_heading.iter().filter(|&&h| h).count();
        score *= 1.0 + TITLE_BONUS * headed as f32 / terms.slots.max(1) as f32;
        if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, passage));
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests;
