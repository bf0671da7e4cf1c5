//! Users: create, read, update, delete, list, search, and bulk import.

use std::collections::{BTreeMap, HashSet};

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::fields::{
    SearchColumn, Tables, by_field_id, collect_value, tables, value_column, write_values,
};
use super::rows::{
    Bind, bind_all, bulk_placeholders, parse_column, placeholders, tags_from_column, tags_to_column,
};
use super::{
    ExportPage, ExportPosition, Listing, Page, Store, StoreError, Tx, conflict_or, now_millis,
};
use crate::domain::field_definition::check_date;
use crate::domain::search::{Comparison, Criterion};
use crate::domain::{
    CustomValues, FieldScope, FieldType, Problems, Timestamp, User, UserChanges, UserDraft,
    UserRole,
};

pub use crate::domain::search::Criterion as UserSearch;

/// What collides, by the unique key the database names.
const USER_KEYS: &[(&str, &str)] = &[
    ("email", "a user with this email"),
    ("phone", "a user with this phone number"),
    ("external_id", "a user with this external_id"),
];

fn user_conflict(error: sqlx::Error) -> StoreError {
    conflict_or(error, USER_KEYS)
}

const USER_SELECT: &str = "SELECT u.id, u.name, u.email, u.phone, u.role, u.organization_id, \
     u.tags, u.external_id, ct.name AS customer_type, u.created_at, u.updated_at, \
     f.key AS field_key, v.value AS field_value \
     FROM users u LEFT JOIN customer_types ct ON ct.id = u.customer_type_id \
     LEFT JOIN user_field_values v ON v.user_id = u.id \
     LEFT JOIN user_fields f ON f.id = v.field_id AND f.active = 1";

/// Folds joined rows (one per custom value) into users, in row order.
fn users_from_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<User>, StoreError> {
    let mut users: Vec<User> = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        if users.last().map(|user| user.id) != Some(id) {
            let role: String = row.try_get("role")?;
            let tags: String = row.try_get("tags")?;
            users.push(User {
                id,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                phone: row.try_get("phone")?,
                role: parse_column(&role)?,
                organization_id: row.try_get("organization_id")?,
                tags: tags_from_column(&tags)?,
                external_id: row.try_get("external_id")?,
                customer_type: row.try_get("customer_type")?,
                user_fields: CustomValues::new(),
                created_at: Timestamp(row.try_get("created_at")?),
                updated_at: Timestamp(row.try_get("updated_at")?),
            });
        }
        let user = users.last_mut().expect("pushed above");
        collect_value(
            &mut user.user_fields,
            row.try_get("field_key")?,
            row.try_get("field_value")?,
        )?;
    }
    Ok(users)
}

/// The values a new or changed user ends up with.
struct UserRecord {
    name: String,
    email: Option<String>,
    email_domain: Option<String>,
    phone: Option<String>,
    role: UserRole,
    organization_id: Option<i64>,
    tags: Vec<String>,
    external_id: Option<String>,
    customer_type_id: Option<i64>,
}

/// Users matching `condition` (our own SQL, values bound), in id order.
pub(super) async fn load_users(
    conn: &mut AnyConnection,
    condition: &str,
    binds: &[Bind],
) -> Result<Vec<User>, StoreError> {
    let sql = format!("{USER_SELECT} WHERE {condition} ORDER BY u.id");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
        .fetch_all(conn)
        .await?;
    users_from_rows(&rows)
}

async fn load_user(
    conn: &mut AnyConnection,
    condition: &str,
    bind: Bind,
) -> Result<Option<User>, StoreError> {
    Ok(load_users(conn, condition, &[bind])
        .await?
        .into_iter()
        .next())
}

pub(super) async fn user(conn: &mut AnyConnection, id: i64) -> Result<User, StoreError> {
    load_user(conn, "u.id = $1", Bind::Int(id))
        .await?
        .ok_or_else(|| StoreError::not_found(format!("user {id}")))
}

pub(super) async fn user_by_email(
    conn: &mut AnyConnection,
    address: &str,
) -> Result<Option<User>, StoreError> {
    let email = crate::domain::identity::Email::parse(address)
        .map_err(|e| StoreError::rejected("email", e.to_string()))?;
    load_user(conn, "u.email = $1", Bind::Text(email.as_str().into())).await
}

