//! Standalone measurement for the search library choice (issue 18). It reads the guide's
//! sections (front matter and Markdown text, without rendering) and 1,000 generated ones,
//! as documents with a title, headings and body (each FAQ question its own document), and
//! times building an index and running the 52 reader queries of the test set with Tantivy
//! (`--features tantivy`). smp-guide's own index is timed by `cargo bench --bench content`.
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Doc {
    pub url: String,
    pub title: String,
    pub headings: String,
    pub body: String,
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn main() {
    let shipped = shipped_docs();
    let mut big = Vec::new();
    for n in 0..993 {
        big.push(Doc {
            url: format!("/guide/generated-{n}"),
            title: format!("Generated section {n}"),
            headings: "First heading Sub heading".into(),
            body: format!(
                "Intro paragraph for generated section {n}, with a link. Some text about pigment and sessions. \
                 Column Other {n} value one two A note. Generated for the benchmark."
            ),
        });
    }
    big.extend(shipped_docs());
    let queries = reader_queries();
    println!("documents: shipped {}, generated {}", shipped.len(), big.len());
    #[cfg(feature = "small")]
    {
        // What the small crates cost per word, for scale.
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let words: Vec<&str> = shipped.iter().flat_map(|d| d.body.split_whitespace()).collect();
        let start = Instant::now();
        for w in &words {
            std::hint::black_box(stemmer.stem(&w.to_lowercase()));
        }
        println!("    small | stem {} words: {:.2?}", words.len(), start.elapsed());
        let start = Instant::now();
        for w in &words {
            std::hint::black_box(strsim::osa_distance(w, "practitioner"));
        }
        println!("    small | {} edit distances: {:.2?}", words.len(), start.elapsed());
    }
    #[cfg(feature = "tantivy")]
    for (name, docs) in [("shipped guide", &shipped), ("1,000 sections", &big)] {
        let build = median(9, || {
            std::hint::black_box(tantivy_side::build(docs));
        });
        let index = tantivy_side::build(docs);
        let latencies = latencies(&queries, |q| {
            std::hint::black_box(index.search(q));
        });
        report("tantivy", name, build, &latencies);
    }
    let _ = (&queries, &big);
}

#[allow(dead_code)]
fn report(engine: &str, guide: &str, build: Duration, latencies: &[Duration]) {
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "{engine:>9} | {guide:<14} | index build {:>9.2?} | query p50 {:>9.2?} p99 {:>9.2?} max {:>9.2?}",
        build,
        pct(0.5),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
}

#[allow(dead_code)]
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Every query 50 times, each timed, sorted.
#[allow(dead_code)]
fn latencies(queries: &[String], mut f: impl FnMut(&str)) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..50 {
        for q in queries {
            let start = Instant::now();
            f(q);
            out.push(start.elapsed());
        }
    }
    out.sort();
    out
}

fn reader_queries() -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/search-queries.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["q"].as_str().unwrap().to_owned())
        .collect()
}

/// The shipped sections: title, `##` headings and step/pro/con titles, text; FAQ questions
/// as documents of their own.
fn shipped_docs() -> Vec<Doc> {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(root().join("content/guide")).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut parts = source.splitn(3, "+++\n");
        parts.next();
        let front: toml::Table = toml::from_str(parts.next().unwrap()).unwrap();
        let markdown = parts.next().unwrap_or("");
        let slug = front["slug"].as_str().unwrap();
        let mut headings = String::new();
        let mut body = front["description"].as_str().unwrap().to_owned();
        for line in markdown.lines() {
            if line.starts_with('#') {
                headings.push_str(line.trim_start_matches('#'));
                headings.push('\n');
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
        for key in ["steps", "pros", "cons"] {
            for item in front.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
                headings.push_str(item["title"].as_str().unwrap());
                headings.push('\n');
                body.push_str(item["text"].as_str().unwrap());
                body.push('\n');
            }
        }
        for item in front.get("faq").and_then(|v| v.as_array()).into_iter().flatten() {
            docs.push(Doc {
                url: format!("/guide/{slug}#faq"),
                title: item["question"].as_str().unwrap().to_owned(),
                headings: String::new(),
                body: item["answer"].as_str().unwrap().to_owned(),
            });
        }
        docs.push(Doc {
            url: format!("/guide/{slug}"),
            title: front["title"].as_str().unwrap().to_owned(),
            headings,
            body,
        });
    }
    docs
}

#[cfg(feature = "tantivy")]
mod tantivy_side {
    //! Tantivy with what the issue asks for: English stems, stop words, typo tolerance by
    //! word length (fuzzy terms, transpositions as one edit; Tantivy cannot keep the first
    //! letter fixed), title and heading boosts, BM25, snippets from the stored body.
    use super::Doc;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
    use tantivy::schema::{
        Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
    };
    use tantivy::snippet::SnippetGenerator;
    use tantivy::tokenizer::{
        Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
        TextAnalyzer,
    };
    use tantivy::{Index, IndexReader, TantivyDocument, Term};

    pub struct Tantivy {
        index: Index,
        reader: IndexReader,
        fields: [Field; 3],
        url: Field,
    }

    fn analyzer() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(StopWordFilter::new(Language::English).unwrap())
            .filter(Stemmer::new(Language::English))
            .build()
    }

    pub fn build(docs: &[Doc]) -> Tantivy {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("smp")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let title = builder.add_text_field("title", text.clone());
        let headings = builder.add_text_field("headings", text.clone());
        let body = builder.add_text_field("body", text.set_stored());
        let url = builder.add_text_field("url", STORED);
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register("smp", analyzer());
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_text(title, &d.title);
            doc.add_text(headings, &d.headings);
            doc.add_text(body, &d.body);
            doc.add_text(url, &d.url);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        Tantivy {
            index,
            reader,
            fields: [title, headings, body],
            url,
        }
    }

    impl Tantivy {
        /// The top ten URLs, each with a snippet.
        pub fn search(&self, query: &str) -> Vec<(String, String)> {
            let mut analyzer = analyzer();
            let mut stream = analyzer.token_stream(query);
            let mut words: Vec<String> = Vec::new();
            while let Some(token) = stream.next() {
                words.push(token.text.clone());
            }
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for word in words.iter().take(8) {
                let budget = match word.chars().count() {
                    0..=4 => 0,
                    5..=8 => 1,
                    _ => 2,
                };
                for (field, boost) in self.fields.iter().zip([3.0, 2.0, 1.0]) {
                    let term = Term::from_field_text(*field, word);
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            boost,
                        )),
                    ));
                    if budget > 0 {
                        clauses.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new(term, budget, true)),
                                boost * 0.5,
                            )),
                        ));
                    }
                }
            }
            let query = BooleanQuery::new(clauses);
            let searcher = self.reader.searcher();
            let top = searcher
                .search(&query, &TopDocs::with_limit(10).order_by_score())
                .unwrap();
            let generator = SnippetGenerator::create(&searcher, &query, self.fields[2]).unwrap();
            top.into_iter()
                .map(|(_, address)| {
                    let doc: TantivyDocument = searcher.doc(address).unwrap();
                    let url = doc.get_first(self.url).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                    (url, generator.snippet_from_doc(&doc).to_html())
                })
                .collect()
        }
    }
}
