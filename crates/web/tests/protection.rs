//! Protection belongs to the person (issue 12), tried from outside as the
//! other parent and as every member of staff not entitled would, on SQLite
//! and on PostgreSQL (`on_both_databases!` at the end):
//!
//! - a flag recorded on one case protects her in her other case, on every
//!   channel (Direct Pay, the view, the staff view without a reason);
//! - only the specialist team lifts it, a proposal and a second
//!   specialist's approval, and she is told on her account;
//! - a disclosure protects her bank details at once;
//! - wrong types and unknown people are refused and change nothing;
//! - a payer's words carrying her location, however typed, reach no one
//!   not entitled: not the suspense queue, not the case's summary.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use serde_json::{Value, json};
use web::{AppState, hash_password, token_hash};

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties};

/// Her details, as a payer might smuggle them.
const ADDRESS: &str = "14 Acacia Avenue, Leeds";
const POSTCODE: &str = "ZW8 9PR";
const PHONE: &str = "07700 951824";
const SORT_CODE: &str = "99-44-79";
const ACCOUNT: &str = "31926819";
const SCHOOL: &str = "St Wilfrid's Catholic Primary School";

/// What must never be found, compared as the redaction compares: letters
/// and digits only, lower case.
fn her_secrets() -> Vec<&'static str> {
    vec![
        "acaciaavenue",
        "leeds",
        "zw89pr",
        "7700951824",
        "994479",
        ACCOUNT,
        "wilfrid",
    ]
}

fn assert_none_of_hers(seen: &str, who: &str) {
    let normalised = case_records::normalise(seen);
    for secret in her_secrets() {
        assert!(!normalised.contains(secret), "{who} saw {secret}: {seen}");
    }
}

fn parties(flagged: bool) -> String {
    json!({
        "paying_parent": {"person_id": 1, "name": "Pat Payer", "address": "1 Mill Lane, York", "postcode": "YO1 1AA",
                          "sort_code": "11-22-33", "account_number": "55555555"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rae Receiver", "address": ADDRESS, "postcode": POSTCODE,
                               "phone": PHONE, "sort_code": SORT_CODE, "account_number": ACCOUNT, "non_disclosure": flagged}],
        "children": [{"id": 1, "receiving_parent": 1, "name": "Kit Receiver", "school": SCHOOL}],
    })
    .to_string()
}

async fn issue(state: &AppState, token: &str, person: i64, role: &str) {
    state
        .store
        .issue_token(&token_hash(token), person, role)
        .await
        .unwrap();
}

async fn get(
    state: &AppState,
    path: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let auth = bearer(token);
    let mut headers = vec![("authorization", auth.as_str())];
    headers.extend_from_slice(extra);
    let (status, body, _) = call(state, "GET", path, &headers, "").await;
    (status, body)
}

async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (StatusCode, String) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        method,
        path,
        &[("authorization", &auth), ("idempotency-key", "k")],
        body,
    )
    .await;
    (status, body)
}

/// Everything the paying parent can get about a case.
async fn payer_sees(state: &AppState, case: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/api/v1/cases/{case}/view"),
        format!("/api/v1/cases/{case}/direct-pay"),
        format!("/api/v1/cases/{case}/statement.csv"),
        format!("/api/v1/cases/{case}/letters/calculation.pdf"),
    ] {
        let (_, body) = get(state, &path, "payer-token", &[]).await;
        all.push_str(&body);
        all.push_str(&common::pdf_text(&body));
    }
    all
}

