//! Customers and organizations, and finding or creating them from an email address.
//!
//! Find-or-create is safe under concurrency on both backends: inserts use `ON CONFLICT DO
//! NOTHING` against unique keys (email, domain, organization name) and then read what won.

use sqlx::Row;

use super::{Setting, Store, StoreError, now_millis};
use crate::domain::UserRole;
use crate::domain::identity::{Email, is_free_mail, organization_name_for_domain};

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: Option<String>,
    pub name: String,
    pub role: UserRole,
    pub organization_id: Option<i64>,
}

/// An organization and the email domains it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub domains: Vec<String>,
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e: crate::domain::UnknownName| StoreError::Invalid(e.to_string()))?,
        organization_id: row.try_get("organization_id")?,
    })
}

fn normalize_domain(domain: &str) -> Result<String, StoreError> {
    // A domain is valid exactly when `x@domain` is a valid address.
    Email::parse(&format!("x@{domain}"))
        .map(|email| email.domain().to_string())
        .map_err(|_| {
            StoreError::Invalid(format!("{domain:?} is not a domain name like example.com"))
        })
}

impl Store {
    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        let row =
            sqlx::query("SELECT id, email, name, role, organization_id FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("user {id}"),
                })?;
        user_from_row(&row)
    }

    pub async fn organization(&self, id: i64) -> Result<Organization, StoreError> {
        let name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("organization {id}"),
            })?;
        let domains = sqlx::query_scalar(
            "SELECT domain FROM organization_domains WHERE organization_id = $1 ORDER BY domain",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Organization { id, name, domains })
    }

    /// The organization owning `domain`, if any.
    pub async fn organization_by_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organization>, StoreError> {
        let domain = normalize_domain(domain)?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT organization_id FROM organization_domains WHERE domain = $1",
        )
        .bind(&domain)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(Some(self.organization(id).await?)),
            None => Ok(None),
        }
    }

    /// Creates an organization owning `domains`; a taken name or domain is a conflict naming it,
    /// and nothing is written.
    pub async fn create_organization(
        &self,
        name: &str,
        domains: &[&str],
    ) -> Result<Organization, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("an organization needs a name".into()));
        }
        let domains = domains
            .iter()
            .map(|domain| normalize_domain(domain))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.pool.begin().await?;
        let now = now_millis();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO organizations (name, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let id = id.ok_or_else(|| StoreError::Conflict(format!("organization name {name:?}")))?;
        for domain in &domains {
            let inserted = sqlx::query(
                "INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING",
            )
            .bind(domain)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "domain {domain:?} (owned by another organization)"
                )));
            }
        }
        tx.commit().await?;
        for domain in &domains {
            self.attach_customers_of_domain(id, domain).await?;
        }
        self.organization(id).await
    }

    /// Gives `domain` to organization `id`, and attaches the customers of that domain who have no
    /// organization yet. Returns how many were attached.
    pub async fn add_domain(&self, id: i64, domain: &str) -> Result<u64, StoreError> {
        let domain = normalize_domain(domain)?;
        self.organization(id).await?;
        let inserted = sqlx::query(
            "INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING",
        )
        .bind(&domain)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            let owner = self.organization_by_domain(&domain).await?;
            if owner.as_ref().map(|org| org.id) != Some(id) {
                return Err(StoreError::Conflict(format!(
                    "domain {domain:?} (owned by another organization)"
                )));
            }
        }
        self.attach_customers_of_domain(id, &domain).await
    }

    async fn attach_customers_of_domain(&self, id: i64, domain: &str) -> Result<u64, StoreError> {
        let attached = sqlx::query(
            "UPDATE users SET organization_id = $1, updated_at = $2 \
             WHERE organization_id IS NULL AND email_domain = $3 AND role = 'end-user'",
        )
        .bind(id)
        .bind(now_millis())
        .bind(domain)
        .execute(&self.pool)
        .await?;
        Ok(attached.rows_affected())
    }

    /// The organization a customer with an address at `domain` belongs to: the one owning the
    /// domain; else, if the setting allows and it is not a free-mail domain, a new one named
    /// after it. Concurrent calls for one domain yield one organization.
    pub async fn organization_for_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organization>, StoreError> {
        let domain = normalize_domain(domain)?;
        if is_free_mail(&domain) {
            return Ok(None);
        }
        if let Some(owner) = self.organization_by_domain(&domain).await? {
            return Ok(Some(owner));
        }
        if !self
            .setting(Setting::CreateOrganizationsFromDomains)
            .await?
        {
            return Ok(None);
        }
        let base = organization_name_for_domain(&domain);
        for name in [base.clone(), format!("{base} ({domain})")] {
            match self.create_organization(&name, &[&domain]).await {
                Ok(organization) => return Ok(Some(organization)),
                // Another request created it first (or took the name): use what won.
                Err(StoreError::Conflict(_)) => {
                    if let Some(owner) = self.organization_by_domain(&domain).await? {
                        return Ok(Some(owner));
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict(format!(
            "no free organization name for domain {domain:?}"
        )))
    }

    /// The customer with `address`, created on first contact (email, portal, call) together with
    /// their organization. Concurrent calls for one address yield one customer.
    pub async fn find_or_create_customer(
        &self,
        address: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        let email = Email::parse(address).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if let Some(user) = self.user_by_email(email.as_str()).await? {
            return Ok(user);
        }
        let organization = self.organization_for_domain(email.domain()).await?;
        let name = name
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or(email.local_part());
        let now = now_millis();
        sqlx::query(
            "INSERT INTO users (email, email_domain, name, role, organization_id, created_at, updated_at) \
             VALUES ($1, $2, $3, 'end-user', $4, $5, $5) ON CONFLICT (email) DO NOTHING",
        )
        .bind(email.as_str())
        .bind(email.domain())
        .bind(name)
        .bind(organization.map(|org| org.id))
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.user_by_email(email.as_str())
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {}", email.as_str()),
            })
    }

    pub async fn user_by_email(&self, address: &str) -> Result<Option<User>, StoreError> {
        let email = Email::parse(address).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let row = sqlx::query(
            "SELECT id, email, name, role, organization_id FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Moves a customer to another organization, or out of any (`None`).
    pub async fn move_customer(
        &self,
        user_id: i64,
        organization_id: Option<i64>,
    ) -> Result<User, StoreError> {
        if let Some(id) = organization_id {
            self.organization(id).await?;
        }
        let updated =
            sqlx::query("UPDATE users SET organization_id = $1, updated_at = $2 WHERE id = $3")
                .bind(organization_id)
                .bind(now_millis())
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("user {user_id}"),
            });
        }
        self.user(user_id).await
    }
}
