//! Plugin management over HTTP with the real bundled components: installed on first start,
//! listed, configured, granted, disabled, reordered, dry-run, replayed, deleted and uploaded
//! again; bad uploads refused with the runtime's reason. On SQLite, and on PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use std::time::{Duration, Instant};

use common::desk::{Desk, limits};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::plugins::{Limits, Runtime, RuntimeConfig, bundled};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

/// A platinum customer writes in; returns the stored ticket.
async fn platinum_ticket(desk: &Desk, email: &str) -> Value {
    desk.ok(
        Method::POST,
        "/api/v2/users",
        Some(json!({"user": {"name": email, "email": email,
            "user_fields": {"service_level": "platinum"}}})),
    )
    .await;
    desk.ok(
        Method::POST,
        "/api/v2/tickets",
        Some(
            json!({"ticket": {"description": "Where is my order?", "requester": {"email": email}}}),
        ),
    )
    .await["ticket"]
        .clone()
}

fn retail_bytes() -> Vec<u8> {
    bundled()
        .iter()
        .find(|(name, _)| *name == "retail-vip")
        .unwrap()
        .1
        .to_vec()
}

/// Two replicas (store and engine each, bundled plugins) on one fresh schema of the test
/// PostgreSQL database, with its URL and the schema; `None` without PostgreSQL.
async fn replicas(name: &str) -> Option<(String, String, [(Store, Rules); 2])> {
    let url = std::env::var("WASMDESK_TEST_DATABASE_URL").ok()?;
    let schema = format!("{name}_{}", std::process::id());
    let store_a = Store::connect_in_schema(&url, &schema).await.unwrap();
    let store_b = Store::connect_in_schema(&url, &schema).await.unwrap();
    let rules_a = common::bundled_rules(&store_a).await;
    let rules_b = common::bundled_rules(&store_b).await;
    Some((url, schema, [(store_a, rules_a), (store_b, rules_b)]))
}

