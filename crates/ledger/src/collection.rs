//! Collect and Pay: which debts the paying parent's money settles, what is
//! passed on to each receiving parent (less their collection fee), and
//! which payments were missed or late.
//!
//! Everything here is worked out from a case's transfers, so it can be
//! re-run at any time and always gives the same answer for the same book.

use std::collections::{BTreeMap, BTreeSet};

use case_records::{CaseReference, ReceivingParentId};
use domain_types::{Date, PartsPerMillion, Pence};
use legal_parameters::{CalendarNotCoded, WorkingDays};

use crate::{Account, AccountKind, AgedArrears, Transfer, TransferCode, TransferId};

/// What a debt of the paying parent is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DebtKind {
    /// Maintenance for a receiving parent.
    Maintenance(ReceivingParentId),
    /// The paying parent's collection fee.
    CollectionFee,
    /// An enforcement charge.
    EnforcementCharge,
}

/// One debt and what is left of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Debt {
    /// The day it fell due.
    pub due: Date,
    /// What it is for.
    pub kind: DebtKind,
    /// The amount that fell due, after any reductions.
    pub amount: Pence,
    /// What is still unpaid.
    pub unpaid: Pence,
}

/// How the paying parent's money has been applied, as of a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocation {
    /// Every debt in the order money settles them, with what is unpaid.
    pub debts: Vec<Debt>,
    /// Money collected for each receiving parent's maintenance, including
    /// whatever has already been passed on to them.
    pub collected_for: BTreeMap<ReceivingParentId, Pence>,
    /// What has been passed on to each receiving parent (paid to them, and
    /// their fee kept), less anything returned.
    pub passed_on: BTreeMap<ReceivingParentId, Pence>,
    /// Passed on to a receiving parent beyond what is now due to them,
    /// because a later recalculation lowered it: the paying parent is in
    /// credit by this much and the service must recover it.
    pub overpaid_to: BTreeMap<ReceivingParentId, Pence>,
    /// Passed on to a receiving parent but no longer covered by money, because
    /// a payment was reversed (bounced) after it was passed on: the service
    /// is out of pocket by this much until the paying parent pays again.
    pub passed_on_uncovered: BTreeMap<ReceivingParentId, Pence>,
    /// Money collected that settled collection fees.
    pub fees_collected: Pence,
    /// Money collected that settled enforcement charges.
    pub charges_collected: Pence,
    /// Money collected beyond every debt: held for the paying parent.
    pub held_for_paying_parent: Pence,
}

impl Allocation {
    /// Everything still unpaid: the case's arrears.
    #[must_use]
    pub fn arrears(&self) -> Pence {
        Pence::new(self.debts.iter().map(|debt| debt.unpaid.get()).sum())
    }

    /// What is unpaid, by how long past its due date on `as_of` (0–30,
    /// 31–90, 91+ days), after money has settled debts in this
    /// allocation's order.
    #[must_use]
    pub fn aged(&self, as_of: Date) -> AgedArrears {
        let mut aged = AgedArrears::default();
        for debt in &self.debts {
            let bucket = match debt.due.days_until(as_of) {
                ..=30 => &mut aged.up_to_30_days,
                31..=90 => &mut aged.from_31_to_90_days,
                _ => &mut aged.over_90_days,
            };
            *bucket = add(*bucket, debt.unpaid);
        }
        aged
    }
}

fn add(a: Pence, b: Pence) -> Pence {
    a.checked_add(b).expect("a case's money fits in u64 pence")
}

fn sub(a: Pence, b: Pence) -> Pence {
    Pence::new(a.get().checked_sub(b.get()).expect("never below zero"))
}

fn add_to<K: Ord>(map: &mut BTreeMap<K, Pence>, key: K, amount: Pence) {
    let entry = map.entry(key).or_insert(Pence::ZERO);
    *entry = add(*entry, amount);
}

fn debt_kind(account: Account) -> Option<DebtKind> {
    match account.kind {
        AccountKind::ReceivingParentDue(rp) => Some(DebtKind::Maintenance(rp)),
        AccountKind::PayingParentFees => Some(DebtKind::CollectionFee),
        AccountKind::EnforcementCharges => Some(DebtKind::EnforcementCharge),
        _ => None,
    }
}

const fn is_payout(code: TransferCode) -> bool {
    matches!(
        code,
        TransferCode::Disbursement | TransferCode::ReceivingParentFee
    )
}

