//! Collect and Pay: allocation of money to debts, disbursement with the
//! receiving parent's fee and holds, and compliance with the schedule,
//! checked to the penny against hand-worked figures and under random books.

use std::collections::BTreeSet;

use case_records::{CaseReference, ReceivingParentId};
use domain_types::{Date, PartsPerMillion, Pence};
use ledger::{
    Account, AccountKind, CollectionTerms, DebtKind, Ledger, PeriodOutcome, Posted, Transfer,
    TransferCode, TransferId, allocate, compliance, disbursement_run, pay_by, receiving_parent_fee,
};
use legal_parameters::{Parameters, WorkingDays};
use proptest::prelude::*;

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

const RP1: ReceivingParentId = ReceivingParentId(1);
const RP2: ReceivingParentId = ReceivingParentId(2);

fn case() -> CaseReference {
    CaseReference::from_random(4242)
}

fn account(kind: AccountKind) -> Account {
    Account::of_case(case(), kind)
}

fn owes() -> Account {
    account(AccountKind::PayingParentOwes)
}

fn t(
    id: &str,
    debit: Account,
    credit: Account,
    pence: u64,
    code: TransferCode,
    on: &str,
) -> Transfer {
    Transfer {
        id: TransferId(id.to_owned()),
        debit,
        credit,
        amount: Pence::new(pence),
        code,
        effective: d(on),
        corrects: None,
    }
}

fn accrue(id: &str, rp: ReceivingParentId, pence: u64, on: &str) -> Transfer {
    t(
        id,
        owes(),
        account(AccountKind::ReceivingParentDue(rp)),
        pence,
        TransferCode::Accrual,
        on,
    )
}

fn fee(id: &str, pence: u64, on: &str) -> Transfer {
    t(
        id,
        owes(),
        account(AccountKind::PayingParentFees),
        pence,
        TransferCode::PayingParentFee,
        on,
    )
}

fn pay(id: &str, pence: u64, on: &str) -> Transfer {
    t(id, Account::BANK, owes(), pence, TransferCode::Payment, on)
}

fn book(transfers: &[Transfer]) -> Ledger {
    let mut ledger = Ledger::new();
    for transfer in transfers {
        ledger.post(transfer.clone()).unwrap();
    }
    ledger
}

/// Two receiving parents; £50 and £30 a week, the 20% fee £16; a £50
/// deduction-from-earnings charge between.
fn two_weeks() -> Vec<Transfer> {
    vec![
        accrue("a1", RP1, 5_000, "2025-01-06"),
        accrue("a2", RP2, 3_000, "2025-01-06"),
        fee("f1", 1_600, "2025-01-06"),
        t(
            "deo",
            owes(),
            account(AccountKind::EnforcementCharges),
            5_000,
            TransferCode::EnforcementCharge,
            "2025-01-08",
        ),
        pay("p1", 10_000, "2025-01-10"),
        accrue("b1", RP1, 5_000, "2025-01-13"),
        accrue("b2", RP2, 3_000, "2025-01-13"),
        fee("f2", 1_600, "2025-01-13"),
    ]
}

#[test]
fn money_settles_the_oldest_maintenance_then_fees_and_charges_last() {
    let transfers = two_weeks();
    // On 10 January: week one's £96 is settled and the £4 left goes to the
    // charge, the only other debt by then.
    let on_10th = allocate(&transfers, case(), d("2025-01-10"));
    assert_eq!(on_10th.collected_for[&RP1], Pence::new(5_000));
    assert_eq!(on_10th.collected_for[&RP2], Pence::new(3_000));
    assert_eq!(on_10th.fees_collected, Pence::new(1_600));
    assert_eq!(on_10th.charges_collected, Pence::new(400));
    // On 13 January week two is due, and maintenance comes before charges:
    // the £4 now settles the first receiving parent's maintenance.
    let on_13th = allocate(&transfers, case(), d("2025-01-13"));
    assert_eq!(on_13th.collected_for[&RP1], Pence::new(5_400));
    assert_eq!(on_13th.charges_collected, Pence::ZERO);
    let unpaid: Vec<(DebtKind, u64)> = on_13th
        .debts
        .iter()
        .filter(|debt| debt.unpaid > Pence::ZERO)
        .map(|debt| (debt.kind, debt.unpaid.get()))
        .collect();
    assert_eq!(
        unpaid,
        vec![
            (DebtKind::Maintenance(RP1), 4_600),
            (DebtKind::Maintenance(RP2), 3_000),
            (DebtKind::CollectionFee, 1_600),
            (DebtKind::EnforcementCharge, 5_000),
        ]
    );
    // What is unpaid is what the ledger says the paying parent owes.
    let ledger = book(&transfers);
    let unpaid_total: u64 = on_13th.debts.iter().map(|debt| debt.unpaid.get()).sum();
    assert_eq!(
        i128::from(unpaid_total),
        ledger.balance(owes()).debit_balance()
    );
}

