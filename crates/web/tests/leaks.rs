//! The leak test across every channel (issue 5 §9): every route of the API
//! document, crawled by each parent and by staff without a reason on a
//! restricted case, and the outputs staff make for someone else (the
//! enforcement letter, the referral pack as JSON and PDF). First, the
//! parent routes:
//! synthetic cases full of unique tokens, every parent signed in and every
//! parent route and answer collected, then searched for any token that
//! would locate or reach the other parent, or for the payer's own words.

use axum::http::StatusCode;
use domain_types::{Date, Pence};
use serde_json::{Value, json};
use web::{AppState, token_hash};

mod common;

use common::{bearer, call, open_case_with_parties, state_named};

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

/// One synthetic case: two parents with unique tokens, random flags and
/// service, money due and paid, and the receiving parent's address written
/// by the payer into a payment reference.
struct Fixture {
    reference: String,
    parties: Value,
    salt: u64,
    payer: u64,
    receiver: u64,
    payer_flagged: bool,
    receiver_flagged: bool,
    collect: bool,
}

impl Fixture {
    /// What the paying parent must never see.
    fn forbidden_to_payer(&self) -> Vec<String> {
        let (receiver, salt) = (self.receiver, self.salt);
        // On Direct Pay, with no one flagged, the paying parent is given the
        // receiving parent's account to pay into: by design, and only then.
        let payer_may_have_bank = !self.collect && !self.payer_flagged && !self.receiver_flagged;
        let mut forbidden = location_tokens(receiver, salt, !payer_may_have_bank);
        forbidden.push(token("SCHOOL", receiver, salt));
        forbidden.push(token("GP", receiver, salt));
        forbidden.push(format!("WORDS{salt}"));
        if self.receiver_flagged {
            forbidden.push(token("NAME", receiver, salt));
            forbidden.push(token("CHILD", receiver, salt));
        }
        forbidden
    }

    /// What the receiving parent must never see.
    fn forbidden_to_receiver(&self) -> Vec<String> {
        let mut forbidden = location_tokens(self.payer, self.salt, true);
        forbidden.push(format!("WORDS{}", self.salt));
        if self.payer_flagged {
            forbidden.push(token("NAME", self.payer, self.salt));
        }
        forbidden
    }

    /// Everything that locates either parent or the child: what no one
    /// outside the service (police, CPS) and no staff member without access
    /// to a restricted case may see.
    fn every_location(&self) -> Vec<String> {
        let mut all = location_tokens(self.payer, self.salt, true);
        all.extend(location_tokens(self.receiver, self.salt, true));
        all.push(token("SCHOOL", self.receiver, self.salt));
        all.push(token("GP", self.receiver, self.salt));
        all
    }

    fn restricted(&self) -> bool {
        self.payer_flagged || self.receiver_flagged
    }
}

async fn synthetic_case(state: &AppState, n: u64, random: &mut Random) -> Fixture {
    let caseworker = bearer("caseworker-token");
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
    let mut parties = json!({ "paying_parent": person_json(payer, salt, payer_flagged) });
    let mut rp = person_json(receiver, salt, receiver_flagged);
    rp["id"] = json!(1);
    parties["receiving_parents"] = json!([rp]);
    parties["children"] = json!([{"id": 1, "receiving_parent": 1, "name": token("CHILD", receiver, salt),
        "school": token("SCHOOL", receiver, salt), "gp": token("GP", receiver, salt)}]);
    let reference = open_case_with_parties(
        state,
        "caseworker-token",
        &parties.to_string(),
        Some("setting up the test"),
    )
    .await;
    let case = case_records::CaseReference::parse(&reference).unwrap();
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
            state,
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

    Fixture {
        reference,
        parties,
        salt,
        payer,
        receiver,
        payer_flagged,
        receiver_flagged,
        collect,
    }
}

