//! Portal sessions: the token a customer gets when they register on the portal, stored as the
//! SHA-256 hash of its secret like API tokens (256 random bits: nothing to brute-force).

use sqlx::Row;

use super::tokens::{hash, new_secret};
use super::{Store, StoreError, Tx, now_millis, users};
use crate::domain::User;

/// Every portal session secret starts with this, so that it is never mistaken for an API token
/// (and secret scanners recognise it).
pub const PORTAL_SECRET_PREFIX: &str = "wdp_";

impl Tx {
    /// Opens a portal session for `user_id`; returns its secret, which is not kept.
    pub async fn open_portal_session(&mut self, user_id: i64) -> Result<String, StoreError> {
        let secret = new_secret(PORTAL_SECRET_PREFIX)?;
        sqlx::query(
            "INSERT INTO portal_sessions (secret_hash, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(hash(&secret))
        .bind(user_id)
        .bind(now_millis())
        .execute(&mut *self.turn)
        .await?;
        Ok(secret)
    }
}

impl Store {
    /// The customer whose portal session this secret opens, if any.
    pub async fn portal_customer(&self, secret: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn().await?;
        let row = sqlx::query("SELECT user_id FROM portal_sessions WHERE secret_hash = $1")
            .bind(hash(secret))
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(row) => Ok(Some(users::user(&mut conn, row.try_get("user_id")?).await?)),
            None => Ok(None),
        }
    }
}