#[test]
fn a_downward_recalculation_reduces_debt_and_an_overpayment_is_held() {
    let mut transfers = vec![accrue("a1", RP1, 5_000, "2025-01-06")];
    transfers.push(t(
        "adj",
        account(AccountKind::ReceivingParentDue(RP1)),
        owes(),
        1_000,
        TransferCode::Adjustment,
        "2025-01-07",
    ));
    transfers.push(pay("p1", 4_500, "2025-01-08"));
    let allocation = allocate(&transfers, case(), d("2025-01-08"));
    assert_eq!(allocation.collected_for[&RP1], Pence::new(4_000));
    assert_eq!(allocation.held_for_paying_parent, Pence::new(500));
    assert_eq!(allocation.debts[0].amount, Pence::new(4_000));
    // A bounced payment takes its money back.
    transfers.push(Transfer {
        corrects: Some(TransferId("p1".to_owned())),
        ..t(
            "bounce",
            owes(),
            Account::BANK,
            4_500,
            TransferCode::Correction,
            "2025-01-09",
        )
    });
    let allocation = allocate(&transfers, case(), d("2025-01-09"));
    assert_eq!(allocation.collected_for[&RP1], Pence::ZERO);
    assert_eq!(allocation.held_for_paying_parent, Pence::ZERO);
    assert_eq!(allocation.debts[0].unpaid, Pence::new(4_000));
}

#[test]
fn disbursement_passes_on_what_was_collected_less_four_per_cent_once() {
    let parameters = Parameters::embedded();
    let rate = receiving_parent_fee(
        CollectionTerms::COLLECT_AND_PAY,
        parameters,
        d("2025-01-10"),
    )
    .expect("4% from 11 August 2014");
    assert_eq!(rate, PartsPerMillion::new(40_000).unwrap());
    let mut transfers = two_weeks();
    let run = disbursement_run(
        &transfers,
        case(),
        d("2025-01-10"),
        Some(rate),
        &BTreeSet::new(),
    );
    let paid: Vec<(ReceivingParentId, u64, u64, u64)> = run
        .disbursements
        .iter()
        .map(|x| (x.receiving_parent, x.gross.get(), x.fee.get(), x.net.get()))
        .collect();
    // 4% of £50 is £2; of £30, £1.20.
    assert_eq!(
        paid,
        vec![(RP1, 5_000, 200, 4_800), (RP2, 3_000, 120, 2_880)]
    );
    transfers.extend(run.transfers.iter().cloned());
    let mut ledger = book(&transfers);
    ledger.verify();
    // The first receiving parent is owed only week two's £50 now.
    assert_eq!(
        ledger
            .balance(account(AccountKind::ReceivingParentDue(RP1)))
            .credit_balance(),
        5_000
    );
    // Running again the same day passes on nothing.
    let again = disbursement_run(
        &transfers,
        case(),
        d("2025-01-10"),
        Some(rate),
        &BTreeSet::new(),
    );
    assert!(again.disbursements.is_empty() && again.transfers.is_empty());
    // A new payment of £33.33 on the 14th: only the new money goes, and the
    // fee on it rounds half up (133.32p → 133p).
    transfers.push(pay("p2", 3_333, "2025-01-14"));
    ledger.post(transfers.last().unwrap().clone()).unwrap();
    let run = disbursement_run(
        &transfers,
        case(),
        d("2025-01-14"),
        Some(rate),
        &BTreeSet::new(),
    );
    assert_eq!(run.disbursements.len(), 1);
    let only = &run.disbursements[0];
    assert_eq!(
        (only.receiving_parent, only.gross.get()),
        (RP1, 3_333 + 400)
    );
    assert_eq!(only.fee.get(), 149); // 4% of 3733 = 149.32
    for transfer in &run.transfers {
        assert_eq!(ledger.post(transfer.clone()), Ok(Posted::Posted));
    }
    for transfer in &run.transfers {
        assert_eq!(ledger.post(transfer.clone()), Ok(Posted::AlreadyPosted));
    }
    ledger.verify();
}

