//! The user search language of `/api/v2/users/search?query=…`, Zendesk-style:
//! `email:ada@example.com`, `external_id:crm-42`, `phone:+4930123456`,
//! `service_level:platinum`, `annual_spend>1000`, several criteria separated by spaces (all must
//! hold). A bare address is an email search.

use super::Status;

/// How a field's value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Comparison {
    pub fn sql(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
        }
    }
}

/// One condition of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    Email(String),
    ExternalId(String),
    Phone(String),
    /// Customers of this type (`type:vip` in a user search, `customer_type:vip` anywhere).
    CustomerType(String),
    /// A custom field compared with a value (read by the field's type when searching).
    Field {
        key: String,
        comparison: Comparison,
        value: String,
    },
}

/// Most criteria in one query.
pub const MAX_CRITERIA: usize = 8;

/// Parses a query into criteria; the error says what was not understood.
pub fn parse_user_query(query: &str) -> Result<Vec<Criterion>, String> {
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Err(
            "the query is empty; try email:ada@example.com or service_level:platinum".into(),
        );
    }
    if terms.len() > MAX_CRITERIA {
        return Err(format!("at most {MAX_CRITERIA} criteria per query"));
    }
    terms.into_iter().map(parse_term).collect()
}

fn parse_term(term: &str) -> Result<Criterion, String> {
    let operators = [
        (">=", Comparison::Ge),
        ("<=", Comparison::Le),
        (":", Comparison::Eq),
        ("=", Comparison::Eq),
        (">", Comparison::Gt),
        ("<", Comparison::Lt),
    ];
    let split = operators
        .iter()
        .filter_map(|(operator, comparison)| {
            term.find(operator).map(|at| (at, *operator, *comparison))
        })
        .min_by_key(|(at, operator, _)| (*at, std::cmp::Reverse(operator.len())));
    let Some((at, operator, comparison)) = split else {
        if term.contains('@') {
            return Ok(Criterion::Email(term.to_lowercase()));
        }
        return Err(format!(
            "{term:?} is not a criterion; write KEY:VALUE, KEY>NUMBER or an email address"
        ));
    };
    let key = &term[..at];
    let value = term[at + operator.len()..].trim_matches('"');
    if key.is_empty() || value.is_empty() {
        return Err(format!(
            "{term:?} needs a key and a value, e.g. service_level:platinum"
        ));
    }
    let exact = |criterion: fn(String) -> Criterion| {
        if comparison == Comparison::Eq {
            Ok(criterion(value.to_string()))
        } else {
            Err(format!("{key} only takes ':' (equals)"))
        }
    };
    match key {
        "email" => exact(|value| Criterion::Email(value.to_lowercase())),
        "external_id" => exact(Criterion::ExternalId),
        "phone" => exact(Criterion::Phone),
        "type" | "customer_type" => exact(|value| Criterion::CustomerType(value.to_lowercase())),
        _ => Ok(Criterion::Field {
            key: key.to_string(),
            comparison,
            value: value.to_string(),
        }),
    }
}

/// What Zendesk's global search (`/api/v2/search?query=…`) looks for. The query names its type
/// first or anywhere (`type:user`, `type:ticket`, `type:organization`); the other terms narrow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// The user criteria of [`parse_user_query`]; none lists every user.
    Users(Vec<Criterion>),
    Tickets(TicketCriteria),
    /// `name:"Shop Inc"` (any case) and/or `domain:shop.example`.
    Organizations {
        name: Option<String>,
        domain: Option<String>,
    },
}

/// The ticket terms of a search, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketCriteria {
    pub status: Option<Status>,
    pub requester_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
}

/// The ticket terms a search understands.
const TICKET_TERMS: &str = "status, requester_id, organization_id, assignee_id, group_id";