async fn a_flag_on_one_case_protects_her_in_every_case_and_every_channel(state: AppState) {
    issue(&state, "leader-token", 50, "team_leader").await;
    issue(&state, "enforcer-token", 51, "enforcement_officer").await;
    let first = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties(true),
        Some("setting up"),
    )
    .await;
    // Her second case with the same paying parent; the flag is not repeated.
    let second = open_case_with_parties(
        &state,
        "caseworker-token",
        &parties(false),
        Some("setting up"),
    )
    .await;
    for case in [&first, &second] {
        let seen = payer_sees(&state, case).await;
        assert_none_of_hers(&seen, "the paying parent");
        for name in ["Rae Receiver", "Kit Receiver"] {
            assert!(
                !seen.contains(name),
                "the paying parent saw {name} on {case}"
            );
        }
        let (status, body) = get(
            &state,
            &format!("/api/v1/cases/{case}/direct-pay"),
            "payer-token",
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        for token in ["caseworker-token", "leader-token", "enforcer-token"] {
            // Staff outside the team see that the case is restricted, and
            // nothing of anyone in it.
            let (status, body) =
                get(&state, &format!("/api/v1/cases/{case}/view"), token, &[]).await;
            assert_eq!(status, StatusCode::OK, "{token} on {case}: {body}");
            assert_eq!(
                serde_json::from_str::<Value>(&body).unwrap()["restricted"],
                true
            );
            assert_none_of_hers(&body, token);
            assert!(!body.contains("Rae Receiver"), "{token} on {case}: {body}");
            let (status, body) = get(
                &state,
                &format!("/api/v1/cases/{case}/collection"),
                token,
                &[],
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{token} on {case}: {body}");
        }
    }
    // The specialist team sees her details, on either case.
    let (status, body) = get(
        &state,
        &format!("/api/v1/cases/{second}/view"),
        "specialist-token",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Acacia Avenue"), "{body}");
    let (status, body) = get(
        &state,
        "/api/v1/people/2/protection",
        "specialist-token",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let protection: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(protection["protected"], true);
    assert_eq!(protection["history"][0]["cause"], "recorded_on_case");
}

async fn lifting_protection_takes_two_specialists_and_she_is_told(state: AppState) {
    issue(&state, "leader-token", 50, "team_leader").await;
    issue(
        &state,
        "second-specialist-token",
        31,
        "domestic_abuse_specialist",
    )
    .await;
    let case = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    let flag = |value: bool| format!(r#"{{"flag": {value}}}"#);
    assert_eq!(
        send(
            &state,
            "PUT",
            "/api/v1/people/2/non-disclosure",
            "caseworker-token",
            &flag(true)
        )
        .await
        .0,
        StatusCode::OK
    );
    let direct_pay = format!("/api/v1/cases/{case}/direct-pay");
    let still_protected = || async {
        let (status, body) = get(&state, &direct_pay, "payer-token", &[]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_none_of_hers(&body, "the paying parent");
    };
    still_protected().await;
    // Nobody lifts it by the flag: not a caseworker, not a team leader,
    // and a specialist is sent to the proposal.
    for (token, refused) in [
        ("caseworker-token", StatusCode::FORBIDDEN),
        ("leader-token", StatusCode::FORBIDDEN),
        ("specialist-token", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, body) = send(
            &state,
            "PUT",
            "/api/v1/people/2/non-disclosure",
            token,
            &flag(false),
        )
        .await;
        assert_eq!(status, refused, "{token}: {body}");
        still_protected().await;
    }
    let propose = "/api/v1/people/2/protection/lift-proposals";
    let approve = "/api/v1/people/2/protection/lift-approvals";
    for token in [
        "caseworker-token",
        "leader-token",
        "payer-token",
        "receiver-token",
    ] {
        assert_eq!(
            send(&state, "POST", propose, token, r#"{"reason": "asked"}"#)
                .await
                .0,
            StatusCode::FORBIDDEN,
            "{token}"
        );
    }
    assert_eq!(
        send(&state, "POST", propose, "specialist-token", "{}")
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    assert_eq!(
        send(&state, "POST", approve, "specialist-token", "{}")
            .await
            .0,
        StatusCode::CONFLICT,
        "nothing proposed"
    );
    let (status, body) = send(
        &state,
        "POST",
        propose,
        "specialist-token",
        r#"{"reason": "she asked us to, in person"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    still_protected().await;
    assert_eq!(
        send(&state, "POST", approve, "specialist-token", "{}")
            .await
            .0,
        StatusCode::CONFLICT,
        "not by the one who proposed"
    );
    assert_eq!(
        send(&state, "POST", approve, "caseworker-token", "{}")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    still_protected().await;
    let (status, body) = send(&state, "POST", approve, "second-specialist-token", "{}").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Lifted everywhere; both steps audited; she is told on her account.
    let (status, body) = get(&state, &direct_pay, "payer-token", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let audited: Vec<String> = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .flat_map(|e| e.record.fields.clone())
        .collect();
    for step in [
        "person-2.protection.lift_proposed",
        "person-2.protection.lift_approved",
    ] {
        assert!(audited.iter().any(|f| f == step), "{step} not audited");
    }
    state
        .store
        .create_account(
            "rae@example.org",
            &hash_password("a passphrase for tests"),
            2,
            "receiving_parent",
        )
        .await
        .unwrap();
    let (_, _, headers) = call(
        &state,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        "login=rae@example.org&password=a+passphrase+for+tests",
    )
    .await;
    let cookie = headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .and_then(|(_, c)| c.split(';').next())
        .unwrap()
        .to_owned();
    let (_, page, _) = call(&state, "GET", "/account", &[("cookie", &cookie)], "").await;
    assert!(
        page.contains("stopped withholding your contact and bank details"),
        "{page}"
    );
}

async fn a_disclosure_protects_her_bank_details_at_once(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    let direct_pay = format!("/api/v1/cases/{case}/direct-pay");
    let (status, body) = get(&state, &direct_pay, "payer-token", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(ACCOUNT),
        "before, a transfer needs her account"
    );
    let (status, _) = send(
        &state,
        "POST",
        &format!("/api/v1/cases/{case}/disclosures"),
        "receiver-token",
        r#"{"immediate_danger": true, "police_call_consented": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = get(&state, &direct_pay, "payer-token", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_none_of_hers(&payer_sees(&state, &case).await, "the paying parent");
    let (_, view) = get(
        &state,
        &format!("/api/v1/cases/{case}/view"),
        "caseworker-token",
        &[],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&view).unwrap()["restricted"],
        true,
        "staff outside the team, until a specialist reviews"
    );
    assert_none_of_hers(&view, "a caseworker");
}

async fn wrong_types_and_unknown_people_change_nothing(state: AppState) {
    let case = open_case_with_parties(&state, "caseworker-token", &parties(false), None).await;
    let put = format!("/api/v1/cases/{case}/parties");
    let good: Value = serde_json::from_str(&parties(false)).unwrap();
    let mut attempts: Vec<(Value, &str)> = Vec::new();
    for wrong in [json!("true"), json!(1), json!(null).clone()] {
        if wrong.is_null() {
            continue;
        }
        let mut body = good.clone();
        body["receiving_parents"][0]["non_disclosure"] = wrong;
        attempts.push((body, "receiving_parents[0].non_disclosure"));
    }
    let mut body = good.clone();
    body["children"] = json!({"id": 1});
    attempts.push((body, "children"));
    let mut body = good.clone();
    body["named_caseworker"] = json!("17");
    attempts.push((body, "named_caseworker"));
    let mut body = good.clone();
    body["receiving_parents"][0]["name"] = json!("CHANGED");
    body["receiving_parents"][0]["non_disclosure"] = json!("yes");
    attempts.push((body, "receiving_parents[0].non_disclosure"));
    for (body, field) in attempts {
        let (status, answer) =
            send(&state, "PUT", &put, "caseworker-token", &body.to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["error"]["field"], field);
    }
    let (_, view) = get(
        &state,
        &format!("/api/v1/cases/{case}/view"),
        "caseworker-token",
        &[],
    )
    .await;
    assert!(
        !view.contains("CHANGED"),
        "a refused record changed nothing"
    );
    for person in ["987654321", "-1", "0", "abc"] {
        let (status, body) = send(
            &state,
            "PUT",
            &format!("/api/v1/people/{person}/non-disclosure"),
            "caseworker-token",
            r#"{"flag": true}"#,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{person}: {body}");
    }
    for body in [
        r#"{"flag": "true"}"#,
        r#"{"flag": 1}"#,
        r#"{"flag": true, "also": 1}"#,
        "[]",
    ] {
        let (status, answer) = send(
            &state,
            "PUT",
            "/api/v1/people/2/non-disclosure",
            "caseworker-token",
            body,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
    }
    assert!(state.store.protected_people().await.unwrap().is_empty());
}

/// Her location in a payer's words, typed every way a payer might.
fn smuggled() -> Vec<&'static str> {
    vec![
        "CM-XXXX moved to acacia avenue ZW89PR",
        "tel 07700951824 call me",
        "+44 7700 951 824",
        "sort 994479 acc 31926819",
        "Acacia Avenue Leeds",
        "saw kit outside wilfrids",
        "z.w.8 9.p.r",
    ]
}

async fn payers_words_carrying_her_location_reach_no_one_not_entitled(state: AppState) {
    issue(&state, "leader-token", 50, "team_leader").await;
    issue(&state, "enforcer-token", 51, "enforcement_officer").await;
    open_case_with_parties(
        &state,
        "caseworker-token",
        &parties(true),
        Some("setting up"),
    )
    .await;
    let statement = bank_files::Statement {
        id: "S".to_owned(),
        entries: smuggled()
            .into_iter()
            .enumerate()
            .map(|(n, words)| bank_files::StatementEntry {
                bank_reference: format!("Q-{n}"),
                amount: Pence::new(1_000),
                is_credit: true,
                booked: Date::parse_iso("2026-05-06").unwrap(),
                remittance: words.to_owned(),
            })
            .collect(),
    };
    let (transfers, unmatched) = bank_files::payment_transfers(&statement, &|_| false);
    state.store.post_transfers(&transfers).await.unwrap();
    state
        .store
        .record_payment_notes(&bank_files::payment_notes(&statement, &unmatched))
        .await
        .unwrap();
    for token in ["caseworker-token", "leader-token", "enforcer-token"] {
        let (status, body) = get(&state, "/api/v1/suspense", token, &[]).await;
        assert_eq!(status, StatusCode::OK, "{token}");
        assert_none_of_hers(&body, token);
        assert!(body.contains("call me"), "ordinary words are kept: {body}");
    }
    // The words themselves are kept whole for the specialist team.
    let notes = state
        .store
        .payment_notes_for(&[ledger::TransferId("bank/Q-0".to_owned())])
        .await
        .unwrap();
    assert_eq!(notes[0].remittance, smuggled()[0]);
}

on_both_databases!(
    a_flag_on_one_case_protects_her_in_every_case_and_every_channel,
    lifting_protection_takes_two_specialists_and_she_is_told,
    a_disclosure_protects_her_bank_details_at_once,
    wrong_types_and_unknown_people_change_nothing,
    payers_words_carrying_her_location_reach_no_one_not_entitled,
);
