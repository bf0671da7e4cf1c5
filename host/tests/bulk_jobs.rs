//! Zendesk's bulk endpoints as background jobs: `create_many`, `create_or_update_many`,
//! `update_many` answered at once with a `job_status`, polled at `/job_statuses/{id}` for one
//! result per item; a failing item fails alone; a job left unfinished by a stopped process is
//! finished by the next one, without writing an item twice. On SQLite, and on PostgreSQL when
//! `WASMDESK_TEST_DATABASE_URL` is set.

mod common;

use std::time::{Duration, Instant};

use common::desk::{Desk, Plugins, limits};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wasmdesk_host::domain::job::{JobAuthor, JobKind, JobResult};

/// Queues a bulk request; returns the job status it answered with.
async fn submit(desk: &Desk, method: Method, path: &str, body: Value) -> Value {
    let (status, answer) = desk.agent(method, path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {answer}");
    let job = answer["job_status"].clone();
    assert!(
        job["status"] == "queued" || job["status"] == "working" || job["status"] == "completed",
        "{job}"
    );
    assert!(
        job["url"].as_str().unwrap().ends_with(&format!(
            "/api/v2/job_statuses/{}.json",
            job["id"].as_str().unwrap()
        )),
        "{job}"
    );
    job
}

/// Polls a job (through its `.json` link, as clients do) until it is completed.
async fn finished(desk: &Desk, job: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, answer) = desk
            .agent(Method::GET, job["url"].as_str().unwrap(), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let current = answer["job_status"].clone();
        if current["status"] == "completed" {
            assert_eq!(current["progress"], current["total"], "{current}");
            assert!(
                current["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Completed at "),
                "{current}"
            );
            return current;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not finish: {current}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn results_of(job: &Value) -> Vec<Value> {
    job["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn users_are_created_in_a_job_and_a_failing_item_fails_alone() {
    for desk in Desk::each("jobs_create_users", Plugins::None).await {
        let job = submit(
            &desk,
            Method::POST,
            "/api/v2/users/create_many",
            json!({"users": [
                {"name": "Ada", "email": "ada@shop.example", "external_id": "crm-1"},
                {"name": "Bad", "email": "not an address"},
                {"name": "Bob", "email": "bob@shop.example"},
            ]}),
        )
        .await;
        assert_eq!(job["total"], 3);
        let done = finished(&desk, &job).await;
        let results = results_of(&done);
        assert_eq!(results.len(), 3, "{done}");
        assert_eq!(results[0]["index"], 0);
        assert_eq!(results[0]["success"], true);
        assert_eq!(results[0]["status"], "Created");
        assert_eq!(results[0]["action"], "create");
        assert_eq!(results[0]["email"], "ada@shop.example");
        assert_eq!(results[0]["external_id"], "crm-1");
        assert_eq!(results[1]["success"], false, "{done}");
        assert_eq!(results[1]["status"], "Failed");
        assert_eq!(results[1]["error"], "RecordInvalid");
        assert!(
            results[1]["details"].as_str().unwrap().contains("email"),
            "{done}"
        );
        assert!(results[1].get("id").is_none());
        assert_eq!(results[2]["success"], true);
        assert!(
            done["message"]
                .as_str()
                .unwrap()
                .ends_with("2 succeeded, 1 failed")
        );
        let ada = desk
            .ok(
                Method::GET,
                &format!("/api/v2/users/{}", results[0]["id"]),
                None,
            )
            .await;
        assert_eq!(ada["user"]["name"], "Ada");
        let bad = desk.store.user_by_email("bob@shop.example").await.unwrap();
        assert_eq!(bad.unwrap().id, results[2]["id"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn create_or_update_many_updates_by_email_and_update_many_changes_each_user() {
    for desk in Desk::each("jobs_update_users", Plugins::None).await {
        let existing = desk
            .ok(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"name": "Old Name", "email": "ada@shop.example"}})),
            )
            .await["user"]["id"]
            .as_i64()
            .unwrap();
        let job = submit(
            &desk,
            Method::POST,
            "/api/v2/users/create_or_update_many.json",
            json!({"users": [
                {"name": "Ada Lovelace", "email": "ada@shop.example"},
                {"name": "Bob", "email": "bob@shop.example"},
            ]}),
        )
        .await;
        let done = finished(&desk, &job).await;
        let results = results_of(&done);
        assert_eq!(results[0]["status"], "Updated", "{done}");
        assert_eq!(results[0]["id"], existing);
        assert_eq!(results[1]["status"], "Created");
        let bob = results[1]["id"].as_i64().unwrap();
        let ada = desk.store.user(existing).await.unwrap();
        assert_eq!(ada.name, "Ada Lovelace");

        // One change for several ids.
        let job = submit(
            &desk,
            Method::PUT,
            &format!("/api/v2/users/update_many?ids={existing},{bob},999999"),
            json!({"user": {"tags": ["vip"]}}),
        )
        .await;
        let done = finished(&desk, &job).await;
        let results = results_of(&done);
        assert_eq!(results[0]["status"], "Updated", "{done}");
        assert_eq!(results[1]["status"], "Updated");
        assert_eq!(results[2]["success"], false);
        assert_eq!(results[2]["error"], "RecordNotFound");
        for id in [existing, bob] {
            assert_eq!(desk.store.user(id).await.unwrap().tags, vec!["vip"]);
        }

        // A change per user.
        let job = submit(
            &desk,
            Method::PUT,
            "/api/v2/users/update_many",
            json!({"users": [{"id": bob, "name": "Robert"}]}),
        )
        .await;
        finished(&desk, &job).await;
        assert_eq!(desk.store.user(bob).await.unwrap().name, "Robert");
    }
}

#[tokio::test]
async fn organizations_and_tickets_are_created_in_jobs_through_the_triggers() {
    for desk in Desk::each("jobs_tickets", Plugins::Bundled).await {
        let job = submit(
            &desk,
            Method::POST,
            "/api/v2/organizations/create_many",
            json!({"organizations": [
                {"name": "Acme", "domain_names": ["acme.example"]},
                {"name": "Acme"},
            ]}),
        )
        .await;
        let done = finished(&desk, &job).await;
        let results = results_of(&done);
        assert_eq!(results[0]["status"], "Created", "{done}");
        assert_eq!(results[1]["success"], false);
        assert_eq!(results[1]["error"], "conflict", "{done}");
        let acme = results[0]["id"].as_i64().unwrap();

        desk.ok(
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": {"email": "vip@acme.example",
                                 "user_fields": {"service_level": "platinum"}}})),
        )
        .await;
        let job = submit(
            &desk,
            Method::POST,
            "/api/v2/tickets/create_many",
            json!({"tickets": [
                {"subject": "Order 1", "description": "Where is it?",
                 "requester": {"email": "vip@acme.example"}},
                {"subject": "No requester", "description": "Who am I?"},
                {"subject": "Order 2", "comment": {"body": "And this one?"},
                 "requester": {"email": "new@acme.example"}},
            ]}),
        )
        .await;
        let done = finished(&desk, &job).await;
        let results = results_of(&done);
        assert_eq!(results[0]["status"], "Created", "{done}");
        assert_eq!(results[1]["success"], false, "{done}");
        assert_eq!(results[1]["error"], "RecordInvalid");
        assert_eq!(results[2]["status"], "Created");
        let vip = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}", results[0]["id"]),
                None,
            )
            .await;
        // The VIP trigger ran as it does for a single create, and the write is audited.
        assert_eq!(vip["ticket"]["priority"], "high", "{vip}");
        assert_eq!(vip["ticket"]["organization_id"], acme);
        let audits = desk
            .ok(
                Method::GET,
                &format!("/api/v2/tickets/{}/audits", results[0]["id"]),
                None,
            )
            .await;
        assert_eq!(audits["audits"].as_array().unwrap().len(), 1, "{audits}");
        let runs = desk.rule_runs(&vip["ticket"]).await;
        assert!(
            runs.iter()
                .any(|run| run["plugin"] == "retail-vip" && run["outcome"] == "fired"),
            "{runs:?}"
        );
        // The refused item left nothing behind.
        let all = desk.ok(Method::GET, "/api/v2/tickets", None).await;
        assert_eq!(all["tickets"].as_array().unwrap().len(), 2, "{all}");
    }
}

