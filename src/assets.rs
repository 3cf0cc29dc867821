//! Static files (CSS, images, the favicon), kept in memory under fingerprinted names such
//! as `/static/style.1a2b3c4d5e.css`, so that browsers may cache them for a year and still
//! see every change. By default they are the `static/` folder built into the binary (see
//! `build.rs`); `--static DIR` reads a folder instead, reloaded when its files change.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::encoded::Encoded;

/// One static file.
#[derive(Debug)]
pub struct Asset {
    /// The fingerprinted URL, e.g. `/static/style.1a2b3c4d5e.css`.
    pub url: String,
    pub content_type: &'static str,
    /// The file, and compressed copies where that helps (CSS, SVG, text).
    pub body: Encoded,
    /// Intrinsic width and height of an SVG, for `<img width height>`.
    pub dimensions: Option<(u32, u32)>,
}

/// Every static file, addressable by plain and by fingerprinted name.
#[derive(Debug, Default)]
pub struct Assets {
    /// Keyed by the name under `static/`, e.g. `img/dots.svg`.
    by_name: HashMap<String, Asset>,
    /// Fingerprinted name under `/static/` -> plain name.
    fingerprinted: HashMap<String, String>,
}

/// How a static file was asked for: by fingerprinted name (cache forever) or plain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetName {
    Fingerprinted,
    Plain,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_static.rs"));
}

impl Assets {
    /// The static files from `dir` when one is configured (`--static DIR`), read afresh
    /// (designers' edits show on the next reload), otherwise the ones built into the binary.
    pub fn load_or_embedded(dir: Option<&Path>) -> anyhow::Result<Arc<Self>> {
        match dir {
            Some(dir) => Self::load(dir).map(Arc::new),
            None => Ok(Self::embedded()),
        }
    }

    /// The `static/` folder as it was when the binary was built. Fingerprinted and
    /// compressed once per process: content reloads reuse them.
    pub fn embedded() -> Arc<Self> {
        static EMBEDDED: LazyLock<Arc<Assets>> = LazyLock::new(|| {
            let mut assets = Assets::default();
            for (name, bytes) in embedded::FILES {
                assets.insert((*name).to_owned(), bytes.to_vec());
            }
            Arc::new(assets)
        });
        EMBEDDED.clone()
    }

    /// Reads every file below `dir` (hidden files are skipped).
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut assets = Assets::default();
        let mut files = Vec::new();
        collect_files(dir, &mut files).with_context(|| {
            format!(
                "cannot read the static folder {} (set it with --static DIR, or leave \
                 --static out to use the files built into the program)",
                dir.display()
            )
        })?;
        for path in files {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read static file {}", path.display()))?;
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            assets.insert(name, bytes);
        }
        Ok(assets)
    }

    fn insert(&mut self, name: String, bytes: Vec<u8>) {
        let hash = hex(&Sha256::digest(&bytes)[..8]);
        let fingerprinted = fingerprint_name(&name, &hash[..10]);
        let dimensions = name
            .ends_with(".svg")
            .then(|| svg_dimensions(&String::from_utf8_lossy(&bytes)))
            .flatten();
        let asset = Asset {
            url: format!("/static/{fingerprinted}"),
            content_type: content_type(&name),
            body: Encoded::new(bytes, &hash, is_compressible(&name)),
            dimensions,
        };
        self.fingerprinted.insert(fingerprinted, name.clone());
        self.by_name.insert(name, asset);
    }

    /// The asset stored under `name` (relative to `static/`).
    pub fn get(&self, name: &str) -> Option<&Asset> {
        self.by_name.get(name)
    }

    /// The fingerprinted URL of `name`; templates call this for CSS and icons.
    pub fn url(&self, name: &str) -> &str {
        self.get(name).map_or("", |asset| asset.url.as_str())
    }

    /// The asset a Markdown path such as `/static/img/dots.svg` points to.
    pub fn get_by_path(&self, path: &str) -> Option<&Asset> {
        self.get(path.strip_prefix("/static/")?)
    }

    /// The fingerprinted URL for a `/static/...` path, if it names a file.
    pub fn url_for_path(&self, path: &str) -> Option<&str> {
        self.get_by_path(path).map(|asset| asset.url.as_str())
    }

    /// Looks up a request path below `/static/`, fingerprinted names first.
    pub fn lookup(&self, requested: &str) -> Option<(&Asset, AssetName)> {
        if let Some(name) = self.fingerprinted.get(requested) {
            return self
                .by_name
                .get(name)
                .map(|a| (a, AssetName::Fingerprinted));
        }
        self.by_name.get(requested).map(|a| (a, AssetName::Plain))
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// `img/dots.svg` + `1a2b` -> `img/dots.1a2b.svg`.
fn fingerprint_name(name: &str, hash: &str) -> String {
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let file = match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{file}.{hash}"),
    };
    if dir.is_empty() {
        file
    } else {
        format!("{dir}/{file}")
    }
}