/// Applies a case's money to its debts, as of `as_of` (transfers effective
/// later are ignored).
///
/// Order of settlement [I: rules.md gives none beyond the charges]: money
/// already passed on to a receiving parent stays theirs; the rest settles
/// the oldest debt first; on the same day maintenance before the collection
/// fee; enforcement charges only once all maintenance and fees are paid
/// ("Enforcement charges are only collected once the ongoing maintenance and
/// any arrears due have been paid", PQ 60231, rules.md §3.3).
///
/// Reductions that are not money (a backdated recalculation lowering what
/// was due, a reversed accrual or a waived charge) reduce the oldest debts
/// of their own kind first. A reversed payment takes its money back.
#[must_use]
pub fn allocate(transfers: &[Transfer], case: CaseReference, as_of: Date) -> Allocation {
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let mut debts: Vec<Debt> = Vec::new();
    let mut reductions: BTreeMap<DebtKind, Pence> = BTreeMap::new();
    let mut money = Pence::ZERO;
    let mut reversed = Pence::ZERO;
    let mut payouts: BTreeMap<ReceivingParentId, i128> = BTreeMap::new();
    let payout_ids: BTreeSet<&TransferId> = transfers
        .iter()
        .filter(|t| is_payout(t.code))
        .map(|t| &t.id)
        .collect();
    for transfer in transfers.iter().filter(|t| t.effective <= as_of) {
        if transfer.debit == owes {
            match debt_kind(transfer.credit) {
                Some(kind) => debts.push(Debt {
                    due: transfer.effective,
                    kind,
                    amount: transfer.amount,
                    unpaid: transfer.amount,
                }),
                // Money returned to the payer or a bounced payment reversed.
                None => reversed = add(reversed, transfer.amount),
            }
        } else if transfer.credit == owes {
            match debt_kind(transfer.debit) {
                Some(kind) => add_to(&mut reductions, kind, transfer.amount),
                None => money = add(money, transfer.amount),
            }
        } else if let (AccountKind::ReceivingParentDue(rp), true) =
            (transfer.debit.kind, is_payout(transfer.code))
        {
            *payouts.entry(rp).or_default() += i128::from(transfer.amount.get());
        } else if let (AccountKind::ReceivingParentDue(rp), Some(original)) =
            (transfer.credit.kind, &transfer.corrects)
        {
            // A returned disbursement is owed to them again.
            if payout_ids.contains(original) {
                *payouts.entry(rp).or_default() -= i128::from(transfer.amount.get());
            }
        }
    }
    debts.sort_by_key(|debt| {
        (
            matches!(debt.kind, DebtKind::EnforcementCharge),
            debt.due,
            debt.kind,
        )
    });
    for debt in &mut debts {
        if let Some(left) = reductions.get_mut(&debt.kind) {
            let taken = (*left).min(debt.unpaid);
            *left = sub(*left, taken);
            debt.amount = sub(debt.amount, taken);
            debt.unpaid = sub(debt.unpaid, taken);
        }
    }
    let mut allocation = Allocation::default();
    let mut pool = Pence::new(money.get().saturating_sub(reversed.get()));
    // What was passed on is spent: it settles that receiving parent's own
    // debts first, and anything beyond them was overpaid to them.
    for (rp, passed) in payouts {
        let passed = Pence::new(u64::try_from(passed.max(0)).expect("bounded"));
        let mut locked = passed.min(pool);
        pool = sub(pool, locked);
        if locked < passed {
            add_to(&mut allocation.passed_on_uncovered, rp, sub(passed, locked));
        }
        add_to(&mut allocation.passed_on, rp, passed);
        add_to(&mut allocation.collected_for, rp, locked);
        for debt in debts
            .iter_mut()
            .filter(|debt| debt.kind == DebtKind::Maintenance(rp))
        {
            let paid = locked.min(debt.unpaid);
            locked = sub(locked, paid);
            debt.unpaid = sub(debt.unpaid, paid);
        }
        if locked > Pence::ZERO {
            add_to(&mut allocation.overpaid_to, rp, locked);
        }
    }
    for debt in &mut debts {
        let paid = pool.min(debt.unpaid);
        pool = sub(pool, paid);
        debt.unpaid = sub(debt.unpaid, paid);
        match debt.kind {
            DebtKind::Maintenance(rp) => add_to(&mut allocation.collected_for, rp, paid),
            DebtKind::CollectionFee => {
                allocation.fees_collected = add(allocation.fees_collected, paid);
            }
            DebtKind::EnforcementCharge => {
                allocation.charges_collected = add(allocation.charges_collected, paid);
            }
        }
    }
    debts.retain(|debt| debt.amount > Pence::ZERO);
    allocation.debts = debts;
    allocation.held_for_paying_parent = pool;
    allocation
}

