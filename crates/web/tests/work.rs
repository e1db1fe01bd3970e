//! Work items on the pages and the API (issue 14), on both databases: a
//! disclosure in immediate danger is an alert at the top of the specialist
//! team's work until the police call is recorded; the review closes the
//! rest; queues are read a page at a time with counts; items are claimed,
//! returned and completed, and a done item takes nothing more.

use axum::http::StatusCode;
use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties, session};

async fn api(
    state: &AppState,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        method,
        path,
        &[("authorization", &auth), ("idempotency-key", path)],
        body,
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

const PARTIES: &str = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
    "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;

async fn danger_is_an_alert_until_the_police_call_is_recorded(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    let specialist = session(
        &state,
        "specialist@example.org",
        30,
        "domestic_abuse_specialist",
    )
    .await;
    let (_, before, _) = call(&state, "GET", "/work", &[("cookie", &specialist)], "").await;
    assert!(!before.contains("Someone is in danger now"));
    let (status, _) = api(
        &state,
        "POST",
        &format!("/api/v1/cases/{case}/disclosures"),
        "receiver-token",
        r#"{"immediate_danger": true, "police_call_consented": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // At the top of the specialist's work, with its age.
    let (_, work, _) = call(&state, "GET", "/work", &[("cookie", &specialist)], "").await;
    let alert = work
        .split("Someone is in danger now")
        .nth(1)
        .expect("the alert");
    assert!(
        alert.contains(&format!("Police call requested – {case}</a>, just now")),
        "{work}"
    );
    assert!(
        work.find("Someone is in danger now") < work.find("Find a case"),
        "above everything"
    );
    // The API's queue: danger first, counts of the whole queue.
    let (status, queue) = api(
        &state,
        "GET",
        "/api/v1/work?team=specialist",
        "specialist-token",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["items"][0]["kind"], "police_call_requested");
    assert_eq!(queue["items"][0]["case"], case);
    assert_eq!(
        queue["items"][0]["restricted"], true,
        "the disclosure protected her"
    );
    assert_eq!(queue["total"], 3);
    // A caseworker's queues hold none of it; a parent has none.
    let (_, theirs) = api(
        &state,
        "GET",
        "/api/v1/work?team=specialist",
        "caseworker-token",
        "",
    )
    .await;
    assert_eq!(theirs["error"]["field"], "team");
    assert_eq!(
        api(&state, "GET", "/api/v1/work", "payer-token", "")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The police call is recorded as a plan step: the call's item closes,
    // the alert stays while she is in danger and not yet reviewed.
    let act = format!("/api/v1/cases/{case}/safety/actions");
    for body in [
        r#"{"action": "set_risk", "level": "high"}"#,
        r#"{"action": "plan_step", "step": "police_called_for_them"}"#,
    ] {
        let auth = bearer("specialist-token");
        let (status, answer, _) = call(
            &state,
            "POST",
            &act,
            &[("authorization", &auth), ("idempotency-key", body)],
            body,
        )
        .await;
        assert!(status.is_success(), "{body}: {answer}");
    }
    let (_, queue) = api(
        &state,
        "GET",
        "/api/v1/work?team=specialist",
        "specialist-token",
        "",
    )
    .await;
    let kinds: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["immediate_danger", "disclosure_to_review"]);
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["risk"] == "high")
    );
    // The review closes the rest; the alert goes.
    let auth = bearer("specialist-token");
    let (status, answer, _) = call(
        &state,
        "POST",
        &act,
        &[("authorization", &auth), ("idempotency-key", "review")],
        r#"{"action": "review_disclosures"}"#,
    )
    .await;
    assert!(status.is_success(), "{answer}");
    let (_, work, _) = call(&state, "GET", "/work", &[("cookie", &specialist)], "").await;
    assert!(!work.contains("Someone is in danger now"), "{work}");
    let (_, queue) = api(
        &state,
        "GET",
        "/api/v1/work?team=specialist",
        "specialist-token",
        "",
    )
    .await;
    assert_eq!(queue["total"], 0);
}

async fn items_are_claimed_returned_and_completed_once(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    // The daily run set the case aside: work for casework.
    let changes = work_items::changes_for_set_aside(
        &case_records::CaseReference::parse(&case).unwrap(),
        "2026-05-04",
        "law_not_coded",
    );
    state.store.record_work_changes(&changes, 1).await.unwrap();
    let (_, queue) = api(
        &state,
        "GET",
        "/api/v1/work?kind=case_set_aside",
        "caseworker-token",
        "",
    )
    .await;
    assert_eq!(queue["total"], 1, "{queue}");
    let id = queue["items"][0]["id"].as_str().unwrap().to_owned();
    let path = |command: &str| {
        format!(
            "/api/v1/work/{}/{command}",
            id.replace('/', "%2F").replace(':', "%3A")
        )
    };
    let (status, item) = api(&state, "POST", &path("claim"), "caseworker-token", "").await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(
        (item["state"].as_str(), item["assignee"].as_u64()),
        (Some("claimed"), Some(17))
    );
    let (_, mine) = api(
        &state,
        "GET",
        "/api/v1/work?mine=true",
        "caseworker-token",
        "",
    )
    .await;
    assert_eq!(mine["items"][0]["id"], id);
    let (status, item) = api(&state, "POST", &path("return"), "caseworker-token", "").await;
    assert_eq!(
        (status, item["state"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    let (status, item) = api(
        &state,
        "POST",
        &path("assign"),
        "caseworker-token",
        r#"{"to": 40}"#,
    )
    .await;
    assert_eq!(
        (status, item["assignee"].as_u64()),
        (StatusCode::OK, Some(40))
    );
    let (status, refused) = api(
        &state,
        "POST",
        &path("assign"),
        "caseworker-token",
        r#"{"to": 40, "also": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "also");
    let (status, _) = api(&state, "POST", &path("complete"), "caseworker-token", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api(&state, "POST", &path("claim"), "caseworker-token", "")
            .await
            .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        api(
            &state,
            "POST",
            "/api/v1/work/none/claim",
            "caseworker-token",
            ""
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&state, "POST", &path("shred"), "caseworker-token", "")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let audited: Vec<String> = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .flat_map(|e| e.record.fields.clone())
        .collect();
    for step in ["claim", "return", "assign", "complete"] {
        assert!(
            audited.contains(&format!("work:{id}:{step}")),
            "{step} not audited"
        );
    }
    // Filters are checked: an unknown one is refused, not ignored.
    let (status, _) = api(
        &state,
        "GET",
        "/api/v1/work?colour=red",
        "caseworker-token",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_databases!(
    danger_is_an_alert_until_the_police_call_is_recorded,
    items_are_claimed_returned_and_completed_once,
);
