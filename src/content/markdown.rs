//! Markdown to HTML. One function owns the pulldown-cmark options; a single pass over the
//! events adds heading ids, turns lone images into figures, fingerprints `/static/` URLs,
//! numbers footnotes, links citations (`[1]`, `[2, 3]`) to the page's sources, turns
//! `> [!URGENT]` blockquotes into callout boxes, and collects what the table of contents,
//! search and the link and citation checks need.
use std::collections::{HashMap, HashSet};

use pulldown_cmark::{
    BrokenLink, BrokenLinkCallback, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag,
    TagEnd,
};

use crate::assets::Assets;

mod callout;
mod citation;

/// A page body rendered to HTML, with what was learnt on the way.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Every heading in order (levels 2 to 6), for the page's contents and anchor checks.
    pub headings: Vec<Heading>,
    /// Plain text of each block, tagged with the heading it sits under, for search.
    pub blocks: Vec<TextBlock>,
    /// Internal links (`/...` or `#...`) with their byte offset in the source.
    pub links: Vec<(String, usize)>,
    /// Citation numbers (`[2]` cites the page's second source) with their byte offset.
    pub citations: Vec<(usize, usize)>,
    /// Ids that links may point to besides the headings: callout boxes.
    pub anchors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct TextBlock {
    /// The id of the heading above this block, if any.
    pub anchor: Option<String>,
    pub text: String,
    /// A heading's own text (searchable, but not prose for the reading-ease score).
    pub heading: bool,
}

/// How a body is rendered: on its own page, or inside the one-page guide where ids are
/// prefixed with the section slug so that sections cannot collide.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    pub id_prefix: &'a str,
    /// Rewrite `/guide/SLUG#ID` links to `#SLUG-ID` (for the one-page guide).
    pub same_page_guide_links: bool,
    /// Levels to add to every heading (1 on the one-page guide, where each section's
    /// title is itself an `<h2>`).
    pub heading_shift: u8,
}

impl RenderOptions<'static> {
    pub const STANDALONE: Self = Self {
        id_prefix: "",
        same_page_guide_links: false,
        heading_shift: 0,
    };
}

/// A problem found while rendering, at a byte offset of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownProblem {
    pub offset: usize,
    pub message: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

/// The one parser every body and fragment goes through. A bracketed list of numbers with
/// no link definition (`[1]`, `[2, 3]`) becomes a citation link that the renderer
/// recognises by its destination.
fn parser<'s>(source: &'s str) -> Parser<'s, impl BrokenLinkCallback<'s>> {
    Parser::new_with_broken_link_callback(
        source,
        options(),
        Some(|link: BrokenLink<'s>| citation::destination(&link.reference)),
    )
}

/// Renders `source`. Problems (missing images, a `#` heading) are returned alongside the
/// output so that `check` can report all of them at once.
pub fn render(
    source: &str,
    assets: &Assets,
    opts: RenderOptions<'_>,
) -> (Rendered, Vec<MarkdownProblem>) {
    let events: Vec<(Event<'_>, std::ops::Range<usize>)> =
        parser(source).into_offset_iter().collect();
    let mut state = State {
        source,
        assets,
        opts,
        out: Vec::with_capacity(events.len()),
        rendered: Rendered::default(),
        problems: Vec::new(),
        used_ids: HashSet::new(),
        footnotes: HashMap::new(),
        block_text: String::new(),
        current_anchor: None,
        last_heading_level: 1 + opts.heading_shift,
        blockquotes: Vec::new(),
        in_citation: false,
        caption: None,
        tables: 0,
        table_labels: Vec::new(),
        in_table_head: false,
        table_cell: 0,
    };
    let mut i = 0;
    while i < events.len() {
        i = state.step(&events, i);
    }
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, state.out.into_iter());
    state.rendered.html = html;
    (state.rendered, state.problems)
}

/// A short piece of Markdown from front matter (an FAQ answer, a step, a pro or a con).
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    pub html: String,
    /// Plain text, for search and JSON-LD.
    pub text: String,
    /// The text of each block, for the reading-ease score.
    pub blocks: Vec<String>,
    /// Internal links, for the link check.
    pub links: Vec<String>,
    /// Citation numbers, for the citation check.
    pub citations: Vec<usize>,
}