pub(super) async fn user_by_phone(
    conn: &mut AnyConnection,
    phone: &str,
) -> Result<Option<User>, StoreError> {
    let phone = crate::domain::contact::normalize_phone(phone)
        .map_err(|reason| StoreError::rejected("phone", reason))?;
    load_user(conn, "u.phone = $1", Bind::Text(phone)).await
}

impl Store {
    pub(super) async fn load_users(
        &self,
        condition: &str,
        binds: &[Bind],
    ) -> Result<Vec<User>, StoreError> {
        load_users(&mut *self.conn().await?, condition, binds).await
    }

    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        user(&mut *self.conn().await?, id).await
    }

    pub async fn user_by_email(&self, address: &str) -> Result<Option<User>, StoreError> {
        user_by_email(&mut *self.conn().await?, address).await
    }

    pub async fn user_by_phone(&self, phone: &str) -> Result<Option<User>, StoreError> {
        user_by_phone(&mut *self.conn().await?, phone).await
    }

    pub async fn user_by_external_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        load_user(
            &mut *self.conn().await?,
            "u.external_id = $1",
            Bind::Text(id.into()),
        )
        .await
    }

    /// The users with these ids, in id order; an id that names no user is left out (Zendesk's
    /// `show_many`).
    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<User>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let binds: Vec<Bind> = ids.iter().map(|id| Bind::Int(*id)).collect();
        let condition = format!("u.id IN ({})", placeholders(1, ids.len()));
        self.load_users(&condition, &binds).await
    }

    /// Up to `limit` users changed after `after` and before `settled` (ms), in the order they
    /// last changed.
    pub async fn users_since(
        &self,
        after: ExportPosition,
        settled: i64,
        limit: i64,
    ) -> Result<ExportPage<User>, StoreError> {
        let condition = format!(
            "u.id IN (SELECT id FROM users WHERE {} AND updated_at < $3 \
             ORDER BY updated_at, id LIMIT $4)",
            ExportPosition::after_sql(1)
        );
        let binds = [
            Bind::Int(after.updated_at),
            Bind::Int(after.id),
            Bind::Int(settled),
            Bind::Int(limit + 1),
        ];
        let mut users = self.load_users(&condition, &binds).await?;
        users.sort_by_key(|user| (user.updated_at.0, user.id));
        Ok(ExportPage::from_overfetch(
            users,
            limit,
            after,
            |u: &User| ExportPosition {
                updated_at: u.updated_at.0,
                id: u.id,
            },
        ))
    }

    /// Users who belong to an organization, in id order.
    pub async fn users_with_organization(&self, page: Page) -> Result<Listing<User>, StoreError> {
        self.page_of_users(vec!["organization_id IS NOT NULL".into()], Vec::new(), page)
            .await
    }

    /// Users in id order, optionally of one role.
    pub async fn list_users(
        &self,
        role: Option<UserRole>,
        page: Page,
    ) -> Result<Listing<User>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        if let Some(role) = role {
            binds.push(Bind::Text(role.name().into()));
            conditions.push(format!("role = ${}", binds.len()));
        }
        self.page_of_users(conditions, binds, page).await
    }

    /// Users meeting every criterion (see [`crate::domain::search`]), in id order.
    pub async fn search_users(
        &self,
        criteria: &[Criterion],
        page: Page,
    ) -> Result<Listing<User>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        let mut fields = None;
        let mut problems = Problems::default();
        for criterion in criteria {
            match criterion {
                Criterion::Email(email) => {
                    binds.push(Bind::Text(email.clone()));
                    conditions.push(format!("email = ${}", binds.len()));
                }
                Criterion::ExternalId(id) => {
                    binds.push(Bind::Text(id.clone()));
                    conditions.push(format!("external_id = ${}", binds.len()));
                }
                Criterion::CustomerType(name) => {
                    let mut conn = self.conn().await?;
                    if let Some(id) =
                        super::customer_types::resolve(&mut conn, name, "query", &mut problems)
                            .await?
                    {
                        binds.push(Bind::Int(id));
                        conditions.push(format!("customer_type_id = ${}", binds.len()));
                    }
                }
                Criterion::Phone(raw) => match crate::domain::contact::normalize_phone(raw) {
                    Ok(phone) => {
                        binds.push(Bind::Text(phone));
                        conditions.push(format!("phone = ${}", binds.len()));
                    }
                    Err(reason) => problems.add("query", reason),
                },
                Criterion::Field {
                    key,
                    comparison,
                    value,
                } => {
                    if fields.is_none() {
                        fields = Some(self.fields(FieldScope::User).await?);
                    }
                    let field = fields
                        .as_ref()
                        .and_then(|fields| fields.iter().find(|f| &f.definition.key == key));
                    let Some(field) = field else {
                        problems.add(
                            "query",
                            format!("there is no user field {key:?}; see /api/v2/user_fields"),
                        );
                        continue;
                    };
                    match field_condition(
                        &tables(FieldScope::User),
                        field.id,
                        field.definition.field_type,
                        *comparison,
                        value,
                        &mut binds,
                    ) {
                        Ok(condition) => conditions.push(condition),
                        Err(reason) => problems.add("query", format!("{key}: {reason}")),
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems.into());
        }
        self.page_of_users(conditions, binds, page).await
    }

    async fn page_of_users(
        &self,
        mut conditions: Vec<String>,
        mut binds: Vec<Bind>,
        page: Page,
    ) -> Result<Listing<User>, StoreError> {
        let everything = if conditions.is_empty() {
            "1 = 1".to_string()
        } else {
            conditions.join(" AND ")
        };
        let count = self.count("users", &everything, &binds).await?;
        binds.push(Bind::Int(page.after.unwrap_or(0)));
        conditions.push(format!("id > ${}", binds.len()));
        binds.push(Bind::Int(page.size + 1));
        let sql = format!(
            "u.id IN (SELECT id FROM users WHERE {} ORDER BY id LIMIT ${})",
            conditions.join(" AND "),
            binds.len()
        );
        let users = self.load_users(&sql, &binds).await?;
        Ok(Listing::from_overfetch(users, page, count, |user| user.id))
    }

    /// Creates a user. Only an email or a phone is needed: the name defaults to the address's
    /// local part (or the number). A customer with an email at a domain joins the organization
    /// owning it, or one created for it exactly as on a first contact (not for free-mail
    /// domains, not when the setting is off), unless `organization_id` says otherwise. All in
    /// one transaction: a refused user leaves no organization behind.
    pub async fn create_user(&self, draft: UserDraft) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = self.create_user_in(&mut tx, draft).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// [`Store::create_user`] inside `tx`, which the caller commits (a bulk job commits each
    /// user with its result).
    pub async fn create_user_in(&self, tx: &mut Tx, draft: UserDraft) -> Result<User, StoreError> {
        let mut problems = Problems::default();
        let custom = self
            .check_user_references(draft.organization_id, &draft.user_fields, &mut problems)
            .await?;
        let changes = draft.validate().map_err(|p| problems.absorb("", p)).ok();
        let name = changes.as_ref().and_then(UserChanges::name_or_stand_in);
        if changes.is_some() && name.is_none() {
            problems.add(
                "name",
                "is required (or an email or phone to name the user by)",
            );
        }
        let (Some(changes), Some(name), true) = (changes, name, problems.is_empty()) else {
            return Err(problems.into());
        };
        let (fields, values) = custom;
        let email = changes.email.flatten();
        let role = changes.role.unwrap_or(UserRole::EndUser);
        let tx = &mut tx.turn;
        let customer_type_id = customer_type_id(tx, role, changes.customer_type.flatten()).await?;
        let organization_id = match (changes.organization_id, &email) {
            (Some(chosen), _) => chosen,
            (None, Some(email)) if role == UserRole::EndUser => {
                super::identity::organization_for_domain(tx, email.domain())
                    .await?
                    .map(|organization| organization.id)
            }
            (None, _) => None,
        };
        let record = UserRecord {
            name,
            email_domain: email.as_ref().map(|email| email.domain().to_string()),
            email: email.map(|email| email.as_str().to_string()),
            phone: changes.phone.flatten(),
            role,
            organization_id,
            tags: changes.tags.unwrap_or_default(),
            external_id: changes.external_id.flatten(),
            customer_type_id,
        };
        let now = now_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, email, email_domain, phone, role, organization_id, tags, \
             external_id, customer_type_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(&record.name)
        .bind(&record.email)
        .bind(&record.email_domain)
        .bind(&record.phone)
        .bind(record.role.name())
        .bind(record.organization_id)
        .bind(tags_to_column(&record.tags))
        .bind(&record.external_id)
        .bind(record.customer_type_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(user_conflict)?;
        write_values(
            tx,
            &tables(FieldScope::User),
            id,
            &by_field_id(&fields, values),
        )
        .await?;
        user(tx, id).await
    }

    /// Changes the attributes present in `draft`; custom values not named are kept.
    pub async fn update_user(&self, id: i64, draft: UserDraft) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = self.update_user_in(&mut tx, id, draft).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// [`Store::update_user`] inside `tx`, which the caller commits.
    pub async fn update_user_in(
        &self,
        tx: &mut Tx,
        id: i64,
        draft: UserDraft,
    ) -> Result<User, StoreError> {
        let tx = &mut tx.turn;
        let current = user(tx, id).await?;
        let mut problems = Problems::default();
        let custom = self
            .check_user_references(draft.organization_id, &draft.user_fields, &mut problems)
            .await?;
        let changes = draft.validate().map_err(|p| problems.absorb("", p)).ok();
        let (Some(changes), true) = (changes, problems.is_empty()) else {
            return Err(problems.into());
        };
        let (fields, values) = custom;
        let (email, email_domain) = match changes.email {
            Some(Some(email)) => (
                Some(email.as_str().to_string()),
                Some(email.domain().to_string()),
            ),
            Some(None) => (None, None),
            None => (
                current.email.clone(),
                current
                    .email
                    .as_deref()
                    .and_then(|email| email.rsplit_once('@'))
                    .map(|(_, domain)| domain.to_string()),
            ),
        };
        let role = changes.role.unwrap_or(current.role);
        // Staff have no customer type: one who becomes an agent loses theirs.
        let customer_type = match changes.customer_type {
            Some(chosen) => chosen,
            None if role.is_staff() => None,
            None => current.customer_type.clone(),
        };
        let customer_type_id = customer_type_id(tx, role, customer_type).await?;
        let record = UserRecord {
            name: changes.name.unwrap_or(current.name),
            email,
            email_domain,
            phone: changes.phone.unwrap_or(current.phone),
            role,
            organization_id: changes.organization_id.unwrap_or(current.organization_id),
            tags: changes.tags.unwrap_or(current.tags),
            external_id: changes.external_id.unwrap_or(current.external_id),
            customer_type_id,
        };
        sqlx::query(
            "UPDATE users SET name = $1, email = $2, email_domain = $3, phone = $4, role = $5, \
             organization_id = $6, tags = $7, external_id = $8, customer_type_id = $9, \
             updated_at = $10 WHERE id = $11",
        )
        .bind(&record.name)
        .bind(&record.email)
        .bind(&record.email_domain)
        .bind(&record.phone)
        .bind(record.role.name())
        .bind(record.organization_id)
        .bind(tags_to_column(&record.tags))
        .bind(&record.external_id)
        .bind(record.customer_type_id)
        .bind(now_millis())
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(user_conflict)?;
        if !record.role.is_staff() {
            // Only agents belong to groups.
            sqlx::query("DELETE FROM group_memberships WHERE user_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        write_values(
            tx,
            &tables(FieldScope::User),
            id,
            &by_field_id(&fields, values),
        )
        .await?;
        user(tx, id).await
    }

    /// Creates the user with the draft's email, or updates the one who has it. Returns the
    /// user and whether it was created.
    pub async fn create_or_update_user(
        &self,
        draft: UserDraft,
    ) -> Result<(User, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        let outcome = match self.create_or_update_user_in(&mut tx, draft.clone()).await {
            // Created concurrently by another request (PostgreSQL): update that one.
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                tx = self.begin_write().await?;
                self.create_or_update_user_in(&mut tx, draft).await?
            }
            other => other?,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// [`Store::create_or_update_user`] inside `tx`, which the caller commits. The lookup and
    /// the write share the transaction (on SQLite the write lock is held from the start), so a
    /// concurrent create of the same email cannot slip in between.
    pub async fn create_or_update_user_in(
        &self,
        tx: &mut Tx,
        draft: UserDraft,
    ) -> Result<(User, bool), StoreError> {
        let Some(Some(address)) = draft.email.clone() else {
            return Err(StoreError::rejected(
                "email",
                "create_or_update finds the user by email: send one",
            ));
        };
        match tx.user_by_email(&address).await? {
            Some(existing) => Ok((self.update_user_in(tx, existing.id, draft).await?, false)),
            None => Ok((self.create_user_in(tx, draft).await?, true)),
        }
    }

    /// Deletes a user. One who requested tickets stays (tickets keep their requester).
    pub async fn delete_user(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(database) if database.is_foreign_key_violation() => {
                    StoreError::Conflict(format!(
                        "user {id} is the requester of tickets; tickets keep their requester, so the user cannot be deleted"
                    ))
                }
                _ => StoreError::Database(error),
            })?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("user {id}")));
        }
        Ok(())
    }

    /// Creates many users in one transaction (imports, benchmarks): all or none. Emails taken
    /// already or twice in the batch are reported together.
    pub async fn import_users(&self, drafts: Vec<UserDraft>) -> Result<Vec<i64>, StoreError> {
        let mut problems = Problems::default();
        let fields = self.fields(FieldScope::User).await?;
        let definitions: Vec<_> = fields.iter().map(|f| f.definition.clone()).collect();
        let types = self.customer_types().await?;
        let mut records = Vec::with_capacity(drafts.len());
        let mut seen = HashSet::new();
        for (index, draft) in drafts.into_iter().enumerate() {
            let prefix = format!("users[{index}].");
            let changes = match draft.validate() {
                Ok(changes) => changes,
                Err(errors) => {
                    problems.absorb(&prefix, errors);
                    continue;
                }
            };
            let values = crate::domain::read_values(&definitions, &changes.user_fields)
                .map_err(|errors| problems.absorb(&format!("{prefix}user_fields."), errors));
            let name = changes.name_or_stand_in();
            if name.is_none() {
                problems.add(
                    &format!("{prefix}name"),
                    "is required (or an email or phone to name the user by)",
                );
            }
            let email = changes.email.flatten();
            if let Some(email) = &email
                && !seen.insert(email.as_str().to_string())
            {
                problems.add(&format!("{prefix}email"), "appears twice in the batch");
            }
            let role = changes.role.unwrap_or(UserRole::EndUser);
            let customer_type_id = match changes.customer_type.flatten() {
                Some(name) => match types.iter().find(|t| t.name == name) {
                    Some(found) if !role.is_staff() => Some(found.id),
                    Some(_) => {
                        problems.add(&format!("{prefix}type"), STAFF_HAVE_NO_TYPE);
                        None
                    }
                    None => {
                        problems.add(
                            &format!("{prefix}type"),
                            super::customer_types::unknown(&name, &types),
                        );
                        None
                    }
                },
                None => None,
            };
            let (Ok(values), Some(name)) = (values, name) else {
                continue;
            };
            records.push((
                UserRecord {
                    name,
                    email_domain: email.as_ref().map(|e| e.domain().to_string()),
                    email: email.map(|e| e.as_str().to_string()),
                    phone: changes.phone.flatten(),
                    role,
                    organization_id: changes.organization_id.flatten(),
                    tags: changes.tags.unwrap_or_default(),
                    external_id: changes.external_id.flatten(),
                    customer_type_id,
                },
                by_field_id(&fields, values),
            ));
        }
        if !problems.is_empty() {
            return Err(problems.into());
        }
        let now = now_millis();
        let mut tx = self.write_turn().await?;
        let mut ids = Vec::with_capacity(records.len());
        // 1,000 placeholders a statement; see `bulk_placeholders`.
        for chunk in records.chunks(90) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", bulk_placeholders(self.backend, row * 11 + 1, 11)))
                .collect();
            let sql = format!(
                "INSERT INTO users (name, email, email_domain, phone, role, organization_id, \
                 tags, external_id, customer_type_id, created_at, updated_at) VALUES {} \
                 RETURNING id",
                rows.join(", ")
            );
            let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for (record, _) in chunk {
                query = query
                    .bind(record.name.clone())
                    .bind(record.email.clone())
                    .bind(record.email_domain.clone())
                    .bind(record.phone.clone())
                    .bind(record.role.name())
                    .bind(record.organization_id)
                    .bind(tags_to_column(&record.tags))
                    .bind(record.external_id.clone())
                    .bind(record.customer_type_id)
                    .bind(now)
                    .bind(now);
            }
            let mut chunk_ids = query.fetch_all(&mut *tx).await.map_err(user_conflict)?;
            // Ids of one multi-row insert are allocated in row order on both databases, but
            // RETURNING does not promise that order: sort them back.
            chunk_ids.sort_unstable();
            insert_values(
                &mut tx,
                self.backend,
                &tables(FieldScope::User),
                &chunk_ids,
                chunk,
            )
            .await?;
            ids.extend(chunk_ids);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Checks what a user draft refers to (organization, custom fields), adding problems; returns
    /// the fields and values read.
    async fn check_user_references(
        &self,
        organization_id: Option<Option<i64>>,
        user_fields: &serde_json::Map<String, serde_json::Value>,
        problems: &mut Problems,
    ) -> Result<CustomRead, StoreError> {
        if let Some(Some(organization_id)) = organization_id
            && !self.organization_exists(organization_id).await?
        {
            problems.add(
                "organization_id",
                format!("there is no organization {organization_id}"),
            );
        }
        match self.read_custom_values(FieldScope::User, user_fields).await {
            Ok(custom) => Ok(custom),
            Err(errors) => {
                problems.absorb("", errors);
                Ok(Default::default())
            }
        }
    }
}

