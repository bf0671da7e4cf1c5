//! Customer types and the details panels over HTTP: a real server on loopback, SQLite and
//! PostgreSQL (when `WASMDESK_TEST_DATABASE_URL` is set).

mod common;

use std::time::Duration;

use common::desk::Desk;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::http::HttpLimits;

async fn servers(test: &str) -> Vec<Desk> {
    let mut servers = Vec::new();
    for (store, dir) in common::stores(test).await {
        let limits = HttpLimits {
            body_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(10),
        };
        servers.push(Desk::start(store, dir, common::no_rules(), limits).await);
    }
    servers
}

fn keys(panel: &Value) -> Vec<(String, bool)> {
    panel["panel"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_string(),
                p["visible"].as_bool().unwrap_or(true),
            )
        })
        .collect()
}

#[tokio::test]
async fn customers_have_at_most_one_type_searchable_by_name() {
    for desk in servers("customer_types").await {
        // An admin defines the list; agents read it.
        let vip = desk
            .ok(
                Method::POST,
                "/api/v2/customer_types",
                Some(json!({"customer_type": {"name": "VIP", "description": "Spends big"}})),
            )
            .await;
        assert_eq!(vip["customer_type"]["name"], "vip", "{vip}");
        assert_eq!(vip["customer_type"]["position"], 1);
        let trial = desk
            .ok(
                Method::POST,
                "/api/v2/customer_types",
                Some(json!({"customer_type": {"name": "trial"}})),
            )
            .await;
        assert_eq!(trial["customer_type"]["position"], 2);
        let (status, body) = desk
            .agent(
                Method::POST,
                "/api/v2/customer_types",
                Some(json!({"customer_type": {"name": "x"}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/customer_types",
                Some(json!({"customer_type": {"name": "two words"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("type:"), "{body}");
        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/customer_types",
                Some(json!({"customer_type": {"name": "vip"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, list) = desk
            .agent(Method::GET, "/api/v2/customer_types.json", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["count"], 2);

        // A customer gets a type by name; an unknown one is refused naming the known ones.
        let ada = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "ada@shop.example", "type": "vip"}})),
            )
            .await;
        assert_eq!(ada["user"]["type"], "vip");
        let ada_id = ada["user"]["id"].as_i64().unwrap();
        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "bob@shop.example", "type": "gold"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.to_string().contains("the desk has: vip, trial"),
            "{body}"
        );
        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/users",
                Some(
                    json!({"user": {"email": "eve@desk.example", "role": "agent", "type": "vip"}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("only customers"), "{body}");
        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "bob@shop.example"}})),
        )
        .await;

        // Searchable as type:vip (and customer_type:vip in the global search).
        let (_, found) = desk
            .agent(Method::GET, "/api/v2/users/search?query=type:vip", None)
            .await;
        assert_eq!(found["count"], 1, "{found}");
        assert_eq!(found["users"][0]["id"], ada_id);
        let (_, found) = desk
            .agent(
                Method::GET,
                "/api/v2/search?query=type:user%20customer_type:vip",
                None,
            )
            .await;
        assert_eq!(found["count"], 1, "{found}");
        let (status, body) = desk
            .agent(Method::GET, "/api/v2/users/search?query=type:gold", None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // Renamed, the customer keeps it; changed and cleared by name; deleted, it is gone
        // from its customers.
        let vip_id = vip["customer_type"]["id"].as_i64().unwrap();
        desk.ok(
            Method::PUT,
            &format!("/api/v2/customer_types/{vip_id}"),
            Some(json!({"customer_type": {"name": "platinum"}})),
        )
        .await;
        let ada = desk
            .ok(Method::GET, &format!("/api/v2/users/{ada_id}"), None)
            .await;
        assert_eq!(ada["user"]["type"], "platinum");
        let ada = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/users/{ada_id}"),
                Some(json!({"user": {"type": "trial"}})),
            )
            .await;
        assert_eq!(ada["user"]["type"], "trial");
        let ada = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/users/{ada_id}"),
                Some(json!({"user": {"name": "Ada L."}})),
            )
            .await;
        assert_eq!(ada["user"]["type"], "trial", "kept when not sent");
        let trial_id = trial["customer_type"]["id"].as_i64().unwrap();
        let (status, _) = desk
            .admin(
                Method::DELETE,
                &format!("/api/v2/customer_types/{trial_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let ada = desk
            .ok(Method::GET, &format!("/api/v2/users/{ada_id}"), None)
            .await;
        assert_eq!(ada["user"]["type"], Value::Null);
        let (status, _) = desk
            .admin(
                Method::DELETE,
                &format!("/api/v2/customer_types/{trial_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_panel_shows_what_admins_configured_and_never_an_inactive_field() {
    for desk in servers("panels").await {
        let level = desk
            .ok(
                Method::POST,
                "/api/v2/user_fields",
                Some(json!({"user_field": {"type": "dropdown", "key": "service_level",
                    "title": "Service level", "custom_field_options": [
                        {"name": "Platinum", "value": "platinum"}, {"name": "Gold", "value": "gold"}]}})),
            )
            .await;
        let secret = desk
            .ok(
                Method::POST,
                "/api/v2/user_fields",
                Some(json!({"user_field": {"type": "text", "key": "secret_note",
                    "title": "Secret note"}})),
            )
            .await;
        desk.ok(
            Method::POST,
            "/api/v2/customer_types",
            Some(json!({"customer_type": {"name": "vip"}})),
        )
        .await;
        let ada = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "ada@shop.example", "type": "vip",
                    "tags": ["big"], "user_fields": {"service_level": "platinum", "secret_note": "psst"}}})),
            )
            .await;
        let ada_id = ada["user"]["id"].as_i64().unwrap();

        // The default panel: every standard property and every active field, shown.
        let (status, config) = desk
            .agent(Method::GET, "/api/v2/panels/customer", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{config}");
        assert_eq!(
            keys(&config),
            [
                "email",
                "phone",
                "organization",
                "type",
                "tags",
                "created_at",
                "user_fields.service_level",
                "user_fields.secret_note"
            ]
            .map(|k| (k.to_string(), true))
        );
        let (_, panel) = desk
            .agent(Method::GET, &format!("/api/v2/users/{ada_id}/panel"), None)
            .await;
        let entry = |panel: &Value, key: &str| {
            panel["panel"]["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["key"] == key)
                .cloned()
        };
        let organization = entry(&panel, "organization").unwrap();
        assert_eq!(
            organization["text"], "Shop",
            "made from the domain: {panel}"
        );
        let level_entry = entry(&panel, "user_fields.service_level").unwrap();
        assert_eq!(level_entry["value"], "platinum");
        assert_eq!(level_entry["text"], "Platinum");
        assert_eq!(level_entry["label"], "Service level");
        assert_eq!(entry(&panel, "type").unwrap()["text"], "vip");

        // Configured: type first, the level, email hidden; the rest come after, hidden.
        let (status, body) = desk
            .agent(
                Method::PUT,
                "/api/v2/panels/customer",
                Some(json!({"panel": {"properties": [{"key": "type"}]}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let config = desk
            .ok(
                Method::PUT,
                "/api/v2/panels/customer",
                Some(json!({"panel": {"properties": [
                    {"key": "type"}, {"key": "user_fields.service_level", "visible": true},
                    {"key": "email", "visible": false}]}})),
            )
            .await;
        assert_eq!(
            keys(&config)[..3],
            [
                ("type".to_string(), true),
                ("user_fields.service_level".to_string(), true),
                ("email".to_string(), false),
            ]
        );
        assert!(keys(&config)[3..].iter().all(|(_, visible)| !visible));
        let (_, panel) = desk
            .agent(Method::GET, &format!("/api/v2/users/{ada_id}/panel"), None)
            .await;
        let shown: Vec<&str> = panel["panel"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap())
            .collect();
        assert_eq!(shown, ["type", "user_fields.service_level"]);
        assert_eq!(panel["panel"]["title"], "ada");

        // Bad configurations say which entry and why.
        let (status, body) = desk
            .admin(
                Method::PUT,
                "/api/v2/panels/customer",
                Some(json!({"panel": {"properties": [{"key": "type"}, {"key": "domain_names"}, {"key": "type"}]}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let text = body.to_string();
        assert!(
            text.contains("properties[1].key") && text.contains("it offers: email"),
            "{text}"
        );
        assert!(
            text.contains("properties[2].key") && text.contains("listed twice"),
            "{text}"
        );
        let (status, body) = desk.admin(Method::GET, "/api/v2/panels/ticket", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(body.to_string().contains("customer"), "{body}");

        // An inactive field never shows, even when configured shown.
        desk.ok(
            Method::PUT,
            "/api/v2/panels/customer",
            Some(json!({"panel": {"properties": [
                {"key": "user_fields.secret_note"}, {"key": "user_fields.service_level"}]}})),
        )
        .await;
        let secret_id = secret["user_field"]["id"].as_i64().unwrap();
        desk.ok(
            Method::PUT,
            &format!("/api/v2/user_fields/{secret_id}"),
            Some(json!({"user_field": {"active": false}})),
        )
        .await;
        let (_, panel) = desk
            .agent(Method::GET, &format!("/api/v2/users/{ada_id}/panel"), None)
            .await;
        assert!(
            entry(&panel, "user_fields.secret_note").is_none(),
            "{panel}"
        );
        assert!(entry(&panel, "user_fields.service_level").is_some());
        let (_, config) = desk
            .agent(Method::GET, "/api/v2/panels/customer", None)
            .await;
        assert!(
            !keys(&config)
                .iter()
                .any(|(key, _)| key == "user_fields.secret_note"),
            "{config}"
        );
        // Nor does the user show the value, which is what the rules engine reads too
        // (plugins never see it); it is kept, and back when the field is active again.
        let user = desk
            .ok(Method::GET, &format!("/api/v2/users/{ada_id}"), None)
            .await;
        assert_eq!(
            user["user"]["user_fields"],
            json!({"service_level": "platinum"})
        );
        desk.ok(
            Method::PUT,
            &format!("/api/v2/user_fields/{secret_id}"),
            Some(json!({"user_field": {"active": true}})),
        )
        .await;
        let user = desk
            .ok(Method::GET, &format!("/api/v2/users/{ada_id}"), None)
            .await;
        assert_eq!(user["user"]["user_fields"]["secret_note"], "psst");
        let _ = level;

        // The organization's panel: its domains among the standard properties.
        let organization_id = ada["user"]["organization_id"].as_i64().unwrap();
        let (status, panel) = desk
            .agent(
                Method::GET,
                &format!("/api/v2/organizations/{organization_id}/panel.json"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{panel}");
        assert_eq!(
            entry(&panel, "domain_names").unwrap()["text"],
            "shop.example"
        );
        let (status, _) = desk
            .agent(Method::GET, "/api/v2/users/99999/panel", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
