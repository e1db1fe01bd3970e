//! Collection over HTTP: each parent downloads only their own statement;
//! staff see a case's collection and take enforcement steps in order, with
//! a second person to approve and the specialist team first where anyone
//! is at risk.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use case_records::{CaseReference, ReceivingParentId};
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId, disbursement_run};
use serde_json::Value;
use web::{AppState, token_hash};

mod common;

use common::{bearer, call, open_case_with_parties, state_named};

fn d(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

/// A case with two receiving parents, money due, paid and passed on.
async fn case_with_money(state: &AppState, flagged: bool) -> CaseReference {
    for (token, person, role) in [
        ("second-receiver-token", 3, "receiving_parent"),
        ("stranger-token", 9, "receiving_parent"),
        ("officer-token", 50, "enforcement_officer"),
        ("second-caseworker-token", 51, "caseworker"),
    ] {
        state
            .store
            .issue_token(&token_hash(token), person, role)
            .await
            .unwrap();
    }
    let parties = format!(
        r#"{{"paying_parent": {{"person_id": 1, "name": "PAYER", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP", "non_disclosure": {flagged}}},
            "receiving_parents": [
              {{"id": 1, "person_id": 2, "name": "FIRST", "address": "FIRST-ADDRESS", "postcode": "FF1 1FF"}},
              {{"id": 2, "person_id": 3, "name": "SECOND", "address": "SECOND-ADDRESS", "postcode": "SS2 2SS"}}]}}"#
    );
    let case = CaseReference::parse(
        &open_case_with_parties(state, "caseworker-token", &parties, None).await,
    )
    .unwrap();
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let due = |rp| Account::of_case(case, AccountKind::ReceivingParentDue(ReceivingParentId(rp)));
    let transfer = |id: &str, debit, credit, pence, code, on: &str| Transfer {
        id: TransferId(id.to_owned()),
        debit,
        credit,
        amount: Pence::new(pence),
        code,
        effective: d(on),
        corrects: None,
    };
    let mut transfers = vec![
        transfer(
            "a1",
            owes,
            due(1),
            5_000,
            TransferCode::Accrual,
            "2026-05-04",
        ),
        transfer(
            "a2",
            owes,
            due(2),
            3_000,
            TransferCode::Accrual,
            "2026-05-04",
        ),
        transfer(
            "p1",
            Account::BANK,
            owes,
            6_000,
            TransferCode::Payment,
            "2026-05-05",
        ),
    ];
    let run = disbursement_run(
        &transfers,
        case,
        d("2026-05-05"),
        Some(domain_types::PartsPerMillion::new(40_000).unwrap()),
        &BTreeSet::new(),
    );
    transfers.extend(run.transfers);
    state.store.post_transfers(&transfers).await.unwrap();
    case
}

#[tokio::test]
async fn each_parent_downloads_only_their_own_statement() {
    let state = state_named("statements").await;
    let case = case_with_money(&state, false).await;
    let path = format!("/api/v1/cases/{case}/statement.csv");
    let get = |token: &'static str, query: &'static str| {
        let state = state.clone();
        let path = format!("{path}{query}");
        async move {
            call(
                &state,
                "GET",
                &path,
                &[("authorization", &bearer(token))],
                "",
            )
            .await
        }
    };

    let (status, payer, headers) = get("payer-token", "").await;
    assert_eq!(status, StatusCode::OK, "{payer}");
    assert!(headers.contains(&(
        "content-type".to_owned(),
        "text/csv; charset=utf-8".to_owned()
    )));
    assert!(headers.contains(&("cache-control".to_owned(), "no-store".to_owned())));
    assert_eq!(
        payer,
        "date,description,due,paid,charged,passed_on,balance\r\n\
         2026-05-04,Maintenance due,80.00,0.00,0.00,0.00,80.00\r\n\
         2026-05-05,Payment received,0.00,60.00,0.00,0.00,20.00\r\n"
    );

    // £60 settles the first's £50 then £10 of the second's £30.
    let (status, first, _) = get("receiver-token", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first,
        "date,description,due,paid,charged,passed_on,balance\r\n\
         2026-05-04,Maintenance due to you,50.00,0.00,0.00,0.00,50.00\r\n\
         2026-05-05,Collected from the paying parent,0.00,50.00,0.00,0.00,0.00\r\n\
         2026-05-05,Collection fee,0.00,0.00,2.00,0.00,0.00\r\n\
         2026-05-05,Paid to you,0.00,0.00,0.00,48.00,0.00\r\n"
    );
    let (_, second, _) = get("second-receiver-token", "").await;
    assert!(second.contains("Maintenance due to you,30.00"));
    assert!(second.contains("Collected from the paying parent,0.00,10.00"));
    assert!(
        !second.contains("50.00"),
        "never the other receiving parent's figures: {second}"
    );
    // A parent of another case, or staff who do not say whose: refused.
    let (status, _, _) = get("stranger-token", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get("caseworker-token", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, staff_view, _) = get("caseworker-token", "?for=receiving_parent:1").await;
    assert_eq!((status, staff_view), (StatusCode::OK, first));
    let (status, _, _) = get("admin-token", "?for=paying_parent").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Every download is audited as a view.
    let audited = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.record.fields.iter().any(|f| f.starts_with("statement.")))
        .count();
    assert_eq!(audited, 4);
}