#[tokio::test]
async fn no_parent_route_ever_shows_where_the_other_parent_is() {
    let state = state_named("leaks").await;
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for n in 0..12u64 {
        let fixture = synthetic_case(&state, n, &mut random).await;
        let Fixture {
            ref reference,
            salt,
            payer,
            receiver,
            collect,
            ..
        } = fixture;
        let payer_sees = parent_outputs(&state, reference, &format!("t{payer}")).await;
        let receiver_sees = parent_outputs(&state, reference, &format!("t{receiver}")).await;
        for secret in fixture.forbidden_to_payer() {
            assert!(
                !payer_sees.contains(secret.as_str()),
                "case {n}: the paying parent saw {secret}"
            );
        }
        for secret in fixture.forbidden_to_receiver() {
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

/// Every route of the API document, as (method, path template, query,
/// body): one request each viewer sends. Bodies that would change the case
/// under test either repeat what it already holds or are refused.
fn every_request(f: &Fixture) -> Vec<(&'static str, &'static str, String, String)> {
    let none = String::new;
    vec![
        ("GET", "/health", none(), none()),
        ("POST", "/api/v1/calculations", none(), "{}".to_owned()),
        ("GET", "/api/v1/openapi.json", none(), none()),
        ("POST", "/api/v1/cases", none(), r#"{"initial_effective_date": "2026-05-04"}"#.to_owned()),
        (
            "POST",
            "/api/v1/cases/{reference}/facts",
            none(),
            r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000}}]}"#.to_owned(),
        ),
        ("GET", "/api/v1/cases/{reference}/schedule", "?until=2026-09-01".to_owned(), none()),
        ("PUT", "/api/v1/cases/{reference}/parties", none(), f.parties.to_string()),
        ("GET", "/api/v1/cases/{reference}/view", none(), none()),
        ("POST", "/api/v1/sign-in", none(), r#"{"login": "nobody", "password": "wrong"}"#.to_owned()),
        ("POST", "/api/v1/sign-out", none(), none()),
        (
            "PUT",
            "/api/v1/people/{person_id}/non-disclosure",
            none(),
            format!(r#"{{"flag": {}}}"#, f.payer_flagged),
        ),
        ("GET", "/api/v1/people/{person_id}/protection", none(), none()),
        (
            "POST",
            "/api/v1/people/{person_id}/protection/lift-proposals",
            none(),
            r#"{"reason": "the crawl asks"}"#.to_owned(),
        ),
        ("POST", "/api/v1/people/{person_id}/protection/lift-approvals", none(), "{}".to_owned()),
        ("GET", "/api/v1/search", format!("?q={}", f.reference), none()),
        ("GET", "/api/v1/work", "?page=1".to_owned(), none()),
        ("GET", "/api/v1/work/{id}", none(), none()),
        ("POST", "/api/v1/work/{id}/{command}", none(), none()),
        ("GET", "/api/v1/cases/{reference}/statement.csv", "?for=receiving_parent:1".to_owned(), none()),
        ("GET", "/api/v1/cases/{reference}/collection", none(), none()),
        (
            "POST",
            "/api/v1/cases/{reference}/collection/actions",
            none(),
            r#"{"action": "hold_disbursements", "receiving_parent": 1, "reason": ""}"#.to_owned(),
        ),
        ("GET", "/api/v1/suspense", none(), none()),
        ("POST", "/api/v1/suspense/allocations", none(), "{}".to_owned()),
        ("GET", "/api/v1/cases/{reference}/direct-pay", none(), none()),
        (
            "POST",
            "/api/v1/cases/{reference}/direct-pay/reports",
            none(),
            r#"{"due": "2026-05-04", "paid_pence": null}"#.to_owned(),
        ),
        ("POST", "/api/v1/cases/{reference}/disclosures", none(), r#"{"immediate_danger": false}"#.to_owned()),
        ("POST", "/api/v1/cases/{reference}/safety/actions", none(), r#"{"action": "review_disclosures"}"#.to_owned()),
        ("GET", "/api/v1/queues/specialist", none(), none()),
        ("GET", "/api/v1/queues/mine", none(), none()),
        ("POST", "/api/v1/cases/{reference}/collection-moves", none(), r#"{"route": "none_such"}"#.to_owned()),
        ("GET", "/api/v1/cases/{reference}/coercion-signals", none(), none()),
        ("POST", "/api/v1/cases/{reference}/referrals", none(), r#"{"recipient": "police"}"#.to_owned()),
        (
            "POST",
            "/api/v1/cases/{reference}/screenings",
            none(),
            r#"{"answers": [{"question": "legal_warning"}, {"question": "experienced_abuse", "answer": "prefer_not_to_say"}]}"#.to_owned(),
        ),
        ("GET", "/api/v1/queues/coercion", none(), none()),
        ("GET", "/api/v1/cases/{reference}/screening", none(), none()),
        ("GET", "/api/v1/cases/{reference}/letters/{kind}", none(), none()),
        ("GET", "/api/v1/cases/{reference}/collection/steps/{step}/letter.pdf", none(), none()),
        // Challenges (issue 16): the bundle's own leak search is in
        // tests/challenges.rs; here every viewer reaches each route.
        ("GET", "/api/v1/cases/{reference}/challenges", none(), none()),
        (
            "POST",
            "/api/v1/cases/{reference}/challenges",
            none(),
            r#"{"decision": "calculation", "notified_on": "2020-01-01", "why": "the crawl asks"}"#.to_owned(),
        ),
        ("GET", "/api/v1/challenges/{id}", none(), none()),
        ("POST", "/api/v1/challenges/{id}/evidence", none(), "%PDF-1.7".to_owned()),
        ("POST", "/api/v1/challenges/{id}/view", none(), r#"{"view": "the crawl asks"}"#.to_owned()),
        ("POST", "/api/v1/challenges/{id}/outcome", none(), r#"{"outcome": "not_revised", "reasons": "x"}"#.to_owned()),
        ("GET", "/api/v1/challenges/{id}/notice.pdf", none(), none()),
        ("POST", "/api/v1/challenges/{id}/appeal", none(), r#"{"grounds": "x"}"#.to_owned()),
        ("GET", "/api/v1/challenges/{id}/bundle", "?for=paying_parent".to_owned(), none()),
    ]
}

/// The concrete paths for a template: `{kind}` is every kind of letter.
fn paths(template: &str, f: &Fixture) -> Vec<String> {
    let path = template
        .replace("{reference}", &f.reference)
        .replace("{person_id}", &f.payer.to_string())
        .replace("{step}", "1")
        .replace("{id}", "none-such")
        .replace("{command}", "claim");
    if path.contains("{kind}") {
        [
            "calculation.pdf",
            "collection-notice.pdf",
            "payment-schedule.pdf",
        ]
        .iter()
        .map(|kind| path.replace("{kind}", kind))
        .collect()
    } else {
        vec![path]
    }
}

/// An answer as its reader sees it: for a PDF, also the text it draws.
fn as_read(body: &str) -> String {
    if body.starts_with("%PDF") {
        format!("{body}\n{}", common::pdf_text(body))
    } else {
        body.to_owned()
    }
}

fn assert_none_of(seen: &str, forbidden: &[String], who: &str) {
    for secret in forbidden {
        assert!(!seen.contains(secret.as_str()), "{who} saw {secret}");
    }
}

/// Staff act with a stated reason on a restricted case.
async fn staff_call(
    state: &AppState,
    method: &str,
    path: &str,
    token: &str,
    key: &str,
    body: &str,
) -> (StatusCode, String) {
    let auth = bearer(token);
    let (status, body, _) = call(
        state,
        method,
        path,
        &[
            ("authorization", &auth),
            ("idempotency-key", key),
            ("x-break-glass-reason", "enforcement review"),
        ],
        body,
    )
    .await;
    (status, body)
}

/// An enforcement step proposed, reviewed where anyone is at risk, and
/// approved: the letter to the paying parent then exists.
async fn approve_first_enforcement_step(state: &AppState, f: &Fixture) -> String {
    // A second week falls due and is not paid.
    let case = case_records::CaseReference::parse(&f.reference).unwrap();
    state
        .store
        .post_transfers(&[ledger::Transfer {
            id: ledger::TransferId(format!("{}/unpaid", f.reference)),
            debit: ledger::Account::of_case(case, ledger::AccountKind::PayingParentOwes),
            credit: ledger::Account::of_case(
                case,
                ledger::AccountKind::ReceivingParentDue(case_records::ReceivingParentId(1)),
            ),
            amount: Pence::new(5_000),
            code: ledger::TransferCode::Accrual,
            effective: Date::parse_iso("2026-05-11").unwrap(),
            corrects: None,
        }])
        .await
        .unwrap();
    let actions = format!("/api/v1/cases/{}/collection/actions", f.reference);
    let (status, body) = staff_call(state, "POST", &actions, "officer-token", "p1",
        r#"{"action": "propose_enforcement", "step": 1, "enforcement": "deduction_from_earnings_order"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    if f.restricted() {
        let (status, body) = staff_call(
            state,
            "POST",
            &actions,
            "specialist-token",
            "r1",
            r#"{"action": "review_enforcement", "step": 1}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = staff_call(
        state,
        "POST",
        &actions,
        "caseworker-token",
        "a1",
        r#"{"action": "approve_enforcement", "step": 1}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["letter"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_route_of_the_api_is_crawled_by_every_viewer_and_shows_no_protected_detail() {
    let state = state_named("crawl").await;
    state
        .store
        .issue_token(&token_hash("officer-token"), 50, "enforcement_officer")
        .await
        .unwrap();
    // The served API document is the list of routes: a new route without a
    // request here fails this test.
    let (_, document, _) = call(&state, "GET", "/api/v1/openapi.json", &[], "").await;
    let document: Value = serde_json::from_str(&document).unwrap();
    let mut documented: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    documented.sort();
    let mut random = Random(0xD1B5_4A32_D192_ED03);
    let mut answers = 0;
    for n in 0..8u64 {
        let f = synthetic_case(&state, n, &mut random).await;
        let mut requested: Vec<(String, String)> = every_request(&f)
            .iter()
            .map(|(m, t, _, _)| ((*m).to_owned(), (*t).to_owned()))
            .collect();
        requested.sort();
        assert_eq!(
            requested, documented,
            "every documented route, and only those"
        );

        // Outputs made by staff for someone else: the enforcement letter to
        // the paying parent, the referral pack to the police.
        let letter = approve_first_enforcement_step(&state, &f).await;
        assert_none_of(
            &letter,
            &f.forbidden_to_payer(),
            &format!("case {n}: the enforcement letter"),
        );
        let (status, pdf) = staff_call(
            &state,
            "GET",
            &format!(
                "/api/v1/cases/{}/collection/steps/1/letter.pdf",
                f.reference
            ),
            "caseworker-token",
            "l1",
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            as_read(&pdf).contains(&token("ADDRESS", f.payer, f.salt)),
            "the letter is addressed"
        );
        assert_none_of(
            &as_read(&pdf),
            &f.forbidden_to_payer(),
            &format!("case {n}: the enforcement letter PDF"),
        );
        let referrals = format!("/api/v1/cases/{}/referrals", f.reference);
        for accept in ["application/json", "application/pdf"] {
            let auth = bearer("caseworker-token");
            let (status, pack, _) = call(
                &state,
                "POST",
                &referrals,
                &[
                    ("authorization", &auth),
                    ("idempotency-key", "ref"),
                    ("accept", accept),
                    ("x-break-glass-reason", "referral"),
                ],
                r#"{"recipient": "police"}"#,
            )
            .await;
            assert!(status.is_success(), "{pack}");
            assert_none_of(
                &as_read(&pack),
                &f.every_location(),
                &format!("case {n}: the police ({accept})"),
            );
        }

        // Each parent, and staff without a reason on a restricted case,
        // through every route.
        let mut viewers = vec![
            (format!("t{}", f.payer), f.forbidden_to_payer()),
            (format!("t{}", f.receiver), f.forbidden_to_receiver()),
        ];
        if f.restricted() {
            viewers.push(("caseworker-token".to_owned(), f.every_location()));
        }
        for (viewer, forbidden) in &viewers {
            let auth = bearer(viewer);
            for (method, template, query, body) in every_request(&f) {
                for path in paths(template, &f) {
                    let key = format!("{viewer}-{path}");
                    let (status, answer, headers) = call(
                        &state,
                        method,
                        &format!("{path}{query}"),
                        &[("authorization", &auth), ("idempotency-key", &key)],
                        &body,
                    )
                    .await;
                    assert!(
                        !status.is_server_error(),
                        "{method} {path}: {status} {answer}"
                    );
                    let headers: String =
                        headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
                    assert_none_of(
                        &format!("{headers}{}", as_read(&answer)),
                        forbidden,
                        &format!("case {n}: {viewer} at {method} {path}"),
                    );
                    answers += 1;
                }
            }
        }
    }
    assert!(answers > 8 * 2 * 30, "{answers} answers searched");
}

/// Signs `person` in through the pages' form; the session cookie.
async fn page_session(state: &AppState, person: u64, role: &str) -> String {
    let login = format!("person{person}@example.org");
    state
        .store
        .create_account(
            &login,
            &web::hash_password("crawl passphrase"),
            i64::try_from(person).unwrap(),
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
        &format!("login={login}&password=crawl+passphrase"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .unwrap()
        .to_owned()
}

/// Every page and download a signed-in browser can reach from `start` by
/// following this site's links (leaving and signing out aside), with what
/// each shows.
async fn crawl(state: &AppState, cookie: &str, start: &str) -> Vec<(String, String)> {
    let mut queue = vec![start.to_owned()];
    let mut seen: Vec<(String, String)> = Vec::new();
    while let Some(path) = queue.pop() {
        if seen.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let (status, body, _) = call(state, "GET", &path, &[("cookie", cookie)], "").await;
        assert!(!status.is_server_error(), "{path}: {status}");
        for link in body
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
        {
            let link = link.replace("&amp;", "&");
            if link.starts_with('/') && !link.starts_with("/assets/") && link != "/exit" {
                queue.push(link);
            }
        }
        seen.push((path, as_read(&body)));
    }
    seen
}

#[tokio::test]
async fn no_page_or_download_a_parent_can_reach_shows_where_the_other_parent_is() {
    let state = state_named("page-crawl").await;
    let mut random = Random(0xA5A5_5A5A_0F0F_F0F0);
    let mut pages = 0;
    for n in 0..6u64 {
        let f = synthetic_case(&state, n, &mut random).await;
        for (person, role, forbidden, own) in [
            (f.payer, "paying_parent", f.forbidden_to_payer(), "ADDRESS"),
            (
                f.receiver,
                "receiving_parent",
                f.forbidden_to_receiver(),
                "ADDRESS",
            ),
        ] {
            let cookie = page_session(&state, person, role).await;
            let reached = crawl(&state, &cookie, "/account").await;
            let paths: Vec<&str> = reached.iter().map(|(p, _)| p.as_str()).collect();
            assert!(
                paths.iter().any(|p| p.ends_with("/statement.csv")),
                "{paths:?}"
            );
            assert!(
                paths.iter().any(|p| p.ends_with("/calculation.pdf")),
                "{paths:?}"
            );
            for (path, shown) in &reached {
                assert_none_of(shown, &forbidden, &format!("case {n}: {role} at {path}"));
            }
            // The crawl would notice: their own letter carries their own address.
            let letter = &reached
                .iter()
                .find(|(p, _)| p.ends_with("/calculation.pdf"))
                .unwrap()
                .1;
            assert!(
                letter.contains(&token(own, person, f.salt)),
                "case {n}: own address on own letter"
            );
            pages += reached.len();
        }
    }
    assert!(pages >= 6 * 2 * 5, "{pages} pages crawled");
}
