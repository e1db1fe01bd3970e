//! Collection on both back-ends: caseworker actions stored once and never
//! on a stale reading, and a year of one case's life from calculation to
//! disbursement, every figure exact.

use std::collections::BTreeSet;
use std::sync::Arc;

use audit_log::{Action, AuditRecord};
use bank_files::{Statement, StatementEntry, parse_camt053, payment_transfers, write_camt053};
use case_records::{
    CaseReference, Change, ChildId, FactEvent, PersonId, ReceivingParentId, Role, ServiceType,
    liability_schedule,
};
use domain_types::{Date, Pence, round_half_up_div};
use ledger::{
    Account, AccountKind, CollectionAction, CollectionState, CollectionTerms, Decision,
    EnforcementAction, Frequency, PeriodOutcome, RecordedAction, StatementFor, StepOutcome,
    TransferCode, charge_transfer, compliance, daily_transfers, disbursement_run, pay_by,
    payment_periods, receiving_parent_fee, statement,
};
use legal_parameters::{Parameters, WorkingDays};
use maintenance_calculation::{Income, Nights};
use storage_api::{ActionOutcome, StorageError, Store};

fn date(text: &str) -> Date {
    Date::parse_iso(text).expect("a valid date")
}

fn audit_of(case: &CaseReference, action: &CollectionAction, by: Decision) -> AuditRecord {
    AuditRecord {
        at_unix_seconds: 1_750_000_000,
        actor: format!("staff-{}", by.by.0),
        role: by.role.code().to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec![format!("collection_action:{}", action.encode().0)],
        reason: None,
        count: 1,
    }
}

const RP: ReceivingParentId = ReceivingParentId(1);

/// Checks an action against the stored state and records it, as the
/// service does: read, decide, write only if nothing moved meanwhile.
async fn take(
    store: &dyn Store,
    case: &CaseReference,
    action: CollectionAction,
    by: Decision,
    arrears: Pence,
    transfers: &[ledger::Transfer],
) -> ActionOutcome {
    let log = store.collection_actions(case).await.expect("actions read");
    CollectionState::from_actions(&log)
        .check(&action, by, arrears, false)
        .unwrap_or_else(|e| panic!("{action:?} refused: {e}"));
    let recorded = RecordedAction { action, by };
    let id = format!("{}-{}", recorded.action.encode().0, log.len() + 1);
    store
        .record_collection_action(
            case,
            i64::try_from(log.len()).expect("small"),
            &id,
            &recorded,
            transfers,
            audit_of(case, &recorded.action, by),
        )
        .await
        .expect("recorded")
}

