//! Shared helpers: the fixture components and a real HTTP peer on loopback.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The fixture plugin whose triggers misbehave.
pub fn hostile_wasm() -> Vec<u8> {
    std::fs::read(env!("HOSTILE_PLUGIN_WASM")).expect("the hostile fixture was built")
}

/// The fixture plugin whose triggers enable each other (and a ping-pong pair).
pub fn cycle_wasm() -> Vec<u8> {
    std::fs::read(env!("CYCLE_PLUGIN_WASM")).expect("the cycle fixture was built")
}

/// The fixture plugin that only listens to updates and never matches, renamed to
/// `idle-plugin-{copy:03}` (a plugin's name is unique; the placeholder keeps the width, so the
/// component stays valid).
pub fn idle_wasm(copy: u32) -> Vec<u8> {
    let bytes = std::fs::read(env!("IDLE_PLUGIN_WASM")).expect("the idle fixture was built");
    let placeholder = b"idle-plugin-000";
    let name = format!("idle-plugin-{copy:03}");
    assert_eq!(name.len(), placeholder.len(), "at most 1000 copies");
    let mut renamed = bytes.clone();
    let mut found = false;
    for start in 0..=bytes.len() - placeholder.len() {
        if &bytes[start..start + placeholder.len()] == placeholder {
            renamed[start..start + placeholder.len()].copy_from_slice(name.as_bytes());
            found = true;
        }
    }
    assert!(found, "the idle fixture holds its name placeholder");
    renamed
}

/// The probe fixture: reports what it sees in a note; sets what its configuration names.
pub fn probe_wasm() -> Vec<u8> {
    std::fs::read(env!("PROBE_PLUGIN_WASM")).expect("the probe fixture was built")
}

/// A valid component of an unrelated world.
pub fn other_world_wasm() -> Vec<u8> {
    std::fs::read(env!("OTHER_WORLD_WASM")).expect("the other-world fixture was built")
}

/// A bundled plugin's component by package name.
pub fn bundled(name: &str) -> &'static [u8] {
    wasmdesk_host::plugins::bundled()
        .iter()
        .find(|(package, _)| *package == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("{name} is not bundled"))
}

/// What a peer answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }
    pub fn redirect(location: &str) -> Reply {
        Reply {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: vec![],
            delay: Duration::ZERO,
        }
    }
    pub fn slow(delay: Duration) -> Reply {
        Reply {
            delay,
            ..Reply::ok("gold, eventually")
        }
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers each request with `route(path)`.
pub struct Peer {
    pub origin: String,
}

impl Peer {
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let route = Arc::new(route);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let route = route.clone();
                thread::spawn(move || serve(stream, &*route));
            }
        });
        Peer { origin }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

fn serve(mut stream: TcpStream, route: &(dyn Fn(&str) -> Reply + Send + Sync)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let reply = route(&path);
    thread::sleep(reply.delay);
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&reply.body));
}

/// The peek fixture: a v0.2 trigger with narrow declared inputs that notes what it saw.
pub fn peek_wasm() -> Vec<u8> {
    std::fs::read(env!("PEEK_PLUGIN_WASM")).expect("the peek fixture was built")
}
