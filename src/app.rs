//! Application wiring: state, router, binding, serving and graceful shutdown.
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::accounts::PasswordChecks;
use crate::client_key::ClientKey;
use crate::comments::{CommentServices, FloodControl, PreviewSigner, SpamRules};
use crate::config::Config;
use crate::site::{SiteHandle, load_site};
use crate::state::AppState;
use crate::store;
use crate::{admin, http, web};

/// Every route with its layers, ready to serve. The access log is outermost, so that every
/// response (errors included) is logged once, then the site's fixed headers.
///
/// Plain GET and HEAD requests for pages served from memory never get here: the server
/// hands them to [`http::FromMemory`] first. What does get here gets a body limit, a
/// timeout, the site's error pages and per-request compression.
///
/// The layers are one stack, given to the router in one `layer` call: each call wraps every
/// route in one more boxed service, which is cloned and boxed again on every request (as
/// eight calls, they cost 66 allocations a request on `/search`, against 8 now;
/// docs/PERFORMANCE.md, "Fewer instructions per search").
pub fn build_app(state: AppState) -> Router {
    let fixed = web::FixedHeaders::new(state.config.hsts_max_age_secs);
    let layers = tower::ServiceBuilder::new()
        .layer(web::AccessLogLayer)
        .layer(web::SecurityHeadersLayer(fixed))
        .layer(axum::middleware::from_fn(web::request_span))
        .layer(compression())
        .map_response(IntoResponse::into_response)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::render_error_pages,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(web::MAX_BODY_BYTES))
        .map_request(|request: Request<_>| request.map(Body::new))
        .layer(DefaultBodyLimit::max(web::MAX_BODY_BYTES));
    http::cached_routes()
        .merge(http::routes())
        .merge(admin::router())
        .fallback(http::not_found)
        .layer(layers)
        .with_state(state)
}

/// Per-request compression, for what was not compressed ahead of time (search results,
/// re-rendered forms, admin pages, the 404 page) and is worth it.
fn compression() -> CompressionLayer<impl Predicate> {
    let not_precompressed = |_: StatusCode,
                             _: axum::http::Version,
                             _: &axum::http::HeaderMap,
                             extensions: &axum::http::Extensions| {
        extensions.get::<web::Precompressed>().is_none()
    };
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(DefaultPredicate::new().and(not_precompressed))
}

/// The client key (kept outside the database): the configured file, which must exist, or
/// with SQLite a file beside the database, created on first start.
fn load_client_key(config: &Config) -> anyhow::Result<ClientKey> {
    if let Some(path) = &config.comments.client_hash_key_file {
        return ClientKey::load(path, false);
    }
    match store::database_path(&config.database) {
        Some(database) => ClientKey::load(&crate::client_key::default_path(&database), true),
        None => anyhow::bail!(
            "set `client_hash_key_file` in the [comments] table of the config file: with \
             PostgreSQL the client key lives outside the database, and every instance must \
             read the same key (create one with `openssl rand -hex 32 > FILE`; see \
             docs/SECURITY.md)"
        ),
    }
}

/// A bound, ready-to-run server. Binding happens in `build` so the real port is known
/// before serving starts (tests bind to port 0).
pub struct Application {
    listeners: crate::server::Listeners,
    router: Router,
    config: Arc<Config>,
    state: AppState,
    watch: crate::reload::Watch,
    /// Where `/metrics` is served, when `metrics_addr` is set.
    metrics_listener: Option<tokio::net::TcpListener>,
    _server_lock: Option<store::ServerLock>,
}

