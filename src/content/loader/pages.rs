//! Pages beyond the guide (`content/pages/*.md`): about, comment rules, privacy notice.
//! Each is served at `/{slug}`, linked from every footer and listed in the sitemap.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::settings::{self, PageFront};
use super::{Problems, Unloaded, parse_or_report, read, sources, split_or_report};
use crate::assets::Assets;
use crate::content::front_matter;
use crate::content::markdown::{self, RenderOptions};
use crate::content::{Page, line_of};

/// The pages every site must have: the footer and the comment form link to them.
pub const REQUIRED_PAGES: [&str; 3] = ["about", "comment-rules", "privacy"];

/// A page parsed from its file, before the checks that need the other files.
pub(super) struct LoadedPage {
    pub path: PathBuf,
    pub front_text: String,
    pub front_line: usize,
    /// Internal links with their file line.
    pub links: Vec<(String, usize)>,
    pub page: Page,
}

/// Loads every page in `dir` and checks what can be checked among pages alone; also
/// returns the pages that did not load.
pub(super) fn load(
    dir: &Path,
    assets: &Assets,
    problems: &mut Problems,
) -> (Vec<LoadedPage>, Vec<Unloaded>) {
    let mut paths = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect::<Vec<_>>(),
        Err(err) => {
            problems.add(dir, 1, format!(
                "cannot read the pages folder: {err}; it holds about.md, comment-rules.md and privacy.md"
            ));
            return (Vec::new(), Vec::new());
        }
    };
    paths.sort();
    let mut pages = Vec::new();
    let mut unloaded = Vec::new();
    for path in paths {
        match read(&path, problems) {
            None => unloaded.push(Unloaded::page(&path, None)),
            Some(source) => match parse(path.clone(), &source, assets, problems) {
                Some(page) => pages.push(page),
                None => unloaded.push(Unloaded::page(&path, Some(&source))),
            },
        }
    }

    let mut slugs: HashMap<&str, &Path> = HashMap::new();
    for p in &pages {
        if let Some(first) = slugs.insert(&p.page.slug, &p.path) {
            problems.add(
                &p.path,
                p.key_line("slug"),
                format!(
                    "slug \"{}\" is already used by {}",
                    p.page.slug,
                    first.display()
                ),
            );
        }
    }
    for slug in REQUIRED_PAGES {
        let address = format!("/{slug}");
        let failed = unloaded.iter().any(|u| u.addresses.contains(&address));
        if !slugs.contains_key(slug) && !failed {
            problems.add(
                &dir.join(format!("{slug}.md")),
                1,
                format!(
                    "the required page \"{slug}\" is missing: add a file with slug = \"{slug}\""
                ),
            );
        }
    }
    (pages, unloaded)
}

fn parse(
    path: PathBuf,
    source: &str,
    assets: &Assets,
    problems: &mut Problems,
) -> Option<LoadedPage> {
    let split = split_or_report(&path, source, problems)?;
    let front: PageFront = parse_or_report(&path, &split, settings::PAGE, problems)?;
    let key_line = |key: &str| front_matter::key_line(&split, key);
    let body_offset = source.len() - split.body.len();

    let slug_ok = !front.slug.is_empty()
        && front
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        problems.add(&path, key_line("slug"), format!(
            "slug {:?} may only hold lowercase letters, digits and hyphens, e.g. \"comment-rules\"",
            front.slug
        ));
    } else if crate::paths::RESERVED_SEGMENTS.contains(&front.slug.as_str()) {
        problems.add(
            &path,
            key_line("slug"),
            format!(
                "slug \"{}\" is taken by the site itself (/{}): choose another",
                front.slug, front.slug
            ),
        );
    }
    for (key, value) in [("title", &front.title), ("description", &front.description)] {
        if value.trim().is_empty() {
            problems.add(&path, key_line(key), format!("`{key}` must not be empty"));
        }
    }

    let (body, found) = markdown::render(split.body, assets, RenderOptions::STANDALONE);
    problems.markdown(&path, source, body_offset, found);
    let at_line = |offset: &usize| line_of(source, body_offset + offset);
    let links = body
        .links
        .iter()
        .map(|(link, offset)| (link.clone(), at_line(offset)))
        .collect();
    let citations: Vec<(usize, usize)> = body
        .citations
        .iter()
        .map(|(number, offset)| (*number, at_line(offset)))
        .collect();
    sources::check_citations(&path, &citations, front.sources.len(), problems);

    Some(LoadedPage {
        front_text: split.front.to_owned(),
        front_line: split.front_line,
        links,
        page: Page {
            slug: front.slug,
            order: front.order,
            title: front.title,
            description: front.description,
            updated: front.updated,
            sources: front.sources,
            body,
        },
        path,
    })
}

impl LoadedPage {
    fn key_line(&self, key: &str) -> usize {
        let split = front_matter::Split {
            front: &self.front_text,
            front_line: self.front_line,
            body: "",
        };
        front_matter::key_line(&split, key)
    }
}
