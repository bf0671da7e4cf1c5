//! The parsers we own, fed arbitrary input (proptest): search queries, custom field values by
//! type, event JSON, tags and phone numbers. None panics; what one accepts it accepts again
//! unchanged (a normal form stays normal; a value read back from its stored form is the same).

use proptest::prelude::*;
use serde_json::Value;
use wasmdesk_host::domain::contact::{normalize_phone, normalize_tags};
use wasmdesk_host::domain::search::parse_user_query;
use wasmdesk_host::domain::{Event, FieldDefinition, FieldOption, FieldType};

/// Any JSON value, a few levels deep, with the strings that break parsers.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("2026-02-30"),
            Just("2026-12-31"),
            Just("gold"),
            Just("1e309"),
            Just("-0"),
            Just("\u{0}"),
            Just("created"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn definition(field_type: FieldType) -> FieldDefinition {
    FieldDefinition {
        key: "f".into(),
        field_type,
        title: "F".into(),
        description: String::new(),
        active: true,
        position: 0,
        options: ["gold", "silver", "a_b"]
            .iter()
            .map(|tag| FieldOption {
                name: tag.to_string(),
                value: tag.to_string(),
            })
            .collect(),
        regexp_for_validation: (field_type == FieldType::Regexp).then(|| "[A-Z]{2}-[0-9]+".into()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn search_queries_never_panic(query in ".{0,80}", words in prop::collection::vec("[a-z_]{1,6}[:<>=]{1,2}[a-z0-9.@-]{0,8}", 0..4)) {
        let _ = parse_user_query(&query);
        let _ = parse_user_query(&words.join(" "));
    }

    #[test]
    fn tags_normalise_once_and_for_all(tags in prop::collection::vec(".{0,20}", 0..8)) {
        if let Ok(normal) = normalize_tags(&tags) {
            prop_assert_eq!(normalize_tags(&normal), Ok(normal.clone()));
        }
    }

    #[test]
    fn phone_numbers_normalise_once_and_for_all(raw in "[+0-9 ()./-]{0,24}|.{0,24}") {
        if let Ok(normal) = normalize_phone(&raw) {
            prop_assert_eq!(normalize_phone(&normal), Ok(normal.clone()));
        }
    }

    #[test]
    fn a_field_reads_its_own_stored_value_back(raw in json(), type_index in 0..FieldType::ALL.len()) {
        let field = definition(FieldType::ALL[type_index]);
        if let Ok(Some(value)) = field.read_value(&raw) {
            prop_assert_eq!(field.read_value(&value.to_plain()), Ok(Some(value.clone())));
        }
    }

    #[test]
    fn event_json_never_panics_and_round_trips(raw in json(), text in ".{0,64}") {
        let _ = serde_json::from_str::<Event>(&text);
        if let Ok(event) = serde_json::from_value::<Event>(raw) {
            let again: Event = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
            prop_assert_eq!(again, event);
        }
    }
}

/// A sample event as `wasmdesk plugin run` reads it, with every field: it survives a round trip.
#[test]
fn the_example_event_round_trips() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/events/platinum-customer.json"
    ))
    .unwrap();
    let event: Event = serde_json::from_str(&text).unwrap();
    let again: Event = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(again, event);
}
