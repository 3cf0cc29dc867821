//! The checks that keep a page's sources honest: every citation points at a source, and
//! every source says who published it and where to read it.
use std::path::Path;

use super::Problems;
use crate::content::Source;
use crate::content::front_matter::{self, Split};

/// A section should rest on at least this many sources.
pub const MIN_SOURCES: usize = 3;

/// A citation number with no source behind it is a broken link: an error.
pub(super) fn check_citations(
    path: &Path,
    citations: &[(usize, usize)],
    sources: usize,
    problems: &mut Problems,
) {
    for &(number, line) in citations {
        if number == 0 || number > sources {
            let message = match sources {
                0 => format!(
                    "citation [{number}] points at no source: this page lists no [[sources]] in its front matter"
                ),
                1 => format!(
                    "citation [{number}] points at no source: the page lists only source [1]"
                ),
                n => format!(
                    "citation [{number}] points at no source: the page lists sources [1] to [{n}]"
                ),
            };
            problems.add(path, line, message);
        }
    }
}

/// Warnings for sources that a reader could not follow up, and for too few of them
/// (`minimum` is `None` for pages that need none).
pub(super) fn warn_about_sources(
    path: &Path,
    front_text: &str,
    front_line: usize,
    sources: &[Source],
    minimum: Option<usize>,
    warnings: &mut Problems,
) {
    let split = Split {
        front: front_text,
        front_line,
        body: "",
    };
    if let Some(minimum) = minimum
        && sources.len() < minimum
    {
        let line = if sources.is_empty() {
            1
        } else {
            front_matter::table_line(&split, "sources", 0)
        };
        warnings.add(
            path,
            line,
            format!(
                "the section lists {} source(s): back its claims with at least {minimum} (health services, dermatology bodies, regulators, papers)",
                sources.len()
            ),
        );
    }
    for (index, source) in sources.iter().enumerate() {
        let line = front_matter::table_line(&split, "sources", index);
        let number = index + 1;
        let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
        if blank(&source.url) {
            warnings.add(
                path,
                line,
                format!(
                    "source [{number}] \"{}\" has no url: readers need to be able to check it",
                    source.title
                ),
            );
        }
        if blank(&source.publisher) {
            warnings.add(path, line, format!(
                "source [{number}] \"{}\" has no publisher: say who stands behind it, e.g. publisher = \"NHS\"",
                source.title
            ));
        }
    }
}
