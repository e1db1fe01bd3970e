//! The policy analyst (issue 17): refused on every route about cases, and
//! the reform model's page at /analysis over the synthetic caseload and
//! the stored caseload as known on a date, counts and sums only.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use legal_parameters::Parameters;
use maintenance_calculation::{
    Basis, CalculationRequest, Income, Nights, PayingParent, ReceivingParents, calculate,
};
use reform_model::{Caseload, Model, Options, Policy, Scenario, run};
use serde_json::Value;
use web::{AppState, token_hash};

#[macro_use]
mod common;

use common::{bearer, call};

/// Signs `person` in through the pages' form in `role`: the session
/// cookie, and where signing in sent them.
async fn page_session(state: &AppState, person: i64, role: &str) -> (String, String) {
    let login = format!("person{person}@example.org");
    state
        .store
        .create_account(
            &login,
            &web::hash_password("analyst passphrase"),
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
        &format!("login={login}&password=analyst+passphrase"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let cookie = header("set-cookie").split(';').next().unwrap().to_owned();
    (cookie, header("location"))
}

/// The form token on a page.
fn form_token(page: &str) -> String {
    page.split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

/// Posts the analysis form: the status and the body.
async fn post_form(
    state: &AppState,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, page, _) = call(state, "GET", "/analysis", &[("cookie", cookie)], "").await;
    let token = form_token(&page);
    let mut body = vec![("form_token", token.as_str())];
    body.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&body).unwrap();
    let (status, answer, _) = call(
        state,
        "POST",
        "/analysis",
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &body,
    )
    .await;
    (status, answer)
}

/// Pounds as the page writes them: `£1,234.56`.
fn pounds(pence: u64) -> String {
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

/// Opens a case from 4 May 2026 as the caseworker, with a weekly income and
/// one child with no shared care: its reference.
async fn case_with_income(state: &AppState, n: u64, weekly_pence: u64) -> String {
    let auth = bearer("caseworker-token");
    let (status, body, _) = call(
        state,
        "POST",
        "/api/v1/cases",
        &[
            ("authorization", &auth),
            ("idempotency-key", &format!("open-{n}")),
        ],
        r#"{"initial_effective_date": "2026-05-04"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reference = serde_json::from_str::<Value>(&body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let facts = format!(
        r#"{{"facts": [
            {{"effective_from": "2026-05-04", "change": {{"kind": "income", "weekly_pence": {weekly_pence}}}}},
            {{"effective_from": "2026-05-04", "change": {{"kind": "child_joined", "child": 1, "receiving_parent": 1}}}}
        ]}}"#
    );
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &auth),
            ("idempotency-key", &format!("facts-{n}")),
        ],
        &facts,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    reference
}

/// What the law has due a week for one child and no shared care on
/// `date`, worked out by the calculation itself.
fn law_weekly(weekly_pence: u64, date: Date) -> u64 {
    let request = CalculationRequest {
        date,
        basis: Basis::PayingParent(PayingParent {
            income: Some(Income::Weekly(Pence::new(weekly_pence))),
            ..PayingParent::default()
        }),
        receiving_parents: ReceivingParents::new(vec![vec![Nights::new(0).unwrap()]]).unwrap(),
    };
    calculate(&request, Parameters::embedded())
        .unwrap()
        .weekly_total()
        .get()
}

// ---------------------------------------------------------------------
// Refused everywhere about cases.

/// Every API route the served OpenAPI document lists, with its path filled
/// in for a real case: an analyst's token is refused (403, the one error
/// shape) on each but the public ones, and learns nothing of the case.
async fn the_analyst_is_refused_on_every_case_route(state: AppState) {
    let reference = case_with_income(&state, 1, 40_000).await;
    let (_, document, _) = call(&state, "GET", "/api/v1/openapi.json", &[], "").await;
    let document: Value = serde_json::from_str(&document).unwrap();
    const PUBLIC: [&str; 5] = [
        "/health",
        "/api/v1/calculations",
        "/api/v1/openapi.json",
        "/api/v1/sign-in",
        "/api/v1/sign-out",
    ];
    let auth = bearer("analyst-token");
    let mut refused = 0;
    for (template, methods) in document["paths"].as_object().unwrap() {
        if PUBLIC.contains(&template.as_str()) {
            continue;
        }
        let path = template
            .replace("{reference}", &reference)
            .replace("{person_id}", "1")
            .replace("{step}", "1")
            .replace("{id}", "1")
            .replace("{command}", "claim")
            .replace("{kind}", "calculation.pdf");
        for method in methods.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            let (status, body, _) = call(
                &state,
                &method,
                &format!("{path}?q={reference}"),
                &[("authorization", &auth), ("idempotency-key", "analyst")],
                "{}",
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["error"]["field"], "authorization", "{method} {path}");
            refused += 1;
        }
    }
    assert!(refused >= 30, "{refused} operations refused");
    // The refusals wrote nothing: the case has the facts it was given.
    let (status, schedule, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{reference}/schedule?until=2026-06-01"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{schedule}");
}

