//! The routes, driven in-process with real requests.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use legal_parameters::Parameters;
use serde_json::Value;
use tower::ServiceExt;
use web::{AppState, ReadinessProbe, app};

struct Probe(Result<(), String>);

impl ReadinessProbe for Probe {
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        let answer = self.0.clone();
        Box::pin(async move { answer })
    }
}

fn state(database: Result<(), String>) -> AppState {
    AppState {
        parameters: Parameters::embedded(),
        database: Arc::new(Probe(database)),
    }
}

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
        state(Ok(())),
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
    let (status, body, _) = send(
        state(Err("database error: disk I/O".to_owned())),
        Request::get("/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["database"], "database error: disk I/O");
}

#[tokio::test]
async fn a_calculation_is_answered_with_its_explanation_and_not_cached() {
    let body = r#"{"date": "2025-06-01", "paying_parent": {"gross_weekly_income_pence": 51781, "relevant_other_children": 1},
                   "receiving_parents": [{"id": "A", "children": [{"shared_care_nights": 104}, {"shared_care_nights": 104}, {"shared_care_nights": 104}]}]}"#;
    let (status, answer, cache) = send(state(Ok(())), post(body)).await;
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
    let (status, answer, _) = send(state(Ok(())), post(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["error"]["field"],
        "receiving_parents[0].children[0].shared_care_nights"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let (status, answer, _) = send(state(Ok(())), post("{not json")).await;
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
    let (status, answer, _) = send(state(Ok(())), post(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer[0]["rate"], "flat");
    assert_eq!(answer[1]["error"]["field"], "date");
}
