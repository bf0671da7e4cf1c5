//! Desk-wide switches.

use super::{Store, StoreError};

/// A switch an admin can flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Create an organization from a customer's email domain when none owns it (default on).
    CreateOrganizationsFromDomains,
}

impl Setting {
    fn key(self) -> &'static str {
        match self {
            Setting::CreateOrganizationsFromDomains => "create_organizations_from_domains",
        }
    }

    fn default_value(self) -> bool {
        match self {
            Setting::CreateOrganizationsFromDomains => true,
        }
    }
}

pub(super) async fn read_setting(
    conn: &mut sqlx::AnyConnection,
    setting: Setting,
) -> Result<bool, StoreError> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(setting.key())
        .fetch_optional(conn)
        .await?;
    Ok(value
        .map(|value| value == "true")
        .unwrap_or(setting.default_value()))
}

impl Store {
    pub async fn setting(&self, setting: Setting) -> Result<bool, StoreError> {
        read_setting(&mut *self.conn().await?, setting).await
    }

    pub async fn set_setting(&self, setting: Setting, on: bool) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(setting.key())
        .bind(if on { "true" } else { "false" })
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
