//! Why the guide did not load: every problem, and the links that could not be checked
//! because the file they lead to did not load, summed up in one line for editors.
use std::path::{Path, PathBuf};

use crate::content::Problem;

/// Every problem found, in the order found, and what they kept from being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFailure {
    pub problems: Vec<Problem>,
    /// Section and page files that did not load, with how many links to them (from other
    /// files) were left unchecked; only those with at least one.
    pub unchecked_links: Vec<(PathBuf, usize)>,
}

impl LoadFailure {
    /// One line for the end of `check`, e.g. `1 problem in risks.md (6 links to it were not
    /// checked)`, or `3 problems in 2 files: 2 in risks.md, 1 in faq.md`.
    pub fn summary(&self) -> String {
        let mut files: Vec<(&Path, usize)> = Vec::new();
        for problem in &self.problems {
            match files.iter_mut().find(|(path, _)| *path == problem.path) {
                Some((_, count)) => *count += 1,
                None => files.push((&problem.path, 1)),
            }
        }
        let name = |path: &Path| -> String {
            let file_name = path.file_name().unwrap_or(path.as_os_str());
            let shared = files
                .iter()
                .filter(|(other, _)| other.file_name() == Some(file_name))
                .count()
                > 1;
            if shared {
                path.display().to_string()
            } else {
                file_name.to_string_lossy().into_owned()
            }
        };
        let unchecked = |path: &Path| -> String {
            match self.unchecked_links.iter().find(|(p, _)| p == path) {
                Some((_, 1)) => " (1 link to it was not checked)".to_owned(),
                Some((_, n)) => format!(" ({n} links to it were not checked)"),
                None => String::new(),
            }
        };
        let total = self.problems.len();
        match files.as_slice() {
            [] => "no problems".to_owned(),
            [(path, _)] => format!("{} in {}{}", problems(total), name(path), unchecked(path)),
            _ => {
                let each: Vec<String> = files
                    .iter()
                    .map(|(path, n)| format!("{n} in {}{}", name(path), unchecked(path)))
                    .collect();
                format!(
                    "{} in {} files: {}",
                    problems(total),
                    files.len(),
                    each.join(", ")
                )
            }
        }
    }
}

fn problems(n: usize) -> String {
    if n == 1 {
        "1 problem".to_owned()
    } else {
        format!("{n} problems")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(path: &str) -> Problem {
        Problem {
            path: PathBuf::from(path),
            line: 1,
            message: "wrong".into(),
        }
    }

    #[test]
    fn the_summary_counts_problems_per_file_and_the_links_left_unchecked() {
        let risks = "content/guide/risks.md";
        // The files with a problem (one per problem), the links not checked, the summary.
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, usize)], &'a str);
        let cases: [Case; 6] = [
            (
                &[risks],
                &[(risks, 6)],
                "1 problem in risks.md (6 links to it were not checked)",
            ),
            (
                &[risks],
                &[(risks, 1)],
                "1 problem in risks.md (1 link to it was not checked)",
            ),
            (&[risks, risks], &[], "2 problems in risks.md"),
            (
                &[risks, "content/guide/faq.md", risks],
                &[(risks, 2)],
                "3 problems in 2 files: 2 in risks.md (2 links to it were not checked), 1 in faq.md",
            ),
            (
                &["content/guide/about.md", "content/pages/about.md"],
                &[],
                "2 problems in 2 files: 1 in content/guide/about.md, 1 in content/pages/about.md",
            ),
            (&[], &[], "no problems"),
        ];
        for (paths, unchecked, expected) in cases {
            let failure = LoadFailure {
                problems: paths.iter().map(|p| problem(p)).collect(),
                unchecked_links: unchecked
                    .iter()
                    .map(|(p, n)| (PathBuf::from(p), *n))
                    .collect(),
            };
            assert_eq!(failure.summary(), expected, "{paths:?}");
        }
    }
}
