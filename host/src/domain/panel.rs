//! Details panels: which properties a customer's or an organization's panel shows, in which
//! order. Admins configure a panel once; every client (the console, an integration) asks the
//! desk for a record's panel and renders the same labels and values.
//!
//! A panel offers its standard properties (a customer's email, phone, organization, type, tags,
//! creation date) and every *active* custom field of its scope, keyed `user_fields.<key>` or
//! `organization_fields.<key>`. The stored configuration is the ordered list of `{key, visible}`;
//! what it does not name (a field created later) comes after it, hidden. An inactive field is
//! never offered, so it never shows, whatever the configuration says.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::field_definition::Field;
use super::fields::{FieldType, FieldValue};
use super::problems::Problems;
use super::{CustomValues, FieldScope, Organization, User, named_enum};

named_enum! {
    /// The records that have a details panel.
    pub enum PanelKind ("panel") { Customer => "customer", Organization => "organization" }
}

impl PanelKind {
    /// The standard properties, as `(key, label)`, in their default order.
    pub fn standard_properties(self) -> &'static [(&'static str, &'static str)] {
        match self {
            PanelKind::Customer => &[
                ("email", "Email"),
                ("phone", "Phone"),
                ("organization", "Organization"),
                ("type", "Customer type"),
                ("tags", "Tags"),
                ("created_at", "Created"),
            ],
            PanelKind::Organization => &[
                ("domain_names", "Domains"),
                ("tags", "Tags"),
                ("notes", "Notes"),
                ("created_at", "Created"),
            ],
        }
    }

    /// The scope of the custom fields the panel offers.
    pub fn field_scope(self) -> FieldScope {
        match self {
            PanelKind::Customer => FieldScope::User,
            PanelKind::Organization => FieldScope::Organization,
        }
    }

    /// How a custom field's property key starts: `user_fields.` or `organization_fields.`.
    pub fn field_prefix(self) -> &'static str {
        match self {
            PanelKind::Customer => "user_fields.",
            PanelKind::Organization => "organization_fields.",
        }
    }
}

/// One entry of a stored configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelSetting {
    /// `email`, `type`, `user_fields.service_level`…
    pub key: String,
    /// Whether the panel shows it; default true.
    #[serde(default = "shown")]
    pub visible: bool,
}

fn shown() -> bool {
    true
}

/// A property as the panel's configuration shows it to admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PanelProperty {
    pub key: String,
    pub label: String,
    pub visible: bool,
}

/// A shown property of one record: its label, its value as the API speaks it, and the text a
/// person reads (an organization's name for its id, a dropdown option's name for its tag).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PanelEntry {
    pub key: String,
    pub label: String,
    #[schema(value_type = Object)]
    pub value: Value,
    pub text: String,
}

/// Every property the panel offers, as `(key, label, custom field)`, in default order.
fn offered<'a>(kind: PanelKind, fields: &'a [Field]) -> Vec<(String, String, Option<&'a Field>)> {
    let mut offered: Vec<_> = kind
        .standard_properties()
        .iter()
        .map(|(key, label)| (key.to_string(), label.to_string(), None))
        .collect();
    let mut custom: Vec<&Field> = fields
        .iter()
        .filter(|field| field.definition.active)
        .collect();
    custom.sort_by_key(|field| (field.definition.position, field.id));
    offered.extend(custom.into_iter().map(|field| {
        (
            format!("{}{}", kind.field_prefix(), field.definition.key),
            field.definition.title.clone(),
            Some(field),
        )
    }));
    offered
}

/// The panel as configured: the stored settings that still name an offered property, in their
/// order, then every other offered property (hidden when a configuration is stored, shown in
/// the default panel).
pub fn properties(
    kind: PanelKind,
    stored: Option<&[PanelSetting]>,
    fields: &[Field],
) -> Vec<PanelProperty> {
    let offered = offered(kind, fields);
    let Some(stored) = stored else {
        return offered
            .into_iter()
            .map(|(key, label, _)| PanelProperty {
                key,
                label,
                visible: true,
            })
            .collect();
    };
    let mut properties: Vec<PanelProperty> = stored
        .iter()
        .filter_map(|setting| {
            let (key, label, _) = offered.iter().find(|(key, ..)| *key == setting.key)?;
            Some(PanelProperty {
                key: key.clone(),
                label: label.clone(),
                visible: setting.visible,
            })
        })
        .collect();
    for (key, label, _) in &offered {
        if !properties.iter().any(|property| &property.key == key) {
            properties.push(PanelProperty {
                key: key.clone(),
                label: label.clone(),
                visible: false,
            });
        }
    }
    properties
}

