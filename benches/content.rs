//! Start-up cost: loading, validating and rendering the guide, for the shipped content and
//! for a generated guide of 1,000 sections; the search index alone, and searching.
//! `cargo bench --bench content`.
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use smp_guide::assets::Assets;
use smp_guide::content;
use smp_guide::site::Site;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A content folder with the shipped site files and `sections` generated sections (the
/// seven required ones plus filler), each with headings, a table, links and a footnote.
fn generated(sections: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let guide = dir.path().join("guide");
    std::fs::create_dir_all(&guide).unwrap();
    std::fs::copy(
        root().join("content/site.toml"),
        dir.path().join("site.toml"),
    )
    .unwrap();
    std::fs::copy(root().join("content/home.md"), dir.path().join("home.md")).unwrap();
    // The pages beyond the guide, which the home page and the FAQ link to.
    std::fs::create_dir_all(dir.path().join("pages")).unwrap();
    for entry in std::fs::read_dir(root().join("content/pages")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("pages").join(entry.file_name()),
        )
        .unwrap();
    }
    for entry in std::fs::read_dir(root().join("content/guide")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), guide.join(entry.file_name())).unwrap();
    }
    for n in 0..sections.saturating_sub(7) {
        let body = format!(
            "Intro paragraph for generated section {n}, with a [link](/guide/risks#infection).[^a]\n\n\
             ## First heading\n\nSome text about pigment and sessions.\n\n\
             Table: Values of section {n}\n\n\
             | Column | Other |\n|---|---|\n| {n} | value |\n\n### Sub heading\n\n- one\n- two\n\n[^a]: A note.\n"
        );
        let file = format!(
            "+++\ntitle = \"Generated section {n}\"\ndescription = \"Generated for the benchmark.\"\nslug = \"generated-{n}\"\n\
             order = {}\nupdated = 2026-11-20\nlast_reviewed = 2026-11-20\nnext_review = 2099-01-01\nreviewed_by = \"Bench\"\n+++\n{body}",
            100 + n
        );
        std::fs::write(guide.join(format!("generated-{n}.md")), file).unwrap();
    }
    dir
}

fn load_and_render(content_dir: &Path) -> Site {
    let assets = Assets::load(&root().join("static")).unwrap();
    let guide = content::load(content_dir, &assets).unwrap();
    Site::render(guide, assets, &[]).unwrap()
}

fn benches(c: &mut Criterion) {
    let shipped = root().join("content");
    c.bench_function("load and render the shipped guide", |b| {
        b.iter(|| load_and_render(&shipped))
    });
    let big = generated(1_000);
    let mut group = c.benchmark_group("1,000 sections");
    group.sample_size(10);
    group.bench_function("load and render 1,000 sections", |b| {
        b.iter(|| load_and_render(big.path()))
    });
    group.finish();
    // The search index alone, built at load and on every reload (budgets: 50 ms for the
    // shipped guide, 1 s for 1,000 sections).
    let assets = Assets::load(&root().join("static")).unwrap();
    let synonyms =
        content::Synonyms::parse(&std::fs::read_to_string(shipped.join("synonyms.toml")).unwrap())
            .unwrap();
    let guide = content::load(&shipped, &assets).unwrap();
    c.bench_function("build the search index of the shipped guide", |b| {
        b.iter(|| content::SearchIndex::build(&guide.sections, synonyms.clone()))
    });
    let big_guide = content::load(big.path(), &assets).unwrap();
    let mut group = c.benchmark_group("1,000 sections");
    group.sample_size(10);
    group.bench_function("build the search index of 1,000 sections", |b| {
        b.iter(|| content::SearchIndex::build(&big_guide.sections, synonyms.clone()))
    });
    group.finish();
    c.bench_function("search the shipped guide (52 reader queries)", |b| {
        let queries = reader_queries();
        b.iter(|| {
            for q in &queries {
                std::hint::black_box(guide.search.search(q));
            }
        })
    });

    let site = load_and_render(&shipped);
    let page = site.page("/guide/risks").unwrap();
    c.bench_function("compress one section page (gzip 9 + brotli 11)", |b| {
        b.iter(|| page.body.compressed())
    });
}

/// The reader queries of `tests/fixtures/search-queries.toml`.
fn reader_queries() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/search-queries.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["q"].as_str().unwrap().to_owned())
        .collect()
}

criterion_group!(content_benches, benches);
criterion_main!(content_benches);