pub(crate) async fn collection_actions_are_stored_once_and_never_on_a_stale_reading(
    store: Arc<dyn Store>,
) {
    let case = CaseReference::from_random(3_141);
    store
        .open_case(&case, date("2025-01-06"))
        .await
        .expect("opened");
    let by = Decision {
        by: PersonId(7),
        role: Role::Caseworker,
        on: date("2025-02-03"),
    };
    let hold = RecordedAction {
        action: CollectionAction::HoldDisbursements {
            receiving_parent: RP,
            reason: "account; being = checked 100%".to_owned(),
        },
        by,
    };
    let audit = audit_of(&case, &hold.action, by);
    let before = store.audit_entries().await.unwrap().len();
    assert_eq!(
        store
            .record_collection_action(&case, 0, "hold-1", &hold, &[], audit.clone())
            .await
            .unwrap(),
        ActionOutcome::Recorded { sequence: 1 },
        "{}",
        store.backend()
    );
    assert_eq!(
        store
            .record_collection_action(&case, 0, "hold-1", &hold, &[], audit.clone())
            .await
            .unwrap(),
        ActionOutcome::AlreadyRecorded,
        "{}: a retry changes nothing",
        store.backend()
    );
    assert_eq!(
        store.collection_action(&case, "hold-1").await.unwrap(),
        Some(hold.clone())
    );
    assert_eq!(store.collection_action(&case, "nope").await.unwrap(), None);
    let other = RecordedAction {
        action: CollectionAction::ReleaseDisbursements {
            receiving_parent: RP,
        },
        by,
    };
    assert!(matches!(
        store
            .record_collection_action(&case, 1, "hold-1", &other, &[], audit.clone())
            .await,
        Err(StorageError::IdempotencyKeyReused(_))
    ));
    // Decided on a reading that saw no actions: refused, nothing written.
    assert!(matches!(
        store
            .record_collection_action(&case, 0, "release-1", &other, &[], audit.clone())
            .await,
        Err(StorageError::ActionConflict(_))
    ));
    assert_eq!(
        store.collection_actions(&case).await.unwrap(),
        vec![hold.clone()],
        "{}: the reason reads back exactly",
        store.backend()
    );
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        before + 1,
        "{}: one audit entry for the one action",
        store.backend()
    );
    // Two people deciding at once on the same reading: exactly one wins.
    let mut tasks = Vec::new();
    for person in 0..2u64 {
        let store = Arc::clone(&store);
        let action = RecordedAction {
            by: Decision {
                by: PersonId(100 + person),
                ..by
            },
            ..other.clone()
        };
        tasks.push(tokio::spawn(async move {
            let audit = audit_of(&case, &action.action, action.by);
            store
                .record_collection_action(
                    &case,
                    1,
                    &format!("release-by-{person}"),
                    &action,
                    &[],
                    audit,
                )
                .await
        }));
    }
    let mut recorded = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(ActionOutcome::Recorded { sequence: 2 }) => recorded += 1,
            Err(StorageError::ActionConflict(_)) => {}
            other => panic!("{}: unexpected {other:?}", store.backend()),
        }
    }
    assert_eq!(
        recorded,
        1,
        "{}: one of two concurrent decisions",
        store.backend()
    );
    assert_eq!(store.collection_actions(&case).await.unwrap().len(), 2);
}

/// A statement with one credit, as the bank would send it.
fn bank_statement(id: &str, case: &CaseReference, pence: u64, booked: Date) -> String {
    write_camt053(&Statement {
        id: id.to_owned(),
        entries: vec![StatementEntry {
            bank_reference: format!("{id}-1"),
            amount: Pence::new(pence),
            is_credit: true,
            booked,
            remittance: format!("CHILD MAINT {case}"),
        }],
    })
}

