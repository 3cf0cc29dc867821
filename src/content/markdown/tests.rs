use super::*;

fn assets() -> Assets {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    std::fs::write(
        dir.path().join("img/dots.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320"></svg>"#,
    )
    .unwrap();
    Assets::load(dir.path()).unwrap()
}

/// Replaces the content hash in fingerprinted URLs so the fixture stays stable.
fn normalise(html: &str, assets: &Assets) -> String {
    html.replace(
        assets.url("img/dots.svg"),
        "/static/img/dots.FINGERPRINT.svg",
    )
}

#[test]
fn renders_the_sample_page_exactly_as_the_fixture() {
    let assets = assets();
    let source = include_str!("../../../tests/fixtures/markdown/sample.md");
    let expected = include_str!("../../../tests/fixtures/markdown/sample.html");
    let (rendered, problems) = render(source, &assets, RenderOptions::STANDALONE);
    assert_eq!(problems, []);
    assert_eq!(normalise(&rendered.html, &assets), expected);
}

#[test]
fn renders_citations_and_callouts_exactly_as_the_fixture() {
    let assets = assets();
    let source = include_str!("../../../tests/fixtures/markdown/callouts.md");
    let expected = include_str!("../../../tests/fixtures/markdown/callouts.html");
    let (rendered, problems) = render(source, &assets, RenderOptions::STANDALONE);
    if std::env::var_os("SMP_BLESS").is_some() {
        std::fs::write("tests/fixtures/markdown/callouts.html", &rendered.html).unwrap();
    }
    assert_eq!(problems, []);
    assert_eq!(rendered.html, expected);
}

#[test]
fn citations_and_callout_anchors_are_collected_for_the_checks() {
    let assets = assets();
    let source = include_str!("../../../tests/fixtures/markdown/callouts.md");
    let (rendered, _) = render(source, &assets, RenderOptions::STANDALONE);
    let numbers: Vec<usize> = rendered.citations.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 3, 2]);
    let (_, offset) = rendered.citations[0];
    assert_eq!(&source[offset..offset + 3], "[1]");
    assert_eq!(
        rendered.anchors,
        [
            "urgent-advice",
            "important",
            "non-urgent-advice",
            "urgent-advice-2"
        ]
    );
    // Callout titles are searchable but are not headings of the page.
    let ids: Vec<&str> = rendered.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["warning-signs", "later-problems"]);
    assert!(
        rendered
            .blocks
            .iter()
            .any(|b| b.heading && b.text == "Non-urgent advice")
    );
    assert!(!rendered.blocks.iter().any(|b| b.text.contains("[1]")));
}

#[test]
fn callout_headings_nest_under_the_heading_above_them() {
    let assets = assets();
    let cases = [
        (
            "> [!IMPORTANT]\n",
            RenderOptions::STANDALONE,
            "<h2 class=\"callout-heading\"",
        ),
        (
            "## A\n\n> [!IMPORTANT]\n",
            RenderOptions::STANDALONE,
            "<h3 class=\"callout-heading\"",
        ),
        (
            "### B\n\n> [!IMPORTANT]\n",
            RenderOptions::STANDALONE,
            "<h4 class=\"callout-heading\"",
        ),
        (
            "## A\n\n> [!IMPORTANT]\n",
            RenderOptions {
                id_prefix: "risks-",
                same_page_guide_links: true,
                heading_shift: 1,
            },
            "<h4 class=\"callout-heading\" id=\"risks-important\"",
        ),
    ];
    for (source, opts, expected) in cases {
        let (rendered, _) = render(source, &assets, opts);
        assert!(
            rendered.html.contains(expected),
            "{source:?}: {}",
            rendered.html
        );
    }
}

#[test]
fn an_unknown_callout_kind_is_a_problem_at_its_line() {
    let assets = assets();
    let source = "Intro.\n\n> [!WARNING] Careful\n> text\n";
    let (rendered, problems) = render(source, &assets, RenderOptions::STANDALONE);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].offset, source.find("[!WARNING]").unwrap());
    assert_eq!(
        problems[0].message,
        "unknown callout kind [!WARNING]: use one of [!URGENT] (urgent advice), [!IMPORTANT] (important), [!NON-URGENT] (non-urgent advice)"
    );
    assert!(rendered.html.contains("<blockquote>"));
}

#[test]
fn citations_in_the_one_page_guide_point_at_that_sections_sources() {
    let assets = assets();
    let opts = RenderOptions {
        id_prefix: "risks-",
        same_page_guide_links: true,
        heading_shift: 1,
    };
    let (rendered, _) = render("A claim [2].\n", &assets, opts);
    assert!(
        rendered.html.contains("href=\"#risks-source-2\""),
        "{}",
        rendered.html
    );
}

