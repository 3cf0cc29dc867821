//! Search quality on what readers type: every query in `tests/fixtures/search-queries.toml`
//! against the shipped guide. Run with `--nocapture` to see the score and each miss.
use serde::Deserialize;
use smp_guide::assets::Assets;

use crate::helpers::repo_path;

#[derive(Deserialize)]
struct QuerySet {
    query: Vec<Query>,
}

#[derive(Deserialize)]
struct Query {
    q: String,
    kind: String,
    expect: Vec<String>,
}

/// `/guide/risks#infection` answers `risks` and `risks#infection`, not `risks#mri`.
fn is_right(url: &str, expect: &[String]) -> bool {
    let Some(target) = url.strip_prefix("/guide/") else {
        return false;
    };
    let slug = target.split('#').next().unwrap_or(target);
    expect.iter().any(|e| {
        if e.contains('#') {
            e == target
        } else {
            e == slug
        }
    })
}

#[test]
fn is_right_compares_sections_and_anchors() {
    let expect = vec!["risks#infection".to_owned(), "faq".to_owned()];
    for (url, right) in [
        ("/guide/risks#infection", true),
        ("/guide/risks#mri", false),
        ("/guide/risks", false),
        ("/guide/faq#does-it-hurt", true),
        ("/guide/faq", true),
        ("/guide/faq-more", false),
        ("/about", false),
    ] {
        assert_eq!(is_right(url, &expect), right, "{url}");
    }
}

#[test]
fn readers_find_the_right_section_for_what_they_type() {
    let text = std::fs::read_to_string(repo_path("tests/fixtures/search-queries.toml")).unwrap();
    let set: QuerySet = toml::from_str(&text).unwrap();
    assert!(set.query.len() >= 40, "at least 40 queries");
    let assets = Assets::load(&repo_path("static")).unwrap();
    let guide = smp_guide::content::load(&repo_path("content"), &assets).unwrap();

    let (mut first, mut top3, mut section_first) = (0, 0, 0);
    let mut misses = Vec::new();
    for query in &set.query {
        let urls: Vec<String> = guide
            .search
            .search(&query.q)
            .hits
            .into_iter()
            .map(|hit| hit.url)
            .collect();
        let rank = urls.iter().position(|url| is_right(url, &query.expect));
        first += usize::from(rank == Some(0));
        let sections: Vec<String> = query
            .expect
            .iter()
            .map(|e| e.split('#').next().unwrap_or(e).to_owned())
            .collect();
        section_first += usize::from(urls.first().is_some_and(|url| is_right(url, &sections)));
        top3 += usize::from(rank.is_some_and(|r| r < 3));
        if rank != Some(0) {
            misses.push(format!(
                "{:>10} {:?}: rank {}, got {:?}, expected {:?}",
                query.kind,
                query.q,
                rank.map_or("-".to_owned(), |r| (r + 1).to_string()),
                urls.iter().take(3).collect::<Vec<_>>(),
                query.expect
            ));
        }
    }
    let total = set.query.len();
    let pct = |n: usize| n as f64 * 100.0 / total as f64;
    println!(
        "search quality: first result right {first}/{total} ({:.0}%), in the top three {top3}/{total} ({:.0}%); \
         first result in the right section {section_first}/{total} ({:.0}%)",
        pct(first),
        pct(top3),
        pct(section_first)
    );
    for miss in &misses {
        println!("  {miss}");
    }
    assert!(
        pct(first) >= 90.0,
        "the first result must be right for 90% of the queries"
    );
    assert_eq!(
        top3, total,
        "one of the top three must be right for every query"
    );
}