/// One payment to a receiving parent, and the fee kept from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disbursement {
    /// The case.
    pub case: CaseReference,
    /// Who is paid.
    pub receiving_parent: ReceivingParentId,
    /// Collected for them and not yet passed on.
    pub gross: Pence,
    /// The receiving parent's collection fee kept from it.
    pub fee: Pence,
    /// What is paid to them: gross less fee.
    pub net: Pence,
    /// The id of the disbursement transfer, also the payment's end-to-end
    /// id in the payment file, so a bank's report names it exactly.
    pub id: TransferId,
}

/// What a disbursement run makes of one case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DisbursementRun {
    /// The payments to make.
    pub disbursements: Vec<Disbursement>,
    /// The transfers recording them (fee and disbursement per payment).
    pub transfers: Vec<Transfer>,
    /// Receiving parents with money waiting who are held, and how much.
    pub held: Vec<(ReceivingParentId, Pence)>,
}

/// Passes on to each receiving parent what has been collected for them and
/// not yet passed on, as of `run_on`, keeping their collection fee
/// (`receiving_parent_fee`: 4% under Fees Regs 2014 reg 7 from 11 August
/// 2014, `None` where no fee applies or it is waived). The fee is worked out
/// on each run's amount and rounded half up to the penny [I: rules.md §3.2
/// rounds the weekly view; the regulation charges each payment collected].
///
/// Run every working day, this pays each receipt within two working days
/// ([`pay_by`]). A held receiving parent is paid nothing until released; what
/// is waiting for them is reported. Ids carry the running total collected,
/// so running again on the same book posts nothing new.
#[must_use]
pub fn disbursement_run(
    transfers: &[Transfer],
    case: CaseReference,
    run_on: Date,
    receiving_parent_fee: Option<PartsPerMillion>,
    held: &BTreeSet<ReceivingParentId>,
) -> DisbursementRun {
    let allocation = allocate(transfers, case, run_on);
    let mut run = DisbursementRun::default();
    for (rp, collected) in allocation.collected_for {
        let due = Account::of_case(case, AccountKind::ReceivingParentDue(rp));
        let passed_on = allocation
            .passed_on
            .get(&rp)
            .copied()
            .unwrap_or(Pence::ZERO);
        if collected <= passed_on {
            continue;
        }
        let gross = sub(collected, passed_on);
        if held.contains(&rp) {
            run.held.push((rp, gross));
            continue;
        }
        let fee = receiving_parent_fee.map_or(Pence::ZERO, |rate| rate.of(gross));
        let net = sub(gross, fee);
        let stem = format!("{case}/rp{}/collected-{}", rp.0, collected.get());
        let id = TransferId(format!("{stem}/disbursement"));
        if fee > Pence::ZERO {
            run.transfers.push(Transfer {
                id: TransferId(format!("{stem}/receiving-parent-fee")),
                debit: due,
                credit: Account::of_case(case, AccountKind::ReceivingParentFees),
                amount: fee,
                code: TransferCode::ReceivingParentFee,
                effective: run_on,
                corrects: None,
            });
        }
        if net > Pence::ZERO {
            run.transfers.push(Transfer {
                id: id.clone(),
                debit: due,
                credit: Account::BANK,
                amount: net,
                code: TransferCode::Disbursement,
                effective: run_on,
                corrects: None,
            });
        }
        run.disbursements.push(Disbursement {
            case,
            receiving_parent: rp,
            gross,
            fee,
            net,
            id,
        });
    }
    run
}

/// The last day a payment received on `received` may be passed on: two
/// working days later (the service standard this issue sets).
///
/// # Errors
/// The date is outside the working-day calendar.
pub fn pay_by(received: Date, calendar: &WorkingDays) -> Result<Date, CalendarNotCoded> {
    calendar.add_working_days(received, 2)
}

/// How one payment period went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodOutcome {
    /// Everything due by the due date was paid by then.
    OnTime,
    /// Paid in full later, on this day.
    Late(Date),
    /// Not yet paid in full: noticed on the working day after the due date.
    Missed {
        /// The day the shortfall was noticed.
        noticed_on: Date,
        /// What was still unpaid of what was due by the due date.
        shortfall: Pence,
    },
    /// The due date has not yet been checked (the next working day is
    /// after the day asked about).
    NotYetChecked,
}

