//! Builds files into the binary, so that it runs from any folder with no files beside it:
//! - the default static files (`static/`): `$OUT_DIR/embedded_static.rs`, one
//!   `include_bytes!` per file, sorted by name, hidden files skipped (as `Assets::load` does
//!   for a `--static` folder);
//! - the database migrations (`src/store/migrations/{sqlite,postgres}/NNNN_name.sql`):
//!   `$OUT_DIR/embedded_migrations.rs`, one `(version, name, sql)` list per database, so that
//!   a new migration is one new file.
//!
//! Cargo re-runs this when anything under those folders changes, including a file being
//! added or removed.
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
    std::fs::write(out.join("embedded_migrations.rs"), migrations())
        .expect("writing embedded_migrations.rs");
}

/// `SQLITE` and `POSTGRES`: each folder's `NNNN_name.sql` files in version order.
fn migrations() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
    println!("cargo:rerun-if-changed=src/store/migrations");
    let mut code = String::new();
    for (name, folder) in [("SQLITE", "sqlite"), ("POSTGRES", "postgres")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .unwrap_or_else(|err| panic!("cannot read the {folder} migrations: {err}"))
            .map(|entry| entry.expect("reading migrations").path())
            .filter(|path| path.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        let _ = writeln!(
            code,
            "/// The {folder} migrations: (version, name, SQL).\n\
             pub(super) static {name}: &[(i64, &str, &str)] = &["
        );
        for path in &files {
            let stem = path.file_stem().expect("a file name").to_string_lossy();
            let (version, title) = stem
                .split_once('_')
                .unwrap_or_else(|| panic!("{} is not named NNNN_name.sql", path.display()));
            let version: i64 = version
                .parse()
                .unwrap_or_else(|_| panic!("{} does not start with a number", path.display()));
            let _ = writeln!(
                code,
                "    ({version}, {title:?}, include_str!({:?})),",
                path.display().to_string()
            );
        }
        code.push_str("];\n");
    }
    code
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
