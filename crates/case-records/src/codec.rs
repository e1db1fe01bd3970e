//! Changes as stored text: a kind and a `key=value;…` payload, readable in
//! a database console and stable across versions. Storage uses this; the
//! domain types themselves derive no serialisation.

use std::collections::BTreeMap;
use std::fmt;

use domain_types::Pence;
use legal_parameters::{Benefit, BenefitSet};
use maintenance_calculation::{Income, Nights, NilRateReason, OtherChildren, Variations};

use crate::facts::{Change, ChildId, Frequency, ReceivingParentId, ServiceType};

/// Why stored text is not a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// The kind stored.
    pub kind: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a stored `{}` change cannot be read: {}",
            self.kind, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

fn benefits(set: BenefitSet) -> String {
    set.iter().map(Benefit::code).collect::<Vec<_>>().join(",")
}

impl Change {
    /// The kind and payload stored for this change.
    #[must_use]
    pub fn encode(&self) -> (&'static str, String) {
        match self {
            Change::Income(Income::Weekly(p)) => ("income", format!("weekly_pence={}", p.get())),
            Change::Income(Income::Annual(p)) => ("income", format!("annual_pence={}", p.get())),
            Change::Benefits {
                own,
                partner,
                partner_is_paying_parent_with_calculation,
            } => (
                "benefits",
                format!(
                    "own={};partner={};partner_pays={}",
                    benefits(*own),
                    benefits(*partner),
                    partner_is_paying_parent_with_calculation
                ),
            ),
            Change::NilRateReason(reason) => (
                "nil_rate_reason",
                format!("reason={}", reason.map_or("", NilRateReason::code)),
            ),
            Change::RelevantOtherChildren(n) => {
                ("relevant_other_children", format!("count={}", n.get()))
            }
            Change::OtherArrangementChildren(n) => {
                ("other_arrangement_children", format!("count={}", n.get()))
            }
            Change::Variations(v) => (
                "variations",
                format!(
                    "special_expenses_pence={};additional_income_pence={}",
                    v.special_expenses_weekly.get(),
                    v.additional_income_weekly.get()
                ),
            ),
            Change::ChildJoined {
                child,
                receiving_parent,
            } => (
                "child_joined",
                format!("child={};receiving_parent={}", child.0, receiving_parent.0),
            ),
            Change::ChildLeft { child } => ("child_left", format!("child={}", child.0)),
            Change::SharedCare { child, nights } => (
                "shared_care",
                format!("child={};nights={}", child.0, nights.get()),
            ),
            Change::ServiceType(service) => ("service_type", format!("service={}", service.code())),
            Change::PaymentFrequency(frequency) => (
                "payment_frequency",
                format!("frequency={}", frequency.code()),
            ),
            Change::CollectionFeeWaiver {
                paying_parent,
                receiving_parent,
            } => (
                "collection_fee_waiver",
                format!("paying_parent={paying_parent};receiving_parent={receiving_parent}"),
            ),
            Change::CaseClosed => ("case_closed", String::new()),
            Change::CaseReopened => ("case_reopened", String::new()),
        }
    }

