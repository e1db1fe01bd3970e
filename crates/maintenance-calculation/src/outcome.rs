//! What the calculation answers: the rate, each receiving parent's weekly
//! amount, and every step that led there.
//!
//! Steps are small `Copy` values recorded as the calculation runs; their
//! sentences are written only when someone reads them, so a caseload
//! recalculation does not build millions of strings it never shows.

use std::fmt;

use domain_types::{Fraction, PartsPerMillion, Pence};
use legal_parameters::{Benefit, ParameterSet};
use smallvec::SmallVec;

use crate::request::NilRateReason;

const ACT: &str = "Child Support Act 1991";
const REGS: &str = "Child Support Maintenance Calculation Regulations 2012";

/// The rate of child support maintenance that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rate {
    /// Sch 1 para 5.
    Nil,
    /// Sch 1 para 4.
    Flat,
    /// Sch 1 para 3 and reg 43.
    Reduced,
    /// Sch 1 para 2(1).
    Basic,
    /// Sch 1 para 2(2).
    BasicPlus,
    /// A default maintenance decision, reg 49.
    Default,
}

impl Rate {
    /// The code used in answers.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Rate::Nil => "nil",
            Rate::Flat => "flat",
            Rate::Reduced => "reduced",
            Rate::Basic => "basic",
            Rate::BasicPlus => "basic_plus",
            Rate::Default => "default",
        }
    }
}

/// Why the flat rate applies: the routes differ on shared care (para 8 only
/// for benefits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlatRateBasis {
    /// Income of £100 or less, para 4(1)(a): shared care is not considered.
    LowIncome,
    /// A benefit, para 4(1)(b) or (c) or 4(2): para 8 shared care applies.
    Benefit,
    /// A variation would have taken liability below the flat rate, reg 74(1A).
    VariationFloor,
}

impl FlatRateBasis {
    /// The code used in answers.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            FlatRateBasis::LowIncome => "income",
            FlatRateBasis::Benefit => "benefit",
            FlatRateBasis::VariationFloor => "variation",
        }
    }
}

/// One step of the calculation, with the figures it used.
///
/// `receiving_parent` fields are positions in the request's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each variant's meaning is its sentence in `text`
pub enum Step {
    DefaultRate {
        qualifying_children: u16,
        amount: Pence,
    },
    WeeklyIncome {
        weekly: Pence,
    },
    AnnualIncome {
        annual: Pence,
        weekly: Pence,
    },
    SpecialExpenses {
        claimed: Pence,
        threshold: Pence,
        counted: Pence,
    },
    AdditionalIncome {
        weekly: Pence,
    },
    IncomeAfterVariations {
        income: Pence,
    },
    IncomeCapped {
        cap: Pence,
    },
    NilByStatus {
        reason: NilRateReason,
    },
    NilByTrainingAllowance {
        benefit: Benefit,
    },
    NilBelowFlatRate {
        income: Pence,
        flat_rate: Pence,
    },
    VariationRefusedIncomeRelatedBenefit {
        benefit: Benefit,
    },
    VariationNotAvailableForStatus {
        reason: NilRateReason,
    },
    VariationBelowStatusMinimum {
        income: Pence,
        minimum: Pence,
    },
    SpecialExpensesNotForStatus,
    StatusSetAsideByVariation {
        income: Pence,
    },
    FlatRateOwnBenefit {
        benefit: Benefit,
        amount: Pence,
    },
    FlatRateIncomeRelatedBenefit {
        benefit: Benefit,
        partner_receives: bool,
        amount: Pence,
    },
    PartnerFlatRate {
        amount: Pence,
    },
    FlatRateLowIncome {
        income: Pence,
        limit: Pence,
        amount: Pence,
    },
    FlatRateVariationFloor {
        amount: Pence,
    },
    ReducedRate {
        income: Pence,
        children: u16,
        other_children: u16,
        rate: PartsPerMillion,
        flat_rate: Pence,
        amount: Pence,
    },
    OtherChildrenReduction {
        other_children: u16,
        reduction: PartsPerMillion,
        income: Pence,
    },
    BasicRate {
        children: u16,
        income: Pence,
        rate: PartsPerMillion,
        amount: Pence,
    },
    BasicPlusRate {
        children: u16,
        income: Pence,
        threshold: Pence,
        rate: PartsPerMillion,
        plus_rate: PartsPerMillion,
        amount: Pence,
    },
    OtherArrangements {
        qualifying: u16,
        other: u16,
        amount: Pence,
    },
    OtherArrangementsMinimum {
        minimum: Pence,
    },
    Apportioned {
        receiving_parent: u16,
        children: u16,
        of_children: u16,
        amount: Pence,
    },
    ApportionmentRounding {
        shares_total: Pence,
        amount: Pence,
    },
    SharedCareDecrease {
        receiving_parent: u16,
        children: u16,
        fraction: Fraction,
        decrease: Pence,
    },
    SharedCareFurtherDecrease {
        receiving_parent: u16,
        children_at_half: u16,
        decrease: Pence,
    },
    SharedCareTreatedAsNil {
        receiving_parent: u16,
    },
    SharedCareMinimum {
        minimum: Pence,
    },
    FlatRateSharedCareNil {
        receiving_parent: u16,
        nights: u16,
    },
    Payable {
        receiving_parent: u16,
        amount: Pence,
    },
}