/// Renders a fragment with the same options as a page body.
pub fn render_fragment(
    source: &str,
    assets: &Assets,
    opts: RenderOptions<'_>,
) -> (Fragment, Vec<MarkdownProblem>) {
    let (rendered, problems) = render(source, assets, opts);
    let blocks: Vec<String> = rendered
        .blocks
        .into_iter()
        .map(|block| block.text)
        .collect();
    let links = rendered.links.into_iter().map(|(link, _)| link).collect();
    let citations = rendered.citations.into_iter().map(|(n, _)| n).collect();
    (
        Fragment {
            html: rendered.html,
            text: blocks.join(" "),
            blocks,
            links,
            citations,
        },
        problems,
    )
}

struct State<'s, 'a> {
    source: &'s str,
    assets: &'a Assets,
    opts: RenderOptions<'a>,
    out: Vec<Event<'s>>,
    rendered: Rendered,
    problems: Vec<MarkdownProblem>,
    used_ids: HashSet<String>,
    footnotes: HashMap<String, usize>,
    block_text: String,
    current_anchor: Option<String>,
    /// The level of the last heading written, so that a callout's own heading nests under it.
    last_heading_level: u8,
    /// For each open blockquote: whether it is a callout (closed with `</div>`).
    blockquotes: Vec<bool>,
    /// Inside a citation link, whose text the citation markup replaces.
    in_citation: bool,
    /// The events of a `Table: ...` paragraph, waiting for the table it captions.
    caption: Option<std::ops::Range<usize>>,
    /// Tables so far, for their caption ids.
    tables: usize,
    /// The header cells' text of the current table, repeated on each body cell
    /// (`data-label`) for the card layout on phones.
    table_labels: Vec<String>,
    in_table_head: bool,
    /// The body cell being written, as an index into `table_labels`.
    table_cell: usize,
}

