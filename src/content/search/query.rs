//! What the reader typed, as the terms to look for: stop and question words dropped,
//! synonyms added, typos matched to the guide's own words, and a "did you mean" when
//! nothing is known.
use std::collections::HashMap;

use super::index::Index;
use super::text::{is_stop_word, letter_set, may_be_within, typo_distance, words};

/// Query words beyond this are ignored, which bounds the work per request.
pub const MAX_TERMS: usize = 8;
/// Words looked at in a query (stop words included), for the same reason.
const MAX_WORDS: usize = 32;

/// How much a match counts: the reader's own word and the editors' synonyms fully, a
/// typo match less, so that exact matches rank first.
const EXACT: f32 = 1.0;
const SYNONYM: f32 = 1.0;
/// The words of a phrase that has a synonym ("side effects"), on their own.
const PHRASE_WORD: f32 = 0.5;
const ONE_TYPO: f32 = 0.5;
const TWO_TYPOS: f32 = 0.35;

/// One meaningful word (or synonym phrase) of the query.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// As the reader typed it, folded.
    pub typed: String,
    /// Stems to look for and how much a match counts; empty when the guide has no such word.
    pub alternatives: Vec<(String, f32)>,
    /// The guide's word, when the typed one was matched as a typo.
    pub correction: Option<String>,
}

impl Index {
    /// The query's meaningful words as slots, at most [`MAX_TERMS`].
    pub fn parse_query(&self, query: &str) -> Vec<Slot> {
        let typed: Vec<String> = words(query)
            .into_iter()
            .take(MAX_WORDS)
            .map(|w| w.folded)
            .collect();
        let stems: Vec<String> = typed
            .iter()
            .map(|w| self.stemmer.stem_uncached(w))
            .collect();
        let mut slots = Vec::new();
        let mut i = 0;
        while i < typed.len() && slots.len() < MAX_TERMS {
            let synonym = self
                .synonyms
                .entries
                .iter()
                .filter(|e| stems[i..].starts_with(&e.key_stems))
                .max_by_key(|e| e.key_stems.len());
            if let Some(entry) = synonym {
                let n = entry.key_stems.len();
                let own = if n == 1 { EXACT } else { PHRASE_WORD };
                let mut alternatives: Vec<(String, f32)> = (i..i + n)
                    .filter(|&j| !is_stop_word(&typed[j]))
                    .map(|j| (stems[j].clone(), own))
                    .collect();
                for (_, target) in &entry.targets {
                    alternatives.extend(target.iter().map(|stem| (stem.clone(), SYNONYM)));
                }
                slots.push(Slot {
                    typed: typed[i..i + n].join(" "),
                    alternatives: strongest(alternatives),
                    correction: None,
                });
                i += n;
                continue;
            }
            if !is_stop_word(&typed[i]) {
                slots.push(self.word_slot(&typed[i], &stems[i]));
            }
            i += 1;
        }
        slots
    }

    /// A single word: itself if the guide has it, else the guide's words it is a typo of.
    fn word_slot(&self, typed: &str, stem: &str) -> Slot {
        if self.postings.contains_key(stem) {
            return Slot {
                typed: typed.to_owned(),
                alternatives: vec![(stem.to_owned(), EXACT)],
                correction: None,
            };
        }
        let letters = letter_set(typed);
        let mut found: Vec<(usize, u32, &str, &str)> = typed
            .chars()
            .next()
            .and_then(|first| self.vocabulary.get(&first))
            .into_iter()
            .flatten()
            .filter_map(|known| {
                typo_distance(typed, &known.folded, (letters, known.letters))
                    .map(|d| (d, known.docs, known.folded.as_str(), known.stem.as_str()))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        let alternatives = found
            .iter()
            .map(|&(d, _, _, stem)| {
                let weight = if d <= 1 { ONE_TYPO } else { TWO_TYPOS };
                (stem.to_owned(), weight)
            })
            .collect();
        Slot {
            typed: typed.to_owned(),
            alternatives: strongest(alternatives),
            correction: found.first().map(|f| f.2.to_owned()),
        }
    }

    /// "Did you mean": the query with every unknown word replaced by the closest word the
    /// guide uses, looser than the typo rules (any letter, about one edit in three);
    /// `None` when no word could be replaced.
    pub fn suggest(&self, slots: &[Slot]) -> Option<String> {
        let mut changed = false;
        let mut out = Vec::new();
        for slot in slots {
            if !slot.alternatives.is_empty() {
                out.push(slot.typed.clone());
                continue;
            }
            if let Some(word) = self.closest_word(&slot.typed) {
                out.push(word.to_owned());
                changed = true;
            }
        }
        changed.then(|| out.join(" "))
    }

    fn closest_word(&self, typed: &str) -> Option<&str> {
        let len = typed.chars().count();
        if len < 3 {
            return None;
        }
        let limit = (len + 1) / 3;
        let first = typed.chars().next();
        let letters = letter_set(typed);
        self.vocabulary
            .values()
            .flatten()
            .filter(|known| may_be_within(letters, known.letters, limit))
            .filter(|known| known.folded.chars().count().abs_diff(len) <= limit)
            .filter_map(|known| {
                let distance = strsim::osa_distance(typed, &known.folded);
                // The same first letter counts as half an edit closer.
                let cost = distance * 2 + usize::from(known.folded.chars().next() != first);
                (distance <= limit).then_some((cost, std::cmp::Reverse(known.docs), known))
            })
            .min_by(|a, b| {
                (a.0, a.1)
                    .cmp(&(b.0, b.1))
                    .then(a.2.folded.cmp(&b.2.folded))
            })
            .map(|(_, _, known)| known.folded.as_str())
    }
}

/// Each stem once, with its highest weight.
fn strongest(alternatives: Vec<(String, f32)>) -> Vec<(String, f32)> {
    let mut best: HashMap<String, f32> = HashMap::new();
    let mut order = Vec::new();
    for (stem, weight) in alternatives {
        match best.get_mut(&stem) {
            Some(w) => *w = w.max(weight),
            None => {
                order.push(stem.clone());
                best.insert(stem, weight);
            }
        }
    }
    order
        .into_iter()
        .map(|stem| {
            let weight = best[&stem];
            (stem, weight)
        })
        .collect()
}
