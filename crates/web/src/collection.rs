//! Collection over HTTP: each parent's own statement (CSV), the staff's
//! collection summary of a case (arrears, compliance, holds, enforcement),
//! and staff collection actions (hold, release, enforcement steps), each
//! checked against the case's state and recorded with its audit entry.

// A refused request is answered with its `Response` straight away.
#![allow(clippy::result_large_err)]

use audit_log::Action;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use case_records::{CaseReference, PersonId, ReceivingParentId, Role};
use domain_types::Pence;
use ledger::{
    CollectionAction, CollectionState, CollectionTerms, Decision, EnforcementAction, PeriodOutcome,
    RecordedAction, StatementFor, StepOutcome, Transfer, allocate, charge_transfer, compliance,
    payment_frequency, payment_periods, statement, statement_csv, suspense_allocation,
    waiver_from_code,
};
use legal_parameters::WorkingDays;
use serde_json::{Value, json};
use storage_api::{ActionOutcome, StorageError};

use crate::cases::{
    SignedIn, Staff, error, forbidden_unless, parents_only, parse_json, parse_reference,
    personal_data_unavailable, storage_failure,
};
use crate::json_input::{self, Fields};
use crate::parties::authorise_case_action;
use crate::{AppState, json_response};

/// Whose statement a signed-in person may have on a case: a parent only
/// their own side; staff whichever they ask for.
pub(crate) async fn statement_for(
    state: &AppState,
    signed_in: &SignedIn,
    case: &CaseReference,
    asked: Option<&str>,
) -> Result<StatementFor, Response> {
    if signed_in.role.is_parent() {
        let sealed = state
            .store
            .parties(case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let own = sealed
            .iter()
            // Only a parent's own row: a child's row carries its carer's
            // number, and the named caseworker's their staff id.
            .find(|p| p.person_id == signed_in.person && storage_api::is_parent_party(&p.party))
            .map(|p| p.party.as_str());
        // Not theirs, or not a case: the same answer, so nothing is learned.
        let not_found = || error(StatusCode::NOT_FOUND, "reference", "no such case");
        return match (signed_in.role, own) {
            (Role::PayingParent, Some("paying_parent")) => Ok(StatementFor::PayingParent),
            (Role::ReceivingParent, Some(party)) => party
                .strip_prefix("receiving_parent:")
                .and_then(|n| n.parse().ok())
                .map(|n| StatementFor::ReceivingParent(ReceivingParentId(n)))
                .ok_or_else(not_found),
            _ => Err(not_found()),
        };
    }
    match asked {
        Some("paying_parent") => Ok(StatementFor::PayingParent),
        Some(other) => other
            .strip_prefix("receiving_parent:")
            .and_then(|n| n.parse().ok())
            .map(|n| StatementFor::ReceivingParent(ReceivingParentId(n)))
            .ok_or_else(|| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "for",
                    "`for` is paying_parent or receiving_parent:N",
                )
            }),
        None => Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "for",
            "say whose statement: ?for=paying_parent or ?for=receiving_parent:N",
        )),
    }
}

/// Which parent of the case the signed-in parent is; 404 for anyone else.
pub(crate) async fn own_party(
    state: &AppState,
    signed_in: &SignedIn,
    case: &CaseReference,
) -> Result<safety::Party, Response> {
    Ok(match statement_for(state, signed_in, case, None).await? {
        StatementFor::PayingParent => safety::Party::PayingParent,
        StatementFor::ReceivingParent(_) => safety::Party::ReceivingParent,
    })
}

