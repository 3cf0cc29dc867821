//! `AppState`: what every handler and background task shares. Cheap to clone; it sits low
//! in the house so that routes, the reloader and housekeeping can all take it.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::accounts::PasswordChecks;
use crate::comments::{CommentServices, Publisher};
use crate::config::Config;
use crate::notify::EmailLinks;
use crate::site::{Site, SiteHandle};
use crate::store::Store;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The live guide; swapped whole when content reloads.
    pub sites: Arc<SiteHandle>,
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub comments: Arc<CommentServices>,
    /// The bound on concurrent password checks, shared by every sign-in.
    pub password_checks: PasswordChecks,
    /// Signs and checks the action links in moderators' email.
    pub email_links: EmailLinks,
}

impl AppState {
    /// The current site. A handler takes it once and uses that snapshot throughout, so
    /// a reload in the middle of a request can never mix old and new content.
    pub fn site(&self) -> Arc<Site> {
        self.sites.current()
    }

    /// Re-renders a section's page (and the home page) from its approved comments. A
    /// failure is logged, not returned: the change itself is safely stored, and the page
    /// catches up on the next change or the next revision poll.
    pub async fn refresh_section(&self, slug: &str) {
        if let Err(err) = self
            .site()
            .refresh_comments(self.store.as_ref(), slug)
            .await
        {
            tracing::error!("re-rendering /guide/{slug}: {err:#}");
        }
    }
}

/// The live site re-renders a section's pages when its public comments change.
impl Publisher for AppState {
    fn section_changed<'a>(
        &'a self,
        slug: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.refresh_section(slug))
    }
}
