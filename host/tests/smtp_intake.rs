//! The SMTP listener with a real SMTP client (lettre) on loopback: mail for a support address
//! goes through the same intake as `POST /api/v2/channels/email` and is answered `250` once it
//! is stored; other recipients are refused at `RCPT TO` (no open relay); unreadable mail gets a
//! `554` and an oversized one a `552`, with nothing written. On SQLite, and on PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use common::desk::{Desk, Plugins};
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use reqwest::Method;
use wasmdesk_host::intake::smtp::{SmtpConfig, serve_smtp};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A listener for `support@desk.example` over the desk's store and rules; returns a client.
async fn smtp(desk: &Desk, max_message_bytes: usize) -> AsyncSmtpTransport<Tokio1Executor> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve_smtp(
        listener,
        SmtpConfig {
            hostname: "desk.test".into(),
            addresses: vec!["support@desk.example".into()],
            max_message_bytes,
        },
        desk.store.clone(),
        desk.rules.clone(),
    ));
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
}

fn envelope(from: &str, to: &str) -> Envelope {
    Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap()
}

async fn ticket_count(desk: &Desk) -> i64 {
    desk.ok(Method::GET, "/api/v2/tickets", None).await["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn mail_for_a_support_address_becomes_tickets_and_comments() {
    for desk in Desk::each("smtp_intake", Plugins::None).await {
        let client = smtp(&desk, 1 << 20).await;
        let to_support = envelope("ada@analytical-engines.example", "support@desk.example");
        for name in [
            "plain.eml",
            "reply.eml",
            "shift-jis.eml",
            "attachment.eml",
            "auto-reply.eml",
        ] {
            let response = client
                .send_raw(&to_support, &fixture(name))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(response.is_positive(), "{name}: {response:?}");
            assert_eq!(response.code().to_string(), "250", "{name}");
        }
        // plain, shift-jis and attachment opened tickets; the reply commented; the auto-reply
        // wrote nothing.
        assert_eq!(ticket_count(&desk).await, 3);
        let ada = desk
            .store
            .user_by_email("ada@analytical-engines.example")
            .await
            .unwrap()
            .unwrap();
        let tickets = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets?requester_id={}", ada.id),
                None,
            )
            .await;
        let first = &tickets["tickets"][0];
        assert_eq!(first["subject"], "My order never arrived");
        assert_eq!(first["via"]["channel"], "email");
        let comments = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}/comments", first["id"]),
                None,
            )
            .await;
        assert_eq!(comments["count"], 2, "the reply is a comment: {comments}");
    }
}

#[tokio::test]
async fn other_recipients_unreadable_and_oversized_mail_are_refused_with_nothing_written() {
    for desk in Desk::each("smtp_refused", Plugins::None).await {
        let client = smtp(&desk, 2048).await;
        let error = client
            .send_raw(
                &envelope(
                    "ada@analytical-engines.example",
                    "someone@elsewhere.example",
                ),
                &fixture("plain.eml"),
            )
            .await
            .expect_err("no open relay");
        assert!(error.is_permanent(), "{error}");
        assert!(error.to_string().contains("550"), "{error}");

        let to_support = envelope("ada@analytical-engines.example", "support@desk.example");
        let error = client
            .send_raw(&to_support, b"Subject: no sender\r\n\r\nWho am I?\r\n")
            .await
            .expect_err("unreadable");
        assert!(error.is_permanent(), "{error}");
        assert!(error.to_string().contains("554"), "{error}");
        assert!(error.to_string().contains("From"), "{error}");

        let mut big = fixture("plain.eml");
        big.extend(std::iter::repeat_n(b'x', 4096));
        big.extend(b"\r\n");
        let error = client
            .send_raw(&to_support, &big)
            .await
            .expect_err("too large");
        assert!(error.to_string().contains("552"), "{error}");

        assert_eq!(ticket_count(&desk).await, 0);
        assert!(
            desk.store
                .user_by_email("ada@analytical-engines.example")
                .await
                .unwrap()
                .is_none()
        );
        // The connection survives a refusal: the next message goes through.
        let response = client
            .send_raw(&to_support, &fixture("plain.eml"))
            .await
            .unwrap();
        assert!(response.is_positive());
        assert_eq!(ticket_count(&desk).await, 1);
    }
}
