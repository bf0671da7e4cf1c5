//! Builds workspace plugin crates into WebAssembly components from a build script.
//!
//! The host embeds the bundled plugins and the end-to-end tests use fixture plugins; both must
//! come from source with the ordinary `cargo build` / `cargo test`, so their build scripts run a
//! nested `cargo build`. The nested build gets a target directory of its own: the outer cargo
//! holds the lock on the main one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Initial linear memory of bundled plugins: stack, static data and room for the heap.
const BARE_INITIAL_MEMORY: usize = 256 << 10;

/// Stack of bundled plugins. Rules recurse little; a small stack keeps every page an evaluation
/// touches within the first few dozen, which the pooling allocator resets cheaply.
const BARE_STACK: usize = 64 << 10;

/// How a plugin becomes a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolchain {
    /// `cargo build --target wasm32-wasip2`: what plugin authors use. Rust's std pulls in WASI
    /// (and the preview-1 adapter), which the host links to empty stand-ins.
    Wasip2,
    /// `cargo build --target wasm32-unknown-unknown`, then componentized here: no WASI imports,
    /// so no adapter instance to create per evaluation. Used for the bundled plugins.
    Bare,
}

impl Toolchain {
    fn target(self) -> &'static str {
        match self {
            Toolchain::Wasip2 => "wasm32-wasip2",
            Toolchain::Bare => "wasm32-unknown-unknown",
        }
    }
}

/// Builds `packages` of the workspace at `workspace` with the `plugin` profile and writes each
/// component as `<package>.wasm` (dashes become underscores) into `out_dir`. Returns the paths in
/// the order of `packages`. Panics on failure: this runs in build scripts, where a panic is how a
/// failure is reported (cargo's own output above it says what went wrong).
pub fn build_components(
    workspace: &Path,
    packages: &[&str],
    out_dir: &Path,
    toolchain: Toolchain,
) -> Vec<PathBuf> {
    let target = toolchain.target();
    ensure_target_installed(target);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = nested_target_dir(out_dir);
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--profile", "plugin", "--target", target])
        .arg("--target-dir")
        .arg(&target_dir);
    for package in packages {
        command.args(["-p", package]);
    }
    // The outer build's flags are for the host target, not for wasm.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
    ] {
        command.env_remove(var);
    }
    if toolchain == Toolchain::Bare {
        // Start with room for a typical evaluation's heap: a memory that never grows needs no
        // `mprotect` on the host, neither when it grows nor when its pool slot is reused.
        command.env(
            "CARGO_ENCODED_RUSTFLAGS",
            format!("-Clink-arg=--initial-memory={BARE_INITIAL_MEMORY}\x1f-Clink-arg=-zstack-size={BARE_STACK}"),
        );
    }
    let status = command
        .status()
        .expect("failed to run cargo for the plugin build");
    assert!(
        status.success(),
        "building plugins {packages:?} for {target} failed"
    );

    packages
        .iter()
        .map(|package| {
            let file = format!("{}.wasm", package.replace('-', "_"));
            let built = target_dir.join(target).join("plugin").join(&file);
            let bytes = std::fs::read(&built)
                .unwrap_or_else(|e| panic!("reading {} failed: {e}", built.display()));
            let component = match toolchain {
                Toolchain::Wasip2 => bytes,
                Toolchain::Bare => componentize(&bytes, package),
            };
            let written = out_dir.join(&file);
            std::fs::write(&written, component)
                .unwrap_or_else(|e| panic!("writing {} failed: {e}", written.display()));
            written
        })
        .collect()
}

/// Wraps a core module built with wit-bindgen (its custom section names the world) into a
/// component, as `wasm-tools component new` does.
fn componentize(module: &[u8], package: &str) -> Vec<u8> {
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)
        .and_then(|encoder| encoder.encode())
        .unwrap_or_else(|e| panic!("componentizing {package} failed: {e:#}"))
}

/// Tells cargo to rebuild when the contract, the SDK or any of `dirs` change.
pub fn rerun_if_changed(workspace: &Path, dirs: &[&str]) {
    for dir in ["wit", "sdk", "Cargo.lock"].iter().chain(dirs) {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
}

/// `target/wasm-plugins`, next to the outer build's profile directories, so that every build
/// script of the workspace shares one nested build (and its compiled dependencies).
fn nested_target_dir(out_dir: &Path) -> PathBuf {
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<package>-<hash>/out.
    let target = out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| {
            out_dir
                .ancestors()
                .nth(4)
                .expect("OUT_DIR is nested in the target dir")
        });
    target.join("wasm-plugins")
}

/// A toolchain installed before `rust-toolchain.toml` listed the wasm target lacks it, and rustup
/// only adds targets when it installs a toolchain: add it here so `cargo test` just works.
fn ensure_target_installed(target: &str) {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = sysroot.is_some_and(|root| root.join("lib/rustlib").join(target).exists());
    if installed {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", target]);
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    let added = rustup.status().is_ok_and(|status| status.success());
    assert!(
        added,
        "the {target} target is missing; run `rustup target add {target}`"
    );
}