#[tokio::test]
async fn a_bulk_request_of_the_wrong_size_or_shape_is_refused_whole() {
    for desk in Desk::each("jobs_refused", Plugins::None).await {
        let many: Vec<Value> = (0..101)
            .map(|n| json!({"email": format!("u{n}@shop.example")}))
            .collect();
        for (body, key) in [
            (json!({"users": many}), "users"),
            (json!({"users": []}), "users"),
            (
                json!({"users": [{"email": "a@shop.example"}, {"emial": "typo@shop.example"}]}),
                "users[1]",
            ),
        ] {
            let (status, answer) = desk
                .agent(Method::POST, "/api/v2/users/create_many", Some(body))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(answer["error"], "RecordInvalid");
            assert!(answer["details"].get(key).is_some(), "{key}: {answer}");
        }
        let (status, answer) = desk
            .agent(
                Method::PUT,
                "/api/v2/users/update_many",
                Some(json!({"users": [{"name": "No id"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(
            answer["details"]["users[0]"][0]["description"]
                .as_str()
                .unwrap()
                .contains("id"),
            "{answer}"
        );
        let (status, answer) = desk
            .agent(Method::GET, "/api/v2/job_statuses/no-such-job", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        assert_eq!(answer["error"], "RecordNotFound");
        let (status, _) = desk
            .call(
                None,
                Method::POST,
                "/api/v2/users/create_many",
                Some(json!({"users": []})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let listed = desk.ok(Method::GET, "/api/v2/job_statuses", None).await;
        assert_eq!(listed["count"], 0, "nothing was queued: {listed}");
    }
}

#[tokio::test]
async fn jobs_are_listed_and_shown_many() {
    for desk in Desk::each("jobs_listed", Plugins::None).await {
        let first = submit(
            &desk,
            Method::POST,
            "/api/v2/users/create_many",
            json!({"users": [{"email": "a@shop.example"}]}),
        )
        .await;
        let second = submit(
            &desk,
            Method::POST,
            "/api/v2/organizations/create_many",
            json!({"organizations": [{"name": "Globex"}]}),
        )
        .await;
        finished(&desk, &first).await;
        finished(&desk, &second).await;
        let listed = desk.ok(Method::GET, "/api/v2/job_statuses", None).await;
        assert_eq!(listed["count"], 2, "{listed}");
        let ids = format!(
            "{},{}",
            first["id"].as_str().unwrap(),
            second["id"].as_str().unwrap()
        );
        let many = desk
            .ok(
                Method::GET,
                &format!("/api/v2/job_statuses/show_many.json?ids={ids},unknown"),
                None,
            )
            .await;
        assert_eq!(many["job_statuses"].as_array().unwrap().len(), 2, "{many}");
        assert!(
            many["job_statuses"]
                .as_array()
                .unwrap()
                .iter()
                .all(|job| job["status"] == "completed" && job["results"].is_array())
        );
    }
}

/// A process stopped after writing item 0 of a job (its result committed with it) leaves the
/// job queued; the next process's worker finishes it from item 1, and item 0 is not written
/// again.
#[tokio::test]
async fn a_job_left_unfinished_is_finished_by_the_next_process_without_repeating_an_item() {
    for (store, dir) in common::stores("jobs_resume").await {
        let author = JobAuthor {
            token_name: "import".into(),
            owner_id: None,
        };
        let items = vec![
            json!({"name": "Ada", "email": "ada@shop.example"}),
            json!({"name": "Bob", "email": "bob@shop.example"}),
            json!({"name": "Cy", "email": "cy@shop.example"}),
        ];
        // The first process: queued the job, wrote item 0 with its result, then stopped.
        let job = store
            .enqueue_job(JobKind::CreateUsers, &items, &author)
            .await
            .unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let ada = store
            .create_user_in(&mut tx, serde_json::from_value(items[0].clone()).unwrap())
            .await
            .unwrap();
        tx.record_job_result(&job.id, &JobResult::written(0, true, ada.id))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.job(&job.id).await.unwrap().progress, 1);

        // The next process.
        let desk = Desk::start(store, dir, common::no_rules(), limits()).await;
        let url = format!("/api/v2/job_statuses/{}", job.id);
        let done = finished(&desk, &json!({"url": url})).await;
        let results = results_of(&done);
        assert_eq!(results.len(), 3, "{done}");
        assert!(
            results.iter().all(|result| result["success"] == true),
            "{done}"
        );
        assert_eq!(results[0]["id"], ada.id);
        let users = desk.ok(Method::GET, "/api/v2/users", None).await;
        let emails: Vec<&str> = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|user| user["email"].as_str())
            .collect();
        assert_eq!(
            emails,
            ["ada@shop.example", "bob@shop.example", "cy@shop.example"],
            "each item written once"
        );
    }
}