/// `GET /api/v1/cases/{reference}/statement.csv`: a parent's own statement
/// of what was due, paid, charged and passed on, as CSV. Parents get only
/// their own side; staff say whose with `?for=`. Audited as a view.
pub async fn statement_csv_route(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        if let Some(unknown) = query.keys().find(|k| k.as_str() != "for") {
            return Err(json_input::refuse(
                unknown,
                "unknown query parameter; the one parameter here is for",
            ));
        }
        let case = parse_reference(&reference)?;
        if !signed_in.role.is_parent() {
            let staff = Staff {
                person: signed_in.person,
                role: signed_in.role,
            };
            forbidden_unless(!matches!(staff.role, Role::Auditor | Role::Administrator))?;
            authorise_case_action(&state, &staff, &case, &headers).await?;
        }
        let whom = statement_for(
            &state,
            &signed_in,
            &case,
            query.get("for").map(String::as_str),
        )
        .await?;
        let transfers = state
            .store
            .transfers_for_case(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let lines = statement(&transfers, case, whom, state.clock.today());
        let audit = signed_in.audit(
            &state,
            Action::Viewed,
            Some(&case),
            vec![match whom {
                StatementFor::PayingParent => "statement.paying_parent".to_owned(),
                StatementFor::ReceivingParent(rp) => format!("statement.receiving_parent:{}", rp.0),
            }],
            None,
        );
        state
            .store
            .append_audit(audit)
            .await
            .map_err(|e| storage_failure(&e))?;
        let mut response = (StatusCode::OK, statement_csv(&lines)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"statement.csv\""),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        Ok(response)
    };
    result.await.unwrap_or_else(|response| response)
}

fn pence(amount: Pence) -> Value {
    json!(amount.get())
}

pub(crate) async fn case_state(
    state: &AppState,
    case: &CaseReference,
) -> Result<(Vec<Transfer>, Vec<RecordedAction>), Response> {
    let transfers = state
        .store
        .transfers_for_case(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    let actions = state
        .store
        .collection_actions(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    Ok((transfers, actions))
}

/// `GET /api/v1/cases/{reference}/collection`: for staff, what is owed
/// (aged), how the schedule has been kept, who is held, and the
/// enforcement steps. No personal data.
pub async fn summary(
    State(state): State<AppState>,
    staff: Staff,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let case = parse_reference(&reference)?;
        forbidden_unless(!matches!(staff.role, Role::Auditor | Role::Administrator))?;
        authorise_case_action(&state, &staff, &case, &headers).await?;
        let history = crate::cases::history_or_404(&state, &case).await?;
        let (transfers, actions) = case_state(&state, &case).await?;
        let words =
            crate::free_words::FreeWords::on_case(&state, staff.person, staff.role, &case).await?;
        let today = state.clock.today();
        let allocation = allocate(&transfers, case, today);
        let aged = allocation.aged(today);
        let due_dates: Vec<_> = history
            .initial_effective_date
            .map_or_else(Vec::new, |start| {
                payment_periods(
                    start,
                    today.add_days(1).unwrap_or(today),
                    payment_frequency(&history),
                )
                .into_iter()
                .map(|(from, _)| from)
                .collect()
            });
        let report = compliance(
            &transfers,
            case,
            &due_dates,
            today,
            WorkingDays::england_and_wales(),
        );
        let collection = CollectionState::from_actions(&actions);
        let terms = CollectionTerms::on(&history, today, today, state.parameters);
        let body = json!({
            "reference": case.to_string(),
            "collect_and_pay": terms.collect_and_pay,
            "fees_waived": {
                "paying_parent": terms.paying_parent_fee_waived,
                "receiving_parent": terms.receiving_parent_fee_waived,
            },
            "arrears_pence": pence(allocation.arrears()),
            "aged_arrears_pence": {
                "up_to_30_days": pence(aged.up_to_30_days),
                "from_31_to_90_days": pence(aged.from_31_to_90_days),
                "over_90_days": pence(aged.over_90_days),
            },
            "held_for_paying_parent_pence": pence(allocation.held_for_paying_parent),
            "compliance": match &report {
                Ok(report) => {
                    let (on_time, checked) = report.on_time();
                    json!({
                        "periods_checked": checked,
                        "paid_on_time": on_time,
                        "missed": report.missed().map(|p| match p.outcome {
                            PeriodOutcome::Missed { noticed_on, shortfall } => json!({
                                "due": p.due.to_string(),
                                "noticed_on": noticed_on.to_string(),
                                "shortfall_pence": shortfall.get(),
                            }),
                            _ => Value::Null,
                        }).collect::<Vec<_>>(),
                    })
                }
                Err(e) => json!({ "error": e.to_string() }),
            },
            "disbursements_held": collection.held.iter().map(|(rp, reason)| json!({
                "receiving_parent": rp.0,
                "reason": words.show(reason),
            })).collect::<Vec<_>>(),
            "enforcement": collection.steps.iter().map(|s| json!({
                "step": s.step,
                "action": s.action.code(),
                "proposed_by": s.proposed.by.0,
                "reviewed_by_specialist": s.review.map(|r| r.by.0),
                "approved_by": s.approval.map(|a| a.by.0),
                "status": match s.outcome {
                    None => "proposed",
                    Some(StepOutcome::InForce) => "in_force",
                    Some(StepOutcome::Complied) => "complied",
                    Some(StepOutcome::Unsuccessful) => "unsuccessful",
                    Some(StepOutcome::Revoked) => "revoked",
                },
            })).collect::<Vec<_>>(),
            "next_step": collection.next_step(),
            // Direct Pay: what the parents told us, for the caseworker to weigh.
            "direct_pay_reports": actions.iter().filter_map(|a| match &a.action {
                CollectionAction::DirectPayReport { due, paid } => Some(json!({
                    "due": due.to_string(),
                    "paid_pence": paid.map(Pence::get),
                    "reported_by": a.by.role.code(),
                    "reported_on": a.by.on.to_string(),
                })),
                _ => None,
            }).collect::<Vec<_>>(),
        });
        Ok(json_response(StatusCode::OK, &body))
    };
    result.await.unwrap_or_else(|response| response)
}

/// The longest hold reason, in characters.
pub(crate) const REASON_MAX_CHARS: usize = 500;

/// The fields each collection action takes (besides `action`).
fn action_fields(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "hold_disbursements" => &["action", "receiving_parent", "reason"],
        "release_disbursements" => &["action", "receiving_parent"],
        "propose_enforcement" => &["action", "step", "enforcement"],
        "review_enforcement" => &["action", "step"],
        "request_dealt_with" => &["action", "request"],
        "approve_enforcement" => &["action", "step", "waiver"],
        "end_enforcement" => &["action", "step", "outcome"],
        _ => return None,
    })
}

