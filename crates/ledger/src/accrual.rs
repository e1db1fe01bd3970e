//! What falls due, period by period, from the liability schedule; and how
//! old what is unpaid is.

use case_records::{
    CaseHistory, CaseReference, Change, Frequency, PeriodDifference, Schedule, ServiceType,
};
use domain_types::{Date, PartsPerMillion, Pence};
use legal_parameters::Parameters;

use crate::{Account, AccountKind, Transfer, TransferCode, TransferId};

/// How a case is collected, for its fees: whether the service collects,
/// and whether a parent's collection fee is waived because they moved to
/// Collect and Pay because of domestic abuse (the rule, following
/// the Government's commitment alongside the Child Support Collection
/// (Domestic Abuse) Act 2023 that survivors pay no collection fee).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectionTerms {
    /// Collect and Pay (fees may apply); otherwise Direct Pay (no fees).
    pub collect_and_pay: bool,
    /// The paying parent's 20% is waived.
    pub paying_parent_fee_waived: bool,
    /// The receiving parent's 4% is waived.
    pub receiving_parent_fee_waived: bool,
}

impl CollectionTerms {
    /// Collect and Pay with every fee that the law charges.
    pub const COLLECT_AND_PAY: CollectionTerms = CollectionTerms {
        collect_and_pay: true,
        paying_parent_fee_waived: false,
        receiving_parent_fee_waived: false,
    };

    /// Direct Pay: no collection fees (Fees Regs 2014 reg 7; rules.md §3.2).
    pub const DIRECT_PAY: CollectionTerms = CollectionTerms {
        collect_and_pay: false,
        paying_parent_fee_waived: false,
        receiving_parent_fee_waived: false,
    };
}

impl CollectionTerms {
    /// The terms in force on `on`, as known on `known_on`: the latest
    /// service type and fee waiver taking effect by then. Direct Pay until a
    /// case says otherwise: it is the default (A91 s.4(2A); rules.md §4).
    /// Where `parameters` say Direct Pay no longer exists on `on` (the
    /// reformed single service, modelled), every case is collected.
    #[must_use]
    pub fn on(
        history: &CaseHistory,
        on: Date,
        known_on: Date,
        parameters: &Parameters,
    ) -> CollectionTerms {
        let mut terms = CollectionTerms::DIRECT_PAY;
        let mut events: Vec<&case_records::FactEvent> = history
            .events
            .iter()
            .filter(|e| e.effective_from <= on && e.recorded_on <= known_on)
            .collect();
        // Later effect wins; for the same day, the later record.
        events.sort_by_key(|e| (e.effective_from, e.recorded_on));
        for event in events {
            match event.change {
                Change::ServiceType(service) => {
                    terms.collect_and_pay = service == ServiceType::CollectAndPay;
                }
                Change::CollectionFeeWaiver {
                    paying_parent,
                    receiving_parent,
                } => {
                    terms.paying_parent_fee_waived = paying_parent;
                    terms.receiving_parent_fee_waived = receiving_parent;
                }
                _ => {}
            }
        }
        if parameters.at(on).is_ok_and(|set| !set.direct_pay_available) {
            terms.collect_and_pay = true;
        }
        terms
    }
}

/// The receiving parent's collection fee rate on `date`, if one applies:
/// Collect and Pay, the Fees Regulations in force, and no waiver.
#[must_use]
pub fn receiving_parent_fee(
    terms: CollectionTerms,
    parameters: &Parameters,
    date: Date,
) -> Option<PartsPerMillion> {
    if !terms.collect_and_pay || terms.receiving_parent_fee_waived {
        return None;
    }
    let fees = parameters.at(date).ok()?.collection_fees?;
    Some(fees.receiving_parent)
}

/// Consecutive payment periods from `start`, the last cut short at `until`.
#[must_use]
pub fn payment_periods(start: Date, until: Date, frequency: Frequency) -> Vec<(Date, Date)> {
    let mut periods = Vec::new();
    let mut number = 0;
    let mut from = start;
    while from < until {
        number += 1;
        let next = match frequency {
            Frequency::Weekly => start.add_days(7 * number),
            Frequency::Fortnightly => start.add_days(14 * number),
            Frequency::FourWeekly => start.add_days(28 * number),
            // From the start each time, so 31 January gives 28 February then 31 March.
            Frequency::Monthly => start.add_months(number),
        };
        let to = next.map_or(until, |d| if d < until { d } else { until });
        periods.push((from, to));
        from = to;
    }
    periods
}