const STAFF_HAVE_NO_TYPE: &str =
    "only customers (role end-user) have a customer type; send \"type\": null for agents";

/// The id of the customer type named `name` for a user of `role`: a problem (422) when the
/// name is unknown or the user is staff.
async fn customer_type_id(
    conn: &mut AnyConnection,
    role: UserRole,
    name: Option<String>,
) -> Result<Option<i64>, StoreError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let mut problems = Problems::default();
    if role.is_staff() {
        problems.add("type", STAFF_HAVE_NO_TYPE);
        return Err(problems.into());
    }
    let id = super::customer_types::resolve(conn, &name, "type", &mut problems).await?;
    if !problems.is_empty() {
        return Err(problems.into());
    }
    Ok(id)
}

type CustomRead = (
    Vec<crate::domain::Field>,
    BTreeMap<String, Option<crate::domain::FieldValue>>,
);

/// Inserts the custom values of freshly inserted owners in multi-row statements.
async fn insert_values(
    conn: &mut AnyConnection,
    backend: super::Backend,
    tables: &Tables,
    owners: &[i64],
    records: &[(UserRecord, BTreeMap<i64, Option<crate::domain::FieldValue>>)],
) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, &crate::domain::FieldValue)> = owners
        .iter()
        .zip(records)
        .flat_map(|(owner, (_, values))| {
            values.iter().filter_map(move |(field, value)| {
                value.as_ref().map(|value| (*owner, *field, value))
            })
        })
        .collect();
    // Text and number values go in separate statements: see `SearchColumn::column`.
    for column in ["text_value", "number_value"] {
        let rows: Vec<_> = rows
            .iter()
            .map(|(owner, field, value)| (*owner, *field, *value, SearchColumn::of(value)))
            .filter(|row| row.3.column() == column)
            .collect();
        for chunk in rows.chunks(250) {
            let placeholders: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", bulk_placeholders(backend, row * 4 + 1, 4)))
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}, field_id, value, {column}) VALUES {}",
                tables.values,
                tables.owner,
                placeholders.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (owner, field, value, search) in chunk {
                query = query.bind(*owner).bind(*field).bind(value_column(value));
                query = match search {
                    SearchColumn::Text(text) => query.bind(text.clone()),
                    SearchColumn::Number(number) => query.bind(*number),
                };
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// The SQL condition (on `users`/`organizations` ids) for one custom field criterion; the value
/// is read by the field's type.
pub(super) fn field_condition(
    tables: &Tables,
    field_id: i64,
    field_type: FieldType,
    comparison: Comparison,
    value: &str,
    binds: &mut Vec<Bind>,
) -> Result<String, String> {
    let column_and_bind = match field_type {
        FieldType::Integer | FieldType::Decimal => {
            let number: f64 = value
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| format!("{value:?} is not a number"))?;
            ("number_value", comparison.sql(), Bind::Real(number))
        }
        FieldType::Date => {
            check_date(value)?;
            ("text_value", comparison.sql(), Bind::Text(value.into()))
        }
        _ if comparison != Comparison::Eq => {
            return Err(format!(
                "a {field_type} field is compared with ':' only; <, > work on numbers and dates"
            ));
        }
        FieldType::Checkbox => match value {
            "true" | "false" => ("text_value", "=", Bind::Text(value.into())),
            _ => return Err(format!("{value:?} is not true or false")),
        },
        FieldType::Multiselect => {
            let escaped = value
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            ("text_value", "LIKE", Bind::Text(format!("% {escaped} %")))
        }
        _ => ("text_value", "=", Bind::Text(value.into())),
    };
    let (column, operator, bind) = column_and_bind;
    binds.push(Bind::Int(field_id));
    let field_placeholder = binds.len();
    binds.push(bind);
    let escape = if operator == "LIKE" {
        " ESCAPE '\\'"
    } else {
        ""
    };
    Ok(format!(
        "id IN (SELECT {owner} FROM {values} WHERE field_id = ${field_placeholder} AND {column} {operator} ${}{escape})",
        binds.len(),
        owner = tables.owner,
        values = tables.values,
    ))
}
