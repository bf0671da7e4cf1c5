//! Identity resolution on every backend: SQLite always, PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set (CI sets it; there an unreachable database fails the run).

mod common;

use common::stores;
use wasmdesk_host::domain::OrganizationDraft;
use wasmdesk_host::store::{Setting, StoreError};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_is_created_once_with_the_organization_of_their_domain() {
    for (store, _dir) in stores("first_contact").await {
        let ada = store
            .find_or_create_customer("Ada@Acme-Tools.com", Some("Ada Lovelace"))
            .await
            .unwrap();
        assert_eq!(ada.email.as_deref(), Some("ada@acme-tools.com"));
        assert_eq!(ada.name, "Ada Lovelace");
        let organization = store
            .organization(ada.organization_id.expect("an organization"))
            .await
            .unwrap();
        assert_eq!(organization.name, "Acme Tools");
        assert_eq!(organization.domain_names, ["acme-tools.com"]);

        let again = store
            .find_or_create_customer("ada@acme-tools.com", None)
            .await
            .unwrap();
        assert_eq!(again, ada);
        let colleague = store
            .find_or_create_customer("grace@acme-tools.com", None)
            .await
            .unwrap();
        assert_eq!(colleague.organization_id, ada.organization_id);
        assert_eq!(colleague.name, "grace");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn free_mail_and_the_setting_keep_customers_without_organization() {
    for (store, _dir) in stores("free_mail").await {
        let gmail = store
            .find_or_create_customer("someone@gmail.com", None)
            .await
            .unwrap();
        assert_eq!(gmail.organization_id, None);
        assert_eq!(
            store.organization_by_domain("gmail.com").await.unwrap(),
            None
        );

        store
            .set_setting(Setting::CreateOrganizationsFromDomains, false)
            .await
            .unwrap();
        let off = store
            .find_or_create_customer("bob@initech.com", None)
            .await
            .unwrap();
        assert_eq!(off.organization_id, None);
        assert_eq!(
            store.organization_by_domain("initech.com").await.unwrap(),
            None
        );
        assert!(
            !store
                .setting(Setting::CreateOrganizationsFromDomains)
                .await
                .unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adding_a_domain_attaches_its_customers_without_organization() {
    for (store, _dir) in stores("add_domain").await {
        store
            .set_setting(Setting::CreateOrganizationsFromDomains, false)
            .await
            .unwrap();
        let early = store
            .find_or_create_customer("early@globex.de", None)
            .await
            .unwrap();
        assert_eq!(early.organization_id, None);

        let globex = store
            .create_organization(OrganizationDraft::named("Globex", &["globex.com"]))
            .await
            .unwrap();
        assert_eq!(store.add_domain(globex.id, "GLOBEX.de").await.unwrap(), 1);
        assert_eq!(
            store.user(early.id).await.unwrap().organization_id,
            Some(globex.id)
        );
        assert_eq!(
            store.organization(globex.id).await.unwrap().domain_names,
            ["globex.com", "globex.de"]
        );

        // Moving a customer between organizations, and out of any.
        let other = store
            .create_organization(OrganizationDraft::named("Other", &[]))
            .await
            .unwrap();
        assert_eq!(
            store
                .move_customer(early.id, Some(other.id))
                .await
                .unwrap()
                .organization_id,
            Some(other.id)
        );
        assert_eq!(
            store
                .move_customer(early.id, None)
                .await
                .unwrap()
                .organization_id,
            None
        );
        assert!(matches!(
            store.move_customer(early.id, Some(9999)).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_are_conflicts_naming_what_collides_and_write_nothing() {
    for (store, _dir) in stores("conflicts").await {
        let acme = store
            .create_organization(OrganizationDraft::named("Acme", &["acme.com"]))
            .await
            .unwrap();
        let error = store
            .create_organization(OrganizationDraft::named("Acme", &["acme.org"]))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("an organization named \"Acme\""),
            "{error}"
        );
        let error = store
            .create_organization(OrganizationDraft::named(
                "Acme Two",
                &["ok.example", "acme.com"],
            ))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("domain \"acme.com\""), "{error}");
        // Nothing half-written: neither the second organization nor its first domain exists.
        assert_eq!(
            store.organization_by_domain("ok.example").await.unwrap(),
            None
        );
        let other = store
            .create_organization(OrganizationDraft::named("Acme Two", &[]))
            .await
            .unwrap();
        assert!(matches!(
            store.add_domain(other.id, "acme.com").await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.add_domain(acme.id, "acme.com").await.unwrap(), 0);

        for bad in ["not an email", "a@b", ""] {
            assert!(
                matches!(
                    store.find_or_create_customer(bad, None).await,
                    Err(StoreError::Rejected(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            store
                .create_organization(OrganizationDraft::named("X", &["no spaces.com"]))
                .await,
            Err(StoreError::Rejected(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_contacts_yield_one_customer_and_one_organization() {
    for (store, _dir) in stores("concurrent").await {
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                // Half the tasks race for one address, all race for one domain.
                let address = if i % 2 == 0 {
                    "same@hooli.com".to_string()
                } else {
                    format!("person{i}@hooli.com")
                };
                tokio::spawn(async move { store.find_or_create_customer(&address, None).await })
            })
            .collect();
        let mut users = Vec::new();
        for task in tasks {
            users.push(task.await.unwrap().unwrap());
        }
        let same: Vec<_> = users
            .iter()
            .filter(|u| u.email.as_deref() == Some("same@hooli.com"))
            .collect();
        assert!(
            same.windows(2).all(|pair| pair[0].id == pair[1].id),
            "one customer per address"
        );
        let organization = users[0].organization_id.expect("an organization");
        assert!(
            users
                .iter()
                .all(|u| u.organization_id == Some(organization)),
            "one organization per domain"
        );
        assert_eq!(
            store.organization(organization).await.unwrap().name,
            "Hooli"
        );
    }
}
