//! The HTTP shell.
//!
//! [`app`] builds the router: `GET /health` and `POST /api/v1/calculations`
//! (the contract of `calculation-json`). Handlers parse, call one function
//! and write one answer; they hold no rules. Storage reaches this crate only
//! through [`ReadinessProbe`], so the web never depends on a database driver.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use calculation_json::Outcome;
use legal_parameters::Parameters;
use serde_json::{Value, json};

/// Largest request body accepted: room for thousands of calculations.
const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// Something whose readiness `/health` reports, such as the database.
pub trait ReadinessProbe: Send + Sync {
    /// `Ok` when ready; otherwise a reason safe to show an operator.
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The law compiled into this binary.
    pub parameters: &'static Parameters,
    /// The database, as far as `/health` needs to know.
    pub database: Arc<dyn ReadinessProbe>,
}

/// The service's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/v1/calculations", post(calculations))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    let database = state.database.check().await;
    let status = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if database.is_ok() { "ok" } else { "unavailable" },
        "database": database.err().unwrap_or_else(|| "ok".to_owned()),
        "parameters": state.parameters.version(),
        "scheme_start": state.parameters.scheme_start().to_string(),
    });
    json_response(status, &body)
}

/// One request object gets one answer; an array gets an array in the same
/// order. 200 when every item was calculated, 422 when any was refused
/// (the others are still answered), 400 when the body is not JSON.
async fn calculations(State(state): State<AppState>, body: String) -> Response {
    let (answer, outcome) = calculation_json::answer_text(&body, state.parameters);
    let status = match outcome {
        Outcome::Calculated => StatusCode::OK,
        Outcome::Refused => StatusCode::UNPROCESSABLE_ENTITY,
        Outcome::MalformedJson => StatusCode::BAD_REQUEST,
    };
    json_response(status, &answer)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
