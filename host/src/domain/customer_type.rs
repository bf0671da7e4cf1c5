//! Customer types: a desk-defined list (`vip`, `partner`, `trial`…) of which a customer has at
//! most one. A type is named by a short key, so that it reads well in a search (`type:vip`) and in
//! a plugin's rule; its description says what it means to the people working the desk.

use serde::{Deserialize, Serialize};

use super::Timestamp;
use super::problems::Problems;

/// Longest type name, in characters.
pub const MAX_TYPE_NAME_CHARS: usize = 64;
/// Longest description, in characters.
pub const MAX_TYPE_DESCRIPTION_CHARS: usize = 1000;

/// A customer type as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CustomerType {
    pub id: i64,
    /// Unique; lowercase letters, digits, `_` and `-` (e.g. `vip`).
    pub name: String,
    pub description: String,
    /// Where the type is listed, lowest first.
    pub position: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A customer type as a client sends it: every attribute optional on update.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerTypeDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default, rename = "id")]
    #[schema(ignore)]
    _id: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<serde::de::IgnoredAny>,
}

impl CustomerTypeDraft {
    pub fn named(name: &str, description: &str) -> CustomerTypeDraft {
        CustomerTypeDraft {
            name: Some(name.into()),
            description: Some(description.into()),
            ..CustomerTypeDraft::default()
        }
    }

    /// Trims and lowercases the name and checks every attribute; all problems together.
    pub fn validate(mut self) -> Result<CustomerTypeDraft, Problems> {
        let mut problems = Problems::default();
        if let Some(name) = &mut self.name {
            *name = name.trim().to_lowercase();
            if let Err(reason) = check_type_name(name) {
                problems.add("name", reason);
            }
        }
        if let Some(description) = &mut self.description {
            *description = description.trim().to_string();
            if description.chars().count() > MAX_TYPE_DESCRIPTION_CHARS {
                problems.add(
                    "description",
                    format!("must be at most {MAX_TYPE_DESCRIPTION_CHARS} characters"),
                );
            }
        }
        problems.into_result(self)
    }
}

/// Why `name` cannot name a customer type, if it cannot.
pub fn check_type_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > MAX_TYPE_NAME_CHARS {
        return Err(format!("must be 1 to {MAX_TYPE_NAME_CHARS} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(format!(
            "{name:?} may hold only lowercase letters, digits, `_` and `-` (e.g. `vip`), so that \
             it can be searched as `type:{name}`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_name_is_a_short_lowercase_key() {
        let draft: CustomerTypeDraft =
            serde_json::from_value(json!({"name": " VIP ", "description": " Big "})).unwrap();
        let draft = draft.validate().unwrap();
        assert_eq!(draft.name.as_deref(), Some("vip"));
        assert_eq!(draft.description.as_deref(), Some("Big"));
        for bad in ["", "two words", "vip!", &"x".repeat(65)] {
            let problems = CustomerTypeDraft::named(bad, "").validate().unwrap_err();
            assert!(problems.0.contains_key("name"), "{bad:?}");
        }
    }
}
