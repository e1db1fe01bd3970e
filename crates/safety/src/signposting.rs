//! Signposting as data: national support organisations with their contact
//! routes and sources (issue 5 §2; rules.md §6), shown wherever abuse comes
//! up.

use std::sync::OnceLock;

use serde::Deserialize;

const SIGNPOSTING: &str = include_str!("../data/signposting.toml");

/// Whom an organisation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone.
    Everyone,
    /// Women.
    Women,
    /// Men.
    Men,
    /// LGBT+ people.
    Lgbt,
    /// Forced marriage and honour-based abuse.
    ForcedMarriage,
    /// People who want to stop being abusive.
    Perpetrators,
}

/// One organisation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Its name.
    pub name: String,
    /// Whom it is for.
    #[serde(rename = "for")]
    pub audiences: Vec<Audience>,
    /// Its phone number.
    pub phone: String,
    /// When it answers, where known.
    pub hours: Option<String>,
    /// Where the details come from.
    pub source: String,
    /// How sure we are (`secondary`, `check`).
    pub confidence: String,
}

/// What to do in an emergency.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// The number to call.
    pub call: String,
    /// How to call when you cannot speak.
    pub silent: String,
    /// Where that comes from.
    pub source: String,
    /// How sure we are.
    pub confidence: String,
}

/// The signposting list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signposting {
    /// What the list is.
    pub description: String,
    /// The emergency advice.
    pub emergency: Emergency,
    /// The organisations, in the order shown.
    pub organisations: Vec<Organisation>,
}

impl Signposting {
    /// The list compiled into the binary.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn embedded() -> &'static Signposting {
        static LIST: OnceLock<Signposting> = OnceLock::new();
        LIST.get_or_init(|| {
            let list: Signposting = toml::from_str(SIGNPOSTING)
                .unwrap_or_else(|e| panic!("embedded signposting is invalid: {e}"));
            if let Some(bad) = list
                .organisations
                .iter()
                .find(|o| o.source.trim().is_empty())
            {
                panic!("{} has no source", bad.name);
            }
            list
        })
    }

    /// The organisations for an audience, general ones first (everyone sees
    /// the general list; the others are shown beside it, never instead).
    pub fn for_audience(&self, audience: Audience) -> impl Iterator<Item = &Organisation> {
        self.organisations.iter().filter(move |o| {
            o.audiences.contains(&audience) || o.audiences.contains(&Audience::Everyone)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_organisation_has_a_number_and_a_source_and_every_audience_is_served() {
        let list = Signposting::embedded();
        assert_eq!(list.emergency.call, "999");
        assert!(list.emergency.silent.contains("55"));
        for organisation in &list.organisations {
            assert!(!organisation.phone.is_empty() && !organisation.source.is_empty());
        }
        for audience in [
            Audience::Women,
            Audience::Men,
            Audience::Lgbt,
            Audience::ForcedMarriage,
            Audience::Perpetrators,
        ] {
            assert!(
                list.organisations
                    .iter()
                    .any(|o| o.audiences.contains(&audience)),
                "{audience:?} has no organisation"
            );
        }
        // The national helpline the CMS refers to is always among them.
        assert!(
            list.for_audience(Audience::Men)
                .any(|o| o.phone == "0808 2000 247")
        );
    }
}
