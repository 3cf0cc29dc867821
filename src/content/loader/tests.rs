use std::path::Path;

use super::*;

/// A minimal valid content folder: site.toml, home.md and the seven required sections.
fn valid_content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("guide")).unwrap();
    std::fs::write(
        root.join("site.toml"),
        "title = \"T\"\ndescription = \"D\"\nbase_url = \"http://127.0.0.1:3000/\"\nlanguage = \"en\"\n\
         byline = \"Team\"\ndisclaimer = \"Not advice.\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("home.md"),
        "+++\ntitle = \"Home\"\ndescription = \"Home page\"\nsummary = \"In short.\"\n+++\nHello.\n",
    )
    .unwrap();
    for (order, slug) in REQUIRED_SECTIONS.iter().enumerate() {
        write_section(root, slug, order as u32 + 1, "## Heading one\n\nText.\n");
    }
    std::fs::create_dir_all(root.join("pages")).unwrap();
    for (order, slug) in pages::REQUIRED_PAGES.iter().enumerate() {
        write_page(root, slug, order as u32 + 1, "Who we are.\n");
    }
    dir
}

fn write_page(root: &Path, slug: &str, order: u32, body: &str) {
    std::fs::write(
        root.join("pages").join(format!("{slug}.md")),
        format!(
            "+++\ntitle = \"Page {slug}\"\ndescription = \"About {slug}\"\nslug = \"{slug}\"\norder = {order}\nupdated = 2026-11-01\n+++\n{body}"
        ),
    )
    .unwrap();
}

/// Three sources, each with a publisher and a URL, as every section should have.
const THREE_SOURCES: &str = "[[sources]]\ntitle = \"One\"\npublisher = \"P\"\nurl = \"https://one.example\"\n\n\
    [[sources]]\ntitle = \"Two\"\npublisher = \"P\"\nurl = \"https://two.example\"\n\n\
    [[sources]]\ntitle = \"Three\"\npublisher = \"P\"\nurl = \"https://three.example\"\naccessed = 2026-11-01\n";

/// A section whose front matter ends with `extra` (sources, FAQ entries...).
fn section_with(slug: &str, order: u32, extra: &str, body: &str) -> String {
    section_source(slug, order, body).replacen(
        "reviewed_by = \"Team\"\n",
        &format!("reviewed_by = \"Team\"\n{extra}"),
        1,
    )
}

/// Loads and returns the warnings as `FILE:LINE: message` with the temp dir stripped.
fn warnings(root: &Path) -> Vec<String> {
    let guide = load(root, &Assets::default()).expect("loads");
    guide
        .warnings
        .iter()
        .map(|p| {
            let relative = p.path.strip_prefix(root).unwrap_or(&p.path);
            format!("{}:{}: {}", relative.display(), p.line, p.message)
        })
        .collect()
}

fn section_source(slug: &str, order: u32, body: &str) -> String {
    format!(
        "+++\ntitle = \"Title {slug}\"\ndescription = \"About {slug}\"\nslug = \"{slug}\"\norder = {order}\n\
         updated = 2026-11-01\nlast_reviewed = 2026-11-01\nnext_review = 2027-05-01\nreviewed_by = \"Team\"\n+++\n{body}"
    )
}

fn write_section(root: &Path, slug: &str, order: u32, body: &str) {
    std::fs::write(
        root.join("guide").join(format!("{slug}.md")),
        section_source(slug, order, body),
    )
    .unwrap();
}

/// Loads and returns the problems as `FILE:LINE: message` with the temp dir stripped.
fn problems(root: &Path) -> Vec<String> {
    match load(root, &Assets::default()) {
        Ok(_) => Vec::new(),
        Err(failure) => failure
            .problems
            .iter()
            .map(|p| {
                let relative = p.path.strip_prefix(root).unwrap_or(&p.path);
                format!("{}:{}: {}", relative.display(), p.line, p.message)
            })
            .collect(),
    }
}

