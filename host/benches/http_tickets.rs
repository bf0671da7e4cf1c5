//! Ticket creation over HTTP by a concurrent client: requests per second and latency
//! percentiles at 16 and 64 connections, on SQLite (always) and PostgreSQL (when
//! `WASMDESK_BENCH_DATABASE_URL` is set), with every plugin disabled and with the bundled
//! plugins enabled (the requester is a platinum customer, so retail-vip fires on every ticket).
//! Server and client share this process and machine.
//!
//! `cargo bench -p wasmdesk-host --bench http_tickets`

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wasmdesk_host::domain::PluginPatch;
use wasmdesk_host::domain::token::TokenRole;
use wasmdesk_host::http::connections::{self, ConnectionLimits};
use wasmdesk_host::http::{HttpLimits, app};
use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

const REQUESTS: usize = 4_000;

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(base: &str, token: &str, requester: i64, connections: usize) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let body = json!({"ticket": {"subject": "Where is my order?",
        "description": "It has been two weeks.", "requester_id": requester, "tags": ["bench"]}})
    .to_string();
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let client = client.clone();
            let url = format!("{base}/api/v2/tickets");
            let token = token.to_string();
            let body = body.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(REQUESTS / connections + 1);
                for _ in 0..REQUESTS / connections {
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                    response.bytes().await.unwrap();
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    }
}

async fn bench(store: Store, rules: Rules, label: &str) {
    let (_, token) = store
        .create_token("bench", TokenRole::Agent, None)
        .await
        .unwrap();
    let requester = store
        .create_user(
            serde_json::from_value(json!({"name": "Bench", "email": format!("{}@example.org", label.replace([' ', ','], "-")),
                "user_fields": {"service_level": "platinum"}}))
            .unwrap(),
        )
        .await
        .unwrap()
        .id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // The server's own connection loop, as `wasmdesk serve` runs it.
    let server = tokio::spawn(connections::serve(
        listener,
        app(store, rules, HttpLimits::default()),
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    run(&base, &token, requester, 16).await; // warm-up
    for connections in [16, 64] {
        let figures = run(&base, &token, requester, connections).await;
        println!(
            "{label:24} {connections:2} connections: {:7.0} tickets/s  p50 {:6.2} ms  p99 {:6.2} ms",
            figures.per_second,
            figures.p50.as_secs_f64() * 1e3,
            figures.p99.as_secs_f64() * 1e3
        );
    }
    server.abort();
}

/// The same desk with every plugin disabled, then with the bundled plugins enabled.
async fn compare(store: Store, runtime: Arc<Runtime>, backend: &str) {
    let rules = Rules::open(&store, runtime).await.unwrap();
    let switch = |enabled: bool| {
        let (rules, store) = (rules.clone(), store.clone());
        async move {
            for plugin in rules.plugins() {
                let patch = PluginPatch {
                    enabled: Some(enabled),
                    ..PluginPatch::default()
                };
                rules.update_plugin(&store, plugin.id, patch).await.unwrap();
            }
        }
    };
    switch(false).await;
    bench(
        store.clone(),
        rules.clone(),
        &format!("{backend}, plugins disabled"),
    )
    .await;
    switch(true).await;
    bench(store, rules, &format!("{backend}, bundled plugins")).await;
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return; // `cargo test --benches` lists benchmarks; this one only runs under `cargo bench`.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let plugin_runtime = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await.unwrap();
        compare(store, plugin_runtime.clone(), "sqlite").await;
        if let Ok(url) = std::env::var("WASMDESK_BENCH_DATABASE_URL") {
            let schema = format!("bench_http_{}", std::process::id());
            let store = Store::connect_in_schema(&url, &schema).await.unwrap();
            compare(store, plugin_runtime, "postgres").await;
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
