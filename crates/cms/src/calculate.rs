//! `cms calculate`: the contract on stdin with `--json`, or a human form
//! from flags. Both go through the same contract, so they cannot disagree.

use std::io::Read;
use std::process::ExitCode;

use calculation_json::{CalculationAnswer, Outcome, parse_request, render_calculation};
use clap::Args;
use domain_types::Pence;
use legal_parameters::Parameters;
use serde_json::{Value, json};

/// Exit status for a refused request.
const BAD_INPUT: u8 = 2;

#[derive(Args)]
pub struct Arguments {
    /// Read one request object, or an array of them, on stdin; print the
    /// answers as JSON on stdout.
    #[arg(long, conflicts_with_all = ["income", "annual_income", "default_decision"])]
    json: bool,
    /// Effective date, YYYY-MM-DD (default: today).
    #[arg(long)]
    date: Option<String>,
    /// Gross weekly income in pounds, like 517.81.
    #[arg(long, conflicts_with = "annual_income", allow_hyphen_values = true)]
    income: Option<String>,
    /// Gross annual income in pounds, like 30000.
    #[arg(long, allow_hyphen_values = true)]
    annual_income: Option<String>,
    /// Qualifying children.
    #[arg(long, default_value_t = 1)]
    children: u16,
    /// Relevant other children living with the paying parent.
    #[arg(long, default_value_t = 0)]
    other_children: u16,
    /// Children supported under a court order or other arrangement (para 5A).
    #[arg(long, default_value_t = 0)]
    arrangement_children: u16,
    /// Nights a year each child stays with the paying parent.
    #[arg(long, default_value_t = 0)]
    nights: u16,
    /// A benefit the paying parent gets, by code (repeatable).
    #[arg(long = "benefit")]
    benefits: Vec<String>,
    /// A benefit the paying parent's partner gets, by code (repeatable).
    #[arg(long = "partner-benefit")]
    partner_benefits: Vec<String>,
    /// The partner also pays child maintenance under a calculation.
    #[arg(long)]
    partner_pays_maintenance: bool,
    /// A nil-rate reason: child, prisoner, work_based_training, care_home, 16_17_on_income_related_benefit.
    #[arg(long)]
    nil_reason: Option<String>,
    /// Weekly special expenses in pounds (variation).
    #[arg(long, allow_hyphen_values = true)]
    special_expenses: Option<String>,
    /// Weekly additional income in pounds (variation).
    #[arg(long, allow_hyphen_values = true)]
    additional_income: Option<String>,
    /// A default maintenance decision: not enough information.
    #[arg(long)]
    default_decision: bool,
}

pub fn run(arguments: &Arguments) -> ExitCode {
    if arguments.json {
        return run_json();
    }
    let request = match human_request(arguments) {
        Ok(request) => request,
        Err(message) => {
            errln!("cms calculate: {message}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    match parse_request(&request)
        .and_then(|parsed| render_calculation(&parsed, Parameters::embedded()))
    {
        Ok(answer) => {
            out!("{}", human_text(&answer));
            ExitCode::SUCCESS
        }
        Err(error) => {
            errln!(
                "cms calculate: {}: {}",
                flag_for(&error.field),
                error.message
            );
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn run_json() -> ExitCode {
    let mut body = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut body) {
        errln!("cms calculate: cannot read stdin: {error}");
        return ExitCode::FAILURE;
    }
    let (answer, outcome) = calculation_json::answer_text(&body, Parameters::embedded());
    outln!("{answer}");
    match outcome {
        Outcome::Calculated => ExitCode::SUCCESS,
        Outcome::Refused | Outcome::MalformedJson => ExitCode::from(BAD_INPUT),
    }
}

/// Builds a contract request from the flags; money is parsed exactly.
fn human_request(arguments: &Arguments) -> Result<Value, String> {
    let pence = |flag: &str, text: &Option<String>| -> Result<Option<u64>, String> {
        text.as_deref()
            .map(|t| {
                Pence::parse_pounds(t)
                    .map(Pence::get)
                    .map_err(|e| format!("--{flag} {t}: {e}"))
            })
            .transpose()
    };
    let date = match &arguments.date {
        Some(date) => date.clone(),
        None => crate::clock::today().to_string(),
    };
    let children: Vec<Value> = (0..arguments.children)
        .map(|_| json!({ "shared_care_nights": arguments.nights }))
        .collect();
    let mut request = json!({
        "date": date,
        "receiving_parents": [{ "id": "A", "children": children }],
    });
    if arguments.default_decision {
        request["default_maintenance_decision"] = json!(true);
        return Ok(request);
    }
    request["paying_parent"] = json!({
        "gross_weekly_income_pence": pence("income", &arguments.income)?,
        "annual_gross_income_pence": pence("annual-income", &arguments.annual_income)?,
        "benefits": arguments.benefits,
        "partner_benefits": arguments.partner_benefits,
        "partner_is_paying_parent_with_calculation": arguments.partner_pays_maintenance,
        "nil_rate_reason": arguments.nil_reason,
        "relevant_other_children": arguments.other_children,
        "other_arrangement_children": arguments.arrangement_children,
    });
    request["variations"] = json!({
        "special_expenses_weekly_pence": pence("special-expenses", &arguments.special_expenses)?.unwrap_or(0),
        "additional_income_weekly_pence": pence("additional-income", &arguments.additional_income)?.unwrap_or(0),
    });
    Ok(request)
}

/// The flag a contract field came from, for error messages.
fn flag_for(field: &str) -> &str {
    match field {
        "date" => "--date",
        "paying_parent.gross_weekly_income_pence" => "--income",
        "paying_parent.annual_gross_income_pence" => "--annual-income",
        "paying_parent.relevant_other_children" => "--other-children",
        "paying_parent.other_arrangement_children" => "--arrangement-children",
        "paying_parent.nil_rate_reason" => "--nil-reason",
        f if f.starts_with("paying_parent.benefits") => "--benefit",
        f if f.starts_with("paying_parent.partner_benefits") => "--partner-benefit",
        f if f.ends_with("shared_care_nights") => "--nights",
        f if f.starts_with("receiving_parents") => "--children",
        other => other,
    }
}

fn human_text(answer: &CalculationAnswer) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let total = Pence::new(answer.weekly_total_pence);
    let rate = answer.rate.replace('_', " ");
    let _ = writeln!(out, "Weekly child maintenance: {total} ({rate} rate)\n");
    let _ = writeln!(out, "How it is worked out:");
    for (number, step) in answer.explanation.iter().enumerate() {
        let _ = writeln!(out, "{:>3}. {}\n     {}", number + 1, step.text, step.rule);
    }
    if let Some(fees) = &answer.collection_fees {
        let _ = writeln!(
            out,
            "\nOn Collect and Pay the paying parent would also pay a fee of {} a week, and {} a week would be deducted from what the receiving parent gets.",
            Pence::new(fees.paying_parent_weekly_pence),
            Pence::new(
                fees.receiving_parents
                    .iter()
                    .map(|r| r.weekly_amount_pence)
                    .sum()
            )
        );
    }
    let _ = writeln!(
        out,
        "\nLaw applied: parameter set {} (in force from {}).",
        answer.parameters, answer.parameters_effective_from
    );
    out
}
