//! What one plugin call can see and touch: the store's data.
//!
//! A fresh `Sandbox` is created for every evaluation. It carries the installation's grants, the
//! captured log, the resource limiter and, only when the component actually calls WASI, a WASI
//! context wired to empty, deterministic stand-ins: no preopened directories, no environment, no
//! sockets, a fixed clock and a fixed random sequence.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{
    Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView,
    WasiView,
};

use super::http::{Failure, HttpClient, Response};
use super::{Installation, Limits};

pub use crate::domain::rule_run::{LogLevel, LogLine};

/// The per-call log: bounded, shared with the WASI output streams (which must be `'static`).
#[derive(Clone, Default)]
pub(crate) struct LogBuffer(Arc<Mutex<LogState>>);

#[derive(Default)]
struct LogState {
    lines: Vec<LogLine>,
    kept_bytes: usize,
    limit: usize,
    dropped_bytes: usize,
}

impl LogBuffer {
    fn new(limit: usize) -> LogBuffer {
        LogBuffer(Arc::new(Mutex::new(LogState {
            limit,
            ..LogState::default()
        })))
    }

    pub(crate) fn push(&self, level: LogLevel, message: &str) {
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let room = state.limit.saturating_sub(state.kept_bytes);
        let mut cut = message.len().min(room);
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        state.dropped_bytes += message.len() - cut;
        if cut > 0 {
            state.kept_bytes += cut;
            state.lines.push(LogLine {
                level,
                message: message[..cut].to_string(),
            });
        }
    }

    /// A copy of the lines kept so far.
    pub(crate) fn lines(&self) -> Vec<LogLine> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .lines
            .clone()
    }

    /// The kept lines and the number of bytes dropped over the limit.
    pub(crate) fn take(&self) -> (Vec<LogLine>, usize) {
        let mut state = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (std::mem::take(&mut state.lines), state.dropped_bytes)
    }
}

/// Store data of one evaluation.
pub(crate) struct Sandbox {
    pub(crate) installation: Arc<Installation>,
    pub(crate) http: Arc<HttpClient>,
    pub(crate) limits: Arc<Limits>,
    pub(crate) log: LogBuffer,
    pub(crate) limiter: CallLimiter,
    /// Capability uses that were refused, for the error report if the call then fails.
    pub(crate) denials: Vec<String>,
    /// When the current call must end; outbound HTTP gets at most what is left.
    pub(crate) call_deadline: Instant,
    wasi: Option<WasiCtx>,
    table: ResourceTable,
}

impl Sandbox {
    pub(crate) fn new(
        installation: Arc<Installation>,
        http: Arc<HttpClient>,
        limits: Arc<Limits>,
    ) -> Sandbox {
        Sandbox {
            installation,
            http,
            log: LogBuffer::new(limits.log_bytes),
            limiter: CallLimiter::new(&limits),
            denials: Vec::new(),
            call_deadline: Instant::now() + limits.deadline,
            limits,
            wasi: None,
            table: ResourceTable::new(),
        }
    }
}

impl Sandbox {
    /// `http-get`, for every contract version: only granted origins, within what is left of the
    /// call's deadline. A refused origin is logged and remembered for the error report.
    pub(crate) fn http_get(
        &mut self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Response, Failure> {
        let result = self.http.get(
            url,
            headers,
            self.installation.origins(),
            self.call_deadline,
            &self.limits,
        );
        if let Err(Failure::Denied(reason)) = &result {
            let line = format!("http-get {url}: {reason}");
            self.log.push(LogLevel::Warn, &line);
            self.denials.push(line);
        }
        result
    }

    /// `log`, for every contract version.
    pub(crate) fn log_line(&mut self, level: LogLevel, message: &str) {
        self.log.push(level, message);
    }

    /// `config`, for every contract version.
    pub(crate) fn config_value(&self, key: &str) -> Option<String> {
        self.installation.config_value(key).map(str::to_string)
    }
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let log = &self.log;
        let ctx = self.wasi.get_or_insert_with(|| empty_wasi(log));
        WasiCtxView {
            ctx,
            table: &mut self.table,
        }
    }
}

/// WASI with nothing behind it. Built lazily: most plugins never call WASI.
fn empty_wasi(log: &LogBuffer) -> WasiCtx {
    WasiCtxBuilder::new()
        .stdout(CapturedOutput {
            log: log.clone(),
            level: LogLevel::Info,
        })
        .stderr(CapturedOutput {
            log: log.clone(),
            level: LogLevel::Warn,
        })
        .wall_clock(FixedClock)
        .monotonic_clock(FixedClock)
        .secure_random(Deterministic::new(SEED.to_vec()))
        .insecure_random(Deterministic::new(SEED.to_vec()))
        .insecure_random_seed(0x7761_736d_6465_736b)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

/// The "random" bytes every call sees: a plugin's decision must not depend on chance.
const SEED: &[u8; 16] = b"wasmdesk-rules-1";

/// Clocks that never move: decisions must not depend on when a rule runs (the event carries its
/// own `occurred-at`), and a clock would be a timing side channel.
struct FixedClock;

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// stdout/stderr into the call's log: never fails (a failing write would make Rust's `println!`
/// panic), drops what exceeds the log limit.
#[derive(Clone)]
struct CapturedOutput {
    log: LogBuffer,
    level: LogLevel,
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl CapturedOutput {
    fn write_bytes(&self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            self.log.push(self.level, line);
        }
    }
}

impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 << 10)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturedOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for CapturedOutput {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.write_bytes(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Per-call memory, table and instance limits; remembers a refused memory growth so that the
/// trap that follows (Rust aborts when allocation fails) is reported as the memory limit.
pub(crate) struct CallLimiter {
    memory_bytes: usize,
    table_elements: usize,
    instances: usize,
    pub(crate) memory_refused: bool,
}

impl CallLimiter {
    fn new(limits: &Limits) -> CallLimiter {
        CallLimiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            instances: limits.instances,
            memory_refused: false,
        }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.memory_bytes;
        self.memory_refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.table_elements)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn memories(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.instances
    }
}
