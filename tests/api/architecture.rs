//! The layers of the code, checked: every module's imports point at its own layer or a
//! lower one, never up, and no two modules import each other, directly or round a circle.
//! The layers are the table in docs/ARCHITECTURE.md, read from there so that the document
//! and the check cannot drift apart; a new top-level module must be given a row.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::helpers::repo_path;

/// `module -> layer` from the table in docs/ARCHITECTURE.md: rows such as
/// "| 3 | `comments`, `accounts` | ... |".
fn layers() -> BTreeMap<String, u32> {
    let doc = std::fs::read_to_string(repo_path("docs/ARCHITECTURE.md")).unwrap();
    let mut layers = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(layer), Some(modules)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Ok(layer) = layer.parse::<u32>() else {
            continue;
        };
        for module in modules.split(',') {
            let module = module.trim().trim_matches('`');
            if !module.is_empty() {
                layers.insert(module.to_owned(), layer);
            }
        }
    }
    assert!(
        layers.len() > 10,
        "the layer table was not found: {layers:?}"
    );
    layers
}

/// The top-level modules declared in src/lib.rs.
fn modules() -> Vec<String> {
    std::fs::read_to_string(repo_path("src/lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_owned())
        .collect()
}

/// Every `crate::NAME` a source file mentions outside comments.
fn references(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // e.g. `smp_guide::crate::` never happens; `$crate::` in macros
            }
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// `module -> modules it imports`, over every file under src/.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let src = repo_path("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(references(&source).into_iter().filter(|m| *m != module));
    }
    graph
}

#[test]
fn every_module_has_a_layer_and_imports_only_its_own_layer_or_lower() {
    let layers = layers();
    let mut problems = Vec::new();
    for module in modules() {
        if !layers.contains_key(&module) {
            problems.push(format!(
                "src/{module}: no row in the layer table of docs/ARCHITECTURE.md"
            ));
        }
    }
    for (module, imported) in imports() {
        let Some(&own) = layers.get(&module) else {
            continue;
        };
        for other in imported {
            match layers.get(&other) {
                Some(&layer) if layer > own => problems.push(format!(
                    "{module} (layer {own}) imports {other} (layer {layer}): imports must not run back up"
                )),
                None => problems.push(format!("{module} imports {other}, which has no layer")),
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_two_modules_import_each_other_directly_or_round_a_circle() {
    let graph = imports();
    // Depth-first search; a module met again while still on the path closes a circle.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut circle = path[at..].to_vec();
            circle.push(module.to_owned());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(module.to_owned()) {
            return;
        }
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_check_reads_imports_and_ignores_comments() {
    let source = "use crate::store::Store;\n// crate::http is only mentioned\nlet x = crate::clock::now();\n";
    let found: Vec<String> = references(source).into_iter().collect();
    assert_eq!(found, ["clock", "store"]);
}
