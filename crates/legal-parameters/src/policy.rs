//! Announced policy, for modelling: never law, never applied to a case.
//!
//! A policy overlay names the rules it would change and the day it is
//! assumed to start. Nothing in the service reads a policy unless it is
//! asked for by name, and every answer that uses one says so.

use domain_types::{Date, PartsPerMillion};
use serde::Deserialize;

use crate::file::toml_date;

/// The policy overlays compiled into the binary, by name.
pub const POLICIES: &[(&str, &str)] = &[(
    "direct-pay-reform-2025",
    include_str!("../policy/direct-pay-reform-2025.toml"),
)];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    status: String,
    description: String,
    reference: String,
    source: String,
    from: toml::value::Datetime,
    from_confidence: String,
    direct_pay_available: bool,
    paying_parent_compliant_ppm: u32,
    paying_parent_non_compliant_ppm: u32,
    receiving_parent_ppm: u32,
}

/// A reform of collection: its fees and whether Direct Pay remains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionReform {
    /// Its name.
    pub name: String,
    /// What it does, in words.
    pub description: String,
    /// The announcement it comes from.
    pub reference: String,
    /// Where the figures come from.
    pub source: String,
    /// The day it is assumed to start.
    pub from: Date,
    /// How sure that day is (`assumption` until a commencement order).
    pub from_confidence: String,
    /// Whether Direct Pay is still offered.
    pub direct_pay_available: bool,
    /// The paying parent's fee when paying on time and in full.
    pub paying_parent_compliant: PartsPerMillion,
    /// The paying parent's fee otherwise.
    pub paying_parent_non_compliant: PartsPerMillion,
    /// The receiving parent's fee.
    pub receiving_parent: PartsPerMillion,
}

impl CollectionReform {
    /// The embedded policy of this name.
    ///
    /// # Errors
    /// No such policy, or its file is invalid (the tests load every one).
    pub fn named(name: &str) -> Result<CollectionReform, String> {
        let (_, text) = POLICIES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            format!(
                "no policy named `{name}`; known: {}",
                POLICIES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        CollectionReform::from_toml(text)
    }

    /// Reads a policy file. It must say it is policy.
    ///
    /// # Errors
    /// Bad TOML, a status other than `policy`, a rate above 100%.
    pub fn from_toml(text: &str) -> Result<CollectionReform, String> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.status != "policy" {
            return Err(format!(
                "{}: status must be \"policy\": law belongs in parameters/",
                raw.name
            ));
        }
        let rate = |ppm: u32, field: &str| {
            PartsPerMillion::new(ppm).ok_or_else(|| format!("{}: {field} is above 100%", raw.name))
        };
        Ok(CollectionReform {
            paying_parent_compliant: rate(
                raw.paying_parent_compliant_ppm,
                "paying_parent_compliant_ppm",
            )?,
            paying_parent_non_compliant: rate(
                raw.paying_parent_non_compliant_ppm,
                "paying_parent_non_compliant_ppm",
            )?,
            receiving_parent: rate(raw.receiving_parent_ppm, "receiving_parent_ppm")?,
            from: toml_date(&raw.from)
                .ok_or_else(|| format!("{}: `from` is not a date", raw.name))?,
            name: raw.name,
            description: raw.description,
            reference: raw.reference,
            source: raw.source,
            from_confidence: raw.from_confidence,
            direct_pay_available: raw.direct_pay_available,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_policy_loads_and_the_reform_has_its_announced_figures() {
        for (name, _) in POLICIES {
            CollectionReform::named(name).unwrap();
        }
        let reform = CollectionReform::named("direct-pay-reform-2025").unwrap();
        assert_eq!(reform.receiving_parent.get(), 20_000);
        assert_eq!(reform.paying_parent_compliant.get(), 20_000);
        assert_eq!(reform.paying_parent_non_compliant.get(), 200_000);
        assert!(!reform.direct_pay_available);
        assert_eq!(reform.from_confidence, "assumption");
        assert!(
            CollectionReform::named("nope")
                .unwrap_err()
                .contains("known: direct-pay-reform-2025")
        );
    }

    #[test]
    fn a_policy_file_that_claims_to_be_law_is_refused() {
        let text = POLICIES[0]
            .1
            .replace("status = \"policy\"", "status = \"law\"");
        assert!(
            CollectionReform::from_toml(&text)
                .unwrap_err()
                .contains("must be \"policy\"")
        );
    }
}

/// The nil-rate removals announced as policy, by name.
pub const NIL_RATE_POLICIES: &[(&str, &str)] = &[(
    "prisoner-earnings-rec7",
    include_str!("../policy/prisoner-earnings-rec7.toml"),
)];

/// A policy removing nil-rate groups, so their income is assessed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NilRateRemoval {
    /// Its name.
    pub name: String,
    /// Must be `policy`.
    pub status: String,
    /// What it does.
    pub description: String,
    /// The announcement it comes from.
    pub reference: String,
    /// Where it is described.
    pub source: String,
    /// The nil-rate reasons (contract codes) it removes.
    pub removes_nil_rate_for: Vec<String>,
    /// How sure any start date is.
    pub from_confidence: String,
}

impl NilRateRemoval {
    /// The embedded policy of this name.
    ///
    /// # Errors
    /// No such policy, or its file is invalid or does not say it is policy.
    pub fn named(name: &str) -> Result<NilRateRemoval, String> {
        let (_, text) = NIL_RATE_POLICIES
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("no nil-rate policy named `{name}`"))?;
        let policy: NilRateRemoval = toml::from_str(text).map_err(|e| e.to_string())?;
        if policy.status != "policy" {
            return Err(format!("{name}: status must be \"policy\""));
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod nil_rate_tests {
    use super::*;

    #[test]
    fn the_prisoner_policy_loads_and_names_the_prisoner_group() {
        let policy = NilRateRemoval::named("prisoner-earnings-rec7").unwrap();
        assert_eq!(policy.removes_nil_rate_for, vec!["prisoner".to_owned()]);
        assert_eq!(policy.from_confidence, "not scheduled");
        assert!(NilRateRemoval::named("nope").is_err());
    }
}