/// One step as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedStep {
    /// One plain-English sentence.
    pub text: String,
    /// The provision it applies.
    pub rule: String,
    /// The figure the step produced, where it produced one.
    pub amount: Option<Pence>,
}

/// How a receiving parent is named in sentences.
pub trait ReceivingParentNames {
    /// The name of the receiving parent at `index`: "receiving parent A".
    fn name(&self, index: usize) -> String;
}

impl<F: Fn(usize) -> String> ReceivingParentNames for F {
    fn name(&self, index: usize) -> String {
        self(index)
    }
}

fn children(n: u16) -> String {
    if n == 1 {
        "1 child".to_owned()
    } else {
        format!("{n} children")
    }
}

fn qualifying(n: u16) -> &'static str {
    match n {
        1 => "1 child",
        2 => "2 children",
        _ => "3 or more children",
    }
}

impl Step {
    /// The provision this step applies.
    #[must_use]
    pub fn rule(&self) -> String {
        match self {
            Step::DefaultRate { .. } => format!("{REGS} reg 49(2); {ACT} Sch 1 para 6(2)"),
            Step::WeeklyIncome { .. } => format!("{REGS} reg 34"),
            Step::AnnualIncome { .. } => format!("{REGS} reg 35(1) and reg 6"),
            Step::SpecialExpenses { .. } => format!("{REGS} regs 63-68 and 72"),
            Step::AdditionalIncome { .. } => format!("{REGS} regs 69-71 and 73"),
            Step::IncomeAfterVariations { .. } => format!("{REGS} regs 72 and 73"),
            Step::IncomeCapped { .. } => format!("{ACT} Sch 1 para 10(3); {REGS} reg 72(2)"),
            Step::NilByStatus { reason } => format!("{ACT} Sch 1 para 5(a); {}", reason.rule()),
            Step::NilByTrainingAllowance { .. } => {
                format!("{ACT} Sch 1 para 5(a); {REGS} reg 45(1)(d)")
            }
            Step::NilBelowFlatRate { .. } => format!("{ACT} Sch 1 para 5(b); {REGS} reg 45(2)"),
            Step::VariationRefusedIncomeRelatedBenefit { .. } => format!("{REGS} reg 57(1)(d)"),
            Step::VariationNotAvailableForStatus { .. } => format!("{REGS} reg 70(3)"),
            Step::VariationBelowStatusMinimum { .. } => format!("{REGS} reg 70(1)(c)"),
            Step::SpecialExpensesNotForStatus => format!("{REGS} reg 57"),
            Step::StatusSetAsideByVariation { .. } => format!("{REGS} regs 70 and 73"),
            Step::FlatRateOwnBenefit { .. } => {
                format!("{ACT} Sch 1 para 4(1)(b); {REGS} reg 44(1)")
            }
            Step::FlatRateIncomeRelatedBenefit { .. } => {
                format!("{ACT} Sch 1 para 4(1)(c); {REGS} reg 44(2)")
            }
            Step::PartnerFlatRate { .. } => format!("{ACT} Sch 1 para 4(2); {REGS} reg 44(3)"),
            Step::FlatRateLowIncome { .. } => format!("{ACT} Sch 1 para 4(1)(a)"),
            Step::FlatRateVariationFloor { .. } => format!("{REGS} reg 74(1A)"),
            Step::ReducedRate { .. } => format!("{ACT} Sch 1 para 3; {REGS} reg 43"),
            Step::OtherChildrenReduction { .. } => format!("{ACT} Sch 1 para 2(3)"),
            Step::BasicRate { .. } => format!("{ACT} Sch 1 para 2(1)"),
            Step::BasicPlusRate { .. } => format!("{ACT} Sch 1 para 2(2)"),
            Step::OtherArrangements { .. } | Step::OtherArrangementsMinimum { .. } => {
                format!("{ACT} Sch 1 para 5A")
            }
            Step::Apportioned { .. } | Step::ApportionmentRounding { .. } => {
                format!("{ACT} Sch 1 para 6; {REGS} reg 6")
            }
            Step::SharedCareDecrease { .. } => format!("{ACT} Sch 1 para 7(2)-(5)"),
            Step::SharedCareFurtherDecrease { .. } => format!("{ACT} Sch 1 para 7(6)"),
            Step::SharedCareTreatedAsNil { .. } => format!("{ACT} Sch 1 para 7"),
            Step::SharedCareMinimum { .. } => format!("{ACT} Sch 1 para 7(7)"),
            Step::FlatRateSharedCareNil { .. } => format!("{ACT} Sch 1 para 8"),
            Step::Payable { .. } => format!("{ACT} Sch 1 para 1(2)"),
        }
    }