fn parse_action(request: &Value) -> Result<CollectionAction, Response> {
    const ANY: &[&str] = &[
        "action",
        "receiving_parent",
        "reason",
        "step",
        "enforcement",
        "request",
        "waiver",
        "outcome",
    ];
    let fields = Fields::of(request, "", ANY)?;
    let action = fields.str("action")?;
    let allowed = action_fields(action)
        .ok_or_else(|| json_input::refuse("action", "`action` is not a collection action"))?;
    fields.only(allowed)?;
    let receiving_parent = || -> Result<ReceivingParentId, Response> {
        let id = fields.whole("receiving_parent", u64::from(u32::MAX))?;
        Ok(ReceivingParentId(u32::try_from(id).unwrap_or(u32::MAX)))
    };
    let step = || fields.whole("step", u64::from(u32::MAX));
    Ok(match action {
        "hold_disbursements" => CollectionAction::HoldDisbursements {
            receiving_parent: receiving_parent()?,
            reason: fields.text("reason", REASON_MAX_CHARS)?.into_string(),
        },
        "release_disbursements" => CollectionAction::ReleaseDisbursements {
            receiving_parent: receiving_parent()?,
        },
        "propose_enforcement" => CollectionAction::ProposeEnforcement {
            step: step()?,
            action: fields.code(
                "enforcement",
                EnforcementAction::from_code,
                "an enforcement action",
            )?,
        },
        "review_enforcement" => CollectionAction::ReviewEnforcement { step: step()? },
        "request_dealt_with" => CollectionAction::RequestDealtWith {
            request: fields.whole("request", u64::from(u32::MAX))?,
        },
        "approve_enforcement" => CollectionAction::ApproveEnforcement {
            step: step()?,
            waiver: match fields.optional_str("waiver")? {
                None => None,
                Some(_) => Some(fields.code("waiver", waiver_from_code, "a charge waiver")?),
            },
        },
        "end_enforcement" => CollectionAction::EndEnforcement {
            step: step()?,
            outcome: fields.code(
                "outcome",
                ledger::outcome_from_code,
                "complied, unsuccessful or revoked",
            )?,
        },
        _ => unreachable!("every action with fields is parsed above"),
    })
}