/// The transfers that make maintenance (and, on Collect and Pay, the paying
/// parent's collection fee, unless waived) fall due for each period: due on
/// the period's first day [I: maintenance is paid for the period ahead].
/// Ids name the case, period and receiving parent, so posting them again is
/// harmless.
#[must_use]
pub fn accrual_transfers(
    case: CaseReference,
    schedule: &Schedule,
    periods: &[(Date, Date)],
    terms: CollectionTerms,
    parameters: &Parameters,
) -> Vec<Transfer> {
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let mut transfers = Vec::new();
    for (from, to) in periods {
        let due = schedule.due(*from, *to);
        let mut total = Pence::ZERO;
        for (receiving_parent, amount) in due.into_iter().filter(|(_, a)| *a > Pence::ZERO) {
            total = total.checked_add(amount).expect("bounded by the cap");
            transfers.push(Transfer {
                id: TransferId(format!("{case}/accrual/{from}/rp{}", receiving_parent.0)),
                debit: owes,
                credit: Account::of_case(case, AccountKind::ReceivingParentDue(receiving_parent)),
                amount,
                code: TransferCode::Accrual,
                effective: *from,
                corrects: None,
            });
        }
        // Fees Regulations 2014 reg 7: 20% on top for the paying parent,
        // on Collect and Pay only, where in force on the day (rounded half
        // up to the penny, rules.md §3.2 [I]).
        let fee = paying_parent_fee(total, *from, terms, parameters);
        if fee > Pence::ZERO {
            transfers.push(Transfer {
                id: TransferId(format!("{case}/paying-parent-fee/{from}")),
                debit: owes,
                credit: Account::of_case(case, AccountKind::PayingParentFees),
                amount: fee,
                code: TransferCode::PayingParentFee,
                effective: *from,
                corrects: None,
            });
        }
    }
    transfers
}

fn paying_parent_fee(
    total: Pence,
    date: Date,
    terms: CollectionTerms,
    parameters: &Parameters,
) -> Pence {
    if !terms.collect_and_pay || terms.paying_parent_fee_waived {
        return Pence::ZERO;
    }
    let Some(fees) = parameters.at(date).ok().and_then(|set| set.collection_fees) else {
        return Pence::ZERO;
    };
    fees.paying_parent.of(total)
}

/// The adjustments a backdated recalculation posts: for each period and
/// receiving parent whose amount due moved, a transfer for the difference,
/// and on Collect and Pay the difference in the paying parent's 20% fee for
/// the period (the fee on the new total less the fee on the old, so the
/// period ends charged exactly what an accrual on the new amount would
/// have charged). All dated the day the change was recorded; history is
/// never rewritten.
#[must_use]
pub fn adjustment_transfers(
    case: CaseReference,
    differences: &[PeriodDifference],
    recorded_on: Date,
    terms: CollectionTerms,
    parameters: &Parameters,
) -> Vec<Transfer> {
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let fees = Account::of_case(case, AccountKind::PayingParentFees);
    let mut transfers = Vec::new();
    let mut by_period: Vec<(Date, u64, u64)> = Vec::new();
    for difference in differences {
        let due = Account::of_case(
            case,
            AccountKind::ReceivingParentDue(difference.receiving_parent),
        );
        let id = TransferId(format!(
            "{case}/adjustment/{recorded_on}/{}/rp{}",
            difference.from, difference.receiving_parent.0
        ));
        let (debit, credit, amount) = if difference.owed() > Pence::ZERO {
            (owes, due, difference.owed())
        } else {
            (due, owes, difference.overpaid())
        };
        if amount > Pence::ZERO {
            transfers.push(Transfer {
                id,
                debit,
                credit,
                amount,
                code: TransferCode::Adjustment,
                effective: recorded_on,
                corrects: None,
            });
        }
        match by_period.last_mut() {
            Some((from, previously, now)) if *from == difference.from => {
                *previously += difference.previously_due.get();
                *now += difference.now_due.get();
            }
            _ => by_period.push((
                difference.from,
                difference.previously_due.get(),
                difference.now_due.get(),
            )),
        }
    }
    for (from, previously, now) in by_period {
        // Only receiving parents whose amount moved are in the totals; the
        // others' fee is unchanged, and 20% of a sum is additive to within
        // the rounding of each accrual [I].
        let before = paying_parent_fee(Pence::new(previously), from, terms, parameters);
        let after = paying_parent_fee(Pence::new(now), from, terms, parameters);
        let (debit, credit, amount) = if after > before {
            (owes, fees, Pence::new(after.get() - before.get()))
        } else {
            (fees, owes, Pence::new(before.get() - after.get()))
        };
        if amount > Pence::ZERO {
            transfers.push(Transfer {
                id: TransferId(format!("{case}/fee-adjustment/{recorded_on}/{from}")),
                debit,
                credit,
                amount,
                code: TransferCode::Adjustment,
                effective: recorded_on,
                corrects: None,
            });
        }
    }
    transfers
}

