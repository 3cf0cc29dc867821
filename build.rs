//! Builds the default static files (`static/`) into the binary, so that it runs from any
//! folder with no files beside it. Writes `$OUT_DIR/embedded_static.rs`: one
//! `include_bytes!` per file, sorted by name, hidden files skipped (as `Assets::load` does
//! for a `--static` folder). Cargo re-runs this when anything under `static/` changes,
//! including a file being added or removed.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    println!("cargo:rerun-if-changed=static");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::from(
        "/// The `static/` folder as it was at build time: (name under `static/`, bytes).\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .expect("below static/")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("embedded_static.rs"), code).expect("writing embedded_static.rs");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()));
    for entry in entries {
        let entry = entry.expect("reading static/");
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
