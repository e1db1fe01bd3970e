//! The HTTP shell.
//!
//! [`app`] builds the router: `GET /health`, `POST /api/v1/calculations`
//! (the contract of `calculation-json`, open to anyone), the case API under
//! `/api/v1/cases` (staff with an API token only; see `cases.rs`), and the
//! OpenAPI document at `/api/v1/openapi.json`. Handlers parse, call the
//! domain and storage interface, and write one answer; they hold no rules.
//! Storage reaches this crate only through `storage_api::Store`, and the
//! clock and randomness through [`Environment`], so the web depends on no
//! database driver and reads no clock itself.

pub mod analyst;
mod apply;
mod calculator;
mod case_forms;
mod case_page;
mod cases;
mod casework;
mod challenges;
mod collection;
mod create_account;
mod free_words;
mod helplines;
pub mod html;
mod json_input;
mod labels;
mod mi;
mod moj;
pub mod pages;
mod parent_requests;
mod parties;
mod protection;
mod safety_pages;
mod screening_pages;
mod search;
mod self_service;
mod sign_in;
mod work;
mod workspace;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use calculation_json::Outcome;
use domain_types::Date;
use legal_parameters::Parameters;
use serde_json::{Value, json};
use storage_api::Store;

pub use cases::token_hash;
pub use sign_in::{FailedSignIns, IDLE_LIMIT_SECONDS, SESSION_COOKIE, hash_password};

/// Largest request body accepted: room for thousands of calculations.
const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// The world outside the process: the clock and a source of randomness,
/// given by the binary (and fixed in tests).
pub trait Environment: Send + Sync {
    /// Seconds since 1970-01-01 UTC.
    fn now_unix_seconds(&self) -> i64;
    /// Today's date.
    fn today(&self) -> Date;
    /// A random number from the operating system.
    fn random_u64(&self) -> u64;
    /// 32 fresh random bytes as 64 hex digits: a session id, an API token or
    /// an encryption key.
    fn secret_hex(&self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.random_u64()))
            .collect()
    }

    /// 24 fresh random bytes: a nonce for sealing one field.
    fn nonce(&self) -> [u8; 24] {
        let mut nonce = [0u8; 24];
        for chunk in nonce.chunks_mut(8) {
            chunk.copy_from_slice(&self.random_u64().to_le_bytes());
        }
        nonce
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The law compiled into this binary.
    pub parameters: &'static Parameters,
    /// The database, through the storage interface.
    pub store: Arc<dyn Store>,
    /// The clock and randomness.
    pub clock: Arc<dyn Environment>,
    /// The keys that seal and open personal data.
    pub keys: Arc<field_crypto::KeyRing>,
    /// Failed sign-ins waiting to be folded into the audit log.
    pub failed_sign_ins: Arc<FailedSignIns>,
    /// The service's own postal address: the only address on its letters.
    pub service_address: Arc<str>,
    /// Whether moves on evidence of abuse under the 2023 Act may be made
    /// before its commencement (each marked as modelled).
    pub model_2023_act: bool,
}

