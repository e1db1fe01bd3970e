//! The leak test across every channel a parent can reach (issue 5 §9):
//! synthetic cases full of unique tokens, every parent signed in and every
//! parent route and answer collected, then searched for any token that
//! would locate or reach the other parent, or for the payer's own words.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use serde_json::{Value, json};
use web::{AppState, token_hash};

mod common;

use common::{bearer, call, state_named};

/// A small deterministic generator, so a failure can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn token(kind: &str, person: u64, salt: u64) -> String {
    format!("{kind}{person}X{salt:06}")
}

fn person_json(person: u64, salt: u64, flagged: bool) -> Value {
    json!({
        "person_id": person,
        "name": token("NAME", person, salt),
        "address": token("ADDRESS", person, salt),
        "postcode": token("POSTCODE", person, salt),
        "phone": token("PHONE", person, salt),
        "email": token("EMAIL", person, salt),
        "employer": token("EMPLOYER", person, salt),
        "sort_code": format!("{:06}", 100_000 + person * 7 + salt % 1000),
        "account_number": format!("{:08}", 10_000_000 + person * 13 + salt % 10_000),
        "non_disclosure": flagged,
    })
}

/// Everything that locates or reaches `person`.
fn location_tokens(person: u64, salt: u64, with_bank: bool) -> Vec<String> {
    let mut tokens: Vec<String> = ["ADDRESS", "POSTCODE", "PHONE", "EMAIL", "EMPLOYER"]
        .iter()
        .map(|kind| token(kind, person, salt))
        .collect();
    if with_bank {
        tokens.push(format!("{:08}", 10_000_000 + person * 13 + salt % 10_000));
    }
    tokens
}

async fn parent_outputs(state: &AppState, reference: &str, token: &str) -> String {
    let auth = bearer(token);
    let mut all = String::new();
    for path in [
        format!("/api/v1/cases/{reference}/view"),
        format!("/api/v1/cases/{reference}/statement.csv"),
        format!("/api/v1/cases/{reference}/direct-pay"),
        format!("/api/v1/cases/{reference}/letters/calculation.pdf"),
        format!("/api/v1/cases/{reference}/letters/collection-notice.pdf"),
        format!("/api/v1/cases/{reference}/letters/payment-schedule.pdf"),
    ] {
        let (_, body, _) = call(state, "GET", &path, &[("authorization", &auth)], "").await;
        all.push_str(&body);
    }
    for (path, body) in [
        (
            format!("/api/v1/cases/{reference}/disclosures"),
            r#"{"immediate_danger": true}"#,
        ),
        (
            format!("/api/v1/cases/{reference}/direct-pay/reports"),
            r#"{"due": "2026-05-04", "paid_pence": null}"#,
        ),
    ] {
        let (_, answer, _) = call(
            state,
            "POST",
            &path,
            &[("authorization", &auth), ("idempotency-key", token)],
            body,
        )
        .await;
        all.push_str(&answer);
    }
    all
}

