//! Admin-defined custom fields (Zendesk's `user_fields` / `organization_fields`) and the
//! validation of values written to them.
//!
//! Values arrive as plain JSON, the way Zendesk clients send them (`"platinum"`, `1200.5`,
//! `["a", "b"]`); each field's type decides how a value is read. Every failing field is reported
//! with its reasons, not only the first, so a client fixes a request in one round.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::is_valid_field_key;
use super::problems::Problems;
use super::{FieldOption, FieldType, FieldValue, Timestamp};

/// Longest text value accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldDefinition {
    /// Letters, digits and underscores; immutable once created.
    pub key: String,
    /// Zendesk's name for a ticket dropdown, `tagger`, is read as `dropdown`.
    #[serde(rename = "type", deserialize_with = "field_type_or_tagger")]
    pub field_type: FieldType,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "active_by_default")]
    pub active: bool,
    #[serde(default)]
    pub position: i64,
    /// Dropdown and multiselect options.
    #[serde(default, rename = "custom_field_options", alias = "options")]
    pub options: Vec<FieldOption>,
    /// For regexp fields: a value must match it entirely.
    #[serde(default)]
    pub regexp_for_validation: Option<String>,
}

fn field_type_or_tagger<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<FieldType, D::Error> {
    let name = String::deserialize(deserializer)?;
    let name = if name == "tagger" { "dropdown" } else { &name };
    name.parse().map_err(serde::de::Error::custom)
}

fn active_by_default() -> bool {
    true
}

/// Whose custom fields: users', organizations' or tickets'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldScope {
    User,
    Organization,
    Ticket,
}

impl FieldScope {
    /// The resource name, as in `/api/v2/user_fields`.
    pub fn resource(self) -> &'static str {
        match self {
            FieldScope::User => "user_fields",
            FieldScope::Organization => "organization_fields",
            FieldScope::Ticket => "ticket_fields",
        }
    }

    /// One field, as in `{"user_field": ...}`.
    pub fn singular(self) -> &'static str {
        match self {
            FieldScope::User => "user_field",
            FieldScope::Organization => "organization_field",
            FieldScope::Ticket => "ticket_field",
        }
    }
}

/// A stored field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Field {
    pub id: i64,
    #[serde(flatten)]
    pub definition: FieldDefinition,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Changes to a field definition. The key and the type are immutable: values already stored
/// depend on them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldPatch {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default, rename = "type")]
    pub field_type: Option<FieldType>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub position: Option<i64>,
    /// Replaces the whole list: options left out are removed (as Zendesk does).
    #[serde(default, rename = "custom_field_options", alias = "options")]
    pub options: Option<Vec<FieldOption>>,
    #[serde(default, deserialize_with = "super::problems::double_option")]
    pub regexp_for_validation: Option<Option<String>>,
    #[serde(default, rename = "id")]
    #[schema(ignore)]
    _id: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "url")]
    #[schema(ignore)]
    _url: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<serde::de::IgnoredAny>,
}

impl FieldPatch {
    /// A patch that only replaces the options.
    pub fn options(options: Vec<FieldOption>) -> FieldPatch {
        FieldPatch {
            options: Some(options),
            ..FieldPatch::default()
        }
    }

    /// `current` with this patch applied, checked as a whole.
    pub fn apply(self, current: &FieldDefinition) -> Result<FieldDefinition, Problems> {
        let mut problems = Problems::default();
        if self.key.as_ref().is_some_and(|key| key != &current.key) {
            problems.add(
                "key",
                "a field's key cannot change; create a new field instead",
            );
        }
        if self
            .field_type
            .is_some_and(|field_type| field_type != current.field_type)
        {
            problems.add(
                "type",
                "a field's type cannot change; create a new field instead",
            );
        }
        let updated = FieldDefinition {
            key: current.key.clone(),
            field_type: current.field_type,
            title: self.title.unwrap_or_else(|| current.title.clone()),
            description: self
                .description
                .unwrap_or_else(|| current.description.clone()),
            active: self.active.unwrap_or(current.active),
            position: self.position.unwrap_or(current.position),
            options: self.options.unwrap_or_else(|| current.options.clone()),
            regexp_for_validation: self
                .regexp_for_validation
                .unwrap_or_else(|| current.regexp_for_validation.clone()),
        };
        for (key, reasons) in updated.problems().0 {
            reasons
                .into_iter()
                .for_each(|reason| problems.add(&key, reason));
        }
        problems.into_result(updated)
    }
}