#[test]
fn collects_headings_links_and_search_blocks() {
    let assets = assets();
    let source = include_str!("../../../tests/fixtures/markdown/sample.md");
    let (rendered, _) = render(source, &assets, RenderOptions::STANDALONE);
    let ids: Vec<&str> = rendered.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["pain-and-numbing", "pain-and-numbing-2", "chosen"]);
    assert_eq!(rendered.headings[1].level, 3);
    assert_eq!(rendered.links[0].0, "/guide/risks#infection");
    let under_heading = rendered
        .blocks
        .iter()
        .find(|b| b.text.starts_with("Text under"))
        .unwrap();
    assert_eq!(under_heading.anchor.as_deref(), Some("pain-and-numbing"));
}

#[test]
fn combined_rendering_prefixes_ids_and_keeps_links_on_the_page() {
    let assets = assets();
    let source = "## Aftercare\n\nSee [risks](/guide/risks#infection), [above](#aftercare) and [risks](/guide/risks).\n";
    let opts = RenderOptions {
        id_prefix: "process-",
        same_page_guide_links: true,
        heading_shift: 1,
    };
    let (rendered, _) = render(source, &assets, opts);
    assert!(
        rendered.html.contains(r#"<h3 id="process-aftercare">"#),
        "{}",
        rendered.html
    );
    assert!(rendered.html.contains(r##"href="#risks-infection""##));
    assert!(rendered.html.contains(r##"href="#process-aftercare""##));
    assert!(rendered.html.contains(r##"href="#risks""##));
}

#[test]
fn problems_carry_their_source_offsets() {
    let assets = assets();
    let cases: [(&str, usize, &str); 4] = [
        ("# Title\n", 0, "page title"),
        (
            "Text\n\n![Alt](/static/missing.png)\n",
            6,
            "not in the static folder",
        ),
        ("![](/static/img/dots.svg)\n", 0, "no alt text"),
        (
            "![Alt](https://example.org/x.png)\n",
            0,
            "not in the static folder",
        ),
    ];
    for (source, offset, expected) in cases {
        let (_, problems) = render(source, &assets, RenderOptions::STANDALONE);
        assert_eq!(problems.len(), 1, "{source:?}: {problems:?}");
        assert_eq!(problems[0].offset, offset, "{source:?}");
        assert!(
            problems[0].message.contains(expected),
            "{source:?}: {}",
            problems[0].message
        );
    }
}

#[test]
fn structured_markers_split_the_body() {
    let assets = assets();
    let (rendered, _) = render(
        "Before.\n\n{faq}\n\nAfter.\n",
        &assets,
        RenderOptions::STANDALONE,
    );
    let (before, after) = split_at_structured(&rendered.html);
    assert_eq!(before, "<p>Before.</p>\n");
    assert_eq!(after.trim_start(), "<p>After.</p>\n");
}

#[test]
fn slugs_are_lowercase_words_joined_by_hyphens() {
    let cases = [
        ("Pain and numbing", "pain-and-numbing"),
        ("What's \"SMP\"?", "whats-smp"),
        ("  Costs -- in 2026 ", "costs-in-2026"),
        ("Ça coûte", "ça-coûte"),
        ("!!!", ""),
    ];
    for (input, expected) in cases {
        assert_eq!(slugify(input), expected, "{input}");
    }
}

#[test]
fn a_table_needs_a_caption_paragraph_right_before_it() {
    let assets = assets();
    let table = "| A | B |\n|---|---|\n| 1 | 2 |\n";
    let cases = [
        (format!("Table: Costs\n\n{table}"), 0),
        (format!("Some text.\n\n{table}"), 1),
        (
            format!("Table: Costs\n\nA paragraph between.\n\n{table}"),
            1,
        ),
        (table.to_owned(), 1),
    ];
    for (source, problems) in cases {
        let (rendered, found) = render(&source, &assets, RenderOptions::STANDALONE);
        assert_eq!(found.len(), problems, "{source}: {found:?}");
        assert_eq!(
            rendered
                .html
                .contains("<caption id=\"table-1\">Costs</caption>"),
            problems == 0,
            "{}",
            rendered.html
        );
    }
    let (found, _) = render(
        &format!("Table: Costs\n\n{table}"),
        &assets,
        RenderOptions::STANDALONE,
    );
    assert!(
        found.blocks.iter().any(|b| b.text == "Costs"),
        "the caption is searchable"
    );
}
