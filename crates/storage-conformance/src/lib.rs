//! The storage conformance suite.
//!
//! Each back-end's tests open a fresh, empty store and call [`run_all`]; a
//! back-end passes only if it behaves exactly as the others do. A check
//! that fails panics with what it expected and what it got.

mod challenges;
mod collection;
mod mi;
mod protection;
mod safety;
mod search;
mod work;

use std::sync::Arc;

use audit_log::{Action, AuditRecord};
use case_records::{
    CaseHistory, CaseReference, Change, ChildId, FactEvent, ReceivingParentId, SealedParty,
    liability_schedule,
};
use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use maintenance_calculation::{Income, Nights};
use storage_api::{AppendOutcome, StorageError, Store};

/// Every check, in order, on one fresh store.
pub async fn run_all(store: Arc<dyn Store>) {
    the_store_answers_a_health_check(store.as_ref()).await;
    every_migration_is_applied_once(store.as_ref()).await;
    a_parameter_set_is_recorded_once(store.as_ref()).await;
    audit_entries_come_back_exactly_and_verify(store.as_ref()).await;
    concurrent_audit_writers_never_fork_the_chain(Arc::clone(&store)).await;
    opening_a_case_twice_is_harmless_but_another_start_is_refused(store.as_ref()).await;
    an_application_waits_for_its_calculation_then_starts_once(Arc::clone(&store)).await;
    an_application_stopped_in_danger_never_waits(store.as_ref()).await;
    facts_come_back_in_order_and_a_retry_changes_nothing(store.as_ref()).await;
    a_reused_key_with_other_facts_is_refused_and_writes_nothing(store.as_ref()).await;
    facts_for_an_unknown_case_are_refused(store.as_ref()).await;
    closing_and_reopening_follow_the_cases_state_in_the_appending_transaction(Arc::clone(&store))
        .await;
    concurrent_appends_to_one_case_keep_every_fact(Arc::clone(&store)).await;
    the_schedule_from_stored_facts_is_the_schedule_from_memory(store.as_ref()).await;
    each_stored_batch_is_audited_once_in_the_same_transaction(store.as_ref()).await;
    tokens_are_found_by_hash_only(store.as_ref()).await;
    sealed_parties_are_replaced_whole_and_come_back_exactly(store.as_ref()).await;
    accounts_are_created_once_and_sessions_expire_when_idle(store.as_ref()).await;
    parties_are_transformed_inside_one_transaction(store.as_ref()).await;
    search::parties_are_found_by_their_index_tokens_alone(store.as_ref()).await;
    every_case_is_listed(store.as_ref()).await;
    protection::a_flag_on_one_case_protects_the_person_in_every_case(store.as_ref()).await;
    protection::a_disclosure_protects_who_made_it_at_once(store.as_ref()).await;
    protection::asking_to_move_because_it_is_not_safe_protects_the_parent(store.as_ref()).await;
    protection::only_parents_are_given_a_case(store.as_ref()).await;
    transfers_are_posted_once_and_a_conflicting_batch_writes_nothing(store.as_ref()).await;
    a_batch_is_audited_with_its_postings_even_when_it_posts_nothing(store.as_ref()).await;
    collection::collection_actions_are_stored_once_and_never_on_a_stale_reading(Arc::clone(&store))
        .await;
    collection::a_year_of_a_case_on_collect_and_pay(store.as_ref()).await;
    collection::suspense_money_is_queued_with_its_note_and_allocated_once(store.as_ref()).await;
    collection::suspense_money_is_allocated_once_under_concurrency(Arc::clone(&store)).await;
    safety::a_later_threat_reaches_the_named_caseworker_and_blocks_closing(store.as_ref()).await;
    safety::a_survivor_moved_on_evidence_pays_no_collection_fee(store.as_ref()).await;
    // Last: the money into suspense here moves the balances others check.
    work::danger_tops_the_specialist_queue_and_the_work_done_closes_it(store.as_ref()).await;
    work::requests_applications_and_money_make_work_that_is_claimed_and_done(store.as_ref()).await;
    challenges::a_challenge_is_stored_once_with_its_work_and_never_on_a_stale_reading(
        store.as_ref(),
    )
    .await;
    challenges::the_decision_maker_is_the_last_staff_change_on_the_case(store.as_ref()).await;
    mi::each_event_moves_its_totals_and_retries_move_nothing(store.as_ref()).await;
    // Last of all: everything above, recounted.
    mi::kept_totals_equal_a_full_recount(store.as_ref()).await;
}

