//! The settings a front matter may hold, and the check that reads them the way an editor
//! wrote them: every mistake in the file, each at its own line, in plain words with an
//! example of the right form.
//!
//! The TOML reader stops at the first mistake and speaks of "invalid boolean" when an
//! editor typed `order = four`. So the file is first read leniently
//! (`DeTable::parse_recoverable`, which keeps going and keeps every position), each
//! setting is judged against its [`Field`], and only a file without mistakes is handed to
//! serde for its typed struct.
use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::LineError;
use crate::content::{line_of, suggest};

mod messages;

use messages::{mismatch, unknown};

/// What a setting holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Text in double quotes.
    Text,
    /// A whole number, 0 or more.
    WholeNumber,
    /// A calendar day, written `2026-11-20` without quotes.
    Date,
    /// `true` or `false`.
    Bool,
    /// A team's name, or a person as `{ name = "...", role = "...", credentials = "..." }`.
    Reviewer,
    /// `[[name]]` blocks, each holding these settings.
    Blocks(&'static [Field]),
}

/// One setting a file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// A right-hand side written correctly, for messages: `4`, `"risks"`, `2026-11-20`.
    pub example: &'static str,
}

impl Field {
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            required: true,
            example: match kind {
                Kind::Text => "\"...\"",
                Kind::WholeNumber => "4",
                Kind::Date => "2026-11-20",
                Kind::Bool => "true",
                Kind::Reviewer => "\"The SMP Guide editorial team\"",
                Kind::Blocks(_) => "",
            },
        }
    }

    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Self {
            required: false,
            ..Self::required(name, kind)
        }
    }

    /// The same setting with its own example value.
    pub const fn example(self, example: &'static str) -> Self {
        Self { example, ..self }
    }
}

/// The settings of a named reviewer: `reviewed_by = { name = "...", role = "..." }`.
const PERSON: &[Field] = &[
    Field::required("name", Kind::Text).example("\"A. Person\""),
    Field::required("role", Kind::Text).example("\"Consultant dermatologist\""),
    Field::optional("credentials", Kind::Text).example("\"MBBS, FRCP\""),
];

/// Every mistake in `front`, whose first line is line `first_line` of the file, measured
/// against `fields`; sorted by line.
pub fn check(front: &str, first_line: usize, fields: &'static [Field]) -> Vec<LineError> {
    let (table, errors) = DeTable::parse_recoverable(front);
    let mut checker = Checker {
        front,
        first_line,
        entries: Vec::new(),
        reported: HashSet::new(),
        syntax_lines: HashSet::new(),
        lost_at: None,
        found: Vec::new(),
    };
    checker.collect_entries(table.get_ref(), fields);
    for error in &errors {
        checker.syntax_error(error.span().unwrap_or(0..0), error.message().trim_end());
    }
    let file_line = first_line.saturating_sub(1).max(1);
    checker.check_table(table.get_ref(), fields, &Within::File(file_line));
    let mut found = checker.found;
    found.sort_by_key(|problem| problem.line);
    found.dedup();
    found
}

/// One `key = value` of the file, wherever it sits, with the setting it is for.
struct Entry {
    key: String,
    key_start: usize,
    value: Range<usize>,
    /// Whether the value is a table or a list.
    container: bool,
    field: Option<Field>,
}

/// Where a table of settings sits, for messages.
enum Within<'a> {
    /// The front matter itself; a missing setting is reported at this line (the opening
    /// `+++`, or the first line of a file without fences).
    File(usize),
    /// One `[[sources]]` (or steps, pros...) block, starting at this offset.
    Block(&'a str, usize),
    /// An inline table such as `reviewed_by = { ... }`, starting at this offset.
    Inline(&'a str, usize),
}

struct Checker<'f> {
    front: &'f str,
    first_line: usize,
    entries: Vec<Entry>,
    /// Where the values already reported (through a syntax error) start.
    reported: HashSet<usize>,
    /// The file lines with a syntax error reported.
    syntax_lines: HashSet<usize>,
    /// Where the first line that is not a setting at all (say, `[[sources]` without its
    /// closing bracket) starts. Past it the reader's guess at the file's shape is not worth
    /// judging, and no setting is reported missing: it may well be there, past the break.
    lost_at: Option<usize>,
    found: Vec<LineError>,
}

