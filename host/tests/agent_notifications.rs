//! Agent notifications: a trigger's `notify-agents` (contract 0.3.0) is queued with the ticket
//! write and emailed after it commits through the operator's SMTP relay, retried when the relay
//! fails for now, dead when it refuses for good, retried by an admin. The relay is a real SMTP
//! server on loopback (a small sink this test runs) and the desk talks to it with its own SMTP
//! client. The bundled retail-vip plugin's `notify_group` is the trigger. On SQLite, and on
//! PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::desk::Desk;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use wasmdesk_host::outbox::{DeliveryConfig, MailRelay};

/// One message the relay accepted: its envelope recipients and its text.
#[derive(Debug, Clone)]
struct Received {
    recipients: BTreeSet<String>,
    data: String,
}

/// How the relay behaves.
#[derive(Default)]
struct Relay {
    received: Vec<Received>,
    /// Messages still to answer `451` (a transient failure) at the end of DATA.
    transient_failures: usize,
    /// Recipients refused for good (`550`) at RCPT.
    refused: Vec<String>,
}

/// A minimal SMTP server on loopback; returns its address and its state.
async fn relay(behaviour: Relay) -> (String, Arc<Mutex<Relay>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let state = Arc::new(Mutex::new(behaviour));
    let shared = state.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(session(stream, shared.clone()));
        }
    });
    (address, state)
}

