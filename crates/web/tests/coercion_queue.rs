//! The coercion queue read from work items (issue 14), on both databases:
//! the safety event that completes a coercion signal raises one item for
//! the specialist team in its own transaction (a retry raises none); the
//! queue shows it by the queue index; completing the item takes it off the
//! queue; a case whose events make no signal raises nothing.

use axum::http::StatusCode;
use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties};

async fn api(
    state: &AppState,
    method: &str,
    path: &str,
    token: &str,
    key: &str,
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        method,
        path,
        &[("authorization", &auth), ("idempotency-key", key)],
        body,
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

const PARTIES: &str = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
    "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;

/// Notes `what` about the paying parent on the case, under `key`: 201
/// when recorded, 200 when a retry answers what was recorded.
async fn note_answer(state: &AppState, case: &str, key: &str, what: &str) -> StatusCode {
    let body = format!(r#"{{"action": "note", "what": "{what}", "party": "paying_parent"}}"#);
    let (status, answer) = api(
        state,
        "POST",
        &format!("/api/v1/cases/{case}/safety/actions"),
        "caseworker-token",
        key,
        &body,
    )
    .await;
    assert!(status.is_success(), "{answer}");
    status
}

async fn note(state: &AppState, case: &str, key: &str, what: &str) {
    assert_eq!(
        note_answer(state, case, key, what).await,
        StatusCode::CREATED
    );
}

/// The specialist team's coercion items on `case`, open or claimed.
async fn coercion_items(state: &AppState, case: &str) -> Vec<Value> {
    let (status, page) = api(
        state,
        "GET",
        "/api/v1/work?kind=coercion_signal",
        "specialist-token",
        "read",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["case"] == case)
        .cloned()
        .collect()
}

async fn coercion_queue(state: &AppState) -> Value {
    let (status, queue) = api(
        state,
        "GET",
        "/api/v1/queues/coercion",
        "caseworker-token",
        "queue",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    queue
}

async fn allegations_then_retractions_raise_one_item_until_completed(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    note(&state, &case, "n-1", "allegation").await;
    note(&state, &case, "n-2", "allegation_withdrawn").await;
    note(&state, &case, "n-3", "allegation").await;
    assert!(
        coercion_items(&state, &case).await.is_empty(),
        "one retraction is no pattern yet"
    );
    // The second withdrawal completes the pattern.
    note(&state, &case, "n-4", "allegation_withdrawn").await;
    // A retry of it, and another event that keeps the pattern, raise nothing more.
    assert_eq!(
        note_answer(&state, &case, "n-4", "allegation_withdrawn").await,
        StatusCode::OK
    );
    note(&state, &case, "n-5", "allegation").await;
    let items = coercion_items(&state, &case).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["team"], "specialist");
    assert_eq!(item["what"], "Possible financial coercion");
    assert_eq!(item["state"], "open");
    let id = item["id"].as_str().unwrap();
    assert!(id.ends_with(":AllegationsThenRetractions"), "{id}");

    // The queue shows it, with the signal's name; the same as the case's
    // own scan.
    let queue = coercion_queue(&state).await;
    let entry = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reference"] == case.as_str())
        .unwrap_or_else(|| panic!("{queue}"));
    assert_eq!(
        entry["signals"],
        serde_json::json!(["AllegationsThenRetractions"])
    );
    let (_, signals) = api(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/coercion-signals"),
        "caseworker-token",
        "signals",
        "",
    )
    .await;
    assert_eq!(signals["signals"][0]["kind"], "AllegationsThenRetractions");

    // Completing it takes it off the queue; nothing about the case changes.
    let (status, done) = api(
        &state,
        "POST",
        &format!("/api/v1/work/{id}/complete"),
        "specialist-token",
        "complete",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(coercion_items(&state, &case).await.is_empty());
    let queue = coercion_queue(&state).await;
    assert!(
        !queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["reference"] == case.as_str()),
        "{queue}"
    );
}

async fn a_case_with_no_signal_raises_none(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    note(&state, &case, "n-1", "allegation").await;
    note(&state, &case, "n-2", "change_reported").await;
    note(&state, &case, "n-3", "contact_day").await;
    assert!(coercion_items(&state, &case).await.is_empty());
    let queue = coercion_queue(&state).await;
    assert!(
        !queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["reference"] == case.as_str()),
        "{queue}"
    );
}

async fn words_on_a_payment_raise_one_item_when_recorded(state: AppState) {
    let reference = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let day = |text: &str| domain_types::Date::parse_iso(text).unwrap();
    state
        .store
        .post_transfers(&[ledger::Transfer {
            id: ledger::TransferId("a1".to_owned()),
            debit: ledger::Account::of_case(case, ledger::AccountKind::PayingParentOwes),
            credit: ledger::Account::of_case(
                case,
                ledger::AccountKind::ReceivingParentDue(case_records::ReceivingParentId(1)),
            ),
            amount: domain_types::Pence::new(5_000),
            code: ledger::TransferCode::Accrual,
            effective: day("2026-05-04"),
            corrects: None,
        }])
        .await
        .unwrap();
    let statement = bank_files::Statement {
        id: "S".to_owned(),
        entries: vec![bank_files::StatementEntry {
            bank_reference: "W-1".to_owned(),
            amount: domain_types::Pence::new(5_000),
            is_credit: true,
            booked: day("2026-05-05"),
            remittance: format!("{reference} I know you moved to SAFE-ADDRESS"),
        }],
    };
    let (transfers, unmatched) = bank_files::payment_transfers(&statement, &|c| *c == case);
    state.store.post_transfers(&transfers).await.unwrap();
    assert!(
        coercion_items(&state, &reference).await.is_empty(),
        "a payment on time with no words is no pattern"
    );
    let notes = bank_files::payment_notes(&statement, &unmatched);
    state.store.record_payment_notes(&notes).await.unwrap();
    // The same statement read again raises nothing more.
    state.store.post_transfers(&transfers).await.unwrap();
    state.store.record_payment_notes(&notes).await.unwrap();
    let items = coercion_items(&state, &reference).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(
        items[0]["id"]
            .as_str()
            .unwrap()
            .ends_with(":MessagesInReferences"),
        "{items:?}"
    );
    // The payer's words never reach the item.
    assert!(!items[0].to_string().contains("SAFE-ADDRESS"));
    let queue = coercion_queue(&state).await;
    let entry = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reference"] == reference.as_str())
        .unwrap_or_else(|| panic!("{queue}"));
    assert_eq!(
        entry["signals"],
        serde_json::json!(["MessagesInReferences"])
    );
}

on_both_databases!(
    words_on_a_payment_raise_one_item_when_recorded,
    allegations_then_retractions_raise_one_item_until_completed,
    a_case_with_no_signal_raises_none,
);
