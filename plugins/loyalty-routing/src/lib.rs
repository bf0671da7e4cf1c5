//! Loyalty routing: an incoming call's customer is looked up in the company's loyalty API, and
//! the call goes to the queue for their status — gold and platinum to the priority queue,
//! everyone else to the standard one. The desk answers the phone system with the queue's SIP
//! URI.
//!
//! The plugin does nothing until an admin sets `loyalty_url` and grants its origin
//! (`PUT /api/v2/plugins/{id}/granted_hosts`). Whatever goes wrong with the lookup — the API
//! down, slower than the host's deadline, answering 404, 500 or something that is not JSON, a
//! status nobody mapped — the call goes to the default queue and the reason is logged: a call
//! is always answered.

use wasmdesk_sdk::prelude::*;

pub struct LoyaltyRouting;

const ROUTE_BY_LOYALTY: &str = "route-by-loyalty";
const STATUS_FIELD: &str = "loyalty_status";

impl Plugin for LoyaltyRouting {
    fn describe() -> PluginInfo {
        PluginInfo::new("loyalty-routing", env!("CARGO_PKG_VERSION"))
            .description(
                "Routes new calls by the caller's loyalty status, fetched from the company's \
                 loyalty API: gold and platinum to the priority queue, everyone else to the \
                 standard one.",
            )
            .trigger(TriggerInfo::on_created(ROUTE_BY_LOYALTY, "Route calls by loyalty status"))
            .user_field(
                FieldSpec::text(STATUS_FIELD, "Loyalty status")
                    .description("As the loyalty API last said, on the customer's latest call"),
            )
            .config(ConfigKey::new(
                "loyalty_url",
                "The loyalty API's URL for one customer, with {phone}, {email} or {external_id} \
                 in it, e.g. https://crm.example.com/loyalty?phone={phone}; off while empty",
            ).default(""))
            .config(
                ConfigKey::new(
                    "status_pointer",
                    "Where the status is in the API's JSON answer (a JSON pointer)",
                )
                .default("/status"),
            )
            .config(
                ConfigKey::new(
                    "queue_map",
                    "Which status goes to which queue: status=queue, separated by commas",
                )
                .default("gold=Priority,platinum=Priority"),
            )
            .config(
                ConfigKey::new("default_queue", "The queue for every other caller").default("Standard"),
            )
            .config(
                ConfigKey::new(
                    "channels",
                    "The channels whose new tickets are routed, separated by commas",
                )
                .default("voice"),
            )
            .config(
                ConfigKey::new(
                    "authorization",
                    "An Authorization header for the loyalty API, e.g. Bearer abc; none while empty",
                )
                .default(""),
            )
            .config(
                ConfigKey::boolean(
                    "store_status",
                    "Keep the fetched status in the customer's loyalty_status field",
                )
                .default("true"),
            )
    }

    fn matches(_trigger: &str, event: &Event, host: &Host) -> Result<bool, RuleError> {
        let configured = !config(host, "loyalty_url").is_empty();
        let channels = config(host, "channels");
        let channel = channel_name(&event.ticket.via.channel);
        Ok(configured && list(&channels).any(|name| name.eq_ignore_ascii_case(channel)))
    }

    fn actions(_trigger: &str, event: &Event, host: &Host) -> Result<Vec<Action>, RuleError> {
        let default_queue = config(host, "default_queue");
        let status = match lookup(event, host) {
            Ok(status) => status,
            Err(reason) => {
                host.log(
                    LogLevel::Warn,
                    &format!("{reason}; routed to {default_queue}"),
                );
                return Ok(vec![Action::set_queue(&default_queue)]);
            }
        };
        let map = config(host, "queue_map");
        let queue = list(&map)
            .filter_map(|pair| pair.split_once('='))
            .find(|(mapped, _)| mapped.trim().eq_ignore_ascii_case(&status))
            .map(|(_, queue)| queue.trim().to_string());
        let queue = queue.unwrap_or_else(|| {
            host.log(
                LogLevel::Info,
                &format!(
                    "loyalty status {status:?} is not in queue_map; routed to {default_queue}"
                ),
            );
            default_queue
        });
        let mut actions = vec![Action::set_queue(&queue)];
        if config(host, "store_status") == "true" {
            actions.push(Action::set_user_field(STATUS_FIELD, value::text(status)));
        }
        Ok(actions)
    }
}

/// A configuration value, trimmed (empty when unset).
fn config(host: &Host, key: &str) -> String {
    host.config(key).unwrap_or_default().trim().to_string()
}

/// The non-empty items of a comma-separated list.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn channel_name(channel: &Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Web => "web",
        Channel::Api => "api",
        Channel::Portal => "portal",
        Channel::Voice => "voice",
        Channel::Chat => "chat",
    }
}