fn change_audit(case: &CaseReference) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_700_000_000,
        actor: "staff-1".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec!["facts".to_owned()],
        reason: None,
        count: 1,
    }
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).expect("a valid date")
}

fn facts() -> Vec<FactEvent> {
    let start = date("2025-01-06");
    vec![
        FactEvent {
            effective_from: start,
            recorded_on: start,
            change: Change::Income(Income::Weekly(Pence::new(50_000))),
        },
        FactEvent {
            effective_from: start,
            recorded_on: start,
            change: Change::ChildJoined {
                child: ChildId(1),
                receiving_parent: ReceivingParentId(1),
            },
        },
        FactEvent {
            effective_from: date("2025-03-03"),
            recorded_on: date("2025-06-02"),
            change: Change::SharedCare {
                child: ChildId(1),
                nights: Nights::new(104).expect("a year's nights"),
            },
        },
        FactEvent {
            effective_from: date("2025-09-01"),
            recorded_on: date("2025-09-01"),
            change: Change::CaseClosed,
        },
    ]
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
            (2, "audit_log".to_owned()),
            (3, "cases".to_owned()),
            (4, "api_tokens".to_owned()),
            (5, "parties".to_owned()),
            (6, "sign_in".to_owned()),
            (7, "person_flags".to_owned()),
            (8, "ledger".to_owned()),
            (9, "collection_actions".to_owned()),
            (10, "payment_notes".to_owned()),
            (11, "partial_ledger_indexes".to_owned()),
            (12, "safety_events".to_owned()),
            (13, "parties_by_person".to_owned()),
            (14, "applications".to_owned()),
            (15, "person_protection".to_owned()),
            (16, "suspense_allocations".to_owned()),
            (17, "work_items".to_owned()),
            (18, "search_index".to_owned()),
            (19, "challenges".to_owned()),
            (20, "mi_totals".to_owned()),
            (21, "audit_by_case_action".to_owned()),
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

async fn opening_a_case_twice_is_harmless_but_another_start_is_refused(store: &dyn Store) {
    let case = CaseReference::from_random(1);
    assert!(store.open_case(&case, date("2025-01-06")).await.unwrap());
    assert!(!store.open_case(&case, date("2025-01-06")).await.unwrap());
    assert!(matches!(
        store.open_case(&case, date("2025-02-03")).await,
        Err(StorageError::CaseConflict(_))
    ));
}

async fn an_application_waits_for_its_calculation_then_starts_once(store: Arc<dyn Store>) {
    let backend = store.backend();
    let first = CaseReference::from_random(0xA991);
    let second = CaseReference::from_random(0xA992);
    assert!(store.open_application(&first).await.unwrap());
    assert!(
        !store.open_application(&first).await.unwrap(),
        "{backend}: a retried application opens nothing more"
    );
    assert!(store.open_application(&second).await.unwrap());
    let history = store.case_history(&first).await.unwrap().expect("opened");
    assert_eq!(history.initial_effective_date, None, "{backend}");
    assert_eq!(
        history.state(date("2025-03-01"), date("2025-03-01")),
        case_records::CaseState::Application,
        "{backend}: an application has no calculation yet"
    );
    let queue = store.applications().await.unwrap();
    assert!(
        queue.contains(&first) && queue.contains(&second),
        "{backend}: both applications wait: {queue:?}"
    );
    // Facts may be recorded on an application before its calculation.
    store
        .append_facts(
            &first,
            &facts()[..1],
            "application-facts",
            change_audit(&first),
        )
        .await
        .unwrap();
    // Two caseworkers make the calculation at once with different dates:
    // exactly one date is kept, and the other is refused.
    let (a, b) = tokio::join!(
        store.open_case(&first, date("2025-03-03")),
        store.open_case(&first, date("2025-03-10")),
    );
    assert_eq!(
        [&a, &b].iter().filter(|r| matches!(r, Ok(true))).count(),
        1,
        "{backend}: one calculation starts the case: {a:?} {b:?}"
    );
    assert!(
        [&a, &b]
            .iter()
            .any(|r| matches!(r, Err(StorageError::CaseConflict(_)))),
        "{backend}: the other is refused: {a:?} {b:?}"
    );
    let history = store.case_history(&first).await.unwrap().expect("opened");
    let started = history.initial_effective_date.expect("a date now");
    assert!(
        !store.open_case(&first, started).await.unwrap(),
        "{backend}"
    );
    assert_eq!(history.events.len(), 1, "{backend}: the facts are kept");
    assert!(
        matches!(
            store.open_application(&first).await,
            Err(StorageError::CaseConflict(_))
        ),
        "{backend}: a started case is not an application again"
    );
    let queue = store.applications().await.unwrap();
    assert!(
        !queue.contains(&first) && queue.contains(&second),
        "{backend}: {queue:?}"
    );
}

/// An application stopped because the applicant was in danger (issue 14)
/// holds their disclosure but is never an application: not in the queue,
/// not counted as waiting, never given a calculation, and neither kind of
/// opening turns into the other.
async fn an_application_stopped_in_danger_never_waits(store: &dyn Store) {
    let backend = store.backend();
    let waiting_before = store
        .mi_totals(None)
        .await
        .unwrap()
        .get(storage_api::mi::APPLICATIONS_WAITING, "");
    let stopped = CaseReference::from_random(0xDA_9E01);
    assert!(store.open_stopped_in_danger(&stopped).await.unwrap());
    assert!(
        !store.open_stopped_in_danger(&stopped).await.unwrap(),
        "{backend}: a retried stop opens nothing more"
    );
    let history = store.case_history(&stopped).await.unwrap().expect("opened");
    assert_eq!(history.initial_effective_date, None, "{backend}");
    assert!(
        !store.applications().await.unwrap().contains(&stopped),
        "{backend}: not an application waiting"
    );
    assert_eq!(
        store
            .mi_totals(None)
            .await
            .unwrap()
            .get(storage_api::mi::APPLICATIONS_WAITING, ""),
        waiting_before,
        "{backend}: not counted as an application waiting"
    );
    assert!(
        matches!(
            store.open_case(&stopped, date("2025-03-03")).await,
            Err(StorageError::CaseConflict(_))
        ),
        "{backend}: no calculation is made on it"
    );
    assert!(
        matches!(
            store.open_application(&stopped).await,
            Err(StorageError::CaseConflict(_))
        ),
        "{backend}: it does not become an application"
    );
    let application = CaseReference::from_random(0xDA_9E02);
    assert!(store.open_application(&application).await.unwrap());
    assert!(
        matches!(
            store.open_stopped_in_danger(&application).await,
            Err(StorageError::CaseConflict(_))
        ),
        "{backend}: an application waiting is not stopped by another way in"
    );
    assert!(store.applications().await.unwrap().contains(&application));
    assert!(!store.applications().await.unwrap().contains(&stopped));
}

async fn facts_come_back_in_order_and_a_retry_changes_nothing(store: &dyn Store) {
    let case = CaseReference::from_random(2);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let events = facts();
    let (first, rest) = events.split_at(2);
    assert_eq!(
        store
            .append_facts(&case, first, "request-1", change_audit(&case))
            .await
            .unwrap(),
        AppendOutcome::Appended { first_sequence: 1 }
    );
    assert_eq!(
        store
            .append_facts(&case, rest, "request-2", change_audit(&case))
            .await
            .unwrap(),
        AppendOutcome::Appended { first_sequence: 3 }
    );
    assert_eq!(
        store
            .append_facts(&case, first, "request-1", change_audit(&case))
            .await
            .unwrap(),
        AppendOutcome::AlreadyApplied { first_sequence: 1 },
        "{}: a retry is recognised",
        store.backend()
    );
    let history = store
        .case_history(&case)
        .await
        .unwrap()
        .expect("the case exists");
    assert_eq!(
        history,
        CaseHistory {
            initial_effective_date: Some(date("2025-01-06")),
            events
        },
        "{}: facts read back exactly, once each",
        store.backend()
    );
}

async fn a_reused_key_with_other_facts_is_refused_and_writes_nothing(store: &dyn Store) {
    let case = CaseReference::from_random(3);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let events = facts();
    store
        .append_facts(&case, &events[..1], "same-key", change_audit(&case))
        .await
        .unwrap();
    assert!(matches!(
        store
            .append_facts(&case, &events[1..3], "same-key", change_audit(&case))
            .await,
        Err(StorageError::IdempotencyKeyReused(_))
    ));
    let history = store
        .case_history(&case)
        .await
        .unwrap()
        .expect("the case exists");
    assert_eq!(
        history.events.len(),
        1,
        "{}: nothing half-written",
        store.backend()
    );
}

async fn closing_and_reopening_follow_the_cases_state_in_the_appending_transaction(
    store: Arc<dyn Store>,
) {
    let case = CaseReference::from_random(9_001);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let fact = |on: &str, change: Change| {
        vec![FactEvent {
            effective_from: date(on),
            recorded_on: date("2025-06-01"),
            change,
        }]
    };
    let reopen = fact("2025-03-03", Change::CaseReopened);
    assert!(
        matches!(
            store
                .append_facts(&case, &reopen, "reopen-open", change_audit(&case))
                .await,
            Err(StorageError::LifecycleRefused(_))
        ),
        "{}: an open case is not reopened",
        store.backend()
    );
    // Eight writers race to close the open case: exactly one succeeds.
    let close = fact("2025-02-03", Change::CaseClosed);
    let racers: Vec<_> = (0..8)
        .map(|writer| {
            let store = Arc::clone(&store);
            let close = close.clone();
            tokio::spawn(async move {
                store
                    .append_facts(
                        &case,
                        &close,
                        &format!("close-{writer}"),
                        change_audit(&case),
                    )
                    .await
            })
        })
        .collect();
    let mut closed = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(AppendOutcome::Appended { .. }) => closed += 1,
            Err(StorageError::LifecycleRefused(_)) => {}
            other => panic!("{}: {other:?}", store.backend()),
        }
    }
    assert_eq!(closed, 1, "{}: one closing wins", store.backend());
    let history = store.case_history(&case).await.unwrap().unwrap();
    assert_eq!(history.events.len(), 1);
    assert_eq!(
        history.state(date("2025-02-03"), date("2025-06-01")),
        case_records::CaseState::Closed
    );
    store
        .append_facts(&case, &reopen, "reopen", change_audit(&case))
        .await
        .unwrap();
    // Its retry is answered as before, not refused as reopening an open case.
    assert!(matches!(
        store
            .append_facts(&case, &reopen, "reopen", change_audit(&case))
            .await,
        Ok(AppendOutcome::AlreadyApplied { .. })
    ));
    let history = store.case_history(&case).await.unwrap().unwrap();
    assert_eq!(history.events.len(), 2, "{}", store.backend());
    assert_eq!(
        history.state(date("2025-03-03"), date("2025-06-01")),
        case_records::CaseState::Active
    );
}

