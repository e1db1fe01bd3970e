//! Kills the server with SIGKILL in the middle of a stream of writes, many
//! times, and proves that every acknowledged write is there, that no write
//! is there by half, that the audit chain still verifies, and that retrying
//! the unacknowledged requests stores each exactly once.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

mod common;

use common::CMS;
const ROUNDS: u64 = 25;
const FACTS_PER_WRITE: i64 = 3;

fn database_url(folder: &Path) -> String {
    format!("sqlite://{}/data/cms.sqlite", folder.display())
}

/// One HTTP request; `None` if the connection failed or was cut.
fn request(
    address: &str,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let key_header = key.map_or(String::new(), |k| format!("Idempotency-Key: {k}\r\n"));
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n{key_header}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((
        head.split_whitespace().nth(1)?.parse().ok()?,
        serde_json::from_str(body).ok()?,
    ))
}

fn facts_body(write: u64) -> String {
    let facts: Vec<String> = (0..FACTS_PER_WRITE)
        .map(|i| {
            format!(
                r#"{{"effective_from": "2025-02-03", "change": {{"kind": "income", "weekly_pence": {}}}}}"#,
                write * 10 + u64::try_from(i).unwrap()
            )
        })
        .collect();
    format!(r#"{{"facts": [{}]}}"#, facts.join(","))
}

struct Stored {
    batches: Vec<(String, i64)>,
    facts: Vec<(i64, String)>,
}

fn stored(folder: &Path, case: &str) -> Stored {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&database_url(folder)).await.unwrap();
        let batches = sqlx::query_as::<_, (String, i64)>(
            "SELECT idempotency_key, first_sequence FROM case_fact_batches WHERE case_reference = ? ORDER BY first_sequence",
        )
        .bind(case)
        .fetch_all(&pool)
        .await
        .unwrap();
        let facts = sqlx::query_as::<_, (i64, String)>(
            "SELECT sequence, payload FROM case_facts WHERE case_reference = ? ORDER BY sequence",
        )
        .bind(case)
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        Stored { batches, facts }
    })
}

/// No batch is there by half: facts are exactly the batches' facts, each
/// batch's three contiguous and in order, with nothing else.
fn assert_whole(stored: &Stored) {
    assert_eq!(
        stored.facts.len(),
        stored.batches.len() * usize::try_from(FACTS_PER_WRITE).unwrap(),
        "facts without their batch, or a batch without its facts"
    );
    for (key, first) in &stored.batches {
        let write: u64 = key.trim_start_matches("write-").parse().unwrap();
        for offset in 0..FACTS_PER_WRITE {
            let (sequence, payload) = &stored.facts[usize::try_from(first + offset - 1).unwrap()];
            assert_eq!(*sequence, first + offset);
            let expected = format!(
                "weekly_pence={}",
                write * 10 + u64::try_from(offset).unwrap()
            );
            assert_eq!(payload, &expected, "batch {key} is not whole");
        }
    }
}

fn issue_token(folder: &Path) -> String {
    let output = Command::new(CMS)
        .args(["token", "issue", "--person", "17", "--role", "caseworker"])
        .env("DATABASE_URL", database_url(folder))
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write_and_leaves_no_half_write() {
    let folder: PathBuf =
        std::env::temp_dir().join(format!("cms-crash-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let token = issue_token(&folder);
    let (mut child, address) = common::spawn_server(&folder);
    let (status, opened) = request(
        &address,
        "/api/v1/cases",
        &token,
        Some("open-case"),
        r#"{"initial_effective_date": "2025-01-06"}"#,
    )
    .unwrap();
    assert_eq!(status, 201);
    let case = opened["reference"].as_str().unwrap().to_owned();
    child.kill();

    let mut acknowledged: BTreeSet<u64> = BTreeSet::new();
    let mut attempted: BTreeSet<u64> = BTreeSet::new();
    let mut next_write = 0u64;
    for round in 0..ROUNDS {
        let (mut child, address) = common::spawn_server(&folder);
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (address, token, case, stop) = (
                address.clone(),
                token.clone(),
                case.clone(),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                let mut attempted = Vec::new();
                let mut write = next_write;
                while !stop.load(Ordering::SeqCst) {
                    attempted.push(write);
                    let path = format!("/api/v1/cases/{case}/facts");
                    match request(
                        &address,
                        &path,
                        &token,
                        Some(&format!("write-{write}")),
                        &facts_body(write),
                    ) {
                        Some((201 | 200, _)) => acknowledged.push(write),
                        Some((status, body)) => panic!("write {write} refused: {status} {body}"),
                        None => break,
                    }
                    write += 1;
                }
                (acknowledged, attempted, write)
            })
        };
        // A different moment in the stream each round.
        std::thread::sleep(Duration::from_millis(20 + (round * 37) % 120));
        child.kill(); // SIGKILL: no chance to finish anything
        stop.store(true, Ordering::SeqCst);
        let (acked, tried, after) = writer.join().unwrap();
        acknowledged.extend(acked);
        attempted.extend(tried);
        next_write = after + 1;

        let now = stored(&folder, &case);
        let present: BTreeSet<u64> = now
            .batches
            .iter()
            .map(|(k, _)| k.trim_start_matches("write-").parse().unwrap())
            .collect();
        assert!(
            acknowledged.is_subset(&present),
            "round {round}: an acknowledged write was lost"
        );
        assert_whole(&now);
    }
    eprintln!(
        "{ROUNDS} kills: {} writes acknowledged, {} attempted (the rest cut off mid-request)",
        acknowledged.len(),
        attempted.len()
    );
    assert!(
        acknowledged.len() > usize::try_from(ROUNDS).unwrap(),
        "the stream wrote too little to prove anything"
    );

    // Retrying everything attempted stores each write exactly once.
    let (mut child, address) = common::spawn_server(&folder);
    for write in &attempted {
        let path = format!("/api/v1/cases/{case}/facts");
        let (status, _) = request(
            &address,
            &path,
            &token,
            Some(&format!("write-{write}")),
            &facts_body(*write),
        )
        .unwrap();
        assert!(status == 201 || status == 200);
    }
    child.kill();
    let now = stored(&folder, &case);
    assert_eq!(now.batches.len(), attempted.len());
    assert_whole(&now);

    let verify = Command::new(CMS)
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url(&folder))
        .output()
        .unwrap();
    let text = String::from_utf8(verify.stdout).unwrap();
    assert!(verify.status.success(), "{text}");
    let _ = std::fs::remove_dir_all(&folder);
}
