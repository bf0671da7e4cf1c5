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
    let event = example_event();
    json(&wasmdesk(&[
        "plugin",
        "run",
        "retail-vip",
        "--event",
        &event,
        "--config",
        config,
    ]))
}

#[test]
fn run_takes_configuration() {
    let report = run_retail_vip_with("priority=urgent");
    assert_eq!(
        report[0]["actions"][0],
        serde_json::json!({"set_priority": "urgent"})
    );

    let report = run_retail_vip_with("spend_threshold=lots");
    assert_eq!(report[0]["matched"], false);
    assert_eq!(report[0]["error"]["kind"], "rejected");
    assert!(
        report[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spend_threshold")
    );
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
