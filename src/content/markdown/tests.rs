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