impl Checker<'_> {
    fn line(&self, offset: usize) -> usize {
        self.first_line - 1 + line_of(self.front, offset)
    }

    fn add(&mut self, offset: usize, message: String) {
        self.found.push(LineError {
            line: self.line(offset),
            message,
        });
    }

    fn raw(&self, span: &Range<usize>) -> &str {
        self.front.get(span.clone()).unwrap_or_default().trim()
    }

    fn collect_entries(&mut self, table: &DeTable<'_>, fields: &'static [Field]) {
        for (key, value) in table.iter() {
            let field = find(fields, key.get_ref()).copied();
            self.entries.push(Entry {
                key: key.get_ref().to_string(),
                key_start: key.span().start,
                value: value.span(),
                container: value.get_ref().is_table() || value.get_ref().is_array(),
                field,
            });
            match (field.map(|f| f.kind), value.get_ref()) {
                (Some(Kind::Reviewer), DeValue::Table(person)) => {
                    self.collect_entries(person, PERSON);
                }
                (Some(Kind::Blocks(inner)), DeValue::Array(items)) => {
                    for item in items.iter() {
                        if let DeValue::Table(block) = item.get_ref() {
                            self.collect_entries(block, inner);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A place where the TOML reader gave up: explained through the setting whose value
    /// it is in, or, outside any value, in words about the line.
    fn syntax_error(&mut self, span: Range<usize>, message: &str) {
        if message == "duplicate key" {
            let key = self.raw(&span).to_owned();
            let first = self
                .entries
                .iter()
                .filter(|e| e.key == key && e.key_start < span.start)
                .map(|e| e.key_start)
                .max();
            let first = first.map_or_else(String::new, |at| {
                format!(" (first on line {})", self.line(at))
            });
            let message = format!("`{key}` is set twice{first}: keep one of them");
            return self.add(span.start, message);
        }
        // An unclosed `{ ... }` or `[ ... ]` ends just after its last value: it belongs to
        // the table or list, not to that value.
        let unclosed = message.contains("expected `}`") || message.contains("expected `]`");
        let inside = self
            .entries
            .iter()
            .filter(|e| e.value.start <= span.start && span.start <= e.value.end)
            .filter(|e| e.container || !unclosed)
            .min_by_key(|e| e.value.len());
        if let Some(entry) = inside.filter(|e| !e.key.is_empty()) {
            let (value, field) = (entry.value.clone(), entry.field);
            self.syntax_lines.insert(self.line(value.start));
            let raw = self.raw(&value).to_owned();
            if raw.contains('\n') {
                // An unclosed `"""` or `[` took in the lines after it.
                self.lose_track_at(value.start);
            }
            if self.reported.insert(value.start)
                && let Some(field) = field
            {
                // The recovered value is a guess; the message goes by what was written.
                let impossible_date = message.starts_with("invalid date");
                self.add(value.start, mismatch(&field, &raw, None, impossible_date));
            }
            // An unknown setting's value is not judged: the unknown name is the mistake.
            return;
        }
        let line = self.line(span.start);
        let text = self.front.lines().nth(line - self.first_line);
        let text = text.unwrap_or_default().trim();
        let message = if message.contains("expected `]`") {
            format!("`{text}` is missing a closing `]`")
        } else if message.starts_with("unexpected key or value") {
            format!(
                "`{text}` has more after its value: put each setting on its own line, and text in double quotes"
            )
        } else {
            format!("`{text}` is not a setting: write it as `name = value`, one per line")
        };
        self.lose_track_at(span.start);
        if self.syntax_lines.insert(line) {
            self.add(span.start, message);
        }
    }

    fn lose_track_at(&mut self, offset: usize) {
        self.lost_at = Some(self.lost_at.map_or(offset, |at| at.min(offset)));
    }

    fn check_table(&mut self, table: &DeTable<'_>, fields: &'static [Field], within: &Within) {
        // A misspelt setting is one mistake, not also a missing one.
        let mut meant: HashSet<&str> = HashSet::new();
        let lost_at = self.lost_at.unwrap_or(usize::MAX);
        for (key, value) in table.iter().filter(|(key, _)| key.span().start < lost_at) {
            let key_name = key.get_ref().as_ref();
            match find(fields, key_name) {
                Some(field) => {
                    if !self.reported.contains(&value.span().start) {
                        self.check_value(field, value);
                    }
                }
                // The line's syntax error already says what is wrong with it.
                None if self.syntax_lines.contains(&self.line(key.span().start)) => {}
                None => {
                    let suggestion = suggest::closest(key_name, fields.iter().map(|f| f.name));
                    meant.extend(suggestion);
                    let message = unknown(key_name, fields, within, suggestion);
                    self.add(key.span().start, message);
                }
            }
        }
        for field in fields.iter().filter(|f| f.required) {
            let present = table.iter().any(|(key, _)| key.get_ref() == field.name);
            if present || meant.contains(field.name) || self.lost_at.is_some() {
                continue;
            }
            let (name, example) = (field.name, field.example);
            match *within {
                Within::File(line) => self.found.push(LineError {
                    line,
                    message: format!(
                        "the required setting `{name}` is missing: add a line such as `{name} = {example}`"
                    ),
                }),
                Within::Block(block, at) => self.add(
                    at,
                    format!(
                        "this [[{block}]] block has no `{name}`: add a line such as `{name} = {example}`"
                    ),
                ),
                Within::Inline(owner, at) => self.add(
                    at,
                    format!("`{owner}` has no `{name}`: add it, like `{name} = {example}`"),
                ),
            }
        }
    }

    fn check_value(&mut self, field: &Field, value: &Spanned<DeValue<'_>>) {
        let span = value.span();
        let ok = match (field.kind, value.get_ref()) {
            (Kind::Text, DeValue::String(_)) | (Kind::Bool, DeValue::Boolean(_)) => true,
            (Kind::WholeNumber, DeValue::Integer(number)) => {
                u32::from_str_radix(number.as_str(), number.radix()).is_ok()
            }
            (Kind::Date, DeValue::Datetime(day)) => {
                day.date.is_some() && day.time.is_none() && day.offset.is_none()
            }
            (Kind::Reviewer, DeValue::String(_)) => true,
            (Kind::Reviewer, DeValue::Table(person)) => {
                self.check_table(person, PERSON, &Within::Inline(field.name, span.start));
                true
            }
            (Kind::Blocks(inner), DeValue::Array(items))
                if items.iter().all(|item| item.get_ref().is_table()) =>
            {
                for item in items.iter() {
                    if let DeValue::Table(block) = item.get_ref() {
                        let within = Within::Block(field.name, item.span().start);
                        self.check_table(block, inner, &within);
                    }
                }
                true
            }
            _ => false,
        };
        if !ok {
            let raw = self.raw(&span).to_owned();
            self.add(
                span.start,
                mismatch(field, &raw, Some(value.get_ref()), false),
            );
        }
    }
}

fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|field| field.name == name)
}

#[cfg(test)]
mod tests;
