//! The store against a real SQLite file in a temporary folder.

use std::path::PathBuf;

use storage_sqlite::{Database, StorageError};

fn temporary_path(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("cms-storage-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder.join("nested").join("cms.sqlite")
}

#[tokio::test]
async fn opening_creates_the_folder_and_file_and_applies_migrations_once() {
    let path = temporary_path("create");
    let database = Database::open(&path).await.unwrap();
    assert!(path.exists());
    assert_eq!(
        database.applied_migrations().await.unwrap(),
        vec![
            (1, "parameter_sets".to_owned()),
            (2, "audit_log".to_owned())
        ]
    );
    database.close().await;
    let reopened = Database::open(&path).await.unwrap();
    assert_eq!(reopened.applied_migrations().await.unwrap().len(), 2);
    reopened.check().await.unwrap();
}

#[tokio::test]
async fn recording_the_same_parameter_set_twice_keeps_one_copy() {
    let database = Database::open(&temporary_path("record")).await.unwrap();
    assert!(
        database
            .record_parameter_set("v1", "[\"a\"]")
            .await
            .unwrap()
    );
    assert!(
        !database
            .record_parameter_set("v1", "[\"changed\"]")
            .await
            .unwrap()
    );
    assert_eq!(
        database.parameter_set_files("v1").await.unwrap().as_deref(),
        Some("[\"a\"]")
    );
    assert_eq!(database.parameter_set_files("v2").await.unwrap(), None);
}

#[tokio::test]
async fn a_migration_changed_after_it_was_applied_is_refused() {
    let path = temporary_path("tamper");
    let database = Database::open(&path).await.unwrap();
    database.close().await;
    let url = format!("sqlite://{}", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    match Database::open(&path).await {
        Err(StorageError::MigrationChanged { version: 1 }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_folder_that_cannot_be_created_is_a_clear_error() {
    let blocker =
        std::env::temp_dir().join(format!("cms-storage-test-{}-blocker", std::process::id()));
    std::fs::write(&blocker, b"a file, not a folder").unwrap();
    let error = Database::open(&blocker.join("cms.sqlite"))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot create the database folder"),
        "{error}"
    );
}

fn audit_record(at: i64, reason: Option<&str>) -> audit_log::AuditRecord {
    audit_log::AuditRecord {
        at_unix_seconds: at,
        actor: "staff-17".to_owned(),
        role: "caseworker".to_owned(),
        action: if reason.is_some() {
            audit_log::Action::BrokeGlass
        } else {
            audit_log::Action::Viewed
        },
        case: Some("CM-7K3P-9XQ2-D".to_owned()),
        fields: vec!["address".to_owned(), "postcode".to_owned()],
        reason: reason.map(str::to_owned),
        count: 1,
    }
}

#[tokio::test]
async fn the_audit_log_survives_reopening_and_verifies() {
    let path = temporary_path("audit");
    let database = Database::open(&path).await.unwrap();
    for at in 0..20 {
        database
            .append_audit(audit_record(at, (at == 7).then_some("police request")))
            .await
            .unwrap();
    }
    database.close().await;
    let reopened = Database::open(&path).await.unwrap();
    let entries = reopened.audit_entries().await.unwrap();
    assert_eq!(entries.len(), 20);
    assert_eq!(entries[7].record.reason.as_deref(), Some("police request"));
    assert_eq!(entries[7].record.fields, vec!["address", "postcode"]);
    assert_eq!(audit_log::verify(&entries), Ok(()));
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let database = Database::open(&temporary_path("concurrent")).await.unwrap();
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let database = database.clone();
            tokio::spawn(async move {
                for at in 0..10 {
                    database
                        .append_audit(audit_record(writer * 100 + at, None))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let entries = database.audit_entries().await.unwrap();
    assert_eq!(entries.len(), 80);
    assert_eq!(audit_log::verify(&entries), Ok(()));
}

#[tokio::test]
async fn editing_or_deleting_an_audit_row_in_the_database_is_detected() {
    let path = temporary_path("tamper-audit");
    let database = Database::open(&path).await.unwrap();
    for at in 0..5 {
        database
            .append_audit(audit_record(at, Some("check")))
            .await
            .unwrap();
    }
    database.close().await;
    let url = format!("sqlite://{}", path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE audit_log SET reason = 'nothing to see' WHERE sequence = 3")
        .execute(&pool)
        .await
        .unwrap();
    let reopened = Database::open(&path).await.unwrap();
    assert_eq!(
        audit_log::verify(&reopened.audit_entries().await.unwrap()),
        Err(audit_log::ChainBreak::Altered { sequence: 3 })
    );
    sqlx::query("DELETE FROM audit_log WHERE sequence = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit_log::verify(&reopened.audit_entries().await.unwrap()),
        Err(audit_log::ChainBreak::Broken { sequence: 3 })
    );
    pool.close().await;
}
