//! Finding or creating customers from how they reach us (email, portal, phone), and the
//! organization an email domain points to.
//!
//! Find-or-create is safe under concurrency on both backends: inserts use `ON CONFLICT DO
//! NOTHING` against unique keys (email, phone, domain, organization name) and then read what won.

use super::{Setting, Store, StoreError, now_millis};
use crate::domain::contact::normalize_phone;
use crate::domain::identity::{Email, is_free_mail, organization_name_for_domain};
use crate::domain::organization::normalize_domain;
use crate::domain::{Organization, OrganizationDraft, User};

impl Store {
    /// The organization a customer with an address at `domain` belongs to: the one owning the
    /// domain; else, if the setting allows and it is not a free-mail domain, a new one named
    /// after it. Concurrent calls for one domain yield one organization.
    pub async fn organization_for_domain(
        &self,
        domain: &str,
    ) -> Result<Option<Organization>, StoreError> {
        let domain =
            normalize_domain(domain).map_err(|reason| StoreError::rejected("domain", reason))?;
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
            let draft = OrganizationDraft::named(&name, &[&domain]);
            match self.create_organization(draft).await {
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

    /// The customer with `address`, created on first contact (email, portal) together with
    /// their organization. Concurrent calls for one address yield one customer.
    pub async fn find_or_create_customer(
        &self,
        address: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        let email =
            Email::parse(address).map_err(|e| StoreError::rejected("email", e.to_string()))?;
        if let Some(user) = self.user_by_email(email.as_str()).await? {
            return Ok(user);
        }
        let organization = self.organization_for_domain(email.domain()).await?;
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
        .execute(&self.pool)
        .await?;
        self.user_by_email(email.as_str())
            .await?
            .ok_or_else(|| StoreError::not_found(format!("user {}", email.as_str())))
    }

    /// The customer calling from `phone` (any common notation with a country code), created on
    /// their first call. Concurrent calls for one number yield one customer.
    pub async fn find_or_create_customer_by_phone(
        &self,
        phone: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        let phone =
            normalize_phone(phone).map_err(|reason| StoreError::rejected("phone", reason))?;
        if let Some(user) = self.user_by_phone(&phone).await? {
            return Ok(user);
        }
        sqlx::query(
            "INSERT INTO users (phone, name, role, created_at, updated_at) \
             VALUES ($1, $2, 'end-user', $3, $3) ON CONFLICT (phone) DO NOTHING",
        )
        .bind(&phone)
        .bind(display_name(name, &phone))
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        self.user_by_phone(&phone)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("user {phone}")))
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
