//! Challenges to decisions (issue 16), on both back-ends: each event is
//! stored once, with its sealed words and evidence, the work it makes and
//! its audit entry in the same transaction; never on a stale reading.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, PersonId};
use domain_types::Date;
use storage_api::{ActionOutcome, ChallengeRow, EvidenceRow, StorageError, Store};
use work_items::{WorkChange, WorkKind, WorkQuery, WorkState};

fn audit(case: &CaseReference, at: i64) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: at,
        actor: "parent-1".to_owned(),
        role: "paying_parent".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec!["challenge".to_owned()],
        reason: None,
        count: 1,
    }
}

fn row(
    event_id: &str,
    kind: &str,
    payload: &str,
    person: i64,
    words: Option<&str>,
) -> ChallengeRow {
    ChallengeRow {
        event_id: event_id.to_owned(),
        kind: kind.to_owned(),
        payload: payload.to_owned(),
        person,
        role: if person == 1 {
            "paying_parent"
        } else {
            "caseworker"
        }
        .to_owned(),
        on: "2026-06-01".to_owned(),
        words: words.map(str::to_owned),
    }
}

async fn open_items(store: &dyn Store, case: CaseReference) -> Vec<(WorkKind, WorkState)> {
    store
        .work_queue(&WorkQuery {
            case: Some(case),
            limit: 50,
            ..WorkQuery::default()
        })
        .await
        .unwrap()
        .items
        .iter()
        .map(|i| (i.kind, i.state))
        .collect()
}

/// A request opens the challenge and its work item; a retry changes
/// nothing; a stale reading or a reused id writes nothing; evidence comes
/// back byte for byte; the outcome closes the work.
pub async fn a_challenge_is_stored_once_with_its_work_and_never_on_a_stale_reading(
    store: &dyn Store,
) {
    let backend = store.backend();
    let case = CaseReference::from_random(7_160);
    store
        .open_case(&case, Date::parse_iso("2026-05-04").unwrap())
        .await
        .unwrap();
    let challenge = "ch-7160";
    let item = work_items::item_id(WorkKind::Reconsideration, &case, challenge);
    let open = [WorkChange::Open {
        id: item.clone(),
        kind: WorkKind::Reconsideration,
        case: Some(case),
        person: Some(PersonId(1)),
    }];
    let asked = row(
        "asked",
        "asked",
        "by=paying_parent;decision=calculation;notified=2026-06-01;decided_by=17;timing=in_time;",
        1,
        Some("sealed-why"),
    );
    let audit_before = store.audit_entries().await.unwrap().len();
    assert_eq!(
        store
            .record_challenge_event(
                &case,
                challenge,
                0,
                &asked,
                None,
                &open,
                audit(&case, 1_780_000_000)
            )
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 1 },
        "{backend}"
    );
    assert_eq!(
        open_items(store, case).await,
        vec![(WorkKind::Reconsideration, WorkState::Open)],
        "{backend}: the request made its work in its own transaction"
    );
    // A retry (words sealed afresh) changes nothing; the same id with
    // another request is refused.
    let mut again = asked.clone();
    again.words = Some("sealed-again".to_owned());
    assert_eq!(
        store
            .record_challenge_event(
                &case,
                challenge,
                0,
                &again,
                None,
                &open,
                audit(&case, 1_780_000_001)
            )
            .await
            .unwrap(),
        ActionOutcome::AlreadyRecorded,
        "{backend}"
    );
    let mut other = asked.clone();
    other.payload = other.payload.replace("calculation", "fee");
    assert!(
        matches!(
            store
                .record_challenge_event(&case, challenge, 0, &other, None, &[], audit(&case, 1))
                .await,
            Err(StorageError::IdempotencyKeyReused(_))
        ),
        "{backend}"
    );
    // The same challenge id on another case is refused.
    let elsewhere = CaseReference::from_random(7_161);
    store
        .open_case(&elsewhere, Date::parse_iso("2026-05-04").unwrap())
        .await
        .unwrap();
    assert!(
        store
            .record_challenge_event(
                &elsewhere,
                challenge,
                0,
                &asked,
                None,
                &[],
                audit(&elsewhere, 1)
            )
            .await
            .is_err(),
        "{backend}"
    );
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        audit_before + 1,
        "{backend}: one audit entry for the one event stored"
    );
    // Evidence, sealed by the caller, stored with its event.
    let file = EvidenceRow {
        evidence_id: "e1".to_owned(),
        media_type: "image/jpeg".to_owned(),
        person: 1,
        bytes: 4,
        sealed: vec![0, 1, 2, 0xFF, 0xD8, 0],
    };
    let added = row(
        "e1",
        "evidence_added",
        "by=paying_parent;evidence=e1;",
        1,
        None,
    );
    assert_eq!(
        store
            .record_challenge_event(
                &case,
                challenge,
                1,
                &added,
                Some(&file),
                &[],
                audit(&case, 1_780_000_100)
            )
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 2 },
        "{backend}"
    );
    assert_eq!(
        store.challenge_evidence(challenge).await.unwrap(),
        vec![file.clone()],
        "{backend}"
    );
    // A decision on a stale reading (one event seen, two stored) is refused
    // and writes nothing.
    let decided = row(
        "decided",
        "decided",
        "outcome=not_revised;by=40;",
        40,
        Some("sealed-reasons"),
    );
    let close = [WorkChange::Close { id: item }];
    assert!(
        matches!(
            store
                .record_challenge_event(
                    &case,
                    challenge,
                    1,
                    &decided,
                    None,
                    &close,
                    audit(&case, 1_780_000_200)
                )
                .await,
            Err(StorageError::ActionConflict(_))
        ),
        "{backend}"
    );
    assert_eq!(
        open_items(store, case).await,
        vec![(WorkKind::Reconsideration, WorkState::Open)],
        "{backend}"
    );
    assert_eq!(
        store
            .record_challenge_event(
                &case,
                challenge,
                2,
                &decided,
                None,
                &close,
                audit(&case, 1_780_000_200)
            )
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 3 },
        "{backend}"
    );
    assert!(
        open_items(store, case)
            .await
            .iter()
            .all(|(_, state)| *state == WorkState::Done),
        "{backend}: the outcome closed the work"
    );
    let (stored_case, events) = store.challenge(challenge).await.unwrap().unwrap();
    assert_eq!(stored_case, case, "{backend}");
    assert_eq!(events, vec![asked, added, decided], "{backend}");
    assert_eq!(
        store.challenges_of_case(&case).await.unwrap(),
        vec![challenge.to_owned()],
        "{backend}"
    );
    assert!(
        store
            .challenges_of_case(&elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store.challenge("ch-none").await.unwrap().is_none(),
        "{backend}"
    );
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        audit_before + 3,
        "{backend}"
    );
    // A case that does not exist.
    assert!(
        matches!(
            store
                .record_challenge_event(
                    &CaseReference::from_random(7_162),
                    "ch-x",
                    0,
                    &row("asked", "asked", "x", 1, None),
                    None,
                    &[],
                    audit(&case, 1),
                )
                .await,
            Err(StorageError::UnknownCase(_))
        ),
        "{backend}"
    );
}

