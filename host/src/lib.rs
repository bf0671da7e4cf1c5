//! wasmdesk: the core of a customer-support desk whose business rules are sandboxed
//! WebAssembly components.
//!
//! Layers depend one way: `cli` → `plugins` + `store` → `domain`.

pub mod cli;
pub mod domain;
pub mod plugins;
pub mod store;
