//! Search over a small guide written for each test, loaded the way the server loads one.
use std::path::Path;

use crate::assets::Assets;
use crate::content::{Guide, REQUIRED_SECTIONS, load};

/// A valid guide whose required sections have these bodies (Markdown) and extra front
/// matter (FAQ entries); the rest say "Text.". `synonyms` is `synonyms.toml`, if any.
fn guide(sections: &[(&str, &str)], synonyms: Option<&str>) -> Guide {
    let full: Vec<(&str, &str, &str)> = sections.iter().map(|&(s, b)| (s, b, "")).collect();
    guide_with_front(&full, synonyms)
}

fn guide_with_front(sections: &[(&str, &str, &str)], synonyms: Option<&str>) -> Guide {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "site.toml",
        "title = \"T\"\ndescription = \"D\"\nbase_url = \"http://127.0.0.1:3000/\"\nlanguage = \"en\"\n\
         byline = \"Team\"\ndisclaimer = \"Not advice.\"\n",
    );
    write(
        root,
        "home.md",
        "+++\ntitle = \"Home\"\ndescription = \"Home page\"\nsummary = \"In short.\"\n+++\nHello.\n",
    );
    for (order, slug) in REQUIRED_SECTIONS.iter().enumerate() {
        let (body, extra) = sections
            .iter()
            .find(|(s, _, _)| s == slug)
            .map_or(("Text.", ""), |(_, body, extra)| (*body, *extra));
        write(
            root,
            &format!("guide/{slug}.md"),
            &format!(
                "+++\ntitle = \"Section {slug}\"\ndescription = \"About {slug}.\"\nslug = \"{slug}\"\norder = {}\n\
                 updated = 2026-11-01\nlast_reviewed = 2026-11-01\nnext_review = 2099-01-01\nreviewed_by = \"Team\"\n{extra}+++\n{body}\n",
                order + 1
            ),
        );
    }
    for (order, slug) in ["about", "comment-rules", "privacy"].iter().enumerate() {
        write(
            root,
            &format!("pages/{slug}.md"),
            &format!(
                "+++\ntitle = \"Page {slug}\"\ndescription = \"About {slug}\"\nslug = \"{slug}\"\norder = {}\nupdated = 2026-11-01\n+++\nWho we are.\n",
                order + 1
            ),
        );
    }
    if let Some(text) = synonyms {
        write(root, "synonyms.toml", text);
    }
    load(root, &Assets::default()).unwrap_or_else(|problems| panic!("{problems:?}"))
}

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn urls(guide: &Guide, query: &str) -> Vec<String> {
    guide
        .search
        .search(query)
        .hits
        .into_iter()
        .map(|h| h.url)
        .collect()
}

#[test]
fn other_forms_of_a_word_find_the_heading_that_uses_it() {
    let guide = guide(
        &[(
            "risks",
            "Intro.\n\n## Infection of the skin {#infection}\n\nRedness and pus.\n\n## Lumps {#lumps}\n\nGranulomas.",
        )],
        None,
    );
    assert_eq!(urls(&guide, "infections"), ["/guide/risks#infection"]);
    assert_eq!(urls(&guide, "Infected?"), ["/guide/risks#infection"]);
}

#[test]
fn typo_matches_rank_below_exact_matches() {
    let guide = guide(
        &[
            ("process", "The pigment is described here."),
            ("risks", "The scalp is described here."),
        ],
        None,
    );
    // One word matched exactly, the other as a typo: the exact match ranks first.
    assert_eq!(
        urls(&guide, "pigmint scalp"),
        ["/guide/risks", "/guide/process"]
    );
    let results = guide.search.search("pigmint");
    assert_eq!(
        results.corrections,
        [("pigmint".to_owned(), "pigment".to_owned())]
    );
    // A word the guide has is taken as written, not as a typo of another.
    assert_eq!(urls(&guide, "scalp"), ["/guide/risks"]);
}

#[test]
fn typos_are_not_forgiven_in_short_words_or_on_the_first_letter() {
    let guide = guide(&[("risks", "A scar can form. Alopecia areata.")], None);
    assert!(urls(&guide, "scsr").is_empty(), "4 letters: exact only");
    assert_eq!(
        urls(&guide, "scarr"),
        ["/guide/risks"],
        "5 letters: one typo"
    );
    assert!(
        urls(&guide, "elopecia").is_empty(),
        "never the first letter"
    );
    assert_eq!(urls(&guide, "alopesia"), ["/guide/risks"]);
}

#[test]
fn question_and_stop_words_are_ignored() {
    let guide = guide(&[("process", "Numbing and pain.")], None);
    assert_eq!(urls(&guide, "how does the pain feel"), ["/guide/process"]);
    let results = guide.search.search("how is it");
    assert!(results.hits.is_empty());
    assert!(results.only_common_words);
    assert!(!guide.search.search("").only_common_words);
}

