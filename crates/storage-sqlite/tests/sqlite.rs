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
        vec![(1, "parameter_sets".to_owned())]
    );
    database.close().await;
    let reopened = Database::open(&path).await.unwrap();
    assert_eq!(reopened.applied_migrations().await.unwrap().len(), 1);
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
