//! The contract's version border and v0.2's promises, with real components over HTTP:
//! components built against v0.1.0 and v0.2.0 (kept byte for byte in `tests/contracts/`) upload,
//! fire and are audited as before beside the bundled plugins (v0.3.0); a trigger sees only the
//! inputs it declares; typed configuration is refused with what the key accepts. On SQLite, and on
//! PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod support;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wasmdesk_host::domain::{Action, Event, Priority};
use wasmdesk_host::plugins::{Installation, Outcome};

#[path = "../../host/tests/common/mod.rs"]
mod common;
use common::desk::{Desk, Plugins};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn ticket(desk: &Desk, email: &str) -> Value {
    desk.ok(
        Method::POST,
        "/api/v2/tickets",
        Some(
            json!({"ticket": {"subject": "Help", "description": "My order is late",
                               "requester": {"email": email}}}),
        ),
    )
    .await["ticket"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v0_1_component_keeps_working_beside_the_bundled_plugins() {
    for desk in Desk::each("v0_1_fixture", Plugins::Bundled).await {
        let bundled = desk.plugin_id("retail-vip").await;
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{bundled}"), None)
            .await;
        assert_eq!(shown["plugin"]["contract"], "0.3.0", "{shown}");

        // The v0.1 build replaces the bundled one (same name); prospect-sales stays v0.3.
        let bytes = common::retail_vip_v0_1();
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", bytes.clone())
            .await;
        assert!(status.is_success(), "{status} {body}");
        let plugin = &body["plugin"];
        assert_eq!(plugin["contract"], "0.1.0", "{body}");
        assert_eq!(plugin["content_hash"], hex(&Sha256::digest(&bytes)));
        // It declares nothing, so it reads everything, as it always has; its keys are text.
        let trigger = &plugin["describe"]["triggers"][0];
        assert_eq!(
            trigger["inputs"],
            json!({"user_fields": ["*"], "organization_fields": ["*"], "ticket_fields": ["*"], "text": true})
        );
        assert_eq!(
            plugin["describe"]["config"][0]["kind"],
            json!({"type": "text"})
        );
        let sales = desk.plugin_id("prospect-sales").await;
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{sales}"), None)
            .await;
        assert_eq!(shown["plugin"]["contract"], "0.3.0");

        // It fires as before on a platinum customer, and the audit names its exact code.
        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "ada@gmail.com",
                                 "user_fields": {"service_level": "platinum"}}})),
        )
        .await;
        let vip = ticket(&desk, "ada@gmail.com").await;
        assert_eq!(vip["priority"], "high", "{vip}");
        assert_eq!(vip["tags"], json!(["vip"]), "{vip}");
        let runs = desk.rule_runs(&vip).await;
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["plugin"], "retail-vip");
        assert_eq!(runs[0]["outcome"], "fired");
        assert_eq!(runs[0]["content_hash"], hex(&Sha256::digest(&bytes)));
        assert_eq!(
            runs[0]["actions"],
            json!([{"set_priority": "high"}, {"assign_group": "VIP"}, {"add_tags": ["vip"]}])
        );

        // The bundled plugin beside it fires on a prospect's ticket.
        desk.ok(
            Method::POST,
            "/api/v2/organizations",
            Some(
                json!({"organization": {"name": "Initech", "domain_names": ["initech.example"],
                                         "organization_fields": {"account_type": "prospect"}}}),
            ),
        )
        .await;
        let prospect = ticket(&desk, "bob@initech.example").await;
        assert_eq!(prospect["priority"], "high", "{prospect}");
        let runs = desk.rule_runs(&prospect).await;
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["plugin"], "prospect-sales");

        // An ordinary customer: neither fires.
        let plain = ticket(&desk, "carl@gmail.com").await;
        assert_eq!(plain["priority"], Value::Null);
        assert!(desk.rule_runs(&plain).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v0_2_component_keeps_working_beside_the_bundled_plugins() {
    for desk in Desk::each("v0_2_fixture", Plugins::Bundled).await {
        let bytes = common::retail_vip_v0_2();
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", bytes.clone())
            .await;
        assert!(status.is_success(), "{status} {body}");
        let plugin = &body["plugin"];
        assert_eq!(plugin["contract"], "0.2.0", "{body}");
        // Its declarations and typed configuration read as they did.
        assert_eq!(
            plugin["describe"]["triggers"][0]["inputs"]["user_fields"],
            json!(["service_level", "annual_spend", "social_influence"])
        );
        assert_eq!(
            plugin["describe"]["config"][0]["kind"],
            json!({"type": "decimal"})
        );
        let id = plugin["id"].as_i64().unwrap();
        let (status, refused) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/plugins/{id}/config"),
                Some(json!({"config": {"priority": "super"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "ada@gmail.com",
                                 "user_fields": {"annual_spend": 5000}}})),
        )
        .await;
        let vip = ticket(&desk, "ada@gmail.com").await;
        assert_eq!(vip["priority"], "high", "{vip}");
        let runs = desk.rule_runs(&vip).await;
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["outcome"], "fired");
        assert_eq!(runs[0]["content_hash"], hex(&Sha256::digest(&bytes)));
        assert_eq!(
            runs[0]["actions"],
            json!([{"set_priority": "high"}, {"assign_group": "VIP"}, {"add_tags": ["vip"]}])
        );
    }
}

