//! Builds workspace plugin crates into WebAssembly components from a build script.
//!
//! The host embeds the bundled plugins and the end-to-end tests use fixture plugins; both must
//! come from source with the ordinary `cargo build` / `cargo test`, so their build scripts run a
//! nested `cargo build --target wasm32-wasip2`. The nested build gets a target directory of its
//! own: the outer cargo holds the lock on the main one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every plugin is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// Builds `packages` of the workspace at `workspace` with the `plugin` profile and copies each
/// `<package>.wasm` (dashes become underscores) into `out_dir`. Returns the copied paths in the
/// order of `packages`. Panics with the compiler's output on failure: this runs in build scripts,
/// where a panic is how a failure is reported.
pub fn build_components(workspace: &Path, packages: &[&str], out_dir: &Path) -> Vec<PathBuf> {
    ensure_target_installed();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = nested_target_dir(out_dir);
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--profile", "plugin", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
    for package in packages {
        command.args(["-p", package]);
    }
    // The outer build's flags are for the host target, not for wasm.
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR"] {
        command.env_remove(var);
    }
    let status = command.status().expect("failed to run cargo for the plugin build");
    assert!(status.success(), "building plugins {packages:?} for {TARGET} failed");

    packages
        .iter()
        .map(|package| {
            let file = format!("{}.wasm", package.replace('-', "_"));
            let built = target_dir.join(TARGET).join("plugin").join(&file);
            let copied = out_dir.join(&file);
            std::fs::copy(&built, &copied)
                .unwrap_or_else(|e| panic!("copying {} failed: {e}", built.display()));
            copied
        })
        .collect()
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
        .unwrap_or_else(|| out_dir.ancestors().nth(4).expect("OUT_DIR is nested in the target dir"));
    target.join("wasm-plugins")
}

/// A toolchain installed before `rust-toolchain.toml` listed the wasm target lacks it, and rustup
/// only adds targets when it installs a toolchain: add it here so `cargo test` just works.
fn ensure_target_installed() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = sysroot.is_some_and(|root| root.join("lib/rustlib").join(TARGET).exists());
    if installed {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    let added = rustup.status().is_ok_and(|status| status.success());
    assert!(added, "the {TARGET} target is missing; run `rustup target add {TARGET}`");
}
