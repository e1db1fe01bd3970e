//! Policies as data, and how they compose into one scenario.
//!
//! A policy is a dated file beside the law (`legal-parameters/policy/`),
//! marked `status = "policy"`, naming the rule variant it switches on and
//! its figures, each sourced. Two of them were already there and are read
//! through their own types (`CollectionReform`, `NilRateRemoval`); the rest
//! are read here. Nothing here ever applies a policy to a case: the model
//! runs the law and the scenario side by side.

use domain_types::{Date, PartsPerMillion, Pence};
use legal_parameters::{CollectionReform, NIL_RATE_POLICIES, NilRateRemoval, POLICIES};
use maintenance_calculation::NilRateReason;
use serde::Deserialize;

use crate::figure::{Confidence, Figures, fingerprint, refuse_unknown};
use crate::income_shares::{self, IncomeShares};

/// The policy files this crate reads, by name.
pub const POLICY_FILES: &[(&str, &str)] = &[
    (
        "affordability-floor-rec5",
        include_str!("../../legal-parameters/policy/affordability-floor-rec5.toml"),
    ),
    (
        "affordability-taper-rec5",
        include_str!("../../legal-parameters/policy/affordability-taper-rec5.toml"),
    ),
    (
        "income-shares-rec8",
        include_str!("../../legal-parameters/policy/income-shares-rec8.toml"),
    ),
    (
        "evidence-gateway-2023-act",
        include_str!("../../legal-parameters/policy/evidence-gateway-2023-act.toml"),
    ),
];

/// The rule variant a policy switches on, with its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Rec 5: on an income-based rate, the liability is at most
    /// `share_above` of net income above `protected_net_weekly`, and never
    /// below the flat rate.
    ProtectedIncomeFloor {
        /// Net weekly income protected.
        protected_net_weekly: Pence,
        /// Share of net income above it that may go in maintenance.
        share_above: PartsPerMillion,
    },
    /// Rec 5: the reduced rate's band and percentages replaced.
    ReducedRateTaper {
        /// Income below which the reduced rate applies (law: £200).
        income_limit: Pence,
        /// T by qualifying and relevant other children (law: reg 43).
        rates: [[PartsPerMillion; 4]; 3],
    },
    /// Rec 8: both parents' incomes, Australia's basic formula.
    IncomeShares(IncomeShares),
    /// Rec 7: nil-rate groups whose income is assessed instead.
    NilRateRemoval {
        /// The groups.
        reasons: Vec<NilRateReason>,
    },
    /// The 2024-25 reform: Direct Pay and the fees.
    CollectionReform {
        /// Whether Direct Pay remains.
        direct_pay_available: bool,
        /// The paying parent's fee when paying on time and in full.
        paying_compliant: PartsPerMillion,
        /// The paying parent's fee otherwise.
        paying_non_compliant: PartsPerMillion,
        /// The receiving parent's fee.
        receiving: PartsPerMillion,
    },
    /// DA23 s.1: Direct Pay cases with abuse disclosed move to Collect and
    /// Pay at a take-up share.
    EvidenceGateway {
        /// Share of eligible cases that use the gateway.
        take_up: PartsPerMillion,
        /// Whether the receiving parent so moved pays no fee.
        receiving_parent_fee_waived: bool,
    },
}

impl Rule {
    /// The variant's code, as written in policy files.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Rule::ProtectedIncomeFloor { .. } => "protected_income_floor",
            Rule::ReducedRateTaper { .. } => "reduced_rate_taper",
            Rule::IncomeShares(_) => "income_shares",
            Rule::NilRateRemoval { .. } => "nil_rate_removal",
            Rule::CollectionReform { .. } => "collection_reform",
            Rule::EvidenceGateway { .. } => "evidence_gateway",
        }
    }
}

