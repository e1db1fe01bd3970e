//! Direct Pay, with the service as the go-between for bank details: the
//! paying parent is given only what they need to pay (the receiving
//! parent's name as the bank holds it, sort code, account number and the
//! case reference), and a receiving parent whose sort code points to a
//! branch is advised to use an account with a centralised sort code.

use std::sync::OnceLock;

use case_records::{CaseReference, Person, SortCode};
use serde::Deserialize;

const CENTRALISED: &str = include_str!("../data/centralised-sort-codes.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    #[allow(dead_code)]
    description: String,
    #[allow(dead_code)]
    reference: String,
    banks: Vec<RawBank>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    name: String,
    sort_codes: Vec<String>,
    source: String,
    #[allow(dead_code)]
    confidence: String,
}

/// A bank whose accounts all share a sort code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CentralisedBank {
    /// Its name.
    pub name: String,
    /// Its shared sort codes.
    pub sort_codes: Vec<SortCode>,
    /// Where that is published.
    pub source: String,
}

/// The list of centralised sort codes, from data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CentralisedSortCodes {
    /// The banks.
    pub banks: Vec<CentralisedBank>,
}

impl CentralisedSortCodes {
    /// The list compiled into the binary.
    ///
    /// # Panics
    /// If the embedded file is invalid; the tests load it.
    pub fn embedded() -> &'static CentralisedSortCodes {
        static LIST: OnceLock<CentralisedSortCodes> = OnceLock::new();
        LIST.get_or_init(|| {
            CentralisedSortCodes::from_toml(CENTRALISED)
                .unwrap_or_else(|e| panic!("embedded sort code list is invalid: {e}"))
        })
    }

    /// Reads a list.
    ///
    /// # Errors
    /// Bad TOML, a bad sort code, or a bank without a source.
    pub fn from_toml(text: &str) -> Result<CentralisedSortCodes, String> {
        let raw: RawList = toml::from_str(text).map_err(|e| e.to_string())?;
        let banks = raw
            .banks
            .into_iter()
            .map(|bank| {
                if bank.source.trim().is_empty() {
                    return Err(format!("{} has no source", bank.name));
                }
                let sort_codes = bank
                    .sort_codes
                    .iter()
                    .map(|code| SortCode::parse(code).map_err(|e| format!("{}: {e}", bank.name)))
                    .collect::<Result<_, _>>()?;
                Ok(CentralisedBank {
                    name: bank.name,
                    sort_codes,
                    source: bank.source,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(CentralisedSortCodes { banks })
    }

    /// What to tell a receiving parent about their sort code.
    #[must_use]
    pub fn advice_for(&self, code: SortCode) -> SortCodeAdvice {
        match self
            .banks
            .iter()
            .find(|bank| bank.sort_codes.contains(&code))
        {
            Some(bank) => SortCodeAdvice::Centralised {
                bank: bank.name.clone(),
            },
            None => SortCodeAdvice::MayIdentifyBranch {
                banks_with_centralised_codes: self.banks.iter().map(|b| b.name.clone()).collect(),
            },
        }
    }
}

/// Advice on a sort code given to the other parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortCodeAdvice {
    /// Shared by every account at the bank: it does not point to a place.
    Centralised {
        /// The bank.
        bank: String,
    },
    /// Not known to be centralised: it may point to a branch, and so to a
    /// town. Consider an account at one of these banks, or Collect and Pay.
    MayIdentifyBranch {
        /// Banks whose sort codes are centralised.
        banks_with_centralised_codes: Vec<String>,
    },
}

impl SortCodeAdvice {
    /// The advice in plain words, for the receiving parent.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            SortCodeAdvice::Centralised { bank } => format!(
                "Your sort code is shared by all {bank} accounts, so it does not show where you bank."
            ),
            SortCodeAdvice::MayIdentifyBranch {
                banks_with_centralised_codes,
            } => format!(
                "Your sort code may belong to a particular branch, which could show the other parent roughly where you live or work. If that worries you, you can use an account whose sort code is shared by all its customers (for example {}), or ask us to collect and pass on payments instead.",
                banks_with_centralised_codes.join(", ")
            ),
        }
    }
}

/// What a paying parent is given to pay by Direct Pay: nothing but what
/// a bank transfer needs. There is no field for an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectPayDetails {
    /// The account holder's name, for the bank's name check.
    pub account_name: String,
    /// The sort code.
    pub sort_code: SortCode,
    /// The account number.
    pub account_number: String,
    /// The reference to quote: the case reference.
    pub reference: CaseReference,
}

/// The details a paying parent needs to pay `receiving_parent` directly.
///
/// # Errors
/// No bank account is held for the receiving parent.
pub fn direct_pay_details(
    case: CaseReference,
    receiving_parent: &Person,
) -> Result<DirectPayDetails, &'static str> {
    let bank = receiving_parent
        .bank
        .as_ref()
        .ok_or("the receiving parent has not given a bank account yet")?;
    Ok(DirectPayDetails {
        account_name: receiving_parent.name.expose_sensitive().clone(),
        sort_code: bank.sort_code,
        account_number: bank.account_number.expose_sensitive().clone(),
        reference: case,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_loads_and_tells_centralised_codes_from_branch_codes() {
        let list = CentralisedSortCodes::embedded();
        assert!(list.banks.len() >= 5);
        assert!(list.banks.iter().all(|b| !b.source.is_empty()));
        let monzo = SortCode::parse("04-00-04").unwrap();
        assert_eq!(
            list.advice_for(monzo),
            SortCodeAdvice::Centralised {
                bank: "Monzo".to_owned()
            }
        );
        let branch = SortCode::parse("20-45-77").unwrap();
        let advice = list.advice_for(branch);
        assert!(matches!(advice, SortCodeAdvice::MayIdentifyBranch { .. }));
        assert!(advice.message().contains("Monzo"));
        assert!(advice.message().contains("collect and pass on payments"));
    }

    #[test]
    fn a_bad_list_is_refused() {
        let bad = "description = \"d\"\nreference = \"r\"\n[[banks]]\nname = \"X\"\nsort_codes = [\"12-34\"]\nsource = \"s\"\nconfidence = \"check\"\n";
        assert!(
            CentralisedSortCodes::from_toml(bad)
                .unwrap_err()
                .contains("six digits")
        );
        let unsourced = "description = \"d\"\nreference = \"r\"\n[[banks]]\nname = \"X\"\nsort_codes = [\"12-34-56\"]\nsource = \"\"\nconfidence = \"check\"\n";
        assert!(
            CentralisedSortCodes::from_toml(unsourced)
                .unwrap_err()
                .contains("no source")
        );
    }
}