fn assert_one_problem(root: &Path, location: &str, fragment: &str) {
    let found = problems(root);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    assert!(
        found[0].starts_with(location),
        "expected {location}, got {}",
        found[0]
    );
    assert!(
        found[0].contains(fragment),
        "expected {fragment:?} in {}",
        found[0]
    );
}

#[test]
fn a_valid_folder_loads_in_order() {
    let dir = valid_content();
    let guide = load(dir.path(), &Assets::default()).unwrap();
    let slugs: Vec<&str> = guide.sections.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, REQUIRED_SECTIONS);
    assert_eq!(
        guide.site.base_url, "http://127.0.0.1:3000",
        "trailing slash trimmed"
    );
}

#[test]
fn each_broken_file_is_reported_at_its_line() {
    type Breaker = fn(&Path);
    let cases: [(&str, Breaker, &str, &str); 12] = [
        (
            "empty file",
            |r| std::fs::write(r.join("guide/risks.md"), "  \n").unwrap(),
            "guide/risks.md:1:",
            "empty",
        ),
        (
            "no fence",
            |r| std::fs::write(r.join("guide/risks.md"), "title = 1\n").unwrap(),
            "guide/risks.md:1:",
            "+++",
        ),
        (
            "wrong type",
            |r| {
                let s = section_source("risks", 4, "").replace("order = 4", "order = \"four\"");
                std::fs::write(r.join("guide/risks.md"), s).unwrap();
            },
            "guide/risks.md:5:",
            "`order` must be a whole number, like `order = 4`",
        ),
        (
            "unknown key",
            |r| {
                let s = section_source("risks", 4, "")
                    .replace("order = 4\n", "order = 4\ncolour = \"red\"\n");
                std::fs::write(r.join("guide/risks.md"), s).unwrap();
            },
            "guide/risks.md:6:",
            "unknown setting `colour`",
        ),
        (
            "missing key",
            |r| {
                let s = section_source("risks", 4, "").replace("reviewed_by = \"Team\"\n", "");
                std::fs::write(r.join("guide/risks.md"), s).unwrap();
            },
            "guide/risks.md:1:",
            "the required setting `reviewed_by` is missing",
        ),
        (
            "bad date",
            |r| {
                let s = section_source("risks", 4, "")
                    .replace("updated = 2026-11-01", "updated = \"yesterday\"");
                std::fs::write(r.join("guide/risks.md"), s).unwrap();
            },
            "guide/risks.md:6:",
            "date",
        ),
        (
            "bad slug",
            |r| {
                std::fs::write(
                    r.join("guide/extra.md"),
                    section_source("Extra Page", 9, ""),
                )
                .unwrap();
            },
            "guide/extra.md:4:",
            "lowercase",
        ),
        (
            "duplicate order",
            |r| write_section(r, "extra", 4, ""),
            "guide/risks.md:5:",
            "order 4 is already used",
        ),
        (
            "missing required section",
            |r| std::fs::remove_file(r.join("guide/faq.md")).unwrap(),
            "guide/faq.md:1:",
            "required section \"faq\"",
        ),
        (
            "broken section link",
            |r| write_section(r, "risks", 4, "Intro.\n\nSee [x](/guide/nowhere).\n"),
            "guide/risks.md:13:",
            "does not exist",
        ),
        (
            "broken anchor",
            |r| write_section(r, "risks", 4, "See [x](/guide/faq#nope).\n"),
            "guide/risks.md:11:",
            "no heading with id \"nope\"",
        ),
        (
            "missing image",
            |r| write_section(r, "risks", 4, "\n![Alt](/static/none.png)\n"),
            "guide/risks.md:12:",
            "not in the static folder",
        ),
    ];
    for (name, breaker, location, fragment) in cases {
        let dir = valid_content();
        breaker(dir.path());
        // A file that cannot be parsed is one problem: its required section is not also
        // reported missing.
        let found = problems(dir.path());
        assert_eq!(found.len(), 1, "{name}: {found:#?}");
        assert!(
            found[0].starts_with(location),
            "{name}: expected {location}, got {}",
            found[0]
        );
        assert!(
            found[0].contains(fragment),
            "{name}: expected {fragment:?} in {}",
            found[0]
        );
    }
}

