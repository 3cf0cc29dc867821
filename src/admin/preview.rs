//! The editor's preview: `GET /admin/preview` (every section, draft and page, and the
//! problems of the last refused save), `GET /admin/preview/{path}` (one page as readers
//! see it now, drafts included, with the problems above it: `guide/risks`, `about`,
//! `guide`, and `home` for the home page), and
//! `GET /admin/preview/events`, the server-sent events that make an open preview reload
//! itself a moment after each save. Editors only.
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;

use super::auth::Editor;
use super::views::{AdminLayout, PreviewIndex, PreviewLink};
use crate::site::PreviewBanner;
use crate::state::AppState;
use crate::web::{AppError, HtmlPage, Result, render};

/// A stream ends after this long; the browser's `EventSource` opens a new one at once, so
/// that no connection is held for ever.
const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The problems of the last refused save, as the banner shows them.
fn banner(state: &AppState) -> PreviewBanner {
    PreviewBanner {
        problems: state
            .sites
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect(),
        draft: false,
    }
}

pub async fn preview_index(State(state): State<AppState>, editor: Editor) -> Result<Response> {
    let site = state.site();
    let guide = &site.guide;
    let mut links = vec![
        PreviewLink::new("Home page", "/", false),
        PreviewLink::new("The whole guide on one page", "/guide", false),
    ];
    links.extend(
        guide
            .sections
            .iter()
            .map(|s| PreviewLink::new(&s.title, &s.path(), false)),
    );
    links.extend(
        guide
            .drafts
            .iter()
            .map(|s| PreviewLink::new(&s.title, &format!("/guide/{}", s.slug), true)),
    );
    links.extend(
        guide
            .pages
            .iter()
            .map(|p| PreviewLink::new(&p.title, &p.path(), false)),
    );
    let page = PreviewIndex {
        layout: AdminLayout::new(&guide.site, &site.assets, "Preview", Some(&editor.0))
            .current("preview"),
        links,
        preview: banner(&state),
    };
    Ok(HtmlPage::ok(render(&page, "the preview index")?).into_response())
}

pub async fn preview_page(
    State(state): State<AppState>,
    _editor: Editor,
    Path(path): Path<String>,
) -> Result<Response> {
    let site = state.site();
    let path = match path.trim_matches('/') {
        "home" => "/".to_owned(),
        path => format!("/{path}"),
    };
    // `/admin/preview/SLUG` (a section by its slug alone) works as well as the full path.
    let html = match site.render_preview(&path, banner(&state)) {
        Some(html) => html,
        None => site
            .render_preview(&format!("/guide{path}"), banner(&state))
            .ok_or(AppError::NotFound)?,
    }?;
    Ok(HtmlPage::ok(html).into_response())
}

/// One event per reload: `live` when a save went live, `refused` when it was refused
/// (the preview then shows the problems). The stream ends when the server shuts down.
pub async fn preview_events(
    State(state): State<AppState>,
    _editor: Editor,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let reloads = state.sites.watch_reloads();
    let seen = *reloads.borrow();
    let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
    let events =
        futures_util::stream::unfold((reloads, seen), move |(mut reloads, seen)| async move {
            if seen.closing {
                return None;
            }
            let changed = tokio::time::timeout_at(deadline, reloads.changed()).await;
            // Timed out, or the site handle is gone: end, and let the browser reconnect.
            let Ok(Ok(())) = changed else {
                return None;
            };
            let now = *reloads.borrow_and_update();
            if now.closing {
                return None;
            }
            let name = if now.refused != seen.refused {
                "refused"
            } else {
                "live"
            };
            let event = Event::default()
                .event(name)
                .data(format!("{} {}", now.live, now.refused));
            Some((Ok(event), (reloads, now)))
        });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
