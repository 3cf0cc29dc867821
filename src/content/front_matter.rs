//! Front matter: split a page into its TOML header and Markdown body, then deserialize
//! the header with every error pointing at the file's own line numbers.
use serde::de::DeserializeOwned;

mod fields;

pub use fields::{Field, Kind};

/// A page cut at its `+++` fences.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML between the fences.
    pub front: &'a str,
    /// 1-based line of the first TOML line in the file.
    pub front_line: usize,
    /// The Markdown after the closing fence.
    pub body: &'a str,
}

/// An error at a 1-based line of the file.
#[derive(Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Splits `source` at `+++` lines. The opening fence must be the first line.
pub fn split(source: &str) -> Result<Split<'_>, LineError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let Some(after_open) = strip_fence(source) else {
        return Err(LineError {
            line: 1,
            message: "the file must start with a `+++` line that opens the front matter".into(),
        });
    };
    let front_start = source.len() - after_open.len();
    let mut offset = front_start;
    for line in after_open.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok(Split {
                front: &source[front_start..offset],
                front_line: 2,
                body: &source[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(LineError {
        line: 1,
        message: "the front matter opened here is never closed: add a `+++` line after it".into(),
    })
}

fn strip_fence(source: &str) -> Option<&str> {
    let first_line_end = source.find('\n').map_or(source.len(), |i| i + 1);
    (source[..first_line_end].trim_end() == "+++").then(|| &source[first_line_end..])
}

/// Checks front matter TOML against `fields` and deserializes it. Every mistake in the
/// file is returned, each at its file line and in the editor's terms; see [`fields`].
pub fn parse<T: DeserializeOwned>(
    split: &Split<'_>,
    fields: &'static [Field],
) -> Result<T, Vec<LineError>> {
    let found = fields::check(split.front, split.front_line, fields);
    if !found.is_empty() {
        return Err(found);
    }
    // The check knows every setting; should serde still refuse, say what it said.
    toml::from_str(split.front).map_err(|err| {
        vec![LineError {
            line: split.front_line - 1
                + err
                    .span()
                    .map_or(1, |span| super::line_of(split.front, span.start)),
            message: err.message().trim_end().to_owned(),
        }]
    })
}

/// The text value of a top-level `key`, read leniently from front matter that may not
/// parse: a broken section's `slug`, so that links to it are not taken for broken too.
pub fn text_value(front: &str, key: &str) -> Option<String> {
    let (table, _) = toml::de::DeTable::parse_recoverable(front);
    let value = table
        .get_ref()
        .iter()
        .find(|(name, _)| name.get_ref() == key)?
        .1;
    value.get_ref().as_str().map(str::to_owned)
}

/// The file line on which `key = ...` is set, for errors found after parsing.
pub fn key_line(split: &Split<'_>, key: &str) -> usize {
    nth_key_line(split, key, 0)
}

/// The file line of the `n`-th (from 0) `key = ...`, e.g. the third FAQ entry's `answer`;
/// the first one's when there are fewer.
pub fn nth_key_line(split: &Split<'_>, key: &str, n: usize) -> usize {
    let is_key = |line: &&str| {
        line.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    nth_line(split, n, is_key)
}

/// The file line of the `n`-th (from 0) `[[table]]` header, e.g. the second `[[sources]]`.
pub fn table_line(split: &Split<'_>, table: &str, n: usize) -> usize {
    let header = format!("[[{table}]]");
    nth_line(split, n, |line: &&str| line.trim() == header)
}

fn nth_line(split: &Split<'_>, n: usize, matches: impl Fn(&&str) -> bool) -> usize {
    let found: Vec<usize> = split
        .front
        .lines()
        .enumerate()
        .filter(|(_, line)| matches(line))
        .map(|(index, _)| split.front_line + index)
        .collect();
    found.get(n).or(found.first()).copied().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_from_the_body() {
        let split = split("+++\ntitle = \"A\"\n+++\nBody\n").unwrap();
        assert_eq!(split.front, "title = \"A\"\n");
        assert_eq!(split.body, "Body\n");
    }

    #[test]
    fn fence_problems_are_reported_on_line_one() {
        let cases = [
            ("no fence\n", "must start with"),
            ("", "must start with"),
            ("+++\ntitle = \"A\"\n", "never closed"),
        ];
        for (input, expected) in cases {
            let err = split(input).unwrap_err();
            assert_eq!(err.line, 1, "{input:?}");
            assert!(err.message.contains(expected), "{input:?}: {}", err.message);
        }
    }

    #[test]
    fn the_text_of_a_setting_is_read_from_front_matter_that_does_not_parse() {
        let front = "slug = \"risks\"\norder = four\n";
        assert_eq!(text_value(front, "slug").as_deref(), Some("risks"));
        assert_eq!(text_value(front, "title"), None);
        assert_eq!(text_value("slug = 4\n", "slug"), None);
    }

    #[test]
    fn key_line_finds_the_assignment() {
        let split = split("+++\ntitle = \"A\"\n  slug= \"a\"\n+++\n").unwrap();
        assert_eq!(key_line(&split, "slug"), 3);
        assert_eq!(key_line(&split, "missing"), 1);
    }

    #[test]
    fn nth_lines_find_repeated_keys_and_tables() {
        let text =
            "+++\ntitle = \"A\"\n[[sources]]\ntitle = \"S1\"\n\n[[sources]]\ntitle = \"S2\"\n+++\n";
        let split = split(text).unwrap();
        assert_eq!(table_line(&split, "sources", 0), 3);
        assert_eq!(table_line(&split, "sources", 1), 6);
        assert_eq!(
            table_line(&split, "sources", 5),
            3,
            "falls back to the first"
        );
        assert_eq!(nth_key_line(&split, "title", 2), 7);
        assert_eq!(table_line(&split, "faq", 0), 1);
    }
}
