//! Storage at customer scale: 100,000 customers with 5 custom values each, imported in batches
//! of 1,000, then single lookups by email, by domain and by field value (= and >), on SQLite
//! (always) and PostgreSQL (when `WASMDESK_BENCH_DATABASE_URL` is set).
//!
//! `cargo bench -p wasmdesk-host --bench store`
//! `WASMDESK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p wasmdesk-host --bench store`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tokio::runtime::Runtime;
use wasmdesk_host::domain::search::parse_user_query;
use wasmdesk_host::domain::{FieldDefinition, FieldScope, OrganizationDraft, UserDraft};
use wasmdesk_host::store::{Page, Store};

const CUSTOMERS: usize = 100_000;
const BATCH: usize = 1_000;
const ORGANIZATIONS: usize = 1_000;
const LEVELS: [&str; 4] = ["platinum", "gold", "silver", "bronze"];

async fn populate(store: &Store, label: &str) {
    for definition in [
        json!({"key": "service_level", "type": "dropdown", "title": "Service level",
               "custom_field_options": LEVELS.iter().map(|l| json!({"name": l, "value": l})).collect::<Vec<_>>()}),
        json!({"key": "annual_spend", "type": "decimal", "title": "Annual spend"}),
        json!({"key": "last_purchase_date", "type": "date", "title": "Last purchase"}),
        json!({"key": "social_influence", "type": "dropdown", "title": "Social influence",
               "custom_field_options": [{"name": "High", "value": "high"}, {"name": "Low", "value": "low"}]}),
        json!({"key": "orders", "type": "integer", "title": "Orders"}),
    ] {
        let definition: FieldDefinition = serde_json::from_value(definition).unwrap();
        store
            .create_field(FieldScope::User, definition)
            .await
            .unwrap();
    }
    for i in 0..ORGANIZATIONS {
        let domain = format!("company{i}.example");
        store
            .create_organization(OrganizationDraft::named(
                &format!("Company {i}"),
                &[&domain],
            ))
            .await
            .unwrap();
    }
    let started = Instant::now();
    for batch in 0..CUSTOMERS / BATCH {
        let drafts: Vec<UserDraft> = (batch * BATCH..(batch + 1) * BATCH)
            .map(|i| {
                serde_json::from_value(json!({
                    "name": format!("Customer {i}"),
                    "email": format!("customer{i}@company{}.example", i % ORGANIZATIONS),
                    "user_fields": {
                        "service_level": LEVELS[i % 4],
                        "annual_spend": (i % 5000) as f64 + 0.5,
                        "last_purchase_date": format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
                        "social_influence": if i % 10 == 0 { "high" } else { "low" },
                        "orders": i % 100,
                    },
                }))
                .unwrap()
            })
            .collect();
        store.import_users(drafts).await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{label}: inserted {CUSTOMERS} customers with 5 custom values each in batches of {BATCH}: \
         {:.2} s, {:.0} customers/s",
        elapsed.as_secs_f64(),
        CUSTOMERS as f64 / elapsed.as_secs_f64()
    );
}

fn lookups(c: &mut Criterion, runtime: &Runtime, store: &Store, label: &str) {
    let mut group = c.benchmark_group(label);
    let mut n = 0usize;
    group.bench_function("user_by_email", |b| {
        b.iter(|| {
            n = (n + 7919) % CUSTOMERS;
            let address = format!("customer{n}@company{}.example", n % ORGANIZATIONS);
            let user = runtime.block_on(store.user_by_email(&address)).unwrap();
            black_box(user.expect("imported"));
        })
    });
    group.bench_function("organization_by_domain", |b| {
        b.iter(|| {
            n = (n + 7919) % ORGANIZATIONS;
            let domain = format!("company{n}.example");
            let organization = runtime
                .block_on(store.organization_by_domain(&domain))
                .unwrap();
            black_box(organization.expect("created"));
        })
    });
    // Searches as a trigger or an agent runs them, a page of 10: selective ones (20 and 180
    // matches) and a broad one (2,500 matches of 100,000, counted in full for `count`).
    let page = Page {
        after: None,
        size: 10,
    };
    for (name, query) in [
        ("users_where_field_eq", "annual_spend:1234.5"),
        ("users_where_field_gt", "annual_spend>4990"),
        (
            "users_where_two_fields_eq_broad",
            "service_level:platinum social_influence:high",
        ),
    ] {
        let criteria = parse_user_query(query).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let found = runtime
                    .block_on(store.search_users(&criteria, page))
                    .unwrap();
                assert!(!found.items.is_empty());
                black_box(found);
            })
        });
    }
    group.finish();
}

fn store_benches(c: &mut Criterion) {
    // A lookup is awaited on the runtime's own thread, as a request handler does; a
    // multi-threaded runtime would add a hand-over from this thread to a worker per call.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = runtime
        .block_on(Store::connect(&format!(
            "sqlite://{}",
            dir.path().join("bench.db").display()
        )))
        .unwrap();
    runtime.block_on(populate(&sqlite, "sqlite"));
    lookups(c, &runtime, &sqlite, "sqlite");

    if let Ok(url) = std::env::var("WASMDESK_BENCH_DATABASE_URL") {
        let schema = format!("bench_{}", std::process::id());
        let postgres = runtime
            .block_on(Store::connect_in_schema(&url, &schema))
            .unwrap();
        runtime.block_on(populate(&postgres, "postgres"));
        lookups(c, &runtime, &postgres, "postgres");
        runtime.block_on(async {
            use sqlx::Executor;
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            pool.execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA \"{schema}\" CASCADE"
            )))
            .await
            .unwrap();
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = store_benches
}
criterion_main!(benches);
