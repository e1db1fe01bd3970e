//! The HTML pages as a browser receives them: the headers every page
//! carries, GOV.UK Frontend served from the binary without the GDS
//! Transport font or the crown, and the public calculator giving the
//! contract's own answer or saying exactly what to correct.

use axum::http::StatusCode;

mod common;

use common::{call, state_named};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn every_page_carries_the_safety_headers_and_the_exit_button() {
    let state = state_named("pages").await;
    for path in ["/", "/calculator", "/staying-safe-online"] {
        let (status, body, headers) = call(&state, "GET", path, &[], "").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            header(&headers, "content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-store"),
            "{path}"
        );
        let policy = header(&headers, "content-security-policy").unwrap();
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
        assert!(body.starts_with("<!DOCTYPE html>") && body.contains("<html lang=\"en\""));
        assert!(
            body.contains("govuk-exit-this-page"),
            "{path}: exit this page"
        );
        assert!(body.contains("href=\"#main-content\"") && body.contains("id=\"main-content\""));
        // No inline script or style: the policy would block it.
        assert!(
            !body.contains("<script>") && !body.contains("style="),
            "{path}"
        );
        assert!(
            !body.contains("govuk-footer__crown") && !body.contains("crest"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn govuk_frontend_is_served_from_the_binary_without_the_gds_typeface() {
    let state = state_named("assets").await;
    let (status, css, headers) =
        call(&state, "GET", "/assets/govuk-frontend.min.css", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/css; charset=utf-8")
    );
    assert!(css.contains(".govuk-button") && css.len() > 100_000);
    assert!(!css.contains("GDS Transport") && !css.contains("@font-face"));
    assert!(!css.contains("/assets/fonts/"));
    let (status, js, _) = call(&state, "GET", "/assets/govuk-frontend.min.js", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("ExitThisPage") && js.contains("initAll"));
    let (status, _, _) = call(&state, "GET", "/assets/fonts/bold.woff2", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn form(income: &str, children: &str, other: &str, nights: &str) -> String {
    format!("income={income}&children={children}&other_children={other}&nights={nights}")
}

async fn post(state: &web::AppState, body: &str) -> (StatusCode, String) {
    let (status, page, _) = call(
        state,
        "POST",
        "/calculator",
        &[("content-type", "application/x-www-form-urlencoded")],
        body,
    )
    .await;
    (status, page)
}

#[tokio::test]
async fn the_calculator_gives_the_contracts_answer_with_its_explanation() {
    let state = state_named("calculator").await;
    let (status, page) = post(&state, &form("517.81", "3", "1", "104")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The same request through the calculation contract.
    let request = serde_json::json!({
        "date": "2026-06-01",
        "paying_parent": {"gross_weekly_income_pence": 51781, "relevant_other_children": 1},
        "receiving_parents": [{"id": "A", "children": [
            {"shared_care_nights": 104}, {"shared_care_nights": 104}, {"shared_care_nights": 104}]}],
    });
    let (answer, ok) = calculation_json::answer_value(&request, state.parameters);
    assert!(ok);
    let weekly = domain_types::Pence::new(answer["weekly_total_pence"].as_u64().unwrap());
    assert!(page.contains(&format!("{weekly} a week")), "{page}");
    // The README's worked example: the same figure `cms calculate` prints.
    assert_eq!(weekly.to_string(), "£62.54");
    for step in answer["explanation"].as_array().unwrap() {
        let text = step["text"].as_str().unwrap().replace('\'', "&#39;");
        assert!(page.contains(&text), "explanation step {text}");
    }
    assert!(page.contains("Child Support Act 1991 Sch 1 para 7"));
    assert!(page.contains("<title>Child maintenance estimate – Child maintenance</title>"));
}

#[tokio::test]
async fn the_calculator_says_what_to_correct_keeps_what_was_typed_and_escapes_it() {
    let state = state_named("calculator-errors").await;
    let (status, page) = post(&state, &form("", "0", "x", "400")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("<title>Error: Work out child maintenance"));
    assert!(page.contains("govuk-error-summary"));
    for (field, message) in [
        ("income", "Enter the paying parent&#39;s weekly income"),
        (
            "children",
            "Number of children must be a whole number from 1 to 20",
        ),
        (
            "other_children",
            "Other children must be a whole number from 0 to 20",
        ),
        ("nights", "Nights must be a whole number from 0 to 365"),
    ] {
        assert!(
            page.contains(&format!("<a href=\"#{field}\">{message}</a>")),
            "{field}"
        );
        assert!(
            page.contains(&format!("id=\"{field}-error\"")),
            "{field} inline"
        );
    }
    assert!(page.contains("value=\"400\""), "what was typed is kept");
    let (status, page) = post(
        &state,
        "income=%3Cscript%3Ealert(1)%3C%2Fscript%3E&children=1&other_children=0&nights=0",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.contains("<script>alert(1)") && page.contains("&lt;script&gt;alert(1)"));
    assert!(page.contains("Weekly income must be an amount of money, like 517.81"));
}