impl<'s> State<'s, '_> {
    /// Handles the event at `i` (and any it consumes) and returns the next index.
    fn step(&mut self, events: &[(Event<'s>, std::ops::Range<usize>)], i: usize) -> usize {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let end = find_end(events, i);
                let text = plain_text(&events[i + 1..end]);
                if *level == HeadingLevel::H1 {
                    self.problems.push(MarkdownProblem {
                        offset: range.start,
                        message: "use `##` or deeper in the body: the page title is the only top-level heading".into(),
                    });
                }
                let wanted = id.as_deref().map_or_else(|| slugify(&text), str::to_owned);
                let id = self.unique_id(&wanted);
                self.rendered.headings.push(Heading {
                    level: heading_number(*level),
                    id: id.clone(),
                    text: text.clone(),
                });
                self.current_anchor = Some(id.clone());
                self.rendered.blocks.push(TextBlock {
                    anchor: Some(id.clone()),
                    text,
                    heading: true,
                });
                let shown = shift_level(*level, self.opts.heading_shift);
                self.last_heading_level = heading_number(shown);
                self.out.push(Event::Start(Tag::Heading {
                    level: shown,
                    id: Some(CowStr::from(format!("{}{id}", self.opts.id_prefix))),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
                for (inner, inner_range) in &events[i + 1..end] {
                    self.inline(inner, inner_range, false);
                }
                self.out.push(Event::End(TagEnd::Heading(shown)));
                return end + 1;
            }
            Event::Start(Tag::Paragraph) if is_structured_marker(events, i) => {
                self.out.push(Event::Html(STRUCTURED_MARKER.into()));
                return i + 3;
            }
            Event::Start(Tag::Paragraph) if is_lone_image(events, i) => {
                let image_end = find_end(events, i + 1);
                self.figure(&events[i + 1..=image_end]);
                return image_end + 2;
            }
            Event::Start(Tag::Image { .. }) => {
                let end = find_end(events, i);
                self.image(&events[i..=end], false);
                return end + 1;
            }
            Event::Start(Tag::BlockQuote(_)) => {
                if let Some(next) = self.callout(events, i) {
                    return next;
                }
                self.blockquotes.push(false);
                self.out.push(event.clone());
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush_block();
                if self.blockquotes.pop() == Some(true) {
                    self.out.push(Event::Html("</div>\n".into()));
                } else {
                    self.out.push(event.clone());
                }
            }
            Event::Start(Tag::Paragraph) if is_table_caption(events, i) => {
                let end = find_end(events, i);
                self.caption = Some(i + 1..end);
                return end + 1;
            }
            Event::Start(Tag::Table(_)) => self.table(events, event, range.start),
            Event::Start(Tag::TableHead) => {
                self.in_table_head = true;
                self.table_labels.clear();
                self.out.push(event.clone());
            }
            Event::End(TagEnd::TableHead) => {
                self.in_table_head = false;
                self.out.push(event.clone());
            }
            Event::Start(Tag::TableRow) => {
                self.table_cell = 0;
                self.out.push(event.clone());
            }
            Event::Start(Tag::TableCell) if self.in_table_head => {
                let end = find_end(events, i);
                self.table_labels.push(plain_text(&events[i + 1..end]));
                self.out.push(event.clone());
            }
            Event::Start(Tag::TableCell) => {
                let label = self
                    .table_labels
                    .get(self.table_cell)
                    .map(|label| escape_html(label))
                    .unwrap_or_default();
                self.table_cell += 1;
                self.out
                    .push(Event::Html(format!("<td data-label=\"{label}\">").into()));
            }
            Event::End(TagEnd::TableCell) if !self.in_table_head => {
                self.flush_block();
                self.out.push(Event::Html("</td>".into()));
            }
            Event::End(TagEnd::Table) => {
                self.flush_block();
                self.out.push(event.clone());
                self.out.push(Event::Html("</div>".into()));
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let number = self.footnote_number(name);
                let prefix = self.opts.id_prefix;
                self.out.push(Event::Html(
                    format!(
                        "<div class=\"footnote\" id=\"{prefix}fn-{}\"><span class=\"footnote-label\">{number}.</span>",
                        escape_html(name)
                    )
                    .into(),
                ));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                self.flush_block();
                self.out.push(Event::Html("</div>".into()));
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                self.flush_block();
                self.out.push(event.clone());
            }
            other => self.inline(other, range, true),
        }
        i + 1
    }

    /// Inline events: text is collected for search; links and raw HTML are rewritten.
    fn inline(&mut self, event: &Event<'s>, range: &std::ops::Range<usize>, collect: bool) {
        if self.in_citation {
            // The citation's own text (`1, 3`) was replaced by its markup.
            if matches!(event, Event::End(TagEnd::Link)) {
                self.in_citation = false;
            }
            return;
        }
        match event {
            Event::Text(text) | Event::Code(text) => {
                if collect {
                    self.block_text.push_str(text);
                }
                self.out.push(event.clone());
            }
            Event::SoftBreak | Event::HardBreak => {
                if collect {
                    self.block_text.push(' ');
                }
                self.out.push(event.clone());
            }
            // Raw HTML is shown as text: editors write Markdown, and the page stays valid
            // and safe under the Content-Security-Policy whatever they type.
            Event::Html(raw) | Event::InlineHtml(raw) => {
                if collect {
                    self.block_text.push_str(raw);
                }
                self.out.push(Event::Text(raw.clone()));
            }
            Event::Start(Tag::Link {
                link_type: LinkType::ShortcutUnknown,
                dest_url,
                ..
            }) if citation::is_citation(dest_url) => {
                self.in_citation = true;
                // Keep the numbers on the line of the word they follow.
                if let Some(Event::Text(text)) = self.out.last_mut()
                    && let Some(before) = text.strip_suffix(' ')
                {
                    *text = format!("{before}\u{a0}").into();
                }
                let numbers = citation::numbers(dest_url);
                self.rendered
                    .citations
                    .extend(numbers.iter().map(|&n| (n, range.start)));
                self.out.push(Event::Html(
                    citation::markup(&numbers, self.opts.id_prefix).into(),
                ));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let url = self.link_target(dest_url, range.start);
                self.out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: url.into(),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::FootnoteReference(name) => {
                let number = self.footnote_number(name);
                let prefix = self.opts.id_prefix;
                let name = escape_html(name);
                self.out.push(Event::Html(
                    format!(
                        "<sup class=\"footnote-ref\"><a href=\"#{prefix}fn-{name}\" id=\"{prefix}fnref-{name}\" aria-label=\"Note {number}\">{number}</a></sup>"
                    )
                    .into(),
                ));
            }
            other => self.out.push(other.clone()),
        }
    }

    fn link_target(&mut self, dest: &str, offset: usize) -> String {
        if dest.starts_with('/') || dest.starts_with('#') {
            self.rendered.links.push((dest.to_owned(), offset));
        }
        if let Some(url) = self.assets.url_for_path(dest) {
            return url.to_owned();
        }
        if self.opts.same_page_guide_links {
            if let Some(rest) = dest.strip_prefix("/guide/") {
                return match rest.split_once('#') {
                    Some((slug, anchor)) => format!("#{slug}-{anchor}"),
                    None => format!("#{rest}"),
                };
            }
            if let Some(anchor) = dest.strip_prefix('#') {
                return format!("#{}{anchor}", self.opts.id_prefix);
            }
        }
        dest.to_owned()
    }

    /// Opens a table: a focusable, labelled wrapper (it scrolls sideways where the table
    /// is wider than the screen), the table, and its caption from the `Table: ...`
    /// paragraph before it. A table without one is a problem for `check`.
    fn table(
        &mut self,
        events: &[(Event<'s>, std::ops::Range<usize>)],
        event: &Event<'s>,
        offset: usize,
    ) {
        self.tables += 1;
        let id = format!("{}table-{}", self.opts.id_prefix, self.tables);
        let Some(caption) = self.caption.take() else {
            self.problems.push(MarkdownProblem {
                offset,
                message: "table without a caption: write a paragraph starting with `Table:` \
                          right before it, e.g. `Table: What each stage involves`"
                    .into(),
            });
            self.out.push(Event::Html(
                "<div class=\"table-wrap\" role=\"region\" aria-label=\"Table\" tabindex=\"0\">"
                    .into(),
            ));
            self.out.push(event.clone());
            return;
        };
        self.out.push(Event::Html(
            format!(
                "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}\" tabindex=\"0\">"
            )
            .into(),
        ));
        self.out.push(event.clone());
        self.out
            .push(Event::Html(format!("<caption id=\"{id}\">").into()));
        for (k, (inner, range)) in events[caption].iter().enumerate() {
            match inner {
                Event::Text(text) if k == 0 => {
                    let rest = text[CAPTION_PREFIX.len()..].trim_start();
                    if !rest.is_empty() {
                        self.inline(&Event::Text(rest.to_owned().into()), range, true);
                    }
                }
                other => self.inline(other, range, true),
            }
        }
        self.flush_block();
        self.out.push(Event::Html("</caption>".into()));
    }

    fn figure(&mut self, image_events: &[(Event<'s>, std::ops::Range<usize>)]) {
        self.out.push(Event::Html("<figure>".into()));
        self.image(image_events, true);
        self.out.push(Event::Html("</figure>\n".into()));
    }

    /// Writes an `<img>` with the fingerprinted URL and the SVG's intrinsic size, so that
    /// the page does not shift when it loads.
    fn image(&mut self, image_events: &[(Event<'s>, std::ops::Range<usize>)], with_caption: bool) {
        let (
            Event::Start(Tag::Image {
                dest_url, title, ..
            }),
            range,
        ) = &image_events[0]
        else {
            return;
        };
        let alt = plain_text(&image_events[1..image_events.len() - 1]);
        if alt.trim().is_empty() {
            self.problems.push(MarkdownProblem {
                offset: range.start,
                message: format!("image {dest_url} has no alt text: describe it inside ![...]"),
            });
        }
        let Some(asset) = self.assets.get_by_path(dest_url) else {
            self.problems.push(MarkdownProblem {
                offset: range.start,
                message: format!(
                    "image {dest_url} is not in the static folder: images must be files under static/, linked as /static/NAME"
                ),
            });
            return;
        };
        let size = asset
            .dimensions
            .map(|(w, h)| format!(" width=\"{w}\" height=\"{h}\""))
            .unwrap_or_default();
        self.out.push(Event::Html(
            format!(
                "<img src=\"{}\" alt=\"{}\"{size} loading=\"lazy\" decoding=\"async\">",
                asset.url,
                escape_html(&alt)
            )
            .into(),
        ));
        if with_caption && !title.is_empty() {
            self.out.push(Event::Html(
                format!("<figcaption>{}</figcaption>", escape_html(title)).into(),
            ));
        }
        self.block_text.push_str(&alt);
        self.flush_block();
    }

    fn unique_id(&mut self, wanted: &str) -> String {
        let base = if wanted.is_empty() { "section" } else { wanted };
        let mut id = base.to_owned();
        let mut n = 2;
        while !self.used_ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    fn footnote_number(&mut self, name: &str) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(name.to_owned()).or_insert(next)
    }

    fn flush_block(&mut self) {
        let text = self
            .block_text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        self.block_text.clear();
        if !text.is_empty() {
            self.rendered.blocks.push(TextBlock {
                anchor: self.current_anchor.clone(),
                text,
                heading: false,
            });
        }
    }
}

/// Index of the `End` event matching the `Start` at `start`.
fn find_end(events: &[(Event<'_>, std::ops::Range<usize>)], start: usize) -> usize {
    let mut depth = 0usize;
    for (offset, (event, _)) in events[start..].iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return start + offset;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// Where a section's structured part (steps, pros and cons, FAQ) goes in its body HTML.
pub const STRUCTURED_MARKER: &str = "<!--structured-->";
/// The paragraphs an editor writes to place the structured part.
const MARKER_PARAGRAPHS: [&str; 3] = ["{steps}", "{pros-and-cons}", "{faq}"];

fn is_structured_marker(events: &[(Event<'_>, std::ops::Range<usize>)], paragraph: usize) -> bool {
    matches!(
        (events.get(paragraph + 1), events.get(paragraph + 2)),
        (Some((Event::Text(text), _)), Some((Event::End(TagEnd::Paragraph), _)))
            if MARKER_PARAGRAPHS.contains(&text.trim())
    )
}

/// Splits body HTML at the structured-part marker: (before, after). Without a marker the
/// structured part follows the whole body.
pub fn split_at_structured(html: &str) -> (&str, &str) {
    html.split_once(STRUCTURED_MARKER).unwrap_or((html, ""))
}

/// What starts the paragraph before a table that becomes the table's `<caption>`.
const CAPTION_PREFIX: &str = "Table:";

/// A paragraph starting `Table:` right before a table is that table's caption.
fn is_table_caption(events: &[(Event<'_>, std::ops::Range<usize>)], paragraph: usize) -> bool {
    let Some((Event::Text(text), _)) = events.get(paragraph + 1) else {
        return false;
    };
    text.starts_with(CAPTION_PREFIX)
        && matches!(
            events.get(find_end(events, paragraph) + 1),
            Some((Event::Start(Tag::Table(_)), _))
        )
}

/// A paragraph holding nothing but one image becomes a `<figure>`.
fn is_lone_image(events: &[(Event<'_>, std::ops::Range<usize>)], paragraph: usize) -> bool {
    let Some((Event::Start(Tag::Image { .. }), _)) = events.get(paragraph + 1) else {
        return false;
    };
    let image_end = find_end(events, paragraph + 1);
    matches!(
        events.get(image_end + 1),
        Some((Event::End(TagEnd::Paragraph), _))
    )
}

fn plain_text(events: &[(Event<'_>, std::ops::Range<usize>)]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_owned()
}

fn shift_level(level: HeadingLevel, shift: u8) -> HeadingLevel {
    match heading_number(level).saturating_add(shift) {
        1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Heading text to an anchor id: lowercase letters and digits, words joined by hyphens.
/// `Pain and numbing` becomes `pain-and-numbing`; `What's "SMP"?` becomes `whats-smp`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(ch);
        } else if ch.is_whitespace() || ch == '-' || ch == '_' {
            pending_hyphen = true;
        }
    }
    slug
}

/// Escapes text for HTML content and quoted attributes alike.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_escaped(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escape_html`] does. The runs between the five
/// special characters are copied whole.
pub fn push_escaped(out: &mut String, text: &str) {
    let mut run = 0;
    for (i, byte) in text.bytes().enumerate() {
        let Some(entity) = html_entity(byte) else {
            continue;
        };
        // The five are ASCII, so `i` is always a character boundary.
        out.push_str(&text[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&text[run..]);
}

/// What a byte is written as in HTML text and quoted attributes, for the five that are
/// not written as themselves.
pub fn html_entity(byte: u8) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
