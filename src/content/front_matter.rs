//! Front matter: split a page into its TOML header and Markdown body, then deserialize
//! the header with every error pointing at the file's own line numbers.
use serde::de::DeserializeOwned;

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

/// Deserializes front matter TOML, mapping the error's position to a file line.
pub fn parse<T: DeserializeOwned>(split: &Split<'_>) -> Result<T, LineError> {
    toml::from_str(split.front).map_err(|err| LineError {
        line: split.front_line - 1
            + err
                .span()
                .map_or(1, |span| super::line_of(split.front, span.start)),
        message: format!("front matter: {}", err.message().trim_end()),
    })
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

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Front {
        title: String,
        order: u32,
    }

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
    fn toml_errors_carry_the_file_line() {
        let cases = [
            (
                "+++\ntitle = \"A\"\norder = \"one\"\n+++\n",
                3,
                "invalid type",
            ),
            (
                "+++\ntitle = \"A\"\norder = 1\ncolour = 2\n+++\n",
                4,
                "unknown field",
            ),
            ("+++\ntitle = \"A\"\n\norder = \n+++\n", 4, ""),
            ("+++\norder = 1\n+++\n", 2, "missing field `title`"),
        ];
        for (input, line, expected) in cases {
            let err = parse::<Front>(&split(input).unwrap()).unwrap_err();
            assert_eq!(err.line, line, "{input:?}: {}", err.message);
            assert!(err.message.contains(expected), "{input:?}: {}", err.message);
        }
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
