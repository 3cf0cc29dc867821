//! Snippets: a short, escaped piece of a block around its first match, with every
//! matching word in `<mark>`. Text from the guide and anything the reader typed only ever
//! reach the page escaped.
use super::index::Block;

/// How many characters of context a snippet shows.
pub const SNIPPET_CHARS: usize = 180;

/// Escaped text around the first word for which `is_match(term)` holds, each such word
/// in `<mark>`; the start of the block when nothing matches.
pub fn snippet(block: &Block, is_match: impl Fn(u32) -> bool) -> String {
    let first = block
        .words
        .iter()
        .find(|(term, _)| is_match(*term))
        .map_or(0, |(_, r)| r.start);
    let text = &block.text;
    let start = floor_char_boundary(text, first.saturating_sub(SNIPPET_CHARS / 3));
    // Start at a word boundary when one is near.
    let start = text[..start]
        .rfind(' ')
        .map_or(start, |i| if start - i < 20 { i + 1 } else { start });
    let end = floor_char_boundary(text, (start + SNIPPET_CHARS).min(text.len()));
    let end = if end < text.len() {
        text[start..end].rfind(' ').map_or(end, |i| start + i)
    } else {
        end
    };
    let mut html = String::with_capacity(end - start + 64);
    if start > 0 {
        html.push('…');
    }
    let mut pos = start;
    // Words are in text order: skip to the window, stop after it.
    let from = block.words.partition_point(|(_, r)| r.start < start);
    for (term, range) in block.words[from..].iter().take_while(|(_, r)| r.end <= end) {
        if !is_match(*term) {
            continue;
        }
        html.push_str(block.escaped(pos..range.start));
        html.push_str("<mark>");
        html.push_str(block.escaped(range.clone()));
        html.push_str("</mark>");
        pos = range.end;
    }
    html.push_str(block.escaped(pos..end));
    if end < text.len() {
        html.push('…');
    }
    html
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::search::text::{Stemmer, words};

    /// A block whose term ids are the stems' (FNV-like) hashes, and the id of a stem.
    fn id(stem: &str) -> u32 {
        stem.bytes().fold(2_166_136_261u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16_777_619)
        })
    }

    fn block(text: &str) -> Block {
        let mut stemmer = Stemmer::default();
        Block::new(
            text.to_owned(),
            words(text)
                .into_iter()
                .map(|w| (id(&stemmer.stem(&w.folded)), w.range))
                .collect(),
        )
    }

    #[test]
    fn every_slice_of_a_block_escapes_as_the_text_would() {
        let text = "Ink & \"dots\" <b>éé</b> it's — 5 > 4 & ü";
        let block = block(text);
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &a in &bounds {
            for &b in bounds.iter().filter(|&&b| b >= a) {
                assert_eq!(
                    block.escaped(a..b),
                    crate::content::escape_html(&text[a..b]),
                    "{a}..{b}"
                );
            }
        }
    }

    #[test]
    fn snippets_mark_matches_and_escape_everything_else() {
        let html = snippet(&block("Pigment <b>dots</b> & more dot's"), |t| {
            t == id("dot")
        });
        assert_eq!(
            html,
            "Pigment &lt;b&gt;<mark>dots</mark>&lt;/b&gt; &amp; more <mark>dot</mark>&#39;s"
        );
    }

    #[test]
    fn hostile_text_is_never_markup() {
        let html = snippet(
            &block("<script>alert(1)</script> \"onfocus=x\" infection"),
            |t| t == id("infect") || t == id("script"),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains('"'), "{html}");
        assert!(
            html.contains("&lt;<mark>script</mark>&gt;alert(1)"),
            "{html}"
        );
        assert!(html.ends_with("<mark>infection</mark>"), "{html}");
    }

    #[test]
    fn long_blocks_are_cut_around_the_match_on_char_boundaries() {
        let text = format!("{} needle {}", "ééé ".repeat(100), "ü ".repeat(200));
        let html = snippet(&block(&text), |t| t == id("needl"));
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>needle</mark>"));
        assert!(html.chars().count() < SNIPPET_CHARS + 10);
    }

    #[test]
    fn without_a_match_the_snippet_is_the_start_of_the_block() {
        let html = snippet(&block("Short text."), |_| false);
        assert_eq!(html, "Short text.");
    }
}