impl FieldDefinition {
    /// Every problem with this definition, by attribute.
    pub fn problems(&self) -> Problems {
        let mut problems = Problems::default();
        if !is_valid_field_key(&self.key) {
            problems.add(
                "key",
                format!(
                    "{:?} must be 1-64 letters, digits and underscores, not starting with a digit",
                    self.key
                ),
            );
        }
        if self.title.trim().is_empty() {
            problems.add("title", "must not be empty");
        }
        let has_options = matches!(
            self.field_type,
            FieldType::Dropdown | FieldType::Multiselect
        );
        const OPTIONS: &str = "custom_field_options";
        if has_options && self.options.is_empty() {
            problems.add(
                OPTIONS,
                format!("a {} field needs at least one option", self.field_type),
            );
        }
        if !has_options && !self.options.is_empty() {
            problems.add(
                OPTIONS,
                format!("a {} field takes no options", self.field_type),
            );
        }
        let mut tags = HashSet::new();
        for option in &self.options {
            if option.value.is_empty() || option.value.contains(char::is_whitespace) {
                problems.add(
                    OPTIONS,
                    format!(
                        "option value {:?} must be non-empty and without spaces",
                        option.value
                    ),
                );
            }
            if option.name.trim().is_empty() {
                problems.add(OPTIONS, format!("option {:?} needs a name", option.value));
            }
            if !tags.insert(option.value.as_str()) {
                problems.add(
                    OPTIONS,
                    format!("option value {:?} is used twice", option.value),
                );
            }
        }
        const REGEXP: &str = "regexp_for_validation";
        match (&self.field_type, &self.regexp_for_validation) {
            (FieldType::Regexp, None) => problems.add(REGEXP, "a regexp field needs a pattern"),
            (FieldType::Regexp, Some(pattern)) => {
                if let Err(error) = regex::Regex::new(pattern) {
                    problems.add(REGEXP, format!("not a valid pattern: {error}"));
                }
            }
            (_, Some(_)) => problems.add(
                REGEXP,
                format!("a {} field takes no pattern", self.field_type),
            ),
            (_, None) => {}
        }
        problems
    }

    /// Reads a plain JSON value for this field. `null` clears the field (`Ok(None)`).
    pub fn read_value(&self, raw: &Value) -> Result<Option<FieldValue>, String> {
        if raw.is_null() {
            return Ok(None);
        }
        let value = match self.field_type {
            FieldType::Text | FieldType::Textarea => FieldValue::Text(text(raw)?),
            FieldType::Regexp => {
                let text = text(raw)?;
                let pattern = self.regexp_for_validation.as_deref().unwrap_or("");
                let whole =
                    regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| e.to_string())?;
                if !whole.is_match(&text) {
                    return Err(format!("{text:?} does not match {pattern}"));
                }
                FieldValue::Text(text)
            }
            FieldType::Integer => FieldValue::Integer(integer(raw)?),
            FieldType::Decimal => FieldValue::Number(decimal(raw)?),
            FieldType::Date => FieldValue::Date(date(raw)?),
            FieldType::Checkbox => match raw {
                Value::Bool(flag) => FieldValue::Flag(*flag),
                other => return Err(format!("expected true or false, got {other}")),
            },
            FieldType::Dropdown => FieldValue::Option(self.option_tag(raw)?),
            FieldType::Multiselect => {
                let Value::Array(items) = raw else {
                    return Err(format!("expected a list of option tags, got {raw}"));
                };
                let mut tags = Vec::with_capacity(items.len());
                for item in items {
                    let tag = self.option_tag(item)?;
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
                FieldValue::Options(tags)
            }
        };
        Ok(Some(value))
    }

