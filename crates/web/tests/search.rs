//! Finding a case (issue 14) by reference, name, National Insurance
//! number, date of birth, postcode and phone, over sealed data, on SQLite
//! and PostgreSQL (`on_both_databases!` at the end):
//!
//! - each kind is found however it is written, through the API and the
//!   `/work` search box;
//! - a restricted case is listed as restricted, and nothing personal is on
//!   the results page;
//! - parents, auditors and administrators cannot search by personal data;
//! - every search is audited, by kind, never by value;
//! - the database holds no plain value of what is indexed (SQLite: its
//!   file's bytes are searched).

use axum::http::StatusCode;
use serde_json::{Value, json};
use storage_api::Store;
use web::{AppState, token_hash};

mod common;

use common::{bearer, call, open_case_with_parties, session};

/// The paying parent everything is searched for.
const NAME: &str = "Xanthippe O'Quarrington";
const POSTCODE: &str = "ZW8 9PR";
const PHONE: &str = "07700 951824";
const NI_NUMBER: &str = "JZ 99 00 01 D";
const BORN: &str = "1985-03-12";
const ADDRESS: &str = "14 Acacia Avenue, Leeds";

fn parties(flagged: bool) -> String {
    json!({
        "paying_parent": {
            "person_id": 501, "name": NAME, "address": ADDRESS, "postcode": POSTCODE,
            "phone": PHONE, "ni_number": NI_NUMBER, "date_of_birth": BORN
        },
        "receiving_parents": [{
            "id": 1, "person_id": 502, "name": "Rhian Quince", "address": "2 Safe Street, Hull",
            "postcode": "HU1 2AB", "non_disclosure": flagged
        }],
        "children": [{"id": 1, "receiving_parent": 1, "name": "Ada Quince"}]
    })
    .to_string()
}

/// Another case, not to be found by the paying parent's details.
fn others() -> String {
    json!({
        "paying_parent": {
            "person_id": 503, "name": "Tomos Price", "address": "1 Castle Street, Cardiff",
            "postcode": "CF10 1AA", "phone": "029 2000 0000", "ni_number": "AB 12 34 56 C",
            "date_of_birth": "1990-01-01"
        },
        "receiving_parents": [{
            "id": 1, "person_id": 504, "name": "Megan Price", "address": "3 Wharf Road, Swindon",
            "postcode": "SN1 1AA"
        }]
    })
    .to_string()
}

/// Percent-encodes a query value.
fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn search_api(state: &AppState, token: &str, query: &str) -> (StatusCode, Value) {
    let (status, body, _) = call(
        state,
        "GET",
        &format!("/api/v1/search?{query}"),
        &[("authorization", &bearer(token))],
        "",
    )
    .await;
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}")),
    )
}

