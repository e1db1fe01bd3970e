//! `cms parameters`: the law this binary carries, figure by figure.

use std::process::ExitCode;

use legal_parameters::{Parameters, Value};

pub fn run() -> ExitCode {
    let parameters = Parameters::embedded();
    outln!(
        "Parameters version {} (scheme from {})",
        parameters.version(),
        parameters.scheme_start()
    );
    for series in parameters.series() {
        outln!(
            "\n{}: {}\n  {}",
            series.name,
            series.description,
            series.reference
        );
        for dated in &series.values {
            outln!("  from {}: {}", dated.from, describe(&dated.value));
            outln!("    [{:?}] {}", dated.confidence, dated.source);
            if let Some(note) = &dated.note {
                outln!("    note: {note}");
            }
        }
    }
    ExitCode::SUCCESS
}

fn describe(value: &Value) -> String {
    match value {
        Value::Pence(p) => p.to_string(),
        Value::PenceByQualifyingChildren(list) => {
            format!("{} / {} / {}", list[0], list[1], list[2])
        }
        Value::Rate(rate) => rate.to_string(),
        Value::RateByChildren(list) => format!("{} / {} / {}", list[0], list[1], list[2]),
        Value::RateTable(rows) => rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" | "),
        Value::Nights(n) => format!("{n} nights"),
        Value::SharedCareBands(bands) => bands
            .iter()
            .map(|b| format!("{}-{}: {}", b.nights_min, b.nights_max, b.decrease))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Benefits(set) => set.iter().map(|b| b.code()).collect::<Vec<_>>().join(", "),
        Value::EnforcementCharges(c) => format!(
            "DEO {}, DER {}, RDO {}, LSDO {}, liability order {}",
            c.deduction_from_earnings_order,
            c.deduction_from_earnings_request,
            c.regular_deduction_order,
            c.lump_sum_deduction_order,
            c.liability_order
        ),
    }
}
