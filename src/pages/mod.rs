//! Every public page, rendered once when content loads and kept as bytes in memory.
//! Requests for these pages do no templating at all; see `http::pages`.
mod json_ld;
mod views;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use askama::Template;
use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::assets::Assets;
use crate::content::{Guide, SearchHit};
pub use views::PageMeta;
use views::{FeedXml, GuidePage, HomePage, NotFoundPage, SearchPage, SectionPage, SitemapXml};

/// A response body rendered ahead of time, with its strong ETag.
#[derive(Debug)]
pub struct RenderedPage {
    pub body: Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

impl RenderedPage {
    fn new(body: String, content_type: &'static str) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Self {
            body: Bytes::from(body),
            content_type,
            etag,
        }
    }
}

pub const HTML: &str = "text/html; charset=utf-8";

/// The loaded guide, its static files, and every public page already rendered.
#[derive(Debug)]
pub struct Site {
    pub guide: Guide,
    pub assets: Assets,
    /// Keyed by request path (`/`, `/guide`, `/guide/risks`, `/feed.xml`, ...).
    pages: HashMap<String, Arc<RenderedPage>>,
    pub not_found: Arc<RenderedPage>,
}

impl Site {
    /// Renders every page. Fails only if a template fails, which is a bug, not bad content.
    pub fn render(guide: Guide, assets: Assets) -> anyhow::Result<Self> {
        let mut pages = HashMap::new();
        let mut put = |path: String, body: String, content_type: &'static str| {
            pages.insert(path, Arc::new(RenderedPage::new(body, content_type)));
        };
        put(
            "/".into(),
            HomePage::new(&guide, &assets)
                .render()
                .context("rendering the home page")?,
            HTML,
        );
        put(
            "/guide".into(),
            GuidePage::new(&guide, &assets)
                .render()
                .context("rendering /guide")?,
            HTML,
        );
        for (index, section) in guide.sections.iter().enumerate() {
            let html = SectionPage::new(&guide, &assets, index)
                .render()
                .with_context(|| format!("rendering {}", section.path()))?;
            put(section.path(), html, HTML);
        }
        put(
            "/sitemap.xml".into(),
            SitemapXml { guide: &guide }.render()?,
            "application/xml",
        );
        put(
            "/feed.xml".into(),
            FeedXml::new(&guide).render()?,
            "application/atom+xml",
        );
        put(
            "/robots.txt".into(),
            robots_txt(&guide),
            "text/plain; charset=utf-8",
        );
        let not_found = NotFoundPage::new(&guide, &assets)
            .render()
            .context("rendering the 404 page")?;
        Ok(Self {
            pages,
            not_found: Arc::new(RenderedPage::new(not_found, HTML)),
            guide,
            assets,
        })
    }

    /// The pre-rendered page at `path`, if there is one.
    pub fn page(&self, path: &str) -> Option<&Arc<RenderedPage>> {
        self.pages.get(path)
    }

    /// Renders the search page for a query (search results differ per request).
    pub fn render_search(&self, query: &str, hits: &[SearchHit]) -> askama::Result<String> {
        SearchPage::new(&self.guide, &self.assets, query, hits).render()
    }
}

fn robots_txt(guide: &Guide) -> String {
    format!(
        "User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /search\n\nSitemap: {}/sitemap.xml\n",
        guide.site.base_url
    )
}
