//! The calculation's JSON contract.
//!
//! Later work and outside tools depend on these names, so they are fixed
//! here once and used by both the CLI (`cms calculate --json`) and the web
//! API (`POST /api/v1/calculations`). A request is read field by field, so
//! every refusal names the field at fault and says what would be right; an
//! unknown field is refused rather than ignored, because a misspelt
//! `relevant_other_childen` silently ignored would give a wrong amount; and
//! a key given twice is refused ([`parse_strict`], the one strict JSON
//! parser the web uses for every body too), never silently the last.

mod parse;
mod render;
mod strict;

use legal_parameters::Parameters;
use serde::Serialize;
use serde_json::Value;

pub use parse::{ParsedRequest, parse_request};
pub use render::{CalculationAnswer, StepAnswer, explain_request, render_calculation};
pub use strict::{StrictJsonError, parse_strict};

/// A refusal that names the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The path of the field: `paying_parent.benefits[1]`.
    pub field: String,
    /// What is wrong and what would be right.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `{"error": {"field": …, "message": …}}`.
#[derive(Serialize)]
struct ErrorAnswer<'a> {
    error: &'a FieldError,
}

/// How a request body fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every request was calculated.
    Calculated,
    /// At least one request was refused; the others were still answered.
    Refused,
    /// The body was not JSON at all.
    MalformedJson,
}

/// The answer to one request value: the result or the error, as JSON, and
/// whether it succeeded.
#[must_use]
pub fn answer_value(request: &Value, parameters: &Parameters) -> (Value, bool) {
    match parse_request(request).and_then(|parsed| render_calculation(&parsed, parameters)) {
        Ok(answer) => (
            serde_json::to_value(answer).expect("answers serialise"),
            true,
        ),
        Err(error) => (error_value(&error), false),
    }
}

/// The answer to a request body: one object gives one answer, an array
/// gives an array of answers in the same order (each item answered even if
/// another is refused).
#[must_use]
pub fn answer_text(body: &str, parameters: &Parameters) -> (Value, Outcome) {
    // Strictly: a repeated key is refused naming it, never the last kept.
    let value: Value = match parse_strict(body) {
        Ok(value) => value,
        Err(error) => {
            let outcome = match error {
                StrictJsonError::Malformed(_) => Outcome::MalformedJson,
                StrictJsonError::DuplicateKey(_) => Outcome::Refused,
            };
            let refusal = FieldError::new(error.field(), error.to_string());
            return (error_value(&refusal), outcome);
        }
    };
    let outcome = |all_ok: bool| {
        if all_ok {
            Outcome::Calculated
        } else {
            Outcome::Refused
        }
    };
    match value {
        Value::Array(items) => {
            let mut all_ok = true;
            let answers = items
                .iter()
                .map(|item| {
                    let (answer, ok) = answer_value(item, parameters);
                    all_ok &= ok;
                    answer
                })
                .collect();
            (Value::Array(answers), outcome(all_ok))
        }
        single => {
            let (answer, ok) = answer_value(&single, parameters);
            (answer, outcome(ok))
        }
    }
}

/// The JSON for a refusal.
#[must_use]
pub fn error_value(error: &FieldError) -> Value {
    serde_json::to_value(ErrorAnswer { error }).expect("errors serialise")
}
