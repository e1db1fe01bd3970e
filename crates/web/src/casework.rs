//! Safety over HTTP (issue 5): disclosures at any time, the specialist
//! team's queue, the named caseworker's own queue, and specialist actions
//! (named caseworker, review, risk, Domestic Abuse Plan steps). Every write
//! is checked against the case's safety state and recorded with its audit
//! entry in one transaction.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use audit_log::Action;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use case_records::{CaseReference, PersonId, Role};
use safety::{
    Party, PlanStep, Recorder, RiskLevel, SafetyEvent, SafetyRecord, SafetyState, Signposting,
};
use serde_json::{Value, json};
use storage_api::{ActionOutcome, StorageError};

use crate::cases::{
    SignedIn, Staff, error, forbidden_unless, parents_only, parse_json, parse_reference,
    personal_data_unavailable, storage_failure,
};
use crate::collection::{idempotency_key, own_party};
use crate::json_input::{self, Fields};
use crate::parties::authorise_case_action;
use crate::{AppState, json_response};

/// What the service can honestly promise a parent who asks it to call the
/// police: the specialist team is told at once, but it is not an emergency
/// service and cannot say how soon a specialist will see it (issue 14).
pub(crate) const POLICE_CALL_PROMISE: &str = "Our specialist team has been told at once. A specialist will call the police for you as soon as they see this. We are not an emergency service, so if you can, call 999 yourself now.";

/// The support shown to someone who may be experiencing abuse: 999 when in
/// danger, and the helplines for them, with hours only where the data
/// gives them with a source (`null` otherwise). Services for people who
/// want to stop being abusive are not for this list: they are shown only
/// where that is the purpose.
pub(crate) fn signposting_json(danger: bool) -> Value {
    let list = Signposting::embedded();
    json!({
        "emergency": danger.then(|| json!({
            "call": list.emergency.call,
            "if_you_cannot_speak": list.emergency.silent,
        })),
        "support": list
            .organisations
            .iter()
            .filter(|o| !o.audiences.contains(&safety::Audience::Perpetrators))
            .map(|o| json!({
                "name": o.name,
                "phone": o.phone,
                "hours": o.hours,
            }))
            .collect::<Vec<_>>(),
    })
}

