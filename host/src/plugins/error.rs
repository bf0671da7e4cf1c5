//! Why a plugin could not be loaded, and why a call failed. Both are for people: each message
//! says what went wrong and, where there is one, what to do about it.

use serde::Serialize;

/// Why an uploaded component was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("the component is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("not a WebAssembly binary (it does not start with the `\\0asm` magic bytes)")]
    NotWasm,
    #[error(
        "this is a core WebAssembly module, not a component: build it with `cargo build --target wasm32-wasip2` \
         (or wrap it with `wasm-tools component new`)"
    )]
    CoreModule,
    #[error("malformed component: {0}")]
    Malformed(String),
    #[error(
        "the component does not export `{expected}` (it exports: {found}); build it against wit/since_v0.2.0/rules.wit with the wasmdesk SDK"
    )]
    MissingExport { expected: String, found: String },
    #[error("the component was built against {found}; this host supports {supported}")]
    WrongVersion { found: String, supported: String },
    #[error("the component imports `{0}`, which wasmdesk does not provide to plugins")]
    UnsupportedImport(String),
    #[error("the component does not fit the wasmdesk:rules world: {0}")]
    Incompatible(String),
    #[error("compiling the component failed: {0}")]
    Compile(String),
    #[error("describe() failed: {0}")]
    Describe(PluginError),
    #[error("describe() returned an invalid description: {}", .0.join("; "))]
    InvalidDescription(Vec<String>),
}

/// Why a call into a plugin failed. The host never panics on these: the trigger counts as not
/// matched and the error is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PluginError {
    /// The plugin trapped (a panic, `unreachable`, an out-of-bounds access, ...).
    #[error("the plugin trapped: {message}")]
    Trap { message: String },
    #[error("the plugin ran out of fuel ({limit} units)")]
    OutOfFuel { limit: u64 },
    #[error("the plugin ran past its deadline of {limit_ms} ms")]
    Deadline { limit_ms: u64 },
    #[error("the plugin exceeded its memory limit of {limit_bytes} bytes")]
    MemoryLimit { limit_bytes: usize },
    #[error("the plugin overflowed its stack (limit {limit_bytes} bytes)")]
    StackOverflow { limit_bytes: usize },
    #[error("the plugin returned about {size} bytes; the limit is {limit}")]
    OutputTooLarge { size: usize, limit: usize },
    #[error("the plugin returned an invalid result: {reason}")]
    InvalidResult { reason: String },
    /// The plugin used a capability it was not granted (and then failed).
    #[error("capability denied: {reason}")]
    CapabilityDenied { reason: String },
    /// The plugin's own `Err(...)` (v0.2: `rule-error::other`).
    #[error("the plugin reported an error: {message}")]
    Rejected { message: String },
    /// The plugin found the event unusable (v0.2: `rule-error::invalid-input`).
    #[error("the plugin could not use the event: {message}")]
    InvalidInput { message: String },
    /// A service the plugin depends on failed it (v0.2: `rule-error::unavailable`).
    #[error("a service the plugin depends on is unavailable: {message}")]
    DependencyUnavailable { message: String },
    #[error("the plugin does not offer trigger {trigger:?}")]
    UnknownTrigger { trigger: String },
    /// The host could not start an instance (for example every pool slot is busy).
    #[error("could not start the plugin: {reason}")]
    Unavailable { reason: String },
}

impl PluginError {
    /// The error's kind as the audit stores it and the API shows it (`trap`, `out_of_fuel`,
    /// …): the same name as the `kind` of its JSON form.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginError::Trap { .. } => "trap",
            PluginError::OutOfFuel { .. } => "out_of_fuel",
            PluginError::Deadline { .. } => "deadline",
            PluginError::MemoryLimit { .. } => "memory_limit",
            PluginError::StackOverflow { .. } => "stack_overflow",
            PluginError::OutputTooLarge { .. } => "output_too_large",
            PluginError::InvalidResult { .. } => "invalid_result",
            PluginError::CapabilityDenied { .. } => "capability_denied",
            PluginError::Rejected { .. } => "rejected",
            PluginError::InvalidInput { .. } => "invalid_input",
            PluginError::DependencyUnavailable { .. } => "dependency_unavailable",
            PluginError::UnknownTrigger { .. } => "unknown_trigger",
            PluginError::Unavailable { .. } => "unavailable",
        }
    }
}
