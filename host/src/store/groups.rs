//! Groups of agents and their memberships.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::rows::{Bind, bind_all};
use super::{Store, StoreError, conflict_or, now_millis};
use crate::domain::{Group, GroupDraft, GroupMembership, Problems, Timestamp};

fn group_from_row(row: &sqlx::any::AnyRow) -> Result<Group, StoreError> {
    Ok(Group {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn membership_from_row(row: &sqlx::any::AnyRow) -> Result<GroupMembership, StoreError> {
    Ok(GroupMembership {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

const GROUP_COLUMNS: &str = "id, name, description, created_at, updated_at";

fn name_conflict(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| conflict_or(error, &[("name", &format!("a group named {name:?}"))])
}

pub(super) async fn group(conn: &mut AnyConnection, id: i64) -> Result<Group, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM agent_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("group {id}")))?;
    group_from_row(&row)
}

pub(super) async fn group_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<Group>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM agent_groups WHERE name = $1"
    )))
    .bind(name.trim())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(group_from_row).transpose()
}

impl Store {
    /// Every group, by name. A desk has tens of groups, not thousands.
    pub async fn groups(&self) -> Result<Vec<Group>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {GROUP_COLUMNS} FROM agent_groups ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(group_from_row).collect()
    }

    pub async fn group(&self, id: i64) -> Result<Group, StoreError> {
        group(&mut *self.conn().await?, id).await
    }

    pub async fn group_by_name(&self, name: &str) -> Result<Option<Group>, StoreError> {
        group_by_name(&mut *self.conn().await?, name).await
    }

    pub async fn create_group(&self, draft: GroupDraft) -> Result<Group, StoreError> {
        let draft = draft.validate()?;
        let Some(name) = draft.name else {
            let mut problems = Problems::default();
            problems.add("name", "is required");
            return Err(problems.into());
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO agent_groups (name, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $3) RETURNING id",
        )
        .bind(&name)
        .bind(draft.description.unwrap_or_default())
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(name_conflict(&name))?;
        self.group(id).await
    }

    /// The group named `name`, created when missing (plugins' ingredients).
    pub async fn ensure_group(&self, name: &str) -> Result<Group, StoreError> {
        if let Some(group) = self.group_by_name(name).await? {
            return Ok(group);
        }
        match self.create_group(GroupDraft::named(name)).await {
            Err(StoreError::Conflict(_)) => self
                .group_by_name(name)
                .await?
                .ok_or_else(|| StoreError::not_found(format!("group {name:?}"))),
            other => other,
        }
    }

    pub async fn update_group(&self, id: i64, draft: GroupDraft) -> Result<Group, StoreError> {
        let current = self.group(id).await?;
        let draft = draft.validate()?;
        let name = draft.name.unwrap_or(current.name);
        sqlx::query(
            "UPDATE agent_groups SET name = $1, description = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&name)
        .bind(draft.description.unwrap_or(current.description))
        .bind(now_millis())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(name_conflict(&name))?;
        self.group(id).await
    }

    /// Deletes a group; its tickets stay, unassigned from it.
    pub async fn delete_group(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM agent_groups WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("group {id}")));
        }
        Ok(())
    }

    /// Puts an agent (or admin) into a group.
    pub async fn create_membership(
        &self,
        group_id: i64,
        user_id: i64,
    ) -> Result<GroupMembership, StoreError> {
        let mut problems = Problems::default();
        if let Err(StoreError::NotFound { .. }) = self.group(group_id).await {
            problems.add("group_id", format!("there is no group {group_id}"));
        }
        match self.user(user_id).await {
            Ok(user) if !user.role.is_staff() => problems.add(
                "user_id",
                format!("user {user_id} is an end-user; only agents and admins join groups"),
            ),
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => {
                problems.add("user_id", format!("there is no user {user_id}"))
            }
            Err(other) => return Err(other),
        }
        if !problems.is_empty() {
            return Err(problems.into());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO group_memberships (group_id, user_id, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            conflict_or(
                e,
                &[("group", &format!("user {user_id} in group {group_id}"))],
            )
        })?;
        self.membership(id).await
    }

    pub async fn membership(&self, id: i64) -> Result<GroupMembership, StoreError> {
        let row = sqlx::query(
            "SELECT id, group_id, user_id, created_at FROM group_memberships WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("group membership {id}")))?;
        membership_from_row(&row)
    }

    /// Memberships, optionally of one group and/or one user.
    pub async fn memberships(
        &self,
        group_id: Option<i64>,
        user_id: Option<i64>,
    ) -> Result<Vec<GroupMembership>, StoreError> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut binds = Vec::new();
        if let Some(group_id) = group_id {
            binds.push(Bind::Int(group_id));
            conditions.push(format!("group_id = ${}", binds.len()));
        }
        if let Some(user_id) = user_id {
            binds.push(Bind::Int(user_id));
            conditions.push(format!("user_id = ${}", binds.len()));
        }
        let sql = format!(
            "SELECT id, group_id, user_id, created_at FROM group_memberships WHERE {} ORDER BY id",
            conditions.join(" AND ")
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(membership_from_row).collect()
    }

    pub async fn delete_membership(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM group_memberships WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("group membership {id}")));
        }
        Ok(())
    }
}
