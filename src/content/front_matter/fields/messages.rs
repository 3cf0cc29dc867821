//! What the front matter check says: each mistake in the editor's terms, naming the
//! setting, what is wrong, and the right form, using the editor's own words where they can
//! be shown back.
use toml::de::DeValue;

use super::{Field, Kind, Within};

const PERSON_EXAMPLE: &str = "{ name = \"A. Person\", role = \"Consultant dermatologist\" }";

pub(super) fn unknown(
    key: &str,
    fields: &[Field],
    within: &Within,
    suggestion: Option<&str>,
) -> String {
    let place = match within {
        Within::File(_) => String::new(),
        Within::Block(block, _) => format!(" in a [[{block}]] block"),
        Within::Inline(owner, _) => format!(" in `{owner}`"),
    };
    match suggestion {
        Some(meant) => format!("unknown setting `{key}`{place}: did you mean `{meant}`?"),
        None => {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            format!(
                "unknown setting `{key}`{place}: remove it, or use one of {}",
                names.join(", ")
            )
        }
    }
}

/// What to say when `raw` (the value as written) is not what `field` holds. `value` is
/// the value as read, when the TOML itself was fine; `impossible_date` is set when the
/// TOML reader refused a date such as 2026-02-30.
pub(super) fn mismatch(
    field: &Field,
    raw: &str,
    value: Option<&DeValue<'_>>,
    impossible_date: bool,
) -> String {
    let name = field.name;
    let example = field.example;
    match field.kind {
        Kind::Text => {
            let example =
                own_words(raw, value).map_or_else(|| example.to_owned(), |w| format!("\"{w}\""));
            format!("`{name}` must be text in straight double quotes, like `{name} = {example}`")
        }
        Kind::WholeNumber => format!("`{name}` must be a whole number, like `{name} = {example}`"),
        Kind::Bool => format!("`{name}` must be true or false, like `{name} = {example}`"),
        Kind::Date => date_mismatch(name, raw, value, impossible_date),
        Kind::Reviewer => {
            let example =
                own_words(raw, value).map_or_else(|| example.to_owned(), |w| format!("\"{w}\""));
            format!(
                "`{name}` must be a team's name in straight double quotes, like `{name} = {example}`, \
                 or a person with a role, like `{name} = {PERSON_EXAMPLE}`"
            )
        }
        Kind::Blocks(_) => match value {
            Some(DeValue::Table(_)) => format!(
                "`[{name}]` needs double square brackets: write `[[{name}]]` above each entry"
            ),
            _ => format!(
                "`{name}` must be a list of `[[{name}]]` blocks, each with its settings on the lines below it"
            ),
        },
    }
}

fn date_mismatch(
    name: &str,
    raw: &str,
    value: Option<&DeValue<'_>>,
    impossible_date: bool,
) -> String {
    const HOW: &str = "dates are written 2026-11-20 (year-month-day), without quotes";
    if impossible_date {
        return format!("`{name} = {raw}` is not a real date: check the day and the month");
    }
    match value {
        Some(DeValue::String(text)) => match text.parse::<toml::value::Datetime>() {
            Ok(day) if day.date.is_some() && day.time.is_none() => format!(
                "`{name}` has its date in quotes: dates are written without quotes, like `{name} = {text}`"
            ),
            _ => format!("`{name}` must be a date: {HOW}"),
        },
        Some(DeValue::Datetime(moment)) => match moment.date {
            Some(day) => format!("`{name}` must be a day without a time, like `{name} = {day}`"),
            None => format!("`{name}` must be a date: {HOW}"),
        },
        _ => format!("`{name}` must be a date: {HOW}"),
    }
}

/// The editor's own words from a value written without proper quotes (`The risks`,
/// `“The risks”`, `42`), to show back inside straight quotes; none for tables, lists and
/// anything long or odd.
fn own_words<'r>(raw: &'r str, value: Option<&DeValue<'_>>) -> Option<&'r str> {
    if value.is_some_and(|v| v.is_table() || v.is_array()) {
        return None;
    }
    const QUOTES: [char; 6] = ['"', '\'', '“', '”', '‘', '’'];
    let words = raw.trim_matches(QUOTES.as_slice()).trim();
    let plain =
        !words.is_empty() && words.chars().count() <= 80 && !words.contains(['\n', '"', '[', '{']);
    plain.then_some(words)
}
