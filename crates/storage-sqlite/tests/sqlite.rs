//! The SQLite store against real files in a temporary folder.

use std::path::PathBuf;
use std::sync::Arc;

use storage_api::{StorageError, Store};
use storage_sqlite::SqliteStore;

fn temporary_path(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("cms-storage-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder.join("nested").join("cms.sqlite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_conformance_suite() {
    let store = SqliteStore::open(&temporary_path("conformance"))
        .await
        .unwrap();
    storage_conformance::run_all(Arc::new(store)).await;
}

#[tokio::test]
async fn opening_creates_the_folder_and_file_and_reopening_applies_nothing_twice() {
    let path = temporary_path("create");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.exists());
    store.append_audit(audit_record(1)).await.unwrap();
    store.close().await;
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(reopened.applied_migrations().await.unwrap().len(), 14);
    assert_eq!(reopened.audit_entries().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_migration_changed_after_it_was_applied_is_refused() {
    let path = temporary_path("tamper");
    SqliteStore::open(&path).await.unwrap().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    match SqliteStore::open(&path).await {
        Err(StorageError::MigrationChanged { version: 1 }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_folder_that_cannot_be_created_is_a_clear_error() {
    let blocker =
        std::env::temp_dir().join(format!("cms-storage-test-{}-blocker", std::process::id()));
    std::fs::write(&blocker, b"a file, not a folder").unwrap();
    let error = SqliteStore::open(&blocker.join("cms.sqlite"))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot create the database folder"),
        "{error}"
    );
}

fn audit_record(at: i64) -> audit_log::AuditRecord {
    audit_log::AuditRecord {
        at_unix_seconds: at,
        actor: "staff-17".to_owned(),
        role: "caseworker".to_owned(),
        action: audit_log::Action::BrokeGlass,
        case: Some("CM-7K3P-9XQ2-D".to_owned()),
        fields: vec!["address".to_owned()],
        reason: Some("police request".to_owned()),
        count: 1,
    }
}

#[tokio::test]
async fn editing_or_deleting_an_audit_row_in_the_database_is_detected() {
    let path = temporary_path("tamper-audit");
    let store = SqliteStore::open(&path).await.unwrap();
    for at in 0..5 {
        store.append_audit(audit_record(at)).await.unwrap();
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET reason = 'nothing to see' WHERE sequence = 3")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit_log::verify(&store.audit_entries().await.unwrap()),
        Err(audit_log::ChainBreak::Altered { sequence: 3 })
    );
    sqlx::query("DELETE FROM audit_log WHERE sequence = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit_log::verify(&store.audit_entries().await.unwrap()),
        Err(audit_log::ChainBreak::Broken { sequence: 3 })
    );
    sqlx::query("UPDATE audit_log SET action = 'forgotten' WHERE sequence = 4")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(
        store.audit_entries().await,
        Err(StorageError::UnreadableAuditEntry { sequence: 4 })
    ));
    pool.close().await;
}
