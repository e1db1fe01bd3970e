//! One parent's account in one picture, reconciled: what fell due, what was
//! paid (or collected for them), the fees, what was passed on, and the
//! balance; and the next payment.
//!
//! The picture is the sum of the parent's own statement
//! ([`crate::statement`]), line by line, so the page that shows it and the
//! statement CSV agree to the penny by construction: each figure is a
//! column's total and the balance is the statement's closing balance.

use case_records::{CaseHistory, CaseReference};
use domain_types::{Date, Pence};
use legal_parameters::Parameters;

use crate::{
    CollectionTerms, StatementFor, StatementLine, accrual_transfers, payment_frequency,
    payment_periods, receiving_parent_fee,
};

/// A parent's account in one picture, in pence, signed (a parent in credit
/// has a negative balance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Maintenance that fell due, after any recalculation: the statement's
    /// `due` column.
    pub due: i128,
    /// The paying parent's: what they paid, less anything returned. A
    /// receiving parent's: what was collected from the paying parent for
    /// them. The statement's `paid` column.
    pub paid: i128,
    /// Collection fees: the paying parent's 20% added to what they pay, or
    /// the receiving parent's 4% kept from what was collected for them
    /// (Child Support Fees Regulations 2014 reg 7; rules.md §3.2).
    pub collection_fees: i128,
    /// Enforcement charges (the paying parent's only; Fees Regs 2014
    /// regs 9–12).
    pub charges: i128,
    /// Paid on to the receiving parent (their account only): the
    /// disbursements actually made, less any returned.
    pub passed_on: i128,
    /// The closing balance of the statement. The paying parent's: what they
    /// still owe (due + fees + charges − paid; below zero, in credit). A
    /// receiving parent's: what is still due to them from the paying
    /// parent (due − paid).
    pub balance: i128,
    /// A receiving parent's money collected and not yet paid on to them:
    /// paid − fees − passed on (zero for the paying parent).
    pub waiting_to_pass_on: i128,
}

/// Totals the statement `lines` of `whom` into one reconciled picture.
#[must_use]
pub fn reconciled(lines: &[StatementLine], whom: StatementFor) -> Reconciled {
    let mut picture = Reconciled::default();
    for line in lines {
        picture.due += line.due;
        picture.paid += line.paid;
        picture.passed_on += line.passed_on;
        if line.description == "Collection fee" {
            picture.collection_fees += line.charged;
        } else {
            picture.charges += line.charged;
        }
    }
    picture.balance = lines.last().map_or(0, |line| line.balance);
    if let StatementFor::ReceivingParent(_) = whom {
        picture.waiting_to_pass_on =
            picture.paid - picture.collection_fees - picture.charges - picture.passed_on;
    }
    picture
}

/// The next payment on a case for one parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextPayment {
    /// The day it is due: the next payment period's first day (today, if a
    /// period starts today).
    pub due: Date,
    /// The maintenance for the period (the paying parent's: for every
    /// receiving parent; a receiving parent's: their own share).
    pub maintenance: Pence,
    /// The collection fee on it, where one applies on Collect and Pay:
    /// added for the paying parent (20%), kept from the receiving parent's
    /// (4%), each rounded half up to the penny (Fees Regs 2014 reg 7;
    /// rules.md §3.2 [I]). Zero on Direct Pay or when waived.
    pub fee: Pence,
    /// What changes hands: the paying parent pays maintenance + fee; the
    /// receiving parent is paid maintenance − fee.
    pub total: Pence,
    /// Whether the service collects it (Collect and Pay) or it is paid
    /// between the parents (Direct Pay), on that day.
    pub collect_and_pay: bool,
}