/// What the paying parent has not paid, by how long past its due date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgedArrears {
    /// Due up to 30 days ago.
    pub up_to_30_days: Pence,
    /// Due 31 to 90 days ago.
    pub from_31_to_90_days: Pence,
    /// Due more than 90 days ago.
    pub over_90_days: Pence,
}

impl AgedArrears {
    /// All arrears.
    #[must_use]
    pub fn total(&self) -> Pence {
        Pence::new(
            self.up_to_30_days.get() + self.from_31_to_90_days.get() + self.over_90_days.get(),
        )
    }
}

/// The case's payment frequency: the first one it chose, or weekly [I: a
/// change of frequency re-bases periods, which would need the periods
/// already accrued closed first; not yet supported, so later choices are
/// not applied].
#[must_use]
pub fn payment_frequency(history: &CaseHistory) -> Frequency {
    history
        .events
        .iter()
        .find_map(|e| match e.change {
            Change::PaymentFrequency(f) => Some(f),
            _ => None,
        })
        .unwrap_or(Frequency::Weekly)
}

/// What a daily collection run for day `date` posts for one case: each
/// period that has started is accrued on what was known on its first day,
/// and every started period is adjusted by what changed between what was
/// known at the previous run (`since`, or the period's first day if later)
/// and what is known on `date`. Run after each day's recording has closed,
/// every day (or with `since` the last day run), the amounts posted for a
/// period always add up to what the latest schedule says, and running a
/// day again posts nothing new.
///
/// # Errors
/// The schedule cannot be worked out (circumstances the calculation refuses).
pub fn daily_transfers(
    case: CaseReference,
    history: &CaseHistory,
    parameters: &Parameters,
    frequency: Frequency,
    since: Date,
    date: Date,
) -> Result<Vec<Transfer>, case_records::ScheduleError> {
    let Some(start) = history.initial_effective_date else {
        return Ok(Vec::new());
    };
    let horizon = date.add_years(1).expect("a date");
    let periods: Vec<(Date, Date)> = payment_periods(start, horizon, frequency)
        .into_iter()
        .filter(|(from, _)| *from <= date)
        .collect();
    let end = periods.last().map_or(horizon, |(_, to)| *to);
    // What was known on a day depends only on the facts recorded by then,
    // so one schedule serves every day between two recordings: a case with
    // a year of periods and three recordings works out three schedules, not
    // a year's worth, and none is copied.
    let knowledge = |on: Date| {
        history
            .events
            .iter()
            .map(|e| e.recorded_on)
            .filter(|recorded| *recorded <= on)
            .max()
    };
    let mut schedules: Vec<(Option<Date>, Schedule)> = vec![(
        knowledge(date),
        case_records::liability_schedule(history, parameters, date, end)?,
    )];
    let known = |on: Date,
                 schedules: &mut Vec<(Option<Date>, Schedule)>|
     -> Result<usize, case_records::ScheduleError> {
        let key = knowledge(on);
        if let Some(index) = schedules.iter().position(|(k, _)| *k == key) {
            return Ok(index);
        }
        schedules.push((
            key,
            case_records::liability_schedule(history, parameters, on, end)?,
        ));
        Ok(schedules.len() - 1)
    };
    let mut transfers = Vec::new();
    for period in &periods {
        let (from, _) = *period;
        let terms = CollectionTerms::on(history, from, date, parameters);
        let at_start = known(from, &mut schedules)?;
        transfers.extend(accrual_transfers(
            case,
            &schedules[at_start].1,
            std::slice::from_ref(period),
            CollectionTerms::on(history, from, from, parameters),
            parameters,
        ));
        if from < date {
            let then_day = if since > from { since } else { from };
            let then = known(then_day, &mut schedules)?;
            let moved = case_records::differences(
                &schedules[then].1,
                &schedules[0].1,
                std::slice::from_ref(period),
            );
            transfers.extend(adjustment_transfers(case, &moved, date, terms, parameters));
        }
    }
    Ok(transfers)
}
