//! The routes, driven in-process with real requests.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use legal_parameters::Parameters;
use serde_json::Value;
use tower::ServiceExt;

mod common;

use common::{keys, state_named};
use web::{AppState, app};

/// A fixed clock and a counter for randomness.
async fn send(state: AppState, request: Request<Body>) -> (StatusCode, Value, Option<String>) {
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap(), cache)
}

fn post(body: &str) -> Request<Body> {
    Request::post("/api/v1/calculations")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn health_reports_the_database_and_the_law_in_force() {
    let (status, body, _) = send(
        state_named("calc-ok").await,
        Request::get("/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["scheme_start"], "2012-12-10");
    assert_eq!(body["parameters"], Parameters::embedded().version());
}

#[tokio::test]
async fn health_is_unavailable_when_the_database_is() {
    let state = state_named("closed").await;
    state.store.close().await;
    let (status, body, _) = send(state, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
}

#[tokio::test]
async fn a_calculation_is_answered_with_its_explanation_and_not_cached() {
    let body = r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781, "relevant_other_children": 1},
                   "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 104}, {"shared_care_nights": 104}, {"shared_care_nights": 104}]}]}"#;
    let (status, answer, cache) = send(state_named("calc").await, post(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["weekly_total_pence"], 6254);
    assert_eq!(answer["receiving_parents"][0]["weekly_amount_pence"], 6254);
    assert!(answer["explanation"].as_array().unwrap().len() >= 4);
    assert_eq!(cache.as_deref(), Some("no-store"));
}

#[tokio::test]
async fn a_refused_request_is_422_naming_the_field() {
    let body = r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 5000},
                   "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 400}]}]}"#;
    let (status, answer, _) = send(state_named("calc").await, post(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["error"]["field"],
        "receiving_parents[0].children[0].shared_care_nights"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let (status, answer, _) = send(state_named("calc").await, post("{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
}

#[tokio::test]
async fn an_array_with_one_refusal_still_answers_the_others() {
    let body = r#"[{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 5000}, "receiving_parents": [{"id": "A", "children": [{}]}]},
                   {"date": "2011-01-01", "paying_parent": {"gross_weekly_income_pence": 5000}, "receiving_parents": [{"id": "A", "children": [{}]}]}]"#;
    let (status, answer, _) = send(state_named("calc").await, post(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer[0]["rate"], "flat");
    assert_eq!(answer[1]["error"]["field"], "date");
}

/// An idempotency key used once: each case opened its own.
fn fresh_key() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "open-{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

fn with_token(request: axum::http::request::Builder, token: &str) -> axum::http::request::Builder {
    request.header("authorization", format!("Bearer {token}"))
}

async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let (status, body, _) = send(state.clone(), request).await;
    (status, body)
}

#[tokio::test]
async fn every_case_route_denies_without_a_valid_token() {
    let state = state_named("deny").await;
    for (method, path) in [
        ("POST", "/api/v1/cases"),
        ("POST", "/api/v1/cases/CM-0000-0000-0/facts"),
        ("GET", "/api/v1/cases/CM-0000-0000-0/schedule"),
    ] {
        for token in [None, Some("wrong-token")] {
            let mut request = Request::builder().method(method).uri(path);
            if let Some(token) = token {
                request = with_token(request, token);
            }
            let (status, body) = call(&state, request.body(Body::from("{}")).unwrap()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {token:?}"
            );
            assert_eq!(body["error"]["field"], "authorization");
        }
        let request = with_token(Request::builder().method(method).uri(path), "parent-token");
        let (status, _) = call(&state, request.body(Body::from("{}")).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a parent's token is not a staff token"
        );
    }
    let request = with_token(Request::post("/api/v1/cases"), "admin-token");
    let (status, _) = call(
        &state,
        request
            .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
            .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an administrator does not run cases"
    );
}

#[tokio::test]
async fn a_caseworker_opens_a_case_records_facts_and_reads_the_schedule() {
    let state = state_named("journey").await;
    let open = with_token(Request::post("/api/v1/cases"), "caseworker-token")
        .header("idempotency-key", fresh_key())
        .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
        .unwrap();
    let (status, opened) = call(&state, open).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let reference = opened["reference"].as_str().unwrap().to_owned();

    let facts = r#"{"facts": [
        {"effective_from": "2025-01-06", "change": {"kind": "income", "weekly_pence": 50000}},
        {"effective_from": "2025-01-06", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}},
        {"effective_from": "2025-03-03", "change": {"kind": "shared_care", "child": 1, "nights": 104}}
    ]}"#;
    let post = |key: &str, body: &str| {
        with_token(
            Request::post(format!("/api/v1/cases/{reference}/facts")),
            "caseworker-token",
        )
        .header("idempotency-key", key)
        .body(Body::from(body.to_owned()))
        .unwrap()
    };
    let (status, first) = call(&state, post("k-1", facts)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, retry) = call(&state, post("k-1", facts)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(retry["replayed"], true);
    let (status, reuse) = call(
        &state,
        post(
            "k-1",
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "case_closed"}}]}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{reuse}");

    let schedule = with_token(
        Request::get(format!(
            "/api/v1/cases/{reference}/schedule?until=2025-06-01"
        )),
        "caseworker-token",
    )
    .body(Body::empty())
    .unwrap();
    let (status, body) = call(&state, schedule).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let segments = body["segments"].as_array().unwrap();
    assert_eq!(segments[0]["weekly_pence"]["1"], 6000);
    assert_eq!(segments[1]["from"], "2025-03-03");
    assert_eq!(segments[1]["weekly_pence"]["1"], 4286);

    let entries = state.store.audit_entries().await.unwrap();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.record.case.as_deref() == Some(reference.as_str()))
        .collect();
    assert_eq!(
        changes.len(),
        1,
        "one audited write; the retry and the refusal add none"
    );
    assert_eq!(changes[0].record.actor, "staff-17");
    assert_eq!(
        changes[0].record.fields,
        vec!["income", "child_joined", "shared_care"]
    );
}

#[tokio::test]
async fn bad_facts_are_refused_naming_the_field_and_nothing_is_written() {
    let state = state_named("bad-facts").await;
    let open = with_token(Request::post("/api/v1/cases"), "caseworker-token")
        .header("idempotency-key", fresh_key())
        .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
        .unwrap();
    let (_, opened) = call(&state, open).await;
    let reference = opened["reference"].as_str().unwrap().to_owned();
    let cases = [
        (
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "shared_care", "child": 1, "nights": 400}}]}"#,
            "facts[0].change.nights",
        ),
        (
            r#"{"facts": [{"effective_from": "2025-02-30", "change": {"kind": "case_closed"}}]}"#,
            "facts[0].effective_from",
        ),
        (
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "income", "weekly_pence": 5, "weekly_pounds": 5}}]}"#,
            "facts[0].change.weekly_pounds",
        ),
        (
            r#"{"facts": [{"effective_from": "2025-01-06", "recorded_on": "2020-01-01", "change": {"kind": "case_closed"}}]}"#,
            "facts[0].recorded_on",
        ),
        (r#"{"facts": []}"#, "facts"),
        // A child the case does not have: well formed, but the case cannot
        // take it.
        (
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "shared_care", "child": 9, "nights": 104}}]}"#,
            "facts[0]",
        ),
        // Facts the law cannot serve on their date: Universal Credit before
        // it existed (29 April 2013), anything before the scheme began.
        (
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "income", "weekly_pence": 40000}},
                          {"effective_from": "2013-02-04", "change": {"kind": "benefits", "own": ["universal_credit_no_earned_income"], "partner": [], "partner_pays": false}}]}"#,
            "facts[1]",
        ),
        (
            r#"{"facts": [{"effective_from": "2012-12-09", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}}]}"#,
            "facts[0]",
        ),
    ];
    for (index, (body, field)) in cases.iter().enumerate() {
        let request = with_token(
            Request::post(format!("/api/v1/cases/{reference}/facts")),
            "caseworker-token",
        )
        .header("idempotency-key", format!("bad-{index}"))
        .body(Body::from((*body).to_owned()))
        .unwrap();
        let (status, answer) = call(&state, request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], *field, "{body}");
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
    let no_key = with_token(
        Request::post(format!("/api/v1/cases/{reference}/facts")),
        "caseworker-token",
    )
    .body(Body::from(cases[1].0.to_owned()))
    .unwrap();
    assert_eq!(call(&state, no_key).await.0, StatusCode::BAD_REQUEST);
    // Facts arriving one by one (a child before any income) are taken.
    for (key, body) in [
        (
            "child",
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}}]}"#,
        ),
        (
            "income",
            r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "income", "weekly_pence": 40000}}]}"#,
        ),
    ] {
        let request = with_token(
            Request::post(format!("/api/v1/cases/{reference}/facts")),
            "caseworker-token",
        )
        .header("idempotency-key", key)
        .body(Body::from(body.to_owned()))
        .unwrap();
        let (status, answer) = call(&state, request).await;
        assert_eq!(status, StatusCode::CREATED, "{key}: {answer}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let (status, document, _) = send(
        state_named("openapi").await,
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/health",
        "/api/v1/calculations",
        "/api/v1/openapi.json",
        "/api/v1/cases",
        "/api/v1/cases/{reference}/facts",
        "/api/v1/cases/{reference}/schedule",
        "/api/v1/cases/{reference}/parties",
        "/api/v1/cases/{reference}/view",
        "/api/v1/sign-in",
        "/api/v1/sign-out",
        "/api/v1/people/{person_id}/non-disclosure",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
    // Every API route the router serves, with each of its methods.
    let router = include_str!("../src/lib.rs");
    for route in router.split(".route(").skip(1) {
        let Some(path) = route.split('"').nth(1).filter(|p| p.starts_with("/api/")) else {
            continue;
        };
        // Up to the end of this `.route(…)` call: the next route or layer.
        let route = route.split(".layer(").next().unwrap_or(route);
        for method in ["get", "post", "put", "delete"] {
            if route.contains(&format!("{method}(")) {
                assert!(
                    document["paths"][path].get(method).is_some(),
                    "{} {path} is served but not documented",
                    method.to_uppercase()
                );
            }
        }
    }
}

/// Whether an object schema (and every object inside it) refuses fields it
/// does not list.
fn strict_schema(schema: &Value, at: &str, failures: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            let is_object = object.contains_key("properties")
                || object.get("type") == Some(&Value::from("object"));
            if is_object
                && !object.contains_key("$ref")
                && object.get("additionalProperties") != Some(&Value::Bool(false))
            {
                failures.push(format!("{at}: additionalProperties is not false"));
            }
            for (key, value) in object {
                strict_schema(value, &format!("{at}/{key}"), failures);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                strict_schema(item, &format!("{at}/{index}"), failures);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_documents_the_refusals_it_can_give_in_the_error_shape() {
    let (_, document, _) = send(
        state_named("openapi-statuses").await,
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
    let mut failures = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let has = |place: &str| parameters.iter().any(|p| p["in"] == place);
            let named = |name: &str| parameters.iter().any(|p| p["name"] == name);
            let mut needs: Vec<&str> = Vec::new();
            if operation.get("requestBody").is_some() {
                needs.extend(["400", "413", "422"]);
            }
            if named("Idempotency-Key") {
                needs.push("400");
            }
            if has("query") {
                needs.extend(["400", "422"]);
            }
            if operation.get("security").is_some() {
                needs.extend(["401", "403"]);
            }
            if has("path") {
                needs.push("404");
            }
            if named("X-Break-Glass-Reason") {
                needs.extend(["403", "422"]);
            }
            let responses = &operation["responses"];
            for status in needs {
                if responses.get(status).is_none() {
                    failures.push(format!("{name} does not document {status}"));
                }
            }
            for (status, response) in responses.as_object().unwrap() {
                // `/health` answers its own shape, available or not.
                if (status.starts_with('4') || status.starts_with('5')) && path != "/health" {
                    let schema = &response["content"]["application/json"]["schema"];
                    let shaped = *schema == error
                        || schema["oneOf"]
                            .as_array()
                            .is_some_and(|o| o.contains(&error));
                    if !shaped {
                        failures.push(format!("{name} {status} is not the Error shape"));
                    }
                }
            }
            // Every body the API reads strictly is documented as strict
            // (the calculation contract is its own document).
            if path != "/api/v1/calculations"
                && let Some(body) = operation.get("requestBody")
            {
                strict_schema(
                    &body["content"]["application/json"]["schema"],
                    &name,
                    &mut failures,
                );
            }
        }
    }
    for component in ["Person", "Change", "Error"] {
        strict_schema(
            &document["components"]["schemas"][component],
            component,
            &mut failures,
        );
    }
    let key = document["paths"]["/api/v1/cases"]["post"]["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "Idempotency-Key"))
        .cloned()
        .unwrap_or_default();
    if key["required"] != true {
        failures.push("POST /api/v1/cases does not require an Idempotency-Key".to_owned());
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

const PARTIES: &str = r#"{
  "paying_parent": {"person_id": 1, "name": "Paul Payer", "address": "1 Payer Street", "postcode": "PA1 1PP",
                    "phone": "07000 111111", "email": "paul@example.org", "employer": "Payer Widgets Ltd",
                    "sort_code": "11-11-11", "account_number": "11111111", "non_disclosure": false},
  "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rita Receiver", "address": "2 Refuge Road", "postcode": "RR2 2RR",
                    "phone": "07000 222222", "email": "rita@example.org", "employer": "Safe Haven Cafe",
                    "sort_code": "22-22-22", "account_number": "22222222", "abuse_disclosure": "He threatened me in March",
                    "non_disclosure": true}],
  "children": [{"id": 1, "receiving_parent": 1, "name": "Charlie", "school": "Hidden Valley Primary", "gp": "Quiet Lane Surgery"}],
  "named_caseworker": 40
}"#;

const RITA_LOCATES: &[&str] = &[
    "Rita Receiver",
    "2 Refuge Road",
    "RR2 2RR",
    "07000 222222",
    "rita@example.org",
    "Safe Haven Cafe",
    "22-22-22",
    "22222222",
    "He threatened me",
    "Hidden Valley Primary",
    "Quiet Lane Surgery",
    "Charlie",
];

async fn case_with_parties(state: &AppState) -> String {
    let open = with_token(Request::post("/api/v1/cases"), "caseworker-token")
        .header("idempotency-key", fresh_key())
        .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
        .unwrap();
    let (_, opened) = call(state, open).await;
    let reference = opened["reference"].as_str().unwrap().to_owned();
    let put = with_token(
        Request::put(format!("/api/v1/cases/{reference}/parties")),
        "caseworker-token",
    )
    .body(Body::from(PARTIES))
    .unwrap();
    let (status, body) = call(state, put).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    reference
}

async fn view_as(
    state: &AppState,
    reference: &str,
    token: &str,
    reason: Option<&str>,
) -> (StatusCode, String) {
    let mut request = with_token(
        Request::get(format!("/api/v1/cases/{reference}/view")),
        token,
    );
    if let Some(reason) = reason {
        request = request.header("x-break-glass-reason", reason);
    }
    let response = app(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_paying_parent_sees_nothing_that_locates_a_flagged_receiving_parent() {
    let state = state_named("payer-view").await;
    let reference = case_with_parties(&state).await;
    let (status, body) = view_as(&state, &reference, "payer-token", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for secret in RITA_LOCATES {
        assert!(
            !body.contains(secret),
            "the paying parent saw {secret}: {body}"
        );
    }
    assert!(
        body.contains("1 Payer Street"),
        "their own details are there"
    );
    let (status, _) = view_as(&state, &reference, "payer-token", Some("curious")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a parent cannot break the glass"
    );
    let (status, _) = view_as(&state, &reference, "parent-token", None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a parent of another case sees nothing"
    );
}

#[tokio::test]
async fn the_receiving_parent_sees_their_own_and_nothing_of_the_paying_parents_location() {
    let state = state_named("receiver-view").await;
    let reference = case_with_parties(&state).await;
    let (status, body) = view_as(&state, &reference, "receiver-token", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for secret in [
        "1 Payer Street",
        "PA1 1PP",
        "07000 111111",
        "paul@example.org",
        "Payer Widgets",
        "11-11-11",
        "11111111",
    ] {
        assert!(!body.contains(secret), "the receiving parent saw {secret}");
    }
    assert!(body.contains("Paul Payer") && body.contains("Hidden Valley Primary"));
}

#[tokio::test]
async fn on_a_restricted_case_staff_see_nothing_until_they_break_the_glass_and_that_is_audited() {
    let state = state_named("staff-view").await;
    let reference = case_with_parties(&state).await;
    let (status, body) = view_as(&state, &reference, "caseworker-token", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"restricted\":true"));
    for secret in RITA_LOCATES.iter().take(9) {
        assert!(
            !body.contains(secret),
            "a caseworker without break-glass saw {secret}"
        );
    }
    let (status, body) = view_as(
        &state,
        &reference,
        "caseworker-token",
        Some("Police request ref 4411"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("2 Refuge Road") && body.contains("by_break_glass"));
    let (status, body) = view_as(&state, &reference, "specialist-token", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("2 Refuge Road") && !body.contains("by_break_glass"));
    let (_, body) = view_as(&state, &reference, "admin-token", None).await;
    for secret in RITA_LOCATES.iter().take(9) {
        assert!(!body.contains(secret), "an administrator saw {secret}");
    }

    let entries = state.store.audit_entries().await.unwrap();
    let glass: Vec<_> = entries
        .iter()
        .filter(|e| e.record.action == audit_log::Action::BrokeGlass)
        .collect();
    assert_eq!(glass.len(), 1);
    assert_eq!(
        glass[0].record.reason.as_deref(),
        Some("Police request ref 4411")
    );
    assert_eq!(glass[0].record.actor, "staff-17");
    assert!(
        glass[0]
            .record
            .fields
            .iter()
            .any(|f| f == "receiving_parent:1.Address")
    );
    assert!(
        entries
            .iter()
            .any(|e| e.record.action == audit_log::Action::Viewed && e.record.actor == "staff-30")
    );
    assert_eq!(audit_log::verify(&entries), Ok(()));
}

#[tokio::test]
async fn personal_data_is_sealed_in_the_database_and_the_wrong_key_file_is_named() {
    let state = state_named("sealed").await;
    let reference = case_with_parties(&state).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    for party in state.store.parties(&case).await.unwrap() {
        for (_, sealed) in &party.fields {
            for secret in RITA_LOCATES {
                assert!(
                    !sealed.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} is in the clear"
                );
            }
        }
    }
    let wrong = AppState {
        keys: keys(
            7,
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
        ),
        ..state.clone()
    };
    let (status, body) = view_as(&wrong, &reference, "specialist-token", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("right key file"), "{body}");
}

#[tokio::test]
async fn bad_parties_are_refused_naming_the_field() {
    let state = state_named("bad-parties").await;
    let open = with_token(Request::post("/api/v1/cases"), "caseworker-token")
        .header("idempotency-key", fresh_key())
        .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
        .unwrap();
    let (_, opened) = call(&state, open).await;
    let reference = opened["reference"].as_str().unwrap().to_owned();
    for (body, field) in [
        (
            PARTIES.replace("\"11-11-11\"", "\"11-11\""),
            "paying_parent.sort_code",
        ),
        (
            PARTIES.replace("\"name\": \"Paul Payer\", ", ""),
            "paying_parent.name",
        ),
        (
            PARTIES.replace("\"receiving_parent\": 1,", "\"receiving_parent\": 5,"),
            "children[0].receiving_parent",
        ),
        (
            PARTIES.replace(
                "\"person_id\": 1,",
                "\"person_id\": 1, \"nickname\": \"P\",",
            ),
            "paying_parent.nickname",
        ),
    ] {
        let put = with_token(
            Request::put(format!("/api/v1/cases/{reference}/parties")),
            "caseworker-token",
        )
        .body(Body::from(body.clone()))
        .unwrap();
        let (status, answer) = call(&state, put).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], field);
    }
}

async fn sign_in(state: &AppState, login: &str, password: &str) -> (StatusCode, Option<String>) {
    let body = format!("{{\"login\": \"{login}\", \"password\": \"{password}\"}}");
    let response = app(state.clone())
        .oneshot(
            Request::post("/api/v1/sign-in")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), cookie)
}

fn with_cookie(
    request: axum::http::request::Builder,
    cookie: &str,
) -> axum::http::request::Builder {
    request.header("cookie", cookie.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn a_parent_signs_in_with_a_password_sees_their_case_and_signing_out_ends_the_session_on_the_server()
 {
    let state = state_named("sign-in").await;
    let reference = case_with_parties(&state).await;
    state
        .store
        .create_account(
            "rita@example.org",
            &web::hash_password("correct horse battery"),
            2,
            "receiving_parent",
        )
        .await
        .unwrap();

    let (status, cookie) = sign_in(&state, "Rita@Example.org", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK);
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("SameSite=Strict")
    );
    assert!(
        !cookie.contains("Expires") && !cookie.contains("Max-Age"),
        "no persistent cookie: {cookie}"
    );

    let view = || {
        with_cookie(
            Request::get(format!("/api/v1/cases/{reference}/view")),
            &cookie,
        )
        .body(Body::empty())
        .unwrap()
    };
    let (status, body) = call(&state, view()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "parent");

    let sign_out = with_cookie(Request::post("/api/v1/sign-out"), &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app(state.clone()).oneshot(sign_out).await.unwrap();
    assert!(
        response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = call(&state, view()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie is dead on the server, not just in the browser"
    );
}

#[tokio::test]
async fn a_wrong_password_or_unknown_login_is_refused_alike_and_a_burst_is_one_audit_record() {
    let state = state_named("failures").await;
    state
        .store
        .create_account(
            "paul@example.org",
            &web::hash_password("correct horse battery"),
            1,
            "paying_parent",
        )
        .await
        .unwrap();
    let (wrong, cookie) = sign_in(&state, "paul@example.org", "guess").await;
    assert_eq!((wrong, cookie), (StatusCode::UNAUTHORIZED, None));
    let (unknown, _) = sign_in(&state, "nobody@example.org", "guess").await;
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);
    for _ in 0..20 {
        sign_in(&state, "paul@example.org", "guess").await;
    }
    let entries = state.store.audit_entries().await.unwrap();
    let failures: Vec<_> = entries
        .iter()
        .filter(|e| e.record.action == audit_log::Action::SignInFailed)
        .collect();
    assert_eq!(failures.len(), 2, "one record per login's burst, not 22");
    assert!(
        failures.iter().all(|e| !e.record.actor.contains('@')),
        "logins are not written into the audit log"
    );
}

#[tokio::test]
async fn a_flag_set_on_a_person_restricts_every_case_they_are_in() {
    let state = state_named("person-flag").await;
    // Two cases with the same receiving parent (person 2), recorded unflagged.
    let unflagged = PARTIES.replace("\"non_disclosure\": true", "\"non_disclosure\": false");
    let mut references = Vec::new();
    for _ in 0..2 {
        let open = with_token(Request::post("/api/v1/cases"), "caseworker-token")
            .header("idempotency-key", fresh_key())
            .body(Body::from("{\"initial_effective_date\": \"2025-01-06\"}"))
            .unwrap();
        let (_, opened) = call(&state, open).await;
        let reference = opened["reference"].as_str().unwrap().to_owned();
        let put = with_token(
            Request::put(format!("/api/v1/cases/{reference}/parties")),
            "caseworker-token",
        )
        .body(Body::from(unflagged.clone()))
        .unwrap();
        assert_eq!(call(&state, put).await.0, StatusCode::OK);
        references.push(reference);
    }
    let (_, before) = view_as(&state, &references[1], "payer-token", None).await;
    assert!(
        before.contains("Rita Receiver"),
        "unflagged, the name is shown"
    );

    let flag = with_token(
        Request::put("/api/v1/people/2/non-disclosure"),
        "caseworker-token",
    )
    .body(Body::from("{\"flag\": true}"))
    .unwrap();
    assert_eq!(call(&state, flag).await.0, StatusCode::OK);
    for reference in &references {
        let (_, payer) = view_as(&state, reference, "payer-token", None).await;
        assert!(
            !payer.contains("Rita Receiver") && !payer.contains("Charlie"),
            "flag did not reach {reference}: {payer}"
        );
        let (_, staff) = view_as(&state, reference, "caseworker-token", None).await;
        assert!(staff.contains("\"restricted\":true") && !staff.contains("2 Refuge Road"));
    }
    let parent = with_token(
        Request::put("/api/v1/people/2/non-disclosure"),
        "payer-token",
    )
    .body(Body::from("{\"flag\": false}"))
    .unwrap();
    assert_eq!(
        call(&state, parent).await.0,
        StatusCode::FORBIDDEN,
        "a parent cannot lift another's flag"
    );
}

#[tokio::test]
async fn on_a_restricted_case_only_the_specialists_and_the_named_caseworker_act_without_breaking_the_glass()
 {
    let state = state_named("restricted-actions").await;
    let reference = case_with_parties(&state).await; // Rita is flagged; named caseworker is person 40
    let facts = r#"{"facts": [{"effective_from": "2025-01-06", "change": {"kind": "income", "weekly_pence": 50000}}]}"#;
    let post = |token: &str, key: &str, reason: Option<&str>| {
        let mut request = with_token(
            Request::post(format!("/api/v1/cases/{reference}/facts")),
            token,
        )
        .header("idempotency-key", key);
        if let Some(reason) = reason {
            request = request.header("x-break-glass-reason", reason);
        }
        request.body(Body::from(facts.to_owned())).unwrap()
    };
    let (status, refused) = call(&state, post("caseworker-token", "a", None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["field"], "x-break-glass-reason");
    assert_eq!(
        call(&state, post("named-token", "b", None)).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&state, post("specialist-token", "c", None)).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(
            &state,
            post("caseworker-token", "d", Some("Court deadline today"))
        )
        .await
        .0,
        StatusCode::CREATED
    );

    let schedule = with_token(
        Request::get(format!(
            "/api/v1/cases/{reference}/schedule?until=2025-03-01"
        )),
        "caseworker-token",
    )
    .body(Body::empty())
    .unwrap();
    assert_eq!(call(&state, schedule).await.0, StatusCode::FORBIDDEN);
    let overwrite = with_token(
        Request::put(format!("/api/v1/cases/{reference}/parties")),
        "caseworker-token",
    )
    .body(Body::from(PARTIES))
    .unwrap();
    assert_eq!(
        call(&state, overwrite).await.0,
        StatusCode::FORBIDDEN,
        "personal data cannot be overwritten either"
    );

    let entries = state.store.audit_entries().await.unwrap();
    let glass: Vec<_> = entries
        .iter()
        .filter(|e| e.record.action == audit_log::Action::BrokeGlass)
        .collect();
    assert_eq!(glass.len(), 1);
    assert_eq!(
        glass[0].record.reason.as_deref(),
        Some("Court deadline today")
    );
}
