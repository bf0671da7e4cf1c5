//! Installed plugins: the component bytes, the admin's configuration and grants, whether each
//! plugin and trigger runs, and the desk-wide trigger order.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::{Any, AnyConnection, Row};

use super::{Store, StoreError, conflict_or, now_millis};
use crate::domain::{
    NewPlugin, PluginPatch, PluginRecord, Problems, Timestamp, TriggerRef, TriggerSetting,
};

const PLUGIN_COLUMNS: &str = "id, name, version, content_hash, config, granted_hosts, enabled, \
     disabled_reason, bundled, created_at, updated_at";

/// Marks that the bundled plugins were installed once, so a deleted one stays deleted.
const BUNDLED_MARKER: &str = "bundled_plugins_installed";

/// The bundled plugins a marker value names: a JSON list, or `true` from before the list.
fn offered(marker: Option<&str>) -> BTreeSet<String> {
    match marker {
        None => BTreeSet::new(),
        Some("true") => ["prospect-sales", "retail-vip"].map(String::from).into(),
        Some(list) => serde_json::from_str(list).unwrap_or_default(),
    }
}

fn stored(what: &str) -> impl FnOnce(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Invalid(format!("stored plugin {what}: {e}"))
}

fn plugin_from_row(
    row: &sqlx::any::AnyRow,
    triggers: &mut HashMap<i64, Vec<TriggerSetting>>,
) -> Result<PluginRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let config: String = row.try_get("config")?;
    let hosts: String = row.try_get("granted_hosts")?;
    Ok(PluginRecord {
        id,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        content_hash: row.try_get("content_hash")?,
        bundled: row.try_get::<i64, _>("bundled")? != 0,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        disabled_reason: row.try_get("disabled_reason")?,
        config: serde_json::from_str(&config).map_err(stored("config"))?,
        granted_hosts: serde_json::from_str(&hosts).map_err(stored("granted hosts"))?,
        triggers: triggers.remove(&id).unwrap_or_default(),
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

/// Every trigger setting, by plugin, each plugin's in desk-wide order.
async fn trigger_settings<'e, E>(
    executor: E,
    plugin: Option<i64>,
) -> Result<HashMap<i64, Vec<TriggerSetting>>, StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = match plugin {
        Some(id) => {
            sqlx::query(
                "SELECT plugin_id, trigger_key, active, position FROM plugin_triggers \
             WHERE plugin_id = $1 ORDER BY position, trigger_key",
            )
            .bind(id)
            .fetch_all(executor)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT plugin_id, trigger_key, active, position FROM plugin_triggers \
             ORDER BY position, plugin_id, trigger_key",
            )
            .fetch_all(executor)
            .await?
        }
    };
    let mut by_plugin: HashMap<i64, Vec<TriggerSetting>> = HashMap::new();
    for row in rows {
        by_plugin
            .entry(row.try_get("plugin_id")?)
            .or_default()
            .push(TriggerSetting {
                key: row.try_get("trigger_key")?,
                active: row.try_get::<i64, _>("active")? != 0,
                position: row.try_get("position")?,
            });
    }
    Ok(by_plugin)
}

async fn plugin_in(conn: &mut AnyConnection, id: i64) -> Result<PluginRecord, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PLUGIN_COLUMNS} FROM plugins WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("plugin {id}")))?;
    let mut triggers = trigger_settings(&mut *conn, Some(id)).await?;
    plugin_from_row(&row, &mut triggers)
}

