//! Email intake over HTTP (`POST /api/v2/channels/email`, `message/rfc822`) with real messages
//! (`tests/fixtures/email/*.eml`: multipart/alternative, quoted-printable and base64, RFC 2047
//! headers, ISO-8859-1 and Shift_JIS, a reply, an attachment, an auto-reply, a bounce): the
//! sender becomes a customer of the organization of their domain, a reply becomes a comment,
//! the same message twice is taken once, and machines' mail writes nothing. On SQLite, and on
//! PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use common::desk::{Desk, Plugins};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wasmdesk_host::domain::token::TokenRole;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An intake token, as a mail relay would hold.
async fn relay_token(desk: &Desk) -> String {
    desk.store
        .create_token("mail relay", TokenRole::Intake, None)
        .await
        .unwrap()
        .1
}

async fn send(desk: &Desk, token: &str, message: Vec<u8>) -> (StatusCode, Value) {
    desk.send(
        desk.client
            .post(desk.url("/api/v2/channels/email"))
            .bearer_auth(token)
            .header("content-type", "message/rfc822")
            .body(message),
    )
    .await
}

async fn ticket(desk: &Desk, id: &Value) -> Value {
    desk.ok(Method::GET, &format!("/api/v2/tickets/{id}"), None)
        .await["ticket"]
        .clone()
}

async fn comments(desk: &Desk, id: &Value) -> Vec<Value> {
    desk.ok(Method::GET, &format!("/api/v2/tickets/{id}/comments"), None)
        .await["comments"]
        .as_array()
        .unwrap()
        .clone()
}

