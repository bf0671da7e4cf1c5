//! The `wasmdesk` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use serde::Serialize;

use crate::domain::token::TokenRole;
use crate::domain::{Action, Event, EventKind, PluginInfo, PluginPatch};
use crate::http::HttpLimits;
use crate::http::connections::ConnectionLimits;
use crate::plugins::{
    CompiledPlugin, Evaluation, Installation, LogLine, Origin, Outcome, PluginError, Runtime,
    RuntimeConfig, bundled,
};
use crate::rules::{InstalledPlugin, Rules};
use crate::server::{
    DEFAULT_DATABASE, DEFAULT_LISTEN, DEFAULT_PLUGIN_CACHE_DIR, FileConfig, LogFormat, ServeConfig,
    init_logging, serve,
};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "wasmdesk",
    version,
    about = "A helpdesk core whose business rules are WebAssembly plugins"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (SQLite file ./wasmdesk.db on 127.0.0.1:8080 unless told otherwise).
    Serve(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with plugin components locally.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

/// Flags win over the environment, which wins over `wasmdesk.toml`, which wins over defaults.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB` [default: sqlite://wasmdesk.db]
    #[arg(long, env = "WASMDESK_DATABASE_URL")]
    pub database: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "WASMDESK_LISTEN")]
    pub listen: Option<String>,
    /// A configuration file [default: ./wasmdesk.toml when present]
    #[arg(long, env = "WASMDESK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log lines as text or JSON (RUST_LOG filters them) [default: text]
    #[arg(long, env = "WASMDESK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// The first admin token's secret on an empty database, instead of a generated one.
    #[arg(long, env = "WASMDESK_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// How clients reach this server, for the links it writes (`next_page`), e.g.
    /// https://desk.example.com [default: http://LISTEN]
    #[arg(long, env = "WASMDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Also take mail in over SMTP on this address, e.g. 127.0.0.1:2525 [default: off]
    #[arg(long, env = "WASMDESK_SMTP_LISTEN")]
    pub smtp_listen: Option<String>,
    /// A support address the SMTP listener accepts mail for (repeat for several); mail for any
    /// other address is refused [default: smtp_addresses in wasmdesk.toml]
    #[arg(long = "smtp-address")]
    pub smtp_addresses: Vec<String>,
    /// Send agent notifications through this SMTP relay, e.g. smtp://relay.example.com:587
    /// [default: smtp_relay in wasmdesk.toml; none: notifications wait queued]
    #[arg(long, env = "WASMDESK_SMTP_RELAY", hide_env_values = true)]
    pub smtp_relay: Option<String>,
    /// The sender of agent notifications, e.g. "Help desk <desk@example.com>"
    /// [default: notification_from in wasmdesk.toml, else the first --smtp-address]
    #[arg(long, env = "WASMDESK_NOTIFICATION_FROM")]
    pub notification_from: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print its secret (shown only now).
    Create {
        #[arg(long, value_parser = parse_role)]
        role: TokenRole,
        #[arg(long)]
        name: String,
        /// The email of the agent or admin the token belongs to; Zendesk clients need it
        /// (Basic authentication as `{email}/token`)
        #[arg(long)]
        owner: Option<String>,
        /// The database the server uses [default: sqlite://wasmdesk.db]
        #[arg(long, env = "WASMDESK_DATABASE_URL")]
        database: Option<String>,
    },
}

fn parse_role(input: &str) -> Result<TokenRole, String> {
    input
        .parse()
        .map_err(|e: crate::domain::UnknownName| e.to_string())
}