async fn facts_for_an_unknown_case_are_refused(store: &dyn Store) {
    let case = CaseReference::from_random(4);
    assert!(matches!(
        store
            .append_facts(&case, &facts(), "k", change_audit(&case))
            .await,
        Err(StorageError::UnknownCase(_))
    ));
    assert_eq!(store.case_history(&case).await.unwrap(), None);
}

async fn concurrent_appends_to_one_case_keep_every_fact(store: Arc<dyn Store>) {
    let case = CaseReference::from_random(5);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for batch in 0..5 {
                    let event = FactEvent {
                        effective_from: date("2025-02-03"),
                        recorded_on: date("2025-02-03"),
                        change: Change::Income(Income::Weekly(Pence::new(writer * 1_000 + batch))),
                    };
                    store
                        .append_facts(
                            &case,
                            &[event],
                            &format!("writer-{writer}-batch-{batch}"),
                            change_audit(&case),
                        )
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("a writer finishes");
    }
    let history = store
        .case_history(&case)
        .await
        .unwrap()
        .expect("the case exists");
    assert_eq!(
        history.events.len(),
        40,
        "{}: every fact kept",
        store.backend()
    );
}

async fn the_schedule_from_stored_facts_is_the_schedule_from_memory(store: &dyn Store) {
    let case = CaseReference::from_random(6);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    store
        .append_facts(&case, &facts(), "all", change_audit(&case))
        .await
        .unwrap();
    let stored = store
        .case_history(&case)
        .await
        .unwrap()
        .expect("the case exists");
    let in_memory = CaseHistory {
        initial_effective_date: Some(date("2025-01-06")),
        events: facts(),
    };
    let until = date("2026-01-01");
    assert_eq!(
        liability_schedule(&stored, Parameters::embedded(), until, until).unwrap(),
        liability_schedule(&in_memory, Parameters::embedded(), until, until).unwrap()
    );
}

