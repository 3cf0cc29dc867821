//! Application wiring: state, router, binding, serving and graceful shutdown.
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::assets::Assets;
use crate::comments::{self, CommentStore, FloodControl, PreviewSigner, SpamRules, Store};
use crate::config::Config;
use crate::content::{self, Problem};
use crate::pages::Site;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The live guide; swapped whole when content reloads.
    pub sites: Arc<SiteHandle>,
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub comments: Arc<CommentServices>,
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

/// What the comment handlers need besides the store.
pub struct CommentServices {
    pub flood: FloodControl,
    pub spam: SpamRules,
    pub preview: PreviewSigner,
    /// Salt for client-address hashes.
    pub client_salt: Vec<u8>,
    pub notifier: crate::notify::Notifier,
}

/// The current site, and the content problems of the last failed reload.
pub struct SiteHandle {
    current: RwLock<Arc<Site>>,
    problems: RwLock<Vec<Problem>>,
}

impl SiteHandle {
    /// Must be called inside the Tokio runtime: compression starts in the background.
    pub fn new(site: Site) -> Self {
        let site = Arc::new(site);
        site.compress_in_background();
        Self {
            current: RwLock::new(site),
            problems: RwLock::new(Vec::new()),
        }
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
    }

    /// Problems that keep the last edit from going live (shown to moderators).
    pub fn problems(&self) -> Vec<Problem> {
        self.problems.read().expect("problem lock").clone()
    }

    pub fn set_problems(&self, problems: Vec<Problem>) {
        *self.problems.write().expect("problem lock") = problems;
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
        let guide = content::load(&content_dir, &assets).map_err(LoadError::Content)?;
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

/// The router with every route and layer, ready to serve.
pub fn build_app(state: AppState) -> Router {
    crate::http::router(state)
}

/// A bound, ready-to-run server. Binding happens in `build` so the real port is known
/// before serving starts (tests bind to port 0).
pub struct Application {
    listener: TcpListener,
    router: Router,
    config: Arc<Config>,
    state: AppState,
    watch: crate::reload::Watch,
    _server_lock: Option<comments::ServerLock>,
}

impl Application {
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        // Bound first, so that the real port is known to pages that need a base URL.
        let listener = TcpListener::bind(config.addr).await.with_context(|| {
            format!(
                "cannot listen on {} (set it with --addr HOST:PORT)",
                config.addr
            )
        })?;
        config.listen_url = Some(crate::config::listen_url(listener.local_addr()?));
        // A running server holds this lock so that `db restore` cannot pull the file away.
        let server_lock = match comments::database_path(&config.database) {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!(
                            "cannot create the database folder {} (set the database with --database URL)",
                            dir.display()
                        )
                    })?;
                }
                Some(comments::ServerLock::acquire(&path)?)
            }
            None => None,
        };
        let store = comments::open_store(&config.database).await?;
        tracing::info!(
            database = %comments::shown_database_url(&config.database),
            "database ready"
        );
        let site = load_site(&config, store.as_ref()).await?;
        log_base_url(&config, &site.guide.site.base_url);
        if let Some(dir) = &config.static_dir {
            tracing::info!("static files from {} (reloaded on change)", dir.display());
        }
        let services = CommentServices {
            flood: FloodControl::new(&config.comments),
            spam: SpamRules::new(&config.comments),
            preview: PreviewSigner::new(
                store
                    .secret("preview-link-key")
                    .await
                    .context("reading secrets")?,
            ),
            client_salt: store
                .secret("client-hash-salt")
                .await
                .context("reading secrets")?,
            notifier: match config.notify.clone() {
                Some(settings) => {
                    let admin_url = format!("{}/admin", site.guide.site.base_url);
                    crate::notify::Notifier::start(settings, admin_url)
                        .context("starting moderator notifications")?
                }
                None => crate::notify::Notifier::disabled(),
            },
        };
        tracing::info!(
            sections = site.guide.sections.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "content loaded"
        );
        let config = Arc::new(config);
        let state = AppState {
            sites: Arc::new(SiteHandle::new(site)),
            config: config.clone(),
            store,
            comments: Arc::new(services),
        };
        Ok(Self {
            listener,
            router: build_app(state.clone()),
            watch: crate::reload::Watch::start(&state),
            _server_lock: server_lock,
            config,
            state,
        })
    }

    /// The address actually bound (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state, for tests and embedding (for example to refresh pages).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for at most
    /// the configured grace period.
    pub async fn run_until_stopped(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!("listening on http://{}", self.local_addr());
        let background = tokio::spawn(crate::maintenance::run(self.state.clone()));
        let reloading = tokio::spawn(self.watch.run(self.state.clone()));
        let config = self.config.clone();
        crate::server::serve(
            self.listener,
            self.router,
            &config.limits,
            config.shutdown_grace,
            shutdown,
        )
        .await;
        background.abort();
        reloading.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

/// Says where canonical links, feeds and the sitemap point, and why.
fn log_base_url(config: &Config, base_url: &str) {
    if config.base_url.is_some() {
        tracing::info!("base URL {base_url} (from the configuration)");
    } else if config.listen_url.as_deref() == Some(base_url) {
        tracing::info!(
            "no base URL configured: links, feeds and the sitemap use the listen address \
             {base_url} (set the public address with --base-url URL or base_url in site.toml)"
        );
    } else {
        tracing::info!("base URL {base_url} (from site.toml)");
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
