//! `cms bench web`: the served pages under load, measured with `wrk` on
//! loopback. A scratch database (SQLite file or PostgreSQL schema) gets the
//! demo caseload; the service runs in this process; `wrk` then drives, one
//! after another and for the same time each: a static page of the same
//! server (the baseline: the layout, no database), the caseworker's case
//! page (sessions, the audited view of sealed parties, schedule, ledger,
//! safety, coercion scan), and a parent's Direct Pay report (a durable,
//! audited write with an idempotency key). Each is reported as requests per
//! second with p50 and p99 latency, and as a ratio to the baseline.

use std::process::{Command, ExitCode};
use std::sync::Arc;

use case_records::{CaseReference, Change, ServiceType};

use crate::demo;

/// What one `wrk` run measured.
struct Measured {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
fn milliseconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * scale)
}

/// The value after `prefix` on the first line of `wrk` output that starts
/// with it (`cms bench work` reads its script's own lines with it too).
pub(crate) fn wrk_field<'o>(output: &'o str, prefix: &str) -> Option<&'o str> {
    output
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(prefix))
        .map(str::trim)
}

/// The throughput and latencies of `wrk --latency` output: requests a
/// second, p50 and p99 in milliseconds.
pub(crate) fn wrk_latency(output: &str) -> Result<(f64, f64, f64), String> {
    let requests_per_second = wrk_field(output, "Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{output}"))?;
    let p50_ms = wrk_field(output, "50%")
        .and_then(milliseconds)
        .ok_or("no p50 in wrk's output")?;
    let p99_ms = wrk_field(output, "99%")
        .and_then(milliseconds)
        .ok_or("no p99 in wrk's output")?;
    Ok((requests_per_second, p50_ms, p99_ms))
}

/// Reads `wrk --latency` output.
fn parse_wrk(output: &str) -> Result<Measured, String> {
    let (requests_per_second, p50_ms, p99_ms) = wrk_latency(output)?;
    let non_2xx = wrk_field(output, "Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Measured {
        requests_per_second,
        p50_ms,
        p99_ms,
        non_2xx,
    })
}

fn wrk(
    url: &str,
    seconds: u32,
    connections: u32,
    script: Option<&std::path::Path>,
    cookie: &str,
) -> Result<Measured, String> {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "-H",
        &format!("Cookie: {cookie}"),
    ]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command
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

/// Runs the benchmark.
pub fn run(
    backend: &str,
    cases: u32,
    seconds: u32,
    connections: u32,
    postgres_url: &str,
) -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime starts");
    let result = runtime.block_on(measure(backend, cases, seconds, connections, postgres_url));
    crate::finish("bench web", result)
}

