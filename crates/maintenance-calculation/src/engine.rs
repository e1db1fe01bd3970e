//! The calculation, rule by rule, in the order of Child Support Act 1991
//! Sch 1 para 1(2) and rules.md §2.1: income and variations, the rate, other
//! arrangements, apportionment, shared care, the floor.
//!
//! Every amount is rounded half up to the penny at the step that produces it
//! (2012 Regs reg 6; the points are listed in rules.md §2.12).

use std::fmt;

use domain_types::{Date, Fraction, PartsPerMillion, Pence, round_half_up_div};
use legal_parameters::{Benefit, ParameterError, ParameterSet, Parameters};
use smallvec::SmallVec;

use crate::outcome::{Calculation, FlatRateBasis, Rate, Step, Steps};
use crate::request::{
    Basis, CalculationRequest, Income, NilRateReason, PayingParent, ReceivingParents, Variations,
};

/// Why a request cannot be calculated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalculationError {
    /// The date is before the first rules coded.
    NotCoded {
        /// The date asked about.
        date: Date,
        /// The first day of the 2012 scheme.
        scheme_start: Date,
    },
    /// A benefit that the scheme did not name on that date.
    BenefitNotInForce {
        /// The benefit.
        benefit: Benefit,
        /// Whether it was the partner's.
        partner: bool,
        /// The date of the calculation.
        date: Date,
    },
    /// Neither income, a benefit nor a nil-rate reason decides the rate.
    IncomeRequired,
}

impl fmt::Display for CalculationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalculationError::NotCoded { date, scheme_start } => write!(
                f,
                "{date} is before the 2012 scheme's rules begin on {scheme_start}; no earlier rules are coded"
            ),
            CalculationError::BenefitNotInForce { benefit, date, .. } => write!(
                f,
                "`{}` is not a benefit the 2012 scheme's rules name on {date}",
                benefit.code()
            ),
            CalculationError::IncomeRequired => f.write_str(
                "the paying parent's income is needed: give gross_weekly_income_pence or annual_gross_income_pence, unless a benefit or nil-rate reason decides",
            ),
        }
    }
}

impl std::error::Error for CalculationError {}

/// Converts annual gross income to weekly as reg 35(1) does: divided by 365,
/// multiplied by 7, rounded half up to the penny (reg 6).
#[must_use]
pub fn weekly_from_annual(annual: Pence) -> Pence {
    scale(annual, 7, 365)
}

/// Works out the weekly child maintenance for `request` under the law in
/// force on its date.
///
/// # Errors
/// A date before the scheme, a benefit the scheme did not name on that
/// date, or missing income where nothing else decides.
#[inline]
pub fn calculate<'p>(
    request: &CalculationRequest,
    parameters: &'p Parameters,
) -> Result<Calculation<'p>, CalculationError> {
    let set = parameters.at(request.date).map_err(|error| match error {
        ParameterError::NotCoded { date, scheme_start } => {
            CalculationError::NotCoded { date, scheme_start }
        }
        other => unreachable!("loaded parameters only fail by date: {other}"),
    })?;
    calculate_with(request, set)
}

/// As [`calculate`], with the parameter set already chosen.
///
/// # Errors
/// As [`calculate`], except for the date.
#[inline]
pub fn calculate_with<'p>(
    request: &CalculationRequest,
    set: &'p ParameterSet,
) -> Result<Calculation<'p>, CalculationError> {
    // The answer is built in place: the engine writes its steps straight
    // into it, so a caseload run does not copy every explanation around.
    let mut calculation = Calculation {
        rate: Rate::Nil,
        flat_rate_basis: None,
        weekly_amounts: SmallVec::new(),
        steps: Steps::new(),
        parameters: set,
    };
    let mut engine = Engine {
        set,
        receiving_parents: &request.receiving_parents,
        steps: &mut calculation.steps,
    };
    let decided = match &request.basis {
        Basis::DefaultMaintenanceDecision => engine.default_decision(),
        Basis::PayingParent(paying_parent) => engine.paying_parent(paying_parent, request.date)?,
    };
    for (index, amount) in decided.weekly_amounts.iter().enumerate() {
        engine.steps.push(Step::Payable {
            receiving_parent: position(index),
            amount: *amount,
        });
    }
    calculation.rate = decided.rate;
    calculation.flat_rate_basis = decided.flat_rate_basis;
    calculation.weekly_amounts = decided.weekly_amounts;
    Ok(calculation)
}

