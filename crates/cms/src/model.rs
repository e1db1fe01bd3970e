//! `cms model fees`: a week's maintenance on Collect and Pay under the law
//! in force, and under an announced policy beside it, clearly marked.

use std::process::ExitCode;

use domain_types::{Date, Pence};
use ledger::{ModelledFees, fees_under_law, fees_under_policy};
use legal_parameters::{CollectionReform, Parameters};

use crate::finish;

fn lines(title: &str, fees: &ModelledFees) -> String {
    format!(
        "{title}\n  Direct Pay available: {}\n  paying parent pays {} ({} fee)\n  receiving parent gets {} ({} fee kept)",
        if fees.direct_pay_available {
            "yes"
        } else {
            "no"
        },
        fees.paying_parent_pays,
        fees.paying_parent_fee,
        fees.receiving_parent_gets,
        fees.receiving_parent_fee,
    )
}

pub fn fees(weekly: &str, date: &str, policy: Option<&str>, non_compliant: bool) -> ExitCode {
    let result = (|| {
        let weekly = Pence::parse_pounds(weekly).map_err(|e| format!("--weekly {weekly}: {e}"))?;
        let date = Date::parse_iso(date).map_err(|e| format!("--date {date}: {e}"))?;
        let law = fees_under_law(weekly, date, Parameters::embedded());
        let mut report = lines(
            &format!("{weekly} a week on Collect and Pay, under the law in force on {date}:"),
            &law,
        );
        if let Some(name) = policy {
            let reform = CollectionReform::named(name)?;
            report.push_str(&format!(
                "\n\nPOLICY, NOT LAW: {} ({}).\n  Source: {}\n  Assumed to start {} ({}).",
                reform.name, reform.description, reform.source, reform.from, reform.from_confidence
            ));
            match fees_under_policy(weekly, date, &reform, !non_compliant) {
                Some(fees) => report.push_str(&format!(
                    "\n{}",
                    lines(
                        if non_compliant {
                            "Under the policy, a paying parent who does not pay on time and in full:"
                        } else {
                            "Under the policy, a paying parent who pays on time and in full:"
                        },
                        &fees
                    )
                )),
                None => report.push_str(&format!(
                    "\n  Not in force on {date}: the law above applies."
                )),
            }
        }
        Ok(report)
    })();
    finish("model fees", result)
}