#[allow(clippy::float_arithmetic)] // timing figures, not money
async fn measure(
    backend: &str,
    cases: u32,
    seconds: u32,
    connections: u32,
    postgres_url: &str,
) -> Result<String, String> {
    let tag = format!("cms_bench_web_{}", std::process::id());
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
    demo::seed(
        store.as_ref(),
        &keys,
        parameters,
        today,
        cases,
        now,
        &mut nonce,
    )
    .await?;

    // Cases that are not restricted and are on Direct Pay, so the page and
    // the reports take the ordinary path; reports are spread over them, as
    // real ones are, each from that case's paying parent.
    let mut direct: Vec<(CaseReference, i64, domain_types::Date)> = Vec::new();
    for case in store.case_references().await.map_err(|e| e.to_string())? {
        let sealed = store.parties(&case).await.map_err(|e| e.to_string())?;
        let Some(history) = store.case_history(&case).await.map_err(|e| e.to_string())? else {
            continue;
        };
        let on_direct_pay = history
            .events
            .iter()
            .any(|e| e.change == Change::ServiceType(ServiceType::DirectPay));
        let payer = sealed
            .iter()
            .find(|p| p.party == "paying_parent")
            .map(|p| p.person_id);
        if let (true, false, Some(payer)) = (
            on_direct_pay,
            sealed.iter().any(|p| p.non_disclosure),
            payer,
        ) {
            direct.push((case, payer, history.initial_effective_date.unwrap_or(today)));
        }
        if direct.len() == 64 {
            break;
        }
    }
    let (case, _, _) = *direct
        .first()
        .ok_or("no unrestricted Direct Pay case in the demo data")?;
    // Sessions made directly in the store, as signing in would.
    let staff_session = web::Environment::secret_hex(&clock);
    store
        .start_session(&web::token_hash(&staff_session), 17, "caseworker", now)
        .await
        .map_err(|e| e.to_string())?;
    let mut reporters = Vec::new();
    for (case, payer, due) in &direct {
        let session = web::Environment::secret_hex(&clock);
        store
            .start_session(&web::token_hash(&session), *payer, "paying_parent", now)
            .await
            .map_err(|e| e.to_string())?;
        reporters.push(format!(
            "{{\"/api/v1/cases/{case}/direct-pay/reports\", \"{}={session}\", \"{due}\"}}",
            web::SESSION_COOKIE
        ));
    }
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
    let staff_cookie = format!("{}={staff_session}", web::SESSION_COOKIE);
    // A fresh idempotency key for every request: wrk loads the script once
    // per thread, each with the same random seed, so a key made from
    // `math.random` repeated across threads (hundreds of answers were
    // refused); the key is the thread's own number (set in `setup`) and
    // its request count. A random case's payer each time (a table of
    // headers given to wrk.format replaces the -H ones).
    let script = std::env::temp_dir().join(format!("{tag}.lua"));
    std::fs::write(
        &script,
        format!(
            "local reporters = {{{}}}\nlocal threads = 0\nfunction setup(thread)\n  threads = threads + 1\n  thread:set(\"thread_number\", threads)\nend\nlocal n = 0\nfunction init(args)\n  math.randomseed(thread_number * 7919)\nend\nrequest = function()\n  n = n + 1\n  local r = reporters[math.random(1, #reporters)]\n  return wrk.format(\"POST\", r[1], {{[\"Content-Type\"] = \"application/json\", [\"Cookie\"] = r[2], [\"Idempotency-Key\"] = \"bench-\" .. thread_number .. \"-\" .. n}}, '{{\"due\": \"' .. r[3] .. '\", \"paid_pence\": 4800}}')\nend\n",
            reporters.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    // wrk runs as a separate process: measure on a blocking thread so this
    // runtime keeps serving.
    let runs = [
        (
            "static page",
            format!("{base}/staying-safe-online"),
            None,
            staff_cookie.clone(),
        ),
        (
            "case page",
            format!("{base}/work/cases/{case}"),
            None,
            staff_cookie.clone(),
        ),
        (
            "Direct Pay report (POST)",
            format!("{base}/"),
            Some(script.clone()),
            staff_cookie.clone(),
        ),
    ];
    let mut measured = Vec::new();
    for (name, url, script, cookie) in runs {
        let result = tokio::task::spawn_blocking(move || {
            wrk(&url, seconds, connections, script.as_deref(), &cookie)
        })
        .await
        .map_err(|e| e.to_string())??;
        measured.push((name, result));
    }
    server.abort();
    let _ = std::fs::remove_file(&script);
    // A benchmark counts only answers that did the work: any other answer
    // fails the run, loudly.
    if let Some((name, m)) = measured.iter().find(|(_, m)| m.non_2xx > 0) {
        return Err(format!(
            "{name}: {} answers were not 2xx/3xx; the figures would not measure the work",
            m.non_2xx
        ));
    }
    let base_rate = measured[0].1.requests_per_second;
    let mut report = format!(
        "web bench ({backend}, {cases} demo cases, {seconds} s each, {connections} connections, wrk -t2, loopback):\n"
    );
    for (name, m) in &measured {
        report.push_str(&format!(
            "  {name:<26} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ratio to static {:.3}{}\n",
            m.requests_per_second,
            m.p50_ms,
            m.p99_ms,
            m.requests_per_second / base_rate,
            if m.non_2xx > 0 {
                format!("  ({} answers not 2xx/3xx)", m.non_2xx)
            } else {
                String::new()
            }
        ));
    }
    // The last line, as every benchmark ends: the figures as JSON.
    let named = |index: usize| &measured[index].1;
    report.push_str(
        &serde_json::json!({
            "benchmark": "web",
            "backend": backend,
            "static_requests_per_second": named(0).requests_per_second,
            "case_page_requests_per_second": named(1).requests_per_second,
            "case_page_p50_ms": named(1).p50_ms,
            "case_page_p99_ms": named(1).p99_ms,
            "report_requests_per_second": named(2).requests_per_second,
            "report_p99_ms": named(2).p99_ms,
            "ratio": named(1).requests_per_second / base_rate,
        })
        .to_string(),
    );
    drop(store);
    scratch.remove().await;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read_with_its_units() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     1.20ms  300.00us   9.00ms   90.00%\n  Latency Distribution\n     50%  850.00us\n     75%    1.10ms\n     90%    2.00ms\n     99%    4.50ms\n  250000 requests in 10.00s, 1.00GB read\n  Non-2xx or 3xx responses: 12\nRequests/sec:  25000.50\nTransfer/sec:    100.00MB\n";
        let m = parse_wrk(output).unwrap();
        assert!((m.requests_per_second - 25_000.5).abs() < 1e-9);
        assert!((m.p50_ms - 0.85).abs() < 1e-9);
        assert!((m.p99_ms - 4.5).abs() < 1e-9);
        assert_eq!(m.non_2xx, 12);
        assert!(parse_wrk("nothing").is_err());
    }
}