type Shares = SmallVec<[Pence; 4]>;

struct Decided {
    rate: Rate,
    flat_rate_basis: Option<FlatRateBasis>,
    weekly_amounts: Shares,
}

/// What, other than income, decides the rate.
#[derive(Clone, Copy)]
enum Status {
    NilByReason(NilRateReason),
    NilByTrainingAllowance(Benefit),
    IncomeRelatedBenefit {
        benefit: Benefit,
        partner_receives: bool,
    },
    OwnBenefit(Benefit),
}

struct Engine<'r, 'p> {
    set: &'p ParameterSet,
    receiving_parents: &'r ReceivingParents,
    steps: &'r mut Steps,
}

impl Engine<'_, '_> {
    /// reg 49(2): the default rate by number of qualifying children,
    /// apportioned under para 6(2). Shared care is not applied.
    fn default_decision(&mut self) -> Decided {
        let qualifying_children = self.receiving_parents.qualifying_children();
        let amount = self.set.default_rate[by_children(qualifying_children)];
        self.steps.push(Step::DefaultRate {
            qualifying_children,
            amount,
        });
        Decided {
            rate: Rate::Default,
            flat_rate_basis: None,
            weekly_amounts: self.apportion(amount),
        }
    }

    fn paying_parent(
        &mut self,
        paying_parent: &PayingParent,
        date: Date,
    ) -> Result<Decided, CalculationError> {
        self.check_benefits(paying_parent, date)?;
        let variations = paying_parent.variations;
        if let Some(status) = self.status(paying_parent) {
            return Ok(match self.status_variation(status, variations) {
                Some(income) => {
                    self.income_rate(paying_parent, income, Variations::default(), true)
                }
                None => self.status_rate(paying_parent, status),
            });
        }
        let income = self.weekly_income(paying_parent)?;
        Ok(self.income_rate(paying_parent, income, variations, false))
    }

    fn check_benefits(
        &self,
        paying_parent: &PayingParent,
        date: Date,
    ) -> Result<(), CalculationError> {
        let recognised = self.set.recognised_benefits();
        for (benefits, partner) in [
            (paying_parent.benefits, false),
            (paying_parent.partner_benefits, true),
        ] {
            if let Some(benefit) = benefits.difference(recognised).first() {
                return Err(CalculationError::BenefitNotInForce {
                    benefit,
                    partner,
                    date,
                });
            }
        }
        Ok(())
    }

    /// The nil rate prevails over the flat rate (Sch 1 para 4(1) "unless the
    /// nil rate applies"); a reg 44(2) benefit is looked at before a reg
    /// 44(1) one because para 4(2) halves the flat rate only for the former.
    fn status(&self, paying_parent: &PayingParent) -> Option<Status> {
        if let Some(reason) = paying_parent.nil_rate_reason {
            return Some(Status::NilByReason(reason));
        }
        let set = self.set;
        if let Some(benefit) = paying_parent
            .benefits
            .intersection(set.nil_rate_benefits)
            .first()
        {
            return Some(Status::NilByTrainingAllowance(benefit));
        }
        let income_related = set.flat_rate_own_or_partner_benefits;
        if let Some(benefit) = paying_parent.benefits.intersection(income_related).first() {
            return Some(Status::IncomeRelatedBenefit {
                benefit,
                partner_receives: false,
            });
        }
        if let Some(benefit) = paying_parent
            .partner_benefits
            .intersection(income_related)
            .first()
        {
            return Some(Status::IncomeRelatedBenefit {
                benefit,
                partner_receives: true,
            });
        }
        paying_parent
            .benefits
            .intersection(set.flat_rate_own_benefits)
            .first()
            .map(Status::OwnBenefit)
    }

