//! Calls and routing: voice intake (`POST /api/v2/channels/voice/calls`) answers with the queue
//! and SIP URI to forward to; call queues (`/api/v2/queues`); the bundled loyalty-routing plugin
//! against a real loyalty API stand-in on loopback (gold, platinum, bronze, unknown customer,
//! 500, slower than the deadline, not JSON, a redirect to a host not granted); the bundled
//! org-routing plugin. On SQLite, and on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use std::time::Duration;

use axum::extract::Query;
use axum::http::StatusCode as PeerStatus;
use axum::response::{IntoResponse, Redirect, Response};
use common::desk::{Desk, Plugins};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::domain::token::TokenRole;

async fn intake_token(desk: &Desk) -> String {
    desk.store
        .create_token("phone system", TokenRole::Intake, None)
        .await
        .unwrap()
        .1
}

async fn call(desk: &Desk, token: &str, body: Value) -> (StatusCode, Value) {
    desk.call(
        Some(token),
        Method::POST,
        "/api/v2/channels/voice/calls",
        Some(body),
    )
    .await
}

async fn queue(desk: &Desk, name: &str, default: bool) -> Value {
    let sip = format!("sip:{}@pbx.example.com", name.to_lowercase());
    desk.ok(
        Method::POST,
        "/api/v2/queues",
        Some(json!({"queue": {"name": name, "sip_uri": sip, "default": default}})),
    )
    .await["queue"]
        .clone()
}

/// Serves `router` on an ephemeral loopback port; returns its origin.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    origin
}

/// The company's loyalty API, as a stand-in: the caller's number decides the answer.
async fn loyalty_api(elsewhere: String) -> String {
    let lookup = move |Query(query): Query<std::collections::HashMap<String, String>>| {
        let elsewhere = elsewhere.clone();
        async move {
            let phone = query.get("phone").cloned().unwrap_or_default();
            let answer: Response = match phone.as_str() {
                "+4930000001" => axum::Json(json!({"status": "gold"})).into_response(),
                "+4930000002" => axum::Json(json!({"status": "Platinum"})).into_response(),
                "+4930000003" => axum::Json(json!({"status": "bronze"})).into_response(),
                "+4930000004" => (PeerStatus::NOT_FOUND, "no such customer").into_response(),
                "+4930000005" => (PeerStatus::INTERNAL_SERVER_ERROR, "boom").into_response(),
                "+4930000006" => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    axum::Json(json!({"status": "gold"})).into_response()
                }
                "+4930000007" => "<html>gold</html>".into_response(),
                "+4930000008" => Redirect::temporary(&format!("{elsewhere}/gold")).into_response(),
                _ => axum::Json(json!({"status": "mystery"})).into_response(),
            };
            answer
        }
    };
    serve(axum::Router::new().route("/customers", axum::routing::get(lookup))).await
}

