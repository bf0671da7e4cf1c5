//! Organizations: create, read, update, delete, list, members; the domains they own.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::fields::{by_field_id, collect_value, tables, write_values};
use super::rows::{Bind, bind_all, placeholders, tags_from_column, tags_to_column};
use super::{Listing, Page, Store, StoreError, Tx, conflict_or, now_millis};
use crate::domain::organization::normalize_domain;
use crate::domain::{
    CustomValues, FieldScope, Organization, OrganizationDraft, Problems, Timestamp, User,
};

/// An organization's row, one row per custom value, with its domains in the same statement
/// (space-separated: a domain never holds a space). `string_agg … ORDER BY` is spoken by
/// PostgreSQL and by SQLite since 3.44.
const ORGANIZATION_SELECT: &str = "SELECT o.id, o.name, o.notes, o.tags, o.created_at, \
     o.updated_at, f.key AS field_key, v.value AS field_value, \
     (SELECT string_agg(d.domain, ' ' ORDER BY d.domain) FROM organization_domains d \
      WHERE d.organization_id = o.id) AS domains \
     FROM organizations o \
     LEFT JOIN organization_field_values v ON v.organization_id = o.id \
     LEFT JOIN organization_fields f ON f.id = v.field_id AND f.active = 1";

fn name_conflict(name: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| {
        conflict_or(
            error,
            &[("name", &format!("an organization named {name:?}"))],
        )
    }
}

/// Organizations matching `condition` (our own SQL, values bound), in id order, with their
/// domains and custom values.
pub(super) async fn load_organizations(
    conn: &mut AnyConnection,
    condition: &str,
    binds: &[Bind],
) -> Result<Vec<Organization>, StoreError> {
    let sql = format!("{ORGANIZATION_SELECT} WHERE {condition} ORDER BY o.id");
    let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
        .fetch_all(&mut *conn)
        .await?;
    let mut organizations: Vec<Organization> = Vec::new();
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        if organizations.last().map(|o| o.id) != Some(id) {
            let tags: String = row.try_get("tags")?;
            let domains: Option<String> = row.try_get("domains")?;
            organizations.push(Organization {
                id,
                name: row.try_get("name")?,
                domain_names: domains
                    .map(|list| list.split(' ').map(str::to_string).collect())
                    .unwrap_or_default(),
                tags: tags_from_column(&tags)?,
                notes: row.try_get("notes")?,
                organization_fields: CustomValues::new(),
                created_at: Timestamp(row.try_get("created_at")?),
                updated_at: Timestamp(row.try_get("updated_at")?),
            });
        }
        let organization = organizations.last_mut().expect("pushed above");
        collect_value(
            &mut organization.organization_fields,
            row.try_get("field_key")?,
            row.try_get("field_value")?,
        )?;
    }
    Ok(organizations)
}

