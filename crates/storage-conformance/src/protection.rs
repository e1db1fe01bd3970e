//! Protection belongs to the person (issue 12), on both back-ends: a flag
//! recorded on one case, a disclosure, or a request saying it is not safe
//! protects the person in every case they are in, in the same
//! transaction; a later record without the flag lifts nothing; lifting is
//! a proposal and an approval, never on a stale reading; an unknown person
//! is refused.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, PersonId, Role, SealedParty};
use domain_types::Date;
use ledger::{CollectionAction, Decision, MoveRequestReason, RecordedAction};
use safety::{
    Party, ProtectionCause, ProtectionEvent, ProtectionRecord, Recorder, SafetyEvent, SafetyRecord,
};
use storage_api::{ActionOutcome, StorageError, Store};

fn audit(what: &str) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_760_000_000,
        actor: "staff-77".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: None,
        fields: vec![what.to_owned()],
        reason: None,
        count: 1,
    }
}

fn party(party: &str, person_id: i64, flagged: bool) -> SealedParty {
    SealedParty {
        party: party.to_owned(),
        person_id,
        non_disclosure: flagged,
        fields: vec![("name".to_owned(), vec![7; 40])],
        search_tokens: Vec::new(),
    }
}

fn on() -> Date {
    Date::parse_iso("2026-12-01").expect("a date")
}

fn specialist(person: u64) -> Recorder {
    Recorder {
        person: PersonId(person),
        role: Role::DomesticAbuseSpecialist,
        on: on(),
    }
}

async fn flag_of(store: &dyn Store, case: &CaseReference, which: &str) -> bool {
    store
        .parties(case)
        .await
        .unwrap()
        .iter()
        .find(|p| p.party == which)
        .unwrap_or_else(|| panic!("{which} is in {case}"))
        .non_disclosure
}

async fn open_with(store: &dyn Store, seed: u64, parties: &[SealedParty]) -> CaseReference {
    let case = CaseReference::from_random(seed);
    store
        .open_case(&case, Date::parse_iso("2025-01-06").unwrap())
        .await
        .unwrap();
    store
        .put_parties(&case, parties, audit("parties"))
        .await
        .unwrap();
    case
}

pub(crate) async fn a_flag_on_one_case_protects_the_person_in_every_case(store: &dyn Store) {
    let backend = store.backend();
    let first = open_with(
        store,
        4_100,
        &[
            party("paying_parent", 4_100, false),
            party("receiving_parent:1", 4_101, true),
        ],
    )
    .await;
    let second = open_with(
        store,
        4_102,
        &[
            party("paying_parent", 4_100, false),
            party("receiving_parent:1", 4_101, false),
        ],
    )
    .await;
    assert!(
        flag_of(store, &second, "receiving_parent:1").await,
        "{backend}: the flag recorded on one case protects her in the other"
    );
    assert!(
        !flag_of(store, &second, "paying_parent").await,
        "{backend}: the other parent is not protected by it"
    );
    // Recording the first case again without the flag lifts nothing.
    store
        .put_parties(
            &first,
            &[
                party("paying_parent", 4_100, false),
                party("receiving_parent:1", 4_101, false),
            ],
            audit("parties"),
        )
        .await
        .unwrap();
    assert!(
        flag_of(store, &first, "receiving_parent:1").await,
        "{backend}: a record without the flag does not lift it"
    );
    let history = store.protection_events(4_101).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.event.clone()).collect::<Vec<_>>(),
        vec![ProtectionEvent::Protected {
            cause: ProtectionCause::RecordedOnCase
        }],
        "{backend}: protected once, with its cause"
    );
    assert_eq!(history[0].by.person, PersonId(77), "{backend}");
    assert!(store.protected_people().await.unwrap().contains(&4_101));

    // Lifting: a proposal lifts nothing; a decision on a stale reading is
    // refused; the approval lifts it everywhere.
    let before = store.audit_entries().await.unwrap().len();
    let proposal = ProtectionRecord {
        event: ProtectionEvent::LiftProposed {
            reason: "she asked".to_owned(),
        },
        by: specialist(900),
    };
    assert_eq!(
        store
            .record_protection(4_101, 1, &proposal, audit("lift_proposed"))
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 2 }
    );
    assert!(flag_of(store, &second, "receiving_parent:1").await);
    let approval = ProtectionRecord {
        event: ProtectionEvent::LiftApproved,
        by: specialist(901),
    };
    assert!(
        matches!(
            store
                .record_protection(4_101, 1, &approval, audit("lift_approved"))
                .await,
            Err(StorageError::ActionConflict(_))
        ),
        "{backend}: a stale reading is refused"
    );
    store
        .record_protection(4_101, 2, &approval, audit("lift_approved"))
        .await
        .unwrap();
    assert!(!flag_of(store, &first, "receiving_parent:1").await);
    assert!(!flag_of(store, &second, "receiving_parent:1").await);
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        before + 2,
        "{backend}: each step audited in its transaction"
    );
    // Protected again, and again: the second changes nothing.
    let flag = ProtectionRecord {
        event: ProtectionEvent::Protected {
            cause: ProtectionCause::Flagged,
        },
        by: specialist(900),
    };
    assert_eq!(
        store
            .record_protection(4_101, 3, &flag, audit("flag"))
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 4 }
    );
    assert_eq!(
        store
            .record_protection(4_101, 4, &flag, audit("flag"))
            .await
            .unwrap(),
        ActionOutcome::AlreadyRecorded
    );
    assert!(flag_of(store, &second, "receiving_parent:1").await);
    // A mistyped id protects nobody, and says so.
    assert!(matches!(
        store
            .record_protection(987_654_321, 0, &flag, audit("flag"))
            .await,
        Err(StorageError::UnknownPerson(987_654_321))
    ));
}

