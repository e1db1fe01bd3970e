//! Every input the API takes is read strictly (issue 13): a repeated JSON
//! key, an unknown field, a wrong type or a number written as a string is
//! refused with 422 naming the field, and nothing is written; text that is
//! not JSON is 400; every 4xx of the API, path and method errors included,
//! is the one JSON error shape; a role refusal is 403; opening a case is
//! idempotent under its `Idempotency-Key`; free text that protects or
//! decides is checked human text.

use axum::http::StatusCode;
use serde_json::Value;
use web::{AppState, hash_password};

mod common;

use common::{bearer, call, open_case_with_parties, state_named};

const PARTIES: &str = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "P1 1PP"},
    "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "S1 1SS"}]}"#;

/// A request with a bearer token and an idempotency key: status and body.
async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let mut headers = vec![("authorization", auth.as_str())];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    let (status, text, _) = call(state, method, path, &headers, body).await;
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{method} {path}: not JSON ({status}): {text:?}"));
    (status, value)
}

/// Asserts a refusal: the status, the JSON error shape, and the field.
#[track_caller]
fn refused(answer: &(StatusCode, Value), status: StatusCode, field: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    assert!(answer.1["error"]["message"].is_string(), "{}", answer.1);
}

async fn case(state: &AppState) -> String {
    open_case_with_parties(state, "caseworker-token", PARTIES, None).await
}

#[tokio::test]
async fn a_repeated_key_is_refused_naming_it_and_nothing_is_written() {
    let state = state_named("strict-duplicate").await;
    let answer = send(
        &state,
        "POST",
        "/api/v1/cases",
        "caseworker-token",
        Some("dup-1"),
        r#"{"initial_effective_date": "2026-05-04", "initial_effective_date": "2019-01-07"}"#,
    )
    .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "initial_effective_date",
    );
    assert!(state.store.case_references().await.unwrap().is_empty());

    let reference = case(&state).await;
    let facts = format!("/api/v1/cases/{reference}/facts");
    let answer = send(
        &state,
        "POST",
        &facts,
        "caseworker-token",
        Some("f1"),
        r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000, "weekly_pence": 1}}]}"#,
    )
    .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "facts[0].change.weekly_pence",
    );
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert!(
        state
            .store
            .case_history(&case)
            .await
            .unwrap()
            .unwrap()
            .events
            .is_empty()
    );
    // The calculation contract, the same parser.
    let (status, text, _) = call(
        &state,
        "POST",
        "/api/v1/calculations",
        &[],
        r#"{"date": "2025-06-01", "date": "2019-01-07", "paying_parent": {}, "receiving_parents": []}"#,
    )
    .await;
    refused(
        &(status, serde_json::from_str(&text).unwrap()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "date",
    );
    // Sign-in too: the password given twice is not quietly the second.
    let answer = send(
        &state,
        "POST",
        "/api/v1/sign-in",
        "none",
        None,
        r#"{"login": "a@example.org", "password": "x", "password": "y"}"#,
    )
    .await;
    refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, "password");
}

#[tokio::test]
async fn text_that_is_not_json_is_400_in_the_error_shape() {
    let state = state_named("strict-not-json").await;
    let reference = case(&state).await;
    for (path, key) in [
        ("/api/v1/cases".to_owned(), "nj-1"),
        (format!("/api/v1/cases/{reference}/facts"), "nj-2"),
        (
            format!("/api/v1/cases/{reference}/collection/actions"),
            "nj-3",
        ),
    ] {
        let answer = send(
            &state,
            "POST",
            &path,
            "caseworker-token",
            Some(key),
            "{\"a\": ",
        )
        .await;
        refused(&answer, StatusCode::BAD_REQUEST, "");
    }
}

