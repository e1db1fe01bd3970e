//! Safety journeys over HTTP: a disclosure in immediate danger; the
//! specialist team's queue; a later threat reaching the named caseworker
//! and blocking the case's closure until reviewed. Each journey runs on
//! SQLite and on PostgreSQL (`on_both_databases!` at the end).

use axum::http::StatusCode;
use std::sync::Arc;

use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{bearer, call, open_case_with_parties};

async fn case_with_parties(state: &AppState) -> String {
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "P1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "S1 1SS"}]}"#;
    open_case_with_parties(state, "caseworker-token", parties, None).await
}

async fn post(
    state: &AppState,
    path: &str,
    token: &str,
    key: &str,
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        "POST",
        path,
        &[("authorization", &auth), ("idempotency-key", key)],
        body,
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn get(state: &AppState, path: &str, token: &str) -> (StatusCode, Value) {
    let (status, body, _) =
        call(state, "GET", path, &[("authorization", &bearer(token))], "").await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn a_disclosure_in_immediate_danger_reaches_the_specialist_team_at_once(state: AppState) {
    let case = case_with_parties(&state).await;
    let path = format!("/api/v1/cases/{case}/disclosures");
    let (status, answer) = post(
        &state,
        &path,
        "receiver-token",
        "d1",
        r#"{"immediate_danger": true, "police_call_consented": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["signposting"]["emergency"]["call"], "999");
    assert!(
        answer["signposting"]["emergency"]["if_you_cannot_speak"]
            .as_str()
            .unwrap()
            .contains("55")
    );
    assert_eq!(
        answer["police_call"],
        "Our specialist team has been told at once. A specialist will call the police for you as soon as they see this. We are not an emergency service, so if you can, call 999 yourself now."
    );
    assert!(
        answer["signposting"]["support"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["phone"] == "0808 2000 247")
    );
    let text = answer.to_string();
    assert!(!text.contains("PAYER-ADDRESS") && !text.contains("SAFE-ADDRESS"));
    // A retry changes nothing.
    let (status, _) = post(
        &state,
        &path,
        "receiver-token",
        "d1",
        r#"{"immediate_danger": true, "police_call_consented": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, queue) = get(&state, "/api/v1/queues/specialist", "specialist-token").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue["cases"][0]["reference"], case);
    assert_eq!(queue["cases"][0]["risk"], "high");
    let (status, _) = get(&state, "/api/v1/queues/specialist", "caseworker-token").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Someone who is not a parent of the case cannot disclose on it.
    let (status, _) = post(&state, &path, "parent-token", "d2", "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The paying parent may disclose too: abuse runs either way.
    let (status, _) = post(
        &state,
        &path,
        "payer-token",
        "d3",
        r#"{"immediate_danger": false}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn a_later_threat_reaches_the_named_caseworker_and_the_case_cannot_close_until_reviewed(
    state: AppState,
) {
    let case = case_with_parties(&state).await;
    let disclose = format!("/api/v1/cases/{case}/disclosures");
    let act = format!("/api/v1/cases/{case}/safety/actions");
    let glass = |token: &'static str, key: &'static str, body: &'static str| {
        let state = state.clone();
        let act = act.clone();
        async move {
            let auth = bearer(token);
            let (status, body, _) = call(
                &state,
                "POST",
                &act,
                &[
                    ("authorization", &auth),
                    ("idempotency-key", key),
                    ("x-break-glass-reason", "domestic abuse casework"),
                ],
                body,
            )
            .await;
            (
                status,
                serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
            )
        }
    };
    assert_eq!(
        post(&state, &disclose, "receiver-token", "first", "{}")
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, body) = glass(
        "specialist-token",
        "n1",
        r#"{"action": "assign_named_caseworker", "person": 40}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = glass("named-token", "r1", r#"{"action": "review_disclosures"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["may_close"], true);
    let (status, body) = glass(
        "specialist-token",
        "s1",
        r#"{"action": "plan_step", "step": "signposted"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["plan"][0]["step"], "signposted");
    assert_eq!(body["plan"][0]["by"], 30);
    assert!(
        !body["plan_steps_remaining"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "signposted")
    );
    assert_eq!(body["plan_steps_remaining"][0], "safe_contact_agreed");

    // The later threat.
    assert_eq!(
        post(
            &state,
            &disclose,
            "receiver-token",
            "threat",
            r#"{"immediate_danger": false}"#
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (_, mine) = get(&state, "/api/v1/queues/mine", "named-token").await;
    assert_eq!(mine["cases"][0]["reference"], case);
    let (_, others) = get(&state, "/api/v1/queues/mine", "caseworker-token").await;
    assert!(others["cases"].as_array().unwrap().is_empty());
    // Closing is refused until the named caseworker has reviewed it.
    let lifecycle = |key: &'static str, kind: &'static str| {
        let state = state.clone();
        let case = case.clone();
        async move {
            let auth = bearer("named-token");
            call(
                &state,
                "POST",
                &format!("/api/v1/cases/{case}/facts"),
                &[("authorization", &auth), ("idempotency-key", key)],
                &format!(
                    r#"{{"facts": [{{"effective_from": "2026-06-01", "change": {{"kind": "{kind}"}}}}]}}"#
                ),
            )
            .await
            .0
        }
    };
    let close = |key: &'static str| lifecycle(key, "case_closed");
    assert_eq!(close("c1").await, StatusCode::CONFLICT);
    let (status, _) = glass(
        "caseworker-token",
        "r2",
        r#"{"action": "review_disclosures"}"#,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the named caseworker or the team reviews"
    );
    let (status, _) = glass("named-token", "r3", r#"{"action": "review_disclosures"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(close("c2").await, StatusCode::CREATED);
    // A retry of the same closing is answered as before; closing again is not.
    assert_eq!(close("c2").await, StatusCode::OK);
    assert_eq!(close("c3").await, StatusCode::CONFLICT);

    // Reopening: a disclosure made while closed must be reviewed first, and
    // once reopened each parent is offered the screen again.
    assert_eq!(
        post(&state, &disclose, "receiver-token", "closed", "{}")
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(lifecycle("o1", "case_reopened").await, StatusCode::CONFLICT);
    let (status, _) = glass("named-token", "r4", r#"{"action": "review_disclosures"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let screening = format!("/api/v1/cases/{case}/screening");
    let (_, before) = get(&state, &screening, "receiver-token").await;
    assert_eq!(before["due"], false);
    // The next day the case is reopened; the screen is then due again.
    let tomorrow = AppState {
        clock: Arc::new(common::On::day("2026-06-02")),
        ..state.clone()
    };
    let reopen =
        r#"{"facts": [{"effective_from": "2026-06-02", "change": {"kind": "case_reopened"}}]}"#;
    let facts = format!("/api/v1/cases/{case}/facts");
    assert_eq!(
        post(&tomorrow, &facts, "named-token", "o2", reopen).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        post(&tomorrow, &facts, "named-token", "o3", reopen).await.0,
        StatusCode::CONFLICT,
        "an open case cannot be reopened"
    );
    let (_, after) = get(&tomorrow, &screening, "receiver-token").await;
    assert_eq!(after["due"], true, "{after}");
}

async fn a_survivor_is_moved_to_collect_and_pay_on_evidence_without_the_other_parents_consent(
    state: AppState,
) {
    let case = case_with_parties(&state).await;
    let path = format!("/api/v1/cases/{case}/collection-moves");
    let body = r#"{"route": "abuse_evidence", "applicant": "receiving_parent", "evidence": "marac_referral"}"#;
    // As the law stands (the 2023 Act not commenced): refused, nothing written.
    let law = AppState {
        model_2023_act: false,
        ..state.clone()
    };
    let (status, answer) = post(&law, &path, "caseworker-token", "m0", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not yet in force")
    );
    let (status, _) = post(
        &state,
        &path,
        "caseworker-token",
        "m1",
        r#"{"route": "abuse_evidence", "applicant": "receiving_parent", "evidence": "a_feeling"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Modelled: moved, the other parent not asked, told in neutral words,
    // the survivor's 4% waived.
    let (status, moved) = post(&state, &path, "caseworker-token", "m2", body).await;
    assert_eq!(status, StatusCode::CREATED, "{moved}");
    assert_eq!(moved["other_parent_asked"], false);
    assert_eq!(moved["modelled"], true);
    assert_eq!(moved["fees_waived"]["receiving_parent"], true);
    assert_eq!(moved["fees_waived"]["paying_parent"], false);
    let notice = moved["notice_to_other_parent"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(!notice.contains("abuse") && !notice.contains("evidence") && !notice.contains("safe"));
    let (status, summary) = get(
        &state,
        &format!("/api/v1/cases/{case}/collection"),
        "caseworker-token",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["collect_and_pay"], true);
    assert_eq!(summary["fees_waived"]["receiving_parent"], true);
    // Now on Collect and Pay, no bank details pass between the parents.
    let (status, _) = get(
        &state,
        &format!("/api/v1/cases/{case}/direct-pay"),
        "payer-token",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Parents cannot make the move themselves; a caseworker sees the evidence.
    let (status, _) = post(&state, &path, "receiver-token", "m3", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_coercion_signal_becomes_a_referral_pack_with_protected_details_withheld(
    state: AppState,
) {
    let reference = case_with_parties(&state).await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
    let owes = ledger::Account::of_case(case, ledger::AccountKind::PayingParentOwes);
    let due = ledger::Account::of_case(
        case,
        ledger::AccountKind::ReceivingParentDue(case_records::ReceivingParentId(1)),
    );
    let day = |text: &str| domain_types::Date::parse_iso(text).unwrap();
    state
        .store
        .post_transfers(&[ledger::Transfer {
            id: ledger::TransferId("a1".to_owned()),
            debit: owes,
            credit: due,
            amount: domain_types::Pence::new(5_000),
            code: ledger::TransferCode::Accrual,
            effective: day("2026-05-04"),
            corrects: None,
        }])
        .await
        .unwrap();
    let statement = bank_files::Statement {
        id: "S".to_owned(),
        entries: vec![bank_files::StatementEntry {
            bank_reference: "W-1".to_owned(),
            amount: domain_types::Pence::new(5_000),
            is_credit: true,
            booked: day("2026-05-05"),
            remittance: format!("{reference} I know you moved to SAFE-ADDRESS"),
        }],
    };
    let (transfers, unmatched) = bank_files::payment_transfers(&statement, &|c| *c == case);
    state.store.post_transfers(&transfers).await.unwrap();
    state
        .store
        .record_payment_notes(&bank_files::payment_notes(&statement, &unmatched))
        .await
        .unwrap();

    let (status, signals) = get(
        &state,
        &format!("/api/v1/cases/{reference}/coercion-signals"),
        "caseworker-token",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signals}");
    assert_eq!(signals["signals"][0]["kind"], "MessagesInReferences");
    assert_eq!(signals["signals"][0]["about"], "paying_parent");
    let (status, _) = get(
        &state,
        &format!("/api/v1/cases/{reference}/coercion-signals"),
        "receiver-token",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "signals are for caseworkers");
    let (status, queue) = get(&state, "/api/v1/queues/coercion", "caseworker-token").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue["cases"][0]["reference"], reference);
    assert_eq!(queue["cases"][0]["signals"][0], "MessagesInReferences");

    let (status, pack) = post(
        &state,
        &format!("/api/v1/cases/{reference}/referrals"),
        "caseworker-token",
        "ref-1",
        r#"{"recipient": "police"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pack}");
    let text = pack.to_string();
    assert!(text.contains("I know you moved to [withheld]"), "{text}");
    for secret in ["SAFE-ADDRESS", "S1 1SS", "PAYER-ADDRESS", "P1 1PP"] {
        assert!(!text.contains(secret), "{secret} in the referral pack");
    }
    assert_eq!(pack["recipient"], "police");
    assert_eq!(pack["timeline"].as_array().unwrap().len(), 2);
    // The same pack as tagged PDF; a retry of the referral answers again
    // and records nothing twice.
    let auth = bearer("caseworker-token");
    let (status, pdf, headers) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/referrals"),
        &[
            ("authorization", &auth),
            ("idempotency-key", "ref-1"),
            ("accept", "application/pdf"),
        ],
        r#"{"recipient": "police"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains(&("content-type".to_owned(), "application/pdf".to_owned())));
    assert!(headers.contains(&("cache-control".to_owned(), "no-store".to_owned())));
    assert!(pdf.starts_with("%PDF-1.7") && pdf.contains("/MarkInfo << /Marked true >>"));
    let shown = common::pdf_text(&pdf);
    assert!(shown.contains("I know you moved to [withheld]"), "{shown}");
    for secret in ["SAFE-ADDRESS", "S1 1SS", "PAYER-ADDRESS", "P1 1PP"] {
        assert!(!shown.contains(secret), "{secret} in the referral PDF");
    }
    // The referral is on the case's record.
    let (_, state_now) = post(
        &state,
        &format!("/api/v1/cases/{reference}/safety/actions"),
        "specialist-token",
        "s-1",
        r#"{"action": "plan_step", "step": "signposted"}"#,
    )
    .await;
    assert_eq!(
        state_now["specialist_queue"], false,
        "a referral is not a disclosure"
    );
    let audited = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.record.fields.iter().any(|f| f == "safety:referred"))
        .count();
    assert_eq!(audited, 1);
}

async fn the_safe_application_screen_stops_in_danger_and_offers_family_support_only_on_a_no(
    state: AppState,
) {
    let case = case_with_parties(&state).await;
    let path = format!("/api/v1/cases/{case}/screenings");
    let status_path = format!("/api/v1/cases/{case}/screening");
    let (status, due) = get(&state, &status_path, "payer-token").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(due["due"], true, "every applicant is asked");
    assert!(
        due["legal_warning"]
            .as_str()
            .unwrap()
            .contains("criminal offence")
    );
    let (status, answer) = post(
        &state,
        &path,
        "receiver-token",
        "s1",
        r#"{"answers": [{"question": "experienced_abuse", "answer": "yes"}]}"#,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the legal warning comes first"
    );
    assert_eq!(answer["error"]["field"], "answers[0]");
    let danger = r#"{"answers": [
        {"question": "legal_warning"},
        {"question": "experienced_abuse", "answer": "yes"},
        {"question": "immediate_danger", "answer": true},
        {"question": "police_call", "answer": true}]}"#;
    let (status, answer) = post(&state, &path, "receiver-token", "s2", danger).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["stop"], true);
    assert_eq!(answer["signposting"]["emergency"]["call"], "999");
    assert_eq!(
        answer["police_call"],
        "Our specialist team has been told at once. A specialist will call the police for you as soon as they see this. We are not an emergency service, so if you can, call 999 yourself now."
    );
    let (_, queue) = get(&state, "/api/v1/queues/specialist", "specialist-token").await;
    assert_eq!(queue["cases"][0]["risk"], "high");
    // The other parent's screen is a plain no: family support is offered,
    // and no fee is charged (abolished from 26 February 2024).
    let no = r#"{"answers": [
        {"question": "legal_warning"},
        {"question": "experienced_abuse", "answer": "no"},
        {"question": "safe_contact", "channels": ["email"], "no_voicemail": true}]}"#;
    let (status, answer) = post(&state, &path, "payer-token", "s3", no).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["disclosed"], false);
    assert_eq!(answer["application_fee_pence"], 0);
    assert_eq!(answer["family_support"].as_array().unwrap().len(), 2);
    assert_eq!(
        get(&state, &status_path, "payer-token").await.1["due"],
        false
    );
    // A screen left unfinished is refused, nothing recorded.
    let (status, _) = post(
        &state,
        &path,
        "payer-token",
        "s4",
        r#"{"answers": [{"question": "legal_warning"}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn allegations_made_and_withdrawn_again_and_again_become_a_signal_about_that_parent(
    state: AppState,
) {
    let case = case_with_parties(&state).await;
    let act = format!("/api/v1/cases/{case}/safety/actions");
    for (n, what) in [
        "allegation",
        "allegation_withdrawn",
        "allegation",
        "allegation_withdrawn",
    ]
    .iter()
    .enumerate()
    {
        let body =
            format!(r#"{{"action": "note", "what": "{what}", "party": "receiving_parent"}}"#);
        let key = format!("note-{n}");
        let (status, answer) = post(&state, &act, "caseworker-token", &key, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let (status, _) = post(
        &state,
        &act,
        "caseworker-token",
        "bad",
        r#"{"action": "note", "what": "gossip", "party": "receiving_parent"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, signals) = get(
        &state,
        &format!("/api/v1/cases/{case}/coercion-signals"),
        "caseworker-token",
    )
    .await;
    assert_eq!(
        signals["signals"][0]["kind"], "AllegationsThenRetractions",
        "{signals}"
    );
    assert_eq!(signals["signals"][0]["about"], "receiving_parent");
}

async fn under_the_modelled_single_service_direct_pay_cannot_be_chosen_from_its_start(
    law: AppState,
) {
    let reform = legal_parameters::CollectionReform::named("direct-pay-reform-2025").unwrap();
    let modelled = AppState {
        parameters: Box::leak(Box::new(
            legal_parameters::Parameters::embedded().with_collection_reform(&reform),
        )),
        ..law.clone()
    };
    let case = case_with_parties(&law).await;
    let facts = format!("/api/v1/cases/{case}/facts");
    let direct_pay = |on: &str| {
        format!(
            r#"{{"facts": [{{"effective_from": "{on}", "change": {{"kind": "service_type", "service": "direct_pay"}}}}]}}"#
        )
    };
    let from = reform.from.to_string();
    let (status, refused) = post(
        &modelled,
        &facts,
        "caseworker-token",
        "dp1",
        &direct_pay(&from),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Direct Pay does not exist") && message.contains("direct-pay-reform-2025"),
        "{message}"
    );
    let history = law
        .store
        .case_history(&case_records::CaseReference::parse(&case).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(history.events.is_empty(), "nothing written");
    // Before the reform, Direct Pay may still be chosen; and under the law
    // as it stands, on any day.
    let (status, _) = post(
        &modelled,
        &facts,
        "caseworker-token",
        "dp2",
        &direct_pay("2026-06-01"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post(&law, &facts, "caseworker-token", "dp3", &direct_pay(&from)).await;
    assert_eq!(status, StatusCode::CREATED);
}

on_both_databases!(
    a_disclosure_in_immediate_danger_reaches_the_specialist_team_at_once,
    a_later_threat_reaches_the_named_caseworker_and_the_case_cannot_close_until_reviewed,
    a_survivor_is_moved_to_collect_and_pay_on_evidence_without_the_other_parents_consent,
    a_coercion_signal_becomes_a_referral_pack_with_protected_details_withheld,
    the_safe_application_screen_stops_in_danger_and_offers_family_support_only_on_a_no,
    allegations_made_and_withdrawn_again_and_again_become_a_signal_about_that_parent,
    under_the_modelled_single_service_direct_pay_cannot_be_chosen_from_its_start,
);
