//! Builds the test fixture plugins (`tests/fixtures/*`) into components for the test suite.

use std::path::PathBuf;

use wasmdesk_build_support::Toolchain;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let fixtures = [
        "hostile-plugin",
        "other-world",
        "cycle-plugin",
        "idle-plugin",
        "probe-plugin",
        "peek-plugin",
    ];
    wasmdesk_build_support::rerun_if_changed(&workspace, &["tests/fixtures"]);
    let built = wasmdesk_build_support::build_components(
        &workspace,
        &fixtures,
        &out_dir,
        Toolchain::Wasip2,
    );
    for (fixture, path) in fixtures.iter().zip(built) {
        let var = format!("{}_WASM", fixture.to_uppercase().replace('-', "_"));
        println!("cargo:rustc-env={var}={}", path.display());
    }
}