/// How a refused collection action is answered: 403 when the role (or the
/// person: the proposer approving their own step) may not, 422 when the
/// request itself is wrong, 409 when the case is not in a state that
/// allows it now.
fn action_refused(refused: &ledger::ActionRefused) -> Response {
    use ledger::{ActionRefused as A, ApprovalRefused as R};
    let (status, field) = match refused {
        A::RoleMayNot(_) | A::Approval(R::RoleMayNotApprove(_) | R::SameAsProposer) => {
            (StatusCode::FORBIDDEN, "authorization")
        }
        A::ReasonRequired => (StatusCode::UNPROCESSABLE_ENTITY, "reason"),
        A::OutcomeMustEnd => (StatusCode::UNPROCESSABLE_ENTITY, "outcome"),
        A::UnknownStep(_) => (StatusCode::UNPROCESSABLE_ENTITY, "step"),
        A::AlreadyHeld | A::NotHeld => (StatusCode::CONFLICT, "receiving_parent"),
        A::NoOpenRequest(_) => (StatusCode::CONFLICT, "request"),
        A::StepNumberUsed(_) | A::StepNotWaiting(_) | A::StepNotInForce(_) => {
            (StatusCode::CONFLICT, "step")
        }
        A::Proposal(_) | A::Approval(R::NeedsSpecialistReview | R::ReviewNotBySpecialist) => {
            (StatusCode::CONFLICT, "action")
        }
    };
    error(status, field, refused.to_string())
}

/// `POST /api/v1/cases/{reference}/collection/actions` with an
/// `Idempotency-Key`: hold or release disbursements, or take an enforcement
/// step. Checked against the case's state (roles, the statutory order, a
/// second person to approve, the specialist team first where anyone is at
/// risk), then recorded with its charge and audit entry in one transaction;
/// if the case moved meanwhile, 409 and nothing is written.
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
        act_on_case(&state, &staff, case, &key, &request).await
    };
    result.await.unwrap_or_else(|response| response)
}

