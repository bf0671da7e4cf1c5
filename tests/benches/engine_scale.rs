//! What installed plugins that do not subscribe to an event cost: a ticket created through the
//! engine (trigger cycle + the store write) with the bundled plugins installed, against the
//! same among 100 installed, where the others subscribe only to updates. The target
//! is ≤ 1.2× the cost. Both desks are SQLite files; the requester is a platinum customer, so
//! both bundled plugins evaluate and retail-vip fires on every ticket.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use wasmdesk_host::domain::{Actor, TicketDraft, UserDraft};
use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

struct Desk {
    store: Store,
    rules: Rules,
    _dir: tempfile::TempDir,
}

async fn desk(runtime: Arc<Runtime>, idle_copies: u32) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("desk.db").display());
    let store = Store::connect(&url).await.unwrap();
    let rules = Rules::open(&store, runtime).await.unwrap();
    for copy in 0..idle_copies {
        rules
            .install_component(&store, support::idle_wasm(copy))
            .await
            .unwrap();
    }
    let bundled = wasmdesk_host::plugins::bundled().len() as u32;
    assert_eq!(rules.plugins().len() as u32, bundled + idle_copies);
    let customer: UserDraft = serde_json::from_value(serde_json::json!({
        "name": "Ada", "email": "ada@example.org",
        "user_fields": {"service_level": "platinum"}
    }))
    .unwrap();
    store.create_user(customer).await.unwrap();
    Desk {
        store,
        rules,
        _dir: dir,
    }
}

fn draft() -> TicketDraft {
    serde_json::from_value(serde_json::json!({
        "description": "My order is late", "requester": {"email": "ada@example.org"}
    }))
    .unwrap()
}

fn installed_plugins(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let plugins = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
    let mut group = c.benchmark_group("ticket_create_engine");
    let bundled = wasmdesk_host::plugins::bundled().len() as u32;
    for (label, idle) in [
        ("bundled installed", 0),
        ("bundled subscribed of 100 installed", 100 - bundled),
    ] {
        let desk = runtime.block_on(desk(plugins.clone(), idle));
        let ticket = runtime
            .block_on(
                desk.rules
                    .create_ticket(&desk.store, draft(), Actor::System),
            )
            .unwrap();
        assert_eq!(ticket.tags, ["vip"], "retail-vip fires on every ticket");
        group.bench_function(label, |b| {
            b.iter(|| {
                runtime
                    .block_on(
                        desk.rules
                            .create_ticket(&desk.store, draft(), Actor::System),
                    )
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, installed_plugins);
criterion_main!(benches);