async fn each_stored_batch_is_audited_once_in_the_same_transaction(store: &dyn Store) {
    let case = CaseReference::from_random(7);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let audited = |entries: &[audit_log::ChainedEntry]| {
        entries
            .iter()
            .filter(|e| e.record.case.as_deref() == Some(case.to_string().as_str()))
            .count()
    };
    let before = audited(&store.audit_entries().await.unwrap());
    store
        .append_facts(&case, &facts()[..2], "audited", change_audit(&case))
        .await
        .unwrap();
    store
        .append_facts(&case, &facts()[..2], "audited", change_audit(&case))
        .await
        .unwrap();
    let _ = store
        .append_facts(&case, &facts()[2..], "audited", change_audit(&case))
        .await;
    let entries = store.audit_entries().await.unwrap();
    assert_eq!(
        audited(&entries) - before,
        1,
        "{}: one batch, one entry; a retry or refusal adds none",
        store.backend()
    );
    assert_eq!(audit_log::verify(&entries), Ok(()));
}

async fn tokens_are_found_by_hash_only(store: &dyn Store) {
    store
        .issue_token("hash-of-a-token", 17, "caseworker")
        .await
        .unwrap();
    assert_eq!(
        store.token_holder("hash-of-a-token").await.unwrap(),
        Some((17, "caseworker".to_owned()))
    );
    assert_eq!(store.token_holder("hash-of-another").await.unwrap(), None);
    assert!(
        store
            .issue_token("hash-of-a-token", 18, "auditor")
            .await
            .is_err(),
        "{}: a hash is issued once",
        store.backend()
    );
}