async fn ticket_count(desk: &Desk) -> i64 {
    desk.ok(Method::GET, "/api/v2/tickets", None).await["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_new_customers_email_opens_a_ticket_and_their_reply_comments_on_it() {
    for desk in Desk::each("email_thread", Plugins::None).await {
        let relay = relay_token(&desk).await;
        let (status, created) = send(&desk, &relay, fixture("plain.eml")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["outcome"], "created");
        let id = created["ticket_id"].clone();
        let opened = ticket(&desk, &id).await;
        assert_eq!(opened["subject"], "My order never arrived");
        assert!(
            opened["description"]
                .as_str()
                .unwrap()
                .starts_with("Hello,\nI ordered a difference engine"),
            "{opened}"
        );
        assert_eq!(
            opened["via"],
            json!({"channel": "email", "source": {
                "from": {"address": "ada@analytical-engines.example", "name": "Ada Lovelace"},
                "to": {"address": "support@desk.example"}, "rel": null}}),
            "{opened}"
        );
        let ada = desk
            .store
            .user_by_email("ada@analytical-engines.example")
            .await
            .unwrap()
            .expect("the sender became a customer");
        assert_eq!(ada.name, "Ada Lovelace", "named from the display name");
        assert_eq!(opened["requester_id"], ada.id);
        let organization = desk
            .store
            .organization(
                ada.organization_id
                    .expect("an organization from the domain"),
            )
            .await
            .unwrap();
        assert_eq!(organization.domain_names, ["analytical-engines.example"]);
        assert_eq!(opened["organization_id"], organization.id);

        // The same message again (a relay retrying) writes nothing.
        let (status, again) = send(&desk, &relay, fixture("plain.eml")).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again, json!({"outcome": "duplicate", "ticket_id": id}));

        // The reply threads onto the ticket by In-Reply-To.
        let (status, reply) = send(&desk, &relay, fixture("reply.eml")).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        assert_eq!(reply, json!({"outcome": "commented", "ticket_id": id}));
        let thread = comments(&desk, &id).await;
        assert_eq!(thread.len(), 2, "{thread:?}");
        assert!(thread[1]["body"].as_str().unwrap().starts_with("Any news?"));
        assert_eq!(thread[1]["author_id"], ada.id);
        assert_eq!(thread[1]["public"], true);

        // Machines' mail: nothing written, no customer for the mailer daemon.
        for name in ["auto-reply.eml", "bounce.eml"] {
            let (status, ignored) = send(&desk, &relay, fixture(name)).await;
            assert_eq!(status, StatusCode::OK, "{name}: {ignored}");
            assert_eq!(ignored["outcome"], "ignored", "{name}: {ignored}");
        }
        assert_eq!(comments(&desk, &id).await.len(), 2);
        assert_eq!(ticket_count(&desk).await, 1);
        assert!(
            desk.store
                .user_by_email("MAILER-DAEMON@mx.analytical-engines.example")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn encodings_html_and_charsets_are_read_as_text() {
    for desk in Desk::each("email_encodings", Plugins::None).await {
        let relay = relay_token(&desk).await;
        for (name, subject, text, sender) in [
            (
                "alternative.eml",
                "Grüße aus München",
                "Die Lieferung für München ist beschädigt angekommen.",
                "Björn Müller",
            ),
            ("html-only.eml", "Invoice", "the invoice is wrong", "grace"),
            (
                "shift-jis.eml",
                "注文について",
                "注文した商品がまだ届きません。",
                "山田",
            ),
        ] {
            let (status, created) = send(&desk, &relay, fixture(name)).await;
            assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
            let opened = ticket(&desk, &created["ticket_id"]).await;
            assert_eq!(opened["subject"], subject, "{name}");
            let description = opened["description"].as_str().unwrap();
            assert!(description.contains(text), "{name}: {description:?}");
            assert!(
                !description.contains('<'),
                "{name}: no markup: {description:?}"
            );
            let requester = desk
                .store
                .user(opened["requester_id"].as_i64().unwrap())
                .await
                .unwrap();
            assert_eq!(requester.name, sender, "{name}");
        }
    }
}

#[tokio::test]
async fn attachments_are_stored_with_their_type_size_and_hash() {
    for desk in Desk::each("email_attachments", Plugins::None).await {
        let relay = relay_token(&desk).await;
        let (status, created) = send(&desk, &relay, fixture("attachment.eml")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["ticket_id"].clone();
        let listed = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{id}/attachments"),
                None,
            )
            .await;
        assert_eq!(listed["count"], 1, "{listed}");
        let attachment = &listed["attachments"][0];
        let content = b"%PDF-1.4\n% a tiny pdf for the suite\n";
        assert_eq!(attachment["file_name"], "report.pdf");
        assert_eq!(attachment["content_type"], "application/pdf");
        assert_eq!(attachment["size"], content.len());
        let sha: String = Sha256::digest(content)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(attachment["sha256"], sha);
        let stored = desk
            .store
            .attachment_content(attachment["id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(stored, content);
        let opened = ticket(&desk, &id).await;
        assert!(
            opened["description"]
                .as_str()
                .unwrap()
                .ends_with("Attachments: report.pdf"),
            "{opened}"
        );
    }
}

#[tokio::test]
async fn organizations_come_from_the_domain_as_the_identity_rules_say() {
    for desk in Desk::each("email_identity", Plugins::None).await {
        let relay = relay_token(&desk).await;
        // Free mail never makes an organization.
        let (status, created) = send(&desk, &relay, fixture("free-mail.eml")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(
            ticket(&desk, &created["ticket_id"]).await["organization_id"],
            Value::Null
        );

        // With the setting off, a new company's sender stays without one.
        desk.ok(
            Method::PUT,
            "/api/v2/settings",
            Some(json!({"settings": {"create_organizations_from_domains": false}})),
        )
        .await;
        let (_, created) = send(&desk, &relay, fixture("plain.eml")).await;
        assert_eq!(
            ticket(&desk, &created["ticket_id"]).await["organization_id"],
            Value::Null
        );

        // An organization owning several domains takes senders from each.
        let org = desk
            .ok(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Müller Werkzeuge",
                    "domain_names": ["mueller-werkzeuge.example", "mueller.example"]}})),
            )
            .await["organization"]["id"]
            .clone();
        let (_, created) = send(&desk, &relay, fixture("alternative.eml")).await;
        assert_eq!(
            ticket(&desk, &created["ticket_id"]).await["organization_id"],
            org
        );
    }
}

#[tokio::test]
async fn a_subject_naming_a_ticket_threads_only_from_its_requester() {
    for desk in Desk::each("email_subject_thread", Plugins::None).await {
        let relay = relay_token(&desk).await;
        let (_, created) = send(&desk, &relay, fixture("plain.eml")).await;
        let id = created["ticket_id"].as_i64().unwrap();
        let message = |from: &str, message_id: &str| {
            format!(
                "From: {from}\r\nSubject: Re: My order never arrived [#{id}]\r\n\
                 Message-ID: <{message_id}>\r\nContent-Type: text/plain\r\n\r\nStill waiting.\r\n"
            )
            .into_bytes()
        };
        let (_, from_requester) = send(
            &desk,
            &relay,
            message("ada@analytical-engines.example", "s1@x.example"),
        )
        .await;
        assert_eq!(
            from_requester,
            json!({"outcome": "commented", "ticket_id": id})
        );
        let (status, from_stranger) = send(
            &desk,
            &relay,
            message("mallory@evil.example", "s2@x.example"),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "a forged subject opens its own ticket"
        );
        assert_ne!(from_stranger["ticket_id"], id);
    }
}

#[tokio::test]
async fn a_platinum_customers_email_is_escalated_by_retail_vip() {
    for desk in Desk::each("email_vip", Plugins::Bundled).await {
        let relay = relay_token(&desk).await;
        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "ada@analytical-engines.example",
                                 "user_fields": {"service_level": "platinum"}}})),
        )
        .await;
        let (status, created) = send(&desk, &relay, fixture("plain.eml")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let opened = ticket(&desk, &created["ticket_id"]).await;
        assert_eq!(opened["priority"], "high", "{opened}");
        let runs = desk.rule_runs(&opened).await;
        assert!(
            runs.iter()
                .any(|run| run["plugin"] == "retail-vip" && run["outcome"] == "fired"),
            "{runs:?}"
        );
    }
}

#[tokio::test]
async fn unreadable_mail_and_the_wrong_caller_are_refused_with_nothing_written() {
    for desk in Desk::each("email_refused", Plugins::None).await {
        let relay = relay_token(&desk).await;
        for (message, reason) in [
            (b"".to_vec(), "empty"),
            (b"Subject: who am I\r\n\r\nno sender\r\n".to_vec(), "From"),
            (
                b"From: not an address\r\nSubject: x\r\n\r\nbody\r\n".to_vec(),
                "address",
            ),
        ] {
            let (status, refused) = send(&desk, &relay, message).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert_eq!(refused["error"], "RecordInvalid");
            assert!(
                refused["description"].as_str().unwrap().contains(reason),
                "{reason}: {refused}"
            );
        }
        let (status, refused) = desk
            .send(
                desk.client
                    .post(desk.url("/api/v2/channels/email"))
                    .bearer_auth(&relay)
                    .header("content-type", "text/plain")
                    .body(fixture("plain.eml")),
            )
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
        let (status, refused) = send(&desk, &desk.agent, fixture("plain.eml")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        // The intake token submits, and does nothing else.
        let (status, _) = desk
            .call(Some(&relay), Method::GET, "/api/v2/tickets", None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(ticket_count(&desk).await, 0);
        assert!(
            desk.store
                .user_by_email("ada@analytical-engines.example")
                .await
                .unwrap()
                .is_none()
        );
        // An admin may submit too.
        let (status, _) = send(&desk, &desk.admin, fixture("plain.eml")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
}
