//! The user search language of `/api/v2/users/search?query=…`, Zendesk-style:
//! `email:ada@example.com`, `external_id:crm-42`, `phone:+4930123456`,
//! `service_level:platinum`, `annual_spend>1000`, several criteria separated by spaces (all must
//! hold). A bare address is an email search.

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
        _ => Ok(Criterion::Field {
            key: key.to_string(),
            comparison,
            value: value.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