#[tokio::test]
async fn unknown_fields_are_refused_naming_them() {
    let state = state_named("strict-unknown").await;
    let reference = case(&state).await;
    let on_case = |rest: &str| format!("/api/v1/cases/{reference}/{rest}");
    for (token, path, body, field) in [
        (
            "caseworker-token",
            "/api/v1/cases".to_owned(),
            r#"{"initial_effective_date": "2026-05-04", "initial_effective_dat": "2026-05-11"}"#,
            "initial_effective_dat",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000}}], "recorded_on": "2020-01-01"}"#,
            "recorded_on",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000, "weekly_penc": 1}}]}"#,
            "facts[0].change.weekly_penc",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": "checking", "until": "2027-01-01"}"#,
            "until",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "release_disbursements", "receiving_parent": 1, "reason": "a reason release does not take"}"#,
            "reason",
        ),
        (
            "receiver-token",
            on_case("disclosures"),
            r#"{"immediate_danger": false, "urgent": true}"#,
            "urgent",
        ),
        (
            "caseworker-token",
            "/api/v1/suspense/allocations".to_owned(),
            &format!(r#"{{"payment": "p-1", "case": "{reference}", "amount_pence": 100}}"#),
            "amount_pence",
        ),
        (
            "caseworker-token",
            on_case("safety/actions"),
            r#"{"action": "note", "what": "allegation", "party": "receiving_parent", "details": "x"}"#,
            "details",
        ),
        (
            "caseworker-token",
            on_case("collection-moves"),
            r#"{"route": "both_agree", "evidence": "marac_referral"}"#,
            "evidence",
        ),
        (
            "caseworker-token",
            on_case("referrals"),
            r#"{"recipient": "police", "urgent": true}"#,
            "urgent",
        ),
        (
            "payer-token",
            on_case("direct-pay/reports"),
            r#"{"due": "2026-05-04", "paid_pence": 100, "note": "x"}"#,
            "note",
        ),
        (
            "payer-token",
            on_case("screenings"),
            r#"{"answers": [{"question": "legal_warning", "answer": true}]}"#,
            "answers[0].answer",
        ),
        (
            "caseworker-token",
            on_case("parties"),
            r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "A", "postcode": "P1", "nickname": "x"}, "receiving_parents": []}"#,
            "paying_parent.nickname",
        ),
        (
            "none",
            "/api/v1/sign-in".to_owned(),
            r#"{"login": "a@example.org", "password": "x", "remember_me": true}"#,
            "remember_me",
        ),
        (
            "caseworker-token",
            "/api/v1/people/2/non-disclosure".to_owned(),
            r#"{"flag": true, "reason": "x"}"#,
            "reason",
        ),
    ] {
        let method = if path.ends_with("parties") || path.ends_with("non-disclosure") {
            "PUT"
        } else {
            "POST"
        };
        let answer = send(&state, method, &path, token, Some("unknown-1"), body).await;
        refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    // Nothing was recorded anywhere.
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert!(
        state
            .store
            .case_history(&case)
            .await
            .unwrap()
            .unwrap()
            .events
            .is_empty()
    );
    assert!(
        state
            .store
            .collection_actions(&case)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(state.store.safety_events(&case).await.unwrap().is_empty());
    assert!(state.store.protected_people().await.unwrap().is_empty());
}

#[tokio::test]
async fn numbers_as_strings_fractions_and_wrong_types_are_refused_naming_the_field() {
    let state = state_named("strict-types").await;
    let reference = case(&state).await;
    let on_case = |rest: &str| format!("/api/v1/cases/{reference}/{rest}");
    let fact = |change: &str| {
        format!(r#"{{"facts": [{{"effective_from": "2026-05-04", "change": {change}}}]}}"#)
    };
    for (token, path, body, field) in [
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "income", "weekly_pence": "40000"}"#),
            "facts[0].change.weekly_pence",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "income", "weekly_pence": 40000.0}"#),
            "facts[0].change.weekly_pence",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "income", "weekly_pence": 4e4}"#),
            "facts[0].change.weekly_pence",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "income", "weekly_pence": -1}"#),
            "facts[0].change.weekly_pence",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "shared_care", "child": "1", "nights": 104}"#),
            "facts[0].change.child",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "shared_care", "child": 1, "nights": 99999999999}"#),
            "facts[0].change.nights",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "collection_fee_waiver", "paying_parent": "true", "receiving_parent": false}"#),
            "facts[0].change.paying_parent",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": "service_type", "service": ["collect_and_pay"]}"#),
            "facts[0].change.service",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            fact(r#"{"kind": 7}"#),
            "facts[0].change.kind",
        ),
        (
            "caseworker-token",
            on_case("facts"),
            r#"{"facts": [{"effective_from": 20260504, "change": {"kind": "case_closed"}}]}"#.to_owned(),
            "facts[0].effective_from",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "release_disbursements", "receiving_parent": "1"}"#.to_owned(),
            "receiving_parent",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "review_enforcement", "step": 1.0}"#.to_owned(),
            "step",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "approve_enforcement", "step": 1, "waiver": 3}"#.to_owned(),
            "waiver",
        ),
        (
            "receiver-token",
            on_case("disclosures"),
            r#"{"immediate_danger": "yes"}"#.to_owned(),
            "immediate_danger",
        ),
        (
            "payer-token",
            on_case("direct-pay/reports"),
            r#"{"due": "2026-05-04", "paid_pence": "4800"}"#.to_owned(),
            "paid_pence",
        ),
        (
            "caseworker-token",
            on_case("safety/actions"),
            r#"{"action": "assign_named_caseworker", "person": "40"}"#.to_owned(),
            "person",
        ),
        (
            "payer-token",
            on_case("screenings"),
            r#"{"answers": [{"question": "legal_warning"}, {"question": "experienced_abuse", "answer": "no"}, {"question": "safe_contact", "channels": ["letter"], "no_voicemail": "yes"}]}"#.to_owned(),
            "answers[2].no_voicemail",
        ),
        (
            "none",
            "/api/v1/sign-in".to_owned(),
            r#"{"login": 12, "password": "x"}"#.to_owned(),
            "login",
        ),
        (
            "caseworker-token",
            "/api/v1/cases".to_owned(),
            r#"["initial_effective_date", "2026-05-04"]"#.to_owned(),
            "",
        ),
    ] {
        let answer = send(&state, "POST", &path, token, Some("types-1"), &body).await;
        refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert!(
        state
            .store
            .case_history(&case)
            .await
            .unwrap()
            .unwrap()
            .events
            .is_empty()
    );
    // The right types are still taken.
    let answer = send(
        &state,
        "POST",
        &on_case("facts"),
        "caseworker-token",
        Some("types-ok"),
        &fact(r#"{"kind": "income", "weekly_pence": 40000}"#),
    )
    .await;
    assert_eq!(answer.0, StatusCode::CREATED, "{}", answer.1);
}

#[tokio::test]
async fn path_method_and_body_errors_of_the_api_are_the_json_error_shape() {
    let state = state_named("strict-paths").await;
    let reference = case(&state).await;
    let staff = bearer("caseworker-token");
    let specialist = bearer("specialist-token");
    for (method, path, auth, body, status, field) in [
        (
            "PUT",
            "/api/v1/people/abc/non-disclosure".to_owned(),
            &staff,
            r#"{"flag": true}"#.to_owned(),
            StatusCode::NOT_FOUND,
            "person_id",
        ),
        (
            "GET",
            "/api/v1/people/abc/protection".to_owned(),
            &specialist,
            String::new(),
            StatusCode::NOT_FOUND,
            "person_id",
        ),
        (
            "GET",
            format!("/api/v1/cases/{reference}/collection/steps/abc/letter.pdf"),
            &staff,
            String::new(),
            StatusCode::NOT_FOUND,
            "step",
        ),
        (
            "GET",
            "/api/v1/cases/CM-%FF/view".to_owned(),
            &staff,
            String::new(),
            StatusCode::NOT_FOUND,
            "path",
        ),
        (
            "GET",
            "/api/v1/no-such-thing".to_owned(),
            &staff,
            String::new(),
            StatusCode::NOT_FOUND,
            "path",
        ),
        (
            "DELETE",
            "/api/v1/cases".to_owned(),
            &staff,
            String::new(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
        ),
        (
            "GET",
            format!("/api/v1/cases/{reference}/schedule?until=2026-13-45"),
            &staff,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "until",
        ),
        (
            "GET",
            format!("/api/v1/cases/{reference}/schedule?untill=2026-12-01"),
            &staff,
            String::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "untill",
        ),
        (
            "POST",
            "/api/v1/calculations".to_owned(),
            &staff,
            "x".repeat(5 * 1024 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body",
        ),
    ] {
        let (got, text, headers) =
            call(&state, method, &path, &[("authorization", auth)], &body).await;
        let answer: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON ({got}): {text:?}"));
        refused(&(got, answer), status, field);
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "application/json"),
            "{method} {path}: {headers:?}"
        );
    }
    // A body that is not UTF-8.
    let request = axum::http::Request::post("/api/v1/cases")
        .header("authorization", &staff)
        .header("idempotency-key", "utf8")
        .body(axum::body::Body::from(vec![b'{', 0xFF, b'}']))
        .unwrap();
    let response = tower::ServiceExt::oneshot(web::app(state.clone()), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(answer["error"]["field"], "body", "{answer}");
    // Pages keep their own answers: not JSON.
    let (_, page, _) = call(&state, "GET", "/no-such-page", &[], "").await;
    assert!(serde_json::from_str::<Value>(&page).is_err());
}

#[tokio::test]
async fn a_role_that_may_not_is_refused_with_403() {
    let state = state_named("strict-roles").await;
    let reference = case(&state).await;
    // A caseworker may not set the risk level: the specialist team does.
    let answer = send(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/safety/actions"),
        "caseworker-token",
        Some("risk-1"),
        r#"{"action": "set_risk", "level": "high"}"#,
    )
    .await;
    refused(&answer, StatusCode::FORBIDDEN, "authorization");
    // The specialist team reviews enforcement; it does not propose it.
    let answer = send(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/collection/actions"),
        "specialist-token",
        Some("propose-1"),
        r#"{"action": "propose_enforcement", "step": 1, "enforcement": "deduction_from_earnings_order"}"#,
    )
    .await;
    refused(&answer, StatusCode::FORBIDDEN, "authorization");
    // A state the case is not in is a conflict, not bad input.
    let answer = send(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/collection/actions"),
        "caseworker-token",
        Some("release-1"),
        r#"{"action": "release_disbursements", "receiving_parent": 1}"#,
    )
    .await;
    assert_eq!(answer.0, StatusCode::CONFLICT, "{}", answer.1);
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert!(state.store.safety_events(&case).await.unwrap().is_empty());
    assert!(
        state
            .store
            .collection_actions(&case)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opening_a_case_is_idempotent_under_its_key() {
    opening_a_case_is_idempotent(state_named("strict-open-once").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opening_a_case_is_idempotent_under_its_key_on_postgresql() {
    if let Some(state) = common::postgres_state_named("strict-open-once").await {
        opening_a_case_is_idempotent(state).await;
    }
}

/// Opening a case: a key is required, and fifty requests at once under one
/// key open one case.
async fn opening_a_case_is_idempotent(state: AppState) {
    let open = |key: Option<&'static str>, date: &'static str| {
        let state = state.clone();
        async move {
            send(
                &state,
                "POST",
                "/api/v1/cases",
                "caseworker-token",
                key,
                &format!(r#"{{"initial_effective_date": "{date}"}}"#),
            )
            .await
        }
    };
    // Without a key: refused, so that a retry can never make a second case.
    refused(
        &open(None, "2026-05-04").await,
        StatusCode::BAD_REQUEST,
        "idempotency-key",
    );
    assert!(state.store.case_references().await.unwrap().is_empty());
    // Fifty at once with one key: one case, the same reference each time.
    let answers = futures_join_all(
        (0..50)
            .map(|_| tokio::spawn(open(Some("open-2026-05-04-a"), "2026-05-04")))
            .collect(),
    )
    .await;
    let created = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == StatusCode::CREATED || *status == StatusCode::OK),
        "{answers:?}"
    );
    let reference = answers[0].1["reference"].as_str().unwrap().to_owned();
    assert!(answers.iter().all(|(_, a)| a["reference"] == reference));
    assert_eq!(state.store.case_references().await.unwrap().len(), 1);
    // The same key with another body: refused naming the key.
    refused(
        &open(Some("open-2026-05-04-a"), "2026-05-11").await,
        StatusCode::CONFLICT,
        "idempotency-key",
    );
    // Another key is another case; another member of staff's same key too.
    assert_eq!(
        open(Some("open-2026-05-04-b"), "2026-05-04").await.0,
        StatusCode::CREATED
    );
    let (status, other) = send(
        &state,
        "POST",
        "/api/v1/cases",
        "named-token",
        Some("open-2026-05-04-a"),
        r#"{"initial_effective_date": "2026-05-04"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(other["reference"], reference);
    assert_eq!(state.store.case_references().await.unwrap().len(), 3);
}

async fn futures_join_all(
    handles: Vec<tokio::task::JoinHandle<(StatusCode, Value)>>,
) -> Vec<(StatusCode, Value)> {
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
}

#[tokio::test]
async fn free_text_that_protects_or_decides_is_checked_human_text() {
    let state = state_named("strict-text").await;
    let reference = case(&state).await;
    let on_case = |rest: &str| format!("/api/v1/cases/{reference}/{rest}");
    let long = "a".repeat(2_000);
    for (token, path, body, field) in [
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": "checking\u0000 the account"}"#.to_owned(),
            "reason",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": "checking \u202e tnuocca"}"#.to_owned(),
            "reason",
        ),
        (
            "caseworker-token",
            on_case("collection/actions"),
            format!(r#"{{"action": "hold_disbursements", "receiving_parent": 1, "reason": "{long}"}}"#),
            "reason",
        ),
        (
            "payer-token",
            on_case("screenings"),
            r#"{"answers": [{"question": "legal_warning"}, {"question": "experienced_abuse", "answer": "no"}, {"question": "safe_contact", "channels": ["phone"], "safe_times": "after 6\r\nnot weekends"}]}"#.to_owned(),
            "answers[2].safe_times",
        ),
    ] {
        let answer = send(&state, "POST", &path, token, Some("text-1"), &body).await;
        refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    // Protection: the reason to lift it.
    let (status, _) = send(
        &state,
        "PUT",
        "/api/v1/people/2/non-disclosure",
        "caseworker-token",
        None,
        r#"{"flag": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer = send(
        &state,
        "POST",
        "/api/v1/people/2/protection/lift-proposals",
        "specialist-token",
        None,
        r#"{"reason": "safe now\u001b[2J"}"#,
    )
    .await;
    refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, "reason");
    // Break-glass: a tab, or a direction override sent as UTF-8, is
    // refused; it is never taken as no reason at all.
    for reason in [
        axum::http::HeaderValue::from_static("looking\tinto it"),
        axum::http::HeaderValue::from_bytes("looking \u{202e}ti otni".as_bytes()).unwrap(),
    ] {
        let request = axum::http::Request::get(on_case("view"))
            .header("authorization", bearer("caseworker-token"))
            .header("x-break-glass-reason", reason)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(web::app(state.clone()), request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(answer["error"]["field"], "x-break-glass-reason");
    }
    let case = case_records::CaseReference::parse(&reference).unwrap();
    assert!(
        state
            .store
            .collection_actions(&case)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(state.store.safety_events(&case).await.unwrap().is_empty());
    // The case page's break-glass reason, from the address.
    let cookie = staff_session(&state).await;
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}?reason=looking%09into%20it"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("reason"), "{page}");
}

/// A caseworker (person 17) signed in with a password: the session cookie.
async fn staff_session(state: &AppState) -> String {
    state
        .store
        .create_account(
            "carl@example.org",
            &hash_password("a passphrase for tests"),
            17,
            "caseworker",
        )
        .await
        .unwrap();
    let (_, _, headers) = call(
        state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        "login=carl@example.org&password=a+passphrase+for+tests",
    )
    .await;
    headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_case_page_cannot_start_liability_the_service_could_never_collect() {
    let state = state_named("strict-calculation-start").await;
    let case = case_records::CaseReference::from_random(0x1234_5678);
    assert!(state.store.open_application(&case).await.unwrap());
    let cookie = staff_session(&state).await;
    let (_, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{case}"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    let token = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    for from in ["2011-06-06", "2012-12-09", "2031-01-06"] {
        let (status, refused, _) = call(
            &state,
            "POST",
            &format!("/work/cases/{case}/actions"),
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
            ],
            &format!(
                "form_token={token}&reason=&action=make_calculation&income=517.81&effective_from={from}"
            ),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{from}: {refused}"
        );
        let history = state.store.case_history(&case).await.unwrap().unwrap();
        assert_eq!(history.initial_effective_date, None, "{from}");
        assert!(history.events.is_empty(), "{from}");
    }
}

#[tokio::test]
async fn query_parameters_and_refused_moves_name_their_field() {
    let state = state_named("strict-query").await;
    let reference = case(&state).await;
    let (status, text, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{reference}/statement.csv?fro=paying_parent"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    refused(
        &(status, serde_json::from_str(&text).unwrap()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "fro",
    );
    let answer = send(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/collection-moves"),
        "caseworker-token",
        Some("move-1"),
        r#"{"route": "abuse_evidence", "applicant": "receiving_parent", "evidence": "a_feeling"}"#,
    )
    .await;
    refused(&answer, StatusCode::UNPROCESSABLE_ENTITY, "evidence");
}
