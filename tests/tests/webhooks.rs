//! Webhooks with a real receiver on loopback: a plugin's `notify-webhook` names a registered
//! webhook; the delivery is queued in the ticket write's transaction and sent after commit,
//! signed (HMAC-SHA256 over timestamp + body, base64), with the webhook's headers; failures are
//! retried with backoff (500s, 429 with `Retry-After`), a refusal is dead and can be retried by
//! hand; a slow receiver never holds up a ticket write; a plugin cannot name an arbitrary URL.
//! The receiver verifies every request's signature and refuses an old timestamp. On SQLite, and
//! on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as ReceiverStatus};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use wasmdesk_host::outbox::DeliveryConfig;

#[path = "../../host/tests/common/mod.rs"]
mod common;
use common::desk::{Desk, Plugins};

/// What the receiver saw.
#[derive(Default)]
struct Receiver {
    /// The webhook's signing secret, once created.
    secret: String,
    /// Requests per delivery id, with when they came.
    attempts: HashMap<String, Vec<Instant>>,
    /// Bodies of accepted deliveries.
    accepted: Vec<Value>,
    /// Requests whose signature or headers did not verify.
    forged: usize,
    /// Whether `refused` tickets are taken now.
    take_refused: bool,
}

type Shared = Arc<Mutex<Receiver>>;

/// Verifies like a receiver of Zendesk webhooks: the signature over timestamp + body, and a
/// timestamp no older than five minutes.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), &'static str> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let timestamp = header("x-wasmdesk-webhook-signature-timestamp").ok_or("no timestamp")?;
    let signature = header("x-wasmdesk-webhook-signature").ok_or("no signature")?;
    let sent = chrono_free_parse(timestamp).ok_or("unreadable timestamp")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - sent).abs() > 300 {
        return Err("timestamp too old");
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if expected != signature {
        return Err("bad signature");
    }
    if header("x-api-key") != Some("k-123") {
        return Err("no api key");
    }
    Ok(())
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
fn chrono_free_parse(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let delivery = headers
        .get("x-wasmdesk-delivery-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let slow = {
        let mut receiver = shared.lock().unwrap();
        if let Err(why) = verify(&receiver.secret, &headers, &body) {
            receiver.forged += 1;
            return (ReceiverStatus::UNAUTHORIZED, why).into_response();
        }
        let attempts = receiver.attempts.entry(delivery).or_default();
        attempts.push(Instant::now());
        let tries = attempts.len();
        let value: Value = serde_json::from_slice(&body).unwrap_or_default();
        let subject = value["subject"].as_str().unwrap_or_default().to_string();
        let answer = match subject.as_str() {
            "flaky" if tries <= 2 => Some(ReceiverStatus::INTERNAL_SERVER_ERROR.into_response()),
            "throttled" if tries == 1 => Some(
                (
                    ReceiverStatus::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    "slow down",
                )
                    .into_response(),
            ),
            "refused" if !receiver.take_refused => {
                Some((ReceiverStatus::BAD_REQUEST, "no thanks").into_response())
            }
            _ => None,
        };
        if let Some(answer) = answer {
            return answer;
        }
        if subject != "slow" {
            receiver.accepted.push(value);
        }
        subject == "slow"
    };
    if slow {
        tokio::time::sleep(Duration::from_secs(2)).await;
        shared
            .lock()
            .unwrap()
            .accepted
            .push(json!({"subject": "slow"}));
    }
    ReceiverStatus::OK.into_response()
}

async fn start_receiver() -> (String, Shared) {
    let shared = Shared::default();
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, shared)
}

/// Deliveries retried after 100 ms (then 200 ms, …) instead of seconds.
fn quick(options: &mut wasmdesk_host::http::HttpOptions) {
    options.deliveries = DeliveryConfig {
        poll_every: Duration::from_millis(50),
        base_backoff: Duration::from_millis(100),
        ..DeliveryConfig::default()
    };
}

async fn install_probe(desk: &Desk, config: Value) -> i64 {
    let (status, body) = desk
        .upload(&desk.admin, "application/wasm", support::probe_wasm())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["plugin"]["id"].as_i64().unwrap();
    desk.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{id}/config"),
        Some(json!({ "config": config })),
    )
    .await;
    id
}

