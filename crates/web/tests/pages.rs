//! The HTML pages as a browser receives them: the headers every page
//! carries, GOV.UK Frontend served from the binary without the GDS
//! Transport font or the crown. The calculator's pages are tested in
//! `calculator.rs`.

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
    for path in ["/", "/calculator/parent", "/staying-safe-online"] {
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
