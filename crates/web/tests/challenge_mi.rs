//! Management information counts challenges to decisions (issue 16), on
//! both databases: requests in time and late, outcomes, the share revised,
//! appeals and the average days from request to outcome, kept as the
//! challenges happen and shown on /work/mi.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{On, bearer, call, open_case_with_parties, session};

const PARTIES: &str = r#"{
  "paying_parent": {"person_id": 1, "name": "Paul Payer", "address": "1 Payer Street", "postcode": "PA1 1PP",
                    "phone": "07000 111111", "email": "paul@example.org", "employer": "Payer Widgets Ltd",
                    "sort_code": "11-11-11", "account_number": "11111111", "non_disclosure": false},
  "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rita Receiver", "address": "2 Refuge Road", "postcode": "RR2 2RR",
                    "phone": "07000 222222", "email": "rita@example.org", "employer": "Safe Haven Cafe",
                    "sort_code": "22-22-22", "account_number": "22222222",
                    "non_disclosure": true}],
  "children": [{"id": 1, "receiving_parent": 1, "name": "Charlie", "school": "Hidden Valley Primary", "gp": "Quiet Lane Surgery"}],
  "named_caseworker": 40
}"#;

fn on(state: &AppState, day: &str) -> AppState {
    AppState {
        clock: Arc::new(On::day(day)),
        ..state.clone()
    }
}

async fn post(state: &AppState, path: &str, token: &str, key: &str, body: &str) -> Value {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        "POST",
        path,
        &[("authorization", &auth), ("idempotency-key", key)],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A case calculated by caseworker 17 (liability from 4 May 2026, £400 a
/// week): its reference.
async fn calculated_case(state: &AppState) -> String {
    let reference =
        open_case_with_parties(state, "caseworker-token", PARTIES, Some("setting up")).await;
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &bearer("caseworker-token")),
            ("idempotency-key", &format!("calculation-{reference}")),
            ("x-break-glass-reason", "making the calculation"),
        ],
        r#"{"facts": [
            {"effective_from": "2026-05-04", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}},
            {"effective_from": "2026-05-04", "change": {"kind": "service_type", "service": "direct_pay"}},
            {"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000}}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    reference
}

/// The value beside `label` in the challenges table.
fn cell(page: &str, label: &str) -> String {
    page.split("Mandatory reconsiderations and appeals")
        .nth(1)
        .and_then(|table| table.split(&format!(">{label}</th>")).nth(1))
        .and_then(|rest| rest.split("\">").nth(1))
        .and_then(|rest| rest.split("</td>").next())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label} in {page}"))
}

async fn mi_page(state: &AppState, cookie: &str) -> String {
    let (status, page, _) = call(state, "GET", "/work/mi", &[("cookie", cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

async fn challenges_are_counted(state: AppState) {
    let leader = session(&state, "leader@example.org", 60, "team_leader").await;
    let empty = mi_page(&state, &leader).await;
    assert_eq!(cell(&empty, "Share revised in full or in part"), "–");
    assert_eq!(cell(&empty, "Average time from request to outcome"), "–");

    // One asked in time on 10 June and revised on 20 June: 10 days.
    let first = calculated_case(&state).await;
    let june10 = on(&state, "2026-06-10");
    let asked = post(
        &june10,
        &format!("/api/v1/cases/{first}/challenges"),
        "payer-token",
        "mi-1",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "My hours were cut."}"#,
    )
    .await;
    assert_eq!(asked["timing"], "in_time");
    let id = asked["challenge"].as_str().unwrap().to_owned();
    let revise = r#"{"outcome": "revised", "reasons": "His payslips show £300 a week.", "facts": [{"kind": "income", "weekly_pence": 30000}]}"#;
    let june20 = on(&state, "2026-06-20");
    post(
        &june20,
        &format!("/api/v1/challenges/{id}/outcome"),
        "named-token",
        "mi-1-outcome",
        revise,
    )
    .await;
    // A retry of the outcome counts nothing.
    let (status, _, _) = call(
        &june20,
        "POST",
        &format!("/api/v1/challenges/{id}/outcome"),
        &[
            ("authorization", &bearer("named-token")),
            ("idempotency-key", "mi-1-outcome"),
        ],
        revise,
    )
    .await;
    assert!(status.is_success(), "{status}");

    // Another asked late on 20 July and not revised on 14 August (25
    // days), then appealed.
    let second = calculated_case(&state).await;
    let july20 = on(&state, "2026-07-20");
    let asked = post(
        &july20,
        &format!("/api/v1/cases/{second}/challenges"),
        "payer-token",
        "mi-2",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "The income is wrong.", "late_reason": "I was in hospital through June."}"#,
    )
    .await;
    assert_eq!(asked["timing"], "late");
    let id = asked["challenge"].as_str().unwrap().to_owned();
    let august14 = on(&state, "2026-08-14");
    post(
        &august14,
        &format!("/api/v1/challenges/{id}/outcome"),
        "named-token",
        "mi-2-outcome",
        r#"{"outcome": "not_revised", "reasons": "HMRC confirms £400 a week."}"#,
    )
    .await;
    post(
        &august14,
        &format!("/api/v1/challenges/{id}/appeal"),
        "payer-token",
        "mi-2-appeal",
        r#"{"grounds": "The calculation is wrong."}"#,
    )
    .await;

    let page = mi_page(&state, &leader).await;
    assert_eq!(cell(&page, "Requests in time"), "1");
    assert_eq!(cell(&page, "Requests made late"), "1");
    assert_eq!(cell(&page, "Revised"), "1");
    assert_eq!(cell(&page, "Partly revised"), "0");
    assert_eq!(cell(&page, "Not revised"), "1");
    assert_eq!(cell(&page, "Share revised in full or in part"), "50%");
    assert_eq!(cell(&page, "Appeals to the tribunal"), "1");
    // (10 + 25) / 2 = 17.5 days, rounded half up.
    assert_eq!(
        cell(&page, "Average time from request to outcome"),
        "18 days"
    );
    assert!(page.contains("rounded to the nearest whole number, halves up"));
    for secret in ["Refuge Road", "Payer Street", "hospital", &first, &second] {
        assert!(!page.contains(secret), "{secret} in management information");
    }
    // The kept totals are what a full recount finds.
    let (recount, _) = storage_api::mi::recount(state.store.as_ref())
        .await
        .unwrap();
    assert_eq!(state.store.mi_totals(None).await.unwrap(), recount);
}

on_both_databases!(challenges_are_counted);