impl Application {
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        // Bound first, so that the real port is known to pages that need a base URL.
        let listeners =
            crate::server::Listeners::bind(config.addr, config.workers).with_context(|| {
                format!(
                    "cannot listen on {} (set it with --addr HOST:PORT)",
                    config.addr
                )
            })?;
        config.listen_url = Some(crate::config::listen_url(listeners.local_addr()?));
        let metrics_listener = match config.metrics_addr {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                    format!("cannot serve metrics on {addr} (set it with --metrics-addr HOST:PORT)")
                })?;
                crate::metrics::install();
                Some(listener)
            }
            None => None,
        };
        // A running server holds this lock so that `db restore` cannot pull the file away.
        let server_lock = match store::database_path(&config.database) {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!(
                            "cannot create the database folder {} (set the database with --database URL)",
                            dir.display()
                        )
                    })?;
                }
                Some(store::ServerLock::acquire(&path)?)
            }
            None => None,
        };
        // Settings first: a missing key file is reported before any connection is tried.
        let client_key = load_client_key(&config)?;
        let store = store::open_store(&config.database).await?;
        tracing::info!(
            database = %store::shown_database_url(&config.database),
            "database ready"
        );
        let site = load_site(&config, store.as_ref()).await?;
        log_base_url(&config, &site.guide.site.base_url);
        if let Some(dir) = &config.static_dir {
            tracing::info!("static files from {} (reloaded on change)", dir.display());
        }
        // A server may start on a read-only database made before email links existed (it
        // answers readers and refuses writes): then links are signed with a key of this
        // process only, which is harmless, since nothing can be moderated meanwhile.
        let email_key = match store.secret("email-action-key").await {
            Ok(key) => key,
            Err(store::StoreError::Unavailable(cause)) => {
                tracing::warn!("email action links use a key of this process only: {cause}");
                let mut key = vec![0u8; 32];
                getrandom::fill(&mut key).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
                key
            }
            Err(err) => return Err(anyhow::Error::new(err).context("reading secrets")),
        };
        let email_links = crate::notify::EmailLinks::new(email_key);
        let sites = Arc::new(SiteHandle::new(site));
        let site = sites.current();
        let services = CommentServices {
            flood: FloodControl::new(&config.comments),
            spam: SpamRules::new(&config.comments),
            preview: PreviewSigner::new(
                store
                    .secret("preview-link-key")
                    .await
                    .context("reading secrets")?,
            ),
            client_key: client_key.clone(),
            notifier: match config.notify.clone() {
                Some(settings) => crate::notify::Notifier::start(
                    settings,
                    site.guide.site.base_url.clone(),
                    email_links.clone(),
                    store.clone(),
                    sites.clone(),
                )
                .context("starting moderator notifications")?,
                None => crate::notify::Notifier::disabled(),
            },
            trust_returning: config.comments.trust_returning,
        };
        log_reader_mail(&services.notifier, site.guide.site.reader_mail);
        tracing::info!(
            sections = site.guide.sections.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "content loaded"
        );
        let config = Arc::new(config);
        let state = AppState {
            sites,
            config: config.clone(),
            store,
            comments: Arc::new(services),
            password_checks: PasswordChecks::new(config.accounts.password_checks),
            email_links,
        };
        Ok(Self {
            listeners,
            router: build_app(state.clone()),
            watch: crate::reload::Watch::start(&state),
            metrics_listener,
            _server_lock: server_lock,
            config,
            state,
        })
    }

    /// The address actually bound (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listeners
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

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
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
        let metrics = self.metrics_listener.map(|listener| {
            tracing::info!(
                "metrics on http://{}/metrics",
                listener
                    .local_addr()
                    .expect("a bound listener has an address")
            );
            let router = http::metrics_router(self.state.clone());
            // Scrapes are short: this server simply stops with the process.
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let config = self.config.clone();
        // Editors' preview streams never end by themselves: end them when shutting down,
        // so that they do not hold the grace period.
        let sites = self.state.sites.clone();
        let shutdown = async move {
            shutdown.await;
            sites.close();
        };
        let desk = http::FromMemory::new(
            self.state.clone(),
            web::FixedHeaders::new(config.hsts_max_age_secs),
        );
        let served = crate::server::serve(
            self.listeners,
            self.router,
            Arc::new(desk),
            &config.limits,
            &config.comments.trusted_proxies,
            config.shutdown_grace,
            shutdown,
        )
        .await;
        background.abort();
        reloading.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        served?;
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

/// Says whether readers can ask for email about their comments, and if not, why not.
fn log_reader_mail(notifier: &crate::notify::Notifier, offered: bool) {
    if offered {
        tracing::info!("readers can ask for email about their comments");
    } else if notifier.reader_mail() {
        tracing::warn!(
            "readers' email is off: it needs the site's public address for its links (set \
             --base-url URL or base_url in site.toml)"
        );
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