async fn drop_schema(url: &str, schema: &str) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&pool)
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundled_plugins_are_installed_on_first_start_and_admins_manage_them() {
    for (store, _dir) in common::stores("plugins_api").await {
        let rules = common::bundled_rules(&store).await;
        let desk = Desk::start(store.clone(), None, rules, limits()).await;

        // Installed on first start, enabled, described, in order.
        let list = desk.ok(Method::GET, "/api/v2/plugins", None).await;
        let names: Vec<&str> = list["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "loyalty-routing",
                "org-routing",
                "prospect-sales",
                "retail-vip"
            ],
            "{list}"
        );
        let retail = list["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "retail-vip")
            .unwrap();
        assert_eq!(retail["name"], "retail-vip");
        assert_eq!(retail["bundled"], true);
        assert_eq!(retail["enabled"], true);
        assert_eq!(retail["content_hash"].as_str().unwrap().len(), 64);
        assert_eq!(retail["triggers"][0]["key"], "vip-escalation");
        assert_eq!(retail["describe"]["groups"][0], "VIP");
        assert_eq!(retail["failures"], 0);
        let retail_id = retail["id"].as_i64().unwrap();
        let prospect_id = desk.plugin_id("prospect-sales").await;

        // Agents cannot see or touch plugins.
        // (Small bodies for refusals that come before the body is read: the server answers
        // and closes, and a client still sending a large body sees the connection reset.)
        let agent_upload = desk
            .upload(&desk.agent, "application/wasm", b"\0asm".to_vec())
            .await;
        assert_eq!(agent_upload.0, StatusCode::FORBIDDEN, "{}", agent_upload.1);
        let agent_list = desk
            .send(
                desk.client
                    .get(format!("{}/api/v2/plugins", desk.base))
                    .bearer_auth(&desk.agent),
            )
            .await;
        assert_eq!(agent_list.0, StatusCode::FORBIDDEN);

        // The recipe works out of the box.
        let ticket = platinum_ticket(&desk, "ada@example.org").await;
        assert_eq!(ticket["priority"], "high", "{ticket}");
        let escalated_id = ticket["id"].as_i64().unwrap();

        // Disabled: it no longer runs; enabled again: it does.
        let disabled = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}"),
                Some(json!({"plugin": {"enabled": false}})),
            )
            .await;
        assert_eq!(disabled["plugin"]["enabled"], false);
        let ticket = platinum_ticket(&desk, "bob@example.org").await;
        assert_eq!(ticket["priority"], Value::Null, "{ticket}");
        let untouched_id = ticket["id"].as_i64().unwrap();
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{retail_id}"),
            Some(json!({"plugin": {"enabled": true}})),
        )
        .await;

        // One trigger off: the plugin is enabled but that trigger does not run.
        let path = format!("/api/v2/plugins/{retail_id}/triggers/vip-escalation");
        let off = desk
            .ok(
                Method::PUT,
                &path,
                Some(json!({"trigger": {"active": false}})),
            )
            .await;
        assert_eq!(off["plugin"]["triggers"][0]["active"], false);
        let ticket = platinum_ticket(&desk, "cy@example.org").await;
        assert_eq!(ticket["priority"], Value::Null, "{ticket}");
        desk.ok(
            Method::PUT,
            &path,
            Some(json!({"trigger": {"active": true}})),
        )
        .await;
        let (status, body) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/triggers/no-such-trigger"),
                Some(json!({"trigger": {"active": false}})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(
            body["description"]
                .as_str()
                .unwrap()
                .contains("vip-escalation"),
            "{body}"
        );

        // Configuration: a group it names is created; an unknown key is refused, named.
        let configured = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/config"),
                Some(json!({"config": {"group": "Concierge", "priority": "urgent"}})),
            )
            .await;
        assert_eq!(configured["plugin"]["config"]["group"], "Concierge");
        let groups = desk.ok(Method::GET, "/api/v2/groups", None).await;
        assert!(
            groups["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["name"] == "Concierge"),
            "{groups}"
        );
        let ticket = platinum_ticket(&desk, "dee@example.org").await;
        assert_eq!(ticket["priority"], "urgent", "{ticket}");
        let (status, body) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/config"),
                Some(json!({"config": {"colour": "red"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["details"]["config.colour"][0]["description"]
                .as_str()
                .unwrap()
                .contains("spend_threshold"),
            "{body}"
        );
        // A group name that cannot be a group: refused, nothing saved.
        let (status, body) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/config"),
                Some(json!({"config": {"group": "   "}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["details"]["config.group"].is_array(), "{body}");
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{retail_id}"), None)
            .await;
        assert_eq!(shown["plugin"]["config"]["group"], "Concierge", "{shown}");

        // Grants: origins only, every bad one named; revoking is granting fewer.
        let (status, body) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/granted_hosts"),
                Some(json!({"granted_hosts": ["https://loyalty.example.com", "not an origin"]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["details"]["granted_hosts[1]"].is_array(), "{body}");
        let granted = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/plugins/{retail_id}/granted_hosts"),
                Some(json!({"granted_hosts": ["https://loyalty.example.com"]})),
            )
            .await;
        assert_eq!(
            granted["plugin"]["granted_hosts"],
            json!(["https://loyalty.example.com"])
        );

        // The desk-wide order: listed, reordered, and a partial order is refused.
        let triggers = desk.ok(Method::GET, "/api/v2/triggers", None).await;
        assert_eq!(triggers["count"], 4);
        let first = triggers["triggers"][0]["plugin"].clone();
        let reversed: Vec<Value> = triggers["triggers"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|t| json!({"plugin_id": t["plugin_id"], "trigger": t["trigger"]}))
            .collect();
        let reordered = desk
            .ok(
                Method::PUT,
                "/api/v2/triggers/reorder",
                Some(json!({"trigger_ids": reversed})),
            )
            .await;
        assert_eq!(reordered["triggers"][3]["plugin"], first, "{reordered}");
        let (status, body) = desk
            .admin(
                Method::PUT,
                "/api/v2/triggers/reorder",
                Some(json!({"trigger_ids": [reversed[0]]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["details"]["trigger_ids"][0]["description"]
                .as_str()
                .unwrap()
                .contains("missing"),
            "{body}"
        );

        // Dry run on a stored ticket: what it would change, nothing written.
        let runs_before = desk
            .ok(
                Method::GET,
                &format!("/api/v2/rule_runs?ticket_id={untouched_id}"),
                None,
            )
            .await;
        let dry = desk
            .ok(
                Method::POST,
                &format!("/api/v2/plugins/{retail_id}/dry_run"),
                Some(json!({"ticket_id": untouched_id})),
            )
            .await;
        assert_eq!(
            dry["dry_run"]["runs"][0]["trigger"], "vip-escalation",
            "{dry}"
        );
        assert_eq!(dry["dry_run"]["runs"][0]["outcome"], "fired", "{dry}");
        assert!(
            dry["dry_run"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "priority"),
            "{dry}"
        );
        let stored = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{untouched_id}"),
                None,
            )
            .await;
        assert_eq!(
            stored["ticket"]["priority"],
            Value::Null,
            "a dry run writes nothing"
        );
        let runs_after = desk
            .ok(
                Method::GET,
                &format!("/api/v2/rule_runs?ticket_id={untouched_id}"),
                None,
            )
            .await;
        assert_eq!(runs_before, runs_after);
        // ... or on an event; and a body that says neither is refused.
        let event = desk
            .ok(
                Method::POST,
                &format!("/api/v2/plugins/{retail_id}/dry_run"),
                Some(json!({"event": {"kind": "created", "requester": {"fields": {"service_level": {"option": "platinum"}}}}})),
            )
            .await;
        assert_eq!(event["dry_run"][0]["matched"], true, "{event}");
        let (status, _) = desk
            .admin(
                Method::POST,
                &format!("/api/v2/plugins/{retail_id}/dry_run"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Replay over the newest tickets, newest first.
        let replay = desk
            .ok(
                Method::POST,
                &format!("/api/v2/plugins/{prospect_id}/replay"),
                Some(json!({"last": 3})),
            )
            .await;
        assert_eq!(replay["count"], 3, "{replay}");
        let (status, _) = desk
            .admin(
                Method::POST,
                &format!("/api/v2/plugins/{prospect_id}/replay"),
                Some(json!({"last": 0})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Deleted: gone from the list and from the cycle; its audit rows stay.
        let (status, _) = desk
            .admin(
                Method::DELETE,
                &format!("/api/v2/plugins/{retail_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let list = desk.ok(Method::GET, "/api/v2/plugins", None).await;
        assert_eq!(list["count"], 3);
        let audit = desk
            .ok(
                Method::GET,
                &format!("/api/v2/rule_runs?ticket_id={escalated_id}"),
                None,
            )
            .await;
        assert_eq!(audit["rule_runs"][0]["plugin"], "retail-vip", "{audit}");
        let ticket = platinum_ticket(&desk, "eve@example.org").await;
        assert_eq!(ticket["priority"], Value::Null, "{ticket}");

        // A restart keeps the admin's choices: the deleted bundled plugin stays deleted.
        let restarted = common::bundled_rules(&store).await;
        let names: Vec<String> = restarted
            .plugins()
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        assert_eq!(names, ["loyalty-routing", "org-routing", "prospect-sales"]);

        // Uploaded again (the admin's way): installed, and the recipe works again.
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", retail_bytes())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["plugin"]["bundled"], false);
        let ticket = platinum_ticket(&desk, "fay@example.org").await;
        assert_eq!(ticket["priority"], "high", "{ticket}");
        // The same name again replaces it in place: 200, same id.
        let new_id = body["plugin"]["id"].clone();
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", retail_bytes())
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["plugin"]["id"], new_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_with_the_reason() {
    for (store, _dir) in common::stores("bad_uploads").await {
        let rules = Rules::load(&store, common::runtime()).await.unwrap();
        let desk = Desk::start(store.clone(), None, rules, limits()).await;
        bad_uploads(&desk).await;
    }
}

async fn bad_uploads(desk: &Desk) {
    let (status, body) = desk
        .upload(
            &desk.admin,
            "application/wasm",
            b"definitely not wasm".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_plugin");
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("not a WebAssembly binary"),
        "{body}"
    );

    // A core module, not a component: the reason says how to build one.
    let core = b"\0asm\x01\0\0\0".to_vec();
    let (status, body) = desk.upload(&desk.admin, "application/wasm", core).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("wasm32-wasip2"),
        "{body}"
    );

    let (status, body) = desk
        .upload(&desk.admin, "application/json", b"{}".to_vec())
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .contains("application/wasm"),
        "{body}"
    );

    let (status, body) = desk
        .upload(
            &desk.admin,
            "application/wasm",
            retail_bytes()[..2000].to_vec(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "truncated: {body}"
    );

    // A field the plugin declares exists with another type: 409 naming it, nothing installed.
    desk.ok(
        Method::POST,
        "/api/v2/user_fields",
        Some(json!({"user_field": {"key": "service_level", "type": "text", "title": "Service level"}})),
    )
    .await;
    let (status, body) = desk
        .upload(&desk.admin, "application/wasm", retail_bytes())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let reason = body["details"]["user_fields.service_level"][0]["description"]
        .as_str()
        .unwrap();
    assert!(
        reason.starts_with("user field \"service_level\" exists as a text field"),
        "{reason}"
    );
    let list = desk.ok(Method::GET, "/api/v2/plugins", None).await;
    assert_eq!(list["count"], 0, "{list}");

    // Unknown plugin ids are 404s.
    let (status, _) = desk.admin(Method::GET, "/api/v2/plugins/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_over_the_size_limit_is_a_413() {
    let (store, _dir) = common::stores("upload_limit").await.remove(0);
    let runtime = Runtime::new(RuntimeConfig {
        limits: Limits {
            component_bytes: 4096,
            ..Limits::default()
        },
        ..RuntimeConfig::default()
    })
    .unwrap();
    let rules = Rules::load(&store, std::sync::Arc::new(runtime))
        .await
        .unwrap();
    let desk = Desk::start(store, None, rules, limits()).await;
    let (status, body) = desk
        .upload(&desk.admin, "application/wasm", retail_bytes())
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["description"].as_str().unwrap().contains("4096"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installing_a_plugin_completes_existing_dropdowns_and_keeps_their_options() {
    for (store, _dir) in common::stores("dropdown_options").await {
        let rules = Rules::load(&store, common::runtime()).await.unwrap();
        let desk = Desk::start(store.clone(), None, rules, limits()).await;
        // The admin's own service levels, one the plugin does not know.
        let field = desk
            .ok(
                Method::POST,
                "/api/v2/user_fields",
                Some(
                    json!({"user_field": {"type": "dropdown", "key": "service_level",
                    "title": "Service level", "custom_field_options": [
                        {"name": "Diamond", "value": "diamond"},
                        {"name": "Platinum", "value": "platinum"}]}}),
                ),
            )
            .await;
        let field_id = field["user_field"]["id"].as_i64().unwrap();
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", retail_bytes())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let field = desk
            .ok(
                Method::GET,
                &format!("/api/v2/user_fields/{field_id}"),
                None,
            )
            .await;
        let values: Vec<&str> = field["user_field"]["custom_field_options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|option| option["value"].as_str().unwrap())
            .collect();
        assert_eq!(
            values,
            ["diamond", "platinum", "gold", "silver", "bronze"],
            "{field}"
        );
        // The fields it declared and lacked, and its group, now exist.
        let fields = desk.ok(Method::GET, "/api/v2/user_fields", None).await;
        assert_eq!(fields["count"], 5, "{fields}");
        let groups = desk.ok(Method::GET, "/api/v2/groups", None).await;
        assert_eq!(groups["groups"][0]["name"], "VIP", "{groups}");
    }
}

/// An admin's typo makes a plugin fail on every ticket: every ticket is still saved, each
/// failure is audited and counted, and after 5 writes in a row the plugin is disabled, with the
/// reason shown to the admin, until they enable it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misconfigured_plugin_costs_no_ticket_and_is_disabled_visibly() {
    for (store, _dir) in common::stores("misconfigured").await {
        let rules = common::bundled_rules(&store).await;
        let desk = Desk::start(store.clone(), None, rules, limits()).await;
        // A v0.1 build of retail-vip, whose untyped configuration the host cannot refuse.
        let retail_id = common::install_misconfigured_retail_vip(&desk).await;
        for n in 0..6 {
            let ticket = platinum_ticket(&desk, &format!("c{n}@example.org")).await;
            assert_eq!(ticket["priority"], Value::Null, "not escalated: {ticket}");
            let audit = desk
                .ok(
                    Method::GET,
                    &format!("/api/v2/rule_runs?ticket_id={}", ticket["id"]),
                    None,
                )
                .await;
            if n < 5 {
                let run = &audit["rule_runs"][0];
                assert_eq!(run["outcome"], "failed", "{audit}");
                assert!(
                    run["error"].as_str().unwrap().contains("spend_threshold"),
                    "{run}"
                );
                assert_eq!(
                    run["error"].as_str().unwrap().contains("now disabled"),
                    n == 4,
                    "{run}"
                );
            } else {
                assert_eq!(audit["count"], 0, "a disabled plugin does not run: {audit}");
            }
        }
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{retail_id}"), None)
            .await;
        assert_eq!(shown["plugin"]["enabled"], false, "{shown}");
        assert_eq!(
            shown["plugin"]["disabled_reason"],
            "it failed on 5 ticket writes in a row"
        );
        assert_eq!(shown["plugin"]["failures"], 5);
        let metrics = desk
            .client
            .get(format!("{}/metrics", desk.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("wasmdesk_plugin_failures_total{plugin=\"retail-vip\"}"),
            "{metrics}"
        );

        // Fixed and enabled again: the reason is gone and the recipe works.
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{retail_id}"),
            Some(json!({"plugin": {"enabled": true, "config": {}}})),
        )
        .await;
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{retail_id}"), None)
            .await;
        assert_eq!(shown["plugin"]["disabled_reason"], Value::Null);
        let ticket = platinum_ticket(&desk, "fixed@example.org").await;
        assert_eq!(ticket["priority"], "high", "{ticket}");
    }
}

/// Two replicas starting at once on one fresh PostgreSQL database (as operators start them
/// behind a load balancer): both migrate it without tripping over each other (sqlx holds an
/// advisory lock) and the bundled plugins are installed once (the marker is compared and set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_starting_at_once_migrate_and_install_once() {
    let Ok(url) = std::env::var("WASMDESK_TEST_DATABASE_URL") else {
        return; // one process owns a SQLite file
    };
    let name = format!("wasmdesk_replicas_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let create = format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}");
    for statement in create.split("; ") {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&admin)
            .await
            .unwrap();
    }
    let mut parsed = url::Url::parse(&url).unwrap();
    parsed.set_path(&format!("/{name}"));
    let replica_url = parsed.to_string();
    let start = || {
        let url = replica_url.clone();
        async move {
            let store = Store::connect(&url).await.unwrap();
            let rules = common::bundled_rules(&store).await;
            (store, rules)
        }
    };
    let ((first, first_rules), (second, second_rules)) = tokio::join!(start(), start());
    let listed = first.plugins().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "loyalty-routing",
            "org-routing",
            "prospect-sales",
            "retail-vip"
        ],
        "installed once"
    );
    assert_eq!(first_rules.plugins().len(), 4);
    assert_eq!(second_rules.plugins().len(), 4);
    first.close().await;
    second.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
}

/// Replicas in step: two servers on one PostgreSQL database, each following plugin changes
/// (as `wasmdesk serve` does: notified as they commit, and checking every second). A disable, a configuration change and a re-enable
/// made through replica A are applied by replica B, which was not told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_change_through_one_replica_is_applied_by_the_other() {
    let Some((url, schema, [(store_a, rules_a), (store_b, rules_b)])) =
        replicas("t_replicas").await
    else {
        return; // one process owns a SQLite file
    };
    let following = rules_b.follow(store_b.clone(), std::time::Duration::from_secs(1));
    let a = Desk::start(store_a, None, rules_a, limits()).await;
    let b = Desk::start(store_b, None, rules_b, limits()).await;
    let retail = a.plugin_id("retail-vip").await;

    /// Tickets from platinum customers on `b` until `applied` holds for one (20 s at most).
    async fn on_b_until(b: &Desk, what: &str, applied: impl Fn(&Value) -> bool) -> Duration {
        let started = Instant::now();
        for n in 0.. {
            let ticket = platinum_ticket(b, &format!("{what}{n}@example.org")).await;
            if applied(&ticket) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "replica B never applied: {what}: {ticket}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        unreachable!()
    }

    let ticket = platinum_ticket(&b, "before@example.org").await;
    assert_eq!(ticket["priority"], "high", "{ticket}");

    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}"),
        Some(json!({"plugin": {"enabled": false}})),
    )
    .await;
    let disabled = on_b_until(&b, "disabled", |t| t["priority"].is_null()).await;

    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}/config"),
        Some(json!({"config": {"priority": "urgent"}})),
    )
    .await;
    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}"),
        Some(json!({"plugin": {"enabled": true}})),
    )
    .await;
    let configured = on_b_until(&b, "urgent", |t| t["priority"] == "urgent").await;
    println!(
        "replica B applied: a disable after {disabled:?}, a configuration after {configured:?}"
    );
    following.abort();
    drop_schema(&url, &schema).await;
}

/// The failure streak is the desk's, not a replica's: a misconfigured plugin failing on writes
/// served by two replicas of one PostgreSQL database is disabled on the fifth failing write,
/// whichever replica served it; a clean write on either ends the streak for both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_count_a_plugins_failure_streak_together() {
    let Some((url, schema, [(store_a, rules_a), (store_b, rules_b)])) = replicas("t_streaks").await
    else {
        return; // one process owns a SQLite file
    };
    let every = Duration::from_millis(200);
    let following_a = rules_a.follow(store_a.clone(), every);
    let following_b = rules_b.follow(store_b.clone(), every);
    let a = Desk::start(store_a.clone(), None, rules_a, limits()).await;
    let b = Desk::start(store_b, None, rules_b, limits()).await;
    let retail = common::install_misconfigured_retail_vip(&a).await;
    let streak = || async {
        let streaks = store_a.failure_streaks().await.unwrap();
        streaks.iter().find(|(id, _)| *id == retail).unwrap().1
    };
    tokio::time::sleep(Duration::from_millis(600)).await; // B has loaded the upload

    // Two failing writes on each replica: a streak of 4, not yet 5 anywhere.
    for (n, desk) in [&a, &b, &a, &b].into_iter().enumerate() {
        let ticket = platinum_ticket(desk, &format!("fail{n}@example.org")).await;
        assert_eq!(desk.rule_runs(&ticket).await[0]["outcome"], "failed");
    }
    assert_eq!(streak().await, 4);

    // A clean write on B (configuration fixed through A) ends it for both.
    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}/config"),
        Some(json!({"config": {"spend_threshold": "1000"}})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let clean = platinum_ticket(&b, "clean@example.org").await;
    assert_eq!(clean["priority"], "high", "{clean}");
    assert_eq!(streak().await, 0);

    // Broken again: three failing writes on A, then two on B; B's second is the fifth.
    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}/config"),
        Some(json!({"config": {"spend_threshold": "lots"}})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    for (n, desk) in [&a, &a, &a, &b, &b].into_iter().enumerate() {
        let ticket = platinum_ticket(desk, &format!("again{n}@example.org")).await;
        let runs = desk.rule_runs(&ticket).await;
        let error = runs[0]["error"].as_str().unwrap();
        assert_eq!(error.contains("now disabled"), n == 4, "write {n}: {error}");
    }
    let shown = a
        .ok(Method::GET, &format!("/api/v2/plugins/{retail}"), None)
        .await;
    assert_eq!(shown["plugin"]["enabled"], false, "{shown}");
    assert_eq!(
        shown["plugin"]["disabled_reason"],
        "it failed on 5 ticket writes in a row"
    );
    // Both replicas stop running it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for (n, desk) in [&a, &b].into_iter().enumerate() {
        let ticket = platinum_ticket(desk, &format!("after{n}@example.org")).await;
        assert!(desk.rule_runs(&ticket).await.is_empty(), "{}", desk.base);
    }
    following_a.abort();
    following_b.abort();
    drop_schema(&url, &schema).await;
}

/// On PostgreSQL the database notifies replicas of a plugin change as it commits: replica B,
/// whose periodic check is an hour away, runs a component uploaded through replica A, and
/// applies a disable made through A, at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_hears_of_a_plugin_change_as_it_commits() {
    let Some((url, schema, [(store_a, rules_a), (store_b, rules_b)])) = replicas("t_notify").await
    else {
        return; // one process owns a SQLite file
    };
    let following = rules_b.follow(store_b.clone(), Duration::from_secs(3600));
    let a = Desk::start(store_a, None, rules_a, limits()).await;
    let b = Desk::start(store_b, None, rules_b, limits()).await;
    let retail = a.plugin_id("retail-vip").await;
    tokio::time::sleep(Duration::from_millis(300)).await; // B is listening

    // The v0.2 build of retail-vip replaces the bundled one through A; B fires it.
    let bytes = common::retail_vip_v0_2();
    let (status, body) = a.upload(&a.admin, "application/wasm", bytes.clone()).await;
    assert!(status.is_success(), "{status} {body}");
    let uploaded = body["plugin"]["content_hash"].clone();
    let started = Instant::now();
    for n in 0.. {
        let ticket = platinum_ticket(&b, &format!("uploaded{n}@example.org")).await;
        let runs = b.rule_runs(&ticket).await;
        if runs.iter().any(|run| run["content_hash"] == uploaded) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "replica B did not run the upload: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "replica B ran an upload {:?} after it committed",
        started.elapsed()
    );

    a.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{retail}"),
        Some(json!({"plugin": {"enabled": false}})),
    )
    .await;
    let started = Instant::now();
    for n in 0.. {
        let ticket = platinum_ticket(&b, &format!("heard{n}@example.org")).await;
        if ticket["priority"].is_null() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "replica B did not hear of the disable: {ticket}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "replica B applied a disable {:?} after it committed",
        started.elapsed()
    );
    following.abort();
    drop_schema(&url, &schema).await;
}