fn sealed_party(party: &str, person_id: i64, flagged: bool, bytes: u8) -> SealedParty {
    SealedParty {
        party: party.to_owned(),
        person_id,
        non_disclosure: flagged,
        fields: vec![
            ("address".to_owned(), vec![bytes; 48]),
            ("name".to_owned(), vec![bytes.wrapping_add(1); 40]),
        ],
        search_tokens: Vec::new(),
    }
}

async fn sealed_parties_are_replaced_whole_and_come_back_exactly(store: &dyn Store) {
    let case = CaseReference::from_random(8);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let first = vec![
        sealed_party("paying_parent", 1, false, 0),
        sealed_party("receiving_parent:1", 2, true, 200),
    ];
    store
        .put_parties(&case, &first, change_audit(&case))
        .await
        .unwrap();
    assert_eq!(
        store.parties(&case).await.unwrap(),
        first,
        "{}: sealed bytes read back exactly",
        store.backend()
    );
    assert!(store.cases_of_person(2).await.unwrap().contains(&case));
    let second = vec![sealed_party("paying_parent", 1, true, 9)];
    store
        .put_parties(&case, &second, change_audit(&case))
        .await
        .unwrap();
    assert_eq!(
        store.parties(&case).await.unwrap(),
        second,
        "{}: a put replaces every party",
        store.backend()
    );
    // A person's cases follow the parties: one no longer in it is not given it.
    assert!(store.cases_of_person(1).await.unwrap().contains(&case));
    assert!(
        !store.cases_of_person(2).await.unwrap().contains(&case),
        "{}: a person removed from a case",
        store.backend()
    );
    assert!(store.cases_of_person(424_242).await.unwrap().is_empty());
    let unknown = CaseReference::from_random(9);
    assert!(matches!(
        store
            .put_parties(&unknown, &first, change_audit(&unknown))
            .await,
        Err(StorageError::UnknownCase(_))
    ));
    assert!(store.parties(&unknown).await.unwrap().is_empty());
}

