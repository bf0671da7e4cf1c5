//! API tokens, stored as SHA-256 hashes of their secrets.
//!
//! Secrets are 256 random bits, so a fast hash is enough: there is nothing to brute-force.

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use super::rows::parse_column;
use super::{Store, StoreError, now_millis};
use crate::domain::token::{ApiToken, TokenRole};
use crate::domain::{Problems, Timestamp, UserRole};

/// Every secret starts with this, so that leaked tokens are recognisable (secret scanners).
pub const SECRET_PREFIX: &str = "wdk_";

pub(super) fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A new random secret with this prefix.
pub(super) fn new_secret(prefix: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a token: {e}")))?;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("{prefix}{hex}"))
}

/// A token's columns with its owner's email and role.
const TOKEN_SELECT: &str = "SELECT t.id, t.name, t.role, t.owner_id, u.email AS owner_email, \
     u.role AS owner_role, t.created_at, t.last_used_at \
     FROM api_tokens t LEFT JOIN users u ON u.id = t.owner_id";

fn token_from_row(row: &sqlx::any::AnyRow) -> Result<ApiToken, StoreError> {
    let role: String = row.try_get("role")?;
    let last_used_at: Option<i64> = row.try_get("last_used_at")?;
    let owner_role: Option<String> = row.try_get("owner_role")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: parse_column(&role)?,
        owner_id: row.try_get("owner_id")?,
        owner_email: row.try_get("owner_email")?,
        owner_is_staff: owner_role.is_some_and(|role| role == "agent" || role == "admin"),
        created_at: Timestamp(row.try_get("created_at")?),
        last_used_at: last_used_at.map(Timestamp),
    })
}

impl Store {
    /// Creates a token; returns it with its secret, which is not kept and cannot be shown again.
    /// `secret` is taken as given when set (an operator's `WASMDESK_ADMIN_TOKEN`).
    pub async fn create_token(
        &self,
        name: &str,
        role: TokenRole,
        secret: Option<&str>,
    ) -> Result<(ApiToken, String), StoreError> {
        self.create_owned_token(name, role, None, secret).await
    }

    /// Creates a token belonging to `owner_id`, which must be an agent or admin.
    pub async fn create_owned_token(
        &self,
        name: &str,
        role: TokenRole,
        owner_id: Option<i64>,
        secret: Option<&str>,
    ) -> Result<(ApiToken, String), StoreError> {
        let name = name.trim();
        let mut problems = Problems::default();
        if let Some(owner) = owner_id {
            match self.user(owner).await {
                Ok(user) if user.role != UserRole::EndUser => {}
                Ok(user) => problems.add(
                    "owner_id",
                    format!(
                        "user {owner} ({}) is an end-user; a token belongs to an agent or admin",
                        user.email.as_deref().unwrap_or(&user.name)
                    ),
                ),
                Err(StoreError::NotFound { .. }) => {
                    problems.add("owner_id", format!("there is no user {owner}"))
                }
                Err(other) => return Err(other),
            }
        }
        if name.is_empty() || name.chars().count() > 100 {
            problems.add("name", "must be 1 to 100 characters");
        }
        let secret = match secret {
            Some(secret) if secret.len() < 32 => {
                problems.add("token", "a chosen token must be at least 32 characters");
                String::new()
            }
            Some(secret) => secret.to_string(),
            None => new_secret(SECRET_PREFIX)?,
        };
        if !problems.is_empty() {
            return Err(problems.into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (name, role, owner_id, secret_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(role.name())
        .bind(owner_id)
        .bind(hash(&secret))
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| super::conflict_or(e, &[("secret_hash", "a token with this secret")]))?;
        Ok((self.token(id).await?, secret))
    }

    pub async fn token(&self, id: i64) -> Result<ApiToken, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("token {id}")))?;
        token_from_row(&row)
    }

    /// The token whose secret this is, if any.
    pub async fn token_by_secret(&self, secret: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{TOKEN_SELECT} WHERE t.secret_hash = $1"
        )))
        .bind(hash(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Records that a token was used (at most once a minute, to keep reads cheap).
    pub async fn touch_token(&self, token: &ApiToken) -> Result<(), StoreError> {
        let now = now_millis();
        if token.last_used_at.is_some_and(|at| now - at.0 < 60_000) {
            return Ok(());
        }
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} ORDER BY t.id")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn delete_token(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("token {id}")));
        }
        Ok(())
    }

    /// Whether any admin token exists (the first start creates one).
    pub async fn has_admin_token(&self) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE role = 'admin' LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }
}
