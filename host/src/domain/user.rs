//! User accounts: customers (end users), agents and admins.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::contact::{normalize_phone, read_tags};
use super::fields::serialize_plain;
use super::identity::Email;
use super::problems::{Problems, double_option};
use super::{CustomValues, Timestamp, named_enum};

named_enum! {
    /// What a user account may do: customers are end users.
    pub enum UserRole ("user role") { EndUser => "end-user", Agent => "agent", Admin => "admin" }
}

impl UserRole {
    /// Agents and admins work tickets; end users only ask.
    pub fn is_staff(self) -> bool {
        matches!(self, UserRole::Agent | UserRole::Admin)
    }
}

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// A user as stored and shown (Zendesk's user object).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// Lowercase; unique across users.
    pub email: Option<String>,
    /// E.164; unique across users.
    pub phone: Option<String>,
    pub role: UserRole,
    pub organization_id: Option<i64>,
    pub tags: Vec<String>,
    /// The id of this person in another system (CRM, shop); unique across users.
    pub external_id: Option<String>,
    /// The customer's type (see `/api/v2/customer_types`), by name, e.g. `vip`; staff have none.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub customer_type: Option<String>,
    /// Custom values by field key, e.g. `{"service_level": "platinum"}`. Only active fields':
    /// an inactive field's value is kept but shown to no one (nor to plugins) until reactivated.
    #[serde(serialize_with = "serialize_plain")]
    #[schema(value_type = Object)]
    pub user_fields: CustomValues,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user as a client sends it to create or update one: every attribute optional, `null`
/// clears, custom values as plain JSON (read against the field definitions by the store).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    #[schema(value_type = Option<UserRole>)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub organization_id: Option<Option<i64>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub external_id: Option<Option<String>>,
    /// A customer type's name (see `/api/v2/customer_types`); `null` clears it.
    #[serde(default, rename = "type", deserialize_with = "double_option")]
    #[schema(rename = "type")]
    pub customer_type: Option<Option<String>>,
    /// Custom values by field key; `null` clears one.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub user_fields: Map<String, Value>,
    /// Read-only attributes a client may echo back from a previous read; ignored.
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

/// A [`UserDraft`] checked and normalised (custom values still raw: they need definitions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    pub name: Option<String>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<String>>,
    pub role: Option<UserRole>,
    pub organization_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub external_id: Option<Option<String>>,
    /// A customer type's name, lowercase (resolved against the desk's types by the store).
    pub customer_type: Option<Option<String>>,
    pub user_fields: Map<String, Value>,
}

impl UserChanges {
    /// The name given, else what a first contact is called: the address's local part, else
    /// the phone number. `None` when there is nothing to name the user by.
    pub fn name_or_stand_in(&self) -> Option<String> {
        self.name
            .clone()
            .filter(|name| !name.is_empty())
            .or_else(|| {
                self.email
                    .clone()
                    .flatten()
                    .map(|email| email.local_part().to_string())
            })
            .or_else(|| self.phone.clone().flatten())
    }
}

impl UserDraft {
    /// Checks and normalises every attribute; all problems are reported together.
    pub fn validate(self) -> Result<UserChanges, Problems> {
        let mut problems = Problems::default();
        let name = self.name.map(|name| name.trim().to_string());
        if let Some(name) = &name {
            check_name(name, &mut problems);
        }
        let email = match self.email {
            Some(Some(address)) => match Email::parse(&address) {
                Ok(email) => Some(Some(email)),
                Err(error) => {
                    problems.add("email", error.to_string());
                    None
                }
            },
            other => other.map(|_| None),
        };
        let phone = match self.phone {
            Some(Some(raw)) => match normalize_phone(&raw) {
                Ok(phone) => Some(Some(phone)),
                Err(reason) => {
                    problems.add("phone", reason);
                    None
                }
            },
            other => other.map(|_| None),
        };
        let role = match self.role.as_deref().map(str::parse::<UserRole>) {
            Some(Ok(role)) => Some(role),
            Some(Err(error)) => {
                problems.add("role", error.to_string());
                None
            }
            None => None,
        };
        let tags = read_tags(self.tags.as_deref(), &mut problems);
        let external_id = match self.external_id {
            Some(Some(id)) if id.trim().is_empty() || id.trim().len() > 255 => {
                problems.add("external_id", "must be 1 to 255 characters, or null");
                None
            }
            Some(Some(id)) => Some(Some(id.trim().to_string())),
            other => other.map(|_| None),
        };
        let customer_type = match self.customer_type {
            Some(Some(name)) => {
                let name = name.trim().to_lowercase();
                match super::customer_type::check_type_name(&name) {
                    Ok(()) => Some(Some(name)),
                    Err(reason) => {
                        problems.add("type", reason);
                        None
                    }
                }
            }
            other => other.map(|_| None),
        };
        problems.into_result(UserChanges {
            name,
            email,
            phone,
            role,
            organization_id: self.organization_id,
            tags,
            external_id,
            customer_type,
            user_fields: self.user_fields,
        })
    }
}

/// Adds a problem unless `name` is a usable display name.
pub(crate) fn check_name(name: &str, problems: &mut Problems) {
    if name.is_empty() {
        problems.add("name", "must not be empty");
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.add(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn draft(value: Value) -> UserDraft {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_draft_is_normalised() {
        let changes = draft(json!({
            "name": " Ada ", "email": "Ada@Example.COM", "phone": "+49 30 123456",
            "role": "agent", "tags": ["VIP"], "organization_id": null,
        }))
        .validate()
        .unwrap();
        assert_eq!(changes.name.as_deref(), Some("Ada"));
        assert_eq!(changes.email.unwrap().unwrap().as_str(), "ada@example.com");
        assert_eq!(changes.phone, Some(Some("+4930123456".into())));
        assert_eq!(changes.role, Some(UserRole::Agent));
        assert_eq!(changes.tags, Some(vec!["vip".into()]));
        assert_eq!(changes.organization_id, Some(None), "null clears");
        assert_eq!(changes.external_id, None, "absent leaves as is");
    }

    #[test]
    fn every_bad_attribute_is_reported() {
        let problems = draft(json!({
            "name": "", "email": "not-an-address", "phone": "12345", "role": "boss",
            "tags": ["two words"], "external_id": "",
        }))
        .validate()
        .unwrap_err();
        let keys: Vec<&str> = problems.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["email", "external_id", "name", "phone", "role", "tags"]
        );
    }

    #[test]
    fn unknown_attributes_are_refused_and_read_only_ones_ignored() {
        let error = serde_json::from_value::<UserDraft>(json!({"nmae": "x"})).unwrap_err();
        assert!(error.to_string().contains("unknown field `nmae`"));
        serde_json::from_value::<UserDraft>(json!({"id": 4, "created_at": "x"})).unwrap();
    }
}
