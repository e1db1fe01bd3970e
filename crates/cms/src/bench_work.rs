//! `cms bench work`: whether the staff pages' cost follows the caseload
//! (issue 14). For each caseload size a scratch database (SQLite file, or a
//! PostgreSQL schema with `--database-url`) gets the demo caseload; the
//! service runs in this process; `wrk` on loopback then drives, one after
//! another and for the same time each: `/health` (the baseline, the same
//! run), a caseworker's `/work`, a specialist's filtered queue page (page
//! two), a search by National Insurance number (`/api/v1/search`) and a
//! team leader's `/work/mi`. Each is reported as p50 and p99 latency, as a
//! ratio to `/health` and, at each larger size, to the smallest size.
//!
//! Only answers that did the work count: every request's status is
//! counted by wrk's script, and any answer but 200 fails the run, loudly
//! (a redirect to the sign-in page would otherwise measure nothing).

use std::process::{Command, ExitCode};
use std::sync::Arc;

/// What one `wrk` run measured.
struct Measured {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    not_200: u64,
}

/// Reads `wrk --latency` output (through `bench web`'s reader) with the
/// script's count of answers that were not 200.
fn parse_wrk(output: &str) -> Result<Measured, String> {
    let (requests_per_second, p50_ms, p99_ms) = crate::bench_web::wrk_latency(output)?;
    Ok(Measured {
        requests_per_second,
        p50_ms,
        p99_ms,
        not_200: crate::bench_web::wrk_field(output, "Not 200:")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no count of answers in wrk's output:\n{output}"))?,
    })
}

/// Counts every answer that is not 200, across wrk's threads.
const COUNTING_SCRIPT: &str = "local threads = {}\nfunction setup(thread)\n  table.insert(threads, thread)\nend\nfunction init(args)\n  not_200 = 0\nend\nfunction response(status, headers, body)\n  if status ~= 200 then\n    not_200 = not_200 + 1\n  end\nend\nfunction done(summary, latency, requests)\n  local total = 0\n  for _, thread in ipairs(threads) do\n    total = total + thread:get(\"not_200\")\n  end\n  io.write(\"Not 200: \" .. total .. \"\\n\")\nend\n";

fn wrk(
    url: &str,
    seconds: u32,
    connections: u32,
    script: &std::path::Path,
    header: &str,
) -> Result<Measured, String> {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            header,
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk ({e}): apt-get install wrk"))?;
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    parse_wrk(&String::from_utf8_lossy(&output.stdout))
}

/// Runs the benchmark at each caseload size.
pub fn run(sizes: &[u32], seconds: u32, connections: u32, database_url: Option<&str>) -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result = runtime.block_on(measure_all(sizes, seconds, connections, database_url));
    crate::finish("bench work", result)
}

/// What is measured, in order: the baseline first.
const PAGES: [&str; 5] = ["/health", "/work", "filtered queue", "search", "/work/mi"];

#[allow(clippy::float_arithmetic)] // timing figures, not money
async fn measure_all(
    sizes: &[u32],
    seconds: u32,
    connections: u32,
    database_url: Option<&str>,
) -> Result<String, String> {
    let (backend, url) = match database_url {
        None => ("sqlite", ""),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            ("postgres", url)
        }
        Some(other) => {
            return Err(format!(
                "--database-url {other}: a postgres:// address (SQLite is the default, in a scratch file)"
            ));
        }
    };
    if sizes.is_empty() {
        return Err("--cases: at least one caseload size".to_owned());
    }
    let mut report = format!(
        "work bench ({backend}, {seconds} s each, {connections} connections, wrk -t2, loopback; a shared machine: compare ratios, not absolute figures):\n"
    );
    let mut all: Vec<(u32, Vec<Measured>)> = Vec::new();
    for &cases in sizes {
        let measured = measure(backend, url, cases, seconds, connections).await?;
        let health = &measured[0];
        report.push_str(&format!("  {cases} demo cases:\n"));
        for (name, m) in PAGES.iter().zip(&measured) {
            let to_smallest = all.first().map_or(String::new(), |(smallest, first)| {
                let index = PAGES.iter().position(|p| p == name).unwrap_or(0);
                format!(
                    "  p99 {:.2}x the {smallest}-case figure",
                    m.p99_ms / first[index].p99_ms.max(1e-9)
                )
            });
            report.push_str(&format!(
                "    {name:<16} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  p99 {:>5.1}x /health{to_smallest}\n",
                m.requests_per_second,
                m.p50_ms,
                m.p99_ms,
                m.p99_ms / health.p99_ms.max(1e-9),
            ));
        }
        // Each size as it is done: a large caseload takes long to build.
        eprint!(
            "{}",
            report
                .lines()
                .skip(1)
                .skip_while(|l| !l.contains(&format!("  {cases} demo cases:")))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        all.push((cases, measured));
    }
    // The last line, as every benchmark ends: the figures as JSON, with the
    // worst ratio of a page's p99 at the largest size to the smallest.
    let (first, last) = (&all[0].1, &all[all.len() - 1].1);
    let ratio = (1..PAGES.len())
        .map(|i| last[i].p99_ms / first[i].p99_ms.max(1e-9))
        .fold(0.0_f64, f64::max);
    let sizes_json: Vec<serde_json::Value> = all
        .iter()
        .map(|(cases, measured)| {
            let pages: serde_json::Map<String, serde_json::Value> = PAGES
                .iter()
                .zip(measured)
                .map(|(name, m)| {
                    (
                        (*name).to_owned(),
                        serde_json::json!({
                            "requests_per_second": m.requests_per_second,
                            "p50_ms": m.p50_ms,
                            "p99_ms": m.p99_ms,
                            "p99_ratio_to_health": m.p99_ms / measured[0].p99_ms.max(1e-9),
                        }),
                    )
                })
                .collect();
            serde_json::json!({"cases": cases, "pages": pages})
        })
        .collect();
    report.push_str(
        &serde_json::json!({
            "benchmark": "work",
            "backend": backend,
            "sizes": sizes_json,
            "ratio": ratio,
        })
        .to_string(),
    );
    Ok(report)
}

