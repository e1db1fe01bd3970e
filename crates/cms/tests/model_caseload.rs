//! `cms model caseload` driven as an analyst would: the same flags print
//! the same bytes, every output names what it used, bad flags are refused.

use std::process::{Command, Output};

const CMS: &str = env!("CARGO_BIN_EXE_cms");

fn cms(arguments: &[&str]) -> Output {
    Command::new(CMS)
        .args(arguments)
        .output()
        .expect("cms runs")
}

const RUN: &[&str] = &[
    "model",
    "caseload",
    "--policy",
    "income-shares-rec8",
    "--policy",
    "direct-pay-reform-2025",
    "--cases",
    "3000",
    "--seed",
    "11",
    "--date",
    "2028-04-01",
];

#[test]
fn the_same_flags_print_byte_identical_csv() {
    let first = cms(RUN);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = cms(RUN);
    assert_eq!(first.stdout, second.stdout);
    let csv = String::from_utf8(first.stdout).unwrap();
    assert!(csv.starts_with("section,dimension,category,to,cases,"));
    for expected in [
        "meta,seed,11,",
        "meta,cases,3000,",
        "meta,law_version,2024-02-26+",
        "policy:income-shares-rec8+direct-pay-reform-2025",
        "rule=income_shares fingerprint=",
        "rule=collection_reform fingerprint=",
        "IMPUTED",
        "group,total,all,",
        "group,income_decile,10,",
        "move,service_move,direct_pay,collect_and_pay,",
    ] {
        assert!(csv.contains(expected), "{expected}");
    }
}

#[test]
fn json_carries_the_same_answer_and_bad_flags_are_refused() {
    let mut json_run = RUN.to_vec();
    json_run.extend(["--format", "json"]);
    let output = cms(&json_run);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["meta"]["seed"], 11);
    assert_eq!(json["groups"]["total"]["cases"], 3000);
    let refused = cms(&[
        "model",
        "caseload",
        "--policy",
        "nope",
        "--date",
        "2028-04-01",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("known: affordability-floor-rec5"));
    let undated = cms(&["model", "caseload", "--policy", "income-shares-rec8"]);
    assert!(String::from_utf8_lossy(&undated.stderr).contains("--date"));
    let listed = cms(&["model", "caseload", "--list-policies"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("prisoner-earnings-rec7"));
}

#[test]
fn the_stored_caseload_is_read_from_the_database_as_known_on_the_date() {
    let folder = std::env::temp_dir().join(format!("cms-model-stored-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let url = format!("sqlite://{}", folder.join("cms.sqlite").display());
    let run = [
        "model",
        "caseload",
        "--stored",
        "--database-url",
        url.as_str(),
        "--policy",
        "affordability-floor-rec5",
        "--date",
        "2026-06-01",
    ];
    let output = cms(&run);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8(output.stdout).unwrap();
    // A new database holds no case: nothing read, nothing modelled, and
    // the answer says which caseload it is and on which day.
    assert!(
        csv.contains("stored: the service's cases as known on 2026-06-01"),
        "{csv}"
    );
    assert!(csv.contains("0 modelled of 0 read"), "{csv}");
    assert!(csv.contains("\ngroup,total,all,,0,0,0,"), "{csv}");
    assert_eq!(cms(&run).stdout, csv.into_bytes(), "byte-identical");
    // One line per case is for synthetic cases only.
    let mut per_case = run.to_vec();
    per_case.push("--per-case");
    assert!(!cms(&per_case).status.success());
    let _ = std::fs::remove_dir_all(&folder);
}
