//! Each parent's account page against their statement CSV, on SQLite and
//! PostgreSQL (`on_both_databases!` at the end): after maintenance falls
//! due, a payment in full, a pass-on, a part payment and a missed week, every
//! figure on the page is the CSV's column total and the balance its closing
//! balance, to the penny; "passed on" is what was sent; the next payment
//! says when, how much, the fee and whom to pay; Direct Pay speaks of
//! Direct Pay; a missed payment posted on Collect and Pay gets a page.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use case_records::CaseReference;
use domain_types::{Date, Pence};
use ledger::{Account, AccountKind, Transfer, TransferCode, TransferId};
use web::AppState;

#[macro_use]
mod common;

use common::{call, open_case_with_parties, session};

fn d(iso: &str) -> Date {
    Date::parse_iso(iso).unwrap()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A case from 4 May 2026 (weekly, £400 a week, one child) on `service`,
/// with both parents signed in: (case, payer's cookie, receiver's cookie).
async fn case_on(state: &AppState, service: &str) -> (CaseReference, String, String) {
    let parties = r#"{"paying_parent": {"person_id": 1, "name": "P", "address": "PAYER-ADDRESS", "postcode": "PP1 1PP"},
        "receiving_parents": [{"id": 1, "person_id": 2, "name": "R", "address": "SAFE-ADDRESS", "postcode": "SS1 1SS"}]}"#;
    let reference = open_case_with_parties(state, "caseworker-token", parties, None).await;
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &common::bearer("caseworker-token")),
            ("idempotency-key", "facts"),
        ],
        &format!(
            r#"{{"facts": [
            {{"effective_from": "2026-05-04", "change": {{"kind": "child_joined", "child": 1, "receiving_parent": 1}}}},
            {{"effective_from": "2026-05-04", "change": {{"kind": "income", "weekly_pence": 40000}}}},
            {{"effective_from": "2026-05-04", "change": {{"kind": "service_type", "service": "{service}"}}}}]}}"#
        ),
    )
    .await;
    assert!(status.is_success(), "{body}");
    let payer = session(state, "payer@example.org", 1, "paying_parent").await;
    let receiver = session(state, "receiver@example.org", 2, "receiving_parent").await;
    (CaseReference::parse(&reference).unwrap(), payer, receiver)
}

/// The value beside `key` in the page's summary lists, as pence.
fn figure(page: &str, key: &str) -> i128 {
    let marker = format!("<dt class=\"govuk-summary-list__key\">\n      {key}\n    </dt>");
    let after = page
        .split(&marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {key:?} on the page:\n{page}"));
    let value = after
        .split("<dd class=\"govuk-summary-list__value\">")
        .nth(1)
        .unwrap()
        .split("</dd>")
        .next()
        .unwrap()
        .trim();
    pence_of(value.trim_start_matches('£'))
}

/// "12.34" or "-12.34" as pence, digit by digit.
fn pence_of(text: &str) -> i128 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let digits = digits.trim_start_matches('£');
    let (pounds, pence) = digits.split_once('.').unwrap();
    assert_eq!(pence.len(), 2, "{text}");
    sign * (pounds.parse::<i128>().unwrap() * 100 + pence.parse::<i128>().unwrap())
}

/// A statement CSV's column totals and closing balance.
#[derive(Debug, Default)]
struct Totals {
    due: i128,
    paid: i128,
    collection_fees: i128,
    other_charges: i128,
    passed_on: i128,
    closing: i128,
    rows: usize,
}

fn totals(csv: &str) -> Totals {
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        lines.next(),
        Some("date,description,due,paid,charged,passed_on,balance")
    );
    let mut totals = Totals::default();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 7, "{line}");
        totals.due += pence_of(cells[2]);
        totals.paid += pence_of(cells[3]);
        if cells[1] == "Collection fee" {
            totals.collection_fees += pence_of(cells[4]);
        } else {
            totals.other_charges += pence_of(cells[4]);
        }
        totals.passed_on += pence_of(cells[5]);
        totals.closing = pence_of(cells[6]);
        totals.rows += 1;
    }
    totals
}

