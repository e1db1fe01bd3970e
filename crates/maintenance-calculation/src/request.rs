//! What the calculation is asked: the paying parent's circumstances and who
//! cares for which qualifying child. Each type can only hold a value the law
//! can be applied to.

use std::fmt;

use domain_types::{Date, Pence};
use legal_parameters::BenefitSet;

/// The most receiving parents one calculation accepts.
pub const RECEIVING_PARENTS_MAX: usize = 20;
/// The most qualifying children one receiving parent may care for here.
pub const CHILDREN_PER_RECEIVING_PARENT_MAX: usize = 20;
/// The most relevant other children, or children under other arrangements.
pub const OTHER_CHILDREN_MAX: u16 = 50;

/// One request for a weekly maintenance calculation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalculationRequest {
    /// The effective date: the law in force on this day applies.
    pub date: Date,
    /// A full calculation, or a default maintenance decision.
    pub basis: Basis,
    /// Who cares for which qualifying child.
    pub receiving_parents: ReceivingParents,
}

/// What the calculation is based on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The paying parent's income and circumstances are known.
    PayingParent(PayingParent),
    /// Not enough information: a default maintenance decision (reg 49).
    DefaultMaintenanceDecision,
}

/// The paying parent's circumstances on the effective date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayingParent {
    /// Gross income, if known. It may be absent when a benefit or a
    /// nil-rate reason decides the rate.
    pub income: Option<Income>,
    /// Benefits, pensions and allowances the paying parent receives.
    pub benefits: BenefitSet,
    /// Benefits the paying parent's partner receives.
    pub partner_benefits: BenefitSet,
    /// Whether the partner is also a paying parent with a calculation in
    /// force (Sch 1 para 4(2)).
    pub partner_is_paying_parent_with_calculation: bool,
    /// A prescribed description that puts the paying parent on the nil rate
    /// (reg 45(1)).
    pub nil_rate_reason: Option<NilRateReason>,
    /// Relevant other children in the paying parent's household (Sch 1
    /// para 10C(2)).
    pub relevant_other_children: OtherChildren,
    /// Children the paying parent supports under a court order or other
    /// qualifying maintenance arrangement (Sch 1 para 5A).
    pub other_arrangement_children: OtherChildren,
    /// Agreed variations.
    pub variations: Variations,
}

/// Gross income as the evidence gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Income {
    /// A weekly figure.
    Weekly(Pence),
    /// A yearly figure, such as HMRC's, converted by reg 35.
    Annual(Pence),
}

/// Agreed variations (Child Support Act 1991 ss.28A–28G, Sch 4B; 2012 Regs
/// Part 5), as weekly amounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Variations {
    /// Special expenses under regs 63 and 65–67, before the reg 68 threshold.
    pub special_expenses_weekly: Pence,
    /// Additional income under regs 69–71. For a paying parent on the nil
    /// rate by status or the flat rate by a reg 44(1) benefit, this is the
    /// income of reg 70(1)(b).
    pub additional_income_weekly: Pence,
}

/// A number of other children, at most [`OTHER_CHILDREN_MAX`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct OtherChildren(u16);

impl OtherChildren {
    /// `count` children, or `None` above [`OTHER_CHILDREN_MAX`].
    #[must_use]
    pub const fn new(count: u16) -> Option<OtherChildren> {
        if count <= OTHER_CHILDREN_MAX {
            Some(OtherChildren(count))
        } else {
            None
        }
    }

    /// The number of children.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// The prescribed descriptions of reg 45(1) that give the nil rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NilRateReason {
    /// reg 45(1)(a): the paying parent is a child.
    Child,
    /// reg 45(1)(b): a prisoner, or detained in hospital under a sentence.
    Prisoner,
    /// reg 45(1)(d): on work-based training for young people or Skillseekers.
    WorkBasedTraining,
    /// reg 45(1)(e): in a care home or independent hospital, with a
    /// qualifying benefit or local authority funding.
    CareHome,
    /// reg 45(1)(c): 16 or 17 and on, or partnered with someone on, an
    /// income-related benefit.
    SixteenOrSeventeenOnIncomeRelatedBenefit,
}

impl NilRateReason {
    /// Every reason, in a fixed order.
    pub const ALL: [NilRateReason; 5] = [
        NilRateReason::Child,
        NilRateReason::Prisoner,
        NilRateReason::WorkBasedTraining,
        NilRateReason::CareHome,
        NilRateReason::SixteenOrSeventeenOnIncomeRelatedBenefit,
    ];

