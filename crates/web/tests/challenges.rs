//! Challenging a decision (issue 16), end to end on both databases: a
//! paying parent asks for a mandatory reconsideration of a calculation in
//! time and it is revised from the original date (schedule and ledger
//! checked to the penny against a hand calculation); late with a reason,
//! and too late refused with nothing changed; not revised, appealed, and
//! the appeal response bundle for the other party searched for every
//! locating detail of the protected receiving parent (in her words, in a
//! caseworker's reasons and inside her photograph's EXIF), while the
//! tribunal's copy is complete and marked.

use std::sync::Arc;

use axum::http::StatusCode;
use case_records::{CaseReference, ReceivingParentId};
use ledger::{Account, AccountKind, TransferCode};
use serde_json::Value;
use web::AppState;

#[macro_use]
mod common;

use common::{On, bearer, call, open_case_with_parties};

/// Paul pays; Rita receives and is protected (non-disclosure), with a
/// named caseworker (person 40). Persons 1 and 2 hold `payer-token` and
/// `receiver-token`.
const PARTIES: &str = r#"{
  "paying_parent": {"person_id": 1, "name": "Paul Payer", "address": "1 Payer Street", "postcode": "PA1 1PP",
                    "phone": "07000 111111", "email": "paul@example.org", "employer": "Payer Widgets Ltd",
                    "sort_code": "11-11-11", "account_number": "11111111", "non_disclosure": false},
  "receiving_parents": [{"id": 1, "person_id": 2, "name": "Rita Receiver", "address": "2 Refuge Road", "postcode": "RR2 2RR",
                    "phone": "07000 222222", "email": "rita@example.org", "employer": "Safe Haven Cafe",
                    "sort_code": "22-22-22", "account_number": "22222222",
                    "non_disclosure": true}],
  "children": [{"id": 1, "receiving_parent": 1, "name": "Charlie", "school": "Hidden Valley Primary", "gp": "Quiet Lane Surgery"}],
  "named_caseworker": 40
}"#;

/// Everything that would locate or reach Rita.
const RITA_LOCATES: &[&str] = &[
    "Rita Receiver",
    "Refuge Road",
    "RR2 2RR",
    "RR22RR",
    "07000 222222",
    "rita@example.org",
    "Safe Haven Cafe",
    "22-22-22",
    "22222222",
    "Hidden Valley Primary",
    "Quiet Lane Surgery",
];

/// Everything that would locate or reach Paul.
const PAUL_LOCATES: &[&str] = &[
    "1 Payer Street",
    "PA1 1PP",
    "07000 111111",
    "paul@example.org",
    "Payer Widgets Ltd",
    "11111111",
];

