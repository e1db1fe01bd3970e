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
    assert_eq!(reopened.applied_migrations().await.unwrap().len(), 21);
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

/// A database written before protection belonged to the person: a flag
/// recorded on one case's parties, and a disclosure on another, protect
/// each person in every case once the migration runs.
#[tokio::test]
async fn flags_and_disclosures_of_before_are_migrated_to_the_person() {
    let path = temporary_path("protection");
    SqliteStore::open(&path).await.unwrap().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for statement in [
        "DROP TABLE protection_events",
        "DELETE FROM schema_migrations WHERE version = 15",
        "INSERT INTO cases (case_reference, initial_effective_date) VALUES ('A', '2025-01-06'), ('B', '2025-01-06'), ('C', '2025-01-06')",
        "INSERT INTO case_parties (case_reference, party, person_id, non_disclosure) VALUES ('A', 'paying_parent', 1, 0), ('A', 'receiving_parent:1', 2, 1), ('B', 'paying_parent', 1, 0), ('B', 'receiving_parent:1', 2, 0), ('C', 'paying_parent', 3, 0), ('C', 'receiving_parent:1', 4, 0)",
        "INSERT INTO safety_events (case_reference, sequence, event_id, kind, payload, person_id, role, on_date) VALUES ('C', 1, 'd', 'disclosed', 'by=paying_parent;immediate_danger=false;police_call=false', 9, 'caseworker', '2025-02-01')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let mut protected = store.protected_people().await.unwrap();
    protected.sort_unstable();
    assert_eq!(protected, vec![2, 3]);
    assert_eq!(store.protection_events(2).await.unwrap().len(), 1);
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

/// A database where money in suspense was allocated before the claim table
/// (twice over, as issue 13 found under concurrent requests): the
/// migration claims each payment for the case its transfer names, with the
/// first action's key, so it cannot be allocated again.
#[tokio::test]
async fn allocations_of_before_are_claimed_by_the_migration() {
    use case_records::{CaseReference, PersonId, Role};
    use domain_types::{Date, Pence};
    use ledger::TransferId;
    use ledger::{Account, CollectionAction, Decision, RecordedAction, Transfer, TransferCode};
    let path = temporary_path("allocations");
    let case = CaseReference::from_random(77);
    let on = Date::parse_iso("2025-02-03").unwrap();
    let unmatched = Transfer {
        id: TransferId("bank/OLD;1=%".to_owned()),
        debit: Account::BANK,
        credit: Account::SUSPENSE,
        amount: Pence::new(500),
        code: TransferCode::Unmatched,
        effective: on,
        corrects: None,
    };
    let allocated = ledger::suspense_allocation(case, &unmatched);
    let recorded = RecordedAction {
        action: CollectionAction::AllocateSuspensePayment {
            payment: unmatched.id.0.clone(),
            amount: unmatched.amount,
        },
        by: Decision {
            by: PersonId(7),
            role: Role::Caseworker,
            on,
        },
    };
    let store = SqliteStore::open(&path).await.unwrap();
    store.open_case(&case, on).await.unwrap();
    store
        .post_transfers(&[unmatched, allocated.clone()])
        .await
        .unwrap();
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for statement in [
        "DROP TABLE suspense_allocations",
        "DELETE FROM schema_migrations WHERE version = 16",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let (kind, payload) = recorded.action.encode();
    for (sequence, id) in [(1, "first-key"), (2, "second-key")] {
        sqlx::query("INSERT INTO collection_actions (case_reference, sequence, action_id, kind, payload, person_id, role, on_date) VALUES (?, ?, ?, ?, ?, 7, 'caseworker', '2025-02-03')")
            .bind(case.to_string())
            .bind(sequence)
            .bind(id)
            .bind(kind)
            .bind(&payload)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let claims: Vec<(String, String, String)> =
        sqlx::query_as("SELECT payment, case_reference, action_id FROM suspense_allocations")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_eq!(
        claims,
        vec![(
            "bank/OLD;1=%".to_owned(),
            case.to_string(),
            "first-key".to_owned()
        )]
    );
    let again = store
        .record_collection_action(
            &case,
            2,
            "third-key",
            &recorded,
            std::slice::from_ref(&allocated),
            audit_record(1),
        )
        .await;
    assert!(
        matches!(again, Err(StorageError::AlreadyAllocated(_))),
        "{again:?}"
    );
}