#[test]
fn a_held_receiving_parent_is_paid_nothing_until_released_and_a_waiver_keeps_no_fee() {
    let transfers = two_weeks();
    let held = BTreeSet::from([RP2]);
    let run = disbursement_run(
        &transfers,
        case(),
        d("2025-01-10"),
        Some(PartsPerMillion::new(40_000).unwrap()),
        &held,
    );
    assert_eq!(run.disbursements.len(), 1);
    assert_eq!(run.disbursements[0].receiving_parent, RP1);
    assert_eq!(run.held, vec![(RP2, Pence::new(3_000))]);
    assert!(
        run.transfers
            .iter()
            .all(|t| { t.debit != account(AccountKind::ReceivingParentDue(RP2)) })
    );
    // Released, with the fee waived (moved to Collect and Pay because of abuse).
    let waived = CollectionTerms {
        receiving_parent_fee_waived: true,
        ..CollectionTerms::COLLECT_AND_PAY
    };
    let rate = receiving_parent_fee(waived, Parameters::embedded(), d("2025-01-10"));
    assert_eq!(rate, None);
    let mut all = transfers.clone();
    all.extend(run.transfers);
    let released = disbursement_run(&all, case(), d("2025-01-13"), rate, &BTreeSet::new());
    let paid = released
        .disbursements
        .iter()
        .find(|x| x.receiving_parent == RP2)
        .expect("released");
    assert_eq!(
        (paid.receiving_parent, paid.fee, paid.net),
        (RP2, Pence::ZERO, Pence::new(3_000))
    );
    // Direct Pay and dates before the Fees Regulations keep no fee either.
    assert_eq!(
        receiving_parent_fee(
            CollectionTerms::DIRECT_PAY,
            Parameters::embedded(),
            d("2025-01-10")
        ),
        None
    );
    assert_eq!(
        receiving_parent_fee(
            CollectionTerms::COLLECT_AND_PAY,
            Parameters::embedded(),
            d("2014-08-10")
        ),
        None
    );
}

#[test]
fn receipts_are_passed_on_within_two_working_days() {
    let calendar = WorkingDays::england_and_wales();
    // Received Friday 19 December 2025: Monday 22nd, Tuesday 23rd.
    assert_eq!(pay_by(d("2025-12-19"), calendar), Ok(d("2025-12-23")));
    // Received Wednesday 24 December: Christmas and Boxing Day pass; Monday
    // 29th and Tuesday 30th.
    assert_eq!(pay_by(d("2025-12-24"), calendar), Ok(d("2025-12-30")));
}

#[test]
fn on_time_late_and_missed_payments_are_told_apart_on_working_days() {
    let calendar = WorkingDays::england_and_wales();
    // Weekly, due each Friday: £40 each.
    let due_dates = [
        d("2025-04-04"),
        d("2025-04-11"),
        d("2025-04-18"),
        d("2025-04-25"),
    ];
    let mut transfers: Vec<Transfer> = due_dates
        .iter()
        .enumerate()
        .map(|(i, due)| accrue(&format!("w{i}"), RP1, 4_000, &due.to_string()))
        .collect();
    transfers.push(pay("on-time", 4_000, "2025-04-04"));
    transfers.push(pay("late", 4_000, "2025-04-15"));
    // Nothing for 18 April (Good Friday) or after.
    let report = compliance(&transfers, case(), &due_dates, d("2025-04-25"), calendar).unwrap();
    let outcomes: Vec<PeriodOutcome> = report.periods.iter().map(|p| p.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            PeriodOutcome::OnTime,
            PeriodOutcome::Late(d("2025-04-15")),
            // Due Good Friday; Easter Monday is a holiday too: noticed Tuesday.
            PeriodOutcome::Missed {
                noticed_on: d("2025-04-22"),
                shortfall: Pence::new(4_000)
            },
            // Due today: checked on the next working day, not before.
            PeriodOutcome::NotYetChecked,
        ]
    );
    assert_eq!(report.on_time(), (1, 3));
    assert_eq!(report.missed().count(), 1);
    // The next working day, the fourth is missed too, with both weeks owed.
    let report = compliance(&transfers, case(), &due_dates, d("2025-04-28"), calendar).unwrap();
    assert_eq!(
        report.periods[3].outcome,
        PeriodOutcome::Missed {
            noticed_on: d("2025-04-28"),
            shortfall: Pence::new(8_000)
        }
    );
}