fn serve_config(args: ServeArgs) -> anyhow::Result<ServeConfig> {
    let file = FileConfig::read(args.config.as_deref())?;
    let smtp = smtp_config(&args.smtp_listen, &args.smtp_addresses, &file)?;
    let mail_relay = mail_relay(&args, &file, smtp.as_ref().map(|(_, smtp)| smtp))?;
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let defaults = HttpLimits::default();
    let connection_defaults = ConnectionLimits::default();
    let listen: std::net::SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen {listen:?} is not an address like 127.0.0.1:8080"))?;
    let public_url = args
        .public_url
        .or(file.public_url)
        .unwrap_or_else(|| format!("http://{listen}"));
    let parsed = url::Url::parse(&public_url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    anyhow::ensure!(
        parsed.is_some(),
        "--public-url {public_url:?} is not an http(s) URL like https://desk.example.com"
    );
    anyhow::ensure!(
        file.rate_limit_per_minute != Some(0),
        "rate_limit_per_minute must be at least 1; leave it out for no limit"
    );
    anyhow::ensure!(
        file.portal_rate_limit_per_minute != Some(0),
        "portal_rate_limit_per_minute must be at least 1 (the default is {})",
        crate::http::DEFAULT_PORTAL_RATE_LIMIT_PER_MINUTE
    );
    let send_timeout = crate::outbox::DeliveryConfig::default().timeout.as_secs();
    anyhow::ensure!(
        file.outbox_lease_secs
            .is_none_or(|lease| lease > send_timeout),
        "outbox_lease_secs must be more than the {send_timeout} s one send may take, or another \
         replica could send a row while a slow receiver still holds it (the default is {})",
        crate::outbox::DeliveryConfig::default().lease.as_secs()
    );
    let deliveries = crate::outbox::DeliveryConfig {
        lease: file
            .outbox_lease_secs
            .map(std::time::Duration::from_secs)
            .unwrap_or(crate::outbox::DeliveryConfig::default().lease),
        ..crate::outbox::DeliveryConfig::default()
    };
    Ok(ServeConfig {
        smtp,
        mail_relay,
        deliveries,
        database: args
            .database
            .or(file.database)
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string()),
        listen,
        public_url,
        // It names plugins and counts their failures: open only on loopback unless allowed.
        metrics_public: file.metrics_public.unwrap_or(listen.ip().is_loopback()),
        cors_allowed_origins: file.cors_allowed_origins.unwrap_or_default(),
        rate_limit_per_minute: file.rate_limit_per_minute,
        portal_rate_limit_per_minute: file
            .portal_rate_limit_per_minute
            .unwrap_or(crate::http::DEFAULT_PORTAL_RATE_LIMIT_PER_MINUTE),
        connections: ConnectionLimits {
            header_read_timeout: file
                .header_read_timeout_secs
                .map(std::time::Duration::from_secs)
                .unwrap_or(connection_defaults.header_read_timeout),
            max_connections: file
                .max_connections
                .unwrap_or(connection_defaults.max_connections),
        },
        log_format: args
            .log_format
            .or(file.log_format)
            .unwrap_or(LogFormat::Text),
        limits: HttpLimits {
            body_bytes: file.max_body_bytes.unwrap_or(defaults.body_bytes),
            request_timeout: file
                .request_timeout_secs
                .map(std::time::Duration::from_secs)
                .unwrap_or(defaults.request_timeout),
        },
        admin_token: args.admin_token,
        plugin_failure_limit: file
            .plugin_failure_limit
            .unwrap_or(crate::rules::Rules::DEFAULT_FAILURE_LIMIT),
        plugin_cache_dir: file
            .plugin_cache_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_PLUGIN_CACHE_DIR)),
    })
}