/// A year of one case on Collect and Pay, weekly on Mondays from
/// 6 January 2025: calculation, a backdated change, payments on time and
/// late, a missed payment noticed the next working day, a deduction from
/// earnings order with its charge, a hold and release, and disbursement
/// every working day. Every figure is worked by hand in the comments.
#[allow(clippy::too_many_lines)]
pub(crate) async fn a_year_of_a_case_on_collect_and_pay(store: &dyn Store) {
    let parameters = Parameters::embedded();
    let calendar = WorkingDays::england_and_wales();
    let backend = store.backend();
    let case = CaseReference::from_random(2_025);
    let start = date("2025-01-06");
    let end = date("2026-01-05");
    store.open_case(&case, start).await.expect("opened");
    let setup = |change| FactEvent {
        effective_from: start,
        recorded_on: start,
        change,
    };
    let facts = vec![
        setup(Change::ChildJoined {
            child: ChildId(1),
            receiving_parent: RP,
        }),
        setup(Change::Income(Income::Weekly(Pence::new(40_000)))),
        setup(Change::ServiceType(ServiceType::CollectAndPay)),
    ];
    let audit = AuditRecord {
        at_unix_seconds: 1_736_150_400,
        actor: "staff-1".to_owned(),
        role: "caseworker".to_owned(),
        action: Action::Changed,
        case: Some(case.to_string()),
        fields: vec!["facts".to_owned()],
        reason: None,
        count: 1,
    };
    store
        .append_facts(&case, &facts, "setup", audit.clone())
        .await
        .expect("facts");
    let periods = payment_periods(start, end, Frequency::Weekly);
    assert_eq!(periods.len(), 52);
    let due_dates: Vec<Date> = periods.iter().map(|(from, _)| *from).collect();
    let officer = |on| Decision {
        by: PersonId(21),
        role: Role::EnforcementOfficer,
        on,
    };
    let caseworker = |on| Decision {
        by: PersonId(22),
        role: Role::Caseworker,
        on,
    };
    let change_recorded = date("2025-04-07");
    let hold_from = date("2025-08-04");
    let released_on = date("2025-08-13");
    let mut noticed_missed: Vec<(Date, Date, Pence)> = Vec::new();
    let mut payment_days: Vec<Date> = Vec::new();
    let mut disbursement_days: BTreeSet<Date> = BTreeSet::new();
    let mut disbursed: Vec<ledger::Disbursement> = Vec::new();

    let mut today = start;
    while today < end {
        let history = store
            .case_history(&case)
            .await
            .expect("read")
            .expect("case");
        let terms = CollectionTerms::on(&history, today, today, Parameters::embedded());
        // 7 April: the paying parent reports, late, that since 3 March the
        // child has stayed 52 nights a year: one-seventh shared care.
        if today == change_recorded {
            let change = vec![FactEvent {
                effective_from: date("2025-03-03"),
                recorded_on: today,
                change: Change::SharedCare {
                    child: ChildId(1),
                    nights: Nights::new(52).expect("nights"),
                },
            }];
            store
                .append_facts(&case, &change, "shared-care", audit.clone())
                .await
                .expect("fact");
        }
        // The day's run: accruals on what was known when each period began,
        // adjustments for what was learned since yesterday.
        let history = store.case_history(&case).await.unwrap().unwrap();
        let daily = daily_transfers(
            case,
            &history,
            parameters,
            Frequency::Weekly,
            today.add_days(-1).expect("a date"),
            today,
        )
        .expect("schedule");
        if today == change_recorded {
            let after = liability_schedule(&history, parameters, today, end).expect("schedule");
            // £48.00 less one-seventh (£6.857 → £6.86) is £41.14 a week.
            assert_eq!(
                after.on(today).unwrap().weekly[&RP],
                Pence::new(4_114),
                "{backend}"
            );
            // Five weeks (3 to 31 March) each £6.86 less, and each week's
            // fee £9.60 → £8.23 (20% of £41.14 = £8.228), £1.37 less.
            let adjusted: Vec<u64> = daily
                .iter()
                .filter(|t| t.code == TransferCode::Adjustment)
                .map(|t| t.amount.get())
                .collect();
            assert_eq!(
                adjusted,
                vec![686, 137, 686, 137, 686, 137, 686, 137, 686, 137]
            );
        } else {
            assert!(
                daily.iter().all(|t| t.code != TransferCode::Adjustment),
                "{backend}"
            );
        }
        store.post_transfers(&daily).await.expect("posted");
        // Money in, through a real camt.053 file.
        let week = due_dates.iter().position(|d| *d == today);
        let payment = match week {
            // Weeks 1 to 13: £48.00 + £9.60, on the day (the change was not
            // yet known for weeks 9 to 13).
            Some(w) if w < 13 => Some(5_760),
            // Week 20 (19 May) is paid late, on Thursday 22 May.
            Some(19) => None,
            // Week 24 (16 June) is missed.
            Some(23) => None,
            // Weeks 25 to 34: the order adds £10 a week to £41.14 + £8.23.
            Some(w) if (24..34).contains(&w) => Some(4_937 + 1_000),
            Some(_) => Some(4_937),
            None if today == date("2025-05-22") => Some(4_937),
            None => None,
        };
        if let Some(pence) = payment {
            let file = bank_statement(&format!("STMT-{today}"), &case, pence, today);
            let parsed = parse_camt053(&file).expect("a good file");
            let (transfers, unmatched) = payment_transfers(&parsed, &|c| *c == case);
            assert!(unmatched.is_empty());
            store.post_transfers(&transfers).await.expect("paid");
            // The bank sends the same file again: nothing changes.
            let again = store.post_transfers(&transfers).await.expect("again");
            assert_eq!((again.posted, again.already_posted), (0, 1), "{backend}");
            payment_days.push(today);
        }
        let working = calendar.is_working_day(today).expect("in the calendar");
        if working {
            let transfers = store.transfers_for_case(&case).await.expect("read");
            // A missed payment is noticed on the next working day.
            let report = compliance(&transfers, case, &due_dates, today, calendar).expect("dates");
            for period in report.missed() {
                if let PeriodOutcome::Missed {
                    noticed_on,
                    shortfall,
                } = period.outcome
                    && noticed_on == today
                {
                    noticed_missed.push((period.due, noticed_on, shortfall));
                }
            }
            let arrears = ledger::allocate(&transfers, case, today).arrears();
            // Enforcement: proposed the day after the miss was noticed,
            // approved by a second person the next day, charge posted with it.
            if today == date("2025-06-18") {
                take(
                    store,
                    &case,
                    CollectionAction::ProposeEnforcement {
                        step: 1,
                        action: EnforcementAction::DeductionFromEarningsOrder,
                    },
                    officer(today),
                    arrears,
                    &[],
                )
                .await;
            }
            if today == date("2025-06-19") {
                let charge = charge_transfer(
                    case,
                    1,
                    EnforcementAction::DeductionFromEarningsOrder,
                    today,
                    parameters,
                    None,
                )
                .expect("a £50 charge");
                take(
                    store,
                    &case,
                    CollectionAction::ApproveEnforcement {
                        step: 1,
                        waiver: None,
                    },
                    caseworker(today),
                    arrears,
                    &[charge],
                )
                .await;
            }
            if today == date("2025-10-01") {
                take(
                    store,
                    &case,
                    CollectionAction::EndEnforcement {
                        step: 1,
                        outcome: StepOutcome::Complied,
                    },
                    officer(today),
                    arrears,
                    &[],
                )
                .await;
            }
            if today == hold_from {
                take(
                    store,
                    &case,
                    CollectionAction::HoldDisbursements {
                        receiving_parent: RP,
                        reason: "bank account being checked".to_owned(),
                    },
                    caseworker(today),
                    arrears,
                    &[],
                )
                .await;
            }
            if today == released_on {
                take(
                    store,
                    &case,
                    CollectionAction::ReleaseDisbursements {
                        receiving_parent: RP,
                    },
                    caseworker(today),
                    arrears,
                    &[],
                )
                .await;
            }
            // The disbursement run.
            let log = store.collection_actions(&case).await.expect("actions");
            let held: BTreeSet<ReceivingParentId> = CollectionState::from_actions(&log)
                .held
                .into_keys()
                .collect();
            let transfers = store.transfers_for_case(&case).await.expect("read");
            let rate = receiving_parent_fee(terms, parameters, today);
            let run = disbursement_run(&transfers, case, today, rate, &held);
            if today == released_on {
                // Two weeks waited: 2 × £41.14.
                assert_eq!(run.disbursements[0].gross, Pence::new(8_228), "{backend}");
            }
            if !run.disbursements.is_empty() {
                disbursement_days.insert(today);
            }
            store
                .post_transfers(&run.transfers)
                .await
                .expect("disbursed");
            disbursed.extend(run.disbursements);
        }
        today = today.add_days(1).expect("a date");
    }

    // The missed week was noticed on Tuesday 17 June: £49.37 due less the
    // £41.15 credit from the April recalculation (5 × £6.86 + 5 × £1.37).
    // The late week was noticed as missed too, the day after it was due.
    assert_eq!(
        noticed_missed,
        vec![
            (date("2025-05-19"), date("2025-05-20"), Pence::new(822)),
            (date("2025-06-16"), date("2025-06-17"), Pence::new(822))
        ],
        "{backend}"
    );
    let transfers = store.transfers_for_case(&case).await.expect("read");
    let report = compliance(&transfers, case, &due_dates, end, calendar).expect("dates");
    assert_eq!(
        report.periods[19].outcome,
        PeriodOutcome::Late(date("2025-05-22"))
    );
    assert_eq!(
        report.periods[23].outcome,
        PeriodOutcome::Late(date("2025-06-23"))
    );
    assert_eq!(report.on_time(), (50, 52), "{backend}");

    // The first week: £48.00 passed on less 4% (£1.92): £46.08.
    assert_eq!(
        (disbursed[0].gross, disbursed[0].fee, disbursed[0].net),
        (Pence::new(4_800), Pence::new(192), Pence::new(4_608))
    );
    // Every run kept exactly 4% of what it passed on, rounded half up.
    for paid in &disbursed {
        let four_per_cent = round_half_up_div(u128::from(paid.gross.get()) * 4, 100);
        assert_eq!(u128::from(paid.fee.get()), four_per_cent);
    }
    // All maintenance due for the year was collected and passed on:
    // 8 × £48.00 + 44 × £41.14 = £2,194.16.
    let gross: u64 = disbursed.iter().map(|d| d.gross.get()).sum();
    assert_eq!(gross, 219_416, "{backend}");
    // Money reached the receiving parent within two working days of every
    // payment, except while held.
    for received in &payment_days {
        if (hold_from..released_on).contains(received) {
            continue;
        }
        let by = pay_by(*received, calendar).expect("dates");
        assert!(
            disbursement_days.range(*received..=by).next().is_some(),
            "{backend}: nothing passed on within two working days of {received}"
        );
    }

    // The book: due £2,683.08 (8 × £57.60 + 44 × £49.37 + the £50 charge),
    // paid £2,724.86 (13 × £57.60 + 38 × £49.37 + 10 × £10): £41.78 in credit.
    let balances = store.account_balances().await.expect("balances");
    let balance = |kind| {
        balances
            .iter()
            .find(|(account, _)| *account == Account::of_case(case, kind))
            .map_or(0, |(_, b)| *b)
    };
    assert_eq!(balance(AccountKind::PayingParentOwes), -4_178, "{backend}");
    // Fees: 8 × £9.60 + 44 × £8.23 = £438.92; the charge £50.
    assert_eq!(balance(AccountKind::PayingParentFees), -43_892, "{backend}");
    assert_eq!(
        balance(AccountKind::EnforcementCharges),
        -5_000,
        "{backend}"
    );
    assert_eq!(balance(AccountKind::ReceivingParentDue(RP)), 0, "{backend}");
    let fees_kept: u64 = disbursed.iter().map(|d| d.fee.get()).sum();
    assert_eq!(
        balance(AccountKind::ReceivingParentFees),
        -i128::from(fees_kept)
    );
    assert_eq!(
        balances.iter().map(|(_, b)| *b).sum::<i128>(),
        0,
        "{backend}: the trial balance is zero"
    );
    // Each parent's statement ends where the book does.
    let paying = statement(&transfers, case, StatementFor::PayingParent, end);
    assert_eq!(paying.last().unwrap().balance, -4_178);
    let receiving = statement(&transfers, case, StatementFor::ReceivingParent(RP), end);
    assert_eq!(receiving.last().unwrap().balance, 0);
    assert_eq!(receiving.iter().map(|l| l.paid).sum::<i128>(), 219_416);
    assert!(
        transfers
            .iter()
            .any(|t| t.code == TransferCode::EnforcementCharge && t.amount == Pence::new(5_000))
    );
    // The step and the hold are on record, each with its audit entry.
    let state = CollectionState::from_actions(&store.collection_actions(&case).await.unwrap());
    assert_eq!(state.steps[0].outcome, Some(StepOutcome::Complied));
    assert!(state.held.is_empty());
    let audited = store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.record.case.as_deref() == Some(&case.to_string())
                && e.record
                    .fields
                    .iter()
                    .any(|f| f.starts_with("collection_action:"))
        })
        .count();
    assert_eq!(audited, 5, "{backend}");
}

