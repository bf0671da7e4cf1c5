//! Custom field definitions (`user_fields`, `organization_fields`) and the values stored in them.
//!
//! A value lives in one row per owner and field: `value` holds its tagged JSON (the truth),
//! `text_value` / `number_value` what searches compare, indexed by field.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::rows::{Bind, bind_all, placeholders};
use super::{Store, StoreError, conflict_or, now_millis};
use crate::domain::field_definition::FieldPatch;
use crate::domain::{
    CustomValues, Field, FieldDefinition, FieldScope, FieldType, FieldValue, Problems, Timestamp,
    read_values,
};

/// Where a scope's definitions and values live.
pub(super) struct Tables {
    pub definitions: &'static str,
    pub values: &'static str,
    pub owner: &'static str,
}

pub(super) fn tables(scope: FieldScope) -> Tables {
    match scope {
        FieldScope::User => Tables {
            definitions: "user_fields",
            values: "user_field_values",
            owner: "user_id",
        },
        FieldScope::Organization => Tables {
            definitions: "organization_fields",
            values: "organization_field_values",
            owner: "organization_id",
        },
        // A ticket's values live in its row (`custom_fields`, JSON by key): no value table.
        FieldScope::Ticket => Tables {
            definitions: "ticket_fields",
            values: "",
            owner: "",
        },
    }
}

/// What a search compares for a value: text (tags, text, dates, checkboxes) or a number.
/// Multiselect tags are kept space-delimited (` a b `) so that one tag can be matched.
pub(super) enum SearchColumn {
    Text(String),
    Number(f64),
}

impl SearchColumn {
    pub(super) fn of(value: &FieldValue) -> SearchColumn {
        match value {
            FieldValue::Text(text) | FieldValue::Date(text) | FieldValue::Option(text) => {
                SearchColumn::Text(text.clone())
            }
            FieldValue::Flag(flag) => SearchColumn::Text(flag.to_string()),
            FieldValue::Integer(integer) => SearchColumn::Number(*integer as f64),
            FieldValue::Number(number) => SearchColumn::Number(*number),
            FieldValue::Options(tags) => SearchColumn::Text(format!(" {} ", tags.join(" "))),
        }
    }

    /// The column written; the other one stays NULL. (Binding a NULL `f64` through sqlx's Any
    /// driver sends a float4 to PostgreSQL, which then refuses the next real float8 for the
    /// same prepared statement, so a NULL number is never bound.)
    pub(super) fn column(&self) -> &'static str {
        match self {
            SearchColumn::Text(_) => "text_value",
            SearchColumn::Number(_) => "number_value",
        }
    }
}

const FIELD_COLUMNS: &str = "id, key, type, title, description, active, position, options, \
                             regexp_for_validation, created_at, updated_at";

