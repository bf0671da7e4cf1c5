//! The WIT contract, one module per version, each generated from its own frozen directory
//! (`wit/since_v0.1.0/`, `wit/since_v0.2.0/`, `wit/since_v0.3.0/`): a change to the newest contract can never change
//! an older one. Generated types never leave this module. Each version converts to and from the
//! host's `domain` types here, older versions into the newest host types, so the runtime and
//! everything above it see one plugin shape whatever contract a component was built against.

#[macro_use]
mod since_v0_2;
pub(crate) mod v0_1;
pub(crate) mod v0_2;
pub(crate) mod v0_3;

use wasmtime::component::{Component, Instance, InstancePre, Linker};

use super::runtime::{Outcome, Session};
use super::sandbox::Sandbox;
use super::{LoadError, PluginError};
use crate::domain::{Event, Inputs, PluginInfo};

/// The WIT package every plugin is built against.
pub(crate) const PACKAGE: &str = "wasmdesk:rules";

/// A contract version this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractVersion {
    V0_1,
    V0_2,
    V0_3,
}

impl ContractVersion {
    /// Every version this host runs, newest first.
    pub(crate) const ALL: [ContractVersion; 3] = [
        ContractVersion::V0_3,
        ContractVersion::V0_2,
        ContractVersion::V0_1,
    ];

    /// The version number, e.g. `0.2.0`.
    pub fn number(self) -> &'static str {
        match self {
            ContractVersion::V0_1 => "0.1.0",
            ContractVersion::V0_2 => "0.2.0",
            ContractVersion::V0_3 => "0.3.0",
        }
    }

    /// The interface a plugin of this version exports.
    pub(crate) fn export_interface(self) -> &'static str {
        match self {
            ContractVersion::V0_1 => v0_1::EXPORT_INTERFACE,
            ContractVersion::V0_2 => v0_2::EXPORT_INTERFACE,
            ContractVersion::V0_3 => v0_3::EXPORT_INTERFACE,
        }
    }

    /// The interfaces of ours that a plugin of this version may import.
    pub(crate) fn host_imports(self) -> &'static [&'static str] {
        match self {
            ContractVersion::V0_1 => v0_1::HOST_IMPORTS,
            ContractVersion::V0_2 => v0_2::HOST_IMPORTS,
            ContractVersion::V0_3 => v0_3::HOST_IMPORTS,
        }
    }
}

/// Links the host imports of every version.
pub(crate) fn add_to_linker(linker: &mut Linker<Sandbox>) -> wasmtime::Result<()> {
    v0_1::add_to_linker(linker)?;
    v0_2::add_to_linker(linker)?;
    v0_3::add_to_linker(linker)
}

/// A compiled component's exports, by the contract it was built against.
#[derive(Clone)]
pub(crate) enum Contract {
    V0_1(v0_1::Exports),
    V0_2(v0_2::Exports),
    V0_3(v0_3::Exports),
}

impl Contract {
    /// Finds the exports of `version` in a pre-instantiated component.
    pub(crate) fn new(
        version: ContractVersion,
        pre: InstancePre<Sandbox>,
        component: &Component,
    ) -> Result<Contract, LoadError> {
        Ok(match version {
            ContractVersion::V0_1 => Contract::V0_1(v0_1::Exports::new(pre, component)?),
            ContractVersion::V0_2 => Contract::V0_2(v0_2::Exports::new(pre, component)?),
            ContractVersion::V0_3 => Contract::V0_3(v0_3::Exports::new(pre, component)?),
        })
    }

    pub(crate) fn version(&self) -> ContractVersion {
        match self {
            Contract::V0_1(_) => ContractVersion::V0_1,
            Contract::V0_2(_) => ContractVersion::V0_2,
            Contract::V0_3(_) => ContractVersion::V0_3,
        }
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<Sandbox> {
        match self {
            Contract::V0_1(exports) => exports.instance_pre(),
            Contract::V0_2(exports) => exports.instance_pre(),
            Contract::V0_3(exports) => exports.instance_pre(),
        }
    }

    /// Instantiates through the generated, type-checked path and calls `describe`.
    pub(crate) fn describe(&self, session: &mut Session) -> Result<PluginInfo, PluginError> {
        match self {
            Contract::V0_1(exports) => exports.describe(session),
            Contract::V0_2(exports) => exports.describe(session),
            Contract::V0_3(exports) => exports.describe(session),
        }
    }

    /// Runs one trigger on `instance`. `inputs` are what the trigger declared: a v0.2 plugin is
    /// shown only those values (v0.2 and later); a v0.1 plugin, which declares nothing, sees everything.
    pub(crate) fn evaluate(
        &self,
        session: &mut Session,
        instance: &Instance,
        trigger: &str,
        inputs: &Inputs,
        event: &Event,
    ) -> Result<Outcome, PluginError> {
        match self {
            Contract::V0_1(exports) => exports.evaluate(session, instance, trigger, event),
            Contract::V0_2(exports) => exports.evaluate(session, instance, trigger, inputs, event),
            Contract::V0_3(exports) => exports.evaluate(session, instance, trigger, inputs, event),
        }
    }
}

fn missing(export: &str) -> wasmtime::Error {
    wasmtime::format_err!("the instance has no `{export}` export")
}
