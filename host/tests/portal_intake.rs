//! The customer portal (`/api/v2/portal/registrations`, `/api/v2/portal/requests`): a
//! registration finds or creates the customer and their organization and issues a session
//! token; with it the customer opens tickets with channel `portal`, through the triggers. Open
//! endpoints are limited per client address (429 + Retry-After) and in body size, refuse bad
//! input with what to fix, and write nothing when they refuse. On SQLite, and on PostgreSQL
//! when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use common::desk::{Desk, Plugins};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn register(desk: &Desk, body: Value) -> (StatusCode, Value) {
    desk.call(
        None,
        Method::POST,
        "/api/v2/portal/registrations",
        Some(body),
    )
    .await
}

async fn open(desk: &Desk, session: &str, subject: &str, body: &str) -> (StatusCode, Value) {
    desk.call(
        Some(session),
        Method::POST,
        "/api/v2/portal/requests",
        Some(json!({"request": {"subject": subject, "comment": {"body": body}}})),
    )
    .await
}

async fn ticket_count(desk: &Desk) -> i64 {
    desk.ok(Method::GET, "/api/v2/tickets", None).await["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_registered_customer_opens_portal_requests() {
    for desk in Desk::each("portal", Plugins::None).await {
        let (status, registered) = register(
            &desk,
            json!({"email": "Ada@Analytical-Engines.example", "name": "Ada Lovelace"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{registered}");
        let session = registered["token"].as_str().unwrap().to_string();
        assert!(session.starts_with("wdp_"), "{registered}");
        assert_eq!(registered["email"], "ada@analytical-engines.example");
        assert_eq!(registered["name"], "Ada Lovelace");
        let user_id = registered["user_id"].clone();

        // The customer, and the organization found or created from the domain.
        let user = desk
            .ok(Method::GET, &format!("/api/v2/users/{user_id}"), None)
            .await;
        assert_eq!(user["user"]["role"], "end-user");
        let organization_id = user["user"]["organization_id"].clone();
        assert!(organization_id.is_i64(), "by domain: {user}");

        let (status, opened) =
            open(&desk, &session, "Late order", "Order 42 has not arrived.").await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        let request = &opened["request"];
        assert_eq!(request["via"]["channel"], "portal");
        assert_eq!(request["requester_id"], user_id);
        assert_eq!(request["status"], "new");
        let ticket = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}", request["id"]),
                None,
            )
            .await;
        assert_eq!(ticket["ticket"]["via"]["channel"], "portal");
        assert_eq!(ticket["ticket"]["subject"], "Late order");
        assert_eq!(ticket["ticket"]["description"], "Order 42 has not arrived.");
        assert_eq!(ticket["ticket"]["organization_id"], organization_id);
        assert_eq!(
            ticket["ticket"]["via"]["source"]["from"]["address"],
            "ada@analytical-engines.example"
        );

        // Registering again: the same customer (name kept), another session; both work.
        let (status, again) = register(
            &desk,
            json!({"email": "ada@analytical-engines.example", "name": "Someone Else"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(again["user_id"], user_id);
        assert_eq!(again["name"], "Ada Lovelace");
        assert_ne!(again["token"], registered["token"]);
        let (status, _) = open(&desk, again["token"].as_str().unwrap(), "Also", "Order 43").await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = open(&desk, &session, "Still", "Order 44").await;
        assert_eq!(status, StatusCode::CREATED);

        // A customer known from an email or the API registers the same way; a name is optional.
        let (status, known) = register(&desk, json!({"email": "grace@navy.example"})).await;
        assert_eq!(status, StatusCode::CREATED, "{known}");
        assert_eq!(known["name"], "grace");

        // A session reads nothing and is no API token.
        let (status, refused) = desk
            .call(Some(&session), Method::GET, "/api/v2/tickets", None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert!(
            refused["description"]
                .as_str()
                .unwrap()
                .contains("/api/v2/portal/requests"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn a_portal_request_runs_the_triggers() {
    for desk in Desk::each("portal_vip", Plugins::Bundled).await {
        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "ada@analytical-engines.example",
                                 "user_fields": {"service_level": "platinum"}}})),
        )
        .await;
        let (_, registered) =
            register(&desk, json!({"email": "ada@analytical-engines.example"})).await;
        let session = registered["token"].as_str().unwrap();
        let (status, opened) = open(&desk, session, "Help", "It broke.").await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["request"]["priority"], "high", "{opened}");
        let ticket = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}", opened["request"]["id"]),
                None,
            )
            .await;
        let runs = desk.rule_runs(&ticket["ticket"]).await;
        assert!(
            runs.iter()
                .any(|run| run["plugin"] == "retail-vip" && run["outcome"] == "fired"),
            "{runs:?}"
        );
    }
}

#[tokio::test]
async fn the_portal_refuses_what_it_cannot_take_and_writes_nothing() {
    for desk in Desk::each("portal_refused", Plugins::None).await {
        let (_, registered) =
            register(&desk, json!({"email": "ada@analytical-engines.example"})).await;
        let session = registered["token"].as_str().unwrap().to_string();
        let users_before = desk.ok(Method::GET, "/api/v2/users", None).await["count"].clone();

        for (body, attribute) in [
            (json!({"email": "not an address"}), "email"),
            (json!({"email": ""}), "email"),
            (json!({"name": "Nobody"}), "email"),
            (
                json!({"email": "x@y.example", "name": "n".repeat(300)}),
                "name",
            ),
            (
                json!({"email": "x@y.example", "password": "hunter2"}),
                "password",
            ),
        ] {
            let (status, refused) = register(&desk, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {refused}"
            );
            assert!(
                refused.to_string().contains(attribute),
                "{body}: the answer names {attribute}: {refused}"
            );
        }
        // Staff do not become portal customers.
        let (_, agent) = desk
            .admin(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "agent@desk.example", "role": "agent"}})),
            )
            .await;
        assert!(agent["user"]["id"].is_i64(), "{agent}");
        let (status, refused) = register(&desk, json!({"email": "agent@desk.example"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused.to_string().contains("API tokens"), "{refused}");
        let users_after = desk.ok(Method::GET, "/api/v2/users", None).await["count"].clone();
        assert_eq!(users_after.as_i64(), users_before.as_i64().map(|n| n + 1));

        // Requests without a session, with an unknown one, with an API token, or malformed.
        let tickets_before = ticket_count(&desk).await;
        let body = json!({"request": {"subject": "s", "comment": {"body": "b"}}});
        for token in [None, Some("wdp_unknown"), Some(desk.admin.as_str())] {
            let (status, refused) = desk
                .call(
                    token,
                    Method::POST,
                    "/api/v2/portal/requests",
                    Some(body.clone()),
                )
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {refused}");
            assert!(
                refused["description"].as_str().unwrap().contains("regist"),
                "{refused}"
            );
        }
        for (request, attribute) in [
            (
                json!({"request": {"subject": "s".repeat(501), "comment": {"body": "b"}}}),
                "subject",
            ),
            (
                json!({"request": {"subject": "s", "comment": {"body": ""}}}),
                "comment",
            ),
            (json!({"request": {"subject": "s"}}), "comment"),
            (
                json!({"request": {"subject": "s", "comment": {"body": "b"}, "status": "solved"}}),
                "status",
            ),
        ] {
            let (status, refused) = desk
                .call(
                    Some(&session),
                    Method::POST,
                    "/api/v2/portal/requests",
                    Some(request.clone()),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{request}: {refused}"
            );
            assert!(
                refused.to_string().contains(attribute),
                "{request}: {refused}"
            );
        }
        // Without a subject, the text's first line is the subject (as on any new ticket).
        let (status, opened) = desk
            .call(
                Some(&session),
                Method::POST,
                "/api/v2/portal/requests",
                Some(json!({"request": {"comment": {"body": "Where is it?\nOrder 42"}}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["request"]["subject"], "Where is it?");
        let tickets_before = tickets_before + 1;
        // Oversized bodies are refused before they are read whole.
        let (status, refused) = open(&desk, &session, "big", &"x".repeat(100 * 1024)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
        assert!(
            refused["description"].as_str().unwrap().contains("65536"),
            "{refused}"
        );
        let (status, refused) = register(
            &desk,
            json!({"email": "big@y.example", "name": "x".repeat(100 * 1024)}),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
        assert_eq!(ticket_count(&desk).await, tickets_before);
    }
}

/// The open endpoints are counted per client address: past the limit, 429 with Retry-After,
/// while API callers with tokens are not affected.
#[tokio::test]
async fn the_portal_is_rate_limited_per_client_address() {
    for (store, dir) in common::stores("portal_rate_limit").await {
        let desk = Desk::start_adjusted(store, dir, common::no_rules(), |options| {
            options.portal_rate_limit_per_minute = 3
        })
        .await;
        // Fixed one-minute windows: of 7 requests in a row, at most 3 fit in each of two
        // windows, so one is refused even when a minute turns over between them.
        let mut refused = None;
        for n in 0..7 {
            let response = desk
                .client
                .post(desk.url("/api/v2/portal/registrations"))
                .header("content-type", "application/json")
                .body(json!({"email": format!("c{n}@example.com")}).to_string())
                .send()
                .await
                .unwrap();
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(response);
                break;
            }
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        let refused = refused.expect("the fourth request in a minute is refused");
        let retry_after: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let body: Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
        assert_eq!(body["error"], "TooManyRequests", "{body}");
        assert!(
            body["description"]
                .as_str()
                .unwrap()
                .contains("3 portal requests a minute"),
            "{body}"
        );
        let (status, _) = desk.admin(Method::GET, "/api/v2/users", None).await;
        assert_eq!(status, StatusCode::OK);
    }
}
