//! Specialist casework on both back-ends: a disclosure puts the case on the
//! specialist team's queue with its risk raised in one write; a later
//! threat reaches the named caseworker and blocks closing until reviewed.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, PersonId, Role};
use domain_types::Date;
use safety::{Party, Recorder, RiskLevel, SafetyEvent, SafetyRecord, SafetyRefused, SafetyState};
use storage_api::{ActionOutcome, StorageError, Store};

fn audit(case: &CaseReference, event: &SafetyEvent) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_760_000_000,
        actor: "someone".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec![format!("safety:{}", event.encode().0)],
        reason: None,
        count: 1,
    }
}

/// Reads the case's state, checks the event against it, records it.
async fn take(
    store: &dyn Store,
    case: &CaseReference,
    event: SafetyEvent,
    by: Recorder,
) -> Result<SafetyState, SafetyRefused> {
    let records = store.safety_events(case).await.expect("read");
    let state = SafetyState::from_records(&records);
    state.check(&event, by)?;
    let record = SafetyRecord { event, by };
    let id = format!("{}-{}", record.event.encode().0, records.len() + 1);
    let outcome = store
        .record_safety_event(
            case,
            i64::try_from(records.len()).expect("small"),
            &id,
            &record,
            audit(case, &record.event),
        )
        .await
        .expect("recorded");
    assert!(matches!(outcome, ActionOutcome::Recorded { .. }));
    Ok(SafetyState::from_records(
        &store.safety_events(case).await.expect("read"),
    ))
}

fn on(text: &str) -> Date {
    Date::parse_iso(text).expect("a date")
}

pub(crate) async fn a_later_threat_reaches_the_named_caseworker_and_blocks_closing(
    store: &dyn Store,
) {
    let backend = store.backend();
    let case = CaseReference::from_random(5_150);
    store
        .open_case(&case, on("2025-01-06"))
        .await
        .expect("opened");
    let parent = Recorder {
        person: PersonId(2),
        role: Role::ReceivingParent,
        on: on("2025-02-03"),
    };
    let specialist = Recorder {
        person: PersonId(30),
        role: Role::DomesticAbuseSpecialist,
        on: on("2025-02-04"),
    };
    let named = Recorder {
        person: PersonId(40),
        role: Role::Caseworker,
        on: on("2025-02-05"),
    };
    let other = Recorder {
        person: PersonId(41),
        role: Role::Caseworker,
        on: on("2025-02-05"),
    };
    // The application's disclosure: queue and risk in the one event.
    let state = take(
        store,
        &case,
        SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: false,
            police_call_consented: false,
        },
        parent,
    )
    .await
    .expect("anyone may disclose");
    assert!(state.specialist_queue, "{backend}");
    assert_eq!(state.risk, RiskLevel::Raised);
    assert!(!state.may_close_or_reopen());
    assert!(
        store
            .cases_with_safety_events()
            .await
            .unwrap()
            .contains(&case)
    );
    assert_eq!(
        take(
            store,
            &case,
            SafetyEvent::NamedCaseworkerAssigned {
                caseworker: PersonId(40)
            },
            other
        )
        .await,
        Err(SafetyRefused::RoleMayNot(Role::Caseworker))
    );
    take(
        store,
        &case,
        SafetyEvent::NamedCaseworkerAssigned {
            caseworker: PersonId(40),
        },
        specialist,
    )
    .await
    .unwrap();
    let state = take(store, &case, SafetyEvent::DisclosuresReviewed, named)
        .await
        .unwrap();
    assert!(state.may_close_or_reopen());
    // Months later, a threat: it reaches the named caseworker at once and
    // the case may not be closed until they (or the team) have reviewed it.
    let state = take(
        store,
        &case,
        SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        },
        Recorder {
            on: on("2025-06-10"),
            ..parent
        },
    )
    .await
    .unwrap();
    assert_eq!(state.disclosure_reaches(), Some(PersonId(40)), "{backend}");
    assert_eq!(state.risk, RiskLevel::High);
    assert_eq!(state.awaiting_review, vec![on("2025-06-10")]);
    assert!(!state.may_close_or_reopen());
    assert_eq!(
        take(store, &case, SafetyEvent::DisclosuresReviewed, other).await,
        Err(SafetyRefused::NotTheReviewer)
    );
    let state = take(store, &case, SafetyEvent::DisclosuresReviewed, named)
        .await
        .unwrap();
    assert!(state.may_close_or_reopen());
    // A decision on a stale reading writes nothing; a retry changes nothing.
    let record = SafetyRecord {
        event: SafetyEvent::RiskSet {
            level: RiskLevel::Raised,
        },
        by: specialist,
    };
    assert!(matches!(
        store
            .record_safety_event(&case, 0, "stale", &record, audit(&case, &record.event))
            .await,
        Err(StorageError::ActionConflict(_))
    ));
    let count = i64::try_from(store.safety_events(&case).await.unwrap().len()).unwrap();
    for expected in [
        ActionOutcome::Recorded {
            sequence: count + 1,
        },
        ActionOutcome::AlreadyRecorded,
    ] {
        assert_eq!(
            store
                .record_safety_event(&case, count, "risk-1", &record, audit(&case, &record.event))
                .await
                .unwrap(),
            expected,
            "{backend}"
        );
    }
    let audited = store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.record.case.as_deref() == Some(&case.to_string())
                && e.record.fields.iter().any(|f| f.starts_with("safety:"))
        })
        .count();
    assert_eq!(audited, 6, "{backend}: one audit entry per event");
}

pub(crate) async fn a_survivor_moved_on_evidence_pays_no_collection_fee(store: &dyn Store) {
    let backend = store.backend();
    let case = CaseReference::from_random(5_151);
    store
        .open_case(&case, on("2025-01-06"))
        .await
        .expect("opened");
    let route = safety::MoveRoute::AbuseEvidence {
        applicant: Party::ReceivingParent,
        evidence: "protective_injunction".to_owned(),
    };
    let moved =
        safety::decide_move(&route, safety::EvidenceList::embedded(), true).expect("modelled");
    let day = on("2025-03-03");
    let fact = |change| case_records::FactEvent {
        effective_from: day,
        recorded_on: day,
        change,
    };
    let facts = vec![
        fact(case_records::Change::ServiceType(
            case_records::ServiceType::CollectAndPay,
        )),
        fact(case_records::Change::CollectionFeeWaiver {
            paying_parent: moved.paying_parent_fee_waived,
            receiving_parent: moved.receiving_parent_fee_waived,
        }),
    ];
    let audit = AuditRecord {
        fields: vec![
            "service_type".to_owned(),
            "collection_fee_waiver".to_owned(),
        ],
        ..audit(&case, &SafetyEvent::DisclosuresReviewed)
    };
    store
        .append_facts(&case, &facts, "move", audit)
        .await
        .expect("moved");
    let history = store.case_history(&case).await.unwrap().unwrap();
    let terms =
        ledger::CollectionTerms::on(&history, day, day, legal_parameters::Parameters::embedded());
    assert!(terms.collect_and_pay, "{backend}");
    assert!(terms.receiving_parent_fee_waived && !terms.paying_parent_fee_waived);
    assert_eq!(
        ledger::receiving_parent_fee(terms, legal_parameters::Parameters::embedded(), day),
        None,
        "{backend}: the survivor keeps every penny collected"
    );
    let before = ledger::CollectionTerms::on(
        &history,
        on("2025-03-02"),
        day,
        legal_parameters::Parameters::embedded(),
    );
    assert!(
        !before.collect_and_pay,
        "{backend}: Direct Pay until the move"
    );
}
