//! The web console in a real browser: Debian's Chromium driven through chromedriver (WebDriver)
//! against a real `wasmdesk serve` on loopback. A missing Chromium fails these tests (install
//! `chromium` and `chromium-driver`; `.ci/run` does). Screenshots of each step are saved under
//! `target/tmp/console-screenshots/`.

/// The real binary, started as an operator starts it.
#[path = "common/binary.rs"]
mod binary;

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use binary::{free_port, serve};
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN: &str = "wdk_console-test-admin-0123456789abcdef";

/// A desk served by the real binary, and an HTTP client for its API.
struct Desk {
    process: Child,
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Desk {
    fn start() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let process = serve("sqlite://desk.db", dir.path(), port, ADMIN);
        Desk {
            process,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An API call as the admin; the answer must be a success.
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(ADMIN);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// Chromium under chromedriver, headless.
struct Browser {
    driver: Child,
    client: Client,
}

impl Drop for Browser {
    /// Kills chromedriver's whole process group: a test that fails before closing its session
    /// must not leave Chromium running (it would slow every test after it).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}

/// The first of `names` found on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

async fn browser() -> Browser {
    let missing = "Chromium and its WebDriver are needed for the console tests: \
                   `apt-get install chromium chromium-driver` (.ci/run installs them)";
    let chromedriver = on_path(&["chromedriver"]).expect(missing);
    let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"]).expect(missing);
    let port = free_port();
    let driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        // Its own process group, with the Chromium it starts: see `Browser::drop`.
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            // As root in a container Chromium needs --no-sandbox; /dev/shm is small there.
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,900"],
        },
    });
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    Browser { driver, client }
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Marks the page shown, so that [`notice`] can tell the next page from it.
async fn mark(client: &Client) {
    client
        .execute("document.documentElement.dataset.seen = 'yes'", vec![])
        .await
        .unwrap();
}

/// Waits for the page a form submission led to (a page not [`mark`]ed) and answers its notice.
async fn notice(client: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let found = client
            .execute(
                "if (document.documentElement.dataset.seen) return null; \
                 const n = document.querySelector('.notice'); return n ? n.textContent : null;",
                vec![],
            )
            .await;
        if let Ok(Value::String(text)) = found {
            return text;
        }
        assert!(Instant::now() < deadline, "no new page with a notice");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every form control labelled, every button named, nothing wider than the window.
async fn check_page(client: &Client, page: &str) {
    let found = client
        .execute(
            r#"
            const unlabelled = [...document.querySelectorAll('input, select, textarea')]
              .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
              .map(e => e.outerHTML);
            const unnamed = [...document.querySelectorAll('button, a')]
              .filter(e => !e.textContent.trim() && !e.getAttribute('aria-label'))
              .map(e => e.outerHTML);
            const width = document.documentElement.scrollWidth;
            return {unlabelled, unnamed, width, window: window.innerWidth};
            "#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        found["unlabelled"],
        json!([]),
        "{page}: controls without a label"
    );
    assert_eq!(
        found["unnamed"],
        json!([]),
        "{page}: buttons or links without a name"
    );
    assert!(
        found["width"].as_i64() <= found["window"].as_i64(),
        "{page}: the page is {} px wide in a {} px window",
        found["width"],
        found["window"]
    );
}

/// Tabs to the first focusable element and checks its focus is drawn.
async fn check_focus_visible(client: &Client, page: &str) {
    client
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: '\u{E004}' })
                .then(KeyAction::Up { value: '\u{E004}' }),
        )
        .await
        .unwrap();
    let outline = client
        .execute(
            "const s = getComputedStyle(document.activeElement); \
             return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(outline[0], "BODY", "{page}: Tab focused nothing");
    assert_ne!(
        outline[1], "none",
        "{page}: focus is not visible: {outline}"
    );
    assert_ne!(outline[2], "0px", "{page}: focus is not visible: {outline}");
}

async fn log_in(client: &Client, desk: &Desk) {
    client.goto(&desk.url("/customers")).await.unwrap();
    assert!(
        client.current_url().await.unwrap().path() == "/login",
        "the console asks to sign in first"
    );
    client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(ADMIN)
        .await
        .unwrap();
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/customers");
}

/// The console end to end, as an admin works in it.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_works_the_desk_in_chromium() {
    let desk = Desk::start();
    let browser = browser().await;
    let client = &browser.client;

