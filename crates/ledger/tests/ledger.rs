//! The ledger: refusals in order, corrections, invariants under random
//! sequences, and accruals, adjustments and arrears from a real schedule.

use case_records::{
    CaseHistory, CaseReference, Change, ChildId, ReceivingParentId, differences, liability_schedule,
};
use domain_types::{Date, Pence};
use ledger::{
    Account, AccountKind, CollectionTerms, Frequency, Ledger, Posted, Rejection, Transfer,
    TransferCode, TransferId, accrual_transfers, adjustment_transfers, allocate, payment_periods,
};
use legal_parameters::Parameters;
use maintenance_calculation::{Income, Nights};
use proptest::prelude::*;

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

const RP: ReceivingParentId = ReceivingParentId(1);

fn case() -> CaseReference {
    CaseReference::from_random(77)
}

fn owes() -> Account {
    Account::of_case(case(), AccountKind::PayingParentOwes)
}

fn due() -> Account {
    Account::of_case(case(), AccountKind::ReceivingParentDue(RP))
}

fn transfer(id: &str, debit: Account, credit: Account, pence: u64, code: TransferCode) -> Transfer {
    Transfer {
        id: TransferId(id.to_owned()),
        debit,
        credit,
        amount: Pence::new(pence),
        code,
        effective: d("2025-02-03"),
        corrects: None,
    }
}

#[test]
fn refusals_come_in_their_order_of_precedence() {
    let mut ledger = Ledger::new();
    ledger
        .post(transfer(
            "accrue",
            owes(),
            due(),
            6_000,
            TransferCode::Accrual,
        ))
        .unwrap();
    let correction = |id: &str, of: &str, debit, credit, pence| Transfer {
        corrects: Some(TransferId(of.to_owned())),
        code: TransferCode::Correction,
        ..transfer(id, debit, credit, pence, TransferCode::Correction)
    };
    let cases: Vec<(Transfer, Result<Posted, Rejection>)> = vec![
        // Zero beats everything, even a reused id and the same account.
        (
            transfer("accrue", owes(), owes(), 0, TransferCode::Accrual),
            Err(Rejection::AmountIsZero),
        ),
        (
            transfer("accrue", owes(), owes(), 5, TransferCode::Accrual),
            Err(Rejection::SameAccount),
        ),
        (
            transfer("accrue", owes(), due(), 6_000, TransferCode::Accrual),
            Ok(Posted::AlreadyPosted),
        ),
        (
            transfer("accrue", owes(), due(), 6_001, TransferCode::Accrual),
            Err(Rejection::IdReusedWithDifferentFields),
        ),
        (
            correction("fix-1", "nothing", due(), owes(), 10),
            Err(Rejection::CorrectsUnknownTransfer),
        ),
        (
            correction("fix-2", "accrue", owes(), due(), 10),
            Err(Rejection::CorrectionDoesNotReverse),
        ),
        (
            correction("fix-3", "accrue", due(), owes(), 6_001),
            Err(Rejection::CorrectionExceedsOriginal),
        ),
        (
            transfer("fix-4", due(), owes(), 10, TransferCode::Correction),
            Err(Rejection::CorrectionCodeMismatch),
        ),
        (
            transfer(
                "pay-out",
                due(),
                Account::BANK,
                1,
                TransferCode::Disbursement,
            ),
            Err(Rejection::WouldOverdraw(Account::BANK)),
        ),
        (
            transfer("too-much", due(), owes(), 6_001, TransferCode::Adjustment),
            Err(Rejection::WouldOverdraw(due())),
        ),
        (
            correction("fix-5", "accrue", due(), owes(), 1_000),
            Ok(Posted::Posted),
        ),
        (
            correction("fix-6", "accrue", due(), owes(), 5_001),
            Err(Rejection::CorrectionExceedsOriginal),
        ),
    ];
    for (index, (transfer, expected)) in cases.into_iter().enumerate() {
        assert_eq!(ledger.post(transfer), expected, "case {index}");
    }
    assert_eq!(ledger.balance(due()).credit_balance(), 5_000);
    ledger.verify();
}

#[test]
fn an_overpayment_is_held_to_the_paying_parents_credit() {
    let mut ledger = Ledger::new();
    ledger
        .post(transfer(
            "accrue",
            owes(),
            due(),
            6_000,
            TransferCode::Accrual,
        ))
        .unwrap();
    ledger
        .post(transfer(
            "pay",
            Account::BANK,
            owes(),
            7_000,
            TransferCode::Payment,
        ))
        .unwrap();
    assert_eq!(ledger.balance(owes()).debit_balance(), -1_000);
    assert_eq!(ledger.verify(), 13_000);
}