/// One policy, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Its name.
    pub name: String,
    /// What it does, in words.
    pub description: String,
    /// The recommendation or announcement it comes from.
    pub reference: String,
    /// Where it is described.
    pub source: String,
    /// The day it is assumed to start, if any.
    pub from: Option<Date>,
    /// How sure that is.
    pub from_confidence: String,
    /// The rule variant and its figures.
    pub rule: Rule,
    /// Where the rule comes from.
    pub rule_source: String,
    /// How sure that is.
    pub rule_confidence: Confidence,
    /// The figures, each sourced (empty for the two older files, whose
    /// figures are fields of the rule).
    pub figures: Figures,
    /// Fingerprint of the file's text.
    pub fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    status: String,
    description: String,
    reference: String,
    source: String,
    from: Option<toml::value::Datetime>,
    from_confidence: String,
    rule: String,
    rule_source: String,
    rule_confidence: Confidence,
    figures: toml::Table,
}

fn date(value: &toml::value::Datetime) -> Option<Date> {
    let day = value.date?;
    if value.time.is_some() {
        return None;
    }
    Date::from_ymd(
        i32::from(day.year),
        u32::from(day.month),
        u32::from(day.day),
    )
}

fn ppm(figures: &Figures, name: &str) -> Result<PartsPerMillion, String> {
    let value = figures.integer(name, 0, 1_000_000)?;
    Ok(PartsPerMillion::new(u32::try_from(value).expect("checked")).expect("checked"))
}

