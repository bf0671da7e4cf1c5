//! The bundled recipes, run through the real runtime on matching and non-matching events.

mod support;

use std::sync::Arc;

use wasmdesk_host::domain::{Action, Event, EventKind, EventOrganization, FieldValue, Priority};
use wasmdesk_host::plugins::{CompiledPlugin, Installation, Outcome, Runtime, RuntimeConfig};

fn runtime() -> Runtime {
    Runtime::new(RuntimeConfig::default()).unwrap()
}

fn created() -> Event {
    serde_json::from_value(serde_json::json!({"kind": "created"})).unwrap()
}

fn customer_with(fields: &[(&str, FieldValue)]) -> Event {
    let mut event = created();
    event.requester.fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    event
}

fn decide(
    runtime: &Runtime,
    plugin: &CompiledPlugin,
    installation: &Arc<Installation>,
    event: &Event,
) -> Outcome {
    let trigger = &plugin.info().triggers[0].key;
    runtime
        .evaluate(plugin, installation, trigger, event)
        .outcome
}

#[test]
fn retail_vip_escalates_platinum_big_spenders_and_influencers_only() {
    let runtime = runtime();
    let plugin = runtime.load(support::bundled("retail-vip")).unwrap();
    let defaults = Installation::new(plugin.info(), [], vec![]);
    let escalated = Outcome::Matched(vec![
        Action::SetPriority(Priority::High),
        Action::AssignGroup("VIP".into()),
        Action::AddTags(vec!["vip".into()]),
    ]);

    let platinum = customer_with(&[("service_level", FieldValue::Option("platinum".into()))]);
    assert_eq!(decide(&runtime, &plugin, &defaults, &platinum), escalated);

    let big_spender = customer_with(&[("annual_spend", FieldValue::Number(1000.01))]);
    assert_eq!(
        decide(&runtime, &plugin, &defaults, &big_spender),
        escalated
    );

    let at_threshold = customer_with(&[("annual_spend", FieldValue::Number(1000.0))]);
    assert_eq!(
        decide(&runtime, &plugin, &defaults, &at_threshold),
        Outcome::NotMatched
    );

    let influencer = customer_with(&[("social_influence", FieldValue::Option("high".into()))]);
    assert_eq!(decide(&runtime, &plugin, &defaults, &influencer), escalated);

    let ordinary = customer_with(&[
        ("service_level", FieldValue::Option("gold".into())),
        ("social_influence", FieldValue::Option("medium".into())),
        ("annual_spend", FieldValue::Number(10.0)),
    ]);
    assert_eq!(
        decide(&runtime, &plugin, &defaults, &ordinary),
        Outcome::NotMatched
    );
}

#[test]
fn retail_vip_reads_its_configuration() {
    let runtime = runtime();
    let plugin = runtime.load(support::bundled("retail-vip")).unwrap();
    let config = [
        ("spend_threshold", "50"),
        ("priority", "urgent"),
        ("group", "Concierge"),
    ];
    let installation = Installation::new(
        plugin.info(),
        config.map(|(k, v)| (k.to_string(), v.to_string())),
        vec![],
    );
    let event = customer_with(&[("annual_spend", FieldValue::Number(60.0))]);
    let Outcome::Matched(actions) = decide(&runtime, &plugin, &installation, &event) else {
        panic!("a customer above the configured threshold is a VIP");
    };
    assert_eq!(
        actions[..2],
        [
            Action::SetPriority(Priority::Urgent),
            Action::AssignGroup("Concierge".into())
        ]
    );
}

#[test]
fn retail_vip_declares_its_ingredients() {
    let runtime = runtime();
    let plugin = runtime.load(support::bundled("retail-vip")).unwrap();
    let info = plugin.info();
    let keys: Vec<_> = info.user_fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "last_purchase_date",
            "subscription_renewal_date",
            "annual_spend",
            "service_level",
            "social_influence"
        ]
    );
    let service_level = &info.user_fields[3];
    let tags: Vec<_> = service_level
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(tags, ["platinum", "gold", "silver", "bronze"]);
    assert_eq!(info.groups, ["VIP"]);
    assert_eq!(info.triggers[0].events, [EventKind::Created]);
}

#[test]
fn prospect_sales_routes_prospects_and_leaves_customers_alone() {
    let runtime = runtime();
    let plugin = runtime.load(support::bundled("prospect-sales")).unwrap();
    let defaults = Installation::new(plugin.info(), [], vec![]);
    let with_account_type = |account_type: &str| {
        let mut event = created();
        event.organization = Some(EventOrganization {
            id: 3,
            name: "Acme Tools".into(),
            fields: [(
                "account_type".to_string(),
                FieldValue::Option(account_type.into()),
            )]
            .into(),
            ..EventOrganization::default()
        });
        event
    };
    assert_eq!(
        decide(&runtime, &plugin, &defaults, &with_account_type("prospect")),
        Outcome::Matched(vec![
            Action::SetPriority(Priority::High),
            Action::AssignGroup("Sales".into())
        ])
    );
    assert_eq!(
        decide(
            &runtime,
            &plugin,
            &defaults,
            &with_account_type("active_customer")
        ),
        Outcome::NotMatched
    );
    assert_eq!(
        decide(&runtime, &plugin, &defaults, &created()),
        Outcome::NotMatched
    );

    let org_keys: Vec<_> = plugin
        .info()
        .organization_fields
        .iter()
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(
        org_keys,
        [
            "account_type",
            "monthly_spend",
            "reference_customer",
            "contract_term",
            "service_level"
        ]
    );
    assert_eq!(plugin.info().groups, ["Sales"]);
}

#[test]
fn evaluations_report_fuel_and_time() {
    let runtime = runtime();
    let plugin = runtime.load(support::bundled("retail-vip")).unwrap();
    let installation = Installation::new(plugin.info(), [], vec![]);
    let evaluation = runtime.evaluate(&plugin, &installation, "vip-escalation", &created());
    assert_eq!(evaluation.outcome, Outcome::NotMatched);
    assert!(evaluation.fuel_used > 0);
    assert!(!evaluation.elapsed.is_zero());
}
