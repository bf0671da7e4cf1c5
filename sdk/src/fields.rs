//! Reading custom field values without matching on [`FieldValue`] every time.

use crate::{CustomValue, FieldValue, Organization, Ticket, User};

impl FieldValue {
    /// Text of a text, textarea or regexp field.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A decimal or integer value as a number.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(number) => Some(*number),
            FieldValue::Integer(integer) => Some(*integer as f64),
            _ => None,
        }
    }

    /// An integer field's value.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            FieldValue::Integer(integer) => Some(*integer),
            _ => None,
        }
    }

    /// A date field's value, `YYYY-MM-DD`; such strings compare in date order.
    pub fn as_date(&self) -> Option<&str> {
        match self {
            FieldValue::Date(date) => Some(date),
            _ => None,
        }
    }

    /// A checkbox field's value.
    pub fn as_flag(&self) -> Option<bool> {
        match self {
            FieldValue::Flag(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The tag value of the option chosen in a dropdown.
    pub fn as_option(&self) -> Option<&str> {
        match self {
            FieldValue::Option(tag) => Some(tag),
            _ => None,
        }
    }

    /// The tag values chosen in a multiselect.
    pub fn as_options(&self) -> Option<&[String]> {
        match self {
            FieldValue::Options(tags) => Some(tags),
            _ => None,
        }
    }
}

/// Typed access to the custom values of a user, organization or ticket.
///
/// Every accessor returns `None` when the field has no value or holds another type, so a
/// condition reads as it is meant: `customer.number("annual_spend").is_some_and(|s| s > 1000.0)`.
pub trait HasFields {
    /// The custom values, by field key.
    fn custom_values(&self) -> &[CustomValue];

    /// The value of field `key`, whatever its type.
    fn field(&self, key: &str) -> Option<&FieldValue> {
        self.custom_values()
            .iter()
            .find(|custom| custom.key == key)
            .map(|custom| &custom.value)
    }
    /// See [`FieldValue::as_text`].
    fn text(&self, key: &str) -> Option<&str> {
        self.field(key)?.as_text()
    }
    /// See [`FieldValue::as_number`].
    fn number(&self, key: &str) -> Option<f64> {
        self.field(key)?.as_number()
    }
    /// See [`FieldValue::as_integer`].
    fn integer(&self, key: &str) -> Option<i64> {
        self.field(key)?.as_integer()
    }
    /// See [`FieldValue::as_date`].
    fn date(&self, key: &str) -> Option<&str> {
        self.field(key)?.as_date()
    }
    /// See [`FieldValue::as_flag`]; an unset checkbox reads as `None`, not `false`.
    fn flag(&self, key: &str) -> Option<bool> {
        self.field(key)?.as_flag()
    }
    /// See [`FieldValue::as_option`].
    fn option(&self, key: &str) -> Option<&str> {
        self.field(key)?.as_option()
    }
    /// See [`FieldValue::as_options`].
    fn options(&self, key: &str) -> Option<&[String]> {
        self.field(key)?.as_options()
    }
    /// Whether the multiselect `key` includes `tag`.
    fn has_option(&self, key: &str, tag: &str) -> bool {
        self.options(key)
            .is_some_and(|tags| tags.iter().any(|t| t == tag))
    }
}

impl HasFields for User {
    fn custom_values(&self) -> &[CustomValue] {
        &self.fields
    }
}

impl HasFields for Organization {
    fn custom_values(&self) -> &[CustomValue] {
        &self.fields
    }
}

impl HasFields for Ticket {
    fn custom_values(&self) -> &[CustomValue] {
        &self.fields
    }
}

/// Short constructors for [`FieldValue`]s, mostly for tests and `set-*-field` actions.
pub mod value {
    use crate::FieldValue;

    pub fn text(text: impl Into<String>) -> FieldValue {
        FieldValue::Text(text.into())
    }
    pub fn number(number: f64) -> FieldValue {
        FieldValue::Number(number)
    }
    pub fn integer(integer: i64) -> FieldValue {
        FieldValue::Integer(integer)
    }
    /// `YYYY-MM-DD`.
    pub fn date(date: impl Into<String>) -> FieldValue {
        FieldValue::Date(date.into())
    }
    pub fn flag(flag: bool) -> FieldValue {
        FieldValue::Flag(flag)
    }
    /// A dropdown option by its tag value.
    pub fn option(tag: impl Into<String>) -> FieldValue {
        FieldValue::Option(tag.into())
    }
    /// Multiselect options by their tag values.
    pub fn options(tags: &[&str]) -> FieldValue {
        FieldValue::Options(tags.iter().map(|tag| tag.to_string()).collect())
    }
}