async fn ticket(desk: &Desk, subject: &str) -> Value {
    desk.ok(
        Method::POST,
        "/api/v2/tickets",
        Some(json!({"ticket": {"subject": subject, "description": "d",
                               "requester": {"email": "ada@example.org"}}})),
    )
    .await["ticket"]
        .clone()
}

/// The webhook's deliveries once none is queued (or after 20 s, for the assertion to say).
async fn settled(desk: &Desk, webhook: &Value) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let listed = desk
            .ok(
                Method::GET,
                &format!("/api/v2/webhooks/{}/deliveries", webhook["id"]),
                None,
            )
            .await;
        let deliveries = listed["deliveries"].as_array().unwrap().clone();
        if deliveries.iter().all(|d| d["status"] != "queued")
            || started.elapsed() > Duration::from_secs(20)
        {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn of_ticket<'a>(deliveries: &'a [Value], ticket: &Value) -> &'a Value {
    deliveries
        .iter()
        .find(|d| d["ticket_id"] == ticket["id"])
        .unwrap_or_else(|| panic!("a delivery for ticket {}: {deliveries:?}", ticket["id"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firings_are_delivered_signed_after_commit_and_retried() {
    for (store, dir) in common::stores("webhooks").await {
        let rules = common::bundled_rules(&store).await;
        let desk = Desk::start_adjusted(store, dir, rules, quick).await;
        let (endpoint, receiver) = start_receiver().await;

        let (status, created) = desk
            .admin(
                Method::POST,
                "/api/v2/webhooks",
                Some(json!({"webhook": {"name": "crm", "endpoint": endpoint,
                                        "headers": {"X-Api-Key": "k-123"}}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["signing_secret"].as_str().unwrap().to_string();
        receiver.lock().unwrap().secret = secret;
        let webhook = created["webhook"].clone();
        assert_eq!(webhook["headers"], json!({"x-api-key": "k-123"}));
        let listed = desk.ok(Method::GET, "/api/v2/webhooks", None).await;
        assert!(
            !listed.to_string().contains("whsec_"),
            "the secret is shown once: {listed}"
        );

        install_probe(&desk, json!({"webhook": "crm"})).await;
        let plain = ticket(&desk, "plain").await;
        let flaky = ticket(&desk, "flaky").await;
        let throttled = ticket(&desk, "throttled").await;
        let refused = ticket(&desk, "refused").await;

        let deliveries = settled(&desk, &webhook).await;
        let plain_delivery = of_ticket(&deliveries, &plain);
        assert_eq!(plain_delivery["status"], "delivered", "{plain_delivery}");
        assert_eq!(plain_delivery["tries"], 1);
        assert_eq!(plain_delivery["last_status"], 200);
        let flaky_delivery = of_ticket(&deliveries, &flaky);
        assert_eq!(flaky_delivery["status"], "delivered", "{flaky_delivery}");
        assert_eq!(flaky_delivery["tries"], 3, "two 500s, then 200");
        let throttled_delivery = of_ticket(&deliveries, &throttled);
        assert_eq!(
            throttled_delivery["status"], "delivered",
            "{throttled_delivery}"
        );
        assert_eq!(throttled_delivery["tries"], 2);
        let refused_delivery = of_ticket(&deliveries, &refused).clone();
        assert_eq!(refused_delivery["status"], "dead", "{refused_delivery}");
        assert_eq!(refused_delivery["tries"], 1, "a 400 is not retried");
        assert_eq!(refused_delivery["last_status"], 400);
        assert!(
            refused_delivery["last_error"]
                .as_str()
                .unwrap()
                .contains("400"),
            "{refused_delivery}"
        );
        {
            let seen = receiver.lock().unwrap();
            assert_eq!(seen.forged, 0, "every request verified");
            let retried = &seen.attempts[&throttled_delivery["id"].to_string()];
            assert!(
                retried[1] - retried[0] >= Duration::from_millis(900),
                "Retry-After: 1 was honoured"
            );
            let bodies: Vec<&Value> = seen.accepted.iter().collect();
            assert!(
                bodies
                    .iter()
                    .any(|body| body["ticket_id"] == plain["id"] && body["kind"] == "created"),
                "{bodies:?}"
            );
        }

        // Retried by hand once the receiver takes it.
        receiver.lock().unwrap().take_refused = true;
        let retried = desk
            .ok(
                Method::POST,
                &format!(
                    "/api/v2/webhooks/{}/deliveries/{}/retry",
                    webhook["id"], refused_delivery["id"]
                ),
                None,
            )
            .await;
        assert_eq!(retried["delivery"]["status"], "queued");
        let deliveries = settled(&desk, &webhook).await;
        let refused_delivery = of_ticket(&deliveries, &refused);
        assert_eq!(
            refused_delivery["status"], "delivered",
            "{refused_delivery}"
        );
        assert_eq!(refused_delivery["tries"], 2);
        let (status, answer) = desk
            .admin(
                Method::POST,
                &format!(
                    "/api/v2/webhooks/{}/deliveries/{}/retry",
                    webhook["id"], refused_delivery["id"]
                ),
                None,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a delivered one: {answer}"
        );

        // The receiver refuses a replayed request with an old timestamp.
        let old = desk
            .client
            .post(&endpoint)
            .header(
                "x-wasmdesk-webhook-signature-timestamp",
                "2020-01-01T00:00:00Z",
            )
            .header("x-wasmdesk-webhook-signature", "AAAA")
            .header("x-api-key", "k-123")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_never_holds_up_a_ticket_write_and_plugins_cannot_name_any_url() {
    for (store, dir) in common::stores("webhooks_slow").await {
        let rules = common::bundled_rules(&store).await;
        let desk = Desk::start_adjusted(store, dir, rules, quick).await;
        let (endpoint, receiver) = start_receiver().await;
        let created = desk
            .ok(
                Method::POST,
                "/api/v2/webhooks",
                Some(json!({"webhook": {"name": "crm", "endpoint": endpoint,
                                        "headers": {"x-api-key": "k-123"}}})),
            )
            .await;
        receiver.lock().unwrap().secret = created["signing_secret"].as_str().unwrap().into();
        let webhook = created["webhook"].clone();
        let probe = install_probe(&desk, json!({"webhook": endpoint})).await;

        // The write commits and answers while the receiver still sleeps on its delivery.
        let slow = ticket(&desk, "slow").await;
        assert!(
            receiver.lock().unwrap().accepted.is_empty(),
            "the ticket write did not wait for the receiver"
        );
        let deliveries = settled(&desk, &webhook).await;
        assert_eq!(of_ticket(&deliveries, &slow)["status"], "delivered");
        assert_eq!(receiver.lock().unwrap().accepted.len(), 1);

        // A URL no webhook has, and refused shapes: the trigger's actions are invalid, audited.
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{probe}/config"),
            Some(json!({"config": {"webhook": "https://attacker.example/collect"}})),
        )
        .await;
        let stray = ticket(&desk, "stray").await;
        let runs = desk.rule_runs(&stray).await;
        let run = runs.iter().find(|run| run["plugin"] == "probe").unwrap();
        assert_eq!(run["outcome"], "invalid_actions", "{run}");
        assert!(
            run["error"].as_str().unwrap().contains("/api/v2/webhooks"),
            "{run}"
        );
        for (body, attribute) in [
            (
                json!({"webhook": {"name": "x", "endpoint": "ftp://files.example"}}),
                "endpoint",
            ),
            (
                json!({"webhook": {"endpoint": "https://hooks.example"}}),
                "name",
            ),
            (
                json!({"webhook": {"name": "x", "endpoint": "https://hooks.example",
                                "headers": {"content-type": "text/plain"}}}),
                "content-type",
            ),
            (
                json!({"webhook": {"name": "x", "endpoint": "https://hooks.example",
                                "headers": {"bad header": "v"}}}),
                "bad header",
            ),
        ] {
            let (status, refused) = desk
                .admin(Method::POST, "/api/v2/webhooks", Some(body.clone()))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {refused}"
            );
            assert!(refused.to_string().contains(attribute), "{body}: {refused}");
        }
        let (status, _) = desk.agent(Method::GET, "/api/v2/webhooks", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// On PostgreSQL, workers claim deliveries with `FOR UPDATE SKIP LOCKED` and a lease: two
/// workers on one database (as two replicas run them, each with its own connection pool) send
/// every firing, and none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_postgres_deliver_each_firing_once() {
    let Ok(url) = std::env::var("WASMDESK_TEST_DATABASE_URL") else {
        return; // SQLite runs one worker per database
    };
    let schema = format!("wh_two_{}", std::process::id());
    let first = wasmdesk_host::store::Store::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    let second = wasmdesk_host::store::Store::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    let rules = common::bundled_rules(&first).await;
    let desk = Desk::start_adjusted(first, None, rules, quick).await;
    let other_worker = wasmdesk_host::outbox::start(
        second,
        DeliveryConfig {
            poll_every: Duration::from_millis(50),
            ..DeliveryConfig::default()
        },
    );
    let (endpoint, receiver) = start_receiver().await;
    let created = desk
        .ok(
            Method::POST,
            "/api/v2/webhooks",
            Some(json!({"webhook": {"name": "crm", "endpoint": endpoint,
                                    "headers": {"x-api-key": "k-123"}}})),
        )
        .await;
    receiver.lock().unwrap().secret = created["signing_secret"].as_str().unwrap().into();
    let webhook = created["webhook"].clone();
    install_probe(&desk, json!({"webhook": "crm"})).await;

    const FIRINGS: usize = 200;
    for n in 0..FIRINGS {
        ticket(&desk, &format!("firing {n}")).await;
    }
    let started = Instant::now();
    while receiver.lock().unwrap().accepted.len() < FIRINGS
        && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    other_worker.abort();
    {
        let seen = receiver.lock().unwrap();
        assert_eq!(seen.forged, 0);
        assert_eq!(seen.attempts.len(), FIRINGS, "every firing delivered");
        let twice: Vec<_> = seen
            .attempts
            .iter()
            .filter(|(_, attempts)| attempts.len() > 1)
            .collect();
        assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    }
    let deliveries = settled(&desk, &webhook).await;
    assert!(
        deliveries
            .iter()
            .all(|d| d["status"] == "delivered" && d["tries"] == 1)
    );
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{schema}\" CASCADE"
    )))
    .execute(&pool)
    .await;
}

/// `notify-agents` names agents only: an unknown address or a customer makes the trigger's
/// actions invalid and audited, and nothing is queued; agents are queued once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_agents_names_existing_agents_only() {
    for desk in Desk::each("notify_agents_refusals", Plugins::Bundled).await {
        for (name, email, role) in [
            ("Ann", "ann@desk.example", "agent"),
            ("Ida", "ida@desk.example", "admin"),
            ("Cy", "cy@customer.example", "end-user"),
        ] {
            desk.ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"name": name, "email": email, "role": role}})),
            )
            .await;
        }
        let probe = install_probe(
            &desk,
            json!({"notify_agents": "ann@desk.example, ida@desk.example, ANN@desk.example"}),
        )
        .await;
        let fine = ticket(&desk, "fine").await;
        let listed = desk
            .ok(
                Method::GET,
                &format!("/api/v2/notifications?ticket_id={}", fine["id"]),
                None,
            )
            .await;
        assert_eq!(
            listed["notifications"][0]["recipients"],
            json!(["ann@desk.example", "ida@desk.example"]),
            "{listed}"
        );
        assert_eq!(
            listed["notifications"][0]["subject"],
            format!("Ticket #{}", fine["id"])
        );

        for (agents, problem) in [
            ("nobody@desk.example", "there is no user"),
            ("cy@customer.example", "is not an agent"),
        ] {
            desk.ok(
                Method::PUT,
                &format!("/api/v2/plugins/{probe}/config"),
                Some(json!({"config": {"notify_agents": agents}})),
            )
            .await;
            let refused = ticket(&desk, agents).await;
            let runs = desk.rule_runs(&refused).await;
            let run = runs.iter().find(|run| run["plugin"] == "probe").unwrap();
            assert_eq!(run["outcome"], "invalid_actions", "{run}");
            let error = run["error"].as_str().unwrap();
            assert!(
                error.contains("notify-agents") && error.contains(problem),
                "{error}"
            );
            let listed = desk
                .ok(
                    Method::GET,
                    &format!("/api/v2/notifications?ticket_id={}", refused["id"]),
                    None,
                )
                .await;
            assert_eq!(listed["count"], 0, "{listed}");
        }
    }
}

