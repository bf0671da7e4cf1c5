//! What the webhook outbox costs and delivers, in one run on SQLite:
//! - ticket writes through the engine with the probe plugin firing on every ticket, with its
//!   `notify-webhook` (the delivery row queued in the write's transaction) against without it
//!   (target ≥ 0.9× the rate);
//! - deliveries per second from the worker to a local receiver that answers 200 at once.
//!
//! `cargo bench -p wasmdesk-tests --bench webhook_outbox`

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wasmdesk_host::domain::webhook::WebhookDraft;
use wasmdesk_host::domain::{Actor, PluginPatch, TicketDraft};
use wasmdesk_host::outbox::DeliveryConfig;
use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

const TICKETS: usize = 2_000;

fn draft() -> TicketDraft {
    serde_json::from_value(serde_json::json!({
        "description": "My order is late", "requester": {"email": "ada@example.org"}
    }))
    .unwrap()
}

/// Tickets per second through the engine, one after another.
async fn write_rate(store: &Store, rules: &Rules) -> f64 {
    let started = Instant::now();
    for _ in 0..TICKETS {
        rules
            .create_ticket(store, draft(), Actor::System)
            .await
            .unwrap();
    }
    TICKETS as f64 / started.elapsed().as_secs_f64()
}

async fn receiver() -> (String, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return; // `cargo test --benches` lists benchmarks; this one only runs under `cargo bench`.
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await.unwrap();
        let plugins = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
        let rules = Rules::open(&store, plugins).await.unwrap();
        let (endpoint, received) = receiver().await;
        store
            .create_webhook(WebhookDraft {
                name: Some("crm".into()),
                endpoint: Some(endpoint),
                ..WebhookDraft::default()
            })
            .await
            .unwrap();
        let probe = rules
            .install_component(&store, support::probe_wasm())
            .await
            .unwrap()
            .0
            .id;
        let configure = |webhook: &str| PluginPatch {
            config: Some(BTreeMap::from([("webhook".to_string(), webhook.to_string())])),
            ..PluginPatch::default()
        };
        write_rate(&store, &rules).await; // warm-up
        // The database grows as rounds go, so each round measures in the other order than the
        // one before: neither side always gets the bigger database.
        const ROUNDS: usize = 8;
        let mut ratios = Vec::new();
        for round in 0..ROUNDS {
            let (mut without, mut with) = (0.0, 0.0);
            for firing in if round % 2 == 0 { [false, true] } else { [true, false] } {
                let webhook = if firing { "crm" } else { "" };
                rules.update_plugin(&store, probe, configure(webhook)).await.unwrap();
                let rate = write_rate(&store, &rules).await;
                if firing { with = rate } else { without = rate }
            }
            println!(
                "round {round}: ticket writes/s without notify-webhook {without:6.0}, with {with:6.0} ({:.2}×)",
                with / without
            );
            ratios.push(with / without);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio over {ROUNDS} rounds: {:.2}×",
            (ratios[ROUNDS / 2 - 1] + ratios[ROUNDS / 2]) / 2.0
        );
        // Every firing above is queued; now the worker sends them.
        let queued = ROUNDS * TICKETS;
        let started = Instant::now();
        let worker = wasmdesk_host::outbox::start(
            store.clone(),
            DeliveryConfig {
                poll_every: Duration::from_millis(10),
                batch: 64,
                ..DeliveryConfig::default()
            },
        );
        while received.load(Ordering::Relaxed) < queued {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = started.elapsed();
        worker.abort();
        println!(
            "deliveries: {queued} in {:.2} s = {:.0}/s to a local receiver",
            elapsed.as_secs_f64(),
            queued as f64 / elapsed.as_secs_f64()
        );
    });
}
