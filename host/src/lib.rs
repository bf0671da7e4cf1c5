//! wasmdesk: the core of a customer-support desk whose business rules are sandboxed
//! WebAssembly components.
//!
//! Layers depend one way: `cli` / `server` → `http` → `intake` + `jobs` → `rules` → `plugins` +
//! `store` → `domain`.

pub mod cli;
pub mod console;
pub mod domain;
pub mod http;
pub mod intake;
pub mod jobs;
pub mod outbox;
pub mod plugins;
pub mod rules;
pub mod server;
pub mod store;
