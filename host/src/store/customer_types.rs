//! Customer types: the desk's list, and a customer's type resolved from its name.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{Store, StoreError, conflict_or, now_millis};
use crate::domain::{CustomerType, CustomerTypeDraft, Problems, Timestamp};

const COLUMNS: &str = "id, name, description, position, created_at, updated_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<CustomerType, StoreError> {
    Ok(CustomerType {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        position: row.try_get("position")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn name_conflict(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| {
        conflict_or(
            error,
            &[("name", &format!("a customer type named {name:?}"))],
        )
    }
}

async fn all(conn: &mut AnyConnection) -> Result<Vec<CustomerType>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customer_types ORDER BY position, id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The id of the type named `name`; an unknown name is a problem under `key` that lists the
/// desk's types, so the caller can fix it.
pub(super) async fn resolve(
    conn: &mut AnyConnection,
    name: &str,
    key: &str,
    problems: &mut Problems,
) -> Result<Option<i64>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM customer_types WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    if id.is_none() {
        problems.add(key, unknown(name, &all(conn).await?));
    }
    Ok(id)
}

/// Why `name` names no type, with the names that do.
pub(super) fn unknown(name: &str, types: &[CustomerType]) -> String {
    if types.is_empty() {
        return format!(
            "there is no customer type {name:?}; the desk has none yet: create one with POST \
             /api/v2/customer_types"
        );
    }
    let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
    format!(
        "there is no customer type {name:?}; the desk has: {} (see /api/v2/customer_types)",
        names.join(", ")
    )
}

impl Store {
    /// Every customer type, by position. A desk has a handful.
    pub async fn customer_types(&self) -> Result<Vec<CustomerType>, StoreError> {
        all(&mut *self.conn().await?).await
    }

    pub async fn customer_type(&self, id: i64) -> Result<CustomerType, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_types WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("customer type {id}")))?;
        from_row(&row)
    }

    /// Creates a type; without a position it goes last.
    pub async fn create_customer_type(
        &self,
        draft: CustomerTypeDraft,
    ) -> Result<CustomerType, StoreError> {
        let draft = draft.validate()?;
        let Some(name) = draft.name else {
            let mut problems = Problems::default();
            problems.add("name", "is required, e.g. \"vip\"");
            return Err(problems.into());
        };
        let mut tx = self.write_turn().await?;
        let position = match draft.position {
            Some(position) => position,
            None => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM customer_types",
                )
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO customer_types (name, description, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(&name)
        .bind(draft.description.unwrap_or_default())
        .bind(position)
        .bind(now_millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(name_conflict(&name))?;
        tx.commit().await?;
        self.customer_type(id).await
    }

    /// Changes the attributes sent; customers keep their type under its new name.
    pub async fn update_customer_type(
        &self,
        id: i64,
        draft: CustomerTypeDraft,
    ) -> Result<CustomerType, StoreError> {
        let current = self.customer_type(id).await?;
        let draft = draft.validate()?;
        let name = draft.name.unwrap_or(current.name);
        sqlx::query(
            "UPDATE customer_types SET name = $1, description = $2, position = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(&name)
        .bind(draft.description.unwrap_or(current.description))
        .bind(draft.position.unwrap_or(current.position))
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(name_conflict(&name))?;
        self.customer_type(id).await
    }

    /// Deletes a type; its customers are left without one (in the same transaction).
    pub async fn delete_customer_type(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.write_turn().await?;
        sqlx::query(
            "UPDATE users SET customer_type_id = NULL, updated_at = $1 WHERE customer_type_id = $2",
        )
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query("DELETE FROM customer_types WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("customer type {id}")));
        }
        tx.commit().await?;
        Ok(())
    }
}