#[test]
fn citations_must_point_at_a_source_in_the_body_and_in_faq_answers() {
    let dir = valid_content();
    let body = "Intro.\n\nA claim [1]. Another [2, 4].\n";
    let extra = "[[sources]]\ntitle = \"One\"\n\n[[sources]]\ntitle = \"Two\"\n\n\
        [[faq]]\nquestion = \"Q1\"\nanswer = \"Fine [2].\"\n\n[[faq]]\nquestion = \"Q2\"\nanswer = \"Not [3].\"\n";
    std::fs::write(
        dir.path().join("guide/faq.md"),
        section_with("faq", 7, extra, body),
    )
    .unwrap();
    assert_eq!(
        problems(dir.path()),
        [
            "guide/faq.md:26: citation [4] points at no source: the page lists sources [1] to [2]",
            "guide/faq.md:22: citation [3] points at no source: the page lists sources [1] to [2]",
        ]
    );
}

#[test]
fn a_citation_on_a_page_without_sources_says_so() {
    let dir = valid_content();
    write_page(dir.path(), "about", 1, "Intro.\n\nWe say [1].\n");
    assert_eq!(
        problems(dir.path()),
        [
            "pages/about.md:10: citation [1] points at no source: this page lists no [[sources]] in its front matter"
        ]
    );
}

#[test]
fn unknown_callout_kinds_are_reported_at_their_line() {
    let dir = valid_content();
    write_section(
        dir.path(),
        "risks",
        4,
        "Intro.\n\n> [!WARNING] Careful\n> now\n",
    );
    assert_eq!(
        problems(dir.path()),
        [
            "guide/risks.md:13: unknown callout kind [!WARNING]: use one of [!URGENT] (urgent advice), [!IMPORTANT] (important), [!NON-URGENT] (non-urgent advice)"
        ]
    );
}

#[test]
fn links_to_callouts_and_pages_are_checked() {
    let dir = valid_content();
    write_section(dir.path(), "risks", 4, "> [!URGENT] Get help\n> now\n");
    write_section(
        dir.path(),
        "faq",
        7,
        "See [help](/guide/risks#urgent-advice), [us](/about) and [them](/contact).\n",
    );
    assert_eq!(
        problems(dir.path()),
        ["guide/faq.md:11: link /contact points to a page that does not exist"]
    );
}

#[test]
fn the_urgent_advice_link_in_site_toml_is_checked() {
    let dir = valid_content();
    let site = dir.path().join("site.toml");
    let text = std::fs::read_to_string(&site).unwrap();
    std::fs::write(
        &site,
        format!("{text}urgent_advice = \"/guide/risks#urgent\"\n"),
    )
    .unwrap();
    assert_eq!(
        problems(dir.path()),
        [
            "site.toml:7: link /guide/risks#urgent: section \"risks\" has no heading with id \"urgent\""
        ]
    );
}

#[test]
fn pages_beyond_the_guide_are_required_and_may_not_take_the_sites_paths() {
    let dir = valid_content();
    std::fs::remove_file(dir.path().join("pages/privacy.md")).unwrap();
    write_page(dir.path(), "search", 4, "Hi.\n");
    assert_eq!(
        problems(dir.path()),
        [
            "pages/search.md:4: slug \"search\" is taken by the site itself (/search): choose another",
            "pages/privacy.md:1: the required page \"privacy\" is missing: add a file with slug = \"privacy\"",
        ]
    );
}

