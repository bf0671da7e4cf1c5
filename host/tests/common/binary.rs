//! The real `wasmdesk` binary, started as an operator starts it.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `wasmdesk serve` on `127.0.0.1:port` over `database`, in `dir`, with `admin_token` as the
/// first admin token; returns once it accepts connections.
pub fn serve(database: &str, dir: &Path, port: u16, admin_token: &str) -> Child {
    serve_with(database, dir, port, admin_token, &[])
}

/// [`serve`] with more flags.
pub fn serve_with(
    database: &str,
    dir: &Path,
    port: u16,
    admin_token: &str,
    flags: &[&str],
) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_wasmdesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database", database])
        .args(flags)
        .current_dir(dir)
        .env_remove("WASMDESK_DATABASE_URL")
        .env("WASMDESK_ADMIN_TOKEN", admin_token)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}
