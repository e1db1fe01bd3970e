//! `cms model caseload` and `cms bench model`: the reform model
//! (`reform-model`) over a synthetic caseload, for policy analysts.
//!
//! The shell parses flags, generates the caseload, runs the model and
//! prints; the model, the policies and the caseload's calibration live in
//! the pure crate. Counts and sums only, small cells suppressed; the same
//! flags print the same bytes.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use domain_types::{Date, PartsPerMillion};
use legal_parameters::Parameters;
use maintenance_calculation::calculate;
use reform_model::{Caseload, Model, Options, Policy, Scenario, run};

use crate::bench::{median, per_second};
use crate::finish;

/// `cms model caseload`.
#[derive(clap::Args)]
pub struct CaseloadArguments {
    /// A policy to model; repeat to compose several (`--list-policies` names them).
    #[arg(long = "policy")]
    policies: Vec<String>,
    /// Synthetic cases to generate (the national caseload is about 750,000).
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Seed for the caseload; the same seed gives the same cases.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The day modelled (YYYY-MM-DD): the law in force that day beside the policy.
    #[arg(long)]
    date: Option<String>,
    /// `csv` or `json`.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Cells counting fewer cases than this are suppressed.
    #[arg(long, default_value_t = 10)]
    min_cell: u64,
    /// The stated share of net income, in percent (25 or 12.5), for the count of liabilities above it.
    #[arg(long, default_value = "25")]
    share_of_net_income: String,
    /// One line per synthetic case instead of the counts (synthetic caseload only).
    #[arg(long)]
    per_case: bool,
    /// Model the stored caseload as known on --date (read from --database-url, one case at a time; seconds for a large caseload) instead of a synthetic one; --seed then seeds what is imputed.
    #[arg(long, conflicts_with = "per_case")]
    stored: bool,
    /// Where the stored caseload lives (with --stored).
    #[arg(long, env = "DATABASE_URL", default_value = crate::serve::DEFAULT_DATABASE_URL)]
    database_url: String,
    /// List the policies with their rules and sources, and stop.
    #[arg(long)]
    list_policies: bool,
}

/// `cms bench …`: the reform model, and every other benchmark.
#[derive(clap::Subcommand)]
pub enum Bench {
    /// The reform model over a synthetic caseload: cases per second, beside the plain calculation of the same cases in the same run.
    Model(BenchArguments),
    #[command(flatten)]
    Other(crate::bench::Benchmark),
}

/// `cms bench model`.
#[derive(clap::Args)]
pub struct BenchArguments {
    /// Synthetic cases.
    #[arg(long, default_value_t = 750_000)]
    cases: usize,
    /// Seed for the caseload.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The policy (repeat to compose).
    #[arg(long = "policy", default_values_t = ["income-shares-rec8".to_owned()])]
    policies: Vec<String>,
    /// The day modelled.
    #[arg(long, default_value = "2028-04-01")]
    date: String,
    /// Timed rounds of each loop; the median is reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// `--share-of-net-income`: a percentage, read digit by digit.
fn percent(text: &str) -> Result<PartsPerMillion, String> {
    reform_model::report::share_from_percent(text)
        .map_err(|message| format!("--share-of-net-income {message}"))
}

fn scenario(names: &[String]) -> Result<Scenario, String> {
    Scenario::compose(
        names
            .iter()
            .map(|name| Policy::named(name))
            .collect::<Result<Vec<_>, _>>()?,
    )
}

fn list() -> String {
    let mut text =
        String::from("Policies (POLICY, NOT LAW: modelled only, never applied to a case):\n");
    for name in Policy::known() {
        match Policy::named(name) {
            Ok(p) => text.push_str(&format!(
                "  {name}\n    rule: {} ({})\n    {}\n    from: {} ({})\n    source: {}\n",
                p.rule.code(),
                p.rule_source,
                p.description,
                p.from.map_or_else(|| "none".to_owned(), |d| d.to_string()),
                p.from_confidence,
                p.source
            )),
            Err(e) => text.push_str(&format!("  {name}: invalid: {e}\n")),
        }
    }
    text
}

/// The stored caseload as known on `date`, read through the store as the
/// analyst's page reads it (`web::analyst::stored_caseload`): counts and
/// sums only leave it.
fn stored(database_url: &str, date: Date, seed: u64) -> Result<Caseload, String> {
    let location = crate::serve::parse_database_url(database_url)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let store = location.open().await?;
        let caseload =
            web::analyst::stored_caseload(store.as_ref(), Parameters::embedded(), date, seed)
                .await
                .map_err(|e| e.to_string());
        store.close().await;
        caseload
    })
}

