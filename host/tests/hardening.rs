//! The API under a busy desk and a hostile client: concurrent writers lose nothing, input never
//! causes a 5xx, connections that send nothing are closed, a failing plugin is disabled at its
//! limit under concurrency, links never echo the Host header, `/metrics` and CORS are closed
//! unless opened. On SQLite, and on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use common::desk::{Desk, Plugins, limits};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::domain::token::TokenRole;
use wasmdesk_host::http::connections::ConnectionLimits;
use wasmdesk_host::http::{HttpOptions, app_with};

async fn new_ticket(desk: &Desk, email: &str) -> i64 {
    desk.ok(
        Method::POST,
        "/api/v2/tickets",
        Some(json!({"ticket": {"subject": "s0", "description": "Help",
                               "requester": {"email": email}}})),
    )
    .await["ticket"]["id"]
        .as_i64()
        .unwrap()
}

/// Two clients update one ticket at once, one only its subject, the other only its queue. No
/// acknowledged update is undone by the other: every answer shows the other writer's latest
/// acknowledged value (or a newer one), and the end state is the last value of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_one_ticket_lose_nothing() {
    const ROUNDS: i64 = 40;
    for desk in Desk::each("concurrent_updates", Plugins::Bundled).await {
        let desk = Arc::new(desk);
        let id = new_ticket(&desk, "both@acme.example").await;
        // The highest value each writer has had acknowledged.
        let acked = Arc::new([AtomicI64::new(-1), AtomicI64::new(-1)]);
        let writer = |me: usize| {
            let (desk, acked) = (desk.clone(), acked.clone());
            tokio::spawn(async move {
                let mut lost = 0;
                for n in 0..ROUNDS {
                    let other_before = acked[1 - me].load(Ordering::SeqCst);
                    let body = if me == 0 {
                        json!({"ticket": {"subject": format!("s{n}")}})
                    } else {
                        json!({"ticket": {"queue": format!("q{n}")}})
                    };
                    let answer = desk
                        .ok(Method::PUT, &format!("/api/v2/tickets/{id}"), Some(body))
                        .await;
                    acked[me].fetch_max(n, Ordering::SeqCst);
                    let other = if me == 0 {
                        answer["ticket"]["queue"]
                            .as_str()
                            .map(|q| q[1..].parse::<i64>().unwrap())
                    } else {
                        answer["ticket"]["subject"]
                            .as_str()
                            .map(|s| s[1..].parse::<i64>().unwrap())
                    }
                    .unwrap_or(-1);
                    if other < other_before {
                        lost += 1;
                    }
                }
                lost
            })
        };
        let (a, b) = (writer(0), writer(1));
        let (lost_a, lost_b) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!((lost_a, lost_b), (0, 0), "acknowledged updates undone");
        let ticket = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}"), None)
            .await;
        assert_eq!(ticket["ticket"]["subject"], format!("s{}", ROUNDS - 1));
        assert_eq!(ticket["ticket"]["queue"], format!("q{}", ROUNDS - 1));
    }
}

/// Zendesk's `safe_update`: an update based on a stale read is refused with 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_safe_update_from_a_stale_read_is_a_409() {
    for desk in Desk::each("safe_update", Plugins::None).await {
        let id = new_ticket(&desk, "safe@acme.example").await;
        let read = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}"), None)
            .await;
        let stamp = read["ticket"]["updated_at"].as_str().unwrap().to_string();
        let ok = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"subject": "first", "safe_update": true,
                                       "updated_stamp": stamp}})),
            )
            .await;
        assert_eq!(ok["ticket"]["subject"], "first");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        desk.ok(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"status": "open"}})),
        )
        .await;
        let (status, answer) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"subject": "stale", "safe_update": true,
                                       "updated_stamp": ok["ticket"]["updated_at"]}})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["error"], "update_conflict");
        let (status, answer) = desk
            .admin(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(json!({"ticket": {"subject": "x", "safe_update": true}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(answer["details"]["updated_stamp"].is_array(), "{answer}");
        let unchanged = desk
            .ok(Method::GET, &format!("/api/v2/tickets/{id}"), None)
            .await;
        assert_eq!(unchanged["ticket"]["subject"], "first");
    }
}

/// Input errors are 4xx naming the attribute, on both databases alike: text with NUL, a
/// comment author who is no user, NUL in a query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_never_causes_a_5xx() {
    for desk in Desk::each("input_errors", Plugins::None).await {
        let id = new_ticket(&desk, "nul@acme.example").await;
        for (path, method, body, attribute) in [
            (
                "/api/v2/tickets".to_string(),
                Method::POST,
                json!({"ticket": {"subject": "a\u{0}b", "description": "x",
                                  "requester": {"email": "n@acme.example"}}}),
                "ticket.subject",
            ),
            (
                "/api/v2/users".to_string(),
                Method::POST,
                json!({"user": {"email": "z@acme.example", "name": "Z\u{0}"}}),
                "user.name",
            ),
            (
                "/api/v2/organizations".to_string(),
                Method::POST,
                json!({"organization": {"name": "Acme", "tags": ["ok", "b\u{0}d"]}}),
                "organization.tags.1",
            ),
            (
                format!("/api/v2/tickets/{id}"),
                Method::PUT,
                json!({"ticket": {"comment": {"body": "hi", "author_id": 999_999}}}),
                "comment.author_id",
            ),
        ] {
            let (status, answer) = desk.admin(method, &path, Some(body)).await;
            assert!(status.is_client_error(), "{path}: {status} {answer}");
            assert!(
                answer["details"][attribute].is_array(),
                "{path}: names {attribute}: {answer}"
            );
        }
        let (status, answer) = desk
            .admin(Method::GET, "/api/v2/users/search?query=email:a%00b", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let (status, _) = desk
            .admin(
                Method::POST,
                "/api/v2/tickets",
                Some(json!({"ticket": {"description": "x", "author_id": 1}})),
            )
            .await;
        assert!(status.is_client_error());
    }
}

/// Reads until the server closes the connection (or `limit` passes); returns how long it took.
fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue, // a response (e.g. 408) before the close
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

/// A client that sends nothing, half a request head, or idles on a keep-alive connection is
/// disconnected after the header-read timeout; at most `max_connections` are served at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_send_nothing_are_closed_and_capped() {
    let (store, dir) = common::stores("slow_clients").await.remove(0);
    let connection_limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        max_connections: 2,
    };
    let desk = Desk::start_with(store, dir, common::no_rules(), limits(), connection_limits).await;
    let address = desk.base.trim_start_matches("http://").to_string();
    let handle = tokio::task::spawn_blocking(move || {
        let limit = Duration::from_secs(5);
        // Nothing at all.
        let mut silent = TcpStream::connect(&address).unwrap();
        // Half a request head.
        let mut partial = TcpStream::connect(&address).unwrap();
        partial
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        // Both slots are taken: a third connection is not served while they hold them.
        let mut third = TcpStream::connect(&address).unwrap();
        third
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        third
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buffer = [0u8; 256];
        assert!(
            third.read(&mut buffer).is_err(),
            "a third connection waits while two are served"
        );
        let silent_closed = time_until_closed(&mut silent, limit);
        let partial_closed = time_until_closed(&mut partial, limit);
        // Now the third is served.
        third.set_read_timeout(Some(limit)).unwrap();
        let mut answer = String::new();
        let _ = third.read_to_string(&mut answer);
        // An idle keep-alive connection, after one request.
        let mut idle = TcpStream::connect(&address).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 1024];
        idle.set_read_timeout(Some(limit)).unwrap();
        let read = idle.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
        let idle_closed = time_until_closed(&mut idle, limit);
        (silent_closed, partial_closed, answer, idle_closed)
    });
    let (silent, partial, answer, idle) = handle.await.unwrap();
    assert!(silent.is_some(), "a silent connection is closed");
    assert!(partial.is_some(), "a half-sent head is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(idle.is_some(), "an idle keep-alive connection is closed");
}

