//! The synthetic caseload: cases generated from a seed, each independently
//! (case `i` is the same whatever the size of the caseload), with shares
//! drawn from sourced calibration figures (`data/caseload.toml`) and the
//! receiving parents' incomes imputed (`data/receiving-parent-income.toml`).
//!
//! No personal data exists here: a case is a handful of counts and amounts.

use std::sync::OnceLock;

use domain_types::{Date, Pence};
use legal_parameters::{Benefit, BenefitSet, Parameters};
use maintenance_calculation::{
    Basis, CalculationRequest, Income, Nights, NilRateReason, OtherChildren, PayingParent,
    ReceivingParents, calculate,
};
use serde::Deserialize;
use smallvec::SmallVec;

use crate::figure::{Figures, fingerprint, refuse_unknown};

/// The embedded calibration file.
pub const CALIBRATION_FILE: &str = include_str!("../data/caseload.toml");
/// The embedded file of receiving parents' imputed incomes.
pub const RECEIVING_INCOME_FILE: &str = include_str!("../data/receiving-parent-income.toml");

const ONE: u64 = 1_000_000;

/// Which service a case is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// Parents pay each other; no fees.
    DirectPay,
    /// The service collects and pays on, with fees.
    CollectAndPay,
}

impl Service {
    /// Both, in report order.
    pub const ALL: [Service; 2] = [Service::DirectPay, Service::CollectAndPay];

    /// The code in outputs.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Service::DirectPay => "direct_pay",
            Service::CollectAndPay => "collect_and_pay",
        }
    }

    /// Its position in [`Service::ALL`].
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Service::DirectPay => 0,
            Service::CollectAndPay => 1,
        }
    }
}

/// What decides the paying parent's rate under the law.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payer {
    /// Assessed on gross weekly income.
    Income(Pence),
    /// On Universal Credit with no earned income: the flat rate (reg 44(2)).
    Benefit,
    /// A prisoner (nil rate, reg 45(1)(b)) with weekly earnings from prison work.
    Prisoner {
        /// What they earn a week.
        earnings: Pence,
    },
    /// In a care home (nil rate, reg 45(1)(e)).
    CareHome,
}

/// One receiving parent of a case: how many qualifying children they care
/// for, the paying parent's nights a year with each, and their imputed
/// gross weekly earnings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    /// Qualifying children in their care.
    pub children: u16,
    /// Nights a year each child spends with the paying parent.
    pub nights: u16,
    /// The receiving parent's gross weekly earnings: imputed.
    pub income: Pence,
}

/// One synthetic case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticCase {
    /// Its position in the caseload.
    pub index: u64,
    /// The service under the law.
    pub service: Service,
    /// The paying parent.
    pub payer: Payer,
    /// Relevant other children in the paying parent's household.
    pub relevant_other_children: u16,
    /// The receiving parents (one, sometimes two).
    pub groups: SmallVec<[Group; 2]>,
    /// Whether the qualifying children are all 13 or over (else all under 13).
    pub children_13_and_over: bool,
    /// Whether the receiving parent has disclosed domestic abuse.
    pub abuse_disclosed: bool,
    /// A uniform draw in parts per million, compared with a policy's take-up.
    pub take_up_draw_ppm: u32,
    /// Whether the paying parent pays on time and in full.
    pub compliant: bool,
}

impl SyntheticCase {
    /// All qualifying children.
    #[must_use]
    pub fn qualifying_children(&self) -> u16 {
        self.groups.iter().map(|g| g.children).sum()
    }

    /// The most nights of any child with the paying parent.
    #[must_use]
    pub fn most_nights(&self) -> u16 {
        self.groups.iter().map(|g| g.nights).max().unwrap_or(0)
    }

    /// The paying parent's gross weekly income where there is one (income,
    /// or a prisoner's earnings); `None` for benefits and care homes.
    #[must_use]
    pub fn payer_income(&self) -> Option<Pence> {
        match self.payer {
            Payer::Income(income) => Some(income),
            Payer::Prisoner { earnings } => Some(earnings),
            Payer::Benefit | Payer::CareHome => None,
        }
    }