/// The OpenAPI document, written by hand beside the handlers and checked by
/// a test against the routes.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The service's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::start))
        .route(
            "/calculator",
            get(calculator::start).post(calculator::start),
        )
        .route("/calculator/{page}", get(calculator::page))
        .route("/staying-safe-online", get(pages::staying_safe))
        .route("/feedback", get(pages::feedback))
        .route(
            "/page-titles",
            get(pages::titles_form).post(pages::save_titles),
        )
        .route("/session-ended", get(pages::session_ended))
        .route("/keep-alive", post(pages::keep_alive))
        .route(
            "/sign-in",
            get(self_service::sign_in_form).post(self_service::sign_in),
        )
        .route(
            "/create-account",
            get(create_account::form).post(create_account::create),
        )
        .route("/sign-out", post(self_service::sign_out))
        .route("/signed-out", get(self_service::signed_out))
        .route("/exit", get(self_service::exit))
        .route("/account", get(self_service::account))
        .route("/apply", get(apply::start).post(apply::answer))
        .route("/apply/{page}", get(apply::page))
        .route(
            "/account/cases/{reference}/missed-payment",
            get(parent_requests::missed_form).post(self_service::missed_payment),
        )
        .route(
            "/account/cases/{reference}/move-to-collect-and-pay",
            get(parent_requests::move_form).post(parent_requests::ask_to_move),
        )
        .route(
            "/account/cases/{reference}/report-a-change",
            get(parent_requests::change_form).post(parent_requests::report_change),
        )
        .route(
            "/account/cases/{reference}/safety",
            get(screening_pages::start).post(screening_pages::answer),
        )
        .route("/analysis", get(analyst::page).post(analyst::answer))
        .route("/work", get(workspace::home))
        .route("/work/mi", get(mi::page))
        .route("/work/queue", get(workspace::queue))
        .route("/work/arrears", get(workspace::arrears))
        .route("/work/case", get(workspace::find))
        .route("/work/search", post(search::search_page))
        .route("/work/cases/{reference}", get(case_page::page))
        .route("/work/cases/{reference}/actions", post(workspace::act))
        .route("/work/cases/{reference}/audit", get(workspace::audit_page))
        .route(
            "/work/cases/{reference}/safety/{step}",
            get(safety_pages::page).post(safety_pages::submit),
        )
        .route(
            "/work/cases/{reference}/work/{id}/{command}",
            post(case_page::work_command),
        )
        .route("/assets/moj-frontend.min.css", get(moj::stylesheet))
        .route("/assets/{file}", get(pages::asset))
        .route("/health", get(health))
        .route("/api/v1/calculations", post(calculations))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/search", get(search::search_api))
        .route("/api/v1/work", get(work::queue_api))
        .route("/api/v1/work/{id}", get(work::item_api))
        .route("/api/v1/work/{id}/{command}", post(work::command_api))
        .route("/api/v1/sign-in", post(sign_in::sign_in))
        .route("/api/v1/sign-out", post(sign_in::sign_out))
        .route("/api/v1/cases", post(cases::open_case))
        .route("/api/v1/cases/{reference}/facts", post(cases::record_facts))
        .route("/api/v1/cases/{reference}/schedule", get(cases::schedule))
        // Challenging a decision (issue 16).
        .route(
            "/api/v1/cases/{reference}/challenges",
            get(challenges::list).post(challenges::ask),
        )
        .route(
            "/api/v1/challenges/{id}/evidence",
            post(challenges::evidence),
        )
        .route("/api/v1/challenges/{id}/view", post(challenges::view))
        .route("/api/v1/challenges/{id}/outcome", post(challenges::outcome))
        .route(
            "/api/v1/challenges/{id}/notice.pdf",
            get(challenges::notice),
        )
        .route("/api/v1/challenges/{id}/appeal", post(challenges::appeal))
        .route("/api/v1/challenges/{id}/bundle", get(challenges::bundle))
        .route("/api/v1/challenges/{id}", get(challenges::case_file))
        .route(
            "/account/cases/{reference}/challenge",
            get(challenges::ask_form).post(challenges::ask_posted),
        )
        .route(
            "/account/cases/{reference}/challenges",
            get(challenges::stages_page),
        )
        .route(
            "/api/v1/cases/{reference}/parties",
            axum::routing::put(parties::put_parties),
        )
        .route("/api/v1/cases/{reference}/view", get(parties::view))
        .route(
            "/api/v1/cases/{reference}/statement.csv",
            get(collection::statement_csv_route),
        )
        .route(
            "/api/v1/cases/{reference}/collection",
            get(collection::summary),
        )
        .route(
            "/api/v1/cases/{reference}/collection/actions",
            post(collection::act),
        )
        .route(
            "/api/v1/cases/{reference}/direct-pay",
            get(collection::direct_pay),
        )
        .route(
            "/api/v1/cases/{reference}/direct-pay/reports",
            post(collection::report_direct_payment),
        )
        .route(
            "/api/v1/cases/{reference}/disclosures",
            post(casework::disclose),
        )
        .route(
            "/api/v1/cases/{reference}/safety/actions",
            post(casework::act),
        )
        .route(
            "/api/v1/cases/{reference}/collection-moves",
            post(casework::move_to_collect_and_pay),
        )
        .route(
            "/api/v1/cases/{reference}/coercion-signals",
            get(casework::coercion_signals),
        )
        .route("/api/v1/cases/{reference}/referrals", post(casework::refer))
        .route(
            "/api/v1/cases/{reference}/screenings",
            post(casework::screen),
        )
        .route(
            "/api/v1/cases/{reference}/screening",
            get(casework::screening_status),
        )
        .route(
            "/api/v1/cases/{reference}/letters/{kind}",
            get(casework::letter),
        )
        .route("/api/v1/queues/specialist", get(casework::specialist_queue))
        .route("/api/v1/queues/mine", get(casework::my_queue))
        .route("/api/v1/queues/coercion", get(casework::coercion_queue))
        .route(
            "/api/v1/cases/{reference}/collection/steps/{step}/letter.pdf",
            get(casework::enforcement_letter_pdf),
        )
        .route("/api/v1/suspense", get(collection::suspense_queue))
        .route(
            "/api/v1/suspense/allocations",
            post(collection::allocate_suspense),
        )
        .route(
            "/api/v1/people/{person_id}/non-disclosure",
            axum::routing::put(protection::set_non_disclosure),
        )
        .route(
            "/api/v1/people/{person_id}/protection",
            get(protection::protection),
        )
        .route(
            "/api/v1/people/{person_id}/protection/lift-proposals",
            post(protection::propose_lift),
        )
        .route(
            "/api/v1/people/{person_id}/protection/lift-approvals",
            post(protection::approve_lift),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(api_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::frame,
        ))
        .with_state(state)
}

