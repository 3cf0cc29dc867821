//! Callout boxes, written as GitHub-style alerts with the kinds national health services
//! use: a blockquote whose first line is `[!URGENT]`, `[!IMPORTANT]` or `[!NON-URGENT]`,
//! optionally followed by a title, becomes a box with its own heading. The heading (not
//! colour alone) says what kind of advice it is, so it is announced and printed as such.
use std::ops::Range;

use pulldown_cmark::{Event, Tag};

use super::{MarkdownProblem, State, TextBlock, escape_html, find_end};

/// The kinds of callout an editor may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    /// Warning signs and where to get help.
    Urgent,
    /// Something a reader must not miss.
    Important,
    /// When to see a GP or dermatologist, without hurry.
    NonUrgent,
}

impl CalloutKind {
    pub const ALL: [Self; 3] = [Self::Urgent, Self::Important, Self::NonUrgent];

    /// The marker as editors write it, between `[!` and `]`.
    pub fn marker(self) -> &'static str {
        match self {
            Self::Urgent => "URGENT",
            Self::Important => "IMPORTANT",
            Self::NonUrgent => "NON-URGENT",
        }
    }

    /// What readers see at the top of the box.
    pub fn label(self) -> &'static str {
        match self {
            Self::Urgent => "Urgent advice",
            Self::Important => "Important",
            Self::NonUrgent => "Non-urgent advice",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::Important => "important",
            Self::NonUrgent => "non-urgent",
        }
    }

    /// The box's anchor: the first urgent box on a page is `#urgent-advice`.
    fn id(self) -> &'static str {
        match self {
            Self::Urgent => "urgent-advice",
            Self::Important => "important",
            Self::NonUrgent => "non-urgent-advice",
        }
    }

    /// Case-insensitive, so `[!Urgent]` works too.
    pub fn parse(marker: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.marker().eq_ignore_ascii_case(marker))
    }
}

/// The kind between `[!` and `]` at the start of a line, if the line opens that way.
fn marker(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("[!")?;
    let (kind, _) = rest.split_once(']')?;
    let word_like = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    (!kind.is_empty() && kind.chars().all(word_like)).then_some(kind)
}

/// What to tell an editor who wrote `[!{marker}]`: the kind meant, if it is a slip for one.
fn unknown_kind(marker: &str) -> String {
    let markers = CalloutKind::ALL.map(CalloutKind::marker);
    if let Some(meant) = crate::content::suggest::closest(marker, markers) {
        return format!("unknown callout kind [!{marker}]: did you mean [!{meant}]?");
    }
    let known: Vec<String> = CalloutKind::ALL
        .iter()
        .map(|k| format!("[!{}] ({})", k.marker(), k.label().to_lowercase()))
        .collect();
    format!(
        "unknown callout kind [!{marker}]: use one of {}",
        known.join(", ")
    )
}

impl<'s> State<'s, '_> {
    /// Writes the callout that starts with the blockquote at `quote` and returns the index
    /// of the next event to handle; `None` when the blockquote is not a callout (an
    /// unknown kind is reported, and the quote stays a quote).
    pub(super) fn callout(
        &mut self,
        events: &[(Event<'s>, Range<usize>)],
        quote: usize,
    ) -> Option<usize> {
        let (Event::Start(Tag::Paragraph), first) = events.get(quote + 1)? else {
            return None;
        };
        let line_end = self.source[first.start..first.end]
            .find('\n')
            .map_or(first.end, |i| first.start + i);
        let marker = marker(&self.source[first.start..line_end])?;
        let Some(kind) = CalloutKind::parse(marker) else {
            self.problems.push(MarkdownProblem {
                offset: first.start,
                message: unknown_kind(marker),
            });
            return None;
        };

        let paragraph_end = find_end(events, quote + 1);
        let (on_marker_line, after): (Vec<usize>, Vec<usize>) =
            (quote + 2..paragraph_end).partition(|&j| events[j].1.start < line_end);
        let line_text = super::plain_text(
            &on_marker_line
                .iter()
                .map(|&j| events[j].clone())
                .collect::<Vec<_>>(),
        );
        let title = line_text
            .split_once(']')
            .map_or("", |(_, title)| title.trim());

        self.flush_block();
        let level = (self.last_heading_level + 1).min(6);
        let id = self.unique_id(kind.id());
        self.rendered.anchors.push(id.clone());
        let title_html = if title.is_empty() {
            String::new()
        } else {
            format!(
                " <span class=\"callout-title\">{}</span>",
                escape_html(title)
            )
        };
        self.out.push(Event::Html(
            format!(
                "<div class=\"callout callout-{class}\">\n<h{level} class=\"callout-heading\" id=\"{prefix}{id}\"><span class=\"callout-label\">{label}<span class=\"visually-hidden\">:</span></span>{title_html}</h{level}>\n",
                class = kind.class(),
                prefix = self.opts.id_prefix,
                label = kind.label(),
            )
            .into(),
        ));
        self.rendered.blocks.push(TextBlock {
            anchor: self.current_anchor.clone(),
            text: if title.is_empty() {
                kind.label().to_owned()
            } else {
                format!("{}: {title}", kind.label())
            },
            heading: true,
        });
        self.blockquotes.push(true);

        // Whatever follows the marker line in the same paragraph is an ordinary paragraph.
        let rest: Vec<usize> = after
            .into_iter()
            .skip_while(|&j| matches!(events[j].0, Event::SoftBreak | Event::HardBreak))
            .collect();
        if !rest.is_empty() {
            self.out.push(Event::Start(Tag::Paragraph));
            for j in rest {
                let (event, range) = &events[j];
                self.inline(event, range, true);
            }
            self.flush_block();
            self.out.push(Event::End(pulldown_cmark::TagEnd::Paragraph));
        }
        Some(paragraph_end + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_read_from_the_first_line() {
        let cases = [
            ("[!URGENT] Get help", Some("URGENT")),
            ("[!NON-URGENT]", Some("NON-URGENT")),
            ("[!warning] x", Some("warning")),
            ("[!] x", None),
            ("[1] x", None),
            ("Text [!URGENT]", None),
            ("[!two words]", None),
        ];
        for (line, expected) in cases {
            assert_eq!(marker(line), expected, "{line:?}");
        }
    }

    #[test]
    fn unknown_kinds_name_the_kind_meant_when_close() {
        let known = "use one of [!URGENT] (urgent advice), [!IMPORTANT] (important), [!NON-URGENT] (non-urgent advice)";
        let cases = [
            (
                "URGNET",
                "unknown callout kind [!URGNET]: did you mean [!URGENT]?".to_owned(),
            ),
            (
                "IMPORTNT",
                "unknown callout kind [!IMPORTNT]: did you mean [!IMPORTANT]?".to_owned(),
            ),
            (
                "NONURGENT",
                "unknown callout kind [!NONURGENT]: did you mean [!NON-URGENT]?".to_owned(),
            ),
            (
                "WARNING",
                format!("unknown callout kind [!WARNING]: {known}"),
            ),
            ("NOTE", format!("unknown callout kind [!NOTE]: {known}")),
        ];
        for (marker, expected) in cases {
            assert_eq!(unknown_kind(marker), expected, "{marker}");
        }
    }

    #[test]
    fn kinds_parse_without_case() {
        assert_eq!(CalloutKind::parse("urgent"), Some(CalloutKind::Urgent));
        assert_eq!(
            CalloutKind::parse("Non-Urgent"),
            Some(CalloutKind::NonUrgent)
        );
        assert_eq!(CalloutKind::parse("WARNING"), None);
    }
}
