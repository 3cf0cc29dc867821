//! The settings each kind of file holds: the typed structs serde fills, and beside each the
//! list of [`Field`]s that `front_matter::parse` checks first, so that editors read their
//! mistakes in their own terms. The two must name the same settings; the tests below say
//! so for every file kind.
use serde::Deserialize;

use crate::content::front_matter::{Field, Kind};
use crate::content::{Day, NavLink, Reviewer, Source};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SiteFile {
    pub title: String,
    pub description: String,
    /// The public address; without it the server uses `--base-url` or its listen address.
    #[serde(default)]
    pub base_url: Option<String>,
    pub language: String,
    pub byline: String,
    pub disclaimer: String,
    #[serde(default)]
    pub urgent_advice: Option<String>,
    #[serde(default)]
    pub review_note: Option<String>,
    #[serde(default)]
    pub nav: Vec<NavLink>,
}

pub(super) const SITE: &[Field] = &[
    Field::required("title", Kind::Text).example("\"The SMP Guide\""),
    Field::required("description", Kind::Text),
    Field::optional("base_url", Kind::Text).example("\"https://smp.example\""),
    Field::required("language", Kind::Text).example("\"en\""),
    Field::required("byline", Kind::Text),
    Field::required("disclaimer", Kind::Text),
    Field::optional("urgent_advice", Kind::Text).example("\"/guide/risks#urgent-advice\""),
    Field::optional("review_note", Kind::Text),
    Field::optional("nav", Kind::Blocks(NAV_LINK)),
];

const NAV_LINK: &[Field] = &[
    Field::required("label", Kind::Text).example("\"The guide\""),
    Field::required("url", Kind::Text).example("\"/guide\""),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HomeFront {
    pub title: String,
    pub description: String,
    pub summary: String,
}

pub(super) const HOME: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::required("description", Kind::Text),
    Field::required("summary", Kind::Text),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SectionFront {
    pub title: String,
    pub description: String,
    pub slug: String,
    pub order: u32,
    #[serde(default)]
    pub published: Option<Day>,
    pub updated: Day,
    pub last_reviewed: Day,
    pub next_review: Day,
    pub reviewed_by: Reviewer,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub steps: Vec<ItemFront>,
    #[serde(default)]
    pub pros: Vec<ItemFront>,
    #[serde(default)]
    pub cons: Vec<ItemFront>,
    #[serde(default)]
    pub faq: Vec<FaqFront>,
}

pub(super) const SECTION: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::required("description", Kind::Text),
    Field::required("slug", Kind::Text).example("\"risks\""),
    Field::required("order", Kind::WholeNumber),
    Field::optional("published", Kind::Date),
    Field::required("updated", Kind::Date),
    Field::required("last_reviewed", Kind::Date),
    Field::required("next_review", Kind::Date).example("2027-05-20"),
    Field::required("reviewed_by", Kind::Reviewer),
    Field::optional("draft", Kind::Bool),
    Field::optional("sources", Kind::Blocks(SOURCE)),
    Field::optional("steps", Kind::Blocks(ITEM)),
    Field::optional("pros", Kind::Blocks(ITEM)),
    Field::optional("cons", Kind::Blocks(ITEM)),
    Field::optional("faq", Kind::Blocks(FAQ)),
];

const SOURCE: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::optional("publisher", Kind::Text).example("\"NHS\""),
    Field::optional("url", Kind::Text).example("\"https://www.nhs.uk/...\""),
    Field::optional("accessed", Kind::Date),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemFront {
    pub title: String,
    pub text: String,
}

const ITEM: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::required("text", Kind::Text),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaqFront {
    pub question: String,
    pub answer: String,
}

const FAQ: &[Field] = &[
    Field::required("question", Kind::Text).example("\"Does SMP hurt?\""),
    Field::required("answer", Kind::Text),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageFront {
    pub title: String,
    pub description: String,
    pub slug: String,
    pub order: u32,
    pub updated: Day,
    #[serde(default)]
    pub sources: Vec<Source>,
}

pub(super) const PAGE: &[Field] = &[
    Field::required("title", Kind::Text),
    Field::required("description", Kind::Text),
    Field::required("slug", Kind::Text).example("\"about\""),
    Field::required("order", Kind::WholeNumber).example("1"),
    Field::required("updated", Kind::Date),
    Field::optional("sources", Kind::Blocks(SOURCE)),
];

#[cfg(test)]
mod tests;
