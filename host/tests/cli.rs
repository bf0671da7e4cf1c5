//! The `wasmdesk plugin` commands, run as a user would run them.

use std::process::{Command, Output};

fn wasmdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmdesk"))
        .args(args)
        .output()
        .expect("wasmdesk runs")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("prints JSON")
}

fn example_event() -> String {
    format!(
        "{}/../examples/events/platinum-customer.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn inspect_prints_the_description() {
    let report = json(&wasmdesk(&["plugin", "inspect", "retail-vip"]));
    assert_eq!(report["info"]["name"], "retail-vip");
    assert_eq!(report["info"]["triggers"][0]["key"], "vip-escalation");
    assert_eq!(report["info"]["user_fields"][3]["key"], "service_level");
    assert_eq!(report["content_hash"].as_str().unwrap().len(), 64);
}

#[test]
fn run_prints_what_each_trigger_would_do() {
    let report = json(&wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--event",
        &example_event(),
    ]));
    let trigger = &report[0];
    assert_eq!(trigger["trigger"], "vip-escalation");
    assert_eq!(trigger["matched"], true);
    assert_eq!(
        trigger["actions"],
        serde_json::json!([{"set_priority": "high"}, {"assign_group": "VIP"}, {"add_tags": ["vip"]}])
    );
    assert!(trigger["fuel_used"].as_u64().unwrap() > 0);
}

/// `plugin run retail-vip` on the example event with one configuration value.
fn run_retail_vip_with(config: &str) -> serde_json::Value {
    run_plugin_with("retail-vip", config)
}

/// `plugin run PLUGIN` on the example event with one configuration value.
fn run_plugin_with(plugin: &str, config: &str) -> serde_json::Value {
    let event = example_event();
    json(&wasmdesk(&[
        "plugin", "run", plugin, "--event", &event, "--config", config,
    ]))
}

#[test]
fn run_takes_configuration() {
    let report = run_retail_vip_with("priority=urgent");
    assert_eq!(
        report[0]["actions"][0],
        serde_json::json!({"set_priority": "urgent"})
    );

    // A value the server would refuse is refused here too, naming what the key accepts.
    let refused = wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--event",
        &example_event(),
        "--config",
        "priority=super",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("config.priority") && stderr.contains("one of: low, normal, high, urgent"),
        "{stderr}"
    );

    // A v0.1 component's keys are untyped: its own error reaches the report.
    let report = run_plugin_with(&v0_1_retail_vip(), "spend_threshold=lots");
    assert_eq!(report[0]["matched"], false);
    assert_eq!(report[0]["error"]["kind"], "rejected");
    assert!(
        report[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spend_threshold")
    );
}

