//! The benefits, pensions and allowances the calculation asks about.

use std::fmt;

macro_rules! benefits {
    ($( $variant:ident => $code:literal, $name:literal; )*) => {
        /// A benefit, pension or allowance, named by its code in the API
        /// contract. Which of them give the flat or nil rate, and from when,
        /// is data (`parameters/*-benefits.toml`), not code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Benefit { $( #[doc = $name] $variant, )* }

        impl Benefit {
            /// Every benefit, in a fixed order.
            pub const ALL: &'static [Benefit] = &[$(Benefit::$variant),*];

            /// The code used in requests: `contribution_based_jsa`.
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $(Benefit::$variant => $code,)* }
            }

            /// The name a parent knows it by: "contribution-based Jobseeker's Allowance".
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Benefit::$variant => $name,)* }
            }

            /// The benefit with this code, if there is one.
            #[must_use]
            pub fn from_code(code: &str) -> Option<Benefit> {
                match code { $($code => Some(Benefit::$variant),)* _ => None }
            }
        }
    };
}

benefits! {
    BereavementAllowance => "bereavement_allowance", "bereavement allowance";
    RetirementPension => "retirement_pension", "a category A, B, C or D retirement pension";
    StatePension => "state_pension", "State Pension";
    IncapacityBenefit => "incapacity_benefit", "incapacity benefit";
    CarersAllowance => "carers_allowance", "Carer's Allowance";
    MaternityAllowance => "maternity_allowance", "Maternity Allowance";
    SevereDisablementAllowance => "severe_disablement_allowance", "Severe Disablement Allowance";
    IndustrialInjuriesBenefit => "industrial_injuries_benefit", "Industrial Injuries Benefit";
    WidowedMothersAllowance => "widowed_mothers_allowance", "Widowed Mother's Allowance";
    WidowedParentsAllowance => "widowed_parents_allowance", "Widowed Parent's Allowance";
    WidowsPension => "widows_pension", "Widow's Pension";
    ContributionBasedJsa => "contribution_based_jsa", "contribution-based Jobseeker's Allowance";
    ForeignSocialSecurityBenefit => "foreign_social_security_benefit", "a social security benefit paid by another country";
    TrainingAllowance => "training_allowance", "a training allowance";
    WarDisablementPension => "war_disablement_pension", "a war disablement pension";
    WarWidowsPension => "war_widows_pension", "a war widow's, widower's or surviving civil partner's pension";
    ArmedForcesCompensationScheme => "armed_forces_compensation_scheme", "a payment under the Armed Forces compensation schemes";
    ContributoryEsa => "contributory_esa", "contributory Employment and Support Allowance";
    IncomeSupport => "income_support", "Income Support";
    IncomeBasedJsa => "income_based_jsa", "income-based Jobseeker's Allowance";
    IncomeRelatedEsa => "income_related_esa", "income-related Employment and Support Allowance";
    StatePensionCredit => "state_pension_credit", "Pension Credit";
    UniversalCreditNoEarnedIncome => "universal_credit_no_earned_income", "Universal Credit with no earned income";
    WorkBasedTrainingAllowance => "work_based_training_allowance", "an allowance for work-based training for young people";
    SkillseekersTraining => "skillseekers_training", "an allowance for Skillseekers training";
}

impl fmt::Display for Benefit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of benefits, held as bits so that asking "does the paying parent
/// get any flat-rate benefit" is one AND.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BenefitSet(u32);

impl BenefitSet {
    /// No benefits.
    pub const EMPTY: BenefitSet = BenefitSet(0);

    /// The set with `benefit` added.
    #[must_use]
    pub const fn with(self, benefit: Benefit) -> BenefitSet {
        BenefitSet(self.0 | 1 << benefit as u8)
    }

    /// Whether `benefit` is in the set.
    #[must_use]
    pub const fn contains(self, benefit: Benefit) -> bool {
        self.0 & (1 << benefit as u8) != 0
    }

    /// The benefits in both sets.
    #[must_use]
    pub const fn intersection(self, other: BenefitSet) -> BenefitSet {
        BenefitSet(self.0 & other.0)
    }

    /// The benefits in either set.
    #[must_use]
    pub const fn union(self, other: BenefitSet) -> BenefitSet {
        BenefitSet(self.0 | other.0)
    }

    /// The benefits in this set and not in `other`.
    #[must_use]
    pub const fn difference(self, other: BenefitSet) -> BenefitSet {
        BenefitSet(self.0 & !other.0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The first benefit in the set, in [`Benefit::ALL`] order.
    #[must_use]
    pub fn first(self) -> Option<Benefit> {
        // Bit n holds `Benefit::ALL[n]` (the enum's discriminants are its
        // positions), so the lowest set bit is the first benefit: one
        // instruction rather than a scan, on the calculation's hot path.
        if self.0 == 0 {
            None
        } else {
            Some(Benefit::ALL[self.0.trailing_zeros() as usize])
        }
    }

    /// The benefits in the set, in [`Benefit::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Benefit> {
        Benefit::ALL
            .iter()
            .copied()
            .filter(move |b| self.contains(*b))
    }
}

impl FromIterator<Benefit> for BenefitSet {
    fn from_iter<I: IntoIterator<Item = Benefit>>(iter: I) -> Self {
        iter.into_iter().fold(BenefitSet::EMPTY, BenefitSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_names_exactly_one_benefit() {
        assert!(Benefit::ALL.len() <= 32, "BenefitSet holds at most 32");
        for (position, benefit) in Benefit::ALL.iter().enumerate() {
            assert_eq!(
                *benefit as usize, position,
                "BenefitSet::first relies on this"
            );
            assert_eq!(BenefitSet::EMPTY.with(*benefit).first(), Some(*benefit));
        }
        for benefit in Benefit::ALL {
            assert_eq!(Benefit::from_code(benefit.code()), Some(*benefit));
        }
        assert_eq!(Benefit::from_code("jobseekers_allowance"), None);
    }

    #[test]
    fn sets_hold_what_was_put_in() {
        let set: BenefitSet = [Benefit::IncomeSupport, Benefit::CarersAllowance]
            .into_iter()
            .collect();
        assert!(set.contains(Benefit::IncomeSupport));
        assert!(!set.contains(Benefit::ContributoryEsa));
        assert_eq!(set.first(), Some(Benefit::CarersAllowance));
    }
}
