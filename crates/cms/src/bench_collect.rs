//! `cms bench collect`: the daily collection run over a demo caseload in a
//! scratch database, timed on two days in a row (the first posts what fell
//! due since the cases began; the next only a day's work), beside a
//! baseline measured in the same run: reading every case's records and
//! doing nothing with them, the least any run that visits every case must
//! cost. A ratio near 1 on the second day says the run's cost follows the
//! caseload, not what is due or changed (issue 13).

use std::process::ExitCode;
use std::time::Instant;

use crate::collect::{Run, read_case, run_cases};

/// Runs the benchmark at each caseload size.
pub fn run(backend: &str, sizes: &[u32], postgres_url: &str) -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result = runtime.block_on(async {
        let mut report = String::new();
        let mut figures = Vec::new();
        for cases in sizes {
            let (line, json) = measure(backend, *cases, postgres_url).await?;
            report.push_str(&line);
            figures.push(json);
        }
        // The last line, as every benchmark ends: the figures as JSON, with
        // the ratio at the largest size.
        let ratio = figures
            .last()
            .and_then(|f| f["next_day_ratio_to_reading"].as_f64())
            .unwrap_or_default();
        report.push_str(
            &serde_json::json!({"benchmark": "collect", "backend": backend, "sizes": figures, "ratio": ratio})
                .to_string(),
        );
        Ok::<String, String>(report)
    });
    crate::finish("bench collect", result)
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
async fn measure(
    backend: &str,
    cases: u32,
    postgres_url: &str,
) -> Result<(String, serde_json::Value), String> {
    let scratch = crate::bench_cases::Scratch::open(backend, postgres_url).await?;
    let store = scratch.shared();
    let clock = crate::clock::System;
    let key: String = (0..4)
        .map(|_| format!("{:016x}", web::Environment::random_u64(&clock)))
        .collect();
    let keys_text = format!("active = 1\n[keys]\n1 = \"{key}\"\n");
    let keys = field_crypto::KeyRing::from_toml(&keys_text).map_err(|e| e.to_string())?;
    let parameters = legal_parameters::Parameters::embedded();
    let today = web::Environment::today(&clock);
    let mut nonce = || web::Environment::nonce(&clock);
    crate::demo::seed(
        store.as_ref(),
        &keys,
        parameters,
        today,
        cases,
        crate::clock::now_unix_seconds(),
        &mut nonce,
    )
    .await?;
    let references = store.case_references().await.map_err(|e| e.to_string())?;
    let scratch_dir = std::env::temp_dir();
    let pain001 = scratch_dir.join("cms-bench-collect.xml");
    let keys_file = scratch_dir.join("cms-bench-collect-keys.toml");
    let run_on = |date, since| Run {
        date,
        since,
        database_url: "",
        keys_file: &keys_file,
        pain001: &pain001,
        standard18: None,
        client_account: "60-70-80 10203040 Child Maintenance",
        parameters,
    };
    // The baseline: every case's records read, nothing worked out.
    let started = Instant::now();
    for case in &references {
        read_case(store.as_ref(), *case, today)
            .await
            .map_err(|e| e.to_string())?;
    }
    let baseline = started.elapsed().as_secs_f64();
    // The first day: everything that fell due since each case began.
    let first_day = today;
    let started = Instant::now();
    let first = run_cases(
        store.as_ref(),
        &references,
        &run_on(first_day, first_day),
        &keys,
    )
    .await?;
    let first_seconds = started.elapsed().as_secs_f64();
    // The next day: a day's work.
    let next_day = today.add_days(1).ok_or("no next day")?;
    let started = Instant::now();
    let next = run_cases(
        store.as_ref(),
        &references,
        &run_on(next_day, first_day),
        &keys,
    )
    .await?;
    let next_seconds = started.elapsed().as_secs_f64();
    drop(store);
    scratch.remove().await;
    let per_second = |seconds: f64| f64::from(cases) / seconds.max(1e-9);
    let line = format!(
        "collect bench ({backend}, {cases} demo cases): reading every case {baseline:.2} s ({:.0} cases/s); first day {first_seconds:.2} s, {} transfers ({:.0} cases/s, ratio to reading {:.2}); next day {next_seconds:.2} s, {} transfers ({:.0} cases/s, ratio to reading {:.2})\n",
        per_second(baseline),
        first.posted,
        per_second(first_seconds),
        first_seconds / baseline.max(1e-9),
        next.posted,
        per_second(next_seconds),
        next_seconds / baseline.max(1e-9),
    );
    let json = serde_json::json!({
        "cases": cases,
        "read_every_case_seconds": baseline,
        "first_day_seconds": first_seconds,
        "first_day_transfers": first.posted,
        "next_day_seconds": next_seconds,
        "next_day_transfers": next.posted,
        "next_day_ratio_to_reading": next_seconds / baseline.max(1e-9),
    });
    Ok((line, json))
}