/// Text formats compress well; images other than SVG and fonts already are compressed.
fn is_compressible(name: &str) -> bool {
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, ext)| ext)
        .to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "css" | "svg" | "txt" | "xml" | "json" | "webmanifest" | "js" | "html" | "ico"
    )
}

fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match ext.to_ascii_lowercase().as_str() {
        "css" => "text/css; charset=utf-8",
        // The admin pages' script (static/admin.js): browsers refuse to run a script
        // served as anything else (X-Content-Type-Options: nosniff).
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "webmanifest" => "application/manifest+json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Reads `width` and `height` from the root `<svg>` element, falling back to its viewBox.
fn svg_dimensions(svg: &str) -> Option<(u32, u32)> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let number = |attr: &str| -> Option<f64> {
        let needle = format!(" {attr}=\"");
        let from = tag.find(&needle)? + needle.len();
        let value = &tag[from..from + tag[from..].find('"')?];
        value.trim_end_matches("px").trim().parse().ok()
    };
    let from_view_box = || -> Option<(f64, f64)> {
        let from = tag.find("viewBox=\"")? + "viewBox=\"".len();
        let parts: Vec<f64> = tag[from..from + tag[from..].find('"')?]
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect();
        (parts.len() == 4).then(|| (parts[2], parts[3]))
    };
    let (w, h) = match (number("width"), number("height")) {
        (Some(w), Some(h)) => (w, h),
        _ => from_view_box()?,
    };
    (w > 0.0 && h > 0.0).then(|| (w.round() as u32, h.round() as u32))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_go_before_the_extension() {
        assert_eq!(fingerprint_name("style.css", "abc"), "style.abc.css");
        assert_eq!(fingerprint_name("img/a.b.svg", "abc"), "img/a.b.abc.svg");
        assert_eq!(fingerprint_name("LICENSE", "abc"), "LICENSE.abc");
    }

    #[test]
    fn svg_sizes_come_from_attributes_or_the_view_box() {
        let cases = [
            (
                r#"<svg xmlns="x" width="640" height="320" viewBox="0 0 1 1">"#,
                Some((640, 320)),
            ),
            (r#"<svg viewBox="0 0 300 150" xmlns="x">"#, Some((300, 150))),
            (r#"<svg width="100%" height="20">"#, None),
            ("<p>not svg</p>", None),
        ];
        for (svg, expected) in cases {
            assert_eq!(svg_dimensions(svg), expected, "{svg}");
        }
    }

    #[test]
    fn the_built_in_files_match_the_static_folder() {
        let embedded = Assets::embedded();
        let folder =
            Assets::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))).unwrap();
        for name in ["style.css", "favicon.svg", "img/follicle-dots.svg"] {
            assert_eq!(embedded.url(name), folder.url(name), "{name}");
        }
        assert_eq!(embedded.by_name.len(), folder.by_name.len());
        assert_eq!(
            embedded.get("img/follicle-dots.svg").unwrap().content_type,
            "image/svg+xml; charset=utf-8"
        );
    }

    #[test]
    fn a_missing_static_folder_names_the_flag() {
        let err = Assets::load(Path::new("/no/such/folder")).unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("cannot read the static folder /no/such/folder"),
            "{message}"
        );
        assert!(message.contains("--static DIR"), "{message}");
    }

    #[test]
    fn assets_are_found_by_plain_and_fingerprinted_name() {
        let mut assets = Assets::default();
        assets.insert("css/site.css".into(), b"body{}".to_vec());
        let url = assets.url("css/site.css").to_owned();
        let fingerprinted = url.strip_prefix("/static/").unwrap();
        assert!(fingerprinted.starts_with("css/site.") && fingerprinted.ends_with(".css"));
        assert_eq!(
            assets.lookup(fingerprinted).unwrap().1,
            AssetName::Fingerprinted
        );
        assert_eq!(assets.lookup("css/site.css").unwrap().1, AssetName::Plain);
        assert!(assets.lookup("../Cargo.toml").is_none());
        assert_eq!(
            assets.url_for_path("/static/css/site.css"),
            Some(url.as_str())
        );
    }
}