    /// reg 70: a paying parent nil by status (other than reg 45(1)(c)) or
    /// flat by a reg 44(1) benefit, with other income of at least the
    /// minimum, is assessed on that income (reg 73). reg 57(1)(d) refuses
    /// the variation where a reg 44(2) benefit decides. Returns the income
    /// to assess when the status is set aside.
    fn status_variation(&mut self, status: Status, variations: Variations) -> Option<Pence> {
        if variations.special_expenses_weekly > Pence::ZERO {
            self.steps.push(Step::SpecialExpensesNotForStatus);
        }
        let income = variations.additional_income_weekly;
        if income == Pence::ZERO {
            return None;
        }
        match status {
            Status::IncomeRelatedBenefit { benefit, .. } => {
                self.steps
                    .push(Step::VariationRefusedIncomeRelatedBenefit { benefit });
                None
            }
            Status::NilByReason(reason) if !reason.allows_additional_income_variation() => {
                self.steps
                    .push(Step::VariationNotAvailableForStatus { reason });
                None
            }
            Status::NilByReason(_) | Status::NilByTrainingAllowance(_) | Status::OwnBenefit(_) => {
                let minimum = self.set.additional_income_status_minimum;
                if income >= minimum {
                    self.steps.push(Step::StatusSetAsideByVariation { income });
                    Some(income)
                } else {
                    self.steps
                        .push(Step::VariationBelowStatusMinimum { income, minimum });
                    None
                }
            }
        }
    }

    fn status_rate(&mut self, paying_parent: &PayingParent, status: Status) -> Decided {
        let flat_rate = self.set.flat_rate;
        match status {
            Status::NilByReason(reason) => {
                self.steps.push(Step::NilByStatus { reason });
                self.nil()
            }
            Status::NilByTrainingAllowance(benefit) => {
                self.steps.push(Step::NilByTrainingAllowance { benefit });
                self.nil()
            }
            Status::IncomeRelatedBenefit {
                benefit,
                partner_receives,
            } => {
                self.steps.push(Step::FlatRateIncomeRelatedBenefit {
                    benefit,
                    partner_receives,
                    amount: flat_rate,
                });
                let amount = if paying_parent.partner_is_paying_parent_with_calculation {
                    let amount = self.set.partner_flat_rate;
                    self.steps.push(Step::PartnerFlatRate { amount });
                    amount
                } else {
                    flat_rate
                };
                self.benefit_flat_rate(amount)
            }
            Status::OwnBenefit(benefit) => {
                self.steps.push(Step::FlatRateOwnBenefit {
                    benefit,
                    amount: flat_rate,
                });
                self.benefit_flat_rate(flat_rate)
            }
        }
    }

    fn nil(&self) -> Decided {
        Decided {
            rate: Rate::Nil,
            flat_rate_basis: None,
            weekly_amounts: SmallVec::from_elem(Pence::ZERO, self.receiving_parents.len()),
        }
    }

    /// A benefit-based flat rate, apportioned, with para 8 shared care.
    fn benefit_flat_rate(&mut self, amount: Pence) -> Decided {
        let mut weekly_amounts = self.apportion(amount);
        self.flat_rate_shared_care(&mut weekly_amounts);
        Decided {
            rate: Rate::Flat,
            flat_rate_basis: Some(FlatRateBasis::Benefit),
            weekly_amounts,
        }
    }

    /// reg 34–35: weekly income as given, or annual ÷ 365 × 7 to the penny.
    fn weekly_income(&mut self, paying_parent: &PayingParent) -> Result<Pence, CalculationError> {
        match paying_parent.income {
            Some(Income::Weekly(weekly)) => {
                self.steps.push(Step::WeeklyIncome { weekly });
                Ok(weekly)
            }
            Some(Income::Annual(annual)) => {
                let weekly = weekly_from_annual(annual);
                self.steps.push(Step::AnnualIncome { annual, weekly });
                Ok(weekly)
            }
            None => Err(CalculationError::IncomeRequired),
        }
    }

