//! Runs every scenario file in `tests/scenarios/` through the contract.
//!
//! A scenario holds a request in the contract's own field names and what a
//! caseworker would check of the answer: the rate, each receiving parent's
//! amount, the total, sentences of the explanation, or the field an error
//! names. The margin of error is zero: amounts are whole pence.

use std::collections::BTreeMap;

use calculation_json::Outcome;
use legal_parameters::Parameters;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    scenario: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    #[serde(default)]
    source: Option<String>,
    request: toml::Value,
    expect: Expect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    rate: Option<String>,
    flat_rate_basis: Option<String>,
    weekly_total_pence: Option<u64>,
    #[serde(default)]
    receiving_parents: BTreeMap<String, u64>,
    #[serde(default)]
    explanation_contains: Vec<String>,
    parameters_effective_from: Option<String>,
    collection_fees: Option<bool>,
    paying_parent_collection_fee_pence: Option<u64>,
    #[serde(default)]
    receiving_parent_collection_fee_pence: BTreeMap<String, u64>,
    error_field: Option<String>,
    error_contains: Option<String>,
}

fn scenario_files() -> Vec<(String, String)> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios");
    let mut files: Vec<(String, String)> = std::fs::read_dir(folder)
        .expect("the scenarios folder exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                text,
            )
        })
        .collect();
    files.sort();
    files
}

fn differs(failures: &mut Vec<String>, what: &str, expected: String, actual: String) {
    if expected != actual {
        failures.push(format!("{what}: expected {expected}, got {actual}"));
    }
}

fn check(scenario: &Scenario, answer: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let expect = &scenario.expect;
    if let Some(field) = &expect.error_field {
        differs(
            &mut failures,
            "error field",
            field.clone(),
            answer["error"]["field"]
                .to_string()
                .trim_matches('"')
                .to_owned(),
        );
        let message = answer["error"]["message"].as_str().unwrap_or("");
        if let Some(fragment) = &expect.error_contains
            && !message.contains(fragment.as_str())
        {
            failures.push(format!("error message {message:?} lacks {fragment:?}"));
        }
        return failures;
    }
    if answer.get("error").is_some() {
        return vec![format!("unexpected error {}", answer["error"])];
    }
    if let Some(rate) = &expect.rate {
        differs(
            &mut failures,
            "rate",
            rate.clone(),
            answer["rate"].as_str().unwrap_or("?").to_owned(),
        );
    }
    if let Some(basis) = &expect.flat_rate_basis {
        differs(
            &mut failures,
            "flat rate basis",
            basis.clone(),
            answer["flat_rate_basis"]
                .to_string()
                .trim_matches('"')
                .to_owned(),
        );
    }
    if let Some(total) = expect.weekly_total_pence {
        differs(
            &mut failures,
            "weekly total",
            total.to_string(),
            answer["weekly_total_pence"].to_string(),
        );
    }
    let amounts: BTreeMap<String, u64> = answer["receiving_parents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rp| {
            (
                rp["id"].as_str().unwrap().to_owned(),
                rp["weekly_amount_pence"].as_u64().unwrap(),
            )
        })
        .collect();
    for (id, pence) in &expect.receiving_parents {
        differs(
            &mut failures,
            &format!("receiving parent {id}"),
            pence.to_string(),
            format!("{:?}", amounts.get(id))
                .replace("Some(", "")
                .replace(')', ""),
        );
    }
    let sum: u64 = amounts.values().sum();
    differs(
        &mut failures,
        "sum of receiving parents' amounts",
        answer["weekly_total_pence"].to_string(),
        sum.to_string(),
    );
    let texts: Vec<&str> = answer["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    for fragment in &expect.explanation_contains {
        if !texts.iter().any(|t| t.contains(fragment.as_str())) {
            failures.push(format!(
                "no step of the explanation says {fragment:?}; it says {texts:#?}"
            ));
        }
    }
    for step in answer["explanation"].as_array().unwrap() {
        let rule = step["rule"].as_str().unwrap();
        if !rule.starts_with("Child Support") {
            failures.push(format!(
                "step {} cites no provision: {rule:?}",
                step["text"]
            ));
        }
    }
    if let Some(from) = &expect.parameters_effective_from {
        differs(
            &mut failures,
            "parameters effective from",
            from.clone(),
            answer["parameters_effective_from"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    if let Some(present) = expect.collection_fees {
        differs(
            &mut failures,
            "collection fees present",
            present.to_string(),
            answer.get("collection_fees").is_some().to_string(),
        );
    }
    if let Some(fee) = expect.paying_parent_collection_fee_pence {
        differs(
            &mut failures,
            "paying parent's fee",
            fee.to_string(),
            answer["collection_fees"]["paying_parent_weekly_pence"].to_string(),
        );
    }
    for (id, fee) in &expect.receiving_parent_collection_fee_pence {
        let actual = answer["collection_fees"]["receiving_parents"]
            .as_array()
            .and_then(|list| list.iter().find(|rp| rp["id"] == id.as_str()))
            .map(|rp| rp["weekly_amount_pence"].to_string());
        differs(
            &mut failures,
            &format!("receiving parent {id}'s fee"),
            fee.to_string(),
            format!("{actual:?}")
                .replace("Some(\"", "")
                .replace("\")", ""),
        );
    }
    failures
}

#[test]
fn every_scenario_gives_the_answer_the_law_gives() {
    let parameters = Parameters::embedded();
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, text) in scenario_files() {
        let parsed: ScenarioFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        for scenario in parsed.scenario {
            count += 1;
            let request = serde_json::to_value(&scenario.request).unwrap();
            let (answer, ok) = calculation_json::answer_value(&request, parameters);
            let mut problems = check(&scenario, &answer);
            if ok == scenario.expect.error_field.is_some() {
                problems.push(format!("success flag was {ok}"));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{file}: {} ({})\n  {}",
                    scenario.name,
                    scenario.source.as_deref().unwrap_or("no source"),
                    problems.join("\n  ")
                ));
            }
        }
    }
    assert!(count >= 60, "only {count} scenarios were found");
    assert!(
        failures.is_empty(),
        "{} of {count} scenarios failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn an_array_of_requests_is_answered_in_order_even_when_one_is_refused() {
    let body = r#"[
        {"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 50000}, "receiving_parents": [{"id": "A", "children": [{}]}]},
        {"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": -1}, "receiving_parents": [{"id": "A", "children": [{}]}]},
        {"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 9000}, "receiving_parents": [{"id": "A", "children": [{}]}]}
    ]"#;
    let (answer, outcome) = calculation_json::answer_text(body, Parameters::embedded());
    assert_eq!(outcome, Outcome::Refused);
    let items = answer.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["weekly_total_pence"], 6000);
    assert_eq!(
        items[1]["error"]["field"],
        "paying_parent.gross_weekly_income_pence"
    );
    assert_eq!(items[2]["rate"], "flat");
}

