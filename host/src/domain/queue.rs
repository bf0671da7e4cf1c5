//! Call queues: where the desk forwards a call, by SIP URI. Triggers choose one by name
//! (`set-queue`); a call no trigger routed goes to the default queue.

use serde::{Deserialize, Serialize};

use super::{Problems, Timestamp};

/// Longest queue name, in characters.
pub const MAX_QUEUE_NAME_CHARS: usize = 100;

/// A call queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Queue {
    pub id: i64,
    /// Unique; what `set-queue` names.
    pub name: String,
    /// Where a call routed here is forwarded: a `sip:` or `sips:` URI.
    pub sip_uri: String,
    pub description: String,
    /// An inactive queue cannot be chosen: `set-queue` naming it is an invalid action.
    pub active: bool,
    /// Calls no trigger routed go here; at most one queue is the default.
    pub default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A queue as a client sends it: all of it to create one, any part to change one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sip_uri: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub default: Option<bool>,
}

impl QueueDraft {
    /// Trims and checks what is given.
    pub fn validate(mut self) -> Result<QueueDraft, Problems> {
        let mut problems = Problems::default();
        if let Some(name) = &mut self.name {
            *name = name.trim().to_string();
            if name.is_empty() {
                problems.add("name", "must not be empty");
            } else if name.chars().count() > MAX_QUEUE_NAME_CHARS {
                problems.add(
                    "name",
                    format!("must be at most {MAX_QUEUE_NAME_CHARS} characters"),
                );
            }
        }
        if let Some(uri) = &mut self.sip_uri {
            *uri = uri.trim().to_string();
            if let Err(reason) = check_sip_uri(uri) {
                problems.add("sip_uri", reason);
            }
        }
        if let Some(description) = &self.description
            && description.chars().count() > 1000
        {
            problems.add("description", "must be at most 1000 characters");
        }
        problems.into_result(self)
    }
}

/// Whether `uri` is a SIP URI a phone system can dial: `sip:` or `sips:`, an optional user
/// part, a host (name, IPv4 or bracketed IPv6), an optional port and `;parameters`.
pub fn check_sip_uri(uri: &str) -> Result<(), String> {
    let example = "like sip:priority@pbx.example.com or sips:support@10.0.0.5:5061";
    let lower = uri.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("sips:")
        .or_else(|| lower.strip_prefix("sip:"))
    else {
        return Err(format!("must be a sip: or sips: URI, {example}"));
    };
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) || rest.len() > 500 {
        return Err(format!(
            "must be a SIP URI without spaces, at most 500 characters, {example}"
        ));
    }
    let address = rest.split([';', '?']).next().unwrap_or_default();
    let host_port = match address.rsplit_once('@') {
        Some((user, host)) if !user.is_empty() => host,
        Some(_) => return Err(format!("has an empty user part before @, {example}")),
        None => address,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((inside, after))
                if !inside.is_empty()
                    && inside
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') =>
            {
                (inside, after.strip_prefix(':'))
            }
            _ => return Err(format!("has an unreadable IPv6 host, {example}")),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        });
    if !host_ok {
        return Err(format!("has no usable host, {example}"));
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |port| port == 0)
    {
        return Err(format!("has a port that is not 1 to 65535, {example}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_sip_uri;

    #[test]
    fn sip_uris_are_told_apart_from_everything_else() {
        for good in [
            "sip:priority@pbx.example.com",
            "sips:support@10.0.0.5:5061",
            "SIP:queue-1@pbx.example.com;transport=tcp",
            "sip:pbx.example.com",
            "sip:+4930123@[2001:db8::1]:5060",
        ] {
            assert_eq!(check_sip_uri(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "priority@pbx.example.com",
            "https://pbx.example.com",
            "sip:",
            "sip:@pbx.example.com",
            "sip:queue@",
            "sip:queue@pbx..example.com",
            "sip:queue@pbx.example.com:0",
            "sip:queue@pbx.example.com:99999",
            "sip:queue @pbx.example.com",
            "sip:queue@[nothex]",
        ] {
            assert!(check_sip_uri(bad).is_err(), "{bad}");
        }
    }
}
