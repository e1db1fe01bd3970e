//! The storage conformance suite.
//!
//! Each back-end's tests open a fresh, empty store and call [`run_all`]; a
//! back-end passes only if it behaves exactly as the others do. A check
//! that fails panics with what it expected and what it got.

use std::sync::Arc;

use audit_log::{Action, AuditRecord};
use storage_api::Store;

/// Every check, in order, on one fresh store.
pub async fn run_all(store: Arc<dyn Store>) {
    the_store_answers_a_health_check(store.as_ref()).await;
    every_migration_is_applied_once(store.as_ref()).await;
    a_parameter_set_is_recorded_once(store.as_ref()).await;
    audit_entries_come_back_exactly_and_verify(store.as_ref()).await;
    concurrent_audit_writers_never_fork_the_chain(Arc::clone(&store)).await;
}

async fn the_store_answers_a_health_check(store: &dyn Store) {
    store.check().await.expect("a fresh store answers");
}

async fn every_migration_is_applied_once(store: &dyn Store) {
    let applied = store
        .applied_migrations()
        .await
        .expect("migrations can be listed");
    assert_eq!(
        applied,
        vec![
            (1, "parameter_sets".to_owned()),
            (2, "audit_log".to_owned())
        ],
        "{}: migrations",
        store.backend()
    );
}

async fn a_parameter_set_is_recorded_once(store: &dyn Store) {
    assert!(
        store
            .record_parameter_set("conformance-v1", "{\"a\": 1}")
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_parameter_set("conformance-v1", "{\"changed\": 2}")
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .parameter_set_files("conformance-v1")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"a\": 1}"),
        "{}: the first recording stands",
        store.backend()
    );
    assert_eq!(
        store.parameter_set_files("conformance-v2").await.unwrap(),
        None
    );
}

fn record(at: i64, writer: u32) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: at,
        actor: format!("staff-{writer}"),
        role: "caseworker".to_owned(),
        action: if at % 7 == 0 {
            Action::BrokeGlass
        } else {
            Action::Viewed
        },
        case: (at % 3 != 0).then(|| "CM-7K3P-9XQ2-D".to_owned()),
        fields: (0..at % 4).map(|f| format!("field-{f}")).collect(),
        reason: (at % 7 == 0).then(|| "police request | ref, 7\nsecond line".to_owned()),
        count: u32::try_from(at % 5 + 1).expect("small"),
    }
}

async fn audit_entries_come_back_exactly_and_verify(store: &dyn Store) {
    let before = store.audit_entries().await.unwrap().len();
    let mut written = Vec::new();
    for at in 0..30 {
        written.push(
            store
                .append_audit(record(1_700_000_000 + at, 0))
                .await
                .unwrap(),
        );
    }
    let read = store.audit_entries().await.unwrap();
    assert_eq!(
        read[before..],
        written[..],
        "{}: entries read back differ",
        store.backend()
    );
    assert_eq!(audit_log::verify(&read), Ok(()), "{}", store.backend());
}

async fn concurrent_audit_writers_never_fork_the_chain(store: Arc<dyn Store>) {
    let before = store.audit_entries().await.unwrap().len();
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for at in 0..10 {
                    store.append_audit(record(at, writer)).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("a writer finishes");
    }
    let entries = store.audit_entries().await.unwrap();
    assert_eq!(
        entries.len(),
        before + 80,
        "{}: every append is kept",
        store.backend()
    );
    assert_eq!(audit_log::verify(&entries), Ok(()), "{}", store.backend());
}