fn field_from_row(row: &sqlx::any::AnyRow) -> Result<Field, StoreError> {
    let field_type: String = row.try_get("type")?;
    let options: String = row.try_get("options")?;
    Ok(Field {
        id: row.try_get("id")?,
        definition: FieldDefinition {
            key: row.try_get("key")?,
            field_type: super::rows::parse_column(&field_type)?,
            title: row.try_get("title")?,
            description: row.try_get("description")?,
            active: row.try_get::<i64, _>("active")? != 0,
            position: row.try_get("position")?,
            options: serde_json::from_str(&options)
                .map_err(|e| StoreError::Invalid(format!("stored options: {e}")))?,
            regexp_for_validation: row.try_get("regexp_for_validation")?,
        },
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

/// A scope's fields in display order (position, then id).
pub(super) async fn fields(
    conn: &mut AnyConnection,
    scope: FieldScope,
) -> Result<Vec<Field>, StoreError> {
    let sql = format!(
        "SELECT {FIELD_COLUMNS} FROM {} ORDER BY position, id",
        tables(scope).definitions
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(field_from_row).collect()
}

impl Store {
    /// A scope's fields in display order (position, then id).
    pub async fn fields(&self, scope: FieldScope) -> Result<Vec<Field>, StoreError> {
        fields(&mut *self.conn().await?, scope).await
    }

    pub async fn field(&self, scope: FieldScope, id: i64) -> Result<Field, StoreError> {
        let sql = format!(
            "SELECT {FIELD_COLUMNS} FROM {} WHERE id = $1",
            tables(scope).definitions
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("{} {id}", scope.singular())))?;
        field_from_row(&row)
    }

    /// Defines a field; its key must be new in the scope.
    pub async fn create_field(
        &self,
        scope: FieldScope,
        definition: FieldDefinition,
    ) -> Result<Field, StoreError> {
        let problems = definition.problems();
        if !problems.is_empty() {
            return Err(problems.into());
        }
        let now = now_millis();
        // A new field goes last (`reorder` moves it). Concurrent creates on PostgreSQL may
        // share a position; the order then falls back to the id, i.e. creation order.
        let sql = format!(
            "INSERT INTO {definitions} (key, type, title, description, active, position, options, \
             regexp_for_validation, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), -1) + 1 FROM {definitions}), \
             $6, $7, $8, $8) RETURNING id",
            definitions = tables(scope).definitions
        );
        let id: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&definition.key)
            .bind(definition.field_type.name())
            .bind(definition.title.trim())
            .bind(&definition.description)
            .bind(i64::from(definition.active))
            .bind(options_column(&definition))
            .bind(&definition.regexp_for_validation)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                conflict_or(
                    e,
                    &[(
                        "key",
                        &format!("{} key {:?}", scope.singular(), definition.key),
                    )],
                )
            })?;
        self.field(scope, id).await
    }

    /// Changes a field. Options left out of a new option list are removed, and so are the
    /// values that chose them (as Zendesk does).
    pub async fn update_field(
        &self,
        scope: FieldScope,
        id: i64,
        patch: FieldPatch,
    ) -> Result<Field, StoreError> {
        let current = self.field(scope, id).await?;
        let updated = patch.apply(&current.definition)?;
        let kept: HashSet<&str> = updated.options.iter().map(|o| o.value.as_str()).collect();
        let removed: Vec<&str> = current
            .definition
            .options
            .iter()
            .map(|o| o.value.as_str())
            .filter(|tag| !kept.contains(tag))
            .collect();
        let tables = tables(scope);
        let mut tx = self.write_turn().await?;
        let sql = format!(
            "UPDATE {} SET title = $1, description = $2, active = $3, position = $4, \
             options = $5, regexp_for_validation = $6, updated_at = $7 WHERE id = $8",
            tables.definitions
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(updated.title.trim())
            .bind(&updated.description)
            .bind(i64::from(updated.active))
            .bind(updated.position)
            .bind(options_column(&updated))
            .bind(&updated.regexp_for_validation)
            .bind(now_millis())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Tickets keep a value whose option was removed (it is in their history); users and
        // organizations lose it, as in Zendesk.
        if !removed.is_empty() && scope != FieldScope::Ticket {
            drop_removed_options(&mut tx, &tables, id, &updated.field_type, &removed).await?;
        }
        tx.commit().await?;
        self.field(scope, id).await
    }

    /// Removes a field and every value stored in it.
    pub async fn delete_field(&self, scope: FieldScope, id: i64) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM {} WHERE id = $1", tables(scope).definitions);
        let deleted = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("{} {id}", scope.singular())));
        }
        Ok(())
    }

    /// Sets the display order: `ids` lists every field of the scope once.
    pub async fn reorder_fields(
        &self,
        scope: FieldScope,
        ids: &[i64],
    ) -> Result<Vec<Field>, StoreError> {
        let existing: HashSet<i64> = self.fields(scope).await?.iter().map(|f| f.id).collect();
        let given: HashSet<i64> = ids.iter().copied().collect();
        if given.len() != ids.len() || given != existing {
            let mut missing: Vec<i64> = existing.difference(&given).copied().collect();
            let mut unknown: Vec<i64> = given.difference(&existing).copied().collect();
            missing.sort();
            unknown.sort();
            return Err(StoreError::rejected(
                &format!("{}_ids", scope.singular()),
                format!(
                    "list every field id exactly once (missing: {missing:?}, unknown: {unknown:?}, {} given for {} fields)",
                    ids.len(),
                    existing.len()
                ),
            ));
        }
        let mut tx = self.write_turn().await?;
        let sql = format!(
            "UPDATE {} SET position = $1, updated_at = $2 WHERE id = $3",
            tables(scope).definitions
        );
        let now = now_millis();
        for (position, id) in ids.iter().enumerate() {
            sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(position as i64)
                .bind(now)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.fields(scope).await
    }

    /// Reads plain JSON values against the scope's fields; problems are keyed
    /// `user_fields.KEY` / `organization_fields.KEY`.
    pub(super) async fn read_custom_values(
        &self,
        scope: FieldScope,
        raw: &Map<String, Value>,
    ) -> Result<(Vec<Field>, BTreeMap<String, Option<FieldValue>>), Problems> {
        if raw.is_empty() {
            return Ok((Vec::new(), BTreeMap::new()));
        }
        let fields = match self.fields(scope).await {
            Ok(fields) => fields,
            Err(error) => {
                let mut problems = Problems::default();
                problems.add(
                    scope.resource(),
                    format!("could not read definitions: {error}"),
                );
                return Err(problems);
            }
        };
        let definitions: Vec<FieldDefinition> = fields
            .iter()
            .map(|field| field.definition.clone())
            .collect();
        match read_values(&definitions, raw) {
            Ok(values) => Ok((fields, values)),
            Err(errors) => {
                let mut problems = Problems::default();
                problems.absorb(&format!("{}.", scope.resource()), errors);
                Err(problems)
            }
        }
    }
}