#[test]
fn synonyms_find_the_guides_word_one_way() {
    let guide = guide(
        &[
            ("process", "Numbing and pain."),
            ("risks", "What can go wrong: the risks."),
        ],
        Some("hurt = \"pain\"\n\"side effects\" = \"risks\"\n"),
    );
    assert_eq!(urls(&guide, "does it hurt"), ["/guide/process"]);
    assert_eq!(urls(&guide, "side effects"), ["/guide/risks"]);
    assert!(
        urls(&guide, "effects").is_empty(),
        "a phrase, not its words"
    );
    assert!(urls(&guide, "pains").iter().all(|u| u == "/guide/process"));
}

#[test]
fn every_faq_question_is_a_result_of_its_own() {
    let faq = "[[faq]]\nquestion = \"Does it hurt?\"\nanswer = \"Some pain is normal.\"\n\n\
               [[faq]]\nquestion = \"Can it be removed?\"\nanswer = \"With a laser.\"\n";
    let guide = guide_with_front(&[("faq", "{faq}", faq)], None);
    let results = guide.search.search("laser");
    assert_eq!(results.hits.len(), 1);
    let hit = &results.hits[0];
    assert_eq!(hit.url, "/guide/faq#can-it-be-removed");
    assert_eq!(hit.title(), "Can it be removed?");
    assert_eq!(hit.section, "Section faq");
    assert_eq!(hit.snippet_html, "With a <mark>laser</mark>.");
}

#[test]
fn snippets_escape_the_guides_text() {
    let guide = guide(
        &[("risks", "Text about `<script>` tags & pigment dots.")],
        None,
    );
    let hit = &guide.search.search("pigment").hits[0];
    assert_eq!(
        hit.snippet_html,
        "Text about &lt;script&gt; tags &amp; <mark>pigment</mark> dots."
    );
}

#[test]
fn nothing_found_suggests_the_guides_own_words_and_likely_sections() {
    let guide = guide(
        &[(
            "process",
            "## Sun protection {#sun}\n\nUse sunscreen every day.",
        )],
        None,
    );
    let results = guide.search.search("sunscreeeeen");
    assert!(results.hits.is_empty());
    assert_eq!(results.suggestion.as_deref(), Some("sunscreen"));
    let likely: Vec<&str> = results.likely.iter().map(|h| h.url.as_str()).collect();
    assert_eq!(likely, ["/guide/process#sun"]);

    let results = guide.search.search("xqzvw");
    assert_eq!(results.suggestion, None);
    assert!(results.likely.is_empty());
}

#[test]
fn synonyms_the_guide_never_uses_are_reported() {
    let guide = guide(
        &[("process", "Numbing and pain.")],
        Some("hurt = \"pain\"\nprice = \"expense\"\n"),
    );
    let warnings: Vec<String> = guide.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.ends_with(
            "synonyms.toml:2: the guide never uses \"expense\", so \"price\" finds nothing through it"
        )),
        "{warnings:?}"
    );
}

#[test]
fn broken_synonyms_stop_the_guide_from_loading() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "synonyms.toml", "hurt = \n");
    let problems = load(dir.path(), &Assets::default()).unwrap_err().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.path.ends_with("synonyms.toml") && p.line == 1),
        "{problems:?}"
    );
}

#[test]
fn passages_count_each_term_in_their_headings_and_text() {
    let guide = guide(
        &[(
            "risks",
            "## Pigment and ink\n\nPigment sits in the skin. The pigment fades.\n\n## Later\n\nSun.\n",
        )],
        None,
    );
    let index = &guide.search.index;
    let term = |word: &str| index.terms[&index.stemmer.stem_uncached(word)];
    let doc = index
        .docs
        .iter()
        .find(|d| d.path == "/guide/risks")
        .unwrap();
    let passage = |heading: &str| {
        doc.passages
            .iter()
            .find(|p| p.heading.as_deref() == Some(heading))
            .unwrap()
    };
    // The document's list of passage terms, as scoring reads it.
    let count = |heading: &str, word: &str| {
        doc.passages_with(term(word))
            .iter()
            .find(|t| doc.passages[t.passage as usize].heading.as_deref() == Some(heading))
            .map(|t| (t.count.in_titles, t.count.in_blocks))
    };
    let first = passage("Pigment and ink");
    assert_eq!(count("Pigment and ink", "pigment"), Some((1, 2)));
    assert_eq!(count("Pigment and ink", "ink"), Some((1, 0)));
    assert_eq!(count("Pigment and ink", "sun"), None);
    assert_eq!(count("Later", "sun"), Some((0, 1)));
    // Each passage is listed once for a term, in passage order.
    let pigment: Vec<u32> = doc
        .passages_with(term("pigment"))
        .iter()
        .map(|t| t.passage)
        .collect();
    assert!(pigment.windows(2).all(|w| w[0] < w[1]), "{pigment:?}");
    // Blocks count their terms too, for picking a snippet.
    assert_eq!(first.blocks[0].count(term("pigment")), 2);
    assert_eq!(first.blocks[0].count(term("sun")), 0);
    let words: usize = first
        .titles
        .iter()
        .chain(&first.blocks)
        .map(|b| b.words.len())
        .sum();
    assert_eq!(first.len(), words);
    assert!(words >= 11, "heading and text: {words} words");
}