/// Parses a global search query; the error says what was not understood and what would be.
pub fn parse_search(query: &str) -> Result<SearchQuery, String> {
    let terms = split_terms(query)?;
    let mut kind = None;
    let mut rest = Vec::new();
    for term in terms {
        match term.split_once(':') {
            Some(("type", value)) if kind.is_none() => kind = Some(value.to_lowercase()),
            Some(("type", _)) => return Err("name one type: per query".into()),
            _ => rest.push(term),
        }
    }
    if rest.len() > MAX_CRITERIA {
        return Err(format!("at most {MAX_CRITERIA} criteria per query"));
    }
    match kind.as_deref() {
        Some("user") => {
            let criteria = rest
                .iter()
                .map(|term| parse_term(term))
                .collect::<Result<_, _>>()?;
            Ok(SearchQuery::Users(criteria))
        }
        Some("ticket") => {
            let mut criteria = TicketCriteria::default();
            for term in rest {
                let (key, value) = term.split_once(':').ok_or_else(|| {
                    format!(
                        "{term:?} is not a ticket term; use key:value with one of {TICKET_TERMS}"
                    )
                })?;
                let id = || {
                    value
                        .parse::<i64>()
                        .map_err(|_| format!("{key} must be an id, got {value:?}"))
                };
                match key {
                    "status" => {
                        criteria.status = Some(value.parse().map_err(|e| format!("status: {e}"))?)
                    }
                    "requester_id" => criteria.requester_id = Some(id()?),
                    "organization_id" => criteria.organization_id = Some(id()?),
                    "assignee_id" => criteria.assignee_id = Some(id()?),
                    "group_id" => criteria.group_id = Some(id()?),
                    other => {
                        return Err(format!(
                            "tickets cannot be searched by {other:?}; use {TICKET_TERMS}"
                        ));
                    }
                }
            }
            Ok(SearchQuery::Tickets(criteria))
        }
        Some("organization") => {
            let (mut name, mut domain) = (None, None);
            for term in rest {
                match term.split_once(':') {
                    Some(("name", value)) => name = Some(value.to_string()),
                    Some(("domain", value)) => domain = Some(value.to_string()),
                    _ => {
                        return Err(format!(
                            "{term:?}: organizations are searched by name: or domain:"
                        ));
                    }
                }
            }
            Ok(SearchQuery::Organizations { name, domain })
        }
        Some(other) => Err(format!(
            "type:{other} is not searchable; use type:user, type:ticket or type:organization"
        )),
        None => Err(
            "name what to search for: type:user, type:ticket or type:organization \
             (e.g. type:user email:ada@example.com)"
                .into(),
        ),
    }
}

/// Splits a query at spaces, keeping `"quoted values"` whole (without their quotes).
fn split_terms(query: &str) -> Result<Vec<String>, String> {
    let mut terms = Vec::new();
    let mut term = String::new();
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !term.is_empty() {
                    terms.push(std::mem::take(&mut term));
                }
            }
            c => term.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if !term.is_empty() {
        terms.push(term);
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_search_queries_parse_by_type() {
        assert_eq!(
            parse_search("type:user email:ada@example.com").unwrap(),
            SearchQuery::Users(vec![Criterion::Email("ada@example.com".into())])
        );
        assert_eq!(
            parse_search("status:open type:ticket requester_id:7").unwrap(),
            SearchQuery::Tickets(TicketCriteria {
                status: Some(Status::Open),
                requester_id: Some(7),
                ..TicketCriteria::default()
            })
        );
        assert_eq!(
            parse_search(r#"type:organization name:"Shop Inc""#).unwrap(),
            SearchQuery::Organizations {
                name: Some("Shop Inc".into()),
                domain: None
            }
        );
        assert_eq!(
            parse_search("type:user").unwrap(),
            SearchQuery::Users(vec![])
        );
        for (query, says) in [
            ("email:ada@example.com", "type:user"),
            ("type:widget", "not searchable"),
            (
                "type:ticket subject:help",
                "cannot be searched by \"subject\"",
            ),
            ("type:ticket status:lost", "status"),
            ("type:ticket requester_id:ada", "must be an id"),
            ("type:organization name:\"Shop", "quote"),
            ("type:user type:ticket", "one type"),
        ] {
            let error = parse_search(query).unwrap_err();
            assert!(error.contains(says), "{query}: {error}");
        }
    }

    #[test]
    fn zendesk_style_queries_parse() {
        assert_eq!(
            parse_user_query("service_level:platinum annual_spend>1000").unwrap(),
            [
                Criterion::Field {
                    key: "service_level".into(),
                    comparison: Comparison::Eq,
                    value: "platinum".into()
                },
                Criterion::Field {
                    key: "annual_spend".into(),
                    comparison: Comparison::Gt,
                    value: "1000".into()
                },
            ]
        );
        assert_eq!(
            parse_user_query("renewal_date<=2026-12-31").unwrap()[0],
            Criterion::Field {
                key: "renewal_date".into(),
                comparison: Comparison::Le,
                value: "2026-12-31".into()
            }
        );
        assert_eq!(
            parse_user_query("Ada@Example.com").unwrap(),
            [Criterion::Email("ada@example.com".into())]
        );
        assert_eq!(
            parse_user_query("external_id:crm-42").unwrap(),
            [Criterion::ExternalId("crm-42".into())]
        );
    }

    #[test]
    fn nonsense_is_explained() {
        assert!(parse_user_query("").unwrap_err().contains("empty"));
        assert!(
            parse_user_query("platinum")
                .unwrap_err()
                .contains("KEY:VALUE")
        );
        assert!(
            parse_user_query("email>x")
                .unwrap_err()
                .contains("only takes ':'")
        );
        assert!(parse_user_query(":x").unwrap_err().contains("needs a key"));
    }
}
