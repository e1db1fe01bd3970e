//! Facts as dated, append-only events.

use domain_types::Date;
use legal_parameters::BenefitSet;
use maintenance_calculation::{Income, Nights, NilRateReason, OtherChildren, Variations};

use crate::{CaseState, StateEvent, TransitionRefused};

/// A qualifying child within a case. Carries no personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChildId(pub u32);

/// A receiving parent within a case. Carries no personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReceivingParentId(pub u32);

/// How maintenance moves between the parents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceType {
    /// The parents pay each other; the service only calculates.
    DirectPay,
    /// The service collects from the paying parent and pays on.
    CollectAndPay,
}

impl ServiceType {
    /// The code used in storage and the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ServiceType::DirectPay => "direct_pay",
            ServiceType::CollectAndPay => "collect_and_pay",
        }
    }

    /// The service type with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<ServiceType> {
        [ServiceType::DirectPay, ServiceType::CollectAndPay]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// How often the paying parent pays, as the case chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Every 7 days.
    Weekly,
    /// Every 14 days.
    Fortnightly,
    /// Every 28 days.
    FourWeekly,
    /// On the same day each month (month ends clamp to the last day).
    Monthly,
}

impl Frequency {
    /// The code used in storage and the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Fortnightly => "fortnightly",
            Frequency::FourWeekly => "four_weekly",
            Frequency::Monthly => "monthly",
        }
    }

    /// The frequency with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Frequency> {
        [
            Frequency::Weekly,
            Frequency::Fortnightly,
            Frequency::FourWeekly,
            Frequency::Monthly,
        ]
        .into_iter()
        .find(|f| f.code() == code)
    }
}

/// One change of circumstances.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Gross income reported (from HMRC at a review, or current income).
    /// Between reviews it changes the calculation only by 25% or more
    /// (2012 Regs reg 23).
    Income(Income),
    /// The benefits of the paying parent and partner, and whether the
    /// partner is also a paying parent with a calculation in force.
    Benefits {
        /// The paying parent's own.
        own: BenefitSet,
        /// The partner's.
        partner: BenefitSet,
        /// Sch 1 para 4(2).
        partner_is_paying_parent_with_calculation: bool,
    },
    /// A nil-rate reason starts (`Some`) or ends (`None`).
    NilRateReason(Option<NilRateReason>),
    /// Relevant other children in the paying parent's household.
    RelevantOtherChildren(OtherChildren),
    /// Children under other qualifying maintenance arrangements.
    OtherArrangementChildren(OtherChildren),
    /// Agreed variations, replacing any earlier ones.
    Variations(Variations),
    /// A qualifying child joins the case, cared for by a receiving parent.
    /// A child who left and qualifies again keeps the shared-care nights
    /// found for them before (rules.md §2.11: nights are a finding about
    /// the child's care, which leaving and returning does not change); only
    /// a [`Change::SharedCare`] fact changes them. A child new to the case
    /// starts at none.
    ChildJoined {
        /// The child.
        child: ChildId,
        /// Who cares for them.
        receiving_parent: ReceivingParentId,
    },
    /// A child stops being a qualifying child (grown up, moved, died).
    ChildLeft {
        /// The child.
        child: ChildId,
    },
    /// Nights a year the paying parent has the child overnight: the finding
    /// stands until another replaces it, also while the child is away from
    /// the case (it is their finding when they qualify again). Refused for
    /// a child the case never had.
    SharedCare {
        /// The child.
        child: ChildId,
        /// The nights.
        nights: Nights,
    },
    /// The payment service changes. What is due is the same either way;
    /// collection fees (issue 4) depend on it.
    ServiceType(ServiceType),
    /// How often payments fall due (A91 s.29(3); rules.md §5: weekly,
    /// fortnightly or monthly, worked out from the weekly amount). Periods
    /// run from the initial effective date; weekly until a case chooses.
    PaymentFrequency(Frequency),
    /// Collection fees waived from this date for a parent who moved to
    /// Collect and Pay because of domestic abuse (the Government's
    /// commitment with the Child Support Collection (Domestic Abuse) Act
    /// 2023: survivors pay no collection fee; issue 4 §3). Replaces any
    /// earlier waiver.
    CollectionFeeWaiver {
        /// The paying parent's 20% is waived.
        paying_parent: bool,
        /// The receiving parent's 4% is waived.
        receiving_parent: bool,
    },
    /// The case closes: no liability from this date.
    CaseClosed,
    /// A closed case opens again (a closure found wrong on review, or the
    /// same parents coming back): liability resumes from this date on the
    /// facts then known, and each parent is offered the abuse screen again
    /// (issue 5 §1). Like closing, it waits for any disclosure to be
    /// reviewed (issue 5 §4).
    CaseReopened,
}

