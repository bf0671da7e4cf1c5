//! Compiled components on disk, so a restart does not recompile (a componentize-py plugin takes
//! ~20 s to compile). Keyed by the component's content hash and the engine's configuration.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::LoadError;

pub(crate) struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

impl ArtifactCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> std::io::Result<ArtifactCache> {
        std::fs::create_dir_all(&dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(ArtifactCache { dir, engine_key: format!("{:016x}", hasher.finish()) })
    }

    fn path(&self, content_hash: &str) -> PathBuf {
        self.dir.join(format!("{content_hash}-{}.cwasm", self.engine_key))
    }

    /// The cached artifact for `content_hash`, if there is a usable one.
    pub(crate) fn load(&self, engine: &Engine, content_hash: &str) -> Option<Component> {
        let path = self.path(content_hash);
        if !path.exists() {
            return None;
        }
        // SAFETY: the cache directory belongs to the operator and holds only artifacts this
        // engine configuration serialized (the file name carries its compatibility hash);
        // wasmtime also checks the artifact's header and refuses a mismatched one.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "discarding unusable compiled plugin");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores `component`; a failure costs only a recompilation later, so it is logged, not raised.
    pub(crate) fn store(&self, content_hash: &str, component: &Component) {
        let path = self.path(content_hash);
        let written = component.serialize().map_err(|e| e.to_string()).and_then(|bytes| {
            let temporary = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&temporary, bytes)
                .and_then(|()| std::fs::rename(&temporary, &path))
                .map_err(|e| e.to_string())
        });
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "could not cache the compiled plugin");
        }
    }
}

/// Compiles `bytes`, or takes the artifact from `cache`.
pub(crate) fn compile(
    engine: &Engine,
    cache: Option<&ArtifactCache>,
    content_hash: &str,
    bytes: &[u8],
) -> Result<Component, LoadError> {
    if let Some(component) = cache.and_then(|cache| cache.load(engine, content_hash)) {
        return Ok(component);
    }
    let component = Component::new(engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
    if let Some(cache) = cache {
        cache.store(content_hash, &component);
    }
    Ok(component)
}
