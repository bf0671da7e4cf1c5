//! Retail recipe: escalate tickets from customers who matter most.
//!
//! A ticket from a platinum customer, a big spender (annual spend above the configured
//! threshold) or a highly influential one gets a higher priority, the VIP group and the `vip` tag.
//! Special agents are looped in when a VIP writes: with `notify_group` set, every agent of that
//! group gets an email; with `notify_webhook` set, the webhook of that name is told (a chat
//! channel, a pager).

use wasmdesk_sdk::prelude::*;

pub struct RetailVip;

const ESCALATION: &str = "vip-escalation";

impl Plugin for RetailVip {
    fn describe() -> PluginInfo {
        PluginInfo::new("retail-vip", env!("CARGO_PKG_VERSION"))
            .description("Escalates tickets from platinum, big-spending or highly influential customers.")
            .trigger(
                TriggerInfo::on_created(ESCALATION, "VIP escalation")
                    .description("Service level platinum, annual spend above the threshold, or social influence high.")
                    .reads_user_fields(&["service_level", "annual_spend", "social_influence"]),
            )
            .user_field(FieldSpec::date("last_purchase_date", "Last purchase"))
            .user_field(FieldSpec::date("subscription_renewal_date", "Subscription renewal"))
            .user_field(FieldSpec::decimal("annual_spend", "Annual spend"))
            .user_field(FieldSpec::dropdown("service_level", "Service level", &["platinum", "gold", "silver", "bronze"]))
            .user_field(FieldSpec::dropdown("social_influence", "Social influence", &["high", "medium", "low"]))
            .group("VIP")
            .config(ConfigKey::decimal("spend_threshold", "Annual spend above which a customer is a VIP").default("1000"))
            .config(ConfigKey::one_of("priority", "Priority given to VIP tickets", Priority::NAMES).default("high"))
            .config(ConfigKey::group_name("group", "Group VIP tickets are assigned to").default("VIP"))
            .config(
                ConfigKey::new(
                    "notify_webhook",
                    "A webhook (its name at /api/v2/webhooks) told of each escalation; none while empty",
                )
                .default(""),
            )
            .config(ConfigKey::group_name(
                "notify_group",
                "A group whose agents get an email at each escalation; none while unset",
            ))
    }

    fn matches(_trigger: &str, event: &Event, host: &Host) -> Result<bool, RuleError> {
        let customer = &event.requester;
        let threshold: f64 = host.config_parsed("spend_threshold")?;
        Ok(customer.option("service_level") == Some("platinum")
            || customer
                .number("annual_spend")
                .is_some_and(|spend| spend > threshold)
            || customer.option("social_influence") == Some("high"))
    }

    fn actions(_trigger: &str, event: &Event, host: &Host) -> Result<Vec<Action>, RuleError> {
        let priority: Priority = host.config_parsed("priority")?;
        let group: String = host.config_parsed("group")?;
        let mut actions = vec![
            Action::SetPriority(priority),
            Action::assign_group(&group),
            Action::add_tag("vip"),
        ];
        let webhook = host.config("notify_webhook").unwrap_or_default();
        if !webhook.trim().is_empty() {
            let body = serde_json::json!({
                "event": "vip_escalation",
                "ticket_id": event.ticket.id,
                "subject": event.ticket.subject,
                "requester": {"id": event.requester.id, "name": event.requester.name,
                              "email": event.requester.email},
                "priority": priority.name(),
                "group": group,
            });
            actions.push(Action::webhook(webhook.trim(), &body.to_string()));
        }
        if let Some(agents) = host
            .config("notify_group")
            .filter(|name| !name.trim().is_empty())
        {
            let customer = &event.requester;
            let who = customer.email.as_deref().unwrap_or(&customer.name);
            let subject = format!("VIP ticket #{}: {}", event.ticket.id, event.ticket.subject);
            let text = format!(
                "{who} wrote in and was escalated: priority {}, group {group}.\n\nTicket #{}: {}\n",
                priority.name(),
                event.ticket.id,
                event.ticket.subject,
            );
            actions.push(Action::notify_group(agents.trim(), &subject, &text));
        }
        Ok(actions)
    }
}

