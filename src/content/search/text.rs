//! Turning text into search terms: words with their place in the text, folded to
//! lowercase without accents, stop and question words set aside, English stems, and the
//! typo rules.
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// One word of a text: its folded form and where it sits in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub range: Range<usize>,
}

/// Splits text into words (runs of letters and digits), lowercased and without accents,
/// keeping each word's byte range. Apostrophes split words: "I'm" is "i" and "m".
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    scan(text, |folded, range| {
        out.push(Word {
            folded: folded.to_owned(),
            range,
        })
    });
    out
}

/// Calls `f` with each word of `text`, folded, and its byte range; allocates only for
/// words that need folding (capitals, accents).
pub fn scan(text: &str, mut f: impl FnMut(&str, Range<usize>)) {
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (ch.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                f(&fold(&text[s..i]), s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        f(&fold(&text[s..]), s..text.len());
    }
}

/// Lowercase, with accents removed ("Été" is "ete"), so that readers need not type them.
pub fn fold(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Cow::Borrowed(word);
    }
    if word.is_ascii() {
        return Cow::Owned(word.to_ascii_lowercase());
    }
    Cow::Owned(
        word.nfd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// Words that carry no meaning for search: articles, pronouns, auxiliaries and the
/// question words readers start with ("how long does it last" searches "long last").
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "afterwards",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "done",
    "each",
    "else",
    "ever",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "just",
    "ll",
    "m",
    "many",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "please",
    "re",
    "really",
    "s",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
];

/// Whether a folded word is a stop or question word.
pub fn is_stop_word(folded: &str) -> bool {
    STOP_WORDS.binary_search(&folded).is_ok()
}

/// The English (Snowball) stemmer, with a cache: a guide repeats its words a lot.
pub struct Stemmer {
    stemmer: frostem::Stemmer,
    cache: HashMap<String, String>,
}

impl std::fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stemmer(English)")
    }
}

impl Default for Stemmer {
    fn default() -> Self {
        Self {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            cache: HashMap::new(),
        }
    }
}

impl Stemmer {
    /// The stem of a folded word ("infections" and "infection" are both "infect").
    /// Numbers are kept as they are.
    pub fn stem(&mut self, folded: &str) -> String {
        if let Some(stem) = self.cache.get(folded) {
            return stem.clone();
        }
        let stem = stem_once(&self.stemmer, folded);
        self.cache.insert(folded.to_owned(), stem.clone());
        stem
    }

    /// The stem, without touching the cache (for queries, on a shared index).
    pub fn stem_uncached(&self, folded: &str) -> String {
        self.cache
            .get(folded)
            .cloned()
            .unwrap_or_else(|| stem_once(&self.stemmer, folded))
    }
}

fn stem_once(stemmer: &frostem::Stemmer, folded: &str) -> String {
    if folded.bytes().any(|b| b.is_ascii_digit()) {
        folded.to_owned()
    } else {
        stemmer.stem(folded).into_owned()
    }
}

