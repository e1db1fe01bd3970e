//! Statements: what was due, paid, charged and passed on, for one parent,
//! from their own side of the book only.
//!
//! A paying parent's statement is built from their own account; it has no
//! line for money passed on, so it cannot say where money goes. A receiving
//! parent's statement is built from their own account and what was collected
//! for them; it has no line for another receiving parent, and no text from a
//! payment (a payer's own reference never reaches the ledger). Every
//! description is fixed text chosen here.

use std::collections::BTreeMap;

use case_records::{CaseReference, ReceivingParentId};
use domain_types::{Date, Pence};

use crate::{Account, AccountKind, Transfer, TransferCode, allocate};

/// Whose statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementFor {
    /// The paying parent's.
    PayingParent,
    /// One receiving parent's.
    ReceivingParent(ReceivingParentId),
}

/// One line: amounts in pence, signed (a reduction or a return is negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementLine {
    /// The day.
    pub date: Date,
    /// What happened, in fixed words.
    pub description: &'static str,
    /// Maintenance falling due (or reduced).
    pub due: i128,
    /// Paid by the paying parent (on their statement) or collected for the
    /// receiving parent (on theirs).
    pub paid: i128,
    /// Fees and charges.
    pub charged: i128,
    /// Passed on to the receiving parent (their statement only).
    pub passed_on: i128,
    /// After this line: what the paying parent owes (negative: in credit),
    /// or what is still due to the receiving parent from the paying parent
    /// (due less collected).
    pub balance: i128,
}

fn signed(amount: Pence) -> i128 {
    i128::from(amount.get())
}

/// The statement for `whom` from a case's transfers, up to `until`, oldest
/// first; lines of the same day and description are added together.
#[must_use]
pub fn statement(
    transfers: &[Transfer],
    case: CaseReference,
    whom: StatementFor,
    until: Date,
) -> Vec<StatementLine> {
    let mut lines: BTreeMap<(Date, u8, &'static str), StatementLine> = BTreeMap::new();
    let mut add =
        |date: Date, order: u8, description: &'static str, f: &dyn Fn(&mut StatementLine)| {
            let line = lines
                .entry((date, order, description))
                .or_insert(StatementLine {
                    date,
                    description,
                    due: 0,
                    paid: 0,
                    charged: 0,
                    passed_on: 0,
                    balance: 0,
                });
            f(line);
        };
    let in_range = transfers.iter().filter(|t| t.effective <= until);
    match whom {
        StatementFor::PayingParent => {
            let owes = Account::of_case(case, AccountKind::PayingParentOwes);
            for transfer in in_range {
                let amount = signed(transfer.amount);
                let (sign, other) = if transfer.debit == owes {
                    (1, transfer.credit)
                } else if transfer.credit == owes {
                    (-1, transfer.debit)
                } else {
                    continue;
                };
                let value = sign * amount;
                let date = transfer.effective;
                match (transfer.code, other.kind) {
                    (TransferCode::Accrual, _) => {
                        add(date, 0, "Maintenance due", &|l| l.due += value);
                    }
                    (TransferCode::Adjustment, _) => {
                        add(date, 1, "Maintenance recalculated", &|l| l.due += value);
                    }
                    (TransferCode::PayingParentFee, _) => {
                        add(date, 2, "Collection fee", &|l| l.charged += value);
                    }
                    (TransferCode::EnforcementCharge, _) => {
                        add(date, 3, "Enforcement charge", &|l| l.charged += value);
                    }
                    (TransferCode::Payment, _) => {
                        add(date, 4, "Payment received", &|l| l.paid -= value);
                    }
                    (TransferCode::Correction, AccountKind::Bank | AccountKind::Suspense) => {
                        add(date, 5, "Payment returned", &|l| l.paid -= value);
                    }
                    (TransferCode::Correction, AccountKind::ReceivingParentDue(_)) => {
                        add(date, 1, "Maintenance recalculated", &|l| l.due += value);
                    }
                    (TransferCode::Correction, _) => {
                        add(date, 3, "Charge corrected", &|l| l.charged += value);
                    }
                    // Money in from suspense once a caseworker matched it.
                    (_, AccountKind::Suspense | AccountKind::Bank) => {
                        add(date, 4, "Payment received", &|l| l.paid -= value);
                    }
                    _ => {}
                }
            }
        }
        StatementFor::ReceivingParent(rp) => {
            let due = Account::of_case(case, AccountKind::ReceivingParentDue(rp));
            let mut money_days: Vec<Date> = Vec::new();
            let owes = Account::of_case(case, AccountKind::PayingParentOwes);
            for transfer in in_range {
                let date = transfer.effective;
                // Allocation changes when money comes in and also when a
                // new debt takes money from a later-ranked one (charges).
                if transfer.credit == owes || transfer.debit == owes {
                    money_days.push(date);
                }
                let value = if transfer.credit == due {
                    signed(transfer.amount)
                } else if transfer.debit == due {
                    -signed(transfer.amount)
                } else {
                    continue;
                };
                match transfer.code {
                    TransferCode::Accrual => {
                        add(date, 0, "Maintenance due to you", &|l| l.due += value);
                    }
                    TransferCode::Adjustment => {
                        add(date, 1, "Maintenance recalculated", &|l| l.due += value);
                    }
                    TransferCode::ReceivingParentFee => {
                        add(date, 3, "Collection fee", &|l| l.charged -= value);
                    }
                    TransferCode::Disbursement => {
                        add(date, 4, "Paid to you", &|l| l.passed_on -= value);
                    }
                    TransferCode::Correction if value > 0 => {
                        add(date, 5, "Payment to you returned", &|l| {
                            l.passed_on -= value
                        });
                    }
                    TransferCode::Correction => {
                        add(date, 1, "Maintenance recalculated", &|l| l.due += value);
                    }
                    _ => {}
                }
            }
            // What the paying parent's money covered for this receiving
            // parent, day by day (never what was paid for anyone else).
            // Quadratic in the days of a case: fine for one statement.
            money_days.sort();
            money_days.dedup();
            let mut before: i128 = 0;
            for day in money_days {
                let collected = allocate(transfers, case, day)
                    .collected_for
                    .get(&rp)
                    .map_or(0, |p| signed(*p));
                if collected != before {
                    let change = collected - before;
                    add(day, 2, "Collected from the paying parent", &|l| {
                        l.paid += change;
                    });
                    before = collected;
                }
            }
        }
    }
    let mut balance: i128 = 0;
    let mut lines: Vec<StatementLine> = lines.into_values().collect();
    for line in &mut lines {
        balance += match whom {
            StatementFor::PayingParent => line.due + line.charged - line.paid,
            // Still due to them from the paying parent: what fell due less
            // what was collected for them. What was collected and not yet
            // paid on is `reconciled`'s `waiting_to_pass_on`.
            StatementFor::ReceivingParent(_) => line.due - line.paid,
        };
        line.balance = balance;
    }
    lines
}

fn money(pence: i128) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let magnitude = pence.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// The statement as CSV (RFC 4180): a header, then one row per line, amounts
/// in pounds with two decimals and no symbol so a spreadsheet reads them.
#[must_use]
pub fn statement_csv(lines: &[StatementLine]) -> String {
    let mut out = String::from("date,description,due,paid,charged,passed_on,balance\r\n");
    for line in lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            line.date,
            line.description,
            money(line.due),
            money(line.paid),
            money(line.charged),
            money(line.passed_on),
            money(line.balance)
        ));
    }
    out
}