    // Signing in with a wrong token says why, with the API's words.
    client.goto(&desk.url("/login")).await.unwrap();
    client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys("wdk_not-a-token")
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        notice(client).await.contains("unknown or was revoked"),
        "a refused sign-in says why"
    );
    log_in(client, &desk).await;
    shot(client, "01-customers-empty").await;

    // A customer created with only an email lands under the organization made from the domain.
    client
        .find(Locator::Css("details.create summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("new-email"))
        .await
        .unwrap()
        .send_keys("ada@shop.example")
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("details.create button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Created ada@shop.example under Shop.");
    let users = desk
        .api(
            reqwest::Method::GET,
            "/api/v2/users/search?query=email:ada@shop.example",
            None,
        )
        .await;
    let ada = users["users"][0].clone();
    let ada_id = ada["id"].as_i64().unwrap();
    let shop_id = ada["organization_id"]
        .as_i64()
        .expect("joined an organization");
    let shop_section = format!("section.organization[data-organization-id='{shop_id}']");
    assert!(
        text_of(client, &shop_section).await.contains("ada"),
        "ada is listed under Shop"
    );
    shot(client, "02-customer-under-shop").await;

    // Dragged onto another organization, the API agrees.
    let globex = desk
        .api(
            reqwest::Method::POST,
            "/api/v2/organizations",
            Some(json!({"organization": {"name": "Globex", "domain_names": ["globex.example"]}})),
        )
        .await;
    let globex_id = globex["organization"]["id"].as_i64().unwrap();
    client.goto(&desk.url("/customers")).await.unwrap();
    let grip = client
        .find(Locator::Css(&format!(
            "li.customer[data-customer-id='{ada_id}'] .grip"
        )))
        .await
        .unwrap();
    let target = client
        .find(Locator::Css(&format!(
            "section.organization[data-organization-id='{globex_id}'] h2"
        )))
        .await
        .unwrap();
    let step = Some(Duration::from_millis(50));
    mark(client).await;
    client
        .perform_actions(
            MouseActions::new("mouse".into())
                .then(PointerAction::MoveToElement {
                    element: grip,
                    duration: step,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::MoveBy {
                    duration: step,
                    x: 10.0,
                    y: 10.0,
                })
                .then(PointerAction::MoveToElement {
                    element: target,
                    duration: Some(Duration::from_millis(200)),
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                }),
        )
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Moved ada to the organization.");
    let moved = desk
        .api(
            reqwest::Method::GET,
            &format!("/api/v2/users/{ada_id}"),
            None,
        )
        .await;
    assert_eq!(
        moved["user"]["organization_id"], globex_id,
        "the drag moved her"
    );
    shot(client, "03-dragged-to-globex").await;

    // The keyboard way: "Move to" with a typed name, Enter.
    let field = client
        .find(Locator::Id(&format!("move-{ada_id}")))
        .await
        .unwrap();
    mark(client).await;
    field.send_keys("No organization\u{E007}").await.unwrap();
    assert_eq!(notice(client).await, "Moved ada to no organization.");
    let moved = desk
        .api(
            reqwest::Method::GET,
            &format!("/api/v2/users/{ada_id}"),
            None,
        )
        .await;
    assert_eq!(moved["user"]["organization_id"], Value::Null);

    // Settings: a customer type, and the customer panel configured: type first, phone hidden.
    client.goto(&desk.url("/settings")).await.unwrap();
    client
        .find(Locator::Id("type-name"))
        .await
        .unwrap()
        .send_keys("vip")
        .await
        .unwrap();
    client
        .find(Locator::Id("type-description"))
        .await
        .unwrap()
        .send_keys("Spends big")
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css(
            "form[action='/settings/customer_types'] button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Added the type vip.");
    let order = client
        .find(Locator::Id("order-customer-type"))
        .await
        .unwrap();
    order.clear().await.unwrap();
    order.send_keys("0").await.unwrap();
    client
        .find(Locator::Id("show-customer-phone"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css(
            "form[action='/settings/panels/customer'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Saved the customer panel.");
    shot(client, "04-settings").await;
    let panel = desk
        .api(reqwest::Method::GET, "/api/v2/panels/customer", None)
        .await;
    assert_eq!(panel["panel"]["properties"][0]["key"], "type");
    let phone = panel["panel"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "phone")
        .unwrap()
        .clone();
    assert_eq!(phone["visible"], false);

    // Double-click opens the panel as configured; a value edited in place reaches the API.
    client.goto(&desk.url("/customers")).await.unwrap();
    let name = client
        .find(Locator::Css(&format!(
            "li.customer[data-customer-id='{ada_id}'] .email"
        )))
        .await
        .unwrap();
    client
        .perform_actions(
            MouseActions::new("mouse".into())
                .then(PointerAction::MoveToElement {
                    element: name,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                }),
        )
        .await
        .unwrap();
    client
        .wait()
        .for_url(&url::Url::parse(&desk.url(&format!("/customers/{ada_id}"))).unwrap())
        .await
        .unwrap();
    let labels: Vec<String> = {
        let mut labels = Vec::new();
        for label in client
            .find_all(Locator::Css(
                "form.panel .control > label, form.panel .control > .label",
            ))
            .await
            .unwrap()
        {
            labels.push(label.text().await.unwrap());
        }
        labels
    };
    assert_eq!(labels[0], "Customer type", "{labels:?}");
    assert!(!labels.contains(&"Phone".to_string()), "{labels:?}");
    client
        .find(Locator::Css("#control-type option[value='vip']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("form.panel button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Saved.");
    let saved = desk
        .api(
            reqwest::Method::GET,
            &format!("/api/v2/users/{ada_id}"),
            None,
        )
        .await;
    assert_eq!(saved["user"]["type"], "vip");
    shot(client, "05-customer-panel").await;

    // An organization's panel: add a domain.
    client
        .goto(&desk.url(&format!("/organizations/{globex_id}")))
        .await
        .unwrap();
    client
        .find(Locator::Id("new-domain"))
        .await
        .unwrap()
        .send_keys("globex.test")
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("form[action$='/domains'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Added globex.test.");
    let organization = desk
        .api(
            reqwest::Method::GET,
            &format!("/api/v2/organizations/{globex_id}"),
            None,
        )
        .await;
    assert_eq!(
        organization["organization"]["domain_names"],
        json!(["globex.example", "globex.test"])
    );
    shot(client, "06-organization-panel").await;

    // Plugins: upload a component, configure it from its declared keys, dry-run it.
    client.goto(&desk.url("/plugins")).await.unwrap();
    let component = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/contracts/v0.2.0/retail-vip.wasm")
        .canonicalize()
        .unwrap();
    client
        .find(Locator::Id("component"))
        .await
        .unwrap()
        .send_keys(component.to_str().unwrap())
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("form[enctype='multipart/form-data'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        notice(client).await.starts_with("Installed retail-vip"),
        "the upload installed it"
    );
    let page = client.source().await.unwrap();
    assert!(
        page.contains("customer fields: service_level, annual_spend, social_influence"),
        "the page shows the inputs the trigger declares"
    );
    client
        .find(Locator::Css("#config-priority option[value='urgent']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    mark(client).await;
    client
        .find(Locator::Css("form[action$='/config'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(notice(client).await, "Saved the configuration.");
    let plugin_path = client.current_url().await.unwrap().path().to_string();
    let plugin = desk
        .api(reqwest::Method::GET, &format!("/api/v2{plugin_path}"), None)
        .await;
    assert_eq!(plugin["plugin"]["config"]["priority"], "urgent");

    let platinum = desk
        .api(
            reqwest::Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "pat@big.example",
                "user_fields": {"service_level": "platinum"}}})),
        )
        .await;
    let ticket = desk
        .api(
            reqwest::Method::POST,
            "/api/v2/tickets",
            Some(json!({"ticket": {"subject": "Where is my order?",
                "comment": {"body": "It is late."},
                "requester_id": platinum["user"]["id"]}})),
        )
        .await;
    let ticket_id = ticket["ticket"]["id"].as_i64().unwrap();
    assert_eq!(
        ticket["ticket"]["priority"], "urgent",
        "the plugin ran as configured"
    );
    client.refresh().await.unwrap();
    client
        .find(Locator::Id("dry-run-ticket"))
        .await
        .unwrap()
        .send_keys(&ticket_id.to_string())
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action$='/dry_run'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = client
        .wait()
        .for_element(Locator::Id("dry-run-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(result.contains("fired"), "{result}");
    assert!(result.contains(r#""set_priority":"urgent""#), "{result}");
    let chart = text_of(client, "figure.chart figcaption").await;
    assert!(
        chart.contains("1 firings"),
        "the chart counts the firing: {chart}"
    );
    shot(client, "07-plugin").await;

    // The ticket's history says which trigger of which plugin changed what.
    client
        .goto(&desk.url(&format!("/tickets/{ticket_id}")))
        .await
        .unwrap();
    let history = text_of(client, "ol.history").await;
    assert!(
        history.contains("priority urgent changed by trigger vip-escalation of plugin retail-vip"),
        "{history}"
    );
    shot(client, "08-ticket-history").await;

    // Every page: labelled controls, visible focus, usable at 375 px.
    let pages = [
        "/customers".to_string(),
        format!("/customers/{ada_id}"),
        format!("/organizations/{globex_id}"),
        "/settings".into(),
        "/tickets".into(),
        format!("/tickets/{ticket_id}"),
        "/plugins".into(),
        plugin_path.clone(),
    ];
    for page in &pages {
        client.goto(&desk.url(page)).await.unwrap();
        check_page(client, page).await;
        check_focus_visible(client, page).await;
    }
    client.set_window_size(375, 812).await.unwrap();
    let inner = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert!(inner.as_i64().unwrap() <= 400, "a narrow window: {inner}");
    for page in &pages {
        client.goto(&desk.url(page)).await.unwrap();
        check_page(client, &format!("{page} at 375 px")).await;
    }
    client.goto(&desk.url("/customers")).await.unwrap();
    shot(client, "09-customers-375px").await;
    client.set_window_size(1280, 900).await.unwrap();

    // A form posted to the desk from another origin is refused, and changes nothing.
    let attacker = attacker_page(&format!(
        r#"<form id="f" method="post" action="{}/customers/{ada_id}/move">
             <input name="organization_id" value="{globex_id}"><input name="csrf" value="guess">
           </form><script>document.getElementById("f").submit()</script>"#,
        desk.base
    ))
    .await;
    client.goto(&attacker).await.unwrap();
    let refused = client
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(refused, "Refused");
    let unchanged = desk
        .api(
            reqwest::Method::GET,
            &format!("/api/v2/users/{ada_id}"),
            None,
        )
        .await;
    assert_eq!(unchanged["user"]["organization_id"], Value::Null);
    shot(client, "10-forged-post-refused").await;

    // Signing out ends the session.
    client.goto(&desk.url("/customers")).await.unwrap();
    client
        .find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("token"))
        .await
        .unwrap();
    client.goto(&desk.url("/settings")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/login");
    client.clone().close().await.unwrap();
}

/// Serves `body` as an HTML page from another origin (another port on loopback) and answers
/// its URL.
async fn attacker_page(body: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let page = format!("<!DOCTYPE html><html><body>{body}</body></html>");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

/// Without a browser: no page opens without signing in, and a form without the session's
/// CSRF token, or from another origin, is refused.
#[tokio::test]
async fn pages_need_a_session_and_forms_their_token() {
    let desk = Desk::start();
    for page in [
        "/customers",
        "/customers/1",
        "/organizations/1",
        "/settings",
        "/tickets",
        "/tickets/1",
        "/plugins",
        "/plugins/1",
    ] {
        let response = desk.http.get(desk.url(page)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{page}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/login?next="), "{page}: {location}");
    }
    let response = desk
        .http
        .post(desk.url("/customers"))
        .form(&[("email", "x@shop.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "no session: sign in"
    );

    // Sign in; the cookie is HttpOnly and SameSite=Strict.
    let response = desk
        .http
        .post(desk.url("/login"))
        .form(&[("token", ADMIN), ("next", "//evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/customers",
        "never elsewhere"
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();

    let page = desk
        .http
        .get(desk.url("/customers"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();

    let post = |fields: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut request = desk
            .http
            .post(desk.url("/customers"))
            .header("cookie", &session)
            .form(&fields);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let missing = post(vec![("email", "x@shop.example".into())], None)
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().await.unwrap().contains("security token"));
    let wrong = post(
        vec![("email", "x@shop.example".into()), ("csrf", "0".repeat(64))],
        None,
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let elsewhere = post(
        vec![("email", "x@shop.example".into()), ("csrf", csrf.clone())],
        Some("http://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let users = desk
        .api(reqwest::Method::GET, "/api/v2/users?role=end-user", None)
        .await;
    assert_eq!(users["count"], 0, "no refused form created anyone");
    let right = post(
        vec![("email", "x@shop.example".into()), ("csrf", csrf)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let users = desk
        .api(reqwest::Method::GET, "/api/v2/users?role=end-user", None)
        .await;
    assert_eq!(users["count"], 1);

    // The API is untouched by the console: JSON errors, no cookies.
    let response = desk
        .http
        .get(desk.url("/api/v2/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("content-security-policy").is_none());
}
