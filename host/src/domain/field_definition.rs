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
use super::{FieldOption, FieldType, FieldValue};

/// Longest text value accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDefinition {
    /// Letters, digits and underscores; immutable once created.
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "active_by_default")]
    pub active: bool,
    #[serde(default)]
    pub position: i64,
    /// Dropdown and multiselect options (Zendesk's `custom_field_options`).
    #[serde(default)]
    pub options: Vec<FieldOption>,
    /// For regexp fields: a value must match it entirely.
    #[serde(default)]
    pub regexp_for_validation: Option<String>,
}

fn active_by_default() -> bool {
    true
}

/// Why values could not be written: reasons by field key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, thiserror::Error)]
#[error("invalid custom field values: {}", describe(.0))]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

fn describe(errors: &BTreeMap<String, Vec<String>>) -> String {
    errors
        .iter()
        .map(|(key, reasons)| format!("{key}: {}", reasons.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldErrors {
    fn add(&mut self, key: &str, reason: impl Into<String>) {
        self.0
            .entry(key.to_string())
            .or_default()
            .push(reason.into());
    }
}

impl FieldDefinition {
    /// Every problem with this definition; empty when it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_valid_field_key(&self.key) {
            problems.push(format!(
                "key {:?} must be 1-64 letters, digits and underscores, not starting with a digit",
                self.key
            ));
        }
        if self.title.trim().is_empty() {
            problems.push("title must not be empty".to_string());
        }
        let has_options = matches!(
            self.field_type,
            FieldType::Dropdown | FieldType::Multiselect
        );
        if has_options && self.options.is_empty() {
            problems.push(format!(
                "a {} field needs at least one option",
                self.field_type
            ));
        }
        if !has_options && !self.options.is_empty() {
            problems.push(format!("a {} field takes no options", self.field_type));
        }
        let mut tags = HashSet::new();
        for option in &self.options {
            if option.value.is_empty() || option.value.contains(char::is_whitespace) {
                problems.push(format!(
                    "option tag {:?} must be non-empty and without spaces",
                    option.value
                ));
            }
            if option.name.trim().is_empty() {
                problems.push(format!("option {:?} needs a name", option.value));
            }
            if !tags.insert(option.value.as_str()) {
                problems.push(format!("option tag {:?} is used twice", option.value));
            }
        }
        match (&self.field_type, &self.regexp_for_validation) {
            (FieldType::Regexp, None) => {
                problems.push("a regexp field needs regexp_for_validation".to_string())
            }
            (FieldType::Regexp, Some(pattern)) => {
                if let Err(error) = regex::Regex::new(pattern) {
                    problems.push(format!(
                        "regexp_for_validation is not a valid pattern: {error}"
                    ));
                }
            }
            (_, Some(_)) => problems.push(format!(
                "a {} field takes no regexp_for_validation",
                self.field_type
            )),
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
) -> Result<BTreeMap<String, Option<FieldValue>>, FieldErrors> {
    let mut values = BTreeMap::new();
    let mut errors = FieldErrors::default();
    for (key, raw_value) in raw {
        let Some(definition) = definitions.iter().find(|definition| &definition.key == key) else {
            errors.add(
                key,
                "no such field; define it first (user_fields / organization_fields)",
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
    if errors.0.is_empty() {
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
    Ok(text.clone())
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
            empty_dropdown.problems(),
            ["a dropdown field needs at least one option"]
        );
        let bad = FieldDefinition {
            regexp_for_validation: Some("([unclosed".into()),
            title: " ".into(),
            ..field("1st-key", FieldType::Regexp)
        };
        let problems = bad.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[2].starts_with("regexp_for_validation is not a valid pattern"));
        assert!(!dropdown("x", &["a", "a"]).problems().is_empty());
        assert!(!dropdown("x", &["two words"]).problems().is_empty());
    }
}