#[derive(Clone, Debug)]
enum Step {
    Accrue(u8, u32),
    Fee(u32),
    Pay(u32),
    Reverse(u8),
    Reduce(u8, u32),
    Disburse(Option<u32>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u8..=2, 1u32..20_000).prop_map(|(rp, p)| Step::Accrue(rp, p)),
        (1u32..5_000).prop_map(Step::Fee),
        (1u32..40_000).prop_map(Step::Pay),
        any::<u8>().prop_map(Step::Reverse),
        (1u8..=2, 1u32..20_000).prop_map(|(rp, p)| Step::Reduce(rp, p)),
        // Fee changes: no fee (Direct Pay days, a waiver), 4%, or another rate.
        prop::option::of(prop_oneof![Just(40_000u32), 0u32..200_000]).prop_map(Step::Disburse),
    ]
}

proptest! {
    /// Random books of accruals, fees, payments, reversals, recalculations
    /// and disbursement runs under changing fee rates: money is all accounted for, statements end on
    /// the book's balances, what is unpaid is
    /// what the ledger says is owed, every run's transfers post, and a run
    /// repeated posts nothing.
    #[test]
    fn allocation_and_disbursement_keep_every_invariant(steps in proptest::collection::vec(step(), 1..60)) {
        let mut ledger = Ledger::new();
        let mut day = d("2025-01-06");
        for (n, step) in steps.into_iter().enumerate() {
            day = day.add_days(1).unwrap();
            let on = day.to_string();
            let id = format!("s{n}");
            let transfer = match step {
                Step::Accrue(rp, p) => Some(accrue(&id, ReceivingParentId(u32::from(rp)), u64::from(p), &on)),
                Step::Fee(p) => Some(fee(&id, u64::from(p), &on)),
                Step::Pay(p) => Some(pay(&id, u64::from(p), &on)),
                Step::Reverse(k) => {
                    let payments: Vec<&Transfer> = ledger.transfers().iter().filter(|t| t.code == TransferCode::Payment).collect();
                    (!payments.is_empty()).then(|| {
                        let original = payments[usize::from(k) % payments.len()];
                        Transfer {
                            corrects: Some(original.id.clone()),
                            ..t(&id, owes(), Account::BANK, original.amount.get(), TransferCode::Correction, &on)
                        }
                    })
                }
                Step::Reduce(rp, p) => Some(t(&id, account(AccountKind::ReceivingParentDue(ReceivingParentId(u32::from(rp)))), owes(), u64::from(p), TransferCode::Adjustment, &on)),
                Step::Disburse(ppm) => {
                    let rate = ppm.map(|p| PartsPerMillion::new(p).unwrap());
                    let run = disbursement_run(ledger.transfers(), case(), day, rate, &BTreeSet::new());
                    for transfer in &run.transfers {
                        prop_assert_eq!(ledger.post(transfer.clone()), Ok(Posted::Posted));
                    }
                    let again = disbursement_run(ledger.transfers(), case(), day, rate, &BTreeSet::new());
                    prop_assert!(again.transfers.is_empty());
                    for paid in &run.disbursements {
                        prop_assert_eq!(paid.fee.get() + paid.net.get(), paid.gross.get());
                    }
                    None
                }
            };
            if let Some(transfer) = transfer {
                // Refusals (a reduction beyond what is due, a second
                // reversal) leave the book as it was.
                let _ = ledger.post(transfer);
            }
            ledger.verify();
            let allocation = allocate(ledger.transfers(), case(), day);
            let unpaid: u64 = allocation.debts.iter().map(|debt| debt.unpaid.get()).sum();
            let overpaid: u64 = allocation.overpaid_to.values().map(|p| p.get()).sum();
            prop_assert_eq!(
                i128::from(unpaid) - i128::from(allocation.held_for_paying_parent.get() + overpaid),
                ledger.balance(owes()).debit_balance()
            );
            for (rp, passed) in &allocation.passed_on {
                let uncovered = allocation.passed_on_uncovered.get(rp).map_or(0, |p| p.get());
                prop_assert_eq!(allocation.collected_for.get(rp).map_or(0, |p| p.get()) + uncovered >= passed.get(), true);
            }
            let collected: u64 = allocation.collected_for.values().map(|p| p.get()).sum::<u64>()
                + allocation.fees_collected.get()
                + allocation.charges_collected.get()
                + allocation.held_for_paying_parent.get();
            let net_money: i128 = ledger.balance(Account::BANK).debit_balance()
                + ledger.transfers().iter().filter(|t| t.code == TransferCode::Disbursement).map(|t| i128::from(t.amount.get())).sum::<i128>();
            prop_assert_eq!(i128::from(collected), net_money);
            // Each parent's statement ends on what the book says of them.
            let paying = ledger::statement(ledger.transfers(), case(), ledger::StatementFor::PayingParent, day);
            prop_assert_eq!(paying.last().map_or(0, |l| l.balance), ledger.balance(owes()).debit_balance());
            // The paying parent's picture: what they owe is what fell due
            // with fees and charges, less what they paid.
            let payer = ledger::reconciled(&paying, ledger::StatementFor::PayingParent);
            prop_assert_eq!(payer.balance, payer.due + payer.collection_fees + payer.charges - payer.paid);
            // The receiving parent's: still due is due less collected, and
            // what the book still owes them is that plus what was collected
            // and not yet paid on; what was paid on is what was sent.
            let whom = ledger::StatementFor::ReceivingParent(RP1);
            let first = ledger::statement(ledger.transfers(), case(), whom, day);
            let picture = ledger::reconciled(&first, whom);
            prop_assert_eq!(picture.balance, picture.due - picture.paid);
            prop_assert_eq!(
                picture.balance + picture.waiting_to_pass_on,
                ledger.balance(account(AccountKind::ReceivingParentDue(RP1))).credit_balance()
            );
            prop_assert_eq!(
                i128::from(allocation.collected_for.get(&RP1).map_or(0, |p| p.get())),
                picture.paid
            );
        }
    }
}