    /// The change stored as `kind` and `payload`.
    ///
    /// # Errors
    /// An unknown kind, a missing or malformed value.
    pub fn decode(kind: &str, payload: &str) -> Result<Change, DecodeError> {
        let fail = |message: String| DecodeError {
            kind: kind.to_owned(),
            message,
        };
        let values: BTreeMap<&str, &str> = payload
            .split(';')
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.split_once('=')
                    .ok_or_else(|| fail(format!("`{part}` is not key=value")))
            })
            .collect::<Result<_, _>>()?;
        let text = |key: &str| {
            values
                .get(key)
                .copied()
                .ok_or_else(|| fail(format!("`{key}` is missing")))
        };
        let number = |key: &str| -> Result<u64, DecodeError> {
            text(key)?
                .parse()
                .map_err(|_| fail(format!("`{key}` is not a whole number")))
        };
        let small = |key: &str| -> Result<u16, DecodeError> {
            u16::try_from(number(key)?).map_err(|_| fail(format!("`{key}` is too large")))
        };
        let pence = |key: &str| -> Result<Pence, DecodeError> {
            let p = number(key)?;
            if p > Pence::INPUT_MAX.get() {
                return Err(fail(format!("`{key}` is too large")));
            }
            Ok(Pence::new(p))
        };
        let count = |key: &str| {
            OtherChildren::new(small(key)?).ok_or_else(|| fail(format!("`{key}` is out of range")))
        };
        let id = |key: &str| {
            u32::try_from(number(key)?).map_err(|_| fail(format!("`{key}` is too large")))
        };
        let benefit_set = |key: &str| -> Result<BenefitSet, DecodeError> {
            text(key)?
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| {
                    Benefit::from_code(c).ok_or_else(|| fail(format!("`{c}` is not a benefit")))
                })
                .collect()
        };
        Ok(match kind {
            "income" => match (values.get("weekly_pence"), values.get("annual_pence")) {
                (Some(_), None) => Change::Income(Income::Weekly(pence("weekly_pence")?)),
                (None, Some(_)) => Change::Income(Income::Annual(pence("annual_pence")?)),
                _ => {
                    return Err(fail(
                        "exactly one of weekly_pence and annual_pence".to_owned(),
                    ));
                }
            },
            "benefits" => Change::Benefits {
                own: benefit_set("own")?,
                partner: benefit_set("partner")?,
                partner_is_paying_parent_with_calculation: match text("partner_pays")? {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(fail(format!("partner_pays `{other}` is not true or false")));
                    }
                },
            },
            "nil_rate_reason" => Change::NilRateReason(match text("reason")? {
                "" => None,
                code => Some(
                    NilRateReason::from_code(code)
                        .ok_or_else(|| fail(format!("`{code}` is not a reason")))?,
                ),
            }),
            "relevant_other_children" => Change::RelevantOtherChildren(count("count")?),
            "other_arrangement_children" => Change::OtherArrangementChildren(count("count")?),
            "variations" => Change::Variations(Variations {
                special_expenses_weekly: pence("special_expenses_pence")?,
                additional_income_weekly: pence("additional_income_pence")?,
            }),
            "child_joined" => Change::ChildJoined {
                child: ChildId(id("child")?),
                receiving_parent: ReceivingParentId(id("receiving_parent")?),
            },
            "child_left" => Change::ChildLeft {
                child: ChildId(id("child")?),
            },
            "shared_care" => Change::SharedCare {
                child: ChildId(id("child")?),
                nights: Nights::new(small("nights")?)
                    .ok_or_else(|| fail("nights above 366".to_owned()))?,
            },
            "service_type" => Change::ServiceType(
                ServiceType::from_code(text("service")?)
                    .ok_or_else(|| fail("`service` is direct_pay or collect_and_pay".to_owned()))?,
            ),
            "payment_frequency" => Change::PaymentFrequency(
                Frequency::from_code(text("frequency")?).ok_or_else(|| {
                    fail("`frequency` is weekly, fortnightly, four_weekly or monthly".to_owned())
                })?,
            ),
            "collection_fee_waiver" => {
                let flag = |name: &str| match text(name)? {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    other => Err(fail(format!("{name} `{other}` is not true or false"))),
                };
                Change::CollectionFeeWaiver {
                    paying_parent: flag("paying_parent")?,
                    receiving_parent: flag("receiving_parent")?,
                }
            }
            "case_closed" => Change::CaseClosed,
            "case_reopened" => Change::CaseReopened,
            other => return Err(fail(format!("`{other}` is not a kind of change"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn benefit_sets() -> impl Strategy<Value = BenefitSet> {
        prop::collection::vec(prop::sample::select(Benefit::ALL.to_vec()), 0..4)
            .prop_map(|list| list.into_iter().collect())
    }

    fn changes() -> impl Strategy<Value = Change> {
        prop_oneof![
            (0..=Pence::INPUT_MAX.get())
                .prop_map(|p| Change::Income(Income::Weekly(Pence::new(p)))),
            (0..=Pence::INPUT_MAX.get())
                .prop_map(|p| Change::Income(Income::Annual(Pence::new(p)))),
            (benefit_sets(), benefit_sets(), any::<bool>()).prop_map(|(own, partner, p)| {
                Change::Benefits {
                    own,
                    partner,
                    partner_is_paying_parent_with_calculation: p,
                }
            }),
            prop::option::of(prop::sample::select(NilRateReason::ALL.to_vec()))
                .prop_map(Change::NilRateReason),
            (0u16..=50).prop_map(|n| Change::RelevantOtherChildren(OtherChildren::new(n).unwrap())),
            (0u16..=50)
                .prop_map(|n| Change::OtherArrangementChildren(OtherChildren::new(n).unwrap())),
            (0u64..1_000_000, 0u64..1_000_000).prop_map(|(s, a)| Change::Variations(Variations {
                special_expenses_weekly: Pence::new(s),
                additional_income_weekly: Pence::new(a)
            })),
            (any::<u32>(), any::<u32>()).prop_map(|(c, r)| Change::ChildJoined {
                child: ChildId(c),
                receiving_parent: ReceivingParentId(r)
            }),
            any::<u32>().prop_map(|c| Change::ChildLeft { child: ChildId(c) }),
            (any::<u32>(), 0u16..=366).prop_map(|(c, n)| Change::SharedCare {
                child: ChildId(c),
                nights: Nights::new(n).unwrap()
            }),
            Just(Change::ServiceType(ServiceType::DirectPay)),
            Just(Change::ServiceType(ServiceType::CollectAndPay)),
            (any::<bool>(), any::<bool>()).prop_map(|(p, r)| Change::CollectionFeeWaiver {
                paying_parent: p,
                receiving_parent: r
            }),
            prop_oneof![
                Just(Frequency::Weekly),
                Just(Frequency::Fortnightly),
                Just(Frequency::FourWeekly),
                Just(Frequency::Monthly)
            ]
            .prop_map(Change::PaymentFrequency),
            Just(Change::CaseClosed),
            Just(Change::CaseReopened),
        ]
    }

    proptest! {
        #[test]
        fn every_change_reads_back_as_itself(change in changes()) {
            let (kind, payload) = change.encode();
            prop_assert_eq!(Change::decode(kind, &payload), Ok(change));
        }
    }

    #[test]
    fn damaged_text_is_refused_with_a_reason() {
        assert!(
            Change::decode("shared_care", "child=1;nights=400")
                .unwrap_err()
                .message
                .contains("366")
        );
        assert!(
            Change::decode("benefits", "own=lottery;partner=;partner_pays=false")
                .unwrap_err()
                .message
                .contains("lottery")
        );
        assert!(Change::decode("income", "weekly_pence=1;annual_pence=2").is_err());
        assert!(
            Change::decode("promotion", "")
                .unwrap_err()
                .message
                .contains("not a kind")
        );
        assert!(Change::decode("child_left", "child").is_err());
    }
}