/// Refuses `--config` values the server would refuse (`PUT /api/v2/plugins/{id}/config`): keys
/// the plugin does not declare, values not of their key's kind.
fn check_config(info: &PluginInfo, config: &[(String, String)]) -> anyhow::Result<()> {
    let patch = PluginPatch {
        config: Some(config.iter().cloned().collect()),
        ..PluginPatch::default()
    };
    let problems = patch.problems(info);
    anyhow::ensure!(problems.is_empty(), "--config refused: {problems}");
    Ok(())
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print what a plugin describes about itself (triggers, fields, configuration) as JSON.
    Inspect {
        /// A component file (e.g. target/wasm32-wasip2/release/my_plugin.wasm) or the name of a
        /// bundled plugin (e.g. retail-vip).
        plugin: String,
    },
    /// Run every trigger of a plugin on an event, or dry-run it on a stored ticket, and print
    /// what each trigger would do, as JSON. Writes nothing.
    Run {
        /// A component file, the name of a bundled plugin, or (with --ticket) the name of a
        /// plugin installed in the database (run with its stored configuration and grants).
        plugin: String,
        /// The event, as JSON (see "Event JSON" in the README).
        #[arg(long, required_unless_present = "ticket", conflicts_with = "ticket")]
        event: Option<PathBuf>,
        /// A stored ticket to dry-run the plugin on, as if it had just arrived: the trigger
        /// cycle runs against the database's records and reports what it would change.
        #[arg(long)]
        ticket: Option<i64>,
        /// The database holding --ticket, as `serve` takes it (default: sqlite://wasmdesk.db).
        /// It must exist; it is opened read-only and never migrated.
        #[arg(long, env = "WASMDESK_DATABASE_URL")]
        database: Option<String>,
        /// A configuration value, `key=value`; repeat for more.
        #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
        config: Vec<(String, String)>,
        /// An origin the plugin may reach with http-get, e.g. `https://api.example.com`.
        #[arg(long = "allow-host", value_name = "ORIGIN")]
        allow_hosts: Vec<Origin>,
    },
}

fn parse_key_value(input: &str) -> Result<(String, String), String> {
    let (key, value) = input
        .split_once('=')
        .ok_or_else(|| format!("{input:?} is not KEY=VALUE"))?;
    Ok((key.trim().to_string(), value.to_string()))
}

/// Runs a parsed command line; the exit code says whether it succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let config = serve_config(args)?;
            init_logging(config.log_format);
            tokio_runtime()?.block_on(serve(config))?;
        }
        Command::Token(TokenCommand::Create {
            role,
            name,
            owner,
            database,
        }) => {
            let database = database.unwrap_or_else(|| DEFAULT_DATABASE.to_string());
            let secret = tokio_runtime()?.block_on(async {
                let store = Store::connect(&database).await?;
                let owner_id = match &owner {
                    Some(email) => Some(
                        store
                            .user_by_email(email)
                            .await?
                            .ok_or_else(|| {
                                anyhow::anyhow!(
                                    "--owner {email}: no user has this email in {database}; \
                                     create the agent first (POST /api/v2/users with role agent)"
                                )
                            })?
                            .id,
                    ),
                    None => None,
                };
                let (_, secret) = store
                    .create_owned_token(&name, role, owner_id, None)
                    .await?;
                store.close().await;
                anyhow::Ok(secret)
            })?;
            print_line(&secret)?;
        }
        Command::Plugin(PluginCommand::Inspect { plugin }) => {
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &plugin)?;
            let report = InspectReport {
                content_hash: plugin.content_hash(),
                info: plugin.info(),
            };
            print_json(&report)?;
        }
        Command::Plugin(PluginCommand::Run {
            plugin,
            event: None,
            ticket: Some(ticket),
            database,
            config,
            allow_hosts,
        }) => {
            let database = database.unwrap_or_else(|| DEFAULT_DATABASE.to_string());
            let report = tokio_runtime()?.block_on(async {
                // The server's database as it is: never created, migrated or written.
                let store = Store::open_existing(&database)
                    .await
                    .with_context(|| format!("opening the database {database}"))?;
                let runtime = Arc::new(Runtime::new(RuntimeConfig::default())?);
                let rules = Rules::load(&store, runtime.clone()).await?;
                let installed = rules.plugins().into_iter().find(|p| p.name() == plugin);
                let plugin = match installed {
                    Some(installed) if !Path::new(&plugin).exists() => installed,
                    _ => {
                        let compiled = load(&runtime, &plugin)?;
                        check_config(compiled.info(), &config)?;
                        let installation = Installation::new(compiled.info(), config, allow_hosts);
                        Arc::new(InstalledPlugin::new(0, compiled, installation, true))
                    }
                };
                let report = rules
                    .dry_run_ticket(&store, &plugin, ticket, EventKind::Created)
                    .await
                    .with_context(|| format!("dry-running on ticket {ticket} in {database}"))?;
                store.close().await;
                anyhow::Ok(report)
            })?;
            print_json(&report)?;
        }
        Command::Plugin(PluginCommand::Run {
            plugin,
            event,
            config,
            allow_hosts,
            ..
        }) => {
            let event = event.context("give --event FILE or --ticket ID")?;
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &plugin)?;
            let text = std::fs::read_to_string(&event)
                .with_context(|| format!("reading {}", event.display()))?;
            let event: Event = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid event", event.display()))?;
            check_config(plugin.info(), &config)?;
            let installation = Installation::new(plugin.info(), config, allow_hosts);
            let results: Vec<_> = plugin
                .info()
                .triggers
                .iter()
                .filter(|trigger| trigger.events.contains(&event.kind))
                .map(|trigger| {
                    let evaluation = runtime.evaluate(&plugin, &installation, &trigger.key, &event);
                    TriggerReport::new(&trigger.key, evaluation)
                })
                .collect();
            print_json(&results)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct InspectReport<'a> {
    content_hash: &'a str,
    info: &'a PluginInfo,
}

