//! Loading components and evaluating triggers, each evaluation in a fresh instance.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, Trap};

use super::bindings::{self, Contract, ContractVersion};
use super::cache::{self, ArtifactCache};
use super::engine::{EpochTicker, new_engine};
use super::http::HttpClient;
use super::sandbox::{LogLine, Sandbox};
use super::{Installation, Limits, LoadError, PluginError, validate};
use crate::domain::{Action, Event, PluginInfo};

/// How the runtime is set up.
#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub limits: Limits,
    /// Where compiled components are kept across restarts; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
}

/// A validated, compiled and pre-instantiated plugin, whatever contract version it was built
/// against. Cheap to clone.
#[derive(Clone)]
pub struct CompiledPlugin {
    info: Arc<PluginInfo>,
    content_hash: String,
    contract: Contract,
}

impl CompiledPlugin {
    /// What the plugin's `describe()` returned, in the newest contract's terms.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The contract version the component was built against.
    pub fn contract(&self) -> ContractVersion {
        self.contract.version()
    }

    /// SHA-256 of the component bytes, hex: identifies exactly which code ran, for the audit log.
    pub fn content_hash(&self) -> &str {
        &self.content_hash
    }
}

/// What a trigger decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    NotMatched,
    Matched(Vec<Action>),
    /// The trigger counts as not matched; the error is for the audit log.
    Failed(PluginError),
}

/// One trigger evaluation: the outcome and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub outcome: Outcome,
    pub logs: Vec<LogLine>,
    /// Log bytes dropped over the log limit.
    pub logs_dropped_bytes: usize,
    /// Fuel consumed by instantiation and the calls (≈ WebAssembly instructions).
    pub fuel_used: u64,
    #[serde(serialize_with = "micros")]
    pub elapsed: Duration,
}

impl Evaluation {
    /// An evaluation that failed before the plugin's code ran.
    fn failed_to_start(error: PluginError, started: Instant) -> Evaluation {
        Evaluation {
            outcome: Outcome::Failed(error),
            logs: Vec::new(),
            logs_dropped_bytes: 0,
            fuel_used: 0,
            elapsed: started.elapsed(),
        }
    }
}

fn micros<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_micros() as u64)
}

/// The plugin runtime. One per process; share it behind an `Arc`. Its calls block (plugins run
/// synchronously and `http-get` waits), so call it from blocking threads, not an async executor.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    limits: Arc<Limits>,
    http: Arc<HttpClient>,
    cache: Option<ArtifactCache>,
    _ticker: EpochTicker,
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the plugin runtime: {0}")]
pub struct RuntimeError(String);

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
        let fail = |what: &str, e: &dyn std::fmt::Display| RuntimeError(format!("{what}: {e}"));
        let engine = new_engine(&config.limits).map_err(|e| fail("engine", &e))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| fail("linking WASI", &e))?;
        bindings::add_to_linker(&mut linker).map_err(|e| fail("linking host imports", &e))?;
        let cache = match config.cache_dir {
            Some(dir) => Some(
                ArtifactCache::new(dir.clone(), &engine)
                    .map_err(|e| fail(&dir.display().to_string(), &e))?,
            ),
            None => None,
        };
        let ticker = EpochTicker::start(&engine).map_err(|e| fail("epoch thread", &e))?;
        Ok(Runtime {
            engine,
            linker,
            limits: Arc::new(config.limits),
            http: Arc::default(),
            cache,
            _ticker: ticker,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Validates, compiles (or takes from the cache), pre-instantiates and describes a component.
    pub fn load(&self, bytes: &[u8]) -> Result<CompiledPlugin, LoadError> {
        let version = validate::check_component(bytes, self.limits.component_bytes)?;
        let content_hash = hex(&Sha256::digest(bytes));
        let component = cache::compile(&self.engine, self.cache.as_ref(), &content_hash, bytes)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Incompatible(format!("{e:#}")))?;
        let contract = Contract::new(version, instance_pre, &component)?;

        // Through the generated bindings, which type-check every export: this is the check that
        // lets evaluations skip it (see `v0_1::Exports`).
        let mut session = self.session(Arc::default());
        let info = contract
            .describe(&mut session)
            .and_then(|info| {
                let size = serde_json::to_vec(&info).map_or(usize::MAX, |json| json.len());
                let limit = self.limits.output_bytes;
                if size > limit {
                    return Err(PluginError::OutputTooLarge { size, limit });
                }
                Ok(info)
            })
            .map_err(|error| LoadError::Describe(session.explain(error)))?;
        let problems = info.problems();
        if !problems.is_empty() {
            return Err(LoadError::InvalidDescription(problems));
        }
        Ok(CompiledPlugin {
            info: Arc::new(info),
            content_hash,
            contract,
        })
    }

    /// Runs `trigger` of `plugin` on `event` in a fresh instance, showing it only the inputs the
    /// trigger declared. Never fails: a failure is an [`Outcome::Failed`].
    pub fn evaluate(
        &self,
        plugin: &CompiledPlugin,
        installation: &Arc<Installation>,
        trigger: &str,
        event: &Event,
    ) -> Evaluation {
        let started = Instant::now();
        let Some(declared) = plugin.info.trigger(trigger) else {
            let error = PluginError::UnknownTrigger {
                trigger: trigger.to_string(),
            };
            return Evaluation::failed_to_start(error, started);
        };
        let mut session = self.session(installation.clone());
        let instance = match plugin
            .contract
            .instance_pre()
            .instantiate(&mut session.store)
        {
            Ok(instance) => instance,
            Err(error) => {
                let error = session.explain_instantiation(error);
                return Evaluation::failed_to_start(error, started);
            }
        };
        let decided =
            plugin
                .contract
                .evaluate(&mut session, &instance, trigger, &declared.inputs, event);
        let outcome = match decided {
            Ok(outcome) => outcome,
            Err(error) => Outcome::Failed(session.explain(error)),
        };
        let (logs, logs_dropped_bytes) = session.store.data().log.take();
        let fuel_used = session.fuel_used;
        Evaluation {
            outcome,
            logs,
            logs_dropped_bytes,
            fuel_used,
            elapsed: started.elapsed(),
        }
    }

    /// Starts and discards one fresh instance of `plugin`: what every evaluation pays before its
    /// first call. For health checks and benchmarks.
    pub fn check_instantiation(&self, plugin: &CompiledPlugin) -> Result<(), PluginError> {
        let mut session = self.session(Arc::default());
        match plugin
            .contract
            .instance_pre()
            .instantiate(&mut session.store)
        {
            Ok(_) => Ok(()),
            Err(error) => Err(session.explain_instantiation(error)),
        }
    }

    /// A fresh store, armed with the call limits.
    fn session(&self, installation: Arc<Installation>) -> Session {
        let sandbox = Sandbox::new(installation, self.http.clone(), self.limits.clone());
        let mut store = Store::new(&self.engine, sandbox);
        store.limiter(|sandbox| &mut sandbox.limiter);
        store.epoch_deadline_trap();
        let mut session = Session {
            store,
            fuel_used: 0,
            limits: self.limits.clone(),
        };
        session.arm();
        session
    }
}

