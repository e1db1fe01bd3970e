//! Income shares: Australia's basic child support formula (Child Support
//! (Assessment) Act 1989 (Cth) ss 55B-55H), the worked anchor for
//! Recommendation 8, adapted to Great Britain. Every figure is a model
//! (policy file `income-shares-rec8`).
//!
//! The eight steps, as Services Australia publishes them, for each
//! receiving parent's children:
//! 1. each parent's child support income: income less the self-support
//!    amount (and, for the paying parent, the relevant dependent child
//!    amount for children in their household, s 46);
//! 2. combined income;
//! 3. each parent's income percentage;
//! 4. each parent's percentage of care (nights a year ÷ 365, rounded to a
//!    whole percentage);
//! 5. each parent's cost percentage (the care and cost table, s 55C);
//! 6. child support percentage = income percentage − cost percentage;
//! 7. the costs of the children from combined income (Sch 1);
//! 8. a positive child support percentage × the costs is what that parent
//!    pays.
//!
//! Adaptations [model]: weekly pence instead of annual dollars; the
//! earnings anchor is British; a paying parent with two receiving parents
//! has their child support income shared between them by children (in
//! place of Australia's multi-case formula); children are all under 13 or
//! all 13 and over (the mixed-age column is not used); only earnings count
//! as income.

use domain_types::{Pence, round_half_up_div};
use smallvec::SmallVec;

use crate::caseload::Group;
use crate::figure::Figures;

/// The figures the formula needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomeShares {
    /// The self-support amount a week: the anchor × the self-support
    /// fraction, rounded half up to the penny once.
    pub self_support: Pence,
    /// The width of each income band of the cost table, a week, rounded
    /// half up to the penny once.
    pub band_width: Pence,
    /// Cost percentages in ppm, children under 13: rows 1, 2, 3+ children,
    /// columns the five bands.
    pub costs_under_13: [[u32; 5]; 3],
    /// As above, children 13 and over.
    pub costs_13_and_over: [[u32; 5]; 3],
    /// The care and cost table: (care from %, care to %, cost %, extra cost
    /// % a care point, counted from care %).
    pub care_cost: Vec<[u32; 5]>,
    /// Below this care percentage the flat rate is the least paid.
    pub minimum_below_care_percent: u32,
}

/// The figure names of the rule.
pub const FIGURES: &[&str] = &[
    "anchor_weekly_earnings_pence",
    "self_support_fraction",
    "cost_band_fraction",
    "costs_children_under_13_ppm",
    "costs_children_13_and_over_ppm",
    "care_cost_percent",
    "minimum_rate_below_care_percent",
];

fn fraction_of(amount: u64, fraction: &[i64]) -> Result<Pence, String> {
    let numerator = u64::try_from(fraction[0]).map_err(|_| "a negative fraction")?;
    let denominator = u64::try_from(fraction[1]).map_err(|_| "a negative fraction")?;
    if denominator == 0 || numerator > denominator {
        return Err("a fraction must be between 0 and 1".to_owned());
    }
    Ok(Pence::new(
        u64::try_from(round_half_up_div(
            u128::from(amount) * u128::from(numerator),
            u128::from(denominator),
        ))
        .expect("at most the amount"),
    ))
}

fn costs(table: &[Vec<i64>]) -> [[u32; 5]; 3] {
    let mut out = [[0; 5]; 3];
    for (row, values) in out.iter_mut().zip(table) {
        for (cell, value) in row.iter_mut().zip(values) {
            *cell = u32::try_from(*value).expect("checked range");
        }
    }
    out
}

impl IncomeShares {
    /// Reads the rule's figures.
    ///
    /// # Errors
    /// A figure missing or out of range, or a care table that does not
    /// cover 0-100% in order.
    pub fn from_figures(figures: &Figures) -> Result<IncomeShares, String> {
        let anchor = figures.unsigned("anchor_weekly_earnings_pence", 10_000_000)?;
        let care_cost: Vec<[u32; 5]> = figures
            .table("care_cost_percent", None, 5, 0, 100)?
            .iter()
            .map(|row| {
                let mut out = [0u32; 5];
                for (cell, value) in out.iter_mut().zip(row) {
                    *cell = u32::try_from(*value).expect("checked range");
                }
                out
            })
            .collect();
        let covers = care_cost.first().map(|r| r[0]) == Some(0)
            && care_cost.last().map(|r| r[1]) == Some(100)
            && care_cost.windows(2).all(|w| w[1][0] == w[0][1] + 1)
            && care_cost.iter().all(|r| r[0] <= r[1] && r[4] <= r[0]);
        if !covers {
            return Err("figure `care_cost_percent` must cover 0 to 100% in order".to_owned());
        }
        Ok(IncomeShares {
            self_support: fraction_of(
                anchor,
                &figures.list("self_support_fraction", 2, 0, 1_000)?,
            )?,
            band_width: fraction_of(anchor, &figures.list("cost_band_fraction", 2, 0, 1_000)?)?,
            costs_under_13: costs(&figures.table(
                "costs_children_under_13_ppm",
                Some(3),
                5,
                0,
                1_000_000,
            )?),
            costs_13_and_over: costs(&figures.table(
                "costs_children_13_and_over_ppm",
                Some(3),
                5,
                0,
                1_000_000,
            )?),
            care_cost,
            minimum_below_care_percent: u32::try_from(figures.integer(
                "minimum_rate_below_care_percent",
                0,
                100,
            )?)
            .expect("checked range"),
        })
    }

