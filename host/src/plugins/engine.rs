//! The wasmtime engine: configuration, and the clock thread behind call deadlines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};

use super::Limits;

/// How often the epoch advances; deadlines are enforced with this granularity.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Linear memory kept resident per pool slot between calls. A plugin built with Rust's defaults
/// touches a few pages around its 1 MiB stack and its heap; keeping them (and resetting only the
/// dirty ones, found with the PAGEMAP_SCAN ioctl where the kernel has it) saves the page faults
/// of the next instantiation. Measured: without it an evaluation of retail-vip took ~1.4× longer.
const MEMORY_KEEP_RESIDENT: usize = 2 << 20;

pub(crate) fn new_engine(limits: &Limits) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Fuel bounds the work of a call deterministically and is reported as `fuel_used`.
    config.consume_fuel(true);
    // Epochs bound wall-clock time, which fuel does not (a call may block in `http-get`).
    config.epoch_interruption(true);
    // Deep recursion traps with a stack overflow instead of exhausting the host's stack.
    config.max_wasm_stack(limits.stack_bytes);
    config.cranelift_opt_level(OptLevel::Speed);

    // A fresh instance per evaluation is only cheap with pre-reserved slots: instantiation takes
    // a slot and maps the memory image copy-on-write, dropping the store returns the slot.
    let slots = limits.concurrent_instances.max(1);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(8))
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(4))
        .max_core_instances_per_component(limits.instances as u32)
        .max_memory_size(limits.memory_bytes)
        .table_elements(limits.table_elements)
        .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
        .table_keep_resident(64 << 10)
        .pagemap_scan(Enabled::Auto);

    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine) -> std::io::Result<EpochTicker> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("wasmdesk-epoch".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })?;
        Ok(EpochTicker {
            stop,
            thread: Some(thread),
        })
    }

    /// Epoch ticks that cover at least `deadline`.
    pub(crate) fn ticks_for(deadline: Duration) -> u64 {
        (deadline.as_micros().div_ceil(EPOCH_TICK.as_micros()) as u64).max(1) + 1
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
