//! Text people type, wherever it enters (issue 13 items 2 and 8): the
//! parties route, the application pages and account creation take only
//! `domain_types::HumanText` (NFC, trimmed, one line, no controls or
//! direction overrides), count limits in characters and say so; an account
//! made at the limits signs in.

use axum::http::StatusCode;
use serde_json::{Value, json};
use web::AppState;

mod common;

use common::{bearer, call, open_case_with_parties, state_named};

fn parties(receiving_name: &str) -> Value {
    json!({
        "paying_parent": {"person_id": 1, "name": "Paul Payer", "address": "1 Payer Street", "postcode": "PA1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": receiving_name, "address": "2 Refuge Road", "postcode": "RR2 2RR"}],
        "children": [{"id": 1, "receiving_parent": 1, "name": "Cleo", "school": "Hill School", "gp": "Dr Gee"}]
    })
}

async fn put_parties(state: &AppState, reference: &str, body: &Value) -> (StatusCode, Value) {
    let auth = bearer("caseworker-token");
    let (status, body, _) = call(
        state,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &[("authorization", &auth)],
        &body.to_string(),
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The receiving parent's name as staff see it.
async fn receiving_name(state: &AppState, reference: &str) -> String {
    let auth = bearer("caseworker-token");
    let (status, body, _) = call(
        state,
        "GET",
        &format!("/api/v1/cases/{reference}/view"),
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    view["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject"] == "receiving_parent:1")
        .unwrap()["name"]["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_name_with_a_control_or_direction_character_is_refused_naming_the_field_and_nothing_is_stored()
 {
    let state = state_named("text-controls").await;
    let reference = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties("Rita Receiver").to_string(),
        None,
    )
    .await;
    for (bad, code) in [
        ("\u{0}", "U+0000"),
        ("\r\n", "U+000D"),
        ("\u{1b}", "U+001B"),
        ("\u{202e}", "U+202E"),
    ] {
        let name = format!("Zo\u{eb} {bad}X");
        let (status, answer) = put_parties(&state, &reference, &parties(&name)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}: {answer}"
        );
        assert_eq!(
            answer["error"]["field"], "receiving_parents[0].name",
            "{answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(code), "{bad:?}: {message}");
        assert!(!message.contains(bad), "the character is named, not echoed");
        assert_eq!(receiving_name(&state, &reference).await, "Rita Receiver");
    }
    // Every other human text field is checked alike, and named.
    let mut body = parties("Rita Receiver");
    body["paying_parent"]["address"] = json!("1 Payer\u{0} Street");
    let (status, answer) = put_parties(&state, &reference, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "paying_parent.address");
    let mut body = parties("Rita Receiver");
    body["children"][0]["school"] = json!("Hill\u{202e} School");
    let (status, answer) = put_parties(&state, &reference, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "children[0].school");
    let mut body = parties("Rita Receiver");
    body["receiving_parents"][0]["phone"] = json!("07700\t900123");
    let (status, answer) = put_parties(&state, &reference, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "receiving_parents[0].phone");
    let mut body = parties("Rita Receiver");
    body["receiving_parents"][0]["employer"] = json!("Shop \u{E000}");
    let (status, answer) = put_parties(&state, &reference, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "receiving_parents[0].employer");
    assert_eq!(receiving_name(&state, &reference).await, "Rita Receiver");
}

#[tokio::test]
async fn a_decomposed_name_is_stored_composed_and_trimmed() {
    let state = state_named("text-nfc").await;
    let reference = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties("  Zoe\u{308}  ").to_string(),
        None,
    )
    .await;
    let name = receiving_name(&state, &reference).await;
    assert_eq!(name, "Zo\u{eb}");
    assert_eq!(name.chars().count(), 3);
}

#[tokio::test]
async fn a_500_character_name_is_taken_and_501_refused_in_characters() {
    let state = state_named("text-limit").await;
    let reference = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties("Rita Receiver").to_string(),
        None,
    )
    .await;
    let longest = "\u{eb}".repeat(499) + "\u{1F600}";
    assert_eq!(longest.chars().count(), 500);
    let (status, answer) = put_parties(&state, &reference, &parties(&longest)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(receiving_name(&state, &reference).await, longest);
    let over = "\u{eb}".repeat(501);
    let (status, answer) = put_parties(&state, &reference, &parties(&over)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["error"]["field"], "receiving_parents[0].name");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("500 characters"), "{message}");
    assert_eq!(receiving_name(&state, &reference).await, longest);
}

async fn create_account(state: &AppState, login: &str, password: &str) -> (StatusCode, String) {
    let body = serde_urlencoded::to_string([
        ("login", login),
        ("password", password),
        ("role", "receiving_parent"),
    ])
    .unwrap();
    let (status, page, _) = call(
        state,
        "POST",
        "/create-account",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &body,
    )
    .await;
    (status, page)
}

async fn sign_in_api(state: &AppState, login: &str, password: &str) -> StatusCode {
    call(
        state,
        "POST",
        "/api/v1/sign-in",
        &[],
        &json!({ "login": login, "password": password }).to_string(),
    )
    .await
    .0
}

async fn sign_in_page(state: &AppState, login: &str, password: &str) -> Option<String> {
    let body = serde_urlencoded::to_string([("login", login), ("password", password)]).unwrap();
    let (_, _, headers) = call(
        state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &body,
    )
    .await;
    headers
        .iter()
        .find(|(k, v)| {
            k == "set-cookie" && v.starts_with("cms_session=") && !v.contains("Max-Age=0")
        })
        .map(|(_, v)| v.clone())
}

#[tokio::test]
async fn an_account_made_at_each_limit_signs_in_and_one_over_is_refused_at_creation() {
    let state = state_named("text-accounts").await;
    // 254 characters, 496 bytes: over the old byte limits, within the
    // character limit.
    let domain = "@example.org";
    let login = "\u{eb}".repeat(254 - domain.len()) + domain;
    assert_eq!(login.chars().count(), 254);
    let password = "\u{20ac}".repeat(200);
    assert!(password.len() > 200);
    let (status, page) = create_account(&state, &login, &password).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Now sign in"));
    assert!(state.store.account(&login).await.unwrap().is_some());
    assert_eq!(sign_in_api(&state, &login, &password).await, StatusCode::OK);
    assert!(sign_in_page(&state, &login, &password).await.is_some());
    // Typed in another case, with spaces, and decomposed: the same login.
    let typed = format!(
        "  {}{} ",
        "E\u{308}".repeat(254 - domain.len()),
        domain.to_uppercase()
    );
    assert_eq!(sign_in_api(&state, &typed, &password).await, StatusCode::OK);
    assert_eq!(
        sign_in_api(&state, &login, &"\u{20ac}".repeat(199)).await,
        StatusCode::UNAUTHORIZED
    );

    // One character over: refused at creation, saying characters.
    let long_login = format!("\u{eb}{login}");
    let (status, page) = create_account(&state, &long_login, "twelve chars ok").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("254 characters or fewer"), "{page}");
    assert!(state.store.account(&long_login).await.unwrap().is_none());
    let (status, page) = create_account(&state, "ann@example.org", &"\u{20ac}".repeat(201)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("200 characters or fewer"), "{page}");
    assert!(
        state
            .store
            .account("ann@example.org")
            .await
            .unwrap()
            .is_none()
    );
    // And over the limit at sign-in: refused, as no account can have it.
    assert_eq!(
        sign_in_api(&state, &long_login, "twelve chars ok").await,
        StatusCode::UNAUTHORIZED
    );
    // A login with a control character is refused too.
    let (status, page) = create_account(&state, "ann\u{0}@example.org", "twelve chars ok").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
}