fn on(state: &AppState, day: &str) -> AppState {
    AppState {
        clock: Arc::new(On::day(day)),
        ..state.clone()
    }
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The case, opened on 1 June 2026 by caseworker 17 (who so made the
/// calculation): liability from Monday 4 May 2026, one child, Direct Pay,
/// the paying parent's income £400 a week.
async fn calculated_case(state: &AppState) -> (String, CaseReference) {
    let reference =
        open_case_with_parties(state, "caseworker-token", PARTIES, Some("setting up")).await;
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &bearer("caseworker-token")),
            ("idempotency-key", "calculation"),
            ("x-break-glass-reason", "making the calculation"),
        ],
        r#"{"facts": [
            {"effective_from": "2026-05-04", "change": {"kind": "child_joined", "child": 1, "receiving_parent": 1}},
            {"effective_from": "2026-05-04", "change": {"kind": "service_type", "service": "direct_pay"}},
            {"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 40000}}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let case = CaseReference::parse(&reference).unwrap();
    (reference, case)
}

/// The daily run's postings for `date` (as `cms bank collect` makes them),
/// posted.
async fn run_day(state: &AppState, case: CaseReference, since: &str, date: &str) {
    let history = state.store.case_history(&case).await.unwrap().unwrap();
    let transfers = ledger::daily_transfers(
        case,
        &history,
        state.parameters,
        ledger::payment_frequency(&history),
        domain_types::Date::parse_iso(since).unwrap(),
        domain_types::Date::parse_iso(date).unwrap(),
    )
    .unwrap();
    state.store.post_transfers(&transfers).await.unwrap();
}

/// Maintenance due to the receiving parent in the ledger (accruals and
/// adjustments, in pence, signed).
async fn maintenance_due(state: &AppState, case: CaseReference) -> i64 {
    let due = Account::of_case(case, AccountKind::ReceivingParentDue(ReceivingParentId(1)));
    state
        .store
        .transfers_for_case(&case)
        .await
        .unwrap()
        .iter()
        .filter(|t| matches!(t.code, TransferCode::Accrual | TransferCode::Adjustment))
        .map(|t| {
            let amount = i64::try_from(t.amount.get()).unwrap();
            if t.credit == due {
                amount
            } else if t.debit == due {
                -amount
            } else {
                0
            }
        })
        .sum()
}

async fn ask(state: &AppState, reference: &str, key: &str, body: &str) -> (StatusCode, Value) {
    let (status, body, _) = call(
        state,
        "POST",
        &format!("/api/v1/cases/{reference}/challenges"),
        &[
            ("authorization", &bearer("payer-token")),
            ("idempotency-key", key),
        ],
        body,
    )
    .await;
    (status, parse(&body))
}

async fn post_json(
    state: &AppState,
    path: &str,
    token: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value) {
    let auth = bearer(token);
    let mut headers = vec![("authorization", auth.as_str())];
    headers.extend_from_slice(extra);
    let (status, body, _) = call(state, "POST", path, &headers, body).await;
    (status, parse(&body))
}

async fn open_reconsiderations(state: &AppState, case: CaseReference) -> usize {
    state
        .store
        .work_queue(&work_items::WorkQuery {
            case: Some(case),
            limit: 50,
            ..work_items::WorkQuery::default()
        })
        .await
        .unwrap()
        .items
        .iter()
        .filter(|i| {
            i.kind == work_items::WorkKind::Reconsideration
                && i.state != work_items::WorkState::Done
        })
        .count()
}

/// Who made the decision is the staff member who last changed its case
/// (read by the audit index on case and action): a later change by the
/// named caseworker makes her the maker, whatever others do on other cases
/// or the parents do on this one; she may not decide the reconsideration,
/// and the caseworker who made the first calculation now may.
async fn the_maker_is_the_last_staff_change_on_the_case(state: AppState) {
    let (reference, _) = calculated_case(&state).await;
    let (status, body, _) = call(
        &state,
        "POST",
        &format!("/api/v1/cases/{reference}/facts"),
        &[
            ("authorization", &bearer("named-token")),
            ("idempotency-key", "correction"),
        ],
        r#"{"facts": [{"effective_from": "2026-05-04", "change": {"kind": "income", "weekly_pence": 41000}}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Caseworker 17 then works another case: no bearing on this one.
    let (other, _) = calculated_case(&state).await;
    assert_ne!(other, reference);
    let day10 = on(&state, "2026-06-10");
    let (status, asked) = ask(
        &day10,
        &reference,
        "mr-maker",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "My income is lower."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    let id = asked["challenge"].as_str().unwrap().to_owned();
    let outcome = format!("/api/v1/challenges/{id}/outcome");
    let decide = r#"{"outcome": "not_revised", "reasons": "HMRC confirms £410 a week."}"#;
    let (status, refused) = post_json(&day10, &outcome, "named-token", &[], decide).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("other than the one who made it"),
        "{refused}"
    );
    let (status, decided) = post_json(
        &day10,
        &outcome,
        "caseworker-token",
        &[("x-break-glass-reason", "reconsideration")],
        decide,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{decided}");
}

async fn revised_from_the_original_date(state: AppState) {
    let (reference, case) = calculated_case(&state).await;
    // The daily run on 1 June: five weeks (4, 11, 18, 25 May and 1 June)
    // at 12% of £400 = £48.00 (basic rate, one child: Sch 1 para 2).
    run_day(&state, case, "2026-05-04", "2026-06-01").await;
    assert_eq!(maintenance_due(&state, case).await, 5 * 4_800);

    // 10 June: the paying parent asks, within 30 days of the 1 June notice.
    let day10 = on(&state, "2026-06-10");
    let (status, asked) = ask(
        &day10,
        &reference,
        "mr-1",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "My income is £300 a week, not £400: my hours were cut in April."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    assert_eq!(asked["timing"], "in_time");
    assert_eq!(asked["in_time_until"], "2026-07-01");
    let id = asked["challenge"].as_str().unwrap().to_owned();
    // A retry changes nothing.
    let (status, again) = ask(
        &day10,
        &reference,
        "mr-1",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "My income is £300 a week, not £400: my hours were cut in April."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["challenge"], id.as_str());
    assert_eq!(open_reconsiderations(&state, case).await, 1);

    // The receiving parent is told neutrally and may send her view.
    let (status, body, _) = call(
        &day10,
        "GET",
        &format!("/api/v1/cases/{reference}/challenges"),
        &[("authorization", &bearer("receiver-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = parse(&body);
    let item = &listed["challenges"][0];
    assert_eq!(item["stage"], "being_looked_at");
    assert!(
        item["message"]
            .as_str()
            .unwrap()
            .contains("being looked at again")
    );
    assert!(item.get("asked_by").is_none(), "{item}");
    assert!(!body.contains("£300"), "her copy does not carry his words");
    let (status, viewed) = post_json(
        &day10,
        &format!("/api/v1/challenges/{id}/view"),
        "receiver-token",
        &[],
        r#"{"view": "He told me his hours went up, not down."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{viewed}");
    // The parent who asked cannot send the other side's view.
    let (status, _) = post_json(
        &day10,
        &format!("/api/v1/challenges/{id}/view"),
        "payer-token",
        &[],
        r#"{"view": "x"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // 20 June. The caseworker who made the decision may not decide it.
    let day20 = on(&state, "2026-06-20");
    let revise = r#"{"outcome": "revised", "reasons": "His payslips for April and May show £300 a week.", "facts": [{"kind": "income", "weekly_pence": 30000}]}"#;
    let (status, refused) = post_json(
        &day20,
        &format!("/api/v1/challenges/{id}/outcome"),
        "caseworker-token",
        &[("x-break-glass-reason", "reconsideration")],
        revise,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    // Another caseworker (the named caseworker) revises it.
    let (status, decided) = post_json(
        &day20,
        &format!("/api/v1/challenges/{id}/outcome"),
        "named-token",
        &[],
        revise,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{decided}");
    // By hand: 12% of £300 = £36.00 a week from 4 May, the original date;
    // the weeks to 20 June: six whole weeks less £12.00 each, and 15–20
    // June (six days) due as 6/7 of a week each way, rounded half up once
    // (£41.14 before, £30.86 after): £72.00 + £10.28 less.
    assert_eq!(decided["effective_from"], "2026-05-04");
    assert_eq!(decided["weekly_before_pence"], 4_800);
    assert_eq!(decided["weekly_after_pence"], 3_600);
    assert_eq!(
        decided["arrears_change_pence"],
        -(6 * 1_200 + (4_114 - 3_086))
    );
    assert_eq!(decided["appeal_by"], "2026-07-20");
    assert_eq!(
        open_reconsiderations(&state, case).await,
        0,
        "the outcome closed the work"
    );
    // A retry answers as before.
    let (status, _) = post_json(
        &day20,
        &format!("/api/v1/challenges/{id}/outcome"),
        "named-token",
        &[],
        revise,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The schedule: £36.00 from 4 May as known now; £48.00 as known before.
    let (_, body, _) = call(
        &day20,
        "GET",
        &format!("/api/v1/cases/{reference}/schedule?until=2026-06-22"),
        &[("authorization", &bearer("named-token"))],
        "",
    )
    .await;
    let schedule = parse(&body);
    assert_eq!(schedule["segments"][0]["from"], "2026-05-04", "{schedule}");
    assert_eq!(
        schedule["segments"][0]["weekly_pence"]["1"], 3_600,
        "{schedule}"
    );
    let (_, body, _) = call(
        &day20,
        "GET",
        &format!("/api/v1/cases/{reference}/schedule?until=2026-06-22&known_on=2026-06-19"),
        &[("authorization", &bearer("named-token"))],
        "",
    )
    .await;
    assert_eq!(parse(&body)["segments"][0]["weekly_pence"]["1"], 4_800);
    // The ledger, through the daily run's own backdating: seven weeks
    // begun by 20 June (4 May … 15 June) at £36.00 = £252.00.
    run_day(&state, case, "2026-06-01", "2026-06-20").await;
    assert_eq!(maintenance_due(&state, case).await, 7 * 3_600);

    // Each parent's notice: tagged PDF, the outcome, the new amount and
    // how to appeal and by when.
    for token in ["payer-token", "receiver-token"] {
        let (status, pdf, headers) = call(
            &day20,
            "GET",
            &format!("/api/v1/challenges/{id}/notice.pdf"),
            &[("authorization", &bearer(token))],
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{pdf}");
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-type" && v == "application/pdf")
        );
        assert!(pdf.contains("/StructTreeRoot"));
        let text = common::pdf_text(&pdf);
        assert!(text.contains("Mandatory reconsideration notice"), "{text}");
        assert!(text.contains("We have changed the decision"), "{text}");
        assert!(text.contains("36.00") && text.contains("48.00"), "{text}");
        assert!(text.contains("First-tier Tribunal (Social Security and Child Support)"));
        assert!(text.contains("2026-07-20"), "{text}");
        let forbidden = if token == "payer-token" {
            RITA_LOCATES
        } else {
            PAUL_LOCATES
        };
        for secret in forbidden {
            assert!(!text.contains(secret), "{token}'s notice holds {secret}");
        }
    }
    // A challenge decides nothing adverse: no collection action, and its
    // only safety record is the note the coercion scan weighs.
    assert!(
        state
            .store
            .collection_actions(&case)
            .await
            .unwrap()
            .is_empty()
    );
    let notes = state.store.safety_events(&case).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].event,
        safety::SafetyEvent::Noted {
            what: safety::Noted::Challenge,
            party: safety::Party::PayingParent
        }
    );
}

async fn late_with_a_reason_and_too_late_refused(state: AppState) {
    let (reference, case) = calculated_case(&state).await;
    let body = r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "The income is wrong."}"#;
    // 20 July is after the 30 days (to 1 July): a reason is needed.
    let july = on(&state, "2026-07-20");
    let (status, refused) = ask(&july, &reference, "late-1", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "late_reason");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-07-01")
    );
    let (status, asked) = ask(
        &july,
        &reference,
        "late-1",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "The income is wrong.", "late_reason": "I was in hospital through June."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    assert_eq!(asked["timing"], "late");
    // After 13 months (to 1 July 2027) it is refused, and nothing changes.
    let audit_before = state.store.audit_entries().await.unwrap().len();
    let later = on(&state, "2027-07-02");
    let (status, refused) = ask(
        &later,
        &reference,
        "late-2",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "The income is wrong.", "late_reason": "I forgot."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "notified_on");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2027-07-01")
    );
    // No decision notified that day; an unknown field; no reasons.
    for (body, field) in [
        (
            r#"{"decision": "calculation", "notified_on": "2026-06-02", "why": "x"}"#,
            "notified_on",
        ),
        (
            r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "x", "postcode": "RR2 2RR"}"#,
            "postcode",
        ),
        (
            r#"{"decision": "calculation", "notified_on": "2026-06-01"}"#,
            "why",
        ),
        (
            r#"{"decision": "tax", "notified_on": "2026-06-01", "why": "x"}"#,
            "decision",
        ),
    ] {
        let (status, refused) = ask(&july, &reference, "bad", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["field"], field, "{refused}");
    }
    assert_eq!(
        state.store.audit_entries().await.unwrap().len(),
        audit_before
    );
    assert_eq!(
        state.store.challenges_of_case(&case).await.unwrap().len(),
        1
    );
    assert_eq!(open_reconsiderations(&state, case).await, 1);
    // Only a parent on the case may ask.
    let (status, _, _) = call(
        &july,
        "POST",
        &format!("/api/v1/cases/{reference}/challenges"),
        &[
            ("authorization", &bearer("caseworker-token")),
            ("idempotency-key", "staff"),
        ],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A tiny JPEG whose APP1 (Exif) segment and comment hold `secret`.
fn jpeg_with_exif(secret: &str) -> Vec<u8> {
    let segment = |out: &mut Vec<u8>, marker: u8, data: &[u8]| {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&u16::try_from(data.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(data);
    };
    let mut jpeg = vec![0xFF, 0xD8];
    segment(&mut jpeg, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let mut exif = b"Exif\0\0MM\0*GPSInfo ".to_vec();
    exif.extend_from_slice(secret.as_bytes());
    segment(&mut jpeg, 0xE1, &exif);
    segment(&mut jpeg, 0xFE, secret.as_bytes());
    segment(&mut jpeg, 0xDB, &[0u8; 65]);
    segment(&mut jpeg, 0xDA, &[1, 1, 0, 0, 63, 0]);
    jpeg.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    jpeg
}

/// Uploads `bytes` as evidence (the harness's `call` carries text only).
async fn upload(
    state: &AppState,
    id: &str,
    token: &str,
    key: &str,
    content_type: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/challenges/{id}/evidence"))
        .header("authorization", bearer(token))
        .header("idempotency-key", key)
        .header("content-type", content_type)
        .body(axum::body::Body::from(bytes.to_vec()))
        .unwrap();
    let response = web::app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The bundle's text and every evidence file's bytes, as one haystack.
fn haystack(bundle: &Value) -> Vec<u8> {
    let mut all = bundle.to_string().into_bytes();
    for file in bundle["evidence"].as_array().unwrap() {
        if let Some(hex) = file["content_hex"].as_str() {
            all.extend(unhex(hex));
        }
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

async fn not_revised_appealed_and_the_bundle_cannot_leak(state: AppState) {
    let (reference, case) = calculated_case(&state).await;
    let day5 = on(&state, "2026-06-05");
    let (status, asked) = ask(
        &day5,
        &reference,
        "mr-2",
        r#"{"decision": "calculation", "notified_on": "2026-06-01", "why": "She earns well at Safe Haven Cafe, near 2 Refuge Road; the amount is too high."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    let id = asked["challenge"].as_str().unwrap().to_owned();
    // Rita's photograph, with her postcode and street in its EXIF.
    let photo = jpeg_with_exif("RR2 2RR 2 Refuge Road 51.5074N 0.1278W");
    let (status, body) = upload(&day5, &id, "receiver-token", "photo", "image/jpeg", &photo).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let photo_sent = photo.clone();
    // A file that is not what it says, and an unknown type.
    let (status, refused, _) = call(
        &day5,
        "POST",
        &format!("/api/v1/challenges/{id}/evidence"),
        &[
            ("authorization", &bearer("receiver-token")),
            ("idempotency-key", "fake"),
            ("content-type", "image/png"),
        ],
        "%PDF-1.7 not a picture",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(parse(&refused)["error"]["field"], "file");
    let (status, _, _) = call(
        &day5,
        "POST",
        &format!("/api/v1/challenges/{id}/evidence"),
        &[
            ("authorization", &bearer("receiver-token")),
            ("idempotency-key", "exe"),
            ("content-type", "application/x-msdownload"),
        ],
        "MZ",
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Her own words give her address away.
    let (status, viewed) = post_json(
        &day5,
        &format!("/api/v1/challenges/{id}/view"),
        "receiver-token",
        &[],
        r#"{"view": "Since I moved to 2 Refuge Road, RR2 2RR, I work fewer hours at Safe Haven Cafe; call me on 07000 222222."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{viewed}");
    // The caseworker's case file: the decision step by step, who made it,
    // and what each parent says, through the viewer's redaction: whole to
    // her named caseworker, her address withheld from anyone else.
    let case_file = |token: &'static str| {
        let state = day5.clone();
        let id = id.clone();
        async move {
            let (status, body, _) = call(
                &state,
                "GET",
                &format!("/api/v1/challenges/{id}"),
                &[
                    ("authorization", &bearer(token)),
                    ("x-break-glass-reason", "working the reconsideration"),
                ],
                "",
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            parse(&body)
        }
    };
    let named = case_file("named-token").await;
    assert_eq!(named["decision"]["made_by"], 17);
    assert_eq!(named["may_decide"], true);
    assert!(
        named["decision"]["explanation"]
            .to_string()
            .contains("Sch 1"),
        "{named}"
    );
    assert!(named["said"].to_string().contains("2 Refuge Road, RR2 2RR"));
    let other = case_file("caseworker-token").await;
    assert_eq!(other["may_decide"], false, "17 made the decision");
    for secret in ["Refuge Road", "RR2 2RR", "07000 222222"] {
        assert!(!other["said"].to_string().contains(secret), "{other}");
    }
    // Not revised, with reasons that name her employer.
    let day15 = on(&state, "2026-06-15");
    let (status, decided) = post_json(
        &day15,
        &format!("/api/v1/challenges/{id}/outcome"),
        "named-token",
        &[],
        r#"{"outcome": "not_revised", "reasons": "The receiving parent's income (Safe Haven Cafe) plays no part in the calculation; his income of £400 a week is confirmed by HMRC."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{decided}");
    assert_eq!(decided["arrears_change_pence"], 0);
    // No bundle before an appeal; then he appeals.
    let (status, _, _) = call(
        &day15,
        "GET",
        &format!("/api/v1/challenges/{id}/bundle?for=tribunal"),
        &[("authorization", &bearer("named-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, appealed) = post_json(
        &day15,
        &format!("/api/v1/challenges/{id}/appeal"),
        "payer-token",
        &[],
        r#"{"grounds": "The calculation ignores what she earns."}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{appealed}");
    assert_eq!(appealed["late"], false);

    let bundle_for = |who: &'static str| {
        let state = day15.clone();
        let id = id.clone();
        async move {
            let (status, body, _) = call(
                &state,
                "GET",
                &format!("/api/v1/challenges/{id}/bundle?for={who}"),
                &[("authorization", &bearer("named-token"))],
                "",
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            parse(&body)
        }
    };
    // The paying parent's copy: nothing that locates her, anywhere.
    let his = bundle_for("paying_parent").await;
    let searched = haystack(&his);
    for secret in RITA_LOCATES {
        assert!(
            !holds(&searched, secret),
            "his bundle holds {secret}: {his}"
        );
    }
    assert!(!holds(&searched, "51.5074N"));
    let photo_copy = unhex(his["evidence"][0]["content_hex"].as_str().unwrap());
    assert!(
        !holds(&photo_copy, "Exif"),
        "the photograph's metadata is gone"
    );
    assert!(!holds(&photo_copy, "GPSInfo"));
    assert!(
        photo_copy.starts_with(&[0xFF, 0xD8])
            && photo_copy.ends_with(&[0x12, 0x34, 0x56, 0xFF, 0xD9])
    );
    // Its index says what was withheld and under which rule.
    let withheld = his["withheld"].as_array().unwrap();
    let index = serde_json::to_string(withheld).unwrap();
    assert!(index.contains("metadata"), "{index}");
    assert!(index.contains("The other parent's view"), "{index}");
    assert!(index.contains("non-disclosure"), "{index}");
    assert!(index.contains("s.50"), "{index}");
    assert!(his.get("parties").is_none() && his.get("marking").is_none());
    // What he may read is still there: the decision, the outcome, the
    // explanation step by step, his own grounds.
    assert_eq!(his["reconsideration"]["outcome"], "not_revised");
    assert!(
        !his["decision"]["explanation"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        his.to_string()
            .contains("The calculation ignores what she earns.")
    );
    assert!(his.to_string().contains("I work fewer hours"));

    // Her copy: nothing that locates him.
    let hers = bundle_for("receiving_parent").await;
    let searched = haystack(&hers);
    for secret in PAUL_LOCATES {
        assert!(!holds(&searched, secret), "her bundle holds {secret}");
    }

    // The tribunal's copy is complete, and marked.
    let tribunal = bundle_for("tribunal").await;
    let searched = haystack(&tribunal);
    for complete in [
        "RR2 2RR",
        "2 Refuge Road",
        "Safe Haven Cafe",
        "07000 222222",
        "Exif",
        "51.5074N",
    ] {
        assert!(
            holds(&searched, complete),
            "the tribunal's copy lacks {complete}"
        );
    }
    assert_eq!(
        unhex(tribunal["evidence"][0]["content_hex"].as_str().unwrap()),
        photo_sent,
        "the tribunal has the file exactly as sent"
    );
    assert!(
        tribunal["marking"]
            .as_str()
            .unwrap()
            .contains("Do not pass")
    );
    assert_eq!(tribunal["protected"][0]["party"], "receiving_parent:1");

    // The same bundles as tagged PDFs (Accept or format=pdf), drawn from
    // the same per-recipient structure: his copy's text holds nothing that
    // locates her, and its index says what was withheld and why; the
    // tribunal's holds her details, under its marking.
    let pdf_for = |who: &'static str, accept: bool| {
        let state = day15.clone();
        let id = id.clone();
        async move {
            let auth = bearer("named-token");
            let mut headers = vec![("authorization", auth.as_str())];
            let path = if accept {
                headers.push(("accept", "application/pdf"));
                format!("/api/v1/challenges/{id}/bundle?for={who}")
            } else {
                format!("/api/v1/challenges/{id}/bundle?for={who}&format=pdf")
            };
            let (status, pdf, answer) = call(&state, "GET", &path, &headers, "").await;
            assert_eq!(status, StatusCode::OK, "{pdf}");
            assert!(
                answer
                    .iter()
                    .any(|(k, v)| k == "content-type" && v == "application/pdf")
            );
            assert!(pdf.starts_with("%PDF") && pdf.contains("/StructTreeRoot"));
            common::pdf_text(&pdf)
        }
    };
    let his_pdf = pdf_for("paying_parent", true).await;
    for secret in RITA_LOCATES {
        assert!(
            !his_pdf.contains(secret),
            "his PDF holds {secret}: {his_pdf}"
        );
    }
    assert!(!his_pdf.contains("51.5074N"));
    let index_at = his_pdf
        .find("What was withheld from this copy")
        .expect("an index of what was withheld");
    let decision_at = his_pdf.find("2. The decision and its explanation").unwrap();
    assert!(index_at < decision_at, "the index comes first: {his_pdf}");
    assert!(
        his_pdf.contains(
            "The other parent's view (the receiving parent): locating details in the words withheld"
        ),
        "{his_pdf}"
    );
    assert!(
        his_pdf.contains("non-disclosure") && his_pdf.contains("s.50"),
        "{his_pdf}"
    );
    assert!(
        his_pdf.contains("the image's metadata withheld"),
        "{his_pdf}"
    );
    for section in [
        "The basic rate for 1 child",
        "Sch 1 para 2(1)",
        "3. The facts relied on",
        "Income, from 2026-05-04",
        "4. The mandatory reconsideration",
        "Outcome: Not revised",
        "The calculation ignores what she earns.",
        "7. The Secretary of State's submission",
        "Evidence ",
    ] {
        assert!(
            his_pdf.contains(section),
            "his PDF lacks {section}: {his_pdf}"
        );
    }
    assert!(!his_pdf.contains("TRIBUNAL COPY"));
    let hers_pdf = pdf_for("receiving_parent", false).await;
    for secret in PAUL_LOCATES {
        assert!(!hers_pdf.contains(secret), "her PDF holds {secret}");
    }
    let tribunal_pdf = pdf_for("tribunal", false).await;
    for complete in [
        "TRIBUNAL COPY",
        "Rita Receiver",
        "2 Refuge Road",
        "RR2 2RR",
        "Safe Haven Cafe",
        "(protected: do not pass on)",
    ] {
        assert!(
            tribunal_pdf.contains(complete),
            "the tribunal's PDF lacks {complete}: {tribunal_pdf}"
        );
    }
    // An unknown format is refused, and records nothing.
    let (status, refused, _) = call(
        &day15,
        "GET",
        &format!("/api/v1/challenges/{id}/bundle?for=tribunal&format=docx"),
        &[("authorization", &bearer("named-token"))],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.contains("format"), "{refused}");

    // Who received what: each bundle recorded on the challenge and audited.
    let (_, events) = state.store.challenge(&id).await.unwrap().unwrap();
    let sent: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "bundle_sent")
        .map(|e| e.payload.as_str())
        .collect();
    assert_eq!(
        sent,
        [
            "to=paying_parent;",
            "to=receiving_parent;",
            "to=tribunal;",
            "to=paying_parent;",
            "to=receiving_parent;",
            "to=tribunal;"
        ]
    );
    let audited: Vec<String> = state
        .store
        .audit_entries()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|e| e.record.fields)
        .filter(|f| f.starts_with("challenge.bundle."))
        .collect();
    assert_eq!(audited.len(), 6, "{audited:?}");
    // Nothing of hers is kept readable in the database: her words are sealed.
    for event in &events {
        if let Some(words) = &event.words {
            assert!(!words.contains("Refuge"), "words are stored sealed");
        }
    }
    let _ = case;
}

on_both_databases!(
    revised_from_the_original_date,
    late_with_a_reason_and_too_late_refused,
    not_revised_appealed_and_the_bundle_cannot_leak,
    the_maker_is_the_last_staff_change_on_the_case,
);

fn set_cookie(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .and_then(|(_, v)| v.split(';').next())
        .map(str::to_owned)
}

fn form_token(page: &str) -> String {
    let at = page.find("name=\"form_token\" value=\"").unwrap() + 25;
    page[at..].split('"').next().unwrap().to_owned()
}

async fn a_parent_asks_from_their_account(state: AppState) {
    let (reference, case) = calculated_case(&state).await;
    state
        .store
        .create_account(
            "paul@example.org",
            &web::hash_password("a long passphrase here"),
            1,
            "paying_parent",
        )
        .await
        .unwrap();
    // Signed in on the day she asks (sessions end after 15 idle minutes).
    let day10 = on(&state, "2026-06-10");
    let (status, _, headers) = call(
        &day10,
        "POST",
        "/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "same-origin"),
        ],
        "login=paul@example.org&password=a+long+passphrase+here",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = set_cookie(&headers).unwrap();
    let page = format!("/account/cases/{reference}/challenge");
    let (status, form, _) = call(&day10, "GET", &page, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(form.contains("Ask us to look at a decision again"));
    assert!(
        form.contains("govuk-exit-this-page"),
        "Exit this page on every parent page"
    );
    let token = form_token(&form);
    let post = |body: String| {
        let (state, page, cookie) = (day10.clone(), page.clone(), cookie.clone());
        async move {
            call(
                &state,
                "POST",
                &page,
                &[
                    ("cookie", &cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("sec-fetch-site", "same-origin"),
                ],
                &body,
            )
            .await
        }
    };
    // Nothing said about why: the error summary names the field, the
    // answers typed stay, and nothing is recorded.
    let (status, again, _) = post(format!(
        "form_token={token}&decision=calculation&notified-day=1&notified-month=6&notified-year=2026&why="
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.contains("There is a problem") && again.contains("href=\"#why\""),
        "{again}"
    );
    assert!(again.contains("value=\"calculation\" checked"), "{again}");
    assert!(
        state
            .store
            .challenges_of_case(&case)
            .await
            .unwrap()
            .is_empty()
    );
    // A date with no decision on it.
    let (status, again, _) = post(format!(
        "form_token={token}&decision=calculation&notified-day=2&notified-month=6&notified-year=2026&why=Too+high"
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("href=\"#notified-day\""), "{again}");
    // Asked: post, redirect, get.
    let (status, _, headers) = post(format!(
        "form_token={token}&decision=calculation&notified-day=1&notified-month=6&notified-year=2026&why=My+income+is+lower."
    ))
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(location, format!("/account/cases/{reference}/challenges"));
    let (status, stages, _) = call(&day10, "GET", &location, &[("cookie", &cookie)], "").await;
    assert_eq!(status, StatusCode::OK, "{stages}");
    assert!(
        stages.contains("You asked us to look again at the child maintenance calculation"),
        "{stages}"
    );
    assert_eq!(
        state.store.challenges_of_case(&case).await.unwrap().len(),
        1
    );
    assert_eq!(open_reconsiderations(&state, case).await, 1);
}

mod pages {
    use super::*;
    on_both_databases!(a_parent_asks_from_their_account);
}
