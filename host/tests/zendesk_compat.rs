//! What Zendesk clients send, answered as Zendesk answers it: paths with a `.json` suffix, and
//! token authentication as Basic `{email}/token:{token}` beside Bearer. On SQLite, and on
//! PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::desk::{Desk, Plugins};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `Authorization: Basic base64(user:password)`, as client libraries build it.
fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{password}")))
}

async fn with_header(desk: &Desk, path: &str, authorization: &str) -> (StatusCode, Value) {
    desk.send(
        desk.client
            .get(desk.url(path))
            .header("authorization", authorization),
    )
    .await
}

/// An agent with a token of their own; returns (email, secret).
async fn owned_agent_token(desk: &Desk) -> (String, String) {
    let agent = desk
        .ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"name": "Ann Agent", "email": "ann@support.example", "role": "agent"}})),
        )
        .await;
    let owner = agent["user"]["id"].as_i64().unwrap();
    let (status, created) = desk
        .admin(
            Method::POST,
            "/api/v2/tokens",
            Some(json!({"token": {"name": "zenpy", "role": "agent", "owner_id": owner}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["token"]["owner_id"], owner);
    assert_eq!(created["token"]["owner_email"], "ann@support.example");
    (
        "ann@support.example".to_string(),
        created["token"]["value"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn every_api_path_also_answers_with_a_json_suffix() {
    for desk in Desk::each("json_suffix", Plugins::None).await {
        let created = desk
            .ok(
                Method::POST,
                "/api/v2/users.json",
                Some(json!({"user": {"name": "Ada", "email": "ada@shop.example"}})),
            )
            .await;
        let id = created["user"]["id"].as_i64().unwrap();

        // A resource by id: never "is not an id".
        let (status, shown) = desk
            .admin(Method::GET, &format!("/api/v2/users/{id}.json"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        assert_eq!(shown["user"]["email"], "ada@shop.example");

        // Nested collections, with their query strings kept.
        let (status, found) = desk
            .admin(
                Method::GET,
                "/api/v2/users/search.json?query=ada%40shop.example",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["users"][0]["id"], id);
        let ticket = desk
            .ok(
                Method::POST,
                "/api/v2/tickets.json",
                Some(
                    json!({"ticket": {"subject": "Parcel", "description": "Where is it?",
                                       "requester_id": id}}),
                ),
            )
            .await;
        let ticket = ticket["ticket"]["id"].as_i64().unwrap();
        let (status, updated) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/tickets/{ticket}.json"),
                Some(json!({"ticket": {"status": "open"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["ticket"]["status"], "open");
        let (status, listed) = desk
            .admin(Method::GET, "/api/v2/tickets.json?page[size]=1", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(listed["tickets"].as_array().unwrap().len(), 1);

        // The plain form is unchanged, the OpenAPI document keeps its own name, and an unknown
        // path is still a 404 in either form.
        let (status, _) = desk.admin(Method::GET, "/api/v2/users", None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, document) = desk.admin(Method::GET, "/api/v2/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(document["paths"]["/api/v2/users"].is_object());
        assert!(document["paths"]["/api/v2/users.json"].is_null());
        let (status, _) = desk.admin(Method::GET, "/api/v2/nothing.json", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn zendesk_token_authentication_is_basic_email_slash_token() {
    for desk in Desk::each("basic_token_auth", Plugins::None).await {
        let (email, secret) = owned_agent_token(&desk).await;

        // As zenpy and node-zendesk send it, any case of the email.
        let (status, answer) = with_header(
            &desk,
            "/api/v2/users.json",
            &basic(&format!("{email}/token"), &secret),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, _) = with_header(
            &desk,
            "/api/v2/users.json",
            &basic("ANN@Support.Example/token", &secret),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // Bearer works with the same token.
        let (status, _) = with_header(&desk, "/api/v2/users", &format!("Bearer {secret}")).await;
        assert_eq!(status, StatusCode::OK);

        // Someone else's email with this token: 401, saying whose email to use.
        let (status, refused) = with_header(
            &desk,
            "/api/v2/users",
            &basic("mallory@support.example/token", &secret),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
        assert!(
            refused["description"]
                .as_str()
                .unwrap()
                .contains("does not belong to mallory@support.example"),
            "{refused}"
        );

        // A password is never accepted; the error says to use /token.
        let response = desk
            .client
            .get(desk.url("/api/v2/users"))
            .header("authorization", basic(&email, "hunter2"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            challenge.contains("Bearer") && challenge.contains("Basic"),
            "{challenge}"
        );
        let refused: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(
            refused["description"].as_str().unwrap().contains("/token"),
            "{refused}"
        );

        // A token without an owner works as Bearer only, and says how to get one that works.
        let (status, refused) = with_header(
            &desk,
            "/api/v2/users",
            &basic(&format!("{email}/token"), &desk.agent),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            refused["description"]
                .as_str()
                .unwrap()
                .contains("no owner"),
            "{refused}"
        );

        // Garbage is a 401 with a reason, never a 5xx.
        for header in ["Basic !!!notbase64", "Basic ", "Digest abc", "Bearer"] {
            let (status, refused) = with_header(&desk, "/api/v2/users", header).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{header}: {refused}");
            assert!(!refused["description"].as_str().unwrap().is_empty());
        }

        // A demoted owner's tokens stop working.
        let owner = desk.store.user_by_email(&email).await.unwrap().unwrap().id;
        desk.ok(
            Method::PUT,
            &format!("/api/v2/users/{owner}"),
            Some(json!({"user": {"role": "end-user"}})),
        )
        .await;
        let (status, refused) = with_header(
            &desk,
            "/api/v2/users",
            &basic(&format!("{email}/token"), &secret),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    }
}

#[tokio::test]
async fn a_token_belongs_to_an_agent_or_admin() {
    for desk in Desk::each("token_owners", Plugins::None).await {
        let customer = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "cust@shop.example"}})),
            )
            .await["user"]["id"]
            .as_i64()
            .unwrap();
        for (owner, expected) in [
            (customer, "is an end-user"),
            (999_999, "there is no user 999999"),
        ] {
            let (status, refused) = desk
                .admin(
                    Method::POST,
                    "/api/v2/tokens",
                    Some(json!({"token": {"name": "t", "role": "agent", "owner_id": owner}})),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert!(refused.to_string().contains(expected), "{refused}");
        }
        let (_, listed) = desk.admin(Method::GET, "/api/v2/tokens", None).await;
        assert!(
            listed["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .all(|token| token["owner_id"].is_null()),
            "{listed}"
        );
    }
}

/// Zendesk's error names, which clients map to typed exceptions (zenpy raises
/// `RecordNotFoundException` on `RecordNotFound`, and takes a 422 named `invalid` for a search
/// limit), with our descriptions and every failing attribute in Zendesk's detail shape.
#[tokio::test]
async fn errors_carry_zendesk_names_and_detail_shapes() {
    for desk in Desk::each("zendesk_errors", Plugins::None).await {
        let (status, body) = desk
            .admin(Method::GET, "/api/v2/users/424242.json", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "RecordNotFound", "{body}");
        assert!(
            body["description"].as_str().unwrap().contains("424242"),
            "{body}"
        );

        let (status, body) = desk
            .admin(Method::GET, "/api/v2/no_such_things", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "InvalidEndpoint", "{body}");

        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "not-an-address", "role": "boss"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"], "RecordInvalid", "{body}");
        for attribute in ["email", "role"] {
            let detail = &body["details"][attribute][0];
            assert_eq!(detail["error"], "InvalidValue", "{body}");
            assert!(
                !detail["description"].as_str().unwrap().is_empty(),
                "{body}"
            );
        }
        let (status, body) = desk
            .admin(
                Method::POST,
                "/api/v2/tickets",
                Some(json!({"ticket": {"subject": "No requester", "description": "x"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["details"]["requester_id"][0]["error"], "BlankValue",
            "{body}"
        );

        let (status, body) = desk.call(None, Method::GET, "/api/v2/users", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "Couldn't authenticate you", "{body}");
        let (status, body) = desk.agent(Method::GET, "/api/v2/tokens", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "Forbidden", "{body}");
    }
}

/// `users/me`, `show_many` and the global search, as Zendesk clients call them.
#[tokio::test]
async fn me_show_many_and_search() {
    for desk in Desk::each("zendesk_lookups", Plugins::None).await {
        let (email, secret) = owned_agent_token(&desk).await;
        let me = desk
            .send(
                desk.client
                    .get(desk.url("/api/v2/users/me.json"))
                    .header("authorization", basic(&format!("{email}/token"), &secret)),
            )
            .await;
        assert_eq!(me.0, StatusCode::OK, "{}", me.1);
        assert_eq!(me.1["user"]["email"], email);
        // The test's agent token has no owner: a 404 that says how to give it one.
        let (status, body) = desk.agent(Method::GET, "/api/v2/users/me", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(
            body["description"].as_str().unwrap().contains("owner"),
            "{body}"
        );

        let organization = desk
            .ok(
                Method::POST,
                "/api/v2/organizations",
                Some(
                    json!({"organization": {"name": "Shop Inc", "domain_names": ["shop.example"]}}),
                ),
            )
            .await["organization"]["id"]
            .as_i64()
            .unwrap();
        let mut customers = Vec::new();
        for (name, address) in [("Ada", "ada@shop.example"), ("Bob", "bob@shop.example")] {
            let user = desk
                .ok(
                    Method::POST,
                    "/api/v2/users",
                    Some(json!({"user": {"name": name, "email": address}})),
                )
                .await;
            customers.push(user["user"]["id"].as_i64().unwrap());
        }
        let (ada, bob) = (customers[0], customers[1]);
        let mut tickets = Vec::new();
        for requester in [ada, bob, ada] {
            let ticket = desk
                .ok(
                    Method::POST,
                    "/api/v2/tickets",
                    Some(
                        json!({"ticket": {"subject": "Parcel", "description": "Where?",
                                           "requester_id": requester}}),
                    ),
                )
                .await;
            tickets.push(ticket["ticket"]["id"].as_i64().unwrap());
        }
        desk.ok(
            Method::PUT,
            &format!("/api/v2/tickets/{}", tickets[2]),
            Some(json!({"ticket": {"status": "open"}})),
        )
        .await;

        // show_many: in id order, unknown ids left out, bad input a 400 saying what to send.
        let ids = |body: &Value, key: &str| -> Vec<i64> {
            body[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["id"].as_i64().unwrap())
                .collect()
        };
        let found = desk
            .ok(
                Method::GET,
                &format!("/api/v2/users/show_many.json?ids={bob},424242,{ada}"),
                None,
            )
            .await;
        assert_eq!(ids(&found, "users"), [ada, bob]);
        let found = desk
            .ok(
                Method::GET,
                &format!(
                    "/api/v2/tickets/show_many?ids={},{}",
                    tickets[1], tickets[0]
                ),
                None,
            )
            .await;
        assert_eq!(ids(&found, "tickets"), [tickets[0], tickets[1]]);
        let found = desk
            .ok(
                Method::GET,
                &format!("/api/v2/organizations/show_many?ids={organization}"),
                None,
            )
            .await;
        assert_eq!(ids(&found, "organizations"), [organization]);
        let too_many = (1..=101)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        for query in ["ids=1,x", "ids=", "", &format!("ids={too_many}")] {
            let (status, body) = desk
                .admin(
                    Method::GET,
                    &format!("/api/v2/users/show_many?{query}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert!(
                body["description"].as_str().unwrap().contains("ids"),
                "{body}"
            );
        }

        // Search, one type at a time, each result tagged with its type.
        let found = desk
            .ok(
                Method::GET,
                "/api/v2/search.json?query=type%3Auser%20email%3Abob%40shop.example",
                None,
            )
            .await;
        assert_eq!(found["count"], 1, "{found}");
        assert_eq!(found["results"][0]["id"], bob);
        assert_eq!(found["results"][0]["result_type"], "user");
        let found = desk
            .ok(
                Method::GET,
                &format!("/api/v2/search?query=type:ticket%20requester_id:{ada}&page[size]=1"),
                None,
            )
            .await;
        assert_eq!(found["count"], 2, "{found}");
        assert_eq!(found["results"][0]["id"], tickets[0]);
        assert_eq!(found["results"][0]["result_type"], "ticket");
        let next = found["next_page"].as_str().unwrap().to_string();
        let second = desk.ok(Method::GET, &next, None).await;
        assert_eq!(second["results"][0]["id"], tickets[2]);
        assert!(second["next_page"].is_null());
        let found = desk
            .ok(
                Method::GET,
                "/api/v2/search?query=type:ticket%20status:open",
                None,
            )
            .await;
        assert_eq!(found["results"][0]["id"], tickets[2], "{found}");
        assert_eq!(found["count"], 1);
        let found = desk
            .ok(
                Method::GET,
                "/api/v2/search?query=type:organization%20name:%22shop%20inc%22",
                None,
            )
            .await;
        assert_eq!(found["results"][0]["id"], organization, "{found}");
        assert_eq!(found["results"][0]["result_type"], "organization");
        let counted = desk
            .ok(
                Method::GET,
                "/api/v2/search/count.json?query=type:user",
                None,
            )
            .await;
        assert_eq!(
            counted["count"], 3,
            "the agent and two customers: {counted}"
        );
        for query in [
            "email:ada@shop.example",
            "type:widget",
            "type:ticket%20subject:x",
        ] {
            let (status, body) = desk
                .admin(Method::GET, &format!("/api/v2/search?query={query}"), None)
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
            assert_eq!(body["error"], "RecordInvalid");
            assert!(
                body["details"]["query"][0]["description"].is_string(),
                "{body}"
            );
        }
    }
}

/// Every ticket write answers with its audit, and every write is in the ticket's history:
/// `Create` events on a new ticket, `Change` events with the previous value on an update, the
/// comment, and the triggers' changes with a `via` naming plugin and trigger; values plain.
#[tokio::test]
async fn ticket_writes_answer_with_their_audit() {
    for desk in Desk::each("zendesk_audits", Plugins::Bundled).await {
        let customer = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "vip@shop.example",
                                     "user_fields": {"service_level": "platinum"}}})),
            )
            .await["user"]["id"]
            .as_i64()
            .unwrap();
        let (status, created) = desk
            .admin(
                Method::POST,
                "/api/v2/tickets.json",
                Some(
                    json!({"ticket": {"subject": "Broken", "requester_id": customer,
                                       "comment": {"body": "It broke.", "public": true},
                                       "tags": ["web"]}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let ticket = created["ticket"]["id"].as_i64().unwrap();
        let audit = &created["audit"];
        assert_eq!(audit["ticket_id"], ticket, "{created}");
        let events = audit["events"].as_array().unwrap();
        let event = |field: &str, by_trigger: bool| {
            events
                .iter()
                .find(|e| e["field_name"] == field && e["via"].is_object() == by_trigger)
                .unwrap_or_else(|| panic!("{field} (by trigger: {by_trigger}) in {audit}"))
                .clone()
        };
        let subject = event("subject", false);
        assert_eq!(
            (subject["type"].as_str(), subject["value"].as_str()),
            (Some("Create"), Some("Broken"))
        );
        assert_eq!(event("status", false)["value"], "new");
        assert_eq!(event("tags", false)["value"], json!(["web"]));
        let comment = events.iter().find(|e| e["type"] == "Comment").unwrap();
        assert_eq!(comment["body"], "It broke.", "{audit}");
        assert_eq!(comment["public"], true);
        // retail-vip escalates a platinum customer: its changes are the trigger's, plainly.
        let priority = event("priority", true);
        assert_eq!(priority["value"], "high", "{audit}");
        assert_eq!(priority["via"]["channel"], "rule");
        assert_eq!(priority["via"]["source"]["from"]["plugin"], "retail-vip");
        assert_eq!(
            priority["via"]["source"]["from"]["trigger"],
            "vip-escalation"
        );
        assert_eq!(event("tags", true)["value"], json!(["web", "vip"]));
        assert!(event("group_id", true)["value"].is_i64(), "{audit}");
        let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>());

        let (status, updated) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/tickets/{ticket}.json"),
                Some(json!({"ticket": {"status": "pending", "priority": "low"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        let changes = updated["audit"]["events"].as_array().unwrap();
        let summary: Vec<(String, Value, Value)> = changes
            .iter()
            .map(|e| {
                assert_eq!(e["type"], "Change", "{updated}");
                (
                    e["field_name"].as_str().unwrap().to_string(),
                    e["previous_value"].clone(),
                    e["value"].clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("status".to_string(), json!("new"), json!("pending")),
                ("priority".to_string(), json!("high"), json!("low")),
            ],
            "only what the request changed: {updated}"
        );

        // The history holds both writes, oldest first, as they were answered.
        let history = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{ticket}/audits.json"),
                None,
            )
            .await;
        assert_eq!(history["count"], 2, "{history}");
        assert_eq!(history["audits"][0], created["audit"]);
        assert_eq!(history["audits"][1], updated["audit"]);
        let (status, _) = desk
            .admin(Method::GET, "/api/v2/tickets/424242/audits", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// The cursor-based incremental exports: from `start_time`, batch by batch to
/// `end_of_stream`, and a ticket changed later comes again after the last cursor.
#[tokio::test]
async fn incremental_exports_follow_cursors() {
    for desk in Desk::each("zendesk_exports", Plugins::None).await {
        let customer = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "sync@shop.example"}})),
            )
            .await["user"]["id"]
            .as_i64()
            .unwrap();
        let mut tickets = Vec::new();
        for subject in ["one", "two", "three"] {
            let ticket = desk
                .ok(
                    Method::POST,
                    "/api/v2/tickets",
                    Some(json!({"ticket": {"subject": subject, "description": "x",
                                           "requester_id": customer}})),
                )
                .await;
            tickets.push(ticket["ticket"]["id"].as_i64().unwrap());
        }
        // Fresh records wait until they have settled (2 s).
        let early = desk
            .ok(
                Method::GET,
                "/api/v2/incremental/tickets/cursor.json?start_time=0",
                None,
            )
            .await;
        assert_eq!(early["tickets"], json!([]), "{early}");
        assert_eq!(early["end_of_stream"], true);
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

        let ids = |batch: &Value, key: &str| -> Vec<i64> {
            batch[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["id"].as_i64().unwrap())
                .collect()
        };
        let first = desk
            .ok(
                Method::GET,
                "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=2",
                None,
            )
            .await;
        assert_eq!(ids(&first, "tickets"), tickets[..2], "{first}");
        assert_eq!(first["end_of_stream"], false);
        assert!(first["before_cursor"].is_null());
        // after_url is a link to the next batch.
        let second = desk
            .ok(Method::GET, first["after_url"].as_str().unwrap(), None)
            .await;
        assert_eq!(ids(&second, "tickets"), tickets[2..], "{second}");
        assert_eq!(second["end_of_stream"], true);
        let resume = second["after_cursor"].as_str().unwrap().to_string();

        desk.ok(
            Method::PUT,
            &format!("/api/v2/tickets/{}", tickets[0]),
            Some(json!({"ticket": {"status": "open"}})),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let again = desk
            .ok(
                Method::GET,
                &format!("/api/v2/incremental/tickets/cursor?cursor={resume}"),
                None,
            )
            .await;
        assert_eq!(ids(&again, "tickets"), [tickets[0]], "{again}");
        assert_eq!(again["tickets"][0]["status"], "open");

        let users = desk
            .ok(
                Method::GET,
                "/api/v2/incremental/users/cursor?start_time=0",
                None,
            )
            .await;
        assert_eq!(ids(&users, "users"), [customer], "{users}");

        for query in [
            "",
            "start_time=yesterday",
            "start_time=-5",
            "cursor=not-a-cursor",
            "start_time=0&per_page=0",
            "start_time=0&per_page=1001",
        ] {
            let (status, body) = desk
                .admin(
                    Method::GET,
                    &format!("/api/v2/incremental/tickets/cursor?{query}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        }
    }
}

/// Per-token rate limits as Zendesk signals them: `X-Rate-Limit` and `X-Rate-Limit-Remaining`
/// on every answer, 429 with `Retry-After` beyond the limit, each token counted alone.
#[tokio::test]
async fn rate_limits_per_token_are_signalled_like_zendesk() {
    for (store, dir) in common::stores("zendesk_rate_limit").await {
        let desk = Desk::start_adjusted(store, dir, common::no_rules(), |options| {
            options.rate_limit_per_minute = Some(3)
        })
        .await;
        let get = |token: &str| {
            desk.client
                .get(desk.url("/api/v2/users.json"))
                .bearer_auth(token)
                .send()
        };
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let response = get(&desk.agent).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["x-rate-limit"], "3");
            remaining.push(
                response.headers()["x-rate-limit-remaining"]
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
        }
        assert_eq!(remaining, ["2", "1", "0"]);
        let refused = get(&desk.agent).await.unwrap();
        // The minute may have turned between the calls; then the window starts again.
        if refused.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = refused.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            assert_eq!(refused.headers()["x-rate-limit-remaining"], "0");
            let body: Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
            assert_eq!(body["error"], "TooManyRequests", "{body}");
            assert!(
                body["description"]
                    .as_str()
                    .unwrap()
                    .contains("3 requests a minute")
            );
        } else {
            assert_eq!(refused.status(), StatusCode::OK);
        }
        // Another token has its own count; requests without a token are not counted.
        assert_eq!(get(&desk.admin).await.unwrap().status(), StatusCode::OK);
        let health = desk.client.get(desk.url("/healthz")).send().await.unwrap();
        assert!(health.headers().get("x-rate-limit").is_none());
    }
}

/// Organization memberships: a user's link to their one organization, listed, shown, made and
/// removed the Zendesk way.
#[tokio::test]
async fn organization_memberships() {
    for desk in Desk::each("zendesk_memberships", Plugins::None).await {
        let new_id = |body: Value, key: &str| body[key]["id"].as_i64().unwrap();
        let acme = new_id(
            desk.ok(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Acme", "domain_names": ["acme.example"]}})),
            )
            .await,
            "organization",
        );
        let other = new_id(
            desk.ok(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Other"}})),
            )
            .await,
            "organization",
        );
        // Joined by domain on creation.
        let wile = new_id(
            desk.ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "wile@acme.example"}})),
            )
            .await,
            "user",
        );
        let road = new_id(
            desk.ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "road@runner.example"}})),
            )
            .await,
            "user",
        );
        let free = new_id(
            desk.ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "free@gmail.com"}})),
            )
            .await,
            "user",
        );

        let shown = desk
            .ok(
                Method::GET,
                &format!("/api/v2/users/{wile}/organization_memberships.json"),
                None,
            )
            .await;
        assert_eq!(shown["count"], 1, "{shown}");
        let membership = &shown["organization_memberships"][0];
        assert_eq!(
            (
                membership["id"].as_i64(),
                membership["user_id"].as_i64(),
                membership["organization_id"].as_i64()
            ),
            (Some(wile), Some(wile), Some(acme))
        );
        assert_eq!(membership["default"], true);

        let (status, made) = desk
            .admin(
                Method::POST,
                "/api/v2/organization_memberships.json",
                Some(
                    json!({"organization_membership": {"user_id": free, "organization_id": acme}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["organization_membership"]["organization_id"], acme);
        let members = desk
            .ok(
                Method::GET,
                &format!("/api/v2/organizations/{acme}/organization_memberships"),
                None,
            )
            .await;
        let users: Vec<i64> = members["organization_memberships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["user_id"].as_i64().unwrap())
            .collect();
        assert_eq!(users, [wile, free], "{members}");

        // One organization per user: a second is refused, saying what to do.
        let (status, refused) = desk
            .admin(
                Method::POST,
                "/api/v2/organization_memberships",
                Some(
                    json!({"organization_membership": {"user_id": wile, "organization_id": other}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused.to_string().contains("delete that membership"),
            "{refused}"
        );
        for body in [
            json!({"organization_membership": {"user_id": 424242, "organization_id": acme}}),
            json!({"organization_membership": {"user_id": road, "organization_id": 424242}}),
        ] {
            let (status, refused) = desk
                .admin(Method::POST, "/api/v2/organization_memberships", Some(body))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        }

        let all = desk
            .ok(Method::GET, "/api/v2/organization_memberships", None)
            .await;
        assert_eq!(
            all["count"], 3,
            "wile, road's own runner.example and free: {all}"
        );

        let (status, _) = desk
            .admin(
                Method::DELETE,
                &format!("/api/v2/organization_memberships/{free}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let user = desk
            .ok(Method::GET, &format!("/api/v2/users/{free}"), None)
            .await;
        assert!(user["user"]["organization_id"].is_null(), "{user}");
        let (status, body) = desk
            .admin(
                Method::GET,
                &format!("/api/v2/organization_memberships/{free}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"], "RecordNotFound");

        // The OpenAPI document describes the membership, not a group membership (schema names
        // are global: two envelopes of one name would silently merge).
        let document = desk.ok(Method::GET, "/api/v2/openapi.json", None).await;
        let reference = document["paths"]["/api/v2/organization_memberships/{id}"]["get"]
            ["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let schema = &document["components"]["schemas"][&reference];
        assert_eq!(
            schema["required"],
            json!(["organization_membership"]),
            "{schema}"
        );
    }
}

/// Zendesk's ticket shape: `via` with the channel, and `submitter_id` — the one sent, else the
/// comment's author, else the token's owner, else the requester; it cannot change.
#[tokio::test]
async fn tickets_carry_via_and_submitter() {
    for desk in Desk::each("zendesk_ticket_shape", Plugins::None).await {
        let (email, secret) = owned_agent_token(&desk).await;
        let agent = desk.store.user_by_email(&email).await.unwrap().unwrap().id;
        let customer = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "c@shop.example"}})),
            )
            .await["user"]["id"]
            .as_i64()
            .unwrap();
        let create = |token: Option<String>, ticket: Value| {
            let request = desk
                .client
                .post(desk.url("/api/v2/tickets.json"))
                .header("content-type", "application/json")
                .body(json!({"ticket": ticket}).to_string());
            let request = match token {
                Some(authorization) => request.header("authorization", authorization),
                None => request.bearer_auth(&desk.admin),
            };
            desk.send(request)
        };
        let base = json!({"subject": "s", "description": "d", "requester_id": customer});
        // The token's owner submits.
        let (status, made) = create(
            Some(basic(&format!("{email}/token"), &secret)),
            base.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["ticket"]["submitter_id"], agent, "{made}");
        assert_eq!(made["ticket"]["via"]["channel"], "api");
        assert!(
            made["ticket"]["via"]["source"]["from"].is_object(),
            "{made}"
        );
        // No owner: the requester.
        let (_, made) = create(None, base.clone()).await;
        assert_eq!(made["ticket"]["submitter_id"], customer, "{made}");
        // Sent explicitly; an unknown one is refused.
        let mut explicit = base.clone();
        explicit["submitter_id"] = json!(agent);
        let (_, made) = create(None, explicit).await;
        assert_eq!(made["ticket"]["submitter_id"], agent);
        let mut unknown = base.clone();
        unknown["submitter_id"] = json!(424242);
        let (status, refused) = create(None, unknown).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused["details"]["submitter_id"].is_array(), "{refused}");
        // It cannot change.
        let id = made["ticket"]["id"].as_i64().unwrap();
        let (status, refused) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"submitter_id": customer}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
            .await;
        assert_eq!(shown["ticket"]["submitter_id"], agent);
    }
}

/// Ticket custom values the Zendesk way: fields defined at `/ticket_fields`, values sent as the
/// list of `{"id", "value"}` (or by key), read by each field's type, and every ticket shown with
/// the list of every ticket field.
#[tokio::test]
async fn ticket_custom_fields_are_zendesks_list_checked_against_ticket_fields() {
    for desk in Desk::each("ticket_fields", Plugins::None).await {
        let define = |body: Value| {
            let desk = &desk;
            async move {
                desk.ok(
                    Method::POST,
                    "/api/v2/ticket_fields.json",
                    Some(json!({"ticket_field": body})),
                )
                .await["ticket_field"]["id"]
                    .as_i64()
                    .unwrap()
            }
        };
        let order = define(json!({"key": "order_id", "type": "text", "title": "Order"})).await;
        let units = define(json!({"key": "units", "type": "integer", "title": "Units"})).await;
        let tier = define(json!({"key": "tier", "type": "tagger", "title": "Tier",
            "custom_field_options": [{"name": "Gold", "value": "gold"}]}))
        .await;
        let listed = desk.ok(Method::GET, "/api/v2/ticket_fields", None).await;
        assert_eq!(listed["count"], 3, "{listed}");

        let created = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(json!({"ticket": {"description": "Parcel?", "requester": {"email": "ada@shop.example"},
                    "custom_fields": [{"id": order, "value": "A-1"}, {"id": tier, "value": "gold"}]}})),
            )
            .await;
        let id = created["ticket"]["id"].as_i64().unwrap();
        let expected = json!([{"id": order, "value": "A-1"}, {"id": units, "value": null},
                              {"id": tier, "value": "gold"}]);
        assert_eq!(created["ticket"]["custom_fields"], expected, "{created}");
        for path in [
            format!("/api/v2/tickets/{id}.json"),
            format!("/api/v2/tickets/show_many?ids={id}"),
            "/api/v2/tickets".to_string(),
            "/api/v2/search?query=type:ticket".to_string(),
        ] {
            let shown = desk.ok(Method::GET, &path, None).await;
            let ticket = shown.get("ticket").cloned().unwrap_or_else(|| {
                shown.get("tickets").or(shown.get("results")).unwrap()[0].clone()
            });
            assert_eq!(ticket["custom_fields"], expected, "{path}: {shown}");
        }

        // By key, as plain values; `null` clears.
        let updated = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"custom_fields": {"units": "3", "order_id": null}}})),
            )
            .await;
        assert_eq!(
            updated["ticket"]["custom_fields"],
            json!([{"id": order, "value": null}, {"id": units, "value": 3},
                   {"id": tier, "value": "gold"}]),
            "{updated}"
        );
        let changes: Vec<Value> = updated["audit"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["type"] == "Change")
            .map(|event| json!([event["field_name"], event["value"], event["previous_value"]]))
            .collect();
        assert!(changes.contains(&json!(["units", 3, null])), "{changes:?}");
        assert!(
            changes.contains(&json!(["order_id", null, "A-1"])),
            "{changes:?}"
        );

        // Every problem at once, named by the id or key sent.
        let (status, refused) = desk
            .agent(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(
                    json!({"ticket": {"custom_fields": [{"id": 999999, "value": "x"},
                    {"id": units, "value": "many"}, {"id": tier, "value": "diamond"}]}}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"], "RecordInvalid");
        for key in [
            "custom_fields.999999",
            "custom_fields.units",
            "custom_fields.tier",
        ] {
            assert!(refused["details"].get(key).is_some(), "{key}: {refused}");
        }
        let (status, refused) = desk
            .agent(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"custom_fields": "A-1"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["description"]
                .as_str()
                .unwrap()
                .contains("[{\"id\""),
            "{refused}"
        );
        let (status, _) = desk
            .agent(
                Method::POST,
                "/api/v2/ticket_fields",
                Some(json!({"ticket_field": {"key": "x", "type": "text", "title": "X"}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only admins define fields");
    }
}

/// `comment` and `description` as Zendesk reads them: on create the first comment is `comment`,
/// else `description`; `description` cannot change later, so a ticket sent back whole adds no
/// comment.
#[tokio::test]
async fn description_is_the_first_comment_and_never_adds_one_later() {
    for desk in Desk::each("description", Plugins::None).await {
        let created = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(
                    json!({"ticket": {"description": "Ignored", "comment": {"body": "The real one"},
                    "requester": {"email": "ada@shop.example"}}}),
                ),
            )
            .await["ticket"]
            .clone();
        assert_eq!(created["description"], "The real one", "{created}");
        let id = created["id"].as_i64().unwrap();
        let mut whole = created.clone();
        whole["status"] = json!("open");
        let updated = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/tickets/{id}.json"),
                Some(json!({"ticket": whole})),
            )
            .await;
        assert_eq!(updated["ticket"]["status"], "open", "{updated}");
        assert_eq!(updated["ticket"]["description"], "The real one");
        let comments = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}/comments"), None)
            .await;
        assert_eq!(
            comments["count"], 1,
            "sending the ticket back added no comment: {comments}"
        );

        let (status, refused) = desk
            .agent(
                Method::POST,
                "/api/v2/tickets",
                Some(json!({"ticket": {"description": "  ", "requester": {"email": "ada@shop.example"}}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused["details"].get("description").is_some(), "{refused}");
    }
}