/// What falls due on the case for the five weeks from 4 May to 1 June, as
/// the accrual posts it (maintenance, and the 20% fee on Collect and Pay).
async fn dues(state: &AppState, case: CaseReference) -> Vec<Transfer> {
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    let today = d("2026-06-01");
    let schedule =
        case_records::liability_schedule(&history, state.parameters, today, d("2026-06-08"))
            .unwrap();
    let periods =
        ledger::payment_periods(d("2026-05-04"), d("2026-06-08"), ledger::Frequency::Weekly);
    assert_eq!(periods.len(), 5);
    let terms = ledger::CollectionTerms::on(&history, today, today, state.parameters);
    ledger::accrual_transfers(case, &schedule, &periods, terms, state.parameters)
}

async fn get(state: &AppState, cookie: &str, path: &str) -> (StatusCode, String) {
    let (status, body, _) = call(state, "GET", path, &[("cookie", cookie)], "").await;
    (status, body)
}

/// The case's dues to 1 June (five weeks, each with the 20% fee), a first
/// week paid in full on 5 May and passed on (less 4%) on 6 May, half the
/// second week paid on 12 May and passed on on 13 May, and nothing since:
/// the third week's payment was missed. Returns (week's maintenance, week's
/// fee, paid in all, net sent to the receiving parent in all).
async fn money(state: &AppState, case: CaseReference) -> (u64, u64, u64, u64) {
    let mut transfers = dues(state, case).await;
    let of = |code, on: &str| {
        transfers
            .iter()
            .filter(|t: &&Transfer| t.code == code && t.effective == d(on))
            .map(|t| t.amount.get())
            .sum::<u64>()
    };
    let (week, fee) = (
        of(TransferCode::Accrual, "2026-05-04"),
        of(TransferCode::PayingParentFee, "2026-05-04"),
    );
    assert!(week > 0, "something falls due");
    assert_eq!(of(TransferCode::Accrual, "2026-06-01"), week, "five weeks");
    // Fees Regs 2014 reg 7: 20%, rounded half up to the penny.
    assert_eq!(fee, (week * 200_000 + 500_000) / 1_000_000);
    let owes = Account::of_case(case, AccountKind::PayingParentOwes);
    let payment = |id: &str, amount: u64, on: &str| Transfer {
        id: TransferId(format!("{case}/{id}")),
        debit: Account::BANK,
        credit: owes,
        amount: Pence::new(amount),
        code: TransferCode::Payment,
        effective: d(on),
        corrects: None,
    };
    let rate = Some(domain_types::PartsPerMillion::new(40_000).unwrap());
    let mut sent = 0;
    let first = week + fee;
    let part = (week + fee) / 2;
    for (id, amount, paid_on, pass_on) in [
        ("first", first, "2026-05-05", "2026-05-06"),
        ("part", part, "2026-05-12", "2026-05-13"),
    ] {
        transfers.push(payment(id, amount, paid_on));
        let run = ledger::disbursement_run(&transfers, case, d(pass_on), rate, &BTreeSet::new());
        assert!(!run.disbursements.is_empty(), "passed on on {pass_on}");
        sent += run.disbursements.iter().map(|p| p.net.get()).sum::<u64>();
        transfers.extend(run.transfers);
    }
    state.store.post_transfers(&transfers).await.unwrap();
    (week, fee, first + part, sent)
}