/// A collection action on a case the caller may act on (already
/// authorised), from its JSON form: checked, recorded with its charge and
/// audit entry, answered as the API answers. The caseworker pages use it too.
pub(crate) async fn act_on_case(
    state: &AppState,
    staff: &Staff,
    case: CaseReference,
    key: &str,
    request: &Value,
) -> Result<Response, Response> {
    let action = parse_action(request)?;
    let (transfers, actions) = case_state(state, &case).await?;
    let today = state.clock.today();
    let by = Decision {
        by: PersonId(u64::try_from(staff.person).unwrap_or(0)),
        role: staff.role,
        on: today,
    };
    let at_risk = case_at_risk(state, &case).await?;
    let arrears = allocate(&transfers, case, today).arrears();
    let collection = CollectionState::from_actions(&actions);
    let recorded = RecordedAction { action, by };
    if let Some(answer) =
        earlier_answer(state, &case, key, |stored| *stored == recorded.action).await?
    {
        return Ok(answer);
    }
    let charge: Vec<Transfer> = match &recorded.action {
        CollectionAction::ApproveEnforcement { step, waiver } => collection
            .steps
            .iter()
            .find(|s| s.step == *step)
            .and_then(|s| charge_transfer(case, *step, s.action, today, state.parameters, *waiver))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let outcome = record_checked(
        state,
        &staff.signed_in(),
        case,
        key,
        &recorded,
        (&collection, actions.len()),
        (arrears, at_risk),
        &charge,
    )
    .await?;
    let status = match outcome {
        ActionOutcome::Recorded { .. } => StatusCode::CREATED,
        ActionOutcome::AlreadyRecorded => StatusCode::OK,
    };
    let charged = Pence::new(charge.iter().map(|t| t.amount.get()).sum::<u64>());
    // An approved step is taken: the paying parent's letter, with the
    // service's address only, to be sent from their own view.
    let letter = match &recorded.action {
        CollectionAction::ApproveEnforcement { step, .. } => {
            collection.steps.iter().find(|s| s.step == *step).map(|s| {
                ledger::enforcement_letter(
                    &state.service_address,
                    case,
                    s.action,
                    charged,
                    Pence::new(arrears.get() + charged.get()),
                    today,
                )
            })
        }
        _ => None,
    };
    Ok(json_response(
        status,
        &json!({
            "recorded": matches!(outcome, ActionOutcome::Recorded { .. }),
            "charge_pence": charged.get(),
            "letter": letter,
        }),
    ))
}

/// Whether anyone in the case is flagged: enforcement then waits for the
/// specialist team's review.
async fn case_at_risk(state: &AppState, case: &CaseReference) -> Result<bool, Response> {
    let sealed = state
        .store
        .parties(case)
        .await
        .map_err(|e| storage_failure(&e))?;
    Ok(crate::parties::is_restricted(&sealed))
}

pub(crate) fn may_work_money(role: Role) -> bool {
    matches!(
        role,
        Role::Caseworker | Role::TeamLeader | Role::EnforcementOfficer
    )
}

/// `GET /api/v1/suspense`: the work queue of money that could not be
/// matched to a case, oldest first, with the payer's own words and the
/// reason, for caseworkers only. Audited as a view.
pub async fn suspense_queue(State(state): State<AppState>, staff: Staff) -> Response {
    let result = async {
        forbidden_unless(may_work_money(staff.role))?;
        let queue = state
            .store
            .suspense_queue()
            .await
            .map_err(|e| storage_failure(&e))?;
        state
            .store
            .append_audit(staff.audit(
                &state,
                Action::Viewed,
                None,
                vec!["suspense_queue".to_owned()],
                None,
            ))
            .await
            .map_err(|e| storage_failure(&e))?;
        // The payer's words could be about anyone: whole only to the
        // specialist team, withheld through the one redaction path for
        // everyone else.
        let words = crate::free_words::FreeWords::without_a_case(&state, staff.role).await?;
        let items: Vec<Value> = queue
            .iter()
            .map(|(transfer, note)| {
                json!({
                    "payment": transfer.id.0,
                    "received": transfer.effective.to_string(),
                    "amount_pence": transfer.amount.get(),
                    "remittance": note.as_ref().map(|n| words.show(&n.remittance)),
                    "reason": note.as_ref().and_then(|n| n.suspense_reason.as_deref().map(|r| words.show(r))),
                })
            })
            .collect();
        Ok(json_response(StatusCode::OK, &json!({ "items": items })))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/suspense/allocations` with `{"payment", "case"}` and an
/// `Idempotency-Key`: a caseworker recognises money in suspense as a payment
/// on a case. Recorded as the case's collection action with its transfer
/// and audit entry in one transaction; the same money can be allocated once.
pub async fn allocate_suspense(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        forbidden_unless(may_work_money(staff.role))?;
        let key = idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        let fields = Fields::of(&request, "", &["payment", "case"])?;
        let payment = fields.str("payment")?.to_owned();
        let case = CaseReference::parse(fields.str("case")?)
            .map_err(|e| json_input::refuse("case", e.to_string()))?;
        authorise_case_action(&state, &staff, &case, &headers).await?;
        crate::cases::history_or_404(&state, &case).await?;
        let same = |stored: &CollectionAction| matches!(stored, CollectionAction::AllocateSuspensePayment { payment: p, .. } if *p == payment);
        if let Some(answer) = earlier_answer(&state, &case, &key, same).await? {
            return Ok(answer);
        }
        let queue = state
            .store
            .suspense_queue()
            .await
            .map_err(|e| storage_failure(&e))?;
        let (unmatched, _) = queue
            .iter()
            .find(|(t, _)| t.id.0 == payment)
            .ok_or_else(|| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "payment",
                    "no unallocated payment in suspense has that id",
                )
            })?;
        let transfer = suspense_allocation(case, unmatched);
        let actions = state
            .store
            .collection_actions(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let recorded = RecordedAction {
            action: CollectionAction::AllocateSuspensePayment {
                payment: payment.clone(),
                amount: unmatched.amount,
            },
            by: Decision {
                by: PersonId(u64::try_from(staff.person).unwrap_or(0)),
                role: staff.role,
                on: state.clock.today(),
            },
        };
        let audit = staff.audit(
            &state,
            Action::Changed,
            Some(&case),
            vec![format!(
                "collection_action:allocate_suspense_payment:{payment}"
            )],
            None,
        );
        state
            .store
            .record_collection_action(
                &case,
                i64::try_from(actions.len()).unwrap_or(i64::MAX),
                &key,
                &recorded,
                std::slice::from_ref(&transfer),
                audit,
            )
            .await
            .map_err(|e| match e {
                StorageError::ActionConflict(_) | StorageError::TransferConflict(_) => error(
                    StatusCode::CONFLICT,
                    "payment",
                    "that payment was allocated meanwhile, or the case changed; nothing was written",
                ),
                other => storage_failure(&other),
            })?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({ "recorded": true, "amount_pence": transfer.amount.get() }),
        ))
    };
    result.await.unwrap_or_else(|response| response)
}

/// A retry under the same key is answered as before, unchecked (the state
/// has moved on because of the action itself): `Ok(Some(200))` for the same
/// action, 409 for another, `Ok(None)` when the key is new.
async fn earlier_answer(
    state: &AppState,
    case: &CaseReference,
    key: &str,
    same: impl Fn(&CollectionAction) -> bool,
) -> Result<Option<Response>, Response> {
    match state
        .store
        .collection_action(case, key)
        .await
        .map_err(|e| storage_failure(&e))?
    {
        Some(stored) if same(&stored.action) => Ok(Some(json_response(
            StatusCode::OK,
            &json!({ "recorded": false }),
        ))),
        Some(_) => Err(error(
            StatusCode::CONFLICT,
            "idempotency-key",
            "that Idempotency-Key was used for something else; nothing was written",
        )),
        None => Ok(None),
    }
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<String, Response> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_owned)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "idempotency-key",
                "send an Idempotency-Key header so a retry is harmless",
            )
        })
}

/// `GET /api/v1/cases/{reference}/direct-pay`, for parents on Direct Pay.
/// The paying parent gets what a bank transfer to each receiving parent
/// needs (name, sort code, account number, the case reference) and
/// nothing else; a receiving parent gets advice on their own sort code.
/// Where anyone in the case is flagged, or the service collects, no bank
/// details are given, in neutral words. Audited.
pub async fn direct_pay(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
) -> Response {
    let result = async {
        parents_only(&signed_in)?;
        let case = parse_reference(&reference)?;
        let whom = statement_for(&state, &signed_in, &case, None).await?;
        let history = crate::cases::history_or_404(&state, &case).await?;
        let today = state.clock.today();
        let neutral = || {
            error(
                StatusCode::CONFLICT,
                "",
                "Payments on this case are arranged through the Child Maintenance Service. Contact us if you need to know how to pay.",
            )
        };
        if CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay
            || case_at_risk(&state, &case).await?
        {
            return Err(neutral());
        }
        let sealed = state
            .store
            .parties(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        let parties = case_records::open_parties(case, &sealed, &state.keys)
            .map_err(personal_data_unavailable)?;
        let (body, fields) = match whom {
            StatementFor::PayingParent => {
                let mut fields = Vec::new();
                let pay_to: Vec<Value> = parties
                    .receiving_parents
                    .iter()
                    .map(
                        |(rp, person)| match bank_files::direct_pay_details(case, person) {
                            Ok(details) => {
                                fields.push(format!("receiving_parent:{}.name", rp.0));
                                fields.push(format!("receiving_parent:{}.bank", rp.0));
                                json!({
                                    "receiving_parent": rp.0,
                                    "account_name": details.account_name,
                                    "sort_code": details.sort_code.to_string(),
                                    "account_number": details.account_number,
                                    "reference": details.reference.to_string(),
                                })
                            }
                            Err(reason) => json!({ "receiving_parent": rp.0, "waiting": reason }),
                        },
                    )
                    .collect();
                (json!({ "pay_to": pay_to }), fields)
            }
            StatementFor::ReceivingParent(rp) => {
                let own = parties
                    .receiving_parents
                    .iter()
                    .find(|(id, _)| *id == rp)
                    .and_then(|(_, person)| person.bank.as_ref());
                let advice = own.map(|bank| {
                    bank_files::CentralisedSortCodes::embedded().advice_for(bank.sort_code)
                });
                (
                    json!({
                        "sort_code_advice": advice.map(|a| json!({
                            "centralised": matches!(a, bank_files::SortCodeAdvice::Centralised { .. }),
                            "message": a.message(),
                        })),
                    }),
                    vec![format!("receiving_parent:{}.bank", rp.0)],
                )
            }
        };
        state
            .store
            .append_audit(signed_in.audit(&state, Action::Viewed, Some(&case), fields, None))
            .await
            .map_err(|e| storage_failure(&e))?;
        Ok(json_response(StatusCode::OK, &body))
    };
    result.await.unwrap_or_else(|response| response)
}

/// `POST /api/v1/cases/{reference}/direct-pay/reports` with `{"due":
/// "YYYY-MM-DD", "paid_pence": 4800}` (or `"paid_pence": null` for a missed
/// payment) and an `Idempotency-Key`: a parent on Direct Pay reports a
/// payment made or missed. It informs the caseworker (the collection
/// summary lists it); it decides nothing by itself.
pub async fn report_direct_payment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(reference): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        parents_only(&signed_in)?;
        let case = parse_reference(&reference)?;
        statement_for(&state, &signed_in, &case, None).await?;
        let key = idempotency_key(&headers)?;
        let request = parse_json(&body)?;
        report_case(&state, &signed_in, case, &key, &request).await
    };
    result.await.unwrap_or_else(|response| response)
}

/// A parent's report of a Direct Pay payment made or missed, on a case they
/// are a party to (already checked), from its JSON form: recorded for the
/// caseworker, deciding nothing. The parents' pages use it too.
pub(crate) async fn report_case(
    state: &AppState,
    signed_in: &SignedIn,
    case: CaseReference,
    key: &str,
    request: &Value,
) -> Result<Response, Response> {
    let fields = Fields::of(request, "", &["due", "paid_pence"])?;
    let due = fields.date("due")?;
    let paid = match request.get("paid_pence") {
        None => {
            return Err(json_input::refuse(
                "paid_pence",
                "is needed: a whole number of pence above 0, or null for a missed payment",
            ));
        }
        Some(Value::Null) => None,
        Some(_) => match fields.whole("paid_pence", Pence::INPUT_MAX.get())? {
            0 => {
                return Err(json_input::refuse(
                    "paid_pence",
                    "a payment made is above 0; null says it was missed",
                ));
            }
            pence => Some(Pence::new(pence)),
        },
    };
    let today = state.clock.today();
    if due > today {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "due",
            "a payment can be reported once it is due",
        ));
    }
    let history = crate::cases::history_or_404(state, &case).await?;
    if CollectionTerms::on(&history, today, today, state.parameters).collect_and_pay {
        return Err(error(
            StatusCode::CONFLICT,
            "",
            "Payments on this case are collected by the Child Maintenance Service, so there is nothing to report.",
        ));
    }
    record_parent_action(
        state,
        signed_in,
        case,
        key,
        CollectionAction::DirectPayReport { due, paid },
    )
    .await
}

