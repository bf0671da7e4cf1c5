//! Kill -9 under load: a real `wasmdesk serve` takes concurrent ticket writes, is killed with
//! SIGKILL mid-stream, and is started again on the same database. Every ticket it acknowledged
//! (201) is there, with what its trigger decided and its audit row; nothing it answered was a
//! 5xx. On SQLite, and on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

/// The real binary, started as an operator starts it.
#[path = "common/binary.rs"]
mod binary;

use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use binary::free_port;

use serde_json::{Value, json};

const TOKEN: &str = "wdk_crash_test_token_0123456789abcdef";

fn start(database: &str, dir: &std::path::Path, port: u16) -> Child {
    binary::serve(database, dir, port, TOKEN)
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn call(
    client: &reqwest::blocking::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> reqwest::Result<(u16, Value)> {
    let mut request = client.request(method, url).bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send()?;
    let status = response.status().as_u16();
    let text = response.text()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// One round: load, SIGKILL, restart, check every acknowledged ticket.
fn kill_under_load(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(database, dir.path(), port);
    let http = client();
    let (status, body) = call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/api/v2/users"),
        Some(json!({"user": {"email": "vip@crash.example",
                             "user_fields": {"service_level": "platinum"}}})),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let server_errors = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let (base, acknowledged, server_errors) =
                (base.clone(), acknowledged.clone(), server_errors.clone());
            std::thread::spawn(move || {
                let http = client();
                loop {
                    let sent = call(
                        &http,
                        reqwest::Method::POST,
                        &format!("{base}/api/v2/tickets"),
                        Some(json!({"ticket": {"description": "Where is my order?",
                                               "requester": {"email": "vip@crash.example"}}})),
                    );
                    match sent {
                        Ok((201, body)) => acknowledged
                            .lock()
                            .unwrap()
                            .push(body["ticket"]["id"].as_i64().unwrap()),
                        Ok((status, body)) if status >= 500 => server_errors
                            .lock()
                            .unwrap()
                            .push(format!("{status} {body}")),
                        Ok(_) => {}
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        server_errors.lock().unwrap().is_empty(),
        "{:?}",
        server_errors.lock().unwrap()
    );
    assert!(
        acknowledged.len() > 5,
        "the server took writes before it was killed"
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut restarted = start(database, dir.path(), port);
    let mut missing = Vec::new();
    for id in &acknowledged {
        let (status, ticket) = call(
            &http,
            reqwest::Method::GET,
            &format!("{base}/api/v2/tickets/{id}"),
            None,
        )
        .unwrap();
        if status != 200 {
            missing.push(*id);
            continue;
        }
        assert_eq!(ticket["ticket"]["priority"], "high", "{ticket}");
        assert!(
            ticket["ticket"]["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("vip")),
            "{ticket}"
        );
        let (_, runs) = call(
            &http,
            reqwest::Method::GET,
            &format!("{base}/api/v2/rule_runs?ticket_id={id}"),
            None,
        )
        .unwrap();
        assert!(
            runs["rule_runs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|run| run["plugin"] == "retail-vip" && run["outcome"] == "fired"),
            "ticket {id} has its audit row: {runs}"
        );
    }
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged tickets lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    eprintln!(
        "{}: {} acknowledged tickets, all present after SIGKILL",
        database.split(':').next().unwrap(),
        acknowledged.len()
    );
}

#[test]
fn acknowledged_tickets_survive_a_kill_under_load_on_sqlite() {
    on_sqlite(kill_under_load);
}

/// Runs `round` on a fresh PostgreSQL schema, when `WASMDESK_TEST_DATABASE_URL` is set.
fn on_postgres(name: &str, round: fn(&str)) {
    let Ok(url) = std::env::var("WASMDESK_TEST_DATABASE_URL") else {
        return; // SQLite only on a machine without PostgreSQL
    };
    let schema = format!("{name}_{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::{AssertSqlSafe, Executor};
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        pool.execute(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        )))
        .await
        .unwrap();
        pool.close().await;
    });
    let separator = if url.contains('?') { '&' } else { '?' };
    round(&format!(
        "{url}{separator}options=-c%20search_path%3D{schema}"
    ));
    runtime.block_on(async {
        use sqlx::{AssertSqlSafe, Executor};
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let _ = pool
            .execute(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .await;
        pool.close().await;
    });
}

fn on_sqlite(round: fn(&str)) {
    let dir = tempfile::tempdir().unwrap();
    round(&format!(
        "sqlite://{}",
        dir.path().join("desk.db").display()
    ));
}

#[test]
fn acknowledged_tickets_survive_a_kill_under_load_on_postgres() {
    on_postgres("crash", kill_under_load);
}

/// A bulk job of 100 tickets, SIGKILL right after it was accepted, a restart: the job
/// completes with one result per item, and every ticket exists exactly once.
fn kill_mid_job(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(database, dir.path(), port);
    let http = client();
    let tickets: Vec<Value> = (0..100)
        .map(|n| {
            json!({"subject": format!("Order {n}"), "description": "Where is my order?",
                   "requester": {"email": format!("buyer{n}@crash.example")}})
        })
        .collect();
    let (status, body) = call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/api/v2/tickets/create_many.json"),
        Some(json!({"tickets": tickets})),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let job = body["job_status"]["id"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(30));
    server.kill().unwrap(); // SIGKILL, most likely mid-job
    server.wait().unwrap();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut restarted = start(database, dir.path(), port);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut first_seen = None;
    let done = loop {
        let (status, body) = call(
            &http,
            reqwest::Method::GET,
            &format!("{base}/api/v2/job_statuses/{job}"),
            None,
        )
        .unwrap();
        assert_eq!(status, 200, "{body}");
        first_seen.get_or_insert_with(|| body["job_status"]["progress"].clone());
        if body["job_status"]["status"] == "completed" {
            break body["job_status"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "not finished: {body}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let results = done["results"].as_array().unwrap();
    assert_eq!(results.len(), 100, "{done}");
    let mut ids: Vec<i64> = results
        .iter()
        .enumerate()
        .map(|(index, result)| {
            assert_eq!(result["index"], index);
            assert_eq!(result["success"], true, "{result}");
            result["id"].as_i64().unwrap()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100);
    let (_, count) = call(
        &http,
        reqwest::Method::GET,
        &format!("{base}/api/v2/search/count?query=type:ticket"),
        None,
    )
    .unwrap();
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(count["count"], 100, "no ticket written twice: {count}");
    eprintln!(
        "{}: the killed job had {} of 100 items done at the restart",
        database.split(':').next().unwrap(),
        first_seen.unwrap()
    );
}

#[test]
fn a_bulk_job_killed_midway_finishes_after_a_restart_on_sqlite() {
    on_sqlite(kill_mid_job);
}

#[test]
fn a_bulk_job_killed_midway_finishes_after_a_restart_on_postgres() {
    on_postgres("crash_job", kill_mid_job);
}

/// Reads one webhook request from `stream`: its `X-Wasmdesk-Delivery-Id` (empty without one);
/// `None` when the connection closed first.
fn read_delivery(stream: &std::net::TcpStream) -> Option<String> {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream);
    let (mut length, mut delivery) = (0usize, String::new());
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if let Some(value) = lower.strip_prefix("x-wasmdesk-delivery-id:") {
            delivery = value.trim().to_string();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    Some(delivery)
}

/// A webhook receiver on loopback (a plain HTTP/1.1 server on a thread): it answers 503 until
/// told to take deliveries, then 200, and counts each `X-Wasmdesk-Delivery-Id` it took.
struct Receiver {
    url: String,
    taking: Arc<Mutex<bool>>,
    taken: Arc<Mutex<std::collections::HashMap<String, u32>>>,
}

fn receiver() -> Receiver {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let taking = Arc::new(Mutex::new(false));
    let taken = Arc::new(Mutex::new(std::collections::HashMap::new()));
    let (taking_, taken_) = (taking.clone(), taken.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (taking, taken) = (taking_.clone(), taken_.clone());
            std::thread::spawn(move || {
                let Some(delivery) = read_delivery(&stream) else {
                    return;
                };
                let status = if *taking.lock().unwrap() {
                    *taken.lock().unwrap().entry(delivery).or_insert(0) += 1;
                    "200 OK"
                } else {
                    "503 Service Unavailable"
                };
                let _ = write!(
                    &stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    Receiver { url, taking, taken }
}

/// Webhook deliveries pending when the server is killed (the receiver was down) are delivered
/// after a restart: at least once each, duplicates counted.
fn kill_with_deliveries_pending(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(database, dir.path(), port);
    let http = client();
    let hook = receiver();
    let ok = |method: reqwest::Method, path: &str, body: Value| {
        let (status, answer) = call(&http, method, &format!("{base}{path}"), Some(body)).unwrap();
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    };
    ok(
        reqwest::Method::POST,
        "/api/v2/webhooks",
        json!({"webhook": {"name": "vip-desk", "endpoint": hook.url}}),
    );
    let plugins = call(
        &http,
        reqwest::Method::GET,
        &format!("{base}/api/v2/plugins"),
        None,
    )
    .unwrap()
    .1;
    let retail = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plugin| plugin["name"] == "retail-vip")
        .unwrap()["id"]
        .clone();
    ok(
        reqwest::Method::PUT,
        &format!("/api/v2/plugins/{retail}/config"),
        json!({"config": {"notify_webhook": "vip-desk"}}),
    );
    const FIRINGS: usize = 30;
    for n in 0..FIRINGS {
        ok(
            reqwest::Method::POST,
            "/api/v2/users",
            json!({"user": {"email": format!("vip{n}@crash.example"),
                            "user_fields": {"service_level": "platinum"}}}),
        );
        ok(
            reqwest::Method::POST,
            "/api/v2/tickets",
            json!({"ticket": {"description": "Where is my order?",
                              "requester": {"email": format!("vip{n}@crash.example")}}}),
        );
    }
    server.kill().unwrap(); // SIGKILL with every delivery still queued (the receiver said 503)
    server.wait().unwrap();
    assert!(hook.taken.lock().unwrap().is_empty());

    *hook.taking.lock().unwrap() = true;
    let mut restarted = start(database, dir.path(), port);
    // On PostgreSQL a delivery claimed at the kill waits for its 60 s lease to end.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while hook.taken.lock().unwrap().len() < FIRINGS && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    restarted.kill().unwrap();
    let _ = restarted.wait();
    let taken = hook.taken.lock().unwrap();
    let duplicates: u32 = taken.values().map(|times| times - 1).sum();
    println!(
        "{database}: {} deliveries after the restart, {duplicates} duplicates",
        taken.len()
    );
    assert_eq!(
        taken.len(),
        FIRINGS,
        "every firing delivered after the restart"
    );
}

#[test]
fn pending_webhook_deliveries_survive_a_kill_on_sqlite() {
    on_sqlite(kill_with_deliveries_pending);
}

#[test]
fn pending_webhook_deliveries_survive_a_kill_on_postgres() {
    on_postgres("crash_hooks", kill_with_deliveries_pending);
}

/// Two replicas, one killed mid-delivery: `wasmdesk serve` A and B share a PostgreSQL database
/// and send 2,000 webhook firings (written through B while both send) to a slow receiver; A is
/// killed -9 while sending. B sends the rest, and A's claimed deliveries once their lease ends:
/// every firing arrives, and no delivery is ever in two requests at once (repeats of what A
/// sent just before it died are allowed: at least once).
#[test]
fn two_replicas_deliver_every_firing_once_at_a_time_when_one_is_killed_mid_delivery() {
    on_postgres("crash_replicas", two_replicas_one_killed);
}

fn two_replicas_one_killed(database: &str) {
    use std::collections::{HashMap, HashSet};
    use std::io::Write;

    // The receiver: 300 ms per delivery, so that both replicas have deliveries in flight.
    // It counts each delivery id taken, and any id that arrives while a request with the same
    // id is still being answered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/hook", listener.local_addr().unwrap());
    let taken = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
    let in_flight = Arc::new(Mutex::new(HashSet::<String>::new()));
    let overlapping = Arc::new(Mutex::new(0u32));
    let (taken_, in_flight_, overlapping_) =
        (taken.clone(), in_flight.clone(), overlapping.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (taken, in_flight, overlapping) =
                (taken_.clone(), in_flight_.clone(), overlapping_.clone());
            std::thread::spawn(move || {
                let Some(delivery) = read_delivery(&stream) else {
                    return;
                };
                if !in_flight.lock().unwrap().insert(delivery.clone()) {
                    *overlapping.lock().unwrap() += 1;
                }
                std::thread::sleep(Duration::from_millis(300));
                *taken.lock().unwrap().entry(delivery.clone()).or_insert(0) += 1;
                in_flight.lock().unwrap().remove(&delivery);
                let _ = write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });

    // A short lease, so that B takes over A's claims within the test (it must outlast a send).
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&dir_a, &dir_b] {
        std::fs::write(dir.path().join("wasmdesk.toml"), "outbox_lease_secs = 11\n").unwrap();
    }
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = start(database, dir_a.path(), port_a);
    let mut b = start(database, dir_b.path(), port_b);
    let http = client();
    let ok = |port: u16, method: reqwest::Method, path: &str, body: Value| {
        let url = format!("http://127.0.0.1:{port}{path}");
        let (status, answer) = call(&http, method, &url, Some(body)).unwrap();
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    };
    ok(
        port_a,
        reqwest::Method::POST,
        "/api/v2/webhooks",
        json!({"webhook": {"name": "vip-desk", "endpoint": endpoint}}),
    );
    let plugins = call(
        &http,
        reqwest::Method::GET,
        &format!("http://127.0.0.1:{port_a}/api/v2/plugins"),
        None,
    )
    .unwrap()
    .1;
    let retail = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plugin| plugin["name"] == "retail-vip")
        .unwrap()["id"]
        .clone();
    ok(
        port_a,
        reqwest::Method::PUT,
        &format!("/api/v2/plugins/{retail}/config"),
        json!({"config": {"notify_webhook": "vip-desk"}}),
    );
    ok(
        port_a,
        reqwest::Method::POST,
        "/api/v2/users",
        json!({"user": {"email": "vip@crash.example", "user_fields": {"service_level": "platinum"}}}),
    );
    std::thread::sleep(Duration::from_millis(1500)); // B follows the configuration

    // 2,000 escalations written through B by four clients, while both replicas send; A dies
    // once a quarter has arrived and more deliveries are in flight than B sends at once (16),
    // so some of them are A's.
    const FIRINGS: usize = 2000;
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let ok = &ok;
            scope.spawn(move || {
                for _ in 0..FIRINGS / 4 {
                    let ticket = ok(
                        port_b,
                        reqwest::Method::POST,
                        "/api/v2/tickets",
                        json!({"ticket": {"description": "Where is my order?",
                                          "requester": {"email": "vip@crash.example"}}}),
                    );
                    assert_eq!(ticket["ticket"]["priority"], "high");
                }
            });
        }
        let (a, taken, in_flight) = (&mut a, &taken, &in_flight);
        scope.spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while taken.lock().unwrap().len() < FIRINGS / 4 || in_flight.lock().unwrap().len() <= 16
            {
                assert!(
                    std::time::Instant::now() < deadline,
                    "deliveries did not start"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            let sending = in_flight.lock().unwrap().len();
            a.kill().unwrap(); // SIGKILL
            a.wait().unwrap();
            println!("A killed with {sending} deliveries in flight (of both replicas)");
        });
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while taken.lock().unwrap().len() < FIRINGS && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    b.kill().unwrap();
    let _ = b.wait();
    let taken = taken.lock().unwrap();
    let repeats: u32 = taken.values().map(|times| times - 1).sum();
    println!(
        "two replicas, A killed: {} of {FIRINGS} deliveries taken, {repeats} repeats, {} at once",
        taken.len(),
        overlapping.lock().unwrap()
    );
    assert_eq!(taken.len(), FIRINGS, "every firing delivered");
    assert!(
        repeats <= 16,
        "only what A was sending when it died (one round, at most 16) is sent again: {repeats}"
    );
    assert_eq!(
        *overlapping.lock().unwrap(),
        0,
        "no delivery is sent twice at once"
    );
}
