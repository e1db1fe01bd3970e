//! The PostgreSQL store against the real server, a fresh schema per test.
//!
//! The server is `TEST_POSTGRES_URL`, or PostgreSQL on 127.0.0.1:5432 as
//! these machines run it. Without a server the tests say so and pass, on a
//! developer's machine only: with `CI=true` an unreachable server fails them.

use std::sync::Arc;

use storage_api::{StorageError, Store};
use storage_postgres::PostgresStore;

fn url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh store in its own schema, or `None` when there is no server and
/// this is not CI.
async fn fresh(name: &str) -> Option<(PostgresStore, String)> {
    let schema = format!("cms_test_{}_{name}", std::process::id());
    match PostgresStore::open_in_schema(&url(), &schema).await {
        Ok(store) => {
            // A schema left by an earlier run of the same test is started afresh.
            store.drop_schema(&schema).await.unwrap();
            store.close().await;
            Some((
                PostgresStore::open_in_schema(&url(), &schema)
                    .await
                    .unwrap(),
                schema,
            ))
        }
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "PostgreSQL at {} is unreachable and CI=true: {error}",
                url()
            )
        }
        Err(error) => {
            eprintln!(
                "skipping: PostgreSQL at {} is unreachable ({error}); CI fails here",
                url()
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_suite() {
    let Some((store, schema)) = fresh("conformance").await else {
        return;
    };
    let store = Arc::new(store);
    storage_conformance::run_all(Arc::clone(&store) as Arc<dyn Store>).await;
    store.drop_schema(&schema).await.unwrap();
}

#[tokio::test]
async fn a_migration_changed_after_it_was_applied_is_refused() {
    let Some((store, schema)) = fresh("tamper").await else {
        return;
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "UPDATE {schema}.schema_migrations SET checksum = 'edited' WHERE version = 2"
    )))
    .execute(&sqlx::PgPool::connect(&url()).await.unwrap())
    .await
    .unwrap();
    match PostgresStore::open_in_schema(&url(), &schema).await {
        Err(StorageError::MigrationChanged { version: 2 }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    store.drop_schema(&schema).await.unwrap();
}

#[tokio::test]
async fn editing_an_audit_row_in_the_database_is_detected() {
    let Some((store, schema)) = fresh("tamper_audit").await else {
        return;
    };
    for at in 0..4 {
        store
            .append_audit(audit_log::AuditRecord {
                at_unix_seconds: at,
                actor: "staff-3".to_owned(),
                role: "team_leader".to_owned(),
                action: audit_log::Action::Viewed,
                case: None,
                fields: vec![],
                reason: None,
                count: 1,
            })
            .await
            .unwrap();
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "UPDATE {schema}.audit_log SET actor = 'someone else' WHERE sequence = 2"
    )))
    .execute(&sqlx::PgPool::connect(&url()).await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        audit_log::verify(&store.audit_entries().await.unwrap()),
        Err(audit_log::ChainBreak::Altered { sequence: 2 })
    );
    store.drop_schema(&schema).await.unwrap();
}
