//! Checks an upload before compiling it: compiling a large component takes seconds, and a person
//! who uploaded the wrong file deserves a message that names what is wrong, not a linker error.

use wasmparser::{Parser, Payload};

use super::LoadError;
use super::bindings::{ContractVersion, PACKAGE};

/// The top-level imports and exports of a component.
#[derive(Debug, Default)]
struct Surface {
    imports: Vec<String>,
    exports: Vec<String>,
}

/// Accepts a component of the `wasmdesk:rules/plugin` world of a contract version this host
/// runs, and says which; refuses anything else with a reason.
pub(crate) fn check_component(bytes: &[u8], limit: usize) -> Result<ContractVersion, LoadError> {
    if bytes.len() > limit {
        return Err(LoadError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    if Parser::is_core_wasm(bytes) {
        return Err(LoadError::CoreModule);
    }
    if !Parser::is_component(bytes) {
        return Err(LoadError::NotWasm);
    }
    let surface = surface(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;

    let supported = || {
        ContractVersion::ALL
            .iter()
            .map(|version| version.export_interface())
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let Some(version) = ContractVersion::ALL.into_iter().find(|version| {
        surface
            .exports
            .iter()
            .any(|name| name == version.export_interface())
    }) else {
        let interface = format!("{PACKAGE}/triggers@");
        if let Some(other) = surface
            .exports
            .iter()
            .find(|name| name.starts_with(&interface))
        {
            return Err(LoadError::WrongVersion {
                found: other.clone(),
                supported: supported(),
            });
        }
        let found = if surface.exports.is_empty() {
            "nothing".to_string()
        } else {
            surface.exports.join(", ")
        };
        return Err(LoadError::MissingExport {
            expected: supported(),
            found,
        });
    };
    for import in &surface.imports {
        let ours = import.starts_with(&format!("{PACKAGE}/"));
        if ours && !version.host_imports().contains(&import.as_str()) {
            let (_, found) = import.split_once('@').unwrap_or((import, "unversioned"));
            return Err(LoadError::WrongVersion {
                found: format!("{import} (version {found})"),
                supported: version.host_imports().join(", "),
            });
        }
        // Rust's std and other toolchains import WASI; it is linked to empty stand-ins.
        if !ours && !import.starts_with("wasi:") {
            return Err(LoadError::UnsupportedImport(import.clone()));
        }
    }
    Ok(version)
}

/// Reads the names of the outermost component's imports and exports, skipping nested modules and
/// components.
fn surface(bytes: &[u8]) -> wasmparser::Result<Surface> {
    let mut surface = Surface::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    surface.imports.push(import?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    surface.exports.push(export?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(surface)
}
