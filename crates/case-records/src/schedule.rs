//! From facts to the liability schedule, and from two schedules to the
//! exact difference for each period.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use domain_types::{Date, Pence, round_half_up_div};
use legal_parameters::{BenefitSet, Parameters};
use maintenance_calculation::{
    Basis, CalculationError, CalculationRequest, Income, Nights, NilRateReason, OtherChildren,
    PayingParent, Rate, ReceivingParents, Variations, calculate, weekly_from_annual,
};

use crate::facts::{CaseHistory, Change, ChildId, FactEvent, ReceivingParentId};

/// Why a schedule could not be derived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// The case has no initial effective date yet.
    NotStarted,
    /// The calculation refused the circumstances in force on a date.
    Calculation {
        /// The date the circumstances applied from.
        date: Date,
        /// The calculation's reason.
        error: CalculationError,
    },
    /// A change names a child the case does not have.
    UnknownChild {
        /// The date of the change.
        date: Date,
        /// The child.
        child: ChildId,
    },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::NotStarted => f.write_str("the case has no initial effective date"),
            ScheduleError::Calculation { date, error } => {
                write!(
                    f,
                    "the circumstances from {date} cannot be calculated: {error}"
                )
            }
            ScheduleError::UnknownChild { date, child } => {
                write!(
                    f,
                    "a change on {date} names child {} who is not in the case",
                    child.0
                )
            }
        }
    }
}

impl std::error::Error for ScheduleError {}

/// Why the amount due changed at the start of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SegmentReason {
    /// The initial effective date.
    Start,
    /// An annual review took the latest income (2012 Regs regs 19–20).
    AnnualReview,
    /// Income changed by 25% or more between reviews (reg 23).
    IncomeChangedByQuarterOrMore,
    /// Another change of circumstances.
    Circumstances,
    /// A figure of the law changed on this date.
    LawChanged,
    /// The case closed, or no qualifying child remains.
    Ended,
}

/// A stretch of time with one weekly amount for each receiving parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// The first day.
    pub from: Date,
    /// The day after the last (exclusive).
    pub to: Date,
    /// The weekly amount due to each receiving parent.
    pub weekly: BTreeMap<ReceivingParentId, Pence>,
    /// The rate, or `None` once the liability has ended.
    pub rate: Option<Rate>,
    /// The weekly income the calculation used.
    pub income_used: Option<Pence>,
    /// The parameter-set version used.
    pub parameters: Option<String>,
    /// What changed at `from`.
    pub reasons: BTreeSet<SegmentReason>,
}

/// The weekly amounts due over time, as known on one date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Only changes recorded on or before this day were taken into account.
    pub known_on: Date,
    /// Consecutive segments from the initial effective date.
    pub segments: Vec<Segment>,
}

impl Schedule {
    /// The segment in force on `date`, if the schedule covers it.
    #[must_use]
    pub fn on(&self, date: Date) -> Option<&Segment> {
        self.segments.iter().find(|s| s.from <= date && date < s.to)
    }

    /// What was due to each receiving parent for the days `from` to `to`
    /// (exclusive): each weekly amount times the days it applied, divided by
    /// seven, rounded half up once for the period [I: daily apportionment
    /// of a weekly liability, as rules.md §3.2 treats the daily fee].
    #[must_use]
    pub fn due(&self, from: Date, to: Date) -> BTreeMap<ReceivingParentId, Pence> {
        let mut pence_days: BTreeMap<ReceivingParentId, u128> = BTreeMap::new();
        for segment in &self.segments {
            let start = if segment.from > from {
                segment.from
            } else {
                from
            };
            let end = if segment.to < to { segment.to } else { to };
            let days = start.days_until(end);
            if days <= 0 {
                continue;
            }
            for (receiving_parent, weekly) in &segment.weekly {
                *pence_days.entry(*receiving_parent).or_default() +=
                    u128::from(weekly.get()) * u128::try_from(days).expect("positive");
            }
        }
        pence_days
            .into_iter()
            .map(|(receiving_parent, total)| {
                let pence = u64::try_from(round_half_up_div(total, 7)).expect("bounded by the cap");
                (receiving_parent, Pence::new(pence))
            })
            .collect()
    }
}

