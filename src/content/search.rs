//! Full-text search over the guide, built once when content loads.
//!
//! The guide is small (tens of pages), so a linear scan over pre-lowercased words beats
//! an inverted index in both code and speed. Ranking: a title hit outweighs a heading hit,
//! which outweighs body text; every query word must appear somewhere in the section.
use super::Section;
use super::markdown::escape_html;

/// How many characters of context a snippet shows around the first match.
const SNIPPET_CHARS: usize = 180;
/// Query words beyond this are ignored, which bounds the work per request.
const MAX_TERMS: usize = 8;

#[derive(Debug, Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
}

#[derive(Debug)]
struct Doc {
    slug: String,
    title: String,
    title_words: Vec<String>,
    blocks: Vec<Block>,
}

#[derive(Debug)]
struct Block {
    anchor: Option<String>,
    heading: bool,
    text: String,
    /// Lowercased words with their byte range in `text`.
    words: Vec<(String, std::ops::Range<usize>)>,
}

/// One search result, ready for the template.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub title: String,
    /// Section path, with the anchor of the best block when there is one.
    pub url: String,
    /// Escaped HTML with matches wrapped in `<mark>`.
    pub snippet_html: String,
    pub score: u32,
}

impl SearchIndex {
    pub fn build(sections: &[Section]) -> Self {
        let docs = sections
            .iter()
            .map(|section| {
                let mut blocks: Vec<Block> = section
                    .body
                    .blocks
                    .iter()
                    .map(|b| {
                        let heading = section.body.headings.iter().any(|h| h.text == b.text);
                        Block::new(b.anchor.clone(), heading, b.text.clone())
                    })
                    .collect();
                for entry in &section.faq {
                    blocks.push(Block::new(
                        Some(entry.id.clone()),
                        true,
                        entry.question.clone(),
                    ));
                    blocks.push(Block::new(
                        Some(entry.id.clone()),
                        false,
                        entry.answer_text.clone(),
                    ));
                }
                for item in section
                    .steps
                    .iter()
                    .chain(&section.pros)
                    .chain(&section.cons)
                {
                    blocks.push(Block::new(None, true, item.title.clone()));
                }
                blocks.push(Block::new(None, false, section.description.clone()));
                Doc {
                    slug: section.slug.clone(),
                    title: section.title.clone(),
                    title_words: words(&section.title).into_iter().map(|(w, _)| w).collect(),
                    blocks,
                }
            })
            .collect();
        Self { docs }
    }

    /// Ranked hits for `query`; empty when the query has no words.
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        let terms: Vec<String> = words(query)
            .into_iter()
            .map(|(w, _)| w)
            .take(MAX_TERMS)
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<SearchHit> = self
            .docs
            .iter()
            .filter_map(|doc| doc.score(&terms))
            .collect();
        hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.title.cmp(&b.title)));
        hits
    }
}

impl Block {
    fn new(anchor: Option<String>, heading: bool, text: String) -> Self {
        let words = words(&text);
        Self {
            anchor,
            heading,
            text,
            words,
        }
    }

    fn matches(&self, term: &str) -> usize {
        self.words
            .iter()
            .filter(|(w, _)| w.starts_with(term))
            .count()
    }
}

impl Doc {
    fn score(&self, terms: &[String]) -> Option<SearchHit> {
        let mut score = 0u32;
        for term in terms {
            let in_title = self
                .title_words
                .iter()
                .filter(|w| w.starts_with(term.as_str()))
                .count();
            let mut term_score = 10 * in_title as u32;
            for block in &self.blocks {
                let weight = if block.heading { 4 } else { 1 };
                term_score += weight * block.matches(term) as u32;
            }
            if term_score == 0 {
                return None;
            }
            score += term_score;
        }
        // The snippet comes from the body block that matches the most query words.
        let best = self
            .blocks
            .iter()
            .filter(|b| !b.heading)
            .max_by_key(|b| {
                terms.iter().filter(|t| b.matches(t) > 0).count() * 100 + b.words.len().min(99)
            })
            .filter(|b| terms.iter().any(|t| b.matches(t) > 0));
        let (snippet_html, anchor) = match best {
            Some(block) => (snippet(block, terms), block.anchor.as_deref()),
            None => (escape_html(&self.title), None),
        };
        let url = match anchor {
            Some(anchor) => format!("/guide/{}#{anchor}", self.slug),
            None => format!("/guide/{}", self.slug),
        };
        Some(SearchHit {
            title: self.title.clone(),
            url,
            snippet_html,
            score,
        })
    }
}

/// Escaped text around the first match, with every matching word in `<mark>`.
fn snippet(block: &Block, terms: &[String]) -> String {
    let is_match = |w: &str| terms.iter().any(|t| w.starts_with(t.as_str()));
    let first = block
        .words
        .iter()
        .find(|(w, _)| is_match(w))
        .map_or(0, |(_, r)| r.start);
    let text = &block.text;
    let start = floor_char_boundary(text, first.saturating_sub(SNIPPET_CHARS / 3));
    let start = text[..start]
        .rfind(' ')
        .map_or(start, |i| if start - i < 20 { i + 1 } else { start });
    let end = floor_char_boundary(text, (start + SNIPPET_CHARS).min(text.len()));
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut pos = start;
    for (word, range) in &block.words {
        if range.start < start || range.end > end || !is_match(word) {
            continue;
        }
        html.push_str(&escape_html(&text[pos..range.start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&text[range.clone()]));
        html.push_str("</mark>");
        pos = range.end;
    }
    html.push_str(&escape_html(&text[pos..end]));
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

/// Splits text into lowercased alphanumeric words, keeping each word's byte range.
fn words(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (ch.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((text[s..i].to_lowercase(), s..i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((text[s..].to_lowercase(), s..text.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Block {
        Block::new(None, false, text.to_owned())
    }

    #[test]
    fn words_keep_their_ranges_in_the_original_text() {
        let found = words("Scalp-Pigment, ÉTÉ!");
        let texts: Vec<&str> = found.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(texts, ["scalp", "pigment", "été"]);
        assert_eq!(found[2].1, 15..20);
    }

    #[test]
    fn snippets_mark_matches_and_escape_everything_else() {
        let html = snippet(&block("Pigment <b>dots</b> & more dots"), &["dots".into()]);
        assert_eq!(
            html,
            "Pigment &lt;b&gt;<mark>dots</mark>&lt;/b&gt; &amp; more <mark>dots</mark>"
        );
    }

    #[test]
    fn long_blocks_are_cut_around_the_match_on_char_boundaries() {
        let text = format!("{} needle {}", "ééé ".repeat(100), "ü ".repeat(200));
        let html = snippet(&block(&text), &["needle".into()]);
        assert!(html.starts_with('…') && html.ends_with('…'));
        assert!(html.contains("<mark>needle</mark>"));
    }
}