/// One store, for the calls of one evaluation (or of `describe` at load).
pub(crate) struct Session {
    pub(crate) store: Store<Sandbox>,
    fuel_used: u64,
    limits: Arc<Limits>,
}

impl Session {
    /// Fresh fuel and deadline for the next call.
    fn arm(&mut self) {
        let _ = self.store.set_fuel(self.limits.fuel);
        self.store
            .set_epoch_deadline(EpochTicker::ticks_for(self.limits.deadline));
        self.store.data_mut().call_deadline = Instant::now() + self.limits.deadline;
    }

    /// Accounts the fuel the last call used.
    fn settle(&mut self) {
        let left = self.store.get_fuel().unwrap_or(self.limits.fuel);
        self.fuel_used += self.limits.fuel.saturating_sub(left);
    }

    /// The most a call may return, in estimated bytes.
    pub(crate) fn output_limit(&self) -> usize {
        self.limits.output_bytes
    }

    /// Makes one call under fresh limits.
    pub(crate) fn call<R>(
        &mut self,
        call: impl FnOnce(&mut Store<Sandbox>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.arm();
        let result = call(&mut self.store);
        self.settle();
        result.map_err(|error| self.explain_wasmtime(error))
    }

    /// A failed instantiation (instantiation runs the component's start code under the limits).
    pub(crate) fn explain_instantiation(&mut self, error: wasmtime::Error) -> PluginError {
        self.settle();
        match self.explain_wasmtime(error) {
            PluginError::Trap { message } if !message.starts_with("wasm trap") => {
                PluginError::Unavailable { reason: message }
            }
            other => other,
        }
    }

    /// A failed call, in the terms most useful to the admin: a refused capability explains a
    /// failure better than the error it led to.
    pub(crate) fn explain(&self, error: PluginError) -> PluginError {
        let denials = &self.store.data().denials;
        match error {
            PluginError::Rejected { .. } | PluginError::Trap { .. } if !denials.is_empty() => {
                PluginError::CapabilityDenied {
                    reason: denials.join("; "),
                }
            }
            other => other,
        }
    }

    /// Classifies a wasmtime error: limits first, then traps with the guest's panic message.
    pub(crate) fn explain_wasmtime(&self, error: wasmtime::Error) -> PluginError {
        let limits = &self.limits;
        let memory_refused = self.store.data().limiter.memory_refused;
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => PluginError::OutOfFuel { limit: limits.fuel },
            Some(Trap::Interrupt) => PluginError::Deadline {
                limit_ms: limits.deadline.as_millis() as u64,
            },
            Some(Trap::StackOverflow) => PluginError::StackOverflow {
                limit_bytes: limits.stack_bytes,
            },
            _ if memory_refused => PluginError::MemoryLimit {
                limit_bytes: limits.memory_bytes,
            },
            Some(trap) => {
                // wasmtime's Display already says "wasm trap: …".
                let mut message = trap.to_string();
                if let Some(panic) = self.panic_message() {
                    message.push_str("; ");
                    message.push_str(&panic);
                }
                self.explain(PluginError::Trap { message })
            }
            None => PluginError::Trap {
                message: format!("{error:#}"),
            },
        }
    }

    /// The guest's Rust panic message, which std printed to stderr before aborting.
    fn panic_message(&self) -> Option<String> {
        let lines = self.store.data().log.lines();
        let start = lines
            .iter()
            .rposition(|line| line.message.contains("panicked at"))?;
        let mut message = lines[start].message.trim().replace('\n', " ");
        // std's default hook prints the location and the message on separate lines.
        if message.ends_with(':')
            && let Some(next) = lines.get(start + 1)
        {
            message.push(' ');
            message.push_str(next.message.trim());
        }
        Some(message)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
