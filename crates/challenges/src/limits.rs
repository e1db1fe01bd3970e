//! The time limits, as dated and sourced data
//! (`crates/legal-parameters/challenges/time-limits.toml`).

use std::sync::OnceLock;

use domain_types::Date;
use serde::Deserialize;

const FILE: &str = include_str!("../../legal-parameters/challenges/time-limits.toml");

/// The limits in force from one date.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// In force from.
    pub from: toml::value::Datetime,
    /// Days after the decision notice within which a request is in time
    /// (2012 Regs reg 14(1)(a)).
    pub reconsideration_days: u16,
    /// How sure we are of it.
    pub reconsideration_confidence: String,
    /// Its source.
    pub reconsideration_source: String,
    /// Months after the decision notice beyond which no late request is
    /// accepted (2012 Regs reg 15).
    pub late_outer_months: u16,
    /// How sure we are of it.
    pub late_outer_confidence: String,
    /// Its source.
    pub late_outer_source: String,
    /// Months after the mandatory reconsideration notice within which an
    /// appeal is in time (Tribunal Procedure Rules r.22).
    pub appeal_months: u16,
    /// How sure we are of it.
    pub appeal_confidence: String,
    /// Its source.
    pub appeal_source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    description: String,
    reference: String,
    values: Vec<Limits>,
}

/// Every dated set of limits, oldest first.
#[derive(Clone, Debug)]
pub struct TimeLimits {
    /// What the file says it is.
    pub description: String,
    /// The provisions.
    pub reference: String,
    dated: Vec<(Date, Limits)>,
}

const CONFIDENCES: [&str; 5] = [
    "verified",
    "secondary",
    "check",
    "interpretation",
    "assumption",
];

impl TimeLimits {
    /// Reads and checks a limits file: dates increasing, every value
    /// sourced and tagged with a confidence the parameters use.
    ///
    /// # Errors
    /// What is wrong with the file, in words.
    pub fn from_toml(text: &str) -> Result<TimeLimits, String> {
        let file: LimitsFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut dated = Vec::with_capacity(file.values.len());
        for limits in file.values {
            let date = Date::parse_iso(&limits.from.to_string())
                .map_err(|e| format!("`from` {}: {e}", limits.from))?;
            if dated.last().is_some_and(|(d, _)| *d >= date) {
                return Err(format!("dates must increase: {date}"));
            }
            for (confidence, source) in [
                (
                    &limits.reconsideration_confidence,
                    &limits.reconsideration_source,
                ),
                (&limits.late_outer_confidence, &limits.late_outer_source),
                (&limits.appeal_confidence, &limits.appeal_source),
            ] {
                if !CONFIDENCES.contains(&confidence.as_str()) {
                    return Err(format!("unknown confidence `{confidence}` from {date}"));
                }
                if source.trim().is_empty() {
                    return Err(format!("a limit from {date} has no source"));
                }
            }
            if limits.reconsideration_days == 0 || limits.late_outer_months == 0 {
                return Err(format!("a limit from {date} is zero"));
            }
            dated.push((date, limits));
        }
        if dated.is_empty() {
            return Err("no limits".to_owned());
        }
        Ok(TimeLimits {
            description: file.description,
            reference: file.reference,
            dated,
        })
    }

    /// The limits compiled in.
    ///
    /// # Panics
    /// If the embedded file is invalid (a test reads it).
    pub fn embedded() -> &'static TimeLimits {
        static LOADED: OnceLock<TimeLimits> = OnceLock::new();
        LOADED.get_or_init(|| {
            TimeLimits::from_toml(FILE)
                .unwrap_or_else(|e| panic!("the embedded challenge time limits are invalid: {e}"))
        })
    }

    /// The limits in force on `date`; `None` before the first (never the
    /// nearest).
    #[must_use]
    pub fn at(&self, date: Date) -> Option<&Limits> {
        self.dated
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, limits)| limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_limits_are_sourced_and_marked_where_unchecked() {
        let limits = TimeLimits::embedded();
        let now = limits.at(Date::parse_iso("2026-06-01").unwrap()).unwrap();
        assert_eq!(now.reconsideration_days, 30);
        assert_eq!(now.reconsideration_confidence, "verified");
        assert!(now.reconsideration_source.contains("reg 14(1)(a)"));
        assert_eq!(now.late_outer_months, 13);
        assert_eq!(now.late_outer_confidence, "check");
        assert_eq!(now.appeal_months, 1);
        assert!(limits.at(Date::parse_iso("2012-12-09").unwrap()).is_none());
    }

    #[test]
    fn a_file_without_a_source_or_with_an_unknown_confidence_is_refused() {
        let unsourced = FILE.replace(
            "reconsideration_source = \"SI 2012/2677",
            "reconsideration_source = \" \"\nx = \"",
        );
        assert!(TimeLimits::from_toml(&unsourced).is_err());
        let unsure = FILE.replace("= \"verified\"", "= \"probably\"");
        assert!(
            TimeLimits::from_toml(&unsure)
                .unwrap_err()
                .contains("probably")
        );
    }
}
