//! Who a customer is: email addresses, and which organization an email domain points to.

/// Email domains of free mail providers: they never create or join an organization, since the
/// people behind them have nothing in common.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.co.jp",
    "ymail.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "web.de",
    "t-online.de",
    "freenet.de",
    "naver.com",
    "daum.net",
    "qq.com",
    "163.com",
    "126.com",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "proton.me",
    "protonmail.com",
    "zoho.com",
    "fastmail.com",
    "laposte.net",
    "orange.fr",
    "free.fr",
    "libero.it",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "rediffmail.com",
];

/// Whether `domain` belongs to a free mail provider.
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL_DOMAINS.contains(&domain)
}

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{address:?} is not an email address: {reason}")]
pub struct InvalidEmail {
    pub address: String,
    pub reason: &'static str,
}

/// A lower-cased, checked email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(address: &str) -> Result<Email, InvalidEmail> {
        let invalid = |reason| InvalidEmail {
            address: address.to_string(),
            reason,
        };
        let normalized = address.trim().to_lowercase();
        if normalized.len() > 254 {
            return Err(invalid("it is longer than 254 characters"));
        }
        let (local, domain) = normalized
            .rsplit_once('@')
            .ok_or_else(|| invalid("it has no @"))?;
        if local.is_empty() || local.contains('@') {
            return Err(invalid("the part before @ is empty or holds another @"));
        }
        if normalized
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid("it contains spaces"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let valid_label = |label: &&str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(valid_label) {
            return Err(invalid("the domain is not a domain name like example.com"));
        }
        Ok(Email(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the @, e.g. `acme-tools.com`.
    pub fn domain(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .unwrap_or_default()
    }

    /// A display name for a customer known only by email: the part before the @.
    pub fn local_part(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map(|(local, _)| local)
            .unwrap_or_default()
    }
}

/// The name an organization created from a domain gets: `acme-tools.com` → "Acme Tools".
pub fn organization_name_for_domain(domain: &str) -> String {
    let first_label = domain.split('.').next().unwrap_or(domain);
    first_label
        .split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        let email = Email::parse("  Ada.Lovelace@Acme-Tools.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@acme-tools.com");
        assert_eq!(email.domain(), "acme-tools.com");
        for bad in [
            "",
            "ada",
            "@acme.com",
            "ada@",
            "ada@acme",
            "a da@acme.com",
            "ada@-acme.com",
            "ada@acme..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn organization_names_come_from_the_domain() {
        assert_eq!(organization_name_for_domain("acme-tools.com"), "Acme Tools");
        assert_eq!(organization_name_for_domain("globex.co.uk"), "Globex");
    }

    #[test]
    fn free_mail_list_is_broad() {
        assert!(FREE_MAIL_DOMAINS.len() >= 30);
        assert!(
            is_free_mail("gmail.com")
                && is_free_mail("naver.com")
                && !is_free_mail("acme-tools.com")
        );
    }
}
