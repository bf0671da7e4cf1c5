//! The `wasmdesk` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::domain::Event;
use crate::plugins::{Installation, Origin, Runtime, RuntimeConfig};

#[derive(Debug, Parser)]
#[command(name = "wasmdesk", version, about = "A helpdesk core whose business rules are WebAssembly plugins")]
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
        /// The component, e.g. target/wasm32-wasip2/release/my_plugin.wasm.
        file: PathBuf,
    },
    /// Run every trigger of a plugin on an event and print what each would do, as JSON.
    Run {
        file: PathBuf,
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
    let (key, value) = input.split_once('=').ok_or_else(|| format!("{input:?} is not KEY=VALUE"))?;
    Ok((key.trim().to_string(), value.to_string()))
}

/// Runs a parsed command line; the exit code says whether it succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Plugin(PluginCommand::Inspect { file }) => {
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &file)?;
            let report = serde_json::json!({
                "content_hash": plugin.content_hash(),
                "info": plugin.info(),
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Plugin(PluginCommand::Run { file, event, config, allow_hosts }) => {
            let runtime = Runtime::new(RuntimeConfig::default())?;
            let plugin = load(&runtime, &file)?;
            let text = std::fs::read_to_string(&event).with_context(|| format!("reading {}", event.display()))?;
            let event: Event =
                serde_json::from_str(&text).with_context(|| format!("{} is not a valid event", event.display()))?;
            let installation = Installation::new(plugin.info(), config, allow_hosts);
            let results: Vec<_> = plugin
                .info()
                .triggers
                .iter()
                .filter(|trigger| trigger.events.contains(&event.kind))
                .map(|trigger| {
                    let evaluation = runtime.evaluate(&plugin, &installation, &trigger.key, &event);
                    serde_json::json!({ "trigger": trigger.key, "evaluation": evaluation })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&results)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load(runtime: &Runtime, file: &PathBuf) -> anyhow::Result<crate::plugins::CompiledPlugin> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    runtime.load(&bytes).with_context(|| format!("{} was refused", file.display()))
}
