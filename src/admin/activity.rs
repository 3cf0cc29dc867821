//! `GET /admin/activity`: the site-wide activity log, newest first, by moderator, action
//! and date, 50 a page. Deleted comments stay traceable here by id and section.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Moderator;
use super::views::{AdminLayout, encode, timestamp};
use crate::state::AppState;
use crate::store::{ActivityEntry, ActivityFilter};
use crate::web::{HtmlPage, Result, render};

const PAGE_SIZE: i64 = 50;

/// Every action the log can hold, for its filter.
pub const ACTIONS: [&str; 14] = [
    "approve",
    "unapprove",
    "spam",
    "trash",
    "restore",
    "delete",
    "undo",
    "answer",
    "edit",
    "erase",
    "sign-in",
    "failed sign-in",
    "throttled sign-in",
    "sign-out",
];

#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    who: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

/// One line as shown.
pub struct Line {
    pub when: String,
    pub datetime: String,
    pub entry: ActivityEntry,
    /// The comment still exists (its id links to its page).
    pub exists: bool,
    pub section_title: String,
}

#[derive(Template)]
#[template(path = "admin/activity.html")]
pub struct ActivityPage<'a> {
    pub layout: AdminLayout<'a>,
    pub lines: Vec<Line>,
    pub actors: Vec<String>,
    pub actions: &'static [&'static str],
    pub who: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// A date that could not be read, said so beside the filter.
    pub date_error: Option<String>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl ActivityPage<'_> {
    pub fn is_who(&self, actor: &str) -> bool {
        actor == self.who
    }

    pub fn is_action(&self, action: &str) -> bool {
        action == self.action
    }

    pub fn page_url(&self, page: i64) -> String {
        let mut url = format!("/admin/activity?page={page}");
        for (name, value) in [
            ("who", &self.who),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                url.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        url
    }
}

/// `2026-12-01` as the Unix second it starts (UTC).
fn day_start(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

pub async fn show_activity(
    State(state): State<AppState>,
    moderator: Moderator,
    query: std::result::Result<Query<ActivityQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Query(query) = query.unwrap_or_default();
    let clean = |v: Option<String>| {
        v.unwrap_or_default()
            .trim()
            .chars()
            .take(100)
            .collect::<String>()
    };
    let (who, action, from, to) = (
        clean(query.who),
        clean(query.action),
        clean(query.from),
        clean(query.to),
    );
    let action = if ACTIONS.contains(&action.as_str()) {
        action
    } else {
        String::new()
    };
    let mut date_error = None;
    let mut read_date = |text: &str, what: &str| {
        if text.is_empty() {
            return None;
        }
        let day = day_start(text);
        if day.is_none() {
            date_error = Some(format!(
                "The {what} date {text:?} is not a date such as 2026-12-01, so it was left out."
            ));
        }
        day
    };
    let since = read_date(&from, "from");
    let until = read_date(&to, "to").map(|day| day + 24 * 60 * 60);
    let page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let found = state
        .store
        .activity(&ActivityFilter {
            actor: (!who.is_empty()).then(|| who.clone()),
            action: (!action.is_empty()).then(|| action.clone()),
            since,
            until,
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        })
        .await?;
    let site = state.site();
    let mut lines = Vec::new();
    for entry in found.entries {
        let exists = match entry.comment_id {
            Some(id) => state.store.get(id).await?.is_some(),
            None => false,
        };
        let section_title = entry
            .section
            .as_deref()
            .map(|slug| {
                site.guide
                    .section(slug)
                    .map_or_else(|| slug.to_owned(), |s| s.title.clone())
            })
            .unwrap_or_default();
        lines.push(Line {
            when: timestamp(entry.at),
            datetime: crate::clock::rfc3339(entry.at),
            exists,
            section_title,
            entry,
        });
    }
    let view = ActivityPage {
        layout: AdminLayout::new(
            &site.guide.site,
            &site.assets,
            "Activity log",
            Some(&moderator),
        )
        .current("activity"),
        lines,
        actors: state.store.activity_actors().await?,
        actions: &ACTIONS,
        who,
        action,
        from,
        to,
        date_error,
        page,
        pages: (found.total + PAGE_SIZE - 1) / PAGE_SIZE,
        total: found.total,
    };
    Ok(HtmlPage::ok(render(&view, "the activity log")?).into_response())
}
