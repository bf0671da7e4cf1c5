//! Organizations (the companies customers belong to) and groups (the teams agents work in).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::contact::read_tags;
use super::fields::serialize_plain;
use super::identity::Email;
use super::problems::{Problems, double_option};
use super::user::check_name;
use super::{CustomValues, Timestamp};

/// An organization as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: i64,
    /// Unique across organizations.
    pub name: String,
    /// Email domains it owns; each belongs to at most one organization.
    pub domain_names: Vec<String>,
    pub tags: Vec<String>,
    pub notes: String,
    /// Custom values by field key, e.g. `{"account_type": "prospect"}`.
    #[serde(serialize_with = "serialize_plain")]
    #[schema(value_type = Object)]
    pub organization_fields: CustomValues,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An organization as a client sends it; see [`super::UserDraft`] for the conventions.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationDraft {
    #[serde(default)]
    pub name: Option<String>,
    /// Replaces the whole list when present.
    #[serde(default)]
    pub domain_names: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub notes: Option<Option<String>>,
    /// Custom values by field key; `null` clears one.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub organization_fields: Map<String, Value>,
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

/// An [`OrganizationDraft`] checked and normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub domain_names: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    pub organization_fields: Map<String, Value>,
}

impl OrganizationDraft {
    pub fn named(name: &str, domain_names: &[&str]) -> OrganizationDraft {
        OrganizationDraft {
            name: Some(name.to_string()),
            domain_names: Some(domain_names.iter().map(|d| d.to_string()).collect()),
            ..OrganizationDraft::default()
        }
    }

    /// Checks and normalises every attribute; all problems are reported together.
    pub fn validate(self) -> Result<OrganizationChanges, Problems> {
        let mut problems = Problems::default();
        let name = self.name.map(|name| name.trim().to_string());
        if let Some(name) = &name {
            check_name(name, &mut problems);
        }
        let domain_names = self.domain_names.map(|domains| {
            let mut normalized: Vec<String> = Vec::new();
            for domain in domains {
                match normalize_domain(&domain) {
                    Ok(domain) if !normalized.contains(&domain) => normalized.push(domain),
                    Ok(_) => {}
                    Err(reason) => problems.add("domain_names", reason),
                }
            }
            normalized
        });
        let tags = read_tags(self.tags.as_deref(), &mut problems);
        let notes = self.notes.map(Option::unwrap_or_default);
        if notes.as_ref().is_some_and(|notes| notes.len() > 64 * 1024) {
            problems.add("notes", "must be at most 64 KiB");
        }
        problems.into_result(OrganizationChanges {
            name,
            domain_names,
            tags,
            notes,
            organization_fields: self.organization_fields,
        })
    }
}

/// Lowercases and checks an email domain (`Acme-Tools.com` → `acme-tools.com`).
pub fn normalize_domain(domain: &str) -> Result<String, String> {
    // A domain is valid exactly when `x@domain` is a valid address.
    Email::parse(&format!("x@{}", domain.trim()))
        .map(|email| email.domain().to_string())
        .map_err(|_| format!("{domain:?} is not a domain name like example.com"))
}

/// A team of agents tickets can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: i64,
    /// Unique across groups.
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A group as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "id")]
    #[schema(ignore)]
    _id: Option<serde::de::IgnoredAny>,
}

impl GroupDraft {
    pub fn named(name: &str) -> GroupDraft {
        GroupDraft {
            name: Some(name.to_string()),
            ..GroupDraft::default()
        }
    }

    pub fn validate(mut self) -> Result<GroupDraft, Problems> {
        let mut problems = Problems::default();
        if let Some(name) = &mut self.name {
            *name = name.trim().to_string();
            check_name(name, &mut problems);
        }
        problems.into_result(self)
    }
}

/// An agent's membership in a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GroupMembership {
    pub id: i64,
    pub group_id: i64,
    pub user_id: i64,
    pub created_at: Timestamp,
}
