//! Modelling collection fees under the law, and under an announced policy
//! side by side. Modelling only: nothing here posts to a case.

use domain_types::{Date, PartsPerMillion, Pence};
use legal_parameters::{CollectionReform, Parameters};

/// What a week's maintenance costs and brings on Collect and Pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelledFees {
    /// Whether parents may still choose Direct Pay (no fees).
    pub direct_pay_available: bool,
    /// Added to what the paying parent pays.
    pub paying_parent_fee: Pence,
    /// Kept from what the receiving parent is paid.
    pub receiving_parent_fee: Pence,
    /// What the paying parent pays in all.
    pub paying_parent_pays: Pence,
    /// What the receiving parent receives.
    pub receiving_parent_gets: Pence,
}

fn fees(
    weekly: Pence,
    paying: PartsPerMillion,
    receiving: PartsPerMillion,
    direct_pay: bool,
) -> ModelledFees {
    let paying_parent_fee = paying.of(weekly);
    let receiving_parent_fee = receiving.of(weekly);
    ModelledFees {
        direct_pay_available: direct_pay,
        paying_parent_fee,
        receiving_parent_fee,
        paying_parent_pays: weekly.checked_add(paying_parent_fee).expect("bounded"),
        receiving_parent_gets: Pence::new(weekly.get() - receiving_parent_fee.get()),
    }
}

/// A week's maintenance on Collect and Pay under the law in force on
/// `date` (Fees Regs 2014 reg 7; none before 11 August 2014), rounded half
/// up to the penny as rules.md §3.2 does for the weekly view [I].
#[must_use]
pub fn fees_under_law(weekly: Pence, date: Date, parameters: &Parameters) -> ModelledFees {
    let rates = parameters.at(date).ok().and_then(|set| set.collection_fees);
    match rates {
        Some(rates) => fees(weekly, rates.paying_parent, rates.receiving_parent, true),
        None => fees(weekly, PartsPerMillion::ZERO, PartsPerMillion::ZERO, true),
    }
}

/// The same week under an announced reform, if it would be in force on
/// `date` (its start is an assumption until commenced); `None` before.
/// A paying parent who does not pay on time and in full pays the higher
/// fee.
#[must_use]
pub fn fees_under_policy(
    weekly: Pence,
    date: Date,
    reform: &CollectionReform,
    paying_parent_compliant: bool,
) -> Option<ModelledFees> {
    (date >= reform.from).then(|| {
        let paying = if paying_parent_compliant {
            reform.paying_parent_compliant
        } else {
            reform.paying_parent_non_compliant
        };
        fees(
            weekly,
            paying,
            reform.receiving_parent,
            reform.direct_pay_available,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    #[test]
    fn the_flat_rate_week_under_the_law_and_under_the_reform() {
        let parameters = Parameters::embedded();
        let seven = Pence::new(700);
        // rules.md §3.2: £7 flat rate, paying £1.40 (£8.40) and receiving 28p (£6.72).
        let law = fees_under_law(seven, d("2025-06-01"), parameters);
        assert_eq!(
            (
                law.paying_parent_pays,
                law.receiving_parent_gets,
                law.direct_pay_available
            ),
            (Pence::new(840), Pence::new(672), true)
        );
        // Before the Fees Regulations: no fees.
        let before = fees_under_law(seven, d("2014-08-10"), parameters);
        assert_eq!(before.paying_parent_fee, Pence::ZERO);
        let reform = CollectionReform::named("direct-pay-reform-2025").unwrap();
        assert_eq!(
            fees_under_policy(seven, d("2027-03-31"), &reform, true),
            None
        );
        let on_time = fees_under_policy(seven, d("2027-04-01"), &reform, true).unwrap();
        assert_eq!(
            (
                on_time.paying_parent_fee,
                on_time.receiving_parent_fee,
                on_time.direct_pay_available
            ),
            (Pence::new(14), Pence::new(14), false)
        );
        let late = fees_under_policy(seven, d("2027-04-01"), &reform, false).unwrap();
        assert_eq!(late.paying_parent_fee, Pence::new(140));
    }
}

/// Why the application fee is waived (Child Support Fees Regulations 2014
/// reg 4; rules.md §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationFeeWaiver {
    /// The applicant is under 19.
    UnderNineteen,
    /// The applicant declares domestic violence or abuse reported to an
    /// appropriate person. No evidence is asked for at application.
    DomesticAbuseDeclared,
}

/// The fee on an application made on `applied_on`: £20 from 30 June 2014
/// until its abolition on 26 February 2024 (SI 2024/87), as the dated
/// parameters say; nothing when waived, or on a date with no fee.
#[must_use]
pub fn application_fee(
    applied_on: Date,
    parameters: &Parameters,
    waiver: Option<ApplicationFeeWaiver>,
) -> Pence {
    if waiver.is_some() {
        return Pence::ZERO;
    }
    parameters
        .at(applied_on)
        .ok()
        .and_then(|set| set.application_fee)
        .unwrap_or(Pence::ZERO)
}

#[cfg(test)]
mod application_tests {
    use super::*;

    #[test]
    fn the_application_fee_runs_from_june_2014_to_february_2024_and_is_waived() {
        let parameters = Parameters::embedded();
        let fee = |date: &str, waiver| {
            application_fee(Date::parse_iso(date).unwrap(), parameters, waiver)
        };
        assert_eq!(fee("2014-06-29", None), Pence::ZERO);
        assert_eq!(fee("2014-06-30", None), Pence::new(2_000));
        assert_eq!(fee("2024-02-25", None), Pence::new(2_000));
        assert_eq!(fee("2024-02-26", None), Pence::ZERO);
        assert_eq!(
            fee(
                "2020-01-01",
                Some(ApplicationFeeWaiver::DomesticAbuseDeclared)
            ),
            Pence::ZERO
        );
        assert_eq!(
            fee("2020-01-01", Some(ApplicationFeeWaiver::UnderNineteen)),
            Pence::ZERO
        );
    }
}