/// Prints `value` as pretty JSON on stdout.
fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    print_line(&serde_json::to_string_pretty(value)?)
}

/// Prints a line on stdout. A reader that went away (`wasmdesk plugin run … | head`) is not an
/// error: there is nobody left to tell.
fn print_line(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

/// What `plugin run` prints for one trigger.
#[derive(Serialize)]
struct TriggerReport<'a> {
    trigger: &'a str,
    /// `matched`, `not_matched` or `failed`.
    outcome: &'static str,
    matched: bool,
    actions: Vec<Action>,
    error: Option<ErrorReport>,
    logs: Vec<LogLine>,
    logs_dropped_bytes: usize,
    fuel_used: u64,
    elapsed_us: u64,
}

/// A failed call: the error's `kind` and its fields (`message`, `limit`, `reason`, …), and the
/// whole story for a person in `description`.
#[derive(Serialize)]
struct ErrorReport {
    #[serde(flatten)]
    error: PluginError,
    description: String,
}

impl<'a> TriggerReport<'a> {
    fn new(trigger: &'a str, evaluation: Evaluation) -> TriggerReport<'a> {
        let (outcome, actions, error) = match evaluation.outcome {
            Outcome::NotMatched => ("not_matched", Vec::new(), None),
            Outcome::Matched(actions) => ("matched", actions, None),
            Outcome::Failed(error) => (
                "failed",
                Vec::new(),
                Some(ErrorReport {
                    description: error.to_string(),
                    error,
                }),
            ),
        };
        TriggerReport {
            trigger,
            outcome,
            matched: outcome == "matched",
            actions,
            error,
            logs: evaluation.logs,
            logs_dropped_bytes: evaluation.logs_dropped_bytes,
            fuel_used: evaluation.fuel_used,
            elapsed_us: evaluation.elapsed.as_micros() as u64,
        }
    }
}

/// Loads a component file, or a bundled plugin by name when no such file exists.
fn load(runtime: &Runtime, plugin: &str) -> anyhow::Result<CompiledPlugin> {
    let path = Path::new(plugin);
    let bytes = if path.exists() {
        std::fs::read(path).with_context(|| format!("reading {plugin}"))?
    } else if let Some((_, bytes)) = bundled().iter().find(|(name, _)| *name == plugin) {
        bytes.to_vec()
    } else {
        let names: Vec<&str> = bundled().iter().map(|(name, _)| *name).collect();
        anyhow::bail!(
            "{plugin} is neither a file nor a bundled plugin ({})",
            names.join(", ")
        );
    };
    runtime
        .load(&bytes)
        .with_context(|| format!("{plugin} was refused"))
}

/// The SMTP listener's configuration, when one is asked for: it needs the support addresses it
/// accepts mail for (no open relay).
/// The relay agent notifications go through, when one is configured. Its sender is the
/// configured one, else the first support address the listener takes mail for.
fn mail_relay(
    args: &ServeArgs,
    file: &FileConfig,
    listener: Option<&crate::intake::smtp::SmtpConfig>,
) -> anyhow::Result<Option<crate::outbox::MailRelay>> {
    let Some(url) = args.smtp_relay.clone().or(file.smtp_relay.clone()) else {
        return Ok(None);
    };
    let from = args
        .notification_from
        .clone()
        .or(file.notification_from.clone())
        .or_else(|| listener.and_then(|smtp| smtp.addresses.first().cloned()))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "smtp_relay needs the sender of agent notifications: --notification-from \
                 desk@your.domain (or notification_from in wasmdesk.toml)"
            )
        })?;
    Ok(Some(crate::outbox::MailRelay::new(&url, &from)?))
}

