//! One trigger evaluation of the bundled retail-vip plugin (contract v0.2: a fresh instance, one
//! `evaluate` call, an event with 20 custom fields of which it declares 3) beside the same rule in
//! native Rust, beside instantiation alone, and beside the same plugin built against contract
//! v0.1 (`tests/contracts/v0.1.0/retail-vip.wasm`: `matches` then `actions`, every field
//! lowered twice), in one run.
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
    let v0_1 = runtime
        .load(include_bytes!(
            "../../tests/contracts/v0.1.0/retail-vip.wasm"
        ))
        .unwrap();
    let v0_1_installation = Installation::new(v0_1.info(), [], vec![]);
    group.bench_function("wasm_fresh_instance_v0_1", |b| {
        b.iter(|| {
            runtime.evaluate(
                &v0_1,
                &v0_1_installation,
                "vip-escalation",
                black_box(&event),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, retail_vip);
criterion_main!(benches);
