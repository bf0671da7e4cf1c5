//! The trigger engine with real components: Zendesk's cycle semantics, and hostile plugins that
//! never cost a ticket. On SQLite, and on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod support;

use std::sync::{Arc, OnceLock};

use serde_json::json;
use wasmdesk_host::domain::rule_run::RunOutcome;
use wasmdesk_host::domain::{Actor, TicketDraft};
use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::{Backend, Store};

/// Stores to run on: a SQLite file, and a fresh PostgreSQL schema when configured (the host's
/// test helpers, so stale schemas of earlier runs are dropped the same way).
#[path = "../../host/tests/common/mod.rs"]
mod common;
use common::stores;

fn draft(email: &str) -> TicketDraft {
    serde_json::from_value(json!({"description": "Help", "requester": {"email": email}})).unwrap()
}

/// One runtime for the process: compiling is the slow part.
fn runtime() -> Arc<Runtime> {
    static SHARED: OnceLock<Arc<Runtime>> = OnceLock::new();
    SHARED
        .get_or_init(|| Arc::new(Runtime::new(RuntimeConfig::default()).unwrap()))
        .clone()
}

/// An engine for `store` with `components` uploaded, in order, the way the API installs them.
async fn engine(store: &Store, components: &[Vec<u8>]) -> Rules {
    let rules = Rules::new(runtime());
    for bytes in components {
        rules.install_component(store, bytes.clone()).await.unwrap();
    }
    rules
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_enabled_by_others_fire_in_the_same_write_and_none_fires_twice() {
    for (store, _dir) in stores("cycle").await {
        let rules = engine(&store, &[support::cycle_wasm()]).await;
        let ticket = rules
            .create_ticket(&store, draft("a@example.org"), Actor::System)
            .await
            .unwrap();
        // second waits for first; ping and pong would undo each other forever.
        assert_eq!(ticket.tags, ["first", "second", "pong"]);
        let runs = store.rule_runs(ticket.id).await.unwrap();
        let fired: Vec<&str> = runs.iter().map(|run| run.trigger.as_str()).collect();
        assert_eq!(fired, ["first", "second", "ping", "pong"]);
        assert!(runs.iter().all(|run| run.outcome == RunOutcome::Fired));

        // An update runs the cycle again, afresh: every trigger may fire once more.
        let draft: TicketDraft = serde_json::from_value(json!({"status": "open"})).unwrap();
        let updated = rules
            .update_ticket(&store, ticket.id, draft, Actor::System)
            .await
            .unwrap();
        assert_eq!(updated.tags, ["first", "second", "pong"]);
        let runs = store.rule_runs(ticket.id).await.unwrap();
        let fired: Vec<&str> = runs[4..].iter().map(|run| run.trigger.as_str()).collect();
        assert_eq!(fired, ["second", "first", "ping", "pong"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_plugin_never_costs_a_ticket_and_is_disabled_when_it_keeps_failing() {
    for (store, _dir) in stores("hostile").await {
        let mut rules = engine(
            &store,
            &[
                support::hostile_wasm(),
                support::bundled("retail-vip").to_vec(),
            ],
        )
        .await;
        rules.set_failure_limit(2);
        hostile_plugin_run(&rules, &store).await;
        // The verdict is stored: it holds across a restart, and the admin sees why.
        let restarted = Rules::load(&store, runtime()).await.unwrap();
        let hostile = restarted
            .plugins()
            .into_iter()
            .find(|p| p.name() == "hostile")
            .unwrap();
        assert!(!hostile.enabled());
        let record = store.plugin(hostile.id).await.unwrap();
        assert!(!record.enabled);
        assert_eq!(
            record.disabled_reason.as_deref(),
            Some("it failed on 2 ticket writes in a row")
        );
        // Six failing triggers on each of the two writes, as the admin's listing counts them.
        assert_eq!(store.plugin_failures().await.unwrap()["hostile"], 12);
        // A new upload of the same plugin is new code: it runs again.
        restarted
            .install_component(&store, support::hostile_wasm())
            .await
            .unwrap();
        let record = store.plugin(hostile.id).await.unwrap();
        assert!(record.enabled && record.disabled_reason.is_none());
    }
}

async fn hostile_plugin_run(rules: &Rules, store: &Store) {
    for (write, email) in ["one@example.org", "two@example.org", "three@example.org"]
        .iter()
        .enumerate()
    {
        let ticket = rules
            .create_ticket(store, draft(email), Actor::System)
            .await
            .expect("the write succeeds whatever the plugin does");
        let runs = store.rule_runs(ticket.id).await.unwrap();
        if write < 2 {
            let failed: Vec<&str> = runs
                .iter()
                .filter(|run| run.outcome == RunOutcome::Failed)
                .map(|run| run.trigger.as_str())
                .collect();
            assert_eq!(
                failed,
                [
                    "infinite-loop",
                    "memory-grower",
                    "deep-recursion",
                    "huge-result",
                    "panic",
                    "http-get"
                ],
                "{runs:#?}"
            );
            let errors: Vec<&str> = runs.iter().filter_map(|run| run.error.as_deref()).collect();
            assert!(
                errors[0].contains("fuel") || errors[0].contains("deadline"),
                "{errors:?}"
            );
            assert!(
                errors[4].contains("boom from the hostile plugin"),
                "{errors:?}"
            );
            // The well-behaved triggers still fired, in the same write.
            assert!(
                ticket.tags.contains(&"well-behaved".to_string()),
                "{:?}",
                ticket.tags
            );
            // The failure that reached the limit says so (the write's first failure of it).
            let disabling = runs
                .iter()
                .filter(|run| {
                    run.outcome == RunOutcome::Failed
                        && run.error.as_deref().unwrap().contains("now disabled")
                })
                .count();
            assert_eq!(
                disabling,
                usize::from(write == 1),
                "disabled on the second failing write: {runs:#?}"
            );
        } else {
            assert!(
                runs.is_empty(),
                "a disabled plugin no longer runs: {runs:#?}"
            );
            assert!(ticket.tags.is_empty());
        }
    }
    let hostile = rules
        .plugins()
        .iter()
        .find(|p| p.name() == "hostile")
        .unwrap()
        .clone();
    assert!(!hostile.enabled());
    assert!(
        rules
            .plugins()
            .iter()
            .find(|p| p.name() == "retail-vip")
            .unwrap()
            .enabled()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_that_do_not_subscribe_to_the_event_are_not_run() {
    for (store, _dir) in stores("subscribed").await {
        let copies: Vec<Vec<u8>> = (0..3).map(support::idle_wasm).collect();
        let rules = engine(&store, &copies).await;
        let names: Vec<String> = rules
            .plugins()
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        assert_eq!(
            names,
            ["idle-plugin-000", "idle-plugin-001", "idle-plugin-002"]
        );
        // On a create, the write path must not run them: each would fail and leave an audit
        // row (the fixture fails on every event but updates).
        let ticket = rules
            .create_ticket(&store, draft("a@example.org"), Actor::System)
            .await
            .unwrap();
        let runs = store.rule_runs(ticket.id).await.unwrap();
        assert!(runs.is_empty(), "not subscribed to created: {runs:#?}");
        assert!(
            rules.plugins().iter().all(|p| p.failing_writes() == 0),
            "no evaluation failed"
        );

        // On an update they run: the ping tag makes each evaluation fail visibly.
        let update: TicketDraft = serde_json::from_value(json!({"tags": ["ping-idle"]})).unwrap();
        let updated = rules
            .update_ticket(&store, ticket.id, update, Actor::System)
            .await
            .unwrap();
        let runs = store.rule_runs(updated.id).await.unwrap();
        assert_eq!(runs.len(), 3, "each copy ran once on the update: {runs:#?}");
        assert!(
            runs.iter().all(|run| run.outcome == RunOutcome::Failed
                && run
                    .error
                    .as_deref()
                    .unwrap_or_default()
                    .contains("as subscribed")),
            "{runs:#?}"
        );

        // Dry runs filter the same way.
        let plugin = rules.plugins()[0].clone();
        let dry = rules
            .dry_run_ticket(
                &store,
                &plugin,
                ticket.id,
                wasmdesk_host::domain::EventKind::Created,
            )
            .await
            .unwrap();
        assert!(dry.runs.is_empty(), "not subscribed to created: {dry:?}");
    }
}

/// `bytes` with a custom section appended: the same plugin, another content hash.
fn another_build(bytes: &[u8]) -> Vec<u8> {
    let name = b"wasmdesk-test-build";
    let payload = b"2";
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(payload);
    let mut out = bytes.to_vec();
    out.push(0); // custom section id
    out.push(section.len() as u8); // LEB128, < 128
    out.extend_from_slice(&section);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_version_replaces_the_old_while_writes_in_flight_finish_on_the_old() {
    use std::time::Duration;
    use wasmdesk_host::domain::PluginPatch;
    use wasmdesk_host::plugins::Limits;

    // A peer slow enough that the upload lands while the first write waits on it.
    let peer = support::Peer::start(|_| support::Reply::slow(Duration::from_secs(5)));
    let runtime = Arc::new(
        Runtime::new(RuntimeConfig {
            limits: Limits {
                deadline: Duration::from_secs(10),
                http_timeout: Duration::from_secs(8),
                ..Limits::default()
            },
            ..RuntimeConfig::default()
        })
        .unwrap(),
    );
    for (store, _dir) in stores("replace").await {
        let rules = Rules::new(runtime.clone());
        let (v1, _) = rules
            .install_component(&store, support::hostile_wasm())
            .await
            .unwrap();
        for trigger in &v1.triggers {
            if trigger.key != "http-get" {
                rules
                    .set_trigger_active(&store, v1.id, &trigger.key, false)
                    .await
                    .unwrap();
            }
        }
        let patch = PluginPatch {
            config: Some([("url".to_string(), peer.url("/loyalty"))].into()),
            granted_hosts: Some(vec![peer.origin.clone()]),
            ..PluginPatch::default()
        };
        rules.update_plugin(&store, v1.id, patch).await.unwrap();

        let in_flight = {
            let (rules, store) = (rules.clone(), store.clone());
            tokio::spawn(async move {
                rules
                    .create_ticket(&store, draft("first@example.org"), Actor::System)
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let v2_bytes = another_build(&support::hostile_wasm());
        let (v2, created) = rules.install_component(&store, v2_bytes).await.unwrap();
        assert!(!created, "same name: replaced in place");
        assert_eq!(v2.id, v1.id);
        assert_ne!(v2.content_hash, v1.content_hash);
        match store.backend() {
            // Row locks: the upload touches no row the write holds.
            Backend::Postgres => assert!(
                !in_flight.is_finished(),
                "the upload did not wait for the write in flight"
            ),
            // One writer at a time: the write holds its turn from its first read to its save (one
            // transaction), so the upload is saved after it, never beside it.
            Backend::Sqlite => assert!(
                in_flight.is_finished(),
                "on SQLite the upload waits for the write's turn"
            ),
        }

        let first = in_flight.await.unwrap().unwrap();
        let runs = store.rule_runs(first.id).await.unwrap();
        assert_eq!(runs.len(), 1, "{runs:#?}");
        assert_eq!(
            runs[0].content_hash, v1.content_hash,
            "finished on the old version"
        );
        assert_eq!(first.tags, ["http-get"]);

        let second = rules
            .create_ticket(&store, draft("second@example.org"), Actor::System)
            .await
            .unwrap();
        let runs = store.rule_runs(second.id).await.unwrap();
        assert_eq!(
            runs[0].content_hash, v2.content_hash,
            "later writes run the new one"
        );
    }
}