pub(crate) async fn a_disclosure_protects_who_made_it_at_once(store: &dyn Store) {
    let backend = store.backend();
    let case = open_with(
        store,
        4_200,
        &[
            party("paying_parent", 4_200, false),
            party("receiving_parent:1", 4_201, false),
        ],
    )
    .await;
    let disclosure = SafetyRecord {
        event: SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: false,
        },
        by: Recorder {
            person: PersonId(4_201),
            role: Role::ReceivingParent,
            on: on(),
        },
    };
    store
        .record_safety_event(&case, 0, "disclosed-1", &disclosure, audit("safety"))
        .await
        .unwrap();
    assert!(
        flag_of(store, &case, "receiving_parent:1").await,
        "{backend}: protected in the disclosure's own transaction"
    );
    assert!(!flag_of(store, &case, "paying_parent").await, "{backend}");

    // A disclosure recorded before the parties protects the person as soon
    // as they are recorded.
    let early = CaseReference::from_random(4_202);
    store
        .open_case(&early, Date::parse_iso("2025-01-06").unwrap())
        .await
        .unwrap();
    let told_to_staff = SafetyRecord {
        event: SafetyEvent::Disclosed {
            by: Party::PayingParent,
            immediate_danger: false,
            police_call_consented: false,
        },
        by: Recorder {
            person: PersonId(3),
            role: Role::Caseworker,
            on: on(),
        },
    };
    store
        .record_safety_event(&early, 0, "disclosed-1", &told_to_staff, audit("safety"))
        .await
        .unwrap();
    store
        .put_parties(
            &early,
            &[
                party("paying_parent", 4_203, false),
                party("receiving_parent:1", 4_204, false),
            ],
            audit("parties"),
        )
        .await
        .unwrap();
    assert!(flag_of(store, &early, "paying_parent").await, "{backend}");
    assert!(
        !flag_of(store, &early, "receiving_parent:1").await,
        "{backend}"
    );
}

pub(crate) async fn asking_to_move_because_it_is_not_safe_protects_the_parent(store: &dyn Store) {
    let case = open_with(
        store,
        4_300,
        &[
            party("paying_parent", 4_300, false),
            party("receiving_parent:1", 4_301, false),
        ],
    )
    .await;
    let request = RecordedAction {
        action: CollectionAction::MoveRequested {
            reason: MoveRequestReason::NotSafe,
        },
        by: Decision {
            by: PersonId(4_301),
            role: Role::ReceivingParent,
            on: on(),
        },
    };
    store
        .record_collection_action(&case, 0, "move-1", &request, &[], audit("move"))
        .await
        .unwrap();
    assert!(
        flag_of(store, &case, "receiving_parent:1").await,
        "{}",
        store.backend()
    );
    assert!(!flag_of(store, &case, "paying_parent").await);
}

/// A child's row carries its carer's number and the named caseworker's row
/// a member of staff: neither makes anyone a party. Person 1 must not be
/// given a case because a child in it is cared for by receiving parent 1,
/// nor person 17 a case because caseworker 17 is named on it.
pub(crate) async fn only_parents_are_given_a_case(store: &dyn Store) {
    let case = open_with(
        store,
        4_400,
        &[
            party("paying_parent", 4_400, false),
            party("receiving_parent:1", 4_401, false),
            party("child:1", 1, false),
            party("named_caseworker", 17, false),
        ],
    )
    .await;
    for stranger in [1, 17] {
        assert!(
            !store
                .cases_of_person(stranger)
                .await
                .unwrap()
                .contains(&case),
            "{}: person {stranger} given a case they are not a parent in",
            store.backend()
        );
    }
    assert!(store.cases_of_person(4_401).await.unwrap().contains(&case));
}