wasmdesk_sdk::export_plugin!(RetailVip);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmdesk_sdk::testing::{EventBuilder, TestHost};

    fn run(event: EventBuilder) -> Option<Vec<Action>> {
        TestHost::for_plugin::<RetailVip>()
            .evaluate::<RetailVip>(ESCALATION, &event.build())
            .unwrap()
    }

    #[test]
    fn a_configured_webhook_is_told_of_each_escalation() {
        let event = EventBuilder::created()
            .requester_email("ada@example.org")
            .requester_field("service_level", value::option("platinum"))
            .build();
        let actions = TestHost::for_plugin::<RetailVip>()
            .config("notify_webhook", "vip-desk")
            .evaluate::<RetailVip>(ESCALATION, &event)
            .unwrap()
            .unwrap();
        let Action::NotifyWebhook(call) = &actions[3] else {
            panic!("{actions:?}");
        };
        assert_eq!(call.url, "vip-desk");
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        assert_eq!(body["event"], "vip_escalation");
        assert_eq!(body["requester"]["email"], "ada@example.org");
        assert_eq!(body["priority"], "high");
    }

    #[test]
    fn a_configured_group_is_emailed_at_each_escalation() {
        let event = EventBuilder::created()
            .requester_email("ada@example.org")
            .requester_field("service_level", value::option("platinum"))
            .build();
        let actions = TestHost::for_plugin::<RetailVip>()
            .config("notify_group", "VIP desk")
            .evaluate::<RetailVip>(ESCALATION, &event)
            .unwrap()
            .unwrap();
        let Action::NotifyAgents(email) = &actions[3] else {
            panic!("{actions:?}");
        };
        assert_eq!(email.group.as_deref(), Some("VIP desk"));
        assert!(
            email.subject.starts_with("VIP ticket #"),
            "{}",
            email.subject
        );
        assert!(email.text.contains("ada@example.org"), "{}", email.text);
        assert!(email.text.contains("priority high"), "{}", email.text);
    }

    #[test]
    fn platinum_customer_is_escalated() {
        let actions = run(
            EventBuilder::created().requester_field("service_level", value::option("platinum"))
        );
        assert_eq!(
            actions,
            Some(vec![
                Action::SetPriority(Priority::High),
                Action::assign_group("VIP"),
                Action::add_tag("vip")
            ])
        );
    }

    #[test]
    fn spend_must_exceed_the_threshold() {
        assert!(
            run(EventBuilder::created().requester_field("annual_spend", value::number(1000.01)))
                .is_some()
        );
        assert!(
            run(EventBuilder::created().requester_field("annual_spend", value::number(1000.0)))
                .is_none()
        );
    }

    #[test]
    fn highly_influential_customer_is_escalated() {
        assert!(
            run(EventBuilder::created().requester_field("social_influence", value::option("high")))
                .is_some()
        );
        assert!(
            run(EventBuilder::created()
                .requester_field("social_influence", value::option("medium")))
            .is_none()
        );
    }

    #[test]
    fn ordinary_customer_is_left_alone() {
        let event = EventBuilder::created()
            .requester_field("service_level", value::option("gold"))
            .requester_field("annual_spend", value::number(200.0));
        assert_eq!(run(event), None);
    }

    #[test]
    fn configuration_changes_threshold_priority_and_group() {
        let host = TestHost::for_plugin::<RetailVip>()
            .config("spend_threshold", "100")
            .config("priority", "urgent")
            .config("group", "Concierge");
        let event = EventBuilder::created()
            .requester_field("annual_spend", value::number(150.0))
            .build();
        let actions = host
            .evaluate::<RetailVip>(ESCALATION, &event)
            .unwrap()
            .unwrap();
        assert_eq!(
            actions[..2],
            [
                Action::SetPriority(Priority::Urgent),
                Action::assign_group("Concierge")
            ]
        );
    }

    #[test]
    fn bad_configuration_is_a_clear_error() {
        let host = TestHost::for_plugin::<RetailVip>().config("spend_threshold", "a lot");
        let event = EventBuilder::created().build();
        let error = host.evaluate::<RetailVip>(ESCALATION, &event).unwrap_err();
        assert!(error.contains("spend_threshold"), "{error:?}");
        assert!(error.contains("a decimal number"), "{error:?}");

        let host = TestHost::for_plugin::<RetailVip>().config("priority", "super");
        let error = host.evaluate::<RetailVip>(ESCALATION, &event).unwrap_err();
        assert!(
            error.contains("one of: low, normal, high, urgent"),
            "{error:?}"
        );
    }

    #[test]
    fn reads_only_the_three_declared_customer_fields() {
        let info = RetailVip::describe();
        let inputs = &info.triggers[0].inputs;
        assert_eq!(
            inputs.user_fields,
            ["service_level", "annual_spend", "social_influence"]
        );
        assert!(inputs.organization_fields.is_empty() && inputs.ticket_fields.is_empty());
        assert!(!inputs.text);
    }
}