#[tokio::test]
async fn no_parent_route_ever_shows_where_the_other_parent_is() {
    let state = state_named("leaks").await;
    let caseworker = bearer("caseworker-token");
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for n in 0..12u64 {
        let salt = random.next() % 1_000_000;
        let payer = 1_000 + n * 10;
        let receiver = payer + 1;
        let payer_flagged = random.next().is_multiple_of(3);
        let receiver_flagged = random.next().is_multiple_of(3);
        let collect = random.next().is_multiple_of(2);
        for (person, role) in [(payer, "paying_parent"), (receiver, "receiving_parent")] {
            state
                .store
                .issue_token(
                    &token_hash(&format!("t{person}")),
                    i64::try_from(person).unwrap(),
                    role,
                )
                .await
                .unwrap();
        }
        let (status, body, _) = call(
            &state,
            "POST",
            "/api/v1/cases",
            &[("authorization", &caseworker)],
            r#"{"initial_effective_date": "2026-05-04"}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let reference = serde_json::from_str::<Value>(&body).unwrap()["reference"]
            .as_str()
            .unwrap()
            .to_owned();
        let case = case_records::CaseReference::parse(&reference).unwrap();
        let mut parties = json!({ "paying_parent": person_json(payer, salt, payer_flagged) });
        let mut rp = person_json(receiver, salt, receiver_flagged);
        rp["id"] = json!(1);
        parties["receiving_parents"] = json!([rp]);
        parties["children"] = json!([{"id": 1, "receiving_parent": 1, "name": token("CHILD", receiver, salt),
            "school": token("SCHOOL", receiver, salt), "gp": token("GP", receiver, salt)}]);
        let (status, body, _) = call(
            &state,
            "PUT",
            &format!("/api/v1/cases/{reference}/parties"),
            &[
                ("authorization", &caseworker),
                ("x-break-glass-reason", "setting up the test"),
            ],
            &parties.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let service = if collect {
            "collect_and_pay"
        } else {
            "direct_pay"
        };
        {
            let facts = format!(
                r#"{{"facts": [
                {{"effective_from": "2026-05-04", "change": {{"kind": "child_joined", "child": 1, "receiving_parent": 1}}}},
                {{"effective_from": "2026-05-04", "change": {{"kind": "income", "weekly_pence": 40000}}}},
                {{"effective_from": "2026-05-04", "change": {{"kind": "service_type", "service": "{service}"}}}}]}}"#
            );
            let facts = facts.as_str();
            let (status, body, _) = call(
                &state,
                "POST",
                &format!("/api/v1/cases/{reference}/facts"),
                &[
                    ("authorization", &caseworker),
                    ("idempotency-key", "svc"),
                    ("x-break-glass-reason", "test"),
                ],
                facts,
            )
            .await;
            assert!(status.is_success(), "{body}");
        }
        // Money due and paid, and the worst case of a payer's words: the
        // receiving parent's own address written into a reference.
        let owes = ledger::Account::of_case(case, ledger::AccountKind::PayingParentOwes);
        let due = ledger::Account::of_case(
            case,
            ledger::AccountKind::ReceivingParentDue(case_records::ReceivingParentId(1)),
        );
        state
            .store
            .post_transfers(&[ledger::Transfer {
                id: ledger::TransferId(format!("{reference}/a")),
                debit: owes,
                credit: due,
                amount: Pence::new(5_000),
                code: ledger::TransferCode::Accrual,
                effective: Date::parse_iso("2026-05-04").unwrap(),
                corrects: None,
            }])
            .await
            .unwrap();
        let words = format!(
            "{reference} WORDS{salt} {}",
            token("ADDRESS", receiver, salt)
        );
        let statement = bank_files::Statement {
            id: format!("S{n}"),
            entries: vec![bank_files::StatementEntry {
                bank_reference: format!("L{n}"),
                amount: Pence::new(5_000),
                is_credit: true,
                booked: Date::parse_iso("2026-05-05").unwrap(),
                remittance: words,
            }],
        };
        let (transfers, unmatched) = bank_files::payment_transfers(&statement, &|c| *c == case);
        state.store.post_transfers(&transfers).await.unwrap();
        state
            .store
            .record_payment_notes(&bank_files::payment_notes(&statement, &unmatched))
            .await
            .unwrap();

        let payer_sees = parent_outputs(&state, &reference, &format!("t{payer}")).await;
        let receiver_sees = parent_outputs(&state, &reference, &format!("t{receiver}")).await;
        // On Direct Pay, with no one flagged, the paying parent is given the
        // receiving parent's account to pay into: by design, and only then.
        let payer_may_have_bank = !collect && !payer_flagged && !receiver_flagged;
        let mut forbidden_to_payer = location_tokens(receiver, salt, !payer_may_have_bank);
        forbidden_to_payer.push(token("SCHOOL", receiver, salt));
        forbidden_to_payer.push(token("GP", receiver, salt));
        forbidden_to_payer.push(format!("WORDS{salt}"));
        if receiver_flagged {
            forbidden_to_payer.push(token("NAME", receiver, salt));
            forbidden_to_payer.push(token("CHILD", receiver, salt));
        }
        for secret in &forbidden_to_payer {
            assert!(
                !payer_sees.contains(secret.as_str()),
                "case {n}: the paying parent saw {secret}"
            );
        }
        let mut forbidden_to_receiver = location_tokens(payer, salt, true);
        forbidden_to_receiver.push(format!("WORDS{salt}"));
        if payer_flagged {
            forbidden_to_receiver.push(token("NAME", payer, salt));
        }
        for secret in &forbidden_to_receiver {
            assert!(
                !receiver_sees.contains(secret.as_str()),
                "case {n}: the receiving parent saw {secret}"
            );
        }
        // Every channel answered: the letter is a PDF with the amount.
        for seen in [&payer_sees, &receiver_sees] {
            assert!(
                seen.contains("%PDF-1.7") && seen.contains("48.00 a week"),
                "case {n}: no letter"
            );
        }
        if collect {
            // £48.00 and the 20% fee, each of the next eight weeks.
            assert_eq!(
                payer_sees.matches("57.60").count(),
                8,
                "case {n}: the payment schedule"
            );
            for seen in [&payer_sees, &receiver_sees] {
                assert!(
                    seen.contains("will collect and pass on"),
                    "case {n}: the notice"
                );
            }
        }
        // The test would notice a leak: each parent does see their own details.
        assert!(
            receiver_sees.contains(&token("ADDRESS", receiver, salt)),
            "case {n}: own view missing"
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}