#[test]
fn malformed_json_gets_an_error_not_a_result() {
    let (answer, outcome) = calculation_json::answer_text("{\"date\": ", Parameters::embedded());
    assert_eq!(outcome, Outcome::MalformedJson);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    assert!(answer.get("rate").is_none());
}

#[test]
fn the_issue_example_request_is_answered_with_the_contract_fields() {
    let body = r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781,
      "benefits": [], "partner_benefits": [], "partner_is_paying_parent_with_calculation": false,
      "nil_rate_reason": null, "relevant_other_children": 1, "other_arrangement_children": 0},
      "variations": {"special_expenses_weekly_pence": 0, "additional_income_weekly_pence": 0},
      "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 104}]}]}"#;
    let (answer, outcome) = calculation_json::answer_text(body, Parameters::embedded());
    assert_eq!(outcome, Outcome::Calculated, "{answer}");
    // One child at 104 nights: 517.81 -> 460.85 x 12% = 55.30; less 2/7 (15.80) = 39.50.
    assert_eq!(answer["rate"], "basic");
    assert_eq!(answer["weekly_total_pence"], 3950);
    assert_eq!(answer["receiving_parents"][0]["id"], "A");
    assert_eq!(answer["receiving_parents"][0]["weekly_amount_pence"], 3950);
    let first = &answer["explanation"][0];
    assert!(
        first["text"].is_string() && first["rule"].is_string() && first["amount_pence"].is_u64()
    );
    assert!(
        answer["parameters"]
            .as_str()
            .unwrap()
            .starts_with("2024-02-26+")
    );
}