/// The retail-vip component built against contract v0.1.0, as a file path.
fn v0_1_retail_vip() -> String {
    format!(
        "{}/../tests/contracts/v0.1.0/retail-vip.wasm",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn bad_input_gets_a_clear_message() {
    let unknown = wasmdesk(&["plugin", "inspect", "no-such-plugin"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("neither a file nor a bundled plugin") && stderr.contains("retail-vip"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad_event = dir.path().join("event.json");
    std::fs::write(&bad_event, r#"{"kind": "deleted"}"#).unwrap();
    let output = wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--event",
        bad_event.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not a valid event") && stderr.contains("deleted"),
        "{stderr}"
    );

    let not_wasm = dir.path().join("plugin.wasm");
    std::fs::write(&not_wasm, b"definitely not wasm").unwrap();
    let output = wasmdesk(&["plugin", "inspect", not_wasm.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a WebAssembly binary"));

    let output = wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--event",
        bad_event.to_str().unwrap(),
        "--config",
        "novalue",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not KEY=VALUE"));
}

/// `plugin run --ticket` dry-runs an installed plugin on a stored ticket: it reports what the
/// cycle would change and writes nothing.
#[test]
fn run_on_a_stored_ticket_reports_and_writes_nothing() {
    use wasmdesk_host::domain::{Actor, TicketDraft, UserDraft};
    use wasmdesk_host::plugins::{Runtime, RuntimeConfig};
    use wasmdesk_host::rules::Rules;
    use wasmdesk_host::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("desk.db").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ticket_id = runtime.block_on(async {
        let store = Store::connect(&database).await.unwrap();
        let plugins = std::sync::Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
        // First start: the bundled plugins and their fields are installed.
        Rules::open(&store, plugins.clone()).await.unwrap();
        let customer: UserDraft = serde_json::from_value(serde_json::json!({
            "name": "Ada", "email": "ada@example.org",
            "user_fields": {"service_level": "platinum"}
        }))
        .unwrap();
        store.create_user(customer).await.unwrap();
        // Written while no plugin ran, so it is not escalated.
        let draft: TicketDraft = serde_json::from_value(serde_json::json!({
            "description": "Late order", "requester": {"email": "ada@example.org"}
        }))
        .unwrap();
        let ticket = Rules::new(plugins)
            .create_ticket(&store, draft, Actor::System)
            .await
            .unwrap();
        store.close().await;
        ticket.id
    });

    let report = json(&wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--ticket",
        &ticket_id.to_string(),
        "--database",
        &database,
    ]));
    assert_eq!(report["ticket_id"], ticket_id);
    assert_eq!(report["runs"][0]["trigger"], "vip-escalation", "{report}");
    assert_eq!(report["runs"][0]["outcome"], "fired", "{report}");
    let changed: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["priority", "group", "tags"], "{report}");

    runtime.block_on(async {
        let store = Store::connect(&database).await.unwrap();
        let ticket = store.ticket(ticket_id).await.unwrap();
        assert_eq!(ticket.priority, None, "a dry run writes nothing");
        assert!(store.rule_runs(ticket_id).await.unwrap().is_empty());
    });

    // Neither --event nor --ticket: clap says what is missing.
    let output = wasmdesk(&["plugin", "run", "retail-vip"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--event"));
}

/// A failed trigger's `error` is one JSON object with each key once: `kind`, the kind's own
/// fields (`message`), and `description` for a person.
#[test]
fn a_failed_triggers_error_has_each_key_once() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Error {
        kind: String,
        message: String,
        description: String,
    }
    #[derive(serde::Deserialize)]
    struct Report {
        outcome: String,
        error: Option<Error>,
    }
    let output = wasmdesk(&[
        "plugin",
        "run",
        &v0_1_retail_vip(),
        "--event",
        &example_event(),
        "--config",
        "spend_threshold=lots",
    ]);
    assert!(output.status.success());
    // A derived Deserialize refuses a duplicate key, which serde_json::Value would hide.
    let reports: Vec<Report> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(reports[0].outcome, "failed");
    let error = reports[0].error.as_ref().unwrap();
    assert_eq!(error.kind, "rejected");
    assert!(
        error
            .description
            .starts_with("the plugin reported an error")
    );
}

/// `wasmdesk plugin run … | head` closes the pipe early: the command ends quietly.
#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmdesk"))
        .args(["plugin", "run", "retail-vip", "--event", &example_event()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}

/// `plugin run --ticket` without `--database` looks in ./wasmdesk.db like `serve`; when there is
/// none it says so and creates nothing.
#[test]
fn run_on_a_ticket_without_a_database_creates_nothing_and_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wasmdesk"))
        .args(["plugin", "run", "retail-vip", "--ticket", "1"])
        .env_remove("WASMDESK_DATABASE_URL")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("wasmdesk.db"), "{stderr}");
    assert!(stderr.contains("--database"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

/// `wasmdesk token create --owner EMAIL` makes a token its owner can use as Zendesk clients do;
/// an unknown owner is an error naming the email and the database, and nothing is created.
#[test]
fn token_create_with_an_owner() {
    use wasmdesk_host::domain::UserDraft;
    use wasmdesk_host::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("desk.db").display());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::connect(&database).await.unwrap();
        let agent: UserDraft = serde_json::from_value(serde_json::json!({
            "name": "Ann", "email": "ann@support.example", "role": "agent"
        }))
        .unwrap();
        store.create_user(agent).await.unwrap();
        store.close().await;
    });
    let create = |owner: &str| {
        wasmdesk(&[
            "token",
            "create",
            "--role",
            "agent",
            "--name",
            "zenpy",
            "--owner",
            owner,
            "--database",
            &database,
        ])
    };

    let refused = create("nobody@support.example");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("nobody@support.example") && message.contains("desk.db"),
        "{message}"
    );

    let made = create("ann@support.example");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = String::from_utf8(made.stdout).unwrap().trim().to_string();
    runtime.block_on(async {
        let store = Store::connect(&database).await.unwrap();
        let tokens = store.tokens().await.unwrap();
        assert_eq!(tokens.len(), 1, "the refused call created nothing");
        let token = store.token_by_secret(&secret).await.unwrap().unwrap();
        assert_eq!(token.owner_email.as_deref(), Some("ann@support.example"));
        store.close().await;
    });
}
