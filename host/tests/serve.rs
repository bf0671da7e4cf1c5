//! The real `wasmdesk` binary: first start, tokens from the command line, JSON logs, and a
//! graceful stop on SIGTERM that finishes the request in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn wasmdesk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmdesk"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `wasmdesk serve` on a fresh SQLite file and waits until it answers.
fn start(dir: &Path, port: u16, extra: &[&str], env: &[(&str, &str)]) -> Child {
    let database = format!("sqlite://{}", dir.join("desk.db").display());
    let mut command = wasmdesk();
    command
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            &database,
        ])
        .args(extra)
        .current_dir(dir)
        .env_remove("WASMDESK_DATABASE_URL")
        .env_remove("WASMDESK_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// One HTTP/1.1 request on a fresh connection; returns the status line and the body.
fn request(port: u16, method: &str, path: &str, token: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    read_response(stream)
}

fn read_response(mut stream: TcpStream) -> (String, String) {
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or_default().to_string();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn first_start_prints_an_admin_token_once_and_the_cli_creates_more() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = start(dir.path(), port, &[], &[]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let token = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        line.contains("shown once") && token.starts_with("wdk_"),
        "{line}"
    );
    let (status, body) = request(port, "GET", "/api/v2/tokens", &token, "");
    assert!(status.contains("200"), "{status} {body}");
    terminate(&child);
    assert!(child.wait().unwrap().success());

    // A second start on the same database prints nothing new.
    let child = start(dir.path(), port, &[], &[]);
    terminate(&child);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).is_empty());

    let database = format!("sqlite://{}", dir.path().join("desk.db").display());
    let output = wasmdesk()
        .args([
            "token",
            "create",
            "--role",
            "agent",
            "--name",
            "ci",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let agent = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let output = wasmdesk()
        .args([
            "token",
            "create",
            "--role",
            "owner",
            "--name",
            "x",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("admin, agent"));

    let mut child = start(dir.path(), port, &[], &[]);
    let (status, _) = request(port, "GET", "/api/v2/users", &agent, "");
    assert!(status.contains("200"), "{status}");
    let (status, _) = request(port, "GET", "/api/v2/tokens", &agent, "");
    assert!(status.contains("403"), "{status}");
    terminate(&child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let token = "wdk_chosen-by-the-operator-0123456789abcdef";
    let child = start(
        dir.path(),
        port,
        &["--log-format", "json"],
        &[("WASMDESK_ADMIN_TOKEN", token)],
    );

    // Start a ticket creation and stop halfway through its body.
    let body = r#"{"ticket": {"description": "Sent while the server stops", "requester": {"email": "late@example.org"}}}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /api/v2/tickets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    terminate(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no new connections once stopping"
    );
    stream.write_all(rest.as_bytes()).unwrap();
    let (status, answer) = read_response(stream);
    assert!(
        status.contains("201"),
        "the request in flight completes: {status} {answer}"
    );

    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "exit code {:?}",
        output.status.code()
    );
    let logs = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = logs.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("--log-format json writes JSON lines: {line}"));
        assert!(parsed["level"].is_string());
    }
    assert!(logs.contains("finishing requests in flight"));
    assert!(
        String::from_utf8_lossy(&output.stdout).is_empty(),
        "a chosen token is not printed"
    );
}

#[test]
fn a_bad_configuration_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wasmdesk.toml"), "listen = 8080\n").unwrap();
    let output = wasmdesk()
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("WASMDESK_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("wasmdesk.toml is not valid"));
    std::fs::remove_file(dir.path().join("wasmdesk.toml")).unwrap();

    let output = wasmdesk()
        .args([
            "serve",
            "--listen",
            "nowhere",
            "--database",
            "sqlite::memory:",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an address"));
}