fn accounts() -> Vec<Account> {
    vec![
        owes(),
        due(),
        Account::of_case(
            case(),
            AccountKind::ReceivingParentDue(ReceivingParentId(2)),
        ),
        Account::of_case(case(), AccountKind::PayingParentFees),
        Account::BANK,
        Account::SUSPENSE,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_transfers_keep_every_invariant_and_refusals_change_nothing(
        steps in prop::collection::vec((0usize..6, 0usize..6, 0u64..5_000, 0u8..20, any::<bool>()), 1..80)
    ) {
        let accounts = accounts();
        let mut ledger = Ledger::new();
        let mut posted: Vec<Transfer> = Vec::new();
        for (step, (debit, credit, pence, id, correct)) in steps.into_iter().enumerate() {
            let mut candidate = transfer(&format!("t{id}"), accounts[debit], accounts[credit], pence, TransferCode::Payment);
            if correct && !posted.is_empty() {
                let original = &posted[step % posted.len()];
                candidate = Transfer {
                    id: TransferId(format!("c{step}")),
                    debit: original.credit,
                    credit: original.debit,
                    amount: Pence::new(pence.min(original.amount.get()).max(1)),
                    code: TransferCode::Correction,
                    effective: original.effective,
                    corrects: Some(original.id.clone()),
                };
            }
            let before: Vec<_> = ledger.balances().map(|(a, b)| (*a, *b)).collect();
            match ledger.post(candidate.clone()) {
                Ok(Posted::Posted) => posted.push(candidate),
                Ok(Posted::AlreadyPosted) | Err(_) => {
                    let after: Vec<_> = ledger.balances().map(|(a, b)| (*a, *b)).collect();
                    prop_assert_eq!(before, after, "a refusal or a repeat changed a balance");
                }
            }
            ledger.verify();
            for account in &accounts {
                if !account.kind.may_go_below_zero() {
                    let balance = ledger.balance(*account);
                    let natural = if account.kind.is_credit_normal() { balance.credit_balance() } else { balance.debit_balance() };
                    prop_assert!(natural >= 0, "{account} went below zero");
                }
            }
        }
        // Posting everything again changes nothing.
        for transfer in posted {
            prop_assert_eq!(ledger.post(transfer), Ok(Posted::AlreadyPosted));
        }
    }
}

fn history() -> CaseHistory {
    let mut history = CaseHistory::starting(d("2025-01-06"));
    history.record(
        d("2025-01-06"),
        d("2025-01-06"),
        Change::Income(Income::Weekly(Pence::new(50_000))),
    );
    history.record(
        d("2025-01-06"),
        d("2025-01-06"),
        Change::ChildJoined {
            child: ChildId(1),
            receiving_parent: RP,
        },
    );
    history
}

#[test]
fn monthly_periods_clamp_to_month_ends_and_cover_the_range_exactly() {
    let periods = payment_periods(d("2025-01-31"), d("2025-05-01"), Frequency::Monthly);
    let starts: Vec<String> = periods.iter().map(|(from, _)| from.to_string()).collect();
    assert_eq!(
        starts,
        ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    );
    assert_eq!(periods.last().unwrap().1, d("2025-05-01"));
    let weekly = payment_periods(d("2025-01-06"), d("2025-02-03"), Frequency::Weekly);
    assert_eq!(weekly.len(), 4);
}

#[test]
fn accruals_post_what_the_schedule_says_with_the_collection_fee_and_again_harmlessly() {
    let parameters = Parameters::embedded();
    let until = d("2025-04-06");
    let schedule = liability_schedule(&history(), parameters, until, until).unwrap();
    let periods = payment_periods(d("2025-01-06"), until, Frequency::Monthly);
    let transfers = accrual_transfers(
        case(),
        &schedule,
        &periods,
        CollectionTerms::COLLECT_AND_PAY,
        parameters,
    );
    let mut ledger = Ledger::new();
    for t in &transfers {
        assert_eq!(ledger.post(t.clone()), Ok(Posted::Posted));
    }
    for t in &transfers {
        assert_eq!(ledger.post(t.clone()), Ok(Posted::AlreadyPosted));
    }
    // £60 a week over 6 Jan to 6 Apr (90 days) = 90 x 6,000 / 7 per month, rounded per period.
    let expected: u64 = periods
        .iter()
        .map(|(f, t)| schedule.due(*f, *t)[&RP].get())
        .sum();
    assert_eq!(
        u64::try_from(ledger.balance(due()).credit_balance()).unwrap(),
        expected
    );
    let fees = ledger
        .balance(Account::of_case(case(), AccountKind::PayingParentFees))
        .credit_balance();
    // 20% of each month's due, each rounded: January's 31 days are 26,571.43p -> 26,571p -> fee 5,314p.
    assert_eq!(
        schedule.due(d("2025-01-06"), d("2025-02-06"))[&RP],
        Pence::new(26_571)
    );
    assert!(fees > 0 && fees * 5 <= i128::from(expected) + 5);
    ledger.verify();
}

#[test]
fn a_backdated_change_is_an_adjustment_and_arrears_age_oldest_first() {
    let parameters = Parameters::embedded();
    let mut history = history();
    let until = d("2025-05-05");
    let periods = payment_periods(d("2025-01-06"), until, Frequency::Weekly);
    let before = liability_schedule(&history, parameters, d("2025-03-01"), until).unwrap();
    let mut ledger = Ledger::new();
    for t in accrual_transfers(
        case(),
        &before,
        &periods,
        CollectionTerms::DIRECT_PAY,
        parameters,
    ) {
        ledger.post(t).unwrap();
    }
    // Recorded on 1 April, effective 3 March: two-sevenths shared care.
    history.record(
        d("2025-03-03"),
        d("2025-04-01"),
        Change::SharedCare {
            child: ChildId(1),
            nights: Nights::new(104).unwrap(),
        },
    );
    let after = liability_schedule(&history, parameters, d("2025-04-01"), until).unwrap();
    let moved = differences(&before, &after, &periods);
    for t in adjustment_transfers(
        case(),
        &moved,
        d("2025-04-01"),
        CollectionTerms::DIRECT_PAY,
        parameters,
    ) {
        assert_eq!(t.code, TransferCode::Adjustment);
        ledger.post(t).unwrap();
    }
    // Now the ledger owes exactly what the new schedule says; nothing was rewritten.
    let now_due: u64 = periods
        .iter()
        .map(|(f, t)| after.due(*f, *t)[&RP].get())
        .sum();
    assert_eq!(
        u64::try_from(ledger.balance(due()).credit_balance()).unwrap(),
        now_due
    );
    assert!(
        ledger
            .transfers()
            .iter()
            .any(|t| t.code == TransferCode::Accrual && t.amount == Pence::new(6_000))
    );

    // Paid £300 on 7 April; on 5 May the rest of the debt is aged oldest first.
    ledger
        .post(Transfer {
            effective: d("2025-04-07"),
            ..transfer(
                "pay-1",
                Account::BANK,
                owes(),
                30_000,
                TransferCode::Payment,
            )
        })
        .unwrap();
    // Credits settle the oldest debts first: 9 weekly adjustments of
    // £17.14 (£154.26) and £300 = £454.26 clear 6 Jan to 17 Feb (7 x £60)
    // and £34.26 of 24 Feb. Left on 5 May: £25.74 of 24 Feb and the five
    // weeks 3-31 Mar (35-70 days old), and the four April weeks (7-28 days).
    let aged = allocate(ledger.transfers(), case(), d("2025-05-05")).aged(d("2025-05-05"));
    assert_eq!(aged.over_90_days, Pence::ZERO);
    assert_eq!(aged.from_31_to_90_days, Pence::new(2_574 + 5 * 6_000));
    assert_eq!(aged.up_to_30_days, Pence::new(4 * 6_000));
    assert_eq!(
        aged.total(),
        Pence::new(u64::try_from(ledger.balance(owes()).debit_balance()).unwrap())
    );
    ledger.verify();
}

#[test]
fn on_collect_and_pay_a_backdated_change_adjusts_the_fee_to_what_the_new_amount_would_charge() {
    let parameters = Parameters::embedded();
    let mut history = history();
    let until = d("2025-05-05");
    let periods = payment_periods(d("2025-01-06"), until, Frequency::Weekly);
    let terms = CollectionTerms::COLLECT_AND_PAY;
    let before = liability_schedule(&history, parameters, d("2025-03-01"), until).unwrap();
    let mut ledger = Ledger::new();
    for t in accrual_transfers(case(), &before, &periods, terms, parameters) {
        ledger.post(t).unwrap();
    }
    history.record(
        d("2025-03-03"),
        d("2025-04-01"),
        Change::SharedCare {
            child: ChildId(1),
            nights: Nights::new(104).unwrap(),
        },
    );
    let after = liability_schedule(&history, parameters, d("2025-04-01"), until).unwrap();
    let moved = differences(&before, &after, &periods);
    assert!(!moved.is_empty());
    for t in adjustment_transfers(case(), &moved, d("2025-04-01"), terms, parameters) {
        ledger.post(t).unwrap();
    }
    // Each period's fee is now 20% of its new amount, rounded half up.
    let fees_now: u64 = periods
        .iter()
        .map(|(f, t)| (after.due(*f, *t)[&RP].get() * 2 + 5) / 10)
        .sum();
    let fees = ledger.balance(Account::of_case(case(), AccountKind::PayingParentFees));
    assert_eq!(u64::try_from(fees.credit_balance()).unwrap(), fees_now);
    // A fresh book accrued on the new schedule charges the same fees.
    let mut fresh = Ledger::new();
    for t in accrual_transfers(case(), &after, &periods, terms, parameters) {
        fresh.post(t).unwrap();
    }
    assert_eq!(
        fresh
            .balance(Account::of_case(case(), AccountKind::PayingParentFees))
            .credit_balance(),
        fees.credit_balance()
    );
    ledger.verify();
}
