//! `cms model fees`: a week's maintenance on Collect and Pay under the law
//! in force, and under an announced policy beside it, clearly marked.

use std::process::ExitCode;

use domain_types::{Date, Pence};
use ledger::{ModelledFees, fees_under_law, fees_under_policy};
use legal_parameters::{CollectionReform, NilRateRemoval, Parameters};

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

fn weekly(request: &serde_json::Value) -> Result<(String, u64), String> {
    let (answer, _) = calculation_json::answer_text(&request.to_string(), Parameters::embedded());
    if let Some(error) = answer.get("error") {
        return Err(error.to_string());
    }
    Ok((
        answer["rate"].as_str().unwrap_or("?").to_owned(),
        answer["weekly_total_pence"].as_u64().unwrap_or(0),
    ))
}

/// `cms model prisoner`: a prisoner paying parent with weekly earnings,
/// under the law (the nil rate, reg 45(1)(b); earnings over £100 a week
/// brought in by a reg 70 variation) and under Recommendation 7 (earnings
/// assessed as income), marked as policy.
pub fn prisoner(earnings: &str, children: u8, date: &str, policy: Option<&str>) -> ExitCode {
    let result = (|| {
        let earnings =
            Pence::parse_pounds(earnings).map_err(|e| format!("--earnings {earnings}: {e}"))?;
        Date::parse_iso(date).map_err(|e| format!("--date {date}: {e}"))?;
        let kids: Vec<serde_json::Value> = (0..children.max(1))
            .map(|_| serde_json::json!({}))
            .collect();
        let law = serde_json::json!({
            "date": date,
            "paying_parent": {"nil_rate_reason": "prisoner"},
            "variations": {"additional_income_weekly_pence": earnings.get()},
            "receiving_parents": [{"id": "A", "children": kids}],
        });
        let (rate, pence) = weekly(&law)?;
        let mut report = format!(
            "A prisoner earning {earnings} a week, {} qualifying child(ren), on {date}:\n  under the law: {rate} rate, {} a week (nil unless a reg 70 variation brings in earnings over £100)",
            children.max(1),
            Pence::new(pence)
        );
        if let Some(name) = policy {
            let removal = NilRateRemoval::named(name)?;
            let assessed = serde_json::json!({
                "date": date,
                "paying_parent": {"gross_weekly_income_pence": earnings.get()},
                "receiving_parents": [{"id": "A", "children": kids}],
            });
            let (rate, pence) = weekly(&assessed)?;
            report.push_str(&format!(
                "\n\nPOLICY, NOT LAW: {} ({}).\n  Source: {}\n  Start: {}.\n  under the policy: {rate} rate, {} a week",
                removal.name,
                removal.description,
                removal.source,
                removal.from_confidence,
                Pence::new(pence)
            ));
        }
        Ok(report)
    })();
    finish("model prisoner", result)
}
