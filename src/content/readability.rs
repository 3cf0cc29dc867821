//! Flesch reading ease of a page's prose, so that `check` can tell editors when a section
//! has grown hard to read. Health services aim their pages at a reading ease of 60 or more
//! (plain English); the guide holds every section to that.
//!
//! `206.835 - 1.015 × words per sentence - 84.6 × syllables per word`, with syllables
//! counted by the usual English heuristic (vowel groups, less a silent final `e`). The
//! score is a guide for editors, not a precise measure.

/// The reading ease of these blocks of prose (paragraphs, list items, table cells), each of
/// which ends at least one sentence. `None` when there are no words.
pub fn reading_ease<'a>(blocks: impl IntoIterator<Item = &'a str>) -> Option<f64> {
    let (mut words, mut sentences, mut syllables) = (0usize, 0usize, 0usize);
    for block in blocks {
        let block_words: Vec<&str> = block
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .collect();
        if block_words.is_empty() {
            continue;
        }
        words += block_words.len();
        sentences += sentence_count(block);
        syllables += block_words.iter().map(|w| syllable_count(w)).sum::<usize>();
    }
    (words > 0).then(|| {
        206.835 - 1.015 * words as f64 / sentences as f64 - 84.6 * syllables as f64 / words as f64
    })
}

/// Sentence ends (`.`, `!`, `?`, possibly repeated) followed by a space, a closing quote or
/// bracket, or the end of the block; at least one per block.
fn sentence_count(block: &str) -> usize {
    let chars: Vec<char> = block.chars().collect();
    let mut count = 0;
    for (i, c) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        match chars.get(i + 1) {
            None => count += 1,
            Some(next) if next.is_whitespace() || "\"'”’)".contains(*next) => count += 1,
            Some(_) => {}
        }
    }
    count.max(1)
}

/// Syllables in one word: groups of one or two vowels (`y` included) after dropping a
/// silent ending (`-es`, `-ed`, `-e`) and a leading `y`; words of up to three letters
/// count one.
fn syllable_count(word: &str) -> usize {
    let letters: String = word
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return 0;
    }
    if letters.len() <= 3 {
        return 1;
    }
    let is_vowel = |c: u8| b"aeiouy".contains(&c);
    let mut w = letters.into_bytes();
    let n = w.len();
    if w.ends_with(b"ed") || (w.ends_with(b"es") && n >= 3 && !b"laeiouy".contains(&w[n - 3])) {
        w.truncate(n - 2);
    } else if w.ends_with(b"e") && n >= 2 && !b"laeiouy".contains(&w[n - 2]) {
        w.truncate(n - 1);
    }
    if w.first() == Some(&b'y') {
        w.remove(0);
    }
    // Groups of one or two vowels, as the regular expression `[aeiouy]{1,2}` finds them.
    let mut groups = 0;
    let mut i = 0;
    while i < w.len() {
        if is_vowel(w[i]) {
            groups += 1;
            i += if w.get(i + 1).is_some_and(|&c| is_vowel(c)) {
                2
            } else {
                1
            };
        } else {
            i += 1;
        }
    }
    groups.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_the_heuristic() {
        let cases = [
            ("the", 1),
            ("scalp", 1),
            ("tattoo", 2),
            ("pigment", 2),
            ("practitioner", 4),
            ("micropigmentation", 6),
            ("makes", 1),
            ("needed", 1),
            ("little", 2),
            ("yellow", 2),
            ("beautiful", 4),
            ("2026", 0),
        ];
        for (word, expected) in cases {
            assert_eq!(syllable_count(word), expected, "{word}");
        }
    }

    #[test]
    fn sentences_end_at_stops_not_inside_numbers() {
        let cases = [
            ("One. Two! Three?", 3),
            ("It costs 2.5 thousand.", 1),
            ("No stop at all", 1),
            ("He said “stop.” Then left.", 2),
            ("Wait... what?", 2),
        ];
        for (text, expected) in cases {
            assert_eq!(sentence_count(text), expected, "{text}");
        }
    }

    #[test]
    fn plain_short_sentences_score_high_and_dense_ones_low() {
        let plain = reading_ease(["The dots fade. You may need a touch-up. It is quick."]).unwrap();
        let dense = reading_ease([
            "Micropigmentation practitioners administer individualised pigmentation methodologies \
             necessitating considerable interdisciplinary consideration",
        ])
        .unwrap();
        assert!(plain > 80.0, "{plain}");
        assert!(dense < 0.0, "{dense}");
        assert_eq!(reading_ease(["", "  "]), None);
    }
}
