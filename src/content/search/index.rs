//! The index: built once from the loaded sections, then only read.
//!
//! Each section is a document with three fields (title, headings, body); each FAQ question
//! is a document of its own, so that it can be a result of its own. Inside a section, text
//! is grouped into passages, one per heading, to pick the heading a result links to.
use std::collections::HashMap;
use std::ops::Range;

use super::synonyms::Synonyms;
use super::text::{Stemmer, is_stop_word, letter_set, scan};
use crate::content::{Section, html_entity, push_escaped};

pub const TITLE: usize = 0;
pub const HEADINGS: usize = 1;
pub const BODY: usize = 2;

/// A piece of text with the term id of each word's stem and its byte range, for scoring
/// passages and for snippets (ids, not strings: comparing them costs nothing per request).
#[derive(Debug, Clone)]
pub struct Block {
    pub text: String,
    pub words: Vec<(u32, Range<usize>)>,
    /// Each term of the block once with its number of words, sorted by term id: picking
    /// a result's snippet looks up the query's few terms here instead of reading every
    /// word of every block.
    counts: Vec<(u32, u32)>,
    /// `text` escaped for HTML once, so that a snippet copies escaped slices instead of
    /// escaping on every request.
    escaped: String,
    /// (byte offset in `text` of a character that escaping lengthens, bytes added up to
    /// and including it), in text order: maps offsets in `text` to offsets in `escaped`.
    lengthened: Vec<(usize, usize)>,
}

impl Block {
    pub fn new(text: String, words: Vec<(u32, Range<usize>)>) -> Self {
        let mut terms: Vec<u32> = words.iter().map(|&(term, _)| term).collect();
        terms.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for term in terms {
            match counts.last_mut() {
                Some((last, n)) if *last == term => *n += 1,
                _ => counts.push((term, 1)),
            }
        }
        let mut escaped = String::with_capacity(text.len() + text.len() / 8);
        push_escaped(&mut escaped, &text);
        let mut lengthened = Vec::new();
        let mut added = 0;
        for (i, byte) in text.bytes().enumerate() {
            if let Some(entity) = html_entity(byte) {
                added += entity.len() - 1;
                lengthened.push((i, added));
            }
        }
        Self {
            text,
            words,
            counts,
            escaped,
            lengthened,
        }
    }

    /// How many of the block's words have `term`.
    pub fn count(&self, term: u32) -> u32 {
        self.counts
            .binary_search_by_key(&term, |&(t, _)| t)
            .map_or(0, |i| self.counts[i].1)
    }

    /// `text[range]`, escaped for HTML. The range's ends must be character boundaries.
    pub fn escaped(&self, range: Range<usize>) -> &str {
        &self.escaped[self.escaped_offset(range.start)..self.escaped_offset(range.end)]
    }

    /// Where offset `at` of `text` is in `escaped`: after every character before it that
    /// escaping lengthened.
    fn escaped_offset(&self, at: usize) -> usize {
        let before = self.lengthened.partition_point(|&(i, _)| i < at);
        at + before.checked_sub(1).map_or(0, |i| self.lengthened[i].1)
    }
}

/// The text under one heading (or before the first one).
#[derive(Debug)]
pub struct Passage {
    /// The id of the heading, `None` before the first one.
    pub anchor: Option<String>,
    /// The heading as readers see it.
    pub heading: Option<String>,
    /// Headings and callout titles: they weigh more.
    pub titles: Vec<Block>,
    pub blocks: Vec<Block>,
    /// Words in all blocks (filled in by [`Passage::count_terms`]).
    len: usize,
}

/// How often one term occurs in a passage's titles and in its other blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermCount {
    pub term: u32,
    pub in_titles: u32,
    pub in_blocks: u32,
}

/// A term of one of a document's passages: the document's terms, sorted by term and then
/// passage, tell which passages hold a query term without reading the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassageTerm {
    pub passage: u32,
    pub count: TermCount,
}