    /// The calculation request the law sees on `date`; with
    /// `assess_prisoner_earnings`, a prisoner's earnings are assessed as
    /// income instead of the nil rate (Recommendation 7).
    #[must_use]
    pub fn request(&self, date: Date, assess_prisoner_earnings: bool) -> CalculationRequest {
        let mut paying_parent = PayingParent {
            relevant_other_children: OtherChildren::new(self.relevant_other_children)
                .expect("generated within the limits"),
            ..PayingParent::default()
        };
        match self.payer {
            Payer::Income(income) => paying_parent.income = Some(Income::Weekly(income)),
            Payer::Benefit => {
                paying_parent.benefits =
                    BenefitSet::EMPTY.with(Benefit::UniversalCreditNoEarnedIncome);
            }
            Payer::Prisoner { earnings } if assess_prisoner_earnings => {
                paying_parent.income = Some(Income::Weekly(earnings));
            }
            Payer::Prisoner { .. } => paying_parent.nil_rate_reason = Some(NilRateReason::Prisoner),
            Payer::CareHome => paying_parent.nil_rate_reason = Some(NilRateReason::CareHome),
        }
        let groups = self
            .groups
            .iter()
            .map(|g| {
                vec![
                    Nights::new(g.nights).expect("generated within a year");
                    usize::from(g.children)
                ]
            })
            .collect();
        CalculationRequest {
            date,
            basis: Basis::PayingParent(paying_parent),
            receiving_parents: ReceivingParents::new(groups).expect("valid by construction"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    description: String,
    figures: toml::Table,
}

/// A piecewise-linear distribution: cumulative shares in parts per million
/// with a value at each, from 0 to 1,000,000.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantiles(Vec<(u32, u64)>);

impl Quantiles {
    fn from_table(table: &[Vec<i64>], name: &str) -> Result<Quantiles, String> {
        let points: Vec<(u32, u64)> = table
            .iter()
            .map(|row| {
                (
                    u32::try_from(row[0]).expect("checked range"),
                    u64::try_from(row[1]).expect("checked range"),
                )
            })
            .collect();
        let increasing = points
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
        if points.first().map(|p| p.0) != Some(0)
            || points.last().map(|p| u64::from(p.0)) != Some(ONE)
            || !increasing
        {
            return Err(format!(
                "figure `{name}` must run from 0 to 1000000 with shares increasing and values not decreasing"
            ));
        }
        Ok(Quantiles(points))
    }

    /// The value at cumulative share `ppm` (0..1,000,000), on the straight
    /// line between the points either side, rounded down to the penny: a
    /// draw, not an amount of the law, so no rule of rounding applies.
    #[must_use]
    pub fn at(&self, ppm: u32) -> u64 {
        let after = self.0.partition_point(|(share, _)| *share <= ppm);
        let (low_share, low) = self.0[after - 1];
        match self.0.get(after) {
            None => low,
            Some(&(high_share, high)) => {
                low + (high - low) * u64::from(ppm - low_share) / u64::from(high_share - low_share)
            }
        }
    }
}

/// Shares in parts per million that add up to one.
fn weights(values: Vec<i64>, name: &str) -> Result<Vec<u32>, String> {
    let weights: Vec<u32> = values
        .into_iter()
        .map(|v| u32::try_from(v).expect("checked range"))
        .collect();
    if weights.iter().map(|w| u64::from(*w)).sum::<u64>() != ONE {
        return Err(format!("figure `{name}` must add up to 1000000"));
    }
    Ok(weights)
}

fn share(figures: &Figures, name: &str) -> Result<u32, String> {
    figures
        .integer(name, 0, 1_000_000)
        .map(|v| u32::try_from(v).expect("checked range"))
}

const CALIBRATION_KNOWN: &[&str] = &[
    "collect_and_pay_ppm",
    "qualifying_children_ppm",
    "shared_care_bands",
    "relevant_other_children_ppm",
    "two_receiving_parents_ppm",
    "benefit_collect_and_pay_ppm",
    "benefit_direct_pay_ppm",
    "prisoner_ppm",
    "care_home_ppm",
    "paying_income_quantiles",
    "prisoner_earnings_quantiles",
    "children_13_and_over_ppm",
    "abuse_disclosed_ppm",
    "compliant_collect_and_pay_ppm",
    "compliant_direct_pay_ppm",
    "target_below_12570_ppm",
    "target_children_per_arrangement_milli",
    "target_mean_weekly_liability_pence",
];

const RECEIVING_KNOWN: &[&str] = &["employed_ppm", "earnings_quantiles"];

/// Targets from published statistics the caseload is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    /// Share of paying parents with income below £12,570 a year.
    pub below_12570_ppm: u32,
    /// Qualifying children per arrangement, in thousandths.
    pub children_per_arrangement_milli: u32,
    /// Mean weekly liability under the law, pence.
    pub mean_weekly_liability_pence: u64,
}

/// The calibration: every share the generator draws from.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// What the caseload stands for.
    pub description: String,
    /// Fingerprint of the calibration file.
    pub fingerprint: String,
    /// Fingerprint of the receiving parents' incomes file.
    pub receiving_income_fingerprint: String,
    /// The calibration figures with their sources.
    pub figures: Figures,
    /// The receiving parents' income figures with their sources.
    pub receiving_income_figures: Figures,
    /// Published targets (not drawn from).
    pub targets: Targets,
    collect_and_pay: u32,
    children: Vec<u32>,
    shared_care: Vec<(u32, u16, u16)>,
    other_children: Vec<u32>,
    two_receiving_parents: u32,
    benefit: [u32; 2],
    prisoner: u32,
    care_home: u32,
    income: Quantiles,
    prisoner_earnings: Quantiles,
    children_13_and_over: u32,
    abuse_disclosed: u32,
    compliant: [u32; 2],
    receiving_employed: u32,
    receiving_earnings: Quantiles,
}

impl Calibration {
    /// The embedded calibration, loaded once.
    ///
    /// # Panics
    /// If the embedded files are invalid; the tests load them.
    pub fn embedded() -> &'static Calibration {
        static EMBEDDED: OnceLock<Calibration> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Calibration::from_toml(CALIBRATION_FILE, RECEIVING_INCOME_FILE)
                .unwrap_or_else(|e| panic!("the embedded calibration is invalid: {e}"))
        })
    }

    /// Reads the calibration and the receiving parents' incomes.
    ///
    /// # Errors
    /// Bad TOML, or a figure missing, unknown, out of range, or shares not
    /// adding up to one.
    pub fn from_toml(calibration: &str, receiving_income: &str) -> Result<Calibration, String> {
        let raw: RawFile =
            toml::from_str(calibration).map_err(|e| format!("caseload.toml: {e}"))?;
        let figures = Figures::from_toml(&raw.figures)?;
        refuse_unknown(&figures, CALIBRATION_KNOWN, "caseload.toml")?;
        let received: RawFile = toml::from_str(receiving_income)
            .map_err(|e| format!("receiving-parent-income.toml: {e}"))?;
        let incomes = Figures::from_toml(&received.figures)?;
        refuse_unknown(&incomes, RECEIVING_KNOWN, "receiving-parent-income.toml")?;
        let bands = figures.table("shared_care_bands", None, 3, 0, 1_000_000)?;
        if bands.iter().map(|b| b[0]).sum::<i64>() != 1_000_000
            || bands.iter().any(|b| b[1] > b[2] || b[2] > 366)
        {
            return Err("figure `shared_care_bands`: shares must add up to 1000000 and nights run low to high within a year".to_owned());
        }
        let quantiles = |figures: &Figures, name: &str| {
            Quantiles::from_table(&figures.table(name, None, 2, 0, 100_000_000)?, name)
        };
        let calibration = Calibration {
            description: raw.description,
            fingerprint: fingerprint(calibration),
            receiving_income_fingerprint: fingerprint(receiving_income),
            collect_and_pay: share(&figures, "collect_and_pay_ppm")?,
            children: weights(
                figures.list("qualifying_children_ppm", 4, 0, 1_000_000)?,
                "qualifying_children_ppm",
            )?,
            shared_care: bands
                .iter()
                .map(|b| {
                    (
                        u32::try_from(b[0]).expect("checked"),
                        u16::try_from(b[1]).expect("checked"),
                        u16::try_from(b[2]).expect("checked"),
                    )
                })
                .collect(),
            other_children: weights(
                figures.list("relevant_other_children_ppm", 4, 0, 1_000_000)?,
                "relevant_other_children_ppm",
            )?,
            two_receiving_parents: share(&figures, "two_receiving_parents_ppm")?,
            benefit: [
                share(&figures, "benefit_direct_pay_ppm")?,
                share(&figures, "benefit_collect_and_pay_ppm")?,
            ],
            prisoner: share(&figures, "prisoner_ppm")?,
            care_home: share(&figures, "care_home_ppm")?,
            income: quantiles(&figures, "paying_income_quantiles")?,
            prisoner_earnings: quantiles(&figures, "prisoner_earnings_quantiles")?,
            children_13_and_over: share(&figures, "children_13_and_over_ppm")?,
            abuse_disclosed: share(&figures, "abuse_disclosed_ppm")?,
            compliant: [
                share(&figures, "compliant_direct_pay_ppm")?,
                share(&figures, "compliant_collect_and_pay_ppm")?,
            ],
            receiving_employed: share(&incomes, "employed_ppm")?,
            receiving_earnings: quantiles(&incomes, "earnings_quantiles")?,
            targets: Targets {
                below_12570_ppm: share(&figures, "target_below_12570_ppm")?,
                children_per_arrangement_milli: u32::try_from(figures.integer(
                    "target_children_per_arrangement_milli",
                    1_000,
                    20_000,
                )?)
                .expect("checked"),
                mean_weekly_liability_pence: figures
                    .unsigned("target_mean_weekly_liability_pence", 1_000_000)?,
            },
            figures,
            receiving_income_figures: incomes,
        };
        for service in Service::ALL {
            let statuses = u64::from(calibration.benefit[service.index()])
                + u64::from(calibration.prisoner)
                + u64::from(calibration.care_home);
            if statuses > ONE {
                return Err(format!(
                    "caseload.toml: benefit, prisoner and care-home shares exceed one on {}",
                    service.code()
                ));
            }
        }
        Ok(calibration)
    }
}