async fn each_parents_account_is_their_statement_to_the_penny(state: AppState) {
    let (case, payer, receiver) = case_on(&state, "collect_and_pay").await;
    let (week, fee, paid, sent) = money(&state, case).await;
    let (week, fee, paid, sent) = (
        i128::from(week),
        i128::from(fee),
        i128::from(paid),
        i128::from(sent),
    );
    let csv_path = format!("/api/v1/cases/{case}/statement.csv");

    // The paying parent.
    let (status, page) = get(&state, &payer, "/account").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, csv) = get(&state, &payer, &csv_path).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let statement = totals(&csv);
    assert_eq!(statement.due, 5 * week, "five weeks fell due");
    assert_eq!(statement.collection_fees, 5 * fee);
    assert_eq!(statement.paid, paid);
    assert_eq!(figure(&page, "Child maintenance due"), statement.due);
    assert_eq!(
        figure(&page, "Collection fees (20%)"),
        statement.collection_fees
    );
    assert_eq!(figure(&page, "Paid"), statement.paid);
    assert_eq!(figure(&page, "You owe"), statement.closing);
    assert_eq!(
        statement.closing,
        statement.due + statement.collection_fees - statement.paid,
        "what they owe is what fell due with the fee, less what they paid"
    );
    assert!(!page.contains("Passed on to you"), "not the payer's side");

    // The receiving parent.
    let (status, page) = get(&state, &receiver, "/account").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, csv) = get(&state, &receiver, &csv_path).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let statement = totals(&csv);
    assert_eq!(statement.due, 5 * week);
    assert_eq!(figure(&page, "Child maintenance due to you"), statement.due);
    assert_eq!(figure(&page, "Collected for you"), statement.paid);
    assert_eq!(figure(&page, "Still due to you"), statement.closing);
    assert_eq!(
        statement.closing,
        statement.due - statement.paid,
        "still due is due less collected"
    );
    assert_eq!(
        figure(&page, "Collection fees kept (4%)"),
        statement.collection_fees
    );
    assert_eq!(figure(&page, "Passed on to you"), statement.passed_on);
    assert_eq!(statement.passed_on, sent, "passed on is what was sent");
    assert!(statement.passed_on > 0 && statement.closing > 0);
    // Collected for them is the maintenance share of what the payer paid
    // (the first week in full, then the oldest debt first), and every penny
    // of it was passed on, or kept as the fee.
    assert_eq!(
        statement.paid,
        statement.collection_fees + statement.passed_on,
        "nothing waiting to be passed on"
    );
    assert!(!page.contains("Collected, to be passed on to you"));

    // The next payment, today (a week starts on 1 June): the payer pays the
    // service the week and its 20% fee; the receiving parent is told what
    // comes to them, less 4%.
    let (_, page) = get(&state, &payer, "/account").await;
    assert!(page.contains("Next payment"), "{page}");
    assert!(page.contains("1 June 2026"));
    assert_eq!(figure(&page, "Child maintenance"), week);
    assert_eq!(figure(&page, "Collection fee (20%)"), fee);
    assert_eq!(figure(&page, "Total to pay"), week + fee);
    assert!(page.contains("Pay the Child Maintenance Service, not the other parent"));
    assert!(page.contains(&format!("Use your case reference {case}")));
    assert!(!page.contains("SAFE-ADDRESS") && !page.contains("SS1 1SS"));
    let (_, page) = get(&state, &receiver, "/account").await;
    // 4% of the week, rounded half up to the penny.
    let kept = (week * 40_000 + 500_000) / 1_000_000;
    assert_eq!(figure(&page, "Due from the other parent"), week);
    assert_eq!(figure(&page, "Collection fee (4%), kept from it"), kept);
    assert_eq!(figure(&page, "Paid to you once collected"), week - kept);
    assert!(!page.contains("PAYER-ADDRESS") && !page.contains("PP1 1PP"));

    // The chart's legend speaks of shapes and the table, not colours.
    assert!(page.contains("Solid bar: due.") && page.contains("Outlined bar: collected for you."));
    assert!(!page.contains(">Blue<") && !page.contains(">Green<"));
    assert!(page.contains("Due and paid by month"));

    // Before the downloads that hold her address, a warning about shared
    // devices.
    let warning = page
        .find("Your letters hold your name and address, and your statement shows your payments. If someone else can use this phone or computer, they may be able to open a file you download")
        .expect("the warning");
    let first_download = page.find("\" download>").expect("a download");
    assert!(warning < first_download, "the warning comes first");
    assert!(page[..warning].contains("govuk-warning-text"));
}