pub(crate) async fn suspense_money_is_queued_with_its_note_and_allocated_once(store: &dyn Store) {
    let backend = store.backend();
    let case = CaseReference::from_random(4_004);
    let other = CaseReference::from_random(4_005);
    for c in [case, other] {
        store
            .open_case(&c, date("2025-01-06"))
            .await
            .expect("opened");
    }
    let text = write_camt053(&Statement {
        id: "SUSPENSE-1".to_owned(),
        entries: vec![StatementEntry {
            bank_reference: "S-1".to_owned(),
            amount: Pence::new(4_500),
            is_credit: true,
            booked: date("2025-02-03"),
            remittance: "for the kids; see you soon".to_owned(),
        }],
    });
    let statement = parse_camt053(&text).expect("good");
    let (transfers, unmatched) = payment_transfers(&statement, &|c| *c == case);
    let notes = bank_files::payment_notes(&statement, &unmatched);
    store.post_transfers(&transfers).await.expect("posted");
    store.record_payment_notes(&notes).await.expect("notes");
    store
        .record_payment_notes(&notes)
        .await
        .expect("again, harmlessly");
    let queue = store.suspense_queue().await.expect("queue");
    let mine: Vec<_> = queue.iter().filter(|(t, _)| t.id.0 == "bank/S-1").collect();
    assert_eq!(mine.len(), 1, "{backend}");
    assert_eq!(
        mine[0].1.as_ref(),
        notes.first(),
        "{backend}: the note reads back"
    );
    let by = Decision {
        by: PersonId(7),
        role: Role::Caseworker,
        on: date("2025-02-05"),
    };
    let allocate = |to: CaseReference| {
        let transfer = ledger::suspense_allocation(to, &mine[0].0);
        let action = RecordedAction {
            action: CollectionAction::AllocateSuspensePayment {
                payment: "bank/S-1".to_owned(),
                amount: Pence::new(4_500),
            },
            by,
        };
        (transfer, action)
    };
    let (transfer, action) = allocate(case);
    store
        .record_collection_action(
            &case,
            0,
            "alloc-1",
            &action,
            std::slice::from_ref(&transfer),
            audit_of(&case, &action.action, by),
        )
        .await
        .expect("allocated");
    assert!(
        store
            .suspense_queue()
            .await
            .unwrap()
            .iter()
            .all(|(t, _)| t.id.0 != "bank/S-1"),
        "{backend}: allocated money leaves the queue"
    );
    // The same money to another case: refused whole, nothing recorded.
    let audited = store.audit_entries().await.unwrap().len();
    let (transfer, action) = allocate(other);
    let refused = store
        .record_collection_action(
            &other,
            0,
            "alloc-2",
            &action,
            std::slice::from_ref(&transfer),
            audit_of(&other, &action.action, by),
        )
        .await;
    assert!(
        matches!(&refused, Err(StorageError::AlreadyAllocated(p)) if p == "bank/S-1"),
        "{backend}: {refused:?}"
    );
    assert!(store.collection_actions(&other).await.unwrap().is_empty());
    assert!(store.transfers_for_case(&other).await.unwrap().is_empty());
    // The same money to the same case under another key: refused too.
    let (transfer, action) = allocate(case);
    let refused = store
        .record_collection_action(
            &case,
            1,
            "alloc-3",
            &action,
            std::slice::from_ref(&transfer),
            audit_of(&case, &action.action, by),
        )
        .await;
    assert!(
        matches!(refused, Err(StorageError::AlreadyAllocated(_))),
        "{backend}: {refused:?}"
    );
    assert_eq!(store.collection_actions(&case).await.unwrap().len(), 1);
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        audited,
        "{backend}: no audit entry for a refused allocation"
    );
    // A retry of the allocation that was made is answered as made.
    let (transfer, action) = allocate(case);
    assert_eq!(
        store
            .record_collection_action(
                &case,
                0,
                "alloc-1",
                &action,
                std::slice::from_ref(&transfer),
                audit_of(&case, &action.action, by),
            )
            .await
            .expect("a retry"),
        ActionOutcome::AlreadyRecorded
    );
    let paid = store.transfers_for_case(&case).await.unwrap();
    assert_eq!(
        ledger::allocate(&paid, case, date("2025-02-05")).held_for_paying_parent,
        Pence::new(4_500)
    );
}

