//! The web tests' shared harness: a fresh store with tokens, a fixed clock.

// Each test binary uses only some of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain_types::Date;
use http_body_util::BodyExt;
use legal_parameters::Parameters;
use storage_api::Store;
use storage_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{AppState, Environment, app, token_hash};

/// A fixed clock (1 June 2026) and counting randomness.
pub struct Fixed(pub AtomicU64);

/// A fixed clock on another day.
pub struct On(Date, AtomicU64);

impl On {
    #[allow(dead_code)]
    pub fn day(iso: &str) -> On {
        On(Date::parse_iso(iso).unwrap(), AtomicU64::new(1_000_000))
    }
}

impl Environment for On {
    fn now_unix_seconds(&self) -> i64 {
        1_780_000_000
            + 86_400 * i64::from(Date::parse_iso("2026-06-01").unwrap().days_until(self.0))
    }
    fn today(&self) -> Date {
        self.0
    }
    fn random_u64(&self) -> u64 {
        self.1.fetch_add(1, Ordering::SeqCst)
    }
}

impl Environment for Fixed {
    fn now_unix_seconds(&self) -> i64 {
        1_780_000_000
    }
    fn today(&self) -> Date {
        Date::parse_iso("2026-06-01").unwrap()
    }
    fn random_u64(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

/// A fresh SQLite store with the test tokens issued.
pub async fn store(name: &str) -> Arc<dyn Store> {
    // Unique per call: tests run in parallel and may share a name.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, Ordering::SeqCst);
    let folder = std::env::temp_dir().join(format!(
        "cms-web-test-{}-{name}-{unique}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&folder);
    let store = SqliteStore::open(&folder.join("cms.sqlite")).await.unwrap();
    with_test_tokens(Arc::new(store)).await
}

/// A fresh PostgreSQL store in its own schema with the test tokens issued,
/// or `None` when there is no server and this is not CI (with `CI=true` an
/// unreachable server fails the test).
#[allow(dead_code)]
pub async fn postgres_store(name: &str) -> Option<Arc<dyn Store>> {
    let url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    // PostgreSQL cuts identifiers at 63 bytes: a short prefix of the name
    // and a hash of all of it keep schemas apart.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let prefix: String = name.chars().take(24).collect();
    // One schema per test, started afresh each run, so none accumulate.
    let schema = format!("cms_web_{prefix}_{hash:016x}").replace('-', "_");
    // Dropped before it is opened: an earlier build may have migrated it
    // differently, which opening it would rightly refuse.
    match storage_postgres::PostgresStore::open_fresh_in_schema(&url, &schema).await {
        Ok(store) => Some(with_test_tokens(Arc::new(store)).await),
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL at {url} is unreachable and CI=true: {error}")
        }
        Err(error) => {
            eprintln!("skipping: PostgreSQL at {url} is unreachable ({error}); CI fails here");
            None
        }
    }
}

/// The app's state on a fresh PostgreSQL store, if one can be had.
#[allow(dead_code)]
pub async fn postgres_state_named(name: &str) -> Option<AppState> {
    Some(state_with(postgres_store(name).await?))
}

async fn with_test_tokens(store: Arc<dyn Store>) -> Arc<dyn Store> {
    store
        .issue_token(&token_hash("caseworker-token"), 17, "caseworker")
        .await
        .unwrap();
    store
        .issue_token(&token_hash("admin-token"), 1, "administrator")
        .await
        .unwrap();
    store
        .issue_token(&token_hash("parent-token"), 99, "paying_parent")
        .await
        .unwrap();
    for (token, person, role) in [
        ("payer-token", 1, "paying_parent"),
        ("receiver-token", 2, "receiving_parent"),
        ("specialist-token", 30, "domestic_abuse_specialist"),
        ("named-token", 40, "caseworker"),
        ("analyst-token", 90, "policy_analyst"),
    ] {
        store
            .issue_token(&token_hash(token), person, role)
            .await
            .unwrap();
    }
    store
}

/// The test key.
pub const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// A key ring holding one key.
pub fn keys(id: u32, key: &str) -> Arc<field_crypto::KeyRing> {
    Arc::new(
        field_crypto::KeyRing::from_toml(&format!("active = {id}\n[keys]\n{id} = \"{key}\"\n"))
            .unwrap(),
    )
}

/// The app's state on a fresh store.
pub async fn state_named(name: &str) -> AppState {
    state_with(store(name).await)
}

/// The app's state on `store`, with the fixed clock and test key.
pub fn state_with(store: Arc<dyn Store>) -> AppState {
    AppState {
        parameters: Parameters::embedded(),
        store,
        clock: Arc::new(Fixed(AtomicU64::new(1))),
        keys: keys(1, KEY),
        failed_sign_ins: Arc::default(),
        service_address: Arc::from("Child Maintenance Service, PO Box 1, Testtown TT1 1TT"),
        model_2023_act: true,
    }
}

/// One request through the app; the status, the body and the headers.
pub async fn call(
    state: &AppState,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, String, Vec<(String, String)>) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app(state.clone())
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        String::from_utf8_lossy(&bytes).into_owned(),
        headers,
    )
}

/// An Authorization header value.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Opens a case (liability from 4 May 2026) over the API with the bearer
/// `token` and records `parties` (the parties route's JSON), giving
/// `break_glass` as the reason where the parties restrict the case: the
/// case's reference.
pub async fn open_case_with_parties(
    state: &AppState,
    token: &str,
    parties: &str,
    break_glass: Option<&str>,
) -> String {
    let auth = bearer(token);
    // Each case its own key: the same key opens the same case.
    static OPENED: AtomicU64 = AtomicU64::new(0);
    let key = format!("open-{}", OPENED.fetch_add(1, Ordering::SeqCst));
    let (status, body, _) = call(
        state,
        "POST",
        "/api/v1/cases",
        &[("authorization", &auth), ("idempotency-key", &key)],
        r#"{"initial_effective_date": "2026-05-04"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reference = serde_json::from_str::<serde_json::Value>(&body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut headers = vec![("authorization", auth.as_str())];
    if let Some(reason) = break_glass {
        headers.push(("x-break-glass-reason", reason));
    }
    let (status, body, _) = call(
        state,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &headers,
        parties,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    reference
}

/// The text a PDF shows: every string it draws, unescaped, joined by
/// spaces, so a token wrapped over two lines is still found whole.
#[allow(dead_code)]
pub fn pdf_text(pdf: &str) -> String {
    let mut out = String::new();
    let mut chars = pdf.chars();
    while let Some(c) = chars.next() {
        if c != '(' {
            continue;
        }
        let mut depth = 1;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                }
                '(' => {
                    depth += 1;
                    out.push(c);
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out.push(' ');
    }
    out
}

/// Each journey runs on both databases: SQLite, and PostgreSQL in a fresh
/// schema (with `CI=true` an unreachable PostgreSQL fails the test).
#[allow(unused_macros)]
macro_rules! on_both_databases {
    ($($journey:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $journey() {
                    super::$journey(super::common::state_named(stringify!($journey)).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $journey() {
                    if let Some(state) = super::common::postgres_state_named(stringify!($journey)).await {
                        super::$journey(state).await;
                    }
                }
            )*
        }
    };
}

/// An account for `person` in `role`, signed in through the sign-in form as
/// a browser would: the session cookie (`name=value`).
pub async fn session(state: &AppState, login: &str, person: i64, role: &str) -> String {
    state
        .store
        .create_account(
            login,
            &web::hash_password("a passphrase for tests"),
            person,
            role,
        )
        .await
        .unwrap();
    let (status, _, headers) = call(
        state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("login={login}&password=a+passphrase+for+tests"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signing in as {login}");
    headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .and_then(|(_, cookie)| cookie.split(';').next())
        .unwrap()
        .to_owned()
}