/// How many typing mistakes a query word may hold: none up to 4 letters, one from 5,
/// two from 9. Short words have too many neighbours ("scar", "scan", "star").
pub fn typo_budget(word: &str) -> usize {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The letters a word has, one bit each for `a` to `z` and one bit for anything else.
///
/// One edit (insert, delete, replace, swap) adds at most one letter to the set and takes
/// at most one away, so two words `d` edits apart differ in at most `2 * d` bits: a cheap
/// test that rules out nearly every word before an edit distance is worked out.
pub fn letter_set(word: &str) -> u32 {
    word.chars().fold(0, |set, c| {
        let bit = if c.is_ascii_lowercase() {
            c as u32 - 'a' as u32
        } else {
            31
        };
        set | 1 << bit
    })
}

/// Whether words with these letter sets can be at most `edits` edits apart.
pub fn may_be_within(a: u32, b: u32, edits: usize) -> bool {
    (a ^ b).count_ones() as usize <= 2 * edits
}

/// The number of edits (insert, delete, replace, swap two neighbours) from `typed` to
/// `known`, if within `typed`'s budget. The first letter must match: readers rarely get
/// it wrong, and allowing it would match far too much. `letters` are the two words'
/// [`letter_set`]s.
pub fn typo_distance(typed: &str, known: &str, letters: (u32, u32)) -> Option<usize> {
    let budget = typo_budget(typed);
    if budget == 0 || !may_be_within(letters.0, letters.1, budget) {
        return None;
    }
    let (mut a, mut b) = (typed.chars(), known.chars());
    if a.next()? != b.next()? {
        return None;
    }
    let (rest_a, rest_b) = (a.as_str(), b.as_str());
    if rest_a.chars().count().abs_diff(rest_b.chars().count()) > budget {
        return None;
    }
    let distance = strsim::osa_distance(rest_a, rest_b);
    (distance <= budget).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn words_are_folded_and_keep_their_ranges_in_the_original_text() {
        let found = words("Scalp-Pigment, ÉTÉ! I'm 18");
        let folded: Vec<&str> = found.iter().map(|w| w.folded.as_str()).collect();
        assert_eq!(folded, ["scalp", "pigment", "ete", "i", "m", "18"]);
        assert_eq!(found[2].range, 15..20);
        assert_eq!(words("  ,. "), []);
    }

    #[test]
    fn question_and_stop_words_are_ignored_but_meaningful_words_are_not() {
        for (word, stop) in [
            ("how", true),
            ("does", true),
            ("what", true),
            ("the", true),
            ("can", true),
            ("hurt", false),
            ("long", false),
            ("safe", false),
            ("make", false),
        ] {
            assert_eq!(is_stop_word(word), stop, "{word}");
        }
    }

    #[test]
    fn english_stems_join_the_forms_of_a_word() {
        let mut stemmer = Stemmer::default();
        for (a, b) in [
            ("infections", "infection"),
            ("fading", "fade"),
            ("allergies", "allergy"),
            ("practitioners", "practitioner"),
            ("painful", "pain"),
            ("sessions", "session"),
            ("licensed", "license"),
            ("swimming", "swim"),
        ] {
            assert_eq!(stemmer.stem(a), stemmer.stem(b), "{a} / {b}");
        }
        assert_eq!(stemmer.stem("18"), "18");
        assert_eq!(stemmer.stem_uncached("infections"), "infect");
    }

    #[test]
    fn typo_budget_grows_with_the_word() {
        for (word, budget) in [
            ("scar", 0),
            ("scars", 1),
            ("infectio", 1),
            ("infection", 2),
            ("été", 0),
            ("étéétéét", 1),
        ] {
            assert_eq!(typo_budget(word), budget, "{word}");
        }
    }

    #[test]
    fn typos_are_forgiven_within_the_budget_and_never_on_the_first_letter() {
        for (typed, known, expected) in [
            // 4 letters: no typos at all; 5 letters: one.
            ("scan", "scar", None),
            ("scarz", "scars", Some(1)),
            ("scrz", "scars", None),
            // 8 letters: one; 9 letters: two.
            ("sunscren", "sunscreen", Some(1)),
            ("sunscrn", "sunscreen", None),
            ("alopesia", "alopecia", Some(1)),
            ("allopesia", "alopecia", Some(2)),
            ("praktisioner", "practitioner", Some(2)),
            ("praktisoner", "practitioner", None),
            ("practioner", "practitioner", Some(2)),
            // a swap of two neighbours is one edit
            ("keliods", "keloids", Some(1)),
            // the first letter must be right
            ("pain", "rain", None),
            ("xlopecia", "alopecia", None),
            ("lopeciaa", "alopecia", None),
            ("alopecia", "alopecia", Some(0)),
        ] {
            let letters = (letter_set(typed), letter_set(known));
            assert_eq!(
                typo_distance(typed, known, letters),
                expected,
                "{typed} -> {known}"
            );
        }
    }

    proptest::proptest! {
        /// The letter-set test only ever rules out words that really are too far apart.
        #[test]
        fn letter_sets_never_rule_out_a_word_within_reach(
            a in "[a-dé]{0,8}",
            b in "[a-dé]{0,8}",
        ) {
            let distance = strsim::osa_distance(&a, &b);
            proptest::prop_assert!(may_be_within(letter_set(&a), letter_set(&b), distance));
        }
    }

    #[test]
    fn letter_sets_rule_out_words_with_other_letters() {
        // One edit changes at most two letters of the set; these sets differ in six.
        assert!(!may_be_within(letter_set("scar"), letter_set("snow"), 1));
        assert!(may_be_within(letter_set("scar"), letter_set("scan"), 1));
    }
}
