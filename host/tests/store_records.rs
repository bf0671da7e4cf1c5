//! Users, organizations, custom fields, groups and tickets on every backend (see `common`).

mod common;

use common::stores;
use serde_json::{Value, json};
use wasmdesk_host::domain::field_definition::FieldPatch;
use wasmdesk_host::domain::search::parse_user_query;
use wasmdesk_host::domain::{
    FieldDefinition, FieldScope, FieldValue, GroupDraft, OrganizationDraft, Priority, Status,
    TicketDraft, UserDraft, UserRole,
};
use wasmdesk_host::store::{Page, Store, StoreError, TicketFilter};

fn user(value: Value) -> UserDraft {
    serde_json::from_value(value).unwrap()
}

fn ticket(value: Value) -> TicketDraft {
    serde_json::from_value(value).unwrap()
}

fn field(value: Value) -> FieldDefinition {
    serde_json::from_value(value).unwrap()
}

/// The retail cookbook's customer fields, as an admin defines them.
async fn define_retail_fields(store: &Store) {
    for definition in [
        json!({"key": "last_purchase_date", "type": "date", "title": "Last purchase"}),
        json!({"key": "renewal_date", "type": "date", "title": "Subscription renewal"}),
        json!({"key": "annual_spend", "type": "decimal", "title": "Annual spend"}),
        json!({"key": "service_level", "type": "dropdown", "title": "Service level",
               "custom_field_options": [
                   {"name": "Platinum", "value": "platinum"}, {"name": "Gold", "value": "gold"},
                   {"name": "Silver", "value": "silver"}, {"name": "Bronze", "value": "bronze"}]}),
        json!({"key": "social_influence", "type": "dropdown", "title": "Social influence",
               "custom_field_options": [
                   {"name": "High", "value": "high"}, {"name": "Medium", "value": "medium"},
                   {"name": "Low", "value": "low"}]}),
        json!({"key": "channels", "type": "multiselect", "title": "Channels",
               "custom_field_options": [{"name": "Shop", "value": "shop"}, {"name": "App", "value": "app"}]}),
        json!({"key": "orders", "type": "integer", "title": "Orders"}),
        json!({"key": "newsletter", "type": "checkbox", "title": "Newsletter"}),
        json!({"key": "member_code", "type": "regexp", "title": "Member code",
               "regexp_for_validation": "[A-Z]{2}-\\d{4}"}),
    ] {
        store
            .create_field(FieldScope::User, field(definition))
            .await
            .unwrap();
    }
}