async fn session(stream: tokio::net::TcpStream, state: Arc<Mutex<Relay>>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    writer.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
    let mut recipients = BTreeSet::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250 relay.test\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            recipients.clear();
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            let address = line[8..]
                .trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_ascii_lowercase();
            if state.lock().unwrap().refused.contains(&address) {
                "550 5.1.1 No such mailbox here\r\n".into()
            } else {
                recipients.insert(address);
                "250 2.1.5 OK\r\n".into()
            }
        } else if upper == "DATA" {
            writer.write_all(b"354 Go ahead\r\n").await.unwrap();
            let mut data = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            let mut relay = state.lock().unwrap();
            if relay.transient_failures > 0 {
                relay.transient_failures -= 1;
                "451 4.3.0 Try again later\r\n".into()
            } else {
                relay.received.push(Received {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
                "250 2.0.0 Queued\r\n".into()
            }
        } else if upper == "QUIT" {
            writer.write_all(b"221 2.0.0 Bye\r\n").await.unwrap();
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 OK\r\n".into()
        } else {
            "502 5.5.1 Not implemented\r\n".into()
        };
        if writer.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A desk per backend with the bundled plugins, sending notifications through `relay`, retrying
/// after 200 ms instead of seconds.
async fn desks(test: &str, relay: &str) -> Vec<Desk> {
    let mut desks = Vec::new();
    for (store, dir) in common::stores(test).await {
        let rules = common::bundled_rules(&store).await;
        let relay =
            MailRelay::new(&format!("smtp://{relay}"), "Help desk <desk@desk.example>").unwrap();
        let desk = Desk::start_adjusted(store, dir, rules, |options| {
            options.mail_relay = Some(relay);
            options.deliveries = DeliveryConfig {
                poll_every: Duration::from_millis(50),
                base_backoff: Duration::from_millis(200),
                ..DeliveryConfig::default()
            };
        })
        .await;
        desks.push(desk);
    }
    desks
}

async fn agent(desk: &Desk, name: &str, email: &str) -> i64 {
    desk.ok(
        Method::POST,
        "/api/v2/users",
        Some(json!({"user": {"name": name, "email": email, "role": "agent"}})),
    )
    .await["user"]["id"]
        .as_i64()
        .unwrap()
}

/// A group of `members`; returns its id.
async fn group(desk: &Desk, name: &str, members: &[i64]) -> i64 {
    let id = desk
        .ok(
            Method::POST,
            "/api/v2/groups",
            Some(json!({"group": {"name": name}})),
        )
        .await["group"]["id"]
        .as_i64()
        .unwrap();
    for member in members {
        desk.ok(
            Method::POST,
            "/api/v2/group_memberships",
            Some(json!({"group_membership": {"group_id": id, "user_id": member}})),
        )
        .await;
    }
    id
}

async fn notify_group(desk: &Desk, group: &str) {
    let plugin = desk.plugin_id("retail-vip").await;
    desk.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{plugin}/config"),
        Some(json!({"config": {"notify_group": group}})),
    )
    .await;
}

/// A ticket from a new platinum customer, which retail-vip escalates.
async fn vip_ticket(desk: &Desk, email: &str) -> Value {
    desk.ok(
        Method::POST,
        "/api/v2/users",
        Some(json!({"user": {"name": "Ada", "email": email,
                             "user_fields": {"service_level": "platinum"}}})),
    )
    .await;
    desk.ok(
        Method::POST,
        "/api/v2/tickets",
        Some(
            json!({"ticket": {"subject": "My order", "comment": {"body": "Where is it?"},
                               "requester": {"email": email}}}),
        ),
    )
    .await["ticket"]
        .clone()
}

/// The ticket's notifications once none is queued any more (at most 10 s).
async fn settled(desk: &Desk, ticket: &Value) -> Vec<Value> {
    let path = format!("/api/v2/notifications?ticket_id={}", ticket["id"]);
    for _ in 0..200 {
        let listed = desk.ok(Method::GET, &path, None).await;
        let notifications = listed["notifications"].as_array().unwrap().clone();
        if !notifications.is_empty() && notifications.iter().all(|n| n["status"] != "queued") {
            return notifications;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the notifications of ticket {} did not settle",
        ticket["id"]
    );
}

#[tokio::test]
async fn a_vip_escalation_emails_the_groups_agents_through_the_relay() {
    let (address, relay) = relay(Relay {
        transient_failures: 1,
        ..Relay::default()
    })
    .await;
    for desk in desks("notify_agents", &address).await {
        relay.lock().unwrap().received.clear();
        relay.lock().unwrap().transient_failures = 1;
        let ann = agent(&desk, "Ann", "ann@desk.example").await;
        let bob = agent(&desk, "Bob", "bob@desk.example").await;
        group(&desk, "VIP desk", &[ann, bob]).await;
        notify_group(&desk, "VIP desk").await;

        let ticket = vip_ticket(&desk, "ada@customer.example").await;
        assert_eq!(ticket["priority"], "high", "{ticket}");

        let notifications = settled(&desk, &ticket).await;
        assert_eq!(notifications.len(), 1, "{notifications:?}");
        let notification = &notifications[0];
        assert_eq!(notification["status"], "delivered", "{notification}");
        // The relay's 451 was retried: two tries, the last answered 250.
        assert_eq!(notification["tries"], 2, "{notification}");
        assert_eq!(notification["last_status"], 250, "{notification}");
        assert_eq!(
            notification["recipients"],
            json!(["ann@desk.example", "bob@desk.example"])
        );

        let received = relay.lock().unwrap().received.clone();
        assert_eq!(received.len(), 1, "one email, to both agents: {received:?}");
        let email = &received[0];
        assert_eq!(
            email.recipients,
            BTreeSet::from(["ann@desk.example".into(), "bob@desk.example".into()])
        );
        let subject = format!("Subject: VIP ticket #{}: My order", ticket["id"]);
        assert!(email.data.contains(&subject), "{}", email.data);
        assert!(
            email
                .data
                .contains("From: \"Help desk\" <desk@desk.example>"),
            "{}",
            email.data
        );
        assert!(
            email.data.contains("Auto-Submitted: auto-generated"),
            "{}",
            email.data
        );
        let message_id = format!("Message-ID: <wasmdesk-notification-{}-", notification["id"]);
        assert!(email.data.contains(&message_id), "{}", email.data);
        let ticket_header = format!("X-Wasmdesk-Ticket-Id: {}", ticket["id"]);
        assert!(email.data.contains(&ticket_header), "{}", email.data);
        assert!(
            email.data.contains("ada@customer.example wrote in"),
            "{}",
            email.data
        );

        // Admins only.
        let (status, body) = desk.agent(Method::GET, "/api/v2/notifications", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // A delivered notification is not sent again.
        let (status, body) = desk
            .admin(
                Method::POST,
                &format!("/api/v2/notifications/{}/retry", notification["id"]),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
}

#[tokio::test]
async fn a_refused_recipient_makes_the_notification_dead_until_an_admin_retries_it() {
    let (address, relay) = relay(Relay {
        refused: vec!["gone@desk.example".into()],
        ..Relay::default()
    })
    .await;
    for desk in desks("notify_refused", &address).await {
        relay.lock().unwrap().received.clear();
        relay.lock().unwrap().refused = vec!["gone@desk.example".into()];
        let gone = agent(&desk, "Gone", "gone@desk.example").await;
        group(&desk, "VIP desk", &[gone]).await;
        notify_group(&desk, "VIP desk").await;

        let ticket = vip_ticket(&desk, "ada@customer.example").await;
        let notification = settled(&desk, &ticket).await[0].clone();
        assert_eq!(notification["status"], "dead", "{notification}");
        assert_eq!(
            notification["tries"], 1,
            "a 5xx is not retried: {notification}"
        );
        assert_eq!(notification["last_status"], 550, "{notification}");
        let error = notification["last_error"].as_str().unwrap();
        assert!(error.contains("refused the email for good"), "{error}");
        assert!(relay.lock().unwrap().received.is_empty());

        // The mailbox is fixed; the admin retries.
        relay.lock().unwrap().refused.clear();
        let retried = desk
            .ok(
                Method::POST,
                &format!("/api/v2/notifications/{}/retry", notification["id"]),
                None,
            )
            .await;
        assert_eq!(retried["notification"]["status"], "queued", "{retried}");
        let notification = settled(&desk, &ticket).await[0].clone();
        assert_eq!(notification["status"], "delivered", "{notification}");
        assert_eq!(notification["tries"], 2, "{notification}");
        assert_eq!(relay.lock().unwrap().received.len(), 1);
    }
}

#[tokio::test]
async fn a_group_without_agents_notifies_nobody_and_the_escalation_still_applies() {
    let (address, relay) = relay(Relay::default()).await;
    for desk in desks("notify_empty", &address).await {
        group(&desk, "VIP desk", &[]).await;
        notify_group(&desk, "VIP desk").await;
        let ticket = vip_ticket(&desk, "ada@customer.example").await;
        assert_eq!(ticket["priority"], "high", "{ticket}");
        assert_eq!(ticket["tags"], json!(["vip"]), "{ticket}");
        let listed = desk
            .ok(
                Method::GET,
                &format!("/api/v2/notifications?ticket_id={}", ticket["id"]),
                None,
            )
            .await;
        assert_eq!(listed["count"], 0, "{listed}");
        assert!(relay.lock().unwrap().received.is_empty());
    }
}

#[tokio::test]
async fn without_a_relay_notifications_wait_queued() {
    for desk in Desk::each("notify_no_relay", common::desk::Plugins::Bundled).await {
        let ann = agent(&desk, "Ann", "ann@desk.example").await;
        group(&desk, "VIP desk", &[ann]).await;
        notify_group(&desk, "VIP desk").await;
        let ticket = vip_ticket(&desk, "ada@customer.example").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let listed = desk
            .ok(
                Method::GET,
                &format!("/api/v2/notifications?ticket_id={}", ticket["id"]),
                None,
            )
            .await;
        assert_eq!(listed["notifications"][0]["status"], "queued", "{listed}");
        assert_eq!(listed["notifications"][0]["tries"], 0, "{listed}");
        let (status, body) = desk
            .admin(Method::GET, "/api/v2/notifications?ticket_id=x", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, body) = desk
            .admin(Method::GET, "/api/v2/notifications/999999", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
}
