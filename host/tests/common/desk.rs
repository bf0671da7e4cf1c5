//! The one loopback harness for API tests: a real server (`wasmdesk_host::http::app`) on an
//! ephemeral port over a real store, an admin and an agent token, and a client that insists on
//! the API's contract: every answer with a body is JSON (`application/json`) and parses, or the
//! test fails naming the request. Only a bodiless answer (204, or an empty body) reads as
//! `Null`; deliberately non-JSON endpoints (`/metrics`) are read with [`Desk::text`].

#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use wasmdesk_host::domain::token::TokenRole;
use wasmdesk_host::http::connections::{self, ConnectionLimits};
use wasmdesk_host::http::{HttpLimits, HttpOptions, app_with};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

/// Which plugins a desk runs.
pub enum Plugins {
    /// None: the API alone.
    None,
    /// The bundled ones, installed as on a database's first start.
    Bundled,
}

pub struct Desk {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub admin: String,
    pub agent: String,
    pub client: reqwest::Client,
    /// The server's store, for assertions on what was (not) written.
    pub store: Store,
    pub rules: Rules,
    server: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Limits of a test server: 1 MiB bodies, 30 s per request.
pub fn limits() -> HttpLimits {
    HttpLimits {
        body_bytes: 1 << 20,
        request_timeout: Duration::from_secs(30),
    }
}

impl Desk {
    /// A desk per backend (SQLite; PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set).
    pub async fn each(test: &str, plugins: Plugins) -> Vec<Desk> {
        let mut desks = Vec::new();
        for (store, dir) in super::stores(test).await {
            let rules = match plugins {
                Plugins::None => super::no_rules(),
                Plugins::Bundled => super::bundled_rules(&store).await,
            };
            desks.push(Desk::start(store, dir, rules, limits()).await);
        }
        desks
    }

    /// Serves `store` with `rules` on an ephemeral loopback port.
    pub async fn start(
        store: Store,
        dir: Option<tempfile::TempDir>,
        rules: Rules,
        limits: HttpLimits,
    ) -> Desk {
        Desk::start_with(store, dir, rules, limits, ConnectionLimits::default()).await
    }

    /// As [`Desk::start`], with `adjust` changing the HTTP options first.
    pub async fn start_adjusted(
        store: Store,
        dir: Option<tempfile::TempDir>,
        rules: Rules,
        adjust: impl FnOnce(&mut HttpOptions),
    ) -> Desk {
        Desk::serve(
            store,
            dir,
            rules,
            limits(),
            ConnectionLimits::default(),
            adjust,
        )
        .await
    }

    /// As [`Desk::start`], with the connection loop's limits given.
    pub async fn start_with(
        store: Store,
        dir: Option<tempfile::TempDir>,
        rules: Rules,
        limits: HttpLimits,
        connection_limits: ConnectionLimits,
    ) -> Desk {
        Desk::serve(store, dir, rules, limits, connection_limits, |_| {}).await
    }

    async fn serve(
        store: Store,
        dir: Option<tempfile::TempDir>,
        rules: Rules,
        limits: HttpLimits,
        connection_limits: ConnectionLimits,
        adjust: impl FnOnce(&mut HttpOptions),
    ) -> Desk {
        let (_, admin) = store
            .create_token("test admin", TokenRole::Admin, None)
            .await
            .unwrap();
        let (_, agent) = store
            .create_token("test agent", TokenRole::Agent, None)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut options = HttpOptions {
            public_url: base.clone(),
            ..HttpOptions::new(limits)
        };
        adjust(&mut options);
        let app = app_with(store.clone(), rules.clone(), options);
        // The server's own connection loop, as `wasmdesk serve` runs it.
        let server = tokio::spawn(connections::serve(
            listener,
            app,
            connection_limits,
            std::future::pending(),
        ));
        Desk {
            base,
            admin,
            agent,
            client: reqwest::Client::new(),
            store,
            rules,
            server,
            _dir: dir,
        }
    }

    /// `path` on this desk; absolute URLs (`next_page` links) pass through.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Sends a request; returns the status and the JSON answer. Fails the test when an answer
    /// with a body is not JSON.
    pub async fn send(&self, request: RequestBuilder) -> (StatusCode, Value) {
        let request = request.build().unwrap();
        let what = format!("{} {}", request.method(), request.url().path());
        let response = self.client.execute(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.unwrap();
        if text.is_empty() {
            return (status, Value::Null);
        }
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {status} with content-type {content_type:?}, not JSON: {text}"
        );
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{what}: {status}: the body is not JSON ({e}): {text}"));
        (status, value)
    }

    /// Sends `body` as JSON with `token`. A 500 fails the test: input never causes one.
    pub async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let (status, value) = self.send(request).await;
        assert!(
            status != StatusCode::INTERNAL_SERVER_ERROR,
            "500 for {path}: {value}"
        );
        (status, value)
    }

    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(Some(&self.admin), method, path, body).await
    }

    pub async fn agent(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(Some(&self.agent), method, path, body).await
    }

    /// As the admin; the answer must be a success.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.admin(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    /// A plain-text endpoint (`/metrics`, `/healthz` read as text).
    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Uploads a component with `token` and `content_type`.
    pub async fn upload(
        &self,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(self.url("/api/v2/plugins"))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(bytes),
        )
        .await
    }

    /// The id of the installed plugin `name`.
    pub async fn plugin_id(&self, name: &str) -> i64 {
        let list = self.ok(Method::GET, "/api/v2/plugins", None).await;
        list["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not installed: {list}"))["id"]
            .as_i64()
            .unwrap()
    }

    /// The audit rows of a ticket.
    pub async fn rule_runs(&self, ticket: &Value) -> Vec<Value> {
        let answer = self
            .ok(
                Method::GET,
                &format!("/api/v2/rule_runs?ticket_id={}", ticket["id"]),
                None,
            )
            .await;
        answer["rule_runs"].as_array().unwrap().clone()
    }
}
