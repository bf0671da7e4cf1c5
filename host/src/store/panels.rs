//! The details panels' stored configuration (see [`crate::domain::panel`]).

use super::{Store, StoreError, now_millis};
use crate::domain::panel::{PanelKind, PanelSetting};

impl Store {
    /// The stored configuration of a panel; `None`: never configured (the default panel).
    pub async fn panel_settings(
        &self,
        kind: PanelKind,
    ) -> Result<Option<Vec<PanelSetting>>, StoreError> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT properties FROM panels WHERE name = $1")
                .bind(kind.name())
                .fetch_optional(&self.pool)
                .await?;
        stored
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|error| StoreError::Database(sqlx::Error::Decode(error.into())))
            })
            .transpose()
    }

    /// Stores a panel's configuration whole (checked by the caller against the fields).
    pub async fn set_panel_settings(
        &self,
        kind: PanelKind,
        settings: &[PanelSetting],
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(settings).expect("panel settings serialize");
        sqlx::query(
            "INSERT INTO panels (name, properties, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET properties = excluded.properties, \
             updated_at = excluded.updated_at",
        )
        .bind(kind.name())
        .bind(json)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