/// Who made a case's standing decision: the last change a staff member
/// made to that case (migration 0021's index), not a parent's change on it,
/// not a staff member's on another case, and nothing for a case no staff
/// member has changed.
pub async fn the_decision_maker_is_the_last_staff_change_on_the_case(store: &dyn Store) {
    let backend = store.backend();
    let case = CaseReference::from_random(7_161);
    let other = CaseReference::from_random(7_162);
    let entry = |case: &CaseReference, actor: &str, action: Action| AuditRecord {
        actor: actor.to_owned(),
        role: if actor.starts_with("staff-") {
            "caseworker"
        } else {
            "paying_parent"
        }
        .to_owned(),
        action,
        ..audit(case, 1_700_000_000)
    };
    assert_eq!(
        store.last_staff_change(&case).await.unwrap(),
        None,
        "{backend}: no one has changed it"
    );
    for record in [
        entry(&case, "staff-17", Action::Changed),
        entry(&case, "staff-40", Action::Changed),
        // Later: a read by staff, a parent's change, another case's change.
        entry(&case, "staff-30", Action::Viewed),
        entry(&case, "parent-1", Action::Changed),
        entry(&other, "staff-17", Action::Changed),
    ] {
        store.append_audit(record).await.unwrap();
    }
    assert_eq!(
        store.last_staff_change(&case).await.unwrap().as_deref(),
        Some("staff-40"),
        "{backend}"
    );
    assert_eq!(
        store.last_staff_change(&other).await.unwrap().as_deref(),
        Some("staff-17"),
        "{backend}"
    );
}
