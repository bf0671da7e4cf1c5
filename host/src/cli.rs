//! The `wasmdesk` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use serde::Serialize;

use crate::domain::{Action, Event, PluginInfo};
use crate::plugins::{
    CompiledPlugin, Evaluation, Installation, LogLine, Origin, Outcome, PluginError, Runtime,
    RuntimeConfig, bundled,
};

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
    /// Work with plugin components locally.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print what a plugin describes about itself (triggers, fields, configuration) as JSON.
    Inspect {
        /// A component file (e.g. target/wasm32-wasip2/release/my_plugin.wasm) or the name of a
        /// bundled plugin (e.g. retail-vip).
        plugin: String,
    },
    /// Run every trigger of a plugin on an event and print what each would do, as JSON.
    Run {
        /// A component file or the name of a bundled plugin.
        plugin: String,
        /// The event, as JSON (see "Event JSON" in the README).
        #[arg(long)]
        event: PathBuf,
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
        Command::Plugin(PluginCommand::Inspect { plugin }) => {
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &plugin)?;
            let report = InspectReport {
                content_hash: plugin.content_hash(),
                info: plugin.info(),
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Plugin(PluginCommand::Run {
            plugin,
            event,
            config,
            allow_hosts,
        }) => {
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &plugin)?;
            let text = std::fs::read_to_string(&event)
                .with_context(|| format!("reading {}", event.display()))?;
            let event: Event = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid event", event.display()))?;
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
            println!("{}", serde_json::to_string_pretty(&results)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct InspectReport<'a> {
    content_hash: &'a str,
    info: &'a PluginInfo,
}

/// What `plugin run` prints for one trigger.
#[derive(Serialize)]
struct TriggerReport<'a> {
    trigger: &'a str,
    matched: bool,
    actions: Vec<Action>,
    error: Option<ErrorReport>,
    logs: Vec<LogLine>,
    logs_dropped_bytes: usize,
    fuel_used: u64,
    elapsed_us: u64,
}

#[derive(Serialize)]
struct ErrorReport {
    #[serde(flatten)]
    error: PluginError,
    message: String,
}

impl<'a> TriggerReport<'a> {
    fn new(trigger: &'a str, evaluation: Evaluation) -> TriggerReport<'a> {
        let (matched, actions, error) = match evaluation.outcome {
            Outcome::NotMatched => (false, Vec::new(), None),
            Outcome::Matched(actions) => (true, actions, None),
            Outcome::Failed(error) => (
                false,
                Vec::new(),
                Some(ErrorReport {
                    message: error.to_string(),
                    error,
                }),
            ),
        };
        TriggerReport {
            trigger,
            matched,
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