pub(crate) async fn record(
    state: &AppState,
    case: &CaseReference,
    key: &str,
    event: SafetyEvent,
    who: &SignedIn,
) -> Result<(StatusCode, Vec<SafetyRecord>), Response> {
    let by = Recorder {
        person: PersonId(u64::try_from(who.person).unwrap_or(0)),
        role: who.role,
        on: state.clock.today(),
    };
    let records = state
        .store
        .safety_events(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let current = SafetyState::from_records(&records);
    let record = SafetyRecord { event, by };
    // A retry under the same key is answered as before, unchecked: the
    // state has moved on because of the event itself.
    match state
        .store
        .safety_event(case, key)
        .await
        .map_err(|e| storage_failure(&e))?
    {
        Some(stored) if stored.event == record.event => {
            return Ok((StatusCode::OK, records));
        }
        Some(_) => {
            return Err(error(
                StatusCode::CONFLICT,
                "idempotency-key",
                "that Idempotency-Key was used for something else; nothing was written",
            ));
        }
        None => {}
    }
    current.check(&record.event, by).map_err(|refused| {
        // Who may not is 403; what the case's state does not allow, 409.
        let (status, field) = match refused {
            safety::SafetyRefused::RoleMayNot(_) | safety::SafetyRefused::NotTheReviewer => {
                (StatusCode::FORBIDDEN, "authorization")
            }
            safety::SafetyRefused::NothingToReview | safety::SafetyRefused::AbuseDisclosed => {
                (StatusCode::CONFLICT, "action")
            }
        };
        error(status, field, refused.to_string())
    })?;
    let audit = who.audit(
        state,
        Action::Changed,
        Some(case),
        vec![format!("safety:{}", record.event.encode().0)],
        None,
    );
    let outcome = state
        .store
        .record_safety_event(
            case,
            i64::try_from(records.len()).unwrap_or(i64::MAX),
            key,
            &record,
            audit,
        )
        .await
        .map_err(|e| match e {
            StorageError::ActionConflict(_) | StorageError::IdempotencyKeyReused(_) => {
                error(StatusCode::CONFLICT, "", e.to_string())
            }
            other => storage_failure(&other),
        })?;
    let records = state
        .store
        .safety_events(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let status = match outcome {
        ActionOutcome::Recorded { .. } => StatusCode::CREATED,
        ActionOutcome::AlreadyRecorded => StatusCode::OK,
    };
    Ok((status, records))
}

/// A parent named in a request: `paying_parent` or `receiving_parent`.
fn party_field(fields: &Fields<'_>, name: &str) -> Result<Party, Response> {
    fields.code(
        name,
        |code| match code {
            "paying_parent" => Some(Party::PayingParent),
            "receiving_parent" => Some(Party::ReceivingParent),
            _ => None,
        },
        "paying_parent or receiving_parent",
    )
}

/// `POST /api/v1/cases/{reference}/disclosures` with `{"immediate_danger",
/// "police_call_consented"}` and an `Idempotency-Key`: a parent discloses
/// abuse about their own case (or staff record a disclosure made to them,
/// saying `"by"`). No evidence is asked. The case goes to the specialist
/// team's queue with its risk raised, in the same write; a named
/// caseworker, if any, is reached at once. The answer is support, in the
/// same words for everyone.
pub async fn disclose(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        let case = parse_reference(&reference)?;
        let key = idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        let by = if signed_in.role.is_parent() {
            // A parent discloses for themselves: no `by`.
            let fields = Fields::of(&request, "", &["immediate_danger", "police_call_consented"])?;
            (own_party(&state, &signed_in, &case).await?, fields)
        } else {
            let staff = Staff {
                person: signed_in.person,
                role: signed_in.role,
            };
            authorise_case_action(&state, &staff, &case, &headers).await?;
            let fields = Fields::of(
                &request,
                "",
                &["by", "immediate_danger", "police_call_consented"],
            )?;
            (party_field(&fields, "by")?, fields)
        };
        let (by, fields) = by;
        let immediate_danger = fields.flag("immediate_danger")?;
        let police_call_consented = fields.flag("police_call_consented")?;
        let (status, _) = record(
            &state,
            &case,
            &key,
            SafetyEvent::Disclosed {
                by,
                immediate_danger,
                police_call_consented,
            },
            &signed_in,
        )
        .await?;
        Ok(json_response(
            status,
            &json!({
                "recorded": true,
                "message": "Thank you for telling us. A member of our specialist team will look at your case. You do not need to give us any evidence.",
                "police_call": police_call_consented.then_some(POLICE_CALL_PROMISE),
                "signposting": signposting_json(immediate_danger),
            }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/queues/specialist`: the domestic abuse specialist team's
/// queue, most urgent first then oldest (danger at the top), one entry per
/// case, read a page at a time from the work items kept as the work
/// happens (`?page=N`, 100 items a page): never from the caseload. No
/// personal data.
pub async fn specialist_queue(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    const PER_PAGE: u32 = 100;
    let result = async {
        if !matches!(staff.role, Role::DomesticAbuseSpecialist | Role::TeamLeader) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "authorization",
                "this queue is the domestic abuse specialist team's",
            ));
        }
        if let Some(unknown) = params.keys().find(|k| k.as_str() != "page") {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                unknown,
                "unknown parameter",
            ));
        }
        let page: u32 = match params.get("page") {
            None => 1,
            Some(text) => text
                .parse()
                .ok()
                .filter(|p| (1..=10_000).contains(p))
                .ok_or_else(|| {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "page",
                        "a page number from 1",
                    )
                })?,
        };
        let items = state
            .store
            .work_queue(&work_items::WorkQuery {
                teams: vec![work_items::Team::Specialist],
                offset: (page - 1) * PER_PAGE,
                limit: PER_PAGE,
                ..work_items::WorkQuery::default()
            })
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut seen = std::collections::HashSet::new();
        let cases: Vec<Value> = items
            .items
            .iter()
            .filter_map(|item| item.case.map(|case| (case, item)))
            .filter(|(case, _)| seen.insert(*case))
            .map(|(case, item)| {
                json!({
                    "reference": case.to_string(),
                    "risk": item.risk.code(),
                    "most_urgent": item.kind.code(),
                    "named_caseworker": item.assignee.map(|p| p.0),
                    "waiting_since_unix": item.raised,
                    "restricted": item.restricted,
                })
            })
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({ "cases": cases, "items": items.total(), "page": page }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/queues/mine`: the cases where the signed-in caseworker is
/// the named caseworker and a disclosure waits for them: the reviews kept
/// as work items and given to them (when named, and on each disclosure
/// after), read by the index on who has an item, never the caseload.
pub async fn my_queue(State(state): State<AppState>, staff: Staff) -> Response {
    let result = async {
        let me = PersonId(u64::try_from(staff.person).unwrap_or(0));
        let mut cases: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for kind in [
            work_items::WorkKind::DisclosureToReview,
            work_items::WorkKind::UnsafeRequest,
        ] {
            let page = state
                .store
                .work_queue(&work_items::WorkQuery {
                    assignee: Some(me),
                    kind: Some(kind),
                    limit: 100,
                    ..work_items::WorkQuery::default()
                })
                .await
                .map_err(|e| storage_failure(&e))?;
            for item in &page.items {
                let Some(case) = item.case else { continue };
                if seen.insert(case) {
                    cases.push(json!({
                        "reference": case.to_string(),
                        "risk": item.risk.code(),
                        "named_caseworker": me.0,
                        "waiting_since_unix": item.raised,
                    }));
                }
            }
        }
        Ok(json_response(StatusCode::OK, &json!({ "cases": cases })))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The longest outcome of a Domestic Abuse Plan step, in characters.
pub(crate) const PLAN_OUTCOME_MAX_CHARS: usize = 500;

/// `POST /api/v1/cases/{reference}/safety/actions` with an
/// `Idempotency-Key`: `assign_named_caseworker` (`person`),
/// `review_disclosures`, `set_risk` (`level`), `plan_step` (`step`).
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        let (case, key, request) =
            crate::parties::authorised_request(&state, &staff, &reference, &headers, &body).await?;
        let fields = Fields::of(
            &request,
            "",
            &[
                "action", "person", "level", "step", "outcome", "what", "party",
            ],
        )?;
        let event = match fields.str("action")? {
            "assign_named_caseworker" => {
                fields.only(&["action", "person"])?;
                SafetyEvent::NamedCaseworkerAssigned {
                    caseworker: PersonId(fields.whole("person", i64::MAX as u64)?),
                }
            }
            "review_disclosures" => {
                fields.only(&["action"])?;
                SafetyEvent::DisclosuresReviewed
            }
            "set_risk" => {
                fields.only(&["action", "level"])?;
                SafetyEvent::RiskSet {
                    level: fields.code(
                        "level",
                        RiskLevel::from_code,
                        "standard, raised or high",
                    )?,
                }
            }
            "plan_step" => {
                fields.only(&["action", "step", "outcome"])?;
                SafetyEvent::PlanStepTaken {
                    step: fields.code("step", PlanStep::from_code, "a Domestic Abuse Plan step")?,
                    outcome: match fields.get("outcome") {
                        None => None,
                        Some(_) => Some(
                            fields
                                .text("outcome", PLAN_OUTCOME_MAX_CHARS)?
                                .into_string(),
                        ),
                    },
                }
            }
            "note" => {
                fields.only(&["action", "what", "party"])?;
                SafetyEvent::Noted {
                    what: fields.code(
                        "what",
                        safety::Noted::from_code,
                        "allegation, allegation_withdrawn, challenge, change_reported or contact_day",
                    )?,
                    party: party_field(&fields, "party")?,
                }
            }
            _ => {
                return Err(json_input::refuse(
                    "action",
                    "`action` is not a safety action",
                ));
            }
        };
        let (status, records) = record(&state, &case, &key, event, &staff.signed_in()).await?;
        let safety = SafetyState::from_records(&records);
        let next_steps: Vec<&str> = safety
            .plan_steps_remaining(&records)
            .iter()
            .map(|step| step.code())
            .collect();
        Ok(json_response(
            status,
            &json!({
                "risk": safety.risk.code(),
                "specialist_queue": safety.specialist_queue,
                "named_caseworker": safety.named_caseworker.map(|p| p.0),
                "awaiting_review": safety.awaiting_review.len(),
                "may_close": safety.may_close_or_reopen(),
                "plan_steps_remaining": next_steps,
                "plan": safety.plan.iter().map(|(step, who)| json!({
                    "step": step.code(),
                    "by": who.person.0,
                    "role": who.role.code(),
                    "on": who.on.to_string(),
                })).collect::<Vec<_>>(),
            }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/cases/{reference}/collection-moves` with an
/// `Idempotency-Key` (staff): move the case to Collect and Pay by
/// `{"route": "both_agree" | "paying_parent_agrees" | "unlikely_to_pay"
/// (with "notice_given") | "abuse_evidence" (with "applicant" and
/// "evidence", a caseworker having seen it)}`. On evidence of abuse the
/// other parent is not asked and is told only the neutral notice; the
/// survivor's collection fee is waived. The service change and the waiver
/// are recorded as facts in one transaction.
pub async fn move_to_collect_and_pay(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(staff.role.may_record_changes())?;
        let (case, key, request) =
            crate::parties::authorised_request(&state, &staff, &reference, &headers, &body).await?;
        move_case(&state, &staff, case, &key, &request).await
    };
    result.await.unwrap_or_else(|response| response)
}

/// Moves a case the caller may act on (already authorised) to Collect and
/// Pay, from the move's JSON form: decided by `safety::decide_move`, the
/// service change and any fee waiver recorded in one transaction, answered
/// as the API answers. The caseworker pages use it too.
pub(crate) async fn move_case(
    state: &AppState,
    staff: &Staff,
    case: CaseReference,
    key: &str,
    request: &Value,
) -> Result<Response, Response> {
    forbidden_unless(staff.role.may_record_changes())?;
    let fields = Fields::of(
        request,
        "",
        &["route", "notice_given", "applicant", "evidence"],
    )?;
    let route = match fields.str("route")? {
        "both_agree" => {
            fields.only(&["route"])?;
            safety::MoveRoute::BothAgree
        }
        "paying_parent_agrees" => {
            fields.only(&["route"])?;
            safety::MoveRoute::PayingParentAgrees
        }
        "unlikely_to_pay" => {
            fields.only(&["route", "notice_given"])?;
            safety::MoveRoute::UnlikelyToPay {
                notice_given: fields.flag("notice_given")?,
            }
        }
        "abuse_evidence" => {
            fields.only(&["route", "applicant", "evidence"])?;
            safety::MoveRoute::AbuseEvidence {
                applicant: party_field(&fields, "applicant")?,
                evidence: fields.str("evidence")?.to_owned(),
            }
        }
        _ => {
            return Err(json_input::refuse(
                "route",
                "`route` is both_agree, paying_parent_agrees, unlikely_to_pay or abuse_evidence",
            ));
        }
    };
    let decided = safety::decide_move(
        &route,
        safety::EvidenceList::embedded(),
        state.model_2023_act,
    )
    .map_err(|refused| {
        let field = match refused {
            safety::MoveRefused::NoticeNotGiven => "notice_given",
            safety::MoveRefused::UnknownEvidence(_) => "evidence",
            safety::MoveRefused::NotInForce => "route",
        };
        error(StatusCode::UNPROCESSABLE_ENTITY, field, refused.to_string())
    })?;
    let today = state.clock.today();
    let fact = |change| case_records::FactEvent {
        effective_from: today,
        recorded_on: today,
        change,
    };
    let mut facts = vec![fact(case_records::Change::ServiceType(
        case_records::ServiceType::CollectAndPay,
    ))];
    if decided.paying_parent_fee_waived || decided.receiving_parent_fee_waived {
        facts.push(fact(case_records::Change::CollectionFeeWaiver {
            paying_parent: decided.paying_parent_fee_waived,
            receiving_parent: decided.receiving_parent_fee_waived,
        }));
    }
    let audit = staff.audit(
        state,
        Action::Changed,
        Some(&case),
        facts
            .iter()
            .map(|f| f.change.encode().0.to_owned())
            .collect(),
        None,
    );
    let outcome = state
        .store
        .append_facts(&case, &facts, key, audit)
        .await
        .map_err(|e| storage_failure(&e))?;
    let status = match outcome {
        storage_api::AppendOutcome::Appended { .. } => StatusCode::CREATED,
        storage_api::AppendOutcome::AlreadyApplied { .. } => StatusCode::OK,
    };
    Ok(json_response(
        status,
        &json!({
            "collect_and_pay_from": today.to_string(),
            "other_parent_asked": decided.other_parent_asked,
            "notice_to_other_parent": decided.notice_to_other_parent,
            "fees_waived": {
                "paying_parent": decided.paying_parent_fee_waived,
                "receiving_parent": decided.receiving_parent_fee_waived,
            },
            "modelled": decided.modelled,
        }),
    ))
}

/// A case's payments and dues as coercion-scan events, with the payer's
/// own words from the notes kept for caseworkers.
pub(crate) async fn coercion_events(
    state: &AppState,
    case: &CaseReference,
) -> Result<Vec<safety::CaseEvent>, Response> {
    let transfers = state
        .store
        .transfers_for_case(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let noted = state
        .store
        .safety_events(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    coercion_events_from(state, case, &transfers, &noted).await
}

/// The coercion-scan events from a case's transfers and safety log already
/// read (the case page has both); only the payers' notes are read here.
pub(crate) async fn coercion_events_from(
    state: &AppState,
    case: &CaseReference,
    transfers: &[ledger::Transfer],
    noted: &[SafetyRecord],
) -> Result<Vec<safety::CaseEvent>, Response> {
    let payments: Vec<ledger::TransferId> = transfers
        .iter()
        .filter(|t| t.code == ledger::TransferCode::Payment)
        .map(|t| t.id.clone())
        .collect();
    let notes: Vec<(ledger::TransferId, String)> = state
        .store
        .payment_notes_for(&payments)
        .await
        .map_err(|e| storage_failure(&e))?
        .into_iter()
        .map(|n| (n.transfer, n.remittance))
        .collect();
    // The same events the stores scan when they raise the coercion items.
    Ok(work_items::coercion_events(case, transfers, &notes, noted))
}

fn signal_json(signal: &safety::Signal, words: &crate::free_words::FreeWords) -> Value {
    json!({
        "kind": format!("{:?}", signal.kind),
        "about": match signal.party {
            Party::PayingParent => "paying_parent",
            Party::ReceivingParent => "receiving_parent",
        },
        "explanation": words.show(&signal.explanation),
        "evidence": signal.evidence.iter().map(|e| json!({
            "on": e.on.to_string(),
            "what": words.show(&e.what),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn may_see_signals(role: Role) -> bool {
    matches!(
        role,
        Role::Caseworker | Role::DomesticAbuseSpecialist | Role::TeamLeader
    )
}

/// `GET /api/v1/cases/{reference}/coercion-signals`: the financial
/// coercion signals on a case, for a caseworker to weigh. Never a decision.
pub async fn coercion_signals(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        forbidden_unless(may_see_signals(staff.role))?;
        let case = parse_reference(&reference)?;
        authorise_case_action(&state, &staff, &case, &headers).await?;
        let events = coercion_events(&state, &case).await?;
        let signals = safety::scan(&events, state.clock.today(), safety::Thresholds::embedded());
        let words =
            crate::free_words::FreeWords::on_case(&state, staff.person, staff.role, &case).await?;
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec!["coercion_signals".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "signals": signals.iter().map(|s| signal_json(s, &words)).collect::<Vec<_>>() }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/cases/{reference}/referrals` with `{"recipient": "police"
/// | "cps"}` and an `Idempotency-Key`: refers suspected financial coercion.
/// Answers with the referral pack: the timeline, the payment history and
/// the signals, every protected detail withheld; as JSON, or as tagged PDF
/// with `Accept: application/pdf`. The referral is recorded on the case,
/// audited.
pub async fn refer(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(may_see_signals(staff.role))?;
        let (case, key, request) =
            crate::parties::authorised_request(&state, &staff, &reference, &headers, &body).await?;
        let wants_pdf = headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/pdf"));
        refer_case(&state, &staff, case, &key, &request, wants_pdf).await
    };
    result.await.unwrap_or_else(|response| response)
}

/// Refers a case the caller may act on (already authorised): builds the
/// pack with every protected detail withheld, records the referral, and
/// answers with the pack as JSON or tagged PDF. The caseworker pages use it.
pub(crate) async fn refer_case(
    state: &AppState,
    staff: &Staff,
    case: CaseReference,
    key: &str,
    request: &Value,
    wants_pdf: bool,
) -> Result<Response, Response> {
    forbidden_unless(may_see_signals(staff.role))?;
    let recipient = Fields::of(request, "", &["recipient"])?.code(
        "recipient",
        safety::Recipient::from_code,
        "police or cps",
    )?;
    let sealed = state
        .store
        .parties(&case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let protected = if sealed.is_empty() {
        case_records::Locators::none()
    } else {
        case_records::Locators::of_case(
            &case_records::open_parties(case, &sealed, &state.keys)
                .map_err(personal_data_unavailable)?,
        )
    };
    let today = state.clock.today();
    let events = coercion_events(state, &case).await?;
    let signals = safety::scan(&events, today, safety::Thresholds::embedded());
    let pack = safety::referral_pack(
        recipient,
        &case.to_string(),
        today,
        &signals,
        &events,
        &protected,
    );
    let (status, _) = record(
        state,
        &case,
        key,
        SafetyEvent::Referred { recipient },
        &staff.signed_in(),
    )
    .await?;
    if wants_pdf {
        return Ok(pdf_response(
            status,
            letters::referral_pack_pdf(&pack, &state.service_address),
        ));
    }
    Ok(json_response(
        status,
        &json!({
            "recipient": recipient.code(),
            "case_reference": pack.case_reference,
            "prepared_on": pack.prepared_on.to_string(),
            // The pack is already withheld as for a third party.
            "signals": pack.signals.iter().map(|s| signal_json(s, &crate::free_words::FreeWords::Whole)).collect::<Vec<_>>(),
            "timeline": pack.timeline.iter().map(|e| json!({
                "on": e.on.to_string(),
                "what": e.what,
            })).collect::<Vec<_>>(),
        }),
    ))
}

/// The longest safe times to call, in characters.
const SAFE_TIMES_MAX_CHARS: usize = 200;

fn screening_answer(index: usize, item: &Value) -> Result<safety::Answer, Response> {
    let field = format!("answers[{index}]");
    let fields = Fields::of(
        item,
        &field,
        &[
            "question",
            "answer",
            "channels",
            "safe_times",
            "no_voicemail",
            "no_letters_to_address",
        ],
    )?;
    let yes_no = || {
        fields.only(&["question", "answer"])?;
        fields
            .optional_flag("answer")?
            .ok_or_else(|| json_input::refuse(&fields.field("answer"), "is true or false"))
    };
    Ok(match fields.str("question")? {
        "legal_warning" => {
            fields.only(&["question"])?;
            safety::Answer::AcknowledgedLegalWarning
        }
        "experienced_abuse" => {
            fields.only(&["question", "answer"])?;
            safety::Answer::ExperiencedAbuse(fields.code(
                "answer",
                |code| match code {
                    "yes" => Some(safety::AbuseAnswer::Yes),
                    "no" => Some(safety::AbuseAnswer::No),
                    "prefer_not_to_say" => Some(safety::AbuseAnswer::PreferNotToSay),
                    _ => None,
                },
                "yes, no or prefer_not_to_say",
            )?)
        }
        "immediate_danger" => safety::Answer::ImmediateDanger(yes_no()?),
        "police_call" => safety::Answer::PoliceCall(yes_no()?),
        "safe_contact" => {
            fields.only(&[
                "question",
                "channels",
                "safe_times",
                "no_voicemail",
                "no_letters_to_address",
            ])?;
            let mut channels = Vec::new();
            for (n, channel) in fields
                .optional_list("channels")?
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                channels.push(
                    channel
                        .as_str()
                        .and_then(safety::channel_from_code)
                        .ok_or_else(|| {
                            json_input::refuse(
                                &format!("{field}.channels[{n}]"),
                                "is phone, text_message, email or letter",
                            )
                        })?,
                );
            }
            safety::Answer::SafeContact(safety::ContactPreferences {
                channels,
                safe_times: fields
                    .optional_text("safe_times", SAFE_TIMES_MAX_CHARS)?
                    .map(domain_types::HumanText::into_string),
                no_voicemail: fields.flag("no_voicemail")?,
                no_letters_to_address: fields.flag("no_letters_to_address")?,
            })
        }
        _ => {
            return Err(json_input::refuse(
                &fields.field("question"),
                "is legal_warning, experienced_abuse, immediate_danger, police_call or safe_contact",
            ));
        }
    })
}

/// `POST /api/v1/cases/{reference}/screenings` with `{"answers": [...]}` and
/// an `Idempotency-Key`: a parent's safe application screen, answers in the
/// one order the screen allows (refused, naming the answer, otherwise). A
/// disclosure is recorded at once (specialist queue, risk raised); in
/// immediate danger the answer is the police advice and nothing more is
/// asked; otherwise the safe contact preferences are kept, the application
/// fee is worked out (waived on a disclosure, where one applies), and on a
/// plain "no" family support is offered.
pub async fn screen(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        parents_only(&signed_in)?;
        let case = parse_reference(&reference)?;
        let by_party = own_party(&state, &signed_in, &case).await?;
        let key = idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        let items = Fields::of(&request, "", &["answers"])?.list("answers")?;
        let mut screening = safety::Screening::new();
        for (index, item) in items.iter().enumerate() {
            screening = screening
                .answer(screening_answer(index, item)?)
                .map_err(|e| {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("answers[{index}]"),
                        e.to_string(),
                    )
                })?;
        }
        let (status, answer) =
            finish_screen(&state, &case, &signed_in, by_party, &key, &screening).await?;
        Ok(json_response(status, &answer))
    };
    result.await.unwrap_or_else(|response| response)
}

/// Records a finished screen (a disclosure at once, the safe contact
/// preferences), and what to tell the parent, as the API answers it: the
/// stop with the police advice in danger, or the outcome with the fee and
/// support. The pages show the same answer.
pub(crate) async fn finish_screen(
    state: &AppState,
    case: &CaseReference,
    signed_in: &SignedIn,
    by_party: Party,
    key: &str,
    screening: &safety::Screening,
) -> Result<(StatusCode, Value), Response> {
    let today = state.clock.today();
    let answers = screening.answers();
    let disclosed = answers.contains(&safety::Answer::ExperiencedAbuse(safety::AbuseAnswer::Yes));
    let danger = answers.contains(&safety::Answer::ImmediateDanger(true));
    let consented = answers.contains(&safety::Answer::PoliceCall(true));
    let step = screening.next();
    if let safety::Step::Ask(next) = step {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers",
            format!("the screen is not finished: {next:?} comes next"),
        ));
    }
    let mut status = StatusCode::OK;
    if disclosed {
        status = record(
            state,
            case,
            &format!("{key}/disclosed"),
            SafetyEvent::Disclosed {
                by: by_party,
                immediate_danger: danger,
                police_call_consented: consented,
            },
            signed_in,
        )
        .await?
        .0;
    }
    let answer = match step {
        safety::Step::StopInDanger {
            police_call_consented,
        } => json!({
            "stop": true,
            "police_call": police_call_consented.then_some(POLICE_CALL_PROMISE),
            "signposting": signposting_json(true),
        }),
        safety::Step::Done(outcome) => {
            status = record(
                state,
                case,
                &format!("{key}/contact"),
                SafetyEvent::SafeContactSet {
                    of: by_party,
                    // Each person answers for themselves.
                    person: PersonId(u64::try_from(signed_in.person).unwrap_or(0)),
                    contact: outcome.contact.clone(),
                },
                signed_in,
            )
            .await?
            .0;
            let waiver = outcome
                .disclosed
                .then_some(ledger::ApplicationFeeWaiver::DomesticAbuseDeclared);
            let fee = ledger::application_fee(today, state.parameters, waiver);
            json!({
                "stop": false,
                "disclosed": outcome.disclosed,
                "application_fee_pence": fee.get(),
                "signposting": outcome.disclosed.then(|| signposting_json(false)),
                "family_support": safety::family_support_offer(&outcome).iter().map(|o| json!({
                    "code": o.code,
                    "name": o.name,
                    "what": o.what,
                })).collect::<Vec<_>>(),
            })
        }
        // Refused above, before anything was recorded.
        safety::Step::Ask(_) => json!({ "stop": false }),
    };
    Ok((status, answer))
}

/// Every case with a financial coercion signal open, and the kinds raised:
/// the coercion queue. Read from the specialist team's work items by the
/// queue index (raised in the transaction of the event that completed the
/// signal), never by scanning the caseload.
pub(crate) async fn cases_with_signals(
    state: &AppState,
) -> Result<Vec<(CaseReference, Vec<safety::SignalKind>)>, Response> {
    let page = state
        .store
        .work_queue(&work_items::WorkQuery {
            teams: vec![work_items::Team::Specialist],
            kind: Some(work_items::WorkKind::CoercionSignal),
            limit: 1_000,
            ..work_items::WorkQuery::default()
        })
        .await
        .map_err(|e| storage_failure(&e))?;
    let mut found: Vec<(CaseReference, Vec<safety::SignalKind>)> = Vec::new();
    for item in &page.items {
        let (Some(case), Some(signal)) = (item.case, work_items::signal_of(&item.id)) else {
            continue;
        };
        match found.iter_mut().find(|(c, _)| *c == case) {
            Some((_, kinds)) => kinds.push(signal),
            None => found.push((case, vec![signal])),
        }
    }
    for (_, kinds) in &mut found {
        kinds.sort_unstable();
    }
    Ok(found)
}

/// `GET /api/v1/queues/coercion`: every case with a financial coercion
/// signal open, for caseworkers to look at, with the kinds raised: the
/// specialist team's coercion items, read by the queue index.
pub async fn coercion_queue(State(state): State<AppState>, staff: Staff) -> Response {
    let result = async {
        forbidden_unless(may_see_signals(staff.role))?;
        let entries: Vec<Value> = cases_with_signals(&state)
            .await?
            .into_iter()
            .map(|(case, kinds)| {
                json!({
                    "reference": case.to_string(),
                    "signals": kinds.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>(),
                })
            })
            .collect();
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                None,
                vec!["coercion_queue".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(StatusCode::OK, &json!({ "cases": entries })))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/cases/{reference}/screening` (a parent): whether the safe
/// screen should be offered to them now (never answered, or the service
/// changed since), with the legal warning and the abuse question.
pub async fn screening_status(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
) -> Response {
    let result = async {
        parents_only(&signed_in)?;
        let case = parse_reference(&reference)?;
        let party = own_party(&state, &signed_in, &case).await?;
        let history = crate::cases::history_or_404(&state, &case).await?;
        // The set moments at which parents are asked again (issue 5 §1).
        let ask_again: Vec<domain_types::Date> = history
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.change,
                    case_records::Change::ServiceType(_) | case_records::Change::CaseReopened
                )
            })
            .map(|e| e.recorded_on)
            .collect();
        // Their screen on any of their cases counts: it is theirs, not the
        // case's, and another parent in the same role never answers for them.
        let mut records = Vec::new();
        for theirs in state
            .store
            .cases_of_person(signed_in.person)
            .await
            .map_err(|e| storage_failure(&e))?
        {
            records.extend(
                state
                    .store
                    .safety_events(&theirs)
                    .await
                    .map_err(|e| storage_failure(&e))?,
            );
        }
        let person = PersonId(u64::try_from(signed_in.person).unwrap_or(0));
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "due": safety::screening_due(&ask_again, &records, party, person),
                "legal_warning": safety::LEGAL_WARNING,
                "abuse_question": safety::ABUSE_QUESTION,
            }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/cases/{reference}/letters/{kind}` (a parent), as tagged
/// PDF addressed from their own details with the service's address only,
/// audited as a view: `calculation.pdf` (the weekly amount in force today),
/// `collection-notice.pdf` (on Collect and Pay: the neutral notice, the same
/// words to both parents, so it says nothing of who asked or why), and
/// `payment-schedule.pdf` (the paying parent on Collect and Pay: the next
/// eight payments with the collection fee).
pub async fn letter(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((reference, kind)): Path<(String, String)>,
) -> Response {
    let result = async {
        parents_only(&signed_in)?;
        let case = parse_reference(&reference)?;
        own_party(&state, &signed_in, &case).await?;
        let sealed = state
            .store
            .parties(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let parties = case_records::open_parties(case, &sealed, &state.keys)
            .map_err(personal_data_unavailable)?;
        let me = own_details(
            &parties,
            PersonId(u64::try_from(signed_in.person).unwrap_or(0)),
            signed_in.role,
        )?;
        let today = state.clock.today();
        let history = crate::cases::history_or_404(&state, &case).await?;
        let until = today.add_days(7).unwrap_or(today);
        let schedule =
            case_records::liability_schedule(&history, state.parameters, today, until)
                .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "reference", e.to_string()))?;
        let segment = schedule.on(today);
        let own_share = |rp: case_records::ReceivingParentId| {
            segment
                .and_then(|s| s.weekly.get(&rp).copied())
                .unwrap_or(domain_types::Pence::ZERO)
        };
        let amount = match signed_in.role {
            Role::PayingParent => domain_types::Pence::new(
                segment.map_or(0, |s| s.weekly.values().map(|p| p.get()).sum()),
            ),
            _ => sealed
                .iter()
                .find(|p| p.person_id == signed_in.person && storage_api::is_parent_party(&p.party))
                .and_then(|p| p.party.strip_prefix("receiving_parent:"))
                .and_then(|n| n.parse().ok())
                .map_or(domain_types::Pence::ZERO, |n| {
                    own_share(case_records::ReceivingParentId(n))
                }),
        };
        let sentence = match signed_in.role {
            Role::PayingParent => {
                format!("From {today}, the child maintenance you need to pay is {amount} a week.")
            }
            _ => format!("From {today}, the child maintenance due to you is {amount} a week."),
        };
        let terms = ledger::CollectionTerms::on(&history, today, today, state.parameters);
        let no_such_letter = || {
            error(
                StatusCode::NOT_FOUND,
                "kind",
                "there is no such letter on this case",
            )
        };
        let (title, paragraphs) = match kind.as_str() {
            "calculation.pdf" => (
                "Your child maintenance calculation",
                vec![
                    sentence,
                    "We worked this out under the Child Support Act 1991 and the Child Support Maintenance Calculation Regulations 2012, using the information we hold. If something has changed, tell us. You can ask us to look at this decision again within 30 days of this letter.".to_owned(),
                ],
            ),
            "collection-notice.pdf" if terms.collect_and_pay => (
                "Your child maintenance payments",
                vec![safety::NEUTRAL_NOTICE.to_owned()],
            ),
            "payment-schedule.pdf" if terms.collect_and_pay && signed_in.role == Role::PayingParent => {
                let start = history.initial_effective_date.unwrap_or(today);
                let horizon = today.add_months(9).unwrap_or(today);
                let periods: Vec<(domain_types::Date, domain_types::Date)> = ledger::payment_periods(
                    start,
                    horizon,
                    ledger::payment_frequency(&history),
                )
                .into_iter()
                .filter(|(from, _)| *from >= today)
                .take(8)
                .collect();
                let ahead = case_records::liability_schedule(&history, state.parameters, today, horizon)
                    .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, "reference", e.to_string()))?;
                let accruals = ledger::accrual_transfers(case, &ahead, &periods, terms, state.parameters);
                let mut lines = vec!["Pay these amounts to the Child Maintenance Service, quoting your case reference. Each includes the collection fee, where one applies.".to_owned()];
                for (from, _) in &periods {
                    let total: u64 = accruals
                        .iter()
                        .filter(|t| t.effective == *from)
                        .map(|t| t.amount.get())
                        .sum();
                    lines.push(format!("{from}: {}", domain_types::Pence::new(total)));
                }
                ("Your payment schedule", lines)
            }
            _ => return Err(no_such_letter()),
        };
        let letter =
            letters::Letter::to_parent(&state.service_address, &me, today, case, title, paragraphs);
        state
            .store
            .append_audit(signed_in.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec![format!("letter.{kind}")],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(pdf_response(StatusCode::OK, letter.to_pdf()))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `GET /api/v1/cases/{reference}/collection/steps/{step}/letter.pdf`
/// (staff): the letter to the paying parent about an approved enforcement
/// step, as tagged PDF, addressed from the paying parent's own view (so it
/// can hold nothing of the receiving parent's) with the service's address
/// only. Audited.
pub async fn enforcement_letter_pdf(
    State(state): State<AppState>,
    staff: Staff,
    Path((reference, step)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        forbidden_unless(matches!(
            staff.role,
            Role::Caseworker | Role::TeamLeader | Role::EnforcementOfficer
        ))?;
        let case = parse_reference(&reference)?;
        // Not a step number: no such step (as for a number no step has).
        let step: u64 = step.parse().map_err(|_| {
            error(
                StatusCode::NOT_FOUND,
                "step",
                "no approved step with that number",
            )
        })?;
        authorise_case_action(&state, &staff, &case, &headers).await?;
        let actions = state
            .store
            .collection_actions(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let collection = ledger::CollectionState::from_actions(&actions);
        let taken = collection
            .steps
            .iter()
            .find(|s| s.step == step)
            .and_then(|s| s.approval.map(|approved| (s, approved)))
            .ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "step",
                    "no approved step with that number",
                )
            })?;
        let (taken, approved) = taken;
        let charge = if taken.waiver.is_some() {
            domain_types::Pence::ZERO
        } else {
            taken.action.charge(state.parameters, approved.on)
        };
        let transfers = state
            .store
            .transfers_for_case(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let owed = ledger::allocate(&transfers, case, approved.on).arrears();
        let sealed = state
            .store
            .parties(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let parties = case_records::open_parties(case, &sealed, &state.keys)
            .map_err(personal_data_unavailable)?;
        let me = own_details(&parties, parties.paying_parent.id, Role::PayingParent)?;
        let letter = letters::Letter::to_parent(
            &state.service_address,
            &me,
            approved.on,
            case,
            ledger::ENFORCEMENT_LETTER_TITLE,
            ledger::enforcement_letter_paragraphs(taken.action, charge, owed),
        );
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                Some(&case),
                vec![format!("letter.enforcement:{step}")],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(pdf_response(StatusCode::OK, letter.to_pdf()))
    };
    result.await.unwrap_or_else(|response| response)
}

/// A PDF as a download, never cached (every PDF is behind sign-in).
fn pdf_response(status: StatusCode, pdf: Vec<u8>) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = axum::response::IntoResponse::into_response((status, pdf));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A parent's own details, from their own view of the case: a letter to
/// them is addressed from these and nothing else.
fn own_details(
    parties: &case_records::CaseParties,
    person: PersonId,
    role: Role,
) -> Result<case_records::OwnDetails, Response> {
    let viewer = case_records::Viewer {
        person,
        role,
        break_glass_reason: None,
    };
    match case_records::view_for(&viewer, parties)
        .map_err(|denied| error(StatusCode::FORBIDDEN, "reference", denied.to_string()))?
        .view
    {
        case_records::CaseView::Parent(view) => Ok(view.me),
        case_records::CaseView::Staff(_) => Err(error(
            StatusCode::FORBIDDEN,
            "authorization",
            "letters are addressed to parents",
        )),
    }
}