/// Fifty caseworkers allocate one payment in suspense at once, each under
/// their own key, some to one case and some to others, each reading the
/// case's log and retrying when it moved, as the service does: the money is
/// allocated exactly once (one action, one transfer, one audit entry) and
/// every other request is refused as already allocated, having written
/// nothing.
pub(crate) async fn suspense_money_is_allocated_once_under_concurrency(store: Arc<dyn Store>) {
    let backend = store.backend();
    let cases: Vec<CaseReference> = (0..5)
        .map(|n| CaseReference::from_random(4_100 + n))
        .collect();
    for case in &cases {
        store
            .open_case(case, date("2025-01-06"))
            .await
            .expect("opened");
    }
    let text = write_camt053(&Statement {
        id: "SUSPENSE-RACE".to_owned(),
        entries: vec![StatementEntry {
            bank_reference: "RACE-1".to_owned(),
            amount: Pence::new(7_300),
            is_credit: true,
            booked: date("2025-02-03"),
            remittance: "no reference".to_owned(),
        }],
    });
    let statement = parse_camt053(&text).expect("good");
    let (transfers, _) = payment_transfers(&statement, &|_| false);
    store.post_transfers(&transfers).await.expect("posted");
    let unmatched = transfers
        .iter()
        .find(|t| t.id.0 == "bank/RACE-1")
        .expect("in suspense")
        .clone();
    let audited_before = store.audit_entries().await.unwrap().len();
    let tasks: Vec<_> = (0..50_u64)
        .map(|n| {
            let store = Arc::clone(&store);
            let case = cases[usize::try_from(n % 5).expect("small")];
            let unmatched = unmatched.clone();
            tokio::spawn(async move {
                let by = Decision {
                    by: PersonId(100 + n),
                    role: Role::Caseworker,
                    on: date("2025-02-05"),
                };
                let recorded = RecordedAction {
                    action: CollectionAction::AllocateSuspensePayment {
                        payment: unmatched.id.0.clone(),
                        amount: unmatched.amount,
                    },
                    by,
                };
                let transfer = ledger::suspense_allocation(case, &unmatched);
                loop {
                    let seen = store.collection_actions(&case).await.expect("read");
                    match store
                        .record_collection_action(
                            &case,
                            i64::try_from(seen.len()).expect("small"),
                            &format!("race-{n}"),
                            &recorded,
                            std::slice::from_ref(&transfer),
                            audit_of(&case, &recorded.action, by),
                        )
                        .await
                    {
                        Err(StorageError::ActionConflict(_)) => {}
                        other => return other,
                    }
                }
            })
        })
        .collect();
    let mut recorded = 0;
    for task in tasks {
        match task.await.expect("the task ran") {
            Ok(ActionOutcome::Recorded { .. }) => recorded += 1,
            Err(StorageError::AlreadyAllocated(payment)) => assert_eq!(payment, "bank/RACE-1"),
            other => panic!("{backend}: {other:?}"),
        }
    }
    assert_eq!(recorded, 1, "{backend}: allocated once");
    let mut actions = 0;
    let mut allocated = 0;
    for case in &cases {
        actions += store.collection_actions(case).await.unwrap().len();
        allocated += store
            .transfers_for_case(case)
            .await
            .unwrap()
            .iter()
            .filter(|t| t.id.0 == "bank/RACE-1/allocated")
            .count();
    }
    assert_eq!((actions, allocated), (1, 1), "{backend}");
    let entries = store.audit_entries().await.unwrap();
    assert_eq!(
        entries.len() - audited_before,
        1,
        "{backend}: one audit entry"
    );
    assert!(audit_log::verify(&entries).is_ok(), "{backend}");
    assert!(
        store
            .suspense_queue()
            .await
            .unwrap()
            .iter()
            .all(|(t, _)| t.id.0 != "bank/RACE-1"),
        "{backend}"
    );
}
