//! Organization routing: tickets from an organization's members go to the agent (and/or group)
//! set for that organization.
//!
//! Two organization fields, created on install: `auto_assign_agent` (an agent's email) and
//! `auto_assign_group` (a group's name). A new ticket from a member of an organization with
//! either set is assigned there. An email that names no agent, or a group that does not exist,
//! makes the action invalid: the host assigns nothing and audits why, readably.

use wasmdesk_sdk::prelude::*;

pub struct OrgRouting;

const ROUTE_BY_ORGANIZATION: &str = "route-by-organization";
const AGENT_FIELD: &str = "auto_assign_agent";
const GROUP_FIELD: &str = "auto_assign_group";

/// A field's text, trimmed, when it says something.
fn set<'a>(organization: &'a Organization, key: &str) -> Option<&'a str> {
    organization
        .text(key)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

impl Plugin for OrgRouting {
    fn describe() -> PluginInfo {
        PluginInfo::new("org-routing", env!("CARGO_PKG_VERSION"))
            .description(
                "Assigns new tickets from an organization's members to the agent and/or group \
                 set on the organization (auto_assign_agent, auto_assign_group).",
            )
            .trigger(
                TriggerInfo::on_created(ROUTE_BY_ORGANIZATION, "Route by organization")
                    .reads_organization_fields(&[AGENT_FIELD, GROUP_FIELD]),
            )
            .organization_field(
                FieldSpec::text(AGENT_FIELD, "Auto-assign agent")
                    .description("The email of the agent who gets this organization's new tickets"),
            )
            .organization_field(
                FieldSpec::text(GROUP_FIELD, "Auto-assign group")
                    .description("The group that gets this organization's new tickets"),
            )
    }

    fn matches(_trigger: &str, event: &Event, _host: &Host) -> Result<bool, RuleError> {
        Ok(event.organization.as_ref().is_some_and(|organization| {
            set(organization, AGENT_FIELD).is_some() || set(organization, GROUP_FIELD).is_some()
        }))
    }

    fn actions(_trigger: &str, event: &Event, _host: &Host) -> Result<Vec<Action>, RuleError> {
        let Some(organization) = &event.organization else {
            return Ok(Vec::new());
        };
        let mut actions = Vec::new();
        if let Some(group) = set(organization, GROUP_FIELD) {
            actions.push(Action::assign_group(group));
        }
        if let Some(agent) = set(organization, AGENT_FIELD) {
            actions.push(Action::assign_agent(agent));
        }
        Ok(actions)
    }
}

wasmdesk_sdk::export_plugin!(OrgRouting);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmdesk_sdk::testing::{EventBuilder, TestHost};

    fn run(event: EventBuilder) -> Option<Vec<Action>> {
        TestHost::for_plugin::<OrgRouting>()
            .evaluate::<OrgRouting>(ROUTE_BY_ORGANIZATION, &event.build())
            .unwrap()
    }

    #[test]
    fn an_organizations_agent_and_group_get_its_tickets() {
        let actions = run(EventBuilder::created()
            .organization("Acme")
            .organization_field(AGENT_FIELD, value::text(" ada@desk.example "))
            .organization_field(GROUP_FIELD, value::text("Acme team")));
        assert_eq!(
            actions,
            Some(vec![
                Action::assign_group("Acme team"),
                Action::assign_agent("ada@desk.example"),
            ])
        );
    }

    #[test]
    fn an_agent_alone_is_enough() {
        let actions = run(EventBuilder::created()
            .organization("Acme")
            .organization_field(AGENT_FIELD, value::text("ada@desk.example")));
        assert_eq!(
            actions,
            Some(vec![Action::assign_agent("ada@desk.example")])
        );
    }

    #[test]
    fn organizations_without_routing_and_customers_without_one_are_left_alone() {
        assert_eq!(run(EventBuilder::created().organization("Acme")), None);
        assert_eq!(
            run(EventBuilder::created()
                .organization("Acme")
                .organization_field(AGENT_FIELD, value::text("  "))),
            None
        );
        assert_eq!(run(EventBuilder::created()), None);
    }
}
