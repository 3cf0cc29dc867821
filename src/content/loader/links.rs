//! Internal links: every one must lead to a published section or page, and every `#anchor`
//! to a heading, question or callout on it. A link to a file that did not load is not
//! checked (the file's own problem says what is wrong); it is counted instead, so that
//! `check` can say how many links wait on that fix.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Loaded, Problems};
use crate::assets::Assets;
use crate::content::{Section, front_matter, suggest};

/// A section or page file that could not be read or parsed, with the addresses links
/// use to reach it: from its file name (`risks.md` is `/guide/risks`) and, when it could
/// still be read, from its `slug`.
pub(super) struct Unloaded {
    pub path: PathBuf,
    pub addresses: Vec<String>,
}

impl Unloaded {
    /// A section file (`content/guide/*.md`) whose text, if it could be read, is `source`.
    pub fn section(path: &Path, source: Option<&str>) -> Self {
        Self::new(path, source, "/guide/")
    }

    /// A page file (`content/pages/*.md`).
    pub fn page(path: &Path, source: Option<&str>) -> Self {
        Self::new(path, source, "/")
    }

    fn new(path: &Path, source: Option<&str>, prefix: &str) -> Self {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let slug = source
            .and_then(|text| front_matter::split(text).ok())
            .and_then(|split| front_matter::text_value(split.front, "slug"));
        let mut addresses: Vec<String> = stem
            .into_iter()
            .chain(slug)
            .map(|slug| format!("{prefix}{slug}"))
            .collect();
        addresses.dedup();
        Self {
            path: path.to_owned(),
            addresses,
        }
    }

    /// Whether this file would have been the section with `slug`.
    pub fn is_section(&self, slug: &str) -> bool {
        self.addresses.contains(&format!("/guide/{slug}"))
    }
}

/// Checks the links of every published section, draft and other file (home, pages,
/// site.toml), and returns how many links to each unloaded file were left unchecked.
pub(super) fn check_links(
    published: &[Loaded],
    drafts: &[Loaded],
    others: &[(PathBuf, Vec<(String, usize)>)],
    page_paths: &[String],
    unloaded: &[Unloaded],
    assets: &Assets,
    problems: &mut Problems,
) -> Vec<(PathBuf, usize)> {
    // Suggestions may name a section that did not load: the link is right once it does.
    let unloaded_slugs = unloaded
        .iter()
        .flat_map(|u| &u.addresses)
        .filter_map(|address| address.strip_prefix("/guide/"));
    let mut slugs: Vec<&str> = published
        .iter()
        .map(|l| l.section.slug.as_str())
        .chain(unloaded_slugs)
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    let mut pages: Vec<&str> = crate::paths::LINKABLE.to_vec();
    pages.extend(page_paths.iter().map(String::as_str));
    let targets = LinkTargets {
        sections: published
            .iter()
            .map(|l| (l.section.slug.as_str(), anchor_ids(&l.section)))
            .collect(),
        slugs,
        drafts: drafts.iter().map(|l| l.section.slug.as_str()).collect(),
        pages,
        unloaded: unloaded
            .iter()
            .flat_map(|u| u.addresses.iter().map(|a| (a.as_str(), u.path.as_path())))
            .collect(),
        assets,
    };
    let mut unchecked: Vec<(PathBuf, usize)> =
        unloaded.iter().map(|u| (u.path.clone(), 0)).collect();
    let own_links = published
        .iter()
        .chain(drafts)
        .map(|l| (&l.path, &l.links, anchor_ids(&l.section)));
    let other_links = others
        .iter()
        .map(|(path, links)| (path, links, HashSet::new()));
    for (path, links, own) in own_links.chain(other_links) {
        for (link, line) in links {
            match targets.verdict(link, &own) {
                Verdict::Fine => {}
                Verdict::Broken(message) => problems.add(path, *line, message),
                Verdict::Unchecked(target) => {
                    if let Some((_, count)) = unchecked.iter_mut().find(|(p, _)| p == target) {
                        *count += 1;
                    }
                }
            }
        }
    }
    unchecked.retain(|(_, count)| *count > 0);
    unchecked
}

