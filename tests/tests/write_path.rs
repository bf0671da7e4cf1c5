//! The ticket write as a user meets it, over HTTP with real components: one transaction (a
//! refused or failed write leaves nothing), what the contract promises plugins (the ticket's id,
//! the write's time, changes in the contract's words), values stored as their field reads them,
//! server faults told apart from client faults, identity on first contact, and the audit a
//! desk-wide admin reads. On SQLite, and on PostgreSQL when `WASMDESK_TEST_DATABASE_URL` is set.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Executor};
use wasmdesk_host::domain::FieldValue;
use wasmdesk_host::store::Store;

#[path = "../../host/tests/common/mod.rs"]
mod common;
use common::desk::{Desk, limits};

/// Where a test's database lives, so the test can reach it behind the server's back.
enum Place {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Place {
    /// Runs our own SQL on the test's database (to break it on purpose).
    async fn execute(&self, sql: &str) {
        match self {
            Place::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                pool.execute(AssertSqlSafe(sql.to_string())).await.unwrap();
                pool.close().await;
            }
            Place::Postgres { url, schema } => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let sql = format!("SET search_path TO \"{schema}\"; {sql}");
                pool.execute(AssertSqlSafe(sql)).await.unwrap();
                pool.close().await;
            }
        }
    }
}

/// A desk per backend with the bundled plugins, and where its database is. The PostgreSQL
/// connections carry an application name of their own, so a test can find them.
async fn desks(test: &str) -> Vec<(Desk, Place)> {
    let mut desks = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wasmdesk.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rules = common::bundled_rules(&store).await;
    desks.push((
        Desk::start(store, Some(dir), rules, limits()).await,
        Place::Sqlite(path),
    ));
    if let Ok(url) = std::env::var("WASMDESK_TEST_DATABASE_URL") {
        static RUN: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "w_{test}_{}_{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        );
        let separator = if url.contains('?') { '&' } else { '?' };
        let named = format!("{url}{separator}application_name={schema}");
        let store = Store::connect_in_schema(&named, &schema).await.unwrap();
        let rules = common::bundled_rules(&store).await;
        desks.push((
            Desk::start(store, None, rules, limits()).await,
            Place::Postgres { url, schema },
        ));
    }
    desks
}

/// Uploads the probe fixture with `config`; returns its id.
async fn install_probe(desk: &Desk, config: Value) -> i64 {
    let (status, body) = desk
        .upload(&desk.admin, "application/wasm", support::probe_wasm())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["plugin"]["id"].as_i64().unwrap();
    desk.ok(
        Method::PUT,
        &format!("/api/v2/plugins/{id}/config"),
        Some(json!({ "config": config })),
    )
    .await;
    id
}

fn ticket_from(email: &str) -> Value {
    json!({"ticket": {"subject": "Help", "description": "My order is late",
                      "requester": {"email": email}}})
}