impl Passage {
    fn new(
        anchor: Option<String>,
        heading: Option<String>,
        titles: Vec<Block>,
        blocks: Vec<Block>,
    ) -> Self {
        Self {
            anchor,
            heading,
            titles,
            blocks,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Counts the terms (each once) and the words, once the passage has all its blocks.
    fn count_terms(&mut self) -> Vec<TermCount> {
        // Summed from the counts each block already keeps, not from the words again.
        let mut counts: HashMap<u32, TermCount> = HashMap::new();
        let titles = self.titles.iter().map(|b| (true, b));
        for (is_title, block) in titles.chain(self.blocks.iter().map(|b| (false, b))) {
            for &(term, n) in &block.counts {
                let count = counts.entry(term).or_insert(TermCount {
                    term,
                    in_titles: 0,
                    in_blocks: 0,
                });
                if is_title {
                    count.in_titles += n;
                } else {
                    count.in_blocks += n;
                }
            }
        }
        self.len = self
            .titles
            .iter()
            .chain(&self.blocks)
            .map(|b| b.words.len())
            .sum();
        counts.into_values().collect()
    }
}

#[derive(Debug)]
pub struct Doc {
    /// The section's title, or the FAQ question.
    pub title: String,
    /// The section's title (the same as `title` for a section).
    pub section: String,
    /// `/guide/slug`.
    pub path: String,
    /// For an FAQ question: its id on the FAQ page.
    pub anchor: Option<String>,
    /// Words per field.
    pub len: [f32; 3],
    pub passages: Vec<Passage>,
    /// The terms of every passage, sorted by term, then passage ([`Doc::passages_with`]).
    terms: Vec<PassageTerm>,
    /// Words in a passage, on average.
    pub avg_passage_len: f32,
    /// The section's description (or the answer), the snippet when no passage matches.
    pub summary: Block,
}

/// A document that holds a term, and how often in each field.
#[derive(Debug, Clone, Copy)]
pub struct Posting {
    pub doc: u32,
    pub tf: [f32; 3],
}

/// A word of the guide as written (folded), for typo matching and "did you mean".
#[derive(Debug)]
pub struct KnownWord {
    pub folded: String,
    pub stem: String,
    /// In how many documents it appears: the commoner, the likelier a suggestion.
    pub docs: u32,
    /// Which letters it has ([`letter_set`]), to rule it out as a typo match cheaply.
    pub letters: u32,
}

#[derive(Debug, Default)]
pub struct Index {
    pub docs: Vec<Doc>,
    pub postings: HashMap<String, Vec<Posting>>,
    /// Every stem in the guide (stop words too), as the id blocks use.
    pub terms: HashMap<String, u32>,
    pub avg_len: [f32; 3],
    /// Known words by their first letter.
    pub vocabulary: HashMap<char, Vec<KnownWord>>,
    pub synonyms: Synonyms,
    pub stemmer: Stemmer,
}

/// What the build learns about each distinct word (as folded), so that a word seen again
/// costs one hash lookup and no allocation.
#[derive(Default)]
struct Words {
    /// Folded word → index into `seen`.
    ids: HashMap<String, u32>,
    seen: Vec<Seen>,
    /// Term id → stem.
    stems: Vec<String>,
    terms: HashMap<String, u32>,
    /// Term id → documents that hold it.
    postings: Vec<Vec<Posting>>,
}

struct Seen {
    folded: String,
    term: u32,
    stop: bool,
    /// A candidate for typo matching and suggestions: a real word of three letters or more.
    known: bool,
    docs: u32,
    last_doc: u32,
}

impl Words {
    fn intern(&mut self, folded: &str, stemmer: &Stemmer) -> u32 {
        let stem = stemmer.stem_uncached(folded);
        let term = match self.terms.get(&stem) {
            Some(&term) => term,
            None => {
                let term = self.stems.len() as u32;
                self.terms.insert(stem.clone(), term);
                self.stems.push(stem);
                self.postings.push(Vec::new());
                term
            }
        };
        let stop = is_stop_word(folded);
        let id = self.seen.len() as u32;
        self.seen.push(Seen {
            folded: folded.to_owned(),
            term,
            stop,
            known: !stop
                && folded.chars().count() > 2
                && !folded.bytes().any(|b| b.is_ascii_digit()),
            docs: 0,
            last_doc: u32::MAX,
        });
        self.ids.insert(folded.to_owned(), id);
        id
    }
}

/// Collects one document's fields while it is built.
struct DocBuilder<'a> {
    words: &'a mut Words,
    stemmer: &'a Stemmer,
    doc: u32,
    tf: HashMap<u32, [f32; 3]>,
    len: [f32; 3],
}

impl DocBuilder<'_> {
    /// Adds `text` to `field` and returns it as a block.
    fn add(&mut self, field: usize, text: &str) -> Block {
        let mut out = Vec::new();
        scan(text, |folded, range| {
            let id = match self.words.ids.get(folded) {
                Some(&id) => id,
                None => self.words.intern(folded, self.stemmer),
            };
            let seen = &mut self.words.seen[id as usize];
            if !seen.stop {
                self.tf.entry(seen.term).or_default()[field] += 1.0;
                self.len[field] += 1.0;
                if seen.known && seen.last_doc != self.doc {
                    seen.last_doc = self.doc;
                    seen.docs += 1;
                }
            }
            out.push((seen.term, range));
        });
        Block::new(text.to_owned(), out)
    }

    /// The document's statistics go into the postings.
    fn finish(self) -> [f32; 3] {
        for (term, tf) in self.tf {
            self.words.postings[term as usize].push(Posting { doc: self.doc, tf });
        }
        self.len
    }
}

