//! Finding or creating customers from how they reach us (email, portal, phone), and the
//! organization an email domain points to.
//!
//! Find-or-create is safe under concurrency on both backends: inserts use `ON CONFLICT DO
//! NOTHING` against unique keys (email, phone, domain, organization name) and then read what won.

use sqlx::{AnyConnection, Connection};

use super::organizations::{claim_domain, organization, organization_by_domain};
use super::settings::read_setting;
use super::users::{user_by_email, user_by_phone};
use super::{Setting, Store, StoreError, now_millis};
use crate::domain::contact::normalize_phone;
use crate::domain::identity::{Email, is_free_mail, organization_name_for_domain};
use crate::domain::organization::normalize_domain;
use crate::domain::{Organization, User};

/// The organization a customer with an address at `domain` belongs to: the one owning the
/// domain; else, if the setting allows and it is not a free-mail domain, a new one named after
/// it. Runs in the caller's transaction; concurrent calls for one domain yield one organization.
pub(super) async fn organization_for_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<Organization>, StoreError> {
    let domain =
        normalize_domain(domain).map_err(|reason| StoreError::rejected("domain", reason))?;
    if is_free_mail(&domain) {
        return Ok(None);
    }
    if let Some(owner) = organization_by_domain(&mut *conn, &domain).await? {
        return Ok(Some(owner));
    }
    if !read_setting(&mut *conn, Setting::CreateOrganizationsFromDomains).await? {
        return Ok(None);
    }
    let base = organization_name_for_domain(&domain);
    for name in [base.clone(), format!("{base} ({domain})")] {
        if let Some(id) = create_domain_organization(&mut *conn, &name, &domain).await? {
            return organization(conn, id).await.map(Some);
        }
        // The name is taken, or another request claimed the domain first: use what won.
        if let Some(owner) = organization_by_domain(&mut *conn, &domain).await? {
            return Ok(Some(owner));
        }
    }
    Err(StoreError::Conflict(format!(
        "no free organization name for domain {domain:?}"
    )))
}

/// Creates organization `name` owning `domain`, in a savepoint so that a lost race (the name
/// or the domain taken meanwhile) leaves nothing and keeps the caller's transaction usable.
/// `None` when it lost.
async fn create_domain_organization(
    conn: &mut AnyConnection,
    name: &str,
    domain: &str,
) -> Result<Option<i64>, StoreError> {
    let mut savepoint = conn.begin().await?;
    let now = now_millis();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO organizations (name, notes, tags, created_at, updated_at) \
         VALUES ($1, '', '[]', $2, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(name)
    .bind(now)
    .fetch_optional(&mut *savepoint)
    .await?;
    let Some(id) = id else {
        savepoint.rollback().await?;
        return Ok(None);
    };
    match claim_domain(&mut savepoint, id, domain).await {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(Some(id))
        }
        Err(StoreError::Conflict(_)) => {
            savepoint.rollback().await?;
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// The customer with `address`, created on first contact (email, portal, an API write naming
/// only an email) together with their organization, in the caller's transaction. Concurrent
/// calls for one address yield one customer.
pub(super) async fn find_or_create_customer(
    conn: &mut AnyConnection,
    address: &str,
    name: Option<&str>,
) -> Result<User, StoreError> {
    let email = Email::parse(address).map_err(|e| StoreError::rejected("email", e.to_string()))?;
    if let Some(user) = user_by_email(&mut *conn, email.as_str()).await? {
        return Ok(user);
    }
    let organization = organization_for_domain(&mut *conn, email.domain()).await?;
    let name = display_name(name, email.local_part());
    sqlx::query(
        "INSERT INTO users (email, email_domain, name, role, organization_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'end-user', $4, $5, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(email.as_str())
    .bind(email.domain())
    .bind(name)
    .bind(organization.map(|org| org.id))
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    user_by_email(conn, email.as_str())
        .await?
        .ok_or_else(|| StoreError::not_found(format!("user {}", email.as_str())))
}

/// The customer calling from `phone` (any common notation with a country code), created on
/// their first contact by phone, in the caller's transaction. Organizations come from email
/// domains, so a phone alone never makes one. Concurrent calls for one number yield one
/// customer.
pub(super) async fn find_or_create_customer_by_phone(
    conn: &mut AnyConnection,
    phone: &str,
    name: Option<&str>,
) -> Result<User, StoreError> {
    let phone = normalize_phone(phone).map_err(|reason| StoreError::rejected("phone", reason))?;
    if let Some(user) = user_by_phone(&mut *conn, &phone).await? {
        return Ok(user);
    }
    sqlx::query(
        "INSERT INTO users (phone, name, role, created_at, updated_at) \
         VALUES ($1, $2, 'end-user', $3, $3) ON CONFLICT (phone) DO NOTHING",
    )
    .bind(&phone)
    .bind(display_name(name, &phone))
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    user_by_phone(conn, &phone)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("user {phone}")))
}

impl Store {
    /// See [`organization_for_domain`]; in a transaction of its own.
    pub async fn organization_for_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organization>, StoreError> {
        let mut tx = self.write_turn().await?;
        let organization = organization_for_domain(&mut tx, domain).await?;
        tx.commit().await?;
        Ok(organization)
    }

    /// See [`find_or_create_customer`]; in a transaction of its own.
    pub async fn find_or_create_customer(
        &self,
        address: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write_turn().await?;
        let user = find_or_create_customer(&mut tx, address, name).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// See [`find_or_create_customer_by_phone`]; in a transaction of its own.
    pub async fn find_or_create_customer_by_phone(
        &self,
        phone: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write_turn().await?;
        let user = find_or_create_customer_by_phone(&mut tx, phone, name).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Moves a customer to another organization, or out of any (`None`).
    pub async fn move_customer(
        &self,
        user_id: i64,
        organization_id: Option<i64>,
    ) -> Result<User, StoreError> {
        if let Some(id) = organization_id
            && !self.organization_exists(id).await?
        {
            return Err(StoreError::not_found(format!("organization {id}")));
        }
        let updated =
            sqlx::query("UPDATE users SET organization_id = $1, updated_at = $2 WHERE id = $3")
                .bind(organization_id)
                .bind(now_millis())
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::not_found(format!("user {user_id}")));
        }
        self.user(user_id).await
    }
}

/// The name given, else a stand-in (the address's local part, the number).
fn display_name<'a>(given: Option<&'a str>, fallback: &'a str) -> &'a str {
    given
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(fallback)
}
