//! Every public page, rendered once when content loads and kept as bytes in memory.
//! Requests for these pages do no templating at all; see `http::pages`.
mod comment_feed;
mod comments;
mod handle;
mod json_ld;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::encoded::Encoded;
use anyhow::Context;
use askama::Template;
use sha2::{Digest, Sha256};

use crate::assets::Assets;
use crate::content::{Guide, SearchResults};
use crate::paths;
use crate::store::{Comment, CommentStore};
use comment_feed::CommentFeedXml;
pub use comment_feed::{COMMENT_FEED_ENTRIES, section_feed_path};
pub use comments::PublicComment;
pub use handle::{LoadError, Reloads, SiteHandle, load_site};
use views::{
    FeedXml, GuidePage, HomePage, NotFoundPage, NoticePage, SearchPage, SectionPage, SitemapXml,
    StandalonePage,
};
pub use views::{
    Layout, NoticeForm, PageMeta, PreviewBanner, ReaderNotice, ReplyTarget, SearchQuery,
    SectionExtras,
};

/// A response body rendered ahead of time, in every encoding, each with a strong ETag.
#[derive(Debug)]
pub struct RenderedPage {
    pub body: Encoded,
    pub content_type: &'static str,
}

impl RenderedPage {
    fn new(body: String, content_type: &'static str) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            body: Encoded::identity_only(body.into_bytes(), &hash, true),
            content_type,
        }
    }
}

pub const HTML: &str = "text/html; charset=utf-8";
const ATOM: &str = "application/atom+xml";

/// The loaded guide, its static files, and every public page already rendered.
///
/// Section pages hold their approved comments, so they are rendered again (with the home
/// page, which shows comment counts) whenever those comments change.
#[derive(Debug)]
pub struct Site {
    pub guide: Guide,
    /// Shared: the built-in files are prepared once per process, not on every reload.
    pub assets: Arc<Assets>,
    /// Keyed by request path (`/`, `/guide`, `/guide/risks`, `/feed.xml`, ...).
    pages: RwLock<HashMap<String, Arc<RenderedPage>>>,
    /// Approved comments per section slug, threaded.
    threads: RwLock<HashMap<String, Arc<Vec<PublicComment>>>>,
    /// Serialises "read comments, render, swap" so an older read never overwrites a newer one.
    refresh: tokio::sync::Mutex<()>,
    pub not_found: Arc<RenderedPage>,
}