/// Records what a parent reports or asks (a Direct Pay report, a request to
/// move, a change of circumstances) on the case's collection log, checked
/// (`CollectionState::check`: parents, or staff recording what they were
/// told) and audited; a retry under the same key is answered as before. It
/// informs a caseworker and decides nothing.
pub(crate) async fn record_parent_action(
    state: &AppState,
    signed_in: &SignedIn,
    case: CaseReference,
    key: &str,
    action: CollectionAction,
) -> Result<Response, Response> {
    let recorded = RecordedAction {
        action,
        by: Decision {
            by: PersonId(u64::try_from(signed_in.person).unwrap_or(0)),
            role: signed_in.role,
            on: state.clock.today(),
        },
    };
    if let Some(answer) =
        earlier_answer(state, &case, key, |stored| *stored == recorded.action).await?
    {
        return Ok(answer);
    }
    // A parent's report or request depends on nothing another write to the
    // case could change: when another action was stored since the log was
    // read, it is read again and the request recorded on the new reading,
    // rather than the parent being refused for someone else's timing.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let actions = state
            .store
            .collection_actions(&case)
            .await
            .map_err(|e| storage_failure(&e))?;
        // A parent's request moves no money: arrears and risk play no part.
        match try_record_checked(
            state,
            signed_in,
            case,
            key,
            &recorded,
            (&CollectionState::from_actions(&actions), actions.len()),
            (Pence::ZERO, false),
            &[],
        )
        .await
        {
            Ok(_) => break,
            Err(Checked::Stale(_)) if attempts < 20 => {
                // The same request, stored meanwhile under the same key.
                if let Some(answer) =
                    earlier_answer(state, &case, key, |stored| *stored == recorded.action).await?
                {
                    return Ok(answer);
                }
            }
            Err(Checked::Stale(stale)) => return Err(stale),
            Err(Checked::Refused(refused)) => return Err(refused),
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "recorded": true }),
    ))
}