async fn accounts_are_created_once_and_sessions_expire_when_idle(store: &dyn Store) {
    store
        .create_account(
            "rita@example.org",
            "$argon2id$v=19$stub",
            2,
            "receiving_parent",
        )
        .await
        .unwrap();
    assert!(
        store
            .create_account("rita@example.org", "$argon2id$v=19$other", 3, "caseworker")
            .await
            .is_err()
    );
    assert_eq!(
        store.account("rita@example.org").await.unwrap(),
        Some((
            "$argon2id$v=19$stub".to_owned(),
            2,
            "receiving_parent".to_owned()
        ))
    );
    assert_eq!(store.account("nobody@example.org").await.unwrap(), None);
    store
        .start_session("session-a", 2, "receiving_parent", 1_000)
        .await
        .unwrap();
    assert_eq!(
        store.touch_session("session-a", 1_600, 900).await.unwrap(),
        Some((2, "receiving_parent".to_owned()))
    );
    // Seen at 1,600; at 2,501 it has been idle 901 seconds: ended, and stays ended.
    assert_eq!(
        store.touch_session("session-a", 2_501, 900).await.unwrap(),
        None,
        "{}: idle sessions end",
        store.backend()
    );
    assert_eq!(
        store.touch_session("session-a", 2_502, 900).await.unwrap(),
        None
    );
    store
        .start_session("session-b", 2, "receiving_parent", 3_000)
        .await
        .unwrap();
    store.end_session("session-b").await.unwrap();
    assert_eq!(
        store.touch_session("session-b", 3_001, 900).await.unwrap(),
        None,
        "{}: sign-out ends it",
        store.backend()
    );
}

async fn parties_are_transformed_inside_one_transaction(store: &dyn Store) {
    let case = CaseReference::from_random(10);
    store.open_case(&case, date("2025-01-06")).await.unwrap();
    let parties = vec![sealed_party("paying_parent", 1, false, 5)];
    store
        .put_parties(&case, &parties, change_audit(&case))
        .await
        .unwrap();
    let before = store.audit_entries().await.unwrap().len();
    let unchanged = store
        .transform_parties(&case, &|_| Ok(None), change_audit(&case))
        .await
        .unwrap();
    assert!(!unchanged);
    let flip = |current: &[SealedParty]| -> Result<Option<Vec<SealedParty>>, String> {
        Ok(Some(
            current
                .iter()
                .map(|p| SealedParty {
                    non_disclosure: true,
                    ..p.clone()
                })
                .collect(),
        ))
    };
    assert!(
        store
            .transform_parties(&case, &flip, change_audit(&case))
            .await
            .unwrap()
    );
    assert!(
        store
            .parties(&case)
            .await
            .unwrap()
            .iter()
            .all(|p| p.non_disclosure)
    );
    let refuse = |_: &[SealedParty]| -> Result<Option<Vec<SealedParty>>, String> {
        Err("cannot open".to_owned())
    };
    assert!(matches!(
        store
            .transform_parties(&case, &refuse, change_audit(&case))
            .await,
        Err(StorageError::Transform(_))
    ));
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        before + 1,
        "{}: only the change that happened is audited",
        store.backend()
    );
}

async fn every_case_is_listed(store: &dyn Store) {
    let listed = store.case_references().await.unwrap();
    for seed in [1, 2, 3, 5, 6, 7, 8, 10] {
        assert!(
            listed.contains(&CaseReference::from_random(seed)),
            "{}: case {seed} listed",
            store.backend()
        );
    }
    assert!(
        !listed.contains(&CaseReference::from_random(4)),
        "an unknown case is not listed"
    );
}

fn ledger_transfer(
    id: &str,
    debit: ledger::Account,
    credit: ledger::Account,
    pence: u64,
    day: &str,
) -> ledger::Transfer {
    ledger::Transfer {
        id: ledger::TransferId(id.to_owned()),
        debit,
        credit,
        amount: Pence::new(pence),
        code: ledger::TransferCode::Payment,
        effective: date(day),
        corrects: None,
    }
}