/// Checks a configuration an admin sends: every key offered, none twice.
pub fn check_settings(
    kind: PanelKind,
    settings: &[PanelSetting],
    fields: &[Field],
) -> Result<(), Problems> {
    let offered = offered(kind, fields);
    let mut problems = Problems::default();
    for (index, setting) in settings.iter().enumerate() {
        let at = format!("properties[{index}].key");
        if !offered.iter().any(|(key, ..)| *key == setting.key) {
            let inactive = fields.iter().any(|field| {
                !field.definition.active
                    && format!("{}{}", kind.field_prefix(), field.definition.key) == setting.key
            });
            let names: Vec<&str> = offered.iter().map(|(key, ..)| key.as_str()).collect();
            problems.add(
                &at,
                if inactive {
                    format!(
                        "{:?} is an inactive field, which no panel shows; activate it first",
                        setting.key
                    )
                } else {
                    format!(
                        "{:?} is not a property of the {} panel; it offers: {}",
                        setting.key,
                        kind.name(),
                        names.join(", ")
                    )
                },
            );
        } else if settings[..index].iter().any(|s| s.key == setting.key) {
            problems.add(&at, format!("{:?} is listed twice", setting.key));
        }
    }
    problems.into_result(())
}

/// What a customer's panel shows: the visible properties with their values. `organization` is
/// the customer's organization, when they have one.
pub fn customer_entries(
    properties: &[PanelProperty],
    fields: &[Field],
    user: &User,
    organization: Option<&Organization>,
) -> Vec<PanelEntry> {
    entries(
        PanelKind::Customer,
        properties,
        fields,
        |key| match key {
            "email" => text_entry(user.email.clone()),
            "phone" => text_entry(user.phone.clone()),
            "organization" => match (user.organization_id, organization) {
                (Some(id), Some(organization)) => (Value::from(id), organization.name.clone()),
                (Some(id), None) => (Value::from(id), format!("organization {id}")),
                _ => (Value::Null, String::new()),
            },
            "type" => text_entry(user.customer_type.clone()),
            "tags" => tags_entry(&user.tags),
            "created_at" => (
                Value::from(user.created_at.rfc3339()),
                user.created_at.rfc3339()[..10].to_string(),
            ),
            _ => (Value::Null, String::new()),
        },
        &user.user_fields,
    )
}

/// What an organization's panel shows: the visible properties with their values.
pub fn organization_entries(
    properties: &[PanelProperty],
    fields: &[Field],
    organization: &Organization,
) -> Vec<PanelEntry> {
    entries(
        PanelKind::Organization,
        properties,
        fields,
        |key| match key {
            "domain_names" => (
                Value::from(organization.domain_names.clone()),
                organization.domain_names.join(", "),
            ),
            "tags" => tags_entry(&organization.tags),
            "notes" => (
                Value::from(organization.notes.clone()),
                organization.notes.clone(),
            ),
            "created_at" => (
                Value::from(organization.created_at.rfc3339()),
                organization.created_at.rfc3339()[..10].to_string(),
            ),
            _ => (Value::Null, String::new()),
        },
        &organization.organization_fields,
    )
}

fn entries(
    kind: PanelKind,
    properties: &[PanelProperty],
    fields: &[Field],
    standard: impl Fn(&str) -> (Value, String),
    custom: &CustomValues,
) -> Vec<PanelEntry> {
    properties
        .iter()
        .filter(|property| property.visible)
        .filter_map(|property| {
            let (value, text) = match property.key.strip_prefix(kind.field_prefix()) {
                Some(field_key) => {
                    let field = fields.iter().find(|field| {
                        field.definition.active && field.definition.key == field_key
                    })?;
                    custom_entry(field, custom.get(field_key))
                }
                None => standard(&property.key),
            };
            Some(PanelEntry {
                key: property.key.clone(),
                label: property.label.clone(),
                value,
                text,
            })
        })
        .collect()
}

fn text_entry(text: Option<String>) -> (Value, String) {
    match text {
        Some(text) => (Value::from(text.clone()), text),
        None => (Value::Null, String::new()),
    }
}

fn tags_entry(tags: &[String]) -> (Value, String) {
    (Value::from(tags.to_vec()), tags.join(" "))
}