#[test]
fn sources_are_warned_about_when_few_or_incomplete() {
    let dir = valid_content();
    for (order, slug) in REQUIRED_SECTIONS.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("guide/{slug}.md")),
            section_with(slug, order as u32 + 1, THREE_SOURCES, "Text.\n"),
        )
        .unwrap();
    }
    assert_eq!(warnings(dir.path()), Vec::<String>::new());
    let sources =
        "[[sources]]\ntitle = \"Leaflet\"\n\n[[sources]]\ntitle = \"Site\"\npublisher = \"NHS\"\n";
    std::fs::write(
        dir.path().join("guide/risks.md"),
        section_with("risks", 4, sources, "Text.\n"),
    )
    .unwrap();
    assert_eq!(
        warnings(dir.path()),
        [
            "guide/risks.md:10: the section lists 2 source(s): back its claims with at least 3 (health services, dermatology bodies, regulators, papers)",
            "guide/risks.md:10: source [1] \"Leaflet\" has no url: readers need to be able to check it",
            "guide/risks.md:10: source [1] \"Leaflet\" has no publisher: say who stands behind it, e.g. publisher = \"NHS\"",
            "guide/risks.md:13: source [2] \"Site\" has no url: readers need to be able to check it",
        ]
    );
}

#[test]
fn hard_to_read_sections_are_warned_about_with_their_score() {
    let dir = valid_content();
    for (order, slug) in REQUIRED_SECTIONS.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("guide/{slug}.md")),
            section_with(slug, order as u32 + 1, THREE_SOURCES, "Text.\n"),
        )
        .unwrap();
    }
    let dense = "Micropigmentation necessitates individualised consideration of multifactorial dermatological contraindications, \
                 particularly regarding immunocompromised individuals experiencing inflammatory conditions.\n";
    std::fs::write(
        dir.path().join("guide/risks.md"),
        section_with("risks", 4, THREE_SOURCES, dense),
    )
    .unwrap();
    let found = warnings(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("guide/risks.md:1: reading ease is -")
            && found[0].ends_with(", below 60: use shorter sentences and everyday words"),
        "{}",
        found[0]
    );
    let guide = load(dir.path(), &Assets::default()).unwrap();
    let faq = guide.section("faq").unwrap();
    assert!(faq.reading_ease.unwrap() > 60.0);
}

#[test]
fn a_reviewer_may_be_a_person_with_a_role() {
    let dir = valid_content();
    let s = section_source("risks", 4, "Text.\n").replace(
        "reviewed_by = \"Team\"",
        "reviewed_by = { name = \"A. Person\", role = \"Dermatologist\", credentials = \"MBBS\" }",
    );
    std::fs::write(dir.path().join("guide/risks.md"), s).unwrap();
    let guide = load(dir.path(), &Assets::default()).unwrap();
    assert_eq!(
        guide.section("risks").unwrap().reviewed_by.to_string(),
        "A. Person, Dermatologist (MBBS)"
    );
    assert_eq!(guide.site.footer.len(), 3, "every page is in the footer");
    assert_eq!(guide.site.footer[0].url, "/about");
}

#[test]
fn duplicate_slugs_name_the_first_file() {
    let dir = valid_content();
    std::fs::write(
        dir.path().join("guide/zz-copy.md"),
        section_source("risks", 20, ""),
    )
    .unwrap();
    assert_one_problem(dir.path(), "guide/zz-copy.md:4:", "already used by");
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let dir = valid_content();
    std::fs::write(dir.path().join("site.toml"), "title = \n").unwrap();
    std::fs::write(dir.path().join("guide/risks.md"), "").unwrap();
    write_section(dir.path(), "faq", 7, "# Top heading\n");
    let found = problems(dir.path());
    assert!(
        found.iter().any(|p| p.starts_with("site.toml:1:")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("guide/risks.md:1:")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("guide/faq.md:11:")),
        "{found:#?}"
    );
}

#[test]
fn links_inside_faq_answers_are_checked() {
    let dir = valid_content();
    let mut source = section_source("faq", 7, "Body.\n");
    source = source.replacen(
        "+++\nBody",
        "[[faq]]\nquestion = \"Q?\"\nanswer = \"See [this](/guide/gone).\"\n+++\nBody",
        1,
    );
    std::fs::write(dir.path().join("guide/faq.md"), source).unwrap();
    assert_one_problem(dir.path(), "guide/faq.md:12:", "/guide/gone");
}