#[tokio::test]
async fn a_call_is_answered_with_its_queue_once_per_call_id() {
    for desk in Desk::each("voice", Plugins::None).await {
        let phone_system = intake_token(&desk).await;
        let first = json!({"call_id": "c-1", "from": "+49 30 1234567", "to": "+49 89 7654321"});

        // No queue yet: the call is taken, with nowhere to forward it.
        let (status, answer) = call(&desk, &phone_system, first.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["queue"], Value::Null);
        assert_eq!(answer["forward_to"], Value::Null);
        let ticket_id = answer["ticket_id"].clone();
        let ticket = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{ticket_id}"), None)
            .await["ticket"]
            .clone();
        assert_eq!(ticket["via"]["channel"], "voice");
        assert_eq!(ticket["via"]["source"]["from"]["address"], "+49301234567");
        assert_eq!(ticket["via"]["source"]["to"]["address"], "+49897654321");
        let caller = desk
            .ok(
                Method::GET,
                &format!("/api/v2/users/{}", ticket["requester_id"]),
                None,
            )
            .await;
        assert_eq!(caller["user"]["phone"], "+49301234567");
        assert_eq!(caller["user"]["organization_id"], Value::Null);

        // The same call reported again: the same ticket, no second one.
        let (status, again) = call(&desk, &phone_system, first.clone()).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["ticket_id"], ticket_id);
        assert_eq!(again["outcome"], "duplicate");

        // With a default queue, an unrouted call goes there.
        let standard = queue(&desk, "Standard", true).await;
        let (_, answer) = call(
            &desk,
            &phone_system,
            json!({"call_id": "c-2", "from": "+4930 1234567", "to": "+49897654321", "name": "Ada"}),
        )
        .await;
        assert_eq!(answer["queue"]["name"], "Standard", "{answer}");
        assert_eq!(answer["forward_to"], standard["sip_uri"]);
        let second = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}", answer["ticket_id"]),
                None,
            )
            .await;
        assert_eq!(second["ticket"]["queue"], "Standard");
        assert_eq!(
            second["ticket"]["requester_id"], ticket["requester_id"],
            "one customer per number"
        );

        // The end of a call: an internal note, once.
        let ended = json!({"duration_seconds": 192, "outcome": "answered"});
        let path = "/api/v2/channels/voice/calls/c-1/ended";
        let (status, noted) = desk
            .call(Some(&phone_system), Method::POST, path, Some(ended.clone()))
            .await;
        assert_eq!(status, StatusCode::OK, "{noted}");
        assert_eq!(noted["outcome"], "commented");
        let (_, repeated) = desk
            .call(Some(&phone_system), Method::POST, path, Some(ended.clone()))
            .await;
        assert_eq!(repeated["outcome"], "duplicate");
        let comments = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{ticket_id}/comments"),
                None,
            )
            .await;
        assert_eq!(comments["count"], 2, "{comments}");
        assert_eq!(
            comments["comments"][1]["body"],
            "Call ended: answered, 3 min 12 s."
        );
        assert_eq!(comments["comments"][1]["public"], false);
        let (status, _) = desk
            .call(
                Some(&phone_system),
                Method::POST,
                "/api/v2/channels/voice/calls/never/ended",
                Some(ended),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Refused: unreadable numbers, a missing call id, and callers without the intake role.
        let tickets_before = desk.ok(Method::GET, "/api/v2/tickets", None).await["count"].clone();
        for (body, attribute) in [
            (
                json!({"call_id": "c-3", "from": "call me", "to": "+49897654321"}),
                "from",
            ),
            (
                json!({"call_id": "", "from": "+4930123", "to": "+49897654321"}),
                "call_id",
            ),
            (json!({"call_id": "c-3", "from": "+4930123"}), "to"),
        ] {
            let (status, refused) = call(&desk, &phone_system, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {refused}"
            );
            assert!(refused.to_string().contains(attribute), "{body}: {refused}");
        }
        let (status, _) = call(&desk, &desk.agent.clone(), first).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let tickets_after = desk.ok(Method::GET, "/api/v2/tickets", None).await["count"].clone();
        assert_eq!(tickets_after, tickets_before);
    }
}