/// 50 clients write tickets at once while a misconfigured plugin fails on every one: it is
/// disabled after exactly its limit of failing writes, and no write after that runs it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_plugin_is_disabled_at_its_limit_under_concurrency() {
    for desk in Desk::each("disable_race", Plugins::Bundled).await {
        let desk = Arc::new(desk);
        // A v0.1 build of retail-vip, whose untyped configuration the host cannot refuse.
        let retail = common::install_misconfigured_retail_vip(&desk).await;
        let clients: Vec<_> = (0..50)
            .map(|n| {
                let desk = desk.clone();
                tokio::spawn(async move { new_ticket(&desk, &format!("c{n}@race.example")).await })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        let failed = desk
            .ok(
                Method::GET,
                "/api/v2/rule_runs?plugin=retail-vip&outcome=failed",
                None,
            )
            .await;
        assert_eq!(failed["count"], 5, "failed exactly its limit: {failed}");
        let shown = desk
            .ok(Method::GET, &format!("/api/v2/plugins/{retail}"), None)
            .await;
        assert_eq!(shown["plugin"]["enabled"], false, "{shown}");
        let disabling: Vec<&Value> = failed["rule_runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|run| run["error"].as_str().unwrap().contains("now disabled"))
            .collect();
        assert_eq!(disabling.len(), 1, "one winner disables: {failed}");
    }
}

/// `next_page` links use the configured public URL, never the request's Host header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_never_echo_the_host_header() {
    for desk in Desk::each("host_header", Plugins::None).await {
        for n in 0..3 {
            new_ticket(&desk, &format!("h{n}@acme.example")).await;
        }
        let (status, page) = desk
            .send(
                desk.client
                    .get(desk.url("/api/v2/tickets?page[size]=1"))
                    .header("host", "evil.example")
                    .bearer_auth(&desk.admin),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let next = page["next_page"].as_str().unwrap();
        assert!(next.starts_with(&desk.base), "{next}");
        assert!(!next.contains("evil"), "{next}");
    }
}

/// Off loopback, `/metrics` needs a metrics (or admin) token; a metrics token reads nothing
/// else. CORS is off unless origins are configured, then only those are allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_cors_are_closed_unless_opened() {
    let (store, _dir) = common::stores("exposure").await.remove(0);
    let (_, metrics) = store
        .create_token("scraper", TokenRole::Metrics, None)
        .await
        .unwrap();
    let (_, agent) = store
        .create_token("agent", TokenRole::Agent, None)
        .await
        .unwrap();
    let options = HttpOptions {
        open_metrics: false,
        cors_origins: vec!["https://console.example".into()],
        ..HttpOptions::new(limits())
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = app_with(store, common::no_rules(), options);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let get = |path: &str, token: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(
        get("/metrics", None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/metrics", Some(&agent)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get("/metrics", Some(&metrics)).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        get("/api/v2/users", Some(&metrics)).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let preflight = |origin: &'static str| {
        client
            .request(Method::OPTIONS, format!("{base}/api/v2/users"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let allowed = preflight("https://console.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://console.example"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // Without configuration: no CORS headers at all.
    for desk in Desk::each("no_cors", Plugins::None).await {
        let response = desk
            .client
            .get(desk.url("/api/v2/users"))
            .header("origin", "https://console.example")
            .bearer_auth(&desk.admin)
            .send()
            .await
            .unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
}