/// Why an action was not recorded.
enum Checked {
    /// Refused: the answer to give.
    Refused(Response),
    /// Another action was stored on the case since its log was read (the
    /// answer if the caller does not read it again).
    Stale(Response),
}

/// Checks `recorded` against the case's collection state (folded from the
/// `logged` actions read) and stores it with its transfers and its audit
/// entry; refused whole if another action was stored since that reading.
#[allow(clippy::too_many_arguments)]
async fn record_checked(
    state: &AppState,
    by: &SignedIn,
    case: CaseReference,
    key: &str,
    recorded: &RecordedAction,
    logged: (&CollectionState, usize),
    arrears: (Pence, bool),
    transfers: &[Transfer],
) -> Result<ActionOutcome, Response> {
    try_record_checked(state, by, case, key, recorded, logged, arrears, transfers)
        .await
        .map_err(|checked| match checked {
            Checked::Refused(response) | Checked::Stale(response) => response,
        })
}

/// [`record_checked`], telling a stale reading apart from a refusal.
#[allow(clippy::too_many_arguments)]
async fn try_record_checked(
    state: &AppState,
    by: &SignedIn,
    case: CaseReference,
    key: &str,
    recorded: &RecordedAction,
    (collection, logged): (&CollectionState, usize),
    (arrears, at_risk): (Pence, bool),
    transfers: &[Transfer],
) -> Result<ActionOutcome, Checked> {
    collection
        .check(&recorded.action, recorded.by, arrears, at_risk)
        .map_err(|refused| Checked::Refused(action_refused(&refused)))?;
    let audit = by.audit(
        state,
        Action::Changed,
        Some(&case),
        vec![format!("collection_action:{}", recorded.action.encode().0)],
        None,
    );
    state
        .store
        .record_collection_action(
            &case,
            i64::try_from(logged).unwrap_or(i64::MAX),
            key,
            recorded,
            transfers,
            audit,
        )
        .await
        .map_err(|e| match e {
            StorageError::ActionConflict(_) => {
                Checked::Stale(error(StatusCode::CONFLICT, "", e.to_string()))
            }
            other => Checked::Refused(storage_failure(&other)),
        })
}
