//! The limits every plugin call runs under. Defaults are the README's limits table.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits of the plugin runtime. Engine-wide ones (memory, tables, stack, concurrency) apply to
/// every plugin; per-call ones (fuel, deadline, output, log) to each `describe`, `matches` and
/// `actions` call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest component accepted for upload. Components built by componentize-py are ~18 MB.
    pub component_bytes: usize,
    /// Fuel per call: roughly one unit per WebAssembly instruction. Reported as `fuel_used`.
    pub fuel: u64,
    /// Wall-clock time per call, outbound HTTP included; enforced by epoch interruption.
    #[serde(with = "millis")]
    pub deadline: Duration,
    /// Linear memory per instance.
    pub memory_bytes: usize,
    /// Elements per table (function references).
    pub table_elements: usize,
    /// Core instances per component instance.
    pub instances: usize,
    /// Native stack that WebAssembly frames may use; deeper recursion traps.
    pub stack_bytes: usize,
    /// Size of what a call returns (actions, or the plugin description), as estimated bytes.
    pub output_bytes: usize,
    /// Log bytes kept per call (`log`, stdout and stderr together); the rest is dropped and counted.
    pub log_bytes: usize,
    /// Time an `http-get` may take (also bounded by the call's remaining deadline).
    #[serde(with = "millis")]
    pub http_timeout: Duration,
    /// Largest `http-get` response body.
    pub http_response_bytes: usize,
    /// Redirects an `http-get` follows, each within granted origins.
    pub http_redirects: usize,
    /// Evaluations that may run at the same time (slots of the pooling allocator).
    pub concurrent_instances: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            component_bytes: 64 << 20,
            fuel: 50_000_000,
            deadline: Duration::from_millis(1000),
            memory_bytes: 64 << 20,
            table_elements: 20_000,
            instances: 32,
            stack_bytes: 512 << 10,
            output_bytes: 64 << 10,
            log_bytes: 16 << 10,
            http_timeout: Duration::from_millis(800),
            http_response_bytes: 1 << 20,
            http_redirects: 3,
            concurrent_instances: 128,
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(deserializer)?))
    }
}