/// The staff pages' routes, read from the router's own source, so a new
/// staff page is covered as soon as it is routed: each with its methods.
fn staff_page_routes() -> Vec<(String, Vec<&'static str>)> {
    let source = include_str!("../src/lib.rs");
    let mut routes = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let Some(path) = chunk.split('"').nth(1) else {
            continue;
        };
        if !path.starts_with("/work") {
            continue;
        }
        let call = chunk.split(".route(").next().unwrap_or("");
        let call = call.split(")\n        .").next().unwrap_or(call);
        let mut methods = Vec::new();
        if call.contains("get(") {
            methods.push("GET");
        }
        if call.contains("post(") {
            methods.push("POST");
        }
        routes.push((path.to_owned(), methods));
    }
    routes
}

async fn the_analyst_is_refused_on_every_staff_page(state: AppState) {
    let reference = case_with_income(&state, 2, 40_000).await;
    let (cookie, landed) = page_session(&state, 91, "policy_analyst").await;
    assert_eq!(landed, "/analysis", "an analyst starts at the analysis");
    let routes = staff_page_routes();
    assert!(routes.len() >= 8, "{routes:?}");
    for (template, methods) in &routes {
        let path = template
            .replace("{reference}", &reference)
            .replace("{step}", "review")
            .replace("{id}", "1")
            .replace("{command}", "claim");
        for method in methods {
            let (status, body, _) = call(
                &state,
                method,
                &path,
                &[
                    ("cookie", &cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("sec-fetch-site", "same-origin"),
                ],
                &format!("q={reference}"),
            )
            .await;
            // A page whose own form reader refuses a body it cannot read
            // (422) does so before anyone is looked at; otherwise 403.
            if *method == "POST" && status == StatusCode::UNPROCESSABLE_ENTITY {
                assert!(!body.contains(&reference), "{method} {path} names the case");
                continue;
            }
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
            // The workspace's own pages say where the analyst's work is.
            if path.starts_with("/work/cases") || path == "/work" {
                assert!(body.contains("You cannot see cases"), "{method} {path}");
            }
            assert!(!body.contains(&reference), "{method} {path} names the case");
        }
    }
}

async fn only_an_analyst_may_run_the_model(state: AppState) {
    let (status, _, headers) = call(&state, "GET", "/analysis", &[], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "not signed in");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "location" && v == "/sign-in")
    );
    for (person, role) in [(92, "caseworker"), (93, "receiving_parent")] {
        let (cookie, _) = page_session(&state, person, role).await;
        let (status, _, _) = call(&state, "GET", "/analysis", &[("cookie", &cookie)], "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        let (status, _, _) = call(
            &state,
            "POST",
            "/analysis",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
            ],
            "caseload=stored&policy=income-shares-rec8",
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
}

// ---------------------------------------------------------------------
// The page.

const SYNTHETIC: &[(&str, &str)] = &[
    ("caseload", "synthetic"),
    ("policy", "income-shares-rec8"),
    ("compare", "affordability-floor-rec5"),
    ("cases", "3000"),
    ("seed", "42"),
    ("date-day", "1"),
    ("date-month", "4"),
    ("date-year", "2028"),
    ("share", "25"),
];

