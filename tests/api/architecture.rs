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

/// Every circle in an import graph, each as "a -> b -> a".
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    // Depth-first search; a node met again while still on the path closes a circle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(node.to_owned()) {
            return;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut circles);
    }
    circles
}

#[test]
fn no_two_modules_import_each_other_directly_or_round_a_circle() {
    let circles = circles(&imports());
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// Whether `code` names `path` as a whole path segment (`super::cookie` is not
/// `super::cookies`).
fn names(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The first segment of every path in the groups `PREFIX ... }` of `code`:
/// `use super::{index::Index, query}` gives `index` and `query`.
fn group_heads(code: &str, prefix: &str) -> Vec<String> {
    let mut heads = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let mut depth = 0;
        let mut entries = vec![String::new()];
        for c in code[at + prefix.len()..].chars() {
            match c {
                '}' if depth == 0 => break,
                ',' if depth == 0 => entries.push(String::new()),
                _ => {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    entries.last_mut().expect("one entry at least").push(c);
                }
            }
        }
        heads.extend(
            entries
                .iter()
                .map(|e| {
                    e.trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .filter(|head| !head.is_empty()),
        );
    }
    heads
}

/// `file -> files beside it that it imports`, inside every folder of src/: a file names a
/// sibling as `super::NAME` or by its whole path from `crate::`. A folder's `mod.rs` is its
/// face (it declares the files and hands their names on), so it is left out.
fn sibling_imports() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, module: &str, graph: &mut BTreeMap<String, BTreeSet<String>>) {
        let mut files = Vec::new();
        let mut names_here = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, &format!("{module}::{name}"), graph);
                names_here.insert(name);
            } else if path.extension().is_some_and(|e| e == "rs") && name != "mod" {
                names_here.insert(name.clone());
                files.push((name, path));
            }
        }
        for (name, path) in files {
            let source = std::fs::read_to_string(&path).unwrap();
            let code: String = source
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            let node = |n: &str| format!("{module}::{n}");
            let entry = graph.entry(node(&name)).or_default();
            let grouped: BTreeSet<String> = ["super::{".to_owned(), format!("{module}::{{")]
                .iter()
                .flat_map(|prefix| group_heads(&code, prefix))
                .collect();
            for other in names_here.iter().filter(|o| **o != name) {
                if names(&code, &format!("super::{other}"))
                    || names(&code, &format!("{module}::{other}"))
                    || grouped.contains(other)
                {
                    entry.insert(node(other));
                }
            }
        }
    }
    let src = repo_path("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            walk(&path, &format!("crate::{name}"), &mut graph);
        }
    }
    graph
}

#[test]
fn no_two_files_of_a_module_import_each_other_directly_or_round_a_circle() {
    let graph = sibling_imports();
    assert!(
        graph.contains_key("crate::http::comments")
            && graph.contains_key("crate::content::search::index"),
        "the files were not found: {:?}",
        graph.keys().collect::<Vec<_>>()
    );
    let circles = circles(&graph);
    assert!(
        circles.is_empty(),
        "import circles between the files of one module:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_file_check_sees_a_circle_between_two_files() {
    let mut graph = BTreeMap::new();
    graph.insert(
        "crate::http::a".to_owned(),
        BTreeSet::from(["crate::http::b".to_owned()]),
    );
    graph.insert(
        "crate::http::b".to_owned(),
        BTreeSet::from(["crate::http::a".to_owned()]),
    );
    assert_eq!(
        circles(&graph),
        ["crate::http::a -> crate::http::b -> crate::http::a"]
    );
    assert!(names(
        "let r = super::comments::see_other(x);",
        "super::comments"
    ));
    assert!(!names("use super::comments_feed;", "super::comments"));
    assert_eq!(
        group_heads("use super::{index::Index, query, Slot};\n", "super::{"),
        ["index", "query", "Slot"]
    );
    assert_eq!(
        group_heads("use super::{\n    a::{B, C},\n    d,\n};", "super::{"),
        ["a", "d"]
    );
}

#[test]
fn the_check_reads_imports_and_ignores_comments() {
    let source = "use crate::store::Store;\n// crate::http is only mentioned\nlet x = crate::clock::now();\n";
    let found: Vec<String> = references(source).into_iter().collect();
    assert_eq!(found, ["clock", "store"]);
}
