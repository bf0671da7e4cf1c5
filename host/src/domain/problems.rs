//! Validation failures, collected rather than returned one at a time.

use std::collections::BTreeMap;

use serde::Serialize;

/// What is wrong with a request: reasons by attribute (`email`, `user_fields.service_level`).
/// Every failing attribute is listed, so a client fixes a request in one round.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, thiserror::Error)]
#[error("{}", describe(.0))]
pub struct Problems(pub BTreeMap<String, Vec<String>>);

fn describe(problems: &BTreeMap<String, Vec<String>>) -> String {
    problems
        .iter()
        .map(|(key, reasons)| format!("{key}: {}", reasons.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Problems {
    pub fn add(&mut self, key: &str, reason: impl Into<String>) {
        self.0
            .entry(key.to_string())
            .or_default()
            .push(reason.into());
    }

    /// Adds `other`'s problems with their keys under `prefix` (`user_fields.`).
    pub fn absorb(&mut self, prefix: &str, other: Problems) {
        for (key, reasons) in other.0 {
            self.0
                .entry(format!("{prefix}{key}"))
                .or_default()
                .extend(reasons);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was found wrong.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Deserializes a field that distinguishes "absent" (`None`, leave as is) from `null`
/// (`Some(None)`, clear it), as partial updates need.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}