impl Policy {
    /// Every policy name the model knows, in a fixed order.
    #[must_use]
    pub fn known() -> Vec<&'static str> {
        POLICY_FILES
            .iter()
            .chain(POLICIES)
            .chain(NIL_RATE_POLICIES)
            .map(|(name, _)| *name)
            .collect()
    }

    /// The embedded policy of this name.
    ///
    /// # Errors
    /// No such policy (the message lists those known), or an invalid file.
    pub fn named(name: &str) -> Result<Policy, String> {
        if let Some((_, text)) = POLICY_FILES.iter().find(|(n, _)| *n == name) {
            return Policy::from_toml(text);
        }
        if let Some((_, text)) = POLICIES.iter().find(|(n, _)| *n == name) {
            return Ok(Policy::from_collection_reform(
                CollectionReform::from_toml(text)?,
                text,
            ));
        }
        if let Some((_, text)) = NIL_RATE_POLICIES.iter().find(|(n, _)| *n == name) {
            let removal: NilRateRemoval = toml::from_str(text).map_err(|e| e.to_string())?;
            return Policy::from_nil_rate_removal(removal, text);
        }
        Err(format!(
            "no policy named `{name}`; known: {}",
            Policy::known().join(", ")
        ))
    }

    /// A collection reform (the older file shape, read by
    /// `legal_parameters::CollectionReform`) as a policy.
    #[must_use]
    pub fn from_collection_reform(reform: CollectionReform, text: &str) -> Policy {
        Policy {
            rule: Rule::CollectionReform {
                direct_pay_available: reform.direct_pay_available,
                paying_compliant: reform.paying_parent_compliant,
                paying_non_compliant: reform.paying_parent_non_compliant,
                receiving: reform.receiving_parent,
            },
            name: reform.name,
            description: reform.description,
            rule_source: reform.reference.clone(),
            // The fees and the end of Direct Pay are the government's
            // response of 23 June 2025 (rules.md §3.4); the date is not.
            rule_confidence: Confidence::Secondary,
            reference: reform.reference,
            source: reform.source,
            from: Some(reform.from),
            from_confidence: reform.from_confidence,
            figures: Figures::default(),
            fingerprint: fingerprint(text),
        }
    }

    /// A nil-rate removal (the older file shape), checked.
    ///
    /// # Errors
    /// Not marked policy, or a nil-rate code the calculation does not know.
    pub fn from_nil_rate_removal(removal: NilRateRemoval, text: &str) -> Result<Policy, String> {
        if removal.status != "policy" {
            return Err(format!("{}: status must be \"policy\"", removal.name));
        }
        let reasons = removal
            .removes_nil_rate_for
            .iter()
            .map(|code| {
                NilRateReason::from_code(code)
                    .ok_or_else(|| format!("{}: unknown nil-rate reason `{code}`", removal.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            rule: Rule::NilRateRemoval { reasons },
            rule_source: removal.reference.clone(),
            // "Remove the nil rate ... align with the Prisoners' Earnings
            // Act": assessing earnings as income is our reading of it.
            rule_confidence: Confidence::Interpretation,
            name: removal.name,
            description: removal.description,
            reference: removal.reference,
            source: removal.source,
            from: None,
            from_confidence: removal.from_confidence,
            figures: Figures::default(),
            fingerprint: fingerprint(text),
        })
    }

    /// Reads a policy file in this crate's shape.
    ///
    /// # Errors
    /// Bad TOML, a status other than `policy`, an unknown rule, or a figure
    /// missing, unknown or out of range.
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        let name = raw.name.clone();
        if raw.status != "policy" {
            return Err(format!(
                "{name}: status must be \"policy\": law belongs in parameters/"
            ));
        }
        let figures = Figures::from_toml(&raw.figures).map_err(|e| format!("{name}: {e}"))?;
        let (rule, known): (Rule, &[&str]) = match raw.rule.as_str() {
            "protected_income_floor" => (
                Rule::ProtectedIncomeFloor {
                    protected_net_weekly: Pence::new(
                        figures.unsigned("protected_net_weekly_income_pence", 100_000_000)?,
                    ),
                    share_above: ppm(&figures, "share_above_protected_ppm")?,
                },
                &[
                    "protected_net_weekly_income_pence",
                    "share_above_protected_ppm",
                ],
            ),
            "reduced_rate_taper" => {
                let table = figures.table("reduced_rate_ppm", Some(3), 4, 0, 1_000_000)?;
                let mut rates = [[PartsPerMillion::ZERO; 4]; 3];
                for (row, values) in rates.iter_mut().zip(&table) {
                    for (cell, value) in row.iter_mut().zip(values) {
                        *cell = PartsPerMillion::new(u32::try_from(*value).expect("checked"))
                            .expect("checked");
                    }
                }
                (
                    Rule::ReducedRateTaper {
                        income_limit: Pence::new(
                            figures.unsigned("reduced_rate_income_limit_pence", 10_000_000)?,
                        ),
                        rates,
                    },
                    &["reduced_rate_income_limit_pence", "reduced_rate_ppm"],
                )
            }
            "income_shares" => (
                Rule::IncomeShares(
                    IncomeShares::from_figures(&figures).map_err(|e| format!("{name}: {e}"))?,
                ),
                income_shares::FIGURES,
            ),
            "evidence_gateway" => (
                Rule::EvidenceGateway {
                    take_up: ppm(&figures, "take_up_ppm")?,
                    receiving_parent_fee_waived: figures.boolean("receiving_parent_fee_waived")?,
                },
                &["take_up_ppm", "receiving_parent_fee_waived"],
            ),
            other => {
                return Err(format!(
                    "{name}: unknown rule `{other}`; known: protected_income_floor, reduced_rate_taper, income_shares, evidence_gateway (and the older files' collection reform and nil-rate removal)"
                ));
            }
        };
        refuse_unknown(&figures, known, &name)?;
        let from = match &raw.from {
            Some(value) => {
                Some(date(value).ok_or_else(|| format!("{name}: `from` is not a date"))?)
            }
            None => None,
        };
        Ok(Policy {
            name: raw.name,
            description: raw.description,
            reference: raw.reference,
            source: raw.source,
            from,
            from_confidence: raw.from_confidence,
            rule,
            rule_source: raw.rule_source,
            rule_confidence: raw.rule_confidence,
            figures,
            fingerprint: fingerprint(text),
        })
    }
}

