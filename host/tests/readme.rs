//! The README's API examples, run as a newcomer runs them: every `curl` in its shell blocks, in
//! order, against the real `wasmdesk serve` on a fresh database. Each must succeed (`curl
//! --fail-with-body`). Only the placeholders a reader fills in are replaced: the token
//! (`TOKEN=wdk_...`), the addresses (`http://127.0.0.1:8080`, `smtp://127.0.0.1:2525`, the
//! loyalty API stand-in's `127.0.0.1:9000`, served here as the README's files would be) and the
//! component a reader builds
//! (`PLUGIN_WASM=...`; here a bundled plugin, so the upload replaces it in place).

/// The real binary, started as an operator starts it.
#[path = "common/binary.rs"]
mod binary;

use std::process::Command;

/// The shell blocks of the README that call the API, in order.
fn curl_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                if block.contains("curl ") {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_readmes_api_examples_run_as_written_on_a_fresh_database() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let blocks = curl_blocks(&readme);
    assert!(blocks.len() >= 2, "the API and plugin examples are found");

    let dir = tempfile::tempdir().unwrap();
    let port = binary::free_port();
    let token = "wdk_readme_example_token_0123456789";
    let database = format!("sqlite://{}", dir.path().join("desk.db").display());
    // The SMTP example's listener, on a port of its own.
    let smtp_port = binary::free_port();
    let smtp_listen = format!("127.0.0.1:{smtp_port}");
    let mut server = binary::serve_with(
        &database,
        dir.path(),
        port,
        token,
        &[
            "--smtp-listen",
            &smtp_listen,
            "--smtp-address",
            "support@desk.example",
        ],
    );

    let loyalty = loyalty_stand_in();

    let component = dir.path().join("plugin.wasm");
    let (_, bytes) = wasmdesk_host::plugins::bundled()
        .iter()
        .find(|(name, _)| *name == "retail-vip")
        .unwrap();
    std::fs::write(&component, bytes).unwrap();

    let mut script = String::from(
        "set -euo pipefail\n\
         curl() { command curl --fail-with-body --silent --show-error \"$@\"; echo; }\n",
    );
    for block in &blocks {
        for line in block.lines() {
            if line.starts_with("TOKEN=") || line.starts_with("PLUGIN_WASM=") {
                continue; // the reader's own values, set below
            }
            script.push_str(
                &line
                    .replace("http://127.0.0.1:8080", &format!("http://127.0.0.1:{port}"))
                    .replace("smtp://127.0.0.1:2525", &format!("smtp://{smtp_listen}"))
                    .replace("127.0.0.1:9000", &loyalty),
            );
            script.push('\n');
        }
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("TOKEN", token)
        .env("PLUGIN_WASM", &component)
        .output()
        .expect("bash and curl are installed");
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        output.status.success(),
        "a README example failed:\n{}\n--- stdout:\n{}\n--- stderr:\n{}",
        script,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("\"vip\""),
        "the README's ticket was escalated by retail-vip: {stdout}"
    );
    assert!(
        stdout.contains("\"forward_to\":\"sip:priority@pbx.example.com\""),
        "the README's gold caller went to the priority queue: {stdout}"
    );
    assert!(
        stdout.contains("\"forward_to\":\"sip:standard@pbx.example.com\""),
        "the README's unknown caller went to the standard queue: {stdout}"
    );
}

/// What `python3 -m http.server --directory loyalty` serves after the README's `echo`: the
/// gold customer's file, 404 for everyone else. Returns its address.
fn loyalty_stand_in() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let (status, body) = if request_line.contains("/%2B4930000001.json ") {
                ("200 OK", "{\"status\": \"gold\"}\n")
            } else {
                ("404 File not found", "not found")
            };
            let _ = write!(
                &stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}