async fn the_analyst_compares_two_policies_over_the_synthetic_caseload(state: AppState) {
    let (cookie, _) = page_session(&state, 94, "policy_analyst").await;
    let (status, form, _) = call(&state, "GET", "/analysis", &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("<form method=\"post\" action=\"/analysis\""));
    assert!(
        form.contains("can take several seconds"),
        "the page says a stored run takes time"
    );
    assert!(!form.contains("Results"), "a GET runs nothing");

    assert!(
        form.contains("href=\"/analysis\""),
        "the header's own-pages link leads an analyst to the analysis"
    );
    assert!(
        !form.contains("href=\"/work\""),
        "not to the caseworkers' pages"
    );
    let (status, page) = post_form(&state, &cookie, SYNTHETIC).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The same run, straight through the model.
    let date = Date::parse_iso("2028-04-01").unwrap();
    let caseload = Caseload::synthetic(3000, 42);
    let law = Parameters::embedded();
    let model = |name: &str| {
        Model::new(
            law,
            date,
            Scenario::compose(vec![Policy::named(name).unwrap()]).unwrap(),
        )
        .unwrap()
    };
    let (shares, floor) = (
        model("income-shares-rec8"),
        model("affordability-floor-rec5"),
    );
    let options = Options::default();
    let (a, b) = (
        run(&shares, &caseload, options),
        run(&floor, &caseload, options),
    );
    for expected in [
        pounds(a.aggregate.total.law_maintenance),
        pounds(a.aggregate.total.policy_maintenance),
        pounds(b.aggregate.total.policy_maintenance),
        a.model.law.version.clone(),
        a.model.policy_set.version.clone(),
        b.model.policy_set.version.clone(),
        "IMPUTED".to_owned(),
        "Scenario A".to_owned(),
        "Scenario B".to_owned(),
    ] {
        assert!(page.contains(&expected), "the page shows {expected}");
    }
    assert!(
        a.aggregate.total.paying_better_off > 0 && b.aggregate.total.paying_better_off > 0,
        "both policies lower some liabilities"
    );
    // Charts, each with a table beside it.
    assert!(page.matches("<svg class=\"app-chart\"").count() >= 6);
    assert!(
        page.contains("Paying parents paying less and more, by paying parent&#39;s income decile")
            || page.contains("by paying parent's income decile")
    );
    for policy in ["income-shares-rec8", "affordability-floor-rec5"] {
        let fingerprint = &Policy::named(policy).unwrap().fingerprint;
        assert!(
            page.contains(fingerprint.as_str()),
            "{policy}'s fingerprint"
        );
    }

    // The downloads are the model's own CSV and JSON, byte for byte, twice.
    for (format, expected) in [
        ("csv", a.to_csv()),
        ("json", a.to_json()),
        ("csv-compare", b.to_csv()),
        ("json-compare", b.to_json()),
    ] {
        let mut fields = SYNTHETIC.to_vec();
        fields.push(("format", format));
        let (status, first) = post_form(&state, &cookie, &fields).await;
        assert_eq!(status, StatusCode::OK);
        let (_, second) = post_form(&state, &cookie, &fields).await;
        assert_eq!(first, expected, "{format}");
        assert_eq!(first, second, "{format} byte-identical");
    }
}

async fn a_refused_form_says_what_to_fix_and_runs_nothing(state: AppState) {
    let (cookie, _) = page_session(&state, 95, "policy_analyst").await;
    for (fields, message) in [
        (
            vec![
                ("caseload", "synthetic"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "25"),
            ],
            "Select at least one policy",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "affordability-floor-rec5"),
                ("policy", "affordability-floor-rec5"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "25"),
            ],
            "Choose other policies",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "none-such"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "25"),
            ],
            "There is no policy called none-such",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "income-shares-rec8"),
                ("cases", "0"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "25"),
            ],
            "Enter the number of cases as a whole number from 1 to 1,000,000",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "income-shares-rec8"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "31"),
                ("date-month", "2"),
                ("date-year", "2028"),
                ("share", "25"),
            ],
            "Date modelled must be a real date",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "income-shares-rec8"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "1"),
                ("date-year", "2010"),
                ("share", "25"),
            ],
            "on or after 10 December 2012",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "income-shares-rec8"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "250"),
            ],
            "Enter the share of net income as a percentage",
        ),
        (
            vec![
                ("caseload", "synthetic"),
                ("policy", "income-shares-rec8"),
                ("cases", "10"),
                ("seed", "1"),
                ("date-day", "1"),
                ("date-month", "4"),
                ("date-year", "2028"),
                ("share", "25"),
                ("minimum_cell", "1"),
            ],
            "does not have (minimum_cell)",
        ),
    ] {
        let (status, page) = post_form(&state, &cookie, &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.contains("govuk-error-summary"), "{message}");
        assert!(page.contains(message), "{message}: {page}");
        assert!(!page.contains("id=\"results\""), "{message}: nothing run");
    }
}