    /// Variations, the cap, then the rate that income gives.
    fn income_rate(
        &mut self,
        paying_parent: &PayingParent,
        income: Pence,
        variations: Variations,
        status_set_aside: bool,
    ) -> Decided {
        let used = self.varied_capped_income(income, variations);
        let varied = status_set_aside
            || variations.additional_income_weekly > Pence::ZERO
            || variations.special_expenses_weekly > self.set.special_expenses_threshold;
        let set = self.set;
        if used < set.flat_rate {
            if varied {
                return self.variation_floor();
            }
            self.steps.push(Step::NilBelowFlatRate {
                income: used,
                flat_rate: set.flat_rate,
            });
            return self.nil();
        }
        if used <= set.flat_rate_income_limit {
            self.steps.push(Step::FlatRateLowIncome {
                income: used,
                limit: set.flat_rate_income_limit,
                amount: set.flat_rate,
            });
            return Decided {
                rate: Rate::Flat,
                flat_rate_basis: Some(FlatRateBasis::LowIncome),
                weekly_amounts: self.apportion(set.flat_rate),
            };
        }
        let qualifying = self.receiving_parents.qualifying_children();
        let other_arrangements = paying_parent.other_arrangement_children.get();
        let children = qualifying + other_arrangements;
        let other_children = paying_parent.relevant_other_children.get();
        let (rate, mut amount) = if used < set.reduced_rate_income_limit {
            (
                Rate::Reduced,
                self.reduced_rate(used, children, other_children),
            )
        } else {
            self.basic_rate(used, children, other_children)
        };
        if other_arrangements > 0 {
            amount = self.other_arrangements(amount, qualifying, other_arrangements);
        }
        let mut weekly_amounts = self.apportion(amount);
        self.shared_care(&mut weekly_amounts);
        Decided {
            rate,
            flat_rate_basis: None,
            weekly_amounts,
        }
    }

    /// reg 72–73: special expenses above the reg 68 threshold come off and
    /// additional income is added; then para 10(3) caps the result. Taking
    /// the cap last gives reg 72(2)'s "income used = min(cap, actual −
    /// expenses)" (rules.md §2.4, §2.13).
    fn varied_capped_income(&mut self, income: Pence, variations: Variations) -> Pence {
        let Variations {
            special_expenses_weekly: claimed,
            additional_income_weekly: additional,
        } = variations;
        let threshold = self.set.special_expenses_threshold;
        let counted = claimed.saturating_sub(threshold);
        if claimed > Pence::ZERO {
            self.steps.push(Step::SpecialExpenses {
                claimed,
                threshold,
                counted,
            });
        }
        if additional > Pence::ZERO {
            self.steps
                .push(Step::AdditionalIncome { weekly: additional });
        }
        let actual = income
            .checked_add(additional)
            .expect("inputs are at most Pence::INPUT_MAX each");
        let varied = actual.saturating_sub(counted);
        if counted > Pence::ZERO || additional > Pence::ZERO {
            self.steps
                .push(Step::IncomeAfterVariations { income: varied });
        }
        let cap = self.set.income_cap;
        if varied > cap {
            self.steps.push(Step::IncomeCapped { cap });
            cap
        } else {
            varied
        }
    }

    /// reg 74(1A): a variation cannot take liability below the flat rate.
    fn variation_floor(&mut self) -> Decided {
        let amount = self.set.flat_rate;
        self.steps.push(Step::FlatRateVariationFloor { amount });
        Decided {
            rate: Rate::Flat,
            flat_rate_basis: Some(FlatRateBasis::VariationFloor),
            weekly_amounts: self.apportion(amount),
        }
    }

