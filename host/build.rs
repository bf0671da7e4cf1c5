//! Builds the bundled plugins (`plugins/*`) into components that the binary embeds.

use std::path::{Path, PathBuf};

use wasmdesk_build_support::Toolchain;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir
        .parent()
        .expect("host/ sits in the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());

    let packages = bundled_packages(&workspace.join("plugins"));
    let names: Vec<&str> = packages.iter().map(String::as_str).collect();
    wasmdesk_build_support::rerun_if_changed(&workspace, &["plugins"]);
    let built =
        wasmdesk_build_support::build_components(&workspace, &names, &out_dir, Toolchain::Bare);

    let mut source = String::from("/// The bundled plugins: (package name, component bytes).\n");
    source.push_str("pub const BUNDLED: &[(&str, &[u8])] = &[\n");
    for (name, path) in names.iter().zip(&built) {
        source.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    source.push_str("];\n");
    std::fs::write(out_dir.join("bundled.rs"), source).unwrap();
}

/// Every crate under `plugins/` is a bundled plugin; its directory name is its package name.
fn bundled_packages(plugins: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(plugins)
        .expect("plugins/ exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
