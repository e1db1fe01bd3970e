//! Management information kept as the work happens (issue 14), on both
//! back-ends: each event moves the totals it should by exactly what a
//! person counting would, retries and refused writes move nothing, and
//! after everything the whole suite did (run last) the kept totals and
//! case rows equal a full recount of what is stored.

use audit_log::{Action, AuditRecord};
use case_records::{CaseReference, Change, FactEvent, PersonId, ReceivingParentId, Role};
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId};
use maintenance_calculation::Income;
use safety::{Party, Recipient, Recorder, RiskLevel, SafetyEvent, SafetyRecord};
use storage_api::mi::{self, MiTotals};
use storage_api::{ActionOutcome, ChallengeRow, StorageError, Store};
use work_items::{WorkCommand, WorkKind};

const AT: i64 = 1_764_633_600; // 2025-12-02T00:00:00Z

fn audit(case: Option<CaseReference>) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: AT,
        actor: "staff-17".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: case.map(|c| c.to_string()),
        fields: vec!["mi".to_owned()],
        reason: None,
        count: 1,
    }
}

fn day(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn fact(recorded: &str, change: Change) -> FactEvent {
    FactEvent {
        effective_from: day("2025-06-02"),
        recorded_on: day(recorded),
        change,
    }
}

/// What changed between two readings, zeros dropped.
fn moved(before: &MiTotals, after: &MiTotals) -> MiTotals {
    let mut change = after.clone();
    for ((measure, period), total) in &before.rows {
        change.add(measure, period, -total);
    }
    change
}

fn expect(rows: &[(&str, &str, i64)]) -> MiTotals {
    MiTotals::from_rows(
        rows.iter()
            .map(|(m, p, n)| ((*m).to_owned(), (*p).to_owned(), *n)),
    )
}

fn transfer(id: &str, debit: Account, credit: Account, pence: u64, code: TransferCode) -> Transfer {
    Transfer {
        id: TransferId(id.to_owned()),
        debit,
        credit,
        amount: Pence::new(pence),
        code,
        effective: day("2025-11-03"),
        corrects: None,
    }
}

async fn safety(store: &dyn Store, case: &CaseReference, n: i64, event: SafetyEvent, by: Recorder) {
    let record = SafetyRecord { event, by };
    store
        .record_safety_event(case, n, &format!("mi-s{n}"), &record, audit(Some(*case)))
        .await
        .unwrap();
}

pub(crate) async fn each_event_moves_its_totals_and_retries_move_nothing(store: &dyn Store) {
    let backend = store.backend();
    let before = store.mi_totals(None).await.unwrap();
    let case = CaseReference::from_random(7_300);
    // An application, then its calculation (twice: the second changes nothing).
    assert!(store.open_application(&case).await.unwrap());
    assert!(store.open_case(&case, day("2025-06-02")).await.unwrap());
    assert!(!store.open_case(&case, day("2025-06-02")).await.unwrap());
    // Direct Pay from the start, then a move to Collect and Pay on a later
    // day; the retry of the move changes nothing.
    store
        .append_facts(
            &case,
            &[
                fact(
                    "2025-06-02",
                    Change::Income(Income::Weekly(Pence::new(50_000))),
                ),
                fact(
                    "2025-06-02",
                    Change::ServiceType(case_records::ServiceType::DirectPay),
                ),
            ],
            "mi-start",
            audit(Some(case)),
        )
        .await
        .unwrap();
    let moving = [fact(
        "2025-09-01",
        Change::ServiceType(case_records::ServiceType::CollectAndPay),
    )];
    for _ in 0..2 {
        store
            .append_facts(&case, &moving, "mi-move", audit(Some(case)))
            .await
            .unwrap();
    }
    // Two disclosures (one case disclosed), a referral, the risk raised.
    let parent = Recorder {
        person: PersonId(7_301),
        role: Role::ReceivingParent,
        on: day("2025-11-01"),
    };
    let specialist = Recorder {
        person: PersonId(30),
        role: Role::DomesticAbuseSpecialist,
        on: day("2025-11-01"),
    };
    let disclosed = SafetyEvent::Disclosed {
        by: Party::ReceivingParent,
        immediate_danger: false,
        police_call_consented: false,
    };
    safety(store, &case, 0, disclosed.clone(), parent).await;
    safety(store, &case, 1, disclosed, parent).await;
    safety(
        store,
        &case,
        2,
        SafetyEvent::Referred {
            recipient: Recipient::Police,
        },
        specialist,
    )
    .await;
    safety(
        store,
        &case,
        3,
        SafetyEvent::RiskSet {
            level: RiskLevel::High,
        },
        specialist,
    )
    .await;
    // £100.00 falls due, £40.00 is paid: £60.00 owed. Posted twice, and a
    // batch reusing an id for another amount is refused whole.
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let due_to = Account::of_case(case, AccountKind::ReceivingParentDue(ReceivingParentId(1)));
    let batch = [
        transfer("mi/due", owes, due_to, 10_000, TransferCode::Accrual),
        transfer("mi/paid", Account::BANK, owes, 4_000, TransferCode::Payment),
    ];
    for _ in 0..2 {
        store.post_transfers(&batch).await.unwrap();
    }
    let refused = store
        .post_transfers(&[
            transfer("mi/more", owes, due_to, 500, TransferCode::Accrual),
            transfer("mi/paid", Account::BANK, owes, 9_999, TransferCode::Payment),
        ])
        .await;
    assert!(
        matches!(refused, Err(StorageError::TransferConflict(_))),
        "{backend}: {refused:?}"
    );
    // One of the two review items is done by hand (the other stays open).
    let review = work_items::item_id(WorkKind::DisclosureToReview, &case, "mi-s0");
    store
        .command_work_item(&review, WorkCommand::Complete, 30, AT, audit(Some(case)))
        .await
        .unwrap();
    // A late request, revised 30 days after it was asked (the outcome sent
    // twice: the retry counts nothing), then appealed.
    let challenge_row = |id: &str, kind: &str, payload: &str, on: &str| ChallengeRow {
        event_id: id.to_owned(),
        kind: kind.to_owned(),
        payload: payload.to_owned(),
        person: 17,
        role: "caseworker".to_owned(),
        on: on.to_owned(),
        words: None,
    };
    let events = [
        challenge_row(
            "mi-c1",
            "asked",
            "by=paying_parent;decision=calculation;notified=2025-09-01;decided_by=;timing=late;",
            "2025-10-20",
        ),
        challenge_row("mi-c2", "decided", "outcome=revised;by=17;", "2025-11-19"),
        challenge_row("mi-c2", "decided", "outcome=revised;by=17;", "2025-11-19"),
        challenge_row(
            "mi-c3",
            "appealed",
            "by=receiving_parent;late=false;",
            "2025-11-25",
        ),
    ];
    let mut expected = 0;
    for event in &events {
        let outcome = store
            .record_challenge_event(
                &case,
                "mi-ch",
                expected,
                event,
                None,
                &[],
                audit(Some(case)),
            )
            .await
            .unwrap();
        if outcome != ActionOutcome::AlreadyRecorded {
            expected += 1;
        }
    }
    let after = store.mi_totals(None).await.unwrap();
    let open_review = mi::work_open_period("disclosure_to_review", "high");
    assert_eq!(
        moved(&before, &after),
        expect(&[
            (mi::CASES, "", 1),
            (mi::MOVES_TO_COLLECT_AND_PAY, "", 1),
            (mi::COLLECT_AND_PAY, "", 1),
            (mi::CASES_DISCLOSED, "", 1),
            (mi::REFERRALS, "", 1),
            (mi::CASES_IN_ARREARS, "", 1),
            (mi::ARREARS_PENCE, "", 6_000),
            (mi::DUE_PENCE, "2025-11", 10_000),
            (mi::PAID_PENCE, "2025-11", 4_000),
            (mi::WORK_OPENED, "application_waiting", 1),
            (mi::WORK_CLOSED, "application_waiting", 1),
            (mi::WORK_OPENED, "disclosure_to_review", 2),
            (mi::WORK_CLOSED, "disclosure_to_review", 1),
            (mi::WORK_OPEN, &open_review, 1),
            (mi::CHALLENGES_ASKED, "late", 1),
            (mi::CHALLENGE_OUTCOMES, "revised", 1),
            (mi::CHALLENGE_DAYS, "", 30),
            (mi::CHALLENGES_APPEALED, "", 1),
        ]),
        "{backend}: what a person counting would count"
    );
    // The arrears list reads it by the index, largest first.
    let page = store.arrears_page(0, 1_000).await.unwrap();
    assert!(page.contains(&(case, 6_000)), "{backend}: {page:?}");
    assert!(
        page.windows(2).all(|w| w[0].1 >= w[1].1),
        "{backend}: largest first"
    );
}

/// Run last: everything the suite stored, refused and retried, recounted.
pub(crate) async fn kept_totals_equal_a_full_recount(store: &dyn Store) {
    let backend = store.backend();
    let (totals, cases) = mi::recount(store).await.unwrap();
    let kept = store.mi_totals(None).await.unwrap();
    for (key, total) in &totals.rows {
        assert_eq!(
            kept.rows.get(key),
            Some(total),
            "{backend}: kept {key:?} against the recount"
        );
    }
    assert_eq!(
        kept, totals,
        "{backend}: no total kept that a recount lacks"
    );
    assert_eq!(
        store.case_totals().await.unwrap(),
        cases,
        "{backend}: case rows"
    );
    assert!(
        totals.get(mi::CASES, "") > 10,
        "{backend}: the suite's cases were counted"
    );
    // The repair writes exactly the recount.
    store.replace_mi(&totals, &cases).await.unwrap();
    assert_eq!(store.mi_totals(None).await.unwrap(), totals, "{backend}");
}
