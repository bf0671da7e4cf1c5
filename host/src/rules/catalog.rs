//! The plugin catalog: what is installed lives in the store (component bytes, configuration,
//! grants, enabled state, trigger order); the engine runs a compiled copy of it. Every change is
//! written to the store first, then the engine reloads and swaps its list whole, so writes in
//! flight finish on the plugins they started with.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{InstalledPlugin, Loaded, Rules, Trigger, ingredients};
use crate::domain::{
    ConfigKind, NewPlugin, PluginPatch, PluginRecord, Problems, TriggerRef, UserRole,
};
use crate::plugins::{CompiledPlugin, Installation, LoadError, Origin, Runtime, bundled};
use crate::store::{Store, StoreError};

/// Why a change to the installed plugins was refused.
#[derive(Debug, thiserror::Error)]
pub enum PluginAdminError {
    /// The component is not a plugin this host can run (the runtime's reason).
    #[error("{0}")]
    Refused(#[from] LoadError),
    /// Fields the plugin declares exist with another type, as (`user_fields.KEY`, why).
    #[error("the plugin's fields clash with existing fields: {}", .0.iter().map(|(_, why)| why.as_str()).collect::<Vec<_>>().join("; "))]
    FieldClash(Vec<(String, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Compiling is CPU work (and the runtime blocks): off the async threads.
async fn compile(runtime: &Arc<Runtime>, bytes: Arc<Vec<u8>>) -> Result<CompiledPlugin, LoadError> {
    let runtime = runtime.clone();
    tokio::task::spawn_blocking(move || runtime.load(&bytes))
        .await
        .unwrap_or_else(|error| {
            Err(LoadError::Compile(format!(
                "the compiling thread failed: {error}"
            )))
        })
}

fn origins(record: &PluginRecord) -> Vec<Origin> {
    record
        .granted_hosts
        .iter()
        .filter_map(|host| host.parse().ok())
        .collect()
}

impl Rules {
    /// The engine for `store`: bundled plugins the database was not given before are installed
    /// and enabled with their fields and groups — all on its first start, a newly bundled one on
    /// the first start of the version that brings it; once each, so a deleted one stays
    /// deleted. Then every installed plugin is loaded.
    pub async fn open(store: &Store, runtime: Arc<Runtime>) -> Result<Rules, PluginAdminError> {
        let rules = Rules::new(runtime);
        let fresh = rules.install_bundled(store).await?;
        // Nobody else holds this engine yet, so no change can race the first load.
        rules.reload_locked(store, &fresh).await?;
        Ok(rules)
    }

    /// The engine for `store` with what is installed, installing nothing (for tools that only
    /// look, such as `wasmdesk plugin run --ticket`).
    pub async fn load(store: &Store, runtime: Arc<Runtime>) -> Result<Rules, StoreError> {
        let rules = Rules::new(runtime);
        rules.reload(store).await?;
        Ok(rules)
    }

    /// Installs the bundled plugins the database was not given before; returns what it compiled, so
    /// the reload that follows does not compile it again.
    async fn install_bundled(
        &self,
        store: &Store,
    ) -> Result<Vec<CompiledPlugin>, PluginAdminError> {
        let offered = store.bundled_plugins_offered().await?;
        let mut compiled = Vec::new();
        for (name, bytes) in bundled() {
            if offered.contains(*name) {
                continue;
            }
            let plugin = compile(&self.runtime, Arc::new(bytes.to_vec())).await?;
            compiled.push((plugin, bytes));
        }
        if compiled.is_empty() {
            return Ok(Vec::new());
        }
        let new = compiled
            .iter()
            .map(|(plugin, bytes)| {
                NewPlugin::new(plugin.info(), plugin.content_hash(), bytes, true)
            })
            .collect();
        if store.install_bundled_plugins(new).await? {
            for (plugin, _) in &compiled {
                let info = plugin.info();
                for (_, clash) in ingredients::clashes(store, info).await? {
                    tracing::warn!(plugin = %info.name, %clash, "a bundled plugin's field clashes with an existing one");
                }
                let installation = Installation::new(info, Vec::new(), Vec::new());
                ingredients::create(store, info, &installation).await?;
            }
            tracing::info!("installed the bundled plugins");
        }
        Ok(compiled.into_iter().map(|(plugin, _)| plugin).collect())
    }

    /// Keeps this engine in step with plugin changes other replicas make on the same database:
    /// every `every`, a digest of the plugins' state is read ([`Store::plugins_fingerprint`]),
    /// and when it changed the plugins are reloaded (unchanged code is not compiled again; new
    /// code is compiled from this replica's artifact cache or afresh). So an upload,
    /// configuration, grant, enable/disable, trigger switch, reorder or delete made through any
    /// replica — and an auto-disable decided by one — is applied by all within `every` plus a
    /// compile. Each plugin's stored failure streak is read at the same pace (see health.rs).
    ///
    /// On PostgreSQL the database also notifies every replica of a change as it commits, and
    /// the check runs at once: the periodic one is the fallback for a notification missed
    /// while the listening connection was down. Each check also forgets the webhooks this
    /// replica knows, since another may have changed them.
    pub fn follow(&self, store: Store, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let rules = self.clone();
        tokio::spawn(async move {
            let (wake, mut woken) = tokio::sync::mpsc::channel(1);
            tokio::spawn(listen_for_changes(store.clone(), wake));
            let mut seen = store.plugins_fingerprint().await.ok();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = woken.recv() => {}
                }
                // Another replica may have changed a webhook, or failed or run cleanly a plugin.
                // (A SQLite database has one server: it forgets webhooks as it changes them, and
                // its own count is the whole streak.)
                if store.backend() == crate::store::Backend::Postgres {
                    store.forget_webhooks();
                    match store.failure_streaks().await {
                        Ok(streaks) => rules.take_stored_streaks(&streaks),
                        Err(error) => {
                            tracing::warn!(%error, "could not read the plugins' failure streaks")
                        }
                    }
                }
                let now = match store.plugins_fingerprint().await {
                    Ok(now) => now,
                    Err(error) => {
                        tracing::warn!(%error, "could not check the plugins for changes");
                        continue;
                    }
                };
                if seen.as_ref() == Some(&now) {
                    continue;
                }
                match rules.reload(&store).await {
                    Ok(()) => seen = Some(now),
                    Err(error) => tracing::warn!(%error, "could not reload the plugins"),
                }
            }
        })
    }

    /// Takes each plugin's failure streak as stored (id, streak): the failures other replicas
    /// counted, or a streak one of them ended.
    fn take_stored_streaks(&self, streaks: &[(i64, u32)]) {
        let loaded = self.loaded();
        for (id, streak) in streaks {
            if let Some(plugin) = loaded.plugins.iter().find(|plugin| plugin.id == *id) {
                plugin.health.stored(*streak);
            }
        }
    }

    /// Reloads the installed plugins from the store and swaps them in. Unchanged code is not
    /// compiled again; a stored component that no longer loads is skipped and logged.
    pub async fn reload(&self, store: &Store) -> Result<(), StoreError> {
        let _changing = self.changing.lock().await;
        self.reload_locked(store, &[]).await
    }

    /// The reload, under the `changing` lock. `fresh` holds components the caller has just
    /// compiled; any other new or changed code is read from the store and compiled.
    async fn reload_locked(
        &self,
        store: &Store,
        fresh: &[CompiledPlugin],
    ) -> Result<(), StoreError> {
        let records = store.plugins().await?;
        let current = self.loaded();
        let mut plugins = Vec::new();
        let mut order = Vec::new();
        for record in &records {
            let same_code = current
                .plugins
                .iter()
                .find(|p| p.id == record.id && p.compiled.content_hash() == record.content_hash);
            let just_compiled = fresh
                .iter()
                .find(|compiled| compiled.content_hash() == record.content_hash);
            let compiled = match (same_code, just_compiled) {
                (Some(plugin), _) => plugin.compiled.clone(),
                (None, Some(compiled)) => compiled.clone(),
                (None, None) => {
                    let bytes = store.plugin_component(record.id).await?;
                    match compile(&self.runtime, Arc::new(bytes)).await {
                        Ok(compiled) => compiled,
                        Err(error) => {
                            tracing::error!(plugin = %record.name, %error, "an installed plugin does not load; it is skipped");
                            continue;
                        }
                    }
                }
            };
            let installation =
                Installation::new(compiled.info(), record.config.clone(), origins(record));
            let mut plugin =
                InstalledPlugin::new(record.id, compiled, installation, record.enabled);
            if let Some(old) = same_code {
                // The streak carries over a reload of the same code, unless an admin enabled the
                // plugin again: that clears the engine's verdict.
                if old.enabled() == record.enabled {
                    plugin.health =
                        super::health::Health::with_failing_writes(old.failing_writes());
                }
                plugin
                    .offloaded
                    .store(old.offloaded.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            let plugin = Arc::new(plugin);
            for setting in record.triggers.iter().filter(|t| t.active) {
                if let Some(info) = plugin
                    .compiled
                    .info()
                    .triggers
                    .iter()
                    .find(|t| t.key == setting.key)
                {
                    order.push((
                        setting.position,
                        Trigger {
                            plugin: plugin.clone(),
                            key: info.key.clone(),
                            events: info.events.clone(),
                        },
                    ));
                }
            }
            plugins.push(plugin);
        }
        order.sort_by_key(|(position, _)| *position);
        let order = order.into_iter().map(|(_, trigger)| trigger).collect();
        *self.loaded.write().expect("plugin list lock") = Arc::new(Loaded { plugins, order });
        Ok(())
    }

    /// Installs an uploaded component, or replaces the installed plugin of the same name (its
    /// configuration, grants and trigger settings stay). The component is validated and
    /// compiled first; fields it declares that exist with another type refuse the upload.
    /// Creates its missing fields and groups. Returns the record and whether it is new.
    pub async fn install_component(
        &self,
        store: &Store,
        bytes: Vec<u8>,
    ) -> Result<(PluginRecord, bool), PluginAdminError> {
        let _changing = self.changing.lock().await;
        let bytes = Arc::new(bytes);
        let compiled = compile(&self.runtime, bytes.clone()).await?;
        let info = compiled.info();
        let clashes = ingredients::clashes(store, info).await?;
        if !clashes.is_empty() {
            return Err(PluginAdminError::FieldClash(clashes));
        }
        let (record, created) = store
            .save_plugin(NewPlugin::new(info, compiled.content_hash(), &bytes, false))
            .await?;
        let installation = Installation::new(info, record.config.clone(), origins(&record));
        ingredients::create(store, info, &installation).await?;
        self.reload_locked(store, std::slice::from_ref(&compiled))
            .await?;
        Ok((record, created))
    }

    /// An admin's change: enable or disable, configuration (keys the plugin declares; a group
    /// it names is created when missing), granted origins.
    pub async fn update_plugin(
        &self,
        store: &Store,
        id: i64,
        patch: PluginPatch,
    ) -> Result<PluginRecord, PluginAdminError> {
        let _changing = self.changing.lock().await;
        let running = self.plugin(id);
        let mut problems = match &running {
            Some(plugin) => patch.problems(plugin.compiled.info()),
            None => Problems::default(),
        };
        for (index, host) in patch.granted_hosts.iter().flatten().enumerate() {
            if let Err(error) = host.parse::<Origin>() {
                problems.add(&format!("granted_hosts[{index}]"), error.to_string());
            }
        }
        // An agent email must name an agent of this desk, which only the store knows.
        if let (Some(plugin), Some(config)) = (&running, &patch.config) {
            for (key, value) in config {
                let kind = plugin.compiled.info().config_key(key).map(|k| &k.kind);
                if kind == Some(&ConfigKind::AgentEmail)
                    && ConfigKind::AgentEmail.check(value).is_ok()
                {
                    let agent = store.user_by_email(value).await?;
                    if agent.is_none_or(|user| user.role == UserRole::EndUser) {
                        problems.add(
                            &format!("config.{key}"),
                            format!("{value:?} is not the email of an agent of this desk; add the agent first or name another"),
                        );
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Rejected(problems).into());
        }
        // The group a new configuration names is created first: if it cannot be (say, an empty
        // name), the configuration is refused and nothing is saved.
        if let (Some(plugin), Some(config)) = (&running, &patch.config) {
            let info = plugin.compiled.info();
            let installation = Installation::new(info, config.clone(), Vec::new());
            ingredients::create(store, info, &installation).await?;
        }
        let record = store.update_plugin(id, &patch).await?;
        self.reload_locked(store, &[]).await?;
        Ok(record)
    }

    /// Turns one trigger on or off.
    pub async fn set_trigger_active(
        &self,
        store: &Store,
        id: i64,
        key: &str,
        active: bool,
    ) -> Result<PluginRecord, StoreError> {
        let _changing = self.changing.lock().await;
        let record = store.set_trigger_active(id, key, active).await?;
        self.reload_locked(store, &[]).await?;
        Ok(record)
    }

    /// Sets the desk-wide trigger order (every installed trigger, once).
    pub async fn reorder_triggers(
        &self,
        store: &Store,
        order: &[TriggerRef],
    ) -> Result<(), StoreError> {
        let _changing = self.changing.lock().await;
        store.reorder_triggers(order).await?;
        self.reload_locked(store, &[]).await
    }

    /// Uninstalls a plugin; its audit rows stay.
    pub async fn delete_plugin(&self, store: &Store, id: i64) -> Result<(), StoreError> {
        let _changing = self.changing.lock().await;
        store.delete_plugin(id).await?;
        self.reload_locked(store, &[]).await
    }
}

/// Wakes [`Rules::follow`] whenever the database says the plugins changed (PostgreSQL; returns
/// at once on SQLite). Ends when `follow` has ended.
async fn listen_for_changes(store: Store, wake: tokio::sync::mpsc::Sender<()>) {
    const RETRY: std::time::Duration = std::time::Duration::from_secs(1);
    let mut changes = loop {
        match store.plugin_changes().await {
            Ok(Some(changes)) => break changes,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "could not listen for plugin changes; checking periodically");
                tokio::time::sleep(RETRY).await;
            }
        }
        if wake.is_closed() {
            return;
        }
    };
    loop {
        if let Err(error) = changes.next().await {
            // Reconnects on the next call; what changed meanwhile is found by the check below.
            tracing::warn!(%error, "lost the plugin change notifications; listening again");
            tokio::time::sleep(RETRY).await;
        }
        match wake.try_send(()) {
            Ok(()) | Err(tokio::sync::mpsc::error::TrySendError::Full(())) => {}
            Err(tokio::sync::mpsc::error::TrySendError::Closed(())) => return,
        }
    }
}