    /// reg 43: F + (A × T), with A the income over £100. Relevant other
    /// children enter only through T; there is no income reduction here.
    fn reduced_rate(&mut self, income: Pence, children: u16, other_children: u16) -> Pence {
        let set = self.set;
        let rate = set.reduced_rate[by_children(children)][usize::from(other_children.min(3))];
        let over_limit = income.saturating_sub(set.flat_rate_income_limit);
        let amount = set
            .flat_rate
            .checked_add(percentage(over_limit, rate))
            .expect("bounded by the income cap");
        self.steps.push(Step::ReducedRate {
            income,
            children,
            other_children,
            rate,
            flat_rate: set.flat_rate,
            amount,
        });
        amount
    }

    /// Sch 1 para 2: income reduced for relevant other children "for the
    /// purposes of sub-paragraphs (1) and (2)", so the £800 test is made on
    /// the reduced income (rules.md §2.8).
    fn basic_rate(&mut self, income: Pence, children: u16, other_children: u16) -> (Rate, Pence) {
        let set = self.set;
        let income = if other_children > 0 {
            let reduction = set.relevant_other_children_reduction[by_children(other_children)];
            let reduced = percentage(income, reduction.complement());
            self.steps.push(Step::OtherChildrenReduction {
                other_children,
                reduction,
                income: reduced,
            });
            reduced
        } else {
            income
        };
        let index = by_children(children);
        let rate = set.basic_rate[index];
        let threshold = set.basic_plus_threshold;
        if income <= threshold {
            let amount = percentage(income, rate);
            self.steps.push(Step::BasicRate {
                children,
                income,
                rate,
                amount,
            });
            return (Rate::Basic, amount);
        }
        let plus_rate = set.basic_plus_rate[index];
        // One rounding for the whole basic-plus amount (rules.md §2.12 step 3).
        let exact_millionths = u128::from(threshold.get()) * u128::from(rate.get())
            + u128::from((income.saturating_sub(threshold)).get()) * u128::from(plus_rate.get());
        let amount = pence(round_half_up_div(exact_millionths, 1_000_000));
        self.steps.push(Step::BasicPlusRate {
            children,
            income,
            threshold,
            rate,
            plus_rate,
            amount,
        });
        (Rate::BasicPlus, amount)
    }

    /// Sch 1 para 5A: the rate for all A + B children, times A / (A + B),
    /// and at least the minimum.
    fn other_arrangements(&mut self, amount: Pence, qualifying: u16, other: u16) -> Pence {
        let share = scale(amount, u64::from(qualifying), u64::from(qualifying + other));
        self.steps.push(Step::OtherArrangements {
            qualifying,
            other,
            amount: share,
        });
        let minimum = self.set.other_arrangements_minimum;
        if share < minimum {
            self.steps.push(Step::OtherArrangementsMinimum { minimum });
            minimum
        } else {
            share
        }
    }

    /// Sch 1 para 6: with several receiving parents, each gets the amount
    /// divided by the number of qualifying children times the children they
    /// care for, each share rounded half up. No re-balancing of pennies
    /// exists in the 2012 scheme (rules.md §2.10 [I]); the explanation says
    /// when the shares do not add up.
    fn apportion(&mut self, amount: Pence) -> Shares {
        if self.receiving_parents.len() == 1 {
            return SmallVec::from_elem(amount, 1);
        }
        let all = self.receiving_parents.qualifying_children();
        let mut shares = Shares::new();
        let mut total = Pence::ZERO;
        for (index, children) in self.receiving_parents.iter().enumerate() {
            let own = position(children.len());
            let share = scale(amount, u64::from(own), u64::from(all));
            self.steps.push(Step::Apportioned {
                receiving_parent: position(index),
                children: own,
                of_children: all,
                amount: share,
            });
            total = total
                .checked_add(share)
                .expect("shares are bounded by the amount");
            shares.push(share);
        }
        if total != amount {
            self.steps.push(Step::ApportionmentRounding {
                shares_total: total,
                amount,
            });
        }
        shares
    }

