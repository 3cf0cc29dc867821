//! How a workflow tells the live site that a section's public comments changed, without the
//! comments domain knowing how pages are rendered: the site implements this trait.
use std::future::Future;
use std::pin::Pin;

/// Re-renders what readers see of a section after a public change.
pub trait Publisher: Send + Sync {
    /// The section's approved comments changed. Failures are the publisher's to log: the
    /// change is already stored, and pages catch up on the next revision poll.
    fn section_changed<'a>(
        &'a self,
        slug: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// For the command line, where no site is running: servers notice the change from the
/// database's page revisions within a second.
pub struct NoLiveSite;

impl Publisher for NoLiveSite {
    fn section_changed<'a>(
        &'a self,
        _slug: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}