fn smtp_config(
    flag: &Option<String>,
    flag_addresses: &[String],
    file: &FileConfig,
) -> anyhow::Result<Option<(std::net::SocketAddr, crate::intake::smtp::SmtpConfig)>> {
    let Some(listen) = flag.clone().or(file.smtp_listen.clone()) else {
        return Ok(None);
    };
    let listen: std::net::SocketAddr = listen.parse().with_context(|| {
        format!("--smtp-listen {listen:?} is not an address like 127.0.0.1:2525")
    })?;
    let addresses: Vec<String> = if flag_addresses.is_empty() {
        file.smtp_addresses.clone().unwrap_or_default()
    } else {
        flag_addresses.to_vec()
    };
    let mut accepted = Vec::with_capacity(addresses.len());
    for address in addresses {
        let email = crate::domain::identity::Email::parse(&address)
            .map_err(|e| anyhow::anyhow!("smtp address {address:?}: {e}"))?;
        accepted.push(email.as_str().to_ascii_lowercase());
    }
    anyhow::ensure!(
        !accepted.is_empty(),
        "the SMTP listener needs the support addresses it accepts mail for: \
         --smtp-address support@your.domain (or smtp_addresses in wasmdesk.toml)"
    );
    Ok(Some((
        listen,
        crate::intake::smtp::SmtpConfig {
            hostname: file
                .smtp_hostname
                .clone()
                .unwrap_or_else(|| "wasmdesk".to_string()),
            addresses: accepted,
            max_message_bytes: file
                .smtp_max_message_bytes
                .unwrap_or(crate::intake::smtp::DEFAULT_MAX_MESSAGE_BYTES),
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(config: &Path) -> ServeArgs {
        ServeArgs {
            database: None,
            listen: None,
            config: Some(config.to_path_buf()),
            log_format: None,
            admin_token: None,
            public_url: None,
            smtp_listen: None,
            smtp_addresses: Vec::new(),
            smtp_relay: None,
            notification_from: None,
        }
    }

    #[test]
    fn the_outbox_lease_outlasts_a_send() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wasmdesk.toml");
        std::fs::write(&path, "outbox_lease_secs = 5\n").unwrap();
        let error = serve_config(args(&path)).unwrap_err().to_string();
        assert!(error.contains("more than the 10 s"), "{error}");
        std::fs::write(&path, "outbox_lease_secs = 11\n").unwrap();
        let config = serve_config(args(&path)).unwrap();
        assert_eq!(config.deliveries.lease, std::time::Duration::from_secs(11));
    }

    #[test]
    fn the_notification_relay_needs_a_sender_and_a_relay_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wasmdesk.toml");
        std::fs::write(&path, "smtp_relay = \"smtp://127.0.0.1:2526\"\n").unwrap();
        let error = serve_config(args(&path)).unwrap_err().to_string();
        assert!(error.contains("--notification-from"), "{error}");

        std::fs::write(
            &path,
            "smtp_relay = \"smtp://desk:s3cret@127.0.0.1:2526\"\nnotification_from = \"Desk <desk@desk.example>\"\n",
        )
        .unwrap();
        let relay = serve_config(args(&path)).unwrap().mail_relay.unwrap();
        let shown = format!("{relay:?}");
        assert!(shown.contains("127.0.0.1:2526"), "{shown}");
        assert!(
            !shown.contains("s3cret"),
            "the password is never shown: {shown}"
        );

        // Without a sender of its own, the listener's first support address sends.
        let mut flagged = args(&path);
        std::fs::write(&path, "").unwrap();
        flagged.smtp_relay = Some("smtp://127.0.0.1:2526".into());
        flagged.smtp_listen = Some("127.0.0.1:2525".into());
        flagged.smtp_addresses = vec!["support@desk.example".into()];
        let relay = serve_config(flagged).unwrap().mail_relay.unwrap();
        assert!(format!("{relay:?}").contains("support@desk.example"));

        let mut bad = args(&path);
        bad.smtp_relay = Some("ftp://relay".into());
        bad.notification_from = Some("desk@desk.example".into());
        let error = serve_config(bad).unwrap_err().to_string();
        assert!(error.contains("smtp://host:port"), "{error}");
        let mut bad = args(&path);
        bad.smtp_relay = Some("smtp://relay".into());
        bad.notification_from = Some("not an address".into());
        let error = serve_config(bad).unwrap_err().to_string();
        assert!(error.contains("notification_from"), "{error}");
    }

    #[test]
    fn the_portal_rate_limit_defaults_to_thirty_and_cannot_be_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wasmdesk.toml");
        std::fs::write(&path, "").unwrap();
        let config = serve_config(args(&path)).unwrap();
        assert_eq!(config.portal_rate_limit_per_minute, 30);
        std::fs::write(&path, "portal_rate_limit_per_minute = 5\n").unwrap();
        assert_eq!(
            serve_config(args(&path))
                .unwrap()
                .portal_rate_limit_per_minute,
            5
        );
        std::fs::write(&path, "portal_rate_limit_per_minute = 0\n").unwrap();
        let error = serve_config(args(&path)).unwrap_err().to_string();
        assert!(error.contains("at least 1"), "{error}");
    }

    #[test]
    fn the_smtp_listener_needs_the_addresses_it_accepts_mail_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wasmdesk.toml");
        std::fs::write(&path, "smtp_listen = \"127.0.0.1:2525\"\n").unwrap();
        let error = serve_config(args(&path)).unwrap_err().to_string();
        assert!(error.contains("--smtp-address"), "{error}");

        std::fs::write(
            &path,
            "smtp_listen = \"127.0.0.1:2525\"\nsmtp_addresses = [\"Support@Desk.example\"]\n",
        )
        .unwrap();
        let (address, smtp) = serve_config(args(&path)).unwrap().smtp.unwrap();
        assert_eq!(address.port(), 2525);
        assert_eq!(smtp.addresses, ["support@desk.example"]);

        let mut flagged = args(&path);
        flagged.smtp_addresses = vec!["not an address".into()];
        assert!(serve_config(flagged).is_err());
        let off = dir.path().join("off.toml");
        std::fs::write(&off, "").unwrap();
        assert!(
            serve_config(args(&off)).unwrap().smtp.is_none(),
            "off by default"
        );
    }

    #[test]
    fn the_configuration_file_sets_the_plugin_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wasmdesk.toml");
        std::fs::write(
            &path,
            "plugin_failure_limit = 2\nplugin_cache_dir = \"/var/cache/wasmdesk\"\n",
        )
        .unwrap();
        let config = serve_config(args(&path)).unwrap();
        assert_eq!(config.plugin_failure_limit, 2);
        assert_eq!(
            config.plugin_cache_dir,
            PathBuf::from("/var/cache/wasmdesk")
        );

        std::fs::write(&path, "").unwrap();
        let config = serve_config(args(&path)).unwrap();
        assert_eq!(
            config.plugin_failure_limit,
            crate::rules::Rules::DEFAULT_FAILURE_LIMIT
        );
    }
}