/// A payment period's due date and outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodCompliance {
    /// The day payment was due (the period's first day).
    pub due: Date,
    /// What was due by then, in all (maintenance, fees and charges).
    pub due_by_then: Pence,
    /// How it went.
    pub outcome: PeriodOutcome,
}

/// The case's compliance with its payment schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Compliance {
    /// Each period checked.
    pub periods: Vec<PeriodCompliance>,
}

impl Compliance {
    /// Periods paid on time, out of those checked.
    #[must_use]
    pub fn on_time(&self) -> (usize, usize) {
        let checked = self
            .periods
            .iter()
            .filter(|p| p.outcome != PeriodOutcome::NotYetChecked)
            .count();
        let on_time = self
            .periods
            .iter()
            .filter(|p| p.outcome == PeriodOutcome::OnTime)
            .count();
        (on_time, checked)
    }

    /// The periods still unpaid.
    pub fn missed(&self) -> impl Iterator<Item = &PeriodCompliance> {
        self.periods
            .iter()
            .filter(|p| matches!(p.outcome, PeriodOutcome::Missed { .. }))
    }
}

/// Checks each payment period's due date: was everything due by then paid
/// by then? A payment not received by its due date is noticed on the next
/// working day ([`WorkingDays::next_working_day`]); a period whose next
/// working day is after `as_of` is not yet checked. Only the paying
/// parent's maintenance, collection fees and payments count (enforcement
/// charges come after, and are not part of the schedule); reductions count
/// on the day they take effect.
///
/// # Errors
/// A due date outside the working-day calendar.
pub fn compliance(
    transfers: &[Transfer],
    case: CaseReference,
    due_dates: &[Date],
    as_of: Date,
    calendar: &WorkingDays,
) -> Result<Compliance, CalendarNotCoded> {
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    // (day, change to what is owed): debits raise it, credits lower it.
    let mut movements: Vec<(Date, i128)> = Vec::new();
    for transfer in transfers.iter().filter(|t| t.effective <= as_of) {
        // Enforcement charges are collected only after maintenance and
        // arrears (PQ 60231): an unpaid charge is not a missed payment.
        let is_charge = transfer.debit.kind == AccountKind::EnforcementCharges
            || transfer.credit.kind == AccountKind::EnforcementCharges;
        if is_charge {
            continue;
        }
        let amount = i128::from(transfer.amount.get());
        if transfer.debit == owes {
            movements.push((transfer.effective, amount));
        } else if transfer.credit == owes {
            movements.push((transfer.effective, -amount));
        }
    }
    movements.sort_by_key(|(day, _)| *day);
    // Running totals after each movement: what is owed, and what has
    // fallen due, so each due date is answered by one search.
    let mut owed_after = vec![0i128];
    let mut due_after = vec![0i128];
    for (_, amount) in &movements {
        owed_after.push(owed_after[owed_after.len() - 1] + amount);
        due_after.push(due_after[due_after.len() - 1] + (*amount).max(0));
    }
    let mut compliance = Compliance::default();
    for due in due_dates.iter().copied().filter(|d| *d <= as_of) {
        let upto = movements.partition_point(|(d, _)| *d <= due);
        let owed = owed_after[upto];
        let due_by_then = Pence::new(u64::try_from(due_after[upto]).expect("positive"));
        let noticed_on = calendar.next_working_day(due)?;
        let outcome = if owed <= 0 {
            PeriodOutcome::OnTime
        } else if noticed_on > as_of {
            PeriodOutcome::NotYetChecked
        } else {
            // Paid later? The first day on which what was owed at the due
            // date has been met by money or reductions since.
            let mut left = owed;
            let mut settled_on = None;
            for (day, amount) in &movements[upto..] {
                if *amount < 0 {
                    left += amount;
                    if left <= 0 {
                        settled_on = Some(*day);
                        break;
                    }
                }
            }
            match settled_on {
                Some(day) => PeriodOutcome::Late(day),
                None => PeriodOutcome::Missed {
                    noticed_on,
                    shortfall: Pence::new(u64::try_from(left).expect("positive")),
                },
            }
        };
        compliance.periods.push(PeriodCompliance {
            due,
            due_by_then,
            outcome,
        });
    }
    Ok(compliance)
}