    /// Sch 1 para 7 for the basic, basic-plus and reduced rates: per
    /// receiving parent, the children's fractions averaged (7(5)), the
    /// decrease rounded and subtracted (rules.md §2.12 [I]), £7 more per
    /// child at one-half (7(6)); a figure below nil is nil [I]; and the
    /// aggregate floor of 7(7), apportioned.
    fn shared_care(&mut self, shares: &mut Shares) {
        let set = self.set;
        let mut decreased = false;
        for (index, children) in self.receiving_parents.iter().enumerate() {
            let mut fraction_sum = Fraction::ZERO;
            let mut children_at_half: u16 = 0;
            for nights in children {
                if let Some(band) = set
                    .shared_care_bands
                    .iter()
                    .find(|b| (b.nights_min..=b.nights_max).contains(&nights.get()))
                {
                    fraction_sum = fraction_sum.plus(band.decrease);
                    children_at_half += u16::from(band.further_decrease_per_child);
                }
            }
            if fraction_sum.is_zero() {
                continue;
            }
            decreased = true;
            let receiving_parent = position(index);
            let fraction = fraction_sum.divide_by(children.len() as u64);
            let share = shares[index];
            let decrease = scale(share, fraction.numerator(), fraction.denominator());
            self.steps.push(Step::SharedCareDecrease {
                receiving_parent,
                children: position(children.len()),
                fraction,
                decrease,
            });
            let mut remaining = share.saturating_sub(decrease);
            let further =
                Pence::new(set.shared_care_further_decrease.get() * u64::from(children_at_half));
            if children_at_half > 0 {
                self.steps.push(Step::SharedCareFurtherDecrease {
                    receiving_parent,
                    children_at_half,
                    decrease: further,
                });
                if further > remaining && self.receiving_parents.len() > 1 {
                    self.steps
                        .push(Step::SharedCareTreatedAsNil { receiving_parent });
                }
                remaining = remaining.saturating_sub(further);
            }
            shares[index] = remaining;
        }
        let total = shares
            .iter()
            .fold(Pence::ZERO, |sum, s| sum.checked_add(*s).expect("bounded"));
        if decreased && total < set.shared_care_minimum {
            self.steps.push(Step::SharedCareMinimum {
                minimum: set.shared_care_minimum,
            });
            *shares = self.apportion(set.shared_care_minimum);
        }
    }

    /// Sch 1 para 8: on a benefit-based flat rate, the amount payable to a
    /// receiving parent is nil if the care of any of their children is
    /// shared for at least 52 nights.
    fn flat_rate_shared_care(&mut self, shares: &mut Shares) {
        let threshold = self.set.flat_rate_shared_care_nights;
        for (index, children) in self.receiving_parents.iter().enumerate() {
            if let Some(nights) = children
                .iter()
                .map(|n| n.get())
                .filter(|n| *n >= threshold)
                .max()
            {
                shares[index] = Pence::ZERO;
                self.steps.push(Step::FlatRateSharedCareNil {
                    receiving_parent: position(index),
                    nights,
                });
            }
        }
    }
}

/// Index into a "1, 2, 3 or more" table.
fn by_children(children: u16) -> usize {
    usize::from(children.clamp(1, 3)) - 1
}

/// A count or position that the request's limits keep within `u16`.
fn position(index: usize) -> u16 {
    u16::try_from(index).expect("request limits keep positions small")
}

fn pence(value: u128) -> Pence {
    Pence::new(u64::try_from(value).expect("a product of bounded inputs and rates fits in 64 bits"))
}

/// `amount × rate`, rounded half up to the penny.
fn percentage(amount: Pence, rate: PartsPerMillion) -> Pence {
    pence(round_half_up_div(
        u128::from(amount.get()) * u128::from(rate.get()),
        u128::from(PartsPerMillion::ONE.get()),
    ))
}

/// `amount × numerator / denominator`, rounded half up to the penny.
fn scale(amount: Pence, numerator: u64, denominator: u64) -> Pence {
    pence(round_half_up_div(
        u128::from(amount.get()) * u128::from(numerator),
        u128::from(denominator),
    ))
}
