//! The parents' request pages (issue 15), on both databases: reporting a
//! missed payment, asking to move to Collect and Pay and reporting a
//! change each have the GOV.UK back link to the account (before the main
//! content, also when an answer is refused), and a form sent well is
//! answered by post-redirect-get, so a refresh sends nothing again.

use std::sync::Arc;

use axum::http::StatusCode;
use web::AppState;

#[macro_use]
mod common;

use common::{On, call, open_case_with_parties, session};

const BACK: &str = "<a href=\"/account\" class=\"govuk-back-link\">Back</a>";

fn form_token(page: &str) -> String {
    page.split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no form token in {page}"))
        .to_owned()
}

/// The back link once, before the main content.
fn has_back_link(page: &str) -> bool {
    page.matches(BACK).count() == 1
        && page.find(BACK) < page.find("<main class=\"govuk-main-wrapper\"")
}

async fn post(
    state: &AppState,
    cookie: &str,
    path: &str,
    body: &str,
) -> (StatusCode, String, Option<String>) {
    let (status, page, headers) = call(
        state,
        "POST",
        path,
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        body,
    )
    .await;
    let location = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("location"))
        .map(|(_, value)| value.clone());
    (status, page, location)
}

async fn each_request_page_leads_back_and_redirects_after_sending(state: AppState) {
    let state = AppState {
        clock: Arc::new(On::day("2026-06-20")),
        ..state
    };
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let reference = open_case_with_parties(&state, "caseworker-token", parties, None).await;
    let parent = session(&state, "rae@example.org", 2, "receiving_parent").await;
    let get = |path: String| {
        let state = state.clone();
        let parent = parent.clone();
        async move { call(&state, "GET", &path, &[("cookie", &parent)], "").await }
    };
    let (_, account, _) = get("/account".to_owned()).await;
    let mut token = String::new();
    for page in [
        "missed-payment",
        "move-to-collect-and-pay",
        "report-a-change",
    ] {
        let path = format!("/account/cases/{reference}/{page}");
        assert!(account.contains(&path), "{page} is linked from the account");
        let (status, body, _) = get(path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{page}: {body}");
        assert!(has_back_link(&body), "{page} has its back link: {body}");
        token = form_token(&body);
        // Refused (nothing chosen): the error summary, and still the way back.
        let (status, refused, _) =
            post(&state, &parent, &path, &format!("form_token={token}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(refused.contains("govuk-error-summary"), "{page}");
        assert!(
            has_back_link(&refused),
            "{page} refused keeps its back link"
        );
    }
    // Sent well: 303 to the page's own address, whose GET says what
    // happens next (and a refresh of it sends nothing).
    for (page, body, words) in [
        (
            "missed-payment",
            "due=2026-06-15".to_owned(),
            "the payment due on 2026-06-15 was not made",
        ),
        (
            "move-to-collect-and-pay",
            "reason=payments_not_made".to_owned(),
            "We will not tell the other parent that you asked",
        ),
        (
            "report-a-change",
            "change=moved_home&from-day=1&from-month=6&from-year=2026".to_owned(),
            "to take your new address",
        ),
    ] {
        let path = format!("/account/cases/{reference}/{page}");
        let (status, answer, location) = post(
            &state,
            &parent,
            &path,
            &format!("form_token={token}&{body}"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}: {answer}");
        let location = location.unwrap();
        assert!(location.starts_with(&format!("{path}?sent=")), "{location}");
        let case = case_records::CaseReference::parse(&reference).unwrap();
        let before = state.store.collection_actions(&case).await.unwrap().len();
        let (status, thanks, _) = get(location.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(thanks.contains(words), "{page}: {thanks}");
        assert!(thanks.contains("href=\"/account\""));
        assert_eq!(
            state.store.collection_actions(&case).await.unwrap().len(),
            before,
            "seeing the answer again records nothing"
        );
    }
}

on_both_databases!(each_request_page_leads_back_and_redirects_after_sending);