async fn act(
    state: &AppState,
    case: CaseReference,
    token: &str,
    key: &str,
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{case}/collection/actions"),
        &[
            ("authorization", &auth),
            ("idempotency-key", key),
            ("x-break-glass-reason", "enforcement review of arrears"),
        ],
        body,
    )
    .await;
    (status, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn enforcement_is_proposed_approved_by_another_and_charged_once() {
    let state = state_named("enforcement").await;
    let case = case_with_money(&state, false).await;
    let propose = r#"{"action": "propose_enforcement", "step": 1, "enforcement": "deduction_from_earnings_order"}"#;
    let (status, body) = act(&state, case, "officer-token", "k1", propose).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = act(&state, case, "officer-token", "k1", propose).await;
    assert_eq!(status, StatusCode::OK, "a retry changes nothing");
    let liability =
        r#"{"action": "propose_enforcement", "step": 2, "enforcement": "liability_order"}"#;
    let (status, body) = act(&state, case, "officer-token", "k2", liability).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let approve = r#"{"action": "approve_enforcement", "step": 1}"#;
    let (status, body) = act(&state, case, "officer-token", "k3", approve).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("someone other than its proposer")
    );
    let (status, body) = act(&state, case, "caseworker-token", "k4", approve).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["charge_pence"], 5_000);
    let letter = body["letter"].as_str().unwrap();
    assert!(
        letter.starts_with("Child Maintenance Service, PO Box 1, Testtown TT1 1TT\n"),
        "{letter}"
    );
    assert!(letter.contains("a deduction from earnings order"));
    assert!(letter.contains("a charge of £50.00"));
    // £20 still owed for the second receiving parent, and the charge.
    assert!(letter.contains("You owe £70.00"), "{letter}");
    for secret in [
        "PAYER-ADDRESS",
        "FIRST-ADDRESS",
        "SECOND-ADDRESS",
        "FIRST",
        "SECOND",
    ] {
        assert!(!letter.contains(secret), "{secret} in the letter");
    }
    let (status, body) = act(
        &state,
        case,
        "caseworker-token",
        "k5",
        r#"{"action": "approve_enforcement", "step": 7}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, summary, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/collection"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    // £20 of the second receiving parent's maintenance and the £50 charge.
    assert_eq!(summary["arrears_pence"], 7_000);
    assert_eq!(summary["enforcement"][0]["status"], "in_force");
    assert_eq!(summary["enforcement"][0]["approved_by"], 17);
    let charges = state
        .store
        .transfers_for_case(&case)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.code == TransferCode::EnforcementCharge)
        .count();
    assert_eq!(charges, 1, "the charge is posted once");
    // The letter to the paying parent, as tagged PDF: their own address,
    // nothing of either receiving parent's.
    let (status, pdf, headers) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/collection/steps/1/letter.pdf"),
        &[
            ("authorization", &bearer("caseworker-token")),
            ("x-break-glass-reason", "enforcement letter"),
        ],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains(&("content-type".to_owned(), "application/pdf".to_owned())));
    assert!(pdf.starts_with("%PDF-1.7") && pdf.contains("/MarkInfo << /Marked true >>"));
    assert!(pdf.contains("a deduction from earnings order") && pdf.contains("PAYER-ADDRESS"));
    for secret in ["FIRST-ADDRESS", "SECOND-ADDRESS", "FF1 1FF", "SS2 2SS"] {
        assert!(!pdf.contains(secret), "{secret} in the enforcement letter");
    }
    let (status, _, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/collection/steps/9/letter.pdf"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn where_anyone_is_at_risk_the_specialist_team_reviews_before_approval() {
    let state = state_named("at-risk").await;
    let case = case_with_money(&state, true).await;
    let propose =
        r#"{"action": "propose_enforcement", "step": 1, "enforcement": "regular_deduction_order"}"#;
    let (status, body) = act(&state, case, "officer-token", "p", propose).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let approve = r#"{"action": "approve_enforcement", "step": 1}"#;
    let (status, body) = act(&state, case, "caseworker-token", "a1", approve).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("specialist team must review")
    );
    let (status, body) = act(
        &state,
        case,
        "specialist-token",
        "r",
        r#"{"action": "review_enforcement", "step": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = act(&state, case, "caseworker-token", "a2", approve).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Holding and releasing a receiving parent's money, with a reason.
    let (status, _) = act(
        &state,
        case,
        "caseworker-token",
        "h0",
        r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": ""}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = act(&state, case, "caseworker-token", "h1", r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": "account being checked"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = act(
        &state,
        case,
        "caseworker-token",
        "h2",
        r#"{"action": "release_disbursements", "receiving_parent": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = act(
        &state,
        case,
        "caseworker-token",
        "h3",
        r#"{"action": "release_disbursements", "receiving_parent": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn caseworkers_match_suspense_money_and_the_payers_words_reach_no_parent() {
    let state = state_named("suspense").await;
    let case = case_with_money(&state, false).await;
    let statement = bank_files::Statement {
        id: "S".to_owned(),
        entries: vec![bank_files::StatementEntry {
            bank_reference: "Q-1".to_owned(),
            amount: Pence::new(2_000),
            is_credit: true,
            booked: d("2026-05-06"),
            remittance: "PAYER-WORDS no reference".to_owned(),
        }],
    };
    let (transfers, unmatched) = bank_files::payment_transfers(&statement, &|_| false);
    state.store.post_transfers(&transfers).await.unwrap();
    state
        .store
        .record_payment_notes(&bank_files::payment_notes(&statement, &unmatched))
        .await
        .unwrap();
    let (status, _, _) = call(
        &state,
        "GET",
        "/api/v1/suspense",
        &[("authorization", &bearer("receiver-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, queue, _) = call(
        &state,
        "GET",
        "/api/v1/suspense",
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let queue: Value = serde_json::from_str(&queue).unwrap();
    assert_eq!(queue["items"][0]["payment"], "bank/Q-1");
    assert_eq!(queue["items"][0]["remittance"], "PAYER-WORDS no reference");
    assert_eq!(
        queue["items"][0]["reason"],
        "no case reference in the payment"
    );
    let body = format!(r#"{{"payment": "bank/Q-1", "case": "{case}"}}"#);
    let allocate = |key: &'static str| {
        let state = state.clone();
        let body = body.clone();
        async move {
            call(
                &state,
                "POST",
                "/api/v1/suspense/allocations",
                &[
                    ("authorization", &bearer("caseworker-token")),
                    ("idempotency-key", key),
                ],
                &body,
            )
            .await
        }
    };
    let (status, answer, _) = allocate("m1").await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, _, _) = allocate("m1").await;
    assert_eq!(status, StatusCode::OK, "a retry changes nothing");
    let (status, _, _) = allocate("m2").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "allocated once only"
    );
    // The £20 now settles the rest of the second receiving parent's £30;
    // the payer's words appear on no statement.
    for token in ["payer-token", "receiver-token", "second-receiver-token"] {
        let (status, csv, _) = call(
            &state,
            "GET",
            &format!("/api/v1/cases/{case}/statement.csv"),
            &[("authorization", &bearer(token))],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(!csv.contains("PAYER-WORDS"), "{token}: {csv}");
    }
    let (_, second, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/statement.csv"),
        &[("authorization", &bearer("second-receiver-token"))],
        "",
    )
    .await;
    assert!(
        second.contains("2026-05-06,Collected from the paying parent,0.00,20.00"),
        "{second}"
    );
}

async fn direct_pay_case(state: &AppState, flagged: bool) -> CaseReference {
    state
        .store
        .issue_token(&token_hash("stranger-token"), 9, "receiving_parent")
        .await
        .unwrap();
    let auth = bearer("caseworker-token");
    let (_, body, _) = call(
        state,
        "POST",
        "/api/v1/cases",
        &[
            ("authorization", &auth),
            (
                "idempotency-key",
                if flagged { "open-flagged" } else { "open" },
            ),
        ],
        r#"{"initial_effective_date": "2026-05-04"}"#,
    )
    .await;
    let reference: Value = serde_json::from_str(&body).unwrap();
    let case = CaseReference::parse(reference["reference"].as_str().unwrap()).unwrap();
    let parties = format!(
        r#"{{"paying_parent": {{"person_id": 1, "name": "PAYER", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP", "sort_code": "11-22-33", "account_number": "55555555"}},
            "receiving_parents": [
              {{"id": 1, "person_id": 2, "name": "Rae Receiver", "address": "SAFE-ADDRESS", "postcode": "SAFE-POSTCODE", "phone": "SAFE-PHONE", "sort_code": "20-45-77", "account_number": "12345678", "non_disclosure": {flagged}}}]}}"#
    );
    let (status, body, _) = call(
        state,
        "PUT",
        &format!("/api/v1/cases/{case}/parties"),
        &[("authorization", &auth)],
        &parties,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    case
}

#[tokio::test]
async fn on_direct_pay_the_paying_parent_gets_only_what_a_transfer_needs() {
    let state = state_named("direct-pay").await;
    let case = direct_pay_case(&state, false).await;
    let path = format!("/api/v1/cases/{case}/direct-pay");
    let (status, body, _) = call(
        &state,
        "GET",
        &path,
        &[("authorization", &bearer("payer-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["pay_to"][0]["account_name"], "Rae Receiver");
    assert_eq!(answer["pay_to"][0]["sort_code"], "20-45-77");
    assert_eq!(answer["pay_to"][0]["account_number"], "12345678");
    assert_eq!(answer["pay_to"][0]["reference"], case.to_string());
    for secret in ["SAFE-ADDRESS", "SAFE-POSTCODE", "SAFE-PHONE"] {
        assert!(!body.contains(secret), "{secret} reached the paying parent");
    }
    // The receiving parent's branch sort code earns advice.
    let (status, body, _) = call(
        &state,
        "GET",
        &path,
        &[("authorization", &bearer("receiver-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let advice: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(advice["sort_code_advice"]["centralised"], false);
    assert!(
        advice["sort_code_advice"]["message"]
            .as_str()
            .unwrap()
            .contains("particular branch")
    );
    assert!(
        !body.contains("55555555"),
        "never the paying parent's account"
    );
    // Staff and strangers get nothing here.
    let (status, _, _) = call(
        &state,
        "GET",
        &path,
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        &state,
        "GET",
        &path,
        &[("authorization", &bearer("parent-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn where_the_receiving_parent_is_flagged_no_bank_details_are_given() {
    let state = state_named("direct-pay-flagged").await;
    let case = direct_pay_case(&state, true).await;
    let (status, body, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/direct-pay"),
        &[("authorization", &bearer("payer-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("arranged through the Child Maintenance Service"));
    assert!(!body.contains("12345678") && !body.contains("20-45-77"));
}

#[tokio::test]
async fn parents_on_direct_pay_report_payments_made_and_missed_for_the_caseworker() {
    let state = state_named("direct-pay-reports").await;
    let case = direct_pay_case(&state, false).await;
    let path = format!("/api/v1/cases/{case}/direct-pay/reports");
    let report = |token: &'static str, key: &'static str, body: &'static str| {
        let state = state.clone();
        let path = path.clone();
        async move {
            call(
                &state,
                "POST",
                &path,
                &[("authorization", &bearer(token)), ("idempotency-key", key)],
                body,
            )
            .await
            .0
        }
    };
    assert_eq!(
        report(
            "receiver-token",
            "r1",
            r#"{"due": "2026-05-04", "paid_pence": null}"#
        )
        .await,
        StatusCode::CREATED
    );
    assert_eq!(
        report(
            "receiver-token",
            "r1",
            r#"{"due": "2026-05-04", "paid_pence": null}"#
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        report(
            "payer-token",
            "p1",
            r#"{"due": "2026-05-04", "paid_pence": 4800}"#
        )
        .await,
        StatusCode::CREATED
    );
    assert_eq!(
        report(
            "payer-token",
            "p2",
            r#"{"due": "2026-07-06", "paid_pence": 4800}"#
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not yet due"
    );
    assert_eq!(
        report(
            "payer-token",
            "p3",
            r#"{"due": "2026-05-04", "paid_pence": -5}"#
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        report(
            "caseworker-token",
            "c1",
            r#"{"due": "2026-05-04", "paid_pence": null}"#
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        report(
            "stranger-token",
            "s1",
            r#"{"due": "2026-05-04", "paid_pence": null}"#
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let (status, summary, _) = call(
        &state,
        "GET",
        &format!("/api/v1/cases/{case}/collection"),
        &[("authorization", &bearer("caseworker-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    let reports = summary["direct_pay_reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["reported_by"], "receiving_parent");
    assert_eq!(reports[0]["paid_pence"], Value::Null);
    assert_eq!(reports[1]["reported_by"], "paying_parent");
    assert_eq!(reports[1]["paid_pence"], 4_800);
}