/// The next payment for `whom` on or after `today`, as known today: the
/// amounts the accrual for that period will post (the same rule,
/// [`accrual_transfers`]), and the receiving parent's fee as a
/// disbursement keeps it. `None` before liability starts, when the
/// schedule cannot be worked out, or when nothing is due.
#[must_use]
pub fn next_payment(
    case: CaseReference,
    history: &CaseHistory,
    parameters: &Parameters,
    whom: StatementFor,
    today: Date,
) -> Option<NextPayment> {
    let start = history.initial_effective_date?;
    let horizon = today.max(start).add_years(1)?;
    let (from, to) = payment_periods(start, horizon, payment_frequency(history))
        .into_iter()
        .find(|(from, _)| *from >= today)?;
    let schedule = case_records::liability_schedule(history, parameters, today, to).ok()?;
    let terms = CollectionTerms::on(history, from, today, parameters);
    let transfers = accrual_transfers(case, &schedule, &[(from, to)], terms, parameters);
    let amount = |code: crate::TransferCode, rp: Option<case_records::ReceivingParentId>| {
        Pence::new(
            transfers
                .iter()
                .filter(|t| t.code == code)
                .filter(|t| {
                    rp.is_none_or(|rp| t.credit.kind == crate::AccountKind::ReceivingParentDue(rp))
                })
                .map(|t| t.amount.get())
                .sum(),
        )
    };
    let (maintenance, fee, total) = match whom {
        StatementFor::PayingParent => {
            let maintenance = amount(crate::TransferCode::Accrual, None);
            let fee = amount(crate::TransferCode::PayingParentFee, None);
            (maintenance, fee, maintenance.checked_add(fee)?)
        }
        StatementFor::ReceivingParent(rp) => {
            let maintenance = amount(crate::TransferCode::Accrual, Some(rp));
            let fee = receiving_parent_fee(terms, parameters, from)
                .map_or(Pence::ZERO, |rate| rate.of(maintenance));
            (
                maintenance,
                fee,
                Pence::new(maintenance.get().checked_sub(fee.get())?),
            )
        }
    };
    (maintenance > Pence::ZERO).then_some(NextPayment {
        due: from,
        maintenance,
        fee,
        total,
        collect_and_pay: terms.collect_and_pay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, AccountKind, Transfer, TransferCode, TransferId, statement};
    use case_records::ReceivingParentId;

    fn d(iso: &str) -> Date {
        Date::parse_iso(iso).unwrap()
    }

    fn case() -> CaseReference {
        CaseReference::from_random(4242)
    }

    #[test]
    fn the_picture_is_the_statement_totalled() {
        let rp = ReceivingParentId(1);
        let owes = Account::of_case(case(), AccountKind::PayingParentOwes);
        let due = Account::of_case(case(), AccountKind::ReceivingParentDue(rp));
        let t = |id: &str, debit, credit, amount, code, on: &str| Transfer {
            id: TransferId(id.to_owned()),
            debit,
            credit,
            amount: Pence::new(amount),
            code,
            effective: d(on),
            corrects: None,
        };
        let fees = Account::of_case(case(), AccountKind::PayingParentFees);
        let kept = Account::of_case(case(), AccountKind::ReceivingParentFees);
        let transfers = vec![
            t("a1", owes, due, 10_000, TransferCode::Accrual, "2026-05-04"),
            t(
                "f1",
                owes,
                fees,
                2_000,
                TransferCode::PayingParentFee,
                "2026-05-04",
            ),
            t(
                "p1",
                Account::BANK,
                owes,
                7_000,
                TransferCode::Payment,
                "2026-05-05",
            ),
            t(
                "k1",
                due,
                kept,
                200,
                TransferCode::ReceivingParentFee,
                "2026-05-06",
            ),
            t(
                "d1",
                due,
                Account::BANK,
                4_800,
                TransferCode::Disbursement,
                "2026-05-06",
            ),
            t("a2", owes, due, 10_000, TransferCode::Accrual, "2026-05-11"),
            t(
                "f2",
                owes,
                fees,
                2_000,
                TransferCode::PayingParentFee,
                "2026-05-11",
            ),
        ];
        let until = d("2026-05-20");
        let paying = reconciled(
            &statement(&transfers, case(), StatementFor::PayingParent, until),
            StatementFor::PayingParent,
        );
        assert_eq!(
            paying,
            Reconciled {
                due: 20_000,
                paid: 7_000,
                collection_fees: 4_000,
                charges: 0,
                passed_on: 0,
                balance: 17_000,
                waiting_to_pass_on: 0,
            }
        );
        // £70 settles the first week's £100 first (oldest debt first; the
        // maintenance before the fee of the same day): £70 for the child.
        let receiving = reconciled(
            &statement(&transfers, case(), StatementFor::ReceivingParent(rp), until),
            StatementFor::ReceivingParent(rp),
        );
        assert_eq!(
            receiving,
            Reconciled {
                due: 20_000,
                paid: 7_000,
                collection_fees: 200,
                charges: 0,
                passed_on: 4_800,
                balance: 13_000,
                waiting_to_pass_on: 2_000,
            }
        );
    }
}