#[test]
fn each_parent_has_a_statement_of_their_own_side_only() {
    use ledger::{StatementFor, statement, statement_csv};
    let rate = Some(PartsPerMillion::new(40_000).unwrap());
    let mut transfers = two_weeks();
    let run = disbursement_run(&transfers, case(), d("2025-01-10"), rate, &BTreeSet::new());
    transfers.extend(run.transfers);
    let ledger = book(&transfers);
    let until = d("2025-01-31");

    let paying = statement(&transfers, case(), StatementFor::PayingParent, until);
    let csv = statement_csv(&paying);
    assert_eq!(
        csv,
        "date,description,due,paid,charged,passed_on,balance\r\n\
         2025-01-06,Maintenance due,80.00,0.00,0.00,0.00,80.00\r\n\
         2025-01-06,Collection fee,0.00,0.00,16.00,0.00,96.00\r\n\
         2025-01-08,Enforcement charge,0.00,0.00,50.00,0.00,146.00\r\n\
         2025-01-10,Payment received,0.00,100.00,0.00,0.00,46.00\r\n\
         2025-01-13,Maintenance due,80.00,0.00,0.00,0.00,126.00\r\n\
         2025-01-13,Collection fee,0.00,0.00,16.00,0.00,142.00\r\n"
    );
    assert_eq!(
        paying.last().unwrap().balance,
        ledger.balance(owes()).debit_balance()
    );

    let first = statement(
        &transfers,
        case(),
        StatementFor::ReceivingParent(RP1),
        until,
    );
    assert_eq!(
        statement_csv(&first),
        "date,description,due,paid,charged,passed_on,balance\r\n\
         2025-01-06,Maintenance due to you,50.00,0.00,0.00,0.00,50.00\r\n\
         2025-01-10,Collected from the paying parent,0.00,50.00,0.00,0.00,0.00\r\n\
         2025-01-10,Collection fee,0.00,0.00,2.00,0.00,0.00\r\n\
         2025-01-10,Paid to you,0.00,0.00,0.00,48.00,0.00\r\n\
         2025-01-13,Maintenance due to you,50.00,0.00,0.00,0.00,50.00\r\n\
         2025-01-13,Collected from the paying parent,0.00,4.00,0.00,0.00,46.00\r\n"
    );
    // Still due from the paying parent (£46), and £4 collected and not yet
    // paid on: together, what the book owes them.
    let picture = ledger::reconciled(&first, StatementFor::ReceivingParent(RP1));
    assert_eq!((picture.balance, picture.waiting_to_pass_on), (4_600, 400));
    assert_eq!(
        picture.balance + picture.waiting_to_pass_on,
        ledger
            .balance(account(AccountKind::ReceivingParentDue(RP1)))
            .credit_balance()
    );
    // The second receiving parent sees only their own £30s, never the first's.
    let second = statement(
        &transfers,
        case(),
        StatementFor::ReceivingParent(RP2),
        until,
    );
    assert!(second.iter().all(|line| line.due.abs() != 5_000));
    assert_eq!(second.iter().map(|l| l.passed_on).sum::<i128>(), 2_880);
}

