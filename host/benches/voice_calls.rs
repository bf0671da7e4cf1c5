//! Answering incoming calls over HTTP (`POST /api/v2/channels/voice/calls`) with 32 calls at
//! once: calls per second and answer latency p50/p99 with loyalty-routing looking every caller
//! up in a loyalty API stand-in on loopback that answers in 5 ms, against the same desk with
//! loyalty-routing disabled (calls go to the default queue), in the same run. SQLite, and
//! PostgreSQL when `WASMDESK_BENCH_DATABASE_URL` is set; the server, the client and the
//! stand-in share this process and machine.
//!
//! `cargo bench -p wasmdesk-host --bench voice_calls`

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Query;
use serde_json::json;
use wasmdesk_host::domain::PluginPatch;
use wasmdesk_host::domain::queue::QueueDraft;
use wasmdesk_host::domain::token::TokenRole;
use wasmdesk_host::http::connections::{self, ConnectionLimits};
use wasmdesk_host::http::{HttpLimits, app};
use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

const CONCURRENT: usize = 32;
const CALLS: usize = 1_600;
/// How long the loyalty API takes to answer.
const LOYALTY_DELAY: Duration = Duration::from_millis(5);

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    priority: usize,
}

/// The loyalty API stand-in: every third caller is gold, after `LOYALTY_DELAY`.
async fn loyalty_api() -> String {
    let lookup = |Query(query): Query<HashMap<String, String>>| async move {
        tokio::time::sleep(LOYALTY_DELAY).await;
        let phone = query.get("phone").cloned().unwrap_or_default();
        let gold = phone.bytes().last().is_some_and(|digit| digit % 3 == 0);
        axum::Json(json!({"status": if gold { "gold" } else { "bronze" }}))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().route("/customers", axum::routing::get(lookup));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    origin
}

async fn run(base: &str, token: &str, next_call: &AtomicUsize) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENT)
        .build()
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let client = client.clone();
            let url = format!("{base}/api/v2/channels/voice/calls");
            let token = token.to_string();
            let numbers = next_call.fetch_add(CALLS / CONCURRENT, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(CALLS / CONCURRENT);
                let mut priority = 0;
                for n in numbers..numbers + CALLS / CONCURRENT {
                    // 500 callers, each calling several times.
                    let body = json!({"call_id": format!("call-{n}"),
                        "from": format!("+4930{:07}", n % 500), "to": "+49897654321"});
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                    let answer: serde_json::Value =
                        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                    latencies.push(sent.elapsed());
                    if answer["queue"]["name"] == "Priority" {
                        priority += 1;
                    }
                }
                (latencies, priority)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(CALLS);
    let mut priority = 0;
    for task in tasks {
        let (more, routed) = task.await.unwrap();
        latencies.extend(more);
        priority += routed;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
        priority,
    }
}

/// The same desk with loyalty-routing disabled and enabled, twice each, alternating.
async fn compare(store: Store, plugins: Arc<Runtime>, backend: &str) {
    let rules = Rules::open(&store, plugins).await.unwrap();
    for (name, default) in [("Priority", false), ("Standard", true)] {
        store
            .create_queue(QueueDraft {
                name: Some(name.into()),
                sip_uri: Some(format!("sip:{}@pbx.example.com", name.to_lowercase())),
                default: Some(default),
                ..QueueDraft::default()
            })
            .await
            .unwrap();
    }
    let api = loyalty_api().await;
    let loyalty = rules
        .plugins()
        .into_iter()
        .find(|plugin| plugin.name() == "loyalty-routing")
        .unwrap()
        .id;
    let config = BTreeMap::from([(
        "loyalty_url".to_string(),
        format!("{api}/customers?phone={{phone}}"),
    )]);
    let patch = PluginPatch {
        config: Some(config),
        granted_hosts: Some(vec![api.clone()]),
        enabled: Some(false),
    };
    rules.update_plugin(&store, loyalty, patch).await.unwrap();
    let (_, token) = store
        .create_token("bench phone system", TokenRole::Intake, None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(connections::serve(
        listener,
        app(store.clone(), rules.clone(), HttpLimits::default()),
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    let next_call = AtomicUsize::new(0);
    run(&base, &token, &next_call).await; // warm-up: the 500 callers exist from here on
    for enabled in [false, true, false, true] {
        let patch = PluginPatch {
            enabled: Some(enabled),
            ..PluginPatch::default()
        };
        rules.update_plugin(&store, loyalty, patch).await.unwrap();
        let figures = run(&base, &token, &next_call).await;
        let label = if enabled {
            format!("{backend}, loyalty-routing, API 5 ms")
        } else {
            format!("{backend}, loyalty-routing disabled")
        };
        println!(
            "{label:36} {CONCURRENT} calls at once: {:6.0} calls/s  p50 {:7.2} ms  p99 {:7.2} ms  ({} of {CALLS} to Priority)",
            figures.per_second,
            figures.p50.as_secs_f64() * 1e3,
            figures.p99.as_secs_f64() * 1e3,
            figures.priority
        );
    }
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return; // `cargo test --benches` lists benchmarks; this one only runs under `cargo bench`.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let plugins = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await.unwrap();
        compare(store, plugins.clone(), "sqlite").await;
        if let Ok(url) = std::env::var("WASMDESK_BENCH_DATABASE_URL") {
            let schema = format!("bench_voice_{}", std::process::id());
            let store = Store::connect_in_schema(&url, &schema).await.unwrap();
            compare(store, plugins, "postgres").await;
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA \"{schema}\" CASCADE"
            )))
            .execute(&pool)
            .await
            .unwrap();
        }
    });
}
