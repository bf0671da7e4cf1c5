//! Chat intake (`POST /api/v2/channels/chat/messages`): the first message of a conversation
//! opens a ticket with channel `chat` from its sender (found or created by email or phone, a
//! known user by external id), later messages are comments, two first messages at once open
//! one ticket, and a malformed message is refused whole. On SQLite, and on PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use common::desk::{Desk, Plugins};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::domain::token::TokenRole;

async fn say(desk: &Desk, token: &str, message: Value) -> (StatusCode, Value) {
    desk.call(
        Some(token),
        Method::POST,
        "/api/v2/channels/chat/messages",
        Some(message),
    )
    .await
}

#[tokio::test]
async fn a_conversation_is_one_ticket_and_its_messages_are_comments() {
    for desk in Desk::each("chat", Plugins::None).await {
        let (_, relay) = desk
            .store
            .create_token("chat widget", TokenRole::Intake, None)
            .await
            .unwrap();
        let (status, opened) = say(
            &desk,
            &relay,
            json!({"from": {"email": "ada@analytical-engines.example", "name": "Ada"},
                   "conversation_id": "c-1", "text": "Hi, my order is late."}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["outcome"], "created");
        let id = opened["ticket_id"].clone();
        let ticket = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}"), None)
            .await;
        assert_eq!(ticket["ticket"]["via"]["channel"], "chat");
        assert_eq!(ticket["ticket"]["description"], "Hi, my order is late.");
        assert!(
            ticket["ticket"]["organization_id"].is_i64(),
            "by domain: {ticket}"
        );

        let (status, later) = say(
            &desk,
            &relay,
            json!({"from": {"email": "ada@analytical-engines.example"},
                   "conversation_id": "c-1", "text": "Order 42."}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{later}");
        assert_eq!(later, json!({"outcome": "commented", "ticket_id": id}));
        let comments = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}/comments"), None)
            .await;
        assert_eq!(comments["count"], 2, "{comments}");
        assert_eq!(comments["comments"][1]["body"], "Order 42.");

        // By phone (created), and by a known external id.
        let (status, by_phone) = say(
            &desk,
            &relay,
            json!({"from": {"phone": "+49 30 1234567"}, "conversation_id": "c-2", "text": "Hello?"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{by_phone}");
        let known = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"name": "Grace", "external_id": "crm-7"}})),
            )
            .await["user"]["id"]
            .clone();
        let (_, by_id) = say(
            &desk,
            &relay,
            json!({"from": {"external_id": "crm-7"}, "conversation_id": "c-3", "text": "Hi"}),
        )
        .await;
        let ticket = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}", by_id["ticket_id"]),
                None,
            )
            .await;
        assert_eq!(ticket["ticket"]["requester_id"], known);

        // Two first messages of a conversation at once: one ticket.
        let first = say(
            &desk,
            &relay,
            json!({"from": {"email": "bob@shop.example"}, "conversation_id": "c-4", "text": "A"}),
        );
        let second = say(
            &desk,
            &relay,
            json!({"from": {"email": "bob@shop.example"}, "conversation_id": "c-4", "text": "B"}),
        );
        let ((_, a), (_, b)) = tokio::join!(first, second);
        assert_eq!(a["ticket_id"], b["ticket_id"], "{a} {b}");
    }
}

#[tokio::test]
async fn a_malformed_chat_message_is_refused_whole() {
    for desk in Desk::each("chat_refused", Plugins::None).await {
        let (_, relay) = desk
            .store
            .create_token("chat widget", TokenRole::Intake, None)
            .await
            .unwrap();
        let (status, refused) = say(
            &desk,
            &relay,
            json!({"from": {"email": "a@shop.example", "phone": "+4930123456"},
                   "conversation_id": "", "text": " "}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        for key in ["from", "conversation_id", "text"] {
            assert!(refused["details"].get(key).is_some(), "{key}: {refused}");
        }
        let (status, refused) = say(
            &desk,
            &relay,
            json!({"from": {"external_id": "nobody"}, "conversation_id": "c", "text": "hi"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let (status, _) = say(
            &desk,
            &desk.agent,
            json!({"from": {"email": "a@shop.example"}, "conversation_id": "c", "text": "hi"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let tickets = desk.ok(Method::GET, "/api/v2/tickets", None).await;
        assert_eq!(tickets["count"], 0);
    }
}
