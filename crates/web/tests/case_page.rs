//! The staff case page and its safety steps as pages (issue 14), on SQLite
//! and PostgreSQL (`on_both_databases!` at the end):
//!
//! - each safety page refuses someone outside the specialist team (a 403
//!   page, nothing recorded), even one who broke the glass to open the case;
//! - a refused answer comes back with the error summary and every answer
//!   kept (422), and nothing is recorded;
//! - a step done is recorded as the API records it (the same event, its
//!   work items closed), and the case page says so in a success banner;
//! - a refused case-page action keeps its answers; a successful one
//!   confirms;
//! - a plain caseworker's page carries no locating detail of the protected
//!   parent, and the summary says who is protected without saying where.

use axum::http::StatusCode;
use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties, session};

const PARTIES: &str = r#"{"paying_parent": {"person_id": 1, "name": "Paul Payer", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
    "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rae Receiver", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS", "phone": "07700 900123"}],
    "children": [{"id": 1, "receiving_parent": 1, "name": "Cleo"}]}"#;

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A hidden field's value on a page.
fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .replace("&amp;", "&")
}

async fn get(state: &AppState, cookie: &str, path: &str) -> (StatusCode, String) {
    let (status, page, _) = call(state, "GET", path, &[("cookie", cookie)], "").await;
    (status, page)
}

/// Posts a form as the browser would from this site's page.
async fn post(
    state: &AppState,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let (status, page, headers) = call(
        state,
        "POST",
        path,
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &body,
    )
    .await;
    (status, page, header(&headers, "location"))
}

/// The form on a page posted with its hidden fields and `answers`.
async fn submit(
    state: &AppState,
    cookie: &str,
    path: &str,
    page: &str,
    answers: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let token = hidden(page, "form_token");
    let reason = hidden(page, "reason");
    let seen = hidden(page, "seen");
    let mut fields = vec![
        ("form_token", token.as_str()),
        ("reason", reason.as_str()),
        ("seen", seen.as_str()),
    ];
    fields.extend_from_slice(answers);
    post(state, cookie, path, &fields).await
}

async fn safety_kinds(state: &AppState, case: &str) -> Vec<String> {
    let case = case_records::CaseReference::parse(case).unwrap();
    state
        .store
        .safety_events(&case)
        .await
        .unwrap()
        .iter()
        .map(|r| r.event.encode().0.to_owned())
        .collect()
}