fn options_column(definition: &FieldDefinition) -> String {
    serde_json::to_string(&definition.options).unwrap_or_else(|_| "[]".into())
}

/// Removes dropdown values that chose a removed option, and removed tags from multiselect values.
async fn drop_removed_options(
    conn: &mut AnyConnection,
    tables: &Tables,
    field_id: i64,
    field_type: &FieldType,
    removed: &[&str],
) -> Result<(), StoreError> {
    match field_type {
        FieldType::Dropdown => {
            let sql = format!(
                "DELETE FROM {} WHERE field_id = $1 AND text_value IN ({})",
                tables.values,
                placeholders(2, removed.len())
            );
            let mut binds = vec![Bind::Int(field_id)];
            binds.extend(removed.iter().map(|tag| Bind::Text(tag.to_string())));
            bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
                .execute(&mut *conn)
                .await?;
        }
        FieldType::Multiselect => {
            let sql = format!(
                "SELECT {owner}, value FROM {values} WHERE field_id = $1",
                owner = tables.owner,
                values = tables.values
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(field_id)
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let owner: i64 = row.try_get(0)?;
                let value: String = row.try_get(1)?;
                let Ok(FieldValue::Options(tags)) = serde_json::from_str(&value) else {
                    continue;
                };
                let kept: Vec<String> = tags
                    .iter()
                    .filter(|tag| !removed.contains(&tag.as_str()))
                    .cloned()
                    .collect();
                if kept.len() != tags.len() {
                    let mut values = BTreeMap::new();
                    values.insert(
                        field_id,
                        (!kept.is_empty()).then_some(FieldValue::Options(kept)),
                    );
                    write_values(conn, tables, owner, &values).await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Writes values (by field id) for one owner: `None` removes a value.
pub(super) async fn write_values(
    conn: &mut AnyConnection,
    tables: &Tables,
    owner: i64,
    values: &BTreeMap<i64, Option<FieldValue>>,
) -> Result<(), StoreError> {
    for (field_id, value) in values {
        match value {
            None => {
                let sql = format!(
                    "DELETE FROM {} WHERE {} = $1 AND field_id = $2",
                    tables.values, tables.owner
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(*field_id)
                    .execute(&mut *conn)
                    .await?;
            }
            Some(value) => {
                let search = SearchColumn::of(value);
                let sql = format!(
                    "INSERT INTO {values} ({owner}, field_id, value, {column}) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT ({owner}, field_id) DO UPDATE SET \
                     value = excluded.value, text_value = excluded.text_value, \
                     number_value = excluded.number_value",
                    values = tables.values,
                    owner = tables.owner,
                    column = search.column(),
                );
                let query = sqlx::query(AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(*field_id)
                    .bind(value_column(value));
                let query = match search {
                    SearchColumn::Text(text) => query.bind(text),
                    SearchColumn::Number(number) => query.bind(number),
                };
                query.execute(&mut *conn).await?;
            }
        }
    }
    Ok(())
}

pub(super) fn value_column(value: &FieldValue) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Values read by key, turned into values by field id for [`write_values`].
pub(super) fn by_field_id(
    fields: &[Field],
    values: BTreeMap<String, Option<FieldValue>>,
) -> BTreeMap<i64, Option<FieldValue>> {
    values
        .into_iter()
        .filter_map(|(key, value)| {
            fields
                .iter()
                .find(|field| field.definition.key == key)
                .map(|field| (field.id, value))
        })
        .collect()
}

/// Adds a stored value (`key`, tagged JSON) read by a join to `values`.
pub(super) fn collect_value(
    values: &mut CustomValues,
    key: Option<String>,
    value: Option<String>,
) -> Result<(), StoreError> {
    if let (Some(key), Some(value)) = (key, value) {
        let value = serde_json::from_str(&value)
            .map_err(|e| StoreError::Invalid(format!("stored value of {key}: {e}")))?;
        values.insert(key, value);
    }
    Ok(())
}