/// The circumstances in force while walking the events.
#[derive(Default)]
pub(crate) struct State {
    reported_income: Option<Pence>,
    used_income: Option<Pence>,
    benefits: BenefitSet,
    partner_benefits: BenefitSet,
    partner_is_paying_parent_with_calculation: bool,
    nil_rate_reason: Option<NilRateReason>,
    relevant_other_children: OtherChildren,
    other_arrangement_children: OtherChildren,
    variations: Variations,
    /// The qualifying children now, each with who cares for them.
    children: BTreeMap<ChildId, ReceivingParentId>,
    /// The nights found for each child the case has known, kept when a
    /// child leaves: see [`Change::ChildJoined`] in `apply`.
    nights: BTreeMap<ChildId, Nights>,
    closed: bool,
}

impl State {
    /// Applies one change; returns whether it was a report of income.
    fn apply(&mut self, event: &FactEvent, date: Date) -> Result<bool, ScheduleError> {
        match &event.change {
            Change::Income(income) => {
                self.reported_income = Some(match *income {
                    Income::Weekly(weekly) => weekly,
                    Income::Annual(annual) => weekly_from_annual(annual),
                });
                return Ok(true);
            }
            Change::Benefits {
                own,
                partner,
                partner_is_paying_parent_with_calculation,
            } => {
                self.benefits = *own;
                self.partner_benefits = *partner;
                self.partner_is_paying_parent_with_calculation =
                    *partner_is_paying_parent_with_calculation;
            }
            Change::NilRateReason(reason) => self.nil_rate_reason = *reason,
            Change::RelevantOtherChildren(count) => self.relevant_other_children = *count,
            Change::OtherArrangementChildren(count) => self.other_arrangement_children = *count,
            Change::Variations(variations) => self.variations = *variations,
            Change::ChildJoined {
                child,
                receiving_parent,
            } => {
                // A child who leaves and qualifies again keeps the nights
                // found for them before (rules.md §2.11: the decrease is by
                // the nights the paying parent has the child overnight, a
                // finding about the child's care that leaving and
                // qualifying again does not change). Only a shared-care
                // fact changes it; a child new to the case starts at none.
                self.children.insert(*child, *receiving_parent);
                self.nights.entry(*child).or_default();
            }
            Change::ChildLeft { child } => {
                self.children
                    .remove(child)
                    .ok_or(ScheduleError::UnknownChild {
                        date,
                        child: *child,
                    })?;
            }
            Change::SharedCare { child, nights } => {
                // A finding for a child the case has had, in it now or away
                // for a while (it is the finding when they qualify again);
                // a child the case never had is refused.
                if !self.nights.contains_key(child) {
                    return Err(ScheduleError::UnknownChild {
                        date,
                        child: *child,
                    });
                }
                self.nights.insert(*child, *nights);
            }
            // The service type changes fees, not what is due.
            Change::ServiceType(_)
            | Change::CollectionFeeWaiver { .. }
            | Change::PaymentFrequency(_) => {}
            Change::CaseClosed => self.closed = true,
            Change::CaseReopened => self.closed = false,
        }
        Ok(false)
    }

    /// reg 23 with reg 34(2A): a change of at least 25% of the income in
    /// use, or any income where none was.
    fn income_change_counts(&self) -> bool {
        match (self.used_income, self.reported_income) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(used), Some(reported)) => {
                let change = used.get().abs_diff(reported.get());
                u128::from(change) * 4 >= u128::from(used.get()) && change > 0
            }
        }
    }

    /// Receiving parents in id order with their children's nights; `None`
    /// when no qualifying child remains.
    fn receiving_parents(&self) -> Option<(Vec<ReceivingParentId>, ReceivingParents)> {
        let mut grouped: BTreeMap<ReceivingParentId, Vec<Nights>> = BTreeMap::new();
        for (child, receiving_parent) in &self.children {
            let nights = self.nights.get(child).copied().unwrap_or_default();
            grouped.entry(*receiving_parent).or_default().push(nights);
        }
        let ids: Vec<ReceivingParentId> = grouped.keys().copied().collect();
        ReceivingParents::new(grouped.into_values().collect())
            .ok()
            .map(|parents| (ids, parents))
    }

    fn request(&self, date: Date, receiving_parents: ReceivingParents) -> CalculationRequest {
        CalculationRequest {
            date,
            basis: Basis::PayingParent(PayingParent {
                income: self.used_income.map(Income::Weekly),
                benefits: self.benefits,
                partner_benefits: self.partner_benefits,
                partner_is_paying_parent_with_calculation: self
                    .partner_is_paying_parent_with_calculation,
                nil_rate_reason: self.nil_rate_reason,
                relevant_other_children: self.relevant_other_children,
                other_arrangement_children: self.other_arrangement_children,
                variations: self.variations,
            }),
            receiving_parents,
        }
    }
}

