//! The HTTP API end to end: a real server on loopback, a real SQLite file (and PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set), a real HTTP client.

mod common;

use std::time::Duration;

use common::desk::Desk;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::http::HttpLimits;

const BODY_LIMIT: usize = 64 * 1024;

/// A server per backend, with no plugins and a small body limit.
async fn servers(test: &str) -> Vec<Desk> {
    let mut servers = Vec::new();
    for (store, dir) in common::stores(test).await {
        let limits = HttpLimits {
            body_bytes: BODY_LIMIT,
            request_timeout: Duration::from_secs(10),
        };
        servers.push(Desk::start(store, dir, common::no_rules(), limits).await);
    }
    servers
}

/// The retail recipe's customer fields, created exactly as an admin would.
async fn define_retail_fields(server: &Desk) {
    for field in [
        json!({"type": "date", "key": "last_purchase_date", "title": "Last purchase date"}),
        json!({"type": "date", "key": "subscription_renewal_date", "title": "Subscription renewal date"}),
        json!({"type": "decimal", "key": "annual_spend", "title": "Annual spend"}),
        json!({"type": "dropdown", "key": "service_level", "title": "Service level",
                   "custom_field_options": [
                       {"name": "Platinum", "value": "platinum"}, {"name": "Gold", "value": "gold"},
                       {"name": "Silver", "value": "silver"}, {"name": "Bronze", "value": "bronze"}]}),
        json!({"type": "dropdown", "key": "social_influence", "title": "Social influence",
                   "custom_field_options": [
                       {"name": "High", "value": "high"}, {"name": "Medium", "value": "medium"},
                       {"name": "Low", "value": "low"}]}),
    ] {
        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v2/user_fields",
                Some(json!({"user_field": field})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// The software-support recipe's organization fields.
async fn define_software_fields(server: &Desk) {
    for field in [
        json!({"type": "dropdown", "key": "account_type", "title": "Account type",
                   "custom_field_options": [
                       {"name": "Active customer", "value": "active_customer"},
                       {"name": "Prospect", "value": "prospect"},
                       {"name": "Churned", "value": "churned"}, {"name": "Partner", "value": "partner"}]}),
        json!({"type": "decimal", "key": "monthly_spend", "title": "Monthly spend"}),
        json!({"type": "checkbox", "key": "reference_customer", "title": "Reference customer"}),
        json!({"type": "integer", "key": "contract_term", "title": "Contract term (months)"}),
        json!({"type": "dropdown", "key": "org_service_level", "title": "Service level",
                   "custom_field_options": [
                       {"name": "Enterprise", "value": "enterprise"}, {"name": "Business", "value": "business"},
                       {"name": "Standard", "value": "standard"}]}),
    ] {
        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v2/organization_fields",
                Some(json!({"organization_field": field})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

fn names(page: &Value, key: &str) -> Vec<String> {
    page[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {page}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_with_custom_fields_are_created_searched_updated_and_deleted() {
    for server in servers("http_users").await {
        define_retail_fields(&server).await;
        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {
                    "name": "Penny Platinum", "email": "penny@example.org", "phone": "+1 555 0100",
                    "external_id": "shop-1", "tags": ["VIP"],
                    "user_fields": {"service_level": "platinum", "annual_spend": 250.0,
                                    "last_purchase_date": "2026-11-01", "social_influence": "low"},
                }})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let penny = body["user"].clone();
        assert_eq!(penny["phone"], "+15550100");
        assert_eq!(penny["user_fields"]["service_level"], "platinum");
        assert_eq!(penny["user_fields"]["annual_spend"], 250.0);
        assert!(penny["created_at"].as_str().unwrap().ends_with('Z'));
        for (name, level, spend) in [
            ("Sam Spender", "silver", 1000.01),
            ("Eddie Edge", "gold", 1000.0),
        ] {
            let (status, body) = server
                .agent(Method::POST, "/api/v2/users", Some(json!({"user": {
                    "name": name, "user_fields": {"service_level": level, "annual_spend": spend}}})))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }

        let search = |query: &'static str| {
            let server = &server;
            async move {
                let (status, body) = server
                    .agent(
                        Method::GET,
                        &format!("/api/v2/users/search?query={}", urlencode(query)),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{query}: {body}");
                names(&body, "users")
            }
        };
        assert_eq!(search("service_level:platinum").await, ["Penny Platinum"]);
        assert_eq!(search("annual_spend>1000").await, ["Sam Spender"]);
        assert_eq!(search("email:PENNY@example.org").await, ["Penny Platinum"]);
        let (_, body) = server
            .agent(Method::GET, "/api/v2/users/search?external_id=shop-1", None)
            .await;
        assert_eq!(names(&body, "users"), ["Penny Platinum"]);
        let (status, body) = server
            .agent(Method::GET, "/api/v2/users/search?query=shoe_size:42", None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["details"]["query"][0]["description"]
                .as_str()
                .unwrap()
                .contains("no user field")
        );

        let id = penny["id"].as_i64().unwrap();
        let (status, body) = server
            .agent(
                Method::PUT,
                &format!("/api/v2/users/{id}"),
                Some(json!({"user": {
                "user_fields": {"service_level": "gold", "social_influence": null}}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["user"]["user_fields"],
            json!({"service_level": "gold", "annual_spend": 250.0, "last_purchase_date": "2026-11-01"})
        );

        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/users/create_or_update",
                Some(json!({"user": {"email": "penny@example.org", "name": "Penny P."}})),
            )
            .await;
        assert_eq!(
            (status, body["user"]["id"].as_i64()),
            (StatusCode::OK, Some(id))
        );
        let (status, _) = server
            .agent(
                Method::POST,
                "/api/v2/users/create_or_update",
                Some(json!({"user": {"email": "new@example.org", "name": "New"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);

        let (status, body) = server
            .agent(Method::GET, "/api/v2/users?role=end-user", None)
            .await;
        assert_eq!((status, body["count"].as_i64()), (StatusCode::OK, Some(4)));
        let (status, _) = server
            .agent(Method::DELETE, &format!("/api/v2/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = server
            .agent(Method::GET, &format!("/api/v2/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "RecordNotFound");
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn organizations_with_domains_fields_and_members() {
    for server in servers("http_orgs").await {
        define_software_fields(&server).await;
        let (status, body) = server
            .agent(Method::POST, "/api/v2/organizations", Some(json!({"organization": {
                "name": "Initech", "domain_names": ["initech.com", "initech.de"], "notes": "Prospect since May",
                "organization_fields": {"account_type": "prospect", "monthly_spend": 0, "reference_customer": false,
                                        "contract_term": 12, "org_service_level": "business"},
            }})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let initech = body["organization"].clone();
        let id = initech["id"].as_i64().unwrap();
        assert_eq!(
            initech["domain_names"],
            json!(["initech.com", "initech.de"])
        );
        assert_eq!(initech["organization_fields"]["account_type"], "prospect");

        // A customer of the domain joins it.
        let (_, body) = server
            .agent(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"name": "Peter", "email": "peter@initech.com"}})),
            )
            .await;
        assert_eq!(body["user"]["organization_id"].as_i64(), Some(id));
        let (_, body) = server
            .agent(
                Method::GET,
                &format!("/api/v2/organizations/{id}/users"),
                None,
            )
            .await;
        assert_eq!(names(&body, "users"), ["Peter"]);

        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Initrode", "domain_names": ["initech.de"]}})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            body["description"].as_str().unwrap().contains("initech.de"),
            "{body}"
        );
        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Initech"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            body["description"].as_str().unwrap().contains("Initech"),
            "{body}"
        );

        let (status, body) = server
            .agent(Method::PUT, &format!("/api/v2/organizations/{id}"), Some(json!({"organization": {
                "organization_fields": {"account_type": "active_customer", "monthly_spend": "1999.99"}}})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["organization"]["organization_fields"]["monthly_spend"],
            1999.99
        );
        assert_eq!(
            body["organization"]["organization_fields"]["contract_term"],
            12
        );

        let (status, body) = server
            .agent(Method::PUT, &format!("/api/v2/organizations/{id}"), Some(json!({"organization": {
                "organization_fields": {"account_type": "lead", "contract_term": 1.5, "reference_customer": "yes"}}})))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let failing: Vec<&String> = body["details"].as_object().unwrap().keys().collect();
        assert_eq!(
            failing,
            [
                "organization_fields.account_type",
                "organization_fields.contract_term",
                "organization_fields.reference_customer"
            ]
        );

        let (_, body) = server
            .agent(Method::GET, "/api/v2/organizations", None)
            .await;
        assert_eq!(body["count"], 1);
        let (status, _) = server
            .agent(Method::DELETE, &format!("/api/v2/organizations/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = server
            .agent(Method::GET, &format!("/api/v2/organizations/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn field_definitions_are_admin_only_and_options_replace() {
    for server in servers("http_fields").await {
        define_retail_fields(&server).await;
        let (status, body) = server.agent(Method::GET, "/api/v2/user_fields", None).await;
        assert_eq!((status, body["count"].as_i64()), (StatusCode::OK, Some(5)));
        let level = body["user_fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == "service_level")
            .unwrap()
            .clone();
        let level_id = level["id"].as_i64().unwrap();

        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/user_fields",
                Some(
                    json!({"user_field": {"type": "text", "key": "nickname", "title": "Nickname"}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) = server
            .agent(
                Method::PUT,
                &format!("/api/v2/user_fields/{level_id}"),
                Some(json!({"user_field": {"title": "x"}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, body) = server
            .admin(Method::POST, "/api/v2/user_fields", Some(json!({"user_field": {"type": "text", "key": "service_level", "title": "Again"}})))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            body["description"]
                .as_str()
                .unwrap()
                .contains("service_level")
        );

        // A customer on bronze loses the value when bronze goes away.
        let (_, body) = server
            .agent(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"name": "Bea", "user_fields": {"service_level": "bronze"}}})),
            )
            .await;
        let bea = body["user"]["id"].as_i64().unwrap();
        let (status, body) = server
            .admin(Method::PUT, &format!("/api/v2/user_fields/{level_id}"), Some(json!({"user_field": {
                "custom_field_options": [{"name": "Platinum", "value": "platinum"}, {"name": "Gold", "value": "gold"}]}})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["user_field"]["custom_field_options"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let (_, body) = server
            .agent(Method::GET, &format!("/api/v2/users/{bea}"), None)
            .await;
        assert_eq!(body["user"]["user_fields"], json!({}));

        let (status, body) = server
            .admin(
                Method::POST,
                &format!("/api/v2/user_fields/{level_id}/options"),
                Some(json!({"custom_field_option": {"name": "Silver", "value": "silver"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, body) = server
            .agent(
                Method::GET,
                &format!("/api/v2/user_fields/{level_id}/options"),
                None,
            )
            .await;
        assert_eq!(body["count"], 3);

        let (status, body) = server
            .admin(
                Method::PUT,
                &format!("/api/v2/user_fields/{level_id}"),
                Some(json!({"user_field": {"key": "level", "type": "text"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["details"].as_object().unwrap().len(), 2, "{body}");

        let (_, body) = server.agent(Method::GET, "/api/v2/user_fields", None).await;
        let mut ids: Vec<i64> = body["user_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        ids.reverse();
        let (status, body) = server
            .admin(
                Method::PUT,
                "/api/v2/user_fields/reorder",
                Some(json!({"user_field_ids": ids})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user_fields"][0]["id"].as_i64(), Some(ids[0]));
        let (status, _) = server
            .admin(
                Method::PUT,
                "/api/v2/user_fields/reorder",
                Some(json!({"user_field_ids": [ids[0]]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, _) = server
            .admin(
                Method::DELETE,
                &format!("/api/v2/user_fields/{level_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = server
            .agent(
                Method::GET,
                &format!("/api/v2/user_fields/{level_id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn groups_memberships_tickets_and_comments() {
    for server in servers("http_tickets").await {
        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v2/groups",
                Some(json!({"group": {"name": "Sales"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let sales = body["group"]["id"].as_i64().unwrap();
        let (status, _) = server
            .agent(
                Method::POST,
                "/api/v2/groups",
                Some(json!({"group": {"name": "X"}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, body) = server
            .agent(Method::POST, "/api/v2/users", Some(json!({"user": {"name": "Alice Agent", "email": "alice@desk.example", "role": "agent"}})))
            .await;
        let alice = body["user"]["id"].as_i64().unwrap();
        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v2/group_memberships",
                Some(json!({"group_membership": {"group_id": sales, "user_id": alice}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, body) = server
            .agent(
                Method::GET,
                &format!("/api/v2/groups/{sales}/memberships"),
                None,
            )
            .await;
        assert_eq!(body["count"], 1);
        let (_, body) = server
            .agent(
                Method::GET,
                &format!("/api/v2/users/{alice}/group_memberships"),
                None,
            )
            .await;
        assert_eq!(
            body["group_memberships"][0]["group_id"].as_i64(),
            Some(sales)
        );

        let (status, body) = server
            .agent(Method::POST, "/api/v2/tickets", Some(json!({"ticket": {
                "subject": "Pricing?", "comment": {"body": "How much is the enterprise plan?"},
                "requester": {"email": "bob@globex.com", "name": "Bob"}, "priority": "normal", "type": "question",
            }})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let ticket = body["ticket"].clone();
        let id = ticket["id"].as_i64().unwrap();
        assert_eq!(ticket["status"], "new");
        assert_eq!(ticket["channel"], "api");
        assert!(
            ticket["organization_id"].as_i64().is_some(),
            "Globex was created from the domain"
        );

        let (status, body) = server
            .agent(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {
                "status": "open", "assignee_id": alice, "group_id": sales,
                "comment": {"body": "Sent the price list.", "public": true, "author_id": alice}}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["ticket"]["assignee_id"].as_i64(), Some(alice));
        let (_, body) = server
            .agent(Method::GET, &format!("/api/v2/tickets/{id}/comments"), None)
            .await;
        assert_eq!(body["count"], 2);
        assert_eq!(body["comments"][1]["author_id"].as_i64(), Some(alice));

        let requester = ticket["requester_id"].as_i64().unwrap();
        let (status, body) = server
            .agent(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"assignee_id": requester, "status": "finished"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["details"]["status"][0]["description"]
                .as_str()
                .unwrap()
                .contains("new, open, pending"),
            "{body}"
        );

        for path in [
            format!("/api/v2/tickets?status=open&assignee_id={alice}&group_id={sales}"),
            format!("/api/v2/tickets?requester_id={requester}"),
            format!(
                "/api/v2/tickets?organization_id={}",
                ticket["organization_id"]
            ),
        ] {
            let (status, body) = server.agent(Method::GET, &path, None).await;
            assert_eq!(
                (status, body["count"].as_i64()),
                (StatusCode::OK, Some(1)),
                "{path}: {body}"
            );
        }
        let (_, body) = server
            .agent(Method::GET, "/api/v2/tickets?status=solved", None)
            .await;
        assert_eq!(body["count"], 0);
        let (status, _) = server
            .agent(Method::GET, "/api/v2/tickets?status=done", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Settings: with creation off, a new domain makes no organization.
        let (status, _) = server.agent(Method::GET, "/api/v2/settings", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = server
            .admin(
                Method::PUT,
                "/api/v2/settings",
                Some(json!({"settings": {"create_organizations_from_domains": false}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["settings"]["create_organizations_from_domains"], false);
        let (_, body) = server
            .agent(Method::POST, "/api/v2/tickets", Some(json!({"ticket": {"description": "Hi", "requester": {"email": "carl@hooli.com"}}})))
            .await;
        assert_eq!(body["ticket"]["organization_id"], Value::Null);

        let (status, _) = server
            .admin(Method::DELETE, &format!("/api/v2/groups/{sales}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, body) = server
            .agent(Method::GET, &format!("/api/v2/tickets/{id}"), None)
            .await;
        assert_eq!(
            body["ticket"]["group_id"],
            Value::Null,
            "the ticket stays, without group"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_and_roles() {
    for server in servers("http_tokens").await {
        let response = server
            .client
            .get(server.url("/api/v2/users"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"wasmdesk\", Basic realm=\"wasmdesk\""
        );
        let (status, body) = server
            .call(Some("wdk_not-a-token"), Method::GET, "/api/v2/users", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            body["description"]
                .as_str()
                .unwrap()
                .contains("unknown or was revoked")
        );

        for (method, path, body) in [
            (Method::GET, "/api/v2/tokens", None),
            (
                Method::POST,
                "/api/v2/tokens",
                Some(json!({"token": {"name": "x", "role": "admin"}})),
            ),
            (
                Method::PUT,
                "/api/v2/settings",
                Some(json!({"settings": {}})),
            ),
            (
                Method::POST,
                "/api/v2/organization_fields",
                Some(json!({"organization_field": {"type": "text", "key": "k", "title": "t"}})),
            ),
        ] {
            let (status, answer) = server.agent(method, path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(answer["error"], "Forbidden");
        }

        let (status, body) = server
            .admin(
                Method::POST,
                "/api/v2/tokens",
                Some(json!({"token": {"name": "zapier", "role": "agent"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let secret = body["token"]["value"].as_str().unwrap().to_string();
        let id = body["token"]["id"].as_i64().unwrap();
        assert!(secret.starts_with("wdk_"));
        let (status, _) = server
            .call(Some(&secret), Method::GET, "/api/v2/users", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, body) = server.admin(Method::GET, "/api/v2/tokens", None).await;
        assert_eq!(body["count"], 3);
        assert!(
            !body.to_string().contains(&secret),
            "secrets are never listed"
        );
        let (status, _) = server
            .admin(Method::DELETE, &format!("/api/v2/tokens/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = server
            .call(Some(&secret), Method::GET, "/api/v2/users", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = server
            .admin(
                Method::POST,
                "/api/v2/tokens",
                Some(json!({"token": {"name": "x", "role": "owner"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_error_class_has_the_one_json_shape() {
    for server in servers("http_errors").await {
        let send_raw = |content_type: Option<&'static str>, body: Vec<u8>| {
            let mut request = server
                .client
                .post(server.url("/api/v2/users"))
                .bearer_auth(&server.agent)
                .body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert!(
                    body["error"].is_string() && body["description"].is_string(),
                    "{body}"
                );
                (status, body)
            }
        };
        let (status, body) = send_raw(Some("application/json"), b"{\"user\": {".to_vec()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("malformed_json"))
        );
        let (status, body) = send_raw(Some("text/plain"), b"{}".to_vec()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some("unsupported_media_type")
            )
        );
        let big = format!(
            "{{\"user\": {{\"name\": \"{}\"}}}}",
            "x".repeat(BODY_LIMIT + 1)
        );
        let (status, body) = send_raw(Some("application/json"), big.into_bytes()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
        );
        let (status, body) = send_raw(
            Some("application/json"),
            br#"{"user": {"name": 5}}"#.to_vec(),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("RecordInvalid"))
        );
        let (status, body) = send_raw(
            Some("application/json"),
            br#"{"user": {"nmae": "x"}}"#.to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["description"].as_str().unwrap().contains("nmae"),
            "{body}"
        );

        let (status, body) = server
            .agent(
                Method::POST,
                "/api/v2/users",
                Some(
                    json!({"user": {"email": "x", "phone": "1", "role": "boss", "tags": ["a b"]}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let failing: Vec<&String> = body["details"].as_object().unwrap().keys().collect();
        // No name is needed: a valid email or phone names the user.
        assert_eq!(failing, ["email", "phone", "role", "tags"]);

        let (status, body) = server
            .agent(Method::GET, "/api/v2/nothing-here", None)
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("InvalidEndpoint"))
        );
        let (status, body) = server.agent(Method::PATCH, "/api/v2/tickets", None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
        );
        let (status, body) = server
            .agent(Method::GET, "/api/v2/tickets/12abc", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = server
            .agent(Method::GET, "/api/v2/users?page[size]=0", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = server
            .agent(Method::GET, "/api/v2/users?page[size]=101", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = server
            .agent(Method::GET, "/api/v2/users?page[after]=x", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Garbage never yields a 500 (`call` asserts it).
        for body in [
            json!(null),
            json!([]),
            json!({"user": null}),
            json!({"user": {"user_fields": [1]}}),
            json!({"ticket": {"requester_id": -1, "description": "x"}}),
            json!({"user": {"organization_id": "x"}}),
        ] {
            for path in ["/api/v2/users", "/api/v2/tickets", "/api/v2/organizations"] {
                let (status, _) = server.agent(Method::POST, path, Some(body.clone())).await;
                assert!(status.is_client_error(), "{path} {body}: {status}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listings_page_with_next_page_links() {
    for server in servers("http_pages").await {
        for i in 0..5 {
            server
                .agent(
                    Method::POST,
                    "/api/v2/users",
                    Some(json!({"user": {"name": format!("User {i}")}})),
                )
                .await;
        }
        let mut seen = Vec::new();
        let mut next = Some(server.url("/api/v2/users?page[size]=2&role=end-user"));
        while let Some(url) = next {
            let (status, body) = server.agent(Method::GET, &url, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["count"], 5);
            assert!(body["users"].as_array().unwrap().len() <= 2);
            seen.extend(names(&body, "users"));
            next = body["next_page"].as_str().map(str::to_string);
            if let Some(next) = &next {
                assert!(next.contains("role=end-user"), "filters are kept: {next}");
            }
        }
        assert_eq!(seen, ["User 0", "User 1", "User 2", "User 3", "User 4"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operations_endpoints_and_the_openapi_document_match_the_routes() {
    let server = servers("http_ops").await.remove(0);
    let (status, body) = server.call(None, Method::GET, "/healthz", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, _) = server.call(None, Method::GET, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
    let response = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(
        !response.headers()["x-request-id"].is_empty(),
        "each response names its request"
    );
    server.agent(Method::GET, "/api/v2/users", None).await;
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"wasmdesk_http_requests_total{method="GET",route="/api/v2/users",status="200"}"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("wasmdesk_http_request_duration_seconds_bucket"));

    let (status, document) = server
        .call(None, Method::GET, "/api/v2/openapi.json", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut expected: Vec<String> = EXPECTED_ROUTES.iter().map(|r| r.to_string()).collect();
    expected.sort();
    assert_eq!(
        documented, expected,
        "the document lists exactly the API's routes"
    );

    // Every documented route is served: with ids filled in, each answers with something other
    // than "no such endpoint" or "method not allowed".
    for route in &documented {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path.replace("{id}", "1");
        if path == "/metrics" {
            // The one text endpoint (Prometheus' format).
            assert_eq!(server.text(&path).await.0, StatusCode::OK);
            continue;
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
        let (status, answer) = server.admin(method, &path, body).await;
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED
                && !(status == StatusCode::NOT_FOUND
                    && answer["description"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("no such endpoint")),
            "{route} is documented but not served: {status} {answer}"
        );
    }
}

const EXPECTED_ROUTES: &[&str] = &[
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /api/v2/openapi.json",
    "GET /api/v2/users",
    "POST /api/v2/users",
    "GET /api/v2/users/{id}",
    "PUT /api/v2/users/{id}",
    "DELETE /api/v2/users/{id}",
    "POST /api/v2/users/create_or_update",
    "GET /api/v2/users/search",
    "GET /api/v2/users/me",
    "GET /api/v2/users/show_many",
    "GET /api/v2/organizations/show_many",
    "GET /api/v2/tickets/show_many",
    "GET /api/v2/search",
    "GET /api/v2/search/count",
    "GET /api/v2/incremental/tickets/cursor",
    "GET /api/v2/incremental/users/cursor",
    "GET /api/v2/organization_memberships",
    "POST /api/v2/organization_memberships",
    "GET /api/v2/organization_memberships/{id}",
    "DELETE /api/v2/organization_memberships/{id}",
    "GET /api/v2/users/{id}/organization_memberships",
    "GET /api/v2/organizations/{id}/organization_memberships",
    "GET /api/v2/users/{id}/group_memberships",
    "GET /api/v2/organizations",
    "POST /api/v2/organizations",
    "GET /api/v2/organizations/{id}",
    "PUT /api/v2/organizations/{id}",
    "DELETE /api/v2/organizations/{id}",
    "GET /api/v2/organizations/{id}/users",
    "GET /api/v2/user_fields",
    "POST /api/v2/user_fields",
    "GET /api/v2/user_fields/{id}",
    "PUT /api/v2/user_fields/{id}",
    "DELETE /api/v2/user_fields/{id}",
    "PUT /api/v2/user_fields/reorder",
    "GET /api/v2/user_fields/{id}/options",
    "POST /api/v2/user_fields/{id}/options",
    "GET /api/v2/organization_fields",
    "POST /api/v2/organization_fields",
    "GET /api/v2/organization_fields/{id}",
    "PUT /api/v2/organization_fields/{id}",
    "DELETE /api/v2/organization_fields/{id}",
    "PUT /api/v2/organization_fields/reorder",
    "GET /api/v2/organization_fields/{id}/options",
    "POST /api/v2/organization_fields/{id}/options",
    "GET /api/v2/groups",
    "POST /api/v2/groups",
    "GET /api/v2/groups/{id}",
    "PUT /api/v2/groups/{id}",
    "DELETE /api/v2/groups/{id}",
    "GET /api/v2/groups/{id}/memberships",
    "GET /api/v2/group_memberships",
    "POST /api/v2/group_memberships",
    "GET /api/v2/group_memberships/{id}",
    "DELETE /api/v2/group_memberships/{id}",
    "GET /api/v2/tickets",
    "POST /api/v2/tickets",
    "GET /api/v2/tickets/{id}",
    "PUT /api/v2/tickets/{id}",
    "GET /api/v2/tickets/{id}/comments",
    "GET /api/v2/tickets/{id}/audits",
    "GET /api/v2/settings",
    "PUT /api/v2/settings",
    "GET /api/v2/customer_types",
    "POST /api/v2/customer_types",
    "GET /api/v2/customer_types/{id}",
    "PUT /api/v2/customer_types/{id}",
    "DELETE /api/v2/customer_types/{id}",
    "GET /api/v2/panels/{panel}",
    "PUT /api/v2/panels/{panel}",
    "GET /api/v2/users/{id}/panel",
    "GET /api/v2/organizations/{id}/panel",
    "GET /api/v2/rule_runs",
    "GET /api/v2/plugins/{id}/activity",
    "GET /api/v2/plugins",
    "POST /api/v2/plugins",
    "GET /api/v2/plugins/{id}",
    "PUT /api/v2/plugins/{id}",
    "DELETE /api/v2/plugins/{id}",
    "PUT /api/v2/plugins/{id}/config",
    "PUT /api/v2/plugins/{id}/granted_hosts",
    "PUT /api/v2/plugins/{id}/triggers/{key}",
    "POST /api/v2/plugins/{id}/dry_run",
    "POST /api/v2/plugins/{id}/replay",
    "GET /api/v2/triggers",
    "PUT /api/v2/triggers/reorder",
    "GET /api/v2/tokens",
    "POST /api/v2/tokens",
    "DELETE /api/v2/tokens/{id}",
    "GET /api/v2/ticket_fields",
    "POST /api/v2/ticket_fields",
    "GET /api/v2/ticket_fields/{id}",
    "PUT /api/v2/ticket_fields/{id}",
    "DELETE /api/v2/ticket_fields/{id}",
    "PUT /api/v2/ticket_fields/reorder",
    "GET /api/v2/ticket_fields/{id}/options",
    "POST /api/v2/ticket_fields/{id}/options",
    "POST /api/v2/users/create_many",
    "POST /api/v2/channels/email",
    "POST /api/v2/channels/chat/messages",
    "GET /api/v2/webhooks",
    "POST /api/v2/webhooks",
    "GET /api/v2/webhooks/{id}",
    "PUT /api/v2/webhooks/{id}",
    "DELETE /api/v2/webhooks/{id}",
    "GET /api/v2/webhooks/{id}/deliveries",
    "POST /api/v2/webhooks/{id}/deliveries/{delivery_id}/retry",
    "GET /api/v2/notifications",
    "GET /api/v2/notifications/{id}",
    "POST /api/v2/notifications/{id}/retry",
    "POST /api/v2/channels/voice/calls",
    "POST /api/v2/channels/voice/calls/{call_id}/ended",
    "GET /api/v2/queues",
    "POST /api/v2/queues",
    "GET /api/v2/queues/{id}",
    "PUT /api/v2/queues/{id}",
    "DELETE /api/v2/queues/{id}",
    "POST /api/v2/portal/registrations",
    "POST /api/v2/portal/requests",
    "GET /api/v2/tickets/{id}/attachments",
    "POST /api/v2/users/create_or_update_many",
    "PUT /api/v2/users/update_many",
    "POST /api/v2/organizations/create_many",
    "POST /api/v2/tickets/create_many",
    "GET /api/v2/job_statuses",
    "GET /api/v2/job_statuses/show_many",
    "GET /api/v2/job_statuses/{id}",
];

/// Every `enum` in the OpenAPI document, with where it is.
fn enums_in(value: &Value, at: &str, found: &mut Vec<(String, Vec<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
                let names = values
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .unwrap_or_else(|| panic!("{at}: {v}"))
                            .to_string()
                    })
                    .collect();
                found.push((at.to_string(), names));
            }
            for (key, child) in map {
                enums_in(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (n, child) in items.iter().enumerate() {
                enums_in(child, &format!("{at}/{n}"), found);
            }
        }
        _ => {}
    }
}

/// The names `T` reads and writes on the wire: each documented name must deserialize into a
/// `T` that serializes back to the same name.
fn round_trips<T: serde::Serialize + serde::de::DeserializeOwned>(names: &[String]) -> bool {
    names.iter().all(|name| {
        serde_json::from_value::<T>(json!(name))
            .ok()
            .and_then(|value| serde_json::to_value(value).ok())
            == Some(json!(name))
    })
}

/// A generated client sends exactly what the document lists: every enum in it is the set of
/// names the API accepts and emits (`end-user`, `high`, `email`; not `EndUser`, `High`).
#[test]
fn every_enum_in_the_openapi_document_is_what_the_api_speaks() {
    use wasmdesk_host::domain::job::JobState;
    use wasmdesk_host::domain::panel::PanelKind;
    use wasmdesk_host::domain::rule_run::{LogLevel, RunOutcome};
    use wasmdesk_host::domain::token::TokenRole;
    use wasmdesk_host::domain::webhook::DeliveryStatus;
    use wasmdesk_host::domain::{
        Channel, EventKind, FieldType, Priority, Status, TicketType, UserRole,
    };
    use wasmdesk_host::intake::IntakeOutcome;

    let document = serde_json::to_value(wasmdesk_host::http::openapi()).unwrap();
    let mut found = Vec::new();
    enums_in(&document, "", &mut found);
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let mut checked = Vec::new();
    for (at, values) in &found {
        let schema = at
            .strip_prefix("/components/schemas/")
            .unwrap_or_else(|| panic!("an inline enum at {at}: document it as a schema"));
        let (expected, speaks) = match schema {
            "UserRole" => (names(UserRole::NAMES), round_trips::<UserRole>(values)),
            "TokenRole" => (names(TokenRole::NAMES), round_trips::<TokenRole>(values)),
            "Priority" => (names(Priority::NAMES), round_trips::<Priority>(values)),
            "Status" => (names(Status::NAMES), round_trips::<Status>(values)),
            "TicketType" => (names(TicketType::NAMES), round_trips::<TicketType>(values)),
            "Channel" => (names(Channel::NAMES), round_trips::<Channel>(values)),
            "FieldType" => (names(FieldType::NAMES), round_trips::<FieldType>(values)),
            "RunOutcome" => (names(RunOutcome::NAMES), round_trips::<RunOutcome>(values)),
            "JobState" => (names(JobState::NAMES), round_trips::<JobState>(values)),
            "DeliveryStatus" => (
                names(DeliveryStatus::NAMES),
                round_trips::<DeliveryStatus>(values),
            ),
            "IntakeOutcome" => (
                names(IntakeOutcome::NAMES),
                round_trips::<IntakeOutcome>(values),
            ),
            "EventKind" => (
                names(&["created", "updated"]),
                round_trips::<EventKind>(values),
            ),
            "LogLevel" => (
                names(&["debug", "info", "warn", "error"]),
                round_trips::<LogLevel>(values),
            ),
            "PanelKind" => (names(PanelKind::NAMES), round_trips::<PanelKind>(values)),
            other => panic!("the document has an enum {other} this test does not know: add it"),
        };
        assert_eq!(
            values, &expected,
            "{schema}: the document lists the wire names"
        );
        assert!(
            speaks,
            "{schema}: every listed name is read and written as listed"
        );
        checked.push(schema);
    }
    for schema in [
        "UserRole",
        "Priority",
        "Status",
        "Channel",
        "FieldType",
        "TokenRole",
        "PanelKind",
    ] {
        assert!(
            checked.contains(&schema),
            "{schema} is documented: {checked:?}"
        );
    }
}