async fn save_in(
    conn: &mut AnyConnection,
    plugin: NewPlugin,
) -> Result<(PluginRecord, bool), StoreError> {
    let now = now_millis();
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM plugins WHERE name = $1")
        .bind(&plugin.name)
        .fetch_optional(&mut *conn)
        .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE plugins SET version = $1, content_hash = $2, component = $3, \
                 updated_at = $4, \
                 enabled = CASE WHEN disabled_reason IS NULL THEN enabled ELSE 1 END, \
                 disabled_reason = NULL, failing_writes = 0 WHERE id = $5",
            )
            .bind(&plugin.version)
            .bind(&plugin.content_hash)
            .bind(&plugin.component)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO plugins (name, version, content_hash, component, config, \
             granted_hosts, enabled, disabled_reason, bundled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, '{}', '[]', 1, NULL, $5, $6, $6) RETURNING id",
        )
        .bind(&plugin.name)
        .bind(&plugin.version)
        .bind(&plugin.content_hash)
        .bind(&plugin.component)
        .bind(i64::from(plugin.bundled))
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| conflict_or(e, &[("name", &format!("a plugin named {:?}", plugin.name))]))?,
    };
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT trigger_key FROM plugin_triggers WHERE plugin_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for key in kept.iter().filter(|key| !plugin.trigger_keys.contains(key)) {
        sqlx::query("DELETE FROM plugin_triggers WHERE plugin_id = $1 AND trigger_key = $2")
            .bind(id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM plugin_triggers")
        .fetch_one(&mut *conn)
        .await?;
    let mut position = last.unwrap_or(0);
    for key in plugin.trigger_keys.iter().filter(|key| !kept.contains(key)) {
        position += 1;
        sqlx::query(
            "INSERT INTO plugin_triggers (plugin_id, trigger_key, active, position) \
             VALUES ($1, $2, 1, $3)",
        )
        .bind(id)
        .bind(key)
        .bind(position)
        .execute(&mut *conn)
        .await?;
    }
    let record = plugin_in(conn, id).await?;
    Ok((record, existing.is_none()))
}

/// Records the engine's verdict on a plugin that kept failing.
pub(super) async fn disable_plugin(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE plugins SET enabled = 0, disabled_reason = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(reason)
    .bind(now_millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a ticket write on which the plugin failed; returns its streak so far, counted by
/// every replica (0 for a plugin no longer installed). The row stays locked until the write
/// commits, so concurrent failing writes count one after another.
pub(super) async fn count_failing_write(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<u32, StoreError> {
    let streak: Option<i64> = sqlx::query_scalar(
        "UPDATE plugins SET failing_writes = failing_writes + 1 WHERE id = $1 \
         RETURNING failing_writes",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(streak.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32)
}

/// Ends the plugin's failure streak: a write ran it without a failure.
pub(super) async fn end_failure_streak(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE plugins SET failing_writes = 0 WHERE id = $1 AND failing_writes > 0")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Each plugin's failure streak as stored (id, ticket writes in a row it failed on), for
    /// replicas to learn of the failures others counted.
    pub async fn failure_streaks(&self) -> Result<Vec<(i64, u32)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, failing_writes FROM plugins")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, streak)| (id, streak.clamp(0, i64::from(u32::MAX)) as u32))
            .collect())
    }

    /// Every installed plugin, oldest first, with its triggers in desk-wide order.
    pub async fn plugins(&self) -> Result<Vec<PluginRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PLUGIN_COLUMNS} FROM plugins ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut triggers = trigger_settings(&self.pool, None).await?;
        rows.iter()
            .map(|row| plugin_from_row(row, &mut triggers))
            .collect()
    }

    pub async fn plugin(&self, id: i64) -> Result<PluginRecord, StoreError> {
        let mut tx = self.write_turn().await?;
        let plugin = plugin_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(plugin)
    }

    /// The component bytes of an installed plugin.
    pub async fn plugin_component(&self, id: i64) -> Result<Vec<u8>, StoreError> {
        sqlx::query_scalar("SELECT component FROM plugins WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("plugin {id}")))
    }

    /// Installs a plugin, or replaces the code of the installed plugin of the same name in one
    /// transaction: its configuration, grants and trigger settings stay; triggers the new
    /// version no longer has go, new ones join the end of the order; a plugin the engine
    /// disabled for failing is enabled again (it is new code). Returns the record and whether
    /// it was newly installed.
    pub async fn save_plugin(&self, plugin: NewPlugin) -> Result<(PluginRecord, bool), StoreError> {
        let mut tx = self.write_turn().await?;
        let saved = save_in(&mut tx, plugin).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Applies an admin's change (checked by the caller against the plugin's description).
    /// Enabling clears the reason the engine disabled it.
    pub async fn update_plugin(
        &self,
        id: i64,
        patch: &PluginPatch,
    ) -> Result<PluginRecord, StoreError> {
        let mut tx = self.write_turn().await?;
        let current = plugin_in(&mut tx, id).await?;
        let enabled = patch.enabled.unwrap_or(current.enabled);
        let reason = if patch.enabled.is_some() {
            None
        } else {
            current.disabled_reason
        };
        let config = patch.config.as_ref().unwrap_or(&current.config);
        let hosts = patch
            .granted_hosts
            .as_ref()
            .unwrap_or(&current.granted_hosts);
        // An admin's enable or disable is a new verdict: the streak starts again.
        let streak = if patch.enabled.is_some() {
            "0"
        } else {
            "failing_writes"
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE plugins SET enabled = $1, disabled_reason = $2, config = $3, \
             granted_hosts = $4, updated_at = $5, failing_writes = {streak} WHERE id = $6"
        )))
        .bind(i64::from(enabled))
        .bind(reason)
        .bind(serde_json::to_string(config).unwrap_or_else(|_| "{}".into()))
        .bind(serde_json::to_string(hosts).unwrap_or_else(|_| "[]".into()))
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = plugin_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Turns one trigger on or off.
    pub async fn set_trigger_active(
        &self,
        id: i64,
        key: &str,
        active: bool,
    ) -> Result<PluginRecord, StoreError> {
        let mut tx = self.write_turn().await?;
        let changed = sqlx::query(
            "UPDATE plugin_triggers SET active = $1 WHERE plugin_id = $2 AND trigger_key = $3",
        )
        .bind(i64::from(active))
        .bind(id)
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            sqlx::query("UPDATE plugins SET updated_at = $1 WHERE id = $2")
                .bind(now_millis())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let record = plugin_in(&mut tx, id).await?;
        if changed == 0 {
            let keys: Vec<&str> = record.triggers.iter().map(|t| t.key.as_str()).collect();
            return Err(StoreError::not_found(format!(
                "trigger {key:?} of plugin {} (its triggers: {})",
                record.name,
                keys.join(", ")
            )));
        }
        tx.commit().await?;
        Ok(record)
    }

    /// Sets the desk-wide trigger order: `order` lists every installed trigger exactly once,
    /// first to run first. Anything else is rejected with every problem named.
    pub async fn reorder_triggers(&self, order: &[TriggerRef]) -> Result<(), StoreError> {
        let mut tx = self.write_turn().await?;
        let rows = sqlx::query("SELECT plugin_id, trigger_key FROM plugin_triggers")
            .fetch_all(&mut *tx)
            .await?;
        let mut installed = HashSet::new();
        for row in &rows {
            installed.insert((
                row.try_get::<i64, _>("plugin_id")?,
                row.try_get::<String, _>("trigger_key")?,
            ));
        }
        let mut problems = Problems::default();
        let mut seen = HashSet::new();
        for (index, entry) in order.iter().enumerate() {
            let key = (entry.plugin_id, entry.trigger.clone());
            if !installed.contains(&key) {
                problems.add(
                    &format!("trigger_ids[{index}]"),
                    format!(
                        "plugin {} has no trigger {:?}",
                        entry.plugin_id, entry.trigger
                    ),
                );
            } else if !seen.insert(key) {
                problems.add(&format!("trigger_ids[{index}]"), "is listed twice");
            }
        }
        let mut missing: Vec<String> = installed
            .difference(&seen)
            .map(|(plugin, trigger)| format!("{plugin}/{trigger}"))
            .collect();
        missing.sort();
        if !missing.is_empty() && problems.is_empty() {
            problems.add(
                "trigger_ids",
                format!(
                    "must list every installed trigger; missing: {}",
                    missing.join(", ")
                ),
            );
        }
        if !problems.is_empty() {
            return Err(problems.into());
        }
        for (position, entry) in order.iter().enumerate() {
            sqlx::query(
                "UPDATE plugin_triggers SET position = $1 WHERE plugin_id = $2 AND trigger_key = $3",
            )
            .bind(position as i64 + 1)
            .bind(entry.plugin_id)
            .bind(&entry.trigger)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The engine's verdict on a plugin that kept failing.
    pub async fn disable_plugin(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        disable_plugin(&mut *self.conn().await?, id, reason).await
    }

    /// Uninstalls a plugin. Its audit rows stay: they name the plugin and its code's hash.
    pub async fn delete_plugin(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.write_turn().await?;
        sqlx::query("DELETE FROM plugin_triggers WHERE plugin_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM plugins WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::not_found(format!("plugin {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many failed runs the audit holds for one plugin name (an index range count).
    pub async fn plugin_failure_count(&self, plugin: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM rule_runs WHERE plugin = $1 AND outcome = 'failed'",
        )
        .bind(plugin)
        .fetch_one(&self.pool)
        .await?)
    }

    /// How many failed runs the audit holds for each plugin name.
    pub async fn plugin_failures(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT plugin, COUNT(*) AS failures FROM rule_runs WHERE outcome = 'failed' GROUP BY plugin",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("plugin")?, row.try_get("failures")?)))
            .collect()
    }

    /// A digest of every plugin's state and the trigger order: it changes whenever an upload,
    /// a configuration, a grant, enabling or disabling, a trigger switch, a reorder or a delete
    /// is committed, by any replica. Cheap to read once a second (no components are read).
    pub async fn plugins_fingerprint(&self) -> Result<String, StoreError> {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new();
        let plugins = sqlx::query(
            "SELECT id, content_hash, config, granted_hosts, enabled, updated_at FROM plugins \
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &plugins {
            let id: i64 = row.try_get("id")?;
            let hash: String = row.try_get("content_hash")?;
            let config: String = row.try_get("config")?;
            let hosts: String = row.try_get("granted_hosts")?;
            let enabled: i64 = row.try_get("enabled")?;
            let updated: i64 = row.try_get("updated_at")?;
            digest.update(format!(
                "{id}|{hash}|{config}|{hosts}|{enabled}|{updated}\n"
            ));
        }
        let triggers = sqlx::query(
            "SELECT plugin_id, trigger_key, active, position FROM plugin_triggers \
             ORDER BY plugin_id, trigger_key",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &triggers {
            let plugin: i64 = row.try_get("plugin_id")?;
            let key: String = row.try_get("trigger_key")?;
            let active: i64 = row.try_get("active")?;
            let position: i64 = row.try_get("position")?;
            digest.update(format!("{plugin}|{key}|{active}|{position}\n"));
        }
        Ok(digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect())
    }

    /// The bundled plugins this database was given on earlier starts (installed then, perhaps
    /// deleted since), by name. The marker once said only "installed", when the bundle was
    /// prospect-sales and retail-vip.
    pub async fn bundled_plugins_offered(&self) -> Result<BTreeSet<String>, StoreError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(BUNDLED_MARKER)
            .fetch_optional(&self.pool)
            .await?;
        Ok(offered(value.as_deref()))
    }

    /// Installs bundled plugins not offered to this database before (a deleted one stays
    /// deleted), and marks them offered, in one transaction. The marker is compared and set, so
    /// of replicas starting at once only one installs; false when another did first.
    pub async fn install_bundled_plugins(
        &self,
        plugins: Vec<NewPlugin>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_turn().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(BUNDLED_MARKER)
                .fetch_optional(&mut *tx)
                .await?;
        let mut names = offered(before.as_deref());
        let plugins: Vec<NewPlugin> = plugins
            .into_iter()
            .filter(|plugin| !names.contains(&plugin.name))
            .collect();
        if plugins.is_empty() {
            return Ok(false);
        }
        names.extend(plugins.iter().map(|plugin| plugin.name.clone()));
        let after = serde_json::to_string(&names).expect("names serialize");
        let marked = match &before {
            None => sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(BUNDLED_MARKER)
            .bind(&after),
            Some(before) => {
                sqlx::query("UPDATE settings SET value = $2 WHERE key = $1 AND value = $3")
                    .bind(BUNDLED_MARKER)
                    .bind(&after)
                    .bind(before.clone())
            }
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Ok(false);
        }
        for plugin in plugins {
            save_in(&mut tx, plugin).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::offered;

    #[test]
    fn the_bundle_marker_names_what_a_database_was_given() {
        assert!(offered(None).is_empty());
        // Databases from before the list were given the first two.
        assert_eq!(
            offered(Some("true")).into_iter().collect::<Vec<_>>(),
            ["prospect-sales", "retail-vip"]
        );
        assert_eq!(offered(Some(r#"["org-routing","retail-vip"]"#)).len(), 2);
    }
}
