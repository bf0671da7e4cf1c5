//! Compiled components on disk, so a restart does not recompile (a componentize-py plugin takes
//! ~20 s to compile). Keyed by the component's content hash and the engine's configuration.
//!
//! A file is the SHA-256 of the artifact followed by the artifact. Loading checks the digest and
//! reads the file into memory rather than mapping it: a torn write or a file changed under a
//! running process must cost a recompilation, never a crash.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::LoadError;

const DIGEST_LEN: usize = 32;

pub(crate) struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

impl ArtifactCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> std::io::Result<ArtifactCache> {
        std::fs::create_dir_all(&dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(ArtifactCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        })
    }

    fn path(&self, content_hash: &str) -> PathBuf {
        self.dir
            .join(format!("{content_hash}-{}.cwasm", self.engine_key))
    }

    /// The cached artifact for `content_hash`, if there is a usable one.
    pub(crate) fn load(&self, engine: &Engine, content_hash: &str) -> Option<Component> {
        let path = self.path(content_hash);
        let file = std::fs::read(&path).ok()?;
        let intact = file.len() > DIGEST_LEN
            && Sha256::digest(&file[DIGEST_LEN..]).as_slice() == &file[..DIGEST_LEN];
        let loaded = if intact {
            // SAFETY: the bytes are exactly what this engine configuration serialized (the file
            // name carries its compatibility hash, the digest proves the bytes are unchanged), in
            // a directory that belongs to the operator; wasmtime also checks the header.
            unsafe { Component::deserialize(engine, &file[DIGEST_LEN..]) }
                .map_err(|e| e.to_string())
        } else {
            Err("digest mismatch".to_string())
        };
        match loaded {
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
        let written = component
            .serialize()
            .map_err(|e| e.to_string())
            .and_then(|artifact| {
                let temporary = path.with_extension(format!("tmp{}", std::process::id()));
                let mut file = Sha256::digest(&artifact).to_vec();
                file.extend_from_slice(&artifact);
                std::fs::write(&temporary, file)
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
    let component =
        Component::new(engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))?;
    if let Some(cache) = cache {
        cache.store(content_hash, &component);
    }
    Ok(component)
}
