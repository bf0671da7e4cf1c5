//! Points in time as the API shows them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

/// Milliseconds since the Unix epoch (how both databases store time), shown as RFC 3339 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Timestamp {
        let elapsed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(elapsed.as_millis() as i64)
    }

    /// Reads `2026-11-25T09:30:00Z` (fractions and a space for the `T` allowed; UTC only).
    pub fn parse_rfc3339(raw: &str) -> Result<Timestamp, String> {
        let at = humantime::parse_rfc3339_weak(raw.trim()).map_err(|error| {
            format!("{raw:?} is not a UTC time like 2026-11-25T09:30:00Z ({error})")
        })?;
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        Ok(Timestamp(since.as_millis() as i64))
    }

    /// `2026-11-25T09:30:00Z` (seconds precision, as Zendesk shows it).
    pub fn rfc3339(self) -> String {
        let at = UNIX_EPOCH + Duration::from_millis(self.0.max(0) as u64);
        humantime::format_rfc3339_seconds(at).to_string()
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples([serde_json::json!("2026-11-25T09:30:00Z")])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_rfc3339_utc() {
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_764_063_000_000).rfc3339(),
            "2025-11-25T09:30:00Z"
        );
    }

    #[test]
    fn read_back_from_rfc3339() {
        assert_eq!(
            Timestamp::parse_rfc3339("2025-11-25T09:30:00Z"),
            Ok(Timestamp(1_764_063_000_000))
        );
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }
}
