//! Software-support recipe: tickets from prospects go to Sales, quickly.
//!
//! A ticket created by a member of an organization whose account type is `prospect` gets
//! priority high and the Sales group.

use wasmdesk_sdk::prelude::*;

pub struct ProspectSales;

const PROSPECT_TO_SALES: &str = "prospect-to-sales";

impl Plugin for ProspectSales {
    fn describe() -> PluginInfo {
        PluginInfo::new("prospect-sales", env!("CARGO_PKG_VERSION"))
            .description(
                "Sends tickets from prospect organizations to the sales group with priority high.",
            )
            .trigger(
                TriggerInfo::on_created(PROSPECT_TO_SALES, "Prospect tickets to Sales")
                    .reads_organization_fields(&["account_type"]),
            )
            .organization_field(FieldSpec::dropdown(
                "account_type",
                "Account type",
                &["active_customer", "prospect", "churned", "partner"],
            ))
            .organization_field(FieldSpec::decimal("monthly_spend", "Monthly spend"))
            .organization_field(FieldSpec::checkbox(
                "reference_customer",
                "Reference customer",
            ))
            .organization_field(FieldSpec::dropdown(
                "contract_term",
                "Contract term",
                &["monthly", "quarterly", "1_year", "2_years"],
            ))
            .organization_field(FieldSpec::dropdown(
                "service_level",
                "Service level",
                &["platinum", "gold", "silver", "bronze"],
            ))
            .group("Sales")
            .config(
                ConfigKey::group_name("group", "Group prospect tickets are assigned to")
                    .default("Sales"),
            )
    }

    fn matches(_trigger: &str, event: &Event, _host: &Host) -> Result<bool, RuleError> {
        let account_type = event
            .organization
            .as_ref()
            .and_then(|org| org.option("account_type"));
        Ok(account_type == Some("prospect"))
    }

    fn actions(_trigger: &str, _event: &Event, host: &Host) -> Result<Vec<Action>, RuleError> {
        let group: String = host.config_parsed("group")?;
        Ok(vec![
            Action::SetPriority(Priority::High),
            Action::assign_group(&group),
        ])
    }
}

wasmdesk_sdk::export_plugin!(ProspectSales);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmdesk_sdk::testing::{EventBuilder, TestHost};

    fn run(event: EventBuilder) -> Option<Vec<Action>> {
        TestHost::for_plugin::<ProspectSales>()
            .evaluate::<ProspectSales>(PROSPECT_TO_SALES, &event.build())
            .unwrap()
    }

    #[test]
    fn prospect_goes_to_sales_with_priority_high() {
        let actions =
            run(EventBuilder::created()
                .organization_field("account_type", value::option("prospect")));
        assert_eq!(
            actions,
            Some(vec![
                Action::SetPriority(Priority::High),
                Action::assign_group("Sales")
            ])
        );
    }

    #[test]
    fn active_customer_is_left_alone() {
        assert_eq!(
            run(EventBuilder::created()
                .organization_field("account_type", value::option("active_customer"))),
            None
        );
    }

    #[test]
    fn customer_without_organization_is_left_alone() {
        assert_eq!(run(EventBuilder::created()), None);
    }
}
