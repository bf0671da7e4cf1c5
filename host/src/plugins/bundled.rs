//! The plugins that ship inside the binary, built from `plugins/` by the build script.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled plugins as (package name, component bytes), e.g. `("retail-vip", ...)`.
pub fn bundled() -> &'static [(&'static str, &'static [u8])] {
    BUNDLED
}