/// The liability schedule from the initial effective date up to `until`
/// (exclusive), taking into account only the changes recorded on or before
/// `known_on`.
///
/// Events effective before the initial effective date apply from it. At
/// each annual review (the anniversaries of the initial effective date) the
/// latest reported income is used; between reviews a reported income is
/// used only if it differs by 25% or more from the income in use
/// (rules.md §2.3). The amount is recalculated whenever circumstances or
/// the law change; a new segment starts only when an amount changes.
///
/// # Errors
/// No initial effective date, circumstances the calculation refuses, or a
/// change naming a child not in the case.
pub fn liability_schedule(
    history: &CaseHistory,
    parameters: &Parameters,
    known_on: Date,
    until: Date,
) -> Result<Schedule, ScheduleError> {
    walk(
        history,
        parameters,
        known_on,
        until,
        Lenience::None,
        |_, _| {},
    )
}

/// How the walk treats a calculation that wants an income not yet known.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lenience {
    /// Refused, as the schedule must be.
    None,
    /// Passed over as if nothing were due, so the walk goes on to find
    /// what the law itself cannot serve (`check_servable`): facts arrive
    /// one by one, and a child recorded before any income is not wrong.
    MissingIncome,
}

/// What the calculation in force on `on` was asked, as known on
/// `known_on`, with the receiving parents in the request's order: the
/// request of the last change before or on that day (the
/// schedule's own walk), so its explanation can be shown. `None` when no
/// liability runs that day (before the start, closed, or no child).
///
/// # Errors
/// As [`liability_schedule`].
pub fn calculation_request_on(
    history: &CaseHistory,
    parameters: &Parameters,
    known_on: Date,
    on: Date,
) -> Result<Option<(Vec<ReceivingParentId>, CalculationRequest)>, ScheduleError> {
    let mut found = None;
    let until = on.add_days(1).unwrap_or(on);
    walk(
        history,
        parameters,
        known_on,
        until,
        Lenience::None,
        |state, date| {
            found = if state.closed {
                None
            } else {
                state
                    .receiving_parents()
                    .map(|(ids, parents)| (ids, state.request(date, parents)))
            };
        },
    )?;
    Ok(found)
}

/// The schedule's walk over the change points, calling `visit` with the
/// circumstances at each one.
pub(crate) fn walk(
    history: &CaseHistory,
    parameters: &Parameters,
    known_on: Date,
    until: Date,
    lenience: Lenience,
    mut visit: impl FnMut(&State, Date),
) -> Result<Schedule, ScheduleError> {
    let start = history
        .initial_effective_date
        .ok_or(ScheduleError::NotStarted)?;
    let mut known: Vec<&FactEvent> = history
        .events
        .iter()
        .filter(|e| e.recorded_on <= known_on)
        .collect();
    // Stable: events on the same day apply in the order they were recorded.
    known.sort_by_key(|e| (e.effective_from.max(start), e.recorded_on));
    let reviews = review_dates(start, until);
    let mut change_points: BTreeSet<Date> =
        known.iter().map(|e| e.effective_from.max(start)).collect();
    change_points.extend(reviews.iter().copied());
    change_points.extend(
        parameters
            .sets()
            .iter()
            .map(|s| s.effective_from)
            .filter(|d| *d > start),
    );
    change_points.insert(start);

    let mut state = State::default();
    let mut segments: Vec<Segment> = Vec::new();
    let mut next_event = 0;
    for date in change_points
        .into_iter()
        .filter(|d| *d >= start && *d < until)
    {
        let mut reasons = BTreeSet::new();
        let mut income_reported = false;
        while next_event < known.len() && known[next_event].effective_from.max(start) == date {
            income_reported |= state.apply(known[next_event], date)?;
            if !matches!(known[next_event].change, Change::Income(_)) {
                reasons.insert(SegmentReason::Circumstances);
            }
            next_event += 1;
        }
        if date == start {
            state.used_income = state.reported_income;
            reasons.insert(SegmentReason::Start);
        } else if reviews.contains(&date) {
            state.used_income = state.reported_income;
            reasons.insert(SegmentReason::AnnualReview);
        } else if income_reported && state.income_change_counts() {
            state.used_income = state.reported_income;
            reasons.insert(SegmentReason::IncomeChangedByQuarterOrMore);
        }
        if parameters.sets().iter().any(|s| s.effective_from == date) && date != start {
            reasons.insert(SegmentReason::LawChanged);
        }
        visit(&state, date);
        let segment = segment_on(&state, date, parameters, reasons, lenience)?;
        match segments.last_mut() {
            Some(last) if last.weekly == segment.weekly && last.rate == segment.rate => {}
            Some(last) => {
                last.to = date;
                segments.push(segment);
            }
            None => segments.push(segment),
        }
        // Nothing more can be due once closed, unless it is reopened.
        if state.closed
            && !known[next_event..]
                .iter()
                .any(|e| e.change == Change::CaseReopened)
        {
            break;
        }
    }
    if let Some(last) = segments.last_mut() {
        last.to = until;
    }
    Ok(Schedule { known_on, segments })
}