/// The caller's status (lowercase), or why there is none.
fn lookup(event: &Event, host: &Host) -> Result<String, String> {
    let url = customer_url(&config(host, "loyalty_url"), &event.requester)?;
    let authorization = config(host, "authorization");
    let mut headers = vec![("accept", "application/json")];
    if !authorization.is_empty() {
        headers.push(("authorization", authorization.as_str()));
    }
    let response = host.http_get(&url, &headers).map_err(|error| match error {
        HttpError::Denied(why) => {
            format!("the loyalty API was not reached: {why} (grant its origin)")
        }
        HttpError::InvalidUrl(why) => format!("loyalty_url is not a usable URL: {why}"),
        HttpError::Timeout => "the loyalty API did not answer in time".to_string(),
        HttpError::TooLarge => "the loyalty API's answer is too large".to_string(),
        HttpError::Failed(why) => format!("the loyalty API failed: {why}"),
    })?;
    match response.status {
        200..=299 => {}
        404 => return Err("the loyalty API does not know this customer (404)".into()),
        status => return Err(format!("the loyalty API answered {status}")),
    }
    let json: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|error| format!("the loyalty API's answer is not JSON: {error}"))?;
    let pointer = config(host, "status_pointer");
    match json.pointer(&pointer) {
        Some(serde_json::Value::String(status)) if !status.trim().is_empty() => {
            Ok(status.trim().to_lowercase())
        }
        _ => Err(format!(
            "the loyalty API's answer has no status text at {pointer}"
        )),
    }
}

/// `template` with the customer's phone, email and external id put in (percent-encoded).
fn customer_url(template: &str, customer: &User) -> Result<String, String> {
    let mut url = template.to_string();
    for (placeholder, value) in [
        ("{phone}", &customer.phone),
        ("{email}", &customer.email),
        ("{external_id}", &customer.external_id),
    ] {
        if url.contains(placeholder) {
            let Some(value) = value else {
                return Err(format!(
                    "the customer has no {} for loyalty_url",
                    &placeholder[1..placeholder.len() - 1]
                ));
            };
            url = url.replace(placeholder, &percent_encode(value));
        }
    }
    Ok(url)
}

/// Everything but RFC 3986's unreserved characters, percent-encoded (`+` of a phone number
/// included, which a query would read as a space).
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

wasmdesk_sdk::export_plugin!(LoyaltyRouting);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmdesk_sdk::testing::{EventBuilder, TestHost};

    const URL: &str = "http://loyalty.example/customers?phone={phone}";
    const CALLER: &str = "http://loyalty.example/customers?phone=%2B4930123456";

    fn host() -> TestHost {
        TestHost::for_plugin::<LoyaltyRouting>().config("loyalty_url", URL)
    }

    fn call() -> Event {
        EventBuilder::created()
            .channel(Channel::Voice)
            .requester_phone("+4930123456")
            .build()
    }

    fn run(host: &TestHost, event: &Event) -> Option<Vec<Action>> {
        host.evaluate::<LoyaltyRouting>(ROUTE_BY_LOYALTY, event)
            .unwrap()
    }

    #[test]
    fn gold_and_platinum_callers_go_to_the_priority_queue() {
        for status in ["gold", "Platinum"] {
            let host = host().http_ok(CALLER, &format!(r#"{{"status": "{status}"}}"#));
            assert_eq!(
                run(&host, &call()),
                Some(vec![
                    Action::set_queue("Priority"),
                    Action::set_user_field(STATUS_FIELD, value::text(status.to_lowercase())),
                ])
            );
        }
    }

    #[test]
    fn everyone_else_goes_to_the_standard_queue() {
        let host = host()
            .http_ok(CALLER, r#"{"status": "bronze"}"#)
            .config("store_status", "false");
        assert_eq!(
            run(&host, &call()),
            Some(vec![Action::set_queue("Standard")])
        );
    }

    #[test]
    fn a_failed_lookup_routes_to_the_default_queue_and_says_why() {
        for (host, why) in [
            (host().http_error(CALLER, HttpError::Timeout), "in time"),
            (host().http_ok(CALLER, "<html>"), "not JSON"),
            (host().http_ok(CALLER, r#"{"tier": "gold"}"#), "no status"),
            (host(), "grant"),
        ] {
            assert_eq!(
                run(&host, &call()),
                Some(vec![Action::set_queue("Standard")]),
                "{why}"
            );
            assert!(
                host.logs().iter().any(|(_, line)| line.contains(why)),
                "{why}: {:?}",
                host.logs()
            );
        }
    }

    #[test]
    fn the_status_is_read_where_the_pointer_says_and_mapped_as_configured() {
        let host = host()
            .config("status_pointer", "/loyalty/tier")
            .config("queue_map", "diamond = VIP line")
            .http_ok(CALLER, r#"{"loyalty": {"tier": "Diamond"}}"#);
        assert_eq!(
            run(&host, &call()).unwrap()[0],
            Action::set_queue("VIP line")
        );
    }

    #[test]
    fn only_configured_channels_are_routed_and_only_once_configured() {
        let email = EventBuilder::created()
            .requester_email("a@b.example")
            .build();
        assert_eq!(run(&host(), &email), None);
        let unconfigured = TestHost::for_plugin::<LoyaltyRouting>();
        assert_eq!(run(&unconfigured, &call()), None);
        let by_email = host()
            .config("channels", "voice, email")
            .config("loyalty_url", "http://loyalty.example/c/{email}")
            .http_ok(
                "http://loyalty.example/c/a%40b.example",
                r#"{"status": "gold"}"#,
            );
        assert_eq!(
            run(&by_email, &email).unwrap()[0],
            Action::set_queue("Priority")
        );
    }
}
