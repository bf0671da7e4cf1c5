//! The WIT contract, one module per version. Generated types never leave this module: each
//! version converts to and from the host's `domain` types here, so a new contract version is a
//! new module beside `v0_1`, and plugins built against the old one keep working.

pub(crate) mod v0_1;

/// The WIT package every plugin is built against.
pub(crate) const PACKAGE: &str = "wasmdesk:rules";

/// The interface a plugin exports.
pub(crate) const EXPORT_INTERFACE: &str = "wasmdesk:rules/triggers@0.1.0";

/// The interfaces of ours that a plugin may import.
pub(crate) const HOST_IMPORTS: &[&str] =
    &["wasmdesk:rules/host@0.1.0", "wasmdesk:rules/types@0.1.0"];