    /// The figure this step produced, if any.
    #[must_use]
    pub fn amount(&self) -> Option<Pence> {
        match *self {
            Step::DefaultRate { amount, .. }
            | Step::FlatRateOwnBenefit { amount, .. }
            | Step::FlatRateIncomeRelatedBenefit { amount, .. }
            | Step::PartnerFlatRate { amount }
            | Step::FlatRateLowIncome { amount, .. }
            | Step::FlatRateVariationFloor { amount }
            | Step::ReducedRate { amount, .. }
            | Step::BasicRate { amount, .. }
            | Step::BasicPlusRate { amount, .. }
            | Step::OtherArrangements { amount, .. }
            | Step::Apportioned { amount, .. }
            | Step::Payable { amount, .. } => Some(amount),
            Step::WeeklyIncome { weekly } | Step::AnnualIncome { weekly, .. } => Some(weekly),
            Step::SpecialExpenses { counted, .. } => Some(counted),
            Step::AdditionalIncome { weekly } => Some(weekly),
            Step::IncomeAfterVariations { income }
            | Step::OtherChildrenReduction { income, .. }
            | Step::StatusSetAsideByVariation { income } => Some(income),
            Step::IncomeCapped { cap } => Some(cap),
            Step::NilByStatus { .. }
            | Step::NilByTrainingAllowance { .. }
            | Step::NilBelowFlatRate { .. } => Some(Pence::ZERO),
            Step::SharedCareDecrease { decrease, .. }
            | Step::SharedCareFurtherDecrease { decrease, .. } => Some(decrease),
            Step::SharedCareTreatedAsNil { .. } | Step::FlatRateSharedCareNil { .. } => {
                Some(Pence::ZERO)
            }
            Step::SharedCareMinimum { minimum } | Step::OtherArrangementsMinimum { minimum } => {
                Some(minimum)
            }
            Step::ApportionmentRounding { shares_total, .. } => Some(shares_total),
            Step::VariationRefusedIncomeRelatedBenefit { .. }
            | Step::VariationNotAvailableForStatus { .. }
            | Step::VariationBelowStatusMinimum { .. }
            | Step::SpecialExpensesNotForStatus => None,
        }
    }

