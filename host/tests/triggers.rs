//! The trigger engine end to end over HTTP with the real bundled plugins: the retail and
//! software-support recipes, applied in the ticket's write and audited.

mod common;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wasmdesk_host::domain::token::TokenRole;
use wasmdesk_host::http::{HttpLimits, app};

struct Desk {
    base: String,
    token: String,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl Desk {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
        answer
    }

    /// A customer with `fields` writes in; returns the ticket as stored.
    async fn ticket_from_customer(&self, email: &str, fields: Value) -> Value {
        self.post(
            "/api/v2/users",
            json!({"user": {"name": email, "email": email, "user_fields": fields}}),
        )
        .await;
        self.post(
            "/api/v2/tickets",
            json!({"ticket": {"subject": "Help", "description": "My order is late", "requester": {"email": email}}}),
        )
        .await["ticket"]
            .clone()
    }

    async fn rule_runs(&self, ticket: &Value) -> Vec<Value> {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v2/rule_runs?ticket_id={}", ticket["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["rule_runs"].as_array().unwrap().clone()
    }
}

/// A desk per backend with the bundled plugins installed (their fields and groups created).
async fn desks(test: &str) -> Vec<Desk> {
    let mut desks = Vec::new();
    for (store, dir) in common::stores(test).await {
        let (_, token) = store
            .create_token("t", TokenRole::Admin, None)
            .await
            .unwrap();
        let rules = common::bundled_rules(&store).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let limits = HttpLimits {
            body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(30),
        };
        tokio::spawn(async move {
            axum::serve(listener, app(store, rules, limits))
                .await
                .unwrap()
        });
        desks.push(Desk {
            base,
            token,
            client: reqwest::Client::new(),
            _dir: dir,
        });
    }
    desks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retail_recipe_escalates_platinum_big_spending_and_influential_customers() {
    for desk in desks("retail").await {
        let (_, groups) = desk
            .call(reqwest::Method::GET, "/api/v2/groups", None)
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
            let ticket = desk.ticket_from_customer(email, fields).await;
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
                    .call(
                        reqwest::Method::GET,
                        &format!("/api/v2/tickets/{}/audits", ticket["id"]),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{history}");
                let audit = &history["audits"][0];
                assert_eq!(
                    audit["description"],
                    "changed by trigger vip-escalation of plugin retail-vip"
                );
                assert_eq!(audit["events"][0]["field_name"], "priority");
                assert_eq!(
                    audit["events"][0]["value"],
                    json!({"option": "high"}),
                    "{audit}"
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
            desk.post(
                "/api/v2/organizations",
                json!({"organization": {"name": name, "domain_names": [domain],
                                        "organization_fields": {"account_type": account_type}}}),
            )
            .await;
            let ticket = desk
                .post(
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
                    .call(
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