async fn transfers_are_posted_once_and_a_conflicting_batch_writes_nothing(store: &dyn Store) {
    use ledger::{Account, AccountKind};
    let case = CaseReference::from_random(11);
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let due = Account::of_case(case, AccountKind::ReceivingParentDue(ReceivingParentId(1)));
    let batch = vec![
        ledger_transfer("accrual-1", owes, due, 6_000, "2025-01-06"),
        ledger_transfer("bank/B-1", Account::BANK, owes, 5_000, "2025-01-08"),
        ledger_transfer(
            "bank/B-2",
            Account::BANK,
            Account::SUSPENSE,
            700,
            "2025-01-08",
        ),
    ];
    assert_eq!(
        store.post_transfers(&batch).await.unwrap(),
        storage_api::PostSummary {
            posted: 3,
            already_posted: 0
        }
    );
    assert_eq!(
        store.post_transfers(&batch).await.unwrap(),
        storage_api::PostSummary {
            posted: 0,
            already_posted: 3
        },
        "{}: posting again changes nothing",
        store.backend()
    );
    let conflicting = vec![
        ledger_transfer("bank/B-3", Account::BANK, owes, 100, "2025-01-09"),
        ledger_transfer("bank/B-1", Account::BANK, owes, 5_001, "2025-01-08"),
    ];
    assert!(
        matches!(store.post_transfers(&conflicting).await, Err(StorageError::TransferConflict(id)) if id == "bank/B-1")
    );
    let stored = store.transfers_for_case(&case).await.unwrap();
    assert_eq!(
        stored.len(),
        2,
        "{}: B-3 was not written with the refused batch",
        store.backend()
    );
    assert_eq!(stored[0], batch[0]);
    let balances = store.account_balances().await.unwrap();
    assert_eq!(
        balances.iter().map(|(_, b)| b).sum::<i128>(),
        0,
        "{}: the trial balance is zero",
        store.backend()
    );
    assert!(balances.contains(&(owes, 1_000)));
    assert!(balances.contains(&(Account::SUSPENSE, -700)));
}

/// A batch run's postings and its audit entry are one transaction: the
/// entry says what the batch did, a batch that posts nothing (a re-import)
/// still records that it ran, and a refused batch writes neither.
async fn a_batch_is_audited_with_its_postings_even_when_it_posts_nothing(store: &dyn Store) {
    use ledger::{Account, AccountKind};
    let backend = store.backend();
    let case = CaseReference::from_random(12);
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let batch = vec![
        ledger_transfer("bank/AUD-1", Account::BANK, owes, 1_200, "2025-01-08"),
        ledger_transfer(
            "bank/AUD-2",
            Account::BANK,
            Account::SUSPENSE,
            300,
            "2025-01-08",
        ),
    ];
    let audit = |summary: storage_api::PostSummary| AuditRecord {
        at_unix_seconds: 1_700_000_000,
        actor: "bank-import".to_owned(),
        role: "service".to_owned(),
        action: Action::BatchRan,
        case: None,
        fields: vec!["bank_import".to_owned()],
        reason: Some(format!(
            "{} posted, {} already posted",
            summary.posted, summary.already_posted
        )),
        count: 1,
    };
    let before = store.audit_entries().await.unwrap().len();
    for expected in ["2 posted, 0 already posted", "0 posted, 2 already posted"] {
        store
            .post_transfers_audited(&batch, &audit)
            .await
            .expect("posted");
        let entries = store.audit_entries().await.unwrap();
        let last = entries.last().expect("an entry");
        assert_eq!(last.record.action, Action::BatchRan, "{backend}");
        assert_eq!(last.record.reason.as_deref(), Some(expected), "{backend}");
    }
    store
        .post_transfers_audited(&[], &audit)
        .await
        .expect("nothing to post");
    assert_eq!(store.audit_entries().await.unwrap().len(), before + 3);
    let refused = vec![ledger_transfer(
        "bank/AUD-1",
        Account::BANK,
        owes,
        1_201,
        "2025-01-08",
    )];
    assert!(matches!(
        store.post_transfers_audited(&refused, &audit).await,
        Err(StorageError::TransferConflict(_))
    ));
    let entries = store.audit_entries().await.unwrap();
    assert_eq!(
        entries.len(),
        before + 3,
        "{backend}: a refused batch is not audited"
    );
    assert!(audit_log::verify(&entries).is_ok(), "{backend}");
}
