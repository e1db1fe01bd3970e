//! Work items kept as the work happens (issue 14), on both back-ends: each
//! event opens, changes or closes its items in its own transaction; queues
//! read them by index, most urgent first then oldest, paged, with counts;
//! a done item takes no more commands.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, PersonId, Role, SealedParty};
use domain_types::{Date, Pence};
use ledger::{
    Account, CollectionAction, Decision, MoveRequestReason, RecordedAction, Transfer, TransferCode,
    TransferId,
};
use safety::{Party, PlanStep, Recorder, RiskLevel, SafetyEvent, SafetyRecord};
use storage_api::{StorageError, Store};
use work_items::{Team, WorkCommand, WorkKind, WorkQuery, WorkState};

const AT: i64 = 1_764_633_600; // 2025-12-02T00:00:00Z

fn audit(at: i64) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: at,
        actor: "staff-30".to_owned(),
        role: "domestic_abuse_specialist".to_owned(),
        action: Action::Changed,
        case: None,
        fields: vec!["work".to_owned()],
        reason: None,
        count: 1,
    }
}

fn on() -> Date {
    Date::parse_iso("2025-12-02").unwrap()
}

fn of_case(case: CaseReference) -> WorkQuery {
    WorkQuery {
        case: Some(case),
        limit: 50,
        ..WorkQuery::default()
    }
}

async fn kinds(store: &dyn Store, case: CaseReference) -> Vec<WorkKind> {
    store
        .work_queue(&of_case(case))
        .await
        .unwrap()
        .items
        .iter()
        .map(|i| i.kind)
        .collect()
}

async fn safety(store: &dyn Store, case: &CaseReference, n: i64, event: SafetyEvent, by: Recorder) {
    let record = SafetyRecord { event, by };
    store
        .record_safety_event(case, n, &format!("s{n}"), &record, audit(AT + n * 60))
        .await
        .unwrap();
}