/// The internal notes of a ticket, oldest first.
async fn notes(desk: &Desk, ticket_id: i64) -> Vec<String> {
    let comments = desk
        .ok(
            Method::GET,
            &format!("/api/v2/tickets/{ticket_id}/comments"),
            None,
        )
        .await;
    comments["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|comment| comment["public"] == false)
        .map(|comment| comment["body"].as_str().unwrap().to_string())
        .collect()
}

async fn users_with_email(desk: &Desk, email: &str) -> i64 {
    desk.ok(
        Method::GET,
        &format!("/api/v2/users/search?query=email:{email}"),
        None,
    )
    .await["count"]
        .as_i64()
        .unwrap()
}

async fn organization_names(desk: &Desk) -> Vec<String> {
    let list = desk.ok(Method::GET, "/api/v2/organizations", None).await;
    list["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

async fn ticket_count(desk: &Desk) -> i64 {
    desk.ok(Method::GET, "/api/v2/tickets", None).await["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_leaves_no_customer_and_no_organization() {
    for (desk, _) in desks("refused").await {
        let mut body = ticket_from("first@freshco.example");
        body["ticket"]["assignee_id"] = json!(999_999);
        let (status, answer) = desk
            .admin(Method::POST, "/api/v2/tickets", Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(answer["details"]["assignee_id"].is_array(), "{answer}");
        assert_eq!(users_with_email(&desk, "first@freshco.example").await, 0);
        assert!(
            !organization_names(&desk)
                .await
                .contains(&"Freshco".to_string())
        );
        assert_eq!(ticket_count(&desk).await, 0);

        // The same request without the bad assignee creates all three.
        let (status, answer) = desk
            .admin(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("first@freshco.example")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(users_with_email(&desk, "first@freshco.example").await, 1);
        assert!(
            organization_names(&desk)
                .await
                .contains(&"Freshco".to_string())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_see_the_tickets_id_the_writes_time_and_changes_in_the_contracts_words() {
    for (desk, _) in desks("contract").await {
        let probe = install_probe(&desk, json!({})).await;
        let created = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("ada@acme.example")),
            )
            .await["ticket"]
            .clone();
        let id = created["id"].as_i64().unwrap();
        assert!(id > 0);
        let seen = notes(&desk, id).await;
        assert_eq!(
            seen,
            [format!(
                "seen kind=created id={id} at={} changes=",
                created["created_at"].as_str().unwrap()
            )]
        );

        // An update that changes the type, subject, organization, requester and a custom field.
        let order_field = desk
            .ok(
                Method::POST,
                "/api/v2/ticket_fields",
                Some(
                    json!({"ticket_field": {"key": "order_id", "type": "text", "title": "Order"}}),
                ),
            )
            .await["ticket_field"]["id"]
            .clone();
        let other_org = desk
            .ok(
                Method::POST,
                "/api/v2/organizations",
                Some(json!({"organization": {"name": "Other Org"}})),
            )
            .await["organization"]["id"]
            .clone();
        let other_user = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "bob@elsewhere.example"}})),
            )
            .await["user"]["id"]
            .clone();
        let updated = desk
            .ok(
                Method::PUT,
                &format!("/api/v2/tickets/{id}"),
                Some(
                    json!({"ticket": {"subject": "Still late", "type": "incident",
                    "organization_id": other_org, "requester_id": other_user,
                    "custom_fields": [{"id": order_field, "value": "A-1"}]}}),
                ),
            )
            .await["ticket"]
            .clone();
        let seen = notes(&desk, id).await;
        assert_eq!(
            seen[1],
            format!(
                "seen kind=updated id={id} at={} changes=ticket-type,subject,organization,requester,order_id",
                updated["updated_at"].as_str().unwrap()
            )
        );

        // A dry run of the stored ticket decides at the stored time, not now.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let dry = desk
            .ok(
                Method::POST,
                &format!("/api/v2/plugins/{probe}/dry_run"),
                Some(json!({"ticket_id": id})),
            )
            .await;
        let run = &dry["dry_run"]["runs"][0];
        let note = run["actions"][0]["add_internal_note"]
            .as_str()
            .unwrap_or_else(|| panic!("{dry}"));
        assert!(
            note.contains(&format!("at={}", created["created_at"].as_str().unwrap())),
            "{note}"
        );
        assert_eq!(notes(&desk, id).await.len(), 2, "a dry run writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_is_stored_as_its_field_reads_it_or_refused() {
    for (desk, _) in desks("field_values").await {
        // retail-vip created the service_level dropdown; the probe sets it with a *text* value.
        let probe = install_probe(
            &desk,
            json!({"user_field": "service_level", "user_text": "gold"}),
        )
        .await;
        let ticket = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("gil@gold.example")),
            )
            .await["ticket"]
            .clone();
        let requester = desk
            .store
            .user(ticket["requester_id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(
            requester.user_fields.get("service_level"),
            Some(&FieldValue::Option("gold".into())),
            "stored as the dropdown's option, which is what plugins read back"
        );

        // A value the dropdown does not offer is an invalid action: nothing of it applies.
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{probe}/config"),
            Some(json!({"config": {"user_field": "service_level", "user_text": "diamond"}})),
        )
        .await;
        let ticket = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("dan@gold.example")),
            )
            .await["ticket"]
            .clone();
        let runs = desk.rule_runs(&ticket).await;
        let probe_run = runs.iter().find(|run| run["plugin"] == "probe").unwrap();
        assert_eq!(probe_run["outcome"], "invalid_actions", "{probe_run}");
        assert_eq!(probe_run["error_kind"], "invalid_actions");
        assert!(
            probe_run["error"].as_str().unwrap().contains("diamond"),
            "{probe_run}"
        );
        let requester = desk
            .store
            .user(ticket["requester_id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(requester.user_fields.get("service_level"), None);
        assert!(
            notes(&desk, ticket["id"].as_i64().unwrap())
                .await
                .is_empty(),
            "all of a trigger's actions or none"
        );
    }
}

/// A trigger's ticket value is read by the ticket field's type, like a client's: a dropdown's
/// text becomes its option; a value it does not offer, or a field nobody defined, is an
/// invalid action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_sets_a_ticket_field_as_the_field_reads_it_or_is_refused() {
    for (desk, _) in desks("ticket_field_values").await {
        let tier = desk
            .ok(
                Method::POST,
                "/api/v2/ticket_fields",
                Some(
                    json!({"ticket_field": {"key": "tier", "type": "tagger", "title": "Tier",
                    "custom_field_options": [{"name": "Gold", "value": "gold"},
                                             {"name": "Silver", "value": "silver"}]}}),
                ),
            )
            .await["ticket_field"]
            .clone();
        assert_eq!(
            tier["type"], "dropdown",
            "Zendesk's tagger is a dropdown: {tier}"
        );
        let probe = install_probe(
            &desk,
            json!({"ticket_field": "tier", "ticket_text": "gold"}),
        )
        .await;
        let ticket = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("gil@gold.example")),
            )
            .await["ticket"]
            .clone();
        assert_eq!(
            ticket["custom_fields"],
            json!([{"id": tier["id"], "value": "gold"}]),
            "{ticket}"
        );
        let stored = desk
            .store
            .ticket(ticket["id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(
            stored.custom_fields["tier"],
            FieldValue::Option("gold".into())
        );

        for (field, text, reason) in [
            ("tier", "diamond", "diamond"),
            ("nope", "x", "there is no ticket field \"nope\""),
        ] {
            desk.ok(
                Method::PUT,
                &format!("/api/v2/plugins/{probe}/config"),
                Some(json!({"config": {"ticket_field": field, "ticket_text": text}})),
            )
            .await;
            let ticket = desk
                .ok(
                    Method::POST,
                    "/api/v2/tickets",
                    Some(ticket_from("dan@gold.example")),
                )
                .await["ticket"]
                .clone();
            let runs = desk.rule_runs(&ticket).await;
            let probe_run = runs.iter().find(|run| run["plugin"] == "probe").unwrap();
            assert_eq!(probe_run["outcome"], "invalid_actions", "{probe_run}");
            assert!(
                probe_run["error"].as_str().unwrap().contains(reason),
                "{probe_run}"
            );
            assert_eq!(
                ticket["custom_fields"],
                json!([{"id": tier["id"], "value": null}])
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_inside_the_cycle_fails_the_write_and_leaves_nothing() {
    for (desk, place) in desks("db_failure").await {
        install_probe(&desk, json!({"assign_group": "VIP"})).await;
        // The trigger's assign-group reads the groups table, which is now gone.
        place
            .execute("ALTER TABLE agent_groups RENAME TO agent_groups_gone")
            .await;
        let (status, answer) = desk
            .send(
                desk.client
                    .post(desk.url("/api/v2/tickets"))
                    .bearer_auth(&desk.admin)
                    .header("content-type", "application/json")
                    .body(ticket_from("lost@brandnew.example").to_string()),
            )
            .await;
        assert!(status.is_server_error(), "{status} {answer}");
        assert_eq!(answer["error"], "internal", "{answer}");
        assert!(
            !answer.to_string().contains("agent_groups"),
            "no internals in the body: {answer}"
        );
        place
            .execute("ALTER TABLE agent_groups_gone RENAME TO agent_groups")
            .await;
        assert_eq!(ticket_count(&desk).await, 0, "no ticket");
        assert_eq!(
            users_with_email(&desk, "lost@brandnew.example").await,
            0,
            "no customer"
        );
        assert!(
            !organization_names(&desk)
                .await
                .contains(&"Brandnew".to_string()),
            "no organization"
        );
        let runs = desk.ok(Method::GET, "/api/v2/rule_runs", None).await;
        assert_eq!(
            runs["count"], 0,
            "no audit row claims an invalid action: {runs}"
        );
    }
}

/// The database goes away in the middle of a write (its connection is terminated while a
/// plugin waits on the network): the client gets 503 with `Retry-After`, and nothing of the
/// write is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_connection_mid_write_is_a_503_and_nothing_is_stored() {
    for (desk, place) in desks("db_lost").await {
        let Place::Postgres { url, schema } = &place else {
            continue; // SQLite is a file: there is no connection to lose.
        };
        let (url, application) = (url.clone(), schema.clone());
        let peer = support::Peer::start(move |_| {
            // Runs while the write's transaction is open and waiting on this answer.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND state = 'idle in transaction'",
                )
                .bind(&application)
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
            });
            support::Reply::ok("{}")
        });
        let probe = install_probe(
            &desk,
            json!({"url": peer.url("/loyalty"), "assign_group": "VIP"}),
        )
        .await;
        desk.ok(
            Method::PUT,
            &format!("/api/v2/plugins/{probe}/granted_hosts"),
            Some(json!({"granted_hosts": [peer.origin]})),
        )
        .await;
        let response = desk
            .client
            .post(desk.url("/api/v2/tickets"))
            .bearer_auth(&desk.admin)
            .header("content-type", "application/json")
            .body(ticket_from("cut@offline.example").to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let retry_after = response.headers().get("retry-after").cloned();
        let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
        assert_eq!(retry_after.unwrap(), "1");
        assert_eq!(answer["error"], "unavailable", "{answer}");
        assert_eq!(ticket_count(&desk).await, 0, "no ticket");
        assert_eq!(
            users_with_email(&desk, "cut@offline.example").await,
            0,
            "no customer"
        );
        assert!(
            !organization_names(&desk)
                .await
                .contains(&"Offline".to_string())
        );
        let runs = desk.ok(Method::GET, "/api/v2/rule_runs", None).await;
        assert_eq!(runs["count"], 0, "{runs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_stored_data_is_a_server_fault_not_the_clients() {
    for (desk, place) in desks("corrupt").await {
        let ticket = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from("cora@acme.example")),
            )
            .await["ticket"]
            .clone();
        place
            .execute(&format!(
                "UPDATE tickets SET tags = 'not json' WHERE id = {}",
                ticket["id"]
            ))
            .await;
        let (status, answer) = desk
            .send(
                desk.client
                    .get(desk.url(&format!("/api/v2/tickets/{}", ticket["id"])))
                    .bearer_auth(&desk.admin),
            )
            .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
        assert_eq!(answer["error"], "internal");
        assert!(
            !answer.to_string().contains("tags"),
            "no internals: {answer}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_need_only_an_email_or_a_phone_and_get_their_organization_like_a_first_contact() {
    for (desk, _) in desks("identity").await {
        let ann = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "ann@newco.example"}})),
            )
            .await["user"]
            .clone();
        assert_eq!(ann["name"], "ann");
        let organization = desk
            .ok(
                Method::GET,
                &format!("/api/v2/organizations/{}", ann["organization_id"]),
                None,
            )
            .await;
        assert_eq!(organization["organization"]["name"], "Newco");
        assert_eq!(
            organization["organization"]["domain_names"],
            json!(["newco.example"])
        );

        let (_, created) = desk
            .admin(
                Method::POST,
                "/api/v2/users/create_or_update",
                Some(json!({"user": {"email": "cleo@otherco.example", "name": "Cleo"}})),
            )
            .await;
        let cleo = &created["user"];
        assert_eq!(cleo["name"], "Cleo");
        assert!(cleo["organization_id"].is_i64(), "{created}");

        // Free mail never makes an organization; the setting switches creation off.
        let gina = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "gina@gmail.com"}})),
            )
            .await;
        assert!(gina["user"]["organization_id"].is_null(), "{gina}");
        desk.ok(
            Method::PUT,
            "/api/v2/settings",
            Some(json!({"settings": {"create_organizations_from_domains": false}})),
        )
        .await;
        let hal = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": "hal@thirdco.example"}})),
            )
            .await;
        assert!(hal["user"]["organization_id"].is_null(), "{hal}");

        // A ticket from a phone number creates the customer once, by E.164 number.
        let by_phone = json!({"ticket": {"description": "Call me back",
            "requester": {"phone": "+49 30 1234567"}}});
        let first = desk
            .ok(Method::POST, "/api/v2/tickets", Some(by_phone.clone()))
            .await;
        let second = desk
            .ok(Method::POST, "/api/v2/tickets", Some(by_phone))
            .await;
        assert_eq!(
            first["ticket"]["requester_id"],
            second["ticket"]["requester_id"]
        );
        let caller = desk
            .ok(
                Method::GET,
                &format!("/api/v2/users/{}", first["ticket"]["requester_id"]),
                None,
            )
            .await;
        assert_eq!(caller["user"]["phone"], "+49301234567");
        assert!(caller["user"]["organization_id"].is_null());

        let (status, answer) = desk
            .admin(
                Method::POST,
                "/api/v2/tickets",
                Some(json!({"ticket": {"description": "x", "requester": {}}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer["details"]["requester"].is_array(), "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_fields_go_last() {
    for (desk, _) in desks("positions").await {
        let before = desk.ok(Method::GET, "/api/v2/user_fields", None).await;
        let last = before["user_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|field| field["position"].as_i64().unwrap())
            .max()
            .unwrap();
        for (offset, key) in [(1, "shoe_size"), (2, "hat_size")] {
            let field = desk
                .ok(
                    Method::POST,
                    "/api/v2/user_fields",
                    Some(json!({"user_field": {"type": "integer", "key": key, "title": key}})),
                )
                .await;
            assert_eq!(field["user_field"]["position"], last + offset, "{field}");
        }
        let first = desk
            .ok(
                Method::POST,
                "/api/v2/organization_fields",
                Some(json!({"organization_field": {"type": "text", "key": "region", "title": "Region"}})),
            )
            .await;
        let organization_fields = desk
            .ok(Method::GET, "/api/v2/organization_fields", None)
            .await;
        let count = organization_fields["organization_fields"]
            .as_array()
            .unwrap()
            .len() as i64;
        assert_eq!(first["organization_field"]["position"], count - 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_is_searchable_desk_wide_and_keeps_what_plugins_logged() {
    for (desk, _) in desks("audit").await {
        let probe = install_probe(&desk, json!({})).await;
        // A v0.1 build of retail-vip, whose untyped configuration the host cannot refuse.
        common::install_misconfigured_retail_vip(&desk).await;
        for n in 0..3 {
            desk.ok(
                Method::POST,
                "/api/v2/tickets",
                Some(ticket_from(&format!("c{n}@acme.example"))),
            )
            .await;
        }
        let all = desk.ok(Method::GET, "/api/v2/rule_runs", None).await;
        assert_eq!(all["count"], 6, "{all}");

        let fired = desk
            .ok(
                Method::GET,
                "/api/v2/rule_runs?plugin=probe&trigger=report&outcome=fired",
                None,
            )
            .await;
        assert_eq!(fired["count"], 3, "{fired}");
        let run = &fired["rule_runs"][0];
        assert_eq!(run["logs"][0]["level"], "info", "{run}");
        assert!(
            run["logs"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("deciding on ticket"),
            "{run}"
        );

        let failed = desk
            .ok(Method::GET, "/api/v2/rule_runs?outcome=failed", None)
            .await;
        assert_eq!(failed["count"], 3, "{failed}");
        assert!(
            failed["rule_runs"]
                .as_array()
                .unwrap()
                .iter()
                .all(|run| run["plugin"] == "retail-vip" && run["error_kind"] == "rejected")
        );

        // Paged, with a next_page link.
        let page = desk
            .ok(Method::GET, "/api/v2/rule_runs?page[size]=4", None)
            .await;
        assert_eq!(page["rule_runs"].as_array().unwrap().len(), 4);
        let rest = desk
            .ok(Method::GET, page["next_page"].as_str().unwrap(), None)
            .await;
        assert_eq!(rest["rule_runs"].as_array().unwrap().len(), 2);
        assert!(rest["next_page"].is_null());

        // By time: nothing before the epoch's first day, nothing after the far future.
        let none = desk
            .ok(
                Method::GET,
                "/api/v2/rule_runs?until=1970-01-02T00:00:00Z",
                None,
            )
            .await;
        assert_eq!(none["count"], 0);
        let since = desk
            .ok(
                Method::GET,
                "/api/v2/rule_runs?since=1970-01-02T00:00:00Z",
                None,
            )
            .await;
        assert_eq!(since["count"], 6);
        let (status, answer) = desk
            .admin(Method::GET, "/api/v2/rule_runs?since=yesterday", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["description"].as_str().unwrap().contains("since"));

        // A dry run lists triggers that would not match too, with what they logged.
        let quiet = desk
            .ok(
                Method::POST,
                "/api/v2/tickets",
                Some(
                    json!({"ticket": {"description": "x", "tags": ["probe-quiet"],
                    "requester": {"email": "q@acme.example"}}}),
                ),
            )
            .await;
        let dry = desk
            .ok(
                Method::POST,
                &format!("/api/v2/plugins/{probe}/dry_run"),
                Some(json!({"ticket_id": quiet["ticket"]["id"]})),
            )
            .await;
        let run = &dry["dry_run"]["runs"][0];
        assert_eq!(run["outcome"], "not_matched", "{dry}");
        assert!(
            run["logs"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("deciding"),
            "{dry}"
        );
    }
}