/// Runs `cms model caseload`.
pub fn caseload(arguments: &CaseloadArguments) -> ExitCode {
    if arguments.list_policies {
        out!("{}", list());
        return ExitCode::SUCCESS;
    }
    let result = (|| {
        let date = arguments
            .date
            .as_deref()
            .ok_or("--date YYYY-MM-DD is required: the day whose law the policy is set beside")?;
        let date = Date::parse_iso(date).map_err(|e| format!("--date {date}: {e}"))?;
        if arguments.cases == 0 {
            return Err("--cases must be at least 1".to_owned());
        }
        let json = match arguments.format.as_str() {
            "csv" => false,
            "json" => true,
            other => return Err(format!("--format {other}: use csv or json")),
        };
        let options = Options {
            minimum_cell: arguments.min_cell.max(1),
            share_of_net_income: percent(&arguments.share_of_net_income)?,
        };
        let model = Model::new(Parameters::embedded(), date, scenario(&arguments.policies)?)?;
        let caseload = if arguments.stored {
            stored(&arguments.database_url, date, arguments.seed)?
        } else {
            Caseload::synthetic(arguments.cases, arguments.seed)
        };
        let report = run(&model, &caseload, options);
        if arguments.per_case {
            return Ok(report.per_case_csv(&caseload));
        }
        Ok(if json {
            report.to_json()
        } else {
            report.to_csv()
        })
    })();
    match result {
        Ok(text) => {
            out!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => finish("model caseload", Err(message)),
    }
}

/// Runs `cms bench model`.
#[allow(clippy::float_arithmetic)] // timing figures, not money
pub fn bench(arguments: &BenchArguments) -> ExitCode {
    let result = (|| {
        if arguments.cases == 0 || arguments.rounds == 0 {
            return Err("--cases and --rounds must be at least 1".to_owned());
        }
        let date = Date::parse_iso(&arguments.date)
            .map_err(|e| format!("--date {}: {e}", arguments.date))?;
        let parameters = Parameters::embedded();
        let model = Model::new(parameters, date, scenario(&arguments.policies)?)?;
        let options = Options::default();

        // End to end once: generate, model, aggregate and write the CSV.
        let started = Instant::now();
        let caseload = Caseload::synthetic(arguments.cases, arguments.seed);
        let generated = started.elapsed().as_secs_f64();
        let csv = run(&model, &caseload, options).to_csv();
        let end_to_end = started.elapsed().as_secs_f64();

        // The baseline: the plain calculation of the same cases under the
        // law, requests built beforehand.
        let requests: Vec<_> = caseload
            .cases
            .iter()
            .map(|c| model.law_request(c))
            .collect();
        let mut plain_rates = Vec::new();
        let mut model_rates = Vec::new();
        let mut plain_total = 0u64;
        let mut law_total = 0u64;
        for _ in 0..arguments.rounds {
            let started = Instant::now();
            let mut sum = 0u64;
            for request in &requests {
                sum += calculate(black_box(request), parameters)
                    .expect("synthetic cases are valid")
                    .weekly_total()
                    .get();
            }
            plain_rates.push(per_second(requests.len(), started.elapsed().as_secs_f64()));
            plain_total = black_box(sum);

            let started = Instant::now();
            let report = run(&model, black_box(&caseload), options);
            model_rates.push(per_second(
                caseload.cases.len(),
                started.elapsed().as_secs_f64(),
            ));
            law_total = black_box(report.aggregate.total.law_maintenance);
        }
        if law_total != plain_total {
            return Err(format!(
                "the model's law total {law_total}p differs from the plain calculation's {plain_total}p"
            ));
        }
        let plain_rate = median(plain_rates);
        let model_rate = median(model_rates);
        let ratio = model_rate / plain_rate;
        let names = model.scenario.names();
        Ok(format!(
            "reform model benchmark: {} synthetic cases, seed {}, policy {names}, {}, {} rounds, one thread\n  \
             plain calculation under the law (baseline): {:>6.2} million cases/s ({:.1} ns each)\n  \
             model (law and policy, deciles, aggregates): {:>6.2} million cases/s ({:.1} ns each)\n  \
             ratio model / plain calculation: {ratio:.3}\n  \
             end to end once (generate {generated:.2} s, model and write {} bytes of CSV): {end_to_end:.2} s\n  \
             law totals agree with the plain calculation: {plain_total}p a week\n\
             {{\"benchmark\":\"model\",\"cases\":{},\"seed\":{},\"policy\":\"{names}\",\"rounds\":{},\"plain_cases_per_second\":{plain_rate:.0},\"model_cases_per_second\":{model_rate:.0},\"ratio\":{ratio:.4},\"end_to_end_seconds\":{end_to_end:.3}}}",
            arguments.cases,
            arguments.seed,
            model.date,
            arguments.rounds,
            plain_rate / 1e6,
            1e9 / plain_rate,
            model_rate / 1e6,
            1e9 / model_rate,
            csv.len(),
            arguments.cases,
            arguments.seed,
            arguments.rounds,
        ))
    })();
    finish("bench model", result)
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_are_read_digit_by_digit() {
        assert_eq!(percent("25").unwrap().get(), 250_000);
        assert_eq!(percent("12.5").unwrap().get(), 125_000);
        assert_eq!(percent("0.0001").unwrap().get(), 1);
        assert!(percent("100.5").is_err());
        assert!(percent("-5").is_err());
        assert!(percent("1.23456").is_err());
        assert!(percent("abc").is_err());
    }
}
