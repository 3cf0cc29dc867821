//! The live site: the current rendered [`Site`], swapped whole when content reloads, and
//! how a site is loaded from the content and static folders.
use std::sync::{Arc, RwLock};

use anyhow::Context;

use super::Site;
use crate::assets::Assets;
use crate::config::Config;
use crate::content::{self, Problem};
use crate::store::CommentStore;

/// The current site, and the content problems of the last failed reload.
pub struct SiteHandle {
    current: RwLock<Arc<Site>>,
    problems: RwLock<Vec<Problem>>,
    reloads: tokio::sync::watch::Sender<Reloads>,
}

/// How many reloads went live and how many were refused so far, for whoever waits for
/// the next one (tests, and an editor's preview) instead of polling with a clock; and
/// whether the server is shutting down, so that long-lived preview streams end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reloads {
    pub live: u64,
    pub refused: u64,
    pub closing: bool,
}

impl SiteHandle {
    /// Must be called inside the Tokio runtime: compression starts in the background.
    pub fn new(site: Site) -> Self {
        let site = Arc::new(site);
        site.compress_in_background();
        Self {
            current: RwLock::new(site),
            problems: RwLock::new(Vec::new()),
            reloads: tokio::sync::watch::Sender::new(Reloads::default()),
        }
    }

    /// Follows reloads: the receiver sees the counts change after each one.
    pub fn watch_reloads(&self) -> tokio::sync::watch::Receiver<Reloads> {
        self.reloads.subscribe()
    }

    pub fn current(&self) -> Arc<Site> {
        self.current.read().expect("site lock").clone()
    }

    /// Puts a new site in place in one step and clears the reported problems. Its
    /// compressed variants follow in the background.
    pub fn replace(&self, site: Site) {
        let site = Arc::new(site);
        site.compress_in_background();
        *self.current.write().expect("site lock") = site;
        self.problems.write().expect("problem lock").clear();
        self.reloads.send_modify(|r| r.live += 1);
        crate::metrics::content_reload(true, 0);
    }

    /// Tells whoever follows reloads that the server is shutting down.
    pub fn close(&self) {
        self.reloads.send_modify(|r| r.closing = true);
    }

    /// Problems that keep the last edit from going live (shown to editors).
    pub fn problems(&self) -> Vec<Problem> {
        self.problems.read().expect("problem lock").clone()
    }

    /// Records a refused reload: readers keep the last good site.
    pub fn set_problems(&self, problems: Vec<Problem>) {
        crate::metrics::content_reload(false, problems.len());
        *self.problems.write().expect("problem lock") = problems;
        self.reloads.send_modify(|r| r.refused += 1);
    }
}

/// Why the site could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the content has {} problem(s):\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Content(Vec<Problem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Loads static files and content, and renders every page with its approved comments.
pub async fn load_site(config: &Config, store: &dyn CommentStore) -> Result<Site, LoadError> {
    let (content_dir, static_dir) = (config.content_dir.clone(), config.static_dir.clone());
    // Reading and parsing files blocks: keep it off the async worker threads.
    let loaded = tokio::task::spawn_blocking(move || -> Result<_, LoadError> {
        let assets = Assets::load_or_embedded(static_dir.as_deref())?;
        crate::config::require_folder(&content_dir, "content", "--content DIR")?;
        let guide = content::load(&content_dir, &assets)
            .map_err(|failure| LoadError::Content(failure.problems))?;
        Ok((guide, assets))
    })
    .await
    .map_err(|e| LoadError::Other(e.into()))?;
    let (mut guide, assets) = loaded?;
    // The configured base URL wins over site.toml's; without either, the listen address.
    if let Some(base_url) = config.base_url.as_ref().or(config.listen_url.as_ref())
        && (config.base_url.is_some() || guide.site.base_url.is_empty())
    {
        guide.site.base_url = base_url.trim_end_matches('/').to_owned();
    }
    let approved = store
        .approved(None)
        .await
        .context("reading approved comments")?;
    Ok(Site::render(guide, assets, &approved)?)
}
