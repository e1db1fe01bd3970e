//! Parents' own pages over HTTP: signing in with a form, the account page
//! with its chart and table, form posts refused from other sites, and
//! leaving: "Exit this page" and signing out both end the session on the
//! server, so the account page then shows nothing but the way to sign in.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use web::{AppState, hash_password};

mod common;

use common::{bearer, call, state_named};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A case with parties, money due and part paid, and the receiving parent
/// able to sign in as rae@example.org.
async fn case_and_account(state: &AppState) -> String {
    let auth = bearer("caseworker-token");
    let (_, body, _) = call(
        state,
        "POST",
        "/api/v1/cases",
        &[("authorization", &auth)],
        r#"{"initial_effective_date": "2026-05-04"}"#,
    )
    .await;
    let reference = serde_json::from_str::<serde_json::Value>(&body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let (status, _, _) = call(
        state,
        "PUT",
        &format!("/api/v1/cases/{reference}/parties"),
        &[("authorization", &auth)],
        parties,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let account = |kind| ledger::Account::of_case(case, kind);
    let on = |d: &str| Date::parse_iso(d).unwrap();
    state
        .store
        .post_transfers(&[ledger::Transfer {
            id: ledger::TransferId(format!("{reference}/due")),
            debit: account(ledger::AccountKind::PayingParentOwes),
            credit: account(ledger::AccountKind::ReceivingParentDue(
                case_records::ReceivingParentId(1),
            )),
            amount: Pence::new(20_000),
            code: ledger::TransferCode::Accrual,
            effective: on("2026-05-04"),
            corrects: None,
        }])
        .await
        .unwrap();
    state
        .store
        .create_account(
            "rae@example.org",
            &hash_password("a long passphrase here"),
            2,
            "receiving_parent",
        )
        .await
        .unwrap();
    state
        .store
        .create_account(
            "staff@example.org",
            &hash_password("another long passphrase"),
            17,
            "caseworker",
        )
        .await
        .unwrap();
    reference
}

async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
) -> (StatusCode, String, Option<String>) {
    let (status, page, headers) = call(
        state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("login={login}&password={}", password.replace(' ', "+")),
    )
    .await;
    let cookie = header(&headers, "set-cookie")
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (status, page, cookie)
}

#[tokio::test]
async fn a_parent_signs_in_sees_their_account_and_exit_ends_the_session() {
    let state = state_named("self-service").await;
    let reference = case_and_account(&state).await;
    let (status, page, _) = sign_in(&state, "rae@example.org", "wrong password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Enter a correct email address and password"));
    assert!(page.contains("value=\"rae@example.org\""));

    let (status, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    let (status, page, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert!(
        page.contains("<title>Your account – Child maintenance</title>"),
        "a neutral title"
    );
    assert!(page.contains(&format!("Case {reference}")));
    assert!(
        page.contains("Still due to you") && page.contains("£200.00"),
        "{page}"
    );
    assert!(page.contains("<caption class=\"govuk-table__caption govuk-table__caption--s\">Due and paid by month</caption>"));
    assert!(page.contains("<th scope=\"row\" class=\"govuk-table__header\">May 2026</th>"));
    assert!(
        page.contains("aria-hidden=\"true\" focusable=\"false\""),
        "the chart is hidden from screen readers"
    );
    assert!(page.contains("govuk-exit-this-page"));
    assert!(!page.contains("PAYER-ADDRESS") && !page.contains("PP1 1PP"));
    let token = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();

    // Exit this page: the session ends on the server; Back finds nothing.
    let (status, _, _) = call(&state, "POST", "/exit", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, page, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header(&headers, "location"), Some("/sign-in"));
    assert!(!page.contains("£200.00"));
    let (status, _, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{reference}/statement.csv"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the API too");

    // Signing out: a post from another site, or without the form's token,
    // is refused and the session goes on.
    let (_, _, cookie) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let cookie = cookie.unwrap();
    let (status, page, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    let token_now = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert_ne!(token, token_now, "the token belongs to the session");
    let form = |token: &str| format!("form_token={token}");
    for (site, token) in [
        ("cross-site", token_now.as_str()),
        ("same-origin", token.as_str()),
    ] {
        let (status, _, _) = call(
            &state,
            "POST",
            "/sign-out",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", site),
            ],
            &form(token),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{site}");
    }
    let (status, _, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    let (status, _, headers) = call(
        &state,
        "POST",
        "/sign-out",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &form(&token_now),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header(&headers, "location"), Some("/signed-out"));
    let (status, _, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_go_to_their_work_and_other_sites_cannot_sign_in() {
    let state = state_named("self-service-refusals").await;
    case_and_account(&state).await;
    let (status, _, cookie) = sign_in(&state, "staff@example.org", "another long passphrase").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.unwrap();
    let (status, page, _) = call(&state, "GET", "/work", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Find a case by its reference"));
    let (status, _, headers) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the parents' account is not for staff"
    );
    assert_eq!(header(&headers, "location"), Some("/sign-in"));
    let (status, _, headers) = call(
        &state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", "https://elsewhere.example"),
            ("host", "127.0.0.1:8080"),
        ],
        "login=rae@example.org&password=a+long+passphrase+here",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(header(&headers, "set-cookie").is_none());
}

#[tokio::test]
async fn the_case_page_shows_what_the_role_may_see_and_a_restricted_case_needs_a_reason() {
    let state = state_named("workspace").await;
    let reference = case_and_account(&state).await;
    let (_, _, cookie) = sign_in(&state, "staff@example.org", "another long passphrase").await;
    let cookie = cookie.unwrap();
    let (status, _, headers) = call(
        &state,
        "GET",
        &format!("/work/case?reference={}", reference.to_lowercase()),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        header(&headers, "location").unwrap(),
        format!("/work/cases/{reference}")
    );
    let (status, page, headers) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert!(
        page.contains("SAFE-ADDRESS") && page.contains("PAYER-ADDRESS"),
        "staff see both"
    );
    assert!(page.contains("Owed by the paying parent") && page.contains("£200.00"));
    assert!(page.contains("Weekly amounts over time") && page.contains("Timeline"));
    // Flag the receiving parent: the case page shows only the notice, until
    // a reason is given, which is audited.
    let auth = bearer("caseworker-token");
    let (status, _, _) = call(
        &state,
        "PUT",
        "/api/v1/people/2/non-disclosure",
        &[("authorization", &auth)],
        r#"{"flag": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This case is restricted"));
    for secret in ["SAFE-ADDRESS", "SS1 1SS", "PAYER-ADDRESS", "£200.00"] {
        assert!(
            !page.contains(secret),
            "{secret} on a restricted case without a reason"
        );
    }
    let (status, page, _) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}?reason=complaint+review"),
        &[("cookie", &cookie)],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("SAFE-ADDRESS (seen by break-glass)"),
        "{page}"
    );
    let audited = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| {
            e.record.action == audit_log::Action::BrokeGlass
                && e.record.reason.as_deref() == Some("complaint review")
        })
        .count();
    assert!(audited >= 1, "the reason is audited");
    // A parent cannot reach the workspace.
    let (_, _, parent) = sign_in(&state, "rae@example.org", "a long passphrase here").await;
    let (status, _, headers) = call(
        &state,
        "GET",
        &format!("/work/cases/{reference}"),
        &[("cookie", &parent.unwrap())],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header(&headers, "location"), Some("/sign-in"));
}
