//! Citations: `[1]` or `[2, 3]` in the text cite the page's numbered sources (the order of
//! `[[sources]]` in its front matter). The parser hands such bracketed numbers, which have
//! no link definition, to [`destination`]; the renderer turns the link into markup.
use pulldown_cmark::CowStr;

/// Marks a link the parser made from a citation.
const SCHEME: &str = "cite:";

/// The destination the parser gives a citation, or `None` when the brackets hold anything
/// but a list of numbers (then they stay text, or are a broken link for the link check).
pub fn destination<'a>(reference: &str) -> Option<(CowStr<'a>, CowStr<'a>)> {
    let numbers = parse(reference)?;
    let list: Vec<String> = numbers.iter().map(ToString::to_string).collect();
    Some((
        format!("{SCHEME}{}", list.join(",")).into(),
        CowStr::Borrowed(""),
    ))
}

/// `1` or `2, 3` to numbers. Numbers start at 1.
fn parse(reference: &str) -> Option<Vec<usize>> {
    reference
        .split(',')
        .map(|part| {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.len() > 4 {
                return None;
            }
            part.parse::<usize>().ok()
        })
        .collect()
}

/// Whether a link destination came from a citation.
pub fn is_citation(dest: &str) -> bool {
    dest.starts_with(SCHEME)
}

/// The numbers a citation destination names.
pub fn numbers(dest: &str) -> Vec<usize> {
    dest.strip_prefix(SCHEME)
        .and_then(parse)
        .unwrap_or_default()
}

/// `[1, 3]` as superscript links to the sources list (`#source-1`), each announced as
/// "Source 1" by screen readers.
pub fn markup(numbers: &[usize], id_prefix: &str) -> String {
    let links: Vec<String> = numbers
        .iter()
        .map(|n| {
            format!(
                "<a href=\"#{id_prefix}source-{n}\"><span class=\"visually-hidden\">Source </span>{n}</a>"
            )
        })
        .collect();
    format!("<sup class=\"cite\">[{}]</sup>", links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lists_of_numbers_are_citations() {
        let cases: [(&str, Option<Vec<usize>>); 8] = [
            ("1", Some(vec![1])),
            ("2, 3", Some(vec![2, 3])),
            (" 4 ,5 ", Some(vec![4, 5])),
            ("0", Some(vec![0])),
            ("", None),
            ("1,", None),
            ("-1", None),
            ("!URGENT", None),
        ];
        for (reference, expected) in cases {
            assert_eq!(parse(reference), expected, "{reference:?}");
        }
    }

    #[test]
    fn destinations_round_trip() {
        let (dest, _) = destination("2, 3").unwrap();
        assert!(is_citation(&dest));
        assert_eq!(numbers(&dest), [2, 3]);
    }
}