/// One caseload: seed it, serve it, measure each page.
async fn measure(
    backend: &str,
    postgres_url: &str,
    cases: u32,
    seconds: u32,
    connections: u32,
) -> Result<Vec<Measured>, String> {
    let scratch = crate::bench_cases::Scratch::open(backend, postgres_url).await?;
    let store = scratch.shared();
    let clock = crate::clock::System;
    let key: String = (0..4)
        .map(|_| format!("{:016x}", web::Environment::random_u64(&clock)))
        .collect();
    let keys = field_crypto::KeyRing::from_toml(&format!("active = 1\n[keys]\n1 = \"{key}\"\n"))
        .map_err(|e| e.to_string())?;
    let parameters = legal_parameters::Parameters::embedded();
    let today = web::Environment::today(&clock);
    let now = crate::clock::now_unix_seconds();
    let mut nonce = || web::Environment::nonce(&clock);
    let started = std::time::Instant::now();
    crate::demo::seed(
        store.as_ref(),
        &keys,
        parameters,
        today,
        cases,
        now,
        &mut nonce,
    )
    .await?;
    eprintln!(
        "bench work: {cases} demo cases seeded in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // Sessions made directly in the store, as signing in would, and an API
    // token for the search.
    let session = |person: i64, role: &'static str| {
        let secret = web::Environment::secret_hex(&clock);
        (secret, person, role)
    };
    let sessions = [
        session(17, "caseworker"),
        session(30, "domestic_abuse_specialist"),
        session(60, "team_leader"),
    ];
    for (secret, person, role) in &sessions {
        store
            .start_session(&web::token_hash(secret), *person, role, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    let token = web::Environment::secret_hex(&clock);
    store
        .issue_token(&web::token_hash(&token), 17, "caseworker")
        .await
        .map_err(|e| e.to_string())?;
    let cookie = |index: usize| format!("Cookie: {}={}", web::SESSION_COOKIE, sessions[index].0);
    let state = web::AppState {
        parameters,
        store: Arc::clone(&store),
        clock: Arc::new(crate::clock::System),
        keys: Arc::new(keys),
        failed_sign_ins: Arc::default(),
        service_address: Arc::from("Child Maintenance Service"),
        model_2023_act: false,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, web::app(state)).await;
    });
    let base = format!("http://{address}");
    let script = std::env::temp_dir().join(format!("cms_bench_work_{}.lua", std::process::id()));
    std::fs::write(&script, COUNTING_SCRIPT).map_err(|e| e.to_string())?;
    // The demo receiving parent's NI number: one person, found by the index.
    let runs = [
        (format!("{base}/health"), cookie(0)),
        (format!("{base}/work"), cookie(0)),
        (
            format!("{base}/work/queue?team=specialist&kind=disclosure_to_review&page=2"),
            cookie(1),
        ),
        (
            format!("{base}/api/v1/search?kind=ni_number&q=AB010001B"),
            format!("Authorization: Bearer {token}"),
        ),
        (format!("{base}/work/mi"), cookie(2)),
    ];
    let mut measured = Vec::new();
    let mut failure = None;
    for ((url, header), name) in runs.into_iter().zip(PAGES) {
        let script = script.clone();
        let result =
            tokio::task::spawn_blocking(move || wrk(&url, seconds, connections, &script, &header))
                .await
                .map_err(|e| e.to_string())?;
        match result {
            // A benchmark counts only answers that did the work.
            Ok(m) if m.not_200 > 0 => {
                failure = Some(format!(
                    "{name} at {cases} cases: {} answers were not 200; the figures would not measure the work",
                    m.not_200
                ));
                break;
            }
            Ok(m) => measured.push(m),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    server.abort();
    let _ = std::fs::remove_file(&script);
    drop(store);
    scratch.remove().await;
    match failure {
        Some(failure) => Err(failure),
        None => Ok(measured),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read_with_its_units_and_the_scripts_count() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  Latency Distribution\n     50%  850.00us\n     75%    1.10ms\n     90%    2.00ms\n     99%    4.50ms\n  250000 requests in 10.00s, 1.00GB read\nRequests/sec:  25000.50\nTransfer/sec:    100.00MB\nNot 200: 3\n";
        let m = parse_wrk(output).unwrap();
        assert!((m.requests_per_second - 25_000.5).abs() < 1e-9);
        assert!((m.p50_ms - 0.85).abs() < 1e-9);
        assert!((m.p99_ms - 4.5).abs() < 1e-9);
        assert_eq!(m.not_200, 3);
        // Without the script's count nothing is known to have done the work.
        assert!(parse_wrk(&output.replace("Not 200: 3\n", "")).is_err());
    }
}