    /// One plain-English sentence for a parent.
    #[must_use]
    #[allow(clippy::too_many_lines)] // one arm per step reads best as one table
    pub fn text(&self, names: &dyn ReceivingParentNames) -> String {
        let name = |index: u16| names.name(usize::from(index));
        match *self {
            Step::DefaultRate { qualifying_children, amount } => format!(
                "There is not enough information to work out child maintenance, so a default rate of {amount} a week for {} applies until there is.",
                qualifying(qualifying_children)
            ),
            Step::WeeklyIncome { weekly } => format!("The paying parent's gross weekly income is {weekly}."),
            Step::AnnualIncome { annual, weekly } => format!(
                "The paying parent's gross income of {annual} a year is {weekly} a week (divided by 365, multiplied by 7 and rounded to the nearest penny)."
            ),
            Step::SpecialExpenses { claimed, threshold, counted } => format!(
                "Special expenses of {claimed} a week count only above {threshold} a week, so {counted} is taken off the paying parent's income."
            ),
            Step::AdditionalIncome { weekly } => {
                format!("Additional income of {weekly} a week is added to the paying parent's income.")
            }
            Step::IncomeAfterVariations { income } => {
                format!("After these variations the paying parent's weekly income is {income}.")
            }
            Step::IncomeCapped { cap } => format!(
                "Income above {cap} a week is not counted, so the calculation uses {cap}. The receiving parent can ask a court for more."
            ),
            Step::NilByStatus { reason } => {
                format!("The paying parent is {reason}, so no child maintenance is payable (the nil rate).")
            }
            Step::NilByTrainingAllowance { benefit } => format!(
                "The paying parent gets {benefit}, so no child maintenance is payable (the nil rate)."
            ),
            Step::NilBelowFlatRate { income, flat_rate } => format!(
                "The paying parent's income of {income} a week is below {flat_rate}, so no child maintenance is payable (the nil rate)."
            ),
            Step::VariationRefusedIncomeRelatedBenefit { benefit } => format!(
                "Additional income is not taken into account because the paying parent or their partner gets {benefit}."
            ),
            Step::VariationNotAvailableForStatus { reason } => format!(
                "Additional income is not taken into account for a paying parent who is {reason}."
            ),
            Step::VariationBelowStatusMinimum { income, minimum } => format!(
                "The paying parent's other income of {income} a week is less than the {minimum} needed to be taken into account, so it is not."
            ),
            Step::SpecialExpensesNotForStatus => "Special expenses are not taken into account for a paying parent on the nil rate or on benefits.".to_owned(),
            Step::StatusSetAsideByVariation { income } => format!(
                "The paying parent has other income of {income} a week, so child maintenance is worked out on that income."
            ),
            Step::FlatRateOwnBenefit { benefit, amount } => {
                format!("The paying parent gets {benefit}, so the flat rate of {amount} a week applies.")
            }
            Step::FlatRateIncomeRelatedBenefit { benefit, partner_receives, amount } => format!(
                "{} {benefit}, so the flat rate of {amount} a week applies.",
                if partner_receives { "The paying parent's partner gets" } else { "The paying parent gets" }
            ),
            Step::PartnerFlatRate { amount } => format!(
                "The paying parent's partner also pays child maintenance, so each pays half the flat rate: {amount} a week."
            ),
            Step::FlatRateLowIncome { income, limit, amount } => format!(
                "The paying parent's income of {income} a week is {limit} or less, so the flat rate of {amount} a week applies."
            ),
            Step::FlatRateVariationFloor { amount } => format!(
                "A variation cannot take child maintenance below the flat rate, so {amount} a week applies."
            ),
            Step::ReducedRate { income, children: qc, other_children, rate, flat_rate, amount } => format!(
                "Income of {income} a week is between £100 and £200, so the reduced rate applies: {flat_rate} plus {rate} of the income over £100 (for {} and {} living with the paying parent) makes {amount}.",
                qualifying(qc),
                match other_children { 0 => "no other children".to_owned(), 1 => "1 other child".to_owned(), n => format!("{n} other children") }
            ),
            Step::OtherChildrenReduction { other_children, reduction, income } => format!(
                "The paying parent has {} living with them, so their income is reduced by {reduction} to {income}.",
                match other_children { 1 => "1 other child".to_owned(), n => format!("{n} other children") }
            ),
            Step::BasicRate { children: qc, income, rate, amount } => {
                format!("The basic rate for {} is {rate} of {income}: {amount} a week.", qualifying(qc))
            }
            Step::BasicPlusRate { children: qc, income, threshold, rate, plus_rate, amount } => format!(
                "Income of {income} is over {threshold}, so the basic plus rate for {} applies: {rate} of the first {threshold} and {plus_rate} of the rest, {amount} a week.",
                qualifying(qc)
            ),
            Step::OtherArrangements { qualifying: a, other: b, amount } => format!(
                "The paying parent also supports {} under a court order or other arrangement, so the amount is worked out for all {} children and the share for the {} here is {amount}.",
                children(b),
                a + b,
                children(a)
            ),
            Step::OtherArrangementsMinimum { minimum } => {
                format!("That share cannot be less than {minimum} a week, so {minimum} applies.")
            }
            Step::Apportioned { receiving_parent, children: own, of_children, amount } => format!(
                "{} cares for {} of the {of_children} qualifying children, so their share is {amount}.",
                capitalise(&name(receiving_parent)),
                own
            ),
            Step::ApportionmentRounding { shares_total, amount } => format!(
                "Each share is rounded to the nearest penny, so the shares add up to {shares_total} rather than {amount}."
            ),
            Step::SharedCareDecrease { receiving_parent, children: 1, fraction, decrease } => format!(
                "The paying parent shares the care of the child of {}, so their amount is reduced by {fraction}: {decrease}.",
                name(receiving_parent)
            ),
            Step::SharedCareDecrease { receiving_parent, children: count, fraction, decrease } => format!(
                "The paying parent shares the care of the {count} children of {}, so their amount is reduced by {fraction}, the average of each child's reduction: {decrease}.",
                name(receiving_parent)
            ),
            Step::SharedCareFurtherDecrease { receiving_parent, children_at_half, decrease } => format!(
                "The paying parent has {} of {} for 175 nights a year or more, so the amount is reduced by a further {decrease}.",
                children(children_at_half),
                name(receiving_parent)
            ),
            Step::SharedCareTreatedAsNil { receiving_parent } => format!(
                "The reductions for shared care are more than the amount for {}, so it is treated as nothing.",
                name(receiving_parent)
            ),
            Step::SharedCareMinimum { minimum } => format!(
                "Shared care cannot take child maintenance below {minimum} a week in total, so {minimum} is payable, shared between the receiving parents by number of children."
            ),
            Step::FlatRateSharedCareNil { receiving_parent, nights } => format!(
                "The paying parent has a child of {} overnight {nights} nights a year, so on the flat rate nothing is payable to them.",
                name(receiving_parent)
            ),
            Step::Payable { receiving_parent, amount } => {
                format!("The paying parent pays {amount} a week to {}.", name(receiving_parent))
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The steps a calculation records: inline for up to 8, which covers every
/// case with one receiving parent; more spill to the heap.
pub type Steps = SmallVec<[Step; 8]>;

/// The answer: the rate, each receiving parent's weekly amount, the steps,
/// and the law used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calculation<'p> {
    /// The rate that applies.
    pub rate: Rate,
    /// Why the flat rate applies, when it does.
    pub flat_rate_basis: Option<FlatRateBasis>,
    /// The weekly amount for each receiving parent, in request order.
    pub weekly_amounts: SmallVec<[Pence; 4]>,
    /// Every step in order.
    pub steps: Steps,
    /// The figures used.
    pub parameters: &'p ParameterSet,
}

/// Collection fees that would apply on Collect and Pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionFeesDue {
    /// Added to what the paying parent pays each week.
    pub paying_parent_weekly: Pence,
    /// Deducted from each receiving parent's weekly amount.
    pub receiving_parents_weekly: SmallVec<[Pence; 4]>,
}

impl Calculation<'_> {
    /// What the paying parent pays each week in all.
    #[must_use]
    pub fn weekly_total(&self) -> Pence {
        self.weekly_amounts.iter().fold(Pence::ZERO, |sum, a| {
            sum.checked_add(*a)
                .expect("weekly amounts are bounded by the income cap")
        })
    }

    /// Every step as sentences, rules and figures.
    #[must_use]
    pub fn explain(&self, names: &dyn ReceivingParentNames) -> Vec<ExplainedStep> {
        self.steps
            .iter()
            .map(|step| ExplainedStep {
                text: step.text(names),
                rule: step.rule(),
                amount: step.amount(),
            })
            .collect()
    }

    /// The collection fees Collect and Pay would add and deduct, where the
    /// Fees Regulations are in force on the date: 20% of the total on the
    /// paying parent and 4% of each receiving parent's amount, each rounded
    /// half up to the penny (rules.md §3.2 [I]: a weekly view of a daily fee).
    #[must_use]
    pub fn collection_fees(&self) -> Option<CollectionFeesDue> {
        let fees = self.parameters.collection_fees?;
        Some(CollectionFeesDue {
            paying_parent_weekly: fees.paying_parent.of(self.weekly_total()),
            receiving_parents_weekly: self
                .weekly_amounts
                .iter()
                .map(|a| fees.receiving_parent.of(*a))
                .collect(),
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rate::Nil => "nil rate",
            Rate::Flat => "flat rate",
            Rate::Reduced => "reduced rate",
            Rate::Basic => "basic rate",
            Rate::BasicPlus => "basic plus rate",
            Rate::Default => "default rate",
        })
    }
}