pub(crate) async fn danger_tops_the_specialist_queue_and_the_work_done_closes_it(
    store: &dyn Store,
) {
    let backend = store.backend();
    let case = CaseReference::from_random(6_100);
    store.open_case(&case, on()).await.unwrap();
    let parent = Recorder {
        person: PersonId(6_101),
        role: Role::ReceivingParent,
        on: on(),
    };
    let specialist = Recorder {
        person: PersonId(30),
        role: Role::DomesticAbuseSpecialist,
        on: on(),
    };
    safety(
        store,
        &case,
        0,
        SafetyEvent::Disclosed {
            by: Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        },
        parent,
    )
    .await;
    assert_eq!(
        kinds(store, case).await,
        vec![
            WorkKind::PoliceCallRequested,
            WorkKind::ImmediateDanger,
            WorkKind::DisclosureToReview
        ],
        "{backend}: danger first"
    );
    let top = store
        .work_queue(&WorkQuery {
            teams: vec![Team::Specialist],
            case: Some(case),
            limit: 1,
            ..WorkQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        top.items[0].kind,
        WorkKind::PoliceCallRequested,
        "{backend}"
    );
    assert_eq!(top.items[0].person, Some(PersonId(6_101)));
    assert_eq!(top.items[0].raised, AT);
    assert_eq!(top.items[0].due, AT + 15 * 60, "{backend}: 15 minutes");
    assert_eq!(top.total(), 3, "{backend}: counted whole, one shown");
    // Risk follows onto the open items; the police call closes its item;
    // the review closes the rest.
    safety(
        store,
        &case,
        1,
        SafetyEvent::RiskSet {
            level: RiskLevel::High,
        },
        specialist,
    )
    .await;
    let page = store.work_queue(&of_case(case)).await.unwrap();
    assert!(
        page.items.iter().all(|i| i.risk == RiskLevel::High),
        "{backend}"
    );
    safety(
        store,
        &case,
        2,
        SafetyEvent::PlanStepTaken {
            step: PlanStep::PoliceCalledForThem,
            outcome: None,
        },
        specialist,
    )
    .await;
    assert_eq!(
        kinds(store, case).await,
        vec![WorkKind::ImmediateDanger, WorkKind::DisclosureToReview]
    );
    safety(
        store,
        &case,
        3,
        SafetyEvent::DisclosuresReviewed,
        specialist,
    )
    .await;
    assert!(kinds(store, case).await.is_empty(), "{backend}: all done");
    let closed = store
        .work_item(&work_items::item_id(
            WorkKind::PoliceCallRequested,
            &case,
            "s0",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.state, WorkState::Done);
}

pub(crate) async fn requests_applications_and_money_make_work_that_is_claimed_and_done(
    store: &dyn Store,
) {
    let backend = store.backend();
    // A request from a parent, and the one dealing with it.
    let case = CaseReference::from_random(6_200);
    store.open_case(&case, on()).await.unwrap();
    store
        .put_parties(
            &case,
            &[SealedParty {
                party: "receiving_parent:1".to_owned(),
                person_id: 6_201,
                non_disclosure: false,
                fields: vec![("name".to_owned(), vec![1; 40])],
                search_tokens: Vec::new(),
            }],
            audit(AT),
        )
        .await
        .unwrap();
    let decision = |person: u64, role: Role| Decision {
        by: PersonId(person),
        role,
        on: on(),
    };
    let asked = RecordedAction {
        action: CollectionAction::MoveRequested {
            reason: MoveRequestReason::BothAgree,
        },
        by: decision(6_201, Role::ReceivingParent),
    };
    store
        .record_collection_action(&case, 0, "m1", &asked, &[], audit(AT))
        .await
        .unwrap();
    let page = store.work_queue(&of_case(case)).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let item = page.items[0].clone();
    assert_eq!(item.kind, WorkKind::ParentRequest, "{backend}");
    assert!(!item.restricted, "{backend}: nobody protected yet");
    // Commands: claim, return, claim, complete; a done item takes no more.
    let claimed = store
        .command_work_item(&item.id, WorkCommand::Claim, 17, AT + 60, audit(AT + 60))
        .await
        .unwrap();
    assert_eq!(claimed.state, WorkState::Claimed);
    assert_eq!(claimed.assignee, Some(PersonId(17)));
    let mine = store
        .work_queue(&WorkQuery {
            assignee: Some(PersonId(17)),
            case: Some(case),
            limit: 10,
            ..WorkQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1, "{backend}: in my queue");
    let returned = store
        .command_work_item(&item.id, WorkCommand::Return, 17, AT + 120, audit(AT + 120))
        .await
        .unwrap();
    assert_eq!((returned.state, returned.assignee), (WorkState::Open, None));
    let dealt = RecordedAction {
        action: CollectionAction::RequestDealtWith { request: 1 },
        by: decision(17, Role::Caseworker),
    };
    store
        .record_collection_action(&case, 1, "d1", &dealt, &[], audit(AT + 180))
        .await
        .unwrap();
    assert!(kinds(store, case).await.is_empty(), "{backend}: dealt with");
    assert!(matches!(
        store
            .command_work_item(&item.id, WorkCommand::Complete, 17, AT, audit(AT))
            .await,
        Err(StorageError::WorkItemDone(_))
    ));
    assert!(matches!(
        store
            .command_work_item("none:such", WorkCommand::Claim, 17, AT, audit(AT))
            .await,
        Err(StorageError::UnknownWorkItem(_))
    ));

    // An application waits; the calculation closes it.
    let application = CaseReference::from_random(6_202);
    store.open_application(&application).await.unwrap();
    assert_eq!(
        kinds(store, application).await,
        vec![WorkKind::ApplicationWaiting],
        "{backend}"
    );
    store.open_case(&application, on()).await.unwrap();
    assert!(kinds(store, application).await.is_empty(), "{backend}");

    // Money that matched no case waits for those who work money.
    let unmatched = Transfer {
        id: TransferId("bank/W-1".to_owned()),
        debit: Account::BANK,
        credit: Account::SUSPENSE,
        amount: Pence::new(1_000),
        code: TransferCode::Unmatched,
        effective: on(),
        corrects: None,
    };
    store.post_transfers(&[unmatched]).await.unwrap();
    let money = store
        .work_item(&work_items::suspense_id("bank/W-1"))
        .await
        .unwrap()
        .expect("an item for the money");
    assert_eq!(money.kind.team(), Team::Money);
    assert_eq!(money.state, WorkState::Open);

    // A page of a queue with the counts of all of it; overdue filters.
    for n in 0..5 {
        store
            .record_work_changes(
                &work_items::changes_for_set_aside(
                    &CaseReference::from_random(6_300 + n),
                    "2025-12-02",
                    "law_not_coded",
                ),
                AT + i64::try_from(n).unwrap(),
            )
            .await
            .unwrap();
    }
    let page = store
        .work_queue(&WorkQuery {
            teams: vec![Team::Casework],
            kind: Some(WorkKind::CaseSetAside),
            limit: 2,
            ..WorkQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2, "{backend}: one page");
    assert_eq!(page.total(), 5, "{backend}: counted whole");
    assert!(page.items[0].raised <= page.items[1].raised, "oldest first");
    let overdue = store
        .work_queue(&WorkQuery {
            kind: Some(WorkKind::CaseSetAside),
            overdue_at: Some(AT + 2 * 86_400),
            limit: 10,
            ..WorkQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        overdue.total(),
        5,
        "{backend}: a day's standard, two days on"
    );
}
