//! The daily collection run, as an operator runs it: a case set up through
//! the API, a bank statement imported, `cms bank collect` writing the day's
//! pain.001, and a second run paying nothing twice.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

mod common;

use common::{cms, http_with};

fn today() -> domain_types::Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    domain_types::Date::from_ymd(1970, 1, 1)
        .unwrap()
        .add_days(i32::try_from(days).unwrap())
        .unwrap()
}

#[test]
fn a_collection_run_pays_the_receiving_parent_and_a_rerun_pays_nothing_twice() {
    let folder = std::env::temp_dir().join(format!("cms-collect-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let (mut server, address) = common::spawn_server(&folder);
    let (ok, token) = cms(
        &folder,
        &["token", "issue", "--person", "17", "--role", "caseworker"],
    );
    assert!(ok, "{token}");
    let token = token.lines().next().unwrap().trim().to_owned();
    // Liability began two weeks ago: three weekly periods have started.
    let today = today();
    let start = today.add_days(-14).unwrap();
    let (status, opened) = http_with(
        &address,
        "POST",
        "/api/v1/cases",
        &format!("{token}\r\nIdempotency-Key: open-paid"),
        &format!(r#"{{"initial_effective_date": "{start}"}}"#),
    );
    assert_eq!(status, 201, "{opened}");
    let reference = serde_json::from_str::<Value>(&opened).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "PAYER-NAME", "address": "PAYER-ADDRESS", "postcode": "PAYER-POSTCODE", "sort_code": "11-11-11", "account_number": "99999999"},
                      "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rae Receiver", "address": "SAFE-ADDRESS", "postcode": "SAFE-POSTCODE", "sort_code": "04-00-04", "account_number": "12345678"}]}"#;
    let (status, body) = http_with(
        &address,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &token,
        parties,
    );
    assert_eq!(status, 200, "{body}");
    let facts = format!(
        r#"{{"facts": [
            {{"effective_from": "{start}", "change": {{"kind": "child_joined", "child": 1, "receiving_parent": 1}}}},
            {{"effective_from": "{start}", "change": {{"kind": "income", "weekly_pence": 40000}}}},
            {{"effective_from": "{start}", "change": {{"kind": "service_type", "service": "collect_and_pay"}}}}
        ]}}"#
    );
    let (status, body) = http_with(
        &address,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &format!("{token}\r\nIdempotency-Key: setup"),
        &facts,
    );
    assert!(status == 200 || status == 201, "{body}");
    // A second case whose parties are not recorded yet: its money waits.
    let (_, opened) = http_with(
        &address,
        "POST",
        "/api/v1/cases",
        &format!("{token}\r\nIdempotency-Key: open-waiting"),
        &format!(r#"{{"initial_effective_date": "{start}"}}"#),
    );
    let waiting = serde_json::from_str::<Value>(&opened).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = http_with(
        &address,
        "POST",
        &format!("/api/v1/cases/{waiting}/facts"),
        &format!("{token}\r\nIdempotency-Key: setup"),
        &facts,
    );
    assert!(status == 200 || status == 201, "{body}");
    server.kill();

    // Three weeks of £48.00 and the 20% fee: £172.80, paid today.
    let statement = bank_files::write_camt053(&bank_files::Statement {
        id: "STMT-1".to_owned(),
        entries: vec![
            bank_files::StatementEntry {
                bank_reference: "E-1".to_owned(),
                amount: domain_types::Pence::new(17_280),
                is_credit: true,
                booked: today,
                remittance: format!("maintenance {reference}"),
            },
            bank_files::StatementEntry {
                bank_reference: "E-2".to_owned(),
                amount: domain_types::Pence::new(17_280),
                is_credit: true,
                booked: today,
                remittance: waiting.clone(),
            },
        ],
    });
    let file = folder.join("statement.xml");
    std::fs::write(&file, statement).unwrap();
    let (ok, text) = cms(
        &folder,
        &["bank", "import", "--file", file.to_str().unwrap()],
    );
    assert!(ok, "{text}");

    let pain = folder.join("out.xml");
    let standard18 = folder.join("out.txt");
    let date = today.to_string();
    let run = |folder: &std::path::Path| {
        cms(
            folder,
            &[
                "bank",
                "collect",
                "--date",
                &date,
                "--since",
                &start.add_days(-1).unwrap().to_string(),
                "--pain001",
                pain.to_str().unwrap(),
                "--standard18",
                standard18.to_str().unwrap(),
                "--client-account",
                "60-70-80 10203040 Child Maintenance",
            ],
        )
    };
    let (ok, text) = run(&folder);
    assert!(ok, "{text}");
    // 3 × £48.00 = £144.00 passed on less 4% (£5.76): £138.24.
    assert!(text.contains("1 payments of £138.24"), "{text}");
    assert!(
        text.contains(&format!(
            "held: {waiting} receiving parent 1: £144.00 waiting (no_payee_recorded)"
        )),
        "{text}"
    );
    let file = std::fs::read_to_string(&pain).unwrap();
    assert!(
        file.contains("<InstdAmt Ccy=\"GBP\">138.24</InstdAmt>"),
        "{file}"
    );
    assert!(file.contains("<Nm>Rae Receiver</Nm>"));
    assert!(file.contains("<MmbId>040004</MmbId>"));
    assert!(file.contains(&reference));
    let records = std::fs::read_to_string(&standard18).unwrap();
    assert!(records.lines().all(|line| line.len() == 100), "{records}");
    for secret in [
        "PAYER",
        "SAFE-ADDRESS",
        "SAFE-POSTCODE",
        "111111",
        "99999999",
    ] {
        assert!(!file.contains(secret), "{secret} in the payment file");
        assert!(
            !records.contains(secret),
            "{secret} in the Standard 18 file"
        );
    }
    // Again: nothing new is posted and the same file is written.
    let (ok, text) = run(&folder);
    assert!(
        ok && text.contains(": 0 transfers posted; 1 payments of £138.24"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&pain).unwrap(), file);
    let (ok, text) = cms(&folder, &["audit", "verify"]);
    assert!(ok, "{text}");
    let _ = std::fs::remove_dir_all(&folder);
}