/// A change, when it takes effect, and when the service learned of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactEvent {
    /// The first day the change applies.
    pub effective_from: Date,
    /// The day it was recorded. A change recorded after it took effect is
    /// backdated; one recorded before is known in advance.
    pub recorded_on: Date,
    /// What changed.
    pub change: Change,
}

/// Everything known about a case, append-only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseHistory {
    /// The initial effective date: liability starts here and annual
    /// reviews fall on its anniversaries (2012 Regs regs 12 and 19).
    pub initial_effective_date: Option<Date>,
    /// Every change, in the order recorded.
    pub events: Vec<FactEvent>,
}

impl CaseHistory {
    /// A case whose liability starts on `initial_effective_date`.
    #[must_use]
    pub fn starting(initial_effective_date: Date) -> CaseHistory {
        CaseHistory {
            initial_effective_date: Some(initial_effective_date),
            events: Vec::new(),
        }
    }

    /// The case's state on `on`, as known on `known_on`, derived from its
    /// facts rather than kept beside them, so the two cannot disagree: closed
    /// if the latest closing or reopening by then closed it; otherwise an
    /// application until it has an initial effective date, a calculation
    /// before that date, and active from it.
    #[must_use]
    pub fn state(&self, on: Date, known_on: Date) -> CaseState {
        let closed = self
            .lifecycle(known_on)
            .filter(|e| e.effective_from <= on)
            .last()
            .is_some_and(|e| e.change == Change::CaseClosed);
        match self.initial_effective_date {
            _ if closed => CaseState::Closed,
            None => CaseState::Application,
            Some(start) if on < start => CaseState::Calculation,
            Some(_) => CaseState::Active,
        }
    }

    /// Checks that `new` facts close or reopen the case only where its state
    /// allows (`CaseState::after`): a case is not closed twice, nor reopened
    /// unless closed. Each is checked on its own effective date, after the
    /// new facts before it.
    ///
    /// # Errors
    /// The first closing or reopening that does not fit, with its date.
    pub fn check_lifecycle(
        &self,
        new: &[FactEvent],
        known_on: Date,
    ) -> Result<(), (Date, TransitionRefused)> {
        let mut with_new = self.clone();
        for fact in new {
            let event = match fact.change {
                Change::CaseClosed => StateEvent::Closed,
                Change::CaseReopened => StateEvent::Reopened,
                _ => {
                    with_new.events.push(fact.clone());
                    continue;
                }
            };
            with_new
                .state(fact.effective_from, known_on)
                .after(event)
                .map_err(|refused| (fact.effective_from, refused))?;
            with_new.events.push(fact.clone());
        }
        Ok(())
    }

    /// Closings and reopenings known on `known_on`, in the order they take
    /// effect (the same day: the order recorded).
    fn lifecycle(&self, known_on: Date) -> impl Iterator<Item = &FactEvent> {
        let mut events: Vec<&FactEvent> = self
            .events
            .iter()
            .filter(|e| {
                e.recorded_on <= known_on
                    && matches!(e.change, Change::CaseClosed | Change::CaseReopened)
            })
            .collect();
        events.sort_by_key(|e| e.effective_from);
        events.into_iter()
    }

    /// Appends a change. Events are never edited or removed: a correction is
    /// a later event.
    pub fn record(&mut self, effective_from: Date, recorded_on: Date, change: Change) {
        self.events.push(FactEvent {
            effective_from,
            recorded_on,
            change,
        });
    }
}