/// A custom value and its text: options by their names, checkboxes as yes/no.
fn custom_entry(field: &Field, value: Option<&FieldValue>) -> (Value, String) {
    let Some(value) = value else {
        let empty = match field.definition.field_type {
            FieldType::Checkbox => (Value::Bool(false), "no".to_string()),
            _ => (Value::Null, String::new()),
        };
        return empty;
    };
    let option_name = |tag: &str| {
        field
            .definition
            .options
            .iter()
            .find(|option| option.value == tag)
            .map(|option| option.name.clone())
            .unwrap_or_else(|| tag.to_string())
    };
    let text = match value {
        FieldValue::Text(text) | FieldValue::Date(text) => text.clone(),
        FieldValue::Number(number) => number.to_string(),
        FieldValue::Integer(integer) => integer.to_string(),
        FieldValue::Flag(flag) => if *flag { "yes" } else { "no" }.to_string(),
        FieldValue::Option(tag) => option_name(tag),
        FieldValue::Options(tags) => tags
            .iter()
            .map(|tag| option_name(tag))
            .collect::<Vec<_>>()
            .join(", "),
    };
    (value.to_plain(), text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::FieldOption;
    use crate::domain::{FieldDefinition, Timestamp};

    fn field(id: i64, key: &str, field_type: FieldType, active: bool, position: i64) -> Field {
        Field {
            id,
            definition: FieldDefinition {
                key: key.into(),
                field_type,
                title: key.to_uppercase(),
                description: String::new(),
                active,
                position,
                options: vec![FieldOption {
                    name: "Platinum".into(),
                    value: "platinum".into(),
                }],
                regexp_for_validation: None,
            },
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn keys(properties: &[PanelProperty]) -> Vec<(&str, bool)> {
        properties
            .iter()
            .map(|property| (property.key.as_str(), property.visible))
            .collect()
    }

    #[test]
    fn the_default_panel_shows_everything_offered_and_no_inactive_field() {
        let fields = [
            field(1, "b", FieldType::Text, true, 2),
            field(2, "a", FieldType::Text, true, 1),
            field(3, "gone", FieldType::Text, false, 0),
        ];
        let properties = properties(PanelKind::Customer, None, &fields);
        let keys = keys(&properties);
        assert_eq!(keys.len(), 8);
        assert_eq!(keys[6], ("user_fields.a", true));
        assert_eq!(keys[7], ("user_fields.b", true));
    }

    #[test]
    fn a_stored_panel_keeps_its_order_and_hides_what_it_does_not_name() {
        let fields = [field(1, "level", FieldType::Dropdown, true, 0)];
        let stored = [
            PanelSetting {
                key: "user_fields.level".into(),
                visible: true,
            },
            PanelSetting {
                key: "email".into(),
                visible: false,
            },
            PanelSetting {
                key: "user_fields.deleted".into(),
                visible: true,
            },
        ];
        let properties = properties(PanelKind::Customer, Some(&stored), &fields);
        let keys = keys(&properties);
        assert_eq!(keys[0], ("user_fields.level", true));
        assert_eq!(keys[1], ("email", false));
        assert_eq!(keys[2], ("phone", false));
        assert_eq!(keys.len(), 7);
    }

    #[test]
    fn a_configuration_names_offered_properties_once() {
        let fields = [
            field(1, "level", FieldType::Text, true, 0),
            field(2, "old", FieldType::Text, false, 0),
        ];
        let setting = |key: &str| PanelSetting {
            key: key.into(),
            visible: true,
        };
        check_settings(
            PanelKind::Customer,
            &[setting("type"), setting("user_fields.level")],
            &fields,
        )
        .unwrap();
        let problems = check_settings(
            PanelKind::Customer,
            &[
                setting("email"),
                setting("email"),
                setting("domain_names"),
                setting("user_fields.old"),
            ],
            &fields,
        )
        .unwrap_err();
        let reasons = |index: usize| problems.0[&format!("properties[{index}].key")].join(" ");
        assert!(reasons(1).contains("listed twice"));
        assert!(reasons(2).contains("it offers: email, phone"));
        assert!(reasons(3).contains("inactive"));
    }

    #[test]
    fn options_show_by_name_and_an_unset_checkbox_as_no() {
        let level = field(1, "level", FieldType::Dropdown, true, 0);
        let (value, text) = custom_entry(&level, Some(&FieldValue::Option("platinum".into())));
        assert_eq!(
            (value, text.as_str()),
            (Value::from("platinum"), "Platinum")
        );
        let flag = field(2, "ref", FieldType::Checkbox, true, 0);
        assert_eq!(custom_entry(&flag, None).1, "no");
    }
}