/// Every refusal of the API is the one JSON error shape,
/// `{"error": {"field", "message"}}`, including those axum gives before a
/// handler runs: an unknown path (404, `path`), a method the path does not
/// take (405, `method`, with its `Allow` header), a path segment or query
/// string that cannot be read (404 `path`, 400 `query`), a body over the
/// limit (413) or not UTF-8 (400, `body`). Pages keep their own answers.
async fn api_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's own words, for the message (they are short).
    let said = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let said = String::from_utf8_lossy(&said).trim().to_owned();
    let (status, field, message) = match status {
        StatusCode::NOT_FOUND => (
            status,
            "path",
            "there is no such API route; see /api/v1/openapi.json".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            status,
            "method",
            format!(
                "this route does not take {method}; it takes {}",
                parts
                    .headers
                    .get(header::ALLOW)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("other methods")
            ),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            status,
            "body",
            format!("the request body is over the limit of {BODY_LIMIT_BYTES} bytes"),
        ),
        // A path segment that cannot be read names nothing that exists.
        StatusCode::BAD_REQUEST if said.starts_with("Invalid URL") => {
            (StatusCode::NOT_FOUND, "path", said)
        }
        StatusCode::BAD_REQUEST if said.starts_with("Failed to deserialize query string") => {
            (status, "query", said)
        }
        StatusCode::BAD_REQUEST if said.contains("UTF-8") || said.contains("body") => {
            (status, "body", said)
        }
        _ => (status, "", said),
    };
    let mut answer = json_response(
        status,
        &json!({ "error": { "field": field, "message": message } }),
    );
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        answer.headers_mut().insert(header::ALLOW, allow.clone());
    }
    answer
}

async fn openapi() -> Response {
    let mut response = (StatusCode::OK, OPENAPI).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn health(State(state): State<AppState>) -> Response {
    let database = state.store.check().await.map_err(|e| e.to_string());
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

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
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
