//! The trigger engine end to end over HTTP with the real bundled plugins: the retail and
//! software-support recipes, applied in the ticket's write and audited.

mod common;

use common::desk::{Desk, Plugins};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// POSTs as the admin; the answer must be 201.
async fn post(desk: &Desk, path: &str, body: Value) -> Value {
    let (status, answer) = desk.admin(reqwest::Method::POST, path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    answer
}

/// A customer with `fields` writes in; returns the ticket as stored.
async fn ticket_from_customer(desk: &Desk, email: &str, fields: Value) -> Value {
    post(
        desk,
        "/api/v2/users",
        json!({"user": {"name": email, "email": email, "user_fields": fields}}),
    )
    .await;
    post(
        desk,
        "/api/v2/tickets",
        json!({"ticket": {"subject": "Help", "description": "My order is late", "requester": {"email": email}}}),
    )
    .await["ticket"]
        .clone()
}

/// A desk per backend with the bundled plugins installed (their fields and groups created).
async fn desks(test: &str) -> Vec<Desk> {
    Desk::each(test, Plugins::Bundled).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retail_recipe_escalates_platinum_big_spending_and_influential_customers() {
    for desk in desks("retail").await {
        let (_, groups) = desk
            .admin(reqwest::Method::GET, "/api/v2/groups", None)
            .await;
        let vip = groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "VIP")
            .expect("the plugin's VIP group was created on install")["id"]
            .clone();

        for (email, fields, escalated) in [
            (
                "platinum@shop.example",
                json!({"service_level": "platinum"}),
                true,
            ),
            (
                "spender@shop.example",
                json!({"annual_spend": 1000.01, "service_level": "silver"}),
                true,
            ),
            ("edge@shop.example", json!({"annual_spend": 1000}), false),
            (
                "famous@shop.example",
                json!({"social_influence": "high"}),
                true,
            ),
            (
                "ordinary@shop.example",
                json!({"service_level": "gold", "annual_spend": 10, "social_influence": "low"}),
                false,
            ),
        ] {
            let ticket = ticket_from_customer(&desk, email, fields).await;
            let runs = desk.rule_runs(&ticket).await;
            if escalated {
                assert_eq!(ticket["priority"], "high", "{email}: {ticket}");
                assert_eq!(ticket["group_id"], vip, "{email}");
                assert_eq!(ticket["tags"], json!(["vip"]), "{email}");
                assert_eq!(runs.len(), 1, "{email}: {runs:?}");
                let run = &runs[0];
                assert_eq!(run["plugin"], "retail-vip");
                assert_eq!(run["trigger"], "vip-escalation");
                assert_eq!(run["outcome"], "fired");
                assert_eq!(run["content_hash"].as_str().unwrap().len(), 64);
                assert!(run["fuel_used"].as_i64().unwrap() > 0);
                let changed: Vec<&str> = run["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["field"].as_str().unwrap())
                    .collect();
                assert_eq!(changed, ["priority", "group", "tags"], "{run}");
                // The ticket's history says who changed it.
                let (status, history) = desk
                    .admin(
                        reqwest::Method::GET,
                        &format!("/api/v2/tickets/{}/audits", ticket["id"]),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{history}");
                // One audit for the write: what the request set, then what the trigger changed,
                // each trigger event naming the trigger and plugin.
                assert_eq!(history["audits"].as_array().unwrap().len(), 1, "{history}");
                let audit = &history["audits"][0];
                assert_eq!(audit["ticket_id"], ticket["id"]);
                assert_eq!(audit["via"]["channel"], "api");
                let priority = audit["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|event| event["field_name"] == "priority")
                    .unwrap_or_else(|| panic!("a priority event: {audit}"));
                assert_eq!(priority["type"], "Create", "{audit}");
                assert_eq!(priority["value"], "high", "plain, as Zendesk: {audit}");
                assert_eq!(priority["via"]["source"]["rel"], "trigger", "{audit}");
                assert_eq!(
                    priority["via"]["source"]["from"]["title"],
                    "trigger vip-escalation of plugin retail-vip"
                );
            } else {
                assert_eq!(ticket["priority"], Value::Null, "{email}: untouched");
                assert_eq!(ticket["group_id"], Value::Null, "{email}");
                assert_eq!(ticket["tags"], json!([]), "{email}");
                assert!(runs.is_empty(), "{email}: {runs:?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn software_support_recipe_sends_prospects_to_sales() {
    for desk in desks("software").await {
        for (name, domain, account_type, to_sales) in [
            ("Initech", "initech.example", "prospect", true),
            ("Globex", "globex.example", "active_customer", false),
        ] {
            post(
                &desk,
                "/api/v2/organizations",
                json!({"organization": {"name": name, "domain_names": [domain],
                                        "organization_fields": {"account_type": account_type}}}),
            )
            .await;
            let ticket = post(
                &desk,
                "/api/v2/tickets",
                json!({"ticket": {"description": "Can we get a demo?",
                                      "requester": {"email": format!("someone@{domain}")}}}),
            )
            .await["ticket"]
                .clone();
            let runs = desk.rule_runs(&ticket).await;
            if to_sales {
                assert_eq!(ticket["priority"], "high", "{ticket}");
                let (_, group) = desk
                    .admin(
                        reqwest::Method::GET,
                        &format!("/api/v2/groups/{}", ticket["group_id"]),
                        None,
                    )
                    .await;
                assert_eq!(group["group"]["name"], "Sales");
                assert_eq!(runs.len(), 1);
                assert_eq!(runs[0]["plugin"], "prospect-sales");
            } else {
                assert_eq!(ticket["priority"], Value::Null);
                assert_eq!(ticket["group_id"], Value::Null);
                assert!(runs.is_empty());
            }
        }
    }
}