impl Site {
    /// Renders every page. Fails only if a template fails, which is a bug, not bad content.
    pub fn render(
        guide: Guide,
        assets: impl Into<Arc<Assets>>,
        approved: &[Comment],
    ) -> anyhow::Result<Self> {
        let assets = assets.into();
        let threads: HashMap<String, Arc<Vec<PublicComment>>> =
            comments::threads_by_section(approved)
                .into_iter()
                .map(|(slug, list)| (slug, Arc::new(list)))
                .collect();
        let not_found = NotFoundPage::new(&guide, &assets)
            .render()
            .context("rendering the 404 page")?;
        let site = Self {
            pages: RwLock::new(HashMap::new()),
            threads: RwLock::new(threads),
            refresh: tokio::sync::Mutex::new(()),
            not_found: Arc::new(RenderedPage::new(not_found, HTML)),
            guide,
            assets,
        };
        let mut pages = HashMap::new();
        let mut put = |path: String, body: String, content_type: &'static str| {
            pages.insert(path, Arc::new(RenderedPage::new(body, content_type)));
        };
        let guide = &site.guide;
        put(paths::HOME.into(), site.render_home()?, HTML);
        put(
            paths::GUIDE.into(),
            GuidePage::new(guide, &site.assets)
                .render()
                .context("rendering /guide")?,
            HTML,
        );
        for section in &guide.sections {
            put(
                section.path(),
                site.render_section(&section.slug, &SectionExtras::default())?,
                HTML,
            );
            put(
                section_feed_path(&section.slug),
                site.render_section_feed(section)?,
                ATOM,
            );
        }
        put(
            paths::COMMENT_FEED.into(),
            site.render_comment_feed()?,
            ATOM,
        );
        for page in &guide.pages {
            put(
                page.path(),
                StandalonePage::new(guide, &site.assets, page)
                    .render()
                    .with_context(|| format!("rendering {}", page.path()))?,
                HTML,
            );
        }
        put(
            paths::SITEMAP.into(),
            SitemapXml { guide }.render()?,
            "application/xml",
        );
        put(paths::FEED.into(), FeedXml::new(guide).render()?, ATOM);
        put(
            paths::ROBOTS.into(),
            robots_txt(guide),
            "text/plain; charset=utf-8",
        );
        *site.pages.write().expect("page lock") = pages;
        Ok(site)
    }

    /// Adds gzip and brotli variants to every page that lacks them, on a blocking thread,
    /// swapping each page in as it is done. A page re-rendered meanwhile is left alone: the
    /// next call compresses the newer one.
    pub async fn compress_pages(self: &Arc<Self>) {
        let waiting: Vec<(String, Arc<RenderedPage>)> = self
            .pages
            .read()
            .expect("page lock")
            .iter()
            .filter(|(_, page)| page.body.needs_compression())
            .map(|(path, page)| (path.clone(), page.clone()))
            .collect();
        for (path, page) in waiting {
            let original = page.clone();
            let compressed = tokio::task::spawn_blocking(move || {
                original.body.compressed().map(|body| RenderedPage {
                    body,
                    content_type: original.content_type,
                })
            })
            .await;
            let Ok(Some(compressed)) = compressed else {
                continue;
            };
            let mut pages = self.pages.write().expect("page lock");
            if pages
                .get(&path)
                .is_some_and(|current| Arc::ptr_eq(current, &page))
            {
                pages.insert(path, Arc::new(compressed));
            }
        }
    }

    /// Starts [`Site::compress_pages`] in the background.
    pub fn compress_in_background(self: &Arc<Self>) {
        let site = self.clone();
        tokio::spawn(async move { site.compress_pages().await });
    }

    /// The pre-rendered page at `path`, if there is one.
    pub fn page(&self, path: &str) -> Option<Arc<RenderedPage>> {
        self.pages.read().expect("page lock").get(path).cloned()
    }

    /// Approved comments of a section, threaded.
    pub fn threads(&self, slug: &str) -> Arc<Vec<PublicComment>> {
        self.threads
            .read()
            .expect("thread lock")
            .get(slug)
            .cloned()
            .unwrap_or_default()
    }

    fn comment_counts(&self) -> HashMap<String, usize> {
        let threads = self.threads.read().expect("thread lock");
        threads
            .iter()
            .map(|(slug, list)| (slug.clone(), comments::count(list)))
            .collect()
    }

    fn render_home(&self) -> anyhow::Result<String> {
        let counts = self.comment_counts();
        HomePage::new(&self.guide, &self.assets, &counts)
            .render()
            .context("rendering the home page")
    }

    /// The newest approved comments of every section.
    fn render_comment_feed(&self) -> anyhow::Result<String> {
        let threads: Vec<_> = self
            .guide
            .sections
            .iter()
            .map(|section| (section, self.threads(&section.slug)))
            .collect();
        let borrowed: Vec<_> = threads
            .iter()
            .map(|(section, list)| (*section, list.as_slice()))
            .collect();
        CommentFeedXml::site(&self.guide, &borrowed)
            .render()
            .context("rendering the comment feed")
    }

    /// The newest approved comments of one section.
    fn render_section_feed(&self, section: &crate::content::Section) -> anyhow::Result<String> {
        let threads = self.threads(&section.slug);
        CommentFeedXml::section(&self.guide, section, &threads)
            .render()
            .with_context(|| format!("rendering the comment feed of {}", section.slug))
    }

    /// Renders a section page: the cached version with default extras, or a per-request
    /// version with a re-shown form, a reply target or the reader's own pending comment.
    pub fn render_section(&self, slug: &str, extras: &SectionExtras) -> anyhow::Result<String> {
        let index = self
            .guide
            .sections
            .iter()
            .position(|s| s.slug == slug)
            .with_context(|| format!("no section {slug}"))?;
        let threads = self.threads(slug);
        SectionPage::new(&self.guide, &self.assets, index, &threads, extras)
            .render()
            .with_context(|| format!("rendering /guide/{slug}"))
    }

    /// A draft section as moderators preview it; `None` if there is no such draft.
    pub fn render_draft(&self, slug: &str) -> Option<anyhow::Result<String>> {
        let section = self.guide.draft(slug)?;
        let extras = SectionExtras {
            draft_preview: true,
            ..SectionExtras::default()
        };
        Some(
            SectionPage::draft_preview(&self.guide, &self.assets, section, &extras)
                .render()
                .with_context(|| format!("rendering the draft {slug}")),
        )
    }

    /// Any page of the guide as an editor previews it: as readers see it now (or, for a
    /// draft section, as they would), with `banner` above it and the script that reloads
    /// it after a save. `None` when no page or draft has that path.
    pub fn render_preview(
        &self,
        path: &str,
        mut banner: PreviewBanner,
    ) -> Option<anyhow::Result<String>> {
        let guide = &self.guide;
        let with_banner = |meta: &mut PageMeta, banner: PreviewBanner| {
            meta.preview = Some(banner);
            meta.noindex = true;
        };
        let rendered = if path == paths::HOME {
            let counts = self.comment_counts();
            let mut view = HomePage::new(guide, &self.assets, &counts);
            with_banner(&mut view.layout.meta, banner);
            view.render()
        } else if path == paths::GUIDE {
            let mut view = GuidePage::new(guide, &self.assets);
            with_banner(&mut view.layout.meta, banner);
            view.render()
        } else if let Some(slug) = path.strip_prefix("/guide/") {
            let threads = self.threads(slug);
            let extras = SectionExtras::default();
            if let Some(index) = guide.sections.iter().position(|s| s.slug == slug) {
                let mut view = SectionPage::new(guide, &self.assets, index, &threads, &extras);
                with_banner(&mut view.layout.meta, banner);
                view.render()
            } else {
                let draft = guide.draft(slug)?;
                let extras = SectionExtras {
                    draft_preview: true,
                    ..SectionExtras::default()
                };
                banner.draft = true;
                let mut view = SectionPage::draft_preview(guide, &self.assets, draft, &extras);
                with_banner(&mut view.layout.meta, banner);
                view.render()
            }
        } else {
            let page = guide.pages.iter().find(|p| p.path() == path)?;
            let mut view = StandalonePage::new(guide, &self.assets, page);
            with_banner(&mut view.layout.meta, banner);
            view.render()
        };
        Some(rendered.with_context(|| format!("rendering the preview of {path}")))
    }

    /// Reads a section's approved comments again and re-renders its page and the home page.
    pub async fn refresh_comments(
        self: &Arc<Self>,
        store: &dyn CommentStore,
        slug: &str,
    ) -> anyhow::Result<()> {
        let _serialised = self.refresh.lock().await;
        let approved = store
            .approved(Some(slug))
            .await
            .context("reading approved comments")?;
        let list = comments::threads_by_section(&approved)
            .remove(slug)
            .unwrap_or_default();
        self.threads
            .write()
            .expect("thread lock")
            .insert(slug.to_owned(), Arc::new(list));
        let section = self.render_section(slug, &SectionExtras::default())?;
        let home = self.render_home()?;
        // The comment feeds follow the page.
        let section_feed = self
            .guide
            .section(slug)
            .map(|section| self.render_section_feed(section))
            .transpose()?;
        let site_feed = self.render_comment_feed()?;
        let mut pages = self.pages.write().expect("page lock");
        pages.insert(
            format!("/guide/{slug}"),
            Arc::new(RenderedPage::new(section, HTML)),
        );
        pages.insert(paths::HOME.into(), Arc::new(RenderedPage::new(home, HTML)));
        if let Some(feed) = section_feed {
            pages.insert(
                section_feed_path(slug),
                Arc::new(RenderedPage::new(feed, ATOM)),
            );
        }
        pages.insert(
            paths::COMMENT_FEED.into(),
            Arc::new(RenderedPage::new(site_feed, ATOM)),
        );
        drop(pages);
        self.compress_in_background();
        Ok(())
    }

    /// Renders the page of a link in a reader's email.
    pub fn render_notice(&self, notice: &ReaderNotice) -> askama::Result<String> {
        NoticePage::new(&self.guide, &self.assets, notice).render()
    }

    /// Renders the search page for a query (search results differ per request).
    pub fn render_search(
        &self,
        query: &SearchQuery,
        results: &SearchResults,
    ) -> askama::Result<String> {
        SearchPage::new(&self.guide, &self.assets, query, results).render()
    }
}

fn robots_txt(guide: &Guide) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /search\n\nSitemap: {}/sitemap.xml\n",
        guide.site.base_url
    )
}