impl Index {
    pub fn build(sections: &[Section], synonyms: Synonyms) -> Self {
        let mut index = Index {
            synonyms,
            ..Index::default()
        };
        let mut words = Words::default();
        for section in sections {
            index.add_section(section, &mut words);
            for entry in &section.faq {
                let mut doc = index.builder(&mut words);
                doc.add(TITLE, &entry.question);
                let answer = doc.add(BODY, &entry.answer_text);
                let len = doc.finish();
                index.docs.push(Doc {
                    title: entry.question.clone(),
                    section: section.title.clone(),
                    path: section.path(),
                    anchor: Some(entry.id.clone()),
                    len,
                    passages: vec![Passage::new(
                        Some(entry.id.clone()),
                        None,
                        Vec::new(),
                        vec![answer.clone()],
                    )],
                    terms: Vec::new(),
                    avg_passage_len: 0.0,
                    summary: answer,
                });
            }
        }
        // Averaged over the documents that have the field (FAQ questions have no headings).
        for field in 0..3 {
            let lens: Vec<f32> = index
                .docs
                .iter()
                .map(|d| d.len[field])
                .filter(|&l| l > 0.0)
                .collect();
            index.avg_len[field] = (lens.iter().sum::<f32>() / lens.len().max(1) as f32).max(1.0);
        }
        for seen in words.seen.into_iter().filter(|s| s.known && s.docs > 0) {
            let Some(first) = seen.folded.chars().next() else {
                continue;
            };
            index.vocabulary.entry(first).or_default().push(KnownWord {
                stem: words.stems[seen.term as usize].clone(),
                letters: letter_set(&seen.folded),
                folded: seen.folded,
                docs: seen.docs,
            });
        }
        for list in index.vocabulary.values_mut() {
            list.sort_by(|a, b| a.folded.cmp(&b.folded));
        }
        index.postings = words
            .stems
            .into_iter()
            .zip(words.postings)
            .filter(|(_, postings)| !postings.is_empty())
            .collect();
        index.terms = words.terms;
        for doc in &mut index.docs {
            doc.count_terms();
        }
        index
    }

    fn builder<'a>(&'a self, words: &'a mut Words) -> DocBuilder<'a> {
        DocBuilder {
            words,
            stemmer: &self.stemmer,
            doc: self.docs.len() as u32,
            tf: HashMap::new(),
            len: [0.0; 3],
        }
    }

    fn add_section(&mut self, section: &Section, words: &mut Words) {
        let mut doc = self.builder(words);
        doc.add(TITLE, &section.title);
        let mut passages: Vec<Passage> = Vec::new();
        for block in &section.body.blocks {
            if passages.last().is_none_or(|p| p.anchor != block.anchor) {
                let heading = block.anchor.as_ref().and_then(|id| {
                    section
                        .body
                        .headings
                        .iter()
                        .find(|h| &h.id == id)
                        .map(|h| h.text.clone())
                });
                passages.push(Passage::new(
                    block.anchor.clone(),
                    heading,
                    Vec::new(),
                    Vec::new(),
                ));
            }
            let passage = passages.last_mut().expect("pushed above");
            if block.heading {
                passage.titles.push(doc.add(HEADINGS, &block.text));
            } else {
                passage.blocks.push(doc.add(BODY, &block.text));
            }
        }
        for (anchor, items) in [
            ("steps", &section.steps),
            ("pros", &section.pros),
            ("cons", &section.cons),
        ] {
            for item in items {
                passages.push(Passage::new(
                    Some(anchor.to_owned()),
                    Some(item.title.clone()),
                    vec![doc.add(HEADINGS, &item.title)],
                    vec![doc.add(BODY, &item.text)],
                ));
            }
        }
        let summary = doc.add(BODY, &section.description);
        let len = doc.finish();
        self.docs.push(Doc {
            title: section.title.clone(),
            section: section.title.clone(),
            path: section.path(),
            anchor: None,
            len,
            passages,
            terms: Vec::new(),
            avg_passage_len: 0.0,
            summary,
        });
    }
}

impl Doc {
    /// The passages that hold `term`, in passage order, with the term's counts.
    pub fn passages_with(&self, term: u32) -> &[PassageTerm] {
        let start = self.terms.partition_point(|t| t.count.term < term);
        let end = start + self.terms[start..].partition_point(|t| t.count.term == term);
        &self.terms[start..end]
    }

    /// Counts every passage's terms, once the document has all its passages.
    fn count_terms(&mut self) {
        let mut terms = Vec::new();
        for (i, passage) in self.passages.iter_mut().enumerate() {
            let passage_index = u32::try_from(i).expect("fewer than 2^32 passages");
            terms.extend(passage.count_terms().into_iter().map(|count| PassageTerm {
                passage: passage_index,
                count,
            }));
        }
        terms.sort_unstable_by_key(|t| (t.count.term, t.passage));
        self.terms = terms;
        let words: usize = self.passages.iter().map(Passage::len).sum();
        self.avg_passage_len = words as f32 / self.passages.len().max(1) as f32;
    }
}