#[tokio::test]
async fn queues_are_managed_by_admins_with_checked_sip_uris_and_one_default() {
    for desk in Desk::each("queues", Plugins::None).await {
        let standard = queue(&desk, "Standard", true).await;
        assert_eq!(standard["active"], true);
        assert_eq!(standard["default"], true);
        let priority = queue(&desk, "Priority", true).await;
        let standard = desk
            .ok(
                Method::GET,
                &format!("/api/v2/queues/{}", standard["id"]),
                None,
            )
            .await;
        assert_eq!(
            standard["queue"]["default"], false,
            "one default: {standard}"
        );
        assert_eq!(priority["default"], true);

        for (body, attribute) in [
            (
                json!({"queue": {"name": "X", "sip_uri": "https://pbx.example.com"}}),
                "sip_uri",
            ),
            (json!({"queue": {"name": "X"}}), "sip_uri"),
            (
                json!({"queue": {"sip_uri": "sip:x@pbx.example.com"}}),
                "name",
            ),
            (
                json!({"queue": {"name": "X", "sip_uri": "sip:x@pbx.example.com", "extension": 1}}),
                "extension",
            ),
        ] {
            let (status, refused) = desk
                .admin(Method::POST, "/api/v2/queues", Some(body.clone()))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {refused}"
            );
            assert!(refused.to_string().contains(attribute), "{body}: {refused}");
        }
        let (status, refused) = desk
            .admin(
                Method::POST,
                "/api/v2/queues",
                Some(json!({"queue": {"name": "Priority", "sip_uri": "sip:p2@pbx.example.com"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        let (status, _) = desk
            .agent(
                Method::POST,
                "/api/v2/queues",
                Some(json!({"queue": {"name": "Mine", "sip_uri": "sip:m@pbx.example.com"}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, listed) = desk.agent(Method::GET, "/api/v2/queues", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed["count"], 2);

        let changed = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/queues/{}", priority["id"]),
                Some(json!({"queue": {"active": false, "sip_uri": "sips:priority@pbx.example.com:5061"}})),
            )
            .await;
        assert_eq!(changed["queue"]["active"], false);
        assert_eq!(changed["queue"]["default"], true);
        assert_eq!(
            changed["queue"]["sip_uri"],
            "sips:priority@pbx.example.com:5061"
        );
        let (status, _) = desk
            .admin(
                Method::DELETE,
                &format!("/api/v2/queues/{}", priority["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = desk
            .admin(
                Method::GET,
                &format!("/api/v2/queues/{}", priority["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn loyalty_routing_sends_gold_and_platinum_callers_to_the_priority_queue() {
    for desk in Desk::each("loyalty", Plugins::Bundled).await {
        let phone_system = intake_token(&desk).await;
        let priority = queue(&desk, "Priority", false).await;
        let standard = queue(&desk, "Standard", true).await;
        let elsewhere = serve(axum::Router::new().route(
            "/gold",
            axum::routing::get(|| async { axum::Json(json!({"status": "gold"})) }),
        ))
        .await;
        let api = loyalty_api(elsewhere).await;
        let plugin = desk.plugin_id("loyalty-routing").await;
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{plugin}/config"),
            Some(json!({"config": {"loyalty_url": format!("{api}/customers?phone={{phone}}")}})),
        )
        .await;

        let mut n = 0;
        let mut place = |from: &str| {
            n += 1;
            let body = json!({"call_id": format!("loyal-{n}"), "from": from, "to": "+49897654321"});
            let desk = &desk;
            let token = phone_system.clone();
            async move {
                let (status, answer) = call(desk, &token, body).await;
                assert_eq!(status, StatusCode::CREATED, "{answer}");
                answer
            }
        };

        // Not granted yet: nothing is reached, every call goes to the default queue.
        let answer = place("+4930000001").await;
        assert_eq!(answer["queue"]["name"], "Standard", "{answer}");
        let ticket = json!({"id": answer["ticket_id"]});
        let runs = desk.rule_runs(&ticket).await;
        let run = runs
            .iter()
            .find(|run| run["plugin"] == "loyalty-routing")
            .unwrap_or_else(|| panic!("loyalty-routing ran: {runs:?} {answer}"));
        assert_eq!(run["outcome"], "fired", "{run}");
        assert!(
            run["logs"][0]["message"]
                .as_str()
                .unwrap()
                .contains("grant"),
            "{run}"
        );

        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{plugin}/granted_hosts"),
            Some(json!({"granted_hosts": [api]})),
        )
        .await;
        let mut gold_caller = Value::Null;
        for (from, expected, why) in [
            ("+4930000001", &priority, "gold"),
            ("+49 30 000002", &priority, "platinum, in capitals"),
            ("+4930000003", &standard, "bronze"),
            ("+4930000004", &standard, "unknown customer (404)"),
            ("+4930000005", &standard, "the API fails (500)"),
            ("+4930000006", &standard, "slower than the deadline"),
            ("+4930000007", &standard, "not JSON"),
            ("+4930000008", &standard, "redirected to a host not granted"),
            ("+4930000009", &standard, "a status nobody mapped"),
        ] {
            let answer = place(from).await;
            assert_eq!(answer["queue"]["name"], expected["name"], "{why}: {answer}");
            assert_eq!(answer["forward_to"], expected["sip_uri"], "{why}: {answer}");
            let ticket = desk
                .ok(
                    Method::GET,
                    &format!("/api/v2/tickets/{}", answer["ticket_id"]),
                    None,
                )
                .await["ticket"]
                .clone();
            assert_eq!(ticket["queue"], expected["name"], "{why}");
            if why == "gold" {
                gold_caller = ticket["requester_id"].clone();
            }
            let runs = desk.rule_runs(&ticket).await;
            let run = runs
                .iter()
                .find(|run| run["plugin"] == "loyalty-routing")
                .unwrap();
            assert_eq!(run["outcome"], "fired", "{why}: {run}");
            if std::ptr::eq(expected, &standard) && why != "bronze" {
                assert!(
                    !run["logs"].as_array().unwrap().is_empty(),
                    "{why}: a log line says why: {run}"
                );
            }
        }

        // The status fetched is kept on the customer, for agents to see.
        let caller = desk
            .ok(Method::GET, &format!("/api/v2/users/{gold_caller}"), None)
            .await["user"]
            .clone();
        assert_eq!(caller["user_fields"]["loyalty_status"], "gold", "{caller}");
    }
}

#[tokio::test]
async fn org_routing_assigns_an_organizations_tickets_to_its_agent_and_group() {
    for desk in Desk::each("org_routing", Plugins::Bundled).await {
        let agent = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(
                    json!({"user": {"name": "Ann", "email": "ann@desk.example", "role": "agent"}}),
                ),
            )
            .await["user"]
            .clone();
        let group = desk
            .ok(
                Method::POST,
                "/api/v2/groups",
                Some(json!({"group": {"name": "Acme team"}})),
            )
            .await["group"]
            .clone();
        desk.ok(
            Method::POST,
            "/api/v2/organizations",
            Some(
                json!({"organization": {"name": "Acme", "domain_names": ["acme.example"],
                "organization_fields": {"auto_assign_agent": "ann@desk.example",
                                        "auto_assign_group": "Acme team"}}}),
            ),
        )
        .await;
        desk.ok(
            Method::POST,
            "/api/v2/organizations",
            Some(
                json!({"organization": {"name": "Initech", "domain_names": ["initech.example"],
                "organization_fields": {"auto_assign_agent": "nobody@desk.example"}}}),
            ),
        )
        .await;

        let opened = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(
                    json!({"ticket": {"subject": "Help", "comment": {"body": "Please"},
                                       "requester": {"email": "bob@acme.example"}}}),
                ),
            )
            .await["ticket"]
            .clone();
        assert_eq!(opened["assignee_id"], agent["id"], "{opened}");
        assert_eq!(opened["group_id"], group["id"], "{opened}");

        // An email that names no agent: nothing assigned, and the audit says why.
        let opened = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(
                    json!({"ticket": {"subject": "Help", "comment": {"body": "Please"},
                                       "requester": {"email": "peter@initech.example"}}}),
                ),
            )
            .await["ticket"]
            .clone();
        assert_eq!(opened["assignee_id"], Value::Null, "{opened}");
        let runs = desk.rule_runs(&opened).await;
        let run = runs
            .iter()
            .find(|run| run["plugin"] == "org-routing")
            .unwrap();
        assert_eq!(run["outcome"], "invalid_actions", "{run}");
        assert!(
            run["error"]
                .as_str()
                .unwrap()
                .contains("nobody@desk.example"),
            "{run}"
        );

        // A customer of no organization is left alone.
        let opened = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(
                    json!({"ticket": {"subject": "Hi", "comment": {"body": "Hello"},
                                       "requester": {"email": "solo@gmail.com"}}}),
                ),
            )
            .await["ticket"]
            .clone();
        assert_eq!(opened["assignee_id"], Value::Null);
        assert!(
            desk.rule_runs(&opened)
                .await
                .iter()
                .all(|run| run["plugin"] != "org-routing")
        );
    }
}
