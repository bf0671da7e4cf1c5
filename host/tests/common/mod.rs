//! Stores for tests: SQLite always, PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set (CI sets
//! it; there an unreachable database fails the run, never skips).

#![allow(dead_code)]

pub mod desk;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, Executor};
use wasmdesk_host::store::Store;

/// A fresh, isolated store per backend: a temporary SQLite file, and a PostgreSQL schema of its
/// own, so tests run in parallel. Schemas left by earlier runs of the same test are dropped.
pub async fn stores(test: &str) -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("wasmdesk.db").display());
    let mut stores = vec![(Store::connect(&sqlite_url).await.unwrap(), Some(dir))];
    if let Some(store) = postgres_store(test).await {
        stores.push((store, None));
    }
    stores
}

/// A store in a fresh PostgreSQL schema, when `WASMDESK_TEST_DATABASE_URL` is set.
pub async fn postgres_store(test: &str) -> Option<Store> {
    let url = std::env::var("WASMDESK_TEST_DATABASE_URL").ok()?;
    static RUN: AtomicU32 = AtomicU32::new(0);
    let prefix = format!("t_{test}_");
    let schema = format!(
        "{prefix}{}_{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    );
    drop_stale_schemas(&url, &prefix).await;
    Some(
        Store::connect_in_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| {
                panic!("WASMDESK_TEST_DATABASE_URL={url} is set but unusable: {e}")
            }),
    )
}

/// Drops schemas of earlier runs of this test (another process id).
async fn drop_stale_schemas(url: &str, prefix: &str) {
    let Ok(pool) = sqlx::PgPool::connect(url).await else {
        return; // connect_in_schema reports it
    };
    let mine = format!("{prefix}{}_", std::process::id());
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1)")
            .bind(prefix)
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    // Only this test's schemas: `t_chat_` also starts `t_chat_refused_…`, another test's,
    // perhaps running now; ours continue with `{pid}_{run}` alone.
    let of_this_test = |name: &String| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.split_once('_'))
            .is_some_and(|(pid, run)| {
                [pid, run]
                    .iter()
                    .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
            })
    };
    for name in names
        .into_iter()
        .filter(|name| of_this_test(name) && !name.starts_with(&mine))
    {
        // Names come from pg_namespace and match our own plain pattern.
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let _ = pool
                .execute(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                )))
                .await;
        }
    }
    pool.close().await;
}

/// The plugin runtime shared by the whole test process, with an on-disk artifact cache so the
/// bundled plugins compile once per machine, not once per test.
pub fn runtime() -> std::sync::Arc<wasmdesk_host::plugins::Runtime> {
    use std::sync::{Arc, OnceLock};
    use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
    static SHARED: OnceLock<Arc<Runtime>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let config = RuntimeConfig {
                cache_dir: Some(std::env::temp_dir().join("wasmdesk-test-artifacts")),
                ..RuntimeConfig::default()
            };
            Arc::new(Runtime::new(config).unwrap())
        })
        .clone()
}

/// The engine of a desk's first start: the bundled plugins installed, enabled and
/// default-configured, their fields and groups created.
pub async fn bundled_rules(store: &wasmdesk_host::store::Store) -> wasmdesk_host::rules::Rules {
    wasmdesk_host::rules::Rules::open(store, runtime())
        .await
        .unwrap()
}

/// An engine with no plugins.
#[allow(dead_code)]
pub fn no_rules() -> wasmdesk_host::rules::Rules {
    wasmdesk_host::rules::Rules::new(runtime())
}

/// The retail-vip component as built against contract v0.1.0 (kept byte for byte in
/// `tests/contracts/`). Its configuration keys are untyped text, so tests use it to install a
/// plugin that is misconfigured in a way the host cannot refuse.
pub fn retail_vip_v0_1() -> Vec<u8> {
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/contracts/v0.1.0/retail-vip.wasm"
    ))
    .to_vec()
}

/// The retail-vip component as built against contract v0.2.0 (kept byte for byte in
/// `tests/contracts/`), before contract 0.3.0 added `notify-agents`.
#[allow(dead_code)]
pub fn retail_vip_v0_2() -> Vec<u8> {
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/contracts/v0.2.0/retail-vip.wasm"
    ))
    .to_vec()
}

/// Replaces the desk's retail-vip with its v0.1 build, configured with an unreadable spend
/// threshold, so that every evaluation of it fails. Returns the plugin's id.
pub async fn install_misconfigured_retail_vip(desk: &desk::Desk) -> i64 {
    let (status, body) = desk
        .upload(&desk.admin, "application/wasm", retail_vip_v0_1())
        .await;
    assert!(status.is_success(), "{status} {body}");
    let id = body["plugin"]["id"].as_i64().unwrap();
    desk.ok(
        reqwest::Method::PUT,
        &format!("/api/v2/plugins/{id}/config"),
        Some(serde_json::json!({"config": {"spend_threshold": "lots"}})),
    )
    .await;
    id
}