#[test]
fn collection_terms_follow_the_service_and_any_waiver_as_known_on_a_day() {
    use case_records::{CaseHistory, Change, ServiceType};
    let mut history = CaseHistory::starting(d("2025-01-06"));
    assert_eq!(
        CollectionTerms::on(
            &history,
            d("2025-02-01"),
            d("2025-02-01"),
            Parameters::embedded()
        ),
        CollectionTerms::DIRECT_PAY
    );
    history.record(
        d("2025-03-03"),
        d("2025-03-10"),
        Change::ServiceType(ServiceType::CollectAndPay),
    );
    history.record(
        d("2025-03-03"),
        d("2025-03-10"),
        Change::CollectionFeeWaiver {
            paying_parent: false,
            receiving_parent: true,
        },
    );
    // Before the move took effect, and before it was known.
    assert_eq!(
        CollectionTerms::on(
            &history,
            d("2025-03-02"),
            d("2025-04-01"),
            Parameters::embedded()
        ),
        CollectionTerms::DIRECT_PAY
    );
    assert_eq!(
        CollectionTerms::on(
            &history,
            d("2025-03-05"),
            d("2025-03-09"),
            Parameters::embedded()
        ),
        CollectionTerms::DIRECT_PAY
    );
    let terms = CollectionTerms::on(
        &history,
        d("2025-03-05"),
        d("2025-03-10"),
        Parameters::embedded(),
    );
    assert_eq!(
        terms,
        CollectionTerms {
            collect_and_pay: true,
            paying_parent_fee_waived: false,
            receiving_parent_fee_waived: true
        }
    );
    assert_eq!(
        receiving_parent_fee(terms, Parameters::embedded(), d("2025-03-05")),
        None
    );
}