/// The v0.1, v0.2 and bundled (v0.3) builds of the same rule decide alike, in the runtime
/// itself.
#[test]
fn every_contract_version_decides_alike() {
    let runtime = common::runtime();
    let oldest = runtime.load(&common::retail_vip_v0_1()).unwrap();
    let old = runtime.load(&common::retail_vip_v0_2()).unwrap();
    let new = runtime.load(support::bundled("retail-vip")).unwrap();
    assert_eq!(oldest.contract().number(), "0.1.0");
    assert_eq!(old.contract().number(), "0.2.0");
    assert_eq!(new.contract().number(), "0.3.0");
    let event = |level: &str| -> Event {
        serde_json::from_value(json!({"kind": "created", "ticket": {"id": 7},
            "requester": {"fields": {"service_level": {"option": level},
                                     "annual_spend": {"number": 10.0}}}}))
        .unwrap()
    };
    for plugin in [&oldest, &old, &new] {
        let installation: Arc<Installation> = Installation::new(plugin.info(), [], Vec::new());
        let platinum =
            runtime.evaluate(plugin, &installation, "vip-escalation", &event("platinum"));
        assert_eq!(
            platinum.outcome,
            Outcome::Matched(vec![
                Action::SetPriority(Priority::High),
                Action::AssignGroup("VIP".into()),
                Action::AddTags(vec!["vip".into()]),
            ]),
            "{:?}",
            plugin.contract()
        );
        let gold = runtime.evaluate(plugin, &installation, "vip-escalation", &event("gold"));
        assert_eq!(gold.outcome, Outcome::NotMatched);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v0_2_trigger_sees_only_the_inputs_it_declares() {
    for desk in Desk::each("declared_inputs", Plugins::Bundled).await {
        let (status, body) = desk
            .upload(&desk.admin, "application/wasm", support::peek_wasm())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Admins see the declaration before they enable it.
        assert_eq!(
            body["plugin"]["describe"]["triggers"][0]["inputs"],
            json!({"user_fields": ["service_level"], "organization_fields": ["account_type"],
                   "ticket_fields": [], "text": false})
        );
        desk.ok(
            Method::POST,
            "/api/v2/organizations",
            Some(
                json!({"organization": {"name": "Globex", "domain_names": ["globex.example"],
                "organization_fields": {"account_type": "active_customer", "monthly_spend": 900,
                                        "reference_customer": true}}}),
            ),
        )
        .await;
        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(
                json!({"user": {"email": "hank@globex.example", "user_fields": {
                "service_level": "gold", "annual_spend": 50, "social_influence": "low",
                "last_purchase_date": "2026-11-01"}}}),
            ),
        )
        .await;
        let created = ticket(&desk, "hank@globex.example").await;
        let id = created["id"].as_i64().unwrap();
        let comments = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}/comments"), None)
            .await;
        let notes: Vec<&str> = comments["comments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["public"] == false)
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            [
                "saw user=service_level org=account_type ticket= description=none comment=none changes="
            ],
            "{comments}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_configuration_is_refused_with_what_the_key_accepts() {
    for desk in Desk::each("typed_config", Plugins::Bundled).await {
        let retail = desk.plugin_id("retail-vip").await;
        let path = format!("/api/v2/plugins/{retail}/config");
        let (status, body) = desk
            .admin(
                Method::PUT,
                &path,
                Some(json!({"config": {"priority": "super", "spend_threshold": "a lot", "group": " "}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let details = &body["details"];
        assert!(
            details["config.priority"][0]["description"]
                .as_str()
                .unwrap()
                .contains("one of: low, normal, high, urgent"),
            "{body}"
        );
        assert!(
            details["config.spend_threshold"][0]["description"]
                .as_str()
                .unwrap()
                .contains("a decimal number"),
            "{body}"
        );
        assert!(
            details["config.group"][0]["description"].as_str().is_some(),
            "{body}"
        );
        // Nothing was saved; good values are.
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{retail}"), None)
            .await;
        assert_eq!(shown["plugin"]["config"], json!({}), "{shown}");
        assert_eq!(
            shown["plugin"]["describe"]["config"][1]["kind"],
            json!({"type": "one_of", "allowed": ["low", "normal", "high", "urgent"]})
        );
        let saved = desk
            .ok(
                Method::PUT,
                &path,
                Some(json!({"config": {"priority": "urgent", "spend_threshold": "500.5"}})),
            )
            .await;
        assert_eq!(saved["plugin"]["config"]["priority"], "urgent", "{saved}");
    }
}
