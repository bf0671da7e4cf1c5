//! One trigger evaluation of the bundled retail-vip plugin (fresh instance, `matches` then
//! `actions`, an event with 20 custom fields) beside the same rule in native Rust and beside
//! instantiation alone, in one run.
//!
//! `cargo bench -p wasmdesk-host --bench plugin_eval`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wasmdesk_host::domain::{Action, Event, FieldValue, Priority};
use wasmdesk_host::plugins::{Installation, Outcome, Runtime, RuntimeConfig, bundled};

/// A customer with 20 custom values who matches only on the last condition (influence), so the
/// whole condition is evaluated and the actions run.
fn event() -> Event {
    let mut event: Event = serde_json::from_value(serde_json::json!({
        "kind": "created",
        "ticket": {"id": 1, "subject": "Where is my order?", "channel": "email", "requester_id": 7},
        "requester": {"id": 7, "name": "Ada", "email": "ada@example.com"}
    }))
    .unwrap();
    let fields = &mut event.requester.fields;
    fields.insert("service_level".into(), FieldValue::Option("gold".into()));
    fields.insert("annual_spend".into(), FieldValue::Number(640.5));
    fields.insert("social_influence".into(), FieldValue::Option("high".into()));
    fields.insert(
        "last_purchase_date".into(),
        FieldValue::Date("2026-10-30".into()),
    );
    fields.insert(
        "subscription_renewal_date".into(),
        FieldValue::Date("2027-01-15".into()),
    );
    for i in 0..15 {
        fields.insert(
            format!("extra_field_{i:02}"),
            FieldValue::Text(format!("value number {i}")),
        );
    }
    assert_eq!(fields.len(), 20);
    event
}

/// The retail-vip rule written directly against the host's types: the floor for any plugin.
fn native_rule(event: &Event, installation: &Installation) -> Option<Vec<Action>> {
    let fields = &event.requester.fields;
    let option = |key: &str| match fields.get(key) {
        Some(FieldValue::Option(tag)) => Some(tag.as_str()),
        _ => None,
    };
    let threshold: f64 = installation.config_value("spend_threshold")?.parse().ok()?;
    let spend = match fields.get("annual_spend") {
        Some(FieldValue::Number(n)) => Some(*n),
        _ => None,
    };
    let matched = option("service_level") == Some("platinum")
        || spend.is_some_and(|spend| spend > threshold)
        || option("social_influence") == Some("high");
    if !matched {
        return None;
    }
    let priority: Priority = installation.config_value("priority")?.parse().ok()?;
    let group = installation.config_value("group")?.to_string();
    Some(vec![
        Action::SetPriority(priority),
        Action::AssignGroup(group),
        Action::AddTags(vec!["vip".into()]),
    ])
}

fn retail_vip(c: &mut Criterion) {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let bytes = bundled()
        .iter()
        .find(|(name, _)| *name == "retail-vip")
        .unwrap()
        .1;
    let plugin = runtime.load(bytes).unwrap();
    let installation = Installation::new(plugin.info(), [], vec![]);
    let event = event();

    let expected = native_rule(&event, &installation).expect("the event matches");
    assert_eq!(
        runtime
            .evaluate(&plugin, &installation, "vip-escalation", &event)
            .outcome,
        Outcome::Matched(expected)
    );

    let mut group = c.benchmark_group("retail_vip");
    group.bench_function("native_rule", |b| {
        b.iter(|| native_rule(black_box(&event), &installation))
    });
    group.bench_function("instantiate_only", |b| {
        b.iter(|| runtime.check_instantiation(&plugin).unwrap())
    });
    group.bench_function("wasm_fresh_instance", |b| {
        b.iter(|| runtime.evaluate(&plugin, &installation, "vip-escalation", black_box(&event)))
    });
    group.finish();
}

criterion_group!(benches, retail_vip);
criterion_main!(benches);