    /// Step 7: the costs of `children` children a week from `combined`
    /// income, in millionths of a penny (kept exact until the amount).
    #[must_use]
    pub fn costs_of_children(&self, combined: Pence, children: u16, older: bool) -> u128 {
        let table = if older {
            &self.costs_13_and_over
        } else {
            &self.costs_under_13
        };
        let row = &table[usize::from(children.clamp(1, 3)) - 1];
        let width = self.band_width.get();
        row.iter()
            .zip(0u64..)
            .map(|(ppm, band)| {
                let in_band = combined.get().saturating_sub(band * width).min(width);
                u128::from(in_band) * u128::from(*ppm)
            })
            .sum()
    }

    /// Step 4: a percentage of care from nights a year, rounded half up to
    /// a whole percentage [check: CSA Act s 49 rounds to the nearest whole
    /// percentage; not re-read].
    #[must_use]
    pub fn care_percent(nights: u16) -> u32 {
        u32::try_from(round_half_up_div(u128::from(nights.min(365)) * 100, 365))
            .expect("at most 100")
    }

    /// Step 5: the cost percentage for a percentage of care (s 55C).
    #[must_use]
    pub fn cost_percent(&self, care: u32) -> u32 {
        let row = self
            .care_cost
            .iter()
            .find(|r| (r[0]..=r[1]).contains(&care))
            .expect("the table covers 0-100%");
        row[2] + row[3] * (care - row[4].min(care))
    }

    /// Steps 1-8 for a paying parent with gross weekly income `payer`,
    /// `other_children` relevant other children, and the receiving parents
    /// in `groups`. Returns each receiving parent's weekly amount (before
    /// the flat-rate minimum, which [`IncomeShares::with_minimum`] applies)
    /// and whether any receiving parent would pay instead (a reversal,
    /// counted as nil here).
    #[must_use]
    pub fn assess(
        &self,
        payer: Pence,
        other_children: u16,
        groups: &[Group],
        older: bool,
    ) -> (SmallVec<[Pence; 2]>, bool) {
        // Step 1 for the paying parent: income less the self-support
        // amount, less the relevant dependent child amount (s 46: the
        // costs of the other children on that income alone), rounded half
        // up to the penny.
        let initial = payer.saturating_sub(self.self_support);
        let dependants = if other_children > 0 {
            Pence::new(
                u64::try_from(round_half_up_div(
                    self.costs_of_children(initial, other_children, false),
                    1_000_000,
                ))
                .expect("at most the income"),
            )
        } else {
            Pence::ZERO
        };
        let payer_income = initial.saturating_sub(dependants);
        let all_children: u16 = groups.iter().map(|g| g.children).sum();
        let mut reversed = false;
        let amounts = groups
            .iter()
            .map(|group| {
                // [model] shared between receiving parents by children,
                // rounded half up to the penny.
                let payer_share = u64::try_from(round_half_up_div(
                    u128::from(payer_income.get()) * u128::from(group.children),
                    u128::from(all_children),
                ))
                .expect("at most the income");
                let receiving = group.income.saturating_sub(self.self_support).get();
                let combined = payer_share + receiving;
                if combined == 0 {
                    return Pence::ZERO;
                }
                let costs = self.costs_of_children(Pence::new(combined), group.children, older);
                let payer_care = IncomeShares::care_percent(group.nights);
                let payer_cost = self.cost_percent(payer_care);
                let receiving_cost = self.cost_percent(100 - payer_care);
                // Step 6, exactly: income share − cost share, over 100 × combined.
                let payer_points = u128::from(payer_share) * 100;
                let payer_cost_points = u128::from(payer_cost) * u128::from(combined);
                if payer_points <= payer_cost_points {
                    let receiving_points = u128::from(receiving) * 100;
                    reversed |=
                        receiving_points > u128::from(receiving_cost) * u128::from(combined);
                    return Pence::ZERO;
                }
                // Step 8: the child support percentage × the costs, rounded
                // half up to the penny once per receiving parent [model: as
                // reg 6 does for the law's amounts].
                Pence::new(
                    u64::try_from(round_half_up_div(
                        (payer_points - payer_cost_points) * costs,
                        100 * u128::from(combined) * 1_000_000,
                    ))
                    .expect("at most the costs"),
                )
            })
            .collect();
        (amounts, reversed)
    }

    /// The flat rate as the least a paying parent with less than regular
    /// care pays (in place of Australia's minimum annual rate, s 66),
    /// apportioned by children as Sch 1 para 6 does, each share rounded
    /// half up to the penny.
    #[must_use]
    pub fn with_minimum(
        &self,
        amounts: SmallVec<[Pence; 2]>,
        groups: &[Group],
        flat_rate: Pence,
    ) -> (SmallVec<[Pence; 2]>, bool) {
        let total: u64 = amounts.iter().map(|a| a.get()).sum();
        let regular_care = groups
            .iter()
            .any(|g| IncomeShares::care_percent(g.nights) >= self.minimum_below_care_percent);
        if total >= flat_rate.get() || regular_care {
            return (amounts, false);
        }
        let all_children: u16 = groups.iter().map(|g| g.children).sum();
        let minimum = groups
            .iter()
            .map(|g| {
                Pence::new(
                    u64::try_from(round_half_up_div(
                        u128::from(flat_rate.get()) * u128::from(g.children),
                        u128::from(all_children),
                    ))
                    .expect("at most the flat rate"),
                )
            })
            .collect();
        (minimum, true)
    }
}
