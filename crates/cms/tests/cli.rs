//! The `cms` binary as a user runs it: real processes, real stdin and
//! stdout, a real server on a real socket with a real SQLite file.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;

use common::{CMS, cms, http_with};

fn calculate_json(stdin: &str) -> (i32, Value) {
    let mut child = Command::new(CMS)
        .args(["calculate", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

#[test]
fn json_on_stdin_gets_the_contract_answer_on_stdout() {
    let (status, answer) = calculate_json(
        r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 85000, "relevant_other_children": 1},
            "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 160}, {"shared_care_nights": 160}]}]}"#,
    );
    assert_eq!(status, 0);
    assert_eq!(answer["rate"], "basic");
    assert_eq!(answer["weekly_total_pence"], 6917);
}

#[test]
fn an_array_with_a_bad_item_answers_every_item_and_exits_2() {
    let (status, answer) = calculate_json(
        r#"[{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 9500}, "receiving_parents": [{"id": "A", "children": [{}]}]},
            {"date": "2025-06-01", "paying_parent": {"benefits": ["lottery_win"]}, "receiving_parents": [{"id": "A", "children": [{}]}]}]"#,
    );
    assert_eq!(status, 2);
    assert_eq!(answer[0]["weekly_total_pence"], 700);
    assert_eq!(answer[1]["error"]["field"], "paying_parent.benefits[0]");
}

#[test]
fn malformed_json_exits_2_with_an_error_object() {
    let (status, answer) = calculate_json("{\"date\": 2025-06-01}");
    assert_eq!(status, 2);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[test]
fn the_human_form_prints_the_explanation() {
    let output = Command::new(CMS)
        .args([
            "calculate",
            "--income",
            "517.81",
            "--children",
            "3",
            "--other-children",
            "1",
            "--nights",
            "104",
            "--date",
            "2025-06-01",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("Weekly child maintenance: £62.54 (basic rate)"),
        "{text}"
    );
    assert!(
        text.contains("reduced by two-sevenths, the average of each child's reduction: £25.02")
    );
    assert!(text.contains("Child Support Act 1991 Sch 1 para 2(1)"));
}

#[test]
fn the_human_form_names_the_flag_at_fault() {
    let output = Command::new(CMS)
        .args(["calculate", "--income", "517.81", "--date", "2011-01-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8(output.stderr).unwrap();
    assert!(
        message.contains("--date") && message.contains("before the 2012 scheme"),
        "{message}"
    );

    let output = Command::new(CMS)
        .args(["calculate", "--income", "-5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("cannot be negative")
    );
}

struct Server {
    child: common::Running,
    address: String,
    folder: PathBuf,
}

impl Server {
    /// Stops the process; the folder stays until the server is dropped.
    fn stop(&mut self) {
        self.child.kill();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn start_server(name: &str) -> Server {
    let folder = std::env::temp_dir().join(format!("cms-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let (child, address) = common::spawn_server(&folder);
    Server {
        child,
        address,
        folder,
    }
}

fn http(address: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

#[test]
fn serve_creates_the_database_and_answers_health_and_calculations() {
    let server = start_server("serve");
    assert!(server.folder.join("data/cms.sqlite").exists());
    let (status, health) = http(&server.address, "GET", "/health", "");
    assert_eq!(status, 200);
    assert_eq!(health["database"], "ok");
    let (status, answer) = http(
        &server.address,
        "POST",
        "/api/v1/calculations",
        r#"{"date": "2025-06-01", "paying_parent": {"annual_gross_income_pence": 3000000, "other_arrangement_children": 1}, "receiving_parents": [{"id": "A", "children": [{}]}]}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(answer["weekly_total_pence"], 4603);
    let (status, refusal) = http(
        &server.address,
        "POST",
        "/api/v1/calculations",
        r#"{"date": "2025-06-01"}"#,
    );
    assert_eq!(status, 422);
    assert_eq!(refusal["error"]["field"], "receiving_parents");
}

#[test]
fn serve_refuses_a_database_url_it_does_not_understand() {
    let output = Command::new(CMS)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", "mysql://localhost/cms")
        .env(
            "CMS_KEYS_FILE",
            std::env::temp_dir().join(format!(
                "cms-cli-test-{}-mysql-keys.toml",
                std::process::id()
            )),
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("not understood")
    );
}

fn audit_verify(folder: &std::path::Path) -> (i32, String) {
    let output = Command::new(CMS)
        .args(["audit", "verify"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/cms.sqlite", folder.display()),
        )
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap() + &String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_the_entry_edited_behind_its_back() {
    let mut server = start_server("audit");
    let (status, _) = http(&server.address, "GET", "/health", "");
    assert_eq!(status, 200);
    server.stop();
    let folder = server.folder.clone();
    let (status, text) = audit_verify(&folder);
    assert_eq!(status, 0, "{text}");
    assert!(text.contains("audit log intact: 1 entries"), "{text}");

    let url = format!("sqlite://{}/data/cms.sqlite", folder.display());
    block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET reason = 'parameters forged' WHERE sequence = 1")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let (status, text) = audit_verify(&folder);
    assert_eq!(status, 1, "{text}");
    assert!(text.contains("entry 1 was altered"), "{text}");
}

#[test]
fn audit_verify_refuses_to_create_a_database_that_is_not_there() {
    let folder = std::env::temp_dir().join(format!("cms-cli-test-{}-nothing", std::process::id()));
    let (status, text) = audit_verify(&folder);
    assert_eq!(status, 2);
    assert!(text.contains("there is no database"), "{text}");
    assert!(!folder.exists());
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn serve_runs_on_postgresql_when_database_url_says_so() {
    let url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    if TcpStream::connect("127.0.0.1:5432").is_err() && std::env::var("TEST_POSTGRES_URL").is_err()
    {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "PostgreSQL is unreachable and CI=true"
        );
        eprintln!("skipping: no PostgreSQL on 127.0.0.1:5432");
        return;
    }
    // A schema of its own, started afresh each run: the shared database's
    // default schema may hold another build's migrations (the machine's
    // PostgreSQL outlives a run), which the service rightly refuses.
    let schema = "cms_cli_serve";
    block_on(async {
        storage_postgres::PostgresStore::open_fresh_in_schema(&url, schema)
            .await
            .unwrap();
    });
    let url = format!("{url}?options[search_path]={schema}");
    let keys =
        std::env::temp_dir().join(format!("cms-cli-test-{}-pg-keys.toml", std::process::id()));
    let mut child = common::Running(
        Command::new(CMS)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &url)
            .env("CMS_KEYS_FILE", &keys)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("database postgres://"), "{line}");
    assert!(!line.contains("secret"));
    let address = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (status, health) = http(&address, "GET", "/health", "");
    child.kill();
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["database"], "ok");
    let verify = Command::new(CMS)
        .args(["audit", "verify"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let text = String::from_utf8(verify.stdout).unwrap();
    assert!(
        verify.status.success() && text.contains("audit log intact"),
        "{text}"
    );
}

#[test]
fn a_backup_taken_while_serving_restores_with_its_data_and_audit_chain() {
    let folder = std::env::temp_dir().join(format!("cms-cli-test-{}-backup", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let url = format!("sqlite://{}/data/cms.sqlite", folder.display());
    let (mut server, _) = common::spawn_server(&folder);
    let copy = folder.join("copy.sqlite");
    let backup = Command::new(CMS)
        .args(["backup", "--to", copy.to_str().unwrap()])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    // Restoring under a running service is refused.
    let refused = Command::new(CMS)
        .args(["restore", "--from", copy.to_str().unwrap()])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop cms serve first"));
    server.kill();
    // Lose the database entirely, then restore it.
    std::fs::remove_dir_all(folder.join("data")).unwrap();
    let restored = Command::new(CMS)
        .args(["restore", "--from", copy.to_str().unwrap()])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(String::from_utf8_lossy(&restored.stdout).contains("1 audit entries, chain intact"));
    let (status, text) = audit_verify(&folder);
    assert_eq!(status, 0, "{text}");
    // A damaged backup is refused and the database is left as it was.
    std::fs::write(folder.join("junk.sqlite"), b"not a database at all").unwrap();
    let junk = Command::new(CMS)
        .args([
            "restore",
            "--from",
            folder.join("junk.sqlite").to_str().unwrap(),
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!junk.status.success());
    let (status, _) = audit_verify(&folder);
    assert_eq!(status, 0);
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn the_benchmarks_run_at_smoke_size_and_report_a_ratio() {
    for args in [
        vec![
            "bench",
            "calculation",
            "--requests",
            "2000",
            "--rounds",
            "1",
        ],
        vec!["bench", "schedules", "--cases", "300"],
        vec!["bench", "coercion", "--events", "20000"],
        vec!["bench", "events", "--backend", "sqlite", "--writes", "20"],
        vec!["bench", "collect", "--cases", "10,20"],
        // wrk must be installed (.ci/run installs it).
        vec![
            "bench",
            "web",
            "--cases",
            "20",
            "--seconds",
            "1",
            "--connections",
            "4",
        ],
        // Two tiny caseloads: the pages' cost beside /health and each other.
        vec![
            "bench",
            "work",
            "--cases",
            "20,40",
            "--seconds",
            "1",
            "--connections",
            "4",
        ],
    ] {
        let output = Command::new(CMS).args(&args).output().unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert!(
            report["ratio"].as_f64().is_some_and(|r| r > 0.0),
            "{args:?}: {text}"
        );
    }
}

fn active_key(folder: &std::path::Path) -> u32 {
    let text = std::fs::read_to_string(folder.join("keys.toml")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("active = "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn keys_rotate_while_serving_and_the_old_key_retires_only_when_unused() {
    let server = start_server("rotate");
    let folder = server.folder.clone();
    let (ok, token) = cms(
        &folder,
        &[
            "token",
            "issue",
            "--person",
            "30",
            "--role",
            "domestic_abuse_specialist",
        ],
    );
    assert!(ok, "{token}");
    let token = token.lines().next().unwrap().trim().to_owned();
    let (ok, caseworker) = cms(
        &folder,
        &["token", "issue", "--person", "17", "--role", "caseworker"],
    );
    assert!(ok);
    let caseworker = caseworker.lines().next().unwrap().trim().to_owned();
    let (_, opened) = http_with(
        &server.address,
        "POST",
        "/api/v1/cases",
        &format!("{caseworker}\r\nIdempotency-Key: open-case"),
        r#"{"initial_effective_date": "2025-01-06"}"#,
    );
    let reference = serde_json::from_str::<Value>(&opened).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "1 Old Key Lane", "postcode": "OK1 1OK"},
                      "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "2 Safe Street", "postcode": "SS2 2SS"}]}"#;
    let (status, body) = http_with(
        &server.address,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &caseworker,
        parties,
    );
    assert_eq!(status, 200, "{body}");
    let view = |address: &str| {
        http_with(
            address,
            "GET",
            &format!("/api/v1/cases/{reference}/view"),
            &token,
            "",
        )
    };
    assert!(view(&server.address).1.contains("2 Safe Street"));
    // Found by postcode through the search index, whatever key made it.
    let found = |address: &str| {
        let (status, body) = http_with(
            address,
            "GET",
            "/api/v1/search?kind=postcode&q=ss22ss",
            &caseworker,
            "",
        );
        assert_eq!(status, 200, "{body}");
        body.contains(&reference)
    };
    assert!(found(&server.address));
    let old_key = active_key(&folder);
    server_keep(server);

    let (ok, text) = cms(&folder, &["keys", "add"]);
    assert!(ok, "{text}");
    let new_key = active_key(&folder);
    assert_ne!(old_key, new_key);
    let (ok, text) = cms(&folder, &["keys", "retire", "--id", &old_key.to_string()]);
    assert!(
        !ok && text.contains("run `cms keys reseal` first"),
        "{text}"
    );

    let server = restart(&folder);
    assert!(
        view(&server.address).1.contains("2 Safe Street"),
        "the old key still opens"
    );
    assert!(
        found(&server.address),
        "what the old key indexed is still found"
    );
    let (ok, text) = cms(&folder, &["keys", "reseal"]);
    assert!(ok && text.contains("1 of 1 cases re-sealed"), "{text}");
    let (ok, text) = cms(&folder, &["keys", "reseal"]);
    assert!(
        ok && text.contains("0 of 1 cases re-sealed"),
        "a second run has nothing to do: {text}"
    );
    let (ok, text) = cms(&folder, &["keys", "retire", "--id", &old_key.to_string()]);
    assert!(ok, "{text}");
    server_keep(server);

    let server = restart(&folder);
    let (status, body) = view(&server.address);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("2 Safe Street"),
        "everything opens with the new key alone"
    );
    assert!(
        found(&server.address),
        "the index was rewritten with the new key"
    );
    let (ok, text) = cms(&folder, &["audit", "verify"]);
    assert!(ok, "{text}");
    drop(server);
    let _ = std::fs::remove_dir_all(&folder);
}

/// Stops a server but keeps its folder.
fn server_keep(mut server: Server) {
    server.stop();
    server.folder = std::env::temp_dir().join("cms-cli-test-nothing-to-remove");
}

fn restart(folder: &std::path::Path) -> Server {
    let (child, address) = common::spawn_server(folder);
    Server {
        child,
        address,
        folder: std::env::temp_dir().join("cms-cli-test-nothing-to-remove"),
    }
}

#[test]
fn the_reform_is_modelled_beside_the_law_and_marked_as_policy() {
    let folder = std::env::temp_dir().join(format!("cms-model-{}", std::process::id()));
    let (ok, text) = cms(
        &folder,
        &[
            "model",
            "fees",
            "--weekly",
            "7.00",
            "--date",
            "2027-06-01",
            "--policy",
            "direct-pay-reform-2025",
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("paying parent pays £8.40 (£1.40 fee)"),
        "{text}"
    );
    assert!(text.contains("POLICY, NOT LAW: direct-pay-reform-2025"));
    assert!(
        text.contains("paying parent pays £7.14 (£0.14 fee)"),
        "{text}"
    );
    assert!(text.contains("Direct Pay available: no"));
    let (ok, text) = cms(
        &folder,
        &[
            "model",
            "fees",
            "--weekly",
            "7.00",
            "--date",
            "2027-06-01",
            "--policy",
            "made-up",
        ],
    );
    assert!(!ok && text.contains("no policy named `made-up`"), "{text}");
}

#[test]
fn a_prisoner_is_nil_under_the_law_and_flat_rate_under_recommendation_7() {
    let folder = std::env::temp_dir().join(format!("cms-model-prisoner-{}", std::process::id()));
    let (ok, text) = cms(
        &folder,
        &[
            "model",
            "prisoner",
            "--earnings",
            "15.00",
            "--date",
            "2025-06-01",
            "--policy",
            "prisoner-earnings-rec7",
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("under the law: nil rate, £0.00 a week"),
        "{text}"
    );
    assert!(text.contains("POLICY, NOT LAW: prisoner-earnings-rec7"));
    assert!(
        text.contains("under the policy: flat rate, £7.00 a week"),
        "{text}"
    );
    // Earnings over £100 are brought in by a reg 70 variation as the law stands.
    let (ok, text) = cms(
        &folder,
        &[
            "model",
            "prisoner",
            "--earnings",
            "120.00",
            "--date",
            "2025-06-01",
        ],
    );
    assert!(
        ok && text.contains("under the law: reduced rate, £10.40 a week"),
        "{text}"
    );
}