/// Several policies composed into one alternative to the law.
///
/// Order of application, fixed: nil-rate removals change the request; a
/// taper changes the figures the calculation uses; income shares replaces
/// an income-based rate's amount; the protected income floor caps the
/// result; then the service (gateway, reform) and the fees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The policies, in the order given.
    pub policies: Vec<Policy>,
}

impl Scenario {
    /// Composes `policies`.
    ///
    /// # Errors
    /// None given, a policy given twice, two policies switching the same
    /// rule, or a taper with income shares (income shares replaces the
    /// rate the taper changes: choose one).
    pub fn compose(policies: Vec<Policy>) -> Result<Scenario, String> {
        if policies.is_empty() {
            return Err(format!(
                "name at least one policy; known: {}",
                Policy::known().join(", ")
            ));
        }
        for (index, policy) in policies.iter().enumerate() {
            if let Some(other) = policies[..index]
                .iter()
                .find(|p| p.rule.code() == policy.rule.code())
            {
                return Err(if other.name == policy.name {
                    format!("policy `{}` is named twice", policy.name)
                } else {
                    format!(
                        "`{}` and `{}` both switch the rule `{}`: model them one at a time",
                        other.name,
                        policy.name,
                        policy.rule.code()
                    )
                });
            }
        }
        let has = |code: &str| policies.iter().any(|p| p.rule.code() == code);
        if has("income_shares") && has("reduced_rate_taper") {
            return Err(
                "income shares replaces the reduced rate that a taper changes: model them one at a time"
                    .to_owned(),
            );
        }
        Ok(Scenario { policies })
    }

    /// The policy switching `code`, if any.
    pub(crate) fn rule(&self, code: &str) -> Option<&Rule> {
        self.policies
            .iter()
            .map(|p| &p.rule)
            .find(|rule| rule.code() == code)
    }

    /// The names, joined with `+`, as they appear in versions.
    #[must_use]
    pub fn names(&self) -> String {
        self.policies
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_loads_and_says_it_is_policy() {
        for name in Policy::known() {
            let policy = Policy::named(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(policy.name, name);
            assert_eq!(policy.fingerprint.len(), 16);
            for figure in policy.figures.iter() {
                assert!(!figure.source.is_empty(), "{name}: {}", figure.name);
            }
        }
        assert!(
            Policy::named("nope")
                .unwrap_err()
                .contains("known: affordability-floor-rec5")
        );
    }

    #[test]
    fn a_file_that_claims_to_be_law_or_has_an_unknown_figure_is_refused() {
        let text = POLICY_FILES[0].1;
        let law = text.replace("status = \"policy\"", "status = \"law\"");
        assert!(
            Policy::from_toml(&law)
                .unwrap_err()
                .contains("must be \"policy\"")
        );
        let extra = format!(
            "{text}\n[figures.typo_ppm]\nvalue = 1\nconfidence = \"model\"\nsource = \"x\"\n"
        );
        assert!(Policy::from_toml(&extra).unwrap_err().contains("typo_ppm"));
    }

    #[test]
    fn policies_compose_unless_they_switch_the_same_rule() {
        let named = |n: &str| Policy::named(n).unwrap();
        assert!(
            Scenario::compose(vec![
                named("income-shares-rec8"),
                named("affordability-floor-rec5"),
                named("direct-pay-reform-2025"),
                named("prisoner-earnings-rec7"),
                named("evidence-gateway-2023-act"),
            ])
            .is_ok()
        );
        assert!(Scenario::compose(vec![]).is_err());
        assert!(
            Scenario::compose(vec![
                named("income-shares-rec8"),
                named("income-shares-rec8")
            ])
            .unwrap_err()
            .contains("named twice")
        );
        assert!(
            Scenario::compose(vec![
                named("income-shares-rec8"),
                named("affordability-taper-rec5")
            ])
            .unwrap_err()
            .contains("one at a time")
        );
    }
}
