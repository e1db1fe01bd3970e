//! Writing a calculation as the contract's answer.

use legal_parameters::Parameters;
use maintenance_calculation::{Calculation, CalculationError, calculate};
use serde::Serialize;

use crate::{FieldError, ParsedRequest};

/// The answer to one request, in the contract's field order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalculationAnswer {
    /// `nil`, `flat`, `reduced`, `basic`, `basic_plus` or `default`.
    pub rate: &'static str,
    /// On the flat rate: `income`, `benefit` or `variation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flat_rate_basis: Option<&'static str>,
    /// What the paying parent pays each week in all.
    pub weekly_total_pence: u64,
    /// Each receiving parent's weekly amount.
    pub receiving_parents: Vec<ReceivingParentAnswer>,
    /// Every step in order.
    pub explanation: Vec<StepAnswer>,
    /// The version of the parameter set used.
    pub parameters: String,
    /// The first day of that parameter set.
    pub parameters_effective_from: String,
    /// The fees Collect and Pay would add and deduct on this date, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_fees: Option<CollectionFeesAnswer>,
}

/// One receiving parent's weekly amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceivingParentAnswer {
    /// The id given in the request.
    pub id: String,
    /// The weekly amount.
    pub weekly_amount_pence: u64,
}

/// One step of the explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepAnswer {
    /// One plain-English sentence.
    pub text: String,
    /// The provision applied.
    pub rule: String,
    /// The figure produced, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_pence: Option<u64>,
}

/// Collection fees on Collect and Pay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectionFeesAnswer {
    /// Added to the paying parent's weekly payment.
    pub paying_parent_weekly_pence: u64,
    /// Deducted from each receiving parent's weekly amount.
    pub receiving_parents: Vec<ReceivingParentAnswer>,
}

/// Calculates and writes the answer for a parsed request.
///
/// # Errors
/// A refusal from the calculation, mapped to the field at fault.
pub fn render_calculation(
    parsed: &ParsedRequest,
    parameters: &Parameters,
) -> Result<CalculationAnswer, FieldError> {
    let calculation =
        calculate(&parsed.request, parameters).map_err(|error| field_error(parsed, error))?;
    Ok(answer(&calculation, &parsed.receiving_parent_ids))
}

/// The answer, with its explanation, for a request the service built itself
/// (a case's calculation in force: `case_records::calculation_request_on`),
/// its receiving parents named by `ids`.
///
/// # Errors
/// The calculation's refusal.
pub fn explain_request(
    request: &maintenance_calculation::CalculationRequest,
    ids: &[String],
    parameters: &Parameters,
) -> Result<CalculationAnswer, CalculationError> {
    Ok(answer(&calculate(request, parameters)?, ids))
}

fn field_error(parsed: &ParsedRequest, error: CalculationError) -> FieldError {
    let field = match error {
        CalculationError::NotCoded { .. } => "date".to_owned(),
        CalculationError::BenefitNotInForce {
            benefit, partner, ..
        } => parsed.benefit_field(benefit, partner),
        CalculationError::IncomeRequired => "paying_parent.gross_weekly_income_pence".to_owned(),
    };
    FieldError::new(field, error.to_string())
}

fn answer(calculation: &Calculation<'_>, ids: &[String]) -> CalculationAnswer {
    let names = |index: usize| {
        if ids.len() == 1 {
            "the receiving parent".to_owned()
        } else {
            format!("receiving parent {}", ids[index])
        }
    };
    let with_ids = |amounts: &mut dyn Iterator<Item = u64>| -> Vec<ReceivingParentAnswer> {
        ids.iter()
            .zip(amounts)
            .map(|(id, weekly_amount_pence)| ReceivingParentAnswer {
                id: id.clone(),
                weekly_amount_pence,
            })
            .collect()
    };
    CalculationAnswer {
        rate: calculation.rate.code(),
        flat_rate_basis: calculation.flat_rate_basis.map(|b| b.code()),
        weekly_total_pence: calculation.weekly_total().get(),
        receiving_parents: with_ids(&mut calculation.weekly_amounts.iter().map(|a| a.get())),
        explanation: calculation
            .explain(&names)
            .into_iter()
            .map(|step| StepAnswer {
                text: step.text,
                rule: step.rule,
                amount_pence: step.amount.map(|a| a.get()),
            })
            .collect(),
        parameters: calculation.parameters.version.clone(),
        parameters_effective_from: calculation.parameters.effective_from.to_string(),
        collection_fees: calculation
            .collection_fees()
            .map(|fees| CollectionFeesAnswer {
                paying_parent_weekly_pence: fees.paying_parent_weekly.get(),
                receiving_parents: with_ids(
                    &mut fees.receiving_parents_weekly.iter().map(|a| a.get()),
                ),
            }),
    }
}