#[test]
fn drafts_are_left_out_and_cannot_be_linked_to() {
    let dir = valid_content();
    let draft =
        section_source("coming-soon", 10, "").replace("order = 10\n", "order = 10\ndraft = true\n");
    std::fs::write(dir.path().join("guide/coming-soon.md"), draft).unwrap();
    let guide = load(dir.path(), &Assets::default()).unwrap();
    assert!(guide.section("coming-soon").is_none());

    write_section(dir.path(), "risks", 4, "See [soon](/guide/coming-soon).\n");
    assert_one_problem(dir.path(), "guide/risks.md:11:", "draft");
}

#[test]
fn broken_links_say_what_was_probably_meant() {
    #[rustfmt::skip]
    let cases = [
        ("/guide/risk", "link /guide/risk points to a section that does not exist: did you mean /guide/risks?"),
        ("/guide/risk#heading-one", "link /guide/risk#heading-one points to a section that does not exist: did you mean /guide/risks#heading-one?"),
        ("/guide/nowhere", "link /guide/nowhere points to a section that does not exist (no section has slug = \"nowhere\")"),
        ("/guide/prices", "link /guide/prices points to a section that does not exist (no section has slug = \"prices\")"),
        ("/guide/faq#heading-on", "link /guide/faq#heading-on: section \"faq\" has no heading with id \"heading-on\": did you mean /guide/faq#heading-one?"),
        ("/guide/faq#prices", "link /guide/faq#prices: section \"faq\" has no heading with id \"prices\""),
        ("#heading-onr", "link #heading-onr points to a heading that is not on this page: did you mean #heading-one?"),
        ("/abut", "link /abut points to a page that does not exist: did you mean /about?"),
        ("/risks", "link /risks points to a page that does not exist: did you mean /guide/risks?"),
        ("/contact", "link /contact points to a page that does not exist"),
    ];
    for (link, message) in cases {
        let dir = valid_content();
        let body = format!("## Heading one\n\nSee [it]({link}).\n");
        write_section(dir.path(), "process", 2, &body);
        assert_eq!(
            problems(dir.path()),
            [format!("guide/process.md:13: {message}")],
            "{link}"
        );
    }
}

#[test]
fn a_section_that_does_not_load_is_one_problem_and_links_to_it_are_counted_not_reported() {
    let dir = valid_content();
    let links =
        "See [it](/guide/risks), [help](/guide/risks#heading-one) and [typo](/guide/risk).\n";
    write_section(dir.path(), "faq", 7, links);
    let home = dir.path().join("home.md");
    let text = std::fs::read_to_string(&home).unwrap();
    std::fs::write(&home, format!("{text}\n[Risks](/guide/risks)\n")).unwrap();
    let broken = section_source("risks", 4, "").replace("order = 4", "order = four");
    std::fs::write(dir.path().join("guide/risks.md"), broken).unwrap();

    let failure = load(dir.path(), &Assets::default()).unwrap_err();

    assert_eq!(
        problems(dir.path()),
        [
            "guide/risks.md:5: `order` must be a whole number, like `order = 4`",
            "guide/faq.md:11: link /guide/risk points to a section that does not exist: did you mean /guide/risks?",
        ]
    );
    assert_eq!(
        failure.unchecked_links,
        [(dir.path().join("guide/risks.md"), 3)]
    );
    assert_eq!(
        failure.summary(),
        "2 problems in 2 files: 1 in risks.md (3 links to it were not checked), 1 in faq.md"
    );
}

