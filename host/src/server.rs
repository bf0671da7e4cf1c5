//! `wasmdesk serve`: configuration, the first admin token, and serving until told to stop.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::Deserialize;

use crate::domain::token::TokenRole;
use crate::http::connections::{self, ConnectionLimits};
use crate::http::{HttpLimits, HttpOptions, app_with};
use crate::plugins::{Runtime, RuntimeConfig};
use crate::rules::Rules;
use crate::store::Store;

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE: &str = "sqlite://wasmdesk.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Read when present; `--config` names another file.
pub const DEFAULT_CONFIG_FILE: &str = "wasmdesk.toml";

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `wasmdesk.toml`: every key optional; the command line and environment win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database: Option<String>,
    pub listen: Option<String>,
    pub log_format: Option<LogFormat>,
    pub max_body_bytes: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub plugin_cache_dir: Option<PathBuf>,
    /// Ticket writes in a row on which a plugin fails before it is disabled.
    pub plugin_failure_limit: Option<u32>,
    /// How clients reach the server, for the links it writes.
    pub public_url: Option<String>,
    /// Serve `/metrics` without a token even when not bound to loopback.
    pub metrics_public: Option<bool>,
    /// Origins browsers may call the API from (CORS); none by default.
    pub cors_allowed_origins: Option<Vec<String>>,
    /// Seconds a connection gets to send a request head (new or idle keep-alive).
    pub header_read_timeout_secs: Option<u64>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Requests a minute per API token (429 with Retry-After beyond); no limit when unset.
    pub rate_limit_per_minute: Option<u32>,
    /// Requests a minute each client address may make to the portal (30 when unset).
    pub portal_rate_limit_per_minute: Option<u32>,
    /// Take mail in over SMTP on this address; off when unset.
    pub smtp_listen: Option<String>,
    /// The support addresses the SMTP listener accepts mail for.
    pub smtp_addresses: Option<Vec<String>>,
    /// Largest message the SMTP listener accepts, in bytes.
    pub smtp_max_message_bytes: Option<usize>,
    /// The name in the SMTP greeting.
    pub smtp_hostname: Option<String>,
    /// The SMTP relay agent notifications are sent through (`smtp://host:587`); none: they wait
    /// queued until one is configured.
    pub smtp_relay: Option<String>,
    /// The sender address agent notifications carry.
    pub notification_from: Option<String>,
    /// Seconds a replica's claim on an outbox row (a webhook delivery, an agent email) lasts:
    /// after it, another replica may send the row of a replica that died mid-send.
    pub outbox_lease_secs: Option<u64>,
}

impl FileConfig {
    /// Reads `path`; a missing default file is an empty configuration, a missing named one an error.
    pub fn read(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, named) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !named => {
                return Ok(FileConfig::default());
            }
            Err(error) => {
                return Err(error).with_context(|| format!("reading {}", path.display()));
            }
        };
        toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
    }
}

/// What `serve` runs with, once flags, environment, file and defaults are merged.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database: String,
    pub listen: SocketAddr,
    /// The base of the links the API writes.
    pub public_url: String,
    pub metrics_public: bool,
    pub cors_allowed_origins: Vec<String>,
    pub rate_limit_per_minute: Option<u32>,
    pub portal_rate_limit_per_minute: u32,
    pub connections: ConnectionLimits,
    pub log_format: LogFormat,
    pub limits: HttpLimits,
    /// `WASMDESK_ADMIN_TOKEN`: the first admin token's secret, instead of a generated one.
    pub admin_token: Option<String>,
    /// Where compiled plugins are kept across restarts.
    pub plugin_cache_dir: PathBuf,
    /// Ticket writes in a row on which a plugin fails before the engine disables it.
    pub plugin_failure_limit: u32,
    /// The SMTP listener's address and configuration, when it is on.
    pub smtp: Option<(SocketAddr, crate::intake::smtp::SmtpConfig)>,
    /// Where agent notifications are sent, when configured.
    pub mail_relay: Option<crate::outbox::MailRelay>,
    /// How the outbox workers pace themselves.
    pub deliveries: crate::outbox::DeliveryConfig,
}

/// How often a replica checks for plugin changes made through another one.
const PLUGIN_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Compiled plugins are cached here unless configured otherwise.
pub const DEFAULT_PLUGIN_CACHE_DIR: &str = "wasmdesk-cache";

/// Starts tracing: `RUST_LOG` filters (default `info`), text or JSON lines on stderr.
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Serves the API until SIGINT or SIGTERM, then stops accepting, finishes the requests in
/// flight and returns.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let store = Store::connect(&config.database)
        .await
        .with_context(|| format!("opening the database {}", redact(&config.database)))?;
    ensure_admin_token(&store, config.admin_token.as_deref()).await?;
    let runtime_config = RuntimeConfig {
        cache_dir: Some(config.plugin_cache_dir.clone()),
        ..RuntimeConfig::default()
    };
    let runtime = Arc::new(Runtime::new(runtime_config)?);
    let mut rules = Rules::open(&store, runtime)
        .await
        .context("loading the installed plugins")?;
    rules.set_failure_limit(config.plugin_failure_limit);
    // Other replicas on the same database change plugins too: follow them.
    let following = rules.follow(store.clone(), PLUGIN_CHECK_EVERY);
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = %redact(&config.database),
        "wasmdesk is serving"
    );
    let smtp = match &config.smtp {
        Some((address, smtp)) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("listening for SMTP on {address}"))?;
            tracing::info!(%address, accepts = ?smtp.addresses, "taking mail in over SMTP");
            Some(tokio::spawn(crate::intake::smtp::serve_smtp(
                listener,
                smtp.clone(),
                store.clone(),
                rules.clone(),
            )))
        }
        None => None,
    };
    let options = HttpOptions {
        limits: config.limits,
        public_url: config.public_url.clone(),
        open_metrics: config.metrics_public,
        cors_origins: config.cors_allowed_origins.clone(),
        rate_limit_per_minute: config.rate_limit_per_minute,
        portal_rate_limit_per_minute: config.portal_rate_limit_per_minute,
        deliveries: config.deliveries,
        mail_relay: config.mail_relay.clone(),
    };
    connections::serve(
        listener,
        app_with(store.clone(), rules, options),
        config.connections,
        shutdown,
    )
    .await;
    if let Some(smtp) = smtp {
        smtp.abort();
    }
    following.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// On an empty database, creates the first admin token and prints its secret once.
async fn ensure_admin_token(store: &Store, chosen: Option<&str>) -> anyhow::Result<()> {
    if store.has_admin_token().await? {
        return Ok(());
    }
    let (_, secret) = store
        .create_token("initial admin", TokenRole::Admin, chosen)
        .await
        .context("creating the first admin token")?;
    if chosen.is_none() {
        println!("Admin API token (shown once; store it now): {secret}");
    } else {
        tracing::info!("created the first admin token from WASMDESK_ADMIN_TOKEN");
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are registered when this is called, not when
/// it is first awaited: called before the port opens, so a signal that arrives as soon as
/// clients can connect still shuts down gracefully instead of killing the process.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).context("handling SIGINT")?,
            signal(SignalKind::terminate()).context("handling SIGTERM")?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