    fn option_tag(&self, raw: &Value) -> Result<String, String> {
        let Value::String(tag) = raw else {
            return Err(format!("expected an option tag, got {raw}"));
        };
        if self.options.iter().any(|option| &option.value == tag) {
            return Ok(tag.clone());
        }
        let allowed: Vec<&str> = self
            .options
            .iter()
            .map(|option| option.value.as_str())
            .collect();
        Err(format!(
            "{tag:?} is not an option; expected one of: {}",
            allowed.join(", ")
        ))
    }
}

/// Reads `raw` values against `definitions`: unknown keys, inactive fields and values that do not
/// fit their field are all reported together. `None` in the result clears a field.
pub fn read_values(
    definitions: &[FieldDefinition],
    raw: &serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, Option<FieldValue>>, Problems> {
    let mut values = BTreeMap::new();
    let mut errors = Problems::default();
    for (key, raw_value) in raw {
        let Some(definition) = definitions.iter().find(|definition| &definition.key == key) else {
            errors.add(
                key,
                "no such field; define it first (user_fields, organization_fields or ticket_fields)",
            );
            continue;
        };
        if !definition.active {
            errors.add(key, "the field is inactive");
            continue;
        }
        match definition.read_value(raw_value) {
            Ok(value) => {
                values.insert(key.clone(), value);
            }
            Err(reason) => errors.add(key, reason),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

fn text(raw: &Value) -> Result<String, String> {
    let Value::String(text) = raw else {
        return Err(format!("expected text, got {raw}"));
    };
    if text.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "text is {} bytes; the limit is {MAX_TEXT_BYTES}",
            text.len()
        ));
    }
    Ok(text.clone())
}

fn integer(raw: &Value) -> Result<i64, String> {
    match raw {
        Value::Number(number) => number
            .as_i64()
            .ok_or_else(|| format!("{number} is not a whole number in range")),
        Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number")),
        other => Err(format!("expected a whole number, got {other}")),
    }
}

fn decimal(raw: &Value) -> Result<f64, String> {
    let number = match raw {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    number
        .filter(|number| number.is_finite())
        .ok_or_else(|| format!("expected a decimal number, got {raw}"))
}

/// A calendar date, `YYYY-MM-DD`.
fn date(raw: &Value) -> Result<String, String> {
    let Value::String(text) = raw else {
        return Err(format!("expected a date as YYYY-MM-DD, got {raw}"));
    };
    check_date(text)?;
    Ok(text.clone())
}

/// Checks that `text` is a real calendar date written `YYYY-MM-DD`.
pub fn check_date(text: &str) -> Result<(), String> {
    let invalid = || format!("{text:?} is not a date as YYYY-MM-DD");
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts[..] else {
        return Err(invalid());
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(invalid());
    }
    let (Ok(year), Ok(month), Ok(day)) = (
        year.parse::<u32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) else {
        return Err(invalid());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if day == 0 || day > days_in_month {
        return Err(invalid());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(key: &str, field_type: FieldType) -> FieldDefinition {
        FieldDefinition {
            key: key.into(),
            field_type,
            title: key.into(),
            description: String::new(),
            active: true,
            position: 0,
            options: Vec::new(),
            regexp_for_validation: None,
        }
    }

    fn dropdown(key: &str, tags: &[&str]) -> FieldDefinition {
        let options = tags
            .iter()
            .map(|tag| FieldOption {
                name: tag.to_uppercase(),
                value: tag.to_string(),
            })
            .collect();
        FieldDefinition {
            options,
            ..field(key, FieldType::Dropdown)
        }
    }

    fn retail_fields() -> Vec<FieldDefinition> {
        vec![
            field("last_purchase_date", FieldType::Date),
            field("annual_spend", FieldType::Decimal),
            dropdown("service_level", &["platinum", "gold", "silver", "bronze"]),
            FieldDefinition {
                options: vec![
                    FieldOption {
                        name: "A".into(),
                        value: "a".into(),
                    },
                    FieldOption {
                        name: "B".into(),
                        value: "b".into(),
                    },
                ],
                ..field("channels", FieldType::Multiselect)
            },
            field("orders", FieldType::Integer),
            field("newsletter", FieldType::Checkbox),
            FieldDefinition {
                regexp_for_validation: Some("[A-Z]{2}-\\d{4}".into()),
                ..field("account_code", FieldType::Regexp)
            },
            FieldDefinition {
                active: false,
                ..field("legacy", FieldType::Text)
            },
        ]
    }

    #[test]
    fn plain_values_are_read_by_field_type() {
        let raw = json!({
            "last_purchase_date": "2024-02-29", "annual_spend": "1000.01", "service_level": "platinum",
            "channels": ["b", "a", "b"], "orders": 12, "newsletter": true, "account_code": "AB-1234",
        });
        let values = read_values(&retail_fields(), raw.as_object().unwrap()).unwrap();
        assert_eq!(values["annual_spend"], Some(FieldValue::Number(1000.01)));
        assert_eq!(
            values["service_level"],
            Some(FieldValue::Option("platinum".into()))
        );
        assert_eq!(
            values["channels"],
            Some(FieldValue::Options(vec!["b".into(), "a".into()]))
        );
        assert_eq!(values["orders"], Some(FieldValue::Integer(12)));
        assert_eq!(values["newsletter"], Some(FieldValue::Flag(true)));
        assert_eq!(
            values["last_purchase_date"],
            Some(FieldValue::Date("2024-02-29".into()))
        );
    }

    #[test]
    fn null_clears_a_field() {
        let values = read_values(
            &retail_fields(),
            json!({"service_level": null}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(values["service_level"], None);
    }

    #[test]
    fn every_failing_field_is_reported_with_its_reason() {
        let raw = json!({
            "last_purchase_date": "2023-02-29", "annual_spend": "lots", "service_level": "diamond",
            "channels": ["a", "z"], "orders": 1.5, "newsletter": "yes", "account_code": "ab-1234",
            "legacy": "x", "shoe_size": 42,
        });
        let errors = read_values(&retail_fields(), raw.as_object().unwrap()).unwrap_err();
        let keys: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "account_code",
                "annual_spend",
                "channels",
                "last_purchase_date",
                "legacy",
                "newsletter",
                "orders",
                "service_level",
                "shoe_size"
            ]
        );
        assert!(
            errors.0["service_level"][0]
                .contains("expected one of: platinum, gold, silver, bronze")
        );
        assert!(errors.0["shoe_size"][0].contains("no such field"));
        assert_eq!(errors.0["legacy"], ["the field is inactive"]);
        assert!(
            errors
                .to_string()
                .contains("annual_spend: expected a decimal number")
        );
    }

    #[test]
    fn definitions_are_checked_when_defined() {
        assert!(dropdown("service_level", &["gold"]).problems().is_empty());
        let empty_dropdown = field("service_level", FieldType::Dropdown);
        assert_eq!(
            empty_dropdown.problems().0["custom_field_options"],
            ["a dropdown field needs at least one option"]
        );
        let bad = FieldDefinition {
            regexp_for_validation: Some("([unclosed".into()),
            title: " ".into(),
            ..field("1st-key", FieldType::Regexp)
        };
        let problems = bad.problems();
        let keys: Vec<&str> = problems.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["key", "regexp_for_validation", "title"],
            "{problems:?}"
        );
        assert!(problems.0["regexp_for_validation"][0].starts_with("not a valid pattern"));
        assert!(!dropdown("x", &["a", "a"]).problems().is_empty());
        assert!(!dropdown("x", &["two words"]).problems().is_empty());
    }

    #[test]
    fn key_and_type_are_immutable_and_patches_are_checked() {
        let current = dropdown("service_level", &["gold", "silver"]);
        let patch: FieldPatch = serde_json::from_value(json!({
            "key": "level", "type": "text", "custom_field_options": [],
        }))
        .unwrap();
        let problems = patch.apply(&current).unwrap_err();
        let keys: Vec<&str> = problems.0.keys().map(String::as_str).collect();
        assert_eq!(keys, ["custom_field_options", "key", "type"]);
        let renamed = FieldPatch {
            title: Some("Level".into()),
            ..FieldPatch::options(vec![FieldOption {
                name: "Gold".into(),
                value: "gold".into(),
            }])
        }
        .apply(&current)
        .unwrap();
        assert_eq!(renamed.title, "Level");
        assert_eq!(renamed.options.len(), 1, "options left out are removed");
    }
}