#[test]
fn a_file_that_does_not_load_is_known_by_its_file_name_and_by_its_slug() {
    type Breaker = fn(&Path);
    let cases: [(&str, Breaker, &str); 4] = [
        (
            "an empty section",
            |r| std::fs::write(r.join("guide/risks.md"), "\n").unwrap(),
            "guide/risks.md:1: the file is empty",
        ),
        (
            "a section whose file is named otherwise",
            |r| {
                std::fs::remove_file(r.join("guide/risks.md")).unwrap();
                let s = section_source("risks", 4, "").replace("order = 4", "order = 4.0");
                std::fs::write(r.join("guide/dangers.md"), s).unwrap();
            },
            "guide/dangers.md:5: `order` must be a whole number, like `order = 4`",
        ),
        (
            "a page",
            |r| {
                let page = r.join("pages/about.md");
                let s = std::fs::read_to_string(&page).unwrap();
                let s = s.replace("updated = 2026-11-01", "updated = \"2026-11-01\"");
                std::fs::write(page, s).unwrap();
            },
            "pages/about.md:6: `updated` has its date in quotes: dates are written without quotes, like `updated = 2026-11-01`",
        ),
        (
            "a page without its closing fence",
            |r| std::fs::write(r.join("pages/about.md"), "+++\ntitle = \"About\"\n").unwrap(),
            "pages/about.md:1: the front matter opened here is never closed: add a `+++` line after it",
        ),
    ];
    for (name, breaker, expected) in cases {
        let dir = valid_content();
        write_section(
            dir.path(),
            "faq",
            7,
            "See [it](/guide/risks) and [us](/about).\n",
        );
        breaker(dir.path());
        let failure = load(dir.path(), &Assets::default()).unwrap_err();
        assert_eq!(problems(dir.path()), [expected], "{name}");
        assert_eq!(failure.unchecked_links.len(), 1, "{name}");
        assert_eq!(failure.unchecked_links[0].1, 1, "{name}");
    }
}

#[test]
fn mistakes_in_site_toml_are_explained_like_front_matter() {
    let dir = valid_content();
    let site = dir.path().join("site.toml");
    let text = std::fs::read_to_string(&site).unwrap();
    let text = text
        .replace("language = \"en\"", "langauge = \"en\"")
        .replace("byline = \"Team\"", "byline = Team");
    std::fs::write(&site, text).unwrap();
    assert_eq!(
        problems(dir.path()),
        [
            "site.toml:4: unknown setting `langauge`: did you mean `language`?",
            "site.toml:5: `byline` must be text in straight double quotes, like `byline = \"Team\"`",
        ]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Whatever an editor saves, loading reports problems or succeeds: it never panics,
        /// and every problem names a real line of a file.
        #[test]
        fn no_section_file_makes_the_loader_panic(front in "\\PC{0,200}", body in "\\PC{0,400}", fenced in any::<bool>()) {
            let dir = valid_content();
            let source = if fenced { format!("+++\n{front}\n+++\n{body}") } else { format!("{front}\n{body}") };
            std::fs::write(dir.path().join("guide/risks.md"), &source).unwrap();
            if let Err(failure) = load(dir.path(), &Assets::default()) {
                for problem in failure.problems {
                    prop_assert!(problem.line >= 1);
                    prop_assert!(!problem.message.is_empty());
                }
            }
        }

        /// Markdown bodies with the syntax editors use, in any combination.
        #[test]
        fn no_markdown_body_makes_rendering_panic(
            body in proptest::collection::vec(
                prop_oneof![
                    Just("## Heading\n".to_owned()), Just("# Top\n".to_owned()), Just("[^n]\n\n[^n]: note\n".to_owned()),
                    Just("| a | b |\n|---|---|\n| 1 | 2 |\n".to_owned()), Just("![alt](/static/x.svg \"t\")\n".to_owned()),
                    Just("[l](/guide/faq#q)\n".to_owned()), Just("{faq}\n".to_owned()), Just("<script>x</script>\n".to_owned()),
                    "\\PC{0,40}".prop_map(|s| format!("{s}\n")),
                ],
                0..12,
            ),
        ) {
            let dir = valid_content();
            write_section(dir.path(), "risks", 4, &body.concat());
            let _ = load(dir.path(), &Assets::default());
        }
    }
}
