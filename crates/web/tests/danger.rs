//! Issue 14's danger journeys, over HTTP as a browser meets them.
//!
//! - Stopping the application in immediate danger leaves no application:
//!   the disclosure and its immediate-danger item are recorded (the item
//!   tops the specialist team's queue), but the case is opened as stopped,
//!   so it is not in the applications queue, not a caseworker's
//!   "application waiting" item, not counted by management information as
//!   an application waiting, and a calculation on it is refused; the
//!   parent's account says honestly that they did not finish.
//! - The safety screen of an existing case says honestly what will happen
//!   in danger (the specialist team told at once, 999 now if they can, the
//!   Silent Solution), never "A caseworker will call the police for you
//!   now", under a heading of its own.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use domain_types::Date;
use serde_json::Value;
use web::{AppState, hash_password};

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties};

/// The words this service must never say again: no caseworker calls the
/// police "now" (a specialist calls when they see it).
const OLD_PROMISE: &str = "A caseworker will call the police for you now.";

/// A browser: its cookies, kept as `Set-Cookie` says.
struct Browser {
    state: AppState,
    cookies: BTreeMap<String, String>,
}

/// An answer as the browser got it.
struct Answer {
    status: StatusCode,
    page: String,
    location: Option<String>,
}

impl Browser {
    async fn signed_in(state: &AppState, login: &str, person: i64, role: &str) -> Browser {
        state
            .store
            .create_account(
                login,
                &hash_password("a passphrase for tests"),
                person,
                role,
            )
            .await
            .unwrap();
        let mut browser = Browser {
            state: state.clone(),
            cookies: BTreeMap::new(),
        };
        let answer = browser
            .post(
                "/sign-in",
                &[("login", login), ("password", "a passphrase for tests")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.page);
        browser
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, status: StatusCode, page: String, headers: &[(String, String)]) -> Answer {
        for (name, value) in headers {
            if name != "set-cookie" {
                continue;
            }
            let pair = value.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || value.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let location = headers
            .iter()
            .find(|(k, _)| k == "location")
            .map(|(_, v)| v.clone());
        Answer {
            status,
            page,
            location,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let cookie = self.cookie_header();
        let (status, page, headers) =
            call(&self.state, "GET", path, &[("cookie", &cookie)], "").await;
        self.keep(status, page, &headers)
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let cookie = self.cookie_header();
        let body = serde_urlencoded::to_string(fields).unwrap();
        let (status, page, headers) = call(
            &self.state,
            "POST",
            path,
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
            ],
            &body,
        )
        .await;
        self.keep(status, page, &headers)
    }

    /// Follows redirects, as a browser does, to the page at the end.
    async fn follow(&mut self, mut answer: Answer) -> Answer {
        for _ in 0..5 {
            if answer.status != StatusCode::SEE_OTHER {
                return answer;
            }
            let to = answer.location.clone().unwrap();
            answer = self.get(&to).await;
        }
        panic!("too many redirects");
    }

    /// Answers the page on screen with `fields`, posting its form (with its
    /// hidden fields) to `action`, following any redirect.
    async fn answer(&mut self, action: &str, page: &str, fields: &[(&str, &str)]) -> Answer {
        let hidden: Vec<(String, String)> = ["form_token", "key", "answers", "question"]
            .iter()
            .filter(|name| page.contains(&format!("name=\"{name}\"")))
            .map(|name| ((*name).to_owned(), hidden(page, name)))
            .collect();
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.extend_from_slice(fields);
        let posted = self.post(action, &all).await;
        self.follow(posted).await
    }
}

fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

fn title(page: &str) -> String {
    page.split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_else(|| panic!("no title in {page}"))
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of a summary list's row, by its key's words.
fn row(page: &str, key: &str) -> String {
    page.split(key)
        .nth(1)
        .and_then(|rest| rest.split("govuk-summary-list__value\">").nth(1))
        .and_then(|rest| rest.split("</dd>").next())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no row {key} in {page}"))
}

async fn api_get(state: &AppState, path: &str, token: &str) -> Value {
    let (status, body, _) =
        call(state, "GET", path, &[("authorization", &bearer(token))], "").await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The application walked to its stop in danger: the legal warning, abuse,
/// danger, the police call (`police`), and, if asked, the optional page of
/// how the police may reach them, left empty.
async fn stop_in_danger(browser: &mut Browser, police: &str) -> Answer {
    let mut page = browser.get("/apply").await;
    page = browser.follow(page).await;
    for answer in ["yes", "yes", "yes", police] {
        page = browser
            .answer("/apply", &page.page, &[("answer", answer)])
            .await;
    }
    if police == "yes" {
        assert!(page.page.contains("How can the police reach you?"));
        page = browser
            .answer("/apply", &page.page, &[("phone", ""), ("place", "")])
            .await;
    }
    page
}

async fn a_stop_in_danger_leaves_no_application_but_the_danger_tops_the_specialist_queue(
    state: AppState,
) {
    // Another parent's case, with a disclosure not in danger: a specialist
    // item the danger must go above.
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "P1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "S1 1SS"}]}"#;
    let earlier = open_case_with_parties(&state, "caseworker-token", parties, None).await;
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{earlier}/disclosures"),
        &[
            ("authorization", &bearer("receiver-token")),
            ("idempotency-key", "earlier"),
        ],
        r#"{"immediate_danger": false}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // And one real application, waiting for its calculation.
    let waiting = case_records::CaseReference::from_random(0x5eed_0042);
    assert!(state.store.open_application(&waiting).await.unwrap());

    let mut parent = Browser::signed_in(&state, "dee@example.org", 44, "receiving_parent").await;
    let done = stop_in_danger(&mut parent, "yes").await;
    assert!(
        done.page.contains("Your application has not been sent"),
        "{}",
        done.page
    );
    assert!(!done.page.contains(OLD_PROMISE));

    let cases = state.store.case_references().await.unwrap();
    assert_eq!(
        cases.len(),
        3,
        "the stop keeps one case, for the disclosure"
    );
    let stopped = *cases
        .iter()
        .find(|c| c.to_string() != earlier && **c != waiting)
        .unwrap();
    // The disclosure is recorded, by her, in danger.
    let records = state.store.safety_events(&stopped).await.unwrap();
    assert!(records.iter().any(|r| r.event
        == safety::SafetyEvent::Disclosed {
            by: safety::Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        }));
    // No application is left: the queue holds only the real one, and a
    // calculation on the stopped case is refused.
    assert_eq!(state.store.applications().await.unwrap(), vec![waiting]);
    assert!(matches!(
        state
            .store
            .open_case(&stopped, Date::parse_iso("2026-06-01").unwrap())
            .await,
        Err(storage_api::StorageError::CaseConflict(_))
    ));
    assert_eq!(state.store.applications().await.unwrap(), vec![waiting]);

    // The specialist team: the danger at the top, above the earlier
    // disclosure.
    let queue = api_get(&state, "/api/v1/queues/specialist", "specialist-token").await;
    let listed: Vec<&str> = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed.first().copied(),
        Some(stopped.to_string().as_str()),
        "{queue}"
    );
    assert!(listed.contains(&earlier.as_str()), "{queue}");
    // Asked for a police call, that is its most urgent item; the
    // immediate-danger item is there too.
    assert_eq!(queue["cases"][0]["most_urgent"], "police_call_requested");
    let danger = api_get(
        &state,
        "/api/v1/work?kind=immediate_danger",
        "specialist-token",
    )
    .await;
    assert_eq!(danger["items"][0]["case"], stopped.to_string(), "{danger}");
    assert_eq!(danger["total"], 1, "{danger}");

    // The caseworkers: their applications waiting are the real one only.
    let work = api_get(
        &state,
        "/api/v1/work?kind=application_waiting",
        "caseworker-token",
    )
    .await;
    let items: Vec<&str> = work["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["case"].as_str().unwrap())
        .collect();
    assert_eq!(items, vec![waiting.to_string().as_str()], "{work}");

    // Management information: three cases, one application waiting.
    let mut leader = Browser::signed_in(&state, "lee@example.org", 60, "team_leader").await;
    let mi = leader.get("/work/mi").await;
    assert_eq!(mi.status, StatusCode::OK, "{}", mi.page);
    assert_eq!(row(&mi.page, "Applications waiting for a calculation"), "1");
    let (totals, _) = storage_api::mi::recount(state.store.as_ref())
        .await
        .unwrap();
    assert_eq!(totals.get(storage_api::mi::APPLICATIONS_WAITING, ""), 1);
    assert_eq!(
        state
            .store
            .mi_totals(None)
            .await
            .unwrap()
            .get(storage_api::mi::APPLICATIONS_WAITING, ""),
        1,
        "kept as the work happens, equal to the recount"
    );

    // Her account says honestly what happened.
    let account = parent.get("/account").await;
    assert!(
        account.page.contains("you did not finish applying")
            && !account.page.contains("We have your application"),
        "{}",
        account.page
    );

    // Sending the same stop again (an old page's form, a retry) opens
    // nothing more.
    assert!(!state.store.open_stopped_in_danger(&stopped).await.unwrap());
    assert!(matches!(
        state.store.open_stopped_in_danger(&waiting).await,
        Err(storage_api::StorageError::CaseConflict(_))
    ));
    assert_eq!(state.store.applications().await.unwrap(), vec![waiting]);
}

async fn a_stop_without_a_police_call_leaves_no_application_either(state: AppState) {
    let mut parent = Browser::signed_in(&state, "dee@example.org", 44, "receiving_parent").await;
    let done = stop_in_danger(&mut parent, "no").await;
    assert!(
        done.page
            .contains("You asked us not to call the police, so we will not.")
    );
    assert!(state.store.applications().await.unwrap().is_empty());
    let cases = state.store.case_references().await.unwrap();
    assert_eq!(cases.len(), 1);
    let queue = api_get(&state, "/api/v1/queues/specialist", "specialist-token").await;
    assert_eq!(queue["cases"][0]["reference"], cases[0].to_string());
    assert_eq!(queue["cases"][0]["most_urgent"], "immediate_danger");
    let work = api_get(
        &state,
        "/api/v1/work?kind=application_waiting",
        "caseworker-token",
    )
    .await;
    assert_eq!(work["total"], 0, "{work}");
}

/// The safety screen of an existing case, walked to its stop in danger.
async fn screen_to_danger(state: &AppState, police: &str) -> (Browser, String, Answer) {
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "P1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "S1 1SS"}]}"#;
    let reference = open_case_with_parties(state, "caseworker-token", parties, None).await;
    let mut browser = Browser::signed_in(state, "rae@example.org", 2, "receiving_parent").await;
    let action = format!("/account/cases/{reference}/safety");
    let mut page = browser.get(&action).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.page);
    for answer in ["yes", "yes", "yes"] {
        page = browser
            .answer(&action, &page.page, &[("answer", answer)])
            .await;
    }
    assert!(
        page.page
            .contains("Do you want us to call the police for you?")
    );
    assert!(
        !page
            .page
            .contains("a caseworker will call the police for you now"),
        "the question promises no call now: {}",
        page.page
    );
    assert!(page.page.contains("call 999 yourself now"));
    let stop = browser
        .answer(&action, &page.page, &[("answer", police)])
        .await;
    (browser, reference, stop)
}

async fn the_safety_screen_in_danger_says_honestly_what_will_happen(state: AppState) {
    let (_, reference, stop) = screen_to_danger(&state, "yes").await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.page);
    let page = &stop.page;
    assert!(!page.contains(OLD_PROMISE), "{page}");
    assert!(page.contains(
        "We have told our domestic abuse specialist team that you are in immediate danger"
    ));
    assert!(
        page.contains("call 999 now") && page.contains("href=\"tel:999\""),
        "{page}"
    );
    assert!(
        page.contains("press 55") && page.contains("Silent Solution"),
        "{page}"
    );
    assert!(page.contains("A specialist will call them as soon as they see this"));
    assert!(page.contains("We are not an emergency service"));
    // Its own title: not the application's stop page's.
    assert_eq!(
        title(page),
        "We have told our specialist team you are in danger – Child maintenance"
    );
    let mut parent = Browser::signed_in(&state, "dee@example.org", 44, "receiving_parent").await;
    let application_stop = stop_in_danger(&mut parent, "yes").await;
    assert_ne!(title(&application_stop.page), title(page));
    // The disclosure reached the specialist team, for this case.
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let records = state.store.safety_events(&case).await.unwrap();
    assert!(records.iter().any(|r| r.event
        == safety::SafetyEvent::Disclosed {
            by: safety::Party::ReceivingParent,
            immediate_danger: true,
            police_call_consented: true,
        }));
}

async fn the_safety_screen_without_a_police_call_says_none_will_be_made(state: AppState) {
    let (_, _, stop) = screen_to_danger(&state, "no").await;
    let page = &stop.page;
    assert!(page.contains("You asked us not to call the police, so we will not."));
    assert!(!page.contains("A specialist will call them"));
    assert!(!page.contains(OLD_PROMISE));
    assert!(page.contains("href=\"tel:999\""));
}

on_both_databases!(
    a_stop_in_danger_leaves_no_application_but_the_danger_tops_the_specialist_queue,
    a_stop_without_a_police_call_leaves_no_application_either,
    the_safety_screen_in_danger_says_honestly_what_will_happen,
    the_safety_screen_without_a_police_call_says_none_will_be_made,
);