async fn a_direct_pay_account_speaks_of_direct_pay(state: AppState) {
    let (case, payer, receiver) = case_on(&state, "direct_pay").await;
    let dues = dues(&state, case).await;
    assert!(
        dues.iter().all(|t| t.code == TransferCode::Accrual),
        "no fee on Direct Pay"
    );
    let week = dues[0].amount;
    state.store.post_transfers(&dues).await.unwrap();
    // The receiving parent tells us the payment of 25 May was not made.
    let (_, form) = get(
        &state,
        &receiver,
        &format!("/account/cases/{case}/missed-payment"),
    )
    .await;
    let token = form
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let (status, _, _) = call(
        &state,
        "POST",
        &format!("/account/cases/{case}/missed-payment"),
        &[
            ("cookie", &receiver),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("form_token={token}&due=2026-05-25"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "post-redirect-get");

    let (status, page) = get(&state, &receiver, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Direct Pay: paid between parents"));
    assert!(!page.contains("Collected for you"), "nothing is collected");
    assert!(
        !page.contains("<svg class=\"app-chart\""),
        "no chart of zeros"
    );
    assert!(page.contains("Recent payments on Direct Pay"));
    let row = page
        .split("25 May 2026</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains(&week.to_string()) && row.contains("Not paid"),
        "{row}"
    );
    let row = page
        .split("18 May 2026</th>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("Nothing reported"), "{row}");
    assert!(page.contains("the other parent pays you directly"));

    // The payer: the next payment, paid to the other parent directly, no
    // fee, and none of the receiving parent's details.
    let (_, page) = get(&state, &payer, "/account").await;
    assert!(page.contains("Direct Pay: pay the other parent directly"));
    assert_eq!(figure(&page, "Amount"), i128::from(week.get()));
    assert!(!page.contains("Collection fee"), "{page}");
    assert!(!page.contains("SAFE-ADDRESS") && !page.contains("SS1 1SS"));
    assert!(!page.contains("<svg class=\"app-chart\""));
}

async fn a_missed_payment_posted_on_collect_and_pay_gets_a_page(state: AppState) {
    let (case, _, receiver) = case_on(&state, "collect_and_pay").await;
    let path = format!("/account/cases/{case}/missed-payment");
    let (status, page, headers) = call(&state, "GET", &path, &[("cookie", &receiver)], "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.contains("There is nothing to report"));
    assert!(!page.contains("<form method=\"post\" action=\"/account/cases/"));
    // Posted anyway (an old page, Back): a page again, and nothing recorded.
    let (_, account) = get(&state, &receiver, "/account").await;
    assert!(!account.contains("Tell us about a payment that was not made"));
    let token = account
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let (status, page, headers) = call(
        &state,
        "POST",
        &path,
        &[
            ("cookie", &receiver),
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        &format!("form_token={token}&due=2026-05-25"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8"),
        "a page, not the API's JSON: {page}"
    );
    assert!(page.contains("<h1 class=\"govuk-heading-l\">There is nothing to report</h1>"));
    assert!(page.contains("href=\"/account\""));
    assert!(!page.contains("\"errors\""));
    // Every parent's form posted with a stale token, or about a case that
    // is not theirs: a page too, and nothing recorded.
    for (path, body) in [
        (path.clone(), "form_token=stale&due=2026-05-25".to_owned()),
        (
            format!("/account/cases/{case}/move-to-collect-and-pay"),
            "form_token=stale&reason=safety".to_owned(),
        ),
        (
            format!("/account/cases/{case}/report-a-change"),
            "form_token=stale".to_owned(),
        ),
        (
            "/account/cases/CM-0000-0000-0/missed-payment".to_owned(),
            format!("form_token={token}&due=2026-05-25"),
        ),
    ] {
        let (status, page, headers) = call(
            &state,
            "POST",
            &path,
            &[
                ("cookie", &receiver),
                ("content-type", "application/x-www-form-urlencoded"),
                ("sec-fetch-site", "same-origin"),
            ],
            &body,
        )
        .await;
        assert!(status.is_client_error(), "{path}: {status}");
        assert_eq!(
            header(&headers, "content-type"),
            Some("text/html; charset=utf-8"),
            "{path}: {page}"
        );
        assert!(
            page.contains("<h1 class=\"govuk-heading-l\">"),
            "{path}: {page}"
        );
    }
    assert!(
        state
            .store
            .collection_actions(&case)
            .await
            .unwrap()
            .is_empty(),
        "nothing recorded"
    );
}

#[tokio::test]
async fn the_start_and_staying_safe_pages_give_999_as_a_link_and_the_silent_advice_once() {
    let state = common::state_named("account-999").await;
    for path in ["/", "/staying-safe-online"] {
        let (status, page, _) = call(&state, "GET", path, &[], "").await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            page.contains(
                "If you are in immediate danger, call <a class=\"govuk-link\" href=\"tel:999\">999</a>."
            ),
            "{path}: {page}"
        );
        assert_eq!(page.matches("If you cannot speak").count(), 1, "{path}");
        assert!(page.contains("press 55"), "{path}");
    }
}

on_both_databases!(
    each_parents_account_is_their_statement_to_the_penny,
    a_direct_pay_account_speaks_of_direct_pay,
    a_missed_payment_posted_on_collect_and_pay_gets_a_page,
);