#[test]
fn under_the_modelled_single_service_a_direct_pay_case_is_collected_from_the_reforms_start() {
    use case_records::{CaseHistory, Change, ChildId, Frequency, ServiceType};
    let reform = legal_parameters::CollectionReform::named("direct-pay-reform-2025").unwrap();
    let modelled = Parameters::embedded().with_collection_reform(&reform);
    let start = reform.from.add_days(-28).unwrap();
    let mut history = CaseHistory::starting(start);
    history.record(
        start,
        start,
        Change::Income(maintenance_calculation::Income::Weekly(Pence::new(40_000))),
    );
    history.record(
        start,
        start,
        Change::ChildJoined {
            child: ChildId(1),
            receiving_parent: RP1,
        },
    );
    history.record(start, start, Change::ServiceType(ServiceType::DirectPay));
    let before = reform.from.add_days(-1).unwrap();
    assert!(!CollectionTerms::on(&history, before, before, &modelled).collect_and_pay);
    assert!(CollectionTerms::on(&history, reform.from, reform.from, &modelled).collect_and_pay);
    // The law as it stands: still Direct Pay.
    assert!(
        !CollectionTerms::on(&history, reform.from, reform.from, Parameters::embedded())
            .collect_and_pay
    );
    let until = reform.from.add_days(14).unwrap();
    let fees = |parameters: &Parameters| -> Vec<(Date, Pence)> {
        ledger::daily_transfers(
            case(),
            &history,
            parameters,
            Frequency::Weekly,
            until,
            until,
        )
        .unwrap()
        .into_iter()
        .filter(|t| t.code == TransferCode::PayingParentFee)
        .map(|t| (t.effective, t.amount))
        .collect()
    };
    // £48.00 a week; the reform's 2% for a paying parent is 96p, from its
    // first day only, and nothing under the law.
    let weekly = Pence::new(4_800);
    assert_eq!(
        PartsPerMillion::new(20_000).unwrap().of(weekly),
        Pence::new(96)
    );
    let modelled_fees = fees(&modelled);
    assert!(!modelled_fees.is_empty());
    assert!(
        modelled_fees
            .iter()
            .all(|(on, fee)| *on >= reform.from && *fee == Pence::new(96))
    );
    assert!(modelled_fees.iter().any(|(on, _)| *on == reform.from));
    assert!(fees(Parameters::embedded()).is_empty());
}

#[test]
fn the_next_payment_is_the_next_periods_accrual_with_the_fee_where_it_applies() {
    use case_records::{CaseHistory, Change, ChildId, ServiceType};
    use ledger::{StatementFor, next_payment};
    let start = d("2025-01-06");
    let mut history = CaseHistory::starting(start);
    history.record(
        start,
        start,
        Change::Income(maintenance_calculation::Income::Weekly(Pence::new(40_000))),
    );
    history.record(
        start,
        start,
        Change::ChildJoined {
            child: ChildId(1),
            receiving_parent: RP1,
        },
    );
    let parameters = Parameters::embedded();
    let today = d("2025-01-15");
    // Direct Pay: the week starting on the next Monday, no fee.
    let direct = next_payment(
        case(),
        &history,
        parameters,
        StatementFor::PayingParent,
        today,
    )
    .expect("a payment ahead");
    assert_eq!(direct.due, d("2025-01-20"));
    assert!(!direct.collect_and_pay);
    assert_eq!(
        (direct.fee, direct.total),
        (Pence::ZERO, direct.maintenance)
    );
    let week = direct.maintenance.get();
    assert!(week > 0);
    // Collect and Pay: 20% on top for the payer, 4% kept from the
    // receiving parent, each rounded half up (Fees Regs 2014 reg 7).
    history.record(
        start,
        today,
        Change::ServiceType(ServiceType::CollectAndPay),
    );
    let payer = next_payment(
        case(),
        &history,
        parameters,
        StatementFor::PayingParent,
        today,
    )
    .unwrap();
    assert!(payer.collect_and_pay);
    assert_eq!(payer.maintenance.get(), week);
    assert_eq!(payer.fee.get(), (week * 200_000 + 500_000) / 1_000_000);
    assert_eq!(payer.total.get(), week + payer.fee.get());
    let receiver = next_payment(
        case(),
        &history,
        parameters,
        StatementFor::ReceivingParent(RP1),
        today,
    )
    .unwrap();
    assert_eq!(receiver.fee.get(), (week * 40_000 + 500_000) / 1_000_000);
    assert_eq!(receiver.total.get(), week - receiver.fee.get());
    // Another receiving parent of the case has nothing due to them.
    assert_eq!(
        next_payment(
            case(),
            &history,
            parameters,
            StatementFor::ReceivingParent(RP2),
            today
        ),
        None
    );
    // A period starting today is today's payment.
    assert_eq!(
        next_payment(
            case(),
            &history,
            parameters,
            StatementFor::PayingParent,
            d("2025-01-20")
        )
        .unwrap()
        .due,
        d("2025-01-20")
    );
    // Before anything is due: an application has no payment.
    assert_eq!(
        next_payment(
            case(),
            &CaseHistory::default(),
            parameters,
            StatementFor::PayingParent,
            today
        ),
        None
    );
}