fn keys(error: StoreError) -> Vec<String> {
    match error {
        StoreError::Rejected(problems) => problems.0.into_keys().collect(),
        other => panic!("expected a rejection, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_keep_full_records_with_custom_values() {
    for (store, _dir) in stores("users").await {
        define_retail_fields(&store).await;
        let acme = store
            .create_organization(OrganizationDraft::named("Acme", &["acme.com"]))
            .await
            .unwrap();
        let ada = store
            .create_user(user(json!({
                "name": "Ada", "email": "Ada@ACME.com", "phone": "+49 (30) 123-456",
                "tags": ["VIP", "vip", "early"], "external_id": "crm-1",
                "user_fields": {"service_level": "platinum", "annual_spend": "1200.50",
                                "last_purchase_date": "2026-11-01", "channels": ["app", "shop"],
                                "orders": 7, "newsletter": true, "member_code": "AB-1234"},
            })))
            .await
            .unwrap();
        assert_eq!(ada.email.as_deref(), Some("ada@acme.com"));
        assert_eq!(ada.phone.as_deref(), Some("+4930123456"));
        assert_eq!(ada.role, UserRole::EndUser);
        assert_eq!(ada.tags, ["vip", "early"]);
        assert_eq!(
            ada.organization_id,
            Some(acme.id),
            "joins the owner of her domain"
        );
        assert_eq!(ada.user_fields["annual_spend"], FieldValue::Number(1200.5));
        assert_eq!(
            ada.user_fields["channels"],
            FieldValue::Options(vec!["app".into(), "shop".into()])
        );
        assert_eq!(store.user(ada.id).await.unwrap(), ada);
        assert_eq!(
            store.user_by_phone("0049 30 123456").await.unwrap(),
            Some(ada.clone())
        );
        assert_eq!(
            store
                .user_by_external_id("crm-1")
                .await
                .unwrap()
                .unwrap()
                .id,
            ada.id
        );

        // Partial update: named values change, null clears, others stay.
        let updated = store
            .update_user(
                ada.id,
                user(json!({
                    "name": "Ada L.", "phone": null,
                    "user_fields": {"service_level": "gold", "orders": null},
                })),
            )
            .await
            .unwrap();
        assert_eq!(updated.name, "Ada L.");
        assert_eq!(updated.phone, None);
        assert_eq!(
            updated.user_fields["service_level"],
            FieldValue::Option("gold".into())
        );
        assert!(!updated.user_fields.contains_key("orders"));
        assert_eq!(updated.user_fields["newsletter"], FieldValue::Flag(true));
        assert_eq!(updated.email, ada.email);

        // create_or_update by email.
        let (same, created) = store
            .create_or_update_user(user(
                json!({"email": "ada@acme.com", "name": "Ada Lovelace"}),
            ))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!((same.id, same.name.as_str()), (ada.id, "Ada Lovelace"));
        let (grace, created) = store
            .create_or_update_user(user(json!({"email": "grace@navy.mil", "name": "Grace"})))
            .await
            .unwrap();
        assert!(created);

        let page = store
            .list_users(
                None,
                Page {
                    after: None,
                    size: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.next_after, Some(ada.id));
        let next = store
            .list_users(
                None,
                Page {
                    after: page.next_after,
                    size: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(next.items[0].id, grace.id);
        assert_eq!(next.next_after, None);

        store.delete_user(grace.id).await.unwrap();
        assert!(matches!(
            store.user(grace.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.delete_user(grace.id).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_users_are_rejected_with_every_problem_and_nothing_written() {
    for (store, _dir) in stores("bad_users").await {
        define_retail_fields(&store).await;
        let error = store
            .create_user(user(json!({
                "email": "nope", "phone": "123", "role": "boss", "organization_id": 999,
                "user_fields": {"service_level": "diamond", "annual_spend": "lots",
                                "last_purchase_date": "2026-02-30", "shoe_size": 42,
                                "member_code": "ab-1234", "newsletter": "yes"},
            })))
            .await
            .unwrap_err();
        assert_eq!(
            keys(error),
            [
                "email",
                "organization_id",
                "phone",
                "role",
                "user_fields.annual_spend",
                "user_fields.last_purchase_date",
                "user_fields.member_code",
                "user_fields.newsletter",
                "user_fields.service_level",
                "user_fields.shoe_size",
            ]
        );
        assert!(
            store
                .list_users(None, Page::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        store
            .create_user(user(
                json!({"name": "A", "email": "a@x.org", "phone": "+15550100", "external_id": "e1"}),
            ))
            .await
            .unwrap();
        for (draft, collides) in [
            (json!({"name": "B", "email": "A@X.org"}), "email"),
            (json!({"name": "B", "phone": "+1 555 0100"}), "phone"),
            (json!({"name": "B", "external_id": "e1"}), "external_id"),
        ] {
            match store.create_user(user(draft)).await {
                Err(StoreError::Conflict(what)) => assert!(what.contains(collides), "{what}"),
                other => panic!("expected a conflict on {collides}, got {other:?}"),
            }
        }
        assert_eq!(
            store
                .list_users(None, Page::default())
                .await
                .unwrap()
                .items
                .len(),
            1
        );

        // An inactive field takes no values.
        let legacy = store
            .create_field(
                FieldScope::User,
                field(json!({"key": "legacy", "type": "text", "title": "Legacy", "active": false})),
            )
            .await
            .unwrap();
        assert_eq!(
            keys(
                store
                    .create_user(user(json!({"name": "C", "user_fields": {"legacy": "x"}})))
                    .await
                    .unwrap_err()
            ),
            ["user_fields.legacy"]
        );
        // A field key is unique.
        match store
            .create_field(
                FieldScope::User,
                field(json!({"key": "legacy", "type": "integer", "title": "Again"})),
            )
            .await
        {
            Err(StoreError::Conflict(what)) => assert!(what.contains("\"legacy\""), "{what}"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(
            keys(
                store
                    .create_field(
                        FieldScope::User,
                        field(json!({"key": "bad key", "type": "dropdown", "title": ""}))
                    )
                    .await
                    .unwrap_err()
            ),
            ["custom_field_options", "key", "title"]
        );
        store
            .delete_field(FieldScope::User, legacy.id)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_are_searched_by_field_value_email_and_external_id() {
    for (store, _dir) in stores("search").await {
        define_retail_fields(&store).await;
        for (name, level, spend, renewal, channels) in [
            ("plat", "platinum", 500.0, "2026-01-10", json!(["shop"])),
            ("big", "gold", 1000.01, "2026-06-01", json!(["app", "shop"])),
            ("edge", "silver", 1000.0, "2027-01-01", json!(["app"])),
        ] {
            store
                .create_user(user(json!({
                    "name": name, "email": format!("{name}@example.org"), "external_id": format!("x-{name}"),
                    "user_fields": {"service_level": level, "annual_spend": spend,
                                    "renewal_date": renewal, "channels": channels},
                })))
                .await
                .unwrap();
        }
        let names = |query: &str| {
            let store = store.clone();
            let query = query.to_string();
            async move {
                let criteria = parse_user_query(&query).unwrap();
                let found = store
                    .search_users(&criteria, Page::default())
                    .await
                    .unwrap();
                found.items.into_iter().map(|u| u.name).collect::<Vec<_>>()
            }
        };
        assert_eq!(names("service_level:platinum").await, ["plat"]);
        assert_eq!(names("annual_spend>1000").await, ["big"]);
        assert_eq!(names("annual_spend>=1000").await, ["big", "edge"]);
        assert_eq!(names("renewal_date<2026-07-01").await, ["plat", "big"]);
        assert_eq!(names("channels:app").await, ["big", "edge"]);
        assert_eq!(names("channels:app annual_spend<1000.005").await, ["edge"]);
        assert_eq!(names("email:BIG@example.org").await, ["big"]);
        assert_eq!(names("external_id:x-edge").await, ["edge"]);
        assert!(names("service_level:diamond").await.is_empty());

        for (query, reason) in [
            ("shoe_size:42", "no user field \"shoe_size\""),
            ("annual_spend>lots", "not a number"),
            ("service_level>gold", "compared with ':' only"),
            ("renewal_date>2026-13-01", "not a date"),
        ] {
            let criteria = parse_user_query(query).unwrap();
            match store.search_users(&criteria, Page::default()).await {
                Err(StoreError::Rejected(problems)) => {
                    assert!(
                        problems.0["query"][0].contains(reason),
                        "{query}: {problems}"
                    )
                }
                other => panic!("{query}: expected a rejection, got {other:?}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn field_definitions_change_without_touching_key_or_type() {
    for (store, _dir) in stores("fields").await {
        define_retail_fields(&store).await;
        let fields = store.fields(FieldScope::User).await.unwrap();
        let level = fields
            .iter()
            .find(|f| f.definition.key == "service_level")
            .unwrap()
            .clone();
        let channels = fields
            .iter()
            .find(|f| f.definition.key == "channels")
            .unwrap()
            .clone();
        let bronze = store
            .create_user(user(json!({"name": "B", "user_fields": {"service_level": "bronze", "channels": ["app", "shop"]}})))
            .await
            .unwrap();

        // Replacing the options removes the missing ones and the values that chose them.
        let options = |tags: &[&str]| -> Value {
            json!({"custom_field_options": tags.iter().map(|t| json!({"name": t.to_uppercase(), "value": t})).collect::<Vec<_>>()})
        };
        let patch = |value: Value| -> FieldPatch { serde_json::from_value(value).unwrap() };
        let updated = store
            .update_field(
                FieldScope::User,
                level.id,
                patch(options(&["platinum", "gold", "silver"])),
            )
            .await
            .unwrap();
        assert_eq!(updated.definition.options.len(), 3);
        store
            .update_field(FieldScope::User, channels.id, patch(options(&["shop"])))
            .await
            .unwrap();
        let bronze = store.user(bronze.id).await.unwrap();
        assert!(!bronze.user_fields.contains_key("service_level"));
        assert_eq!(
            bronze.user_fields["channels"],
            FieldValue::Options(vec!["shop".into()])
        );

        assert_eq!(
            keys(
                store
                    .update_field(
                        FieldScope::User,
                        level.id,
                        patch(json!({"key": "level", "type": "text"}))
                    )
                    .await
                    .unwrap_err()
            ),
            ["key", "type"]
        );

        // Reorder: every id once.
        let mut ids: Vec<i64> = fields.iter().map(|f| f.id).collect();
        ids.reverse();
        let reordered = store.reorder_fields(FieldScope::User, &ids).await.unwrap();
        assert_eq!(reordered.iter().map(|f| f.id).collect::<Vec<_>>(), ids);
        assert!(matches!(
            store.reorder_fields(FieldScope::User, &ids[1..]).await,
            Err(StoreError::Rejected(_))
        ));

        // Deleting a field deletes its values.
        store
            .delete_field(FieldScope::User, channels.id)
            .await
            .unwrap();
        assert!(store.user(bronze.id).await.unwrap().user_fields.is_empty());
        assert!(matches!(
            store.field(FieldScope::User, channels.id).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn organizations_own_domains_tags_notes_and_custom_values() {
    for (store, _dir) in stores("organizations").await {
        for definition in [
            json!({"key": "account_type", "type": "dropdown", "title": "Account type",
                   "custom_field_options": [
                       {"name": "Active customer", "value": "active_customer"}, {"name": "Prospect", "value": "prospect"},
                       {"name": "Churned", "value": "churned"}, {"name": "Partner", "value": "partner"}]}),
            json!({"key": "monthly_spend", "type": "decimal", "title": "Monthly spend"}),
            json!({"key": "reference_customer", "type": "checkbox", "title": "Reference customer"}),
        ] {
            store
                .create_field(FieldScope::Organization, field(definition))
                .await
                .unwrap();
        }
        let early = store
            .find_or_create_customer("early@initech.com", None)
            .await
            .unwrap();
        let initech_auto = store
            .organization(early.organization_id.unwrap())
            .await
            .unwrap();
        assert_eq!(initech_auto.name, "Initech");
        store.delete_organization(initech_auto.id).await.unwrap();
        assert_eq!(store.user(early.id).await.unwrap().organization_id, None);

        let draft: OrganizationDraft = serde_json::from_value(json!({
            "name": "Initech Corp", "domain_names": ["initech.com", "Initech.DE"],
            "tags": ["Enterprise"], "notes": "Pays late",
            "organization_fields": {"account_type": "prospect", "monthly_spend": 99.5},
        }))
        .unwrap();
        let initech = store.create_organization(draft).await.unwrap();
        assert_eq!(initech.domain_names, ["initech.com", "initech.de"]);
        assert_eq!(initech.tags, ["enterprise"]);
        assert_eq!(initech.notes, "Pays late");
        assert_eq!(
            initech.organization_fields["account_type"],
            FieldValue::Option("prospect".into())
        );
        assert_eq!(
            store.user(early.id).await.unwrap().organization_id,
            Some(initech.id),
            "creating the owner of a domain attaches its customers"
        );
        let members = store
            .organization_members(initech.id, Page::default())
            .await
            .unwrap();
        assert_eq!(members.items.len(), 1);

        let draft: OrganizationDraft = serde_json::from_value(json!({
            "domain_names": ["initech.de", "initech.io"],
            "organization_fields": {"account_type": "active_customer", "reference_customer": true},
        }))
        .unwrap();
        let updated = store.update_organization(initech.id, draft).await.unwrap();
        assert_eq!(updated.domain_names, ["initech.de", "initech.io"]);
        assert_eq!(updated.name, "Initech Corp");
        assert_eq!(
            updated.organization_fields["reference_customer"],
            FieldValue::Flag(true)
        );
        assert_eq!(
            updated.organization_fields["monthly_spend"],
            FieldValue::Number(99.5)
        );
        assert_eq!(
            store.organization_by_domain("initech.com").await.unwrap(),
            None
        );

        let bad: OrganizationDraft = serde_json::from_value(json!({
            "name": " ", "domain_names": ["not a domain"], "tags": ["a b"],
            "organization_fields": {"account_type": "lead"},
        }))
        .unwrap();
        assert_eq!(
            keys(store.create_organization(bad).await.unwrap_err()),
            [
                "domain_names",
                "name",
                "organization_fields.account_type",
                "tags"
            ]
        );
        let bad: OrganizationDraft = serde_json::from_value(json!({
            "name": "Fine", "organization_fields": {"account_type": "lead", "nope": 1},
        }))
        .unwrap();
        assert_eq!(
            keys(store.create_organization(bad).await.unwrap_err()),
            [
                "organization_fields.account_type",
                "organization_fields.nope"
            ]
        );
        assert_eq!(
            store
                .list_organizations(Page::default())
                .await
                .unwrap()
                .items
                .len(),
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn groups_hold_agents_only() {
    for (store, _dir) in stores("groups").await {
        let sales = store
            .create_group(GroupDraft::named("Sales"))
            .await
            .unwrap();
        assert!(matches!(
            store.create_group(GroupDraft::named(" Sales ")).await,
            Err(StoreError::Conflict(what)) if what.contains("\"Sales\"")
        ));
        assert_eq!(store.ensure_group("Sales").await.unwrap().id, sales.id);
        let vip = store.ensure_group("VIP").await.unwrap();
        assert_eq!(store.groups().await.unwrap().len(), 2);

        let agent = store
            .create_user(user(
                json!({"name": "Agent", "email": "agent@desk.example", "role": "agent"}),
            ))
            .await
            .unwrap();
        let customer = store
            .find_or_create_customer("c@gmail.com", None)
            .await
            .unwrap();
        let membership = store.create_membership(sales.id, agent.id).await.unwrap();
        assert!(matches!(
            store.create_membership(sales.id, agent.id).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            keys(store.create_membership(999, customer.id).await.unwrap_err()),
            ["group_id", "user_id"]
        );
        store.create_membership(vip.id, agent.id).await.unwrap();
        assert_eq!(
            store.memberships(None, Some(agent.id)).await.unwrap().len(),
            2
        );
        store.delete_membership(membership.id).await.unwrap();
        assert_eq!(
            store.memberships(Some(sales.id), None).await.unwrap().len(),
            0
        );

        // Demoted to end user: out of every group.
        store
            .update_user(agent.id, user(json!({"role": "end-user"})))
            .await
            .unwrap();
        assert!(
            store
                .memberships(None, Some(agent.id))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_are_created_updated_listed_and_commented() {
    for (store, _dir) in stores("tickets").await {
        let group = store
            .create_group(GroupDraft::named("Support"))
            .await
            .unwrap();
        let agent = store
            .create_user(user(
                json!({"name": "Agent", "email": "agent@desk.example", "role": "agent"}),
            ))
            .await
            .unwrap();
        store
            .create_field(
                FieldScope::Ticket,
                serde_json::from_value(
                    json!({"key": "order_id", "type": "text", "title": "Order"}),
                )
                .unwrap(),
            )
            .await
            .unwrap();
        let created = store
            .create_ticket(ticket(json!({
                "requester": {"email": "ada@acme-tools.com", "name": "Ada"},
                "description": "The printer is on fire.\nPlease help.",
                "priority": "high", "tags": ["Printer"], "channel": "email",
                "custom_fields": {"order_id": "A-1"},
            })))
            .await
            .unwrap();
        let ada = store
            .user_by_email("ada@acme-tools.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(created.requester_id, ada.id);
        assert_eq!(
            created.organization_id, ada.organization_id,
            "the requester's organization"
        );
        assert!(created.organization_id.is_some());
        assert_eq!(created.subject, "The printer is on fire.");
        assert_eq!(created.status, Status::New);
        assert_eq!(created.priority, Some(Priority::High));
        assert_eq!(created.tags, ["printer"]);
        assert_eq!(
            created.custom_fields["order_id"],
            FieldValue::Text("A-1".into())
        );

        let updated = store
            .update_ticket(created.id, ticket(json!({
                "status": "open", "assignee_id": agent.id, "group_id": group.id, "priority": null,
                "comment": {"body": "On it.", "public": false, "author_id": agent.id},
                "custom_fields": {"order_id": null},
            })))
            .await
            .unwrap();
        assert_eq!(updated.status, Status::Open);
        assert_eq!(updated.priority, None);
        assert_eq!(
            (updated.assignee_id, updated.group_id),
            (Some(agent.id), Some(group.id))
        );
        assert!(updated.custom_fields.is_empty());
        let comments = store
            .comments(created.id, Page::default())
            .await
            .unwrap()
            .items;
        assert_eq!(comments.len(), 2);
        assert_eq!(
            (comments[0].author_id, comments[0].public),
            (Some(ada.id), true)
        );
        assert_eq!(
            (comments[1].author_id, comments[1].public),
            (Some(agent.id), false)
        );

        let second = store
            .create_ticket(ticket(
                json!({"requester_id": ada.id, "subject": "Again", "description": "x"}),
            ))
            .await
            .unwrap();
        let list = |filter: TicketFilter| {
            let store = store.clone();
            async move {
                store
                    .list_tickets(&filter, Page::default())
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(list(TicketFilter::default()).await, [created.id, second.id]);
        assert_eq!(
            list(TicketFilter {
                status: Some(Status::New),
                ..Default::default()
            })
            .await,
            [second.id]
        );
        assert_eq!(
            list(TicketFilter {
                assignee_id: Some(agent.id),
                ..Default::default()
            })
            .await,
            [created.id]
        );
        assert_eq!(
            list(TicketFilter {
                group_id: Some(group.id),
                ..Default::default()
            })
            .await,
            [created.id]
        );
        assert_eq!(
            list(TicketFilter {
                requester_id: Some(ada.id),
                ..Default::default()
            })
            .await
            .len(),
            2
        );
        assert_eq!(
            list(TicketFilter {
                organization_id: ada.organization_id,
                ..Default::default()
            })
            .await
            .len(),
            2
        );

        // Bad references and values are all reported; nothing is written.
        assert_eq!(
            keys(store.create_ticket(ticket(json!({
                "requester_id": 999, "description": "x", "assignee_id": ada.id, "group_id": 999,
                "organization_id": 999, "status": "done",
            }))).await.unwrap_err()),
            ["status"]
        );
        assert_eq!(
            keys(store.create_ticket(ticket(json!({
                "requester_id": 999, "description": "x", "assignee_id": ada.id, "group_id": 999,
                "organization_id": 999,
            }))).await.unwrap_err()),
            ["assignee_id", "group_id", "organization_id", "requester_id"]
        );
        assert_eq!(
            keys(
                store
                    .create_ticket(ticket(json!({"requester_id": ada.id})))
                    .await
                    .unwrap_err()
            ),
            ["comment"]
        );
        assert_eq!(list(TicketFilter::default()).await.len(), 2);
        assert!(matches!(
            store.ticket(999).await,
            Err(StoreError::NotFound { .. })
        ));

        // A requester of tickets cannot be deleted.
        assert!(matches!(
            store.delete_user(ada.id).await,
            Err(StoreError::Conflict(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callers_are_found_or_created_once_by_phone() {
    for (store, _dir) in stores("phone").await {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                // The same number in different notations.
                let number = if i % 2 == 0 {
                    "+44 20 7946 0958"
                } else {
                    "0044-20-7946-0958"
                };
                tokio::spawn(
                    async move { store.find_or_create_customer_by_phone(number, None).await },
                )
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap().unwrap().id);
        }
        assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
        let caller = store.user(ids[0]).await.unwrap();
        assert_eq!(caller.phone.as_deref(), Some("+442079460958"));
        assert!(matches!(
            store
                .find_or_create_customer_by_phone("020 7946 0958", None)
                .await,
            Err(StoreError::Rejected(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imports_write_all_or_nothing() {
    for (store, _dir) in stores("import").await {
        define_retail_fields(&store).await;
        let drafts: Vec<UserDraft> = (0..2500)
            .map(|i| {
                user(json!({
                    "name": format!("Customer {i}"), "email": format!("c{i}@shop.example"),
                    "user_fields": {"service_level": "gold", "annual_spend": i, "orders": i % 7},
                }))
            })
            .collect();
        let ids = store.import_users(drafts).await.unwrap();
        assert_eq!(ids.len(), 2500);
        let c1234 = store.user(ids[1234]).await.unwrap();
        assert_eq!(c1234.email.as_deref(), Some("c1234@shop.example"));
        assert_eq!(
            c1234.user_fields["annual_spend"],
            FieldValue::Number(1234.0)
        );
        let criteria = parse_user_query("annual_spend>2497").unwrap();
        let found = store
            .search_users(&criteria, Page::default())
            .await
            .unwrap();
        assert_eq!(found.items.len(), 2);

        let again = vec![
            user(json!({"name": "New", "email": "new@shop.example"})),
            user(json!({"name": "Dup", "email": "c1@shop.example"})),
        ];
        assert!(matches!(
            store.import_users(again).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.user_by_email("new@shop.example").await.unwrap(), None);
        let twice = vec![
            user(json!({"name": "X", "email": "x@shop.example"})),
            user(
                json!({"name": "X", "email": "X@shop.example", "user_fields": {"orders": "many"}}),
            ),
        ];
        assert_eq!(
            keys(store.import_users(twice).await.unwrap_err()),
            ["users[1].email", "users[1].user_fields.orders"]
        );
    }
}

/// The lookups identity resolution, listings and searches depend on are index lookups, not
/// table scans (asked of each database's planner; PostgreSQL with sequential scans discouraged,
/// since on tiny tables it rightly prefers them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_use_indexes() {
    const LOOKUPS: &[&str] = &[
        "SELECT id FROM users WHERE email = 'a@b.c'",
        "SELECT id FROM users WHERE phone = '+4930123456'",
        "SELECT id FROM users WHERE external_id = 'x'",
        "SELECT id FROM users WHERE email_domain = 'b.c' AND organization_id IS NULL",
        "SELECT organization_id FROM organization_domains WHERE domain = 'b.c'",
        "SELECT id FROM tickets WHERE requester_id = 1 ORDER BY id LIMIT 10",
        "SELECT id FROM tickets WHERE organization_id = 1 ORDER BY id LIMIT 10",
        "SELECT id FROM tickets WHERE status = 'open' ORDER BY id LIMIT 10",
        "SELECT user_id FROM user_field_values WHERE field_id = 1 AND text_value = 'platinum'",
        "SELECT user_id FROM user_field_values WHERE field_id = 1 AND number_value > 1000",
        "SELECT organization_id FROM organization_field_values WHERE field_id = 1 AND text_value = 'prospect'",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.db");
    Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let sqlite = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for lookup in LOOKUPS {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {lookup}")))
            .fetch_all(&sqlite)
            .await
            .unwrap_or_else(|e| panic!("{lookup}: {e}"));
        let plan = rows
            .iter()
            .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
            .collect::<Vec<_>>()
            .join(" | ");
        assert!(
            plan.contains("USING INDEX")
                || plan.contains("USING COVERING INDEX")
                || plan.contains("USING PRIMARY KEY"),
            "SQLite scans for {lookup}: {plan}"
        );
    }

    if let Some(_store) = common::postgres_store("plans").await {
        let url = std::env::var("WASMDESK_TEST_DATABASE_URL").unwrap();
        let schema: String = sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, 't_plans_') ORDER BY oid DESC LIMIT 1",
        )
        .fetch_one(&sqlx::PgPool::connect(&url).await.unwrap())
        .await
        .unwrap();
        let mut connection = sqlx::PgPool::connect(&url)
            .await
            .unwrap()
            .acquire()
            .await
            .unwrap()
            .detach();
        use sqlx::Executor;
        connection
            .execute(sqlx::AssertSqlSafe(format!(
                "SET search_path TO \"{schema}\"; SET enable_seqscan = off;"
            )))
            .await
            .unwrap();
        for lookup in LOOKUPS {
            let plan: Vec<String> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN {lookup}")))
                    .fetch_all(&mut connection)
                    .await
                    .unwrap_or_else(|e| panic!("{lookup}: {e}"));
            let plan = plan.join(" | ");
            assert!(
                !plan.contains("Seq Scan"),
                "PostgreSQL scans for {lookup}: {plan}"
            );
        }
    }
}