/// Plugins name webhooks as they are now: a deactivated, renamed or deleted webhook is no longer
/// found by the next ticket write (the server keeps the active webhooks in memory, and forgets
/// them on every change), and on PostgreSQL a replica forgets them as another changes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_name_webhooks_as_they_are_now() {
    for desk in Desk::each("webhooks_changed", Plugins::Bundled).await {
        let created = desk
            .ok(
                Method::POST,
                "/api/v2/webhooks",
                Some(json!({"webhook": {"name": "crm", "endpoint": "http://127.0.0.1:9/hook"}})),
            )
            .await;
        let id = created["webhook"]["id"].clone();
        install_probe(&desk, json!({"webhook": "crm"})).await;
        let outcome = |ticket: Value| {
            let desk = &desk;
            async move {
                let runs = desk.rule_runs(&ticket).await;
                let run = runs.iter().find(|run| run["plugin"] == "probe").unwrap();
                run["outcome"].as_str().unwrap().to_string()
            }
        };
        assert_eq!(outcome(ticket(&desk, "known").await).await, "fired");
        let path = format!("/api/v2/webhooks/{id}");
        desk.ok(
            Method::PUT,
            &path,
            Some(json!({"webhook": {"active": false}})),
        )
        .await;
        assert_eq!(outcome(ticket(&desk, "off").await).await, "invalid_actions");
        desk.ok(
            Method::PUT,
            &path,
            Some(json!({"webhook": {"active": true, "name": "sales"}})),
        )
        .await;
        assert_eq!(
            outcome(ticket(&desk, "renamed").await).await,
            "invalid_actions"
        );
        desk.ok(
            Method::PUT,
            &path,
            Some(json!({"webhook": {"name": "crm"}})),
        )
        .await;
        assert_eq!(outcome(ticket(&desk, "back").await).await, "fired");
        desk.ok(Method::DELETE, &path, None).await;
        assert_eq!(
            outcome(ticket(&desk, "deleted").await).await,
            "invalid_actions"
        );
    }

    // Replicas: a webhook deactivated through A is no longer found by B.
    let Ok(url) = std::env::var("WASMDESK_TEST_DATABASE_URL") else {
        return;
    };
    let schema = format!("t_hooks_replicas_{}", std::process::id());
    let store_a = wasmdesk_host::store::Store::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    let store_b = wasmdesk_host::store::Store::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    let rules_a = common::bundled_rules(&store_a).await;
    let rules_b = common::bundled_rules(&store_b).await;
    let following = rules_b.follow(store_b.clone(), Duration::from_secs(3600));
    let a = Desk::start(store_a, None, rules_a, common::desk::limits()).await;
    let b = Desk::start(store_b, None, rules_b, common::desk::limits()).await;
    let created = a
        .ok(
            Method::POST,
            "/api/v2/webhooks",
            Some(json!({"webhook": {"name": "crm", "endpoint": "http://127.0.0.1:9/hook"}})),
        )
        .await;
    install_probe(&a, json!({"webhook": "crm"})).await;
    let fired_on_b = |subject: &'static str| {
        let b = &b;
        async move {
            let ticket = ticket(b, subject).await;
            let runs = b.rule_runs(&ticket).await;
            runs.iter()
                .find(|run| run["plugin"] == "probe")
                .map(|run| run["outcome"] == "fired")
        }
    };
    let started = Instant::now();
    while fired_on_b("b-known").await != Some(true) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "B never ran the probe"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.ok(
        Method::PUT,
        &format!("/api/v2/webhooks/{}", created["webhook"]["id"]),
        Some(json!({"webhook": {"active": false}})),
    )
    .await;
    let started = Instant::now();
    while fired_on_b("b-off").await != Some(false) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "B still delivers to a webhook deactivated through A"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    following.abort();
}