/// Every id a link may point to on a section page: headings, FAQ questions, callouts.
fn anchor_ids(section: &Section) -> HashSet<&str> {
    section
        .body
        .headings
        .iter()
        .map(|h| h.id.as_str())
        .chain(section.body.anchors.iter().map(String::as_str))
        .chain(section.faq.iter().map(|f| f.id.as_str()))
        .collect()
}

/// What an internal link may lead to.
struct LinkTargets<'a> {
    /// Published sections by slug, with their anchors.
    sections: HashMap<&'a str, HashSet<&'a str>>,
    /// Their slugs and those of sections that did not load, sorted, for suggestions.
    slugs: Vec<&'a str>,
    drafts: HashSet<&'a str>,
    /// The site's fixed pages and the pages beyond the guide, by path (`/about`).
    pages: Vec<&'a str>,
    /// Addresses of files that did not load, with their file.
    unloaded: HashMap<&'a str, &'a Path>,
    assets: &'a Assets,
}

enum Verdict<'a> {
    Fine,
    Broken(String),
    /// The link leads to this file, which did not load.
    Unchecked(&'a Path),
}

impl<'a> LinkTargets<'a> {
    fn verdict(&self, link: &str, own: &HashSet<&str>) -> Verdict<'a> {
        let (path, anchor) = link
            .split_once('#')
            .map_or((link, None), |(p, a)| (p, Some(a)));
        if path.is_empty() {
            let anchor = anchor.unwrap_or_default();
            if own.contains(anchor) {
                return Verdict::Fine;
            }
            let message = format!("link {link} points to a heading that is not on this page");
            return Verdict::Broken(with_suggestion(message, closest_id(anchor, own), "#"));
        }
        if path.starts_with("/static/") {
            return match self.assets.get_by_path(path) {
                Some(_) => Verdict::Fine,
                None => Verdict::Broken(format!("link {link}: no such file in static/")),
            };
        }
        if let Some(slug) = path.strip_prefix("/guide/") {
            return self.section_verdict(link, slug.trim_end_matches('/'), anchor);
        }
        let path_only = path.split('?').next().unwrap_or(path);
        if self.pages.contains(&path_only) {
            return Verdict::Fine;
        }
        if let Some(file) = self.unloaded.get(path_only) {
            return Verdict::Unchecked(file);
        }
        let message = format!("link {link} points to a page that does not exist");
        let section = path_only.trim_start_matches('/');
        let meant = if self.sections.contains_key(section) {
            Some(format!("/guide/{section}"))
        } else {
            suggest::closest(path_only, self.pages.iter().copied()).map(str::to_owned)
        };
        Verdict::Broken(with_suggestion(message, meant, ""))
    }

    fn section_verdict(&self, link: &str, slug: &str, anchor: Option<&str>) -> Verdict<'a> {
        let anchor_part = anchor.map(|a| format!("#{a}")).unwrap_or_default();
        let Some(ids) = self.sections.get(slug) else {
            if let Some(file) = self.unloaded.get(format!("/guide/{slug}").as_str()) {
                return Verdict::Unchecked(file);
            }
            if self.drafts.contains(slug) {
                return Verdict::Broken(format!(
                    "link {link} points to a draft, which readers cannot see: link to it once it is published"
                ));
            }
            let message = format!("link {link} points to a section that does not exist");
            return Verdict::Broken(match suggest::closest(slug, self.slugs.iter().copied()) {
                Some(meant) => format!("{message}: did you mean /guide/{meant}{anchor_part}?"),
                None => format!("{message} (no section has slug = \"{slug}\")"),
            });
        };
        match anchor {
            Some(a) if !ids.contains(a) => {
                let message =
                    format!("link {link}: section \"{slug}\" has no heading with id \"{a}\"");
                let prefix = format!("/guide/{slug}#");
                Verdict::Broken(with_suggestion(message, closest_id(a, ids), &prefix))
            }
            _ => Verdict::Fine,
        }
    }
}

fn closest_id(typed: &str, ids: &HashSet<&str>) -> Option<String> {
    let mut ids: Vec<&str> = ids.iter().copied().collect();
    ids.sort_unstable();
    suggest::closest(typed, ids).map(str::to_owned)
}

fn with_suggestion(message: String, meant: Option<String>, prefix: &str) -> String {
    match meant {
        Some(meant) => format!("{message}: did you mean {prefix}{meant}?"),
        None => message,
    }
}