/// The `(reference, party, restricted)` of each result.
fn results(answer: &Value) -> Vec<(String, Value, bool)> {
    answer["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {answer}"))
        .iter()
        .map(|r| {
            (
                r["reference"].as_str().unwrap().to_owned(),
                r["party"].clone(),
                r["restricted"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn only(reference: &str, party: &str, restricted: bool) -> Vec<(String, Value, bool)> {
    vec![(reference.to_owned(), json!(party), restricted)]
}

async fn found_by_every_kind_however_it_is_written(state: AppState) {
    let reference = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    let _ = open_case_with_parties(&state, "caseworker-token", &others(), None).await;
    let search = |kind: &str, q: &str| {
        let state = state.clone();
        let query = format!("kind={kind}&q={}", encoded(q));
        let kind = kind.to_owned();
        async move {
            let (status, answer) = search_api(&state, "caseworker-token", &query).await;
            assert_eq!(status, StatusCode::OK, "{query}: {answer}");
            assert_eq!(answer["kind"], kind.as_str(), "{answer}");
            results(&answer)
        }
    };
    let payer = only(&reference, "paying_parent", false);
    assert_eq!(search("postcode", "zw89pr").await, payer);
    assert_eq!(search("postcode", "ZW8 9PR").await, payer);
    assert_eq!(search("phone", "+44 7700 951824").await, payer);
    assert_eq!(search("phone", "07700951824").await, payer);
    assert_eq!(search("ni_number", "jz 99 00 01 d").await, payer);
    assert_eq!(search("ni_number", "JZ990001D").await, payer);
    assert_eq!(search("date_of_birth", "1985-03-12").await, payer);
    assert_eq!(search("date_of_birth", "12/03/1985").await, payer);
    assert_eq!(search("name", "xanthippe").await, payer);
    assert_eq!(search("name", "O'QUARRINGTON Xanthippe").await, payer);
    assert_eq!(search("name", "oquarrington").await, payer);
    assert_eq!(
        search("name", "QUINCE").await,
        vec![
            (reference.clone(), json!("child:1"), false),
            (reference.clone(), json!("receiving_parent:1"), false),
        ]
    );
    assert!(search("postcode", "ZW8 9PQ").await.is_empty());
    assert!(search("name", "xanthippe price").await.is_empty());
    // No kind: worked out from what was typed.
    let (status, answer) = search_api(&state, "caseworker-token", "q=zw89pr").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["kind"], "postcode");
    assert_eq!(results(&answer), payer);
    let (_, answer) = search_api(
        &state,
        "caseworker-token",
        &format!("q={}", reference.to_lowercase()),
    )
    .await;
    assert_eq!(answer["kind"], "reference");
    assert_eq!(
        results(&answer),
        vec![(reference.clone(), Value::Null, false)]
    );
    // The staff view shows what was recorded, as staff may see it.
    let (status, view, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{reference}/view"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let view: Value = serde_json::from_str(&view).unwrap();
    assert_eq!(view["parties"][0]["ni_number"]["value"], "JZ990001D");
    assert_eq!(view["parties"][0]["date_of_birth"]["value"], BORN);
    // Every search is audited, by its kind and what it found: never the value.
    let entries = state.store.audit_entries().await.unwrap();
    let searches: Vec<_> = entries
        .iter()
        .filter(|e| e.record.action == audit_log::Action::Searched)
        .collect();
    assert_eq!(searches.len(), 16);
    for entry in &searches {
        assert_eq!(entry.record.actor, "staff-17");
        let printed = format!("{:?}", entry.record).to_lowercase();
        for value in ["zw8", "7700", "jz99", "1985", "xanthippe", "quince"] {
            assert!(!printed.contains(value), "{printed}");
        }
    }
    assert!(
        searches
            .iter()
            .any(|e| e.record.fields == ["kind:postcode", "found:1"])
    );
}

async fn what_is_recorded_is_checked(state: AppState) {
    let reference = open_case_with_parties(&state, "caseworker-token", &others(), None).await;
    let put = |body: String| {
        let state = state.clone();
        let path = format!("/api/v1/cases/{reference}/parties");
        async move {
            let (status, answer, _) = call(
                &state,
                "PUT",
                &path,
                &[("authorization", &bearer("caseworker-token"))],
                &body,
            )
            .await;
            let answer: Value = serde_json::from_str(&answer).unwrap();
            (
                status,
                answer["error"]["field"].as_str().unwrap_or("").to_owned(),
            )
        }
    };
    let with = |field: &str, value: Value| {
        let mut body: Value = serde_json::from_str(&parties(false)).unwrap();
        body["paying_parent"][field] = value;
        body.to_string()
    };
    // HMRC's specimen prefix, a prefix never allocated, a bad suffix.
    for refused in ["QQ 12 34 56 C", "GB123456A", "AB123456E", "AB12345C"] {
        assert_eq!(
            put(with("ni_number", json!(refused))).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "paying_parent.ni_number".to_owned()
            ),
            "{refused}"
        );
    }
    assert_eq!(
        put(with("ni_number", json!(123_456))).await.1,
        "paying_parent.ni_number"
    );
    // The clock says 1 June 2026.
    for refused in [json!("2026-06-02"), json!("12/03/1985"), json!(19_850_312)] {
        assert_eq!(
            put(with("date_of_birth", refused.clone())).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "paying_parent.date_of_birth".to_owned()
            ),
            "{refused}"
        );
    }
    assert_eq!(
        put(with("date_of_birth", json!("2026-06-01"))).await.0,
        StatusCode::OK
    );
}

/// Searches from the `/work` box as the signed-in `cookie`.
async fn search_page(state: &AppState, cookie: &str, q: &str) -> (StatusCode, String, String) {
    let (status, work, _) = call(state, "GET", "/work", &[("cookie", cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(work.contains("action=\"/work/search\""), "{work}");
    let token = work
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let (status, page, headers) = call(
        state,
        "POST",
        "/work/search",
        &[
            ("cookie", cookie),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("form_token={token}&q={}", encoded(q)),
    )
    .await;
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map_or(String::new(), |(_, v)| v.clone());
    (status, page, location)
}

async fn a_restricted_case_is_listed_as_restricted_and_nothing_personal_is_shown(state: AppState) {
    let restricted = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties(true),
        Some("recording a new application"),
    )
    .await;
    let open = open_case_with_parties(&state, "caseworker-token", &others(), None).await;
    let (status, answer) = search_api(&state, "caseworker-token", "kind=postcode&q=ZW89PR").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(results(&answer), only(&restricted, "paying_parent", true));

    let cookie = session(&state, "case.worker@example.org", 17, "caseworker").await;
    for typed in [
        "zw8 9pr",
        "+44 7700 951824",
        "JZ990001D",
        "12/03/1985",
        "xanthippe",
    ] {
        let (status, page, _) = search_page(&state, &cookie, typed).await;
        assert_eq!(status, StatusCode::OK, "{typed}: {page}");
        assert!(
            page.contains(&format!("href=\"/work/cases/{restricted}\"")),
            "{typed}: {page}"
        );
        assert!(page.contains("Restricted"), "{page}");
        assert!(page.contains("Paying parent"), "{page}");
        assert!(!page.contains(&open), "{page}");
        let flat = page.to_lowercase().replace([' ', '-'], "");
        for personal in [
            "xanthippe",
            "quarrington",
            "zw89pr",
            "7700951824",
            "jz990001d",
            "1985",
            "acacia",
            "quince",
            "hu12ab",
        ] {
            assert!(
                !flat.contains(personal),
                "{typed}: {personal} shown: {page}"
            );
        }
    }
    // An open case is listed without the tag, and a reference goes straight there.
    let (_, page, _) = search_page(&state, &cookie, "Tomos Price").await;
    assert!(page.contains(&format!("href=\"/work/cases/{open}\"")) && !page.contains("Restricted"));
    let (status, _, location) = search_page(&state, &cookie, &restricted.to_lowercase()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/work/cases/{restricted}"));
    // Opening the restricted case still needs the role or a reason.
    let (status, page, _) = call(&state, "GET", &location, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("This case is restricted") && !page.contains("Xanthippe"),
        "{page}"
    );
    // Nothing found, and something that is no kind of value.
    let (status, page, _) = search_page(&state, &cookie, "ZW8 9PQ").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No cases found"), "{page}");
    let (status, page, _) = search_page(&state, &cookie, "12 Acacia Avenue").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("govuk-error-summary"), "{page}");
}

async fn parents_auditors_and_administrators_cannot_search_by_personal_data(state: AppState) {
    let reference = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    for token in ["parent-token", "payer-token", "admin-token"] {
        let (status, answer) = search_api(&state, token, "kind=postcode&q=zw89pr").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token}: {answer}");
    }
    let (status, _) = search_api(&state, "parent-token", &format!("q={reference}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Staff who run no case may still go to one by its reference.
    let (status, answer) = search_api(&state, "admin-token", &format!("q={reference}")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _, _) = call(&state, "GET", "/api/v1/search?q=zw89pr", &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Enforcement sees no phone numbers, so it does not search by them.
    state
        .store
        .issue_token(&token_hash("enforcement-token"), 60, "enforcement_officer")
        .await
        .unwrap();
    let (status, _) = search_api(&state, "enforcement-token", "kind=phone&q=07700951824").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = search_api(&state, "enforcement-token", "kind=postcode&q=zw89pr").await;
    assert_eq!(status, StatusCode::OK);
    // A parent at the search page is sent to sign in.
    let (status, _, headers) = call(
        &state,
        "POST",
        "/work/search",
        &[
            ("authorization", &bearer("parent-token")),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        "q=zw89pr",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "location" && v == "/sign-in")
    );
    // An auditor's box takes a reference only.
    let auditor = session(&state, "auditor@example.org", 70, "auditor").await;
    let (status, page, _) = search_page(&state, &auditor, "zw89pr").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let (status, _, location) = search_page(&state, &auditor, &reference).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/work/cases/{reference}/audit"));
}

async fn bad_queries_are_refused_naming_the_parameter(state: AppState) {
    for (query, field) in [
        ("kind=postcode&q=Leeds", "q"),
        ("kind=postcode", "q"),
        ("kind=shoe_size&q=9", "kind"),
        ("q=zw89pr&page=2", "page"),
        ("q=12+Acacia+Avenue", "q"),
        ("kind=date_of_birth&q=2030-01-01", "q"),
        ("kind=reference&q=CM-0000", "q"),
    ] {
        let (status, answer) = search_api(&state, "caseworker-token", query).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {answer}"
        );
        assert_eq!(answer["error"]["field"], field, "{query}: {answer}");
    }
    // A well-formed reference of no case: found nothing.
    let (status, answer) = search_api(
        &state,
        "caseworker-token",
        &format!("q={}", case_records::CaseReference::from_random(424_242)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(results(&answer).is_empty());
}

/// The SQLite file, searched byte by byte after the parties were written
/// and searched: no indexed value is there in any form.
#[tokio::test]
async fn the_database_file_holds_no_plain_value_of_what_is_indexed() {
    let folder = std::env::temp_dir().join(format!("cms-search-bytes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    let path = folder.join("cms.sqlite");
    let store = storage_sqlite::SqliteStore::open(&path).await.unwrap();
    store
        .issue_token(&token_hash("caseworker-token"), 17, "caseworker")
        .await
        .unwrap();
    let state = common::state_with(std::sync::Arc::new(store));
    let reference = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    for query in [
        "kind=postcode&q=zw89pr",
        "kind=name&q=Xanthippe",
        "kind=phone&q=07700951824",
        "kind=ni_number&q=JZ990001D",
        "kind=date_of_birth&q=1985-03-12",
    ] {
        let (status, answer) = search_api(&state, "caseworker-token", query).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(results(&answer), only(&reference, "paying_parent", false));
    }
    state.store.close().await;
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let lower = bytes.to_ascii_lowercase();
    // The scan sees what is stored in the clear: the case's reference.
    let stored = reference.to_ascii_lowercase();
    assert!(lower.windows(stored.len()).any(|w| w == stored.as_bytes()));
    for plain in [
        "zw8 9pr",
        "zw89pr",
        "xanthippe",
        "quarrington",
        "7700951824",
        "7700 951824",
        "jz990001d",
        "jz 99 00 01 d",
        "1985-03-12",
        "acacia",
    ] {
        assert!(
            !lower.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "{plain} is in the database file"
        );
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// Each journey runs on both databases: SQLite, and PostgreSQL in a fresh
/// schema (with `CI=true` an unreachable PostgreSQL fails the test).
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

on_both_databases!(
    found_by_every_kind_however_it_is_written,
    what_is_recorded_is_checked,
    a_restricted_case_is_listed_as_restricted_and_nothing_personal_is_shown,
    parents_auditors_and_administrators_cannot_search_by_personal_data,
    bad_queries_are_refused_naming_the_parameter,
);
