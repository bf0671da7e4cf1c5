//! Custom fields on users, organizations and tickets (Zendesk's field types).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::named_enum;

named_enum! {
    /// The type of a custom field.
    pub enum FieldType ("field type") {
        Text => "text", Textarea => "textarea", Integer => "integer", Decimal => "decimal", Date => "date",
        Dropdown => "dropdown", Multiselect => "multiselect", Checkbox => "checkbox", Regexp => "regexp",
    }
}

/// A custom field's value, one case per kind of field type.
///
/// In JSON it is tagged by case so that it needs no field definition to be read:
/// `{"option": "platinum"}`, `{"number": 1200.5}`, `{"date": "2026-03-01"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// text, textarea and regexp fields.
    Text(String),
    /// decimal fields.
    Number(f64),
    /// integer fields.
    Integer(i64),
    /// date fields, `YYYY-MM-DD`.
    Date(String),
    /// checkbox fields.
    Flag(bool),
    /// dropdown fields: the chosen option's tag value.
    Option(String),
    /// multiselect fields: the chosen options' tag values.
    Options(Vec<String>),
}

impl FieldValue {
    /// The value as Zendesk clients send and expect it: `"platinum"`, `1200.5`, `["a", "b"]`.
    pub fn to_plain(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            FieldValue::Text(text) | FieldValue::Date(text) | FieldValue::Option(text) => {
                Value::String(text.clone())
            }
            FieldValue::Number(number) => serde_json::Number::from_f64(*number)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            FieldValue::Integer(integer) => Value::from(*integer),
            FieldValue::Flag(flag) => Value::Bool(*flag),
            FieldValue::Options(tags) => Value::from(tags.clone()),
        }
    }
}

/// Custom values by field key. Ordered, so that snapshots and audit rows are deterministic.
pub type CustomValues = BTreeMap<String, FieldValue>;

/// Serializes custom values the plain way (`{"service_level": "platinum"}`), as the API shows
/// `user_fields` and `organization_fields`.
pub fn serialize_plain<S: serde::Serializer>(
    values: &CustomValues,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(values.len()))?;
    for (key, value) in values {
        map.serialize_entry(key, &value.to_plain())?;
    }
    map.end()
}

/// A dropdown or multiselect option: the name admins see and the tag value stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldOption {
    pub name: String,
    pub value: String,
}

/// A custom field as a plugin declares it (an "ingredient").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FieldOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Whether `key` is a valid field key: 1–64 ASCII letters, digits and underscores, not starting
/// with a digit. Keys appear in URLs, search queries and templates, so they stay plain.
pub fn is_valid_field_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_values_are_tagged_in_json() {
        let value: FieldValue = serde_json::from_str(r#"{"option":"platinum"}"#).unwrap();
        assert_eq!(value, FieldValue::Option("platinum".into()));
        assert_eq!(
            serde_json::to_string(&FieldValue::Number(1000.01)).unwrap(),
            r#"{"number":1000.01}"#
        );
    }

    #[test]
    fn field_keys_are_plain_identifiers() {
        assert!(is_valid_field_key("service_level"));
        assert!(!is_valid_field_key(""));
        assert!(!is_valid_field_key("1st"));
        assert!(!is_valid_field_key("service-level"));
        assert!(!is_valid_field_key(&"k".repeat(65)));
    }
}