async fn open_kinds(state: &AppState, case: &str) -> Vec<String> {
    let auth = bearer("specialist-token");
    let (_, body, _) = call(
        state,
        "GET",
        "/api/v1/work?team=specialist",
        &[("authorization", &auth)],
        "",
    )
    .await;
    let queue: Value = serde_json::from_str(&body).unwrap();
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["case"] == case)
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The receiving parent says she is in danger now and asks for the police.
async fn danger(state: &AppState, case: &str) {
    let auth = bearer("receiver-token");
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{case}/disclosures"),
        &[
            ("authorization", &auth),
            ("idempotency-key", "apply/danger"),
        ],
        r#"{"immediate_danger": true, "police_call_consented": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

const STEPS: [&str; 6] = [
    "review",
    "risk",
    "named-caseworker",
    "plan-step",
    "lift-protection",
    "approve-lift",
];

async fn each_safety_page_refuses_a_caseworker_outside_the_team(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    danger(&state, &case).await;
    let caseworker = session(&state, "cw@example.org", 17, "caseworker").await;
    // Restricted (her disclosure protected her): without a reason, only the
    // notice, nothing of the case.
    let (status, page) = get(
        &state,
        &caseworker,
        &format!("/work/cases/{case}/safety/risk"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This case is restricted"), "{page}");
    assert!(!page.contains("SAFE-ADDRESS") && !page.contains("SS1 1SS"));
    // With a reason, the case opens, and still no safety page does.
    for step in STEPS {
        let path = format!("/work/cases/{case}/safety/{step}?reason=checking+a+payment");
        let (status, page) = get(&state, &caseworker, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{step}: {page}");
        assert!(page.contains("You cannot do this"), "{step}");
        assert!(
            !page.contains(&format!("action=\"/work/cases/{case}/safety/")),
            "{step}: no form"
        );
    }
    // Posting anyway records nothing.
    let (_, case_page) = get(
        &state,
        &caseworker,
        &format!("/work/cases/{case}?reason=checking+a+payment"),
    )
    .await;
    let before = safety_kinds(&state, &case).await;
    for (step, answer) in [
        ("risk", ("level", "standard")),
        ("named-caseworker", ("who", "me")),
        ("plan-step", ("step", "signposted")),
        ("review", ("level", "")),
    ] {
        let (status, page, _) = submit(
            &state,
            &caseworker,
            &format!("/work/cases/{case}/safety/{step}"),
            &case_page,
            &[answer],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{step}: {page}");
    }
    assert_eq!(safety_kinds(&state, &case).await, before);
    // The case page offers them none of the steps.
    assert!(!case_page.contains("/safety/risk"));
    assert!(!case_page.contains("/safety/review"));
}

async fn a_specialist_works_a_danger_disclosure_from_the_pages(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    danger(&state, &case).await;
    let specialist = session(&state, "da@example.org", 30, "domestic_abuse_specialist").await;
    let (status, page) = get(&state, &specialist, &format!("/work/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The summary leads: who is protected, the risk, the next action.
    assert!(page.contains("The receiving parent is protected from the other parent"));
    assert!(page.contains("High risk"));
    assert!(page.contains("Call the police for them now"), "{page}");
    assert!(page.contains("Police call requested"), "the open item");
    for programmer in ["ReceivingParent(", "BasicPlus", "police_called_for_them\n"] {
        assert!(!page.contains(programmer), "{programmer}");
    }
    // Beside her details, that they are withheld from the other parent.
    assert!(page.contains(
        "Receiving parent <span class=\"moj-badge moj-badge--purple\">Protected from the other parent</span>"
    ));
    assert!(!page.contains("Paying parent <span class=\"moj-badge"));
    // The open items, claimed from the case page (the item's id holds the
    // disclosure's key, with its `/`): the item is hers.
    let claim = page
        .split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.contains("/work/disclosure_to_review") && action.ends_with("/claim"))
        .expect("a claim button for the disclosure")
        .to_owned();
    let token = hidden(&page, "form_token");
    let (status, _, location) = post(
        &state,
        &specialist,
        &claim,
        &[("form_token", token.as_str()), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/work/cases/{case}?done=work_claimed")
    );
    let (_, page) = get(
        &state,
        &specialist,
        &format!("/work/cases/{case}?done=work_claimed"),
    )
    .await;
    assert!(page.contains("The work item is yours") && page.contains("with you"));
    // Set the risk: nothing chosen is refused, with the summary.
    let path = |step: &str| format!("/work/cases/{case}/safety/{step}");
    let (status, form) = get(&state, &specialist, &path("risk")).await;
    assert_eq!(status, StatusCode::OK);
    let before = safety_kinds(&state, &case).await;
    let (status, refused, _) = submit(&state, &specialist, &path("risk"), &form, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("govuk-error-summary") && refused.contains("Select the risk"));
    assert!(refused.contains("<title>Error:"), "the title says so");
    assert_eq!(
        safety_kinds(&state, &case).await,
        before,
        "nothing recorded"
    );
    // Name someone else, mistyped: the answers come back as given.
    let (_, form) = get(&state, &specialist, &path("named-caseworker")).await;
    let (status, refused, _) = submit(
        &state,
        &specialist,
        &path("named-caseworker"),
        &form,
        &[("who", "someone_else"), ("person", "forty")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("value=\"forty\""), "{refused}");
    assert!(
        refused.contains("value=\"someone_else\" checked"),
        "{refused}"
    );
    assert!(refused.contains("Enter their staff number"));
    // A step with no outcome in words is refused, the step kept.
    let (_, form) = get(&state, &specialist, &path("plan-step")).await;
    let (status, refused, _) = submit(
        &state,
        &specialist,
        &path("plan-step"),
        &form,
        &[("step", "signposted"), ("outcome", " ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("Enter what came of the step") && refused.contains("href=\"#outcome\"")
    );
    assert!(refused.contains("value=\"signposted\" checked"));
    // Review, risk, become the named caseworker, the police call: each
    // recorded, each back to the case with its banner.
    for (step, answers, done, banner) in [
        (
            "review",
            vec![],
            "disclosures_reviewed",
            "The disclosures are recorded as reviewed",
        ),
        (
            "risk",
            vec![("level", "high")],
            "risk_set",
            "The risk is set",
        ),
        (
            "named-caseworker",
            vec![("who", "me")],
            "named_caseworker",
            "The named caseworker is recorded",
        ),
        (
            "plan-step",
            vec![
                ("step", "police_called_for_them"),
                (
                    "outcome",
                    "Police came; she is safe at her sister's, SS1 1SS",
                ),
            ],
            "plan_step",
            "The Domestic Abuse Plan step is recorded as done",
        ),
    ] {
        let (status, form) = get(&state, &specialist, &path(step)).await;
        assert_eq!(status, StatusCode::OK, "{step}: {form}");
        let (status, page, location) =
            submit(&state, &specialist, &path(step), &form, &answers).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{step}: {page}");
        let location = location.unwrap();
        assert_eq!(location, format!("/work/cases/{case}?done={done}"));
        let (_, page) = get(&state, &specialist, &location).await;
        assert!(
            page.contains("govuk-notification-banner--success") && page.contains(banner),
            "{step}"
        );
        // A second submit of the same form records nothing more.
        let (status, _, _) = submit(&state, &specialist, &path(step), &form, &answers).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{step}: answered as before");
    }
    assert_eq!(
        safety_kinds(&state, &case).await,
        vec![
            "disclosed",
            "disclosures_reviewed",
            "risk_set",
            "named_caseworker",
            "plan_step"
        ]
    );
    // The danger's items are closed: the alert is gone.
    assert_eq!(open_kinds(&state, &case).await, Vec::<String>::new());
    let (_, work) = get(&state, &specialist, "/work").await;
    assert!(!work.contains("Someone is in danger now"));
    let (_, page) = get(&state, &specialist, &format!("/work/cases/{case}")).await;
    assert!(
        page.contains("You (staff 30)"),
        "named caseworker in the summary"
    );
    assert!(
        page.contains("Police called for them")
            && page.contains("Done by staff 30 on 1 June 2026: Police came; she is safe at her sister&#39;s, SS1 1SS"),
        "the specialist reads the outcome whole: {page}"
    );
    // An unknown field is refused.
    let (_, form) = get(&state, &specialist, &path("risk")).await;
    let (status, _, _) = submit(
        &state,
        &specialist,
        &path("risk"),
        &form,
        &[("level", "raised"), ("decision", "close")],
    )
    .await;
    assert!(status.is_client_error());
    assert_eq!(safety_kinds(&state, &case).await.len(), 5);
}

async fn lifting_protection_takes_two_specialists_on_the_pages(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    danger(&state, &case).await;
    let first = session(&state, "one@example.org", 30, "domestic_abuse_specialist").await;
    let second = session(&state, "two@example.org", 31, "domestic_abuse_specialist").await;
    let path = |step: &str| format!("/work/cases/{case}/safety/{step}");
    let (_, form) = get(&state, &first, &path("lift-protection")).await;
    assert!(form.contains("The receiving parent"), "{form}");
    let (status, refused, _) = submit(
        &state,
        &first,
        &path("lift-protection"),
        &form,
        &[("party", "receiving_parent:1"), ("lift_reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Enter why it is safe"));
    let (status, _, location) = submit(
        &state,
        &first,
        &path("lift-protection"),
        &form,
        &[
            ("party", "receiving_parent:1"),
            ("lift_reason", "She asked us to, by phone"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with("done=lift_proposed"));
    // The one who proposed cannot approve: the form again, with why.
    let (_, form) = get(&state, &first, &path("approve-lift")).await;
    assert!(form.contains("She asked us to, by phone"), "{form}");
    let (status, refused, _) = submit(
        &state,
        &first,
        &path("approve-lift"),
        &form,
        &[("party", "receiving_parent:1")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.contains("govuk-error-summary"));
    let (_, form) = get(&state, &second, &path("approve-lift")).await;
    let (status, _, location) = submit(
        &state,
        &second,
        &path("approve-lift"),
        &form,
        &[("party", "receiving_parent:1")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with("done=lift_approved"));
    let (_, page) = get(&state, &second, &format!("/work/cases/{case}")).await;
    assert!(page.contains("Nobody in this case is protected"), "{page}");
}

async fn a_refused_case_action_keeps_its_answers_and_a_done_one_confirms(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    let caseworker = session(&state, "cw@example.org", 17, "caseworker").await;
    let (status, page) = get(&state, &caseworker, &format!("/work/cases/{case}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Forms are folded, not all open.
    assert!(page.contains("<details class=\"govuk-details\">"));
    assert!(page.contains("The receiving parent") || page.contains("Receiving parent"));
    // No locating detail is hidden in the summary of who is protected.
    assert!(page.contains("Nobody in this case is protected"));
    let path = format!("/work/cases/{case}/actions");
    let token = hidden(&page, "form_token");
    let change = [
        ("form_token", token.as_str()),
        ("reason", ""),
        ("action", "record_change"),
        ("change", "shared_care"),
        ("effective_from-day", "1"),
        ("effective_from-month", "6"),
        ("effective_from-year", "2026"),
        ("child", "1"),
        ("nights", "400"),
        ("count", ""),
        ("income", ""),
    ];
    let (status, refused, _) = post(&state, &caseworker, &path, &change).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.contains("govuk-error-summary"));
    assert!(refused.contains("href=\"#nights\""), "links to the field");
    assert!(refused.contains("value=\"400\""), "the answer kept");
    assert!(refused.contains("value=\"shared_care\" checked"));
    assert!(refused.contains("value=\"2026\""));
    assert!(!refused.contains("This was not done"));
    let mut good = change;
    good[3] = ("change", "relevant_other_children");
    good[9] = ("count", "1");
    let (status, page, location) = post(&state, &caseworker, &path, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert_eq!(location, format!("/work/cases/{case}?done=change_recorded"));
    let (_, page) = get(&state, &caseworker, &location).await;
    assert!(page.contains("The change is recorded"));
    assert!(page.contains("Other children living with the paying parent: 1"));
    assert!(page.contains("1 June 2026"), "dates in words");
    // A field the page does not have is refused, and nothing recorded.
    let mut forged = good.to_vec();
    forged.push(("decision", "close the case"));
    let (status, _, _) = post(&state, &caseworker, &path, &forged).await;
    assert!(status.is_client_error(), "{status}");
    // The banner's code is fixed words: anything else shows no banner.
    let (_, page) = get(
        &state,
        &caseworker,
        &format!("/work/cases/{case}?done=%3Cscript%3E"),
    )
    .await;
    assert!(!page.contains("govuk-notification-banner--success"));
    assert!(!page.contains("<script>"));
}

async fn a_plain_caseworker_sees_nothing_that_locates_the_protected_parent(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", PARTIES, None).await;
    danger(&state, &case).await;
    let caseworker = session(&state, "cw@example.org", 17, "caseworker").await;
    let (_, page) = get(&state, &caseworker, &format!("/work/cases/{case}")).await;
    for secret in ["SAFE-ADDRESS", "SS1 1SS", "07700 900123", "Rae Receiver"] {
        assert!(
            !page.contains(secret),
            "{secret} on a plain caseworker's page"
        );
    }
    // A specialist's words about the police call carry her postcode: a
    // caseworker who breaks the glass reads them without it.
    let auth = bearer("specialist-token");
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{case}/safety/actions"),
        &[("authorization", &auth), ("idempotency-key", "called")],
        r#"{"action": "plan_step", "step": "police_called_for_them", "outcome": "Police came, she is at SS1 1SS now"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, page) = get(
        &state,
        &caseworker,
        &format!("/work/cases/{case}?reason=checking+a+payment"),
    )
    .await;
    let timeline = page.split("Timeline").nth(1).expect("the timeline");
    assert!(timeline.contains("Police came, she is at"), "{timeline}");
    assert!(!timeline.contains("SS1 1SS"), "{timeline}");
    for step in STEPS {
        let (_, page) = get(
            &state,
            &caseworker,
            &format!("/work/cases/{case}/safety/{step}"),
        )
        .await;
        for secret in ["SAFE-ADDRESS", "SS1 1SS", "07700 900123", "Rae Receiver"] {
            assert!(!page.contains(secret), "{secret} on {step}");
        }
    }
}

on_both_databases!(
    each_safety_page_refuses_a_caseworker_outside_the_team,
    a_specialist_works_a_danger_disclosure_from_the_pages,
    lifting_protection_takes_two_specialists_on_the_pages,
    a_refused_case_action_keeps_its_answers_and_a_done_one_confirms,
    a_plain_caseworker_sees_nothing_that_locates_the_protected_parent,
);