/// SplitMix64 draws for one case, seeded from the caseload's seed and the
/// case's index, so every case is generated on its own.
struct Draws(u64);

impl Draws {
    fn for_case(seed: u64, index: u64) -> Draws {
        let mut draws = Draws(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
        draws.next();
        draws
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..1,000,000 (the bias of the remainder is below 10⁻¹³).
    fn ppm(&mut self) -> u32 {
        u32::try_from(self.next() % ONE).expect("below a million")
    }

    fn chance(&mut self, ppm: u32) -> bool {
        self.ppm() < ppm
    }

    /// An index chosen by weights adding up to a million.
    fn pick(&mut self, weights: &[u32]) -> usize {
        let mut roll = self.ppm();
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        weights.len() - 1
    }

    fn between(&mut self, low: u16, high: u16) -> u16 {
        low + u16::try_from(self.next() % u64::from(high - low + 1)).expect("within the band")
    }
}

impl Calibration {
    /// Case `index` of the caseload generated from `seed`.
    #[must_use]
    pub fn case(&self, seed: u64, index: u64) -> SyntheticCase {
        let mut draws = Draws::for_case(seed, index);
        let service = if draws.chance(self.collect_and_pay) {
            Service::CollectAndPay
        } else {
            Service::DirectPay
        };
        let children = u16::try_from(1 + draws.pick(&self.children)).expect("at most 4");
        let relevant_other_children =
            u16::try_from(draws.pick(&self.other_children)).expect("at most 3");
        let band_weights: SmallVec<[u32; 8]> = self.shared_care.iter().map(|b| b.0).collect();
        let (_, low, high) = self.shared_care[draws.pick(&band_weights)];
        let nights = draws.between(low, high);
        let status = draws.ppm();
        let benefit = self.benefit[service.index()];
        let payer = if status < benefit {
            Payer::Benefit
        } else if status < benefit + self.prisoner {
            Payer::Prisoner {
                earnings: Pence::new(self.prisoner_earnings.at(draws.ppm())),
            }
        } else if status < benefit + self.prisoner + self.care_home {
            Payer::CareHome
        } else {
            Payer::Income(Pence::new(self.income.at(draws.ppm())))
        };
        let receiving_income = |draws: &mut Draws| {
            if draws.chance(self.receiving_employed) {
                Pence::new(self.receiving_earnings.at(draws.ppm()))
            } else {
                Pence::ZERO
            }
        };
        let mut groups = SmallVec::new();
        if children > 1 && draws.chance(self.two_receiving_parents) {
            groups.push(Group {
                children: 1,
                nights,
                income: receiving_income(&mut draws),
            });
            groups.push(Group {
                children: children - 1,
                nights,
                income: receiving_income(&mut draws),
            });
        } else {
            groups.push(Group {
                children,
                nights,
                income: receiving_income(&mut draws),
            });
        }
        SyntheticCase {
            index,
            service,
            payer,
            relevant_other_children,
            groups,
            children_13_and_over: draws.chance(self.children_13_and_over),
            abuse_disclosed: draws.chance(self.abuse_disclosed),
            take_up_draw_ppm: draws.ppm(),
            compliant: draws.chance(self.compliant[service.index()]),
        }
    }
}

/// Where a caseload's cases came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Generated from the seed, calibrated to published statistics.
    Synthetic,
    /// The service's own cases as known on a date: what the store held
    /// then, each case's calculation in force that day, with what the
    /// stored cases do not hold imputed from the seed.
    Stored {
        /// The day: facts recorded by then, the calculation in force then.
        known_on: Date,
        /// Cases read from the store.
        read: u64,
        /// Cases read but not modelled, by reason (no liability that day,
        /// or circumstances the model's case cannot hold), in a fixed order.
        not_modelled: Vec<(&'static str, u64)>,
    },
}

/// A caseload: its cases and how they were made.
#[derive(Clone, Debug)]
pub struct Caseload {
    /// The seed it was generated from (for the stored caseload, the seed
    /// of what is imputed).
    pub seed: u64,
    /// The calibration it was drawn from.
    pub calibration: &'static Calibration,
    /// The cases, in index order.
    pub cases: Vec<SyntheticCase>,
    /// Where the cases came from.
    pub source: Source,
}

impl Caseload {
    /// `count` cases generated from `seed` with the embedded calibration.
    #[must_use]
    pub fn synthetic(count: usize, seed: u64) -> Caseload {
        let calibration = Calibration::embedded();
        Caseload {
            seed,
            calibration,
            cases: (0..count as u64)
                .map(|i| calibration.case(seed, i))
                .collect(),
            source: Source::Synthetic,
        }
    }
}

/// Why a stored case cannot be modelled: it has no liability that day, or
/// circumstances the model's case does not hold. In report order.
pub const NOT_MODELLED: [&str; 8] = [
    "no_liability_on_the_date",
    "default_maintenance_decision",
    "variations",
    "other_arrangement_children",
    "benefit_other_than_universal_credit",
    "nil_rate_reason_other_than_prisoner_or_care_home",
    "children_of_one_receiving_parent_on_different_nights",
    "the_model_would_not_reproduce_the_law_s_amount",
];

/// Keeps a stored prisoner's imputed earnings apart from the other draws.
const PRISONER_STREAM: u64 = 0x5052_4953_4F4E_4552;

impl Calibration {
    /// The model's case for a stored case's calculation in force on its
    /// date (`request`, as the schedule asks it) and its service: the
    /// paying parent, children and nights from the request; what the
    /// service does not hold (receiving parents' incomes, children's ages,
    /// compliance, disclosure and the take-up draw) imputed as case `index`
    /// of the seed's synthetic caseload would have them. A prisoner's
    /// earnings are not held either: imputed from the prisoners' earnings
    /// figure.
    ///
    /// The model's case is kept only where the law's weekly amount worked
    /// out from it is the stored request's own, penny for penny.
    ///
    /// # Errors
    /// The reason (one of [`NOT_MODELLED`]) where the model's case cannot
    /// hold the request's circumstances.
    pub fn stored_case(
        &self,
        seed: u64,
        index: u64,
        request: &CalculationRequest,
        collect_and_pay: bool,
        parameters: &Parameters,
    ) -> Result<SyntheticCase, &'static str> {
        let Basis::PayingParent(parent) = &request.basis else {
            return Err(NOT_MODELLED[1]);
        };
        if parent.variations != maintenance_calculation::Variations::default() {
            return Err(NOT_MODELLED[2]);
        }
        if parent.other_arrangement_children.get() > 0 {
            return Err(NOT_MODELLED[3]);
        }
        let imputed = self.case(seed, index);
        let payer = match (parent.nil_rate_reason, parent.income) {
            (Some(NilRateReason::Prisoner), _) => Payer::Prisoner {
                earnings: match imputed.payer {
                    Payer::Prisoner { earnings } => earnings,
                    // A draw of its own, apart from the case's others.
                    _ => Pence::new(
                        self.prisoner_earnings
                            .at(Draws::for_case(seed ^ PRISONER_STREAM, index).ppm()),
                    ),
                },
            },
            (Some(NilRateReason::CareHome), _) => Payer::CareHome,
            (Some(_), _) => return Err(NOT_MODELLED[5]),
            (None, _)
                if parent.benefits
                    == BenefitSet::EMPTY.with(Benefit::UniversalCreditNoEarnedIncome)
                    && parent.partner_benefits == BenefitSet::EMPTY =>
            {
                Payer::Benefit
            }
            (None, _)
                if parent.benefits != BenefitSet::EMPTY
                    || parent.partner_benefits != BenefitSet::EMPTY =>
            {
                return Err(NOT_MODELLED[4]);
            }
            (None, Some(Income::Weekly(weekly))) => Payer::Income(weekly),
            (None, Some(Income::Annual(annual))) => {
                Payer::Income(maintenance_calculation::weekly_from_annual(annual))
            }
            (None, None) => return Err(NOT_MODELLED[0]),
        };
        let mut groups: SmallVec<[Group; 2]> = SmallVec::new();
        for (position, children) in request.receiving_parents.iter().enumerate() {
            let nights = children.first().map_or(0, |n| n.get());
            if children.iter().any(|n| n.get() != nights) {
                return Err(NOT_MODELLED[6]);
            }
            groups.push(Group {
                children: u16::try_from(children.len()).expect("a few children"),
                nights,
                income: imputed
                    .groups
                    .get(position)
                    .or(imputed.groups.first())
                    .map_or(Pence::ZERO, |g| g.income),
            });
        }
        let case = SyntheticCase {
            index,
            service: if collect_and_pay {
                Service::CollectAndPay
            } else {
                Service::DirectPay
            },
            payer,
            relevant_other_children: parent.relevant_other_children.get(),
            groups,
            ..imputed
        };
        let weekly = |request: &CalculationRequest| {
            calculate(request, parameters)
                .ok()
                .map(|c| c.weekly_amounts.iter().copied().collect::<Vec<Pence>>())
        };
        let law = weekly(request);
        if law.is_some() && weekly(&case.request(request.date, false)) == law {
            Ok(case)
        } else {
            Err(NOT_MODELLED[7])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_calibration_loads_with_every_figure_sourced() {
        let calibration = Calibration::embedded();
        assert_eq!(calibration.figures.iter().count(), CALIBRATION_KNOWN.len());
        assert_eq!(
            calibration.receiving_income_figures.iter().count(),
            RECEIVING_KNOWN.len()
        );
    }

    #[test]
    fn quantiles_draw_on_straight_lines_between_points() {
        let q = Quantiles::from_table(&[vec![0, 0], vec![500_000, 100], vec![1_000_000, 300]], "q")
            .unwrap();
        assert_eq!(q.at(0), 0);
        assert_eq!(q.at(250_000), 50);
        assert_eq!(q.at(500_000), 100);
        assert_eq!(q.at(750_000), 200);
        assert_eq!(q.at(999_999), 299);
        assert!(Quantiles::from_table(&[vec![0, 5], vec![900_000, 1]], "q").is_err());
    }

    #[test]
    fn a_case_is_the_same_whatever_the_size_of_the_caseload() {
        let small = Caseload::synthetic(10, 7);
        let large = Caseload::synthetic(1_000, 7);
        assert_eq!(small.cases[..], large.cases[..10]);
        assert_ne!(Caseload::synthetic(10, 8).cases, small.cases);
    }
}
