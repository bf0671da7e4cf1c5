//! Emails through the whole intake path — parse (mail-parser), the sender found or created with
//! their organization, the ticket written through the bundled plugins' triggers, the Message-ID
//! and attachments stored — on SQLite, for a 10 kB and a 200 kB message (the larger with a
//! 190 kB attachment). In the same run, as baselines: the same ticket created through the
//! engine without an email (what intake adds on top), and parsing alone.
//!
//! `cargo bench -p wasmdesk-host --bench email_intake`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tokio::runtime::Runtime;
use wasmdesk_host::domain::{Actor, TicketDraft};
use wasmdesk_host::intake::{email, receive_email};
use wasmdesk_host::plugins::{Runtime as PluginRuntime, RuntimeConfig};
use wasmdesk_host::rules::Rules;
use wasmdesk_host::store::Store;

/// A message of about `size` bytes from sender `n` (100 companies, so organizations are both
/// created and found), with a unique Message-ID.
fn message(n: usize, size: usize) -> Vec<u8> {
    let line = "The parcel I ordered three weeks ago has still not arrived; please check.\r\n";
    let head = format!(
        "From: Customer {n} <customer{n}@company{}.example>\r\nTo: support@desk.example\r\n\
         Subject: Order {n} is late\r\nMessage-ID: <bench-{n}@company.example>\r\nMIME-Version: 1.0\r\n",
        n % 100
    );
    let text: String = line.repeat(10_000 / line.len());
    if size <= 20_000 {
        return format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{text}").into_bytes();
    }
    let attachment: String = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\r\n"
        .repeat((size - 10_000) / 66);
    format!(
        "{head}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b\r\n\
         Content-Type: image/png; name=\"photo.png\"\r\nContent-Disposition: attachment; filename=\"photo.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{attachment}--b--\r\n"
    )
    .into_bytes()
}

fn email_intake(c: &mut Criterion) {
    let runtime = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (store, rules) = runtime.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let plugins = Arc::new(PluginRuntime::new(RuntimeConfig::default()).unwrap());
        let rules = Rules::open(&store, plugins).await.unwrap();
        (store, rules)
    });
    let sent = AtomicUsize::new(0);
    for size in [10_000, 200_000] {
        let sample = message(0, size);
        println!("message of {size} bytes: {} bytes", sample.len());
    }
    let mut group = c.benchmark_group("email_intake");
    group.bench_function("baseline: the same ticket without email", |b| {
        b.iter(|| {
            let n = sent.fetch_add(1, Ordering::Relaxed);
            let draft: TicketDraft = serde_json::from_value(json!({
                "subject": format!("Order {n} is late"), "channel": "email",
                "description": "The parcel I ordered three weeks ago has still not arrived.",
                "requester": {"email": format!("customer{n}@company{}.example", n % 100),
                              "name": format!("Customer {n}")},
            }))
            .unwrap();
            runtime
                .block_on(rules.create_ticket(&store, draft, Actor::Requester))
                .unwrap()
        })
    });
    for size in [10_000, 200_000] {
        group.bench_function(format!("parse only, {} kB", size / 1000), |b| {
            let raw = message(1, size);
            b.iter(|| email::read(black_box(&raw)).unwrap())
        });
        group.bench_function(format!("whole path, {} kB", size / 1000), |b| {
            b.iter_batched(
                || message(sent.fetch_add(1, Ordering::Relaxed), size),
                |raw| {
                    runtime
                        .block_on(receive_email(&store, &rules, &raw))
                        .unwrap()
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, email_intake);
criterion_main!(benches);
