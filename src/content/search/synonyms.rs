//! `content/synonyms.toml`: the words readers type, and the guide's words for them.
//!
//! ```toml
//! hurt = "pain"
//! "side effects" = "risks"
//! benefits = ["pros", "advantages"]
//! ```
//!
//! One way only: a search for "hurt" also looks for "pain", not the other way round.
//! Both sides are stemmed like everything else, so `hurt` also covers "hurts".
use super::text::{Stemmer, is_stop_word, words};

/// One line of the file.
#[derive(Debug, Clone)]
pub struct Synonym {
    /// The line it is on, for messages to editors.
    pub line: usize,
    /// What readers type, as written.
    pub key: String,
    /// The stems of every word of the key, stop words included, to match the query.
    pub key_stems: Vec<String>,
    /// Each thing the guide calls it: the stems of its meaningful words.
    pub targets: Vec<(String, Vec<String>)>,
}

/// Every synonym the editors keep.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    pub entries: Vec<Synonym>,
}

/// A problem at a line of the file.
pub type LineProblem = (usize, String);

const FORMAT_HINT: &str =
    "write one line per word, e.g. hurt = \"pain\" or benefits = [\"pros\", \"advantages\"]";

impl Synonyms {
    /// Parses the file, or returns every problem in it.
    pub fn parse(text: &str) -> Result<Self, Vec<LineProblem>> {
        let stemmer = &mut Stemmer::default();
        let table: toml::Table = toml::from_str(text).map_err(|err| {
            let line = err
                .span()
                .map_or(1, |span| crate::content::line_of(text, span.start));
            vec![(line, err.message().trim_end().to_owned())]
        })?;
        let mut problems = Vec::new();
        let mut entries: Vec<Synonym> = Vec::new();
        let mut lines: Vec<(usize, &String, &toml::Value)> = table
            .iter()
            .map(|(key, value)| (key_line(text, key), key, value))
            .collect();
        lines.sort_by_key(|(line, _, _)| *line);
        for (line, key, value) in lines {
            let targets: Vec<String> = match value {
                toml::Value::String(word) => vec![word.clone()],
                toml::Value::Array(list) if list.iter().all(toml::Value::is_str) => list
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                toml::Value::Table(_) => {
                    problems.push((line, format!(
                        "unknown format: [{key}] is a table; synonyms are not grouped under headings: {FORMAT_HINT}"
                    )));
                    continue;
                }
                _ => {
                    problems.push((line, format!("unknown format for \"{key}\": {FORMAT_HINT}")));
                    continue;
                }
            };
            let key_stems: Vec<String> =
                words(key).iter().map(|w| stemmer.stem(&w.folded)).collect();
            if key_stems.is_empty() {
                problems.push((line, format!("an empty word on the left: {FORMAT_HINT}")));
                continue;
            }
            if words(key).iter().all(|w| is_stop_word(&w.folded)) {
                problems.push((line, format!(
                    "search ignores every word of \"{key}\" (like \"how\" or \"is\"), so this line never applies"
                )));
                continue;
            }
            if targets.is_empty() || targets.iter().any(|t| t.trim().is_empty()) {
                problems.push((
                    line,
                    format!("\"{key}\" has an empty synonym: {FORMAT_HINT}"),
                ));
                continue;
            }
            let mut stemmed = Vec::new();
            for target in targets {
                let stems: Vec<String> = words(&target)
                    .iter()
                    .filter(|w| !is_stop_word(&w.folded))
                    .map(|w| stemmer.stem(&w.folded))
                    .collect();
                if stems.is_empty() {
                    problems.push((line, format!(
                        "search ignores every word of \"{target}\" (like \"how\" or \"is\"): give a word the guide uses"
                    )));
                } else {
                    stemmed.push((target, stems));
                }
            }
            if let Some(earlier) = entries.iter().find(|e| e.key_stems == key_stems) {
                problems.push((
                    line,
                    format!(
                        "\"{key}\" means the same to search as \"{}\" on line {}: join the two lines",
                        earlier.key, earlier.line
                    ),
                ));
                continue;
            }
            entries.push(Synonym {
                line,
                key: key.clone(),
                key_stems,
                targets: stemmed,
            });
        }
        if problems.is_empty() {
            Ok(Self { entries })
        } else {
            problems.sort();
            Err(problems)
        }
    }
}

/// The line on which `key` is set (bare or quoted, or as a `[key]` table), or 1.
fn key_line(text: &str, key: &str) -> usize {
    let quoted = [format!("\"{key}\""), format!("'{key}'"), key.to_owned()];
    text.lines()
        .position(|line| {
            let line = line.trim();
            quoted.iter().any(|q| {
                line.strip_prefix(q.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
                    || line == format!("[{q}]")
            })
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Synonyms, Vec<LineProblem>> {
        Synonyms::parse(text)
    }

    #[test]
    fn words_and_phrases_map_to_the_guides_words() {
        let synonyms = parse(
            "# comment\nhurt = \"pain\"\n\"side effects\" = \"risks\"\nbenefits = [\"pros\", \"good points\"]\n",
        )
        .unwrap();
        let summary: Vec<(usize, Vec<String>, Vec<Vec<String>>)> = synonyms
            .entries
            .iter()
            .map(|e| {
                let targets = e.targets.iter().map(|(_, stems)| stems.clone()).collect();
                (e.line, e.key_stems.clone(), targets)
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summary,
            [
                (2, s(&["hurt"]), vec![s(&["pain"])]),
                (3, s(&["side", "effect"]), vec![s(&["risk"])]),
                (
                    4,
                    s(&["benefit"]),
                    vec![s(&["pros"]), s(&["good", "point"])]
                ),
            ]
        );
    }

    #[test]
    fn problems_name_their_line() {
        for (text, expected) in [
            (
                "hurt = \"pain\"\nprice = \n",
                (2, "string values must be quoted"),
            ),
            ("hurt = \"\"\n", (1, "\"hurt\" has an empty synonym")),
            ("hurt = []\n", (1, "\"hurt\" has an empty synonym")),
            (
                "hurt = [\"pain\", \" \"]\n",
                (1, "\"hurt\" has an empty synonym"),
            ),
            (
                "a = \"pain\"\n\"\" = \"pain\"\n",
                (1, "search ignores every word of \"a\""),
            ),
            (
                "a = \"pain\"\n\"\" = \"pain\"\n",
                (2, "an empty word on the left"),
            ),
            (
                "\n[synonyms]\nhurt = \"pain\"\n",
                (2, "unknown format: [synonyms] is a table"),
            ),
            ("hurt = 3\n", (1, "unknown format for \"hurt\"")),
            ("hurt = [\"pain\", 2]\n", (1, "unknown format for \"hurt\"")),
            (
                "price = \"how much\"\n",
                (1, "search ignores every word of \"how much\""),
            ),
            (
                "hurt = \"pain\"\nHurts = \"sore\"\n",
                (2, "join the two lines"),
            ),
        ] {
            let problems = parse(text).unwrap_err();
            assert!(
                problems
                    .iter()
                    .any(|(line, message)| (*line, message.contains(expected.1))
                        == (expected.0, true)),
                "{text:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn an_empty_file_has_no_synonyms() {
        assert!(parse("# nothing yet\n").unwrap().entries.is_empty());
    }
}
