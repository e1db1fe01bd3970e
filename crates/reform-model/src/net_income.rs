//! Net income from gross: Income Tax and employee National Insurance, as
//! sourced figures (`data/net-income.toml`). A model, used only where a
//! policy or a measure speaks of net income; the law's calculation uses
//! gross income.

use std::sync::OnceLock;

use domain_types::{Pence, round_half_up_div};
use serde::Deserialize;

use crate::figure::{Figures, fingerprint, refuse_unknown};

/// The embedded file.
pub const NET_INCOME_FILE: &str = include_str!("../data/net-income.toml");

const KNOWN: &[&str] = &[
    "personal_allowance_pence",
    "personal_allowance_taper_from_pence",
    "basic_rate_band_pence",
    "additional_rate_from_pence",
    "basic_rate_ppm",
    "higher_rate_ppm",
    "additional_rate_ppm",
    "ni_primary_threshold_pence",
    "ni_upper_earnings_limit_pence",
    "ni_main_rate_ppm",
    "ni_upper_rate_ppm",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    description: String,
    tax_year: String,
    figures: toml::Table,
}

/// Tax and National Insurance for one tax year.
#[derive(Clone, Debug)]
pub struct NetIncome {
    /// What the file models.
    pub description: String,
    /// The tax year.
    pub tax_year: String,
    /// Fingerprint of the file's text.
    pub fingerprint: String,
    /// The figures with their sources.
    pub figures: Figures,
    personal_allowance: u64,
    taper_from: u64,
    basic_band: u64,
    additional_from: u64,
    basic: u64,
    higher: u64,
    additional: u64,
    ni_threshold: u64,
    ni_upper_limit: u64,
    ni_main: u64,
    ni_upper: u64,
}

impl NetIncome {
    /// The embedded figures, loaded once.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn embedded() -> &'static NetIncome {
        static EMBEDDED: OnceLock<NetIncome> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            NetIncome::from_toml(NET_INCOME_FILE)
                .unwrap_or_else(|e| panic!("data/net-income.toml is invalid: {e}"))
        })
    }

    /// Reads a net-income file.
    ///
    /// # Errors
    /// Bad TOML, a missing, unknown or out-of-range figure.
    pub fn from_toml(text: &str) -> Result<NetIncome, String> {
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string())?;
        let figures = Figures::from_toml(&raw.figures)?;
        refuse_unknown(&figures, KNOWN, "net-income.toml")?;
        let money = |name| figures.unsigned(name, 10_000_000_000);
        let rate = |name| figures.unsigned(name, 1_000_000);
        Ok(NetIncome {
            personal_allowance: money("personal_allowance_pence")?,
            taper_from: money("personal_allowance_taper_from_pence")?,
            basic_band: money("basic_rate_band_pence")?,
            additional_from: money("additional_rate_from_pence")?,
            basic: rate("basic_rate_ppm")?,
            higher: rate("higher_rate_ppm")?,
            additional: rate("additional_rate_ppm")?,
            ni_threshold: money("ni_primary_threshold_pence")?,
            ni_upper_limit: money("ni_upper_earnings_limit_pence")?,
            ni_main: rate("ni_main_rate_ppm")?,
            ni_upper: rate("ni_upper_rate_ppm")?,
            description: raw.description,
            tax_year: raw.tax_year,
            fingerprint: fingerprint(text),
            figures,
        })
    }

    /// Net weekly income: gross less Income Tax and employee National
    /// Insurance worked out on the year.
    ///
    /// Roundings (a model's, each half up to the penny with
    /// `round_half_up_div`, the scheme's one rule, reg 6): the year's income
    /// is `weekly × 365 ÷ 7` rounded once (the inverse of reg 35's
    /// conversion); tax and National Insurance are kept exact in millionths
    /// of a penny and the week's share, `× 7 ÷ 365`, is rounded once. The
    /// allowance's taper (£1 for every £2) rounds down to the penny, as
    /// "for every £2" counts only whole steps.
    #[must_use]
    pub fn weekly_net(&self, gross_weekly: Pence) -> Pence {
        let annual = u64::try_from(round_half_up_div(u128::from(gross_weekly.get()) * 365, 7))
            .expect("a week's income times 52 fits");
        let allowance = self
            .personal_allowance
            .saturating_sub(annual.saturating_sub(self.taper_from) / 2);
        let taxable = annual.saturating_sub(allowance);
        let basic = taxable.min(self.basic_band);
        let higher = taxable
            .min(self.additional_from)
            .saturating_sub(self.basic_band);
        let additional = taxable.saturating_sub(self.additional_from);
        let insured_main = annual
            .min(self.ni_upper_limit)
            .saturating_sub(self.ni_threshold);
        let insured_upper = annual.saturating_sub(self.ni_upper_limit);
        let millionths: u128 = [
            (basic, self.basic),
            (higher, self.higher),
            (additional, self.additional),
            (insured_main, self.ni_main),
            (insured_upper, self.ni_upper),
        ]
        .iter()
        .map(|(amount, rate)| u128::from(*amount) * u128::from(*rate))
        .sum();
        let weekly_deductions = round_half_up_div(millionths * 7, 365 * 1_000_000);
        Pence::new(
            gross_weekly
                .get()
                .saturating_sub(u64::try_from(weekly_deductions).expect("at most the income")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_figures_load() {
        let net = NetIncome::embedded();
        assert_eq!(net.tax_year, "2025-26");
        assert_eq!(net.figures.iter().count(), KNOWN.len());
    }

    #[test]
    fn hand_worked_net_incomes() {
        let net = NetIncome::embedded();
        // Below the allowance and the threshold: nothing deducted.
        assert_eq!(net.weekly_net(Pence::new(20_000)), Pence::new(20_000));
        // £250 a week: the year is 25,000 × 365 ÷ 7 = 1,303,571.43, so
        // 1,303,571p; 46,571p over the allowance and the threshold; tax
        // 20% = 9,314.2p, NI 8% = 3,725.68p, together 13,039.88p a year;
        // a week's share 13,039.88 × 7 ÷ 365 = 250.08 → 250p; net £247.50.
        assert_eq!(net.weekly_net(Pence::new(25_000)), Pence::new(24_750));
        // £1,000 a week: 5,214,285.71 → 5,214,286p. Tax: 20% of 3,770,000
        // = 754,000 plus 40% of (5,214,286 − 1,257,000 − 3,770,000 =
        // 187,286) = 74,914.4; NI: 8% of (5,027,000 − 1,257,000) = 301,600
        // plus 2% of 187,286 = 3,745.72; together 1,134,260.12p a year,
        // × 7 ÷ 365 = 21,753.48 → 21,753p; net £782.47.
        assert_eq!(net.weekly_net(Pence::new(100_000)), Pence::new(78_247));
    }
}