pub(super) async fn organization(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Organization, StoreError> {
    load_organizations(conn, "o.id = $1", &[Bind::Int(id)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::not_found(format!("organization {id}")))
}

pub(super) async fn organization_exists(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The id of the organization owning `domain` (already normalised), if any.
pub(super) async fn organization_owning(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT organization_id FROM organization_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(conn)
            .await?,
    )
}

/// The organization owning `domain`, if any.
pub(super) async fn organization_by_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<Organization>, StoreError> {
    let domain =
        normalize_domain(domain).map_err(|reason| StoreError::rejected("domain", reason))?;
    match organization_owning(&mut *conn, &domain).await? {
        Some(id) => Ok(Some(organization(conn, id).await?)),
        None => Ok(None),
    }
}

impl Store {
    async fn load_organizations(
        &self,
        condition: &str,
        binds: &[Bind],
    ) -> Result<Vec<Organization>, StoreError> {
        load_organizations(&mut *self.conn().await?, condition, binds).await
    }

    pub async fn organization(&self, id: i64) -> Result<Organization, StoreError> {
        organization(&mut *self.conn().await?, id).await
    }

    pub(super) async fn organization_exists(&self, id: i64) -> Result<bool, StoreError> {
        organization_exists(&mut *self.conn().await?, id).await
    }

    pub(super) async fn organization_owning(
        &self,
        domain: &str,
    ) -> Result<Option<i64>, StoreError> {
        organization_owning(&mut *self.conn().await?, domain).await
    }

    /// The organization owning `domain`, if any.
    pub async fn organization_by_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organization>, StoreError> {
        organization_by_domain(&mut *self.conn().await?, domain).await
    }

    pub async fn list_organizations(
        &self,
        page: Page,
    ) -> Result<Listing<Organization>, StoreError> {
        let organizations = self
            .load_organizations(
                "o.id IN (SELECT id FROM organizations WHERE id > $1 ORDER BY id LIMIT $2)",
                &[Bind::Int(page.after.unwrap_or(0)), Bind::Int(page.size + 1)],
            )
            .await?;
        let count = self.count("organizations", "1 = 1", &[]).await?;
        Ok(Listing::from_overfetch(organizations, page, count, |o| {
            o.id
        }))
    }

    /// The organizations with these ids, in id order; unknown ids are left out.
    pub async fn organizations_by_ids(&self, ids: &[i64]) -> Result<Vec<Organization>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let binds: Vec<Bind> = ids.iter().map(|id| Bind::Int(*id)).collect();
        let condition = format!("o.id IN ({})", placeholders(1, ids.len()));
        self.load_organizations(&condition, &binds).await
    }

    /// Organizations with this name (any case) and/or owning this domain, in id order.
    pub async fn search_organizations(
        &self,
        name: Option<&str>,
        domain: Option<&str>,
        page: Page,
    ) -> Result<Listing<Organization>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        if let Some(name) = name {
            binds.push(Bind::Text(name.trim().to_lowercase()));
            conditions.push(format!("LOWER(name) = ${}", binds.len()));
        }
        if let Some(domain) = domain {
            binds.push(Bind::Text(domain.trim().to_lowercase()));
            conditions.push(format!(
                "id IN (SELECT organization_id FROM organization_domains WHERE domain = ${})",
                binds.len()
            ));
        }
        let matching = if conditions.is_empty() {
            "1 = 1".to_string()
        } else {
            conditions.join(" AND ")
        };
        let count = self.count("organizations", &matching, &binds).await?;
        let mut page_binds = binds.clone();
        page_binds.push(Bind::Int(page.after.unwrap_or(0)));
        page_binds.push(Bind::Int(page.size + 1));
        let condition = format!(
            "o.id IN (SELECT id FROM organizations WHERE {matching} AND id > ${} ORDER BY id LIMIT ${})",
            binds.len() + 1,
            binds.len() + 2
        );
        let organizations = self.load_organizations(&condition, &page_binds).await?;
        Ok(Listing::from_overfetch(organizations, page, count, |o| {
            o.id
        }))
    }

    /// The users of an organization, in id order.
    pub async fn organization_members(
        &self,
        id: i64,
        page: Page,
    ) -> Result<Listing<User>, StoreError> {
        if !self.organization_exists(id).await? {
            return Err(StoreError::not_found(format!("organization {id}")));
        }
        let users = self
            .load_users(
                "u.id IN (SELECT id FROM users WHERE organization_id = $1 AND id > $2 ORDER BY id LIMIT $3)",
                &[
                    Bind::Int(id),
                    Bind::Int(page.after.unwrap_or(0)),
                    Bind::Int(page.size + 1),
                ],
            )
            .await?;
        let count = self
            .count("users", "organization_id = $1", &[Bind::Int(id)])
            .await?;
        Ok(Listing::from_overfetch(users, page, count, |user| user.id))
    }

    /// Creates an organization owning its `domain_names` and attaches the customers of those
    /// domains who have no organization. A taken name or domain is a conflict naming it, and
    /// nothing is written.
    pub async fn create_organization(
        &self,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let mut tx = self.begin_write().await?;
        let organization = self.create_organization_in(&mut tx, draft).await?;
        tx.commit().await?;
        Ok(organization)
    }

    /// [`Store::create_organization`] inside `tx`, which the caller commits.
    pub async fn create_organization_in(
        &self,
        tx: &mut Tx,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let mut problems = Problems::default();
        if draft.name.is_none() {
            problems.add("name", "is required");
        }
        let custom = self
            .read_custom_values(FieldScope::Organization, &draft.organization_fields)
            .await
            .map_err(|p| problems.absorb("", p))
            .ok();
        let changes = draft.validate().map_err(|p| problems.absorb("", p)).ok();
        let (Some(changes), Some((fields, values)), true) = (changes, custom, problems.is_empty())
        else {
            return Err(problems.into());
        };
        let name = changes.name.unwrap_or_default();
        let now = now_millis();
        let tx = &mut tx.turn;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (name, notes, tags, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(&name)
        .bind(changes.notes.unwrap_or_default())
        .bind(tags_to_column(&changes.tags.unwrap_or_default()))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(name_conflict(&name))?;
        for domain in changes.domain_names.unwrap_or_default() {
            claim_domain(tx, id, &domain).await?;
        }
        write_values(
            tx,
            &tables(FieldScope::Organization),
            id,
            &by_field_id(&fields, values),
        )
        .await?;
        organization(tx, id).await
    }

    /// Changes the attributes present in `draft`. A new `domain_names` list replaces the old
    /// one; customers of added domains without an organization join this one.
    pub async fn update_organization(
        &self,
        id: i64,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let current = self.organization(id).await?;
        let mut problems = Problems::default();
        let custom = self
            .read_custom_values(FieldScope::Organization, &draft.organization_fields)
            .await
            .map_err(|p| problems.absorb("", p))
            .ok();
        let changes = draft.validate().map_err(|p| problems.absorb("", p)).ok();
        let (Some(changes), Some((fields, values)), true) = (changes, custom, problems.is_empty())
        else {
            return Err(problems.into());
        };
        let name = changes.name.unwrap_or(current.name);
        let mut tx = self.write_turn().await?;
        sqlx::query(
            "UPDATE organizations SET name = $1, notes = $2, tags = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&name)
        .bind(changes.notes.unwrap_or(current.notes))
        .bind(tags_to_column(&changes.tags.unwrap_or(current.tags)))
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(name_conflict(&name))?;
        if let Some(domains) = changes.domain_names {
            for old in current.domain_names.iter().filter(|d| !domains.contains(d)) {
                sqlx::query("DELETE FROM organization_domains WHERE domain = $1")
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
            }
            for new in domains.iter().filter(|d| !current.domain_names.contains(d)) {
                claim_domain(&mut tx, id, new).await?;
            }
        }
        write_values(
            &mut tx,
            &tables(FieldScope::Organization),
            id,
            &by_field_id(&fields, values),
        )
        .await?;
        tx.commit().await?;
        self.organization(id).await
    }

    /// Deletes an organization; its members and tickets stay, without organization.
    pub async fn delete_organization(&self, id: i64) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("organization {id}")));
        }
        Ok(())
    }

    /// Gives `domain` to organization `id`, and attaches the customers of that domain who have no
    /// organization yet. Returns how many were attached.
    pub async fn add_domain(&self, id: i64, domain: &str) -> Result<u64, StoreError> {
        let domain =
            normalize_domain(domain).map_err(|reason| StoreError::rejected("domain", reason))?;
        if !self.organization_exists(id).await? {
            return Err(StoreError::not_found(format!("organization {id}")));
        }
        if self.organization_owning(&domain).await? == Some(id) {
            return Ok(0);
        }
        let mut tx = self.write_turn().await?;
        let attached = claim_domain(&mut tx, id, &domain).await?;
        tx.commit().await?;
        Ok(attached)
    }
}

/// Records that organization `id` owns `domain` (a conflict if another does) and attaches that
/// domain's customers who have no organization. Returns how many were attached.
pub(super) async fn claim_domain(
    conn: &mut AnyConnection,
    id: i64,
    domain: &str,
) -> Result<u64, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2) \
         ON CONFLICT (domain) DO NOTHING",
    )
    .bind(domain)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        let owner: Option<String> = sqlx::query_scalar(
            "SELECT o.name FROM organization_domains d JOIN organizations o ON o.id = d.organization_id WHERE d.domain = $1",
        )
        .bind(domain)
        .fetch_optional(&mut *conn)
        .await?;
        return Err(StoreError::Conflict(format!(
            "domain {domain:?} (owned by organization {:?})",
            owner.unwrap_or_default()
        )));
    }
    let attached = sqlx::query(
        "UPDATE users SET organization_id = $1, updated_at = $2 \
         WHERE organization_id IS NULL AND email_domain = $3 AND role = 'end-user'",
    )
    .bind(id)
    .bind(now_millis())
    .bind(domain)
    .execute(&mut *conn)
    .await?;
    Ok(attached.rows_affected())
}