    /// The code used in requests.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            NilRateReason::Child => "child",
            NilRateReason::Prisoner => "prisoner",
            NilRateReason::WorkBasedTraining => "work_based_training",
            NilRateReason::CareHome => "care_home",
            NilRateReason::SixteenOrSeventeenOnIncomeRelatedBenefit => {
                "16_17_on_income_related_benefit"
            }
        }
    }

    /// The reason with this code, if there is one.
    #[must_use]
    pub fn from_code(code: &str) -> Option<NilRateReason> {
        NilRateReason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The provision that prescribes it.
    #[must_use]
    pub const fn rule(self) -> &'static str {
        match self {
            NilRateReason::Child => {
                "Child Support Maintenance Calculation Regulations 2012 reg 45(1)(a)"
            }
            NilRateReason::Prisoner => {
                "Child Support Maintenance Calculation Regulations 2012 reg 45(1)(b)"
            }
            NilRateReason::SixteenOrSeventeenOnIncomeRelatedBenefit => {
                "Child Support Maintenance Calculation Regulations 2012 reg 45(1)(c)"
            }
            NilRateReason::WorkBasedTraining => {
                "Child Support Maintenance Calculation Regulations 2012 reg 45(1)(d)"
            }
            NilRateReason::CareHome => {
                "Child Support Maintenance Calculation Regulations 2012 reg 45(1)(e)"
            }
        }
    }

    /// Whether an additional-income variation can bring income into account
    /// for a paying parent nil for this reason (reg 70(3)).
    #[must_use]
    pub const fn allows_additional_income_variation(self) -> bool {
        !matches!(
            self,
            NilRateReason::SixteenOrSeventeenOnIncomeRelatedBenefit
        )
    }
}

impl fmt::Display for NilRateReason {
    /// Completes "The paying parent is …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NilRateReason::Child => "a child",
            NilRateReason::Prisoner => "in prison",
            NilRateReason::WorkBasedTraining => "on work-based training for young people",
            NilRateReason::CareHome => "living in a care home or independent hospital",
            NilRateReason::SixteenOrSeventeenOnIncomeRelatedBenefit => {
                "16 or 17 and on an income-related benefit, or the partner of someone who is"
            }
        })
    }
}

/// Nights a year the paying parent has a child overnight: 0 to 366.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nights(u16);

impl Nights {
    /// The most nights in a year.
    pub const MAX: u16 = 366;

    /// `nights`, or `None` above 366.
    #[must_use]
    pub const fn new(nights: u16) -> Option<Nights> {
        if nights <= Nights::MAX {
            Some(Nights(nights))
        } else {
            None
        }
    }

    /// The number of nights.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// The receiving parents, each with the shared-care nights of each
/// qualifying child they care for. There is at least one receiving parent
/// and each cares for at least one child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivingParents {
    children: Vec<Vec<Nights>>,
    qualifying_children: u16,
}

/// Why a list of receiving parents cannot be calculated on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceivingParentsError {
    /// No receiving parent at all.
    None,
    /// More than [`RECEIVING_PARENTS_MAX`].
    TooMany,
    /// The receiving parent at this position has no qualifying child.
    NoChildren(usize),
    /// The receiving parent at this position has more than
    /// [`CHILDREN_PER_RECEIVING_PARENT_MAX`] children.
    TooManyChildren(usize),
}

impl fmt::Display for ReceivingParentsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceivingParentsError::None => {
                f.write_str("there must be at least one receiving parent")
            }
            ReceivingParentsError::TooMany => {
                write!(
                    f,
                    "one calculation takes at most {RECEIVING_PARENTS_MAX} receiving parents"
                )
            }
            ReceivingParentsError::NoChildren(_) => {
                f.write_str("each receiving parent cares for at least one qualifying child")
            }
            ReceivingParentsError::TooManyChildren(_) => write!(
                f,
                "one receiving parent may have at most {CHILDREN_PER_RECEIVING_PARENT_MAX} qualifying children here"
            ),
        }
    }
}

impl ReceivingParents {
    /// Receiving parents in order, each given as the nights of each of
    /// their qualifying children.
    ///
    /// # Errors
    /// No receiving parent, one with no children, or more than the limits.
    pub fn new(children: Vec<Vec<Nights>>) -> Result<ReceivingParents, ReceivingParentsError> {
        if children.is_empty() {
            return Err(ReceivingParentsError::None);
        }
        if children.len() > RECEIVING_PARENTS_MAX {
            return Err(ReceivingParentsError::TooMany);
        }
        for (index, own) in children.iter().enumerate() {
            if own.is_empty() {
                return Err(ReceivingParentsError::NoChildren(index));
            }
            if own.len() > CHILDREN_PER_RECEIVING_PARENT_MAX {
                return Err(ReceivingParentsError::TooManyChildren(index));
            }
        }
        // At most 20 × 20 children, so the count fits.
        let qualifying_children = u16::try_from(children.iter().map(Vec::len).sum::<usize>())
            .expect("limits keep the number of children small");
        Ok(ReceivingParents {
            children,
            qualifying_children,
        })
    }

    /// The number of receiving parents.
    #[must_use]
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Never true: there is always at least one receiving parent.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The nights of each child of the receiving parent at `index`.
    #[must_use]
    pub fn children_of(&self, index: usize) -> &[Nights] {
        &self.children[index]
    }

    /// Every receiving parent's children, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[Nights]> {
        self.children.iter().map(Vec::as_slice)
    }

    /// All qualifying children of the paying parent, across receiving parents.
    #[must_use]
    pub fn qualifying_children(&self) -> u16 {
        self.qualifying_children
    }
}