fn segment_on(
    state: &State,
    date: Date,
    parameters: &Parameters,
    mut reasons: BTreeSet<SegmentReason>,
    lenience: Lenience,
) -> Result<Segment, ScheduleError> {
    let ended = |mut reasons: BTreeSet<SegmentReason>| {
        reasons.insert(SegmentReason::Ended);
        Segment {
            from: date,
            to: date,
            weekly: BTreeMap::new(),
            rate: None,
            income_used: None,
            parameters: None,
            reasons,
        }
    };
    if state.closed {
        return Ok(ended(reasons));
    }
    let Some((ids, receiving_parents)) = state.receiving_parents() else {
        return Ok(ended(reasons));
    };
    let calculation = match calculate(&state.request(date, receiving_parents), parameters) {
        Ok(calculation) => calculation,
        Err(CalculationError::IncomeRequired) if lenience == Lenience::MissingIncome => {
            return Ok(ended(reasons));
        }
        Err(error) => return Err(ScheduleError::Calculation { date, error }),
    };
    reasons.retain(|r| *r != SegmentReason::Ended);
    Ok(Segment {
        from: date,
        to: date,
        weekly: ids
            .into_iter()
            .zip(calculation.weekly_amounts.iter().copied())
            .collect(),
        rate: Some(calculation.rate),
        income_used: state.used_income,
        parameters: Some(calculation.parameters.version.clone()),
        reasons,
    })
}

/// The anniversaries of `start` before `until`.
fn review_dates(start: Date, until: Date) -> BTreeSet<Date> {
    (1..)
        .map_while(|years| start.add_years(years).filter(|d| *d < until))
        .collect()
}

/// Consecutive weeks from `start`, the last cut short at `until`.
#[must_use]
pub fn weekly_periods(start: Date, until: Date) -> Vec<(Date, Date)> {
    let mut periods = Vec::new();
    let mut from = start;
    while from < until {
        let to = from
            .add_days(7)
            .map_or(until, |d| if d < until { d } else { until });
        periods.push((from, to));
        from = to;
    }
    periods
}

/// How much one period's amount due to one receiving parent moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodDifference {
    /// First day of the period.
    pub from: Date,
    /// Day after the last.
    pub to: Date,
    /// The receiving parent.
    pub receiving_parent: ReceivingParentId,
    /// Due under the earlier schedule.
    pub previously_due: Pence,
    /// Due under the later schedule.
    pub now_due: Pence,
}

impl PeriodDifference {
    /// What the paying parent owes on top of what was due before.
    #[must_use]
    pub fn owed(&self) -> Pence {
        self.now_due.saturating_sub(self.previously_due)
    }

    /// What the paying parent was charged that is no longer due.
    #[must_use]
    pub fn overpaid(&self) -> Pence {
        self.previously_due.saturating_sub(self.now_due)
    }
}

/// Every period and receiving parent whose amount due differs between
/// `before` and `after`, in period order: what the ledger posts as
/// adjustments when a backdated change arrives (it never rewrites history).
#[must_use]
pub fn differences(
    before: &Schedule,
    after: &Schedule,
    periods: &[(Date, Date)],
) -> Vec<PeriodDifference> {
    let mut result = Vec::new();
    for (from, to) in periods {
        let previously = before.due(*from, *to);
        let now = after.due(*from, *to);
        let parents: BTreeSet<ReceivingParentId> =
            previously.keys().chain(now.keys()).copied().collect();
        for receiving_parent in parents {
            let previously_due = previously
                .get(&receiving_parent)
                .copied()
                .unwrap_or_default();
            let now_due = now.get(&receiving_parent).copied().unwrap_or_default();
            if previously_due != now_due {
                result.push(PeriodDifference {
                    from: *from,
                    to: *to,
                    receiving_parent,
                    previously_due,
                    now_due,
                });
            }
        }
    }
    result
}
