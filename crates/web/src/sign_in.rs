//! Signing in with a password: Argon2id hashes, server-side sessions in a
//! cookie that lives only as long as the browser session, a short idle
//! timeout, and failed attempts folded into one audit record per burst.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use audit_log::{Action, AuditRecord};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use domain_types::text::credentials;
use serde_json::{Value, json};

use crate::cases::{error, parse_json, storage_failure, token_hash};
use crate::{AppState, json_response};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cms_session";
/// A session idle this long is ended on the server.
pub const IDLE_LIMIT_SECONDS: i64 = 15 * 60;
/// Failed sign-ins for one login within this window are one audit record.
pub const FAILURE_WINDOW_SECONDS: i64 = 5 * 60;

/// Hashes a password with Argon2id (the crate's defaults follow OWASP's
/// minimum: 19 MiB, 2 passes) and a random salt, as a PHC string.
///
/// # Panics
/// Only if the operating system gives no randomness.
#[must_use]
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("the operating system provides randomness")
        .to_string()
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to verify against when the login is unknown, so that an unknown
/// login takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing"))
}

/// Who a login is in the audit log: a hash, never the email itself.
fn login_actor(login: &str) -> String {
    format!("login-{}", &token_hash(login)[..16])
}

/// Bursts of failed sign-ins, one per login, waiting to be recorded.
#[derive(Default)]
pub struct FailedSignIns {
    bursts: Mutex<HashMap<String, (i64, u32)>>,
}

impl FailedSignIns {
    /// Notes a failure; returns the audit records to write now. The first
    /// failure of a burst is written at once; the rest of the burst is
    /// counted and written as one record when the next burst starts.
    fn note(&self, actor: &str, now: i64) -> Vec<AuditRecord> {
        let record = |at: i64, count: u32| AuditRecord {
            at_unix_seconds: at,
            actor: actor.to_owned(),
            role: "unknown".to_owned(),
            action: Action::SignInFailed,
            case: None,
            fields: Vec::new(),
            reason: None,
            count,
        };
        let mut bursts = self
            .bursts
            .lock()
            .expect("the lock is never poisoned: nothing panics while holding it");
        match bursts.get_mut(actor) {
            Some((started, more)) if now - *started <= FAILURE_WINDOW_SECONDS => {
                *more += 1;
                Vec::new()
            }
            previous => {
                let mut records = Vec::new();
                if let Some((started, more)) = previous.copied()
                    && more > 0
                {
                    records.push(record(started, more));
                }
                bursts.insert(actor.to_owned(), (now, 0));
                records.push(record(now, 1));
                records
            }
        }
    }
}

fn cookie(value: &str, max_age_zero: bool) -> HeaderValue {
    // No Expires or Max-Age: the cookie dies with the browser session; no
    // "remember me". Secure (browsers treat 127.0.0.1 as secure too).
    let ending = if max_age_zero { "; Max-Age=0" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; Secure; SameSite=Strict{ending}"
    ))
    .expect("the cookie is ASCII")
}

/// The session id in a request's cookie, if any.
#[must_use]
pub fn session_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// Why a sign-in was refused.
pub(crate) enum SignInRefused {
    /// A login or password was missing.
    Missing,
    /// The login or password is not right (one answer for both, so the
    /// answer does not say which logins exist).
    NotRight,
    /// The database could not be reached.
    Unavailable(Response),
}

/// Checks a login and password and starts a server-side session: the
/// session id (for the cookie) and the role. A failure is noted for the
/// burst's audit record; a success is audited.
///
/// The login is read by the same rule as when the account was made
/// (`credentials::login`: lower case, trimmed, NFC, at most 254
/// characters), and a password of up to 200 characters is tried, so every
/// account that can be made can sign in. A login or password over those
/// limits belongs to no account: refused as not right, after the same
/// decoy verification.
pub(crate) async fn start_session_for(
    state: &AppState,
    typed_login: &str,
    password: &str,
) -> Result<(String, String), SignInRefused> {
    if typed_login.trim().is_empty() || password.is_empty() {
        return Err(SignInRefused::Missing);
    }
    let within_limits = credentials::password_within_limit(password);
    let (login, within_limits) = match credentials::login(typed_login) {
        Ok(login) => (login.into_string(), within_limits),
        // Recorded under the login as typed, tidied as before.
        Err(_) => (typed_login.trim().to_lowercase(), false),
    };
    let unavailable =
        |e: &storage_api::StorageError| SignInRefused::Unavailable(storage_failure(e));
    let account = if within_limits {
        state
            .store
            .account(&login)
            .await
            .map_err(|e| unavailable(&e))?
    } else {
        None
    };
    let now = state.clock.now_unix_seconds();
    let verified = match &account {
        Some((phc, _, _)) => verify_password(password, phc),
        // Unknown (or impossible): as long as a wrong password, without
        // hashing more than the longest password allowed.
        None => {
            let tried: String = password
                .chars()
                .take(credentials::PASSWORD_MAX_CHARS)
                .collect();
            let _ = verify_password(&tried, decoy_hash());
            false
        }
    };
    let (Some((_, person, role)), true) = (account, verified) else {
        for record in state.failed_sign_ins.note(&login_actor(&login), now) {
            state
                .store
                .append_audit(record)
                .await
                .map_err(|e| unavailable(&e))?;
        }
        return Err(SignInRefused::NotRight);
    };
    let session = state.clock.secret_hex();
    state
        .store
        .start_session(&token_hash(&session), person, &role, now)
        .await
        .map_err(|e| unavailable(&e))?;
    state
        .store
        .append_audit(AuditRecord {
            at_unix_seconds: now,
            actor: login_actor(&login),
            role: role.clone(),
            action: Action::SignedIn,
            case: None,
            fields: Vec::new(),
            reason: None,
            count: 1,
        })
        .await
        .map_err(|e| unavailable(&e))?;
    Ok((session, role))
}

/// The `Set-Cookie` value that starts `session` in the browser.
pub(crate) fn session_cookie(session: &str) -> HeaderValue {
    cookie(session, false)
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn ended_cookie() -> HeaderValue {
    cookie("", true)
}

/// `POST /api/v1/sign-in` with `{"login": …, "password": …}`.
pub async fn sign_in(State(state): State<AppState>, body: String) -> Response {
    let result = async {
        let request: Value = parse_json(&body)?;
        let fields = crate::json_input::Fields::of(&request, "", &["login", "password"])?;
        let login = fields.optional_str("login")?.unwrap_or("");
        let password = fields.optional_str("password")?.unwrap_or("");
        let (session, role) =
            start_session_for(&state, login, password)
                .await
                .map_err(|refused| match refused {
                    SignInRefused::Missing => error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "login",
                        "a login and a password are needed",
                    ),
                    SignInRefused::NotRight => error(
                        StatusCode::UNAUTHORIZED,
                        "password",
                        "the login or password is not right",
                    ),
                    SignInRefused::Unavailable(response) => response,
                })?;
        let mut response = json_response(
            StatusCode::OK,
            &json!({ "role": role, "idle_timeout_seconds": IDLE_LIMIT_SECONDS }),
        );
        response
            .headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&session));
        Ok(response)
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/sign-out`: ends the session on the server, not just in
/// the browser, so Back or a copied cookie finds nothing.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(session) = session_from(&headers)
        && let Err(failure) = state.store.end_session(&token_hash(&session)).await
    {
        return storage_failure(&failure);
    }
    let mut response = json_response(StatusCode::OK, &json!({ "signed_out": true }));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, ended_cookie());
    response
}