async fn the_stored_caseload_as_known_on_a_date_gives_counts_and_sums_only(state: AppState) {
    // Twelve cases with an income and a child, and one opened with
    // protected parties and no facts yet (no liability that day).
    let incomes: Vec<u64> = (0..12).map(|n| 30_000 + n * 1_000).collect();
    for (n, income) in incomes.iter().enumerate() {
        case_with_income(&state, 100 + n as u64, *income).await;
    }
    let parties = serde_json::json!({
        "paying_parent": {
            "person_id": 501, "name": "Quillon Zarathustra", "address": "9 Xylophone Mews, Truro",
            "postcode": "TR1 9ZZ"
        },
        "receiving_parents": [{
            "id": 1, "person_id": 502, "name": "Persephone Vantablack",
            "address": "4 Obsidian Close, Penzance", "postcode": "TR18 4QQ", "non_disclosure": true
        }],
        "children": [{"id": 1, "receiving_parent": 1, "name": "Ottoline Vantablack"}]
    })
    .to_string();
    let protected =
        common::open_case_with_parties(&state, "caseworker-token", &parties, Some("setting up"))
            .await;

    let (cookie, _) = page_session(&state, 96, "policy_analyst").await;
    let fields = [
        ("caseload", "stored"),
        ("policy", "affordability-floor-rec5"),
        ("cases", ""),
        ("seed", "7"),
        ("date-day", "1"),
        ("date-month", "6"),
        ("date-year", "2026"),
        ("share", "12.5"),
    ];
    let (status, page) = post_form(&state, &cookie, &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let date = Date::parse_iso("2026-06-01").unwrap();
    let law_total: u64 = incomes.iter().map(|i| law_weekly(*i, date)).sum();
    assert!(
        page.contains(&pounds(law_total)),
        "the law's total a week, {}",
        pounds(law_total)
    );
    assert!(page.contains("as known on 2026-06-01"));
    assert!(
        page.contains("12 modelled of 13 read"),
        "what was read and modelled"
    );
    assert!(
        page.contains("not modelled, no_liability_on_the_date: [c]"),
        "a count under ten is withheld"
    );
    const PERSONAL: [&str; 7] = [
        "Quillon",
        "Zarathustra",
        "Xylophone",
        "TR1 9ZZ",
        "Vantablack",
        "Obsidian",
        "TR18 4QQ",
    ];
    for personal in PERSONAL.iter().copied().chain([protected.as_str()]) {
        assert!(!page.contains(personal), "the page shows {personal}");
    }
    // The CSV says the same, and names the stored caseload.
    let mut with_format = fields.to_vec();
    with_format.push(("format", "csv"));
    let (status, csv) = post_form(&state, &cookie, &with_format).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&format!("group,total,all,,12,{law_total},"))),
        "{csv}"
    );
    assert!(csv.contains("meta,share_of_net_income,12.5%"), "{csv}");
    for personal in PERSONAL.iter().copied().chain([protected.as_str()]) {
        assert!(!csv.contains(personal));
    }
    // A token works the API for the analyst nowhere; a staff token for the
    // store still holds the analyst's role refused.
    assert!(
        state
            .store
            .token_holder(&token_hash("analyst-token"))
            .await
            .unwrap()
            .is_some_and(|(_, role)| role == "policy_analyst")
    );
}

on_both_databases!(
    the_analyst_is_refused_on_every_case_route,
    the_analyst_is_refused_on_every_staff_page,
    only_an_analyst_may_run_the_model,
    the_analyst_compares_two_policies_over_the_synthetic_caseload,
    a_refused_form_says_what_to_fix_and_runs_nothing,
    the_stored_caseload_as_known_on_a_date_gives_counts_and_sums_only,
);

#[test]
fn the_router_source_lists_the_staff_pages() {
    let routes = staff_page_routes();
    assert!(routes.iter().any(|(p, m)| p == "/work" && m == &["GET"]));
    assert!(
        routes
            .iter()
            .any(|(p, m)| p == "/work/search" && m == &["POST"])
    );
    assert!(
        routes
            .iter()
            .any(|(p, m)| p == "/work/cases/{reference}" && m == &["GET"])
    );
}
